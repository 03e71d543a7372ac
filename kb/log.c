/* The one logger (kb_log.h): logfmt or JSON lines on stderr. */
#include "kb_log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kb_buf.h"
#include "kb_text.h"

static atomic_int threshold = KB_LOG_INFO;
static atomic_int format = KB_LOG_LOGFMT;
static _Thread_local char request_id[65];

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void kb_log_set_level(kb_log_level level)
{
    atomic_store(&threshold, (int)level);
}

void kb_log_set_format(kb_log_format f)
{
    atomic_store(&format, (int)f);
}

int kb_log_level_parse(const char *s, kb_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (kb_log_level)i;
            return 0;
        }
    }
    return -1;
}

int kb_log_format_parse(const char *s, kb_log_format *out)
{
    if (strcasecmp(s, "logfmt") == 0)
        *out = KB_LOG_LOGFMT;
    else if (strcasecmp(s, "json") == 0)
        *out = KB_LOG_JSON;
    else
        return -1;
    return 0;
}

int kb_log_enabled(kb_log_level level)
{
    return (int)level <= atomic_load(&threshold);
}

void kb_log_set_request(const char *id)
{
    snprintf(request_id, sizeof request_id, "%s", id ? id : "");
}

/* Appends s as a value: JSON string, or logfmt (quoted when it holds a blank, '=', '"',
 * '\\', a control character or nothing). Invalid UTF-8 becomes U+FFFD (JSON) or \xNN. */
static void add_value(kb_buf *b, const char *s, int json)
{
    size_t len = strlen(s);
    int quote = json || len == 0;
    for (size_t i = 0; i < len && !quote; i++) {
        unsigned char ch = (unsigned char)s[i];
        quote = ch <= 0x20 || ch == 0x7f || ch == '=' || ch == '"' || ch == '\\' || ch >= 0x80;
    }
    if (!quote) {
        kb_buf_add(b, s, len);
        return;
    }
    kb_buf_addc(b, '"');
    size_t i = 0;
    while (i < len) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80) {
            size_t n = kb_text_utf8_seq(s + i, len - i);
            if (n == 0) {
                if (json)
                    kb_buf_adds(b, "\\ufffd");
                else
                    kb_buf_addf(b, "\\x%02x", ch);
                i++;
            } else {
                kb_buf_add(b, s + i, n);
                i += n;
            }
            continue;
        }
        if (ch == '"' || ch == '\\') {
            kb_buf_addc(b, '\\');
            kb_buf_addc(b, (char)ch);
        } else if (ch == '\n') {
            kb_buf_adds(b, "\\n");
        } else if (ch == '\t') {
            kb_buf_adds(b, "\\t");
        } else if (ch == '\r') {
            kb_buf_adds(b, "\\r");
        } else if (ch < 0x20 || ch == 0x7f) {
            kb_buf_addf(b, "\\u%04x", ch);
        } else {
            kb_buf_addc(b, (char)ch);
        }
        i++;
    }
    kb_buf_addc(b, '"');
}

static void add_field(kb_buf *b, const char *key, const char *value, int number, int json)
{
    if (json) {
        kb_buf_addf(b, ",\"%s\":", key);
        if (number)
            kb_buf_adds(b, value);
        else
            add_value(b, value, 1);
    } else {
        kb_buf_addf(b, " %s=", key);
        add_value(b, value, 0);
    }
}

void kb_log_fields(kb_log_level level, const char *msg, const kb_log_field *fields, size_t n)
{
    if (!kb_log_enabled(level))
        return;
    int json = atomic_load(&format) == KB_LOG_JSON;
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof when - w, ".%03ldZ", ts.tv_nsec / 1000000L);
    kb_buf b;
    kb_buf_init(&b, 0); /* callers bound their fields (messages: 1 KiB) */
    if (json)
        kb_buf_addf(&b, "{\"time\":\"%s\",\"level\":\"%s\"", when, level_names[level]);
    else
        kb_buf_addf(&b, "time=%s level=%s", when, level_names[level]);
    add_field(&b, "msg", msg, 0, json);
    if (request_id[0])
        add_field(&b, "request_id", request_id, 0, json);
    for (size_t i = 0; i < n; i++)
        if (fields[i].value)
            add_field(&b, fields[i].key, fields[i].value, fields[i].number, json);
    if (json)
        kb_buf_addc(&b, '}');
    /* One fwrite per line: stdio locks the stream, so lines from threads do not mix. */
    kb_buf_addc(&b, '\n');
    fwrite(b.data, 1, b.len, stderr);
    kb_buf_free(&b);
}

void kb_log(kb_log_level level, const char *fmt, ...)
{
    if (!kb_log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kb_log_fields(level, msg, NULL, 0);
}
