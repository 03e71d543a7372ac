#ifndef KB_TZ_H
#define KB_TZ_H
#include <stddef.h>

#include "kb_err.h"

/* Time zones of the system's zone database (IANA tz, Debian package tzdata), read from
 * their TZif files (RFC 8536, version 2 or later: the 64-bit table of transitions and the
 * POSIX TZ string of the footer, which gives the offsets past the table's last entry,
 * daylight-saving rules such as "EST5EDT,M3.2.0,M11.1.0" included). Nothing here reads
 * the environment's TZ or calls setenv/localtime: a zone is a value that threads share.
 *
 * Instants are epoch seconds (UTC). A "local time" is the wall clock of the zone counted
 * as seconds from 1970-01-01T00:00 local: local = instant + offset in force. Instants are
 * clamped to +-KB_TZ_MAX_INSTANT (more than 30,000 years). */

#define KB_TZ_DIR "/usr/share/zoneinfo"
#define KB_TZ_MAX_NAME 64u               /* bytes of a zone name */
#define KB_TZ_MAX_FILE (256u * 1024u)    /* bytes of a TZif file (real ones are < 4 KiB) */
#define KB_TZ_MAX_ABBR 15u               /* bytes of an abbreviation ("CST", "+0545") */
#define KB_TZ_MAX_OFFSET (26LL * 3600 - 1) /* largest |offset| accepted, in seconds */
#define KB_TZ_MAX_INSTANT (1LL << 40)

/* One zone, immutable once made, shared by reference counting: kb_tz_ref() adds a
 * reference, kb_tz_free() drops one. Safe to use from several threads at once. */
typedef struct kb_tz kb_tz;

/* Checks that name may name a zone file: 1 to KB_TZ_MAX_NAME bytes of letters, digits and
 * "/_-+.", no leading or trailing '/', no empty component and no component starting with
 * '.' (so neither "." nor ".."). KB_EINVAL saying why otherwise. */
kb_status kb_tz_check_name(const char *name, kb_err *err);

/* Loads the zone called name (e.g. "Asia/Shanghai") from the zone database in dir (NULL:
 * $TZDIR when that is an absolute path, else KB_TZ_DIR). "UTC" is built in and needs no
 * file. KB_EINVAL for a bad or unknown name, KB_EPARSE for a file that is not a usable
 * TZif file (truncated, version 1 only, leap seconds, out-of-range values, a bad footer),
 * KB_ETOOBIG past KB_TZ_MAX_FILE, KB_EIO when it cannot be read; err says which. On
 * success *out has one reference. */
kb_status kb_tz_load(const char *name, const char *dir, kb_tz **out, kb_err *err);

/* Parses the TZif data p[0..len) as the zone called name (used in messages and returned
 * by kb_tz_name). Failures as kb_tz_load. */
kb_status kb_tz_parse(const char *name, const void *p, size_t len, kb_tz **out, kb_err *err);

/* A zone at a fixed offset (seconds east of UTC, |offset| <= KB_TZ_MAX_OFFSET), named
 * "UTC" for 0 and like "+08:00" otherwise. One reference; never fails. */
kb_tz *kb_tz_fixed(long long offset);

/* Adds a reference to tz and returns it. */
kb_tz *kb_tz_ref(kb_tz *tz);
/* Drops a reference; the last one frees the zone. tz may be NULL. */
void kb_tz_free(kb_tz *tz);

/* The name the zone was made with. tz NULL means UTC (as everywhere below). */
const char *kb_tz_name(const kb_tz *tz);
/* 1 when the zone has one offset at all times (fixed offsets, "UTC", "Asia/Kolkata" has
 * not: it changed in the 1940s). */
int kb_tz_is_fixed(const kb_tz *tz);

/* The wall clock of a zone at one instant. */
typedef struct {
    long long year;
    int month;        /* 1..12 */
    int day;          /* 1..31 */
    int hour;         /* 0..23 */
    int minute;
    int second;
    int weekday;      /* 0 = Sunday .. 6 = Saturday */
    long long days;   /* the local date as days since 1970-01-01 */
    long long sec_of_day; /* 0..86399 */
    long long offset; /* seconds east of UTC in force */
    int dst;          /* daylight-saving time in force */
    char abbr[KB_TZ_MAX_ABBR + 1]; /* "CST", "EDT", "+08" */
} kb_tz_local;

/* The wall clock of tz at instant t. */
void kb_tz_local_of(const kb_tz *tz, long long t, kb_tz_local *out);
/* The offset (seconds east of UTC) in force at instant t. */
long long kb_tz_offset(const kb_tz *tz, long long t);

/* The instant at which the wall clock of tz reads local (seconds from 1970-01-01T00:00
 * local). Deterministic where the clock is not one-to-one:
 *   - a local time that occurs twice (clocks set back, e.g. 01:30 on a November Sunday in
 *     New York) is its first occurrence, the earlier instant;
 *   - a local time that never occurs (clocks set forward, e.g. 02:30 on a March Sunday in
 *     New York) is read with the offset in force before the change, which lands the same
 *     length of time after the change (02:30 EST = 03:30 EDT), as POSIX mktime does. */
long long kb_tz_to_utc(const kb_tz *tz, long long local);

/* Proleptic Gregorian calendar arithmetic: days since 1970-01-01 of a date (month 1..12,
 * day 1..31), the date of a day number, and its weekday (0 = Sunday). */
long long kb_tz_days_from_civil(long long y, unsigned m, unsigned d);
void kb_tz_civil_from_days(long long days, long long *y, unsigned *m, unsigned *d);
int kb_tz_weekday(long long days);
/* Floor division by 86400: the day number of a local time. */
long long kb_tz_day_of(long long local);

#endif
