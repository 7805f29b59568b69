// Harbour base script (loaded on every page with the CSP nonce). Progressive enhancement only:
// every page works without it.
(function () {
  'use strict';

  /** The CSRF token of this page, for fetch() calls by the area scripts. */
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') || '' : '';
  }

  /** JSON fetch with the CSRF header; resolves to { ok, status, body }. */
  function postJson(url, data) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify(data || {}),
    }).then(function (res) {
      return res
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          return { ok: res.ok, status: res.status, body: body };
        });
    });
  }

  /**
   * Tells the person when the live connection drops and when it is back (their draft stays in the
   * box meanwhile), and reconnects after the server closed it (a restart): Socket.IO only retries
   * on its own when the network dropped.
   */
  function watchConnection(socket) {
    var box = document.getElementById('connection-status');
    // Pages whose scripts share one socket wire it once.
    if (!socket || socket.harbourWatched) return;
    socket.harbourWatched = true;
    var lost = false;
    var wait = 3000;
    function say(key) {
      if (!box) return;
      box.textContent = box.getAttribute(key) || '';
      box.hidden = false;
    }
    socket.on('server:shutdown', function (e) {
      if (e && e.reconnectAfterMs) wait = e.reconnectAfterMs;
    });
    socket.on('disconnect', function (reason) {
      lost = true;
      say('data-lost');
      if (reason === 'io server disconnect') {
        setTimeout(
          function () {
            socket.connect();
          },
          wait + Math.random() * 2000,
        );
      }
    });
    socket.on('connect', function () {
      if (!lost) return;
      lost = false;
      say('data-back');
      setTimeout(function () {
        if (!lost && box) box.hidden = true;
      }, 5000);
    });
  }

  window.Harbour = { csrfToken: csrfToken, postJson: postJson, watchConnection: watchConnection };

  // A form is sent once: a second tap while the first is on its way does nothing.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLElement)) return;
    if (form.getAttribute('data-sending') === '1') {
      event.preventDefault();
      return;
    }
    form.setAttribute('data-sending', '1');
    var buttons = form.querySelectorAll('button[type="submit"]');
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute('aria-disabled', 'true');
  });

  // Area scripts that send a form over a socket clear data-sending when the answer comes: the
  // buttons must then read as usable again (to screen readers and to the next tap).
  if (window.MutationObserver) {
    new window.MutationObserver(function (changes) {
      changes.forEach(function (change) {
        var form = change.target;
        if (!(form instanceof HTMLElement) || form.hasAttribute('data-sending')) return;
        var buttons = form.querySelectorAll('button[aria-disabled="true"]');
        for (var i = 0; i < buttons.length; i++) buttons[i].removeAttribute('aria-disabled');
      });
    }).observe(document.documentElement, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-sending'],
    });
  }

  // Coming back with the Back button restores the page as it was: let its forms be sent again.
  window.addEventListener('pageshow', function () {
    var sending = document.querySelectorAll('form[data-sending]');
    for (var i = 0; i < sending.length; i++) sending[i].removeAttribute('data-sending');
  });

  // On a phone the group menu scrolls sideways: bring the current page's link into view.
  var currentTab = document.querySelector('.group-nav-links [aria-current="page"]');
  if (currentTab && currentTab.scrollIntoView) {
    currentTab.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  // Pages showing problems move focus to the summary so screen readers announce it.
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
})();
