#include "kb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static volatile int threshold = KB_LOG_INFO;

void kb_log_set_level(kb_log_level level)
{
    threshold = (int)level;
}

int kb_log_enabled(kb_log_level level)
{
    return (int)level <= threshold;
}

void kb_log(kb_log_level level, const char *fmt, ...)
{
    static const char *const names[] = { "ERROR", "WARN", "INFO", "DEBUG" };
    if (!kb_log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    /* One fprintf per line: stdio locks the stream, so lines from threads do not mix. */
    fprintf(stderr, "%s.%03ldZ %s %s\n", when, ts.tv_nsec / 1000000L, names[level], msg);
}
