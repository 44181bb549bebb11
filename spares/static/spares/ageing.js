(function () {
  var el = document.getElementById("turnover-data");
  var canvas = document.getElementById("turnover-chart");
  if (!el || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.turnover_label, data: data.turnover, backgroundColor: "rgba(13,110,253,0.6)" },
        { label: data.target_label, data: data.labels.map(function () { return data.target; }), type: "line",
          borderColor: "#dc3545", borderDash: [6, 4], pointRadius: 0, fill: false }
      ]
    },
    options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
  });
})();
