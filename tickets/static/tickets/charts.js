// Bar charts from data-labels / data-values on any canvas with id ending in "-chart".
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas[id$='-chart']").forEach((canvas) => {
    const labels = JSON.parse(canvas.dataset.labels || "[]");
    const values = JSON.parse(canvas.dataset.values || "[]");
    new Chart(canvas, {
      type: canvas.dataset.type || "bar",
      data: { labels: labels, datasets: [{ data: values, backgroundColor: "#0d6efd" }] },
      options: { plugins: { legend: { display: false } }, animation: false, scales: { y: { beginAtZero: true } } },
    });
  });
})();
