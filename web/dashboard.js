/* The dashboard: the summary report as SVG charts drawn here (no chart library, no CDN).
 * The chart helpers are K.charts for the other report pages (svcreport.js). */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var NS = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* Vertical bars: items [{label, value}] */
  function columns(title, items) {
    var W = 560, H = 220, pad = 28, bottom = 40;
    var max = Math.max(1, Math.max.apply(null, items.map(function (i) { return i.value; })));
    var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', class: 'chart', 'aria-label': title });
    s.appendChild(svg('title', {}, title));
    var bw = (W - 2 * pad) / Math.max(1, items.length);
    items.forEach(function (it, i) {
      var h = (H - bottom - pad) * it.value / max;
      var x = pad + i * bw + bw * 0.15, y = H - bottom - h;
      var g = svg('g', {});
      g.appendChild(svg('rect', { x: x, y: y, width: bw * 0.7, height: Math.max(h, 0.5), class: 'bar' }));
      g.appendChild(svg('text', { x: x + bw * 0.35, y: y - 4, 'text-anchor': 'middle', class: 'val' }, String(it.value)));
      if (items.length <= 16 || i % Math.ceil(items.length / 16) === 0) {
        g.appendChild(svg('text', { x: x + bw * 0.35, y: H - bottom + 16, 'text-anchor': 'middle', class: 'lbl' }, it.label));
      }
      g.appendChild(svg('title', {}, it.label + ': ' + it.value));
      s.appendChild(g);
    });
    s.appendChild(svg('line', { x1: pad, x2: W - pad, y1: H - bottom, y2: H - bottom, class: 'axis' }));
    return s;
  }

  /* Horizontal bars with labels; unit appended to values ("%"). */
  function rows(title, items, unit, maxValue) {
    var W = 560, rowH = 30, left = 170, H = Math.max(1, items.length) * rowH + 10;
    var max = maxValue || Math.max(1, Math.max.apply(null, items.map(function (i) { return i.value || 0; })));
    var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', class: 'chart', 'aria-label': title });
    s.appendChild(svg('title', {}, title));
    items.forEach(function (it, i) {
      var y = 5 + i * rowH;
      var w = (W - left - 60) * (it.value || 0) / max;
      s.appendChild(svg('text', { x: left - 8, y: y + 19, 'text-anchor': 'end', class: 'lbl' },
                        it.label.length > 22 ? it.label.slice(0, 21) + '…' : it.label));
      s.appendChild(svg('rect', { x: left, y: y + 5, width: Math.max(w, 0.5), height: rowH - 10,
                                  class: 'bar' + (it.cls ? ' ' + it.cls : '') }));
      s.appendChild(svg('text', { x: left + w + 6, y: y + 19, class: 'val' },
                        it.value === null ? '—' : it.value + (unit || '')));
    });
    return s;
  }

  function panel(title, chart, note) {
    return el('section', { class: 'card chart-card' }, el('h3', { text: title }), chart,
              note ? el('p', { class: 'meta', text: note }) : null);
  }

  K.charts = { columns: columns, rows: rows, panel: panel };

  K.route('dashboard', /^\/dashboard$/, null, function (view, args, params) {
    var from = el('input', { id: 'db-from', type: 'date', value: params.get('from') || '' });
    var to = el('input', { id: 'db-to', type: 'date', value: params.get('to') || '' });
    var form = el('form', { class: 'filters' }, K.field('db.from', from), K.field('db.to', to),
      el('button', { type: 'submit', text: t('db.show') }),
      el('a', { href: '/api/v1/reports/summary.csv' + (location.hash.split('?')[1] ? '?' + location.hash.split('?')[1] : ''),
                download: 'summary.csv', text: t('db.csv') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var p = new URLSearchParams();
      if (from.value) p.set('from', from.value);
      if (to.value) p.set('to', to.value);
      K.go('#/dashboard' + (p.toString() ? '?' + p : ''));
    });
    var grid = el('div', { class: 'charts' });
    K.add(view, [el('h2', { text: t('nav.dashboard') }), form, grid]);
    var p = new URLSearchParams();
    if (params.get('from')) p.set('from', params.get('from'));
    if (params.get('to')) p.set('to', params.get('to'));
    K.api('GET', '/api/v1/reports/summary' + (p.toString() ? '?' + p : '')).then(function (r) {
      if (!from.value) from.value = r.from;
      if (!to.value) to.value = r.to;
      var days = Object.keys(r.by_day || {}).map(function (d) { return { label: d.slice(5), value: r.by_day[d] }; });
      var cats = Object.keys(r.by_category).map(function (c) { return { label: K.label('cat', c), value: r.by_category[c] }; });
      var sla = [
        { label: t('db.sla.response', r.sla.response_met, r.sla.responded), value: r.sla.response_met_percent,
          cls: r.sla.response_met_percent !== null && r.sla.response_met_percent < 90 ? 'bad' : 'good' },
        { label: t('db.sla.resolve', r.sla.resolve_met, r.sla.resolved), value: r.sla.resolve_met_percent,
          cls: r.sla.resolve_met_percent !== null && r.sla.resolve_met_percent < 90 ? 'bad' : 'good' }];
      var sat = ['1', '2', '3', '4', '5'].map(function (k) { return { label: k + ' ★', value: r.satisfaction.distribution[k] }; });
      var top = r.top_known_errors.map(function (k) { return { label: k.kb_id + ' ' + k.title, value: k.count }; });
      /* service requests: their own panel, by item, with what waits now */
      var rq = r.requests;
      var rqItems = rq ? rq.by_item.map(function (x) { return { label: x.item, value: x.count }; }) : [];
      K.add(grid, [
        el('p', { class: 'kpis' },
          el('span', {}, el('strong', { text: String(r.total) }), ' ' + t('db.total')),
          el('span', {}, el('strong', { text: r.mean_time_to_respond || '—' }), ' ' + t('db.mttr.respond')),
          el('span', {}, el('strong', { text: r.mean_time_to_resolve || '—' }), ' ' + t('db.mttr.resolve')),
          el('span', {}, el('strong', { text: r.satisfaction.average === null ? '—' : String(r.satisfaction.average) }), ' ' + t('db.sat.avg')),
          el('span', {}, el('strong', { text: String(r.complaints) }), ' ' + t('db.complaints'))),
        panel(t('db.per.day'), columns(t('db.per.day'), days)),
        panel(t('db.by.category'), rows(t('db.by.category'), cats.length ? cats : [{ label: t('none'), value: 0 }])),
        panel(t('db.sla'), rows(t('db.sla'), sla, '%', 100)),
        panel(t('db.sat'), columns(t('db.sat'), sat), t('db.sat.note', r.satisfaction.ratings)),
        panel(t('db.top'), rows(t('db.top'), top.length ? top : [{ label: t('none'), value: 0 }])),
        rq ? panel(t('db.requests'), rows(t('db.requests'), rqItems.length ? rqItems : [{ label: t('none'), value: 0 }]),
                   t('db.requests.note', rq.total, rq.fulfilled, rq.fulfil_met, rq.awaiting_approval, rq.loans_overdue)) : null]);
    }, function (err) { K.status(err.message, true); });
  }, '#/dashboard');
})();
