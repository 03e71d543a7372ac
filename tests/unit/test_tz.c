/* Time zones: TZif files of the system's zone database and hand-made ones, POSIX rules of
 * the footer, local times in gaps and overlaps, and hostile files and names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "kb_tz.h"

#define H 3600LL
#define DAY 86400LL

/* UTC instant of a civil date and time */
static long long utc(long long y, unsigned m, unsigned d, int hh, int mm)
{
    return kb_tz_days_from_civil(y, m, d) * DAY + hh * H + mm * 60LL;
}

/* --- hand-made TZif files --- */

typedef struct {
    unsigned char b[8192];
    size_t n;
} bytes;

static void put(bytes *x, const void *p, size_t n)
{
    if (n)
        memcpy(x->b + x->n, p, n);
    x->n += n;
}

static void put32(bytes *x, uint32_t v)
{
    unsigned char c[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };
    put(x, c, 4);
}

static void put64(bytes *x, long long v)
{
    put32(x, (uint32_t)((uint64_t)v >> 32));
    put32(x, (uint32_t)v);
}

static void header(bytes *x, char version, uint32_t leap, uint32_t timecnt, uint32_t typecnt,
                   uint32_t charcnt)
{
    put(x, "TZif", 4);
    put(x, &version, 1);
    unsigned char zero[15] = { 0 };
    put(x, zero, 15);
    put32(x, 0);
    put32(x, 0);
    put32(x, leap);
    put32(x, timecnt);
    put32(x, typecnt);
    put32(x, charcnt);
}

typedef struct {
    int32_t off;
    unsigned char dst;
    unsigned char abbr;
} ttype;

/* A version-2 file: a minimal version-1 block, then the 64-bit data and the footer. */
static void make(bytes *x, const long long *trans, const unsigned char *idx, uint32_t nt,
                 const ttype *types, uint32_t ntypes, const char *chars, uint32_t nchars,
                 const char *footer)
{
    x->n = 0;
    header(x, '2', 0, 0, 1, 1);
    put32(x, 0);
    unsigned char v1type[3] = { 0, 0, 0 };
    put(x, v1type, 2);
    put(x, "\0", 1);
    header(x, '2', 0, nt, ntypes, nchars);
    for (uint32_t i = 0; i < nt; i++)
        put64(x, trans[i]);
    put(x, idx, nt);
    for (uint32_t i = 0; i < ntypes; i++) {
        put32(x, (uint32_t)types[i].off);
        put(x, &types[i].dst, 1);
        put(x, &types[i].abbr, 1);
    }
    put(x, chars, nchars);
    put(x, "\n", 1);
    put(x, footer, strlen(footer));
    put(x, "\n", 1);
}

/* A zone with no table, only the footer's rule. */
static kb_tz *rule_zone(const char *footer)
{
    bytes x;
    ttype t = { -18000, 0, 0 };
    make(&x, NULL, NULL, 0, &t, 1, "EST\0", 4, footer);
    kb_tz *tz = NULL;
    kb_err err;
    if (kb_tz_parse("rule", x.b, x.n, &tz, &err) != KB_OK)
        fprintf(stderr, "footer '%s': %s\n", footer, err.msg);
    return tz;
}

static void test_calendar_math(void)
{
    CHECK_INT_EQ(kb_tz_days_from_civil(1970, 1, 1), 0);
    CHECK_INT_EQ(kb_tz_days_from_civil(2000, 3, 1), 11017);
    CHECK_INT_EQ(kb_tz_days_from_civil(1969, 12, 31), -1);
    long long y;
    unsigned m, d;
    kb_tz_civil_from_days(kb_tz_days_from_civil(2024, 2, 29), &y, &m, &d);
    CHECK(y == 2024 && m == 2 && d == 29);
    kb_tz_civil_from_days(-1, &y, &m, &d);
    CHECK(y == 1969 && m == 12 && d == 31);
    CHECK_INT_EQ(kb_tz_weekday(0), 4);                                 /* Thursday */
    CHECK_INT_EQ(kb_tz_weekday(kb_tz_days_from_civil(2026, 3, 13)), 5); /* a Friday */
    CHECK_INT_EQ(kb_tz_weekday(-1), 3);
    CHECK_INT_EQ(kb_tz_day_of(-1), -1);
    CHECK_INT_EQ(kb_tz_day_of(DAY), 1);
}

static void test_names(void)
{
    const char *good[] = { "Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires",
                           "Etc/GMT+8", "Etc/GMT-14", "right-ish_zone.v2", NULL };
    for (int i = 0; good[i]; i++)
        CHECK_INT_EQ(kb_tz_check_name(good[i], NULL), KB_OK);
    const char *bad[] = { "", "/etc/passwd", "../../etc/passwd", "Asia/../../etc",
                          "Asia//Shanghai", "Asia/", ".hidden", "Asia/.x", "Asia/Shang hai",
                          "Asia\\Shanghai", "亚洲/上海", "a\nb",
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                          NULL };
    for (int i = 0; bad[i]; i++)
        CHECK_INT_EQ(kb_tz_check_name(bad[i], NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_tz_check_name(NULL, NULL), KB_EINVAL);
    kb_tz *tz = (kb_tz *)1;
    kb_err err;
    CHECK_INT_EQ(kb_tz_load("../../etc/passwd", NULL, &tz, &err), KB_EINVAL);
    CHECK(tz == NULL);
    CHECK(strstr(err.msg, "starting with '.'") != NULL);
    CHECK_INT_EQ(kb_tz_load("Mars/Olympus_Mons", NULL, &tz, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "unknown time zone 'Mars/Olympus_Mons'") != NULL);
    CHECK_INT_EQ(kb_tz_load("Asia", NULL, &tz, &err), KB_EINVAL); /* a directory */
    CHECK_INT_EQ(kb_tz_load("zone.tab", NULL, &tz, &err), KB_EPARSE); /* not TZif */
    CHECK(strstr(err.msg, "is not a TZif file") != NULL);
}

static void test_fixed(void)
{
    kb_tz *tz = kb_tz_fixed(8 * H);
    CHECK_STR_EQ(kb_tz_name(tz), "+08:00");
    CHECK(kb_tz_is_fixed(tz));
    CHECK_INT_EQ(kb_tz_offset(tz, 0), 8 * H);
    CHECK_INT_EQ(kb_tz_to_utc(tz, 8 * H), 0);
    kb_tz *again = kb_tz_ref(tz);
    kb_tz_free(tz);
    CHECK_INT_EQ(kb_tz_offset(again, 0), 8 * H); /* still alive */
    kb_tz_free(again);
    tz = kb_tz_fixed(-(5 * H + 30 * 60));
    CHECK_STR_EQ(kb_tz_name(tz), "-05:30");
    kb_tz_free(tz);
    tz = kb_tz_fixed(0);
    CHECK_STR_EQ(kb_tz_name(tz), "UTC");
    kb_tz_free(tz);
    CHECK_STR_EQ(kb_tz_name(NULL), "UTC");
    CHECK_INT_EQ(kb_tz_offset(NULL, 123), 0);
    CHECK_INT_EQ(kb_tz_load("UTC", "/nonexistent", &tz, NULL), KB_OK); /* built in */
    CHECK_INT_EQ(kb_tz_offset(tz, 0), 0);
    kb_tz_free(tz);
    kb_tz_free(NULL);
}

static void test_shanghai(void)
{
    kb_tz *tz = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_tz_load("Asia/Shanghai", NULL, &tz, &err), KB_OK);
    if (!tz) {
        fprintf(stderr, "Asia/Shanghai: %s (is tzdata installed?)\n", err.msg);
        return;
    }
    CHECK_STR_EQ(kb_tz_name(tz), "Asia/Shanghai");
    kb_tz_local l;
    long long t = utc(2026, 3, 13, 9, 50); /* 17:50 on Friday 13 March in Beijing */
    kb_tz_local_of(tz, t, &l);
    CHECK(l.year == 2026 && l.month == 3 && l.day == 13 && l.hour == 17 && l.minute == 50);
    CHECK_INT_EQ(l.weekday, 5);
    CHECK_INT_EQ(l.offset, 8 * H);
    CHECK_STR_EQ(l.abbr, "CST");
    CHECK_INT_EQ(l.days, kb_tz_days_from_civil(2026, 3, 13));
    CHECK_INT_EQ(l.sec_of_day, 17 * H + 50 * 60);
    CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 3, 13, 17, 50)), t);
    /* far past the table: the footer "CST-8" */
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2300, 7, 1, 0, 0)), 8 * H);
    /* China kept summer time 1986-1991: 1988-07-01 was +09:00 */
    CHECK_INT_EQ(kb_tz_offset(tz, utc(1988, 7, 1, 0, 0)), 9 * H);
    CHECK(!kb_tz_is_fixed(tz));
    kb_tz_free(tz);
    /* PRC is a link to the same zone */
    CHECK_INT_EQ(kb_tz_load("PRC", NULL, &tz, &err), KB_OK);
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 1, 1, 0, 0)), 8 * H);
    kb_tz_free(tz);
}

static void test_new_york(void)
{
    kb_tz *tz = NULL;
    CHECK_INT_EQ(kb_tz_load("America/New_York", NULL, &tz, NULL), KB_OK);
    if (!tz)
        return;
    /* 2026: from 02:00 EST on 8 March to 02:00 EDT on 1 November */
    long long on = utc(2026, 3, 8, 7, 0);
    long long off = utc(2026, 11, 1, 6, 0);
    CHECK_INT_EQ(kb_tz_offset(tz, on - 1), -5 * H);
    CHECK_INT_EQ(kb_tz_offset(tz, on), -4 * H);
    CHECK_INT_EQ(kb_tz_offset(tz, off - 1), -4 * H);
    CHECK_INT_EQ(kb_tz_offset(tz, off), -5 * H);
    kb_tz_local l;
    kb_tz_local_of(tz, on, &l);
    CHECK(l.hour == 3 && l.dst == 1);
    CHECK_STR_EQ(l.abbr, "EDT");
    /* 02:30 on 8 March never happens: read in EST, it is 03:30 EDT */
    long long gap = kb_tz_to_utc(tz, utc(2026, 3, 8, 2, 30));
    CHECK_INT_EQ(gap, utc(2026, 3, 8, 7, 30));
    kb_tz_local_of(tz, gap, &l);
    CHECK(l.hour == 3 && l.minute == 30);
    /* 01:30 on 1 November happens twice: the first (EDT) */
    CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 11, 1, 1, 30)), utc(2026, 11, 1, 5, 30));
    /* the edges of the overlap and the gap */
    CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 11, 1, 0, 59)), utc(2026, 11, 1, 4, 59));
    CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 11, 1, 2, 0)), utc(2026, 11, 1, 7, 0));
    CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 3, 8, 2, 0)), on);
    CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 3, 8, 3, 0)), on);
    CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 3, 8, 1, 59)), on - 60);
    /* every local minute of both change days maps back to itself, outside the gap */
    int ok = 1;
    for (long long base = utc(2026, 3, 8, 0, 0); base < utc(2026, 3, 9, 0, 0); base += 60) {
        long long u = kb_tz_to_utc(tz, base);
        kb_tz_local_of(tz, u, &l);
        long long back = l.days * DAY + l.sec_of_day;
        int in_gap = base >= utc(2026, 3, 8, 2, 0) && base < utc(2026, 3, 8, 3, 0);
        if (in_gap ? back != base + H : back != base)
            ok = 0;
    }
    CHECK(ok);
    /* the footer's rule, long after the table: 2100 changes on 14 March and 7 November */
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2100, 3, 14, 6, 59)), -5 * H);
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2100, 3, 14, 7, 0)), -4 * H);
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2100, 11, 7, 5, 59)), -4 * H);
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2100, 11, 7, 6, 0)), -5 * H);
    CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2100, 3, 14, 2, 30)), utc(2100, 3, 14, 7, 30));
    kb_tz_free(tz);
}

static void test_southern(void)
{
    kb_tz *tz = NULL;
    CHECK_INT_EQ(kb_tz_load("Australia/Sydney", NULL, &tz, NULL), KB_OK);
    if (!tz)
        return;
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2200, 1, 15, 0, 0)), 11 * H); /* summer */
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2200, 7, 15, 0, 0)), 10 * H);
    /* new year's eve straddles the years of the rule */
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2199, 12, 31, 13, 0)), 11 * H);
    kb_tz_free(tz);
    CHECK_INT_EQ(kb_tz_load("Asia/Kathmandu", NULL, &tz, NULL), KB_OK);
    CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 1, 1, 0, 0)), 5 * H + 45 * 60);
    kb_tz_free(tz);
}

static void test_rules(void)
{
    kb_tz *tz = rule_zone("EST5EDT,M3.2.0,M11.1.0");
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 3, 8, 6, 59)), -5 * H);
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 3, 8, 7, 0)), -4 * H);
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 11, 1, 6, 0)), -5 * H);
        CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 3, 8, 2, 30)), utc(2026, 3, 8, 7, 30));
        CHECK_INT_EQ(kb_tz_to_utc(tz, utc(2026, 11, 1, 1, 30)), utc(2026, 11, 1, 5, 30));
        kb_tz_free(tz);
    }
    tz = rule_zone("CET-1CEST,M3.5.0,M10.5.0/3");
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 3, 29, 0, 59)), 1 * H);
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 3, 29, 1, 0)), 2 * H);
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 10, 25, 0, 59)), 2 * H);
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 10, 25, 1, 0)), 1 * H);
        kb_tz_free(tz);
    }
    /* Julian days (J60 is 1 March, also in leap years) and zero-based days */
    tz = rule_zone("AAA-1BBB,J60/0,300/0");
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2028, 2, 29, 22, 59)), 1 * H);
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2028, 2, 29, 23, 0)), 2 * H); /* 1 March 00:00 */
        /* day 300 of 2028 (a leap year) is 27 October */
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2028, 10, 26, 21, 59)), 2 * H);
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2028, 10, 26, 22, 0)), 1 * H);
        kb_tz_free(tz);
    }
    /* daylight-saving time all year (RFC 8536's example) */
    tz = rule_zone("EST5EDT,0/0,J365/25");
    CHECK(tz != NULL);
    if (tz) {
        int all = 1;
        for (long long t = utc(2025, 12, 30, 0, 0); t < utc(2026, 1, 3, 0, 0); t += 600)
            all &= kb_tz_offset(tz, t) == -4 * H;
        CHECK(all);
        kb_tz_free(tz);
    }
    /* quoted names, minutes, negative rule times */
    tz = rule_zone("<+0545>-5:45");
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT_EQ(kb_tz_offset(tz, 0), 5 * H + 45 * 60);
        CHECK(kb_tz_is_fixed(tz));
        kb_tz_local l;
        kb_tz_local_of(tz, 0, &l);
        CHECK_STR_EQ(l.abbr, "+0545");
        kb_tz_free(tz);
    }
    tz = rule_zone("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1");
    CHECK(tz != NULL);
    if (tz) {
        /* into -02 at 22:00 local on the Saturday before the last Sunday of March */
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 3, 29, 0, 59)), -3 * H);
        CHECK_INT_EQ(kb_tz_offset(tz, utc(2026, 3, 29, 1, 0)), -2 * H);
        kb_tz_free(tz);
    }
    const char *bad[] = { "EST", "EST5EDT", "ES5", "EST25", "EST5EDT,M13.1.0,M11.1.0",
                          "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,J0,J5",
                          "EST5EDT,366,5", "EST5EDT,M3.2.0/168,M11.1.0", "EST5EDT,M3.2.0",
                          "EST5:60", "<+08", "<>-8", "EST5 ", "EST5EDT,M3.2.0,M11.1.0x",
                          "EST0005", NULL };
    for (int i = 0; bad[i]; i++) {
        bytes x;
        ttype t = { 0, 0, 0 };
        make(&x, NULL, NULL, 0, &t, 1, "UTC\0", 4, bad[i]);
        kb_err err;
        kb_tz *z = NULL;
        if (kb_tz_parse("bad", x.b, x.n, &z, &err) != KB_EPARSE)
            fprintf(stderr, "footer '%s' was accepted\n", bad[i]);
        CHECK(z == NULL);
    }
}

static void test_table(void)
{
    /* two transitions: +01 until 1000000, +02 until 2000000, then the footer "<+03>-3" */
    long long trans[] = { 1000000, 2000000 };
    unsigned char idx[] = { 1, 2 };
    ttype types[] = { { 3600, 0, 0 }, { 7200, 1, 4 }, { 10800, 0, 8 } };
    bytes x;
    make(&x, trans, idx, 2, types, 3, "+01\0+02\0+03\0", 12, "<+03>-3");
    kb_tz *tz = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_tz_parse("table", x.b, x.n, &tz, &err), KB_OK);
    if (tz) {
        CHECK_INT_EQ(kb_tz_offset(tz, 999999), 3600);
        CHECK_INT_EQ(kb_tz_offset(tz, 1000000), 7200);
        CHECK_INT_EQ(kb_tz_offset(tz, 2000000), 10800);
        CHECK_INT_EQ(kb_tz_offset(tz, -KB_TZ_MAX_INSTANT * 4), 3600); /* clamped */
        kb_tz_local l;
        kb_tz_local_of(tz, 1500000, &l);
        CHECK_STR_EQ(l.abbr, "+02");
        CHECK_INT_EQ(l.dst, 1);
        kb_tz_free(tz);
    }
    /* every truncation of a good file fails cleanly */
    int all = 1;
    for (size_t n = 0; n < x.n; n++) {
        kb_tz *z = NULL;
        if (kb_tz_parse("cut", x.b, n, &z, NULL) == KB_OK || z)
            all = 0;
    }
    CHECK(all);
    /* single byte changes anywhere: an error or a zone, never a crash */
    for (size_t i = 0; i < x.n; i++) {
        for (int v = 0; v < 256; v += 51) {
            bytes y = x;
            y.b[i] = (unsigned char)v;
            kb_tz *z = NULL;
            if (kb_tz_parse("flip", y.b, y.n, &z, NULL) == KB_OK) {
                kb_tz_offset(z, 1500000);
                kb_tz_to_utc(z, 1500000);
                kb_tz_free(z);
            }
        }
    }
    struct {
        const char *what;
        long long t1;
        unsigned char i1;
        int32_t off;
        unsigned char dst;
        const char *msg;
    } bad[] = {
        { "order", 3000000, 2, 3600, 0, "out of order" },
        { "type", 1000000, 7, 3600, 0, "unknown type" },
        { "offset", 1000000, 2, 100 * 3600, 0, "out of range" },
        { "dst", 1000000, 2, 3600, 2, "out of range" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long tr[] = { bad[i].t1, 2000000 };
        unsigned char ix[] = { bad[i].i1, 2 };
        ttype ty[] = { { bad[i].off, bad[i].dst, 0 }, { 7200, 1, 4 }, { 10800, 0, 8 } };
        make(&x, tr, ix, 2, ty, 3, "+01\0+02\0+03\0", 12, "<+03>-3");
        kb_tz *z = NULL;
        CHECK_INT_EQ(kb_tz_parse("bad", x.b, x.n, &z, &err), KB_EPARSE);
        if (!strstr(err.msg, bad[i].msg))
            fprintf(stderr, "%s: '%s'\n", bad[i].what, err.msg);
        CHECK(strstr(err.msg, bad[i].msg) != NULL);
    }
    /* an abbreviation without its NUL */
    make(&x, trans, idx, 2, types, 3, "+01\0+02\0+03x", 12, "<+03>-3");
    CHECK_INT_EQ(kb_tz_parse("abbr", x.b, x.n, &tz, &err), KB_EPARSE);
    /* version 1 only, leap seconds, huge counts */
    make(&x, trans, idx, 2, types, 3, "+01\0+02\0+03\0", 12, "<+03>-3");
    bytes v1 = x;
    v1.b[4] = 0;
    CHECK_INT_EQ(kb_tz_parse("v1", v1.b, v1.n, &tz, &err), KB_EPARSE);
    CHECK(strstr(err.msg, "version 1") != NULL);
    bytes leap;
    leap.n = 0;
    header(&leap, '2', 0, 0, 1, 1);
    put32(&leap, 0);
    put(&leap, "\0\0\0", 3);
    header(&leap, '2', 1, 0, 1, 4);
    put32(&leap, 0);
    put(&leap, "\0\0UTC\0", 6);
    put64(&leap, 78796800);
    put32(&leap, 1);
    put(&leap, "\n\n", 2);
    CHECK_INT_EQ(kb_tz_parse("right/UTC", leap.b, leap.n, &tz, &err), KB_EPARSE);
    CHECK(strstr(err.msg, "leap seconds") != NULL);
    bytes huge = x;
    memset(huge.b + 32, 0xff, 4); /* timecnt of the first header */
    CHECK_INT_EQ(kb_tz_parse("huge", huge.b, huge.n, &tz, &err), KB_EPARSE);
    CHECK(strstr(err.msg, "truncated") != NULL);
    CHECK_INT_EQ(kb_tz_parse("none", "", 0, &tz, &err), KB_EPARSE);
    /* footer: missing final newline, two lines, trailing bytes */
    make(&x, trans, idx, 2, types, 3, "+01\0+02\0+03\0", 12, "<+03>-3\nX");
    CHECK_INT_EQ(kb_tz_parse("footer", x.b, x.n, &tz, &err), KB_EPARSE);
    make(&x, trans, idx, 2, types, 3, "+01\0+02\0+03\0", 12, "<+03>-3");
    x.n--;
    CHECK_INT_EQ(kb_tz_parse("footer", x.b, x.n, &tz, &err), KB_EPARSE);
    /* an empty footer: the last type goes on for ever */
    make(&x, trans, idx, 2, types, 3, "+01\0+02\0+03\0", 12, "");
    CHECK_INT_EQ(kb_tz_parse("empty", x.b, x.n, &tz, &err), KB_OK);
    CHECK_INT_EQ(kb_tz_offset(tz, 1LL << 35), 10800);
    kb_tz_free(tz);
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static void test_files(void)
{
    fixture fx;
    if (fixture_open_dir(&fx, "tz") != 0)
        return;
    char path[256];
    bytes x;
    ttype t = { 8 * 3600, 0, 0 };
    make(&x, NULL, NULL, 0, &t, 1, "CST\0", 4, "CST-8");
    snprintf(path, sizeof path, "%s/Desk", fx.dir);
    CHECK_INT_EQ(write_file(path, x.b, x.n), 0);
    kb_tz *tz = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_tz_load("Desk", fx.dir, &tz, &err), KB_OK);
    CHECK_INT_EQ(kb_tz_offset(tz, 0), 8 * H);
    CHECK(kb_tz_is_fixed(tz));
    kb_tz_free(tz);
    /* too big, before reading it */
    char *big = calloc(1, KB_TZ_MAX_FILE + 10);
    memcpy(big, x.b, x.n);
    snprintf(path, sizeof path, "%s/Big", fx.dir);
    CHECK_INT_EQ(write_file(path, big, KB_TZ_MAX_FILE + 10), 0);
    free(big);
    CHECK_INT_EQ(kb_tz_load("Big", fx.dir, &tz, &err), KB_ETOOBIG);
    /* a FIFO must not hang the reader */
    snprintf(path, sizeof path, "%s/Fifo", fx.dir);
    CHECK_INT_EQ(mkfifo(path, 0600), 0);
    CHECK_INT_EQ(kb_tz_load("Fifo", fx.dir, &tz, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "not a zone file") != NULL);
    /* garbage */
    snprintf(path, sizeof path, "%s/Junk", fx.dir);
    CHECK_INT_EQ(write_file(path, "TZif2 and nothing else", 22), 0);
    CHECK_INT_EQ(kb_tz_load("Junk", fx.dir, &tz, &err), KB_EPARSE);
    CHECK(strstr(err.msg, "'Junk'") != NULL);
    CHECK_INT_EQ(kb_tz_load("Missing", fx.dir, &tz, &err), KB_EINVAL);
    fixture_close(&fx);
}

int main(void)
{
    test_calendar_math();
    test_names();
    test_fixed();
    test_shanghai();
    test_new_york();
    test_southern();
    test_rules();
    test_table();
    test_files();
    return CHECK_DONE("test_tz");
}
