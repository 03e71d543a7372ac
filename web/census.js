/* The census (资产盘点): campaigns, and a campaign's page. Engineers and admins upload a
 * census file (CSV in UTF-8 or GBK, .xlsx, .xls: sent as the raw body), see how its columns
 * were read and what would change (a dry run), change the mapping of columns to fields and
 * preview again, then apply. Everyone reads the report: per department what was found, what
 * is missing and what moved. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var WRITERS = ['engineer', 'admin'];
  var FIELDS = ['tag', 'serial', 'class', 'brand', 'model', 'user', 'department', 'location',
                'supplier', 'purchase_date', 'warranty_end', 'status', 'cpu', 'memory', 'disk',
                'os', 'notes'];
  var SPECS = ['cpu', 'memory', 'disk', 'os'];
  var SHOWN = 200; /* changes and problems listed on the page */
  var PAGE = 50;    /* assets in a page of a campaign's list */

  function fieldLabel(f) {
    return t(SPECS.indexOf(f) >= 0 ? 'asset.spec.' + f : 'asset.' + f);
  }
  function assetLink(tag) {
    return el('a', { href: '#/assets/' + encodeURIComponent(tag), text: tag });
  }
  function grid(id, heads, rows, empty) {
    var tbody = el('tbody', {}, rows);
    if (!rows.length) tbody.appendChild(el('tr', {}, el('td', { colspan: String(heads.length), class: 'empty', text: t(empty || 'none') })));
    return el('div', { class: 'scroll' }, el('table', { class: 'grid census', id: id },
      el('thead', {}, el('tr', {}, heads.map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
      tbody));
  }

  /* --- the campaigns --- */

  K.route('census', /^\/census$/, null, function (view) {
    var list = el('div', { id: 'census-list' });
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.census') })),
      el('p', { class: 'hint', text: t('census.intro') })]);
    if (K.has.apply(null, WRITERS)) {
      var name = el('input', { id: 'cs-name', maxlength: '100', required: true, placeholder: t('census.name.placeholder') });
      var form = el('form', { class: 'card filters', id: 'cs-new' }, K.field('census.name', name),
        el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', text: t('census.start') })));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        K.api('POST', '/api/v1/censuses', { name: name.value.trim() }).then(function (c) {
          K.status(t('census.started', c.name));
          K.go('#/census/' + c.id);
        }, function (err) { K.status(err.message, true); });
      });
      view.appendChild(form);
    }
    view.appendChild(list);
    K.api('GET', '/api/v1/censuses').then(function (j) {
      list.appendChild(grid('census-campaigns', ['census.name', 'census.created', 'census.imports', 'census.seen'],
        j.censuses.map(function (c) {
          return el('tr', {},
            el('td', {}, el('a', { href: '#/census/' + c.id, text: c.name })),
            el('td', { text: K.time(c.created_at) + ' · ' + c.created_by }),
            el('td', { text: String(c.imports) }), el('td', { text: String(c.seen) }));
        }), 'census.none'));
    }, function (err) { K.status(err.message, true); });
  }, '#/census');

  /* --- the import box: file, preview with the mapping, apply --- */

  function importBox(id, reload) {
    var file = el('input', { id: 'cs-file', type: 'file', accept: '.csv,.txt,.xlsx,.xls' });
    var out = el('div', { id: 'cs-preview-out' });
    var preview = el('button', { type: 'button', id: 'cs-preview', class: 'primary', text: t('census.preview') });
    var box = el('section', { class: 'card', id: 'cs-import', 'aria-label': t('census.import') },
      el('h3', { text: t('census.import') }), el('p', { class: 'hint', text: t('census.import.hint') }),
      K.field('census.file', file), el('div', { class: 'form-actions' }, preview), out);
    var selects = null, mapped = false;

    function query(dry) {
      var p = new URLSearchParams();
      if (dry) p.set('dry_run', '1');
      var f = file.files[0];
      if (f) p.set('name', f.name);
      if (mapped && selects) {
        FIELDS.forEach(function (fld) { p.set('map.' + fld, ''); });
        selects.forEach(function (s) { if (s.value) p.set('map.' + s.value, s.dataset.header); });
      }
      return '/api/v1/censuses/' + id + '/import?' + p;
    }
    function send(dry) {
      var f = file.files[0];
      if (!f) { K.status(t('census.file.none'), true); return; }
      K.status(t(dry ? 'census.reading' : 'census.applying'));
      K.upload(query(dry), f).then(function (r) {
        show(r);
        K.status(t(dry ? 'census.previewed' : 'census.applied', r.created, r.updated, r.unchanged, r.bad));
        if (!dry) reload();
      }, function (err) { K.status(err.message, true); });
    }
    function show(r) {
      K.clear(out);
      selects = [];
      var cols = grid('cs-columns', ['census.column', 'census.field'], r.columns.map(function (c) {
        var s = el('select', { 'data-header': c.header, 'aria-label': c.header },
          el('option', { value: '', text: t('census.ignored') }),
          FIELDS.map(function (f) { return el('option', { value: f, text: fieldLabel(f) + ' (' + f + ')', selected: c.field === f }); }));
        s.addEventListener('change', function () { mapped = true; });
        selects.push(s);
        return el('tr', {}, el('td', { text: c.header }), el('td', {}, s));
      }));
      var changes = r.changes.slice(0, SHOWN).map(function (c) {
        return el('tr', {}, el('td', { text: String(c.line) }), el('td', {}, assetLink(c.tag)),
          el('td', {}, K.badge('csact', c.action)),
          el('td', { text: c.fields.map(function (d) {
            return fieldLabel(d.field) + ': ' + (d.from || '—') + ' → ' + (d.to || '—');
          }).join('；') }));
      });
      var problems = el('ul', { id: 'cs-problems', class: 'problems' }, r.problems.slice(0, SHOWN).map(function (p) {
        return el('li', { text: K.lang === 'zh' ? p.message_zh : p.message });
      }));
      K.add(out, [
        el('p', { id: 'cs-summary', class: 'meta', text: t(r.dry_run ? 'census.summary.dry' : 'census.summary', r.format,
          r.charset + (r.sheet ? ' · ' + r.sheet : ''), r.header_line, r.rows, r.created, r.updated, r.unchanged, r.bad) }),
        el('h4', { text: t('census.mapping') }), cols,
        el('div', { class: 'form-actions' },
          el('button', { type: 'button', id: 'cs-repreview', text: t('census.preview.again'), on: { click: function () { send(true); } } }),
          r.dry_run ? el('button', { type: 'button', id: 'cs-apply', class: 'primary', text: t('census.apply'),
                                     on: { click: function () { send(false); } } }) : null),
        el('h4', { text: t('census.changes', r.created + r.updated) }),
        grid('cs-changes', ['census.line', 'asset.tag', 'census.action', 'census.fields'], changes, 'census.nochange'),
        r.problems.length ? el('h4', { text: t('census.problems', r.bad) }) : null,
        r.problems.length ? problems : null]);
    }
    preview.addEventListener('click', function () { mapped = false; send(true); });
    file.addEventListener('change', function () { mapped = false; K.clear(out); });
    return box;
  }

  /* --- a campaign's report --- */

  function place(x) {
    return [x.department, x.location, x.user].filter(Boolean).join(' · ') || '—';
  }

  /* One of a campaign's lists (found, missing, moved) of department dept ('' all), a page
   * at a time: a heading with the total, the table (id) and previous/next. */
  function pagedList(id, which, dept, tableId, title, heads, row) {
    var box = el('section', { class: 'census-list' });
    var offset = 0;
    function load() {
      var p = new URLSearchParams({ list: which, limit: String(PAGE), offset: String(offset) });
      if (dept) p.set('department', dept);
      K.api('GET', '/api/v1/censuses/' + id + '/assets?' + p).then(function (j) {
        K.clear(box);
        var pager = el('p', { class: 'form-actions' });
        if (offset > 0) pager.appendChild(K.button('prev', function () { offset = Math.max(0, offset - PAGE); load(); }));
        if (offset + j.assets.length < j.total) pager.appendChild(K.button('next', function () { offset += PAGE; load(); }));
        K.add(box, [el('h3', { text: t(title, j.total) }), grid(tableId, heads, j.assets.map(row)), pager]);
      }, function (err) { K.status(err.message, true); });
    }
    load();
    return box;
  }

  K.route('census-one', /^\/census\/(\d+)$/, null, function (view, args, params) {
    var report = el('div', { id: 'cs-report' });
    var dept = params.get('department') || '';
    function load() {
      var url = '/api/v1/censuses/' + args[0] + (dept ? '?department=' + encodeURIComponent(dept) : '');
      K.api('GET', url).then(function (r) {
        K.clear(report);
        K.$('cs-title').textContent = r.name;
        var sel = el('select', { id: 'cs-dept' }, el('option', { value: '', text: t('census.all.depts') }),
          r.departments.map(function (d) {
            return el('option', { value: d.department, selected: d.department === dept,
                                  text: (d.department || t('census.no.dept')) });
          }));
        sel.addEventListener('change', function () {
          dept = sel.value;
          history.replaceState(null, '', '#/census/' + args[0] + (dept ? '?department=' + encodeURIComponent(dept) : ''));
          load();
        });
        var totals = r.totals;
        var lists = {
          moved: pagedList(args[0], 'moved', dept, 'cs-moved', 'census.moved.list',
            ['asset.tag', 'census.was', 'census.now', 'census.line'], function (m) {
              return el('tr', {}, el('td', {}, assetLink(m.tag)), el('td', { text: place(m.was) }),
                el('td', { text: place(m) }), el('td', { text: String(m.line) }));
            }),
          missing: pagedList(args[0], 'missing', dept, 'cs-missing', 'census.missing.list',
            ['asset.tag', 'asset.class', 'asset.model', 'census.place'], function (m) {
              return el('tr', {}, el('td', {}, assetLink(m.tag)), el('td', {}, K.badge('acls', m['class'])),
                el('td', { text: m.model }), el('td', { text: place(m) }));
            }),
          found: pagedList(args[0], 'found', dept, 'cs-found', 'census.found.list',
            ['asset.tag', 'asset.class', 'census.place', 'census.line'], function (m) {
              return el('tr', {}, el('td', {}, assetLink(m.tag), m['new'] ? ' ' : null,
                  m['new'] ? el('span', { class: 'badge cs-new', text: t('census.new') }) : null),
                el('td', {}, K.badge('acls', m['class'])), el('td', { text: place(m) }),
                el('td', { text: String(m.line) }));
            })
        };
        K.add(report, [
          el('p', { id: 'cs-totals', class: 'totals' },
            el('span', { class: 'badge cs-found', text: t('census.found.n', totals.found) }), ' ',
            el('span', { class: 'badge cs-missing', text: t('census.missing.n', totals.missing) }), ' ',
            el('span', { class: 'badge cs-moved', text: t('census.moved.n', totals.moved) }), ' ',
            el('span', { class: 'badge cs-new', text: t('census.new.n', totals['new']) })),
          el('h3', { text: t('census.by.dept') }),
          grid('cs-depts', ['asset.department', 'census.found', 'census.missing', 'census.moved', 'census.new'],
            r.departments.map(function (d) {
              return el('tr', {}, el('td', { text: d.department || t('census.no.dept') }),
                el('td', { text: String(d.found) }), el('td', { text: String(d.missing) }),
                el('td', { text: String(d.moved) }), el('td', { text: String(d['new']) }));
            })),
          el('div', { class: 'filters' }, K.field('census.dept', sel)),
          lists.moved, lists.missing, lists.found,
          el('h3', { text: t('census.imports') }),
          el('ul', { id: 'cs-imports' }, r.imports.map(function (i) {
            return el('li', { text: t('census.import.line', K.time(i.at), i.actor, i.file_name, i.rows,
                                      i.created, i.updated, i.unchanged, i.bad) });
          }))]);
        if (!r.imports.length) report.lastChild.appendChild(el('li', { class: 'meta', text: t('census.imports.none') }));
      }, function (err) { K.status(err.message, true); });
    }
    view.appendChild(el('div', { class: 'page-head' }, el('h2', { id: 'cs-title', text: t('nav.census') }),
      el('a', { href: '#/census', text: t('census.back') })));
    if (K.has.apply(null, WRITERS)) view.appendChild(importBox(args[0], load));
    view.appendChild(report);
    load();
  });
})();
