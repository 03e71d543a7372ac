/* Support groups and routing rules: every role sees them, admins change them. Also the
 * shared list of groups the incident pages fill their group and assignee choices from. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var CATEGORIES = [''].concat(K.CATEGORIES); /* '' = any (incidents.js owns the list) */

  /* The groups, fetched once per page view: K.groups().then(function (list) { ... }). */
  K.groups = function () {
    return K.api('GET', '/api/v1/groups').then(function (j) { return j.groups; });
  };

  /* The members of the group called name in list (all members of every group when name is
   * empty) who may be given work, sorted, each once: disabled accounts stay members until an
   * admin takes them out, but get nothing new. */
  K.groupMembers = function (list, name) {
    var seen = {};
    list.forEach(function (g) {
      if (name && g.name !== name) return;
      var off = g.disabled_members || [];
      g.members.forEach(function (m) { if (off.indexOf(m) < 0) seen[m] = true; });
    });
    return Object.keys(seen).sort();
  };

  function splitList(v) {
    return v.split(/[,，、\s]+/).map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function groupCard(g, admin) {
    var name = el('input', { id: 'g-name-' + g.name, value: g.name });
    var lead = el('input', { id: 'g-lead-' + g.name, value: g.lead || '' });
    var members = el('input', { id: 'g-members-' + g.name, value: g.members.join(', '), size: '50' });
    var card = el('article', { class: 'card group' },
      el('div', { class: 'hit-head' }, el('strong', { text: g.name }),
         el('span', { class: 'meta', text: t('grp.lead') + ' ' + (g.lead || '—') + ' · ' +
                      t('grp.count', g.members.length) })),
      el('p', { class: 'meta', text: g.members.map(function (m) {
        return (g.disabled_members || []).indexOf(m) >= 0 ? m + t('grp.disabled') : m;
      }).join('、') || t('none') }));
    if (!admin) return card;
    var form = el('form', {}, el('div', { class: 'cols' }, K.field('grp.name', name),
      K.field('grp.lead', lead), K.field('grp.members', members, t('grp.members.hint'))),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', text: t('save') })));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { members: splitList(members.value), lead: lead.value.trim() };
      if (name.value.trim() !== g.name) body.name = name.value.trim();
      K.api('PATCH', '/api/v1/groups/' + encodeURIComponent(g.name), body)
        .then(function () { K.status(t('done')); K.render(); }, function (err) { K.status(err.message, true); });
    });
    card.appendChild(form);
    return card;
  }

  /* One editable routing rule row. */
  function ruleRow(r, groups, i) {
    var cat = el('select', { id: 'r-cat-' + i });
    CATEGORIES.forEach(function (c) {
      cat.appendChild(el('option', { value: c, text: c ? K.label('cat', c) : t('all'), selected: c === (r.category || '') }));
    });
    var grp = el('select', { id: 'r-group-' + i });
    groups.forEach(function (g) { grp.appendChild(el('option', { value: g.name, text: g.name, selected: g.name === r.group })); });
    var row = el('tr', { class: 'rule' },
      el('td', {}, el('label', { class: 'sr-only', for: 'r-cat-' + i, text: t('inc.category') }), cat),
      el('td', {}, el('label', { class: 'sr-only', for: 'r-ci-' + i, text: t('inc.ci') }),
         el('input', { id: 'r-ci-' + i, value: r.ci || '', size: '10' })),
      el('td', {}, el('label', { class: 'sr-only', for: 'r-loc-' + i, text: t('inc.location') }),
         el('input', { id: 'r-loc-' + i, value: r.location || '', size: '8' })),
      el('td', {}, el('label', { class: 'sr-only', for: 'r-kw-' + i, text: t('grp.keywords') }),
         el('input', { id: 'r-kw-' + i, value: (r.keywords || []).join(', '), size: '24' })),
      el('td', {}, el('label', { class: 'sr-only', for: 'r-group-' + i, text: t('inc.group') }), grp),
      el('td', {}, K.button('grp.rule.remove', function () { row.remove(); }, 'link')));
    row.read = function () {
      return { category: cat.value, ci: row.querySelector('#r-ci-' + i).value.trim(),
               location: row.querySelector('#r-loc-' + i).value.trim(),
               keywords: splitList(row.querySelector('#r-kw-' + i).value), group: grp.value };
    };
    return row;
  }

  K.route('groups', /^\/groups$/, null, function (view) {
    var admin = K.has('admin');
    var list = el('div', { class: 'groups' });
    var name = el('input', { id: 'g-new-name', required: true, autocomplete: 'off' });
    var lead = el('input', { id: 'g-new-lead', autocomplete: 'off' });
    var members = el('input', { id: 'g-new-members', size: '50', autocomplete: 'off' });
    var create = el('form', { class: 'card' }, el('h3', { text: t('grp.new') }),
      el('div', { class: 'cols' }, K.field('grp.name', name), K.field('grp.lead', lead),
         K.field('grp.members', members, t('grp.members.hint'))),
      el('button', { type: 'submit', class: 'primary', text: t('grp.create') }));
    create.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('POST', '/api/v1/groups', { name: name.value.trim(), lead: lead.value.trim() || undefined,
                                        members: splitList(members.value) })
        .then(function () { K.status(t('done')); K.render(); }, function (err) { K.status(err.message, true); });
    });
    var tbody = el('tbody');
    var rules = el('form', { class: 'card' }, el('h3', { text: t('grp.rules') }),
      el('p', { class: 'meta', text: t('grp.rules.hint') }),
      el('div', { class: 'scroll' }, el('table', { class: 'grid' },
        el('thead', {}, el('tr', {}, ['inc.category', 'inc.ci', 'inc.location', 'grp.keywords', 'inc.group', ''].map(function (k) {
          return el('th', { scope: 'col', text: k ? t(k) : '' });
        }))), tbody)));
    K.add(view, [el('h2', { text: t('nav.groups') }), admin ? create : null, list, rules]);
    Promise.all([K.groups(), K.api('GET', '/api/v1/routing-rules')]).then(function (r) {
      var groups = r[0], n = 0;
      groups.forEach(function (g) { list.appendChild(groupCard(g, admin)); });
      if (!groups.length) list.appendChild(el('p', { class: 'empty', text: t('grp.none') }));
      r[1].rules.forEach(function (rule) { tbody.appendChild(ruleRow(rule, groups, n++)); });
      if (!admin) {
        rules.querySelectorAll('input, select, button').forEach(function (x) { x.disabled = true; });
        return;
      }
      rules.appendChild(el('div', { class: 'form-actions' },
        K.button('grp.rule.add', function () { tbody.appendChild(ruleRow({}, groups, n++)); }),
        el('button', { type: 'submit', class: 'primary', text: t('save') })));
      rules.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var body = { rules: Array.prototype.map.call(tbody.querySelectorAll('tr.rule'), function (row) {
          var v = row.read(), o = { group: v.group };
          ['category', 'ci', 'location'].forEach(function (k) { if (v[k]) o[k] = v[k]; });
          if (v.keywords.length) o.keywords = v.keywords;
          return o;
        }) };
        K.api('PUT', '/api/v1/routing-rules', body)
          .then(function () { K.status(t('done')); K.render(); }, function (err) { K.status(err.message, true); });
      });
    }, function (err) { K.status(err.message, true); });
  }, '#/groups');
})();
