/* HQ overview: total score per inspection of the chosen station, with the grade thresholds as context. */
(function () {
  "use strict";
  var canvas = document.getElementById("trend-chart");
  if (!canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(document.getElementById("trend-data").textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [{ label: data.label, data: data.totals, borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0.2 }],
    },
    options: {
      responsive: true,
      scales: { y: { min: 0, max: 100 } },
      plugins: { tooltip: { callbacks: { afterLabel: function (ctx) { return data.grades[ctx.dataIndex]; } } } },
    },
  });
})();
