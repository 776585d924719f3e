/* What the desk's scripts share, loaded before them (ArticleAdmin.Media): the headers of a same-origin POST
   that Django's CSRF check accepts, with the token of the form the request is for. */
(function () {
  "use strict";

  window.AllforcesDesk = {
    postHeaders: function (form) {
      var token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
      return { "X-CSRFToken": token ? token.value : "", "X-Requested-With": "XMLHttpRequest" };
    }
  };
})();
