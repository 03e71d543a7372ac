/* Time zones from TZif files (RFC 8536) and POSIX TZ strings. See include/kb_tz.h.
 *
 * A zone is a table of transitions (instant -> type), its types (offset, dst,
 * abbreviation) and the footer's rule for instants after the table. Lookups find the
 * "period" holding an instant: its offset and the instants where it begins and ends, which
 * is all that converting local times back to instants needs. */
#include "kb_tz.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kb_alloc.h"

#define DAY 86400LL
#define MAX_TYPES 256u
#define MAX_TRANSITIONS 20000u
#define MAX_FOOTER 128u
#define RULE_MAX_TIME (167LL * 3600 + 59 * 60 + 59) /* RFC 8536's extension of POSIX */
/* periods visited when converting a local time: its window holds a handful of them */
#define MAX_WINDOW_PERIODS 64

typedef struct {
    long long offset;
    int dst;
    char abbr[KB_TZ_MAX_ABBR + 1];
} tz_type;

/* A date of a POSIX rule: 'J' Julian day 1..365 without Feb 29, 'N' day 0..365 with it,
 * 'M' month.week.weekday; time is local seconds after midnight of that date. */
typedef struct {
    char kind;
    int a;
    int b;
    int c;
    long long time;
} rule_date;

typedef struct {
    tz_type std;
    tz_type dst;
    int has_dst;
    rule_date start; /* into daylight-saving time, given in standard time */
    rule_date end;   /* back to standard time, given in daylight-saving time */
} posix_rule;

struct kb_tz {
    atomic_long refs;
    char name[KB_TZ_MAX_NAME + 1];
    size_t ntrans;
    long long *trans;     /* ascending instants */
    unsigned char *idx;   /* type of each transition */
    size_t ntypes;
    tz_type *types;
    int has_rule;
    posix_rule rule;
    int fixed;
};

/* The offset in force from begin (inclusive) to end (exclusive). */
typedef struct {
    const tz_type *type;
    long long begin;
    long long end;
} period;

/* --- calendar arithmetic --- */

static long long floor_div(long long a, long long b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

long long kb_tz_day_of(long long local)
{
    return floor_div(local, DAY);
}

long long kb_tz_days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = floor_div(y, 400);
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

void kb_tz_civil_from_days(long long days, long long *y, unsigned *m, unsigned *d)
{
    long long z = days + 719468;
    long long era = floor_div(z, 146097);
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

int kb_tz_weekday(long long days)
{
    return (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
}

static int is_leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(long long y, unsigned m)
{
    static const unsigned char n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

static long long clamp(long long t)
{
    return t < -KB_TZ_MAX_INSTANT ? -KB_TZ_MAX_INSTANT
                                  : t > KB_TZ_MAX_INSTANT ? KB_TZ_MAX_INSTANT : t;
}

/* --- names --- */

kb_status kb_tz_check_name(const char *name, kb_err *err)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0)
        return kb_err_set(err, KB_EINVAL, "a time zone name is required, e.g. Asia/Shanghai");
    if (len > KB_TZ_MAX_NAME)
        return kb_err_set(err, KB_EINVAL, "time zone name '%.40s...' is longer than %u bytes",
                          name, KB_TZ_MAX_NAME);
    int start = 1; /* at the start of a component */
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '_' || c == '-' || c == '+' || c == '.';
        if (!ok)
            return kb_err_set(err, KB_EINVAL, "time zone name '%.64s' may hold only letters, "
                              "digits and / _ - + .", name);
        if (c == '/' && start)
            return kb_err_set(err, KB_EINVAL, "time zone name '%.64s' has an empty part or "
                              "starts with '/'", name);
        if (c == '.' && start)
            return kb_err_set(err, KB_EINVAL, "time zone name '%.64s' has a part starting "
                              "with '.'", name);
        start = c == '/';
    }
    if (start)
        return kb_err_set(err, KB_EINVAL, "time zone name '%.64s' ends with '/'", name);
    return KB_OK;
}

/* --- POSIX TZ strings --- */

typedef struct {
    const char *p;
    const char *end;
} cursor;

static int peek(const cursor *c)
{
    return c->p < c->end ? (unsigned char)*c->p : -1;
}

static int digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* A number of at most 3 digits into *out; -1 when there is none. */
static int number(cursor *c, int *out)
{
    int v = 0;
    int n = 0;
    while (digit(peek(c)) && n < 3) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    if (n == 0 || digit(peek(c)))
        return -1;
    *out = v;
    return 0;
}

/* An abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'. */
static int abbreviation(cursor *c, char out[KB_TZ_MAX_ABBR + 1])
{
    size_t n = 0;
    if (peek(c) == '<') {
        c->p++;
        while (peek(c) != '>') {
            int ch = peek(c);
            int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || digit(ch) ||
                     ch == '+' || ch == '-';
            if (!ok || n >= KB_TZ_MAX_ABBR)
                return -1;
            out[n++] = (char)ch;
            c->p++;
        }
        c->p++;
    } else {
        for (;;) {
            int ch = peek(c);
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
                break;
            if (n >= KB_TZ_MAX_ABBR)
                return -1;
            out[n++] = (char)ch;
            c->p++;
        }
    }
    out[n] = '\0';
    return n >= 3 ? 0 : -1;
}

/* [+-]hh[:mm[:ss]] with hh at most max_hours, into seconds. */
static int clock_time(cursor *c, int max_hours, long long *out)
{
    int sign = 1;
    if (peek(c) == '+' || peek(c) == '-') {
        sign = *c->p == '-' ? -1 : 1;
        c->p++;
    }
    int h;
    int m = 0;
    int s = 0;
    if (number(c, &h) != 0 || h > max_hours)
        return -1;
    if (peek(c) == ':') {
        c->p++;
        if (number(c, &m) != 0 || m > 59)
            return -1;
        if (peek(c) == ':') {
            c->p++;
            if (number(c, &s) != 0 || s > 59)
                return -1;
        }
    }
    *out = sign * (h * 3600LL + m * 60LL + s);
    return 0;
}

static int rule_date_parse(cursor *c, rule_date *out)
{
    out->time = 2 * 3600; /* 02:00 unless given */
    if (peek(c) == 'M') {
        c->p++;
        out->kind = 'M';
        if (number(c, &out->a) != 0 || out->a < 1 || out->a > 12 || peek(c) != '.')
            return -1;
        c->p++;
        if (number(c, &out->b) != 0 || out->b < 1 || out->b > 5 || peek(c) != '.')
            return -1;
        c->p++;
        if (number(c, &out->c) != 0 || out->c > 6)
            return -1;
    } else if (peek(c) == 'J') {
        c->p++;
        out->kind = 'J';
        if (number(c, &out->a) != 0 || out->a < 1 || out->a > 365)
            return -1;
    } else {
        out->kind = 'N';
        if (number(c, &out->a) != 0 || out->a > 365)
            return -1;
    }
    if (peek(c) == '/') {
        c->p++;
        if (clock_time(c, 167, &out->time) != 0)
            return -1;
    }
    return 0;
}

/* Parses a TZ string such as "CST-8", "<+0545>-5:45" or "EST5EDT,M3.2.0,M11.1.0". */
static int posix_parse(const char *s, size_t len, posix_rule *out)
{
    cursor c = { s, s + len };
    memset(out, 0, sizeof *out);
    long long off;
    if (abbreviation(&c, out->std.abbr) != 0 || clock_time(&c, 24, &off) != 0)
        return -1;
    out->std.offset = -off; /* POSIX counts west of Greenwich */
    if (peek(&c) == -1)
        return 0;
    if (abbreviation(&c, out->dst.abbr) != 0)
        return -1;
    out->has_dst = 1;
    out->dst.dst = 1;
    out->dst.offset = out->std.offset + 3600;
    if (peek(&c) != ',' && peek(&c) != -1) {
        if (clock_time(&c, 24, &off) != 0)
            return -1;
        out->dst.offset = -off;
    }
    /* a footer's rule is required (RFC 8536 3.3): no implementation-defined default */
    if (peek(&c) != ',')
        return -1;
    c.p++;
    if (rule_date_parse(&c, &out->start) != 0 || peek(&c) != ',')
        return -1;
    c.p++;
    if (rule_date_parse(&c, &out->end) != 0 || peek(&c) != -1)
        return -1;
    return 0;
}

/* The local time (in the offset before it) of a rule date in year y, as local seconds. */
static long long rule_local(const rule_date *r, long long y)
{
    long long days = kb_tz_days_from_civil(y, 1, 1);
    if (r->kind == 'J')
        days += r->a - 1 + (is_leap(y) && r->a >= 60);
    else if (r->kind == 'N')
        days += r->a;
    else {
        long long first = kb_tz_days_from_civil(y, (unsigned)r->a, 1);
        int delta = (r->c - kb_tz_weekday(first) + 7) % 7;
        int d = 1 + delta + (r->b - 1) * 7;
        while (d > (int)month_days(y, (unsigned)r->a))
            d -= 7;
        days = first + d - 1;
    }
    return days * DAY + r->time;
}

typedef struct {
    long long at;
    int to_dst;
} rule_event;

/* The period of the rule holding instant t. */
static period rule_period(const posix_rule *r, long long t)
{
    period p = { &r->std, LLONG_MIN, LLONG_MAX };
    if (!r->has_dst)
        return p;
    long long y0;
    unsigned m, d;
    kb_tz_civil_from_days(kb_tz_day_of(t + r->std.offset), &y0, &m, &d);
    rule_event ev[6];
    int n = 0;
    for (long long y = y0 - 1; y <= y0 + 1; y++) {
        ev[n].at = rule_local(&r->start, y) - r->std.offset;
        ev[n++].to_dst = 1;
        ev[n].at = rule_local(&r->end, y) - r->dst.offset;
        ev[n++].to_dst = 0;
    }
    /* insertion sort; at equal instants the change to standard time goes first, so that a
     * year-round daylight-saving rule ("EST5EDT,0/0,J365/25") never shows standard time */
    for (int i = 1; i < n; i++) {
        rule_event e = ev[i];
        int j = i - 1;
        while (j >= 0 && (ev[j].at > e.at || (ev[j].at == e.at && ev[j].to_dst && !e.to_dst))) {
            ev[j + 1] = ev[j];
            j--;
        }
        ev[j + 1] = e;
    }
    int last = -1;
    for (int i = 0; i < n; i++)
        if (ev[i].at <= t)
            last = i;
    if (last < 0) {
        p.type = ev[0].to_dst ? &r->std : &r->dst;
        p.end = ev[0].at;
        return p;
    }
    p.type = ev[last].to_dst ? &r->dst : &r->std;
    p.begin = ev[last].at;
    p.end = last + 1 < n ? ev[last + 1].at : LLONG_MAX;
    return p;
}

/* --- lookups --- */

static const tz_type utc_type = { 0, 0, "UTC" };

/* The period holding instant t. */
static period find_period(const kb_tz *tz, long long t)
{
    period p = { &utc_type, LLONG_MIN, LLONG_MAX };
    if (!tz)
        return p;
    if (tz->ntrans == 0) {
        if (tz->has_rule)
            return rule_period(&tz->rule, t);
        p.type = &tz->types[0];
        return p;
    }
    if (t < tz->trans[0]) {
        p.type = &tz->types[0];
        p.end = tz->trans[0];
        return p;
    }
    size_t lo = 0;
    size_t hi = tz->ntrans; /* trans[lo] <= t < trans[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    if (hi < tz->ntrans) {
        p.type = &tz->types[tz->idx[lo]];
        p.begin = tz->trans[lo];
        p.end = tz->trans[hi];
        return p;
    }
    if (!tz->has_rule) {
        p.type = &tz->types[tz->idx[lo]];
        p.begin = tz->trans[lo];
        return p;
    }
    p = rule_period(&tz->rule, t);
    if (p.begin < tz->trans[lo])
        p.begin = tz->trans[lo];
    return p;
}

long long kb_tz_offset(const kb_tz *tz, long long t)
{
    return find_period(tz, clamp(t)).type->offset;
}

void kb_tz_local_of(const kb_tz *tz, long long t, kb_tz_local *out)
{
    t = clamp(t);
    const tz_type *ty = find_period(tz, t).type;
    long long local = t + ty->offset;
    long long days = kb_tz_day_of(local);
    long long secs = local - days * DAY;
    unsigned m, d;
    kb_tz_civil_from_days(days, &out->year, &m, &d);
    out->month = (int)m;
    out->day = (int)d;
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->weekday = kb_tz_weekday(days);
    out->days = days;
    out->sec_of_day = secs;
    out->offset = ty->offset;
    out->dst = ty->dst;
    memcpy(out->abbr, ty->abbr, sizeof out->abbr);
}

long long kb_tz_to_utc(const kb_tz *tz, long long local)
{
    local = clamp(local);
    if (!tz || tz->fixed)
        return local - (tz ? tz->types[0].offset : 0);
    /* Every instant whose wall clock reads local lies within KB_TZ_MAX_OFFSET of it: walk
     * the periods of that window in order. */
    long long from = local - KB_TZ_MAX_OFFSET - 1;
    long long to = local + KB_TZ_MAX_OFFSET + 1;
    long long t = from;
    period prev = { NULL, 0, 0 };
    long long gap = LLONG_MIN;
    for (int i = 0; i < MAX_WINDOW_PERIODS && t <= to; i++) {
        period p = find_period(tz, t);
        long long u = local - p.type->offset;
        if (u >= p.begin && u < p.end && u >= from)
            return u; /* the first (earliest) occurrence */
        /* local falls in the jump from prev to p: clocks were set forward over it */
        if (prev.type && gap == LLONG_MIN && prev.type->offset < p.type->offset &&
            local >= p.begin + prev.type->offset && local < p.begin + p.type->offset)
            gap = local - prev.type->offset;
        prev = p;
        if (p.end == LLONG_MAX)
            break;
        t = p.end;
    }
    if (gap != LLONG_MIN)
        return gap;
    return local - find_period(tz, local).type->offset; /* not reached with sane data */
}

/* --- making zones --- */

static kb_tz *tz_new(const char *name)
{
    kb_tz *tz = kb_xcalloc(1, sizeof *tz);
    atomic_init(&tz->refs, 1);
    snprintf(tz->name, sizeof tz->name, "%s", name);
    return tz;
}

kb_tz *kb_tz_fixed(long long offset)
{
    if (offset < -KB_TZ_MAX_OFFSET)
        offset = -KB_TZ_MAX_OFFSET;
    if (offset > KB_TZ_MAX_OFFSET)
        offset = KB_TZ_MAX_OFFSET;
    char name[16];
    long long a = offset < 0 ? -offset : offset;
    if (offset == 0)
        snprintf(name, sizeof name, "UTC");
    else if (a % 60)
        snprintf(name, sizeof name, "%c%02lld:%02lld:%02lld", offset < 0 ? '-' : '+', a / 3600,
                 a / 60 % 60, a % 60);
    else
        snprintf(name, sizeof name, "%c%02lld:%02lld", offset < 0 ? '-' : '+', a / 3600,
                 a / 60 % 60);
    kb_tz *tz = tz_new(name);
    tz->ntypes = 1;
    tz->types = kb_xcalloc(1, sizeof *tz->types);
    tz->types[0].offset = offset;
    snprintf(tz->types[0].abbr, sizeof tz->types[0].abbr, "%s", name);
    tz->fixed = 1;
    return tz;
}

kb_tz *kb_tz_ref(kb_tz *tz)
{
    atomic_fetch_add(&tz->refs, 1);
    return tz;
}

void kb_tz_free(kb_tz *tz)
{
    if (!tz || atomic_fetch_sub(&tz->refs, 1) != 1)
        return;
    free(tz->trans);
    free(tz->idx);
    free(tz->types);
    free(tz);
}

const char *kb_tz_name(const kb_tz *tz)
{
    return tz ? tz->name : "UTC";
}

int kb_tz_is_fixed(const kb_tz *tz)
{
    return !tz || tz->fixed;
}

/* --- TZif --- */

typedef struct {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_counts;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static long long be64(const unsigned char *p)
{
    uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
    return (long long)v; /* two's complement on every target */
}

static void read_counts(const unsigned char *h, tzif_counts *c)
{
    c->isutcnt = be32(h + 20);
    c->isstdcnt = be32(h + 24);
    c->leapcnt = be32(h + 28);
    c->timecnt = be32(h + 32);
    c->typecnt = be32(h + 36);
    c->charcnt = be32(h + 40);
}

/* Bytes of a data block whose times are tsize bytes wide. */
static uint64_t block_size(const tzif_counts *c, unsigned tsize)
{
    return (uint64_t)c->timecnt * (tsize + 1) + (uint64_t)c->typecnt * 6 + c->charcnt +
           (uint64_t)c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt;
}

static kb_status bad(kb_err *err, const char *name, const char *why)
{
    return kb_err_set(err, KB_EPARSE, "time zone file '%.64s' %s", name, why);
}

static kb_status parse_block(kb_tz *tz, const unsigned char *p, const tzif_counts *c,
                             kb_err *err)
{
    if (c->typecnt == 0 || c->typecnt > MAX_TYPES || c->charcnt == 0 || c->charcnt > 4096)
        return bad(err, tz->name, "has no or too many local time types");
    if (c->timecnt > MAX_TRANSITIONS)
        return bad(err, tz->name, "has too many transitions");
    if ((c->isutcnt && c->isutcnt != c->typecnt) || (c->isstdcnt && c->isstdcnt != c->typecnt))
        return bad(err, tz->name, "has inconsistent counts");
    if (c->leapcnt)
        return bad(err, tz->name, "counts leap seconds (a 'right/' zone); use the zone "
                   "without them");
    tz->ntrans = c->timecnt;
    tz->ntypes = c->typecnt;
    tz->trans = kb_xmalloc((c->timecnt ? c->timecnt : 1) * sizeof *tz->trans);
    tz->idx = kb_xmalloc(c->timecnt ? c->timecnt : 1);
    tz->types = kb_xcalloc(c->typecnt, sizeof *tz->types);
    for (uint32_t i = 0; i < c->timecnt; i++) {
        tz->trans[i] = be64(p + 8 * (size_t)i);
        if (i && tz->trans[i] <= tz->trans[i - 1])
            return bad(err, tz->name, "has transitions out of order");
    }
    p += 8 * (size_t)c->timecnt;
    for (uint32_t i = 0; i < c->timecnt; i++) {
        tz->idx[i] = p[i];
        if (p[i] >= c->typecnt)
            return bad(err, tz->name, "has a transition to an unknown type");
    }
    p += c->timecnt;
    const unsigned char *chars = p + 6 * (size_t)c->typecnt;
    for (uint32_t i = 0; i < c->typecnt; i++) {
        const unsigned char *t = p + 6 * (size_t)i;
        long long off = (int32_t)be32(t);
        if (off < -KB_TZ_MAX_OFFSET || off > KB_TZ_MAX_OFFSET || t[4] > 1 || t[5] >= c->charcnt)
            return bad(err, tz->name, "has a local time type out of range");
        tz->types[i].offset = off;
        tz->types[i].dst = t[4];
        const unsigned char *a = chars + t[5];
        size_t n = 0;
        while (t[5] + n < c->charcnt && a[n] && n <= KB_TZ_MAX_ABBR)
            n++;
        if (t[5] + n >= c->charcnt || n > KB_TZ_MAX_ABBR)
            return bad(err, tz->name, "has a bad time zone abbreviation");
        memcpy(tz->types[i].abbr, a, n);
        tz->types[i].abbr[n] = '\0';
    }
    /* the clamps of the lookups must not reorder the table */
    for (uint32_t i = 0; i < c->timecnt; i++)
        tz->trans[i] = clamp(tz->trans[i]);
    return KB_OK;
}

kb_status kb_tz_parse(const char *name, const void *data, size_t len, kb_tz **out, kb_err *err)
{
    *out = NULL;
    const unsigned char *p = data;
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return bad(err, name, "is not a TZif file");
    if (p[4] == 0)
        return bad(err, name, "has only version 1 data (32-bit); install a current tzdata");
    if (p[4] < '2' || p[4] > '4')
        return bad(err, name, "has an unknown TZif version");
    tzif_counts c1;
    read_counts(p, &c1);
    uint64_t skip = 44 + block_size(&c1, 4);
    if (skip + 44 > len)
        return bad(err, name, "is truncated");
    const unsigned char *h2 = p + skip;
    if (memcmp(h2, "TZif", 4) != 0 || h2[4] != p[4])
        return bad(err, name, "has a bad second header");
    tzif_counts c2;
    read_counts(h2, &c2);
    uint64_t size2 = block_size(&c2, 8);
    if (skip + 44 + size2 + 2 > len)
        return bad(err, name, "is truncated");
    kb_tz *tz = tz_new(name);
    kb_status rc = parse_block(tz, h2 + 44, &c2, err);
    /* the footer: "\n" TZ-string "\n" */
    const char *f = (const char *)h2 + 44 + size2;
    size_t flen = len - (size_t)(skip + 44 + size2);
    if (rc == KB_OK && (flen < 2 || f[0] != '\n' || f[flen - 1] != '\n' ||
                        memchr(f + 1, '\n', flen - 2) || flen - 2 > MAX_FOOTER))
        rc = bad(err, name, "has a bad footer");
    if (rc == KB_OK && flen > 2) {
        if (posix_parse(f + 1, flen - 2, &tz->rule) != 0)
            rc = kb_err_set(err, KB_EPARSE, "time zone file '%.64s' has a TZ string that is "
                            "not understood: '%.*s'", name, (int)(flen - 2 < 60 ? flen - 2 : 60),
                            f + 1);
        else
            tz->has_rule = 1;
    }
    if (rc != KB_OK) {
        kb_tz_free(tz);
        return rc;
    }
    /* one offset throughout (the types in use and the rule's): lookups can be skipped */
    long long one = tz->has_rule ? tz->rule.std.offset : tz->types[0].offset;
    tz->fixed = !tz->has_rule || !tz->rule.has_dst;
    if (tz->ntrans || !tz->has_rule)
        tz->fixed = tz->fixed && tz->types[0].offset == one;
    for (size_t i = 0; tz->fixed && i < tz->ntrans; i++)
        tz->fixed = tz->types[tz->idx[i]].offset == one;
    if (tz->fixed)
        tz->types[0] = tz->has_rule ? tz->rule.std : tz->types[0];
    *out = tz;
    return KB_OK;
}

kb_status kb_tz_load(const char *name, const char *dir, kb_tz **out, kb_err *err)
{
    *out = NULL;
    kb_status rc = kb_tz_check_name(name, err);
    if (rc != KB_OK)
        return rc;
    if (strcmp(name, "UTC") == 0) {
        *out = kb_tz_fixed(0);
        return KB_OK;
    }
    if (!dir) {
        const char *env = getenv("TZDIR");
        dir = env && env[0] == '/' && strlen(env) < 512 ? env : KB_TZ_DIR;
    }
    char path[640];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return kb_err_set(err, KB_EINVAL, "time zone path too long");
    /* O_NONBLOCK: a FIFO put there must not hang the caller; fstat rejects it */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return kb_err_set(err, KB_EINVAL, "unknown time zone '%s' (no such zone in %s; "
                              "names look like Asia/Shanghai)", name, dir);
        return kb_err_set(err, KB_EIO, "cannot read time zone '%s': %s", name, strerror(errno));
    }
    struct stat st;
    unsigned char *buf = NULL;
    size_t len = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = kb_err_set(err, KB_EINVAL, "unknown time zone '%s' (not a zone file)", name);
    else if (st.st_size > (off_t)KB_TZ_MAX_FILE)
        rc = kb_err_set(err, KB_ETOOBIG, "time zone file '%s' is larger than %u bytes", name,
                        KB_TZ_MAX_FILE);
    if (rc == KB_OK) {
        buf = kb_xmalloc(KB_TZ_MAX_FILE + 1);
        for (;;) {
            ssize_t n = read(fd, buf + len, KB_TZ_MAX_FILE + 1 - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rc = kb_err_set(err, KB_EIO, "cannot read time zone '%s': %s", name,
                                strerror(errno));
                break;
            }
            if (n == 0)
                break;
            len += (size_t)n;
            if (len > KB_TZ_MAX_FILE) {
                rc = kb_err_set(err, KB_ETOOBIG, "time zone file '%s' is larger than %u bytes",
                                name, KB_TZ_MAX_FILE);
                break;
            }
        }
    }
    close(fd);
    if (rc == KB_OK)
        rc = kb_tz_parse(name, buf, len, out, err);
    free(buf);
    return rc;
}
