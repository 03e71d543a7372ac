/* kedb search page: search as you type, keyboard navigation, item panel.
 * No external resources; the server's CSP allows only same-origin scripts and styles. */
'use strict';

(function () {
  var DEBOUNCE_MS = 120;
  var LIMIT = 20;

  var TYPE_LABELS = {
    known_error: '已知错误',
    article: '知识文章',
    document: '受控文档',
    ticket: '历史工单'
  };
  var STATUS_LABELS = {
    published: '已发布',
    draft: '草稿',
    retired: '已停用',
    in_review: '审核中',
    superseded: '已替代',
    scrapped: '已作废',
    closed: '已关闭'
  };

  var $ = function (id) { return document.getElementById(id); };
  var input = $('q');
  var typeSel = $('type');
  var form = $('search-form');
  var statusEl = $('status');
  var dym = $('dym');
  var dymLink = $('dym-link');
  var list = $('results');
  var empty = $('empty');
  var detail = $('detail');

  var timer = 0;
  var pending = false;     /* typed, debounce not fired yet */
  var openAfter = false;   /* Enter was pressed before the results arrived */
  var controller = null;   /* AbortController of the search in flight */
  var seq = 0;             /* number of the newest search sent */
  var shown = 0;           /* number of the search whose results are on screen */
  var hits = [];
  var selected = -1;
  var detailController = null;
  var detailSeq = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function badge(kind, value, labels) {
    var b = el('span', 'badge ' + kind + ' ' + kind + '-' + value, labels[value] || value);
    b.title = value;
    return b;
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle('error', !!isError);
  }

  function copyText(text, button) {
    var done = function () {
      var old = button.textContent;
      button.textContent = '已复制';
      button.disabled = true;
      setTimeout(function () { button.textContent = old; button.disabled = false; }, 1200);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, done); });
    } else {
      fallbackCopy(text, done);
    }
  }

  function fallbackCopy(text, done) {
    var ta = el('textarea', 'offscreen');
    ta.value = text;
    ta.setAttribute('readonly', '');
    document.body.appendChild(ta);
    ta.select();
    try {
      document.execCommand('copy');
      done();
    } catch (e) {
      setStatus('复制失败，请手动选择文本', true);
    }
    document.body.removeChild(ta);
  }

  function apiError(resp, body) {
    if (body && body.error && body.error.message) return body.error.message;
    return 'HTTP ' + resp.status;
  }

  /* --- login: shown when the API answers 401; the session cookie does the rest --- */

  var retryAfterLogin = null;

  function showLogin(retry) {
    retryAfterLogin = retry;
    $('login-form').hidden = false;
    $('login-user').focus();
  }

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var body = JSON.stringify({ username: $('login-user').value, password: $('login-pass').value });
    fetch('/api/v1/auth/login', { method: 'POST', body: body,
                                  headers: { 'Content-Type': 'application/json' } })
      .then(function (resp) {
        return resp.json().catch(function () { return null; }).then(function (b) {
          if (!resp.ok) throw new Error(apiError(resp, b));
          $('login-pass').value = '';
          $('login-error').textContent = '';
          $('login-form').hidden = true;
          if (retryAfterLogin) retryAfterLogin();
        });
      })
      .catch(function (err) { $('login-error').textContent = err.message; });
  });

  function fetchJson(url, signal, retry) {
    return fetch(url, { signal: signal, headers: { Accept: 'application/json' },
                        credentials: 'same-origin' })
      .then(function (resp) {
        return resp.json().catch(function () { return null; }).then(function (body) {
          if (resp.status === 401) showLogin(retry);
          if (!resp.ok) throw new Error(apiError(resp, body));
          if (!body) throw new Error('无效的服务器响应');
          return body;
        });
      });
  }

  /* --- search --- */

  function clearResults() {
    hits = [];
    selected = -1;
    list.textContent = '';
    dym.hidden = true;
    empty.hidden = false;
  }

  function schedule() {
    clearTimeout(timer);
    pending = true;
    timer = setTimeout(runSearch, DEBOUNCE_MS);
  }

  function runSearch(final) {
    clearTimeout(timer);
    pending = false;
    var q = input.value.trim();
    var type = typeSel.value;
    syncUrl(q, type);
    if (controller) controller.abort();
    controller = null;
    var mine = ++seq;
    if (!q) {
      openAfter = false;
      shown = mine;
      clearResults();
      setStatus('');
      return;
    }
    controller = new AbortController();
    var url = '/api/v1/search?q=' + encodeURIComponent(q) + '&limit=' + LIMIT;
    if (type) url += '&type=' + encodeURIComponent(type);
    /* Enter marks a finished search: one that finds nothing is counted as a knowledge gap */
    if (final) url += '&final=1';
    setStatus('正在搜索…');
    fetchJson(url, controller.signal, function () { runSearch(final); }).then(function (data) {
      /* Ignore answers to anything but the newest search, whatever order they arrive in. */
      if (mine !== seq || mine < shown) return;
      shown = mine;
      render(data);
    }, function (err) {
      if (err.name === 'AbortError' || mine !== seq) return;
      shown = mine;
      openAfter = false;
      clearResults();
      setStatus('搜索出错：' + err.message, true);
    });
  }

  function render(data) {
    hits = data.hits || [];
    selected = -1;
    list.textContent = '';
    empty.hidden = hits.length > 0;
    var took = typeof data.took_ms === 'number' ? data.took_ms.toFixed(1) : '?';
    var total = data.total_exact === false ? '超过 ' + data.total : '共 ' + data.total;
    if (hits.length === 0) {
      setStatus('没有找到结果（' + took + ' ms）');
    } else if (data.total > hits.length) {
      setStatus(total + ' 条结果，显示前 ' + hits.length + ' 条（' + took + ' ms）');
    } else {
      setStatus(total + ' 条结果（' + took + ' ms）');
    }
    if (data.did_you_mean) {
      dymLink.textContent = data.did_you_mean;
      dym.hidden = false;
    } else {
      dym.hidden = true;
    }
    hits.forEach(function (h, i) { list.appendChild(renderHit(h, i)); });
    if (openAfter && hits.length > 0) {
      select(0);
      openItem(0);
    }
    openAfter = false;
  }

  function renderHit(h, i) {
    var li = el('li', 'hit');
    li.id = 'hit-' + i;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    li.dataset.index = String(i);

    var head = el('div', 'hit-head');
    var title = el('a', 'hit-title', h.title || h.id);
    title.href = '#' + encodeURIComponent(h.id);
    title.addEventListener('click', function (ev) { ev.preventDefault(); select(i); openItem(i); });
    head.appendChild(title);
    var badges = el('span', 'badges');
    badges.appendChild(badge('type', h.type, TYPE_LABELS));
    if (h.status) badges.appendChild(badge('status', h.status, STATUS_LABELS));
    head.appendChild(badges);
    li.appendChild(head);

    var meta = [h.id];
    if (h.version) meta.push('版本 ' + h.version);
    if (h.updated) meta.push('更新于 ' + h.updated);
    li.appendChild(el('div', 'meta', meta.join(' · ')));

    if (h.snippet) {
      var snip = el('p', 'snippet');
      snip.innerHTML = h.snippet; /* escaped by the server; only <mark> is markup */
      li.appendChild(snip);
    }
    if (h.workaround) {
      var wa = el('div', 'workaround');
      var wh = el('div', 'wa-head');
      wh.appendChild(el('span', null, '临时解决方案'));
      var btn = el('button', 'copy', '复制');
      btn.type = 'button';
      btn.addEventListener('click', function (ev) {
        ev.stopPropagation();
        copyText(h.workaround, btn);
      });
      wh.appendChild(btn);
      wa.appendChild(wh);
      wa.appendChild(el('p', 'wa-text', h.workaround));
      li.appendChild(wa);
    }
    li.addEventListener('click', function (ev) {
      if (ev.target.closest('button, a')) return;
      select(i);
      openItem(i);
    });
    return li;
  }

  function select(i) {
    if (hits.length === 0) return;
    if (i < 0) i = 0;
    if (i >= hits.length) i = hits.length - 1;
    var old = list.querySelector('.hit.selected');
    if (old) {
      old.classList.remove('selected');
      old.setAttribute('aria-selected', 'false');
    }
    selected = i;
    var li = $('hit-' + i);
    li.classList.add('selected');
    li.setAttribute('aria-selected', 'true');
    input.setAttribute('aria-activedescendant', li.id);
    li.scrollIntoView({ block: 'nearest' });
  }

  /* --- item panel --- */

  function openItem(i) {
    var h = hits[i];
    if (!h) return;
    if (detailController) detailController.abort();
    detailController = new AbortController();
    var mine = ++detailSeq;
    fetchJson('/api/v1/kb/' + encodeURIComponent(h.id), detailController.signal)
      .then(function (doc) {
        if (mine !== detailSeq) return;
        showDetail(doc);
      }, function (err) {
        if (err.name === 'AbortError' || mine !== detailSeq) return;
        setStatus('无法打开 ' + h.id + '：' + err.message, true);
      });
  }

  function showDetail(doc) {
    $('detail-title').textContent = doc.title || doc.id;
    var meta = $('detail-meta');
    meta.textContent = '';
    meta.appendChild(badge('type', doc.type, TYPE_LABELS));
    if (doc.status) meta.appendChild(badge('status', doc.status, STATUS_LABELS));
    var parts = [doc.id];
    if (doc.version) parts.push('版本 ' + doc.version);
    if (doc.updated) parts.push('更新于 ' + doc.updated);
    meta.appendChild(el('span', 'meta-text', parts.join(' · ')));

    var wa = $('detail-workaround');
    if (doc.workaround) {
      $('detail-wa-text').textContent = doc.workaround;
      wa.hidden = false;
    } else {
      wa.hidden = true;
    }
    $('detail-body').innerHTML = doc.html || ''; /* rendered and sanitised by the server */

    var fields = $('detail-fields');
    fields.textContent = '';
    var f = doc.fields || {};
    Object.keys(f).forEach(function (k) {
      if (k === 'id' || k === 'type' || k === 'title' || k === 'status' || k === 'version' ||
          k === 'updated' || k === 'symptom' || k === 'cause' || k === 'workaround' ||
          k === 'fix') return;
      var v = f[k];
      fields.appendChild(el('dt', null, k));
      fields.appendChild(el('dd', null, Array.isArray(v) ? v.join('、') : String(v)));
    });
    detail.hidden = false;
    document.body.classList.add('has-detail');
  }

  function closeDetail() {
    if (detailController) detailController.abort();
    detailSeq++;
    detail.hidden = true;
    document.body.classList.remove('has-detail');
  }

  /* --- URL --- */

  function syncUrl(q, type) {
    var params = new URLSearchParams();
    if (q) params.set('q', q);
    if (type) params.set('type', type);
    var s = params.toString();
    history.replaceState(null, '', s ? '?' + s : location.pathname);
  }

  function clearAll() {
    input.value = '';
    clearTimeout(timer);
    closeDetail();
    runSearch();
    input.focus();
  }

  /* --- events --- */

  input.addEventListener('input', schedule);
  typeSel.addEventListener('change', runSearch);
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });
  dymLink.addEventListener('click', function (ev) {
    ev.preventDefault();
    input.value = dymLink.textContent;
    runSearch();
    input.focus();
  });
  $('detail-close').addEventListener('click', function () { closeDetail(); input.focus(); });
  $('detail-copy').addEventListener('click', function () {
    copyText($('detail-wa-text').textContent, $('detail-copy'));
  });

  document.addEventListener('keydown', function (ev) {
    if (ev.isComposing || ev.keyCode === 229) return; /* IME is composing Chinese */
    if (ev.target.closest && ev.target.closest('#login-form')) return; /* the form's own keys */
    if (ev.key === 'Escape') {
      ev.preventDefault();
      clearAll();
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      if (ev.target === typeSel || hits.length === 0) return;
      ev.preventDefault();
      if (ev.key === 'ArrowDown') select(selected < 0 ? 0 : selected + 1);
      else select(selected <= 0 ? 0 : selected - 1);
    } else if (ev.key === 'Enter') {
      if (ev.target.tagName === 'BUTTON' || ev.target.tagName === 'A' ||
          ev.target === typeSel) return;
      ev.preventDefault();
      if (pending) { /* Enter before the debounce fired: search now, open the first hit */
        openAfter = true;
        runSearch(true);
        return;
      }
      if (hits.length === 0) {
        if (input.value.trim()) runSearch(true);
        return;
      }
      if (selected < 0) select(0);
      openItem(selected);
    }
  });

  /* Start from ?q=...&type=... so that a search can be shared as a link. */
  var params = new URLSearchParams(location.search);
  if (params.get('type') && TYPE_LABELS[params.get('type')]) typeSel.value = params.get('type');
  if (params.get('q')) {
    input.value = params.get('q');
    runSearch();
  }
  input.focus();
})();
