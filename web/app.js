/* kedb browser UI: the core (API client, login, router, helpers) and the search view.
 * The other views register themselves with K.route() from their own files. No external
 * resources: the server's CSP allows only same-origin scripts and styles. */
'use strict';

var K = (function () {
  var K = {};
  var I18N = window.KEDB_I18N || { zh: {}, en: {} };

  /* --- text --- */

  K.lang = localStorage.getItem('kedb.lang') === 'en' ? 'en' : 'zh';
  K.t = function (key) {
    var s = I18N[K.lang][key];
    if (s === undefined) s = I18N.zh[key];
    if (s === undefined) s = key;
    for (var i = 1; i < arguments.length; i++) s = s.split('{' + (i - 1) + '}').join(arguments[i]);
    return s;
  };
  K.label = function (group, value) {
    var key = group + '.' + value;
    var s = K.t(key);
    return s === key ? value : s;
  };
  /* Who did something (the logged-in user who recorded it) and, when it was recorded for
   * someone else, for whom: "张三 (代 李四)". */
  K.who = function (by, forWhom) {
    return forWhom ? K.t('who.for', by || '', forWhom) : (by || '');
  };
  function translateStatic() {
    document.documentElement.lang = K.lang === 'en' ? 'en' : 'zh-CN';
    document.querySelectorAll('[data-t]').forEach(function (e) {
      e.textContent = K.t(e.dataset.t);
    });
    document.querySelectorAll('[data-t-placeholder]').forEach(function (e) {
      e.placeholder = K.t(e.dataset.tPlaceholder);
    });
    document.getElementById('lang').textContent = K.lang === 'en' ? '中文' : 'English';
    document.title = 'kedb · ' + K.t('brand');
  }

  /* --- DOM --- */

  /* el('div', {class: 'x', text: 'y', on: {click: f}, attrs...}, child, ...) */
  K.el = function (tag, props) {
    var e = document.createElement(tag);
    props = props || {};
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'html') e.innerHTML = v; /* only for HTML the server sanitised */
      else if (k === 'on') Object.keys(v).forEach(function (ev) { e.addEventListener(ev, v[ev]); });
      else if (k === 'value') e.value = v;
      else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected') e[k] = !!v;
      else e.setAttribute(k, v === true ? '' : v);
    });
    for (var i = 2; i < arguments.length; i++) K.add(e, arguments[i]);
    return e;
  };
  K.add = function (parent, c) {
    if (c === undefined || c === null || c === false) return parent;
    if (Array.isArray(c)) c.forEach(function (x) { K.add(parent, x); });
    else parent.appendChild(typeof c === 'string' || typeof c === 'number'
      ? document.createTextNode(String(c)) : c);
    return parent;
  };
  K.$ = function (id) { return document.getElementById(id); };
  K.clear = function (e) { while (e.firstChild) e.removeChild(e.firstChild); return e; };
  K.badge = function (group, value) {
    return K.el('span', { class: 'badge ' + group + ' ' + group + '-' + value, title: value },
                K.label(group, value));
  };
  /* A labelled form field: field('incident.summary', input) */
  K.field = function (key, input, hint) {
    if (!input.id) input.id = 'f-' + key.replace(/\W/g, '-');
    return K.el('div', { class: 'field' },
                K.el('label', { for: input.id, text: K.t(key) }), input,
                hint ? K.el('small', { class: 'hint', text: hint }) : null);
  };
  K.button = function (key, onClick, cls) {
    return K.el('button', { type: 'button', class: cls || '', text: K.t(key),
                            on: { click: onClick } });
  };

  K.status = function (text, isError) {
    var s = K.$('status');
    s.textContent = text || '';
    s.classList.toggle('error', !!isError);
  };

  /* --- time --- */

  K.time = function (iso) {
    if (!iso) return '';
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' +
      p(d.getHours()) + ':' + p(d.getMinutes());
  };
  K.duration = function (sec) {
    var neg = sec < 0;
    sec = Math.abs(Math.round(sec));
    var d = Math.floor(sec / 86400), h = Math.floor(sec % 86400 / 3600),
      m = Math.floor(sec % 3600 / 60);
    var s = d ? d + 'd ' + h + 'h' : h ? h + 'h ' + (m < 10 ? '0' : '') + m + 'm' : m + 'm';
    return neg ? '-' + s : s;
  };
  K.today = function () { return new Date().toISOString().slice(0, 10); };

  /* --- copying --- */

  K.copy = function (text, button) {
    var done = function () {
      var old = button.textContent;
      button.textContent = K.t('copied');
      button.disabled = true;
      setTimeout(function () { button.textContent = old; button.disabled = false; }, 1200);
    };
    var fallback = function () {
      var ta = K.el('textarea', { class: 'offscreen', readonly: true });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      try { document.execCommand('copy'); done(); } catch (e) { K.status(K.t('copy.failed'), true); }
      document.body.removeChild(ta);
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  };

  /* --- the API: the session cookie authenticates, X-CSRF-Token guards writes --- */

  K.me = null;
  var loginWaiters = [];

  K.has = function () {
    if (!K.me) return false;
    for (var i = 0; i < arguments.length; i++) if (K.me.roles.indexOf(arguments[i]) >= 0) return true;
    return false;
  };

  function needLogin() {
    return new Promise(function (resolve) {
      loginWaiters.push(resolve);
      var f = K.$('login-form');
      if (f.hidden) {
        f.hidden = false;
        K.$('view').setAttribute('aria-hidden', 'true');
        K.$('login-user').focus();
      }
    });
  }

  /* The text of a failed answer in the page's language: the server's message_zh or message,
   * or, for an answer without an error body (a proxy's 502, a dropped connection: status 0),
   * a sentence per HTTP status. */
  K.errorText = function (data, status) {
    var e = data && data.error;
    if (e && K.lang === 'zh' && e.message_zh) return e.message_zh;
    if (e && e.message) return e.message;
    var key = 'http.' + status;
    return K.t(key) === key ? K.t('http.other', status) : K.t(key);
  };
  /* An Error for a failed answer: message as K.errorText, status, code (the stable
   * error code, "network" when no answer came) and en (the English message). */
  K.apiError = function (data, status) {
    var e = new Error(K.errorText(data, status));
    e.status = status;
    e.code = data && data.error ? data.error.code : status ? '' : 'network';
    e.en = data && data.error ? data.error.message : '';
    return e;
  };
  function networkError(err) {
    if (err && err.name === 'AbortError') throw err;
    throw K.apiError(null, 0);
  }

  K.api = function (method, url, body, opts) {
    opts = opts || {};
    var headers = { Accept: 'application/json' };
    var file = typeof Blob !== 'undefined' && body instanceof Blob; /* an upload, sent as is */
    if (body !== undefined) headers['Content-Type'] = file ? 'application/octet-stream' : 'application/json';
    if (method !== 'GET' && method !== 'HEAD') {
      headers['X-CSRF-Token'] = sessionStorage.getItem('kedb.csrf') || '';
    }
    return fetch(url, { method: method, headers: headers, credentials: 'same-origin',
                        signal: opts.signal,
                        body: body === undefined ? undefined : file ? body : JSON.stringify(body) })
      .then(function (resp) {
        if (opts.raw && resp.ok) return resp.text();
        return resp.json().catch(function () { return null; }).then(function (data) {
          if (resp.status === 401 && !opts.noLogin) {
            return needLogin().then(function () { return K.api(method, url, body, opts); });
          }
          if (!resp.ok) throw K.apiError(data, resp.status);
          return data;
        });
      }, networkError);
  };

  /* Sends a file (a Blob) as the raw body of a POST: attachments (attachments.js). */
  K.upload = function (url, blob) { return K.api('POST', url, blob); };

  /* The known-error sections (key, labels, headings) from the server's one table, fetched
   * once after login; [] until then (and when the request fails). */
  K.sections = [];
  var sectionsLoaded = false;
  function loadSections() {
    if (sectionsLoaded) return Promise.resolve();
    return K.api('GET', '/api/v1/kb-sections').then(function (r) {
      K.sections = r.sections;
      sectionsLoaded = true;
    }, function (err) { K.status(err.message, true); });
  }
  K.sectionLabel = function (key) {
    for (var i = 0; i < K.sections.length; i++) {
      if (K.sections[i].key === key) return K.sections[i].label[K.lang];
    }
    return key;
  };

  function loadMe() {
    return K.api('GET', '/api/v1/auth/me', undefined, { noLogin: true }).then(function (me) {
      K.me = me;
      if (me.csrf) sessionStorage.setItem('kedb.csrf', me.csrf);
      return me;
    });
  }

  K.$login = function () {
    var f = K.$('login-form');
    f.addEventListener('submit', function (ev) {
      ev.preventDefault();
      fetch('/api/v1/auth/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: K.$('login-user').value, password: K.$('login-pass').value })
      }).then(function (resp) {
        return resp.json().catch(function () { return null; }).then(function (b) {
          if (!resp.ok) throw K.apiError(b, resp.status);
          sessionStorage.setItem('kedb.csrf', b.csrf);
          K.me = { username: b.username, roles: b.roles };
          K.$('login-pass').value = '';
          K.$('login-error').textContent = '';
          f.hidden = true;
          K.$('view').removeAttribute('aria-hidden');
          renderChrome();
          var w = loginWaiters;
          loginWaiters = [];
          if (w.length) w.forEach(function (r) { r(); });
          else K.render();
        });
      }, networkError).catch(function (err) { K.$('login-error').textContent = err.message; });
    });
  };

  function loggedOut() {
    K.me = null;
    sessionStorage.removeItem('kedb.csrf');
    renderChrome();
    K.clear(K.$('view'));
    needLogin().then(function () { K.render(); });
  }

  function logout() {
    K.api('POST', '/api/v1/auth/logout', undefined, { noLogin: true }).catch(function () {})
      .then(loggedOut);
  }

  /* --- the account dialog: one's own password, logging out everywhere --- */

  function accountStatus(text, error) {
    var st = K.$('acc-status');
    st.textContent = text;
    st.className = error ? 'status error' : 'status';
  }

  function openAccount() {
    K.$('acc-form').reset();
    accountStatus('');
    K.$('account').showModal();
    K.$('acc-current').focus();
  }

  function changePassword(ev) {
    ev.preventDefault();
    var form = K.$('acc-form');
    var fresh = K.$('acc-new').value;
    if (fresh !== K.$('acc-again').value) {
      accountStatus(K.t('acc.mismatch'), true);
      return;
    }
    accountStatus(K.t('acc.saving'));
    K.api('POST', '/api/v1/auth/password', { current: K.$('acc-current').value, new: fresh },
          { noLogin: true })
      .then(function (r) {
        form.reset();
        accountStatus(K.t('acc.changed', r.revoked));
      }, function (e) {
        if (e.status === 401) { K.$('account').close(); loggedOut(); return; }
        accountStatus(e.status === 403 && e.code === 'forbidden' ? K.t('acc.wrong')
                      : K.t('acc.refused', e.message), true);
      });
  }

  function logoutEverywhere() {
    K.api('POST', '/api/v1/auth/logout-all', undefined, { noLogin: true }).catch(function () {})
      .then(function () {
        K.$('account').close();
        loggedOut();
      });
  }

  /* --- router: #/path?query; views say which roles they need --- */

  var routes = [];
  K.route = function (name, pattern, roles, render, nav) {
    routes.push({ name: name, pattern: pattern, roles: roles, render: render, nav: nav });
  };
  K.go = function (hash) {
    if (location.hash === hash) K.render();
    else location.hash = hash;
  };
  K.params = function () {
    var h = location.hash.replace(/^#/, '');
    var i = h.indexOf('?');
    return new URLSearchParams(i >= 0 ? h.slice(i + 1) : '');
  };
  K.allowed = function (r) { return !r.roles || K.has.apply(null, r.roles); };

  var current = null;
  K.render = function () {
    var h = location.hash.replace(/^#/, '') || '/';
    var path = h.split('?')[0];
    var view = K.$('view');
    if (current && current.leave) current.leave();
    current = null;
    for (var i = 0; i < routes.length; i++) {
      var m = routes[i].pattern.exec(path);
      if (!m) continue;
      var r = routes[i];
      markNav(r.name);
      K.clear(view);
      K.status('');
      if (!K.allowed(r)) {
        view.appendChild(K.el('p', { class: 'empty', text: K.t('not.allowed') }));
        return;
      }
      current = r.render(view, m.slice(1).map(decodeURIComponent), K.params()) || null;
      return;
    }
    K.clear(view);
    view.appendChild(K.el('p', { class: 'empty', text: K.t('not.found') }));
  };

  function markNav(name) {
    K.$('nav').querySelectorAll('a').forEach(function (a) {
      if (a.dataset.name === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
  }

  function renderChrome() {
    translateStatic();
    var nav = K.clear(K.$('nav'));
    routes.forEach(function (r) {
      if (!r.nav || !K.me || !K.allowed(r)) return;
      nav.appendChild(K.el('a', { href: r.nav, 'data-name': r.name, text: K.t('nav.' + r.name) }));
    });
    K.$('user').textContent = K.me ? K.me.username + ' (' + K.me.roles.map(function (x) {
      return K.label('role', x);
    }).join('、') + ')' : '';
    K.$('user').title = K.t('acc.title');
    K.$('user').hidden = !K.me;
    K.$('logout').hidden = !K.me;
  }

  K.start = function () {
    K.$login();
    K.$('logout').addEventListener('click', logout);
    K.$('user').addEventListener('click', openAccount);
    K.$('acc-form').addEventListener('submit', changePassword);
    K.$('acc-everywhere').addEventListener('click', logoutEverywhere);
    K.$('acc-close').addEventListener('click', function () { K.$('account').close(); });
    K.$('lang').addEventListener('click', function () {
      K.lang = K.lang === 'en' ? 'zh' : 'en';
      localStorage.setItem('kedb.lang', K.lang);
      renderChrome();
      K.render();
    });
    window.addEventListener('hashchange', K.render);
    translateStatic();
    search.init();
    loadMe().then(loadSections).then(function () { renderChrome(); K.render(); }, function () {
      renderChrome();
      needLogin().then(loadSections).then(function () { renderChrome(); K.render(); });
    });
  };

  /* --- the search view: one box in the header, results as you type --- */

  var search = (function () {
    var DEBOUNCE_MS = 120;
    var LIMIT = 20;
    var input, typeSel, statusSel;
    var timer = 0, pending = false, openAfter = false, controller = null, seq = 0, shown = 0;
    var hits = [], selected = -1, detailController = null, detailSeq = 0;
    var list = null, emptyEl = null, detail = null, dym = null, understood = null;

    function build(view) {
      list = K.el('ol', { id: 'results', class: 'results', role: 'listbox',
                          'aria-label': K.t('search.results') });
      emptyEl = K.el('div', { id: 'empty', class: 'empty' },
        K.el('p', { text: K.t('search.start') }),
        K.el('p', { id: 'help', class: 'help', text: K.t('search.help') }));
      dym = K.el('p', { id: 'dym', class: 'dym', hidden: true });
      understood = K.el('p', { id: 'understood', class: 'understood', hidden: true });
      detail = K.el('article', { id: 'detail', class: 'detail', hidden: true, tabindex: '-1',
                                 'aria-labelledby': 'detail-title' });
      view.appendChild(K.el('div', { class: 'layout' },
        K.el('section', { class: 'list', 'aria-label': K.t('search.results') }, dym, understood, list, emptyEl),
        detail));
    }

    function clearResults() {
      hits = [];
      selected = -1;
      if (!list) return;
      K.clear(list);
      dym.hidden = true;
      understood.hidden = true;
      emptyEl.hidden = false;
    }

    function schedule() {
      clearTimeout(timer);
      pending = true;
      if (!/^\/?$/.test(location.hash.replace(/^#/, '').split('?')[0])) {
        location.hash = '#/';
        return; /* the view starts the search */
      }
      timer = setTimeout(run, DEBOUNCE_MS);
    }

    function run(final) {
      clearTimeout(timer);
      pending = false;
      if (!list) return;
      var q = input.value.trim();
      if (controller) controller.abort();
      controller = null;
      var mine = ++seq;
      if (!q) {
        openAfter = false;
        shown = mine;
        clearResults();
        K.status('');
        return;
      }
      controller = new AbortController();
      var url = '/api/v1/search?q=' + encodeURIComponent(q) + '&limit=' + LIMIT;
      if (typeSel.value) url += '&type=' + encodeURIComponent(typeSel.value);
      if (statusSel.value) url += '&status=' + encodeURIComponent(statusSel.value);
      if (final) url += '&final=1';
      K.status(K.t('search.running'));
      K.api('GET', url, undefined, { signal: controller.signal }).then(function (data) {
        if (mine !== seq || mine < shown) return;
        shown = mine;
        render(data);
      }, function (err) {
        if (err.name === 'AbortError' || mine !== seq) return;
        shown = mine;
        openAfter = false;
        clearResults();
        K.status(K.t('search.error', err.message), true);
      });
    }

    function render(data) {
      if (!list) return; /* the answer came after the view was left */
      hits = data.hits || [];
      selected = -1;
      K.clear(list);
      emptyEl.hidden = hits.length > 0;
      var took = typeof data.took_ms === 'number' ? data.took_ms.toFixed(1) : '?';
      /* a total that is a lower bound is shown as an estimate (约) */
      var total = data.total_exact === false ? K.t('search.about', data.total) : data.total;
      if (hits.length === 0) K.status(K.t('search.none', took));
      else if (data.total > hits.length) K.status(K.t('search.some', total, hits.length, took));
      else K.status(K.t('search.all', total, took));
      renderUnderstood(data.understood);
      K.clear(dym);
      dym.hidden = !data.did_you_mean;
      if (data.did_you_mean) {
        dym.appendChild(document.createTextNode(K.t('search.dym') + ' '));
        dym.appendChild(K.el('a', { href: '#/', id: 'dym-link', text: data.did_you_mean, on: {
          click: function (ev) {
            ev.preventDefault();
            input.value = data.did_you_mean;
            run();
            input.focus();
          } } }));
      }
      hits.forEach(function (h, i) { list.appendChild(renderHit(h, i)); });
      if (openAfter && hits.length > 0) {
        select(0);
        openItem(0);
      }
      openAfter = false;
    }

    /* Which words were searched for and which were left out (particles, question phrases,
     * words no item holds), and whether some hits hold only part of the query. */
    function renderUnderstood(u) {
      K.clear(understood);
      var words = (u && u.words) || [], dropped = (u && u.dropped) || [];
      var skipped = dropped.filter(function (d) { return d.why === 'stopword'; })
        .map(function (d) { return d.word; });
      var unknown = dropped.filter(function (d) { return d.why === 'not_found'; })
        .map(function (d) { return d.word; });
      var over = dropped.filter(function (d) { return d.why === 'limit'; })
        .map(function (d) { return d.word; });
      understood.hidden = !(skipped.length || unknown.length || over.length || (u && u.min_match));
      if (understood.hidden) return;
      var parts = [];
      if (words.length) parts.push(K.t('search.words', words.join(' · ')));
      if (skipped.length) parts.push(K.t('search.skipped', skipped.join('、')));
      if (unknown.length) parts.push(K.t('search.unknown', unknown.join('、')));
      if (over.length) parts.push(K.t('search.limit', over.join('、')));
      if (u.min_match) parts.push(K.t('search.partial', u.min_match));
      understood.appendChild(document.createTextNode(parts.join('；')));
    }

    K.workaround = function (text) {
      var btn = K.el('button', { type: 'button', class: 'copy', text: K.t('copy') });
      btn.addEventListener('click', function (ev) { ev.stopPropagation(); K.copy(text, btn); });
      return K.el('div', { class: 'workaround' },
        K.el('div', { class: 'wa-head' }, K.el('span', { text: K.sectionLabel('workaround') }), btn),
        K.el('p', { class: 'wa-text', text: text }));
    };

    function renderHit(h, i) {
      var title = K.el('a', { class: 'hit-title', href: '#/kb/' + encodeURIComponent(h.id),
                              text: h.title || h.id });
      title.addEventListener('click', function (ev) { ev.preventDefault(); select(i); openItem(i); });
      var meta = [h.id];
      if (h.version) meta.push(K.t('version') + ' ' + h.version);
      if (h.updated) meta.push(K.t('updated') + ' ' + h.updated);
      var li = K.el('li', { class: 'hit', id: 'hit-' + i, role: 'option', 'aria-selected': 'false' },
        K.el('div', { class: 'hit-head' }, title,
          K.el('span', { class: 'badges' }, K.badge('type', h.type),
               h.status ? K.badge('status', h.status) : null,
               h.partial ? K.el('span', { class: 'badge partial', text: K.t('search.partial_hit') }) : null)),
        K.el('div', { class: 'meta', text: meta.join(' · ') }),
        h.snippet ? K.el('p', { class: 'snippet', html: h.snippet }) : null, /* escaped by the server; <mark> only */
        h.workaround ? K.workaround(h.workaround) : null);
      li.addEventListener('click', function (ev) {
        if (ev.target.closest('button, a')) return;
        select(i);
        openItem(i);
      });
      return li;
    }

    function select(i) {
      if (hits.length === 0) return;
      i = Math.max(0, Math.min(i, hits.length - 1));
      var old = list.querySelector('.hit.selected');
      if (old) {
        old.classList.remove('selected');
        old.setAttribute('aria-selected', 'false');
      }
      selected = i;
      var li = K.$('hit-' + i);
      li.classList.add('selected');
      li.setAttribute('aria-selected', 'true');
      input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }

    function openItem(i) {
      var h = hits[i];
      if (!h) return;
      if (detailController) detailController.abort();
      detailController = new AbortController();
      var mine = ++detailSeq;
      K.api('GET', '/api/v1/kb/' + encodeURIComponent(h.id), undefined,
            { signal: detailController.signal }).then(function (doc) {
        if (mine !== detailSeq) return;
        K.clear(detail);
        K.renderItem(detail, doc, closeDetail);
        detail.hidden = false;
        document.body.classList.add('has-detail');
      }, function (err) {
        if (err.name === 'AbortError' || mine !== detailSeq) return;
        K.status(K.t('open.failed', h.id, err.message), true);
      });
    }

    function closeDetail() {
      if (detailController) detailController.abort();
      detailSeq++;
      if (detail) detail.hidden = true;
      document.body.classList.remove('has-detail');
      input.focus();
    }

    function clearAll() {
      input.value = '';
      clearTimeout(timer);
      closeDetail();
      run();
      input.focus();
    }

    function onKey(ev) {
      if (ev.isComposing || ev.keyCode === 229) return; /* IME is composing Chinese */
      if (ev.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName)) {
        ev.preventDefault(); /* "/" jumps to the search box from any page */
        input.focus();
        input.select();
        return;
      }
      if (!list || !K.$('results')) return;           /* another view is open */
      if (ev.target.closest && ev.target.closest('#login-form, .editor, form.card')) return;
      if (ev.key === 'Escape') {
        ev.preventDefault();
        clearAll();
      } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        if (ev.target.tagName === 'SELECT' || hits.length === 0) return;
        ev.preventDefault();
        if (ev.key === 'ArrowDown') select(selected < 0 ? 0 : selected + 1);
        else select(selected <= 0 ? 0 : selected - 1);
      } else if (ev.key === 'Enter') {
        if (ev.target.tagName === 'BUTTON' || ev.target.tagName === 'A' ||
            ev.target.tagName === 'SELECT') return;
        ev.preventDefault();
        if (pending) {
          openAfter = true;
          run(true);
          return;
        }
        if (hits.length === 0) {
          if (input.value.trim()) run(true);
          return;
        }
        if (selected < 0) select(0);
        openItem(selected);
      }
    }

    return {
      init: function () {
        input = K.$('q');
        typeSel = K.$('type');
        statusSel = K.$('status-filter');
        input.addEventListener('input', schedule);
        typeSel.addEventListener('change', function () { schedule(); });
        statusSel.addEventListener('change', function () { schedule(); });
        K.$('search-form').addEventListener('submit', function (ev) { ev.preventDefault(); });
        document.addEventListener('keydown', onKey);
        var p = new URLSearchParams(location.search);
        if (p.get('q')) input.value = p.get('q');
      },
      view: function (view) {
        build(view);
        hits = [];
        if (input.value.trim()) run();
        input.focus();
        return { leave: function () { list = null; closeDetail(); } };
      }
    };
  })();

  /* "This helped" / "did not help": counts for the item's ranking. */
  function feedback(id) {
    var box = K.el('p', { class: 'feedback' });
    var send = function (helpful) {
      K.api('POST', '/api/v1/suggest/feedback', { kb_id: id, helpful: helpful }).then(function () {
        K.clear(box).appendChild(K.el('span', { class: 'meta', text: K.t('thanks') }));
      }, function (err) { K.status(err.message, true); });
    };
    K.add(box, [K.button('helpful', function () { send(true); }),
                K.button('not.helpful', function () { send(false); })]);
    return box;
  }

  /* One knowledge item (known error, article, document, ticket) as the desk sees it, with
   * its attachments; edit adds uploads (engineers and admins on the item's own page).
   * Returns the attachments' controller (call leave() when the view goes). */
  K.renderItem = function (box, doc, onClose, edit) {
    var att = K.attachments('/api/v1/kb/' + encodeURIComponent(doc.id), !!edit);
    var meta = [doc.id];
    if (doc.version) meta.push(K.t('version') + ' ' + doc.version);
    if (doc.updated) meta.push(K.t('updated') + ' ' + doc.updated);
    var fields = K.el('dl', { class: 'fields' });
    var f = doc.fields || {};
    var skip = ['id', 'type', 'title', 'status', 'version', 'updated'].concat(
      K.sections.map(function (s) { return s.key; }));
    Object.keys(f).forEach(function (k) {
      if (skip.indexOf(k) >= 0) return;
      var v = f[k];
      fields.appendChild(K.el('dt', { text: K.label('field', k) }));
      fields.appendChild(K.el('dd', { text: Array.isArray(v) ? v.join('、') : String(v) }));
    });
    K.add(box, [
      K.el('div', { class: 'detail-head' },
        K.el('h2', { id: 'detail-title', text: doc.title || doc.id }),
        onClose ? K.el('button', { type: 'button', class: 'close', 'aria-label': K.t('close'),
                                   text: '×', on: { click: onClose } }) : null),
      K.el('p', { class: 'meta' }, K.badge('type', doc.type),
           doc.status ? K.badge('status', doc.status) : null,
           K.el('span', { class: 'meta-text', text: meta.join(' · ') })),
      doc.workaround ? K.workaround(doc.workaround) : null,
      doc.usage ? K.el('p', { class: 'meta usage', text: K.t('usage', doc.usage.resolved, doc.usage.helpful,
                                                             doc.usage.not_helpful) }) : null,
      doc.type === 'known_error' || doc.type === 'article' ? feedback(doc.id) : null,
      K.el('div', { class: 'doc', html: doc.html || '' }), /* rendered and sanitised by the server */
      fields,
      att.box,
      K.el('p', { class: 'actions' },
        K.el('a', { href: '#/kb/' + encodeURIComponent(doc.id) + '/history', text: K.t('history') }),
        K.has('engineer', 'admin') && doc.type !== 'ticket' && !doc.path
          ? K.el('a', { href: '#/edit/' + encodeURIComponent(doc.id), text: K.t('edit') }) : null)
    ]);
    return att;
  };

  K.route('search', /^\/?$/, null, function (view) { return search.view(view); }, '#/');
  K.route('item', /^\/kb\/([^/]+)$/, null, function (view, args) {
    var box = K.el('article', { class: 'detail page' });
    var att = null, gone = false;
    view.appendChild(box);
    K.api('GET', '/api/v1/kb/' + encodeURIComponent(args[0])).then(function (doc) {
      if (!gone) att = K.renderItem(box, doc, null, K.has('engineer', 'admin'));
    }, function (err) { K.status(err.message, true); });
    return { leave: function () { gone = true; if (att) att.leave(); } };
  });

  return K;
})();

document.addEventListener('DOMContentLoaded', K.start);
