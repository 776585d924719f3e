/* Nothing typed in an article's form is lost (issue #18): the form's text is sent to the server's autosave
   every few seconds while it changes (articles/admin/autosave.py), an autosave found when the form opens can
   be restored or discarded, and leaving the page with unsaved changes asks first. The server refuses an
   autosave once someone else has saved the article since the form was loaded; then autosaving stops and
   says why, so it never stands in for their newer save. */
(function () {
  "use strict";

  var INTERVAL_MS = 5000;
  var FIELDS = ["title", "slug", "body", "excerpt", "hero_image_alt", "correction_note"];
  var GENERIC_FAILURE = "自動保存できませんでした。通信が戻ると再開します。";

  function setUp(status) {
    var form = status.closest("form");
    var url = status.getAttribute("data-url");
    if (!form || !url) {
      return;
    }
    var submitting = false;
    var stopped = false;
    var inFlight = false;

    function field(name) {
      return form.elements.namedItem(name);
    }

    function typed() {
      var values = {};
      FIELDS.forEach(function (name) {
        var element = field(name);
        if (element && "value" in element) {
          values[name] = element.value;
        }
      });
      return values;
    }

    // Every control, for "has anything changed since the page opened?" (files by their chosen name).
    function wholeForm() {
      return Array.prototype.map.call(form.elements, function (element) {
        if (!element.name || element.name === "csrfmiddlewaretoken") {
          return "";
        }
        if (element.type === "checkbox" || element.type === "radio") {
          return element.name + "=" + element.checked;
        }
        if (element.multiple && element.options) {
          return element.name + "=" + Array.prototype.filter.call(element.options, function (option) {
            return option.selected;
          }).map(function (option) { return option.value; }).join(",");
        }
        return element.name + "=" + element.value;
      }).join("\u0000");
    }

    var loaded = wholeForm();
    var lastSent = JSON.stringify(typed());

    function say(message) {
      status.textContent = message;
    }

    function post(data, keepalive) {
      var body = new URLSearchParams();
      Object.keys(data).forEach(function (name) { body.append(name, data[name]); });
      return fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        keepalive: Boolean(keepalive),
        headers: window.AllforcesDesk.postHeaders(form)
      }).then(function (response) {
        return response.json().then(
          function (answer) { return { status: response.status, message: answer.message }; },
          function () { return { status: response.status, message: "" }; }
        );
      });
    }

    function autosave(keepalive) {
      var values = typed();
      var snapshot = JSON.stringify(values);
      if (stopped || submitting || inFlight || snapshot === lastSent) {
        return;
      }
      var loadedVersion = field("loaded_version");
      values.loaded_version = loadedVersion ? loadedVersion.value : "";
      inFlight = true;
      post(values, keepalive)
        .then(function (answer) {
          if (answer.status === 200) {
            lastSent = snapshot;
          } else if (answer.status === 403 || answer.status === 409) {
            stopped = true;  // someone saved after us, or we may not: nothing more is kept on the server
          }
          say(answer.message || GENERIC_FAILURE);
        })
        .catch(function () { say(GENERIC_FAILURE); })
        .then(function () { inFlight = false; });
    }

    window.setInterval(autosave, INTERVAL_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        autosave(true);
      }
    });

    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && wholeForm() !== loaded) {
        event.preventDefault();
        event.returnValue = "";  // the browser shows its own "leave this page?" question
      }
    });

    var offer = document.getElementById("desk-autosave-offer");
    if (!offer) {
      return;
    }
    var restore = offer.querySelector("[data-autosave-restore]");
    if (restore) {
      restore.addEventListener("click", function () {
        var saved = JSON.parse(document.getElementById("desk-autosave-fields").textContent);
        FIELDS.forEach(function (name) {
          var element = field(name);
          if (element && typeof saved[name] === "string") {
            element.value = saved[name];
            element.dispatchEvent(new Event("input", { bubbles: true }));
          }
        });
        offer.remove();
        say("自動保存した入力を復元しました。保存するまで記事は変わりません。");
        var title = field("title");
        if (title) {
          title.focus();
        }
      });
    }
    offer.querySelector("[data-autosave-discard]").addEventListener("click", function () {
      post({ discard: "1" })
        .then(function (answer) {
          if (answer.status === 200) {
            offer.remove();
          }
          say(answer.message || GENERIC_FAILURE);
        })
        .catch(function () { say(GENERIC_FAILURE); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("desk-autosave");
    if (status) {
      setUp(status);
    }
  });
})();
