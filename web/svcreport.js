/* The service report (服务报告): GET /api/v1/reports/service for a period (the last month by
 * default) as figures and inline SVG charts (K.charts from dashboard.js), the complaint
 * records and improvement actions, the PDF to download, filing into the document catalogue,
 * when the next report is due, and (admins) the schedule. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var FILERS = ['engineer', 'admin'];

  function qs(from, to) {
    var p = new URLSearchParams();
    if (from) p.set('from', from);
    if (to) p.set('to', to);
    return p.toString() ? '?' + p : '';
  }

  function pct(v) { return v === null || v === undefined ? null : v; }

  function table(heads, rows) {
    return el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, heads.map(function (h) { return el('th', { text: t(h) }); }))),
      el('tbody', {}, rows.map(function (r) {
        return el('tr', {}, r.map(function (c) {
          return c instanceof Node ? el('td', {}, c) : el('td', { text: String(c) });
        }));
      })));
  }

  function more(total, shown) {
    return total > shown ? el('p', { class: 'meta', text: t('sr.more', total, shown) }) : null;
  }

  /* The complaint records of the period and the improvement actions followed in it. */
  function quality(r) {
    var c = r.complaints, a = r.improvement_actions, mark = t('sr.overdue.mark');
    return [
      el('section', { class: 'card', id: 'sr-complaints' }, el('h3', { text: t('sr.complaints') }),
        el('p', { text: t('sr.complaints.note', c.raised, c.from_followup, c.closed, c.replied_in_time, c.overdue, c.open_now) }),
        c.items.length ? table(['cp.id', 'cp.created', 'cp.caller', 'cp.summary', 'cp.state', 'cp.owner'],
          c.items.map(function (x) {
            return [el('a', { href: '#/complaints/' + x.id, text: '#' + x.id }), (x.created_at || '').slice(0, 10),
              x.caller + (x.department ? ' · ' + x.department : ''), x.summary,
              K.label('cps', x.state) + (x.overdue ? mark : ''), x.owner || x.owner_group];
          })) : null,
        more(c.items_total, c.items.length)),
      el('section', { class: 'card', id: 'sr-actions' }, el('h3', { text: t('sr.actions') }),
        el('p', { text: t('sr.actions.note', a.total, a.open, a.overdue) }),
        a.items.length ? table(['qa.title', 'qa.owner', 'qa.due', 'qa.state', 'qa.meeting'],
          a.items.map(function (x) {
            return [x.title, x.owner, x.due, K.label('qas', x.state) + (x.overdue ? mark : ''),
              el('a', { href: '#/meetings/' + x.meeting, text: x.meeting_day })];
          })) : null,
        more(a.total, a.items.length))];
  }

  /* The schedule's setting (admins): every month or week, and the due day. */
  function scheduleForm(sc) {
    var every = el('select', { id: 'sr-every' }, ['off', 'monthly', 'weekly'].map(function (v) {
      return el('option', { value: v, text: t('sr.every.' + v) });
    }));
    every.value = sc && sc.every ? sc.every : 'off';
    var day = el('input', { id: 'sr-day', type: 'number', min: '1', max: '28', value: sc && sc.day ? String(sc.day) : '5' });
    function limits() {
      day.max = every.value === 'weekly' ? '7' : '28';
      day.disabled = every.value === 'off';
    }
    every.addEventListener('change', limits);
    limits();
    var form = el('form', { class: 'filters', id: 'sr-schedule' }, K.field('sr.every', every), K.field('sr.day', day),
      el('button', { type: 'submit', text: t('sr.schedule.save') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { every: every.value };
      if (every.value !== 'off') body.day = parseInt(day.value, 10);
      K.api('PUT', '/api/v1/settings/report-schedule', body).then(function () {
        K.go(location.hash); /* the due date follows the new schedule */
        K.status(t('sr.schedule.saved'));
      }, function (err) { K.status(err.message, true); });
    });
    return el('section', { class: 'card' }, el('h3', { text: t('sr.schedule') }), form);
  }

  /* The schedule: what is due next, overdue in red. */
  function due(sc) {
    if (!sc || !sc.next_due) return el('p', { id: 'sr-due', class: 'meta', text: t('sr.unscheduled') });
    var n = sc.next_due;
    var text = t('sr.next', n.date, n.from, n.to);
    if (sc.overdue) text += ' ' + t('sr.overdue', sc.days_overdue);
    return el('p', { id: 'sr-due', class: sc.overdue ? 'status error' : 'meta', text: text });
  }

  K.route('svcreport', /^\/service-report$/, null, function (view, args, params) {
    var from = el('input', { id: 'sr-from', type: 'date', value: params.get('from') || '' });
    var to = el('input', { id: 'sr-to', type: 'date', value: params.get('to') || '' });
    var q = qs(params.get('from'), params.get('to'));
    var pdf = el('a', { id: 'sr-pdf', href: '/api/v1/reports/service.pdf' + q, text: t('sr.pdf') });
    var file = K.has.apply(null, FILERS)
      ? el('button', { id: 'sr-file', type: 'button', text: t('sr.file') }) : null;
    var form = el('form', { class: 'filters' }, K.field('db.from', from), K.field('db.to', to),
      el('button', { type: 'submit', text: t('db.show') }), pdf, file);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.go('#/service-report' + qs(from.value, to.value));
    });
    var head = el('div');
    var filed = el('p', { id: 'sr-filed', class: 'meta', role: 'status' });
    var grid = el('div', { class: 'charts' });
    K.add(view, [el('h2', { text: t('nav.svcreport') }), head, form, filed, grid]);

    function showFiled(f) {
      K.clear(filed);
      if (!f) return;
      filed.appendChild(document.createTextNode(t('sr.filed', f.version) + ' '));
      filed.appendChild(el('a', { href: '#/documents/' + encodeURIComponent(f.doc_no), text: f.doc_no }));
    }

    if (file) {
      file.addEventListener('click', function () {
        file.disabled = true;
        K.api('POST', '/api/v1/reports/service/file', { from: from.value, to: to.value }).then(function (j) {
          file.disabled = false;
          showFiled(j);
          K.status(t('sr.filed.ok', j.doc_no, j.version));
        }, function (err) { file.disabled = false; K.status(err.message, true); });
      });
    }

    K.api('GET', '/api/v1/reports/service' + q).then(function (r) {
      var m = r.summary, C = K.charts;
      if (!from.value) from.value = r.from;
      if (!to.value) to.value = r.to;
      pdf.href = '/api/v1/reports/service.pdf' + qs(r.from, r.to);
      K.add(head, [el('h3', { id: 'sr-title', text: r.title }), due(r.schedule)]);
      showFiled(r.filed);
      function items(obj, group) {
        var v = Object.keys(obj).map(function (k) { return { label: K.label(group, k), value: obj[k] }; });
        return v.length ? v : [{ label: t('none'), value: 0 }];
      }
      var pri = ['P1', 'P2', 'P3', 'P4'].map(function (p) { return { label: p, value: m.by_priority[p] }; });
      var sla = [];
      ['P1', 'P2', 'P3', 'P4'].forEach(function (p) {
        var s = m.sla.by_priority[p];
        sla.push({ label: p + ' ' + t('sr.response'), value: pct(s.response_met_percent), cls: 'good' });
        sla.push({ label: p + ' ' + t('sr.resolve'), value: pct(s.resolve_met_percent) });
      });
      var sat = ['1', '2', '3', '4', '5'].map(function (k) { return { label: k + ' ★', value: m.satisfaction.distribution[k] }; });
      var parts = [
        el('p', { class: 'kpis' },
          el('span', {}, el('strong', { text: String(m.total) }), ' ' + t('db.total')),
          el('span', {}, el('strong', { text: m.sla.response_met_percent === null ? '—' : m.sla.response_met_percent + '%' }), ' ' + t('sr.response.rate')),
          el('span', {}, el('strong', { text: m.sla.resolve_met_percent === null ? '—' : m.sla.resolve_met_percent + '%' }), ' ' + t('sr.resolve.rate')),
          el('span', {}, el('strong', { text: m.satisfaction.average === null ? '—' : String(m.satisfaction.average) }), ' ' + t('db.sat.avg')),
          el('span', {}, el('strong', { text: String(m.complaints) }), ' ' + t('db.complaints')),
          el('span', {}, el('strong', { text: String(m.requests.total) }), ' ' + t('sr.requests'))),
        C.panel(t('db.by.category'), C.rows(t('db.by.category'), items(m.by_category, 'cat'))),
        C.panel(t('sr.by.priority'), C.columns(t('sr.by.priority'), pri)),
        C.panel(t('sr.by.channel'), C.rows(t('sr.by.channel'), items(m.by_channel, 'channel'))),
        C.panel(t('sr.sla'), C.rows(t('sr.sla'), sla, '%', 100)),
        C.panel(t('db.sat'), C.columns(t('db.sat'), sat), t('db.sat.note', m.satisfaction.ratings)),
        el('section', { class: 'card' }, el('h3', { text: t('db.top') }),
          m.top_known_errors.length
            ? table(['sr.kb', 'sr.title', 'sr.count'], m.top_known_errors.map(function (k) { return [k.kb_id, k.title, k.count]; }))
            : el('p', { class: 'meta', text: t('none') })),
        el('section', { class: 'card' }, el('h3', { text: t('sr.gaps') }),
          r.knowledge_gaps.length
            ? table(['sr.query', 'sr.count'], r.knowledge_gaps.map(function (g) { return [g.query, g.count]; }))
            : el('p', { class: 'meta', text: t('none') }))];
      parts = parts.concat(quality(r));
      if (r.assets) {
        parts.push(el('section', { class: 'card' }, el('h3', { text: t('sr.assets') }),
          el('p', { text: t('sr.assets.note', r.assets.assets, r.assets.by_status.in_use, r.assets.warranty_ending) })));
      }
      if (r.maintenance) {
        var x = r.maintenance;
        parts.push(el('section', { class: 'card' }, el('h3', { text: t('sr.maint') }),
          el('p', { text: t('sr.maint.note', x.total, x.on_time, x.late, x.open, x.on_time_percent) })));
      }
      if (K.has('admin')) parts.push(scheduleForm(r.schedule));
      K.add(grid, parts);
    }, function (err) { K.status(err.message, true); });
  }, '#/service-report');
})();
