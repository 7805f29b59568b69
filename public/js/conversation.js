// Harbour group conversation: live updates over Socket.IO on top of a page that works without
// JavaScript. New posts arrive as text (never HTML), are de-duplicated by id and sequence, and are
// announced in a polite live region without moving focus. After a reconnect the client asks for
// everything published since the last sequence it saw. Composer drafts survive a reload.
(function () {
  'use strict';

  var root = document.getElementById('conversation');
  if (!root || typeof io !== 'function') return;

  var groupId = root.getAttribute('data-group-id');
  var slug = root.getAttribute('data-group-slug');
  var seqKey = 'harbour:lastSeq:' + groupId;
  var seen = {}; // post id -> seq
  var lastSeq = Math.max(
    Number(root.getAttribute('data-last-seq')) || 0,
    Number(readStore(seqKey)) || 0,
  );
  var threads = document.getElementById('threads');
  var ownList = document.getElementById('own-posts');
  var live = document.getElementById('live');
  var notice = document.getElementById('membership-notice');
  var canParticipate = root.getAttribute('data-can-participate') === '1';
  // The topic the page is filtered by ('' for all): posts of other topics are left out.
  var topicFilter = root.getAttribute('data-topic') || '';
  // Read from the page itself: app.js (window.Harbour) runs after this deferred script.
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute('content') || '' : '';
  var rules = null;
  var nudges = {};
  var reactionLabels = JSON.parse(root.getAttribute('data-reaction-labels') || '{}');

  function readStore(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  }
  function writeStore(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch {
      /* private mode: drafts are simply not kept */
    }
  }

  var articles = root.querySelectorAll('article.post[data-seq]');
  for (var i = 0; i < articles.length; i++) {
    seen[articles[i].getAttribute('data-id')] = Number(articles[i].getAttribute('data-seq'));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function announce(text) {
    live.textContent = '';
    setTimeout(function () {
      live.textContent = text;
    }, 50);
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ('0' + b.toString(16)).slice(-2);
      })
      .join('');
  }

  var EMOJI = {
    heart: '\u2764\uFE0F',
    hug: '\uD83E\uDD17',
    pray: '\uD83D\uDE4F',
    clap: '\uD83D\uDC4F',
  };

  /** A post's topic as a small label (same markup as views/pages/conversation/_topic-label). */
  function topicLabel(topic) {
    if (!topic || !topic.name) return null;
    var label = el('span', 'badge badge-topic');
    label.appendChild(el('span', 'sr-only', root.getAttribute('data-topic-label') + ': '));
    label.appendChild(document.createTextNode(topic.name));
    return label;
  }

  /** Builds a published post (member view) with textContent only. */
  function renderPost(post) {
    var article = el('article', 'post unread');
    article.id = 'post-' + post.id;
    article.setAttribute('data-id', post.id);
    article.setAttribute('data-seq', String(post.seq));
    var header = el('header', 'post-meta');
    header.appendChild(el('span', 'author', post.authorName));
    var time = el(
      'time',
      null,
      new Date(post.publishedAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }),
    );
    time.setAttribute('datetime', post.publishedAt);
    header.appendChild(time);
    var topic = topicLabel(post.topic);
    if (topic) header.appendChild(topic);
    if (post.organisation) {
      header.appendChild(
        el('span', 'badge badge-organisation', root.getAttribute('data-organisation')),
      );
    }
    if (post.announcement) {
      header.appendChild(
        el('span', 'badge badge-announcement', root.getAttribute('data-announcement')),
      );
    }
    if (post.editedByModerator) {
      header.appendChild(el('span', 'badge', root.getAttribute('data-edited')));
    }
    article.appendChild(header);
    article.appendChild(el('p', 'post-body prewrap', post.body));
    if (post.orgReply) {
      var aside = el('aside', 'org-reply', null);
      aside.appendChild(
        el('span', 'badge badge-organisation', root.getAttribute('data-organisation')),
      );
      aside.appendChild(el('p', 'prewrap', post.orgReply));
      article.appendChild(aside);
    }
    if (post.modNote) article.appendChild(renderNote(post.modNote));
    var form = el('form', 'reactions');
    form.method = 'post';
    form.action = '/g/' + slug + '/posts/' + post.id + '/react';
    form.setAttribute('data-post-id', post.id);
    var token = el('input');
    token.type = 'hidden';
    token.name = '_csrf';
    token.value = csrf;
    form.appendChild(token);
    ['heart', 'hug', 'pray', 'clap'].forEach(function (kind) {
      var b = el('button', 'reaction');
      b.type = 'submit';
      b.name = 'kind';
      b.value = kind;
      b.setAttribute('aria-pressed', 'false');
      b.setAttribute('aria-label', reactionLabels[kind] || kind);
      if (!canParticipate) b.disabled = true;
      var emoji = el('span', null, EMOJI[kind]);
      emoji.setAttribute('aria-hidden', 'true');
      b.appendChild(emoji);
      var count = el('span', 'count', post.reactions[kind] || '');
      count.setAttribute('data-kind', kind);
      b.appendChild(count);
      form.appendChild(b);
    });
    article.appendChild(form);
    return article;
  }

  /** A moderator's note: text and links (http(s) only, checked again here) as textContent. */
  function renderNote(note) {
    var label = root.getAttribute('data-mod-note');
    var aside = el('aside', 'mod-note');
    aside.setAttribute('aria-label', label);
    var head = el('p', 'mod-note-head');
    head.appendChild(el('span', 'badge badge-moderator', label));
    aside.appendChild(head);
    aside.appendChild(el('p', 'prewrap', note.body));
    var links = (note.links || []).filter(function (l) {
      return /^https?:\/\//i.test(l.url);
    });
    if (links.length) {
      aside.appendChild(el('p', 'mod-note-sources', root.getAttribute('data-sources')));
      var list = el('ul', 'mod-note-links');
      links.forEach(function (l) {
        var a = el('a', null, l.label);
        a.href = l.url;
        a.rel = 'noopener noreferrer nofollow';
        var li = el('li');
        li.appendChild(a);
        list.appendChild(li);
      });
      aside.appendChild(list);
    }
    return aside;
  }

  /** Puts a post's note in place (or takes it away) wherever the post is shown. */
  function placeNote(postId, note) {
    var holders = root.querySelectorAll(
      '#post-' + postId + ', .pinned-post[data-id="' + postId + '"]',
    );
    for (var k = 0; k < holders.length; k++) {
      var old = holders[k].querySelector('.mod-note');
      var fresh = note ? renderNote(note) : null;
      if (old && fresh) old.replaceWith(fresh);
      else if (old) old.remove();
      else if (fresh) {
        var body = holders[k].querySelector('.post-body, .prewrap');
        if (body) body.after(fresh);
      }
    }
  }

  /** The pinned region, rebuilt from the list the server sent (text only). */
  function renderPinned(posts) {
    var region = document.getElementById('pinned');
    var list = document.getElementById('pinned-list');
    if (!region || !list) return;
    list.textContent = '';
    posts.forEach(function (post) {
      var li = el('li', 'pinned-post');
      li.setAttribute('data-id', post.id);
      var meta = el('p', 'post-meta');
      meta.appendChild(el('span', 'author', post.authorName));
      var time = el(
        'time',
        null,
        new Date(post.publishedAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }),
      );
      time.setAttribute('datetime', post.publishedAt);
      meta.appendChild(time);
      if (post.announcement) {
        meta.appendChild(
          el('span', 'badge badge-announcement', root.getAttribute('data-announcement')),
        );
      }
      li.appendChild(meta);
      li.appendChild(el('p', 'prewrap', post.body));
      if (post.modNote) li.appendChild(renderNote(post.modNote));
      var tools = el('p', 'pinned-tools');
      var go = el('a', null, region.getAttribute('data-go-to'));
      go.href = '#post-' + post.id;
      tools.appendChild(go);
      if (region.getAttribute('data-moderator') === '1') {
        var unpin = el('form', 'inline-form');
        unpin.method = 'post';
        unpin.action = '/g/' + slug + '/posts/' + post.id + '/unpin';
        var token = el('input');
        token.type = 'hidden';
        token.name = '_csrf';
        token.value = csrf;
        unpin.appendChild(token);
        var button = el('button', 'link-button', region.getAttribute('data-unpin'));
        button.type = 'submit';
        button.setAttribute('aria-label', region.getAttribute('data-unpin-label'));
        unpin.appendChild(button);
        tools.appendChild(unpin);
      }
      li.appendChild(tools);
      list.appendChild(li);
    });
    region.hidden = posts.length === 0;
  }

  /** A reply box under a thread that arrived live (same form as the server renders). */
  function replyBox(postId) {
    var details = el('details', 'reply-box');
    details.appendChild(el('summary', null, root.getAttribute('data-reply')));
    var form = el('form', 'composer reply-composer');
    form.method = 'post';
    form.action = '/g/' + slug + '/conversation';
    form.setAttribute('data-parent-id', postId);
    [
      ['_csrf', csrf],
      ['parentId', postId],
      ['idempotencyKey', newKey()],
    ].forEach(function (pair) {
      var input = el('input');
      input.type = 'hidden';
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    var label = el('label', null, root.getAttribute('data-reply-label'));
    label.htmlFor = 'reply-' + postId;
    form.appendChild(label);
    var textarea = el('textarea');
    textarea.id = 'reply-' + postId;
    textarea.name = 'body';
    textarea.rows = 3;
    textarea.maxLength = 5000;
    textarea.required = true;
    form.appendChild(textarea);
    var hint = el('div', 'composer-hint');
    hint.setAttribute('aria-live', 'polite');
    form.appendChild(hint);
    var send = el('button', null, root.getAttribute('data-send'));
    send.type = 'submit';
    form.appendChild(send);
    details.appendChild(form);
    return details;
  }

  /** The author's own waiting / not published post. */
  function renderOwn(own, waitText) {
    var article = el('article', 'post own own-' + own.status);
    article.id = 'post-' + own.id;
    article.setAttribute('data-id', own.id);
    article.setAttribute('data-own', '1');
    var header = el('header', 'post-meta');
    header.appendChild(el('span', 'author', root.getAttribute('data-you')));
    var ownTopic = topicLabel(own.topic);
    if (ownTopic) header.appendChild(ownTopic);
    if (own.status === 'pending') {
      header.appendChild(el('span', 'badge badge-waiting', root.getAttribute('data-waiting')));
    } else if (own.status === 'rejected') {
      header.appendChild(el('span', 'badge badge-rejected', root.getAttribute('data-rejected')));
    } else if (own.status === 'withdrawn') {
      header.appendChild(el('span', 'badge', root.getAttribute('data-withdrawn')));
    }
    article.appendChild(header);
    article.appendChild(el('p', 'post-body prewrap', own.body));
    if (own.status === 'pending') {
      var help = root.getAttribute('data-waiting-help') + (waitText ? ' ' + waitText : '');
      article.appendChild(el('p', 'help', help));
    }
    if (own.rejection) {
      article.appendChild(el('p', 'rejection', own.rejection.ruleTitle || own.rejection.ruleId));
      if (own.rejection.note)
        article.appendChild(el('p', 'rejection-note prewrap', own.rejection.note));
    }
    if (own.canEdit || own.canResubmit) {
      var label = root.getAttribute(own.canResubmit ? 'data-resubmit' : 'data-edit');
      var a = el('a', 'button button-secondary', label);
      a.href = '/g/' + slug + '/posts/' + own.id + '/edit';
      article.appendChild(a);
    }
    return article;
  }

  function placeOwn(own, waitText) {
    var existing = document.getElementById('post-' + own.id);
    if (own.status === 'withdrawn' || own.status === 'approved') {
      if (existing && existing.getAttribute('data-own') === '1') existing.parentNode.remove();
      return;
    }
    var node = renderOwn(own, waitText);
    if (existing && existing.getAttribute('data-own') === '1') {
      existing.replaceWith(node);
      return;
    }
    var li = el('li');
    li.appendChild(node);
    var replies = own.parentId && document.getElementById('replies-' + own.parentId);
    (replies || ownList).appendChild(li);
  }

  function removeEmpty() {
    var empty = document.getElementById('empty');
    if (empty) empty.remove();
  }

  function rememberSeq(seq) {
    if (seq > lastSeq) {
      lastSeq = seq;
      writeStore(seqKey, String(seq));
    }
  }

  /** Adds a published post once (by id); replies go under their thread, which moves to the end. */
  function addPublished(post) {
    if (post.groupId !== groupId) return false;
    rememberSeq(post.seq);
    if (seen[post.id] !== undefined) return false;
    var own = document.getElementById('post-' + post.id);
    if (own && own.getAttribute('data-own') === '1') own.parentNode.remove();
    // Filtered by topic: a new thread about another topic is not shown (its replies then have
    // no thread on this page either, and are skipped below).
    if (topicFilter && !post.parentId && (!post.topic || post.topic.id !== topicFilter)) {
      return false;
    }
    seen[post.id] = post.seq;
    var node = renderPost(post);
    removeEmpty();
    if (post.parentId) {
      var thread = document.getElementById('thread-' + post.parentId);
      // An older thread not on this page: shown after a reload (while filtered by topic, most
      // likely a thread about another topic: not announced either).
      if (!thread) return !topicFilter;
      var li = el('li');
      li.appendChild(node);
      document.getElementById('replies-' + post.parentId).appendChild(li);
      threads.appendChild(thread); // newest activity last, where the eye is
    } else {
      var item = el('li', 'thread');
      item.id = 'thread-' + post.id;
      item.setAttribute('data-id', post.id);
      item.appendChild(node);
      var list = el('ol', 'replies');
      list.id = 'replies-' + post.id;
      item.appendChild(list);
      if (canParticipate) item.appendChild(replyBox(post.id));
      threads.appendChild(item);
    }
    return true;
  }

  function markRead() {
    // A page filtered by topic does not show everything: the unread marker stays where it is.
    if (topicFilter) return;
    if (document.visibilityState !== 'visible' || !socket.connected) return;
    socket.emit('posts:mark_read', { groupId: groupId, seq: lastSeq }, function () {});
  }

  var socket = io({ transports: ['websocket', 'polling'] });
  // app.js loads after this script (both deferred): wire the connection notice once it has run.
  document.addEventListener('DOMContentLoaded', function () {
    if (window.Harbour) window.Harbour.watchConnection(socket);
  });

  /** Catch-up from a little before the last sequence seen: a publication that took a lower
   *  sequence number can commit just after a higher one; duplicates are dropped by id. */
  function catchUp(after) {
    socket.emit('posts:catch_up', { groupId: groupId, afterSeq: after }, function (ack) {
      if (!ack || !ack.ok) return;
      var added = 0;
      ack.data.posts.forEach(function (p) {
        if (addPublished(p)) added++;
      });
      if (added) announce(added + ' ' + root.getAttribute('data-new-label'));
      if (ack.data.more && ack.data.posts.length) {
        catchUp(ack.data.posts[ack.data.posts.length - 1].seq);
      } else {
        markRead();
      }
    });
  }

  socket.on('connect', function () {
    catchUp(Math.max(0, lastSeq - 20));
  });
  socket.on('post:published', function (post) {
    if (addPublished(post)) {
      announce(post.authorName + ': ' + post.body.slice(0, 80));
      markRead();
    }
  });
  // A moderator moved a published post to another topic (or none): its label follows.
  socket.on('post:topic', function (e) {
    if (e.groupId !== groupId) return;
    var meta = document.querySelector('#post-' + e.postId + ' .post-meta');
    if (!meta) return;
    var old = meta.querySelector('.badge-topic');
    var fresh = topicLabel(e.topic);
    if (old && fresh) old.replaceWith(fresh);
    else if (old) old.remove();
    else if (fresh) {
      var time = meta.querySelector('time');
      if (time) time.after(fresh);
      else meta.appendChild(fresh);
    }
  });
  socket.on('post:hidden', function (e) {
    if (e.groupId !== groupId) return;
    var node = document.getElementById('post-' + e.postId);
    if (node && node.getAttribute('data-own') !== '1') {
      var thread = document.getElementById('thread-' + e.postId);
      (thread || node.parentNode).remove();
      delete seen[e.postId];
    }
    var pinned = root.querySelector('.pinned-post[data-id="' + e.postId + '"]');
    if (pinned) {
      var region = document.getElementById('pinned');
      pinned.remove();
      if (region && !region.querySelector('.pinned-post')) region.hidden = true;
    }
  });
  socket.on('post:annotated', function (e) {
    if (e.groupId === groupId) placeNote(e.postId, e.modNote);
  });
  socket.on('pins:changed', function (e) {
    if (e.groupId === groupId) renderPinned(e.posts);
  });
  socket.on('post:reactions', function (e) {
    if (e.groupId !== groupId) return;
    var form = root.querySelector('form.reactions[data-post-id="' + e.postId + '"]');
    if (!form) return;
    Object.keys(e.reactions).forEach(function (kind) {
      var c = form.querySelector('.count[data-kind="' + kind + '"]');
      if (c) c.textContent = e.reactions[kind] || '';
    });
  });
  socket.on('post:own', function (own) {
    if (own.groupId === groupId) placeOwn(own);
  });
  socket.on('post:decided', function (e) {
    if (e.groupId === groupId && e.post) placeOwn(e.post);
    // The author hears the answer too (an approval is announced when the post is published).
    if (e.groupId === groupId && e.post && e.post.status === 'rejected') {
      announce(root.getAttribute('data-decided-rejected'));
    }
  });
  socket.on('membership:changed', function (e) {
    if (e.groupId !== groupId) return;
    notice.textContent = e.message;
    notice.hidden = false;
    if (e.status !== 'active') {
      var forms = root.querySelectorAll('form.composer, form.reactions');
      for (var k = 0; k < forms.length; k++) {
        var controls = forms[k].querySelectorAll('button, textarea');
        for (var m = 0; m < controls.length; m++) controls[m].disabled = true;
      }
    }
  });
  document.addEventListener('visibilitychange', markRead);

  // Reactions: one tap, no page reload.
  root.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.classList.contains('reactions')) {
      event.preventDefault();
      var button = event.submitter;
      if (!button) return;
      socket.emit(
        'post:react',
        { postId: form.getAttribute('data-post-id'), kind: button.value },
        function (ack) {
          form.removeAttribute('data-sending');
          if (ack && ack.ok) button.setAttribute('aria-pressed', ack.data.mine ? 'true' : 'false');
        },
      );
      return;
    }
    if (form.classList.contains('composer')) {
      event.preventDefault();
      sendComposer(form, event.submitter);
    }
  });

  function draftKey(form) {
    return 'harbour:draft:' + groupId + ':' + (form.getAttribute('data-parent-id') || 'top');
  }

  function showHint(form, items, asAlert) {
    var hint = form.querySelector('.composer-hint');
    if (!hint) return;
    hint.textContent = '';
    if (!items.length) return;
    var box = el('div', 'nudge');
    if (asAlert) box.setAttribute('role', 'alert');
    var list = el('ul');
    items.forEach(function (text) {
      list.appendChild(el('li', null, text));
    });
    box.appendChild(list);
    hint.appendChild(box);
  }

  function sendComposer(form, submitter) {
    var textarea = form.querySelector('textarea[name="body"]');
    var keyInput = form.querySelector('input[name="idempotencyKey"]');
    var parent = form.querySelector('input[name="parentId"]');
    var acknowledged =
      (submitter && submitter.name === 'acknowledgedFindings') ||
      form.getAttribute('data-nudged') === textarea.value;
    var payload = {
      group: slug,
      body: textarea.value,
      idempotencyKey: keyInput.value,
      acknowledgedFindings: !!acknowledged,
    };
    if (parent && parent.value) payload.parentId = parent.value;
    var topicSelect = form.querySelector('select[name="topic"]');
    if (topicSelect && topicSelect.value) payload.topic = topicSelect.value;
    socket.emit('post:submit', payload, function (ack) {
      form.removeAttribute('data-sending');
      if (!ack) return;
      if (!ack.ok) {
        showHint(form, [ack.error.message], true);
        return;
      }
      if (ack.data.status === 'needs_confirmation') {
        // Sending the same text again counts as "send anyway".
        form.setAttribute('data-nudged', textarea.value);
        showHint(form, ack.data.nudges.concat([root.getAttribute('data-send-again')]), true);
        return;
      }
      placeOwn(ack.data.post, ack.data.wait.text);
      removeEmpty();
      if (ack.data.support) showSupport(ack.data.support);
      textarea.value = '';
      writeStore(draftKey(form), null);
      keyInput.value = newKey();
      form.removeAttribute('data-nudged');
      showHint(form, [], false);
      updateCount(form);
      var details = form.closest('details');
      if (details) details.open = false;
    });
  }

  function showSupport(contacts) {
    var existing = document.getElementById('support');
    if (existing) return;
    var box = el('section', 'support');
    box.id = 'support';
    box.setAttribute('role', 'alert');
    var list = el('ul');
    contacts.forEach(function (c) {
      list.appendChild(el('li', null, c.label + ': ' + c.detail));
    });
    box.appendChild(list);
    root.insertBefore(box, threads);
  }

  function updateCount(form) {
    var count = form.querySelector('#composer-count');
    var textarea = form.querySelector('textarea[name="body"]');
    if (count && textarea) {
      count.textContent = 5000 - textarea.value.length + ' ' + root.getAttribute('data-chars-left');
    }
  }

  // The composer hint: the server's own screening rules, fetched once (no copy in this file).
  fetch('/api/screening-rules', { credentials: 'same-origin' })
    .then(function (res) {
      return res.ok ? res.json() : null;
    })
    .then(function (data) {
      if (!data) return;
      nudges = data.nudges;
      rules = data.rules.map(function (r) {
        return { kind: r.kind, re: new RegExp(r.source, r.flags) };
      });
    })
    .catch(function () {});

  var hintTimer = null;
  function checkHint(form) {
    if (!rules) return;
    var text = form.querySelector('textarea[name="body"]').value;
    var kinds = [];
    rules.forEach(function (r) {
      if (kinds.indexOf(r.kind) === -1 && r.re.test(text)) kinds.push(r.kind);
    });
    showHint(
      form,
      kinds.map(function (k) {
        return nudges[k];
      }),
      false,
    );
  }

  var composers = root.querySelectorAll('form.composer');
  for (var c = 0; c < composers.length; c++) {
    (function (form) {
      var textarea = form.querySelector('textarea[name="body"]');
      var saved = readStore(draftKey(form));
      if (saved && !textarea.value) textarea.value = saved;
      updateCount(form);
      textarea.addEventListener('input', function () {
        writeStore(draftKey(form), textarea.value || null);
        updateCount(form);
        clearTimeout(hintTimer);
        hintTimer = setTimeout(function () {
          checkHint(form);
        }, 400);
      });
    })(composers[c]);
  }

  // "Load earlier" without leaving the page.
  var earlier = document.getElementById('load-earlier');
  if (earlier) {
    earlier.addEventListener('click', function (event) {
      event.preventDefault();
      var cursor = earlier.getAttribute('data-cursor');
      var query = '?before=' + encodeURIComponent(cursor);
      if (topicFilter) query += '&topic=' + encodeURIComponent(topicFilter);
      fetch('/api/groups/' + slug + '/posts' + query, {
        credentials: 'same-origin',
      })
        .then(function (res) {
          return res.json();
        })
        .then(function (data) {
          var first = threads.firstChild;
          data.threads.forEach(function (t) {
            if (seen[t.post.id] !== undefined) return;
            seen[t.post.id] = t.post.seq;
            var item = el('li', 'thread');
            item.id = 'thread-' + t.post.id;
            var node = renderPost(t.post);
            node.classList.remove('unread');
            item.appendChild(node);
            var list = el('ol', 'replies');
            list.id = 'replies-' + t.post.id;
            t.replies.forEach(function (r) {
              seen[r.id] = r.seq;
              var li = el('li');
              var rn = renderPost(r);
              rn.classList.remove('unread');
              li.appendChild(rn);
              list.appendChild(li);
            });
            item.appendChild(list);
            threads.insertBefore(item, first);
          });
          if (data.earlierCursor) earlier.setAttribute('data-cursor', data.earlierCursor);
          else earlier.parentNode.remove();
        })
        .catch(function () {
          window.location.href = earlier.href;
        });
    });
  }
})();
