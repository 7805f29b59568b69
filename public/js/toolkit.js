/* global MutationObserver */
// Harbour moderators' toolkit: live reports tab (re-fetches the server-rendered list on
// `reports:changed`), saved replies and the privacy statement inserted into a note, and a copy
// button. Progressive enhancement: without JavaScript every form still posts.
(function () {
  'use strict';

  function insertInto(id, text) {
    var box = document.getElementById(id);
    if (!box) return;
    box.value = box.value ? box.value.replace(/\s+$/, '') + '\n\n' + text : text;
    box.focus();
  }

  document.addEventListener('change', function (event) {
    var select = event.target;
    if (!select.classList || !select.classList.contains('saved-reply') || !select.value) return;
    insertInto(select.getAttribute('data-target'), select.value);
    select.value = '';
  });

  // The buttons need JavaScript, so they start hidden; lists re-rendered live bring new ones.
  function reveal() {
    document
      .querySelectorAll('.copy-privacy[hidden], .insert-privacy[hidden]')
      .forEach(function (b) {
        b.hidden = false;
      });
  }
  reveal();
  new MutationObserver(reveal).observe(document.body, { childList: true, subtree: true });

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('.copy-privacy, .insert-privacy');
    if (!button) return;
    var holder = button.closest('.privacy-statement');
    var text = holder.querySelector('.privacy-text').textContent;
    var status = holder.querySelector('.copy-status');
    if (button.classList.contains('insert-privacy')) {
      insertInto(button.getAttribute('data-target'), text);
      return;
    }
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () {
        status.textContent = status.getAttribute('data-copied') || '\u2713';
      });
    }
  });

  var page = document.getElementById('reports-page');
  if (!page || typeof io !== 'function') return;
  var slug = page.getAttribute('data-group-slug');
  var groupId = page.getAttribute('data-group-id');
  var live = document.getElementById('live');
  var socket = io({ transports: ['websocket', 'polling'] });
  // app.js loads after this script (both deferred): once it has run, the socket comes back by
  // itself after a server restart or shutdown (server:shutdown), like every live page's.
  document.addEventListener('DOMContentLoaded', function () {
    if (window.Harbour) window.Harbour.watchConnection(socket);
  });

  function refresh() {
    fetch('/g/' + slug + '/reports/items', {
      credentials: 'same-origin',
      headers: { accept: 'text/html' },
    })
      .then(function (res) {
        return res.ok ? res.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        var holder = document.getElementById('report-items');
        if (holder.contains(document.activeElement)) return; // do not move focus under a reader
        var template = document.createElement('template');
        template.innerHTML = html;
        var fresh = template.content.getElementById('report-items');
        if (!fresh) return;
        holder.replaceWith(fresh);
        var count = fresh.querySelector('.muted');
        if (count && live) live.textContent = count.textContent;
      })
      .catch(function () {});
  }

  socket.on('reports:changed', function (e) {
    if (e.groupId === groupId) refresh();
  });
  socket.on('connect', refresh);
})();
