/* Callers: the directory (search by name or any part of a number, a caller with their open
 * and recent incidents, new and edit), and the caller card that pops up on the new-incident
 * form while a number or a name is typed. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var WRITERS = ['agent', 'engineer', 'admin'];
  var PAGE = 50;

  function vipBadge(c) {
    return c.vip ? el('span', { class: 'badge vip', title: t('caller.vip'), text: 'VIP' }) : null;
  }

  function incidentList(list, emptyKey) {
    var ul = el('ul', { class: 'caller-incidents' });
    list.forEach(function (i) {
      ul.appendChild(el('li', {},
        el('a', { href: '#/incidents/' + encodeURIComponent(i.number), text: i.number }), ' ',
        K.badge('ist', i.status), ' ', K.badge('prio', i.priority), ' ',
        el('span', { text: i.summary }),
        el('span', { class: 'meta', text: ' · ' + K.time(i.created_at) })));
    });
    if (!list.length) ul.appendChild(el('li', { class: 'meta', text: t(emptyKey) }));
    return ul;
  }

  /* A caller's details and incidents (GET /api/v1/callers/{id}). */
  function details(c) {
    var dl = el('dl', { class: 'fields' });
    [['caller.phones', c.phones.join('、')], ['inc.department', c.department],
     ['inc.location', c.location], ['caller.email', c.email], ['caller.notes', c.notes]
    ].forEach(function (p) {
      if (!p[1]) return;
      dl.appendChild(el('dt', { text: t(p[0]) }));
      dl.appendChild(el('dd', { class: p[0] === 'caller.notes' ? 'notes' : '', text: p[1] }));
    });
    return [dl,
      el('h4', { text: t('caller.assets') }), K.callerAssets(c.id),
      el('h4', { text: t('caller.open', c.open_incidents.length) }),
      incidentList(c.open_incidents, 'caller.open.none'),
      el('h4', { text: t('caller.recent') }),
      incidentList(c.recent_incidents, 'caller.recent.none')];
  }

  function digits(s) { return (s || '').replace(/\D/g, ''); }

  /* --- the caller card on the new-incident form --- */

  /* f: the form's inputs (caller_name, caller_phone, department, location). Returns the
   * card's element; it stays hidden until a number (4 digits or more) or a name (a Chinese
   * character or two letters) finds someone. "Use" copies the caller into the fields: the
   * incident keeps them as they are then. */
  K.callerCard = function (f) {
    var box = el('section', { id: 'caller-card', class: 'caller-card', hidden: true,
                              'aria-live': 'polite', 'aria-label': t('caller.card') });
    var timer = 0, seq = 0;

    function query(src) {
      var v = src.value.trim();
      if (src === f.caller_phone) return digits(v).length >= 4 ? v : '';
      return /[\u3400-\u9fff]/.test(v) || v.length >= 2 ? v : '';
    }
    function hide() {
      box.hidden = true;
      K.clear(box);
    }
    function lookup(src) {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = query(src), mine = ++seq;
        if (!q) { hide(); return; }
        K.api('GET', '/api/v1/callers?limit=5&q=' + encodeURIComponent(q)).then(function (j) {
          if (mine !== seq) return;
          if (!j.callers.length) { hide(); return; }
          open(j.callers, 0, mine);
        }, function (err) { if (mine === seq) K.status(err.message, true); });
      }, 250);
    }
    function open(list, k, mine) {
      K.api('GET', '/api/v1/callers/' + list[k].id).then(function (c) {
        if (mine === seq) render(list, k, c, mine);
      }, function (err) { if (mine === seq) K.status(err.message, true); });
    }
    function render(list, k, c, mine) {
      K.clear(box);
      box.hidden = false;
      var others = list.filter(function (x, i) { return i !== k; });
      K.add(box, [
        el('div', { class: 'hit-head' },
          el('strong', { class: 'caller-name', text: c.name }), vipBadge(c),
          el('span', { class: 'meta', text: c.department }),
          el('button', { type: 'button', class: 'apply', id: 'caller-use', text: t('caller.use'),
                         on: { click: function () { use(c); } } }),
          el('button', { type: 'button', class: 'link', text: t('close'),
                         on: { click: function () { seq++; hide(); } } })),
        details(c),
        others.length ? el('p', { class: 'meta' }, t('caller.others') + ' ', others.map(function (o) {
          return el('button', { type: 'button', class: 'link caller-other',
                                text: o.name + (o.department ? '（' + o.department + '）' : ''),
                                on: { click: function () { open(list, list.indexOf(o), mine); } } });
        })) : null]);
    }
    function use(c) {
      /* the number that was typed, or the caller's number holding its digits, else the first */
      var typed = digits(f.caller_phone.value);
      var phone = c.phones[0] || '';
      for (var i = 0; typed && i < c.phones.length; i++) {
        if (digits(c.phones[i]).indexOf(typed) >= 0) { phone = c.phones[i]; break; }
      }
      f.caller_name.value = c.name;
      f.caller_phone.value = phone;
      f.department.value = c.department;
      f.location.value = c.location;
      seq++;
      hide();
      K.status(t('caller.used', c.name));
    }
    f.caller_name.addEventListener('input', function () { lookup(f.caller_name); });
    f.caller_phone.addEventListener('input', function () { lookup(f.caller_phone); });
    /* fills the form with caller id (the caller page's "new incident") */
    box.useCaller = function (id) {
      K.api('GET', '/api/v1/callers/' + encodeURIComponent(id)).then(use, function (err) {
        K.status(err.message, true);
      });
    };
    return box;
  };

  /* --- the directory --- */

  K.route('callers', /^\/callers$/, null, function (view, args, params) {
    var q = el('input', { id: 'c-q', type: 'search', value: params.get('q') || '',
                          placeholder: t('caller.q.placeholder'), maxlength: '200' });
    var tbody = el('tbody');
    var count = el('p', { class: 'meta' });
    var pager = el('p', { class: 'form-actions' });
    var form = el('form', { class: 'filters', role: 'search' },
      K.field('caller.q', q), el('button', { type: 'submit', text: t('find') }));
    var table = el('table', { class: 'grid callers' },
      el('thead', {}, el('tr', {}, ['caller.name', 'caller.phones', 'inc.department', 'inc.location',
        'caller.email'].map(function (k) { return el('th', { scope: 'col', text: t(k) }); }))), tbody);
    K.add(view, [
      el('div', { class: 'page-head' }, el('h2', { text: t('nav.callers') }),
         K.has.apply(null, WRITERS) ? el('a', { class: 'button', href: '#/callers/new',
                                               text: t('caller.new') }) : null),
      form, count, el('div', { class: 'scroll' }, table), pager]);
    q.focus();
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var v = q.value.trim();
      K.go('#/callers' + (v ? '?q=' + encodeURIComponent(v) : ''));
    });
    var offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
    function page(to) {
      var p = new URLSearchParams(params);
      if (to > 0) p.set('offset', String(to)); else p.delete('offset');
      K.go('#/callers' + (p.toString() ? '?' + p : ''));
    }
    var url = '/api/v1/callers?limit=' + PAGE + '&offset=' + offset;
    if (params.get('q')) url += '&q=' + encodeURIComponent(params.get('q'));
    K.api('GET', url).then(function (j) {
      count.textContent = t('caller.count', j.total);
      j.callers.forEach(function (c) {
        tbody.appendChild(el('tr', {},
          el('td', {}, el('a', { href: '#/callers/' + c.id, text: c.name }), ' ', vipBadge(c)),
          el('td', { text: c.phones.join('、') }), el('td', { text: c.department }),
          el('td', { text: c.location }), el('td', { text: c.email })));
      });
      if (!j.callers.length) tbody.appendChild(el('tr', {}, el('td', { colspan: '5', class: 'empty', text: t('none') })));
      if (offset > 0) pager.appendChild(K.button('prev', function () { page(Math.max(0, offset - PAGE)); }));
      if (offset + j.callers.length < j.total) pager.appendChild(K.button('next', function () { page(offset + PAGE); }));
    }, function (err) { K.status(err.message, true); });
  }, '#/callers');

  /* The form for a new caller (c null) or a change to c. */
  function editor(view, c) {
    var f = {
      name: el('input', { id: 'ce-name', required: true, maxlength: '200', value: c ? c.name : '' }),
      phones: el('textarea', { id: 'ce-phones', rows: '3' }),
      email: el('input', { id: 'ce-email', type: 'email', maxlength: '254', value: c ? c.email : '' }),
      department: el('input', { id: 'ce-department', maxlength: '200', value: c ? c.department : '' }),
      location: el('input', { id: 'ce-location', maxlength: '200', value: c ? c.location : '' }),
      notes: el('textarea', { id: 'ce-notes', rows: '3' })
    };
    f.phones.value = c ? c.phones.join('\n') : '';
    f.notes.value = c ? c.notes : '';
    var vip = el('input', { type: 'checkbox', id: 'ce-vip', checked: c && c.vip });
    var form = el('form', { class: 'card caller-form' },
      el('h3', { text: c ? t('caller.edit') : t('caller.new') }),
      el('div', { class: 'cols' }, K.field('caller.name', f.name), K.field('caller.email', f.email),
         K.field('inc.department', f.department), K.field('inc.location', f.location)),
      K.field('caller.phones', f.phones, t('caller.phones.hint')),
      el('div', { class: 'check' }, vip, el('label', { for: 'ce-vip', text: t('caller.vip') })),
      K.field('caller.notes', f.notes),
      el('div', { class: 'form-actions' },
        el('button', { type: 'submit', class: 'primary', text: t('save') }),
        el('a', { href: c ? '#/callers/' + c.id : '#/callers', text: t('cancel') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {
        name: f.name.value.trim(), email: f.email.value.trim(),
        department: f.department.value.trim(), location: f.location.value.trim(),
        notes: f.notes.value.trim(), vip: vip.checked,
        phones: f.phones.value.split(/[\n;；、]+/).map(function (s) { return s.trim(); })
          .filter(function (s) { return s; })
      };
      K.api(c ? 'PATCH' : 'POST', '/api/v1/callers' + (c ? '/' + c.id : ''), body).then(function (r) {
        K.go('#/callers/' + r.id);
        K.status(t('caller.saved', r.name));
      }, function (err) { K.status(err.message, true); });
    });
    view.appendChild(form);
    f.name.focus();
  }

  K.route('caller-new', /^\/callers\/new$/, WRITERS, function (view) {
    view.appendChild(el('h2', { text: t('caller.new') }));
    editor(view, null);
  });

  K.route('caller', /^\/callers\/(\d+)$/, null, function (view, args) {
    K.api('GET', '/api/v1/callers/' + args[0]).then(function (c) {
      K.clear(view);
      var side = el('div', {});
      K.add(view, [
        el('div', { class: 'page-head' },
          el('h2', {}, c.name, ' ', vipBadge(c)),
          K.has('agent', 'admin') ? el('a', { class: 'button', href: '#/incidents/new?caller=' + c.id,
                                              text: t('caller.new.incident') }) : null),
        el('div', { class: 'split caller-page' },
          el('div', {}, details(c),
             el('p', { class: 'meta', text: t('caller.stamp', K.time(c.created_at), c.created_by,
                                               K.time(c.updated_at), c.updated_by) })),
          side)]);
      if (K.has.apply(null, WRITERS)) editor(side, c);
    }, function (err) { K.status(err.message, true); });
  });
})();
