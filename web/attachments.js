/* Attachments of an incident or a knowledge item: the list with thumbnails, and for those
 * who may work the item an upload button, drag and drop and pasting a screenshot
 * (Ctrl+V). Files go up one by one as the raw request body (K.upload); the server decides
 * their type from their content. */
'use strict';

(function () {
  var K = window.K, el = K.el, t = K.t;

  function size(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
    if (n >= 1024) return Math.round(n / 1024) + ' KB';
    return n + ' B';
  }
  K.fileSize = size;
  /* What stands for a file without a thumbnail: its extension ("LOG", "PDF"). */
  K.fileBadge = function (name) {
    var m = /\.([A-Za-z0-9]{1,4})$/.exec(name || '');
    return m ? m[1].toUpperCase() : 'FILE';
  };

  /* A name for a pasted screenshot, which has none of its own: 截图-20260302-081500.png */
  function pastedName(file) {
    var d = new Date(), p = function (n) { return (n < 10 ? '0' : '') + n; };
    var ext = (file.type.split('/')[1] || 'png').replace('jpeg', 'jpg').replace(/[^a-z0-9]/g, '');
    return t('att.pasted') + '-' + d.getFullYear() + p(d.getMonth() + 1) + p(d.getDate()) + '-' +
      p(d.getHours()) + p(d.getMinutes()) + p(d.getSeconds()) + '.' + ext;
  }
  /* The files of a paste or drop event; a screenshot comes as an unnamed image. */
  K.eventFiles = function (ev) {
    var dt = ev.clipboardData || ev.dataTransfer;
    var out = [];
    if (!dt) return out;
    Array.prototype.forEach.call(dt.files || [], function (f) {
      var pasted = ev.type === 'paste' && /^image\//.test(f.type);
      out.push({ file: f, name: pasted || !f.name ? pastedName(f) : f.name });
    });
    return out;
  };

  /* Uploads files ([{file, name}]) to base one after another; resolves with the
   * attachments made, reports failures in the status line. */
  K.uploadFiles = function (base, files) {
    var made = [];
    return files.reduce(function (p, x) {
      return p.then(function () {
        return K.upload(base + '?name=' + encodeURIComponent(x.name), x.file).then(function (a) {
          made.push(a);
          K.status(t('att.uploaded', x.name));
        }, function (err) { K.status(t('att.failed', x.name, err.message), true); });
      });
    }, Promise.resolve()).then(function () { return made; });
  };

  function item(a, canEdit, reload) {
    var thumb = a.thumbnail_url
      ? el('img', { class: 'att-thumb', src: a.thumbnail_url, alt: a.name, loading: 'lazy' })
      : el('span', { class: 'att-icon', 'aria-hidden': 'true', text: K.fileBadge(a.name) });
    var link = el('a', { href: a.url, download: a.name, class: 'att-name', text: a.name });
    var meta = [size(a.size), a.type];
    if (a.width && a.height) meta.push(a.width + '×' + a.height);
    if (a.searchable) meta.push(t('att.searchable'));
    return el('li', { class: 'att' },
      el('a', { href: a.url, download: a.name, class: 'att-preview', tabindex: '-1' }, thumb),
      el('div', { class: 'att-text' }, link,
        el('span', { class: 'meta', text: meta.join(' · ') }),
        el('span', { class: 'meta', text: K.time(a.created_at) + ' · ' + a.created_by })),
      canEdit ? K.button('att.delete', function () {
        if (!window.confirm(t('att.delete.confirm', a.name))) return;
        K.api('DELETE', a.url).then(function () { K.status(t('att.deleted', a.name)); reload(); },
                                    function (err) { K.status(err.message, true); });
      }, 'link att-delete') : null);
  }

  /* The attachments section for base ("/api/v1/incidents/INC-..."): returns {box, leave}.
   * canEdit adds the upload button, drop zone and paste (on the whole page while shown). */
  K.attachments = function (base, canEdit) {
    var url = base + '/attachments';
    var list = el('ul', { class: 'att-list' });
    var count = el('span', { class: 'meta' });
    var box = el('section', { class: 'attachments', 'aria-label': t('att.title') },
      el('h3', {}, t('att.title'), ' ', count), list);
    function reload() {
      K.api('GET', url).then(function (j) {
        K.clear(list);
        count.textContent = j.count ? '(' + j.count + ')' : '';
        j.attachments.forEach(function (a) { list.appendChild(item(a, canEdit, reload)); });
        if (!j.count) list.appendChild(el('li', { class: 'empty', text: t('att.none') }));
      }, function (err) { K.status(err.message, true); });
    }
    function send(files) {
      if (!files.length) return;
      K.uploadFiles(url, files).then(reload);
    }
    var onPaste = null;
    if (canEdit) {
      var input = el('input', { type: 'file', multiple: true, id: 'att-file', class: 'sr-only' });
      input.addEventListener('change', function () {
        send(Array.prototype.map.call(input.files, function (f) { return { file: f, name: f.name }; }));
        input.value = '';
      });
      var drop = el('div', { class: 'att-drop' },
        el('label', { for: 'att-file', class: 'button', text: t('att.add') }), input,
        el('span', { class: 'meta', text: t('att.hint') }));
      drop.addEventListener('dragover', function (ev) { ev.preventDefault(); drop.classList.add('over'); });
      drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
      drop.addEventListener('drop', function (ev) {
        ev.preventDefault();
        drop.classList.remove('over');
        send(K.eventFiles(ev));
      });
      box.appendChild(drop);
      onPaste = function (ev) {
        var files = K.eventFiles(ev);
        if (!files.length) return; /* text pastes into a field as usual */
        ev.preventDefault();
        send(files);
      };
      document.addEventListener('paste', onPaste);
    }
    reload();
    return { box: box, reload: reload,
             leave: function () { if (onPaste) document.removeEventListener('paste', onPaste); } };
  };
})();
