#ifndef KB_DATE_H
#define KB_DATE_H

#include "kb_err.h"

/* Calendar days as text, YYYY-MM-DD, on the desk's clock: UTC plus the desk's UTC offset
 * (kb_date_set_offset; 0 until set). A service desk in China (UTC+8) numbers the incidents
 * of its morning and counts its days by its own calendar, not by UTC's. Times stay epoch
 * seconds and are shown as UTC ISO-8601 everywhere; only days use the offset. */

#define KB_DATE_LEN 11 /* ten characters and the NUL */
#define KB_DATE_MAX_OFFSET (14 * 3600)

/* Sets the desk's UTC offset in seconds (-12 h to +14 h, whole quarter hours) for the
 * whole process; the store applies the database's setting when it opens. Returns KB_EINVAL
 * outside that range. */
kb_status kb_date_set_offset(long long seconds, kb_err *err);
long long kb_date_offset(void);

/* Parses "+08:00", "-05:30", "+0800" or "Z" into seconds; KB_EINVAL otherwise. */
kb_status kb_date_parse_offset(const char *s, long long *out, kb_err *err);
/* Formats seconds as "+08:00" into out (at least 7 bytes). */
void kb_date_format_offset(long long seconds, char out[8]);

/* 1 when s is a real calendar day YYYY-MM-DD (leap years included), else 0. s may be
 * NULL. */
int kb_date_valid(const char *s);

/* The desk day of epoch seconds at into out. */
void kb_date_of(long long at, char out[KB_DATE_LEN]);

/* The epoch seconds at which the desk day s (YYYY-MM-DD, 1970 or later) begins; KB_EINVAL
 * for anything else. */
kb_status kb_date_parse(const char *s, long long *out, kb_err *err);

/* The epoch seconds at which the desk day holding at begins. */
long long kb_date_day_start(long long at);

#endif
