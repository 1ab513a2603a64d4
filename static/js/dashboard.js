// Draws the dashboard's charts. Each <div data-figure="ID"> gets the Plotly figure whose JSON
// the page put in <script type="application/json" id="ID">: no inline script, so the page
// keeps its strict Content-Security-Policy.
(function () {
  "use strict";

  // On a touch screen the toolbar's buttons only get in the way of scrolling.
  var touch = window.matchMedia("(hover: none)").matches;
  var config = {
    displaylogo: false,
    displayModeBar: touch ? false : "hover",
    responsive: true,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
  };

  function draw(element) {
    var source = document.getElementById(element.dataset.figure);
    if (!source) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.dataset.rendered = "true";
    });
  }

  document.querySelectorAll("[data-figure]").forEach(draw);
})();
