/* Quality records (质量记录): complaints (raised from a follow-up or here; investigated,
 * answered to the complainant and closed with cause and action; overdue flagged). The desk
 * (agents, engineers, admins) raises and works them; everyone reads them. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var WORKERS = ['agent', 'engineer', 'admin'];
  var PAGE = 50;
  var STATES = ['open', 'investigating', 'replied', 'closed'];

  function grid(id, heads, rows, empty) {
    var tbody = el('tbody', {}, rows);
    if (!rows.length) tbody.appendChild(el('tr', {}, el('td', { colspan: String(heads.length), class: 'empty', text: t(empty || 'none') })));
    return el('div', { class: 'scroll' }, el('table', { class: 'grid', id: id },
      el('thead', {}, el('tr', {}, heads.map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
      tbody));
  }
  function overdueBadge(c) {
    return c.overdue ? el('span', { class: 'badge overdue', text: t('cp.overdue') }) : null;
  }
  function pager(total, offset, go) {
    if (total <= PAGE) return null;
    return el('div', { class: 'form-actions pager' },
      offset > 0 ? K.button('prev', function () { go(Math.max(0, offset - PAGE)); }) : null,
      el('span', { class: 'meta', text: t('cp.page', offset + 1, Math.min(total, offset + PAGE), total) }),
      offset + PAGE < total ? K.button('next', function () { go(offset + PAGE); }) : null);
  }

  /* --- the list --- */

  K.route('complaints', /^\/complaints$/, null, function (view, args, params) {
    var list = el('div', { id: 'cp-list' });
    var state = el('select', { id: 'cp-state' }, el('option', { value: '', text: t('cp.state.any') }),
      el('option', { value: 'open', text: t('cp.state.unfinished') }),
      STATES.map(function (s) { return el('option', { value: s, text: t('cps.' + s) }); }));
    var overdue = el('input', { type: 'checkbox', id: 'cp-overdue' });
    var q = el('input', { id: 'cp-q', type: 'search', maxlength: '200' });
    var incident = params.get('incident') || '';
    state.value = params.get('state') || '';
    function load(offset) {
      K.clear(list);
      var u = '/api/v1/complaints?limit=' + PAGE + '&offset=' + offset;
      if (state.value) u += '&state=' + encodeURIComponent(state.value);
      if (overdue.checked) u += '&overdue=1';
      if (q.value.trim()) u += '&q=' + encodeURIComponent(q.value.trim());
      if (incident) u += '&incident=' + encodeURIComponent(incident);
      K.api('GET', u).then(function (j) {
        list.appendChild(el('p', { class: 'meta', text: t('cp.total', j.total) }));
        list.appendChild(grid('cp-table', ['cp.id', 'cp.summary', 'cp.caller', 'cp.state', 'cp.owner', 'cp.reply_due', 'cp.created'],
          j.complaints.map(function (c) {
            return el('tr', {},
              el('td', {}, el('a', { href: '#/complaints/' + c.id, text: '#' + c.id })),
              el('td', {}, c.summary, ' ', overdueBadge(c)),
              el('td', { text: c.caller }),
              el('td', {}, K.badge('cps', c.state)),
              el('td', { text: [c.owner, c.owner_group].filter(Boolean).join(' / ') }),
              el('td', { text: K.time(c.reply_due) }),
              el('td', { text: K.time(c.created_at) + ' · ' + (c.source === 'followup' ? t('cp.from.followup') : t('cp.from.direct')) }));
          }), 'cp.none'));
        K.add(list, pager(j.total, offset, load));
      }, function (err) { K.status(err.message, true); });
    }
    var filters = el('form', { class: 'card filters', id: 'cp-filters', on: { submit: function (ev) { ev.preventDefault(); load(0); } } },
      K.field('cp.state', state), K.field('cp.q', q),
      el('div', { class: 'check' }, overdue, el('label', { for: 'cp-overdue', text: t('cp.overdue.only') })),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', text: t('cp.filter') })));
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.complaints') }),
      K.has.apply(null, WORKERS) ? el('a', { class: 'button', href: '#/complaints/new', id: 'cp-new-link', text: t('cp.new') }) : null),
      el('p', { class: 'hint', text: t('cp.intro') }),
      incident ? el('p', { class: 'meta' }, t('cp.of.incident') + ' ', el('a', { href: '#/incidents/' + encodeURIComponent(incident), text: incident })) : null,
      filters, list]);
    load(0);
  }, '#/complaints');

  /* --- raising one --- */

  K.route('complaints', /^\/complaints\/new$/, WORKERS, function (view, args, params) {
    var f = {};
    ['incident', 'caller', 'phone', 'department', 'channel', 'summary', 'owner', 'owner_group'].forEach(function (k) {
      f[k] = el('input', { id: 'cpn-' + k, maxlength: '200' });
    });
    f.incident.value = params.get('incident') || '';
    f.summary.required = true;
    f.detail = el('textarea', { id: 'cpn-detail', rows: '4', maxlength: '8000' });
    var form = el('form', { class: 'card', id: 'cp-new' },
      K.field('cp.summary', f.summary), K.field('cp.detail', f.detail),
      K.field('cp.incident', f.incident, t('cp.incident.hint')), K.field('cp.caller', f.caller),
      K.field('cp.phone', f.phone), K.field('cp.department', f.department),
      K.field('cp.channel', f.channel), K.field('cp.owner', f.owner), K.field('cp.owner_group', f.owner_group),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', text: t('cp.raise') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {};
      Object.keys(f).forEach(function (k) { if (f[k].value.trim()) body[k] = f[k].value.trim(); });
      K.api('POST', '/api/v1/complaints', body).then(function (c) {
        K.status(t('cp.raised', c.id));
        K.go('#/complaints/' + c.id);
      }, function (err) { K.status(err.message, true); });
    });
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('cp.new') })), form]);
  });

  /* --- one complaint --- */

  K.route('complaints', /^\/complaints\/(\d+)$/, null, function (view, args) {
    var id = args[0];
    function act(method, rest, body) {
      K.api(method, '/api/v1/complaints/' + id + rest, body).then(function () {
        K.status(t('cp.saved'));
        K.render();
      }, function (err) { K.status(err.message, true); });
    }
    K.api('GET', '/api/v1/complaints/' + id).then(function (c) {
      var rows = [['cp.state', K.label('cps', c.state)], ['cp.source', c.source === 'followup' ? t('cp.from.followup') : t('cp.from.direct')],
        ['cp.caller', c.caller], ['cp.phone', c.phone], ['cp.department', c.department], ['cp.channel', K.label('cpch', c.channel)],
        ['cp.owner', c.owner], ['cp.owner_group', c.owner_group],
        ['cp.created', K.time(c.created_at) + ' · ' + c.created_by],
        ['cp.reply_due', K.time(c.reply_due)], ['cp.close_due', K.time(c.close_due)]];
      var dl = el('dl', { class: 'fields', id: 'cp-facts' });
      if (c.incident) dl.appendChild(el('div', {}, el('dt', { text: t('cp.incident') }),
        el('dd', {}, el('a', { href: '#/incidents/' + encodeURIComponent(c.incident), text: c.incident }))));
      rows.forEach(function (r) { if (r[1]) dl.appendChild(el('div', {}, el('dt', { text: t(r[0]) }), el('dd', { text: r[1] }))); });
      var record = el('div', { id: 'cp-record' });
      if (c.detail) record.appendChild(el('p', { class: 'description', text: c.detail }));
      if (c.investigation) K.add(record, [el('h3', { text: t('cp.investigation') }), el('p', { class: 'description', text: c.investigation })]);
      /* every reply, oldest first: the first is the one in time or not, later ones add to it */
      var replies = c.replies && c.replies.length ? c.replies : (c.reply ? [c.reply] : []);
      if (replies.length) K.add(record, [el('h3', { text: t('cp.reply') })].concat(replies.map(function (r, i) {
        return el('div', { class: 'cp-reply' }, el('p', { class: 'description', id: i ? null : 'cp-reply-text', text: r.text }),
          el('p', { class: 'meta', text: t(i ? 'cp.replied.again' : 'cp.replied.by', r.by, K.time(r.at), K.label('cpch', r.channel)) }));
      })));
      if (c.state === 'closed') K.add(record, [el('h3', { text: t('cp.closure') }),
        el('p', {}, el('strong', { text: t('cp.cause') + '：' }), c.cause), el('p', {}, el('strong', { text: t('cp.action') + '：' }), c.action),
        el('p', { class: 'meta', text: t('cp.closed.by', c.closed_by, K.time(c.closed_at)) })]);
      var actions = el('div', { class: 'actions' });
      if (K.has.apply(null, WORKERS) && c.state !== 'closed') {
        var owner = el('input', { id: 'cpw-owner', value: c.owner, maxlength: '200' });
        var group = el('input', { id: 'cpw-group', value: c.owner_group, maxlength: '200' });
        var notes = el('textarea', { id: 'cpw-investigation', rows: '4', maxlength: '8000', value: c.investigation });
        actions.appendChild(el('form', { class: 'card', id: 'cp-work', on: { submit: function (ev) {
          ev.preventDefault();
          act('PATCH', '', { owner: owner.value.trim(), owner_group: group.value.trim(), investigation: notes.value });
        } } }, el('h3', { text: t('cp.investigate') }), K.field('cp.owner', owner), K.field('cp.owner_group', group),
          K.field('cp.investigation', notes), el('button', { type: 'submit', text: t('save') })));
        var reply = el('textarea', { id: 'cpw-reply', rows: '3', maxlength: '8000' });
        var channel = el('select', { id: 'cpw-channel' }, ['phone', 'email', 'visit', 'letter', 'im'].map(function (ch) {
          return el('option', { value: ch, text: t('cpch.' + ch) });
        }));
        actions.appendChild(el('form', { class: 'card', id: 'cp-reply', on: { submit: function (ev) {
          ev.preventDefault();
          act('POST', '/reply', { reply: reply.value.trim(), channel: channel.value });
        } } }, el('h3', { text: t('cp.reply') }), K.field('cp.reply.text', reply), K.field('cp.reply.channel', channel),
          el('button', { type: 'submit', class: 'primary', text: t('cp.reply.send') })));
        if (c.state === 'replied') {
          var cause = el('textarea', { id: 'cpw-cause', rows: '2', maxlength: '8000' });
          var action = el('textarea', { id: 'cpw-action', rows: '2', maxlength: '8000' });
          actions.appendChild(el('form', { class: 'card', id: 'cp-close', on: { submit: function (ev) {
            ev.preventDefault();
            act('POST', '/close', { cause: cause.value.trim(), action: action.value.trim() });
          } } }, el('h3', { text: t('cp.close') }), K.field('cp.cause', cause), K.field('cp.action', action),
            el('button', { type: 'submit', class: 'primary', text: t('cp.close') })));
        }
      }
      K.add(view, [el('div', { class: 'page-head' },
        el('h2', {}, el('span', { class: 'mono', text: '#' + c.id }), ' ', c.summary),
        el('span', { class: 'badges' }, K.badge('cps', c.state), overdueBadge(c))),
        el('div', { class: 'split' }, el('div', {}, dl, record), actions)]);
    }, function (err) { K.status(err.message, true); });
  });
})();
