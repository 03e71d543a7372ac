/* Satisfaction surveys (满意度调查): campaigns per period and department with their
 * questions; recipients get one-time links (shown once, to be sent by the desk); the
 * results per question and department. Agents and admins run surveys; everyone reads the
 * results. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var RUNNERS = ['agent', 'admin'];

  function grid(id, heads, rows, empty) {
    var tbody = el('tbody', {}, rows);
    if (!rows.length) tbody.appendChild(el('tr', {}, el('td', { colspan: String(heads.length), class: 'empty', text: t(empty || 'none') })));
    return el('div', { class: 'scroll' }, el('table', { class: 'grid', id: id },
      el('thead', {}, el('tr', {}, heads.map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))), tbody));
  }
  function avg(v) { return v === null || v === undefined ? '—' : v.toFixed(2); }

  K.route('surveys', /^\/surveys$/, null, function (view) {
    var list = el('div', { id: 'sv-list' });
    K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: t('nav.surveys') })),
      el('p', { class: 'hint', text: t('sv.intro') })]);
    if (K.has.apply(null, RUNNERS)) {
      var name = el('input', { id: 'svn-name', maxlength: '200', required: true });
      var dept = el('input', { id: 'svn-dept', maxlength: '200' });
      var from = el('input', { id: 'svn-from', type: 'date', required: true });
      var to = el('input', { id: 'svn-to', type: 'date', required: true });
      var intro = el('textarea', { id: 'svn-intro', rows: '2', maxlength: '2000' });
      var qs = el('textarea', { id: 'svn-questions', rows: '5', required: true });
      var form = el('form', { class: 'card', id: 'sv-new' }, el('h3', { text: t('sv.new') }),
        K.field('sv.name', name), K.field('sv.department', dept), K.field('sv.from', from), K.field('sv.to', to),
        K.field('sv.intro.label', intro), K.field('sv.questions', qs, t('sv.questions.hint')),
        el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', text: t('sv.create') })));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var questions = qs.value.split('\n').map(function (l) { return l.trim(); }).filter(Boolean).map(function (l) {
          var text = /^(文字|text)[:：]/i.test(l);
          return { text: l.replace(/^(文字|text)[:：]\s*/i, ''), kind: text ? 'text' : 'rating', required: !text };
        });
        K.api('POST', '/api/v1/surveys', { name: name.value.trim(), department: dept.value.trim() || undefined,
          period_from: from.value, period_to: to.value, intro: intro.value.trim() || undefined, questions: questions })
          .then(function (s) { K.go('#/surveys/' + s.id); }, function (err) { K.status(err.message, true); });
      });
      view.appendChild(form);
    }
    view.appendChild(list);
    K.api('GET', '/api/v1/surveys?limit=200').then(function (j) {
      list.appendChild(grid('sv-table', ['sv.name', 'sv.department', 'sv.period', 'sv.answered', 'sv.state'],
        j.surveys.map(function (s) {
          return el('tr', {}, el('td', {}, el('a', { href: '#/surveys/' + s.id, text: s.name })),
            el('td', { text: s.department || t('sv.all.depts') }), el('td', { text: s.period_from + ' – ' + s.period_to }),
            el('td', { text: s.answered + ' / ' + s.recipients }), el('td', { text: s.closed ? t('sv.closed') : t('sv.open') }));
        }), 'sv.none'));
    }, function (err) { K.status(err.message, true); });
  }, '#/surveys');

  K.route('surveys', /^\/surveys\/(\d+)$/, null, function (view, args) {
    var id = args[0];
    K.api('GET', '/api/v1/surveys/' + id + '/results').then(function (r) {
      K.add(view, [el('div', { class: 'page-head' }, el('h2', { text: r.name }),
        el('span', { class: 'badges' }, el('span', { class: 'badge', text: r.closed ? t('sv.closed') : t('sv.open') }))),
        el('p', { class: 'meta', text: (r.department || t('sv.all.depts')) + ' · ' + r.period_from + ' – ' + r.period_to +
          ' · ' + t('sv.answered.n', r.answered, r.recipients) })]);
      var res = el('div', { id: 'sv-results' }, el('h3', { text: t('sv.results') }));
      r.questions.forEach(function (q, i) {
        var box = el('div', { class: 'card' }, el('h4', { text: (i + 1) + '. ' + q.text }));
        if (q.kind === 'rating') {
          box.appendChild(el('p', { text: t('sv.avg', avg(q.average), q.answers) }));
          box.appendChild(el('p', { class: 'meta', text: [5, 4, 3, 2, 1].map(function (k) { return k + '★ ' + q.distribution[k]; }).join(' · ') }));
        } else {
          box.appendChild(el('ul', {}, q.texts.map(function (x) { return el('li', { text: x }); })));
        }
        res.appendChild(box);
      });
      var rated = r.questions.map(function (q, i) { return q.kind === 'rating' ? i : -1; }).filter(function (i) { return i >= 0; });
      res.appendChild(el('h3', { text: t('sv.by.dept') }));
      res.appendChild(grid('sv-depts', ['sv.department', 'sv.answered'].concat(rated.map(function (i) { return 'Q' + (i + 1); })),
        r.departments.map(function (d) {
          return el('tr', {}, el('td', { text: d.department || '—' }), el('td', { text: d.answered + ' / ' + d.recipients }),
            rated.map(function (i) { return el('td', { text: avg(d.averages[i]) }); }));
        })));
      view.appendChild(res);
      if (K.has.apply(null, RUNNERS) && !r.closed) {
        var people = el('textarea', { id: 'svr-people', rows: '4' });
        var days = el('input', { id: 'svr-days', type: 'number', min: '1', max: '366', value: '30' });
        var links = el('div', { id: 'sv-links' });
        var form = el('form', { class: 'card', id: 'sv-recipients' }, el('h3', { text: t('sv.add.recipients') }),
          K.field('sv.recipients', people, t('sv.recipients.hint')), K.field('sv.days', days),
          el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', text: t('sv.make.links') })), links);
        form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          var rs = people.value.split('\n').map(function (l) { return l.trim(); }).filter(Boolean).map(function (l) {
            var p = l.split(/[,，\t]/).map(function (x) { return x.trim(); });
            return { name: p[0], department: p[1] || undefined, contact: p[2] || undefined };
          });
          K.api('POST', '/api/v1/surveys/' + id + '/recipients', { recipients: rs, days: Number(days.value) || 30 }).then(function (j) {
            K.clear(links);
            links.appendChild(el('p', { class: 'hint', text: t('sv.links.once') }));
            links.appendChild(el('ul', {}, j.links.map(function (l) {
              var url = location.origin + l.url;
              return el('li', {}, l.name + '：', el('a', { href: url, class: 'sv-link', target: '_blank', rel: 'noopener noreferrer', text: url }));
            })));
          }, function (err) { K.status(err.message, true); });
        });
        view.appendChild(form);
        view.appendChild(el('div', { class: 'form-actions' }, K.button('sv.close', function () {
          K.api('POST', '/api/v1/surveys/' + id + '/close').then(function () { K.render(); }, function (err) { K.status(err.message, true); });
        })));
      }
    }, function (err) { K.status(err.message, true); });
  });
})();
