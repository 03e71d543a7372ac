#ifndef KB_RETENTION_H
#define KB_RETENTION_H
#include <stddef.h>

#include "kb_date.h"
#include "kb_err.h"

/* A document's retention period (保存期限) as people write it, read into something a date can
 * be computed from. No I/O, no allocation.
 *
 *   "3年", "3 年", "三年", "5 years", "10个月", "18 months", "90天", "2 weeks", "半年",
 *   "1年半", "3年6个月", "1.5 years"                      a period from the publish date
 *   "作废后保留2年", "长期（作废后保留 3 年）",
 *   "3 years after superseded", "报废后 5 年"             a period from the day the version
 *                                                         stopped being current (superseded,
 *                                                         scrapped or removed)
 *   "自发布之日起 3 年", "3 years from publication"        the publish date, said explicitly
 *   "永久", "长期", "长期保存", "permanent", "forever"       never expires
 *   "2030-12-31", "至 2030-12-31"                         until that day
 * Anything else (a number without a unit, "2030年" read as a year, two different starting
 * points, no period at all: "见附件") is not guessed: KB_EPARSE says why. */

typedef enum {
    KB_RETENTION_NONE = 0, /* the text is empty */
    KB_RETENTION_NEVER,    /* permanent or long-term without a period */
    KB_RETENTION_PERIOD,   /* years + months + days from base */
    KB_RETENTION_UNTIL     /* until a day */
} kb_retention_kind;

typedef enum {
    KB_RETENTION_FROM_PUBLISH = 0, /* the version's publish date (the default) */
    KB_RETENTION_FROM_VOID         /* the day the version stopped being current */
} kb_retention_base;

typedef struct {
    kb_retention_kind kind;
    kb_retention_base base;
    int years, months, days; /* PERIOD: each 0..1200 years' worth at most */
    char until[KB_DATE_LEN]; /* UNTIL: YYYY-MM-DD */
} kb_retention;

/* Reads the len bytes at p (UTF-8) into *out. KB_OK also for empty or blank text (kind
 * NONE); KB_EPARSE with the reason (English, quoting at most 40 bytes) otherwise. */
kb_status kb_retention_parse(const char *p, size_t len, kb_retention *out, kb_err *err);

/* Where a version's retention stands. */
typedef enum {
    KB_RETENTION_EXPIRES = 0, /* until holds the first day past the period */
    KB_RETENTION_PERMANENT,   /* never expires */
    KB_RETENTION_PENDING,     /* counts from the day the version stops being current, which
                                 has not come */
    KB_RETENTION_UNDATED,     /* counts from a publish date the version does not have */
    KB_RETENTION_UNSET,       /* no retention period given */
    KB_RETENTION_UNPARSED     /* the text could not be read (kb_retention_parse) */
} kb_retention_state;

/* The state's stable name: "expires", "permanent", "pending", "undated", "unset",
 * "unparsed". */
const char *kb_retention_state_name(kb_retention_state st);

/* The expiry of a version whose retention text is text (NULL = ""), published on published
 * (YYYY-MM-DD, NULL or "" = unknown) and current until voided ("" or NULL = still current).
 * until gets the day the period ends (the first day the version may be destroyed) when the
 * answer is KB_RETENTION_EXPIRES, else "". Days past 9999-12-31 stay at that day. */
kb_retention_state kb_retention_expiry(const char *text, const char *published,
                                       const char *voided, char until[KB_DATE_LEN]);

/* Adds years, months and days to day (YYYY-MM-DD, valid) into out; the day of the month is
 * cut to the month's length (2024-02-29 plus a year is 2025-02-28). 0 when the result
 * would be past 9999-12-31 (out is then that day). */
int kb_retention_add(const char *day, int years, int months, long long days,
                     char out[KB_DATE_LEN]);

#endif
