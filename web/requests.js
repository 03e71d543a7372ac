/* Service requests: the list (filters, queues, loans overdue), a new request from the
 * catalogue (the item's own form), the request page with its approval, fulfilment and
 * timeline, and the catalogue's editor for admins. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var REQUESTERS = ['agent', 'engineer', 'approver', 'admin'];
  var STATUSES = ['submitted', 'awaiting_approval', 'approved', 'rejected', 'in_fulfilment',
                  'fulfilled', 'closed', 'cancelled'];
  var OPEN = ['submitted', 'awaiting_approval', 'approved', 'in_fulfilment'];
  var CATEGORIES = ['account', 'software', 'hardware', 'consumable', 'loan', 'access', 'other'];
  var TYPES = ['text', 'number', 'date', 'choice', 'user', 'bool'];
  var PAGE = 50;

  function items(activeOnly) {
    return K.api('GET', '/api/v1/request-items' + (activeOnly ? '?active=1' : ''))
      .then(function (j) { return j.items; });
  }

  function select(id, values, group, value, allKey) {
    var s = el('select', { id: id });
    if (allKey) s.appendChild(el('option', { value: '', text: t(allKey) }));
    values.forEach(function (v) {
      var val = Array.isArray(v) ? v[0] : v;
      var text = Array.isArray(v) ? v[1] : group ? K.label(group, v) : v;
      s.appendChild(el('option', { value: String(val), text: text, selected: String(val) === String(value) }));
    });
    return s;
  }

  /* The fulfilment clock: due time and what is left (paused while awaiting approval). */
  function slaCell(r) {
    var s = r.sla;
    if (!s || !s.due) return el('span');
    var done = OPEN.indexOf(r.status) < 0;
    var cls = 'sla ' + (s.breached ? 'breached' : s.paused ? 'paused' : done ? 'met' : 'running');
    var text = s.paused ? t('rq.sla.paused') : done ? (s.breached ? t('rq.sla.late') : t('rq.sla.met'))
      : K.duration(s.remaining_seconds);
    return el('span', { class: cls, title: t('rq.sla.due', K.time(s.due)), text: text });
  }

  function valueText(f) {
    if (f.value === null || f.value === undefined) return '';
    if (f.type === 'bool') return f.value ? t('yes') : t('no');
    return String(f.value);
  }

  /* --- the list --- */

  K.route('service', /^\/service$/, null, function (view, args, params) {
    var st = select('rq-status', ['open'].concat(STATUSES), 'rst', params.get('status') || '', 'all');
    var item = select('rq-item', [], null, '', 'all');
    var queue = select('rq-queue', [['mine', t('rq.queue.mine')], ['my_groups', t('rq.queue.groups')],
                                    ['requested', t('rq.queue.requested')]], null,
                       params.get('queue') || '', 'all');
    var overdue = el('input', { type: 'checkbox', id: 'rq-overdue', checked: params.get('overdue') === '1' });
    var form = el('form', { class: 'filters' }, K.field('rq.status', st), K.field('rq.item', item),
      K.field('rq.queue', queue),
      el('div', { class: 'check' }, overdue, el('label', { for: 'rq-overdue', text: t('rq.overdue') })),
      el('button', { type: 'submit', text: t('find') }));
    var tbody = el('tbody');
    var count = el('p', { class: 'meta' });
    var pager = el('p', { class: 'form-actions' });
    K.add(view, [
      el('div', { class: 'page-head' }, el('h2', { text: t('nav.service') }),
         K.has.apply(null, REQUESTERS) ? el('a', { class: 'button', id: 'rq-new', href: '#/service/new', text: t('rq.new') }) : null,
         K.has('admin') ? el('a', { class: 'button', href: '#/service/catalogue', text: t('nav.catalogue') }) : null),
      form, count,
      el('div', { class: 'scroll' }, el('table', { class: 'grid requests' },
        el('thead', {}, el('tr', {}, ['rq.number', 'rq.item', 'rq.for', 'rq.status', 'rq.group',
          'rq.assignee', 'rq.sla', 'rq.created'].map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
        tbody)), pager]);
    items(false).then(function (list) {
      list.forEach(function (i) {
        item.appendChild(el('option', { value: String(i.id), text: i.name, selected: String(i.id) === params.get('item') }));
      });
    }, function () {});
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var p = new URLSearchParams();
      if (st.value) p.set('status', st.value);
      if (item.value) p.set('item', item.value);
      if (queue.value) p.set('queue', queue.value);
      if (overdue.checked) p.set('overdue', '1');
      K.go('#/service' + (p.toString() ? '?' + p : ''));
    });
    var offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
    var q = new URLSearchParams();
    ['status', 'item', 'queue', 'overdue'].forEach(function (k) { if (params.get(k)) q.set(k, params.get(k)); });
    q.set('limit', String(PAGE));
    q.set('offset', String(offset));
    function page(to) {
      var p = new URLSearchParams(params);
      if (to > 0) p.set('offset', String(to)); else p.delete('offset');
      K.go('#/service?' + p);
    }
    K.api('GET', '/api/v1/requests?' + q).then(function (j) {
      count.textContent = t('rq.count', j.total);
      j.requests.forEach(function (r) {
        tbody.appendChild(el('tr', {},
          el('td', {}, el('a', { class: 'mono', href: '#/service/' + encodeURIComponent(r.number), text: r.number })),
          el('td', { text: r.item_name }), el('td', { text: r.caller_name }),
          el('td', {}, K.badge('rst', r.status), r.loan_overdue ? el('span', { class: 'badge overdue', text: t('rq.loan.overdue') }) : null),
          el('td', { text: r.group }), el('td', { text: r.assignee }), el('td', {}, slaCell(r)),
          el('td', { text: K.time(r.created_at) })));
      });
      if (!j.requests.length) tbody.appendChild(el('tr', {}, el('td', { colspan: '8', class: 'empty', text: t('none') })));
      if (offset > 0) pager.appendChild(K.button('prev', function () { page(Math.max(0, offset - PAGE)); }));
      if (offset + j.requests.length < j.total) pager.appendChild(K.button('next', function () { page(offset + PAGE); }));
    }, function (err) { K.status(err.message, true); });
  }, '#/service');

  /* --- a new request: the catalogue, then the item's form --- */

  /* An input for form field f of an item. */
  function input(f) {
    var id = 'rf-' + f.key;
    if (f.type === 'bool') return el('input', { type: 'checkbox', id: id });
    if (f.type === 'choice') return select(id, f.choices, null, '', f.required ? null : 'rq.choose');
    if (f.type === 'number') return el('input', { type: 'number', id: id, step: 'any', required: f.required });
    if (f.type === 'date') return el('input', { type: 'date', id: id, required: f.required });
    return el('input', { id: id, required: f.required, maxlength: f.max_length ? String(f.max_length) : '64',
                         placeholder: f.type === 'user' ? t('rq.user.hint') : '' });
  }

  K.route('service-new', /^\/service\/new$/, REQUESTERS, function (view) {
    var picker = el('div', { class: 'catalogue', role: 'list' });
    var formBox = el('div');
    K.add(view, [el('h2', { text: t('rq.new') }), el('p', { class: 'meta', text: t('rq.pick') }), picker, formBox]);
    items(true).then(function (list) {
      list.forEach(function (it) {
        picker.appendChild(el('button', { type: 'button', class: 'card catalogue-item', role: 'listitem',
                                          'data-item': String(it.id), on: { click: function () { open(it); } } },
          el('strong', { text: it.name }), el('span', { class: 'meta', text: it.description }),
          el('span', { class: 'meta', text: t('rq.item.info', K.label('rcat', it.category), it.sla,
                                                  it.approval ? t('rq.needs.approval') : '') })));
      });
      if (!list.length) picker.appendChild(el('p', { class: 'empty', text: t('rq.catalogue.empty') }));
    }, function (err) { K.status(err.message, true); });

    function open(it) {
      picker.querySelectorAll('.catalogue-item').forEach(function (b) {
        b.classList.toggle('chosen', b.dataset.item === String(it.id));
      });
      var f = {
        caller_name: el('input', { id: 'rq-caller', required: true, maxlength: '200' }),
        caller_phone: el('input', { id: 'rq-phone', maxlength: '200' }),
        department: el('input', { id: 'rq-department', maxlength: '200' })
      };
      var ret = it.loan ? el('input', { type: 'date', id: 'rq-return', required: true, min: K.today() }) : null;
      var note = el('textarea', { id: 'rq-note', rows: '3', maxlength: '20000' });
      var inputs = it.fields.map(function (fd) { return [fd, input(fd)]; });
      var form = el('form', { class: 'card request-form' },
        el('h3', { text: it.name }), it.description ? el('p', { class: 'meta', text: it.description }) : null,
        el('div', { class: 'cols' }, K.field('rq.for', f.caller_name), K.field('inc.phone', f.caller_phone),
           K.field('inc.department', f.department)),
        inputs.map(function (p) {
          if (p[0].type === 'bool') return el('div', { class: 'check' }, p[1], el('label', { for: p[1].id, text: p[0].label }));
          var lab = p[0].label + (p[0].required ? ' *' : '');
          return el('div', { class: 'field' }, el('label', { for: p[1].id, text: lab }), p[1]);
        }),
        ret ? K.field('rq.return', ret, t('rq.return.hint')) : null,
        K.field('rq.note', note),
        el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', id: 'rq-submit', text: t('rq.submit') })));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var values = {};
        inputs.forEach(function (p) {
          var fd = p[0], v = p[1];
          if (fd.type === 'bool') values[fd.key] = v.checked;
          else if (fd.type === 'number') { if (v.value !== '') values[fd.key] = Number(v.value); }
          else if (v.value.trim()) values[fd.key] = v.value.trim();
        });
        var body = { item: it.id, caller_name: f.caller_name.value.trim(), fields: values };
        if (f.caller_phone.value.trim()) body.caller_phone = f.caller_phone.value.trim();
        if (f.department.value.trim()) body.department = f.department.value.trim();
        if (note.value.trim()) body.note = note.value.trim();
        if (ret) body.return_date = ret.value;
        K.api('POST', '/api/v1/requests', body).then(function (r) {
          K.go('#/service/' + encodeURIComponent(r.number));
          K.status(t('rq.submitted', r.number));
        }, function (err) { K.status(err.message, true); });
      });
      K.add(K.clear(formBox), form);
      f.caller_name.focus();
    }
  });

  /* --- one request --- */

  K.route('service-one', /^\/service\/(REQ-[0-9-]+)$/, null, function (view, args) {
    var number = args[0];
    var groups = [];
    var att = null; /* the attachments section (paste goes to it while shown) */
    function load() {
      Promise.all([K.api('GET', '/api/v1/requests/' + encodeURIComponent(number)),
                   K.groups().catch(function () { return []; })]).then(function (res) {
        groups = res[1];
        K.clear(view);
        render(res[0]);
      }, function (err) { K.status(err.message, true); });
    }
    function act(path, body, method) {
      return K.api(method || 'POST', '/api/v1/requests/' + encodeURIComponent(number) + path, body)
        .then(function () { K.status(t('done')); load(); }, function (err) { K.status(err.message, true); });
    }
    /* the desk works every request; an engineer those of their groups or assigned to them */
    function mayWork(r) {
      if (K.has('agent', 'admin')) return true;
      if (!K.has('engineer') || !K.me) return false;
      return r.assignee === K.me.username ||
        !!r.group && K.groupMembers(groups, r.group).indexOf(K.me.username) >= 0;
    }
    function noteForm(id, titleKey, buttonKey, path, needNote, cls) {
      var note = el('input', { id: id, maxlength: '20000' });
      return el('form', { class: 'card', 'data-action': path, on: { submit: function (ev) {
        ev.preventDefault();
        act('/' + path, { note: note.value.trim() || undefined });
      } } }, el('h3', { text: t(titleKey) }), K.field(needNote ? 'rq.reason' : 'rq.note', note),
        el('button', { type: 'submit', class: cls || '', id: 'rq-' + path, text: t(buttonKey) }));
    }
    function render(r) {
      var me = K.me ? K.me.username : '';
      var mine = me && me.toLowerCase() === r.requested_by.toLowerCase();
      /* files: the requester (the form, a screenshot) and those who work it add them */
      if (att) att.leave();
      att = K.attachments('/api/v1/requests/' + encodeURIComponent(number), !!mine || mayWork(r));
      var dl = el('dl', { class: 'fields' });
      [['rq.item', r.item_name], ['rq.for', r.caller_name], ['inc.phone', r.caller_phone],
       ['inc.department', r.department], ['rq.group', r.group], ['rq.assignee', r.assignee],
       ['rq.return', r.return_date], ['rq.requested', K.time(r.created_at) + ' · ' + r.requested_by],
       ['rq.decision', r.decided_by ? r.decided_by + (r.decision ? '：' + r.decision : '') : ''],
       ['rq.sla.target', t('rq.sla.text', r.sla.target, K.label('hours', r.sla.hours), K.time(r.sla.due))]
      ].concat(r.form.map(function (f) { return [null, valueText(f), f.label]; })).forEach(function (p) {
        if (!p[1]) return;
        dl.appendChild(el('dt', { text: p[0] ? t(p[0]) : p[2] }));
        dl.appendChild(el('dd', { text: p[1] }));
      });
      var timeline = el('ol', { class: 'timeline' });
      (r.timeline || []).forEach(function (e) {
        var what = K.label('rev', e.type) + (e.type === 'status' || e.type === 'created'
          ? ' ' + (e.from ? K.label('rst', e.from) + ' → ' : '') + K.label('rst', e.to)
          : e.type === 'assignee' ? ' ' + (e.from ? e.from + ' → ' : '') + (e.to || '—') : '');
        timeline.appendChild(el('li', {}, el('time', { datetime: e.at, text: K.time(e.at) }), ' ',
          el('strong', { text: e.by }), ' ', what, e.note ? el('p', { class: 'note', text: e.note }) : null));
      });
      var actions = el('div', { class: 'actions-box' });
      var open = OPEN.indexOf(r.status) >= 0;
      var work = mayWork(r);
      if (r.status === 'awaiting_approval' && K.has('approver', 'admin')) {
        if (mine) actions.appendChild(el('p', { class: 'meta', text: t('rq.four.eyes') }));
        else {
          actions.appendChild(noteForm('rq-approve-note', 'rq.approve.title', 'rq.approve', 'approve', false, 'primary'));
          actions.appendChild(noteForm('rq-reject-note', 'rq.reject.title', 'rq.reject', 'reject', true));
        }
      }
      if (open && work && r.status !== 'awaiting_approval') {
        var assignee = el('select', { id: 'rq-assignee' }, el('option', { value: '', text: t('inc.assignee.none') }));
        var people = K.groupMembers(groups, r.group);
        if (r.assignee && people.indexOf(r.assignee) < 0) people.push(r.assignee);
        people.forEach(function (m) { assignee.appendChild(el('option', { value: m, text: m, selected: m === r.assignee })); });
        var note = el('input', { id: 'rq-work-note', maxlength: '20000' });
        actions.appendChild(el('form', { class: 'card', on: { submit: function (ev) {
          ev.preventDefault();
          var b = { note: note.value.trim() || undefined };
          if (assignee.value !== r.assignee) b.assignee = assignee.value;
          act('', b, 'PATCH');
        } } }, el('h3', { text: t('rq.work') }), K.field('rq.assignee', assignee), K.field('rq.note', note),
          el('button', { type: 'submit', id: 'rq-save', text: t('save') })));
        if (r.status !== 'in_fulfilment') actions.appendChild(noteForm('rq-start-note', 'rq.start.title', 'rq.start', 'start', false));
        actions.appendChild(noteForm('rq-fulfil-note', 'rq.fulfil.title', 'rq.fulfil', 'fulfil', false, 'primary'));
      }
      if (r.status === 'fulfilled' && r.loan && work)
        actions.appendChild(noteForm('rq-return-note', 'rq.return.title', 'rq.return.button', 'return', false, 'primary'));
      if (r.status === 'fulfilled' && !r.loan && (work || mine))
        actions.appendChild(noteForm('rq-close-note', 'rq.close.title', 'rq.close', 'close', false, 'primary'));
      if (open && (mine || K.has('agent', 'admin')))
        actions.appendChild(noteForm('rq-cancel-note', 'rq.cancel.title', 'rq.cancel', 'cancel', true));
      K.add(view, [
        el('div', { class: 'page-head' },
          el('h2', {}, el('span', { class: 'mono', text: r.number }), ' ', r.item_name),
          el('span', { class: 'badges' }, K.badge('rst', r.status),
             r.loan_overdue ? el('span', { class: 'badge overdue', text: t('rq.loan.overdue') }) : null, slaCell(r))),
        r.note ? el('p', { class: 'description', text: r.note }) : null,
        el('div', { class: 'split' }, el('div', {}, dl, att.box, el('h3', { text: t('inc.timeline') }), timeline), actions)]);
    }
    load();
    return { leave: function () { if (att) att.leave(); } };
  });

  /* --- the catalogue (admins) --- */

  /* One field a line, as in the catalogue file: key | label | type | required | max=N |
   * choices=a,b */
  function fieldsText(fields) {
    return fields.map(function (f) {
      var parts = [f.key, f.label, f.type];
      if (f.required) parts.push('required');
      if (f.type === 'text' && f.max_length) parts.push('max=' + f.max_length);
      if (f.choices.length) parts.push('choices=' + f.choices.join(','));
      return parts.join(' | ');
    }).join('\n');
  }
  function parseFields(text) {
    return text.split('\n').map(function (l) { return l.trim(); }).filter(function (l) {
      return l && l[0] !== '#';
    }).map(function (l) {
      var p = l.split('|').map(function (s) { return s.trim(); });
      var f = { key: p[0], label: p[1] || '', type: p[2] || 'text' };
      p.slice(3).forEach(function (o) {
        if (o === 'required') f.required = true;
        else if (o.indexOf('max=') === 0) f.max_length = Number(o.slice(4));
        else if (o.indexOf('choices=') === 0) f.choices = o.slice(8).split(',').map(function (s) { return s.trim(); });
      });
      return f;
    });
  }

  function itemEditor(box, it, groups, done) {
    var f = {
      name: el('input', { id: 'ci-name', required: true, maxlength: '100', value: it ? it.name : '' }),
      description: el('textarea', { id: 'ci-description', rows: '2', maxlength: '2000' }),
      category: select('ci-category', CATEGORIES, 'rcat', it ? it.category : 'other'),
      sla: el('input', { id: 'ci-sla', required: true, size: '6', value: it ? it.sla : '1d', placeholder: '8h' }),
      hours: select('ci-hours', ['24x7', 'business'], 'hours', it ? it.hours : '24x7'),
      group: select('ci-group', groups.map(function (g) { return g.name; }), null, it ? it.group : '', 'rq.group.none'),
      approver: el('input', { id: 'ci-approver', maxlength: '64', value: it ? it.approver : '' }),
      fields: el('textarea', { id: 'ci-fields', rows: '6', class: 'mono' })
    };
    f.description.value = it ? it.description : '';
    f.fields.value = it ? fieldsText(it.fields) : '';
    var flags = {};
    ['approval', 'loan', 'active'].forEach(function (k) {
      flags[k] = el('input', { type: 'checkbox', id: 'ci-' + k, checked: it ? it[k] : k === 'active' });
    });
    var form = el('form', { class: 'card item-form' },
      el('h3', { text: it ? t('rq.item.edit', it.name) : t('rq.item.new') }),
      el('div', { class: 'cols' }, K.field('rq.item.name', f.name), K.field('rq.item.category', f.category),
         K.field('rq.sla.target', f.sla, t('rq.sla.hint')), K.field('rq.item.hours', f.hours),
         K.field('rq.group', f.group), K.field('rq.item.approver', f.approver)),
      K.field('rq.item.description', f.description),
      ['approval', 'loan', 'active'].map(function (k) {
        return el('div', { class: 'check' }, flags[k], el('label', { for: 'ci-' + k, text: t('rq.item.' + k) }));
      }),
      K.field('rq.item.fields', f.fields, t('rq.item.fields.hint', TYPES.join(', '))),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', id: 'ci-save', text: t('save') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { name: f.name.value.trim(), description: f.description.value.trim(),
                   category: f.category.value, sla: f.sla.value.trim(), hours: f.hours.value,
                   group: f.group.value, approver: f.approver.value.trim(),
                   approval: flags.approval.checked, loan: flags.loan.checked,
                   active: flags.active.checked, fields: parseFields(f.fields.value) };
      K.api(it ? 'PATCH' : 'POST', '/api/v1/request-items' + (it ? '/' + it.id : ''), body).then(function (r) {
        K.status(t('rq.item.saved', r.name));
        done();
      }, function (err) { K.status(err.message, true); });
    });
    K.add(K.clear(box), form);
    f.name.focus();
  }

  K.route('catalogue', /^\/service\/catalogue$/, ['admin'], function (view) {
    var list = el('tbody');
    var box = el('div');
    var groups = [];
    K.add(view, [
      el('div', { class: 'page-head' }, el('h2', { text: t('nav.catalogue') }),
         K.button('rq.item.new', function () { itemEditor(box, null, groups, load); })),
      el('div', { class: 'scroll' }, el('table', { class: 'grid' },
        el('thead', {}, el('tr', {}, ['rq.item.name', 'rq.item.category', 'rq.sla.target', 'rq.group',
          'rq.item.approval', 'rq.item.active'].map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
        list)), box]);
    function load() {
      Promise.all([items(false), K.groups().catch(function () { return []; })]).then(function (res) {
        groups = res[1];
        K.clear(list);
        res[0].forEach(function (it) {
          list.appendChild(el('tr', {},
            el('td', {}, el('button', { type: 'button', class: 'link', text: it.name,
                                        on: { click: function () { itemEditor(box, it, groups, load); } } })),
            el('td', { text: K.label('rcat', it.category) }),
            el('td', { text: it.sla + ' ' + K.label('hours', it.hours) }), el('td', { text: it.group }),
            el('td', { text: it.approval ? t('yes') : t('no') }), el('td', { text: it.active ? t('yes') : t('no') })));
        });
        if (!res[0].length) list.appendChild(el('tr', {}, el('td', { colspan: '6', class: 'empty', text: t('none') })));
      }, function (err) { K.status(err.message, true); });
    }
    load();
  }, '#/service/catalogue');
})();
