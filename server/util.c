#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb_alloc.h"
#include "kb_doc.h"
#include "kb_text.h"
#include "srv.h"

int srv_utf8_valid(const char *p, size_t len)
{
    return kb_text_utf8_bad_at(p, len) == len;
}

size_t srv_utf8_cut(const char *p, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    /* Step back over continuation bytes to the start of the sequence cut in two. */
    while (cut > 0 && ((unsigned char)p[cut] & 0xc0u) == 0x80u)
        cut--;
    return cut;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *srv_pct_decode(const char *p, size_t len, int plus, size_t *out_len)
{
    char *out = kb_xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '%' && i + 2 < len) {
            int hi = hexval(p[i + 1]);
            int lo = hexval(p[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out[o++] = (char)(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out[o++] = (plus && c == '+') ? ' ' : c;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

kb_status srv_pct_encode(kb_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        kb_status rc;
        if (plain) {
            rc = kb_buf_addc(b, (char)c);
        } else {
            char esc[3] = { '%', hex[c >> 4], hex[c & 15u] };
            rc = kb_buf_add(b, esc, sizeof esc);
        }
        if (rc != KB_OK)
            return rc;
    }
    return KB_OK;
}

json_t *srv_json_strings(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, srv_json_str(v[i]));
    return a;
}

json_t *srv_error_json(const char *code, const kb_err *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(code ? code : kb_status_name(e->code)));
    json_object_set_new(o, "message", srv_json_str(e->msg[0] ? e->msg : kb_status_name(e->code)));
    json_object_set_new(o, "message_zh", srv_json_str(e->msg_zh[0] ? e->msg_zh
                                                                   : kb_status_zh(e->code)));
    json_t *w = json_object();
    json_object_set_new(w, "error", o);
    return w;
}

json_t *srv_json_str(const char *s)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    if (srv_utf8_valid(s, len)) {
        json_t *j = json_stringn(s, len);
        return j ? j : json_string("");
    }
    kb_buf b;
    kb_buf_init(&b, 0);
    size_t i = 0;
    while (i < len) {
        size_t n = kb_text_utf8_seq(s + i, len - i);
        if (n == 0) {
            kb_buf_adds(&b, "\xef\xbf\xbd");
            i++;
        } else {
            kb_buf_add(&b, s + i, n);
            i += n;
        }
    }
    json_t *j = json_stringn(kb_buf_str(&b), b.len);
    kb_buf_free(&b);
    return j ? j : json_string("");
}

int srv_parse_size(const char *s, size_t max, size_t *out)
{
    if (!s || !*s)
        return -1;
    size_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        size_t d = (size_t)(*p - '0');
        if (d > max || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

kb_status srv_now(long long *out, kb_err *err)
{
    const char *path = getenv("KEDB_FAKE_NOW_FILE");
    if (!path || !*path) {
        *out = (long long)time(NULL);
        return KB_OK;
    }
    char buf[64];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    while (end && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
        end++;
    if (!f || n == 0 || errno != 0 || end == buf || *end != '\0' || v <= 0)
        return kb_err_set(err, KB_EIO, "KEDB_FAKE_NOW_FILE '%s' does not hold epoch seconds",
                          path);
    *out = v;
    return KB_OK;
}

json_t *srv_json_time(long long t)
{
    if (!t)
        return json_null();
    char when[32];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    if (strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(when);
}

int srv_valid_id(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > KB_MAX_ID_BYTES)
        return 0;
    for (const char *p = id; *p; p++) {
        char c = *p;
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

json_t *srv_json_incident_briefs(const kb_incident_brief *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        char prio[4] = { 'P', (char)('0' + (v[i].priority % 10)), '\0', '\0' };
        json_object_set_new(o, "number", srv_json_str(v[i].number));
        json_object_set_new(o, "status", srv_json_str(v[i].status));
        json_object_set_new(o, "priority", json_string(prio));
        json_object_set_new(o, "summary", srv_json_str(v[i].summary));
        json_object_set_new(o, "caller_name", srv_json_str(v[i].caller_name));
        json_object_set_new(o, "caller_phone", srv_json_str(v[i].caller_phone));
        json_object_set_new(o, "created_at", srv_json_time(v[i].created_at));
        json_object_set_new(o, "resolved_at", srv_json_time(v[i].resolved_at));
        json_array_append_new(a, o);
    }
    return a;
}
