/* Maintenance and inspection (定期巡检、保养): my groups' tasks with their due dates and
 * what is overdue, a task's checklist recorded item by item (ok or fault, a note, a photo;
 * a fault opens an incident linked to the asset), the plans (set up by admins) and the
 * completion report. K.assetMaintenance(tag) is the asset page's list of its tasks. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var RECORDERS = ['engineer', 'admin'];
  var CLASSES = ['desktop', 'laptop', 'printer', 'monitor', 'network_device', 'phone', 'server',
                 'peripheral', 'software_licence', 'other'];
  var UNITS = ['day', 'week', 'month'];
  var STATES = ['open', 'overdue', 'done', 'all'];
  var PAGE = 50;
  var API = '/api/v1/maintenance';

  function select(id, values, group, selected) {
    return el('select', { id: id }, values.map(function (v) {
      return el('option', { value: v, text: K.label(group, v), selected: v === selected });
    }));
  }

  function stateBadge(task) {
    if (task.status === 'done')
      return el('span', {}, K.badge('mst', 'done'), task.late ? ' ' : null,
                task.late ? el('span', { class: 'badge late', text: t('mt.late') }) : null);
    return task.overdue ? el('span', { class: 'badge overdue', text: t('mt.overdue') })
                        : K.badge('mst', 'open');
  }

  function incidentLink(number) {
    return number ? el('a', { class: 'mono', href: '#/incidents/' + encodeURIComponent(number), text: number })
                  : null;
  }

  function taskRow(x) {
    return el('tr', { 'data-task': String(x.id) },
      el('td', {}, el('a', { href: '#/maintenance/tasks/' + x.id, text: '#' + x.id })),
      el('td', { text: x.due }),
      el('td', {}, el('a', { href: '#/assets/' + encodeURIComponent(x.asset.tag), text: x.asset.tag }),
         ' ', el('span', { class: 'meta', text: [K.label('acls', x.asset['class']), x.asset.location]
           .filter(Boolean).join(' · ') })),
      el('td', { text: x.plan.name }), el('td', { text: x.group }),
      el('td', {}, stateBadge(x)), el('td', {}, incidentLink(x.incident)));
  }

  function links() {
    return [el('a', { class: 'button', href: '#/maintenance/plans', text: t('mt.plans') }),
            el('a', { class: 'button', href: '#/maintenance/report', text: t('mt.report') })];
  }

  /* --- the tasks: mine (my groups') or all, by state --- */

  K.route('maintenance', /^\/maintenance$/, null, function (view, args, params) {
    var state = select('mt-state', STATES, 'mst', params.get('state') || 'open');
    var mine = el('input', { type: 'checkbox', id: 'mt-mine',
                             checked: params.has('mine') ? params.get('mine') === '1' : K.has('engineer') });
    var form = el('form', { class: 'filters' }, K.field('mt.state', state),
      el('div', { class: 'check' }, mine, el('label', { for: 'mt-mine', text: t('mt.mine') })),
      el('button', { type: 'submit', text: t('find') }));
    var tbody = el('tbody');
    var count = el('p', { class: 'meta', id: 'mt-count' });
    var pager = el('p', { class: 'form-actions' });
    K.add(view, [
      el('div', { class: 'page-head' }, el('h2', { text: t('nav.maintenance') }), links()),
      form, count,
      el('div', { class: 'scroll' }, el('table', { class: 'grid maint-tasks', id: 'mt-tasks' },
        el('thead', {}, el('tr', {}, ['mt.id', 'mt.due', 'mt.asset', 'mt.plan', 'mt.group',
          'mt.status', 'mt.incident'].map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
        tbody)), pager]);
    function go(offset) {
      var p = new URLSearchParams();
      p.set('state', state.value);
      p.set('mine', mine.checked ? '1' : '0');
      if (offset > 0) p.set('offset', String(offset));
      K.go('#/maintenance?' + p);
    }
    form.addEventListener('submit', function (ev) { ev.preventDefault(); go(0); });
    var offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
    var q = new URLSearchParams();
    q.set('state', state.value);
    if (mine.checked) q.set('mine', '1');
    q.set('limit', String(PAGE));
    q.set('offset', String(offset));
    K.api('GET', API + '/tasks?' + q).then(function (j) {
      count.textContent = t('mt.count', j.total);
      j.tasks.forEach(function (x) { tbody.appendChild(taskRow(x)); });
      if (!j.tasks.length) tbody.appendChild(el('tr', {}, el('td', { colspan: '7', class: 'empty', text: t('none') })));
      if (offset > 0) pager.appendChild(K.button('prev', function () { go(Math.max(0, offset - PAGE)); }));
      if (offset + j.tasks.length < j.total) pager.appendChild(K.button('next', function () { go(offset + PAGE); }));
    }, function (err) { K.status(err.message, true); });
  }, '#/maintenance');

  /* --- one task: its checklist, recorded once --- */

  function resultsTable(x) {
    return el('table', { class: 'grid maint-results', id: 'mt-results' },
      el('thead', {}, el('tr', {}, ['mt.item', 'mt.expected', 'mt.outcome', 'mt.note', 'mt.photo']
        .map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
      el('tbody', {}, x.results.map(function (r) {
        return el('tr', {}, el('td', { text: r.label }), el('td', { text: r.expected }),
          el('td', {}, K.badge('mout', r.outcome)), el('td', { text: r.note }),
          el('td', {}, r.photo ? el('a', { href: r.photo.url, text: t('mt.photo.open') }) : null));
      })));
  }

  /* The form of an open task: per item ok / fault, a note and a photo. The photos go up
   * first (attachments of the task), then the results name them. */
  function recordForm(x, done) {
    var rows = x.checklist.map(function (c) {
      var name = 'mt-out-' + c.item;
      var ok = el('input', { type: 'radio', name: name, id: name + '-ok', value: 'ok', checked: true });
      var fault = el('input', { type: 'radio', name: name, id: name + '-fault', value: 'fault' });
      var note = el('input', { id: 'mt-note-' + c.item, maxlength: '2000', placeholder: t('mt.note'),
                               'aria-label': c.label + ' · ' + t('mt.note') });
      var photo = el('input', { type: 'file', id: 'mt-photo-' + c.item, accept: 'image/*',
                                'aria-label': c.label + ' · ' + t('mt.photo') });
      return { item: c.item, ok: ok, fault: fault, note: note, photo: photo,
        tr: el('tr', {}, el('th', { scope: 'row' }, c.label,
                 c.expected ? el('small', { class: 'hint', text: t('mt.expect', c.expected) }) : null),
          el('td', { class: 'choice' }, ok, el('label', { for: ok.id, text: t('mout.ok') }), ' ',
             fault, el('label', { for: fault.id, text: t('mout.fault') })),
          el('td', {}, note), el('td', {}, photo)) };
    });
    var prio = el('select', { id: 'mt-priority' }, ['P1', 'P2', 'P3', 'P4'].map(function (p) {
      return el('option', { value: p, text: p, selected: p === 'P3' });
    }));
    var submit = el('button', { type: 'submit', class: 'primary', id: 'mt-submit', text: t('mt.submit') });
    var form = el('form', { class: 'card maint-form', id: 'mt-form' },
      el('h3', { text: t('mt.record') }),
      el('table', { class: 'grid' }, el('thead', {}, el('tr', {},
        ['mt.item', 'mt.outcome', 'mt.note', 'mt.photo'].map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
        el('tbody', {}, rows.map(function (r) { return r.tr; }))),
      K.field('mt.priority', prio, t('mt.priority.hint')),
      el('div', { class: 'form-actions' }, submit));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      submit.disabled = true;
      var base = API + '/tasks/' + x.id + '/attachments';
      var results = [];
      var chain = Promise.resolve();
      rows.forEach(function (r) {
        var res = { item: r.item, outcome: r.fault.checked ? 'fault' : 'ok' };
        if (r.note.value.trim()) res.note = r.note.value.trim();
        results.push(res);
        var file = r.photo.files && r.photo.files[0];
        if (file) chain = chain.then(function () {
          return K.upload(base + '?name=' + encodeURIComponent(file.name), file).then(function (a) { res.photo = a.id; });
        });
      });
      chain.then(function () {
        var body = { results: results };
        if (results.some(function (r) { return r.outcome === 'fault'; })) body.priority = prio.value;
        return K.api('POST', API + '/tasks/' + x.id + '/results', body);
      }).then(function (y) {
        K.status(y.incident ? t('mt.recorded.incident', y.incident) : t('mt.recorded'));
        done();
      }, function (err) { submit.disabled = false; K.status(err.message, true); });
    });
    return form;
  }

  K.route('maint-task', /^\/maintenance\/tasks\/(\d+)$/, null, function (view, args) {
    function load() {
      K.api('GET', API + '/tasks/' + args[0]).then(function (x) {
        K.clear(view);
        var dl = el('dl', { class: 'fields' });
        [['mt.asset', el('a', { href: '#/assets/' + encodeURIComponent(x.asset.tag), text: x.asset.tag })],
         ['mt.plan', x.plan.name], ['mt.due', x.due], ['mt.group', x.group],
         ['mt.status', stateBadge(x)], ['mt.done', x.done_by ? x.done_by + ' · ' + K.time(x.done_at) : ''],
         ['mt.incident', incidentLink(x.incident)]].forEach(function (p) {
          if (!p[1]) return;
          dl.appendChild(el('dt', { text: t(p[0]) }));
          dl.appendChild(el('dd', {}, p[1]));
        });
        K.add(view, [el('div', { class: 'page-head' },
                        el('h2', { text: t('mt.task', x.id, x.plan.name) })), dl]);
        if (x.status === 'done') view.appendChild(resultsTable(x));
        else if (K.has.apply(null, RECORDERS)) view.appendChild(recordForm(x, load));
        else view.appendChild(el('ul', { class: 'maint-checklist' }, x.checklist.map(function (c) {
          return el('li', { text: c.label + (c.expected ? '（' + c.expected + '）' : '') });
        })));
      }, function (err) { K.status(err.message, true); });
    }
    load();
  });

  /* --- plans --- */

  function scope(p) {
    return p.asset ? el('a', { href: '#/assets/' + encodeURIComponent(p.asset), text: p.asset })
                   : K.label('acls', p['class']);
  }

  function planEditor(reload) {
    var name = el('input', { id: 'mp-name', maxlength: '100', required: true });
    var kind = select('mp-kind', ['class', 'asset'], 'mp.kind', 'class');
    var cls = select('mp-class', CLASSES, 'acls', 'printer');
    var tag = el('input', { id: 'mp-asset', maxlength: '40', placeholder: 'PRN-0001', hidden: true,
                            'aria-label': t('mp.kind.asset') });
    var every = el('input', { id: 'mp-every', type: 'number', min: '1', max: '366', value: '1', required: true });
    var unit = select('mp-unit', UNITS, 'mu', 'month');
    var start = el('input', { id: 'mp-start', type: 'date', value: K.today(), required: true });
    var group = el('select', { id: 'mp-group', required: true });
    var list = el('textarea', { id: 'mp-checklist', rows: '5', required: true,
                                placeholder: t('mp.checklist.placeholder') });
    K.api('GET', '/api/v1/groups').then(function (j) {
      j.groups.forEach(function (g) { group.appendChild(el('option', { value: g.name, text: g.name })); });
    }, function () {});
    kind.addEventListener('change', function () {
      cls.hidden = kind.value !== 'class';
      tag.hidden = kind.value !== 'asset';
    });
    var form = el('form', { class: 'card plan-form', id: 'mp-form' }, el('h3', { text: t('mp.new') }),
      el('div', { class: 'cols' }, K.field('mp.name', name), K.field('mp.kind', kind),
         el('div', { class: 'field' }, el('label', { for: 'mp-class', text: t('mp.scope') }), cls, tag),
         K.field('mp.every', every), K.field('mp.unit', unit), K.field('mp.start', start),
         K.field('mp.group', group)),
      K.field('mp.checklist', list, t('mp.checklist.hint')),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', text: t('save') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { name: name.value.trim(), every: parseInt(every.value, 10), unit: unit.value,
                   start: start.value, group: group.value,
                   checklist: list.value.split(/\n+/).map(function (line) {
                     var parts = line.split('|');
                     return { label: parts[0].trim(), expected: (parts[1] || '').trim() };
                   }).filter(function (c) { return c.label; }) };
      if (kind.value === 'asset') body.asset = tag.value.trim(); else body['class'] = cls.value;
      K.api('POST', API + '/plans', body).then(function (p) {
        K.status(t('mp.saved', p.name, p.tasks_generated));
        reload();
      }, function (err) { K.status(err.message, true); });
    });
    return form;
  }

  K.route('maint-plans', /^\/maintenance\/plans$/, null, function (view) {
    var tbody = el('tbody');
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('mt.plans') }),
                    el('a', { class: 'button', href: '#/maintenance', text: t('nav.maintenance') })),
      el('div', { class: 'scroll' }, el('table', { class: 'grid maint-plans', id: 'mp-list' },
        el('thead', {}, el('tr', {}, ['mp.name', 'mp.scope', 'mp.schedule', 'mp.group', 'mp.items',
          'mp.active'].map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))), tbody))]);
    function load() {
      K.api('GET', API + '/plans').then(function (j) {
        K.clear(tbody);
        j.plans.forEach(function (p) {
          var toggle = K.has('admin') ? K.button(p.active ? 'mp.stop' : 'mp.resume', function () {
            K.api('PATCH', API + '/plans/' + p.id, { active: !p.active }).then(load, function (err) {
              K.status(err.message, true);
            });
          }) : null;
          tbody.appendChild(el('tr', {}, el('td', {}, el('a', { href: '#/maintenance?state=all&mine=0', text: p.name })),
            el('td', {}, scope(p)),
            el('td', { text: t('mp.every.text', p.every, K.label('mu', p.unit), p.start) }),
            el('td', { text: p.group }),
            el('td', { text: p.checklist.map(function (c) { return c.label; }).join('、') }),
            el('td', {}, p.active ? t('yes') : t('no'), ' ', toggle)));
        });
        if (!j.plans.length) tbody.appendChild(el('tr', {}, el('td', { colspan: '6', class: 'empty', text: t('none') })));
      }, function (err) { K.status(err.message, true); });
    }
    load();
    if (K.has('admin')) view.appendChild(planEditor(load));
  });

  /* --- the completion report --- */

  function rateTable(rows, key, label) {
    return el('table', { class: 'grid maint-rates', id: 'mr-' + key },
      el('caption', { text: t(label) }),
      el('thead', {}, el('tr', {}, ['mr.' + key, 'mr.total', 'mr.on_time', 'mr.late', 'mr.open',
        'mr.overdue', 'mr.rate'].map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
      el('tbody', {}, rows.map(function (r) {
        var name = key === 'class' ? K.label('acls', r[key]) : r[key];
        return el('tr', {}, el('td', { text: name }), el('td', { text: String(r.total) }),
          el('td', { text: String(r.on_time) }), el('td', { text: String(r.late) }),
          el('td', { text: String(r.open) }), el('td', { text: String(r.overdue) }),
          el('td', { text: r.on_time_rate === null ? '—' : Math.round(r.on_time_rate * 100) + '%' }));
      })));
  }

  K.route('maint-report', /^\/maintenance\/report$/, null, function (view, args, params) {
    var from = el('input', { id: 'mr-from', type: 'date', value: params.get('from') || '' });
    var to = el('input', { id: 'mr-to', type: 'date', value: params.get('to') || '' });
    var form = el('form', { class: 'filters' }, K.field('db.from', from), K.field('db.to', to),
                  el('button', { type: 'submit', text: t('db.show') }));
    var out = el('div', { class: 'maint-report' });
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('mt.report') }),
                    el('a', { class: 'button', href: '#/maintenance', text: t('nav.maintenance') })), form, out]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var p = new URLSearchParams();
      if (from.value) p.set('from', from.value);
      if (to.value) p.set('to', to.value);
      K.go('#/maintenance/report' + (p.toString() ? '?' + p : ''));
    });
    var q = new URLSearchParams();
    ['from', 'to'].forEach(function (k) { if (params.get(k)) q.set(k, params.get(k)); });
    K.api('GET', API + '/report?' + q).then(function (j) {
      if (!from.value) from.value = j.from;
      if (!to.value) to.value = j.to;
      K.add(out, [rateTable(j.by_month, 'month', 'mr.by.month'), rateTable(j.by_group, 'group', 'mr.by.group'),
                  rateTable(j.by_class, 'class', 'mr.by.class')]);
    }, function (err) { K.status(err.message, true); });
  });

  /* --- the asset page's section --- */

  K.assetMaintenance = function (tag) {
    var ul = el('ul', { class: 'asset-maint', id: 'asset-maint' });
    K.api('GET', API + '/tasks?state=all&limit=20&asset=' + encodeURIComponent(tag)).then(function (j) {
      j.tasks.forEach(function (x) {
        ul.appendChild(el('li', {}, el('a', { href: '#/maintenance/tasks/' + x.id, text: x.due + ' ' + x.plan.name }),
          ' ', stateBadge(x), x.incident ? ' ' : null, incidentLink(x.incident)));
      });
      if (!j.tasks.length) ul.appendChild(el('li', { class: 'meta', text: t('mt.none.asset') }));
    }, function () { ul.appendChild(el('li', { class: 'meta', text: t('mt.none.asset') })); });
    return [el('h4', { text: t('mt.asset.title') }), ul];
  };
})();
