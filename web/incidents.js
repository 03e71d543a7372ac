/* Incidents: the list with SLA countdowns, lookup by number or phone, the new-incident form
 * with suggestions as the caller speaks, and the incident page with its timeline and the
 * resolve / follow-up / reopen actions. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var CHANNELS = ['phone', 'email', 'walk-in', 'web'];
  var CATEGORIES = K.CATEGORIES = ['desktop', 'printer', 'network', 'office software',
                                  'business system', 'account', 'other'];
  var STATUSES = ['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed'];

  function select(id, values, group, value, withAll) {
    var s = el('select', { id: id });
    if (withAll) s.appendChild(el('option', { value: '', text: t('all') }));
    values.forEach(function (v) {
      s.appendChild(el('option', { value: v, text: K.label(group, v), selected: v === value }));
    });
    return s;
  }

  /* The SLA cell: the clock that matters now, coloured by how close it is. */
  function slaCell(inc) {
    var sla = inc.sla || {};
    if (inc.status === 'resolved' || inc.status === 'closed') {
      return el('span', { class: 'sla ' + (sla.resolve_breached ? 'sla-breached' : 'sla-ok'),
                          text: sla.resolve_breached ? t('sla.breached') : t('sla.met') });
    }
    var responding = !inc.responded_at;
    var left = responding ? sla.response_remaining_seconds : sla.resolve_remaining_seconds;
    var target = responding ? sla.response_target_seconds : sla.resolve_target_seconds;
    if (typeof left !== 'number') return el('span', { class: 'sla', text: '—' });
    var cls = left < 0 ? 'sla-breached' : target && left < target * 0.25 ? 'sla-warn' : 'sla-ok';
    var span = el('span', { class: 'sla ' + cls, 'data-deadline': String(Date.now() + left * 1000),
                            'data-kind': responding ? 'response' : 'resolve' });
    span.textContent = (responding ? t('sla.response') : t('sla.resolve')) + ' ' +
      (left < 0 ? t('sla.over', K.duration(-left)) : K.duration(left)) +
      (sla.paused ? ' ' + t('sla.paused') : '');
    return span;
  }

  /* When the response or resolution is due, and on which clock (business hours skip nights,
   * weekends and holidays): "2026-12-04 16:30 · 工作时间". Empty once that clock is done. */
  function dueText(inc, kind) {
    var sla = inc.sla || {};
    var due = sla[kind + '_due'];
    if (!due || (kind === 'response' && inc.responded_at) ||
        (kind === 'resolve' && (inc.status === 'resolved' || inc.status === 'closed'))) return '';
    return K.time(due) + ' · ' + t(sla.hours === 'business' ? 'sla.hours.business' : 'sla.hours.24x7') +
      (sla.paused ? ' ' + t('sla.paused') : '');
  }

  /* Countdowns tick between refreshes. */
  function tick(root) {
    root.querySelectorAll('.sla[data-deadline]').forEach(function (s) {
      var left = (Number(s.dataset.deadline) - Date.now()) / 1000;
      var kind = s.dataset.kind === 'response' ? t('sla.response') : t('sla.resolve');
      s.textContent = kind + ' ' + (left < 0 ? t('sla.over', K.duration(-left)) : K.duration(left));
      if (left < 0) { s.classList.remove('sla-ok', 'sla-warn'); s.classList.add('sla-breached'); }
    });
  }

  /* --- the list --- */

  K.route('incidents', /^\/incidents$/, null, function (view, args, params) {
    var lookup = el('input', { id: 'lookup', type: 'search', value: params.get('lookup') || '',
                               placeholder: t('inc.lookup.placeholder') });
    var status = select('f-status', STATUSES, 'ist', params.get('status') || '', true);
    var risk = el('input', { type: 'checkbox', id: 'f-risk', checked: params.get('risk') === '1' });
    var queue = select('f-queue', ['mine', 'my_groups', 'unassigned'], 'queue', params.get('queue') || '', true);
    var tbody = el('tbody');
    var count = el('p', { class: 'meta' });
    /* the same list as a CSV file for Excel (not for the at-risk view, which is computed) */
    var exportLink = el('a', { class: 'button', id: 'inc-export', download: '', text: t('inc.export') });
    var pager = el('p', { class: 'form-actions' });
    var form = el('form', { class: 'filters', role: 'search' },
      K.field('inc.lookup', lookup), K.field('inc.status', status), K.field('inc.queue', queue),
      el('div', { class: 'check' }, risk, el('label', { for: 'f-risk', text: t('inc.risk') })),
      el('button', { type: 'submit', text: t('find') }));
    var table = el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, ['inc.number', 'inc.summary', 'inc.caller', 'inc.priority',
        'inc.status', 'inc.group', 'inc.sla', 'inc.updated'].map(function (k) {
          return el('th', { scope: 'col', text: t(k) });
        }))), tbody);
    K.add(view, [
      el('div', { class: 'page-head' }, el('h2', { text: t('nav.incidents') }),
         K.has('agent', 'admin') ? el('a', { class: 'button', href: '#/incidents/new',
                                             text: t('inc.new') }) : null),
      form, el('div', { class: 'form-actions' }, count, params.get('risk') === '1' ? null : exportLink),
      el('div', { class: 'scroll' }, table), pager]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var v = lookup.value.trim();
      if (/^INC-\d{8}-\d{4,}$/i.test(v)) { K.go('#/incidents/' + v.toUpperCase()); return; }
      var p = new URLSearchParams();
      if (v) p.set('lookup', v);
      if (status.value) p.set('status', status.value);
      if (risk.checked) p.set('risk', '1');
      if (queue.value) p.set('queue', queue.value);
      K.go('#/incidents' + (p.toString() ? '?' + p : ''));
    });
    /* at risk: open incidents due within 4 hours or breached, soonest first */
    var url = params.get('risk') === '1' ? '/api/v1/incidents/at-risk?within=240&limit=100'
                                         : '/api/v1/incidents?limit=100';
    var v = (params.get('lookup') || '').trim();
    if (params.get('risk') === '1') v = '';
    /* a number, or part of one, in any spelling: the server reads it (kb_phone) */
    if (/^[+\d(（][\d\s()（）+./-]*$/.test(v) && v.replace(/\D/g, '').length >= 4) {
      url += '&phone=' + encodeURIComponent(v);
    } else if (v) url += '&q=' + encodeURIComponent(v);
    if (params.get('status') && params.get('risk') !== '1') url += '&status=' + encodeURIComponent(params.get('status'));
    if (params.get('queue') && params.get('risk') !== '1') url += '&queue=' + encodeURIComponent(params.get('queue'));
    var offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
    exportLink.href = url.replace('/api/v1/incidents?limit=100', '/api/v1/incidents.csv?lang=' +
                                  (K.lang === 'en' ? 'en' : 'zh'));
    url += '&offset=' + offset;
    function page(to) {
      var p = new URLSearchParams(params);
      if (to > 0) p.set('offset', String(to)); else p.delete('offset');
      K.go('#/incidents' + (p.toString() ? '?' + p : ''));
    }
    function load() {
      K.api('GET', url).then(function (j) {
        K.clear(tbody);
        count.textContent = t('inc.count', j.total) + (j.total > j.incidents.length
          ? ' · ' + t('inc.showing', offset + 1, offset + j.incidents.length) : '');
        K.clear(pager);
        if (offset > 0) pager.appendChild(K.button('prev', function () { page(offset - 100); }));
        if (offset + j.incidents.length < j.total) pager.appendChild(K.button('next', function () { page(offset + 100); }));
        j.incidents.forEach(function (inc) {
          tbody.appendChild(el('tr', { class: 'prio-' + inc.priority },
            el('td', {}, el('a', { href: '#/incidents/' + inc.number, text: inc.number })),
            el('td', { text: inc.summary }),
            el('td', { text: inc.caller_name + (inc.caller_phone ? ' · ' + inc.caller_phone : '') }),
            el('td', {}, K.badge('prio', inc.priority)),
            el('td', {}, K.badge('ist', inc.status)),
            el('td', { text: inc.group + (inc.assignee ? ' · ' + inc.assignee : '') }),
            el('td', {}, slaCell(inc)),
            el('td', { text: K.time(inc.updated_at) })));
        });
        if (!j.incidents.length) tbody.appendChild(el('tr', {}, el('td', { colspan: '8', class: 'empty', text: t('none') })));
      }, function (err) { K.status(err.message, true); });
    }
    load();
    var ticker = setInterval(function () { tick(view); }, 1000);
    var refresher = setInterval(load, 30000);
    return { leave: function () { clearInterval(ticker); clearInterval(refresher); } };
  }, '#/incidents');

  /* --- a new incident, with suggestions as it is typed --- */

  K.route('new', /^\/incidents\/new$/, ['agent', 'admin'], function (view, args, params) {
    var f = {
      caller_name: el('input', { required: true, maxlength: '200', autocomplete: 'off' }),
      caller_phone: el('input', { type: 'tel', maxlength: '40', autocomplete: 'off' }),
      channel: select('f-channel', CHANNELS, 'channel', 'phone'),
      category: select('f-category', CATEGORIES, 'cat', 'desktop'),
      priority: select('f-priority', ['P1', 'P2', 'P3', 'P4'], 'prio', 'P3'),
      department: el('input', { maxlength: '200', autocomplete: 'off' }),
      location: el('input', { maxlength: '200', autocomplete: 'off' }),
      ci: el('input', { maxlength: '200', autocomplete: 'off', placeholder: 'HP LaserJet M404 / Outlook' }),
      summary: el('input', { required: true, maxlength: '200', autocomplete: 'off' }),
      description: el('textarea', { rows: '6' }),
      group: el('select', {}, el('option', { value: '', text: t('inc.group.auto') })),
      assignee: el('select', {}, el('option', { value: '', text: t('inc.assignee.none') }))
    };
    var groups = [];
    function fillAssignees() {
      var keep = f.assignee.value;
      K.clear(f.assignee).appendChild(el('option', { value: '', text: t('inc.assignee.none') }));
      K.groupMembers(groups, f.group.value).forEach(function (m) {
        f.assignee.appendChild(el('option', { value: m, text: m, selected: m === keep }));
      });
    }
    K.groups().then(function (list) {
      groups = list;
      list.forEach(function (g) { f.group.appendChild(el('option', { value: g.name, text: g.name })); });
      fillAssignees();
    }, function () {});
    f.group.addEventListener('change', fillAssignees);
    Object.keys(f).forEach(function (k) { f[k].id = 'f-' + k.replace(/_/g, '-'); });
    var applied = null; /* the known error the agent applied */
    var appliedBox = el('div', { class: 'applied', hidden: true });
    var resolveNow = el('input', { type: 'checkbox', id: 'f-resolve-now', checked: true });
    var resolution = el('textarea', { id: 'f-resolution', rows: '4' });
    var sugBox = el('section', { class: 'suggestions', 'aria-live': 'polite',
                                 'aria-label': t('sug.title') },
                    el('h3', { text: t('sug.title') }), el('p', { class: 'meta', text: t('sug.hint') }));
    var card = K.callerCard(f); /* who is calling, from the caller directory */
    /* the CI field looks assets up; a chosen asset fills an empty location and department,
     * and its model feeds the suggestions */
    var assets = K.assetLookup(f.ci, function (a) {
      if (!f.location.value.trim()) f.location.value = a.location;
      if (!f.department.value.trim()) f.department.value = a.department;
      suggest();
    });
    /* files to attach once the incident exists: chosen, dropped or pasted (a screenshot) */
    var pending = [];
    var pendingList = el('ul', { class: 'att-list pending', 'aria-live': 'polite' });
    var fileInput = el('input', { type: 'file', multiple: true, id: 'f-files', class: 'sr-only' });
    function showPending() {
      K.clear(pendingList);
      pending.forEach(function (x, i) {
        pendingList.appendChild(el('li', { class: 'att' },
          el('span', { class: 'att-icon', 'aria-hidden': 'true', text: K.fileBadge(x.name) }),
          el('div', { class: 'att-text' }, el('span', { class: 'att-name', text: x.name }),
             el('span', { class: 'meta', text: K.fileSize(x.file.size) })),
          K.button('att.remove', function () { pending.splice(i, 1); showPending(); }, 'link')));
      });
    }
    function addPending(files) {
      files.forEach(function (x) { pending.push(x); });
      showPending();
    }
    fileInput.addEventListener('change', function () {
      addPending(Array.prototype.map.call(fileInput.files, function (x) { return { file: x, name: x.name }; }));
      fileInput.value = '';
    });
    var attachBox = el('div', { class: 'att-drop' },
      el('label', { for: 'f-files', class: 'button', text: t('att.add') }), fileInput,
      el('span', { class: 'meta', text: t('att.hint') }), pendingList);
    var form = el('form', { class: 'card incident-form' },
      el('div', { class: 'cols' },
        K.field('inc.caller', f.caller_name), K.field('inc.phone', f.caller_phone),
        K.field('inc.channel', f.channel), K.field('inc.category', f.category),
        K.field('inc.priority', f.priority), K.field('inc.department', f.department),
        K.field('inc.location', f.location), K.field('inc.ci', f.ci),
        K.field('inc.group', f.group), K.field('inc.assignee', f.assignee)),
      assets, card,
      K.field('inc.summary', f.summary), K.field('inc.description', f.description),
      el('fieldset', { class: 'field' }, el('legend', { text: t('att.title') }), attachBox),
      appliedBox,
      el('div', { class: 'form-actions' },
        el('button', { type: 'submit', class: 'primary', text: t('inc.save') }),
        el('a', { href: '#/incidents', text: t('cancel') })));
    K.add(view, [el('h2', { text: t('inc.new') }),
                 el('div', { class: 'split' }, form, sugBox)]);
    f.caller_name.focus();
    if (params.get('caller')) card.useCaller(params.get('caller'));

    function renderApplied() {
      K.clear(appliedBox);
      appliedBox.hidden = !applied;
      if (!applied) return;
      K.add(appliedBox, [
        el('p', {}, t('sug.applied') + ' ', el('strong', { text: applied.id + ' ' + applied.title }),
           ' ', K.button('sug.unlink', function () { applied = null; renderApplied(); }, 'link')),
        el('div', { class: 'check' }, resolveNow, el('label', { for: 'f-resolve-now', text: t('sug.resolve.now') })),
        K.field('inc.resolution', resolution)]);
    }

    var timer = 0, seq = 0;
    function suggest() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var summary = f.summary.value.trim(), desc = f.description.value.trim();
        if (!summary && !desc) return;
        var mine = ++seq;
        var asset = assets.picked(f.ci.value.trim());
        var ci = asset ? [asset.brand, asset.model, asset.tag].filter(Boolean).join(' ') : f.ci.value.trim();
        K.api('POST', '/api/v1/suggest', { summary: summary, description: desc, ci: ci,
                                           category: f.category.value, limit: 5 })
          .then(function (j) { if (mine === seq) renderSuggestions(j); },
                function (err) { K.status(err.message, true); });
      }, 250);
    }
    function renderSuggestions(j) {
      K.clear(sugBox);
      sugBox.appendChild(el('h3', { text: t('sug.title') }));
      if (j.terms && j.terms.length) sugBox.appendChild(el('p', { class: 'meta', text: t('sug.terms') + ' ' + j.terms.join(' · ') }));
      var list = el('ol', { class: 'sug-list' });
      (j.known_errors || []).forEach(function (k) {
        list.appendChild(el('li', { class: 'sug' },
          el('div', { class: 'hit-head' },
            el('a', { href: '#/kb/' + encodeURIComponent(k.id), target: '_blank', text: k.id + ' ' + k.title }),
            K.button('sug.apply', function () {
              applied = k;
              resolution.value = k.workaround || '';
              renderApplied();
              K.api('POST', '/api/v1/suggest/feedback', { kb_id: k.id, helpful: true }).catch(function () {});
              K.status(t('sug.applied.status', k.id));
            }, 'apply')),
          k.snippet ? el('p', { class: 'snippet', html: k.snippet }) : null, /* escaped by the server */
          k.workaround ? K.workaround(k.workaround) : null));
      });
      (j.similar_incidents || []).forEach(function (k) {
        list.appendChild(el('li', { class: 'sug ticket' },
          el('div', { class: 'hit-head' }, el('span', { text: k.id + ' ' + k.title }), K.badge('type', 'ticket')),
          k.workaround ? el('p', { class: 'wa-text', text: k.workaround }) : null));
      });
      if (!list.firstChild) list.appendChild(el('li', { class: 'empty', text: t('sug.none') }));
      sugBox.appendChild(list);
    }
    form.addEventListener('paste', function (ev) {
      var files = K.eventFiles(ev);
      if (!files.length) return; /* text pastes into the field as usual */
      ev.preventDefault();
      addPending(files);
    });
    form.addEventListener('dragover', function (ev) { ev.preventDefault(); });
    form.addEventListener('drop', function (ev) {
      var files = K.eventFiles(ev);
      if (!files.length) return;
      ev.preventDefault();
      addPending(files);
    });
    f.summary.addEventListener('input', suggest);
    f.ci.addEventListener('input', suggest);
    f.description.addEventListener('input', suggest);

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {};
      Object.keys(f).forEach(function (k) { if (f[k].value.trim()) body[k] = f[k].value.trim(); });
      K.api('POST', '/api/v1/incidents', body).then(function (inc) {
        if (!pending.length) return inc;
        return K.uploadFiles('/api/v1/incidents/' + encodeURIComponent(inc.number) + '/attachments',
                             pending).then(function () { return inc; });
      }).then(function (inc) {
        if (applied && resolveNow.checked) {
          return K.api('POST', '/api/v1/incidents/' + inc.number + '/resolve',
                       { resolution: resolution.value.trim() || applied.title, resolved_by: applied.id })
            .then(function () { return inc; });
        }
        return inc;
      }).then(function (inc) {
        K.go('#/incidents/' + inc.number);
        K.status(t('inc.saved', inc.number));
      }, function (err) { K.status(err.message, true); });
    });
  }, '#/incidents/new');

  /* --- one incident --- */

  K.route('incident', /^\/incidents\/(INC-[0-9A-Za-z-]+)$/, null, function (view, args) {
    var number = args[0];
    var groups = [];
    var att = null; /* the attachments section (paste goes to it while shown) */
    function load() {
      Promise.all([K.api('GET', '/api/v1/incidents/' + encodeURIComponent(number)),
                   K.groups().catch(function () { return []; })]).then(function (r) {
        groups = r[1];
        K.clear(view);
        render(r[0]);
      }, function (err) { K.status(err.message, true); });
    }
    /* agents and admins work every incident; an engineer theirs and their groups' */
    function mayWork(inc) {
      if (K.has('agent', 'admin')) return true;
      if (!K.has('engineer') || !K.me) return false;
      return inc.assignee === K.me.username ||
        K.groupMembers(groups, inc.group).indexOf(K.me.username) >= 0 && !!inc.group;
    }
    function act(path, body, method) {
      return K.api(method || 'POST', '/api/v1/incidents/' + encodeURIComponent(number) + path, body)
        .then(function () { K.status(t('done')); load(); }, function (err) { K.status(err.message, true); });
    }
    function render(inc) {
      var dl = el('dl', { class: 'fields' });
      [['inc.caller', inc.caller_name], ['inc.phone', inc.caller_phone],
       ['inc.department', inc.department], ['inc.location', inc.location], ['inc.ci', inc.ci],
       ['inc.channel', K.label('channel', inc.channel)],
       ['inc.category', K.label('cat', inc.category)], ['inc.group', inc.group],
       ['inc.assignee', inc.assignee], ['inc.parent', inc.parent],
       ['inc.children', (inc.children || []).join(' ')],
       ['inc.time_spent', inc.time_spent_minutes ? t('inc.minutes', inc.time_spent_minutes) : ''],
       ['inc.created', K.time(inc.created_at) + ' · ' + K.who(inc.created_by, inc.created_on_behalf_of)],
       ['inc.response_due', dueText(inc, 'response')], ['inc.resolve_due', dueText(inc, 'resolve')],
       ['inc.resolution', inc.resolution], ['inc.resolved_by', inc.resolved_by],
       ['inc.satisfaction', inc.satisfaction ? '★'.repeat(inc.satisfaction) + ' (' + inc.satisfaction + '/5)' : '']
      ].forEach(function (p) {
        if (!p[1]) return;
        dl.appendChild(el('dt', { text: t(p[0]) }));
        var dd = el('dd');
        if (p[0] === 'inc.resolved_by') dd.appendChild(el('a', { href: '#/kb/' + encodeURIComponent(p[1]), text: p[1] }));
        else if (p[0] === 'inc.ci' && inc.asset) {
          var a = inc.asset;
          K.add(dd, [el('a', { id: 'inc-asset', href: '#/assets/' + encodeURIComponent(a.tag), text: p[1] }), ' ',
                     el('span', { class: 'meta', text: [K.label('acls', a['class']), a.brand, a.model, a.user].filter(Boolean).join(' · ') }), ' ',
                     K.badge('ast', a.status)]);
        } else if (p[0] === 'inc.parent' || p[0] === 'inc.children') {
          p[1].split(' ').forEach(function (n) {
            dd.appendChild(el('a', { href: '#/incidents/' + n, text: n }));
            dd.appendChild(document.createTextNode(' '));
          });
        } else dd.textContent = p[1];
        dl.appendChild(dd);
      });
      var timeline = el('ol', { class: 'timeline' });
      (inc.timeline || []).forEach(function (e) {
        var what = K.label('ev', e.type) + (e.from || e.to ? ' ' + (e.from ? K.label('ist', e.from) + ' → ' : '') + K.label('ist', e.to) : '');
        if (e.minutes) what += ' · ' + t('inc.minutes', e.minutes);
        timeline.appendChild(el('li', {},
          el('time', { datetime: e.at, text: K.time(e.at) }), ' ', el('strong', { text: K.who(e.by || e.actor, e.on_behalf_of) }), ' ',
          what, e.note ? el('p', { class: 'note', text: e.note }) : null));
      });
      var actions = el('div', { class: 'actions-box' });
      var can = K.has('agent', 'admin');
      var work = mayWork(inc);
      var open = ['new', 'assigned', 'in_progress', 'pending'].indexOf(inc.status) >= 0;
      if (att) att.leave();
      att = K.attachments('/api/v1/incidents/' + encodeURIComponent(number), work);
      if (work && open) {
        var grp = el('select', { id: 'a-group' }, el('option', { value: '', text: t('inc.group.none') }));
        groups.forEach(function (g) { grp.appendChild(el('option', { value: g.name, text: g.name, selected: g.name === inc.group })); });
        var assignee = el('select', { id: 'a-assignee' });
        var fill = function () {
          K.clear(assignee).appendChild(el('option', { value: '', text: t('inc.assignee.none') }));
          var people = K.groupMembers(groups, grp.value);
          if (inc.assignee && people.indexOf(inc.assignee) < 0 && grp.value === inc.group) people.push(inc.assignee);
          people.forEach(function (m) {
            assignee.appendChild(el('option', { value: m, text: m, selected: m === inc.assignee && grp.value === inc.group }));
          });
          reasonField.hidden = !inc.group || grp.value === inc.group;
        };
        var reason = el('input', { id: 'a-reason' });
        var reasonField = K.field('inc.reason', reason, t('inc.reason.hint'));
        grp.addEventListener('change', fill);
        var st = select('a-status', ['assigned', 'in_progress', 'pending'], 'ist', inc.status === 'new' ? 'assigned' : inc.status);
        var note = el('input', { id: 'a-note' });
        var minutes = el('input', { id: 'a-minutes', type: 'number', min: '1', max: '1440', size: '5' });
        var parent = el('input', { id: 'a-parent', value: inc.parent || '', placeholder: 'INC-20260302-0001' });
        var ci = el('input', { id: 'a-ci', value: inc.ci || '', maxlength: '200', autocomplete: 'off' });
        var ciLookup = K.assetLookup(ci);
        fill();
        actions.appendChild(el('form', { class: 'card', on: { submit: function (ev) {
          ev.preventDefault();
          var b = { note: note.value.trim() || undefined };
          if (grp.value !== inc.group) { b.group = grp.value; b.reason = reason.value.trim() || undefined; }
          if (assignee.value !== inc.assignee) b.assignee = assignee.value;
          if (st.value !== inc.status) b.status = st.value;
          if (minutes.value) b.minutes = Number(minutes.value);
          if (parent.value.trim() !== (inc.parent || '')) b.parent = parent.value.trim();
          if (ci.value.trim() !== (inc.ci || '')) b.ci = ci.value.trim();
          act('', b, 'PATCH');
        } } }, el('h3', { text: t('inc.update') }), K.field('inc.group', grp), reasonField,
          K.field('inc.assignee', assignee), K.field('inc.status', st),
          K.field('inc.note', note), K.field('inc.minutes.label', minutes),
          K.field('inc.ci', ci), ciLookup,
          can ? K.field('inc.parent', parent, t('inc.parent.hint')) : null,
          el('button', { type: 'submit', text: t('save') })));
        var res = el('textarea', { id: 'r-resolution', rows: '3' });
        var by = el('input', { id: 'r-by', placeholder: 'KE-0001', list: 'ke-options' });
        var opts = el('datalist', { id: 'ke-options' });
        K.api('POST', '/api/v1/suggest', { summary: inc.summary, description: inc.description || '', limit: 5 })
          .then(function (j) {
            (j.known_errors || []).forEach(function (k) { opts.appendChild(el('option', { value: k.id, text: k.title })); });
          }, function () {});
        actions.appendChild(el('form', { class: 'card', on: { submit: function (ev) {
          ev.preventDefault();
          act('/resolve', { resolution: res.value.trim(), resolved_by: by.value.trim() || undefined });
        } } }, el('h3', { text: t('inc.resolve') }), K.field('inc.resolution', res),
          K.field('inc.resolved_by', by, t('inc.resolved_by.hint')), opts,
          (inc.children || []).length ? el('p', { class: 'meta', text: t('inc.children.resolve', inc.children.length) }) : null,
          el('button', { type: 'submit', class: 'primary', text: t('inc.resolve') })));
      }
      if (can && inc.status === 'resolved') {
        var sat = el('div', { class: 'stars', role: 'radiogroup', 'aria-label': t('inc.satisfaction') });
        for (var i = 5; i >= 1; i--) {
          sat.appendChild(el('input', { type: 'radio', name: 'sat', id: 'sat-' + i, value: String(i) }));
          sat.appendChild(el('label', { for: 'sat-' + i, title: i + '/5', text: '★' }));
        }
        var confirmed = el('select', { id: 'fu-confirmed' },
          el('option', { value: '1', text: t('fu.confirmed') }), el('option', { value: '0', text: t('fu.not') }));
        var complaint = el('input', { type: 'checkbox', id: 'fu-complaint' });
        var comment = el('textarea', { id: 'fu-comment', rows: '2' });
        actions.appendChild(el('form', { class: 'card', on: { submit: function (ev) {
          ev.preventDefault();
          var s = sat.querySelector('input:checked');
          act('/followup', { confirmed: confirmed.value === '1', satisfaction: s ? Number(s.value) : undefined,
                             complaint: complaint.checked, comment: comment.value.trim() || undefined });
        } } }, el('h3', { text: t('inc.followup') }), el('p', { class: 'meta', text: t('fu.hint') }),
          K.field('fu.result', confirmed), el('fieldset', { class: 'field' }, el('legend', { text: t('inc.satisfaction') }), sat),
          el('div', { class: 'check' }, complaint, el('label', { for: 'fu-complaint', text: t('fu.complaint') })),
          K.field('inc.note', comment), el('button', { type: 'submit', class: 'primary', text: t('inc.followup') })));
      }
      if (can && (inc.status === 'resolved' || inc.status === 'closed')) {
        var reason = el('input', { id: 'ro-reason' });
        actions.appendChild(el('form', { class: 'card', on: { submit: function (ev) {
          ev.preventDefault();
          act('/reopen', { reason: reason.value.trim() || undefined });
        } } }, el('h3', { text: t('inc.reopen') }), K.field('ro.reason', reason),
          el('button', { type: 'submit', text: t('inc.reopen') })));
      }
      K.add(view, [
        el('div', { class: 'page-head' },
          el('h2', {}, el('span', { class: 'mono', text: inc.number }), ' ', inc.summary),
          el('span', { class: 'badges' }, K.badge('prio', inc.priority), K.badge('ist', inc.status), slaCell(inc),
            inc.complaint ? el('a', { href: '#/complaints?incident=' + encodeURIComponent(inc.number), id: 'inc-complaints', class: 'badge overdue', text: t('cp.link') }) : null)),
        inc.description ? el('p', { class: 'description', text: inc.description }) : null,
        el('div', { class: 'split' },
          el('div', {}, dl, att.box, el('h3', { text: t('inc.timeline') }), timeline), actions)]);
    }
    load();
    var ticker = setInterval(function () { tick(view); }, 1000);
    return { leave: function () { clearInterval(ticker); if (att) att.leave(); } };
  });
})();
