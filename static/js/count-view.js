// Counts one view of this article for the アクセスランキング (articles/readership.py): a bodiless POST, no
// cookie and nothing about the reader, sent once the page has been visible for two seconds, so a tab opened
// in the background and never read, or a prerendered page, does not count.
(function () {
  "use strict";
  var article = document.querySelector("[data-count-view]");
  if (!article || !navigator.sendBeacon) {
    return;
  }
  var url = article.getAttribute("data-count-view");
  var timer = null;
  var sent = false;
  function send() {
    if (!sent && document.visibilityState === "visible") {
      sent = true;
      navigator.sendBeacon(url);
    }
  }
  function arm() {
    if (sent) {
      return;
    }
    window.clearTimeout(timer);
    if (document.visibilityState === "visible") {
      timer = window.setTimeout(send, 2000);
    }
  }
  document.addEventListener("visibilitychange", arm);
  arm();
})();
