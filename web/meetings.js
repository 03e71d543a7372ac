/* Review meetings (回访与总结例会): the day, attendees, the period's figures (a snapshot of
 * the summary report taken when the meeting is recorded), the evaluations discussed (links
 * to incidents and complaints), causes and improvement actions with owner and due day;
 * actions still open are carried over to the next meeting. The actions across meetings
 * with their status. The desk (agents, engineers, admins) records; everyone reads. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var WRITERS = ['agent', 'engineer', 'admin'];
  var STATES = ['open', 'in_progress', 'done', 'cancelled'];

  function grid(id, heads, rows, empty) {
    var tbody = el('tbody', {}, rows);
    if (!rows.length) tbody.appendChild(el('tr', {}, el('td', { colspan: String(heads.length), class: 'empty', text: t(empty || 'none') })));
    return el('div', { class: 'scroll' }, el('table', { class: 'grid', id: id },
      el('thead', {}, el('tr', {}, heads.map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))), tbody));
  }
  function linkTo(l) {
    var m = /^complaint:(\d+)$/.exec(l);
    return el('a', { href: m ? '#/complaints/' + m[1] : '#/incidents/' + encodeURIComponent(l), text: m ? t('mt.complaint', m[1]) : l });
  }
  function actionRows(list, editable) {
    return list.map(function (a) {
      var cell = el('td', {}, K.badge('qas', a.state));
      if (editable && K.has.apply(null, WRITERS)) {
        var sel = el('select', { 'aria-label': t('qa.state'), 'data-action': String(a.id) },
          STATES.map(function (s) { return el('option', { value: s, text: t('qas.' + s), selected: s === a.state }); }));
        sel.addEventListener('change', function () {
          K.api('PATCH', '/api/v1/improvement-actions/' + a.id, { state: sel.value }).then(function () {
            K.status(t('qa.saved')); K.render();
          }, function (err) { K.status(err.message, true); });
        });
        cell = el('td', {}, sel);
      }
      return el('tr', {}, el('td', { text: a.title }), el('td', { text: a.owner }),
        el('td', {}, a.due, a.overdue ? el('span', { class: 'badge overdue', text: ' ' + t('cp.overdue') }) : null),
        cell, el('td', {}, el('a', { href: '#/meetings/' + a.meeting, text: a.meeting_day })));
    });
  }
  var ACTION_HEADS = ['qa.title', 'qa.owner', 'qa.due', 'qa.state', 'qa.meeting'];

  K.route('meetings', /^\/meetings$/, null, function (view) {
    var list = el('div', { id: 'mt-list' });
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.meetings') }),
      el('a', { class: 'button', href: '#/improvement-actions', text: t('nav.improvement-actions') })),
      el('p', { class: 'hint', text: t('mt.intro') })]);
    if (K.has.apply(null, WRITERS)) {
      var f = {
        day: el('input', { id: 'mtn-day', type: 'date', required: true, value: K.today() }),
        title: el('input', { id: 'mtn-title', maxlength: '200', required: true }),
        from: el('input', { id: 'mtn-from', type: 'date', required: true }),
        to: el('input', { id: 'mtn-to', type: 'date', required: true }),
        attendees: el('input', { id: 'mtn-attendees' }),
        links: el('input', { id: 'mtn-links' }),
        evaluations: el('textarea', { id: 'mtn-evaluations', rows: '3', maxlength: '8000' }),
        causes: el('textarea', { id: 'mtn-causes', rows: '3', maxlength: '8000' }),
        actions: el('textarea', { id: 'mtn-actions', rows: '3' })
      };
      var form = el('form', { class: 'card', id: 'mt-new' }, el('h3', { text: t('mt.new') }),
        K.field('mt.day', f.day), K.field('mt.title', f.title), K.field('mt.from', f.from), K.field('mt.to', f.to),
        K.field('mt.attendees', f.attendees, t('mt.list.hint')), K.field('mt.links', f.links, t('mt.links.hint')),
        K.field('mt.evaluations', f.evaluations), K.field('mt.causes', f.causes),
        K.field('mt.actions', f.actions, t('mt.actions.hint')),
        el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', text: t('mt.record') })));
      var words = function (s) { return s.split(/[,，、\s]+/).map(function (x) { return x.trim(); }).filter(Boolean); };
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var actions = f.actions.value.split('\n').map(function (l) { return l.trim(); }).filter(Boolean).map(function (l) {
          var p = l.split(/[,，\t]/).map(function (x) { return x.trim(); });
          return { title: p[0], owner: p[1], due: p[2] };
        });
        K.api('POST', '/api/v1/meetings', { day: f.day.value, title: f.title.value.trim(), period_from: f.from.value,
          period_to: f.to.value, attendees: words(f.attendees.value), links: words(f.links.value),
          evaluations: f.evaluations.value.trim() || undefined, causes: f.causes.value.trim() || undefined, actions: actions })
          .then(function (m) { K.go('#/meetings/' + m.id); }, function (err) { K.status(err.message, true); });
      });
      view.appendChild(form);
    }
    view.appendChild(list);
    K.api('GET', '/api/v1/meetings?limit=200').then(function (j) {
      list.appendChild(grid('mt-table', ['mt.day', 'mt.title', 'mt.period', 'mt.attendees'], j.meetings.map(function (m) {
        return el('tr', {}, el('td', {}, el('a', { href: '#/meetings/' + m.id, text: m.day })), el('td', { text: m.title }),
          el('td', { text: m.period_from + ' – ' + m.period_to }), el('td', { text: m.attendees.join('、') }));
      }), 'mt.none'));
    }, function (err) { K.status(err.message, true); });
  }, '#/meetings');

  K.route('meetings', /^\/meetings\/(\d+)$/, null, function (view, args) {
    var id = args[0];
    K.api('GET', '/api/v1/meetings/' + id).then(function (m) {
      var fig = m.figures || {};
      var cr = fig.complaint_records || {};
      var sat = fig.satisfaction || {};
      K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: m.day + ' ' + m.title })),
        el('p', { class: 'meta', text: t('mt.period') + '：' + m.period_from + ' – ' + m.period_to + ' · ' + t('mt.attendees') + '：' + m.attendees.join('、') }),
        el('h3', { text: t('mt.figures') }),
        el('p', { id: 'mt-figures', text: t('mt.figures.line', fig.total || 0, sat.average === null || sat.average === undefined ? '—' : sat.average,
          fig.complaints || 0, cr.raised || 0, cr.closed || 0) }),
        m.links.length ? el('div', { id: 'mt-links' }, el('h3', { text: t('mt.links') }), el('ul', {}, m.links.map(function (l) { return el('li', {}, linkTo(l)); }))) : null,
        m.evaluations ? el('div', {}, el('h3', { text: t('mt.evaluations') }), el('p', { class: 'description', text: m.evaluations })) : null,
        m.causes ? el('div', {}, el('h3', { text: t('mt.causes') }), el('p', { class: 'description', text: m.causes })) : null,
        el('h3', { text: t('mt.carried') }),
        grid('mt-carried', ACTION_HEADS, actionRows(m.carried, true), 'mt.carried.none'),
        el('h3', { text: t('mt.actions') }),
        grid('mt-actions', ACTION_HEADS, actionRows(m.actions, true), 'mt.actions.none')]);
      if (K.has.apply(null, WRITERS)) {
        var title = el('input', { id: 'mta-title', maxlength: '200', required: true });
        var owner = el('input', { id: 'mta-owner', maxlength: '100', required: true });
        var due = el('input', { id: 'mta-due', type: 'date', required: true });
        var form = el('form', { class: 'card filters', id: 'mt-add-action' }, K.field('qa.title', title), K.field('qa.owner', owner),
          K.field('qa.due', due), el('div', { class: 'form-actions' }, el('button', { type: 'submit', text: t('mt.add.action') })));
        form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          K.api('POST', '/api/v1/meetings/' + id + '/actions', { title: title.value.trim(), owner: owner.value.trim(), due: due.value })
            .then(function () { K.render(); }, function (err) { K.status(err.message, true); });
        });
        view.appendChild(form);
      }
    }, function (err) { K.status(err.message, true); });
  });

  K.route('improvement-actions', /^\/improvement-actions$/, null, function (view) {
    var state = el('select', { id: 'qa-state' }, el('option', { value: 'open', text: t('qa.state.open') }),
      el('option', { value: '', text: t('cp.state.any') }), STATES.map(function (s) { return el('option', { value: s, text: t('qas.' + s) }); }));
    var overdue = el('input', { type: 'checkbox', id: 'qa-overdue' });
    var list = el('div', { id: 'qa-list' });
    function load() {
      K.clear(list);
      var u = '/api/v1/improvement-actions?limit=200' + (state.value ? '&state=' + state.value : '') + (overdue.checked ? '&overdue=1' : '');
      K.api('GET', u).then(function (j) {
        list.appendChild(el('p', { class: 'meta', text: t('qa.total', j.total) }));
        list.appendChild(grid('qa-table', ACTION_HEADS, actionRows(j.actions, true), 'mt.actions.none'));
      }, function (err) { K.status(err.message, true); });
    }
    state.addEventListener('change', load);
    overdue.addEventListener('change', load);
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.improvement-actions') })),
      el('div', { class: 'card filters' }, K.field('qa.state', state),
        el('div', { class: 'check' }, overdue, el('label', { for: 'qa-overdue', text: t('cp.overdue.only') }))), list]);
    load();
  });
})();
