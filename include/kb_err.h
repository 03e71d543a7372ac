#ifndef KB_ERR_H
#define KB_ERR_H
#include <stddef.h>

/* Status codes returned by every fallible kb_* function. */
typedef enum {
    KB_OK = 0,
    KB_EINVAL,
    KB_ENOTFOUND,
    KB_EEXIST,
    KB_ETOOBIG,
    KB_EPARSE,
    KB_EIO,
    KB_EDB,
    KB_ENOMEM,
    KB_EINTERNAL,
    KB_EDENIED, /* the caller may not do this (four-eyes rule, ...) */
    KB_ECONFLICT, /* the change conflicts with the current state (the last admin, ...) */
    KB_EUNAVAIL /* the storage refuses writes for now (disk full, read-only, i/o error):
                   nothing was changed; the same request may succeed later */
} kb_status;

/* Error detail: the code, a human-readable message (lowercase, no final period) and the
 * same message in Simplified Chinese for the page. msg_zh comes from the catalogue in
 * kb/err_zh.c (one Chinese format per English format given to kb_err_set); a format the
 * catalogue lacks gives a generic sentence for the code followed by the English message.
 * Both are NUL-terminated valid UTF-8 prefixes when cut: a cut never splits a character. */
typedef struct {
    kb_status code;
    char msg[256];
    char msg_zh[384];
} kb_err;

/* Stable snake_case name of a status ("ok", "invalid", "not_found", ...). Never NULL. */
const char *kb_status_name(kb_status code);

/* Fills err (which may be NULL) with code and a printf-style message, and msg_zh with the
 * catalogue's Chinese format applied to the same arguments; returns code. fmt must be a
 * string literal: tests/lint/err_zh.py checks that the catalogue holds each one. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
kb_status kb_err_set(kb_err *err, kb_status code, const char *fmt, ...);

/* Puts context in front of the message err already holds ("line 3" + ": " + message,
 * "第 3 行" + "：" + 中文) and sets its code to code; returns code. err may be NULL. fmt
 * is a string literal with a catalogue entry, like kb_err_set's. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
kb_status kb_err_prefix(kb_err *err, kb_status code, const char *fmt, ...);

/* The Chinese format the catalogue (kb/err_zh.c) holds for the English format fmt, or NULL. */
const char *kb_err_zh_format(const char *fmt);

/* The generic Chinese sentence for code ("请求无效", "找不到该对象" ...). Never NULL. */
const char *kb_status_zh(kb_status code);

/* Clears err (which may be NULL) to KB_OK with an empty message. */
void kb_err_clear(kb_err *err);

#endif
