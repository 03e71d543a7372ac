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

/* Error detail: the code and a human-readable message (lowercase, no final period). */
typedef struct {
    kb_status code;
    char msg[256];
} kb_err;

/* Stable snake_case name of a status ("ok", "invalid", "not_found", ...). Never NULL. */
const char *kb_status_name(kb_status code);

/* Fills err (which may be NULL) with code and a printf-style message; returns code. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
kb_status kb_err_set(kb_err *err, kb_status code, const char *fmt, ...);

/* Clears err (which may be NULL) to KB_OK with an empty message. */
void kb_err_clear(kb_err *err);

#endif
