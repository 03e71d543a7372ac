/* The public survey page (survey.html#TOKEN): no account, no session. The one-time link's
 * token is in the fragment (never sent in a request line or a Referer); the page reads the
 * survey through GET /api/v1/public/survey/{token} and sends the one answer with POST.
 * Nothing else of kedb is reachable from here. */
'use strict';

(function () {
  var I18N = window.KEDB_I18N || { zh: {}, en: {} };
  var lang = (navigator.language || '').toLowerCase().indexOf('zh') === 0 || !navigator.language ? 'zh' : 'en';
  function t(key) {
    var s = I18N[lang][key];
    if (s === undefined) s = I18N.zh[key];
    if (s === undefined) s = key;
    for (var i = 1; i < arguments.length; i++) s = s.split('{' + (i - 1) + '}').join(arguments[i]);
    return s;
  }
  function el(tag, props) {
    var e = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === undefined || c === null || c === false) continue;
      (Array.isArray(c) ? c : [c]).forEach(function (x) {
        e.appendChild(typeof x === 'string' ? document.createTextNode(x) : x);
      });
    }
    return e;
  }
  var main = document.getElementById('survey');
  function say(text, isError) {
    var s = document.getElementById('sv-status');
    s.textContent = text;
    s.classList.toggle('error', !!isError);
  }
  function errorText(data, status) {
    var e = data && data.error;
    if (e && lang === 'zh' && e.message_zh) return e.message_zh;
    if (e && e.message) return e.message;
    return t('sv.failed', status);
  }
  function call(method, body) {
    return fetch('/api/v1/public/survey/' + encodeURIComponent(token), {
      method: method, credentials: 'omit', cache: 'no-store',
      headers: body ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (d) {
        if (!r.ok) { var e = new Error(errorText(d, r.status)); e.status = r.status; throw e; }
        return d;
      });
    });
  }
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = t('sv.public.title');
  var token = location.hash.replace(/^#/, '');
  if (!/^[0-9a-f]{64}$/.test(token)) { say(t('sv.public.badlink'), true); return; }
  call('GET').then(function (s) {
    say('');
    main.appendChild(el('h1', { text: s.name }));
    if (s.intro) main.appendChild(el('p', { class: 'description', text: s.intro }));
    if (s.answered) { say(t('sv.public.done'), false); return; }
    var inputs = [];
    var checks = [];
    /* the server counts an answer's UTF-8 bytes (a Chinese character is 3), the browser's
     * maxlength characters: count bytes here, say so before sending */
    var maxBytes = s.answer_max_bytes || 2000;
    var enc = new TextEncoder();
    function bytes(v) { return enc.encode(v).length; }
    var form = el('form', { class: 'card', id: 'sv-form' });
    s.questions.forEach(function (q, i) {
      var legend = el('legend', { text: (i + 1) + '. ' + q.text + (q.required ? ' *' : '') });
      if (q.kind === 'rating') {
        var box = el('div', { class: 'stars', role: 'radiogroup' });
        for (var k = 5; k >= 1; k--) {
          box.appendChild(el('input', { type: 'radio', name: 'q' + i, id: 'sv-q' + i + '-' + k, value: String(k) }));
          box.appendChild(el('label', { for: 'sv-q' + i + '-' + k, title: k + '/5', text: '★' }));
        }
        inputs.push(function () { var c = box.querySelector('input:checked'); return c ? Number(c.value) : null; });
        form.appendChild(el('fieldset', { class: 'field' }, legend, box));
      } else {
        var ta = el('textarea', { id: 'sv-q' + i, rows: '3', maxlength: String(maxBytes), 'aria-label': q.text,
                                  'aria-describedby': 'sv-q' + i + '-n' });
        var count = el('small', { class: 'hint', id: 'sv-q' + i + '-n' });
        ta.addEventListener('input', function () {
          var n = bytes(ta.value.trim());
          count.textContent = n > maxBytes * 0.8 ? t('sv.public.bytes', n, maxBytes) : '';
          count.classList.toggle('warn', n > maxBytes);
        });
        inputs.push(function () { return ta.value.trim() || null; });
        checks.push(function () {
          return bytes(ta.value.trim()) > maxBytes ? t('sv.public.toolong', i + 1, maxBytes, Math.floor(maxBytes / 3)) : null;
        });
        form.appendChild(el('fieldset', { class: 'field' }, legend, ta, count));
      }
    });
    var send = el('button', { type: 'submit', class: 'primary', id: 'sv-submit', text: t('sv.public.submit') });
    form.appendChild(send);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var bad = checks.map(function (f) { return f(); }).filter(Boolean)[0];
      if (bad) { say(bad, true); return; }
      send.disabled = true;
      call('POST', { answers: inputs.map(function (f) { return f(); }) }).then(function () {
        form.remove();
        say(t('sv.public.thanks'));
      }, function (e) { send.disabled = false; say(e.message, true); });
    });
    main.appendChild(form);
  }, function (e) { say(e.message, true); });
})();
