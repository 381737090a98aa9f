// Draws the monthly trend from the JSON block the server rendered (no inline script: CSP allows only our files).
(function () {
  var canvas = document.getElementById('trend');
  var block = document.getElementById('chart-data');
  if (!canvas || !block || typeof Chart === 'undefined') return;
  var data = JSON.parse(block.textContent);
  new Chart(canvas, {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: [
        { label: data.labelShare, data: data.share, borderColor: '#0b5394', backgroundColor: '#0b5394', spanGaps: true, tension: 0.2 },
        { label: data.labelTarget, data: data.target, borderColor: '#a10000', borderDash: [6, 4], pointRadius: 0, fill: false },
        // The 95% band: its upper edge filled down to its lower edge, joined across months without a figure as the line is.
        { label: data.labelBand, data: data.high, borderColor: 'rgba(11,83,148,0.25)', backgroundColor: 'rgba(11,83,148,0.15)', pointRadius: 0, borderWidth: 1, fill: '+1', spanGaps: true },
        { label: data.labelBand, data: data.low, borderColor: 'rgba(11,83,148,0.25)', pointRadius: 0, borderWidth: 1, fill: false, spanGaps: true },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      scales: { y: { suggestedMin: 50, suggestedMax: 100, ticks: { callback: function (v) { return v + '%'; } } } },
      plugins: { legend: { labels: { filter: function (item, chart) { return item.datasetIndex !== 3; } } }, tooltip: { callbacks: { afterLabel: function (ctx) { return ctx.datasetIndex === 0 ? 'n = ' + data.n[ctx.dataIndex] : ''; } } } },
    },
  });
})();
