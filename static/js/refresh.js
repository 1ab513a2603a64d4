// Keeps a part of a page up to date without inline script (the CSP allows only our own
// files): every element with data-refresh="SECONDS" and an id is fetched again from the same
// address after that many seconds and replaced by its new version, until the new version no
// longer asks to be refreshed (a finished import job, for example).
(function () {
  "use strict";

  function schedule(element) {
    var seconds = parseFloat(element.dataset.refresh);
    if (!element.id || !(seconds > 0)) {
      return;
    }
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(element.id);
          if (!fresh) {
            return;
          }
          element.replaceWith(fresh);
          fresh.dispatchEvent(new CustomEvent("handoff:refreshed", { bubbles: true }));
          schedule(fresh);
        })
        .catch(function () {
          schedule(element); // the server may be restarting: try again later
        });
    }, seconds * 1000);
  }

  document.querySelectorAll("[data-refresh]").forEach(schedule);
})();
