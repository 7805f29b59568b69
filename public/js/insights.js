/* global Chart */
// Harbour insights: draws the charts from the figures the page already shows in tables
// (data-chart on #insights). Without JavaScript (or Chart.js) the tables carry everything.
(function () {
  'use strict';
  var holder = document.getElementById('insights');
  if (!holder || typeof Chart !== 'function') return;
  var data;
  try {
    data = JSON.parse(holder.getAttribute('data-chart'));
  } catch {
    return;
  }
  var L = data.labelsText;
  var common = { responsive: true, maintainAspectRatio: false, animation: false };
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  draw('chart-posts', {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [
        { label: L.submitted, data: data.submitted },
        { label: L.published, data: data.published },
      ],
    },
    options: common,
  });
  draw('chart-active', {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: [{ label: L.members, data: data.active, spanGaps: false }],
    },
    options: common,
  });
  draw('chart-waiting', {
    type: 'bar',
    data: { labels: L.waiting, datasets: [{ label: L.minutes, data: data.waiting }] },
    options: common,
  });
  draw('chart-rules', {
    type: 'bar',
    data: { labels: data.rules, datasets: [{ label: L.count, data: data.ruleCounts }] },
    options: Object.assign({ indexAxis: 'y' }, common),
  });
  draw('chart-reports', {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: [
        { label: L.reports, data: data.reports },
        { label: L.sanctions, data: data.sanctions },
      ],
    },
    options: common,
  });
})();

// A living discussion (issue 14): replies per thread and returning members, from #discussion.
(function () {
  'use strict';
  var holder = document.getElementById('discussion');
  if (!holder || typeof Chart !== 'function') return;
  var data;
  try {
    data = JSON.parse(holder.getAttribute('data-chart'));
  } catch {
    return;
  }
  var L = data.labelsText;
  var common = { responsive: true, maintainAspectRatio: false, animation: false };
  var replies = document.getElementById('chart-replies');
  if (replies) {
    new Chart(replies, {
      type: 'bar',
      data: { labels: data.buckets, datasets: [{ label: L.threads, data: data.bucketThreads }] },
      options: common,
    });
  }
  var returning = document.getElementById('chart-returning');
  if (returning) {
    // Withheld counts (fewer than 3) are gaps, never zeros.
    new Chart(returning, {
      type: 'bar',
      data: {
        labels: data.weeks,
        datasets: [
          { label: L.posted, data: data.posted },
          { label: L.returning, data: data.returning },
        ],
      },
      options: common,
    });
  }
})();
