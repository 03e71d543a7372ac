/* The delivery thread: the outbox's due messages over libcurl (HTTP(S) webhooks, WeCom and
 * DingTalk robots, SMTP with STARTTLS), every attempt recorded, retries with exponential
 * backoff, and the periodic SLA and follow-up sweep. See notify.h and kb_notify.h.
 *
 * Exactly once to the receiver unless the process dies between a send and its record: a
 * message is marked delivered in the database right after the receiver accepts it; the
 * stable id (X-Kedb-Event-Id, Message-ID) lets a receiver drop the rare duplicate. The
 * delivery schedule (next_at, attempt times) runs on the real clock in milliseconds; the
 * sweep uses the server's clock (srv_now) like every desk time. */
#include "notify.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_log.h"
#include "kb_notify.h"
#include "kb_setting.h"
#include "kb_store.h"
#include "srv.h"

#define BATCH 20u
#define MAX_REPLY (16u * 1024u)  /* bytes of a receiver's answer kept for the error text */
#define MAX_BACKOFF_MS (3600LL * 1000)

struct srv_notifier {
    srv_notify_opts o;
    kb_store *s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    volatile int stop; /* read by curl's progress callback without the lock */
};

static long long real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int stopping(srv_notifier *n)
{
    pthread_mutex_lock(&n->mu);
    int v = n->stop;
    pthread_mutex_unlock(&n->mu);
    return v;
}

/* --- one transfer --- */

typedef struct {
    srv_notifier *n;
    kb_buf reply;     /* the receiver's answer (HTTP body) */
    const char *up;   /* the upload (SMTP message) */
    size_t up_len, up_off;
} xfer;

static size_t on_write(char *p, size_t size, size_t nmemb, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * nmemb;
    if (x->reply.len < MAX_REPLY)
        kb_buf_add(&x->reply, p, len < MAX_REPLY - x->reply.len ? len : MAX_REPLY - x->reply.len);
    return len;
}

static size_t on_read(char *p, size_t size, size_t nmemb, void *ctx)
{
    xfer *x = ctx;
    size_t want = size * nmemb, left = x->up_len - x->up_off;
    size_t k = want < left ? want : left;
    memcpy(p, x->up + x->up_off, k);
    x->up_off += k;
    return k;
}

static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    xfer *x = ctx;
    return stopping(x->n); /* non-zero aborts the transfer */
}

/* The result of one attempt. */
typedef struct {
    int ok;
    int aborted;      /* stopped by the shutdown: not an attempt */
    long code;        /* HTTP status or SMTP reply */
    char detail[KB_NOTIFY_DETAIL_MAX + 1];
} outcome;

/* A transfer's handle with the options every send shares (timeouts, the shutdown check,
 * the reply kept), or NULL with out->detail saying why. Ends with xfer_run. */
static CURL *xfer_open(srv_notifier *n, xfer *x, char *errbuf, outcome *out)
{
    memset(x, 0, sizeof *x);
    x->n = n;
    kb_buf_init(&x->reply, 0);
    errbuf[0] = '\0';
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(out->detail, sizeof out->detail, "curl_easy_init failed");
        return NULL;
    }
    const srv_notify_opts *o = &n->o;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    long total = (long)o->timeout * 1000L;
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, total < 10000L ? total : 10000L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    return c;
}

static void finish(CURL *c, CURLcode cr, const char *errbuf, int http, xfer *x, outcome *out)
{
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->code);
    if (cr == CURLE_ABORTED_BY_CALLBACK) {
        out->aborted = 1;
        snprintf(out->detail, sizeof out->detail, "stopped by the server's shutdown");
        return;
    }
    if (cr != CURLE_OK) {
        snprintf(out->detail, sizeof out->detail, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cr));
        return;
    }
    if (http && (out->code < 200 || out->code > 299)) {
        snprintf(out->detail, sizeof out->detail, "HTTP %ld: %.200s", out->code,
                 kb_buf_str(&x->reply));
        return;
    }
    /* WeCom and DingTalk answer 200 with {"errcode": N, "errmsg": ...}; N != 0 failed */
    if (http && x->reply.len) {
        json_t *j = json_loadb(x->reply.data, x->reply.len, 0, NULL);
        json_t *ec = json_is_object(j) ? json_object_get(j, "errcode") : NULL;
        if (json_is_integer(ec) && json_integer_value(ec) != 0) {
            const char *msg = json_string_value(json_object_get(j, "errmsg"));
            snprintf(out->detail, sizeof out->detail, "errcode %lld: %.200s",
                     (long long)json_integer_value(ec), msg ? msg : "");
            json_decref(j);
            return;
        }
        json_decref(j);
    }
    out->ok = 1;
}

/* Performs the transfer, judges it into out and frees the handle and the reply. */
static void xfer_run(CURL *c, xfer *x, const char *errbuf, int http, outcome *out)
{
    CURLcode cr = curl_easy_perform(c);
    finish(c, cr, errbuf, http, x, out);
    curl_easy_cleanup(c);
    kb_buf_free(&x->reply);
}

/* The JSON body for a webhook, a WeCom or a DingTalk robot. New string (free()). */
static char *http_body(const kb_notify_channel *ch, const kb_notify_msg *m)
{
    json_t *o = json_object();
    if (ch->kind == KB_NOTIFY_WEBHOOK) {
        json_object_set_new(o, "id", json_string(m->uid));
        json_object_set_new(o, "event", srv_json_str(m->event));
        json_object_set_new(o, "object", srv_json_str(m->object));
        json_object_set_new(o, "title", srv_json_str(m->title));
        json_object_set_new(o, "text", srv_json_str(m->body));
        json_object_set_new(o, "created_at", srv_json_time(m->created_at));
    } else {
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_buf_addf(&b, "%s\n%s", m->title, m->body);
        json_t *t = json_object();
        json_object_set_new(t, "content", srv_json_str(kb_buf_str(&b)));
        kb_buf_free(&b);
        json_object_set_new(o, "msgtype", json_string("text"));
        json_object_set_new(o, "text", t);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* url with DingTalk's signature: &timestamp=MS&sign=urlencode(base64(HMAC-SHA256(secret,
 * "MS\nsecret"))). */
static char *signed_url(const kb_notify_channel *ch)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_buf_adds(&b, ch->url);
    if (ch->kind == KB_NOTIFY_DINGTALK && ch->secret[0]) {
        long long ts = real_ms();
        kb_buf text;
        kb_buf_init(&text, 0);
        kb_buf_addf(&text, "%lld\n%s", ts, ch->secret);
        unsigned char tag[KB_HASH_HMAC_BYTES];
        kb_hash_hmac_sha256(ch->secret, strlen(ch->secret), text.data, text.len, tag);
        kb_hash_wipe(text.data, text.len);
        kb_buf_free(&text);
        char *sig = kb_hash_base64(tag, sizeof tag);
        kb_buf_addf(&b, "%ctimestamp=%lld&sign=", strchr(ch->url, '?') ? '&' : '?', ts);
        srv_pct_encode(&b, sig);
        free(sig);
    }
    size_t len;
    char *s = kb_buf_detach(&b, &len);
    kb_buf_free(&b);
    return s;
}

static void send_http(srv_notifier *n, const kb_notify_channel *ch, const kb_notify_msg *m,
                      outcome *out)
{
    char errbuf[CURL_ERROR_SIZE];
    xfer x;
    CURL *c = xfer_open(n, &x, errbuf, out);
    if (!c)
        return;
    char *url = signed_url(ch);
    char *body = http_body(ch, m);
    char idh[80], evh[80];
    snprintf(idh, sizeof idh, "X-Kedb-Event-Id: %s", m->uid);
    snprintf(evh, sizeof evh, "X-Kedb-Event: %.40s", m->event);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    h = curl_slist_append(h, idh);
    h = curl_slist_append(h, evh);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "kedb-notify/1");
    xfer_run(c, &x, errbuf, 1, out);
    curl_slist_free_all(h);
    free(url);
    free(body);
}

/* base64 of s in lines of 76 characters, each ending in CRLF. */
static void add_base64_lines(kb_buf *b, const char *s)
{
    char *e = kb_hash_base64(s, strlen(s));
    size_t len = strlen(e);
    for (size_t i = 0; i < len; i += 76) {
        kb_buf_add(b, e + i, len - i < 76 ? len - i : 76);
        kb_buf_adds(b, "\r\n");
    }
    free(e);
}

static void send_mail(srv_notifier *n, const kb_notify_channel *ch, const kb_notify_msg *m,
                      outcome *out)
{
    char errbuf[CURL_ERROR_SIZE];
    xfer x;
    CURL *c = xfer_open(n, &x, errbuf, out);
    if (!c)
        return;
    /* the message: headers in ASCII (the subject RFC 2047-encoded), the text in base64 */
    kb_buf msg;
    kb_buf_init(&msg, 0);
    time_t now = (time_t)(real_ms() / 1000); /* the delivery's clock, as the attempts' */
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[64];
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    kb_buf_addf(&msg, "Date: %s\r\nMessage-ID: <%s@kedb>\r\nFrom: <%s>\r\nTo: ", date, m->uid,
                ch->from);
    struct curl_slist *rcpt = NULL;
    if (m->rcpt[0]) {
        kb_buf_addf(&msg, "<%s>", m->rcpt);
        rcpt = curl_slist_append(rcpt, m->rcpt);
    } else {
        for (size_t i = 0; i < ch->nto; i++) {
            kb_buf_addf(&msg, "%s<%s>", i ? ", " : "", ch->to[i]);
            rcpt = curl_slist_append(rcpt, ch->to[i]);
        }
    }
    char *subj = kb_hash_base64(m->title, strlen(m->title));
    kb_buf_addf(&msg, "\r\nSubject: =?UTF-8?B?%s?=\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: base64\r\nX-Kedb-Event-Id: %s\r\n"
                "X-Kedb-Event: %.40s\r\n\r\n", subj, m->uid, m->event);
    free(subj);
    add_base64_lines(&msg, m->body);
    x.up = msg.data;
    x.up_len = msg.len;
    char url[300];
    int ipv6 = strchr(ch->host, ':') != NULL;
    snprintf(url, sizeof url, "smtp://%s%s%s:%d", ipv6 ? "[" : "", ch->host, ipv6 ? "]" : "",
             ch->port);
    char from[KB_NOTIFY_ADDR_MAX + 3];
    snprintf(from, sizeof from, "<%s>", ch->from);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_USE_SSL, ch->starttls == KB_NOTIFY_TLS_REQUIRED ? (long)CURLUSESSL_ALL
                                         : ch->starttls == KB_NOTIFY_TLS_OPTIONAL
                                             ? (long)CURLUSESSL_TRY
                                             : (long)CURLUSESSL_NONE);
    if (ch->username[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, ch->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, ch->password);
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &x);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)msg.len);
    xfer_run(c, &x, errbuf, 0, out);
    curl_slist_free_all(rcpt);
    kb_buf_free(&msg);
}

/* Sends m, records the attempt and schedules a retry or gives up. */
static void deliver(srv_notifier *n, const kb_notify_msg *m)
{
    kb_err err;
    kb_err_clear(&err);
    outcome out;
    memset(&out, 0, sizeof out);
    kb_notify_channel *ch = NULL;
    kb_status rc = kb_notify_channel_get(n->s, m->channel, &ch, &err);
    if (rc == KB_ENOTFOUND) {
        snprintf(out.detail, sizeof out.detail, "channel %lld deleted", m->channel);
    } else if (rc != KB_OK) {
        kb_log(KB_LOG_WARN, "notify: cannot read channel %lld: %s", m->channel, err.msg);
        return;
    } else if (!ch->enabled) {
        snprintf(out.detail, sizeof out.detail, "channel disabled");
    } else if (ch->kind == KB_NOTIFY_EMAIL) {
        send_mail(n, ch, m, &out);
    } else {
        send_http(n, ch, m, &out);
    }
    kb_notify_channel_free(ch);
    if (out.aborted)
        return; /* stays pending: sent again after the restart */
    long long now = real_ms();
    long long next = 0;
    if (!out.ok && rc == KB_OK && (unsigned)m->attempts + 1 < n->o.attempts) {
        long long wait = n->o.backoff_ms;
        for (int i = 0; i < m->attempts && wait < MAX_BACKOFF_MS; i++)
            wait *= 2;
        next = now + (wait < MAX_BACKOFF_MS ? wait : MAX_BACKOFF_MS);
    }
    rc = kb_notify_record(n->s, m->id, now, out.ok, out.code, out.detail, next, &err);
    if (rc != KB_OK)
        kb_log(KB_LOG_WARN, "notify: cannot record message %lld: %s", m->id, err.msg);
    else if (out.ok)
        kb_log(KB_LOG_INFO, "notify: delivered id=%s event=%s channel=%lld", m->uid, m->event,
               m->channel);
    else
        kb_log(KB_LOG_WARN, "notify: attempt %d failed id=%s channel=%lld code=%ld%s: %s",
               m->attempts + 1, m->uid, m->channel, out.code, next ? "" : " (gave up)",
               out.detail);
}

/* Deletes the delivered and failed messages older than the desk's setting (days, on the
 * desk's clock like their created_at). */
static void prune(srv_notifier *n, long long now)
{
    kb_err err;
    kb_err_clear(&err);
    long long days = 0;
    size_t count = 0;
    kb_status rc = kb_setting_notify_keep_days(n->s, &days, &err);
    if (rc == KB_OK)
        rc = kb_notify_prune(n->s, now - days * 86400, &count, &err);
    if (rc != KB_OK)
        kb_log(KB_LOG_WARN, "notify: prune failed: %s", err.msg);
    else if (count)
        kb_log(KB_LOG_INFO, "notify: pruned %zu messages older than %lld days", count, days);
}

static void sweep(srv_notifier *n)
{
    kb_err err;
    kb_err_clear(&err);
    long long now;
    size_t count = 0;
    kb_status rc = srv_now(&now, &err);
    if (rc == KB_OK)
        rc = kb_notify_sweep(n->s, now, n->o.followup_after, &count, &err);
    if (rc != KB_OK)
        kb_log(KB_LOG_WARN, "notify: sweep failed: %s", err.msg);
    else if (count)
        kb_log(KB_LOG_INFO, "notify: sweep found %zu events", count);
    if (rc == KB_OK)
        prune(n, now);
}

static void *run(void *arg)
{
    srv_notifier *n = arg;
    long long last_sweep = 0;
    while (!stopping(n)) {
        long long now = real_ms();
        if (now - last_sweep >= n->o.sweep_ms) {
            sweep(n);
            last_sweep = now;
        }
        kb_notify_msg **v = NULL;
        size_t k = 0;
        kb_err err;
        kb_err_clear(&err);
        if (kb_notify_due(n->s, real_ms(), BATCH, &v, &k, &err) != KB_OK)
            kb_log(KB_LOG_WARN, "notify: cannot read the outbox: %s", err.msg);
        for (size_t i = 0; i < k && !stopping(n); i++)
            deliver(n, v[i]);
        kb_notify_msgs_free(v, k);
        if (k == BATCH)
            continue;
        /* sleep until the next poll or the stop */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ns = until.tv_nsec + (long long)n->o.interval_ms * 1000000LL;
        until.tv_sec += (time_t)(ns / 1000000000LL);
        until.tv_nsec = (long)(ns % 1000000000LL);
        pthread_mutex_lock(&n->mu);
        if (!n->stop)
            pthread_cond_timedwait(&n->cond, &n->mu, &until);
        pthread_mutex_unlock(&n->mu);
    }
    return NULL;
}

kb_status srv_notify_start(const srv_notify_opts *o, srv_notifier **out, kb_err *err)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return kb_err_set(err, KB_EINTERNAL, "libcurl does not start");
    srv_notifier *n = kb_xcalloc(1, sizeof *n);
    n->o = *o;
    kb_status rc = kb_store_open(o->db_path, KB_STORE_EXISTING, &n->s, err);
    if (rc != KB_OK) {
        free(n);
        curl_global_cleanup();
        return rc;
    }
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cond, NULL);
    if (pthread_create(&n->thread, NULL, run, n) != 0) {
        kb_store_free(n->s);
        pthread_mutex_destroy(&n->mu);
        pthread_cond_destroy(&n->cond);
        free(n);
        curl_global_cleanup();
        return kb_err_set(err, KB_EINTERNAL, "cannot start the delivery thread");
    }
    *out = n;
    return KB_OK;
}

void srv_notify_stop(srv_notifier *n)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    n->stop = 1;
    pthread_cond_signal(&n->cond);
    pthread_mutex_unlock(&n->mu);
    pthread_join(n->thread, NULL);
    kb_store_free(n->s);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cond);
    free(n);
    curl_global_cleanup();
}
