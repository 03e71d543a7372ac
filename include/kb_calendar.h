#ifndef KB_CALENDAR_H
#define KB_CALENDAR_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_tz.h"

/* The desk's business calendar: working hours per weekday, public holidays and make-up
 * working days (调休: a Saturday or Sunday that is worked), read from a text an admin
 * keeps, and the working time between instants. Pure functions: nothing reads the clock
 * or the environment; local times are those of the zone passed in (NULL = UTC).
 *
 * The text has one rule per line; '#' starts a comment, blank lines are ignored, words are
 * separated by spaces or tabs (an ideographic space U+3000 counts as one too):
 *
 *   hours mon-fri 09:00-12:00,13:30-18:00   working hours of weekdays (mon tue wed thu
 *   hours sat 09:00-12:00                    fri sat sun; ranges "mon-fri", lists
 *   hours sun off                            "mon,wed" or both; "off": none)
 *   holiday 2026-10-01..2026-10-07 国庆节     no working time on these days (a name may
 *   holiday 2026-06-19 端午节                 follow)
 *   workday 2026-10-10 调休                   worked with the hours of a normal working
 *                                             day: Monday's (or, without Monday hours,
 *                                             the first weekday's from Monday that has any)
 *   workday 2026-12-24 09:00-12:00 半天       worked with the hours given
 *
 * Times are HH:MM from 00:00 to 24:00; a day's spans ascend without overlapping. A weekday
 * not named in any "hours" line has no working hours. A date may have one holiday or
 * workday rule. The week must have some working time (a calendar of nothing but holidays
 * would make a due time unreachable). */

#define KB_CAL_MAX_BYTES (64u * 1024u)  /* text in bytes */
#define KB_CAL_MAX_SPANS 8u             /* working spans per day */
#define KB_CAL_MAX_RANGE 366            /* days per holiday line */
#define KB_CAL_MAX_SPECIAL 10000u       /* holiday and workday dates in all */
#define KB_CAL_MAX_NAME 100u            /* bytes of a holiday's name */
#define KB_CAL_HORIZON (100LL * 366)    /* days a computation may walk before giving up */
/* The calendar in force until an admin stores one. */
#define KB_CALENDAR_DEFAULT "hours mon-fri 09:00-18:00\n"

typedef struct kb_calendar kb_calendar;

/* One working span of a day: seconds after local midnight, 0 <= start < end <= 86400. */
typedef struct {
    int start;
    int end;
} kb_cal_span;

/* Parses the text p[0..len) into *out (free with kb_calendar_free). KB_EPARSE with *line
 * (may be NULL) set to the 1-based line of the problem, 0 for the text as a whole, and a
 * message naming what is wrong; KB_ETOOBIG past KB_CAL_MAX_BYTES or KB_CAL_MAX_SPECIAL. */
kb_status kb_calendar_parse(const char *p, size_t len, kb_calendar **out, size_t *line,
                            kb_err *err);
/* Frees c. c may be NULL. */
void kb_calendar_free(kb_calendar *c);

/* What a day is. */
typedef enum { KB_CAL_WEEKDAY = 0, KB_CAL_HOLIDAY, KB_CAL_WORKDAY } kb_cal_kind;

/* The working spans of the local day numbered day (days since 1970-01-01) into out,
 * ascending; returns how many (0 on holidays and days off). *kind (may be NULL) says why;
 * *name (may be NULL) gets the holiday's or workday's name ("" when none; borrowed from
 * c), NULL on ordinary days. */
size_t kb_calendar_day(const kb_calendar *c, long long day, kb_cal_span out[KB_CAL_MAX_SPANS],
                       kb_cal_kind *kind, const char **name);

typedef struct {
    long long weekly_seconds; /* working time of an ordinary week */
    size_t holidays;          /* holiday dates */
    size_t workdays;          /* make-up working dates */
    long long first_day;      /* earliest and latest holiday or workday (days since
                                 1970-01-01); both 0 when there is none */
    long long last_day;
} kb_cal_stats;
void kb_calendar_stats(const kb_calendar *c, kb_cal_stats *out);

/* The working seconds in [from, to) (0 when to <= from). KB_EINVAL when the period is
 * longer than KB_CAL_HORIZON days. */
kb_status kb_calendar_seconds(const kb_calendar *c, const kb_tz *tz, long long from,
                              long long to, long long *out, kb_err *err);
/* The earliest instant at which `seconds` (>= 0) of working time have passed since from:
 * from itself for 0; the end of a working span rather than the start of the next one when
 * the time runs out exactly there. KB_EINVAL when that is more than KB_CAL_HORIZON days
 * away (too little working time). */
kb_status kb_calendar_add(const kb_calendar *c, const kb_tz *tz, long long from,
                          long long seconds, long long *out, kb_err *err);
/* The working time of `days` (>= 1) working days from from: the working seconds from from
 * to the same time of day `days` working days later, counted from the first working moment
 * at or after from (a call logged on Saturday starts on Monday morning). A working day is a
 * day with working time. With kb_calendar_add this makes "3 working days" a due time:
 * Tuesday 10:00 plus 3 working days is Friday 10:00, Monday 09:00 (the day's start) plus 1
 * is Monday's end. KB_EINVAL past KB_CAL_HORIZON days. */
kb_status kb_calendar_days_seconds(const kb_calendar *c, const kb_tz *tz, long long from,
                                   long long days, long long *out, kb_err *err);

#endif
