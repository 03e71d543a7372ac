/* Spare parts: the list (low stock flagged and first, a filter for low only), a part's page
 * (stock per location, movements, its replenishment requests; the issue/return/move/scrap
 * form for engineers, a replenishment request, the admin's changes), the replenishment
 * requests (approve or reject by an approver who did not ask, receive when approved), the
 * monthly consumption report with its CSV, and the parts used by an asset (its page). */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var WORKERS = ['engineer', 'admin'];
  var DECIDERS = ['approver', 'admin'];
  var KINDS = ['issue', 'return', 'move', 'scrap', 'receive'];
  var STATES = ['pending', 'approved', 'rejected', 'received'];
  var PAGE = 50;

  function path(number) { return '/api/v1/parts/' + encodeURIComponent(number); }
  function link(number) { return el('a', { href: '#/parts/' + encodeURIComponent(number), text: number }); }
  function me() { return K.me ? K.me.username.toLowerCase() : ''; }
  function fail(err) { K.status(err.message, true); }
  function tabs(active) {
    return el('p', { class: 'tabs parts-tabs' }, ['parts', 'parts/replenishments', 'parts/consumption']
      .map(function (h) {
        return el('a', { href: '#/' + h, class: h === active ? 'active' : '',
                         'aria-current': h === active ? 'page' : null, text: t('part.tab.' + h.replace('parts/', '')) });
      }));
  }
  function lowBadge(p) {
    return p.low ? el('span', { class: 'badge part-low', text: t('part.low') }) : null;
  }

  /* --- the list --- */

  function locationsForm(reload) {
    var name = el('input', { id: 'pl-name', maxlength: '100', required: true });
    var note = el('input', { id: 'pl-note', maxlength: '200' });
    var form = el('form', { class: 'card', id: 'part-location-form' }, el('h3', { text: t('part.loc.new') }),
      K.field('part.loc.name', name), K.field('part.loc.note', note),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', text: t('part.loc.add') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('POST', '/api/v1/parts/locations', { name: name.value.trim(), note: note.value.trim() })
        .then(function (l) { K.status(t('part.loc.added', l.name)); reload(); }, fail);
    });
    return form;
  }

  function partForm() {
    var f = {};
    ['number', 'name', 'unit', 'models', 'minimum'].forEach(function (k) {
      f[k] = el('input', { id: 'pn-' + k, maxlength: k === 'name' ? '200' : k === 'models' ? '2000' : '40' });
    });
    f.number.required = true;
    f.name.required = true;
    f.minimum.type = 'number';
    f.minimum.min = '0';
    f.minimum.value = '0';
    var form = el('form', { class: 'card', id: 'part-new-form' }, el('h3', { text: t('part.new') }),
      K.field('part.number', f.number), K.field('part.name', f.name), K.field('part.unit', f.unit),
      K.field('part.models', f.models, t('part.models.hint')), K.field('part.minimum', f.minimum),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', text: t('part.create') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { number: f.number.value.trim(), name: f.name.value.trim(),
                   minimum: parseInt(f.minimum.value || '0', 10) || 0,
                   models: f.models.value.split(/[,，、\n]+/).map(function (s) { return s.trim(); })
                     .filter(function (s) { return s; }) };
      if (f.unit.value.trim()) body.unit = f.unit.value.trim();
      K.api('POST', '/api/v1/parts', body).then(function (p) {
        K.status(t('part.created', p.number));
        K.go('#/parts/' + encodeURIComponent(p.number));
      }, fail);
    });
    return form;
  }

  K.route('parts-replenishments', /^\/parts\/replenishments$/, null, function (view, args, params) {
    var st = el('select', { id: 'pr-state' }, [el('option', { value: '', text: t('part.any.state') })]
      .concat(STATES.map(function (s) {
        return el('option', { value: s, text: K.label('prs', s), selected: s === params.get('state') });
      })));
    var list = el('div', { id: 'pr-list' });
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('part.reorders') })), tabs('parts/replenishments'),
      el('form', { class: 'filters' }, K.field('part.state', st)), list]);
    function load() {
      var q = st.value ? '&state=' + st.value : '';
      K.api('GET', '/api/v1/parts/replenishments?limit=100' + q).then(function (j) {
        K.clear(list);
        j.replenishments.forEach(function (r) { list.appendChild(reorderCard(r, load)); });
        if (!j.replenishments.length) list.appendChild(el('p', { class: 'empty', text: t('none') }));
      }, fail);
    }
    st.addEventListener('change', load);
    load();
  }, null);

  K.route('parts-consumption', /^\/parts\/consumption$/, null, function (view, args, params) {
    var from = el('input', { id: 'pc-from', type: 'month', value: params.get('from') || '' });
    var to = el('input', { id: 'pc-to', type: 'month', value: params.get('to') || '' });
    var by = el('select', { id: 'pc-by' }, ['part', 'model'].map(function (v) {
      return el('option', { value: v, text: t('part.by.' + v), selected: v === params.get('by') });
    }));
    var csv = el('a', { class: 'button', id: 'pc-csv', text: t('db.csv'), download: 'parts-consumption.csv' });
    var tbody = el('tbody'), head = el('tr');
    var range = el('p', { class: 'meta', id: 'pc-range' });
    var form = el('form', { class: 'filters' }, K.field('db.from', from), K.field('db.to', to),
      K.field('part.by', by), el('button', { type: 'submit', text: t('db.show') }), ' ', csv);
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('part.consumption') })), tabs('parts/consumption'),
      form, range, el('div', { class: 'scroll' }, el('table', { class: 'grid part-use' }, el('thead', {}, head), tbody))]);
    function load() {
      var p = new URLSearchParams();
      if (from.value) p.set('from', from.value);
      if (to.value) p.set('to', to.value);
      p.set('by', by.value);
      csv.href = '/api/v1/parts/consumption.csv?' + p;
      K.api('GET', '/api/v1/parts/consumption?' + p).then(function (j) {
        var model = j.by === 'model';
        range.textContent = t('part.range', j.from, j.to);
        K.clear(head);
        K.clear(tbody);
        ['part.month'].concat(model ? ['part.model'] : []).concat(['part.number', 'part.name', 'part.issued',
          'part.returned', 'part.consumed']).forEach(function (k) { head.appendChild(el('th', { scope: 'col', text: t(k) })); });
        j.rows.forEach(function (r) {
          tbody.appendChild(el('tr', {}, el('td', { text: r.month }),
            model ? el('td', { text: r.model || t('part.model.none') }) : null,
            el('td', {}, link(r.part)), el('td', { text: r.name }),
            el('td', { class: 'num', text: r.issued + ' ' + r.unit }), el('td', { class: 'num', text: String(r.returned) }),
            el('td', { class: 'num', text: String(r.consumed) })));
        });
        if (!j.rows.length) tbody.appendChild(el('tr', {}, el('td', { colspan: '7', class: 'empty', text: t('none') })));
      }, fail);
    }
    form.addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
    load();
  }, null);

  K.route('parts', /^\/parts$/, null, function (view, args, params) {
    var q = el('input', { id: 'p-q', type: 'search', value: params.get('q') || '', maxlength: '200',
                          placeholder: t('part.q.placeholder'), autocomplete: 'off' });
    var low = el('input', { id: 'p-low', type: 'checkbox', checked: params.get('low') === '1' });
    var tbody = el('tbody'), count = el('p', { class: 'meta', id: 'p-count' }), side = el('div', {});
    var pager = el('p', { class: 'form-actions' });
    var form = el('form', { class: 'filters', role: 'search' }, K.field('part.q', q),
      el('label', { class: 'check' }, low, ' ', t('part.low.only')));
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.parts') })), tabs('parts'),
      el('div', { class: 'split' },
        el('div', {}, form, count, el('div', { class: 'scroll' }, el('table', { class: 'grid parts' },
          el('thead', {}, el('tr', {}, ['part.number', 'part.name', 'part.models', 'part.stock', 'part.minimum']
            .map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))), tbody)), pager),
        side)]);
    var offset = 0, seq = 0, timer = 0;
    function load() {
      var mine = ++seq;
      var p = new URLSearchParams();
      if (q.value.trim()) p.set('q', q.value.trim());
      if (low.checked) p.set('low', '1');
      history.replaceState(null, '', '#/parts' + (p.toString() ? '?' + p : ''));
      p.set('limit', String(PAGE));
      if (offset) p.set('offset', String(offset));
      K.api('GET', '/api/v1/parts?' + p).then(function (j) {
        if (mine !== seq) return;
        K.clear(tbody);
        K.clear(pager);
        count.textContent = t('part.count', j.total);
        j.parts.forEach(function (x) {
          tbody.appendChild(el('tr', { class: x.low ? 'low' : '' }, el('td', {}, link(x.number), ' ', lowBadge(x)),
            el('td', { text: x.name }), el('td', { text: x.models.join('、') }),
            el('td', { class: 'num', text: x.stock + ' ' + x.unit }), el('td', { class: 'num', text: String(x.minimum) })));
        });
        if (!j.parts.length) tbody.appendChild(el('tr', {}, el('td', { colspan: '5', class: 'empty', text: t('none') })));
        if (offset > 0) pager.appendChild(K.button('prev', function () { offset = Math.max(0, offset - PAGE); load(); }));
        if (offset + j.parts.length < j.total) pager.appendChild(K.button('next', function () { offset += PAGE; load(); }));
      }, fail);
    }
    function loadSide() {
      K.clear(side);
      var locs = el('ul', { class: 'part-locations', id: 'part-locations' });
      K.add(side, [el('section', { class: 'card' }, el('h3', { text: t('part.locations') }), locs)]);
      K.api('GET', '/api/v1/parts/locations').then(function (j) {
        j.locations.forEach(function (l) {
          locs.appendChild(el('li', {}, el('strong', { text: l.name }), l.note ? el('span', { class: 'meta', text: ' · ' + l.note }) : null));
        });
        if (!j.locations.length) locs.appendChild(el('li', { class: 'meta', text: t('none') }));
      }, fail);
      if (K.has('admin')) K.add(side, [partForm(), locationsForm(loadSide)]);
    }
    q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { offset = 0; load(); }, 200); });
    low.addEventListener('change', function () { offset = 0; load(); });
    form.addEventListener('submit', function (ev) { ev.preventDefault(); offset = 0; load(); });
    load();
    loadSide();
    q.focus();
    return { leave: function () { clearTimeout(timer); seq++; } };
  }, '#/parts');

  /* --- replenishment requests --- */

  function reorderCard(r, reload) {
    var card = el('article', { class: 'card reorder reorder-' + r.state, 'data-id': String(r.id) },
      el('h3', {}, '#' + r.id + ' ', link(r.part), ' ', el('span', { text: r.part_name }), ' ', K.badge('prs', r.state)),
      el('p', { text: t('part.reorder.line', r.quantity + ' ' + r.unit, r.location || t('part.loc.later'),
                        r.requested_by, K.time(r.requested_at)) }),
      r.reason ? el('p', { class: 'notes', text: r.reason }) : null,
      r.decided_by ? el('p', { class: 'meta', text: t('part.reorder.decided', r.decided_by, K.time(r.decided_at)) +
                                (r.comment ? '：' + r.comment : '') }) : null,
      r.received_by ? el('p', { class: 'meta', text: t('part.reorder.received', r.received + ' ' + r.unit, r.received_by,
                                                        K.time(r.received_at)) }) : null);
    var base = '/api/v1/parts/replenishments/' + r.id;
    if (r.state === 'pending' && K.has.apply(null, DECIDERS)) {
      if (r.requested_by.toLowerCase() === me()) {
        card.appendChild(el('p', { class: 'meta', text: t('part.reorder.own') }));
      } else {
        var comment = el('input', { id: 'pr-comment-' + r.id, maxlength: '2000' });
        var decide = function (action) {
          K.api('POST', base + '/' + action, comment.value.trim() ? { comment: comment.value.trim() } : {})
            .then(function () { K.status(t('part.reorder.' + action + 'd', r.id)); reload(); }, fail);
        };
        K.add(card, [K.field('part.reorder.comment', comment), el('div', { class: 'form-actions' },
          el('button', { type: 'button', class: 'primary pr-approve', text: t('part.reorder.approve'),
                         on: { click: function () { decide('approve'); } } }),
          el('button', { type: 'button', class: 'pr-reject', text: t('part.reorder.reject'),
                         on: { click: function () { decide('reject'); } } }))]);
      }
    }
    if (r.state === 'approved' && K.has.apply(null, WORKERS)) {
      var qty = el('input', { id: 'pr-qty-' + r.id, type: 'number', min: '1', value: String(r.quantity) });
      var loc = el('input', { id: 'pr-loc-' + r.id, maxlength: '100', value: r.location });
      var form = el('form', { class: 'inline' }, K.field('part.quantity', qty), K.field('part.location', loc),
        el('button', { type: 'submit', class: 'primary pr-receive', text: t('part.reorder.receive') }));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        K.api('POST', base + '/receive', { quantity: parseInt(qty.value, 10) || 0, location: loc.value.trim() })
          .then(function () { K.status(t('part.reorder.receiveds', r.id)); reload(); }, fail);
      });
      card.appendChild(form);
    }
    return card;
  }

  /* --- one part --- */

  function stockTable(p) {
    var tb = el('tbody');
    p.locations.forEach(function (l) {
      tb.appendChild(el('tr', {}, el('td', { text: l.location }), el('td', { class: 'num', text: l.quantity + ' ' + p.unit })));
    });
    if (!p.locations.length) tb.appendChild(el('tr', {}, el('td', { colspan: '2', class: 'empty', text: t('none') })));
    return el('table', { class: 'grid part-stock', id: 'part-stock' },
      el('thead', {}, el('tr', {}, el('th', { text: t('part.location') }), el('th', { text: t('part.quantity') }))), tb);
  }

  function moveRows(list, withPart) {
    var tb = el('tbody');
    list.forEach(function (m) {
      var where = [m.from, m.to].filter(Boolean).join(' → ');
      var target = [m.incident ? el('a', { href: '#/incidents/' + encodeURIComponent(m.incident), text: m.incident }) : null,
                    m.asset ? el('a', { href: '#/assets/' + encodeURIComponent(m.asset), text: m.asset }) : null]
        .filter(Boolean);
      tb.appendChild(el('tr', {}, el('td', { text: K.time(m.at) }),
        withPart ? el('td', {}, link(m.part), ' ', el('span', { text: m.part_name })) : null,
        el('td', {}, K.badge('pmv', m.kind)), el('td', { class: 'num', text: String(m.quantity) }),
        el('td', { text: where }), el('td', {}, target.length > 1 ? [target[0], ' · ', target[1]] : target),
        el('td', { text: m.actor }), el('td', { text: m.note + (m.replenishment ? ' #' + m.replenishment : '') })));
    });
    if (!list.length) tb.appendChild(el('tr', {}, el('td', { colspan: '8', class: 'empty', text: t('none') })));
    var cols = ['part.at'].concat(withPart ? ['part.number'] : []).concat(['part.kind', 'part.quantity', 'part.where',
      'part.target', 'part.actor', 'part.note']);
    return el('table', { class: 'grid part-moves' },
      el('thead', {}, el('tr', {}, cols.map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))), tb);
  }

  function moveForm(p, locations, reload) {
    var kinds = KINDS.filter(function (k) { return k !== 'receive' || K.has('admin'); });
    var kind = el('select', { id: 'pm-kind' }, kinds.map(function (k) { return el('option', { value: k, text: K.label('pmv', k) }); }));
    var qty = el('input', { id: 'pm-qty', type: 'number', min: '1', value: '1', required: true });
    function locSelect(id) {
      return el('select', { id: id }, locations.map(function (l) { return el('option', { value: l.name, text: l.name }); }));
    }
    var loc = locSelect('pm-loc'), to = locSelect('pm-to');
    var asset = el('input', { id: 'pm-asset', maxlength: '40', placeholder: 'PRN-0001' });
    var incident = el('input', { id: 'pm-incident', maxlength: '64' });
    var note = el('input', { id: 'pm-note', maxlength: '2000' });
    var toField = K.field('part.to', to), targets = el('div', { class: 'cols' },
      K.field('part.asset', asset), K.field('part.incident', incident));
    var named = function () { return kind.value === 'issue' || kind.value === 'return'; };
    function shape() { /* .field and .cols set display: hide with it, not with hidden */
      toField.style.display = kind.value === 'move' ? '' : 'none';
      targets.style.display = named() ? '' : 'none';
    }
    kind.addEventListener('change', shape);
    var form = el('form', { class: 'card', id: 'part-move-form' }, el('h3', { text: t('part.move.title') }),
      el('div', { class: 'cols' }, K.field('part.kind', kind), K.field('part.quantity', qty), K.field('part.location', loc), toField),
      targets, K.field('part.note', note),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', id: 'pm-submit', text: t('part.move.submit') })));
    shape();
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { kind: kind.value, quantity: parseInt(qty.value, 10) || 0, location: loc.value };
      if (kind.value === 'move') body.to_location = to.value;
      if (named() && asset.value.trim()) body.asset = asset.value.trim();
      if (named() && incident.value.trim()) body.incident = incident.value.trim();
      if (note.value.trim()) body.note = note.value.trim();
      K.api('POST', path(p.number) + '/movements', body).then(function (x) {
        K.status(t('part.moved', K.label('pmv', body.kind), body.quantity + ' ' + x.unit, x.number));
        reload();
      }, fail);
    });
    return form;
  }

  function reorderForm(p, locations, reload) {
    var qty = el('input', { id: 'pq-qty', type: 'number', min: '1', required: true,
                            value: String(Math.max(1, p.minimum * 2 - p.stock)) });
    var loc = el('select', { id: 'pq-loc' }, locations.map(function (l) { return el('option', { value: l.name, text: l.name }); }));
    var reason = el('input', { id: 'pq-reason', maxlength: '2000', value: p.low ? t('part.reorder.because.low') : '' });
    var form = el('form', { class: 'card', id: 'part-reorder-form' }, el('h3', { text: t('part.reorder.ask') }),
      el('div', { class: 'cols' }, K.field('part.quantity', qty), K.field('part.location', loc)), K.field('part.reason', reason),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', id: 'pq-submit', text: t('part.reorder.submit') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('POST', '/api/v1/parts/replenishments', { part: p.number, quantity: parseInt(qty.value, 10) || 0,
                                                      location: loc.value, reason: reason.value.trim() })
        .then(function (r) { K.status(t('part.reorder.asked', r.id)); reload(); }, fail);
    });
    return form;
  }

  function editForm(p, reload) {
    var min = el('input', { id: 'pe-min', type: 'number', min: '0', value: String(p.minimum) });
    var name = el('input', { id: 'pe-name', maxlength: '200', value: p.name });
    var models = el('input', { id: 'pe-models', maxlength: '2000', value: p.models.join('、') });
    var form = el('form', { class: 'card', id: 'part-edit-form' }, el('h3', { text: t('part.edit') }),
      K.field('part.name', name), K.field('part.models', models, t('part.models.hint')), K.field('part.minimum', min),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', text: t('save') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('PATCH', path(p.number), { name: name.value.trim(), minimum: parseInt(min.value, 10) || 0,
        models: models.value.split(/[,，、\n]+/).map(function (s) { return s.trim(); }).filter(function (s) { return s; }) })
        .then(function () { K.status(t('asset.saved', p.number)); reload(); }, fail);
    });
    return form;
  }

  K.route('part', /^\/parts\/([^/?]+)$/, null, function (view, args) {
    function load() {
      Promise.all([K.api('GET', path(args[0])), K.api('GET', '/api/v1/parts/locations')]).then(function (r) {
        var p = r[0], locations = r[1].locations;
        K.clear(view);
        var side = el('div', {});
        var reorders = el('div', { id: 'part-reorders' });
        p.replenishments.forEach(function (x) { reorders.appendChild(reorderCard(x, load)); });
        if (!p.replenishments.length) reorders.appendChild(el('p', { class: 'meta', text: t('none') }));
        K.add(view, [
          el('div', { class: 'page-head' }, el('h2', {}, p.number, ' ', el('span', { text: p.name }), ' ', lowBadge(p))),
          tabs(''),
          el('div', { class: 'split part-page' },
            el('div', {},
              el('p', { class: 'part-summary', id: 'part-summary', text: t('part.summary', p.stock + ' ' + p.unit, p.minimum) }),
              p.models.length ? el('p', { class: 'meta', text: t('part.models') + '：' + p.models.join('、') }) : null,
              p.notes ? el('p', { class: 'notes', text: p.notes }) : null,
              el('h4', { text: t('part.stock.title') }), stockTable(p),
              el('h4', { text: t('part.moves', p.movements_total) }), el('div', { class: 'scroll' }, moveRows(p.movements, false)),
              el('h4', { text: t('part.reorders') }), reorders),
            side)]);
        if (K.has.apply(null, WORKERS) && locations.length) K.add(side, [moveForm(p, locations, load), reorderForm(p, locations, load)]);
        if (K.has('admin')) side.appendChild(editForm(p, load));
      }, fail);
    }
    load();
  });

  /* The parts used by asset tag (its page): movements that name it, newest first. */
  K.partsUsed = function (tag) {
    var box = el('div', { id: 'asset-parts' });
    K.api('GET', '/api/v1/parts/movements?limit=50&asset=' + encodeURIComponent(tag)).then(function (j) {
      box.appendChild(j.movements.length ? el('div', { class: 'scroll' }, moveRows(j.movements, true))
                                         : el('p', { class: 'meta', text: t('part.used.none') }));
    }, function () { box.appendChild(el('p', { class: 'meta', text: t('part.used.none') })); });
    return box;
  };
})();
