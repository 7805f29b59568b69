/* global Chart */
// Harbour coverage week view: draws covered / uncovered parts of each hour of the week and the
// posts that arrived at that hour over four weeks, from the figures the table already shows
// (data-chart on #coverage-chart). Without JavaScript (or Chart.js) the table carries everything.
(function () {
  'use strict';
  var holder = document.getElementById('coverage-chart');
  var canvas = document.getElementById('chart-coverage');
  if (!holder || !canvas || typeof Chart !== 'function') return;
  var data;
  try {
    data = JSON.parse(holder.getAttribute('data-chart'));
  } catch {
    return;
  }
  var L = data.text;
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        {
          type: 'bar',
          label: L.covered,
          data: data.covered,
          stack: 'hour',
          yAxisID: 'y',
          backgroundColor: '#2e7d5b',
        },
        {
          type: 'bar',
          label: L.uncovered,
          data: data.uncovered,
          stack: 'hour',
          yAxisID: 'y',
          backgroundColor: '#d9e4de',
        },
        {
          type: 'line',
          label: L.arrivals,
          data: data.arrivals,
          yAxisID: 'y1',
          borderColor: '#b35c00',
          backgroundColor: '#b35c00',
          pointRadius: 0,
          borderWidth: 2,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { stacked: true, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { stacked: true, min: 0, max: 1, title: { display: true, text: L.hourAxis } },
        y1: {
          position: 'right',
          beginAtZero: true,
          ticks: { precision: 0 },
          grid: { drawOnChartArea: false },
          title: { display: true, text: L.arrivalsAxis },
        },
      },
    },
  });
})();
