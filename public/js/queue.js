// Harbour moderators' queue: live (re-fetches the server-rendered list when the queue changes),
// decisions over Socket.IO without a page reload, amber items as they pass the response target,
// and keyboard shortcuts: j / k move, a approves, r rejects (after choosing the rule), c claims.
// Without JavaScript every action is a plain form post.
(function () {
  'use strict';

  var page = document.getElementById('queue-page');
  if (!page || typeof io !== 'function') return;
  var slug = page.getAttribute('data-group-slug');
  var groupId = page.getAttribute('data-group-id');
  var live = document.getElementById('live');
  var selectedId = null;
  var socket = io({ transports: ['websocket', 'polling'] });

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll('.queue-item'));
  }

  function announce(text) {
    live.textContent = '';
    setTimeout(function () {
      live.textContent = text;
    }, 50);
  }

  function select(item, focus) {
    items().forEach(function (i) {
      i.classList.remove('selected');
    });
    if (!item) {
      selectedId = null;
      return;
    }
    item.classList.add('selected');
    selectedId = item.getAttribute('data-id');
    if (focus) item.focus();
  }

  /** Replaces the list with the server's own rendering (one template, escaped on the server). */
  var refreshing = false;
  var again = false;
  function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    fetch('/g/' + slug + '/queue/items', {
      credentials: 'same-origin',
      headers: { accept: 'text/html' },
    })
      .then(function (res) {
        return res.ok ? res.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        var holder = document.getElementById('queue-items');
        var active = document.activeElement;
        var typing =
          active && holder.contains(active) && /TEXTAREA|SELECT|INPUT/.test(active.tagName);
        if (typing) {
          // Never pull the text box from under a moderator who is writing a note: try later.
          again = true;
          return;
        }
        var template = document.createElement('template');
        template.innerHTML = html;
        var fresh = template.content.getElementById('queue-items');
        if (fresh) holder.replaceWith(fresh);
        var keep = selectedId && document.getElementById('item-' + selectedId);
        select(keep || null, false);
        paintOverdue();
      })
      .catch(function () {})
      .then(function () {
        refreshing = false;
        if (again) {
          again = false;
          setTimeout(refresh, 1000);
        }
      });
  }

  socket.on('queue:changed', function (e) {
    if (e.groupId === groupId) refresh();
  });
  socket.on('connect', refresh);

  function statusOf(item, text) {
    var status = item && item.querySelector('.item-status');
    if (status) status.textContent = text;
  }

  var EVENTS = {
    approve: 'review:approve',
    reject: 'review:reject',
    edit_approve: 'review:edit_approve',
    claim: 'review:claim',
    release: 'review:release',
    undo: 'review:undo',
  };

  function send(form) {
    var action = form.getAttribute('data-action');
    var item = form.closest('.queue-item');
    var id = item ? item.getAttribute('data-id') : form.action.split('/').slice(-2)[0];
    var data = { postId: id };
    var fields = new FormData(form);
    fields.forEach(function (value, key) {
      if (key === '_csrf') return;
      data[key] = key === 'version' ? Number(value) : value;
    });
    socket.emit(EVENTS[action], data, function (ack) {
      form.removeAttribute('data-sending');
      if (!ack) return;
      if (!ack.ok) {
        statusOf(item, ack.error.message);
        announce(ack.error.message);
        refresh();
        return;
      }
      announce(action.replace('_', ' ') + ' \u2713');
      refresh();
    });
  }

  page.addEventListener('submit', function (event) {
    var form = event.target;
    var action = form.getAttribute('data-action');
    if (!action || !EVENTS[action]) return; // bulk approval posts normally
    event.preventDefault();
    send(form);
  });

  page.addEventListener('click', function (event) {
    var item = event.target.closest && event.target.closest('.queue-item');
    if (item) select(item, false);
  });

  document.addEventListener('keydown', function (event) {
    var tag = event.target.tagName;
    if (/INPUT|TEXTAREA|SELECT/.test(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
    var list = items();
    if (!list.length) return;
    var index = list.findIndex(function (i) {
      return i.getAttribute('data-id') === selectedId;
    });
    var current = list[index] || null;
    if (event.key === 'j') {
      select(list[Math.min(list.length - 1, index + 1)], true);
    } else if (event.key === 'k') {
      select(list[Math.max(0, index - 1)], true);
    } else if (event.key === 'a' && current) {
      var approve = current.querySelector('form[data-action="approve"]');
      if (approve) send(approve);
    } else if (event.key === 'c' && current) {
      var claim = current.querySelector('form[data-action="claim"]');
      if (claim) send(claim);
    } else if (event.key === 'r' && current) {
      var reject = current.querySelector('form[data-action="reject"]');
      if (!reject) return;
      var rule = reject.querySelector('select[name="ruleId"]');
      if (rule && rule.value) send(reject);
      else if (rule) rule.focus(); // choose the rule first, then press the button
    } else {
      return;
    }
    event.preventDefault();
  });

  /** Amber once an item passes its target (counted in review hours by the server). The server's
   *  clock decides: this device's clock may be wrong. */
  var skew = 0;
  function paintOverdue() {
    var holder = document.getElementById('queue-items');
    if (!holder) return;
    var serverNow = Date.parse(holder.getAttribute('data-now'));
    if (serverNow && !holder.getAttribute('data-seen')) {
      holder.setAttribute('data-seen', '1');
      skew = serverNow - Date.now();
    }
    var now = Date.now() + skew;
    items().forEach(function (i) {
      var at = Date.parse(i.getAttribute('data-overdue-at'));
      if (at && now > at) i.classList.add('overdue');
    });
  }
  setInterval(paintOverdue, 30000);
  paintOverdue();
})();
