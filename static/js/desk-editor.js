/* The Markdown editor's image uploads, in place of markdownx's own: a refused or failed upload inserts
   nothing into the article and shows the server's reason beside the editor (markdownx inserted the English
   words "Invalid response" at the cursor and showed no reason). Drops and pastes that carry files are taken
   here, in the capture phase, before markdownx's handlers see them; plain-text pastes are left alone.
   An uploaded image is inserted only once the editor has described it (its alt text, and a caption if
   wanted): an image without alt text says nothing to a reader who cannot see it. */
(function () {
  "use strict";

  var GENERIC_FAILURE = "画像をアップロードできませんでした。通信を確認して、もう一度お試しください。";

  function markdownText(text, specials) {
    return text.replace(/\s+/g, " ").trim().replace(specials, "\\$&");
  }

  // A modal form asking for the alt text (required) and a caption (optional, the Markdown image title that
  // becomes a <figcaption>). Resolves with the Markdown to insert, or null when the editor declines.
  function askForDescription(url) {
    return new Promise(function (resolve) {
      var dialog = document.createElement("dialog");
      dialog.className = "desk-alt-dialog";
      dialog.setAttribute("aria-labelledby", "desk-alt-heading");
      dialog.innerHTML =
        '<form method="dialog" novalidate>' +
        '<h2 id="desk-alt-heading">画像の説明を入力してください</h2>' +
        '<img class="desk-alt-preview" alt="">' +
        '<p>代替テキストは、画像が見えない読者（読み上げソフトの利用者など）に画像の内容を伝える文です。</p>' +
        '<label for="desk-alt-text">代替テキスト（必須）</label>' +
        '<input id="desk-alt-text" type="text" autocomplete="off" aria-describedby="desk-alt-error">' +
        '<label for="desk-alt-caption">キャプション（任意・画像の下に表示されます）</label>' +
        '<input id="desk-alt-caption" type="text" autocomplete="off">' +
        '<p class="desk-alt-error" id="desk-alt-error" role="alert"></p>' +
        '<div class="desk-alt-buttons"><button type="submit" value="insert" class="button default">挿入する</button> ' +
        '<button type="submit" value="cancel" class="button">挿入しない</button></div></form>';
      dialog.querySelector(".desk-alt-preview").src = url;
      document.body.appendChild(dialog);
      var form = dialog.querySelector("form");
      var alt = dialog.querySelector("#desk-alt-text");
      var caption = dialog.querySelector("#desk-alt-caption");
      var error = dialog.querySelector("#desk-alt-error");

      function finish(result) {
        dialog.close();
        dialog.remove();
        resolve(result);
      }

      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (event.submitter && event.submitter.value === "cancel") {
          finish(null);
          return;
        }
        var description = markdownText(alt.value, /[\[\]\\]/g);
        if (!description) {
          error.textContent = "代替テキストを入力してください（例: 2025年度の売上推移を示す棒グラフ）。";
          alt.focus();
          return;
        }
        var title = markdownText(caption.value, /["\\]/g);
        finish("![" + description + "](" + url + (title ? ' "' + title + '"' : "") + ")");
      });
      dialog.addEventListener("cancel", function (event) {
        event.preventDefault();
        finish(null);
      });
      dialog.showModal();
      alt.focus();
    });
  }

  // One question at a time when several images are dropped together.
  var asking = Promise.resolve();

  function describeThenInsert(imageCode, insert) {
    var url = (imageCode.match(/^!\[\]\((.*)\)$/) || [])[1];
    if (!url) {
      insert(imageCode);
      return asking;
    }
    asking = asking.then(function () {
      return askForDescription(url).then(function (markdown) {
        if (markdown) {
          insert(markdown);
        }
      });
    });
    return asking;
  }

  function setUp(editor) {
    var uploadUrl = editor.getAttribute("data-markdownx-upload-urls-path");
    if (!uploadUrl) {
      return;
    }
    var status = document.createElement("p");
    status.className = "desk-upload-status";
    status.setAttribute("role", "alert");
    status.hidden = true;
    editor.insertAdjacentElement("afterend", status);

    function say(message) {
      status.textContent = message;
      status.hidden = !message;
    }

    function insert(text, start, end) {
      editor.value = editor.value.slice(0, start) + text + editor.value.slice(end);
      editor.selectionStart = editor.selectionEnd = start + text.length;
      editor.dispatchEvent(new Event("input", { bubbles: true }));
      editor.dispatchEvent(new Event("keyup", { bubbles: true }));
    }

    // An image goes in as a paragraph of its own, so that its caption becomes a <figcaption>
    // (articles/markdown.py) and it does not run into the sentence around the cursor.
    function asOwnParagraph(markdown, start, end) {
      var before = editor.value.slice(0, start);
      var after = editor.value.slice(end);
      var lead = !before || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
      var trail = !after ? "\n" : /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
      return lead + markdown + trail;
    }

    function upload(file) {
      var start = editor.selectionStart;
      var end = editor.selectionEnd;
      var data = new FormData();
      data.append("image", file);
      editor.setAttribute("aria-busy", "true");
      say("");
      return fetch(uploadUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: window.AllforcesDesk.postHeaders(editor.form)
      })
        .then(function (response) {
          return response.json().then(
            function (body) { return { ok: response.ok, status: response.status, body: body }; },
            function () { return { ok: false, status: response.status, body: null }; }
          );
        })
        .then(function (result) {
          if (result.ok && result.body && result.body.image_code) {
            return describeThenInsert(result.body.image_code, function (markdown) {
              insert(asOwnParagraph(markdown, start, end), start, end);
            });
          }
          var reason = result.body && result.body.image && result.body.image[0];
          say((file.name ? "「" + file.name + "」: " : "") + (reason || GENERIC_FAILURE));
        })
        .catch(function () { say(GENERIC_FAILURE); })
        .then(function () { editor.removeAttribute("aria-busy"); });
    }

    function takeFiles(event, files) {
      if (!files || !files.length) {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      Array.prototype.forEach.call(files, upload);
    }

    editor.addEventListener("drop", function (event) {
      takeFiles(event, event.dataTransfer && event.dataTransfer.files);
    }, true);
    editor.addEventListener("paste", function (event) {
      takeFiles(event, event.clipboardData && event.clipboardData.files);
    }, true);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-markdownx-upload-urls-path]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
