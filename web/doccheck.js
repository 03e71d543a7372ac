/* Keeping controlled documents valid (文件控制): versions past their retention period (with
 * a destroy request for each), validity check rounds (检查在用文件的有效性) and the register
 * of controlled paper copies with their recall when a version is superseded. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var PAGE = 20;
  var RESULTS = ['valid', 'invalid_version', 'missing'];

  function grid(id, heads, rows) {
    return el('div', { class: 'scroll' }, el('table', { class: 'grid', id: id },
      el('thead', {}, el('tr', {}, heads.map(function (k) { return el('th', { scope: 'col', text: k ? t(k) : '' }); }))),
      el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: String(heads.length), class: 'empty', text: t('none') })))));
  }
  function docLink(no) {
    return el('a', { href: '#/documents/' + encodeURIComponent(no), text: no });
  }
  function version(v) { return v.version || String(v.n); }
  /* A list a page at a time: load(offset) answers {total, items}; draw(box, j, pager). */
  function paged(box, url, key, draw) {
    var offset = 0;
    function load() {
      var sep = url.indexOf('?') >= 0 ? '&' : '?';
      K.api('GET', url + sep + 'limit=' + PAGE + '&offset=' + offset).then(function (j) {
        K.clear(box);
        var pager = el('p', { class: 'form-actions' });
        if (offset > 0) pager.appendChild(K.button('prev', function () { offset = Math.max(0, offset - PAGE); load(); }));
        if (offset + j[key].length < j.total) pager.appendChild(K.button('next', function () { offset += PAGE; load(); }));
        draw(box, j, pager, load);
      }, function (err) { K.status(err.message, true); });
    }
    load();
  }
  var writer = function () { return K.has('agent', 'engineer', 'approver', 'admin'); };

  /* --- retention --- */

  function retention(box, list) {
    var url = '/api/v1/document-retention?list=' + list;
    paged(box, url, 'versions', function (b, j, pager) {
      var rows = j.versions.map(function (v) {
        var act = null;
        if (v.destroy_request) {
          act = el('span', {}, el('a', { href: '#/requests', text: v.destroy_request.id }), ' ',
                   K.badge('reqstate', v.destroy_request.state));
        } else if (list === 'expired' && writer()) {
          act = K.button('dc.destroy', function () {
            K.api('POST', '/api/v1/document-requests', { kind: 'destroy', doc_no: v.doc_no,
              reason: t('dc.destroy.reason', version(v), v.retention_period, v.retention_until) })
              .then(function (r) { K.status(t('req.filed', r.id)); K.render(); },
                    function (err) { K.status(err.message, true); });
          }, 'link');
        }
        return el('tr', {}, el('td', {}, docLink(v.doc_no)), el('td', { text: v.name }),
          el('td', { text: version(v) }), el('td', {}, K.badge('state', v.state)),
          el('td', { text: v.retention_period }), el('td', { text: v.publish_date || v.effective_from }),
          el('td', { text: v.effective_to }), el('td', { text: v.retention_until || '' }), el('td', {}, act));
      });
      K.add(b, [el('p', { class: 'meta', text: t(list === 'expired' ? 'dc.ret.count' : 'dc.unparsed.count', j.total, j.as_of) }),
        grid(list === 'expired' ? 'dc-retention' : 'dc-unparsed',
             ['doc.no', 'doc.name', 'version', 'doc.status', 'doc.retention', 'doc.published', 'dc.ended', 'dc.until', ''], rows),
        pager]);
    });
  }

  /* --- check rounds --- */

  function rounds(box) {
    var title = el('input', { id: 'dc-title', required: true, placeholder: t('dc.title.placeholder') });
    var scope = el('input', { id: 'dc-scope' });
    var docs = el('input', { id: 'dc-docs', placeholder: 'YW-SC-001, YW-SC-002' });
    var form = el('form', { class: 'card', id: 'dc-round-form' }, el('h3', { text: t('dc.round.new') }),
      el('div', { class: 'cols' }, K.field('dc.title', title), K.field('dc.scope', scope),
         K.field('dc.docs', docs, t('dc.docs.hint'))),
      el('button', { type: 'submit', class: 'primary', text: t('dc.round.open') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var list = docs.value.split(/[\s,，、]+/).filter(function (x) { return x; });
      var body = { title: title.value.trim(), scope: scope.value.trim() };
      if (list.length) body.documents = list;
      K.api('POST', '/api/v1/document-checks', body).then(function (r) {
        K.status(t('dc.round.opened', r.id));
        K.go('#/doc-control/checks/' + r.id);
      }, function (err) { K.status(err.message, true); });
    });
    var out = el('div');
    K.add(box, [writer() ? form : null, out]);
    paged(out, '/api/v1/document-checks', 'rounds', function (b, j, pager) {
      K.add(b, [el('p', { class: 'meta', text: t('dc.round.count', j.total) }),
        grid('dc-rounds', ['dc.round', 'dc.title', 'dc.scope', 'doc.status', 'dc.counts', 'dc.opened', 'dc.closed'],
          j.rounds.map(function (r) {
            var c = r.counts;
            return el('tr', {}, el('td', {}, el('a', { href: '#/doc-control/checks/' + r.id, text: '#' + r.id })),
              el('td', { text: r.title }), el('td', { text: r.scope }), el('td', {}, K.badge('dcstate', r.state)),
              el('td', { text: t('dc.counts.text', c.valid, c.invalid_version, c.missing, c.pending) }),
              el('td', { text: r.created_by + ' · ' + K.time(r.created_at) }),
              el('td', { text: r.closed_at ? r.closed_by + ' · ' + K.time(r.closed_at) : '' }));
          })), pager]);
    });
  }

  K.route('doccheck', /^\/doc-control\/checks\/(\d+)$/, null, function (view, args) {
    var id = args[0];
    var base = '/api/v1/document-checks/' + id;
    K.api('GET', base).then(function (r) {
      var open = r.state === 'open' && writer();
      var inputs = [];
      var rows = r.documents.map(function (d) {
        var res = el('select', { id: 'dc-res-' + d.doc_no, 'aria-label': t('dc.result') + ' ' + d.doc_no },
          el('option', { value: '', text: t('dcres.pending') }),
          RESULTS.map(function (x) { return el('option', { value: x, text: K.label('dcres', x), selected: d.result === x }); }));
        var found = el('input', { id: 'dc-found-' + d.doc_no, value: d.version_found, size: '6', 'aria-label': t('dc.found') });
        var note = el('input', { id: 'dc-note-' + d.doc_no, value: d.note, 'aria-label': t('dc.note') });
        inputs.push({ doc: d, res: res, found: found, note: note });
        return el('tr', {}, el('td', {}, docLink(d.doc_no)), el('td', { text: d.name }),
          el('td', { text: d.current_version }),
          el('td', {}, open ? res : K.badge('dcres', d.result)),
          el('td', {}, open ? found : d.version_found), el('td', {}, open ? note : d.note),
          el('td', { text: d.checked_at ? d.checked_by + ' · ' + K.time(d.checked_at) : '' }));
      });
      var save = open ? K.button('dc.save', function () {
        var results = inputs.filter(function (x) {
          return x.res.value && (x.res.value !== x.doc.result || x.found.value !== x.doc.version_found || x.note.value !== x.doc.note);
        }).map(function (x) {
          return { doc_no: x.doc.doc_no, result: x.res.value, version_found: x.found.value.trim(), note: x.note.value.trim() };
        });
        if (!results.length) { K.status(t('dc.nothing')); return; }
        K.api('POST', base + '/results', { results: results }).then(function () {
          K.status(t('dc.saved', results.length)); K.render();
        }, function (err) { K.status(err.message, true); });
      }, 'primary') : null;
      var summary = el('input', { id: 'dc-summary', size: '40' });
      var close = open ? el('form', { class: 'card', id: 'dc-close' }, K.field('dc.summary', summary),
        el('button', { type: 'submit', text: t('dc.close') })) : null;
      if (close) close.addEventListener('submit', function (ev) {
        ev.preventDefault();
        K.api('POST', base + '/close', { summary: summary.value.trim() }).then(function () {
          K.status(t('dc.closed.done')); K.render();
        }, function (err) { K.status(err.message, true); });
      });
      var c = r.counts;
      K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('dc.round') + ' #' + r.id + ' ' + r.title }),
          el('span', { class: 'badges' }, K.badge('dcstate', r.state)), el('a', { href: '#/doc-control?tab=checks', text: t('dc.back') })),
        el('p', { class: 'meta', text: (r.scope ? r.scope + ' · ' : '') + r.created_by + ' · ' + K.time(r.created_at) +
          ' · ' + t('dc.counts.text', c.valid, c.invalid_version, c.missing, c.pending) }),
        r.summary ? el('p', { text: t('dc.summary') + '：' + r.summary }) : null,
        grid('dc-items', ['doc.no', 'doc.name', 'dc.current', 'dc.result', 'dc.found', 'dc.note', 'dc.checked'], rows),
        save ? el('p', { class: 'form-actions' }, save) : null, close]);
    }, function (err) { K.status(err.message, true); view.appendChild(el('p', { class: 'empty', text: err.message })); });
  });

  /* --- controlled paper copies --- */

  function copies(box, params) {
    var doc = el('input', { id: 'cp-doc', required: true, placeholder: 'YW-SC-001', value: params.get('doc_no') || '' });
    var holder = el('input', { id: 'cp-holder', required: true });
    var where = el('input', { id: 'cp-where' });
    var no = el('input', { id: 'cp-no', size: '8', placeholder: t('dc.copy.auto') });
    var form = el('form', { class: 'card', id: 'cp-form' }, el('h3', { text: t('dc.copy.new') }),
      el('div', { class: 'cols' }, K.field('doc.no', doc), K.field('dc.holder', holder),
         K.field('dc.where', where), K.field('dc.copy.no', no)),
      el('button', { type: 'submit', class: 'primary', text: t('dc.copy.issue') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('POST', '/api/v1/document-copies', { doc_no: doc.value.trim(), holder: holder.value.trim(),
        location: where.value.trim(), copy_no: no.value.trim() }).then(function (c) {
        K.status(t('dc.copy.issued', c.doc_no, c.copy_no)); K.render();
      }, function (err) { K.status(err.message, true); });
    });
    var only = el('input', { id: 'cp-recall', type: 'checkbox', checked: params.get('to_recall') === '1' });
    only.addEventListener('change', function () {
      K.go('#/doc-control?tab=copies' + (only.checked ? '&to_recall=1' : ''));
    });
    var out = el('div');
    K.add(box, [writer() ? form : null, el('div', { class: 'check' }, only, el('label', { for: 'cp-recall', text: t('dc.copy.only') })), out]);
    var url = '/api/v1/document-copies' + (only.checked ? '?to_recall=1' : '');
    paged(out, url, 'copies', function (b, j, pager) {
      K.add(b, [el('p', { class: 'meta', text: t('dc.copy.count', j.total) }),
        grid('dc-copies', ['doc.no', 'doc.name', 'dc.copy.no', 'dc.holder', 'dc.where', 'version', 'dc.issued', 'doc.status', ''],
          j.copies.map(function (c) {
            var state = c.recalled_at ? el('span', { text: t('dc.recalled', c.recalled_by, K.time(c.recalled_at)) })
              : c.to_recall ? K.badge('dccopy', 'to_recall') : K.badge('dccopy', 'out');
            var act = !c.recalled_at && writer() ? K.button('dc.recall', function () {
              K.api('POST', '/api/v1/document-copies/' + c.id + '/recall', {}).then(function () {
                K.status(t('dc.recall.done', c.doc_no, c.copy_no)); K.render();
              }, function (err) { K.status(err.message, true); });
            }, c.to_recall ? 'primary' : 'link') : null;
            return el('tr', { class: c.to_recall ? 'warn' : '' }, el('td', {}, docLink(c.doc_no)), el('td', { text: c.name }),
              el('td', { text: c.copy_no }), el('td', { text: c.holder }), el('td', { text: c.location }),
              el('td', { text: version(c) }), el('td', { text: c.issued_by + ' · ' + K.time(c.issued_at) }),
              el('td', {}, state), el('td', {}, act));
          })), pager]);
    });
  }

  K.route('doccontrol', /^\/doc-control$/, null, function (view, args, params) {
    var tab = params.get('tab') || 'retention';
    var tabs = el('p', { class: 'tabs', role: 'tablist' }, ['retention', 'unparsed', 'checks', 'copies'].map(function (x) {
      return el('a', { href: '#/doc-control?tab=' + x, role: 'tab', 'aria-selected': String(x === tab),
                       class: x === tab ? 'button primary' : 'button', text: t('dc.tab.' + x) });
    }));
    var box = el('div', { id: 'dc-box' });
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.doccontrol') }),
                    el('a', { href: '#/documents', text: t('nav.documents') })),
                 el('p', { class: 'hint', text: t('dc.intro') }), tabs, box]);
    if (tab === 'checks') rounds(box);
    else if (tab === 'copies') copies(box, params);
    else retention(box, tab === 'unparsed' ? 'unparsed' : 'expired');
  }, '#/doc-control');
})();
