/* Copy buttons for share-preview links (templates/admin/articles/article/_share_links.html): the link goes to
   the clipboard and the button's status says so; where the clipboard is refused, the link text is selected
   and the status says how to copy it by hand. */
(function () {
  "use strict";

  function say(button, message) {
    var status = button.nextElementSibling;
    if (status && status.classList.contains("desk-copy__status")) {
      status.textContent = message;
    }
  }

  function selectLink(button) {
    var link = document.getElementById(button.getAttribute("aria-describedby"));
    if (link) {
      var range = document.createRange();
      range.selectNodeContents(link.firstChild);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.desk-copy");
    if (!button) {
      return;
    }
    var text = button.getAttribute("data-copy");
    var copied = navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject(new Error("no clipboard"));
    copied.then(
      function () { say(button, "コピーしました"); },
      function () {
        selectLink(button);
        say(button, "コピーできませんでした。リンクを選択したので Ctrl+C（⌘C）でコピーしてください。");
      }
    );
  });
})();
