#include "kb_err.h"

#include <stdarg.h>
#include <stdio.h>

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

kb_status kb_err_set(kb_err *err, kb_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void kb_err_clear(kb_err *err)
{
    if (err) {
        err->code = KB_OK;
        err->msg[0] = '\0';
    }
}
