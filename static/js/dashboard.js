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

  // Paper is narrower than the screen the charts were drawn for, and an SVG drawn wider than
  // its box is cut off: a 12-week trend printed as seven weeks. So while printing each chart
  // is redrawn at its printed width (print.css gives the charts a fixed one), and at the
  // screen's again afterwards. data-printed says which width a chart has.
  function fitTo(printing) {
    document.querySelectorAll("[data-rendered=true]").forEach(function (element) {
      var update = printing ? { width: element.clientWidth } : { width: null, autosize: true };
      window.Plotly.relayout(element, update).then(function () {
        element.dataset.printed = printing ? "true" : "false";
      });
    });
  }
  var print = window.matchMedia("print");
  print.addEventListener("change", function (event) { fitTo(event.matches); });
  window.addEventListener("beforeprint", function () { fitTo(true); });
  window.addEventListener("afterprint", function () { fitTo(false); });
})();
