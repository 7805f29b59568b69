// Dismissing a banner without a reload. The form posts work without JavaScript too; if the
// request fails here, the plain form post is made instead.
(function () {
  'use strict';

  var list = document.getElementById('banners');
  if (!list || typeof window.fetch !== 'function') return;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') || '' : '';

  list.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains('banner-dismiss')) return;
    event.preventDefault();
    var id = form.getAttribute('data-banner-id');
    var revision = Number(form.querySelector('input[name="revision"]').value);
    var button = form.querySelector('button');
    if (button) button.disabled = true;
    fetch('/api/banners/' + encodeURIComponent(id) + '/dismiss', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-csrf-token': csrf,
      },
      body: JSON.stringify({ revision: revision }),
    })
      .then(function (res) {
        if (!res.ok) throw new Error('dismiss failed: ' + res.status);
        var section = document.getElementById('banner-' + id);
        var next = section ? section.nextElementSibling : null;
        if (section) section.remove();
        // Focus moves to the next notice's button, or to the main content: never lost.
        var target = next ? next.querySelector('button') : document.getElementById('main');
        if (!list.querySelector('.banner')) list.remove();
        if (target) target.focus();
      })
      .catch(function () {
        form.submit();
      });
  });
})();
