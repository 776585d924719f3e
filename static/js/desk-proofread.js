/* The 校正 panel (templates/admin/articles/article/_proofread.html): sends the body to the desk's proofreading
   endpoint (textlint on the server, with the house-style dictionary) and lists each finding with its line and
   a suggestion. A finding's line button selects that line in the editor. Findings are advice: nothing here
   touches the form's saving. */
(function () {
  "use strict";

  var FAILURE = "校正できませんでした。通信を確認して、もう一度お試しください。保存には影響しません。";

  function selectLine(editor, line) {
    var lines = editor.value.split("\n");
    var start = 0;
    for (var index = 0; index < line - 1 && index < lines.length; index += 1) {
      start += lines[index].length + 1;
    }
    var end = start + (lines[line - 1] || "").length;
    editor.focus();
    editor.setSelectionRange(start, end);
    // Scroll the editor so the selected line is in view: roughly its share of the text's height.
    var range = editor.scrollHeight - editor.clientHeight;
    editor.scrollTop = range * (line - 1) / Math.max(lines.length - 1, 1);
  }

  function findingItem(editor, finding) {
    var item = document.createElement("li");
    var jump = document.createElement("button");
    jump.type = "button";
    jump.className = "desk-proofread__line";
    jump.textContent = finding.line + " 行目";
    jump.setAttribute("aria-label", finding.line + " 行目を選択");
    jump.addEventListener("click", function () { selectLine(editor, finding.line); });
    var kind = document.createElement("strong");
    kind.textContent = finding.kind;
    item.append(jump, " ", kind, "：", finding.message);
    if (finding.suggestion) {
      var suggestion = document.createElement("span");
      suggestion.className = "desk-proofread__suggestion";
      suggestion.textContent = "提案：" + finding.suggestion;
      item.append(" ", suggestion);
    }
    return item;
  }

  function setUp(panel) {
    var editor = document.getElementById("id_body");
    var button = document.getElementById("desk-proofread-run");
    var status = document.getElementById("desk-proofread-status");
    var list = document.getElementById("desk-proofread-findings");
    if (!editor || !button) {
      return;
    }
    var bodyRow = editor.closest(".form-row");
    if (bodyRow) {
      bodyRow.insertAdjacentElement("afterend", panel);
    }
    panel.hidden = false;

    function show(message, findings) {
      status.textContent = message;
      list.replaceChildren.apply(list, (findings || []).map(function (finding) {
        return findingItem(editor, finding);
      }));
    }

    button.addEventListener("click", function () {
      var data = new FormData();
      data.append("content", editor.value);
      button.disabled = true;
      show("校正しています…");
      fetch(panel.getAttribute("data-url"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: window.AllforcesDesk.postHeaders(editor.form)
      })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          if (result.error) {
            show(result.error);
          } else if (!result.findings.length) {
            show("指摘はありません。");
          } else {
            show("指摘が " + result.findings.length + " 件あります（助言です。このまま保存もできます）。", result.findings);
          }
        })
        .catch(function () { show(FAILURE); })
        .then(function () { button.disabled = false; });
    });
  }

  function start() {
    var panel = document.getElementById("desk-proofread");
    if (panel) {
      setUp(panel);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
