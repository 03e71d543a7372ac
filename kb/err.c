#include "kb_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *kb_status_name(kb_status code)
{
    switch (code) {
    case KB_OK: return "ok";
    case KB_EINVAL: return "invalid";
    case KB_ENOTFOUND: return "not_found";
    case KB_EEXIST: return "exists";
    case KB_ETOOBIG: return "too_big";
    case KB_EPARSE: return "parse_error";
    case KB_EIO: return "io_error";
    case KB_EDB: return "db_error";
    case KB_ENOMEM: return "no_memory";
    case KB_EINTERNAL: return "internal";
    case KB_EDENIED: return "denied";
    case KB_ECONFLICT: return "conflict";
    case KB_EUNAVAIL: return "unavailable";
    }
    return "internal";
}

const char *kb_status_zh(kb_status code)
{
    switch (code) {
    case KB_OK: return "成功";
    case KB_EINVAL: return "请求无效";
    case KB_ENOTFOUND: return "找不到要找的对象";
    case KB_EEXIST: return "当前状态下不能这样做";
    case KB_ETOOBIG: return "内容太大";
    case KB_EPARSE: return "格式有误";
    case KB_EIO: return "读写文件出错";
    case KB_EDB: return "数据库出错";
    case KB_ENOMEM: return "内存不足";
    case KB_EINTERNAL: return "服务器内部错误";
    case KB_EDENIED: return "没有权限这样做";
    case KB_ECONFLICT: return "与当前状态冲突";
    case KB_EUNAVAIL: return "暂时无法保存";
    }
    return "服务器内部错误";
}

/* Cuts an incomplete UTF-8 sequence off the end of s (a message vsnprintf cut short). */
static void utf8_trim_tail(char *s)
{
    size_t len = strlen(s);
    size_t i = len;
    /* back over at most 3 continuation bytes to the lead byte of the last sequence */
    while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3
                : (lead & 0xF8) == 0xF0 ? 4 : 1;
    if (lead >= 0x80 && len - (i - 1) < need)
        s[i - 1] = '\0';
}

/* Formats into out (size bytes), cutting at a character boundary when it does not fit. */
static void format_into(char *out, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(out, size, fmt, ap);
    if (n < 0)
        out[0] = '\0';
    else if ((size_t)n >= size)
        utf8_trim_tail(out);
}

/* Writes head, sep and tail into out (size bytes), cut at a character boundary. */
static void join(char *out, size_t size, const char *head, const char *sep, const char *tail)
{
    const char *parts[3] = { head, sep, tail };
    size_t len = 0;
    int cut = 0;
    for (size_t i = 0; i < 3 && !cut; i++) {
        size_t n = strlen(parts[i]);
        if (n > size - 1 - len) {
            n = size - 1 - len;
            cut = 1;
        }
        memcpy(out + len, parts[i], n);
        len += n;
    }
    out[len] = '\0';
    if (cut)
        utf8_trim_tail(out);
}

/* Copies the next conversion specification of fmt (from p on) into spec; returns the
 * position after it, or NULL when there is none. "%%" is skipped. */
static const char *next_spec(const char *p, char *spec, size_t size)
{
    for (;;) {
        p = strchr(p, '%');
        if (!p)
            return NULL;
        size_t n = 1 + strspn(p + 1, "-+ #0123456789.*hlLqjzt");
        if (p[n] == '\0')
            return NULL;
        n++; /* the conversion character */
        if (p[n - 1] != '%') {
            snprintf(spec, size, "%.*s", (int)n, p);
            return p + n;
        }
        p += n;
    }
}

/* 1 when zh takes exactly the arguments en takes (the same specifications in order). */
static int same_specs(const char *en, const char *zh)
{
    char a[24], b[24];
    for (;;) {
        en = next_spec(en, a, sizeof a);
        zh = next_spec(zh, b, sizeof b);
        if (!en || !zh)
            return !en && !zh;
        if (strcmp(a, b) != 0)
            return 0;
    }
}

/* The catalogue's Chinese for fmt when it takes the same arguments, else NULL. */
static const char *zh_for(const char *fmt)
{
    const char *zh = kb_err_zh_format(fmt);
    return zh && same_specs(fmt, zh) ? zh : NULL;
}

kb_status kb_err_set(kb_err *err, kb_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    va_list zh_ap;
    va_copy(zh_ap, ap);
    format_into(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    const char *zh = zh_for(fmt);
    if (zh)
        format_into(err->msg_zh, sizeof err->msg_zh, zh, zh_ap);
    else
        join(err->msg_zh, sizeof err->msg_zh, kb_status_zh(code), "：", err->msg);
    va_end(zh_ap);
    return code;
}

kb_status kb_err_prefix(kb_err *err, kb_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    kb_err inner = *err;
    err->code = code;
    char head[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    va_list zh_ap;
    va_copy(zh_ap, ap);
    format_into(head, sizeof head, fmt, ap);
    va_end(ap);
    join(err->msg, sizeof err->msg, head, ": ", inner.msg);
    const char *zh = zh_for(fmt);
    if (zh)
        format_into(head, sizeof head, zh, zh_ap);
    va_end(zh_ap);
    join(err->msg_zh, sizeof err->msg_zh, head, "：", inner.msg_zh);
    return code;
}

void kb_err_clear(kb_err *err)
{
    if (err) {
        err->code = KB_OK;
        err->msg[0] = '\0';
        err->msg_zh[0] = '\0';
    }
}
