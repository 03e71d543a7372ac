#ifndef KB_LOG_H
#define KB_LOG_H
/* The one logger: one line per event on stderr, as logfmt (time=... level=info msg="..."
 * key=value ...) or as one JSON object per line, with stable field names: time (UTC,
 * milliseconds), level, msg, request_id (when the calling thread handles a request), then
 * the caller's fields. Thread-safe; lines from threads never mix. */
#include <stddef.h>

typedef enum { KB_LOG_ERROR = 0, KB_LOG_WARN, KB_LOG_INFO, KB_LOG_DEBUG } kb_log_level;
typedef enum { KB_LOG_LOGFMT = 0, KB_LOG_JSON } kb_log_format;

/* Sets the threshold: messages above it are dropped. Default KB_LOG_INFO. */
void kb_log_set_level(kb_log_level level);
/* Sets the line format. Default KB_LOG_LOGFMT. */
void kb_log_set_format(kb_log_format format);
/* "error", "warn", "info", "debug" (any case) into *out: 0, else -1. */
int kb_log_level_parse(const char *s, kb_log_level *out);
/* "logfmt", "json" (any case) into *out: 0, else -1. */
int kb_log_format_parse(const char *s, kb_log_format *out);
/* True when messages at level are written. */
int kb_log_enabled(kb_log_level level);

/* The request the calling thread works on: id (copied, at most 64 bytes) is written as
 * request_id on its lines until kb_log_set_request(NULL). */
void kb_log_set_request(const char *id);

/* Writes one line: msg formatted printf-style, no fields of its own. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void kb_log(kb_log_level level, const char *fmt, ...);

/* One field of a structured line: value is text (quoted as the format needs) or, with
 * number set, written as it is (the caller gives digits). NULL values are skipped. */
typedef struct {
    const char *key;
    const char *value;
    int number;
} kb_log_field;

/* Writes one line with msg and the fields in order. */
void kb_log_fields(kb_log_level level, const char *msg, const kb_log_field *fields, size_t n);

#endif
