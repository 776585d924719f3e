/* Write and see: the article beside the Markdown editor (below it on a phone), in the reader site's own
   stylesheet, with a live 文字数 and 読了時間 under the editor.

   markdownx already posts the text to the bounded preview endpoint as the editor changes (at most every
   half second) and announces each answer with a `markdownx.update` event; this script only shows that HTML
   in a frame that loads site.css, so what the editor sees is what a reader's page looks like, untouched by
   the admin's styles. The frame is sandboxed without scripts: only this page writes into it. */
(function () {
  "use strict";

  // The model's rule (articles/markdown.py): characters of the rendered text without whitespace, 500 a minute.
  var CHARACTERS_PER_MINUTE = 500;

  function readingCharacters(html) {
    var text = new DOMParser().parseFromString(html, "text/html").body.textContent || "";
    return text.replace(/\s/g, "").length;
  }

  function escapeHtml(text) {
    var holder = document.createElement("div");
    holder.textContent = text;
    return holder.innerHTML.replace(/"/g, "&quot;");
  }

  function setUp(widget) {
    var editor = widget.querySelector("textarea");
    var stylesheet = document.querySelector("link[data-desk-reader-css]");
    if (!editor || !stylesheet) {
      return;
    }
    var title = document.getElementById("id_title");
    var frame = document.createElement("iframe");
    frame.className = "desk-preview-frame";
    frame.title = "読者に表示される記事のプレビュー";
    frame.setAttribute("sandbox", "allow-same-origin");
    var counter = document.createElement("p");
    counter.className = "desk-counter";
    counter.id = "desk-counter";
    counter.setAttribute("aria-live", "polite");
    editor.insertAdjacentElement("afterend", counter);
    widget.appendChild(frame);
    widget.classList.add("desk-write-and-see");

    var body = "";

    function render() {
      var heading = title ? escapeHtml(title.value) : "";
      frame.srcdoc =
        '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>プレビュー</title>' +
        '<link rel="stylesheet" href="' + escapeHtml(stylesheet.href) + '"></head><body>' +
        '<main class="site-main"><article class="article"><header class="article__header">' +
        '<h1 class="article__title">' + heading + "</h1></header>" +
        '<div class="article__body">' + body + "</div></article></main></body></html>";
      if (body.indexOf('<p class="errornote">') === 0) {
        // The endpoint refused to render (a body over the limit): its reason is in the frame, not a count.
        counter.textContent = "文字数と読了時間は、本文が上限内に収まると表示されます。";
        return;
      }
      var characters = readingCharacters(body);
      counter.textContent =
        "文字数 " + characters.toLocaleString("ja-JP") + " 字 ／ 読了時間 約 " +
        Math.ceil(characters / CHARACTERS_PER_MINUTE) + " 分";
    }

    function syncScroll() {
      var view = frame.contentWindow;
      var page = frame.contentDocument && frame.contentDocument.documentElement;
      var range = editor.scrollHeight - editor.clientHeight;
      if (!view || !page) {
        return;
      }
      var ratio = range > 0 ? editor.scrollTop / range : 0;
      view.scrollTo(0, ratio * (page.scrollHeight - view.innerHeight));
    }

    widget.addEventListener("markdownx.update", function (event) {
      body = (event.detail && event.detail[0]) || "";
      render();
    });
    if (title) {
      title.addEventListener("input", render);
    }
    editor.addEventListener("scroll", syncScroll, { passive: true });
    frame.addEventListener("load", syncScroll);
    render();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".markdownx"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
