/* Notifications: the admin's page (channels with their recent deliveries and a test
 * button, message templates with a preview, how long finished messages are kept) and every
 * user's own choices ("my notifications"). Secrets are never shown: the server says only
 * whether one is set (and masks a robot's key in its URL); an empty secret field keeps it. */
'use strict';

(function () {
  var el = K.el, t = K.t;
  var EVENTS = ['assigned', 'escalated', 'resolved', 'reopened', 'followup_due', 'sla_75',
                'sla_breach', 'request_assigned', 'request_approval', 'request_approved',
                'request_rejected', 'request_fulfilled', 'loan_overdue', 'review_due',
                'docreq_waiting', 'maint_overdue', 'part_low', 'complaint_new', 'complaint_overdue',
                'report_due', 'test'];
  var KINDS = ['webhook', 'wecom', 'dingtalk', 'email'];
  var MASK = '••••••';

  function fail(err) { K.status(err.message, true); }

  function splitList(v) {
    return v.split(/[,，;；\s]+/).map(function (s) { return s.trim(); }).filter(Boolean);
  }

  /* Checkboxes for events (ids prefix + event) inside a fieldset with legend key. */
  function eventBoxes(prefix, have, key, events) {
    return el('fieldset', { class: 'field events' }, el('legend', { text: t(key) }),
      el('div', { class: 'checks' }, events.map(function (e) {
        return el('span', { class: 'check' },
          el('input', { type: 'checkbox', id: prefix + e, value: e, checked: have.indexOf(e) >= 0 }),
          el('label', { for: prefix + e, text: K.label('nev', e) }));
      })));
  }
  function picked(box) {
    return Array.prototype.map.call(box.querySelectorAll('input:checked'), function (i) { return i.value; });
  }

  /* Where a channel sends: its URL (key masked by the server) or its SMTP server and
   * recipients. */
  function target(c) {
    if (c.kind !== 'email') return c.url + (c.secret_set ? ' · ' + t('nt.signed') : '');
    return c.host + ':' + c.port + ' → ' + c.to.join(', ');
  }

  /* The form that creates a channel (c null) or edits c. */
  function channelForm(c, groups, done) {
    var kind = el('select', { id: 'nc-kind', disabled: !!c });
    KINDS.forEach(function (k) {
      kind.appendChild(el('option', { value: k, text: K.label('kind', k), selected: c && c.kind === k }));
    });
    var name = el('input', { id: 'nc-name', required: true, autocomplete: 'off', value: c ? c.name : '' });
    var url = el('input', { id: 'nc-url', size: '50', autocomplete: 'off', spellcheck: 'false',
                            value: c && c.url ? c.url : '', placeholder: 'https://' });
    var secret = el('input', { id: 'nc-secret', type: 'password', autocomplete: 'new-password',
                               placeholder: c && c.secret_set ? MASK + ' ' + t('nt.keep') : '' });
    var host = el('input', { id: 'nc-host', autocomplete: 'off', value: c && c.host ? c.host : '' });
    var port = el('input', { id: 'nc-port', type: 'number', min: '1', max: '65535',
                             value: String(c && c.port ? c.port : 25) });
    var tls = el('select', { id: 'nc-tls' });
    ['optional', 'required', 'none'].forEach(function (x) {
      tls.appendChild(el('option', { value: x, text: K.label('tls', x), selected: (c ? c.starttls : 'optional') === x }));
    });
    var user = el('input', { id: 'nc-user', autocomplete: 'off', value: c && c.username ? c.username : '' });
    var pass = el('input', { id: 'nc-pass', type: 'password', autocomplete: 'new-password',
                             placeholder: c && c.password_set ? MASK + ' ' + t('nt.keep') : '' });
    var from = el('input', { id: 'nc-from', autocomplete: 'off', value: c && c.from ? c.from : '' });
    var to = el('input', { id: 'nc-to', size: '40', autocomplete: 'off', value: c && c.to ? c.to.join(', ') : '' });
    var group = el('select', { id: 'nc-group' }, el('option', { value: '', text: t('nt.allgroups') }));
    groups.forEach(function (g) {
      group.appendChild(el('option', { value: g.name, text: g.name, selected: c && c.group === g.name }));
    });
    var enabled = el('input', { type: 'checkbox', id: 'nc-enabled', checked: c ? c.enabled : true });
    var events = eventBoxes('nc-ev-', c ? c.events : ['assigned', 'sla_75', 'sla_breach'], 'nt.events', EVENTS);
    var http = el('div', { class: 'cols' }, K.field('nt.url', url, t('nt.url.hint')),
                  K.field('nt.secret', secret, t('nt.secret.hint')));
    var mail = el('div', { class: 'cols' }, K.field('nt.host', host), K.field('nt.port', port),
                  K.field('nt.tls', tls), K.field('nt.user', user), K.field('nt.pass', pass),
                  K.field('nt.from', from), K.field('nt.to', to, t('nt.to.hint')));
    function show() {
      var k = kind.value;
      http.hidden = k === 'email';
      mail.hidden = k !== 'email';
      secret.closest('.field').hidden = k !== 'dingtalk';
    }
    kind.addEventListener('change', show);
    show();
    var form = el('form', { class: 'card', id: 'nc-form' },
      el('h3', { text: c ? t('nt.edit', c.name) : t('nt.new') }),
      el('div', { class: 'cols' }, K.field('nt.kind', kind), K.field('nt.name', name),
         K.field('inc.group', group, t('nt.group.hint'))),
      http, mail, events,
      el('span', { class: 'check' }, enabled, el('label', { for: 'nc-enabled', text: t('nt.enabled') })),
      el('div', { class: 'form-actions' },
         el('button', { type: 'submit', class: 'primary', text: c ? t('save') : t('nt.create') }),
         c ? K.button('cancel', function () { done(); }, 'link') : null));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { name: name.value.trim(), events: picked(events), group: group.value || null,
                   enabled: enabled.checked };
      if (!c) body.kind = kind.value;
      if (kind.value === 'email') {
        body.host = host.value.trim();
        body.port = parseInt(port.value, 10) || 25;
        body.starttls = tls.value;
        body.username = user.value.trim();
        if (pass.value) body.password = pass.value;
        body.from = from.value.trim();
        body.to = splitList(to.value);
      } else {
        /* an unchanged URL is the masked one shown: the stored URL stays */
        if (!c || url.value.trim() !== c.url) body.url = url.value.trim();
        if (secret.value) body.secret = secret.value;
      }
      var req = c ? K.api('PATCH', '/api/v1/notification-channels/' + c.id, body)
                  : K.api('POST', '/api/v1/notification-channels', body);
      req.then(function () { K.status(t('nt.saved')); done(); }, fail);
    });
    return form;
  }

  /* The recent messages of channel id (0: all channels) into box. */
  function deliveries(box, id, channels) {
    var names = {};
    channels.forEach(function (c) { names[c.id] = c.name; });
    return K.api('GET', '/api/v1/notifications?limit=20' + (id ? '&channel=' + id : '')).then(function (j) {
      K.clear(box);
      if (!j.notifications.length) {
        box.appendChild(el('p', { class: 'empty', text: t('nt.nodeliveries') }));
        return j.notifications;
      }
      var tbody = el('tbody');
      j.notifications.forEach(function (m) {
        var last = m.history.length ? m.history[m.history.length - 1] : null;
        tbody.appendChild(el('tr', { class: 'msg msg-' + m.state, 'data-event': m.event },
          el('td', { text: K.time(m.created_at) }),
          el('td', { text: names[m.channel] || '#' + m.channel }),
          el('td', { text: K.label('nev', m.event) }), el('td', { text: m.object }),
          el('td', {}, K.badge('msgstate', m.state)),
          el('td', { text: String(m.attempts) }),
          el('td', { class: 'meta', text: last && !last.ok ? (last.code ? last.code + ' ' : '') + (last.error || '') : '' })));
      });
      box.appendChild(el('div', { class: 'scroll' }, el('table', { class: 'grid', id: 'nd-table' },
        el('thead', {}, el('tr', {}, ['nt.when', 'nt.channel', 'nt.event', 'nt.object', 'nt.state',
                                      'nt.attempts', 'nt.error'].map(function (k) {
          return el('th', { scope: 'col', text: t(k) });
        }))), tbody)));
      return j.notifications;
    });
  }

  K.route('notify', /^\/notify$/, ['admin'], function (view) {
    var live = true, timer = null;
    var formBox = el('div');
    var list = el('div', { class: 'channels' });
    var pick = el('select', { id: 'nd-channel' }, el('option', { value: '0', text: t('nt.allchannels') }));
    var box = el('div', { id: 'nd-list' });
    var channels = [], groups = [];

    function refresh() {
      return deliveries(box, parseInt(pick.value, 10), channels).catch(fail);
    }
    /* after a test: the list again every second until the message is no longer pending */
    function watch(id, tries) {
      clearTimeout(timer);
      if (!live || tries <= 0) return;
      timer = setTimeout(function () {
        refresh().then(function (rows) {
          var m = (rows || []).filter(function (r) { return r.id === id; })[0];
          if (m && m.state === 'delivered') K.status(t('nt.test.ok'));
          else if (m && m.state === 'failed') K.status(t('nt.test.failed'), true);
          else watch(id, tries - 1);
        });
      }, 1000);
    }
    function row(c) {
      var actions = el('td', { class: 'actions' },
        K.button('edit', function () { K.clear(formBox).appendChild(channelForm(c, groups, load)); formBox.scrollIntoView(); }, 'link'),
        K.button('nt.test', function () {
          K.api('POST', '/api/v1/notification-channels/' + c.id + '/test').then(function (j) {
            K.status(t('nt.test.sent'));
            pick.value = String(c.id);
            refresh();
            watch(j.notification, 60);
          }, fail);
        }, 'link'),
        K.button(c.enabled ? 'us.disable' : 'us.enable', function () {
          K.api('PATCH', '/api/v1/notification-channels/' + c.id, { enabled: !c.enabled }).then(load, fail);
        }, 'link'),
        K.button('nt.delete', function () {
          if (!window.confirm(t('nt.delete.confirm', c.name))) return;
          K.api('DELETE', '/api/v1/notification-channels/' + c.id).then(load, fail);
        }, 'link'),
        K.button('nt.deliveries', function () { pick.value = String(c.id); refresh(); box.scrollIntoView(); }, 'link'));
      return el('tr', { id: 'ch-' + c.id, class: c.enabled ? '' : 'disabled' },
        el('td', {}, el('strong', { text: c.name })), el('td', { text: K.label('kind', c.kind) }),
        el('td', { class: 'target', text: target(c) }),
        el('td', { text: c.events.map(function (e) { return K.label('nev', e); }).join('、') }),
        el('td', { text: c.group || t('nt.allgroups') }),
        el('td', {}, K.badge('chstate', c.enabled ? 'on' : 'off')), actions);
    }
    function load() {
      return Promise.all([K.api('GET', '/api/v1/notification-channels'), K.groups()]).then(function (r) {
        channels = r[0].channels;
        groups = r[1];
        K.clear(formBox).appendChild(channelForm(null, groups, load));
        K.clear(list);
        var keep = pick.value;
        K.clear(pick).appendChild(el('option', { value: '0', text: t('nt.allchannels') }));
        channels.forEach(function (c) { pick.appendChild(el('option', { value: String(c.id), text: c.name })); });
        pick.value = channels.some(function (c) { return String(c.id) === keep; }) ? keep : '0';
        if (!channels.length) list.appendChild(el('p', { class: 'empty', text: t('nt.nochannels') }));
        else list.appendChild(el('div', { class: 'scroll' }, el('table', { class: 'grid', id: 'ch-table' },
          el('thead', {}, el('tr', {}, ['nt.name', 'nt.kind', 'nt.target', 'nt.events', 'inc.group', 'nt.state', '']
            .map(function (k) { return el('th', { scope: 'col', text: k ? t(k) : '' }); }))),
          el('tbody', {}, channels.map(row)))));
        return refresh();
      }, fail);
    }
    pick.addEventListener('change', refresh);

    /* templates: one event at a time, previewed with example values before saving */
    var tplEvent = el('select', { id: 'nt-event' });
    EVENTS.forEach(function (e) { tplEvent.appendChild(el('option', { value: e, text: K.label('nev', e) })); });
    var tplTitle = el('input', { id: 'nt-title', size: '60' });
    var tplBody = el('textarea', { id: 'nt-body', rows: '6', class: 'nt-body' });
    var tplNote = el('p', { class: 'hint', id: 'nt-placeholders' });
    var out = el('div', { class: 'nt-preview', id: 'nt-out', hidden: true });
    var templates = [];
    function showTemplate() {
      var x = templates.filter(function (tp) { return tp.event === tplEvent.value; })[0];
      if (!x) return;
      tplTitle.value = x.title;
      tplBody.value = x.body;
      out.hidden = true;
    }
    function loadTemplates(j) {
      templates = j.templates;
      tplNote.textContent = t('nt.placeholders', j.placeholders.join(' '));
      showTemplate();
    }
    tplEvent.addEventListener('change', showTemplate);
    var tplForm = el('form', { class: 'card', id: 'nt-form' }, el('h3', { text: t('nt.templates') }),
      el('div', { class: 'cols' }, K.field('nt.event', tplEvent)),
      K.field('nt.title', tplTitle), K.field('nt.body', tplBody), tplNote,
      el('div', { class: 'form-actions' },
        K.button('nt.preview', function () {
          K.api('POST', '/api/v1/notification-templates/preview',
                { event: tplEvent.value, title: tplTitle.value, body: tplBody.value }).then(function (j) {
            K.clear(out);
            out.hidden = false;
            K.add(out, [el('strong', { text: j.title }), el('pre', { class: 'body', text: j.body })]);
          }, fail);
        }),
        el('button', { type: 'submit', class: 'primary', text: t('save') }),
        K.button('nt.reset', function () {
          K.api('PUT', '/api/v1/notification-templates', { event: tplEvent.value, reset: true })
            .then(function (j) { loadTemplates(j); K.status(t('done')); }, fail);
        }, 'link')), out);
    tplForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('PUT', '/api/v1/notification-templates', { event: tplEvent.value, title: tplTitle.value, body: tplBody.value })
        .then(function (j) { loadTemplates(j); K.status(t('done')); }, fail);
    });

    var days = el('input', { id: 'nk-days', type: 'number', min: '1', max: '3650', size: '6' });
    var keep = el('form', { class: 'card', id: 'nk-form' }, el('h3', { text: t('nt.keep.title') }),
      el('div', { class: 'cols' }, K.field('nt.keep.days', days, t('nt.keep.hint'))),
      el('button', { type: 'submit', text: t('save') }));
    keep.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('PUT', '/api/v1/settings/notification-retention', { days: parseInt(days.value, 10) })
        .then(function (j) { days.value = j.days; K.status(t('done')); }, fail);
    });

    K.add(view, [el('h2', { text: t('nav.notify') }), el('h3', { text: t('nt.channels') }), list, formBox,
      el('section', { class: 'card' }, el('h3', { text: t('nt.recent') }),
         el('div', { class: 'filters' }, K.field('nt.channel', pick), K.button('nt.refresh', refresh)), box),
      tplForm, keep]);
    load();
    K.api('GET', '/api/v1/notification-templates').then(loadTemplates, fail);
    K.api('GET', '/api/v1/settings/notification-retention').then(function (j) { days.value = j.days; }, fail);
    return { leave: function () { live = false; clearTimeout(timer); } };
  }, '#/notify');

  /* Every user: their address and the events they receive by e-mail. */
  K.route('mynotify', /^\/my-notifications$/, null, function (view) {
    var email = el('input', { id: 'mn-email', type: 'email', size: '30', autocomplete: 'email' });
    var box = el('div');
    var form = el('form', { class: 'card', id: 'mn-form' }, el('p', { class: 'hint', text: t('mn.hint') }),
      K.field('mn.email', email), box,
      el('button', { type: 'submit', class: 'primary', text: t('save') }));
    var personal = EVENTS.filter(function (e) { return e !== 'test'; });
    function show(j) {
      email.value = j.email || '';
      K.clear(box).appendChild(eventBoxes('mn-ev-', j.events, 'mn.events', personal));
    }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      K.api('PUT', '/api/v1/me/notifications', { email: email.value.trim() || null, events: picked(box) })
        .then(function (j) { show(j); K.status(t('mn.saved')); }, fail);
    });
    K.add(view, [el('h2', { text: t('nav.mynotify') }), form]);
    K.api('GET', '/api/v1/me/notifications').then(show, fail);
  }, '#/my-notifications');
})();
