/* The only file that uses libmicrohttpd: daemon set-up, per-request state, body collection
 * with a cap, target parsing, routing, status mapping, error bodies, headers and the access
 * log line. Handlers (h_*.c) only fill a srv_resp. */
#include "http.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "kb_alloc.h"
#include "kb_hash.h"
#include "kb_log.h"
#include "pool.h"

#define MEMORY_LIMIT ((size_t)64 * 1024)  /* per connection: request line + headers + I/O */
#define CONNECTION_TIMEOUT 30u           /* seconds of inactivity */
#define IDLE_SLACK 0.05                  /* seconds: data this soon after a reply is its request's */
#define MAX_DISCARD ((size_t)16 * 1024 * 1024) /* body bytes skipped before hanging up */
#define LOG_CUT 200u                     /* bytes of the path in the access log */
#define REQUEST_ID_MAX 64u               /* bytes of an X-Request-Id taken as it is */

#define JSON_TYPE "application/json; charset=utf-8"

/* Where a connection is in its current request, for the deadlines (see reap()). */
enum phase {
    PH_HEADER,  /* receiving a request's header: header_timeout from its first byte */
    PH_BODY,    /* receiving its body: body_timeout from the end of the header */
    PH_REPLY,   /* handling it and sending the answer: the inactivity timeout applies */
    PH_IDLE,    /* between requests (keep-alive): the inactivity timeout applies */
};

/* One open TCP connection (libmicrohttpd's socket context), in the list the reaper walks.
 * Created and freed by on_connection(); phase, since and timed_out are guarded by
 * srv_http.mu. */
typedef struct watch {
    struct watch *prev;
    struct watch *next;
    int fd;
    enum phase phase;
    double since;          /* monotonic seconds when the phase began */
    int timed_out;         /* the reaper answered 408 and shut the socket down */
} watch;

struct srv_http {
    struct MHD_Daemon *daemon;
    srv_app *app;
    unsigned port;
    srv_http_opts opts;    /* a copy: timeouts and trusted proxies */
    pthread_mutex_t mu;    /* guards watches, every watch and stopping */
    pthread_cond_t wake;   /* tells the reaper to stop */
    pthread_t reaper;
    int reaper_started;
    int stopping;
    watch *watches;
};

/* Per-request state: created by the URI callback, freed by the completion callback. */
typedef struct {
    srv_http *http;
    char *target;          /* raw request target as received (path?query) */
    size_t target_len;
    struct timespec t0;
    int started;           /* the access handler has seen the headers */
    int too_big;           /* the body passed limit */
    size_t limit;          /* the route's body limit: SRV_MAX_BODY, or app->max_upload */
    size_t discarded;      /* body bytes dropped after too_big */
    kb_buf body;
    char method[16];
    unsigned status;       /* status we queued, 0 when none */
    size_t bytes;          /* body bytes of our response */
    char *set_cookie;      /* Set-Cookie value for the response (owned), NULL when none */
    unsigned retry_after;  /* seconds for a Retry-After header, 0 when none */
    int challenge;         /* add WWW-Authenticate: Bearer (a 401) */
    char filename[SRV_MAX_FILENAME + 1]; /* a download's name (srv_resp.filename), "" none */
    int show_inline;       /* srv_resp.show_inline */
    char client[64];       /* the client's address (see client_address()), "" unknown */
    char request_id[REQUEST_ID_MAX + 1]; /* X-Request-Id: the client's when sane, else ours */
    char user[KB_USER_NAME_MAX + 1]; /* the authenticated user, "" none */
    const char *route;     /* the matched route's pattern (static), NULL none */
} conn_state;

/* --- status mapping: the one table --- */

static const struct {
    kb_status code;
    unsigned http;
} status_map[] = {
    { KB_ENOTFOUND, 404 },
    { KB_EINVAL, 400 },
    { KB_EPARSE, 400 },
    { KB_EEXIST, 409 },
    { KB_ETOOBIG, 413 },
    { KB_EDENIED, 403 },
    { KB_ECONFLICT, 409 },
    { KB_EUNAVAIL, 503 },
};

static unsigned http_status(kb_status code)
{
    for (size_t i = 0; i < sizeof status_map / sizeof status_map[0]; i++)
        if (status_map[i].code == code)
            return status_map[i].http;
    return 500;
}

/* The only detail a 5xx body gives (the log line has the message). */
static void short_reason(kb_status code, kb_err *out)
{
    switch (code) {
    case KB_EDB: kb_err_set(out, code, "database error"); break;
    case KB_EIO: kb_err_set(out, code, "i/o error"); break;
    case KB_ENOMEM: kb_err_set(out, code, "out of memory"); break;
    case KB_EUNAVAIL:
        kb_err_set(out, code, "the database cannot be written now (disk full, read-only or "
                   "failing storage); nothing was changed, try again later");
        break;
    default: kb_err_set(out, code, "internal error"); break;
    }
}

/* --- state --- */

/* A new request id into st->request_id: 24 random hex digits (the clock's nanoseconds
 * when there is no randomness). Every request has one from its first byte on, so even the
 * access line of a request cut off before its headers carries one. */
static void new_request_id(conn_state *st)
{
    unsigned char raw[12];
    if (kb_hash_random(raw, sizeof raw, NULL) != KB_OK) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(st->request_id, sizeof st->request_id, "t%lld%09ld", (long long)ts.tv_sec,
                 ts.tv_nsec);
        return;
    }
    kb_hash_hex(raw, sizeof raw, st->request_id);
}

static conn_state *state_new(srv_http *h, const char *target)
{
    conn_state *st = kb_xcalloc(1, sizeof *st);
    st->http = h;
    st->target_len = strlen(target);
    st->target = kb_xstrndup(target, st->target_len);
    clock_gettime(CLOCK_MONOTONIC, &st->t0);
    new_request_id(st);
    st->limit = SRV_MAX_BODY;
    kb_buf_init(&st->body, st->limit);
    return st;
}

static void state_free(conn_state *st)
{
    if (!st)
        return;
    free(st->target);
    free(st->set_cookie);
    kb_buf_free(&st->body);
    free(st);
}

/* --- deadlines --- */

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static watch *watch_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Moves c's connection to phase ph, starting its clock now. Returns whether the reaper has
 * already answered 408 on it. */
static int set_phase(srv_http *h, struct MHD_Connection *c, enum phase ph)
{
    watch *w = watch_of(c);
    if (!w)
        return 0;
    pthread_mutex_lock(&h->mu);
    w->phase = ph;
    w->since = mono_now();
    int timed_out = w->timed_out;
    pthread_mutex_unlock(&h->mu);
    return timed_out;
}

/* libmicrohttpd closes a connection only after a time without any bytes, so a client that
 * sends its header (or body) a byte every few seconds would hold it forever. The reaper
 * wakes up a few times per deadline and ends each request that has spent longer than its
 * deadline in PH_HEADER or PH_BODY: it writes a 408 itself (the library writes nothing
 * while it is still reading a request) and shuts the socket down, so that the library sees
 * the end of the stream and closes the connection in its own thread. The library calls
 * on_connection(CLOSED), which takes mu, before it closes the descriptor, so a descriptor
 * the reaper uses under mu is never one already reused for another connection. */
static void reap(srv_http *h, watch *w, double now)
{
    if (w->timed_out)
        return;
    if (w->phase == PH_IDLE) {
        /* Between requests the library's inactivity timeout applies. The next request
         * starts with its first byte: the kernel knows when data last arrived. */
        struct tcp_info ti;
        socklen_t len = sizeof ti;
        memset(&ti, 0, sizeof ti);
        if (getsockopt(w->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
            return;
        double last = now - (double)ti.tcpi_last_data_recv / 1e3;
        if (last <= w->since + IDLE_SLACK)
            return;
        w->phase = PH_HEADER;
        w->since = last;
    }
    unsigned limit = w->phase == PH_HEADER ? h->opts.header_timeout
                   : w->phase == PH_BODY   ? h->opts.body_timeout
                                           : 0;
    if (limit == 0 || now - w->since < (double)limit)
        return;
    const char *what = w->phase == PH_HEADER ? "header" : "body";
    kb_err e;
    if (w->phase == PH_HEADER)
        kb_err_set(&e, KB_EINVAL, "the request header was not complete within %u s", limit);
    else
        kb_err_set(&e, KB_EINVAL, "the request body was not complete within %u s", limit);
    /* the messages hold no '"' or '\\': written as they are */
    char body[512];
    char msg[800];
    int blen = snprintf(body, sizeof body,
                        "{\"error\":{\"code\":\"timeout\",\"message\":\"%s\","
                        "\"message_zh\":\"%s\"}}",
                        e.msg, e.msg_zh);
    int mlen = snprintf(msg, sizeof msg,
                        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                        "Content-Type: " JSON_TYPE "\r\nCache-Control: no-store\r\n"
                        "X-Content-Type-Options: nosniff\r\nContent-Length: %d\r\n\r\n%s",
                        blen, body);
    if (blen > 0 && (size_t)blen < sizeof body && mlen > 0 && (size_t)mlen < sizeof msg) {
        ssize_t sent = send(w->fd, msg, (size_t)mlen, MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)sent; /* a client that does not read gets no answer: it is closed all the same */
    }
    shutdown(w->fd, SHUT_RDWR);
    w->timed_out = 1;
    kb_log(KB_LOG_WARN, "http: request %s not complete within %u s: 408, connection closed",
           what, limit);
}

static void *reaper(void *arg)
{
    srv_http *h = arg;
    unsigned shortest = h->opts.header_timeout < h->opts.body_timeout ? h->opts.header_timeout
                                                                     : h->opts.body_timeout;
    /* four looks per deadline: a request is ended at most a quarter of it late */
    long tick_ms = shortest >= 4 ? 1000 : (long)shortest * 250;
    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (tick_ms % 1000) * 1000000L;
        until.tv_sec += tick_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&h->wake, &h->mu, &until);
        if (h->stopping)
            break;
        double now = mono_now();
        for (watch *w = h->watches; w; w = w->next)
            reap(h, w, now);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    srv_http *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci)
            return;
        watch *w = kb_xcalloc(1, sizeof *w);
        w->fd = ci->connect_fd;
        w->phase = PH_HEADER;
        w->since = mono_now();
        pthread_mutex_lock(&h->mu);
        w->next = h->watches;
        if (h->watches)
            h->watches->prev = w;
        h->watches = w;
        pthread_mutex_unlock(&h->mu);
        *socket_context = w;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        watch *w = *socket_context;
        if (!w)
            return;
        pthread_mutex_lock(&h->mu);
        if (w->prev)
            w->prev->next = w->next;
        else
            h->watches = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&h->mu);
        free(w);
        *socket_context = NULL;
    }
}

/* --- responses --- */

/* A byte that may stand in a quoted filename="..." as it is. */
static int plain_name_byte(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '-' || ch == '_' || ch == ' ' || ch == '(' || ch == ')';
}

/* A download name handlers give: UTF-8 without control characters. */
static int filename_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || !srv_utf8_valid(s, len))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* Content-Disposition (RFC 6266) for name: filename="..." with every byte that is not
 * plainly safe as '_' (old clients), and when that changed anything, filename*=UTF-8''...
 * (RFC 5987: percent-encoded UTF-8) with the real name, which browsers prefer. */
static void content_disposition(kb_buf *b, const char *name, int show_inline)
{
    kb_buf_adds(b, show_inline ? "inline; filename=\"" : "attachment; filename=\"");
    int plain = 1;
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (plain_name_byte(ch)) {
            kb_buf_addc(b, (char)ch);
        } else {
            plain = 0;
            if (ch < 0x80 || (ch & 0xc0) == 0xc0) /* one '_' per character */
                kb_buf_addc(b, '_');
        }
    }
    kb_buf_addc(b, '"');
    if (!plain) {
        kb_buf_adds(b, "; filename*=UTF-8''");
        srv_pct_encode(b, name);
    }
}

/* Queues body (malloc'd; always consumed) with the common headers. */
static enum MHD_Result reply(struct MHD_Connection *c, conn_state *st, unsigned status,
                             char *body, size_t len, const char *ctype, const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    int is_json = strncmp(ctype, "application/json", 16) == 0;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, is_json ? "no-store" : "no-cache");
    /* On every response: no page of kedb may be framed (clickjacking), no other site may
     * load an answer as a script, image or style, no URL leaks in a Referer. Pages may load
     * only kedb's own files; everything else (JSON, CSV) may load nothing. */
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    if (strncmp(ctype, "text/html", 9) == 0) {
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                "form-action 'self'; object-src 'none'");
        MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    } else if (st->filename[0] && status < 300) {
        /* a file from a user: even opened in a tab it runs nothing, loads nothing */
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'; sandbox");
    } else {
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
    }
    if (allow && *allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    if (st->request_id[0])
        MHD_add_response_header(r, "X-Request-Id", st->request_id);
    if (st->set_cookie)
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, st->set_cookie);
    if (st->challenge)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"kedb\"");
    if (st->filename[0] && status < 300) {
        kb_buf cd;
        kb_buf_init(&cd, 0);
        content_disposition(&cd, st->filename, st->show_inline);
        MHD_add_response_header(r, "Content-Disposition", kb_buf_str(&cd));
        kb_buf_free(&cd);
    }
    if (st->retry_after) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", st->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    set_phase(st->http, c, PH_REPLY);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    st->status = status;
    st->bytes = len;
    return ok;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, conn_state *st, unsigned status,
                                  json_t *o, const char *allow)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!s)
        return MHD_NO;
    return reply(c, st, status, s, strlen(s), JSON_TYPE, allow);
}

/* {"error":{"code","message","message_zh"}} (srv_error_json); code NULL names e's status. */
static enum MHD_Result reply_error(struct MHD_Connection *c, conn_state *st, unsigned status,
                                   const char *code, const kb_err *e, const char *allow)
{
    return reply_json(c, st, status, srv_error_json(code, e), allow);
}

/* --- request target --- */

static kb_status add_query_arg(srv_req *rq, const char *p, size_t len, kb_err *err)
{
    const char *eq = memchr(p, '=', len);
    size_t name_raw = eq ? (size_t)(eq - p) : len;
    size_t name_len;
    size_t value_len = 0;
    char *name = srv_pct_decode(p, name_raw, 1, &name_len);
    char *value = eq ? srv_pct_decode(eq + 1, len - name_raw - 1, 1, &value_len)
                     : kb_xstrdup("");
    kb_status rc = KB_OK;
    if (memchr(name, '\0', name_len) || !srv_utf8_valid(name, name_len))
        rc = kb_err_set(err, KB_EINVAL, "a query parameter name is not valid UTF-8 text");
    else if (memchr(value, '\0', value_len))
        rc = kb_err_set(err, KB_EINVAL, "query parameter '%.40s' contains a NUL byte", name);
    else if (!srv_utf8_valid(value, value_len))
        rc = kb_err_set(err, KB_EINVAL, "query parameter '%.40s' is not valid UTF-8", name);
    if (rc != KB_OK) {
        free(name);
        free(value);
        return rc;
    }
    rq->query = kb_xrealloc(rq->query, (rq->nquery + 1) * sizeof *rq->query);
    rq->query[rq->nquery].name = name;
    rq->query[rq->nquery].value = value;
    rq->nquery++;
    return KB_OK;
}

/* Splits q[0..len) on '&' into decoded arguments ('+' is a space). */
static kb_status parse_query(srv_req *rq, const char *q, size_t len, kb_err *err)
{
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(q + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - q) : len;
        if (end > i) {
            if (rq->nquery == SRV_MAX_QUERY)
                return kb_err_set(err, KB_EINVAL, "the query string has more than %u parameters",
                                  SRV_MAX_QUERY);
            kb_status rc = add_query_arg(rq, q + i, end - i, err);
            if (rc != KB_OK)
                return rc;
        }
        i = end + 1;
    }
    return KB_OK;
}

/* True when a Content-Type value names JSON: "application/json" in any letter case, with
 * parameters allowed, but a charset parameter must say UTF-8 (RFC 8259). */
static int is_json_type(const char *ct)
{
    static const char json[] = "application/json";
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, json, sizeof json - 1) != 0)
        return 0;
    const char *p = ct + sizeof json - 1;
    while (*p == ' ' || *p == '\t')
        p++;
    while (*p == ';') {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t name_len = strcspn(p, "=;");
        const char *value = p[name_len] == '=' ? p + name_len + 1 : p + name_len;
        while (name_len > 0 && (p[name_len - 1] == ' ' || p[name_len - 1] == '\t'))
            name_len--;
        while (*value == ' ' || *value == '\t')
            value++;
        size_t value_len = strcspn(value, ";");
        while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
            value_len--;
        if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
            value++;
            value_len -= 2;
        }
        if (name_len == 7 && strncasecmp(p, "charset", 7) == 0 &&
            !((value_len == 5 && strncasecmp(value, "utf-8", 5) == 0) ||
              (value_len == 4 && strncasecmp(value, "utf8", 4) == 0)))
            return 0;
        p = value + strcspn(value, ";");
    }
    return *p == '\0';
}

/* --- client address --- */

/* Parses one IPv4 or IPv6 literal s[0..len) (no brackets, no port) into *out, IPv4 as
 * ::ffff:a.b.c.d. Returns 0, or -1 when it is not an address. */
static int parse_address(const char *s, size_t len, struct in6_addr *out)
{
    char text[INET6_ADDRSTRLEN];
    if (len == 0 || len >= sizeof text)
        return -1;
    memcpy(text, s, len);
    text[len] = '\0';
    struct in_addr a4;
    if (inet_pton(AF_INET, text, &a4) == 1) {
        memset(out, 0, sizeof *out);
        out->s6_addr[10] = 0xff;
        out->s6_addr[11] = 0xff;
        memcpy(&out->s6_addr[12], &a4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

/* a as text into out: IPv4-mapped addresses in dotted form. */
static void address_text(const struct in6_addr *a, char *out, size_t size)
{
    if (IN6_IS_ADDR_V4MAPPED(a))
        inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)size);
    else
        inet_ntop(AF_INET6, a, out, (socklen_t)size);
}

kb_status srv_netlist_add(srv_netlist *l, const char *list, kb_err *err)
{
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        const char *s = p;
        size_t n = len;
        while (n > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        const char *slash = memchr(s, '/', n);
        size_t alen = slash ? (size_t)(slash - s) : n;
        struct in6_addr a;
        unsigned bits = 128;
        int bad = parse_address(s, alen, &a) != 0;
        int v4 = !bad && IN6_IS_ADDR_V4MAPPED(&a) && memchr(s, ':', alen) == NULL;
        if (!bad && slash) {
            size_t dlen = n - alen - 1;
            unsigned v = 0;
            bad = dlen == 0 || dlen > 3;
            for (size_t i = 0; !bad && i < dlen; i++) {
                bad = slash[1 + i] < '0' || slash[1 + i] > '9';
                v = v * 10 + (unsigned)(slash[1 + i] - '0');
            }
            bad = bad || v > (v4 ? 32u : 128u);
            bits = v4 ? v + 96 : v;
        }
        if (bad)
            return kb_err_set(err, KB_EINVAL, "'%.*s' is not an IPv4 or IPv6 address or "
                              "network (address/prefix)", (int)(n < 64 ? n : 64), s);
        if (l->n == SRV_NETLIST_MAX)
            return kb_err_set(err, KB_EINVAL, "more than %u addresses or networks",
                              SRV_NETLIST_MAX);
        l->addr[l->n] = a;
        l->bits[l->n++] = (unsigned char)bits;
        if (p[len] == '\0')
            return KB_OK;
        p += len + 1;
    }
}

int srv_netlist_has(const srv_netlist *l, const char *address)
{
    struct in6_addr a;
    if (!address || parse_address(address, strlen(address), &a) != 0)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        unsigned bits = l->bits[i], k = 0;
        for (; k + 8 <= bits && a.s6_addr[k / 8] == l->addr[i].s6_addr[k / 8]; k += 8)
            ;
        if (k + 8 <= bits)
            continue;
        unsigned rest = bits - k;
        unsigned char mask = (unsigned char)(0xff00u >> rest);
        if (rest == 0 || ((a.s6_addr[k / 8] ^ l->addr[i].s6_addr[k / 8]) & mask) == 0)
            return 1;
    }
    return 0;
}

kb_status srv_http_add_proxies(srv_http_opts *o, const char *list, kb_err *err)
{
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        const char *s = p;
        size_t n = len;
        while (n > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        struct in6_addr a;
        if (parse_address(s, n, &a) != 0)
            return kb_err_set(err, KB_EINVAL, "'%.*s' is not an IPv4 or IPv6 address",
                              (int)(n < 64 ? n : 64), s);
        if (o->nproxies == SRV_HTTP_MAX_PROXIES)
            return kb_err_set(err, KB_EINVAL, "more than %u trusted proxies",
                              SRV_HTTP_MAX_PROXIES);
        o->proxies[o->nproxies++] = a;
        if (p[len] == '\0')
            return KB_OK;
        p += len + 1;
    }
}

static enum MHD_Result last_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    const char **last = cls;
    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") == 0)
        *last = value;
    return MHD_YES;
}

/* The client's address as text into out ("" when unknown): the peer's, but for a peer
 * named by --trusted-proxy the right-most entry of the last X-Forwarded-For header, which
 * is the address that proxy saw (entries further left come from the client and prove
 * nothing). A trusted peer that sends no usable entry is the client itself. */
static void client_address(const srv_http *h, struct MHD_Connection *c, char *out,
                           size_t size)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    struct in6_addr peer;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)sa;
        memset(&peer, 0, sizeof peer);
        peer.s6_addr[10] = 0xff;
        peer.s6_addr[11] = 0xff;
        memcpy(&peer.s6_addr[12], &a4->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        peer = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    } else {
        return;
    }
    address_text(&peer, out, size);
    size_t i = 0;
    while (i < h->opts.nproxies && memcmp(&h->opts.proxies[i], &peer, sizeof peer) != 0)
        i++;
    if (i == h->opts.nproxies)
        return;
    const char *xff = NULL;
    MHD_get_connection_values(c, MHD_HEADER_KIND, last_forwarded, &xff);
    if (!xff)
        return;
    const char *entry = strrchr(xff, ',');
    entry = entry ? entry + 1 : xff;
    size_t len = strlen(entry);
    while (len > 0 && (*entry == ' ' || *entry == '\t')) {
        entry++;
        len--;
    }
    while (len > 0 && (entry[len - 1] == ' ' || entry[len - 1] == '\t'))
        len--;
    struct in6_addr client;
    if (parse_address(entry, len, &client) == 0)
        address_text(&client, out, size);
}

/* --- dispatch --- */

/* Checks the request's session (srv_auth with its Authorization, Cookie and X-CSRF-Token
 * headers) against roles. Returns 0 when it may go on; otherwise gives the store back,
 * queues the refusal (401 with a challenge, 403, 500) with its result in *ok and returns
 * the status. */
static unsigned authorize(srv_app *app, struct MHD_Connection *c, conn_state *st, srv_req *rq,
                          unsigned roles, enum MHD_Result *ok)
{
    const char *code = NULL;
    kb_err err;
    kb_err_clear(&err);
    unsigned denied = srv_auth(
        rq, roles, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"),
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token"), &code, &err);
    if (denied) {
        if (rq->store) {
            srv_pool_put(app->pool, rq->store);
            rq->store = NULL;
        }
        st->challenge = denied == 401;
        *ok = reply_error(c, st, denied, code, &err, NULL);
    }
    if (rq->user[0])
        snprintf(st->user, sizeof st->user, "%s", rq->user);
    return denied;
}

static enum MHD_Result dispatch(srv_app *app, struct MHD_Connection *c, conn_state *st,
                                const char *method)
{
    const char *target = st->target;
    const char *qmark = memchr(target, '?', st->target_len);
    size_t path_len = qmark ? (size_t)(qmark - target) : st->target_len;

    srv_req rq;
    memset(&rq, 0, sizeof rq);
    rq.app = app;
    rq.method = method;
    rq.body = st->body; /* moved: st->body is re-initialised below */
    kb_buf_init(&st->body, st->limit);
    memcpy(rq.client, st->client, sizeof rq.client);
    rq.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_TYPE);
    rq.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    rq.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

    srv_resp rs;
    memset(&rs, 0, sizeof rs);
    rs.status = 200;
    kb_err err;
    kb_err_clear(&err);
    enum MHD_Result ok;

    size_t dlen;
    char *path = srv_pct_decode(target, path_len, 0, &dlen);
    rq.path = path;
    if (memchr(path, '\0', dlen) || !srv_utf8_valid(path, dlen)) {
        kb_err_set(&err, KB_EINVAL, "the path is not valid UTF-8 text");
        ok = reply_error(c, st, 400, NULL, &err, NULL);
        goto out;
    }
    if (qmark && parse_query(&rq, qmark + 1, st->target_len - path_len - 1, &err) != KB_OK) {
        ok = reply_error(c, st, 400, NULL, &err, NULL);
        goto out;
    }

    srv_match m;
    srv_route_match(&rq, method, target, path_len, &m);
    st->route = m.pattern;
    if (!m.handler) {
        if (m.status == 405)
            kb_err_set(&err, KB_EINVAL, "method %.16s is not allowed here; allowed: %s", method,
                       m.allow);
        else if (m.status == 400)
            err = m.why;
        else
            kb_err_set(&err, KB_ENOTFOUND, "no such route");
        ok = reply_error(c, st, m.status, NULL, &err, m.status == 405 ? m.allow : NULL);
        goto out;
    }

    if (m.body != SRV_BODY_RAW && rq.body.len > 0 &&
        !(rq.content_type && is_json_type(rq.content_type))) {
        /* Every body kedb takes is JSON. Refusing the rest also keeps other sites' plain
         * forms (text/plain, form-urlencoded: no preflight) from posting to the API. */
        kb_err_set(&err, KB_EINVAL, "the request body must be JSON: send 'Content-Type: "
                   "application/json'");
        ok = reply_error(c, st, 415, "unsupported_media_type", &err, NULL);
        goto out;
    }

    /* every route that needs a role is checked here, so no handler can forget */
    if (m.roles && authorize(app, c, st, &rq, m.roles, &ok))
        goto out;

    kb_status rc = m.handler(&rq, &rs, &err);
    if (rq.store) {
        srv_pool_put(app->pool, rq.store);
        rq.store = NULL;
    }
    if (rc == KB_OK && rs.set_cookie) {
        st->set_cookie = rs.set_cookie;
        rs.set_cookie = NULL;
    }
    free(rs.set_cookie);
    st->retry_after = rs.retry_after;
    if (rc == KB_OK && filename_ok(rs.filename)) {
        snprintf(st->filename, sizeof st->filename, "%s", rs.filename);
        st->show_inline = rs.show_inline;
    }
    if (rc != KB_OK) {
        json_decref(rs.json);
        free(rs.body);
        unsigned status = http_status(rc);
        if (status >= 500) {
            kb_log(KB_LOG_ERROR, "%s %s: %s: %s", method, m.pattern, kb_status_name(rc),
                   err.msg);
            short_reason(rc, &err);
        }
        err.code = rc;
        ok = reply_error(c, st, status, NULL, &err, NULL);
    } else if (rs.json) {
        free(rs.body);
        ok = reply_json(c, st, rs.status ? rs.status : 200, rs.json, NULL);
    } else {
        ok = reply(c, st, rs.status ? rs.status : 200, rs.body ? rs.body : kb_xstrdup(""),
                   rs.body_len, rs.content_type ? rs.content_type : "application/octet-stream",
                   NULL);
    }
out:
    srv_req_clear(&rq);
    free(path);
    return ok;
}

/* --- MHD callbacks --- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    conn_state *st = state_new(cls, uri ? uri : "");
    /* the peer for now (the access line of a request cut off before its headers); the
     * headers may name the client behind a trusted proxy (on_access) */
    client_address(st->http, c, st->client, sizeof st->client);
    /* We parse the query ourselves, from the copy in st->target (parse_query). libmicrohttpd
     * 0.9.75 calls this before it splits the query in its own buffer into one record per
     * argument, taken from the connection's memory pool: about 900 arguments exhaust the
     * 64 KiB pool, and the connection then neither answers nor closes until the timeout.
     * Ending its string right after the '?' leaves it nothing to split. */
    char *qmark = uri ? strchr(uri, '?') : NULL;
    if (qmark)
        qmark[1] = '\0';
    return st;
}

/* Counts the framing headers of a request. */
struct framing {
    unsigned content_length;      /* Content-Length headers */
    unsigned transfer_encoding;   /* Transfer-Encoding headers */
    const char *te;               /* the last Transfer-Encoding value */
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct framing *f = cls;
    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        f->content_length++;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->transfer_encoding++;
        f->te = value;
    }
    return MHD_YES;
}

/* KB_OK when the body's framing is unambiguous, else KB_EINVAL and err says why. libmicrohttpd 0.9.75 takes the
 * first of several Content-Length headers, lets chunked win over Content-Length and waits
 * forever for a body framed by another transfer coding; a proxy in front may frame the same
 * bytes differently (request smuggling), so each of these is refused. A Content-Length that
 * is not a number the library refuses itself (400). */
static kb_status check_framing(struct MHD_Connection *c, kb_err *err)
{
    struct framing f = { 0, 0, NULL };
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
    if (f.content_length > 1)
        return kb_err_set(err, KB_EINVAL, "the request has more than one Content-Length header");
    if (f.transfer_encoding > 1)
        return kb_err_set(err, KB_EINVAL,
                          "the request has more than one Transfer-Encoding header");
    if (f.transfer_encoding && f.content_length)
        return kb_err_set(err, KB_EINVAL,
                          "the request has both Content-Length and Transfer-Encoding");
    if (f.transfer_encoding && strcasecmp(f.te, "chunked") != 0)
        return kb_err_set(err, KB_EINVAL, "Transfer-Encoding must be chunked");
    return KB_OK;
}

static enum MHD_Result reply_too_big(struct MHD_Connection *c, conn_state *st)
{
    kb_err err;
    if (st->limit % (1024 * 1024) == 0)
        kb_err_set(&err, KB_ETOOBIG, "the request body is larger than %zu MiB",
                   st->limit / (1024 * 1024));
    else
        kb_err_set(&err, KB_ETOOBIG, "the request body is larger than %zu bytes", st->limit);
    return reply_error(c, st, 413, NULL, &err, NULL);
}

/* As soon as the headers are in: the route decides the body's limit, and a route that takes
 * a file (SRV_BODY_RAW) checks the caller's roles before it reads a byte of it, so that
 * nobody without the right to attach can make the server hold megabytes; a route with an
 * early check (srv_match.early) may refuse the request before its body arrives. *refused says
 * that an error was queued (the result is then MHD_queue_response's). */
static enum MHD_Result route_early(srv_http *h, struct MHD_Connection *c, conn_state *st,
                                   const char *method, int *refused)
{
    *refused = 0;
    const char *q = memchr(st->target, '?', st->target_len);
    size_t path_len = q ? (size_t)(q - st->target) : st->target_len;
    srv_req rq;
    memset(&rq, 0, sizeof rq);
    rq.app = h->app;
    rq.method = method;
    srv_match m;
    srv_route_match(&rq, method, st->target, path_len, &m);
    st->route = m.pattern;
    enum MHD_Result ok = MHD_YES;
    if (m.handler && m.body == SRV_BODY_RAW) {
        st->limit = h->app->max_upload ? h->app->max_upload : SRV_MAX_BODY;
        kb_buf_free(&st->body);
        kb_buf_init(&st->body, st->limit);
        *refused = m.roles && authorize(h->app, c, st, &rq, m.roles, &ok);
        if (rq.store) {
            srv_pool_put(h->app->pool, rq.store);
            rq.store = NULL;
        }
    }
    if (m.handler && m.early && !*refused) {
        srv_resp rs;
        memset(&rs, 0, sizeof rs);
        kb_err err;
        kb_err_clear(&err);
        memcpy(rq.client, st->client, sizeof rq.client);
        /* a failing check refuses nothing here: the handler runs its checks again */
        if (m.early(&rq, &rs, &err) == KB_OK && rs.json) {
            st->retry_after = rs.retry_after;
            *refused = 1;
            ok = reply_json(c, st, rs.status ? rs.status : 400, rs.json, NULL);
            rs.json = NULL;
        }
        json_decref(rs.json);
        free(rs.body);
        free(rs.set_cookie);
    }
    srv_req_clear(&rq);
    return ok;
}

/* The client's X-Request-Id replaces ours when it is 1 to REQUEST_ID_MAX letters, digits,
 * '-', '_', '.' or ':' (a proxy's or a caller's id, so a request can be followed through
 * both logs); anything else is ignored. */
static void take_request_id(struct MHD_Connection *c, conn_state *st)
{
    const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
    size_t len = id ? strlen(id) : 0;
    int sane = len > 0 && len <= REQUEST_ID_MAX;
    for (size_t i = 0; sane && i < len; i++) {
        unsigned char ch = (unsigned char)id[i];
        sane = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
               (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == ':';
    }
    if (sane)
        memcpy(st->request_id, id, len + 1);
}

static enum MHD_Result access_request(srv_http *h, struct MHD_Connection *c, conn_state *st,
                                      const char *method, const char *upload_data,
                                      size_t *upload_data_size)
{
    if (!st->started) {
        st->started = 1;
        snprintf(st->method, sizeof st->method, "%s", method);
        client_address(h, c, st->client, sizeof st->client);
        if (set_phase(h, c, PH_BODY))
            return MHD_NO; /* the reaper has answered 408 meanwhile */
        kb_err err;
        if (st->target_len > SRV_MAX_TARGET) {
            kb_err_set(&err, KB_ETOOBIG, "the request URL is longer than 8 KiB");
            return reply_error(c, st, 414, NULL, &err, NULL);
        }
        if (check_framing(c, &err) != KB_OK)
            return reply_error(c, st, 400, NULL, &err, NULL);
        int refused = 0;
        enum MHD_Result early = route_early(h, c, st, method, &refused);
        if (refused)
            return early;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (n > st->limit)
                return reply_too_big(c, st);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!st->too_big && kb_buf_add(&st->body, upload_data, n) != KB_OK) {
            st->too_big = 1;
            kb_buf_free(&st->body);
        }
        if (st->too_big) {
            /* Chunked bodies have no length up front: skip the rest, answer 413 at the end,
             * but hang up on a client that will not stop. */
            st->discarded += n;
            if (st->discarded > MAX_DISCARD)
                return MHD_NO;
        }
        return MHD_YES;
    }
    if (st->too_big)
        return reply_too_big(c, st);
    return dispatch(h->app, c, st, st->method);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    srv_http *h = cls;
    (void)version;
    conn_state *st = *con_cls;
    if (!st) {
        st = state_new(h, url ? url : "");
        *con_cls = st;
    }
    if (!st->started)
        take_request_id(c, st);
    /* every line logged while this thread works on the request carries its id */
    kb_log_set_request(st->request_id);
    enum MHD_Result ok = access_request(h, c, st, method, upload_data, upload_data_size);
    kb_log_set_request(NULL);
    return ok;
}

static int is_alnum(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Appends the path s[0..len) cut to max bytes as it may stand in a log: bytes outside
 * printable ASCII as %XX, and as '*' every run of 9 or more digits (a mobile number, an id
 * card, an account; 8 digits stay: the dates in ticket numbers) and every run of 16 or more letters and digits with a digit in it (a
 * token, a key): callers' numbers and secrets never reach the log, whatever a client puts
 * in a URL. */
static void log_path(kb_buf *b, const char *s, size_t len, size_t max)
{
    size_t n = len < max ? len : max;
    size_t i = 0;
    while (i < n) {
        size_t run = 0;
        size_t digits = 0;
        while (i + run < len && is_alnum(s[i + run])) {
            digits += s[i + run] >= '0' && s[i + run] <= '9';
            run++;
        }
        if ((digits >= 9 && digits == run) || (run >= 16 && digits > 0)) {
            kb_buf_addc(b, '*');
            i += run;
            continue;
        }
        if (run > 0) {
            kb_buf_add(b, s + i, i + run <= n ? run : n - i);
            i += run;
            continue;
        }
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '%' || ch == '\\')
            kb_buf_addf(b, "%%%02X", ch);
        else
            kb_buf_addc(b, (char)ch);
        i++;
    }
    if (len > max)
        kb_buf_adds(b, "...");
}

/* How many parameters the query q[0..len) has: their names and values are never logged (a
 * search for a caller's number, a token someone put in a link). */
static size_t query_params(const char *q, size_t len)
{
    size_t n = 0;
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(q + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - q) : len;
        n += end > i;
        i = end + 1;
    }
    return n;
}

/* The access line: one per request, after its answer went out (or the client left). */
static void log_access(conn_state *st, double ms, int aborted)
{
    kb_buf path;
    kb_buf_init(&path, 0);
    const char *q = memchr(st->target, '?', st->target_len);
    size_t path_len = q ? (size_t)(q - st->target) : st->target_len;
    log_path(&path, st->target, path_len, LOG_CUT);
    char params[32];
    snprintf(params, sizeof params, "%zu", q ? query_params(q + 1, st->target_len - path_len - 1)
                                             : (size_t)0);
    char status[16];
    char bytes[32];
    char dur[32];
    snprintf(status, sizeof status, "%u", st->status);
    snprintf(bytes, sizeof bytes, "%zu", st->bytes);
    snprintf(dur, sizeof dur, "%.1f", ms);
    const kb_log_field f[] = {
        { "method", st->method[0] ? st->method : "-", 0 },
        { "route", st->route ? st->route : "-", 0 },
        { "path", kb_buf_str(&path), 0 },
        { "params", params, 1 },
        { "status", st->status ? status : "0", 1 },
        { "bytes", bytes, 1 },
        { "duration_ms", dur, 1 },
        { "user", st->user[0] ? st->user : "-", 0 },
        { "client", st->client[0] ? st->client : "-", 0 },
        { "aborted", aborted ? "true" : NULL, 1 },
    };
    kb_log_set_request(st->request_id);
    kb_log_fields(KB_LOG_INFO, "access", f, sizeof f / sizeof f[0]);
    kb_log_set_request(NULL);
    kb_buf_free(&path);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    srv_http *h = cls;
    conn_state *st = *con_cls;
    if (!st)
        return;
    *con_cls = NULL;
    if (set_phase(h, c, PH_IDLE))
        st->status = 408;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - st->t0.tv_sec) * 1e3 +
                (double)(t1.tv_nsec - st->t0.tv_nsec) / 1e6;
    srv_metrics_observe(h->app->metrics, st->method[0] ? st->method : NULL, st->route,
                        st->status, ms / 1e3);
    if (kb_log_enabled(KB_LOG_INFO))
        log_access(st, ms, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
    state_free(st);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        msg[--len] = '\0';
    kb_log(KB_LOG_WARN, "http: %s", msg);
}

/* --- daemon --- */

kb_status srv_http_start(srv_app *app, const srv_http_opts *opts, srv_http **out, kb_err *err)
{
    *out = NULL;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(opts->host, NULL, &hints, &ai);
    if (gai != 0 || !ai)
        return kb_err_set(err, KB_EINVAL, "cannot resolve host '%s': %s", opts->host,
                          gai_strerror(gai));
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    /* MHD_USE_ITC: srv_http_drain() quiesces the daemon (stops listening) */
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                         MHD_USE_ITC;
    if (ai->ai_family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
        memcpy(a6, ai->ai_addr, sizeof *a6);
        a6->sin6_port = htons((uint16_t)opts->port);
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
        memcpy(a4, ai->ai_addr, sizeof *a4);
        a4->sin_port = htons((uint16_t)opts->port);
    }
    freeaddrinfo(ai);

    srv_http *h = kb_xcalloc(1, sizeof *h);
    h->app = app;
    h->opts = *opts;
    if (h->opts.header_timeout == 0)
        h->opts.header_timeout = SRV_HTTP_HEADER_TIMEOUT;
    if (h->opts.body_timeout == 0)
        h->opts.body_timeout = SRV_HTTP_BODY_TIMEOUT;
    if (h->opts.max_connections == 0)
        h->opts.max_connections = SRV_HTTP_MAX_CONNECTIONS;
    if (h->opts.max_per_ip == 0)
        h->opts.max_per_ip = SRV_HTTP_MAX_PER_IP;
    pthread_mutex_init(&h->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);
    h->daemon = MHD_start_daemon(
        flags, (uint16_t)opts->port, NULL, NULL, on_access, h,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(opts->threads ? opts->threads : 1),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->opts.max_per_ip,
        MHD_OPTION_CONNECTION_LIMIT, h->opts.max_connections,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
        MHD_OPTION_END);
    if (!h->daemon) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return kb_err_set(err, KB_EIO, "cannot listen on %s port %u", opts->host, opts->port);
    }
    if (pthread_create(&h->reaper, NULL, reaper, h) != 0) {
        srv_http_stop(h);
        return kb_err_set(err, KB_EINTERNAL, "cannot start the request-deadline thread");
    }
    h->reaper_started = 1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    h->port = (info && info->port) ? info->port : opts->port;
    *out = h;
    return KB_OK;
}

unsigned srv_http_port(const srv_http *h)
{
    return h->port;
}

size_t srv_http_drain(srv_http *h, unsigned timeout_ms)
{
    if (!h)
        return 0;
    MHD_socket fd = MHD_quiesce_daemon(h->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd); /* new connections are refused from here on */
    double until = mono_now() + (double)timeout_ms / 1e3;
    for (;;) {
        size_t busy = 0;
        pthread_mutex_lock(&h->mu);
        for (watch *w = h->watches; w; w = w->next)
            busy += !w->timed_out && (w->phase == PH_BODY || w->phase == PH_REPLY);
        pthread_mutex_unlock(&h->mu);
        if (busy == 0 || mono_now() >= until)
            return busy;
        struct timespec pause = { 0, 20 * 1000000L };
        nanosleep(&pause, NULL);
    }
}

void srv_http_stop(srv_http *h)
{
    if (!h)
        return;
    if (h->reaper_started) {
        pthread_mutex_lock(&h->mu);
        h->stopping = 1;
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->reaper, NULL);
    }
    MHD_stop_daemon(h->daemon); /* on_connection(CLOSED) frees every watch */
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
