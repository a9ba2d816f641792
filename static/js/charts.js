/*
 * charts.js — draws every server-rendered chart without inline script (Content-Security-Policy).
 *
 * The rule (docs/architecture.md, "Content-Security-Policy"): pages never contain executable
 * inline <script> or on*= handlers. A chart is emitted by spm.web.charts as
 *
 *   <div id="chart-1a2b3c"></div>
 *   <script type="application/json" data-chart="chart-1a2b3c">{"data": [...], "layout": {...}, "config": {...}}</script>
 *
 * JSON blocks are data, not code, so CSP lets them through; this file (loaded by
 * templates/_chart_head.html after plotly.min.js) parses each block and calls Plotly.newPlot on the
 * element whose id the block names (or, without a value, on the element just before the block).
 * It runs on page load and again after every htmx swap, and draws each block once.
 */
(function () {
  "use strict";

  function draw(block) {
    if (block.dataset.chartDrawn) return;
    var target = block.dataset.chart ? document.getElementById(block.dataset.chart) : block.previousElementSibling;
    if (!target || typeof Plotly === "undefined") return;
    var figure;
    try {
      figure = JSON.parse(block.textContent);
    } catch (err) {
      console.error("charts.js: invalid chart JSON", err);
      return;
    }
    block.dataset.chartDrawn = "1";
    Plotly.newPlot(target, figure.data || [], figure.layout || {}, figure.config || {});
  }

  function drawAll(root) {
    (root || document).querySelectorAll('script[type="application/json"][data-chart]').forEach(draw);
  }

  window.SpmCharts = { drawAll: drawAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
})();
