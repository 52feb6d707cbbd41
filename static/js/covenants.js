// The covenant page's headroom chart (Chart.js, served from static/vendor). The data
// is a JSON script element (not executed); the table beside the chart holds the same figures.
"use strict";

document.querySelectorAll("canvas[data-chart-source]").forEach((canvas) => {
  const source = document.getElementById(canvas.dataset.chartSource);
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const colours = ["#0d6efd", "#198754", "#6f42c1", "#fd7e14"];
  data.datasets.forEach((set, i) => {
    set.borderColor = colours[i % colours.length];
    set.backgroundColor = colours[i % colours.length];
    set.spanGaps = true;
  });
  new Chart(canvas, {
    type: "line",
    data,
    options: {
      animation: false,
      scales: { y: { title: { display: true, text: "Headroom, % of requirement" } } },
    },
  });
});
