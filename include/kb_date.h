#ifndef KB_DATE_H
#define KB_DATE_H

#include "kb_err.h"
#include "kb_tz.h"

/* Calendar days as text, YYYY-MM-DD, on the desk's clock: the wall clock of the desk's time
 * zone (kb_date_set_zone; UTC until set). A service desk in China numbers the incidents of
 * its morning and counts its days by Beijing time, not by UTC; a desk in a zone with
 * daylight-saving time has days of 23 and 25 hours, which these functions count as one day
 * each. Times stay epoch seconds and are shown as UTC ISO-8601 in data; only days, the
 * business calendar (kb_calendar.h) and the text of messages to people
 * (kb_date_format_local) use the zone. */

#define KB_DATE_LEN 11 /* ten characters and the NUL */
#define KB_DATE_TIME_LEN 17 /* "2026-12-03 17:50" and the NUL */
#define KB_DATE_MAX_OFFSET (14 * 3600)

/* Makes tz the desk's time zone for the whole process (NULL: UTC); the store applies the
 * database's setting when it opens. Takes a reference of its own: the caller keeps its
 * reference. Safe while other threads read the zone. */
void kb_date_set_zone(kb_tz *tz);
/* The desk's time zone: a new reference, released with kb_tz_free(). NULL means UTC. */
kb_tz *kb_date_zone(void);
/* Opens the zone a setting names: "UTC", an IANA name of the system's zone database
 * ("Asia/Shanghai", kb_tz_load) or a fixed UTC offset as kb_date_parse_offset reads it
 * ("+08:00", "Z"; what databases from before time zones hold). Failures as kb_tz_load:
 * KB_EINVAL for a bad or unknown name. */
kb_status kb_date_zone_open(const char *name, kb_tz **out, kb_err *err);

/* Parses "+08:00", "-05:30", "+0800" or "Z" into seconds (-12:00 to +14:00 in quarter
 * hours); KB_EINVAL otherwise. */
kb_status kb_date_parse_offset(const char *s, long long *out, kb_err *err);
/* Formats seconds as "+08:00" into out (at least 7 bytes). */
void kb_date_format_offset(long long seconds, char out[8]);

/* 1 when s is a real calendar day YYYY-MM-DD (leap years included), else 0. s may be
 * NULL. */
int kb_date_valid(const char *s);

/* The desk day of epoch seconds at into out. */
void kb_date_of(long long at, char out[KB_DATE_LEN]);
/* The desk's wall clock at epoch seconds at, to the minute, as Chinese readers write it
 * ("2026-12-03 17:50"; no zone name): for messages to people, never for data. */
void kb_date_format_local(long long at, char out[KB_DATE_TIME_LEN]);

/* The epoch seconds at which the desk day s (YYYY-MM-DD, 1970 or later) begins: its first
 * instant (after the change when clocks jump over midnight); KB_EINVAL for anything
 * else. */
kb_status kb_date_parse(const char *s, long long *out, kb_err *err);

/* The epoch seconds at which the desk day holding at begins. */
long long kb_date_day_start(long long at);
/* The desk day holding at, as days since 1970-01-01. */
long long kb_date_day_number(long long at);
/* The epoch seconds at which the desk day n days after the one holding at begins (n may be
 * negative): kb_date_add_days(at, 1) is the end of at's day, whatever its length. */
long long kb_date_add_days(long long at, long long n);

#endif
