/* The business calendar: its text (rules and errors naming the line), working time over
 * evenings, lunch, weekends, public holidays and make-up working days, working days, days
 * of 23 and 25 hours, and bounded work on calendars with (almost) no working time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb_calendar.h"
#include "kb_tz.h"

#define H 3600LL
#define MIN 60LL
#define DAY 86400LL

static const char desk[] =
    "# a desk in Beijing\n"
    "hours mon-fri 09:00-12:00,13:30-18:00\r\n"
    "holiday 2026-10-01..2026-10-07 国庆节\n"
    "workday 2026-09-20 国庆节调休\n"
    "WORKDAY 2026-10-10\t调休  # make-up Saturday\n"
    "workday 2026-12-24 09:00-12:00 平安夜\n";

static kb_tz *beijing;

/* The instant of a Beijing wall-clock time. */
static long long bj(long long y, unsigned m, unsigned d, int hh, int mm)
{
    return kb_tz_to_utc(beijing, kb_tz_days_from_civil(y, m, d) * DAY + hh * H + mm * MIN);
}

static kb_calendar *parse(const char *text)
{
    kb_calendar *c = NULL;
    kb_err err;
    size_t line = 0;
    if (kb_calendar_parse(text, strlen(text), &c, &line, &err) != KB_OK)
        fprintf(stderr, "line %zu: %s\n", line, err.msg);
    CHECK(c != NULL);
    return c;
}

static long long add(const kb_calendar *c, long long from, long long secs)
{
    long long out = 0;
    CHECK_INT_EQ(kb_calendar_add(c, beijing, from, secs, &out, NULL), KB_OK);
    return out;
}

static long long secs(const kb_calendar *c, long long from, long long to)
{
    long long out = -1;
    CHECK_INT_EQ(kb_calendar_seconds(c, beijing, from, to, &out, NULL), KB_OK);
    return out;
}

static void test_desk(void)
{
    kb_calendar *c = parse(desk);
    if (!c)
        return;
    /* 17:50 on Friday 13 March + 4 working hours: 10 minutes on Friday, 3 h 50 on Monday
     * (09:00-12:00, then 13:30-14:20) */
    long long fri = bj(2026, 3, 13, 17, 50);
    CHECK_INT_EQ(add(c, fri, 4 * H), bj(2026, 3, 16, 14, 20));
    CHECK_INT_EQ(secs(c, fri, bj(2026, 3, 16, 14, 20)), 4 * H);
    /* the time runs out at the end of a span: Friday 18:00, not Monday 09:00 */
    CHECK_INT_EQ(add(c, bj(2026, 3, 13, 17, 0), H), bj(2026, 3, 13, 18, 0));
    /* lunch does not count */
    CHECK_INT_EQ(add(c, bj(2026, 3, 16, 11, 30), H), bj(2026, 3, 16, 14, 0));
    CHECK_INT_EQ(secs(c, bj(2026, 3, 16, 11, 0), bj(2026, 3, 16, 14, 0)), 90 * MIN);
    /* from the weekend: Monday's start */
    CHECK_INT_EQ(add(c, bj(2026, 3, 14, 10, 0), 30 * MIN), bj(2026, 3, 16, 9, 30));
    CHECK_INT_EQ(secs(c, bj(2026, 3, 14, 0, 0), bj(2026, 3, 16, 0, 0)), 0);
    CHECK_INT_EQ(add(c, fri, 0), fri);
    /* an ordinary week: 5 x 7.5 h */
    CHECK_INT_EQ(secs(c, bj(2026, 3, 16, 0, 0), bj(2026, 3, 23, 0, 0)), 5 * (7 * H + 30 * MIN));
    CHECK_INT_EQ(secs(c, bj(2026, 3, 23, 0, 0), bj(2026, 3, 16, 0, 0)), 0);
    /* the national holiday: Wednesday 30 September 17:00 + 2 h = Thursday 8 October 10:00 */
    CHECK_INT_EQ(add(c, bj(2026, 9, 30, 17, 0), 2 * H), bj(2026, 10, 8, 10, 0));
    CHECK_INT_EQ(secs(c, bj(2026, 10, 1, 0, 0), bj(2026, 10, 8, 0, 0)), 0);
    /* the make-up Saturday 10 October works Monday's hours */
    CHECK_INT_EQ(add(c, bj(2026, 10, 9, 17, 0), 2 * H), bj(2026, 10, 10, 10, 0));
    CHECK_INT_EQ(secs(c, bj(2026, 10, 10, 0, 0), bj(2026, 10, 11, 0, 0)), 7 * H + 30 * MIN);
    /* Sunday 20 September too */
    CHECK_INT_EQ(add(c, bj(2026, 9, 19, 12, 0), H), bj(2026, 9, 20, 10, 0));
    /* Christmas Eve: the morning only */
    CHECK_INT_EQ(secs(c, bj(2026, 12, 24, 0, 0), bj(2026, 12, 25, 0, 0)), 3 * H);
    CHECK_INT_EQ(add(c, bj(2026, 12, 24, 11, 0), 2 * H), bj(2026, 12, 25, 10, 0));
    /* working days: Tuesday 10:00 + 3 = Friday 10:00 */
    long long ws = 0;
    CHECK_INT_EQ(kb_calendar_days_seconds(c, beijing, bj(2026, 3, 17, 10, 0), 3, &ws, NULL),
                 KB_OK);
    CHECK_INT_EQ(add(c, bj(2026, 3, 17, 10, 0), ws), bj(2026, 3, 20, 10, 0));
    /* Saturday 10:00 + 1: the clock starts on Monday 09:00 and ends with Monday */
    CHECK_INT_EQ(kb_calendar_days_seconds(c, beijing, bj(2026, 3, 14, 10, 0), 1, &ws, NULL),
                 KB_OK);
    CHECK_INT_EQ(ws, 7 * H + 30 * MIN);
    CHECK_INT_EQ(add(c, bj(2026, 3, 14, 10, 0), ws), bj(2026, 3, 16, 18, 0));
    /* Friday 17:50 + 1 before the holiday week: the next working day is Thursday 8 Oct */
    CHECK_INT_EQ(kb_calendar_days_seconds(c, beijing, bj(2026, 9, 30, 17, 50), 1, &ws, NULL),
                 KB_OK);
    CHECK_INT_EQ(add(c, bj(2026, 9, 30, 17, 50), ws), bj(2026, 10, 8, 17, 50));
    /* the days themselves */
    kb_cal_span sp[KB_CAL_MAX_SPANS];
    kb_cal_kind kind;
    const char *name;
    long long oct3 = kb_tz_days_from_civil(2026, 10, 3);
    CHECK_INT_EQ(kb_calendar_day(c, oct3, sp, &kind, &name), 0);
    CHECK_INT_EQ(kind, KB_CAL_HOLIDAY);
    CHECK_STR_EQ(name, "国庆节");
    CHECK_INT_EQ(kb_calendar_day(c, oct3 + 7, sp, &kind, &name), 2);
    CHECK_INT_EQ(kind, KB_CAL_WORKDAY);
    CHECK_STR_EQ(name, "调休");
    CHECK(sp[0].start == 9 * 3600 && sp[1].end == 18 * 3600);
    CHECK_INT_EQ(kb_calendar_day(c, oct3 + 8, sp, &kind, &name), 0); /* Sunday */
    CHECK_INT_EQ(kind, KB_CAL_WEEKDAY);
    CHECK(name == NULL);
    kb_cal_stats st;
    kb_calendar_stats(c, &st);
    CHECK_INT_EQ(st.weekly_seconds, 5 * (7 * H + 30 * MIN));
    CHECK_INT_EQ(st.holidays, 7);
    CHECK_INT_EQ(st.workdays, 3);
    CHECK_INT_EQ(st.first_day, kb_tz_days_from_civil(2026, 9, 20));
    CHECK_INT_EQ(st.last_day, kb_tz_days_from_civil(2026, 12, 24));
    kb_calendar_free(c);
}

static void test_syntax(void)
{
    kb_calendar *c = parse("hours Mon,Wed-Thu 8:30-12:00,12:00-17:00\n"
                           "hours sat-sun off\n"
                           "hours fri　09:00-15:00\n" /* an ideographic space */
                           "holiday 2027-01-01\n");
    if (c) {
        kb_cal_span sp[KB_CAL_MAX_SPANS];
        long long mon = kb_tz_days_from_civil(2026, 3, 16);
        CHECK_INT_EQ(kb_calendar_day(c, mon, sp, NULL, NULL), 1); /* joined at noon */
        CHECK(sp[0].start == 8 * 3600 + 1800 && sp[0].end == 17 * 3600);
        CHECK_INT_EQ(kb_calendar_day(c, mon + 1, sp, NULL, NULL), 0); /* Tuesday: not named */
        CHECK_INT_EQ(kb_calendar_day(c, mon + 4, sp, NULL, NULL), 1);
        CHECK_INT_EQ(sp[0].end, 15 * 3600);
        kb_calendar_free(c);
    }
    c = parse("hours sat-mon 00:00-24:00\n"); /* wraps round the week */
    if (c) {
        kb_cal_stats st;
        kb_calendar_stats(c, &st);
        CHECK_INT_EQ(st.weekly_seconds, 3 * DAY);
        kb_calendar_free(c);
    }
    c = parse(KB_CALENDAR_DEFAULT);
    kb_calendar_free(c);
    struct {
        const char *text;
        size_t line;
        const char *msg;
    } bad[] = {
        { "hours mon-fri 09:00-18:00\nhols 2026-01-01\n", 2, "unknown rule 'hols'" },
        { "hours mon-fri 9-18\n", 1, "'9-18' is not a span" },
        { "hours mon-fri 09:00-18:00\nhours fri 09:00-12:00\n", 2,
          "the hours of fri are already given on line 1" },
        { "hours monday 09:00-18:00\n", 1, "'monday' is not a day of the week" },
        { "hours mon 18:00-09:00\n", 1, "ends before it starts" },
        { "hours mon 09:00-12:00,11:00-13:00\n", 1, "overlap" },
        { "hours mon 09:00-24:01\n", 1, "not a span" },
        { "hours mon 24:00-24:00\n", 1, "not a span" },
        { "hours mon 09:60-10:00\n", 1, "not a span" },
        { "hours mon\n", 1, "write 'hours DAYS SPANS'" },
        { "hours mon 09:00-18:00 extra\n", 1, "write 'hours DAYS SPANS'" },
        { "hours mon 09:00-18:00\n\n# x\nholiday 2026-02-30\n", 4, "'2026-02-30' is not a date" },
        { "hours mon 09:00-18:00\nholiday\n", 2, "give a date" },
        { "hours mon 09:00-18:00\nholiday 2026-10-07..2026-10-01\n", 2, "ends before" },
        { "hours mon 09:00-18:00\nholiday 2026-01-01..2027-12-31\n", 2, "at most 366 days" },
        { "hours mon 09:00-18:00\nholiday 1969-12-31\n", 2, "not a date" },
        { "hours mon 09:00-18:00\nworkday 2026-10-10..2026-10-11\n", 2, "not a date" },
        { "hours mon 09:00-18:00\nholiday 2026-10-01..2026-10-07\nworkday 2026-10-03\n", 3,
          "2026-10-03 is already a holiday on line 2" },
        { "hours mon 09:00-18:00\nworkday 2026-10-10 25:00-26:00\n", 2, "not a span" },
        { "hours mon 09:00-18:00\nholiday 2026-10-01 \x01name\n", 2, "control characters" },
        { "holiday 2026-10-01\n", 0, "no working hours in the week" },
        { "hours mon-sun off\n", 0, "no working hours" },
        { "", 0, "no working hours" },
        { "hours mon 09:00-18:00\nholiday 2026-10-01 "
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaa\n", 2, "longer than 100 bytes" },
        { "hours mon 1:00-2:00,3:00-4:00,5:00-6:00,7:00-8:00,9:00-10:00,11:00-12:00,13:00-14:00,"
          "15:00-16:00,17:00-18:00\n", 1, "more than 8 spans" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_calendar *x = (kb_calendar *)1;
        kb_err err;
        size_t line = 99;
        kb_status rc = kb_calendar_parse(bad[i].text, strlen(bad[i].text), &x, &line, &err);
        CHECK_INT_EQ(rc, KB_EPARSE);
        CHECK(x == NULL);
        if (line != bad[i].line || !strstr(err.msg, bad[i].msg))
            fprintf(stderr, "case %zu: line %zu: %s\n", i, line, err.msg);
        CHECK_INT_EQ(line, bad[i].line);
        CHECK(strstr(err.msg, bad[i].msg) != NULL);
        if (bad[i].line) {
            char want[16];
            snprintf(want, sizeof want, "line %zu: ", bad[i].line);
            CHECK(strncmp(err.msg, want, strlen(want)) == 0);
        }
    }
    /* NUL bytes, size limits */
    kb_calendar *x = NULL;
    CHECK_INT_EQ(kb_calendar_parse("hours mon 09:00-18:00\0", 22, &x, NULL, NULL), KB_EPARSE);
    size_t big = KB_CAL_MAX_BYTES + 1;
    char *text = malloc(big);
    memset(text, '#', big);
    kb_err err;
    CHECK_INT_EQ(kb_calendar_parse(text, big, &x, NULL, &err), KB_ETOOBIG);
    free(text);
    {
        /* 30 holiday ranges of a year each: more dates than KB_CAL_MAX_SPECIAL */
        char *many = malloc(4096);
        size_t n = (size_t)snprintf(many, 4096, "hours mon 09:00-18:00\n");
        for (int y = 2000; y < 2030; y++)
            n += (size_t)snprintf(many + n, 4096 - n, "holiday %d-01-01..%d-12-31\n", y, y);
        size_t line = 0;
        CHECK_INT_EQ(kb_calendar_parse(many, n, &x, &line, &err), KB_ETOOBIG);
        CHECK(strstr(err.msg, "more than 10000") != NULL);
        free(many);
    }
}

static void test_bounded(void)
{
    /* one minute a week: a year of working seconds is out of reach, and says so quickly */
    kb_calendar *c = parse("hours mon 09:00-09:01\n");
    if (!c)
        return;
    long long out = 0;
    kb_err err;
    long long t = bj(2026, 3, 13, 0, 0);
    CHECK_INT_EQ(kb_calendar_add(c, beijing, t, 365 * DAY, &out, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "too little working time") != NULL);
    CHECK_INT_EQ(kb_calendar_add(c, beijing, t, 60, &out, &err), KB_OK);
    CHECK_INT_EQ(out, bj(2026, 3, 16, 9, 1));
    CHECK_INT_EQ(kb_calendar_seconds(c, beijing, 0, 200 * 366 * DAY, &out, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_calendar_days_seconds(c, beijing, t, 3, &out, &err), KB_OK);
    CHECK_INT_EQ(out, 3 * MIN);
    kb_calendar_free(c);
    /* a calendar whose every working day for a century is a holiday is refused too */
    c = parse("hours mon 09:00-18:00\n");
    CHECK_INT_EQ(kb_calendar_days_seconds(c, beijing, t, 30000, &out, &err), KB_EINVAL);
    kb_calendar_free(c);
}

static void test_dst(void)
{
    kb_tz *ny = NULL;
    if (kb_tz_load("America/New_York", NULL, &ny, NULL) != KB_OK) {
        CHECK(0);
        return;
    }
    kb_calendar *c = parse("hours mon-sun 00:00-24:00\n");
    long long out = 0;
    long long mar8 = kb_tz_days_from_civil(2026, 3, 8) * DAY;
    long long a = kb_tz_to_utc(ny, mar8);
    long long b = kb_tz_to_utc(ny, mar8 + DAY);
    CHECK_INT_EQ(kb_calendar_seconds(c, ny, a, b, &out, NULL), KB_OK);
    CHECK_INT_EQ(out, 23 * H);
    long long nov1 = kb_tz_days_from_civil(2026, 11, 1) * DAY;
    a = kb_tz_to_utc(ny, nov1);
    b = kb_tz_to_utc(ny, nov1 + DAY);
    CHECK_INT_EQ(kb_calendar_seconds(c, ny, a, b, &out, NULL), KB_OK);
    CHECK_INT_EQ(out, 25 * H);
    kb_calendar_free(c);
    /* office hours keep their wall-clock times across the change */
    c = parse("hours mon-fri 09:00-17:00\n");
    long long fri = kb_tz_to_utc(ny, kb_tz_days_from_civil(2026, 3, 6) * DAY + 16 * H);
    CHECK_INT_EQ(kb_calendar_add(c, ny, fri, 2 * H, &out, NULL), KB_OK);
    CHECK_INT_EQ(out, kb_tz_to_utc(ny, kb_tz_days_from_civil(2026, 3, 9) * DAY + 10 * H));
    CHECK_INT_EQ(kb_tz_offset(ny, out), -4 * H);
    kb_calendar_free(c);
    kb_tz_free(ny);
}

static void test_sample(void)
{
    FILE *f = fopen("samples/calendar/cn-2026.txt", "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    static char text[KB_CAL_MAX_BYTES];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    kb_calendar *c = NULL;
    kb_err err;
    size_t line = 0;
    CHECK_INT_EQ(kb_calendar_parse(text, n, &c, &line, &err), KB_OK);
    if (!c) {
        fprintf(stderr, "line %zu: %s\n", line, err.msg);
        return;
    }
    kb_cal_stats st;
    kb_calendar_stats(c, &st);
    CHECK_INT_EQ(st.holidays, 33); /* 3 + 9 + 3 + 5 + 3 + 3 + 7 */
    CHECK_INT_EQ(st.workdays, 6);
    /* Saturday 14 February is worked; the Spring Festival runs to Monday 23 February */
    kb_cal_span sp[KB_CAL_MAX_SPANS];
    CHECK_INT_EQ(kb_calendar_day(c, kb_tz_days_from_civil(2026, 2, 14), sp, NULL, NULL), 2);
    CHECK_INT_EQ(kb_calendar_day(c, kb_tz_days_from_civil(2026, 2, 23), sp, NULL, NULL), 0);
    CHECK_INT_EQ(kb_calendar_day(c, kb_tz_days_from_civil(2026, 2, 24), sp, NULL, NULL), 2);
    /* Friday 13 February 17:50 + 1 working hour: Saturday 14 February 09:50 */
    CHECK_INT_EQ(add(c, bj(2026, 2, 13, 17, 50), H), bj(2026, 2, 14, 9, 50));
    /* Saturday 14 February 17:50 + 1 working hour: Tuesday 24 February 09:50 */
    CHECK_INT_EQ(add(c, bj(2026, 2, 14, 17, 50), H), bj(2026, 2, 24, 9, 50));
    kb_calendar_free(c);
}

int main(void)
{
    beijing = kb_tz_fixed(8 * H);
    test_desk();
    test_syntax();
    test_bounded();
    test_dst();
    test_sample();
    kb_tz_free(beijing);
    return CHECK_DONE("test_calendar");
}
