/* Live notifications: bumps the unread badge in the header and, on the notifications page, adds
   new items at the top. Loaded on pages that already open a socket; the pages work without it. */
(function () {
  'use strict';
  if (typeof window.io !== 'function') return;
  var socket = window.HarbourSocket || window.io({ transports: ['websocket', 'polling'] });
  window.HarbourSocket = socket;
  // app.js loads after this script (both deferred): once it has run, the socket comes back by
  // itself after a server restart or shutdown (server:shutdown), like every live page's.
  document.addEventListener('DOMContentLoaded', function () {
    if (window.Harbour) window.Harbour.watchConnection(socket);
  });
  var counted = {};
  // Marks the page as live (tests wait for it; also handy when debugging).
  function live() {
    document.body.setAttribute('data-live', 'connected');
  }
  if (socket.connected) live();
  socket.on('connect', live);

  function bumpBadge() {
    var link = document.querySelector('.site-header a[href="/notifications"]');
    if (!link) return;
    var badge = document.getElementById('unread-badge');
    if (!badge) {
      badge = document.createElement('span');
      badge.id = 'unread-badge';
      badge.className = 'nav-badge';
      var n = document.createElement('span');
      n.setAttribute('aria-hidden', 'true');
      n.textContent = '0';
      badge.appendChild(n);
      link.appendChild(document.createTextNode(' '));
      link.appendChild(badge);
    }
    var count = badge.querySelector('[aria-hidden]');
    count.textContent = String((parseInt(count.textContent, 10) || 0) + 1);
  }

  socket.on('notification:created', function (n) {
    if (!n || !n.id) return;
    if (!counted[n.id]) {
      counted[n.id] = true;
      bumpBadge();
    }
    var list = document.getElementById('notifications');
    if (!list) return;
    var old = list.querySelector('[data-id="' + n.id + '"]');
    var li = document.createElement('li');
    li.className = 'notification unread';
    li.setAttribute('data-id', n.id);
    var text = document.createElement(n.href ? 'a' : 'span');
    if (n.href) text.setAttribute('href', n.href);
    text.textContent = n.text;
    li.appendChild(text);
    if (old) list.replaceChild(li, old);
    else list.insertBefore(li, list.firstChild);
  });
})();
