/* Retention periods as people write them (include/kb_retention.h). */
#include "kb_retention.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kb_text.h"
#include "kb_tz.h"

#define MAX_TEXT 200u   /* bytes of text read; longer is refused */
#define MAX_YEARS 999   /* the longest period, in years */
#define MAX_NUMBER 99999

/* --------------------------------------------------------------- days */

static int leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long long y, int m)
{
    static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

static void write_day(long long y, int m, int d, char out[KB_DATE_LEN])
{
    unsigned uy = (unsigned)y, um = (unsigned)m, ud = (unsigned)d;
    snprintf(out, KB_DATE_LEN, "%04u-%02u-%02u", uy % 10000u, um % 100u, ud % 100u);
}

int kb_retention_add(const char *day, int years, int months, long long days,
                     char out[KB_DATE_LEN])
{
    int y0 = (day[0] - '0') * 1000 + (day[1] - '0') * 100 + (day[2] - '0') * 10 + day[3] - '0';
    int m = (day[5] - '0') * 10 + day[6] - '0';
    int d = (day[8] - '0') * 10 + day[9] - '0';
    long long mi = (long long)y0 * 12 + (m - 1) + (long long)years * 12 + months;
    long long y = mi / 12;
    m = (int)(mi % 12) + 1;
    if (y > 9999) {
        write_day(9999, 12, 31, out);
        return 0;
    }
    if (d > month_days(y, m))
        d = month_days(y, m);
    long long z = kb_tz_days_from_civil(y, (unsigned)m, (unsigned)d) + days;
    if (z > kb_tz_days_from_civil(9999, 12, 31)) {
        write_day(9999, 12, 31, out);
        return 0;
    }
    unsigned um, ud;
    kb_tz_civil_from_days(z, &y, &um, &ud);
    write_day(y, (int)um, (int)ud, out);
    return 1;
}

/* --------------------------------------------------------------- words */

enum unit { U_NONE, U_YEAR, U_MONTH, U_WEEK, U_DAY };
enum word { W_NONE, W_NEVER, W_LONG, W_PUBLISH, W_VOID };

/* Words in the normalised text (lower-case ASCII), CJK ones matched at any position. */
static const struct {
    const char *s;
    enum word w;
} cjk_words[] = {
    { "永久", W_NEVER },   { "长期", W_LONG },    { "長期", W_LONG },    { "发布", W_PUBLISH },
    { "發布", W_PUBLISH }, { "颁布", W_PUBLISH }, { "頒布", W_PUBLISH }, { "生效", W_PUBLISH },
    { "实施", W_PUBLISH }, { "實施", W_PUBLISH }, { "印发", W_PUBLISH }, { "作废", W_VOID },
    { "作廢", W_VOID },    { "废止", W_VOID },    { "廢止", W_VOID },    { "失效", W_VOID },
    { "报废", W_VOID },    { "報廢", W_VOID },    { "替代", W_VOID },    { "取代", W_VOID },
    { "换版", W_VOID },    { "換版", W_VOID },    { "撤销", W_VOID },    { "撤銷", W_VOID },
};

static const struct {
    const char *s;
    enum word w;
} ascii_words[] = {
    { "permanent", W_NEVER },    { "permanently", W_NEVER },  { "forever", W_NEVER },
    { "indefinite", W_NEVER },   { "indefinitely", W_NEVER }, { "perpetual", W_NEVER },
    { "publish", W_PUBLISH },    { "published", W_PUBLISH },  { "publishing", W_PUBLISH },
    { "publication", W_PUBLISH }, { "issue", W_PUBLISH },     { "issued", W_PUBLISH },
    { "release", W_PUBLISH },    { "released", W_PUBLISH },   { "superseded", W_VOID },
    { "supersede", W_VOID },     { "supersession", W_VOID },  { "obsolete", W_VOID },
    { "withdrawn", W_VOID },     { "withdrawal", W_VOID },    { "void", W_VOID },
    { "voided", W_VOID },        { "replaced", W_VOID },      { "replacement", W_VOID },
    { "scrapped", W_VOID },      { "scrap", W_VOID },         { "scrapping", W_VOID },
    { "retired", W_VOID },       { "invalidated", W_VOID },   { "cancelled", W_VOID },
};

static const struct {
    const char *s;
    enum unit u;
} cjk_units[] = {
    { "个月", U_MONTH }, { "個月", U_MONTH }, { "月", U_MONTH },     { "年", U_YEAR },
    { "天", U_DAY },     { "日", U_DAY },     { "个星期", U_WEEK },  { "個星期", U_WEEK },
    { "星期", U_WEEK },  { "周", U_WEEK },    { "週", U_WEEK },
};

static const struct {
    const char *s;
    enum unit u;
} ascii_units[] = {
    { "year", U_YEAR },   { "years", U_YEAR },  { "yr", U_YEAR },   { "yrs", U_YEAR },
    { "y", U_YEAR },      { "month", U_MONTH }, { "months", U_MONTH }, { "mo", U_MONTH },
    { "mos", U_MONTH },   { "mon", U_MONTH },   { "week", U_WEEK }, { "weeks", U_WEEK },
    { "wk", U_WEEK },     { "wks", U_WEEK },    { "w", U_WEEK },    { "day", U_DAY },
    { "days", U_DAY },    { "d", U_DAY },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int starts(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

static int is_alpha(char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Lower-cases ASCII, turns full-width forms (U+FF01..U+FF5E) into ASCII and the
 * ideographic space into a space. out holds at least 2 * MAX_TEXT + 1 bytes. */
static size_t normalise(const char *p, size_t len, char *out)
{
    size_t o = 0, i = 0;
    while (i < len) {
        size_t n = 0;
        uint32_t c = kb_text_utf8_next(p + i, len - i, &n);
        if (n == 0)
            n = 1;
        if (c >= 0xFF01 && c <= 0xFF5E) {
            c -= 0xFEE0;
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else if (c == 0x3000) {
            out[o++] = ' ';
        } else if (n == 1) {
            char ch = p[i];
            out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        } else {
            memcpy(out + o, p + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return o;
}

/* A Chinese numeral 0..999 at p ("三", "十二", "二十", "一百零五", "两"); *used gets the
 * bytes read, 0 when p starts no numeral. */
static long cjk_number(const char *p, const char *end, size_t *used)
{
    static const char *const digits[] = { "零", "一", "二", "三", "四", "五",
                                          "六", "七", "八", "九" };
    long total = 0, cur = 0;
    int any = 0;
    const char *q = p;
    for (;;) {
        int d = -1;
        for (int k = 0; k < 10; k++)
            if (starts(q, end, digits[k]))
                d = k;
        if (d < 0 && starts(q, end, "两"))
            d = 2;
        if (d >= 0) {
            cur = d;
            q += 3;
            any = 1;
            continue;
        }
        if (starts(q, end, "十")) {
            total += (cur ? cur : 1) * 10;
            cur = 0;
            q += 3;
            any = 1;
            continue;
        }
        if (starts(q, end, "百")) {
            total += (cur ? cur : 1) * 100;
            cur = 0;
            q += 3;
            any = 1;
            continue;
        }
        break;
    }
    *used = any ? (size_t)(q - p) : 0;
    return total + cur;
}

/* The unit at p (after blanks); *used gets its bytes (with the blanks). */
static enum unit read_unit(const char *p, const char *end, size_t *used)
{
    const char *q = p;
    while (q < end && *q == ' ')
        q++;
    for (size_t k = 0; k < N(cjk_units); k++)
        if (starts(q, end, cjk_units[k].s)) {
            *used = (size_t)(q - p) + strlen(cjk_units[k].s);
            return cjk_units[k].u;
        }
    const char *e = q;
    while (e < end && is_alpha(*e))
        e++;
    for (size_t k = 0; k < N(ascii_units) && e > q; k++)
        if (strlen(ascii_units[k].s) == (size_t)(e - q) &&
            memcmp(q, ascii_units[k].s, (size_t)(e - q)) == 0) {
            *used = (size_t)(e - p);
            return ascii_units[k].u;
        }
    *used = 0;
    return U_NONE;
}

/* A whole day YYYY-MM-DD at p, not inside a longer run of digits. */
static int day_at(const char *p, const char *end, const char *start)
{
    if (end - p < 10 || (p > start && is_digit(p[-1])))
        return 0;
    char d[KB_DATE_LEN];
    memcpy(d, p, 10);
    d[10] = '\0';
    return kb_date_valid(d) && (end - p == 10 || !is_digit(p[10]));
}

typedef struct {
    long years, months, days;
    int amounts;
    int never, publish, voided;
    char until[KB_DATE_LEN];
    enum unit last; /* the unit just read, for "1年半" */
} reading;

static kb_status add_amount(reading *r, long value, int half, enum unit u, const char *text,
                            kb_err *err)
{
    if (u == U_YEAR && value >= 1000)
        return kb_err_set(err, KB_EPARSE, "'%ld年' reads as a calendar year, not a period, in "
                          "'%.40s'", value, text);
    if (half && u != U_YEAR)
        return kb_err_set(err, KB_EPARSE, "only years may be given in halves in '%.40s'", text);
    switch (u) {
    case U_YEAR: r->years += value; r->months += half ? 6 : 0; break;
    case U_MONTH: r->months += value; break;
    case U_WEEK: r->days += value * 7; break;
    case U_DAY: r->days += value; break;
    case U_NONE: break;
    }
    r->amounts++;
    r->last = u;
    if (r->years + r->months / 12 + r->days / 366 > MAX_YEARS)
        return kb_err_set(err, KB_EPARSE, "a period of more than %d years in '%.40s'",
                          MAX_YEARS, text);
    return KB_OK;
}

/* A number (digits with an optional ".5", or a Chinese numeral, or "半") and its unit at
 * *p; moves *p past them. */
static kb_status read_amount(reading *r, const char **p, const char *end, const char *text,
                             kb_err *err)
{
    const char *q = *p;
    long value = 0;
    int half = 0;
    if (is_digit(*q)) {
        int nd = 0;
        while (q < end && is_digit(*q)) {
            if (++nd > 5)
                return kb_err_set(err, KB_EPARSE, "a number too large in '%.40s'", text);
            value = value * 10 + (*q++ - '0');
        }
        if (q + 1 < end && *q == '.' && is_digit(q[1])) {
            q++;
            if (*q == '5')
                half = 1;
            else if (*q != '0')
                return kb_err_set(err, KB_EPARSE, "only whole or half periods are read in "
                                  "'%.40s'", text);
            q++;
            while (q < end && *q == '0')
                q++;
            if (q < end && is_digit(*q))
                return kb_err_set(err, KB_EPARSE, "only whole or half periods are read in "
                                  "'%.40s'", text);
        }
    } else if (starts(q, end, "半")) {
        half = 1;
        q += 3;
    } else {
        size_t used = 0;
        value = cjk_number(q, end, &used);
        q += used;
    }
    size_t used = 0;
    enum unit u = read_unit(q, end, &used);
    if (u == U_NONE)
        return kb_err_set(err, KB_EPARSE, "a number without a unit (年, 个月, 天, years, "
                          "months, days) in '%.40s'", text);
    q += used;
    kb_status rc = add_amount(r, value, half, u, text, err);
    /* "1年半": half a year more */
    if (rc == KB_OK && u == U_YEAR && !half && starts(q, end, "半")) {
        r->months += 6;
        q += 3;
    }
    *p = q;
    return rc;
}

kb_status kb_retention_parse(const char *p, size_t len, kb_retention *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    if (len > MAX_TEXT)
        return kb_err_set(err, KB_EPARSE, "a retention period of more than %u bytes",
                          MAX_TEXT);
    if (kb_text_utf8_bad_at(p, len) < len || memchr(p, '\0', len))
        return kb_err_set(err, KB_EPARSE, "a retention period that is not text");
    char text[MAX_TEXT * 2 + 1];
    size_t n = normalise(p, len, text);
    const char *s = text, *end = text + n;
    reading r;
    memset(&r, 0, sizeof r);
    int blank = 1;
    kb_status rc = KB_OK;
    while (s < end && rc == KB_OK) {
        if (day_at(s, end, text)) {
            if (r.until[0])
                return kb_err_set(err, KB_EPARSE, "two days in '%.40s'", text);
            memcpy(r.until, s, 10);
            r.until[10] = '\0';
            s += 10;
            blank = 0;
            continue;
        }
        size_t used = 0;
        cjk_number(s, end, &used);
        if (is_digit(*s) || starts(s, end, "半") || used) {
            rc = read_amount(&r, &s, end, text, err);
            blank = 0;
            continue;
        }
        int matched = 0;
        for (size_t k = 0; k < N(cjk_words) && !matched; k++)
            if (starts(s, end, cjk_words[k].s)) {
                enum word w = cjk_words[k].w;
                r.never |= w == W_NEVER || w == W_LONG;
                r.publish |= w == W_PUBLISH;
                r.voided |= w == W_VOID;
                s += strlen(cjk_words[k].s);
                matched = 1;
            }
        if (matched) {
            blank = 0;
            continue;
        }
        if (is_alpha(*s)) {
            const char *e = s;
            while (e < end && is_alpha(*e))
                e++;
            for (size_t k = 0; k < N(ascii_words); k++)
                if (strlen(ascii_words[k].s) == (size_t)(e - s) &&
                    memcmp(s, ascii_words[k].s, (size_t)(e - s)) == 0) {
                    enum word w = ascii_words[k].w;
                    r.never |= w == W_NEVER;
                    r.publish |= w == W_PUBLISH;
                    r.voided |= w == W_VOID;
                }
            /* "long-term", "long term" */
            if (e - s == 4 && memcmp(s, "long", 4) == 0) {
                const char *t = e;
                while (t < end && (*t == ' ' || *t == '-'))
                    t++;
                if (starts(t, end, "term"))
                    r.never = 1;
            }
            s = e;
            blank = 0;
            continue;
        }
        size_t cn = 0;
        kb_text_utf8_next(s, (size_t)(end - s), &cn);
        if (cn > 1 || !(*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
            blank = 0;
        s += cn ? cn : 1;
    }
    if (rc != KB_OK)
        return rc;
    if (blank)
        return KB_OK;
    if (r.until[0] && r.amounts)
        return kb_err_set(err, KB_EPARSE, "both a day and a period in '%.40s'", text);
    if (r.until[0]) {
        out->kind = KB_RETENTION_UNTIL;
        memcpy(out->until, r.until, KB_DATE_LEN);
        return KB_OK;
    }
    if (r.amounts) {
        if (r.publish && r.voided)
            return kb_err_set(err, KB_EPARSE, "two starting points (publication and "
                              "supersession) in '%.40s'", text);
        out->kind = KB_RETENTION_PERIOD;
        out->base = r.voided ? KB_RETENTION_FROM_VOID : KB_RETENTION_FROM_PUBLISH;
        out->years = (int)(r.years + r.months / 12);
        out->months = (int)(r.months % 12);
        out->days = (int)r.days;
        return KB_OK;
    }
    if (r.never) {
        out->kind = KB_RETENTION_NEVER;
        return KB_OK;
    }
    return kb_err_set(err, KB_EPARSE, "no period (such as 3年, 10个月, 5 years, 永久) in "
                      "'%.40s'", text);
}

const char *kb_retention_state_name(kb_retention_state st)
{
    switch (st) {
    case KB_RETENTION_EXPIRES: return "expires";
    case KB_RETENTION_PERMANENT: return "permanent";
    case KB_RETENTION_PENDING: return "pending";
    case KB_RETENTION_UNDATED: return "undated";
    case KB_RETENTION_UNSET: return "unset";
    case KB_RETENTION_UNPARSED: return "unparsed";
    }
    return "unset";
}

kb_retention_state kb_retention_expiry(const char *text, const char *published,
                                       const char *voided, char until[KB_DATE_LEN])
{
    until[0] = '\0';
    kb_retention r;
    if (!text)
        text = "";
    if (kb_retention_parse(text, strlen(text), &r, NULL) != KB_OK)
        return KB_RETENTION_UNPARSED;
    switch (r.kind) {
    case KB_RETENTION_NONE: return KB_RETENTION_UNSET;
    case KB_RETENTION_NEVER: return KB_RETENTION_PERMANENT;
    case KB_RETENTION_UNTIL:
        memcpy(until, r.until, KB_DATE_LEN);
        return KB_RETENTION_EXPIRES;
    case KB_RETENTION_PERIOD: break;
    }
    const char *from = r.base == KB_RETENTION_FROM_VOID ? voided : published;
    if (r.base == KB_RETENTION_FROM_VOID && (!from || !*from))
        return KB_RETENTION_PENDING;
    if (!kb_date_valid(from))
        return KB_RETENTION_UNDATED;
    kb_retention_add(from, r.years, r.months, r.days, until);
    return KB_RETENTION_EXPIRES;
}
