/* Document control and the auditor's pages: the document catalogue (current versions,
 * history, "current on date", classes), the document classes with their approval chains,
 * change/scrap/borrow/destroy requests and their steps, the audit log with filters and
 * export, and backups. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var KINDS = ['change', 'scrap', 'borrow', 'destroy'];
  var REQ_STATES = ['pending', 'approved', 'rejected', 'executed', 'confirmed', 'lent', 'returned'];
  /* the document classes as kept (GET /api/v1/document-classes), loaded once per page */
  var classes = null;
  function loadClasses() {
    if (!classes) classes = K.api('GET', '/api/v1/document-classes').then(function (j) { return j.classes; },
      function (err) { classes = null; throw err; });
    return classes;
  }

  function qs(obj) {
    var p = new URLSearchParams();
    Object.keys(obj).forEach(function (k) { if (obj[k]) p.set(k, obj[k]); });
    var s = p.toString();
    return s ? '?' + s : '';
  }

  function grid(heads, rows) {
    return el('div', { class: 'scroll' }, el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, heads.map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))),
      el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: String(heads.length), class: 'empty', text: t('none') })))));
  }

  /* --- the catalogue --- */

  /* What the catalogue flags on a document: its review is overdue, its retention ended. */
  function flags(d) {
    return [d.review_overdue ? el('span', { class: 'badge warn flag-review', title: d.next_review || '', text: t('doc.flag.review') }) : null,
            d.retention_ended ? el('span', { class: 'badge warn flag-retention', title: d.retention_until || '', text: t('doc.flag.retention') }) : null];
  }

  K.route('documents', /^\/documents$/, null, function (view, args, params) {
    var q = el('input', { id: 'd-q', type: 'search', value: params.get('q') || '' });
    var cls = el('select', { id: 'd-class' }, el('option', { value: '', text: t('all') }));
    var type = el('select', { id: 'd-type' }, el('option', { value: '', text: t('all') }));
    loadClasses().then(function (list) {
      list.forEach(function (c) {
        cls.appendChild(el('option', { value: c.code, text: c.name, selected: params.get('class') === c.code }));
        c.sub_types.forEach(function (v) {
          type.appendChild(el('option', { value: v, text: K.label('doctype', v), selected: params.get('doc_type') === v }));
        });
      });
    }, function (err) { K.status(err.message, true); });
    var asOf = el('input', { id: 'd-asof', type: 'date', value: params.get('as_of') || '' });
    var all = el('input', { id: 'd-all', type: 'checkbox', checked: params.get('all_versions') === '1' });
    var status = el('select', { id: 'd-status' }, el('option', { value: '', text: t('doc.current') }),
      ['superseded', 'scrapped', 'destroyed', 'removed', 'draft', 'in_review', 'rejected'].map(function (v) {
        return el('option', { value: v, text: K.label('state', v), selected: params.get('status') === v });
      }));
    var form = el('form', { class: 'filters', role: 'search' },
      K.field('doc.q', q), K.field('doc.class', cls), K.field('doc.type', type), K.field('doc.status', status), K.field('doc.asof', asOf),
      el('div', { class: 'check' }, all, el('label', { for: 'd-all', text: t('doc.all') })),
      el('button', { type: 'submit', text: t('find') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.go('#/documents' + qs({ q: q.value.trim(), 'class': cls.value, doc_type: type.value, status: status.value,
                                as_of: asOf.value, all_versions: all.checked ? '1' : '' }));
    });
    var out = el('div');
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.documents') }),
                    el('span', {}, el('a', { href: '#/requests', text: t('nav.requests') }), ' · ',
                       el('a', { href: '#/doc-control', text: t('nav.doccontrol') }), ' · ',
                       el('a', { href: '#/document-classes', text: t('cls.title') }))), form, out]);
    var url = '/api/v1/documents' + qs({ q: params.get('q'), 'class': params.get('class'), doc_type: params.get('doc_type'),
      status: params.get('status'), as_of: params.get('as_of'), all_versions: params.get('all_versions') });
    K.api('GET', url).then(function (j) {
      out.appendChild(el('p', { class: 'meta', text: params.get('as_of') ? t('doc.count.asof', j.total, params.get('as_of')) : t('doc.count', j.total) }));
      out.appendChild(grid(['doc.no', 'doc.name', 'doc.class', 'doc.type', 'version', 'doc.published', 'doc.location',
                            'doc.retention', 'doc.status', 'doc.owner'],
        j.documents.map(function (d) {
          return el('tr', {},
            el('td', {}, el('a', { href: '#/documents/' + encodeURIComponent(d.doc_no), text: d.doc_no })),
            el('td', { text: d.name }), el('td', { text: d.class_name }), el('td', { text: K.label('doctype', d.doc_type) }),
            el('td', { text: d.version }), el('td', { text: d.publish_date || d.effective_from }),
            el('td', { text: d.storage_location }), el('td', { text: d.retention_period }),
            el('td', {}, K.badge('state', d.status), flags(d)), el('td', { text: d.owner }));
        })));
    }, function (err) { K.status(err.message, true); });
  }, '#/documents');

  K.route('document', /^\/documents\/([^/]+)$/, null, function (view, args, params) {
    var no = args[0];
    var asOf = el('input', { id: 'dd-asof', type: 'date', value: params.get('as_of') || '' });
    var head = el('div');
    var body = el('div', { class: 'doc' });
    var hist = el('div');
    var files = el('section', { id: 'doc-files', class: 'attachments', 'aria-label': t('dfile.title') });
    var out = el('div', { id: 'version-view' });
    var form = el('form', { class: 'filters' }, K.field('doc.asof', asOf),
                  el('button', { type: 'submit', text: t('doc.asof.show') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.go('#/documents/' + encodeURIComponent(no) + qs({ as_of: asOf.value }));
    });
    K.add(view, [head, form, body, files, el('h3', { text: t('history') }), hist, out]);
    var base = '/api/v1/kb/' + encodeURIComponent(no) + '/versions';
    K.api('GET', '/api/v1/documents/' + encodeURIComponent(no) + qs({ as_of: params.get('as_of') })).then(function (d) {
      var dl = el('dl', { class: 'fields' });
      [['doc.no', d.doc_no], ['doc.name', d.name], ['doc.class', d.class_name], ['doc.type', K.label('doctype', d.doc_type)],
       ['version', d.version], ['doc.published', d.publish_date], ['doc.location', d.storage_location],
       ['doc.retention', d.retention_period], ['dc.until', d.retention_until], ['doc.owner', d.owner], ['doc.description', d.description],
       ['ver.current', d.effective_from + ' → ' + (d.effective_to || t('now'))],
       ['ver.decided', d.decided_by ? d.decided_by + ' · ' + K.time(d.decided_at) : '']].forEach(function (p) {
        if (!p[1]) return;
        dl.appendChild(el('dt', { text: t(p[0]) }));
        dl.appendChild(el('dd', { text: p[1] }));
      });
      K.add(head, [el('div', { class: 'page-head' }, el('h2', { text: d.doc_no + ' ' + d.name }),
                      el('span', { class: 'badges' }, K.badge('state', d.status), flags(d),
                         params.get('as_of') ? el('span', { class: 'badge', text: t('doc.asof.badge', params.get('as_of')) }) : null)),
                   dl, requestForm(d)]);
      return K.api('GET', base + '/' + d.n).then(function (v) { body.innerHTML = v.html || ''; }); /* sanitised by the server */
    }).catch(function (err) {
      K.status(err.message, true);
      /* no current version (scrapped) or none on that day: say so where the document would be */
      K.add(head, [el('h2', { text: no }), el('p', { class: 'empty', text: err.message }),
                   params.get('as_of') ? el('p', {}, el('a', { href: '#/documents/' + encodeURIComponent(no), text: t('ver.current.link') })) : null]);
    });
    function loadFiles() {
      K.api('GET', base).then(function (j) { fileSection(files, no, j.versions, loadFiles); },
                              function (err) { K.status(err.message, true); });
    }
    loadFiles();
    K.api('GET', base).then(function (j) {
      hist.appendChild(K.versionTable(j.versions, function (n) {
        K.api('GET', base + '/' + n).then(function (v) {
          K.clear(out);
          K.add(out, [el('h3', { text: t('ver.title', v.n, v.title) }), el('div', { class: 'doc', html: v.html || '' })]);
        }, function (err) { K.status(err.message, true); });
      }));
    }, function (err) { K.status(err.message, true); });
  });

  /* The controlled copies of the document's versions (PDF, Word, Excel, scans): per version
   * its files with size, SHA-256 and download; engineers and admins upload the file of a
   * draft, rejected or published version (the server keeps published copies for good). */
  function fileSection(box, no, versions, reload) {
    K.clear(box);
    box.appendChild(el('h3', { text: t('dfile.title') }));
    var rows = [];
    versions.slice().reverse().forEach(function (v) {
      (v.files || []).forEach(function (f) {
        rows.push(el('tr', { 'data-version': String(v.n) },
          el('td', { text: v.n + (v.version ? ' (' + v.version + ')' : '') }),
          el('td', {}, el('a', { href: f.url, download: f.name, class: 'dfile-name', text: f.name })),
          el('td', { text: K.fileSize(f.size) + (f.searchable ? ' · ' + t('att.searchable') : '') }),
          el('td', {}, el('code', { class: 'sha256', text: f.sha256 })),
          el('td', { text: f.created_by + ' · ' + K.time(f.created_at) })));
      });
    });
    if (rows.length) {
      box.appendChild(el('table', { class: 'grid' },
        el('thead', {}, el('tr', {}, ['version', 'dfile.name', 'dfile.size', 'dfile.sha256', 'dfile.by'].map(function (k) {
          return el('th', { text: t(k) });
        }))), el('tbody', {}, rows)));
    } else {
      box.appendChild(el('p', { class: 'empty', text: t('dfile.none') }));
    }
    var open = versions.filter(function (v) { return ['draft', 'rejected', 'published'].indexOf(v.state) >= 0; });
    if (!K.has('engineer', 'admin') || !open.length) return;
    var pick = el('select', { id: 'dfile-version' }, open.slice().reverse().map(function (v) {
      return el('option', { value: String(v.n), text: v.n + (v.version ? ' (' + v.version + ')' : '') + ' · ' + K.label('state', v.state) });
    }));
    var input = el('input', { type: 'file', id: 'dfile-input' });
    var form = el('form', { class: 'filters' }, K.field('dfile.for', pick), K.field('dfile.file', input),
                  el('button', { type: 'submit', class: 'primary', text: t('dfile.upload') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var f = input.files[0];
      if (!f) return;
      var url = '/api/v1/kb/' + encodeURIComponent(no) + '/attachments?name=' + encodeURIComponent(f.name) +
        '&version=' + encodeURIComponent(pick.value);
      K.upload(url, f).then(function (a) {
        K.status(a.warning ? t('dfile.notext', f.name, a.warning) : t('att.uploaded', f.name), !!a.warning);
        reload();
      }, function (err) { K.status(t('att.failed', f.name, err.message), true); });
    });
    box.appendChild(form);
  }

  /* A request on the document shown: borrow for everyone who may file requests; change and
   * scrap for documents written through kedb. */
  function requestForm(d) {
    if (!K.has('agent', 'engineer', 'approver', 'admin') || d.status !== 'published') return null;
    var kinds = ['borrow'];
    if (d.origin === 'api' && K.has('engineer', 'approver', 'admin')) kinds.push('change', 'scrap');
    var kind = el('select', { id: 'r-kind' }, kinds.map(function (k) { return el('option', { value: k, text: K.label('req', k) }); }));
    var reason = el('input', { id: 'r-reason', required: true });
    var due = el('input', { id: 'r-due', type: 'date' });
    var source = el('textarea', { id: 'r-source', rows: '10', class: 'editor', hidden: true });
    var sourceField = K.field('req.source', source);
    sourceField.hidden = true;
    kind.addEventListener('change', function () {
      sourceField.hidden = kind.value !== 'change';
      source.hidden = kind.value !== 'change';
      due.parentNode.hidden = kind.value !== 'borrow';
      if (kind.value === 'change' && !source.value) source.value = d.source || '';
    });
    var form = el('form', { class: 'card' }, el('h3', { text: t('req.new') }),
      el('div', { class: 'cols' }, K.field('req.kind', kind), K.field('req.reason', reason), K.field('req.due.label', due)),
      sourceField, el('button', { type: 'submit', class: 'primary', text: t('req.file') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { kind: kind.value, doc_no: d.doc_no, reason: reason.value.trim() };
      if (kind.value === 'borrow') body.due = due.value;
      if (kind.value === 'change') body.source = source.value;
      K.api('POST', '/api/v1/document-requests', body).then(function (r) {
        K.status(t('req.filed', r.id));
        K.go('#/requests');
      }, function (err) { K.status(err.message, true); });
    });
    return el('details', {}, el('summary', { text: t('req.new') }), form);
  }

  /* --- requests --- */

  K.route('requests', /^\/requests$/, null, function (view, args, params) {
    var kind = el('select', { id: 'q-kind' }, el('option', { value: '', text: t('all') }),
      KINDS.map(function (k) { return el('option', { value: k, text: K.label('req', k), selected: params.get('kind') === k }); }));
    var state = el('select', { id: 'q-state' }, el('option', { value: '', text: t('all') }),
      REQ_STATES.map(function (k) { return el('option', { value: k, text: K.label('reqstate', k), selected: params.get('state') === k }); }));
    var overdue = el('input', { type: 'checkbox', id: 'q-overdue', checked: params.get('overdue') === '1' });
    var form = el('form', { class: 'filters' }, K.field('req.kind', kind), K.field('req.state', state),
      el('div', { class: 'check' }, overdue, el('label', { for: 'q-overdue', text: t('req.overdue') })),
      el('button', { type: 'submit', text: t('find') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.go('#/requests' + qs({ kind: kind.value, state: state.value, overdue: overdue.checked ? '1' : '' }));
    });
    var out = el('div');
    K.add(view, [el('h2', { text: t('nav.requests') }), form, out]);
    K.api('GET', '/api/v1/document-requests' + qs({ kind: params.get('kind'), state: params.get('state'), overdue: params.get('overdue') }))
      .then(function (j) {
        out.appendChild(grid(['req.id', 'req.kind', 'doc.no', 'req.reason', 'req.state', 'req.requested', 'req.decided', 'req.due.label'],
          j.requests.map(function (r) {
            return el('tr', { class: r.overdue ? 'overdue' : '' },
              el('td', {}, el('a', { href: '#/requests/' + encodeURIComponent(r.id), text: r.id })),
              el('td', { text: K.label('req', r.kind) }),
              el('td', {}, el('a', { href: '#/documents/' + encodeURIComponent(r.doc_no), text: r.doc_no + ' ' + r.title })),
              el('td', { text: r.reason }),
              el('td', {}, K.badge('reqstate', r.state), r.overdue ? K.badge('reqstate', 'overdue') : null,
                 r.current_step ? el('span', { class: 'meta', text: ' ' + t('req.step.waiting', r.current_step, r.steps[r.current_step - 1].group) }) : null),
              el('td', { text: r.requested_by + ' · ' + K.time(r.requested_at) }),
              el('td', { text: r.decided_by ? r.decided_by + ' · ' + K.time(r.decided_at) + (r.decision ? ' — ' + r.decision : '') : '' }),
              el('td', { text: r.due ? r.due + (r.returned_at ? ' · ' + t('req.returned', K.time(r.returned_at)) : '') : '' }));
          })));
      }, function (err) { K.status(err.message, true); });
  }, '#/requests');

  /* A new request on a document named in the link (#/requests/new?kind=destroy&doc_no=X):
   * the way from the list of documents past retention to their destruction. */
  K.route('request-new', /^\/requests\/new$/, ['agent', 'engineer', 'approver', 'admin'], function (view, args, params) {
    var kind = el('select', { id: 'rn-kind' }, KINDS.map(function (k) {
      return el('option', { value: k, text: K.label('req', k), selected: (params.get('kind') || 'destroy') === k });
    }));
    var no = el('input', { id: 'rn-doc', required: true, value: params.get('doc_no') || '' });
    var reason = el('input', { id: 'rn-reason', required: true, value: params.get('reason') || '' });
    var due = el('input', { id: 'rn-due', type: 'date' });
    var form = el('form', { class: 'card' }, el('h3', { text: t('req.new') }),
      el('div', { class: 'cols' }, K.field('req.kind', kind), K.field('doc.no', no), K.field('req.reason', reason),
         K.field('req.due.label', due)),
      el('button', { type: 'submit', class: 'primary', text: t('req.file') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { kind: kind.value, doc_no: no.value.trim(), reason: reason.value.trim() };
      if (kind.value === 'borrow') body.due = due.value;
      K.api('POST', '/api/v1/document-requests', body).then(function (r) {
        K.status(t('req.filed', r.id));
        K.go('#/requests/' + encodeURIComponent(r.id));
      }, function (err) { K.status(err.message, true); });
    });
    K.add(view, [el('h2', { text: t('nav.requests') }), form]);
  });

  /* One request: its chain's steps, its execution and confirmation, and the step the user
   * may take next (the server says no when it is not theirs). */
  K.route('request', /^\/requests\/([^/]+)$/, null, function (view, args) {
    var url = '/api/v1/document-requests/' + encodeURIComponent(args[0]);
    K.api('GET', url).then(function (r) {
      var dl = el('dl', { class: 'fields' });
      [['req.kind', K.label('req', r.kind)], ['doc.no', r.doc_no + ' ' + r.title], ['doc.class', r.class_name],
       ['req.reason', r.reason], ['req.requested', r.requested_by + ' · ' + K.time(r.requested_at)],
       ['req.flow', t('req.flow.' + r.flow)],
       ['req.decided', r.decided_by ? r.decided_by + ' · ' + K.time(r.decided_at) + (r.decision ? ' — ' + r.decision : '') : ''],
       ['req.version', r.version ? String(r.version) : ''],
       ['req.executed', r.executed_by ? r.executed_by + ' · ' + K.time(r.executed_at) + ' — ' + r.execution : ''],
       ['req.confirmed', r.confirmed_by ? r.confirmed_by + ' · ' + K.time(r.confirmed_at) + (r.confirmation ? ' — ' + r.confirmation : '') : '']
      ].forEach(function (p) {
        if (!p[1]) return;
        dl.appendChild(el('dt', { text: t(p[0]) }));
        dl.appendChild(el('dd', { text: p[1] }));
      });
      var steps = r.steps.length ? grid(['req.step', 'req.group', 'req.state', 'req.decided'], r.steps.map(function (p) {
        return el('tr', { class: p.step === r.current_step ? 'current' : '' },
          el('td', { text: String(p.step) }), el('td', { text: p.group }), el('td', {}, K.badge('reqstate', p.state)),
          el('td', { text: p.decided_by ? p.decided_by + ' · ' + K.time(p.decided_at) + (p.comment ? ' — ' + p.comment : '') : '' }));
      })) : el('p', { class: 'meta', text: t('req.single') });
      K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: r.id + ' · ' + K.label('req', r.kind) + ' · ' + r.doc_no }),
                      K.badge('reqstate', r.state)), dl, el('h3', { text: t('req.steps') }), steps, actions(r, url)]);
    }, function (err) { K.status(err.message, true); });
  });

  function act(url, step, body) {
    K.api('POST', url + '/' + step, body).then(function () { K.status(t('done')); K.render(); },
                                               function (err) { K.status(err.message, true); });
  }

  function actions(r, url) {
    if (!K.has('agent', 'engineer', 'approver', 'admin')) return null;
    var comment = el('textarea', { id: 'dr-comment', rows: '2' });
    var chain = r.flow === 'chain';
    if (r.state === 'pending') {
      return el('form', { class: 'card decide' },
        el('h3', { text: chain ? t('req.step.waiting', r.current_step, r.steps[r.current_step - 1].group) : t('req.decide') }),
        K.field('rev.comment', comment),
        el('button', { type: 'button', id: 'dr-approve', class: 'primary', text: t('rev.approve'),
                       on: { click: function () { act(url, 'approve', { comment: comment.value }); } } }),
        el('button', { type: 'button', id: 'dr-reject', text: t('rev.reject'),
                       on: { click: function () { act(url, 'reject', { comment: comment.value }); } } }));
    }
    if (r.state === 'approved' && (r.kind === 'destroy' || (chain && r.kind !== 'borrow'))) {
      var source = el('textarea', { id: 'dr-source', rows: '10', class: 'editor' });
      var proposed = '';
      if (r.kind === 'change') {
        K.api('GET', '/api/v1/kb/' + encodeURIComponent(r.doc_no) + '/versions/' + r.version)
          .then(function (v) { proposed = v.source || ''; if (!source.value) source.value = proposed; }, function () {});
      }
      var note = el('textarea', { id: 'dr-note', rows: '2', required: true });
      return el('form', { class: 'card' }, el('h3', { text: t('req.execute.title') }),
        K.field('req.execution', note, t('req.execution.hint')),
        r.kind === 'change' ? K.field('req.source.done', source) : null,
        el('button', { type: 'button', id: 'dr-execute', class: 'primary', text: t('req.execute'),
                       on: { click: function () {
                         var body = { comment: note.value.trim() };
                         /* the content as carried out, when it differs from the proposal */
                         if (r.kind === 'change' && source.value && source.value !== proposed) body.source = source.value;
                         act(url, 'execute', body);
                       } } }));
    }
    if (r.state === 'executed' && r.kind !== 'destroy') {
      return el('form', { class: 'card' }, el('h3', { text: t('req.confirm.title') }), K.field('rev.comment', comment),
        el('button', { type: 'button', id: 'dr-confirm', class: 'primary', text: t('req.confirm'),
                       on: { click: function () { act(url, 'confirm', { comment: comment.value }); } } }));
    }
    if (r.kind === 'borrow' && (r.state === 'approved' || r.state === 'lent')) {
      var step = r.state === 'approved' ? 'lend' : 'return';
      return K.button('req.' + step, function () { act(url, step); }, 'primary');
    }
    return null;
  }

  /* --- document classes, their sub-types, numbering prefixes and approval chains --- */

  K.route('document-classes', /^\/document-classes$/, null, function (view) {
    var out = el('div');
    var admin = K.has('admin');
    K.add(view, [el('h2', { text: t('cls.title') }), el('p', { class: 'hint', text: t('cls.hint') }), out]);
    var groups = el('datalist', { id: 'dc-groups' });
    if (admin) {
      K.api('GET', '/api/v1/groups').then(function (j) {
        j.groups.forEach(function (g) { groups.appendChild(el('option', { value: g.name })); });
      }, function () {});
    }
    loadClasses().then(function (list) {
      out.appendChild(groups);
      out.appendChild(grid(['cls.name', 'cls.code', 'cls.subtypes', 'cls.prefix'].concat(KINDS.map(function (k) { return 'cls.chain.' + k; })),
        list.map(function (c) {
          return el('tr', {}, el('td', { text: c.name }), el('td', { class: 'mono', text: c.code }),
            el('td', { text: c.sub_types.map(function (v) { return K.label('doctype', v); }).join('、') }),
            el('td', { class: 'mono', text: c.prefix || '—' }),
            KINDS.map(function (k) { return el('td', { text: c.chains[k].length ? c.chains[k].join(' → ') : t('cls.single') }); }));
        })));
      if (!admin) return;
      list.forEach(function (c) {
        var prefix = el('input', { id: 'dc-prefix-' + c.code, value: c.prefix, size: '10' });
        var subs = el('input', { id: 'dc-subs-' + c.code, value: c.sub_types.join(', '), size: '40' });
        var chains = {};
        KINDS.forEach(function (k) {
          chains[k] = el('input', { id: 'dc-chain-' + c.code + '-' + k, value: c.chains[k].join(', '), list: 'dc-groups',
                                    placeholder: t('cls.chain.placeholder') });
        });
        var split = function (v) { return v.split(/[,，、\n]/).map(function (x) { return x.trim(); }).filter(Boolean); };
        var form = el('form', { class: 'card', id: 'dc-form-' + c.code }, el('h3', { text: c.name + ' (' + c.code + ')' }),
          el('div', { class: 'cols' }, K.field('cls.prefix', prefix, t('cls.prefix.hint')), K.field('cls.subtypes', subs, t('cls.subtypes.hint'))),
          el('div', { class: 'cols' }, KINDS.map(function (k) { return K.field('cls.chain.' + k, chains[k]); })),
          el('button', { type: 'submit', id: 'dc-save-' + c.code, class: 'primary', text: t('save') }));
        form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          var body = { prefix: prefix.value.trim(), sub_types: split(subs.value), chains: {} };
          KINDS.forEach(function (k) { body.chains[k] = split(chains[k].value); });
          K.api('PUT', '/api/v1/document-classes/' + c.code, body).then(function () {
            classes = null;
            K.status(t('done'));
            K.render();
          }, function (err) { K.status(err.message, true); });
        });
        out.appendChild(form);
      });
    }, function (err) { K.status(err.message, true); });
  });

  /* --- the audit log --- */

  K.route('audit', /^\/audit$/, ['auditor', 'admin'], function (view, args, params) {
    var f = {};
    ['actor', 'action', 'object'].forEach(function (k) { f[k] = el('input', { id: 'au-' + k, value: params.get(k) || '' }); });
    f.from = el('input', { id: 'au-from', type: 'date', value: params.get('from') || '' });
    f.to = el('input', { id: 'au-to', type: 'date', value: params.get('to') || '' });
    var form = el('form', { class: 'filters' }, Object.keys(f).map(function (k) { return K.field('au.' + k, f[k]); }),
      el('button', { type: 'submit', text: t('find') }));
    var filter = {};
    Object.keys(f).forEach(function (k) { filter[k] = params.get(k) || ''; });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var o = {};
      Object.keys(f).forEach(function (k) { o[k] = f[k].value.trim(); });
      K.go('#/audit' + qs(o));
    });
    var verify = el('span', { id: 'au-verify', class: 'meta' });
    var out = el('div');
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.audit') }),
      el('span', {}, el('a', { class: 'button', href: '/api/v1/audit.csv' + qs(filter), download: 'audit.csv', text: t('au.export') }), ' ',
         K.button('au.verify', function () {
           K.api('GET', '/api/v1/audit/verify').then(function (v) {
             var saved = v.saved_head ? ' · ' + t('au.saved', v.saved_head.seq, K.time(v.saved_head.at)) : '';
             verify.textContent = (v.ok ? t('au.ok', v.entries) : t('au.bad', v.first_bad.seq, v.first_bad.message)) + saved;
             verify.className = v.ok ? 'meta ok' : 'meta error';
           }, function (err) { K.status(err.message, true); });
         }), ' ', verify)), form, out]);
    filter.limit = '200';
    K.api('GET', '/api/v1/audit' + qs(filter)).then(function (j) {
      out.appendChild(el('p', { class: 'meta', text: t('au.count', j.total, j.entries.length) }));
      out.appendChild(grid(['au.seq', 'au.at', 'au.actor', 'au.action', 'au.object', 'au.summary'],
        j.entries.map(function (e) {
          return el('tr', {}, el('td', { text: e.seq }), el('td', { text: K.time(e.at) }),
            el('td', { text: e.actor }), el('td', { text: e.action }), el('td', { text: e.object }),
            el('td', { text: e.summary }));
        })));
    }, function (err) { K.status(err.message, true); });
  }, '#/audit');

  /* --- backups --- */

  K.route('backups', /^\/backups$/, ['auditor', 'admin'], function (view) {
    var out = el('div');
    var admin = K.has('admin');
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.backups') }),
      admin ? K.button('bk.create', function () {
        K.api('POST', '/api/v1/backups').then(function (b) {
          K.status(t('bk.made', b.file)); K.render();
        }, function (err) { K.status(err.message, true); });
      }, 'primary') : null), out]);
    K.api('GET', '/api/v1/backups').then(function (j) {
      out.appendChild(grid(['bk.id', 'bk.at', 'bk.file', 'bk.size', 'bk.docs', 'au.actor', 'bk.status', 'bk.verified', ''],
        j.backups.map(function (b) {
          return el('tr', {}, el('td', { text: b.id }), el('td', { text: K.time(b.at) }),
            el('td', { class: 'mono', text: b.file }), el('td', { text: (b.size / 1048576).toFixed(1) + ' MiB' }),
            el('td', { text: b.docs }), el('td', { text: K.who(b.by || b.actor, b.on_behalf_of) }), el('td', {}, K.badge('bks', b.status)),
            el('td', { text: b.verified_at ? K.time(b.verified_at) + ' · ' + b.verify_result : '' }),
            el('td', {}, b.status === 'ok' ? K.button('bk.verify', function () {
              K.api('POST', '/api/v1/backups/' + b.id + '/verify').then(function (v) {
                K.status(v.ok ? t('bk.ok', b.id) : t('bk.bad', b.id, v.result || ''), !v.ok); K.render();
              }, function (err) { K.status(err.message, true); });
            }, 'link') : null));
        })));
    }, function (err) { K.status(err.message, true); });
  }, '#/backups');
})();

/* Users (admins): create, change roles, reset a password, disable. */
(function () {
  var el = K.el, t = K.t;
  var ROLES = ['agent', 'engineer', 'approver', 'auditor', 'admin'];

  function roleBoxes(prefix, have) {
    return el('fieldset', { class: 'field roles' }, el('legend', { text: t('us.roles') }),
      ROLES.map(function (r) {
        return el('span', { class: 'check' },
          el('input', { type: 'checkbox', id: prefix + r, value: r, checked: have.indexOf(r) >= 0 }),
          el('label', { for: prefix + r, text: K.label('role', r) }));
      }));
  }
  function picked(box) {
    return Array.prototype.map.call(box.querySelectorAll('input:checked'), function (i) { return i.value; });
  }

  K.route('users', /^\/users$/, ['admin'], function (view) {
    var name = el('input', { id: 'us-name', required: true, autocomplete: 'off' });
    var pass = el('input', { id: 'us-pass', type: 'password', required: true, autocomplete: 'new-password' });
    var roles = roleBoxes('us-new-', ['agent']);
    var form = el('form', { class: 'card' }, el('h3', { text: t('us.new') }),
      el('div', { class: 'cols' }, K.field('login.user', name), K.field('login.pass', pass)), roles,
      el('button', { type: 'submit', class: 'primary', text: t('us.create') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('POST', '/api/v1/users', { username: name.value.trim(), password: pass.value, roles: picked(roles) })
        .then(function () { K.status(t('done')); K.render(); }, function (err) { K.status(err.message, true); });
    });
    var list = el('div');
    /* the desk's settings: its time zone (the day of incident numbers and reports, the
     * hours of the business calendar) and the document numbering rule */
    var zones = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Macau', 'Asia/Singapore',
      'Asia/Tokyo', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'UTC'];
    var zone = el('input', { id: 'set-zone', list: 'set-zones', placeholder: 'Asia/Shanghai', size: '22',
                             autocomplete: 'off', spellcheck: 'false' });
    var zoneNow = el('small', { class: 'hint', id: 'set-zone-now' });
    var rule = el('input', { id: 'set-rule', size: '40' });
    var settings = el('form', { class: 'card' }, el('h3', { text: t('set.title') }),
      el('datalist', { id: 'set-zones' }, zones.map(function (z) { return el('option', { value: z }); })),
      el('div', { class: 'cols' }, K.field('set.zone', zone, t('set.zone.hint')),
         K.field('set.rule', rule, t('set.rule.hint'))), zoneNow,
      el('button', { type: 'submit', text: t('save') }));
    function showZone(j) {
      zone.value = j.time_zone;
      zoneNow.textContent = j.utc_offset ? t('set.zone.now', j.utc_offset, j.abbreviation) : j.problem || '';
    }
    K.api('GET', '/api/v1/settings/time-zone').then(showZone);
    K.api('GET', '/api/v1/settings/doc-number-rule').then(function (j) { rule.value = j.rule; });
    settings.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('PUT', '/api/v1/settings/time-zone', { time_zone: zone.value.trim() })
        .then(function (j) { showZone(j); return K.api('PUT', '/api/v1/settings/doc-number-rule', { rule: rule.value.trim() }); })
        .then(function () { K.status(t('done')); loadCalendar(); }, function (err) { K.status(err.message, true); });
    });
    /* the business calendar: working hours, public holidays and make-up working days that
     * business-hours SLA targets count (one rule a line, see the hint) */
    var cal = el('textarea', { id: 'set-calendar', rows: '14', class: 'editor calendar', spellcheck: 'false',
                               'aria-describedby': 'set-calendar-hint' });
    var calInfo = el('p', { class: 'meta', id: 'set-calendar-info' });
    var calStale = el('p', { class: 'hint warn', id: 'set-calendar-stale', hidden: true });
    var calendar = el('form', { class: 'card', id: 'set-calendar-form' }, el('h3', { text: t('cal.title') }),
      el('p', { class: 'hint', id: 'set-calendar-hint', text: t('cal.hint') }),
      el('label', { for: 'set-calendar', class: 'offscreen', text: t('cal.title') }), cal, calInfo, calStale,
      el('button', { type: 'submit', class: 'primary', text: t('cal.save') }));
    function showCalendar(j) {
      cal.value = j.calendar;
      var hours = Math.round(j.weekly_hours * 10) / 10;
      calInfo.textContent = (j.first_day
        ? t('cal.info', hours, j.holidays, j.workdays, j.first_day, j.last_day, j.time_zone)
        : t('cal.info.none', hours, j.time_zone)) + (j.default ? ' ' + t('cal.default') : '');
      var year = new Date().getFullYear();
      var last = j.last_day ? parseInt(j.last_day.slice(0, 4), 10) : 0;
      calStale.hidden = !(j.first_day && last < year);
      calStale.textContent = t('cal.stale', j.last_day || '', year);
    }
    function loadCalendar() { K.api('GET', '/api/v1/settings/calendar').then(showCalendar); }
    loadCalendar();
    calendar.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('PUT', '/api/v1/settings/calendar', { calendar: cal.value })
        .then(function (j) { showCalendar(j); K.status(t('cal.saved')); }, function (err) {
          /* the line from the English message; the detail in the page's language */
          var m = /^line (\d+): (.*)$/.exec(err.en || '');
          var d = /^(?:line \d+: |第 \d+ 行：)(.*)$/.exec(err.message);
          K.status(m && d ? t('cal.bad.line', m[1], d[1]) : t('cal.bad', err.message), true);
          if (m) { /* put the cursor on the line named */
            var lines = cal.value.split('\n'), at = 0;
            for (var i = 0; i < parseInt(m[1], 10) - 1 && i < lines.length; i++) at += lines[i].length + 1;
            cal.focus();
            cal.setSelectionRange(at, at + (lines[parseInt(m[1], 10) - 1] || '').length);
          }
        });
    });
    K.add(view, [el('h2', { text: t('nav.users') }), form, list, settings, calendar]);
    K.api('GET', '/api/v1/users').then(function (j) {
      j.users.forEach(function (u) {
        var box = roleBoxes('us-' + u.username + '-', u.roles);
        var pw = el('input', { id: 'us-pw-' + u.username, type: 'password', autocomplete: 'new-password' });
        var send = function (body) {
          K.api('PATCH', '/api/v1/users/' + encodeURIComponent(u.username), body)
            .then(function () { K.status(t('done')); K.render(); }, function (err) { K.status(err.message, true); });
        };
        list.appendChild(el('article', { class: 'card' },
          el('div', { class: 'hit-head' }, el('strong', { text: u.username }),
             u.disabled ? K.badge('reqstate', 'rejected') : null,
             el('span', { class: 'meta', text: t('us.created', K.time(u.created)) })),
          box,
          el('div', { class: 'form-actions' },
            K.button('us.save.roles', function () { send({ roles: picked(box) }); }),
            K.field('us.newpass', pw),
            K.button('us.set.pass', function () { if (pw.value) send({ password: pw.value }); }),
            K.button(u.disabled ? 'us.enable' : 'us.disable', function () { send({ disabled: !u.disabled }); }))));
      });
    }, function (err) { K.status(err.message, true); });
  }, '#/users');
})();
