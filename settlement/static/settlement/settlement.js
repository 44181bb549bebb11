/* Settlement pages: run progress polling, downloads with a progress bar, the chart by region. */
(function () {
  "use strict";

  function setBar(bar, percent, text) {
    if (!bar) return;
    var inner = bar.querySelector(".progress-bar");
    inner.style.width = percent + "%";
    inner.setAttribute("aria-valuenow", String(percent));
    inner.textContent = text || percent + "%";
  }

  // 1. A running settlement run: poll its status until it is done, then reload the page.
  var runBox = document.getElementById("run-progress");
  if (runBox && runBox.dataset.statusUrl && runBox.dataset.done !== "true") {
    var poll = function () {
      fetch(runBox.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          setBar(runBox, data.progress);
          var label = document.getElementById("run-status-label");
          if (label) label.textContent = data.status_label;
          var waiting = document.getElementById("run-waiting");
          if (waiting) waiting.classList.toggle("d-none", !data.waiting_for_queue);
          if (data.done) {
            window.location.replace(window.location.pathname);
          } else {
            window.setTimeout(poll, data.waiting_for_queue ? 5000 : 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    poll();
  }

  // 1b. A workbook being built by a worker: poll its status until it is done, then offer the file.
  var exportBox = document.getElementById("export-progress");
  if (exportBox && exportBox.dataset.statusUrl) {
    var pollExport = function () {
      fetch(exportBox.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          setBar(exportBox, data.progress);
          document.getElementById("export-status-label").textContent = data.status_label;
          document.getElementById("export-message").textContent = data.message;
          if (data.download_url) {
            var link = document.getElementById("export-download");
            link.href = data.download_url;
            link.classList.remove("d-none");
          }
          if (!data.done) window.setTimeout(pollExport, 1000);
        })
        .catch(function () { window.setTimeout(pollExport, 3000); });
    };
    pollExport();
  }

  // 2. Downloads: fetch the file, show bytes received against Content-Length, then save it.
  document.querySelectorAll("a[data-download]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!window.fetch || !window.ReadableStream) return; // plain link as fallback
      event.preventDefault();
      var bar = document.getElementById(link.dataset.download);
      if (bar) bar.classList.remove("d-none");
      setBar(bar, 5, link.dataset.preparing || "…");
      fetch(link.href, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        var total = parseInt(response.headers.get("Content-Length") || "0", 10);
        var disposition = response.headers.get("Content-Disposition") || "";
        var match = /filename="?([^";]+)"?/.exec(disposition);
        var name = match ? match[1] : "download";
        var reader = response.body.getReader();
        var chunks = [];
        var received = 0;
        function pump() {
          return reader.read().then(function (step) {
            if (step.done) return;
            chunks.push(step.value);
            received += step.value.length;
            if (total) setBar(bar, Math.round((received * 100) / total));
            return pump();
          });
        }
        return pump().then(function () {
          setBar(bar, 100);
          var blob = new Blob(chunks, { type: response.headers.get("Content-Type") || "application/octet-stream" });
          var url = URL.createObjectURL(blob);
          var a = document.createElement("a");
          a.href = url;
          a.download = name;
          document.body.appendChild(a);
          a.click();
          a.remove();
          window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        });
      }).catch(function () {
        setBar(bar, 100, link.dataset.failed || "!");
        window.location.href = link.href;
      });
    });
  });

  // 3. Net payable by region (Chart.js).
  var chartData = document.getElementById("region-chart-data");
  var canvas = document.getElementById("region-chart");
  if (chartData && canvas && window.Chart) {
    var data = JSON.parse(chartData.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: data.label, data: data.values, backgroundColor: "#0d6efd" }] },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } },
    });
  }
})();
