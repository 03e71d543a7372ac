/* Knowledge: the Markdown editor with the server's live preview, drafts and submission,
 * version history with differences, and the approvers' review queue (articles and
 * document requests). */
'use strict';

(function () {
  var el = K.el, t = K.t;

  /* the known error's headings are the server's section table (K.sections), in its order */
  var TEMPLATES = {
    known_error: '---\ntype: known_error\ntitle: \nproducts: []\nerror_codes: []\ntags: []\n' +
      'owner: \nnext_review: \n---\n',
    article: '---\ntype: article\ntitle: \ntags: []\nowner: \n---\n# \n\n',
    document: '---\nid: \ntype: document\ntitle: \nversion: "1.0"\ndoc_type: procedure\n' +
      'storage_location: \nretention_period: \nowner: \ndescription: \n---\n# \n\n'
  };

  function template(type) {
    if (type !== 'known_error') return TEMPLATES[type];
    return TEMPLATES.known_error + K.sections.map(function (s) {
      return '## ' + s.label.zh + '\n';
    }).join('\n');
  }

  /* Line differences (longest common subsequence): [{op: ' '|'-'|'+', text}] */
  K.diff = function (a, b) {
    var x = a.split('\n'), y = b.split('\n');
    var n = x.length, m = y.length;
    if (n * m > 4000000) return [{ op: '-', text: a }, { op: '+', text: b }];
    var L = [];
    for (var i = 0; i <= n; i++) L.push(new Uint32Array(m + 1));
    for (i = n - 1; i >= 0; i--) {
      for (var j = m - 1; j >= 0; j--) {
        L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
      }
    }
    var out = [];
    i = 0; j = 0;
    while (i < n && j < m) {
      if (x[i] === y[j]) { out.push({ op: ' ', text: x[i] }); i++; j++; }
      else if (L[i + 1][j] >= L[i][j + 1]) out.push({ op: '-', text: x[i++] });
      else out.push({ op: '+', text: y[j++] });
    }
    while (i < n) out.push({ op: '-', text: x[i++] });
    while (j < m) out.push({ op: '+', text: y[j++] });
    return out;
  };

  K.renderDiff = function (a, b) {
    var pre = el('pre', { class: 'diff', 'aria-label': t('diff') });
    K.diff(a, b).forEach(function (d) {
      pre.appendChild(el('span', { class: d.op === '+' ? 'ins' : d.op === '-' ? 'del' : 'same',
                                   text: d.op + ' ' + d.text + '\n' }));
    });
    return pre;
  };

  /* --- the editor --- */

  function editor(view, id) {
    var source = el('textarea', { id: 'ed-source', class: 'editor', rows: '24', spellcheck: 'false',
                                  'aria-describedby': 'ed-problem' });
    var preview = el('div', { id: 'ed-preview', class: 'doc preview', 'aria-live': 'polite' });
    var problem = el('p', { id: 'ed-problem', class: 'status' });
    var comment = el('input', { id: 'ed-comment', maxlength: '2000' });
    var state = el('p', { class: 'meta' });
    var type = el('select', { id: 'ed-type' }, ['known_error', 'article', 'document'].map(function (v) {
      return el('option', { value: v, text: K.label('type', v) });
    }));
    var timer = 0, seq = 0;
    function renderPreview() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++seq;
        K.api('POST', '/api/v1/kb/preview', { source: source.value }).then(function (j) {
          if (mine !== seq) return;
          if (j.ok) {
            preview.innerHTML = j.html; /* rendered and sanitised by the server */
            problem.textContent = '';
            problem.classList.remove('error');
          } else {
            problem.textContent = t('ed.problem', j.line,
                                    K.lang === 'zh' && j.message_zh ? j.message_zh : j.message);
            problem.classList.add('error');
          }
        }, function (err) {
          if (mine !== seq) return;
          problem.textContent = err.message; /* e.g. 413: a table past the Markdown limits */
          problem.classList.add('error');
        });
      }, 300);
    }
    function save(submit) {
      var body = { source: source.value, comment: comment.value.trim() || undefined, submit: submit };
      var req = id ? K.api('PUT', '/api/v1/kb/' + encodeURIComponent(id), body)
                   : K.api('POST', '/api/v1/kb', body);
      req.then(function (v) {
        K.status(t(submit ? 'ed.submitted' : 'ed.saved', v.id, v.n));
        K.go('#/kb/' + encodeURIComponent(v.id) + '/history');
      }, function (err) { K.status(err.message, true); });
    }
    source.addEventListener('input', renderPreview);
    type.addEventListener('change', function () {
      if (!id) { source.value = template(type.value); renderPreview(); }
    });
    K.add(view, [
      el('h2', { text: id ? t('ed.edit', id) : t('ed.new') }), state,
      el('div', { class: 'editor-bar' }, id ? null : K.field('ed.type', type),
         K.field('ed.comment', comment)),
      el('div', { class: 'split editor-split' },
        el('div', {}, el('label', { for: 'ed-source', text: t('ed.source') }), source, problem),
        el('section', { 'aria-label': t('ed.preview') }, el('h3', { text: t('ed.preview') }), preview)),
      el('div', { class: 'form-actions' },
        K.button('ed.save', function () { save(false); }),
        K.button('ed.submit', function () { save(true); }, 'primary'),
        id ? el('a', { href: '#/kb/' + encodeURIComponent(id) + '/history', text: t('history') }) : null)]);
    if (id) {
      K.api('GET', '/api/v1/kb/' + encodeURIComponent(id) + '/versions').then(function (j) {
        var last = j.versions[j.versions.length - 1];
        state.textContent = t('ed.latest', last.n, K.label('state', last.state));
        return K.api('GET', '/api/v1/kb/' + encodeURIComponent(id) + '/versions/' + last.n);
      }).then(function (v) { source.value = v.source; renderPreview(); },
              function (err) { K.status(err.message, true); });
    } else {
      source.value = template('known_error');
      renderPreview();
    }
    source.focus();
  }

  /* The author's work in progress above the editor. */
  function drafts(view) {
    var box = el('details', { class: 'card drafts' }, el('summary', { text: t('ed.mine') }));
    view.appendChild(box);
    K.api('GET', '/api/v1/reviews/drafts?author=' + encodeURIComponent(K.me.username)).then(function (j) {
      box.querySelector('summary').textContent = t('ed.mine') + ' (' + j.total + ')';
      if (j.total) box.open = true;
      box.appendChild(el('ul', {}, j.drafts.map(function (v) {
        return el('li', {}, el('a', { href: '#/edit/' + encodeURIComponent(v.id), text: v.id + ' ' + v.title }), ' ',
                  K.badge('state', v.state), v.decision ? ' — ' + v.decision : '', ' ',
                  el('a', { href: '#/kb/' + encodeURIComponent(v.id) + '/history', text: t('history') }));
      })));
    }, function (err) { K.status(err.message, true); });
  }

  K.route('write', /^\/edit$/, ['engineer', 'admin'], function (view) { drafts(view); editor(view, null); }, '#/edit');
  K.route('edit', /^\/edit\/([^/]+)$/, ['engineer', 'admin'], function (view, args) { editor(view, args[0]); });

  /* --- versions and differences --- */

  K.versionTable = function (versions, onPick) {
    var tbody = el('tbody');
    versions.slice().reverse().forEach(function (v) {
      var a = el('input', { type: 'radio', name: 'va', value: String(v.n), 'aria-label': t('diff.from') + ' ' + v.n });
      var b = el('input', { type: 'radio', name: 'vb', value: String(v.n), 'aria-label': t('diff.to') + ' ' + v.n });
      tbody.appendChild(el('tr', {},
        el('td', {}, a, b), el('td', { text: v.n }), el('td', { text: v.version }),
        el('td', {}, K.badge('state', v.state)),
        el('td', { text: v.saved_by + ' · ' + K.time(v.saved_at) }),
        el('td', { text: (v.decided_by ? v.decided_by + ' · ' + K.time(v.decided_at) : '') +
                         (v.decision ? ' — ' + v.decision : '') }),
        el('td', { text: (v.effective_from || '') + (v.effective_from ? ' → ' + (v.effective_to || t('now')) : '') }),
        el('td', { text: v.request || v.origin }),
        el('td', {}, K.button('view', function () { onPick(v.n); }, 'link'))));
    });
    return el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, ['diff.pick', 'ver.n', 'version', 'ver.state', 'ver.saved',
        'ver.decided', 'ver.current', 'ver.origin', ''].map(function (k) {
          return el('th', { scope: 'col', text: k ? t(k) : '' });
        }))), tbody);
  };

  K.route('history', /^\/kb\/([^/]+)\/history$/, null, function (view, args) {
    var id = args[0];
    var out = el('div', { id: 'version-view' });
    var base = '/api/v1/kb/' + encodeURIComponent(id) + '/versions';
    K.api('GET', base).then(function (j) {
      var pick = function (n) {
        K.api('GET', base + '/' + n).then(function (v) {
          K.clear(out);
          K.add(out, [el('h3', { text: t('ver.title', v.n, v.title) }), el('div', { class: 'doc', html: v.html || '' })]);
        }, function (err) { K.status(err.message, true); });
      };
      var table = K.versionTable(j.versions, pick);
      var cmp = K.button('diff.show', function () {
        var a = table.querySelector('input[name=va]:checked'), b = table.querySelector('input[name=vb]:checked');
        var ns = j.versions.map(function (v) { return v.n; });
        var na = a ? Number(a.value) : ns[Math.max(0, ns.length - 2)], nb = b ? Number(b.value) : ns[ns.length - 1];
        Promise.all([K.api('GET', base + '/' + na), K.api('GET', base + '/' + nb)]).then(function (vs) {
          K.clear(out);
          K.add(out, [el('h3', { text: t('diff.title', na, nb) }), K.renderDiff(vs[0].source, vs[1].source)]);
        }, function (err) { K.status(err.message, true); });
      });
      var last = j.versions[j.versions.length - 1];
      K.add(view, [
        el('div', { class: 'page-head' }, el('h2', { text: t('history') + ' · ' + id + ' ' + last.title }),
           el('span', {}, el('a', { href: '#/kb/' + encodeURIComponent(id), text: t('ver.current.link') }), ' ',
              K.has('engineer', 'admin') && last.origin === 'api' ? el('a', { class: 'button', href: '#/edit/' + encodeURIComponent(id), text: t('edit') }) : null,
              ' ', K.has('engineer', 'admin') && last.state === 'draft' ? K.button('ed.submit', function () {
                K.api('POST', '/api/v1/kb/' + encodeURIComponent(id) + '/submit').then(function () {
                  K.status(t('ed.submitted', id, last.n)); K.render();
                }, function (err) { K.status(err.message, true); });
              }, 'primary') : null)),
        el('div', { class: 'scroll' }, table), el('div', { class: 'form-actions' }, cmp), out]);
    }, function (err) { K.status(err.message, true); });
  });

  /* --- the review queue --- */

  K.route('reviews', /^\/reviews$/, ['engineer', 'approver', 'auditor', 'admin'], function (view) {
    var decide = K.has('approver', 'admin');
    var queue = el('div', { id: 'review-queue' });
    var reqs = el('div', { id: 'request-queue' });
    var due = el('div', { id: 'due-list' });
    K.add(view, [el('h2', { text: t('nav.reviews') }),
      el('h3', { text: t('rev.articles') }), queue,
      el('h3', { text: t('rev.requests') }), reqs,
      el('h3', { text: t('rev.due') }), due]);

    function decision(url, needComment) {
      return function (ev) {
        ev.preventDefault();
        var form = ev.target;
        var comment = form.querySelector('textarea').value.trim();
        var approve = ev.submitter ? ev.submitter.value === 'approve' : true;
        if (!approve && needComment && !comment) { K.status(t('rev.reason'), true); return; }
        K.api('POST', url + '/' + (approve ? 'approve' : 'reject'), { comment: comment || undefined })
          .then(function () { K.status(t('done')); K.render(); }, function (err) { K.status(err.message, true); });
      };
    }

    K.api('GET', '/api/v1/reviews').then(function (j) {
      if (!j.reviews.length) queue.appendChild(el('p', { class: 'empty', text: t('rev.none') }));
      j.reviews.forEach(function (v) {
        var body = el('div', { class: 'doc' });
        var card = el('article', { class: 'card review' },
          el('div', { class: 'hit-head' }, el('strong', { text: v.id + ' ' + v.title }),
             el('span', { class: 'badges' }, K.badge('type', v.type), K.badge('state', v.state))),
          el('p', { class: 'meta', text: t('rev.by', v.saved_by, K.time(v.submitted_at), v.n) + (v.comment ? ' — ' + v.comment : '') }),
          body);
        K.api('GET', '/api/v1/kb/' + encodeURIComponent(v.id) + '/versions/' + v.n).then(function (full) {
          body.innerHTML = full.html || ''; /* sanitised by the server */
          if (v.n > 1) {
            K.api('GET', '/api/v1/kb/' + encodeURIComponent(v.id) + '/versions/' + (v.n - 1)).then(function (prev) {
              card.appendChild(el('details', {}, el('summary', { text: t('rev.changes', v.n - 1) }),
                                  K.renderDiff(prev.source, full.source)));
            }, function () {});
          }
        });
        if (decide) {
          var c = el('textarea', { rows: '2', id: 'rc-' + v.id, 'aria-label': t('rev.comment') });
          card.appendChild(el('form', { class: 'decide', on: { submit: decision('/api/v1/reviews/' + encodeURIComponent(v.id), true) } },
            K.field('rev.comment', c),
            el('button', { type: 'submit', value: 'approve', class: 'primary', text: t('rev.approve') }),
            el('button', { type: 'submit', value: 'reject', text: t('rev.reject') })));
        }
        queue.appendChild(card);
      });
    }, function (err) { K.status(err.message, true); });

    K.api('GET', '/api/v1/document-requests?limit=200').then(function (j) {
      var open = j.requests.filter(function (r) { return r.state === 'pending' || r.state === 'approved' && r.kind === 'borrow' || r.state === 'lent'; });
      if (!open.length) reqs.appendChild(el('p', { class: 'empty', text: t('rev.none') }));
      open.forEach(function (r) {
        var card = el('article', { class: 'card review' },
          el('div', { class: 'hit-head' }, el('strong', {}, el('a', { href: '#/requests/' + encodeURIComponent(r.id), text: r.id }),
                                                            ' · ' + K.label('req', r.kind) + ' · ' + r.doc_no + ' ' + r.title,
                                                            r.current_step ? ' · ' + t('req.step.waiting', r.current_step, r.steps[r.current_step - 1].group) : ''),
             el('span', { class: 'badges' }, K.badge('reqstate', r.state), r.overdue ? K.badge('reqstate', 'overdue') : null)),
          el('p', { class: 'meta', text: t('req.by', r.requested_by, K.time(r.requested_at)) + ' — ' + r.reason +
                    (r.due ? ' · ' + t('req.due', r.due) : '') }));
        var url = '/api/v1/document-requests/' + encodeURIComponent(r.id);
        if (decide && r.state === 'pending') {
          if (r.kind === 'change') {
            card.appendChild(el('p', {}, el('a', { href: '#/kb/' + encodeURIComponent(r.doc_no) + '/history', text: t('req.proposed', r.version) })));
          }
          card.appendChild(el('form', { class: 'decide', on: { submit: decision(url, true) } },
            K.field('rev.comment', el('textarea', { rows: '2', id: 'dc-' + r.id })),
            el('button', { type: 'submit', value: 'approve', class: 'primary', text: t('rev.approve') }),
            el('button', { type: 'submit', value: 'reject', text: t('rev.reject') })));
        } else if (decide) {
          var step = r.state === 'approved' ? 'lend' : 'return';
          card.appendChild(K.button('req.' + step, function () {
            K.api('POST', url + '/' + step).then(function () { K.status(t('done')); K.render(); },
                                                 function (err) { K.status(err.message, true); });
          }, 'primary'));
        }
        reqs.appendChild(card);
      });
    }, function (err) { K.status(err.message, true); });

    K.api('GET', '/api/v1/reviews/due').then(function (j) {
      if (!j.due.length) { due.appendChild(el('p', { class: 'empty', text: t('rev.none') })); return; }
      due.appendChild(el('ul', {}, j.due.map(function (v) {
        return el('li', {}, el('a', { href: '#/kb/' + encodeURIComponent(v.id), text: v.id + ' ' + v.title }),
                  ' — ' + t('rev.due.at', v.next_review, v.owner || '—'));
      })));
    }, function (err) { K.status(err.message, true); });
  }, '#/reviews');
})();
