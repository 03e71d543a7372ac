/* The business calendar: parsing its text and counting working time. See
 * include/kb_calendar.h. Counting walks local days (at most KB_CAL_HORIZON of them), turns
 * each working span into instants with the zone, and clips it to the period asked for, so
 * that days of 23 or 25 hours count what the clock on the wall shows. */
#include "kb_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_date.h"

#define DAY 86400LL
#define MAX_WORDS 16

typedef struct {
    long long day;
    kb_cal_kind kind;
    size_t line;
    size_t name;        /* offset in names */
    int default_hours;  /* a workday without hours: the standard day's, filled at the end */
    size_t nspans;
    kb_cal_span spans[KB_CAL_MAX_SPANS];
} special;

struct kb_calendar {
    size_t nweek[7]; /* 0 = Monday .. 6 = Sunday */
    kb_cal_span week[7][KB_CAL_MAX_SPANS];
    special *days;   /* ascending */
    size_t ndays;
    char *names;     /* NUL-separated */
    size_t names_len;
};

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* --- parsing --- */

typedef struct {
    const char *p;
    size_t len;
} word;

static int word_is(word w, const char *s)
{
    size_t n = strlen(s);
    if (w.len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = w.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != s[i])
            return 0;
    }
    return 1;
}

/* Length of the white space at p (left bytes): ASCII blanks or U+3000. */
static size_t space_at(const char *p, size_t left)
{
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')
        return 1;
    if (left >= 3 && (unsigned char)p[0] == 0xe3 && (unsigned char)p[1] == 0x80 &&
        (unsigned char)p[2] == 0x80)
        return 3;
    return 0;
}

/* Splits p[0..len) into words; returns how many (MAX_WORDS + 1 when there are more). */
static size_t split(const char *p, size_t len, word *w)
{
    size_t n = 0;
    size_t i = 0;
    while (i < len) {
        size_t sp = space_at(p + i, len - i);
        if (sp) {
            i += sp;
            continue;
        }
        size_t start = i;
        while (i < len && !space_at(p + i, len - i))
            i++;
        if (n == MAX_WORDS)
            return MAX_WORDS + 1;
        w[n].p = p + start;
        w[n].len = i - start;
        n++;
    }
    return n;
}

static int two_digits(const char *p)
{
    return (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') ? (p[0] - '0') * 10 +
                                                                            (p[1] - '0')
                                                                      : -1;
}

/* "H:MM" or "HH:MM", 00:00 .. 24:00, into seconds; -1 when malformed. */
static int clock_of(const char *p, size_t len)
{
    if (len == 4) {
        if (p[0] < '0' || p[0] > '9' || p[1] != ':')
            return -1;
        int m = two_digits(p + 2);
        return m < 0 || m > 59 ? -1 : (p[0] - '0') * 3600 + m * 60;
    }
    if (len != 5 || p[2] != ':')
        return -1;
    int h = two_digits(p);
    int m = two_digits(p + 3);
    if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 3600 + m * 60;
}

static void clock_text(int secs, char out[8])
{
    snprintf(out, 8, "%02d:%02d", secs / 3600 % 100, secs / 60 % 60);
}

/* Parses spans "09:00-12:00,13:30-18:00" (or "off": none). */
static kb_status parse_spans(word w, kb_cal_span *out, size_t *n, kb_err *err)
{
    *n = 0;
    if (word_is(w, "off") || word_is(w, "closed"))
        return KB_OK;
    size_t i = 0;
    while (i <= w.len) {
        const char *comma = memchr(w.p + i, ',', w.len - i);
        size_t end = comma ? (size_t)(comma - w.p) : w.len;
        const char *s = w.p + i;
        size_t slen = end - i;
        const char *dash = memchr(s, '-', slen);
        int a = dash ? clock_of(s, (size_t)(dash - s)) : -1;
        int b = dash ? clock_of(dash + 1, slen - (size_t)(dash - s) - 1) : -1;
        if (a < 0 || b < 0 || a == 86400)
            return kb_err_set(err, KB_EPARSE, "'%.*s' is not a span of working time; write "
                              "it as 09:00-18:00 (times 00:00 to 24:00, several separated by "
                              "commas)", (int)(slen < 40 ? slen : 40), s);
        char as[8];
        char bs[8];
        clock_text(a, as);
        clock_text(b, bs);
        if (b <= a)
            return kb_err_set(err, KB_EPARSE, "the span %s-%s ends before it starts", as, bs);
        if (*n && a < out[*n - 1].end) {
            char ps[8];
            char pe[8];
            clock_text(out[*n - 1].start, ps);
            clock_text(out[*n - 1].end, pe);
            return kb_err_set(err, KB_EPARSE, "the spans %s-%s and %s-%s overlap or are out "
                              "of order", ps, pe, as, bs);
        }
        if (*n && a == out[*n - 1].end) { /* 09:00-12:00,12:00-13:00 is one span */
            out[*n - 1].end = b;
        } else {
            if (*n == KB_CAL_MAX_SPANS)
                return kb_err_set(err, KB_EPARSE, "more than %u spans of working time in a "
                                  "day", KB_CAL_MAX_SPANS);
            out[*n].start = a;
            out[*n].end = b;
            (*n)++;
        }
        if (!comma)
            break;
        i = end + 1;
    }
    return KB_OK;
}

static int weekday_of(const char *p, size_t len)
{
    word w = { p, len };
    for (int i = 0; i < 7; i++)
        if (word_is(w, day_names[i]))
            return i;
    return -1;
}

/* Parses "mon-fri,sat" into the set of weekdays (bit 0 = Monday). */
static kb_status parse_weekdays(word w, unsigned *set, kb_err *err)
{
    *set = 0;
    size_t i = 0;
    while (i <= w.len) {
        const char *comma = memchr(w.p + i, ',', w.len - i);
        size_t end = comma ? (size_t)(comma - w.p) : w.len;
        const char *s = w.p + i;
        size_t slen = end - i;
        const char *dash = memchr(s, '-', slen);
        int a = weekday_of(s, dash ? (size_t)(dash - s) : slen);
        int b = dash ? weekday_of(dash + 1, slen - (size_t)(dash - s) - 1) : a;
        if (a < 0 || b < 0)
            return kb_err_set(err, KB_EPARSE, "'%.*s' is not a day of the week; use mon, tue, "
                              "wed, thu, fri, sat, sun, ranges like mon-fri or lists like "
                              "mon,wed", (int)(slen < 40 ? slen : 40), s);
        for (int d = a;; d = (d + 1) % 7) { /* sat-mon wraps round the week */
            *set |= 1u << d;
            if (d == b)
                break;
        }
        if (!comma)
            break;
        i = end + 1;
    }
    return KB_OK;
}

/* YYYY-MM-DD into days since 1970-01-01; -1 when it is not a date from 1970 to 9999. */
static long long date_of(const char *p, size_t len)
{
    char s[11];
    if (len != 10)
        return -1;
    memcpy(s, p, 10);
    s[10] = '\0';
    if (!kb_date_valid(s) || strncmp(s, "1970", 4) < 0)
        return -1;
    long long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    return kb_tz_days_from_civil(y, (unsigned)two_digits(s + 5), (unsigned)two_digits(s + 8));
}

static void date_text(long long day, char out[32])
{
    long long y;
    unsigned m, d;
    kb_tz_civil_from_days(day, &y, &m, &d);
    snprintf(out, 32, "%04lld-%02u-%02u", y, m, d);
}

typedef struct {
    kb_calendar *c;
    size_t cap;
    size_t week_line[7]; /* the "hours" line of each weekday, 0 when none */
    kb_buf names;
} parser;

/* The rest of the line from word w on, trimmed, as a holiday name. */
static kb_status add_name(parser *ps, const word *w, size_t nw, const char *line_end,
                          size_t *off, kb_err *err)
{
    const char *s = nw ? w[0].p : line_end;
    const char *e = nw ? w[nw - 1].p + w[nw - 1].len : line_end;
    size_t len = (size_t)(e - s);
    if (len > KB_CAL_MAX_NAME)
        return kb_err_set(err, KB_EPARSE, "the name '%.40s...' is longer than %u bytes", s,
                          KB_CAL_MAX_NAME);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return kb_err_set(err, KB_EPARSE, "the name holds control characters");
    *off = ps->names.len;
    kb_buf_add(&ps->names, s, len);
    kb_buf_addc(&ps->names, '\0');
    return KB_OK;
}

static special *add_day(parser *ps, long long day, kb_cal_kind kind, size_t line,
                        kb_err *err)
{
    kb_calendar *c = ps->c;
    if (c->ndays == KB_CAL_MAX_SPECIAL) {
        kb_err_set(err, KB_ETOOBIG, "more than %u holiday and workday dates",
                   KB_CAL_MAX_SPECIAL);
        return NULL;
    }
    if (c->ndays == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 64;
        c->days = kb_xrealloc(c->days, ps->cap * sizeof *c->days);
    }
    special *d = &c->days[c->ndays++];
    memset(d, 0, sizeof *d);
    d->day = day;
    d->kind = kind;
    d->line = line;
    return d;
}

static kb_status parse_line(parser *ps, const char *p, size_t len, size_t lineno, kb_err *err)
{
    word w[MAX_WORDS];
    size_t nw = split(p, len, w);
    if (nw == 0)
        return KB_OK;
    if (nw > MAX_WORDS)
        return kb_err_set(err, KB_EPARSE, "too many words");
    kb_calendar *c = ps->c;
    if (word_is(w[0], "hours")) {
        if (nw != 3)
            return kb_err_set(err, KB_EPARSE, "write 'hours DAYS SPANS', e.g. 'hours mon-fri "
                              "09:00-12:00,13:30-18:00' or 'hours sat off'");
        unsigned set;
        kb_cal_span spans[KB_CAL_MAX_SPANS];
        size_t n;
        kb_status rc = parse_weekdays(w[1], &set, err);
        if (rc == KB_OK)
            rc = parse_spans(w[2], spans, &n, err);
        if (rc != KB_OK)
            return rc;
        for (int d = 0; d < 7; d++) {
            if (!(set & (1u << d)))
                continue;
            if (ps->week_line[d])
                return kb_err_set(err, KB_EPARSE, "the hours of %s are already given on line "
                                  "%zu", day_names[d], ps->week_line[d]);
            ps->week_line[d] = lineno;
            c->nweek[d] = n;
            memcpy(c->week[d], spans, n * sizeof *spans);
        }
        return KB_OK;
    }
    int holiday = word_is(w[0], "holiday");
    if (!holiday && !word_is(w[0], "workday"))
        return kb_err_set(err, KB_EPARSE, "unknown rule '%.*s': a line starts with hours, "
                          "holiday or workday", (int)(w[0].len < 40 ? w[0].len : 40), w[0].p);
    if (nw < 2 && holiday)
        return kb_err_set(err, KB_EPARSE, "holiday: give a date YYYY-MM-DD or a range of dates "
                          "YYYY-MM-DD..YYYY-MM-DD");
    if (nw < 2)
        return kb_err_set(err, KB_EPARSE, "workday: give a date YYYY-MM-DD");
    long long first;
    long long last;
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < w[1].len && !dots; i++)
        if (w[1].p[i] == '.' && w[1].p[i + 1] == '.')
            dots = w[1].p + i;
    if (holiday && dots) {
        first = date_of(w[1].p, (size_t)(dots - w[1].p));
        last = date_of(dots + 2, w[1].len - (size_t)(dots + 2 - w[1].p));
    } else {
        first = date_of(w[1].p, w[1].len);
        last = first;
    }
    if ((first < 0 || last < 0) && holiday)
        return kb_err_set(err, KB_EPARSE, "'%.*s' is not a date YYYY-MM-DD or a range "
                          "YYYY-MM-DD..YYYY-MM-DD", (int)(w[1].len < 40 ? w[1].len : 40), w[1].p);
    if (first < 0 || last < 0)
        return kb_err_set(err, KB_EPARSE, "'%.*s' is not a date YYYY-MM-DD",
                          (int)(w[1].len < 40 ? w[1].len : 40), w[1].p);
    if (last < first)
        return kb_err_set(err, KB_EPARSE, "the range '%.*s' ends before it starts",
                          (int)(w[1].len < 40 ? w[1].len : 40), w[1].p);
    if (last - first >= KB_CAL_MAX_RANGE)
        return kb_err_set(err, KB_EPARSE, "a holiday range is at most %d days",
                          KB_CAL_MAX_RANGE);
    size_t next = 2;
    kb_cal_span spans[KB_CAL_MAX_SPANS];
    size_t nspans = 0;
    int given = 0;
    if (!holiday && nw > 2 && w[2].p[0] >= '0' && w[2].p[0] <= '9') {
        kb_status rc = parse_spans(w[2], spans, &nspans, err);
        if (rc != KB_OK)
            return rc;
        given = 1;
        next = 3;
    }
    size_t name = 0; /* set by add_name on success (-Wmaybe-uninitialized cannot tell) */
    kb_status rc = add_name(ps, w + next, nw - next, p + len, &name, err);
    if (rc != KB_OK)
        return rc;
    for (long long day = first; day <= last; day++) {
        special *d = add_day(ps, day, holiday ? KB_CAL_HOLIDAY : KB_CAL_WORKDAY, lineno, err);
        if (!d)
            return KB_ETOOBIG;
        d->name = name;
        d->default_hours = !holiday && !given;
        d->nspans = nspans;
        memcpy(d->spans, spans, nspans * sizeof *spans);
    }
    return KB_OK;
}

static int special_cmp(const void *a, const void *b)
{
    const special *x = a;
    const special *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorts the dates, rejects a date given twice and gives workdays without hours the
 * standard day's. */
static kb_status finish(parser *ps, size_t *line, kb_err *err)
{
    kb_calendar *c = ps->c;
    long long weekly = 0;
    int standard = -1;
    for (int d = 0; d < 7; d++) {
        for (size_t i = 0; i < c->nweek[d]; i++)
            weekly += c->week[d][i].end - c->week[d][i].start;
        if (standard < 0 && c->nweek[d])
            standard = d;
    }
    if (weekly == 0) {
        *line = 0;
        return kb_err_set(err, KB_EPARSE, "the calendar has no working hours in the week: add "
                          "a line such as 'hours mon-fri 09:00-18:00'");
    }
    if (c->ndays > 1)
        qsort(c->days, c->ndays, sizeof *c->days, special_cmp);
    for (size_t i = 0; i < c->ndays; i++) {
        special *d = &c->days[i];
        if (i && d->day == c->days[i - 1].day) {
            char text[32];
            date_text(d->day, text);
            *line = d->line;
            return kb_err_set(err, KB_EPARSE, "%s is already a %s on line %zu", text,
                              c->days[i - 1].kind == KB_CAL_HOLIDAY ? "holiday" : "workday",
                              c->days[i - 1].line);
        }
        if (d->default_hours) {
            d->nspans = c->nweek[standard];
            memcpy(d->spans, c->week[standard], d->nspans * sizeof *d->spans);
        }
    }
    return KB_OK;
}

kb_status kb_calendar_parse(const char *p, size_t len, kb_calendar **out, size_t *line,
                            kb_err *err)
{
    size_t dummy;
    if (!line)
        line = &dummy;
    *line = 0;
    *out = NULL;
    if (len > KB_CAL_MAX_BYTES)
        return kb_err_set(err, KB_ETOOBIG, "the calendar is %zu bytes; at most %u", len,
                          KB_CAL_MAX_BYTES);
    if (memchr(p, '\0', len))
        return kb_err_set(err, KB_EPARSE, "the calendar holds a NUL byte");
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.c = kb_xcalloc(1, sizeof *ps.c);
    kb_buf_init(&ps.names, 0);
    kb_buf_addc(&ps.names, '\0'); /* offset 0: "" */
    kb_status rc = KB_OK;
    size_t pos = 0;
    size_t lineno = 0;
    while (rc == KB_OK && pos < len) {
        lineno++;
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - p) : len;
        const char *hash = memchr(p + pos, '#', end - pos);
        size_t stop = hash ? (size_t)(hash - p) : end;
        *line = lineno;
        rc = parse_line(&ps, p + pos, stop - pos, lineno, err);
        pos = end + 1;
    }
    if (rc == KB_OK)
        rc = finish(&ps, line, err);
    if (rc != KB_OK && *line > 0) /* the message names the line too */
        kb_err_prefix(err, rc, "line %zu", *line);
    ps.c->names = kb_buf_detach(&ps.names, &ps.c->names_len);
    kb_buf_free(&ps.names);
    if (rc != KB_OK) {
        kb_calendar_free(ps.c);
        return rc;
    }
    *line = 0;
    *out = ps.c;
    return KB_OK;
}

void kb_calendar_free(kb_calendar *c)
{
    if (!c)
        return;
    free(c->days);
    free(c->names);
    free(c);
}

/* --- days --- */

static const special *find_day(const kb_calendar *c, long long day)
{
    size_t lo = 0;
    size_t hi = c->ndays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->days[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->ndays && c->days[lo].day == day ? &c->days[lo] : NULL;
}

size_t kb_calendar_day(const kb_calendar *c, long long day, kb_cal_span out[KB_CAL_MAX_SPANS],
                       kb_cal_kind *kind, const char **name)
{
    const special *s = find_day(c, day);
    if (kind)
        *kind = s ? s->kind : KB_CAL_WEEKDAY;
    if (name)
        *name = s ? c->names + s->name : NULL;
    if (s) {
        memcpy(out, s->spans, s->nspans * sizeof *out);
        return s->nspans;
    }
    int wd = (kb_tz_weekday(day) + 6) % 7; /* Monday first */
    memcpy(out, c->week[wd], c->nweek[wd] * sizeof *out);
    return c->nweek[wd];
}

void kb_calendar_stats(const kb_calendar *c, kb_cal_stats *out)
{
    memset(out, 0, sizeof *out);
    for (int d = 0; d < 7; d++)
        for (size_t i = 0; i < c->nweek[d]; i++)
            out->weekly_seconds += c->week[d][i].end - c->week[d][i].start;
    for (size_t i = 0; i < c->ndays; i++) {
        if (c->days[i].kind == KB_CAL_HOLIDAY)
            out->holidays++;
        else
            out->workdays++;
    }
    if (c->ndays) {
        out->first_day = c->days[0].day;
        out->last_day = c->days[c->ndays - 1].day;
    }
}

/* --- working time --- */

/* The instants of the spans of local day `day`; returns how many. */
static size_t day_spans(const kb_calendar *c, const kb_tz *tz, long long day,
                        long long (*out)[2])
{
    kb_cal_span s[KB_CAL_MAX_SPANS];
    size_t n = kb_calendar_day(c, day, s, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        out[i][0] = kb_tz_to_utc(tz, day * DAY + s[i].start);
        out[i][1] = kb_tz_to_utc(tz, day * DAY + s[i].end);
    }
    return n;
}

static long long local_day(const kb_tz *tz, long long t)
{
    kb_tz_local l;
    kb_tz_local_of(tz, t, &l);
    return l.days;
}

kb_status kb_calendar_seconds(const kb_calendar *c, const kb_tz *tz, long long from,
                              long long to, long long *out, kb_err *err)
{
    *out = 0;
    if (to <= from)
        return KB_OK;
    long long d0 = local_day(tz, from);
    long long d1 = local_day(tz, to);
    if (d1 - d0 > KB_CAL_HORIZON)
        return kb_err_set(err, KB_EINVAL, "a period of more than %lld days is too long to "
                          "count working time in", KB_CAL_HORIZON);
    long long sum = 0;
    for (long long day = d0; day <= d1; day++) {
        long long span[KB_CAL_MAX_SPANS][2];
        size_t n = day_spans(c, tz, day, span);
        for (size_t i = 0; i < n; i++) {
            long long a = span[i][0] > from ? span[i][0] : from;
            long long b = span[i][1] < to ? span[i][1] : to;
            if (b > a)
                sum += b - a;
        }
    }
    *out = sum;
    return KB_OK;
}

kb_status kb_calendar_add(const kb_calendar *c, const kb_tz *tz, long long from,
                          long long seconds, long long *out, kb_err *err)
{
    *out = from;
    if (seconds <= 0)
        return KB_OK;
    long long left = seconds;
    long long d0 = local_day(tz, from);
    for (long long day = d0; day <= d0 + KB_CAL_HORIZON; day++) {
        long long span[KB_CAL_MAX_SPANS][2];
        size_t n = day_spans(c, tz, day, span);
        for (size_t i = 0; i < n; i++) {
            if (span[i][1] <= from)
                continue;
            long long start = span[i][0] > from ? span[i][0] : from;
            long long avail = span[i][1] - start;
            if (avail >= left) {
                *out = start + left;
                return KB_OK;
            }
            if (avail > 0)
                left -= avail;
        }
    }
    return kb_err_set(err, KB_EINVAL, "the calendar has too little working time: %lld working "
                      "seconds do not pass within %lld days", seconds, KB_CAL_HORIZON);
}

kb_status kb_calendar_days_seconds(const kb_calendar *c, const kb_tz *tz, long long from,
                                   long long days, long long *out, kb_err *err)
{
    *out = 0;
    if (days <= 0)
        return KB_OK;
    /* the first working moment at or after from */
    long long start = 0;
    long long d0 = local_day(tz, from);
    long long day = d0;
    int found = 0;
    for (; !found && day <= d0 + KB_CAL_HORIZON; day++) {
        long long span[KB_CAL_MAX_SPANS][2];
        size_t n = day_spans(c, tz, day, span);
        for (size_t i = 0; i < n && !found; i++) {
            if (span[i][1] > from) {
                start = span[i][0] > from ? span[i][0] : from;
                found = 1;
            }
        }
    }
    long long left = days;
    kb_tz_local l;
    kb_tz_local_of(tz, start, &l);
    for (day = l.days + 1; found && left > 0 && day <= d0 + KB_CAL_HORIZON; day++) {
        kb_cal_span s[KB_CAL_MAX_SPANS];
        if (kb_calendar_day(c, day, s, NULL, NULL) > 0)
            left--;
    }
    if (!found || left > 0)
        return kb_err_set(err, KB_EINVAL, "the calendar has too little working time: %lld "
                          "working days do not pass within %lld days", days, KB_CAL_HORIZON);
    long long end = kb_tz_to_utc(tz, (day - 1) * DAY + l.sec_of_day);
    return kb_calendar_seconds(c, tz, from, end, out, err);
}
