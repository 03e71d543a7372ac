/* Assets: the archive (search as you type by tag, part of a serial, model, user or place, in
 * Simplified or Traditional characters; class and status filters), an asset's page with its
 * fields, history, incidents and the parts used (K.partsUsed, parts.js), the new and edit
 * forms, and scrapping: an engineer asks, an approver who did not ask approves or rejects. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var WRITERS = ['engineer', 'admin'];
  var DECIDERS = ['approver', 'admin'];
  var CLASSES = ['desktop', 'laptop', 'printer', 'monitor', 'network_device', 'phone', 'server',
                 'peripheral', 'software_licence', 'other'];
  var STATUSES = ['in_use', 'spare', 'in_repair', 'lent', 'scrapped'];
  var SPECS = ['cpu', 'memory', 'disk', 'os'];
  var PAGE = 50;

  function path(tag) { return '/api/v1/assets/' + encodeURIComponent(tag); }

  function options(group, values, selected, any) {
    var s = [];
    if (any) s.push(el('option', { value: '', text: t(any) }));
    values.forEach(function (v) {
      s.push(el('option', { value: v, text: K.label(group, v), selected: v === selected }));
    });
    return s;
  }

  function assetRow(a) {
    return el('tr', {},
      el('td', {}, el('a', { href: '#/assets/' + encodeURIComponent(a.tag), text: a.tag })),
      el('td', {}, K.badge('acls', a['class'])),
      el('td', { text: [a.brand, a.model].filter(Boolean).join(' ') }),
      el('td', { text: a.serial }), el('td', { text: a.user }),
      el('td', { text: a.location }),
      el('td', {}, K.badge('ast', a.status), a.scrap_request ? ' ' : null,
         a.scrap_request ? el('span', { class: 'badge pending', text: t('asset.scrap.pending') }) : null));
  }

  /* --- assets in the desk's work: the incident form's CI field and the caller card --- */

  function assetLine(a) {
    return [a.tag, [a.brand, a.model].filter(Boolean).join(' '), a.user, a.location]
      .filter(Boolean).join(' · ');
  }

  /* A box under input (the incident form's CI field) that lists the assets matching what
   * is typed (tag, serial, model, user, place; two characters or more); choosing one puts
   * its tag into input and calls onPick(asset). box.picked(value) is the asset chosen for
   * value, if any. */
  K.assetLookup = function (input, onPick) {
    var box = el('ul', { id: 'ci-assets', class: 'asset-lookup', hidden: true,
                         'aria-label': t('asset.lookup') });
    var timer = 0, seq = 0, chosen = null;
    function hide() { box.hidden = true; K.clear(box); }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      var v = input.value.trim();
      if (chosen && chosen.tag !== v) chosen = null;
      timer = setTimeout(function () {
        var mine = ++seq;
        if (v.length < 2 || (chosen && chosen.tag === v)) { hide(); return; }
        K.api('GET', '/api/v1/assets?limit=5&q=' + encodeURIComponent(v)).then(function (j) {
          if (mine !== seq) return;
          K.clear(box);
          box.hidden = !j.assets.length;
          j.assets.forEach(function (a) {
            box.appendChild(el('li', {}, el('button', {
              type: 'button', class: 'link', text: assetLine(a),
              on: { click: function () {
                chosen = a;
                input.value = a.tag;
                seq++;
                hide();
                if (onPick) onPick(a);
              } } }), ' ', K.badge('ast', a.status)));
          });
        }, function () { if (mine === seq) hide(); });
      }, 250);
    });
    box.picked = function (value) { return chosen && chosen.tag === value ? chosen : null; };
    return box;
  };

  /* The assets of caller id (their user in the directory), filled in when they arrive. */
  K.callerAssets = function (id) {
    var ul = el('ul', { class: 'caller-assets' });
    K.api('GET', '/api/v1/assets?limit=20&caller_id=' + encodeURIComponent(id)).then(function (j) {
      j.assets.forEach(function (a) {
        ul.appendChild(el('li', {},
          el('a', { href: '#/assets/' + encodeURIComponent(a.tag), target: '_blank', text: a.tag }), ' ',
          el('span', { text: [K.label('acls', a['class']), a.brand, a.model].filter(Boolean).join(' ') }), ' ',
          K.badge('ast', a.status)));
      });
      if (!j.assets.length) ul.appendChild(el('li', { class: 'meta', text: t('asset.none.caller') }));
    }, function () { ul.appendChild(el('li', { class: 'meta', text: t('asset.none.caller') })); });
    return ul;
  };

  /* --- the list: search as you type --- */

  K.route('assets', /^\/assets$/, null, function (view, args, params) {
    var q = el('input', { id: 'a-q', type: 'search', value: params.get('q') || '', maxlength: '200',
                          placeholder: t('asset.q.placeholder'), autocomplete: 'off' });
    var cls = el('select', { id: 'a-class' }, options('acls', CLASSES, params.get('class'), 'asset.any.class'));
    var st = el('select', { id: 'a-status' }, options('ast', STATUSES, params.get('status'), 'asset.any.status'));
    var tbody = el('tbody');
    var count = el('p', { class: 'meta', id: 'a-count' });
    var pager = el('p', { class: 'form-actions' });
    var form = el('form', { class: 'filters', role: 'search' },
      K.field('asset.q', q), K.field('asset.class', cls), K.field('asset.status', st));
    var table = el('table', { class: 'grid assets' },
      el('thead', {}, el('tr', {}, ['asset.tag', 'asset.class', 'asset.model', 'asset.serial',
        'asset.user', 'asset.location', 'asset.status'].map(function (k) {
        return el('th', { scope: 'col', text: t(k) });
      }))), tbody);
    K.add(view, [
      el('div', { class: 'page-head' }, el('h2', { text: t('nav.assets') }),
         el('div', { class: 'actions' },
           el('a', { class: 'button', href: '#/assets/report', id: 'asset-report-link', text: t('asset.report') }),
           K.has.apply(null, WRITERS) ? el('a', { class: 'button', href: '#/assets/new',
                                                 text: t('asset.new') }) : null)),
      form, count, el('div', { class: 'scroll' }, table), pager]);
    q.focus();
    var offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
    var timer = 0, seq = 0;

    function query(off) {
      var p = new URLSearchParams();
      if (q.value.trim()) p.set('q', q.value.trim());
      if (cls.value) p.set('class', cls.value);
      if (st.value) p.set('status', st.value);
      if (off > 0) p.set('offset', String(off));
      return p;
    }
    function load() {
      var mine = ++seq;
      var p = query(offset);
      /* the address keeps the search (back and reload), without a new render */
      history.replaceState(null, '', '#/assets' + (p.toString() ? '?' + p : ''));
      p.set('limit', String(PAGE));
      K.api('GET', '/api/v1/assets?' + p).then(function (j) {
        if (mine !== seq) return;
        K.clear(tbody);
        K.clear(pager);
        count.textContent = t('asset.count', j.total);
        j.assets.forEach(function (a) { tbody.appendChild(assetRow(a)); });
        if (!j.assets.length) tbody.appendChild(el('tr', {}, el('td', { colspan: '7', class: 'empty', text: t('none') })));
        if (offset > 0) pager.appendChild(K.button('prev', function () { offset = Math.max(0, offset - PAGE); load(); }));
        if (offset + j.assets.length < j.total) pager.appendChild(K.button('next', function () { offset += PAGE; load(); }));
      }, function (err) { if (mine === seq) K.status(err.message, true); });
    }
    q.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { offset = 0; load(); }, 200);
    });
    [cls, st].forEach(function (s) { s.addEventListener('change', function () { offset = 0; load(); }); });
    form.addEventListener('submit', function (ev) { ev.preventDefault(); offset = 0; load(); });
    load();
    return { leave: function () { clearTimeout(timer); seq++; } };
  }, '#/assets');

  /* --- the form: a new asset (a null) or a change to a --- */

  function editor(view, a) {
    var f = {};
    function input(name, attrs) {
      f[name] = el('input', Object.assign({ id: 'ae-' + name, maxlength: '100',
                                            value: a ? a[name] : '' }, attrs || {}));
      return K.field('asset.' + name, f[name]);
    }
    f['class'] = el('select', { id: 'ae-class', required: true },
      options('acls', CLASSES, a ? a['class'] : '', a ? null : 'asset.choose'));
    f.status = el('select', { id: 'ae-status' },
      options('ast', STATUSES.filter(function (s) { return s !== 'scrapped' || (a && a.status === s); }),
              a ? a.status : 'in_use'));
    f.software = el('textarea', { id: 'ae-software', rows: '3' });
    f.software.value = a ? a.software.join('\n') : '';
    f.notes = el('textarea', { id: 'ae-notes', rows: '3', maxlength: '2000' });
    f.notes.value = a ? a.notes : '';
    var specs = {};
    SPECS.forEach(function (k) {
      specs[k] = el('input', { id: 'ae-spec-' + k, maxlength: '100', value: a ? a.specs[k] : '' });
    });
    var form = el('form', { class: 'card asset-form' },
      el('h3', { text: a ? t('asset.edit') : t('asset.new') }),
      el('div', { class: 'cols' },
        a ? null : input('tag', { required: true, maxlength: '40', pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*',
                                  placeholder: 'PC-0001' }),
        K.field('asset.class', f['class']), K.field('asset.status', f.status),
        input('brand'), input('model'), input('serial'),
        input('user', { maxlength: '200' }), input('department', { maxlength: '200' }),
        input('location', { maxlength: '200' }), input('supplier', { maxlength: '200' }),
        input('purchase_date', { type: 'date' }), input('warranty_end', { type: 'date' })),
      el('fieldset', {}, el('legend', { text: t('asset.specs') }),
        el('div', { class: 'cols' }, SPECS.map(function (k) { return K.field('asset.spec.' + k, specs[k]); }))),
      K.field('asset.software', f.software, t('asset.software.hint')),
      K.field('asset.notes', f.notes),
      el('div', { class: 'form-actions' },
        el('button', { type: 'submit', class: 'primary', text: t('save') }),
        el('a', { href: a ? '#/assets/' + encodeURIComponent(a.tag) : '#/assets', text: t('cancel') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { specs: {}, 'class': f['class'].value, status: f.status.value,
                   notes: f.notes.value.trim(),
                   software: f.software.value.split(/\n+/).map(function (s) { return s.trim(); })
                     .filter(function (s) { return s; }) };
      ['brand', 'model', 'serial', 'user', 'department', 'location', 'supplier', 'purchase_date',
       'warranty_end'].forEach(function (k) { body[k] = f[k].value.trim(); });
      SPECS.forEach(function (k) { body.specs[k] = specs[k].value.trim(); });
      if (!a) body.tag = f.tag.value.trim();
      if (a && body.status === a.status) delete body.status;
      K.api(a ? 'PATCH' : 'POST', a ? path(a.tag) : '/api/v1/assets', body).then(function (r) {
        K.go('#/assets/' + encodeURIComponent(r.tag));
        K.status(t('asset.saved', r.tag));
      }, function (err) { K.status(err.message, true); });
    });
    view.appendChild(form);
    (a ? f['class'] : f.tag).focus();
  }

  K.route('asset-new', /^\/assets\/new$/, WRITERS, function (view) {
    view.appendChild(el('h2', { text: t('asset.new') }));
    editor(view, null);
  });

  /* --- one asset --- */

  function details(a) {
    var dl = el('dl', { class: 'fields' });
    [['asset.class', K.label('acls', a['class'])], ['asset.brand', a.brand], ['asset.model', a.model],
     ['asset.serial', a.serial], ['asset.user', a.user], ['asset.department', a.department],
     ['asset.location', a.location], ['asset.supplier', a.supplier],
     ['asset.purchase_date', a.purchase_date], ['asset.warranty_end', a.warranty_end]
    ].concat(SPECS.map(function (k) { return ['asset.spec.' + k, a.specs[k]]; }))
      .concat([['asset.software', a.software.join('、')], ['asset.notes', a.notes]])
      .forEach(function (p) {
        if (!p[1]) return;
        dl.appendChild(el('dt', { text: t(p[0]) }));
        dl.appendChild(el('dd', { class: p[0] === 'asset.notes' ? 'notes' : '', text: p[1] }));
      });
    if (a.caller_id) {
      dl.appendChild(el('dt', { text: t('asset.caller') }));
      dl.appendChild(el('dd', {}, el('a', { href: '#/callers/' + a.caller_id, text: a.user || String(a.caller_id) })));
    }
    return dl;
  }

  function historyList(list) {
    var ol = el('ol', { class: 'timeline asset-history', id: 'asset-history' });
    list.slice().reverse().forEach(function (e) {
      ol.appendChild(el('li', {},
        el('span', { class: 'meta', text: K.time(e.at) + ' · ' + e.actor + ' · ' }),
        el('strong', { text: t('asset.act.' + e.action) }), ' ',
        el('span', { text: e.summary })));
    });
    return ol;
  }

  function incidents(list) {
    var ul = el('ul', { class: 'caller-incidents', id: 'asset-incidents' });
    list.forEach(function (i) {
      ul.appendChild(el('li', {},
        el('a', { href: '#/incidents/' + encodeURIComponent(i.number), text: i.number }), ' ',
        K.badge('ist', i.status), ' ', K.badge('prio', i.priority), ' ',
        el('span', { text: i.summary }),
        el('span', { class: 'meta', text: ' · ' + i.caller_name + ' · ' + K.time(i.created_at) })));
    });
    if (!list.length) ul.appendChild(el('li', { class: 'meta', text: t('asset.incidents.none') }));
    return ul;
  }

  /* The model's repeated faults, when they make it a problem candidate. */
  function faultsNote(a) {
    var f = a.model_faults;
    if (!f || !f.problem_candidate) return null;
    return el('p', { class: 'hint warn', id: 'asset-faults', role: 'note',
                     text: t('asset.faults', a.model, f.days, f.incidents, f.assets) });
  }

  /* The scrap box: ask (engineers, admins), or decide on a pending request (approvers and
   * admins who did not ask). */
  function scrapBox(a, reload) {
    var box = el('section', { class: 'card scrap', id: 'asset-scrap', 'aria-label': t('asset.scrap') });
    var me = K.me ? K.me.username.toLowerCase() : '';
    if (a.status === 'scrapped') return null;
    if (a.scrap_request) {
      var r = a.scrap_request;
      K.add(box, [el('h3', { text: t('asset.scrap.pending') }),
        el('p', { text: t('asset.scrap.asked', r.requested_by, K.time(r.requested_at)) }),
        el('p', { class: 'notes', text: r.reason })]);
      if (!K.has.apply(null, DECIDERS)) return box;
      if (r.requested_by.toLowerCase() === me) {
        box.appendChild(el('p', { class: 'meta', text: t('asset.scrap.own') }));
        return box;
      }
      var comment = el('textarea', { id: 'scrap-comment', rows: '2', maxlength: '2000' });
      function decide(action) {
        var body = comment.value.trim() ? { comment: comment.value.trim() } : {};
        K.api('POST', path(a.tag) + '/scrap/' + action, body).then(function () {
          K.status(t(action === 'approve' ? 'asset.scrap.approved' : 'asset.scrap.rejected', a.tag));
          reload();
        }, function (err) { K.status(err.message, true); });
      }
      K.add(box, [K.field('asset.scrap.comment', comment),
        el('div', { class: 'form-actions' },
          el('button', { type: 'button', class: 'primary', id: 'scrap-approve', text: t('asset.scrap.approve'),
                         on: { click: function () { decide('approve'); } } }),
          el('button', { type: 'button', id: 'scrap-reject', text: t('asset.scrap.reject'),
                         on: { click: function () { decide('reject'); } } }))]);
      return box;
    }
    if (!K.has.apply(null, WRITERS)) return null;
    var reason = el('textarea', { id: 'scrap-reason', rows: '2', maxlength: '2000', required: true });
    var form = el('form', {}, K.field('asset.scrap.reason', reason),
      el('div', { class: 'form-actions' },
        el('button', { type: 'submit', id: 'scrap-ask', text: t('asset.scrap.ask') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('POST', path(a.tag) + '/scrap', { reason: reason.value.trim() }).then(function () {
        K.status(t('asset.scrap.asked.ok', a.tag));
        reload();
      }, function (err) { K.status(err.message, true); });
    });
    K.add(box, [el('h3', { text: t('asset.scrap') }), el('p', { class: 'hint', text: t('asset.scrap.hint') }), form]);
    return box;
  }

  /* --- the report: the archive by status, class and department, warranties ending soon,
   * incidents per model --- */

  function countTable(id, head, rows) {
    var tb = el('tbody');
    rows.forEach(function (r) {
      tb.appendChild(el('tr', {}, el('td', { text: r[0] }), el('td', { class: 'num', text: String(r[1]) })));
    });
    if (!rows.length) tb.appendChild(el('tr', {}, el('td', { colspan: '2', class: 'empty', text: t('none') })));
    return el('table', { class: 'grid', id: id },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t(head) }),
                                   el('th', { scope: 'col', text: t('asset.report.count') }))), tb);
  }

  function more(shown, total) {
    return total > shown ? el('p', { class: 'meta', text: t('asset.report.more', total - shown) }) : null;
  }

  K.route('asset-report', /^\/assets\/report$/, null, function (view, args, params) {
    var from = el('input', { type: 'date', id: 'ar-from', value: params.get('from') || '' });
    var to = el('input', { type: 'date', id: 'ar-to', value: params.get('to') || '' });
    var body = el('div', { id: 'asset-report' });
    var form = el('form', { class: 'filters' }, K.field('db.from', from), K.field('db.to', to),
      el('button', { type: 'submit', text: t('db.show') }));
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('asset.report') })), form, body]);
    function load() {
      var p = new URLSearchParams();
      if (from.value) p.set('from', from.value);
      if (to.value) p.set('to', to.value);
      K.api('GET', '/api/v1/reports/assets' + (p.toString() ? '?' + p : '')).then(function (r) {
        K.clear(body);
        if (!from.value) from.value = r.from.slice(0, 10);
        var models = el('tbody');
        r.incidents_per_model.forEach(function (m) {
          models.appendChild(el('tr', { class: m.problem_candidate ? 'candidate' : '' },
            el('td', { text: [m.brand, m.model].filter(Boolean).join(' ') }),
            el('td', { class: 'num', text: String(m.incidents) }), el('td', { class: 'num', text: String(m.assets) }),
            el('td', { class: 'num', text: String(m.recent) }),
            el('td', {}, m.problem_candidate ? el('strong', { class: 'hint warn', text: t('asset.report.candidate') }) : null)));
        });
        if (!r.incidents_per_model.length) models.appendChild(el('tr', {}, el('td', { colspan: '5', class: 'empty', text: t('none') })));
        var warranty = el('tbody');
        r.warranty_expiring.forEach(function (a) {
          warranty.appendChild(el('tr', {},
            el('td', {}, el('a', { href: '#/assets/' + encodeURIComponent(a.tag), text: a.tag })),
            el('td', { text: [K.label('acls', a['class']), a.brand, a.model].filter(Boolean).join(' ') }),
            el('td', { text: a.department }), el('td', { text: a.user }), el('td', { text: a.warranty_end })));
        });
        if (!r.warranty_expiring.length) warranty.appendChild(el('tr', {}, el('td', { colspan: '5', class: 'empty', text: t('none') })));
        K.add(body, [
          el('p', { class: 'meta', text: t('asset.report.total', r.assets) }),
          el('div', { class: 'cols' },
            countTable('ar-status', 'asset.report.by_status', STATUSES.map(function (s) { return [K.label('ast', s), r.by_status[s]]; })),
            countTable('ar-class', 'asset.report.by_class', CLASSES.filter(function (c) { return r.by_class[c]; })
              .map(function (c) { return [K.label('acls', c), r.by_class[c]]; })),
            el('div', {}, countTable('ar-dept', 'asset.report.by_department', r.by_department.map(function (d) {
              return [d.department || t('asset.report.none_dept'), d.count]; })),
              more(r.by_department.length, r.total_departments))),
          el('h3', { text: t('asset.report.models') }),
          el('table', { class: 'grid', id: 'ar-models' }, el('thead', {}, el('tr', {},
            ['asset.model', 'asset.report.incidents', 'asset.report.assets'].map(function (k) { return el('th', { scope: 'col', text: t(k) }); })
              .concat([el('th', { scope: 'col', text: t('asset.report.recent', r.fault_days) }),
                       el('th', { scope: 'col', text: t('asset.report.candidate') })]))), models),
          more(r.incidents_per_model.length, r.total_models),
          el('h3', { text: t('asset.report.warranty', r.warranty_days, r.total_warranty_expiring) }),
          el('table', { class: 'grid', id: 'ar-warranty' }, el('thead', {}, el('tr', {},
            ['asset.tag', 'asset.model', 'asset.department', 'asset.user', 'asset.warranty_end'].map(function (k) {
              return el('th', { scope: 'col', text: t(k) }); }))), warranty),
          more(r.warranty_expiring.length, r.total_warranty_expiring)]);
      }, function (err) { K.status(err.message, true); });
    }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var p = new URLSearchParams();
      if (from.value) p.set('from', from.value);
      if (to.value) p.set('to', to.value);
      history.replaceState(null, '', '#/assets/report' + (p.toString() ? '?' + p : ''));
      load();
    });
    load();
  });

  K.route('asset', /^\/assets\/([^/?]+)$/, null, function (view, args) {
    function load() {
      K.api('GET', path(args[0])).then(function (a) {
        K.clear(view);
        var side = el('div', {});
        K.add(view, [
          el('div', { class: 'page-head' },
            el('h2', {}, a.tag, ' ', K.badge('acls', a['class']), ' ', K.badge('ast', a.status))),
          el('div', { class: 'split asset-page' },
            el('div', {}, details(a),
               el('p', { class: 'meta', text: t('caller.stamp', K.time(a.created_at), a.created_by,
                                                 K.time(a.updated_at), a.updated_by) }),
               faultsNote(a),
               el('h4', { text: t('asset.incidents', a.incidents.length) }), incidents(a.incidents),
               K.assetMaintenance ? K.assetMaintenance(a.tag) : null,
               el('h4', { text: t('part.used') }), K.partsUsed(a.tag),
               el('h4', { text: t('asset.history') }), historyList(a.history)),
            side)]);
        K.add(side, scrapBox(a, load));
        if (K.has.apply(null, WRITERS) && (a.status !== 'scrapped' || K.has('admin'))) editor(side, a);
      }, function (err) { K.status(err.message, true); });
    }
    load();
  });
})();
