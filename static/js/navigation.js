// The navigation folds away on narrow screens behind a "Menu" button (the CSP allows no inline
// script). Loaded in <head>, so the "js" class is set before the page is drawn: without
// JavaScript the class never comes and the navigation simply stays open.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menubutton");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
    });
  });
})();
