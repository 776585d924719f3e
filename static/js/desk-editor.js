/* The Markdown editor's image uploads, in place of markdownx's own: a refused or failed upload inserts
   nothing into the article and shows the server's reason beside the editor (markdownx inserted the English
   words "Invalid response" at the cursor and showed no reason). Drops and pastes that carry files are taken
   here, in the capture phase, before markdownx's handlers see them; plain-text pastes are left alone. */
(function () {
  "use strict";

  var GENERIC_FAILURE = "画像をアップロードできませんでした。通信を確認して、もう一度お試しください。";

  function csrfToken(editor) {
    var field = editor.form && editor.form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
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
        headers: { "X-CSRFToken": csrfToken(editor), "X-Requested-With": "XMLHttpRequest" }
      })
        .then(function (response) {
          return response.json().then(
            function (body) { return { ok: response.ok, status: response.status, body: body }; },
            function () { return { ok: false, status: response.status, body: null }; }
          );
        })
        .then(function (result) {
          if (result.ok && result.body && result.body.image_code) {
            insert(result.body.image_code, start, end);
            return;
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
