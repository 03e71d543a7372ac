#ifndef KB_LOG_H
#define KB_LOG_H

typedef enum { KB_LOG_ERROR = 0, KB_LOG_WARN, KB_LOG_INFO, KB_LOG_DEBUG } kb_log_level;

/* Sets the threshold: messages above it are dropped. Default KB_LOG_INFO. */
void kb_log_set_level(kb_log_level level);
/* True when messages at level are written. */
int kb_log_enabled(kb_log_level level);
/* Writes one line to stderr: timestamp, level, message. Thread-safe. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void kb_log(kb_log_level level, const char *fmt, ...);

#endif
