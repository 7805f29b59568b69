/* Private messages: live arrival of new messages in the open conversation (the form works without it). */
(function () {
  'use strict';
  var list = document.getElementById('pm-messages');
  if (!list || typeof window.io !== 'function') return;
  var threadId = list.getAttribute('data-thread');
  var socket = window.HarbourSocket || window.io({ transports: ['websocket', 'polling'] });
  window.HarbourSocket = socket;
  // app.js loads after this script (both deferred): once it has run, the socket comes back by
  // itself after a server restart or shutdown (server:shutdown), like every live page's.
  document.addEventListener('DOMContentLoaded', function () {
    if (window.Harbour) window.Harbour.watchConnection(socket);
  });
  var seen = {};
  socket.on('pm:message', function (m) {
    if (!m || m.threadId !== threadId || seen[m.id]) return;
    seen[m.id] = true;
    var li = document.createElement('li');
    if (m.mine) li.className = 'mine';
    var who = document.createElement('strong');
    who.textContent = m.from;
    var time = document.createElement('time');
    time.setAttribute('datetime', m.sentAt);
    time.className = 'muted';
    time.textContent = ' ' + m.sentAt.slice(0, 16).replace('T', ' ') + ' UTC';
    var body = document.createElement('p');
    body.className = 'prewrap';
    body.textContent = m.body;
    li.appendChild(who);
    li.appendChild(time);
    li.appendChild(body);
    list.appendChild(li);
  });
})();
