/* Desk days: offsets, dates of times and times of dates on the desk's clock, in fixed
 * offsets, named zones and days of 23 and 25 hours; the settings that keep the zone. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_date.h"
#include "kb_incident.h"
#include "kb_setting.h"
#include "kb_tz.h"

#define H 3600LL

int main(void)
{
    long long v = 0;
    /* offsets as people write them */
    CHECK_INT_EQ(kb_date_parse_offset("+08:00", &v, NULL), KB_OK);
    CHECK_INT_EQ(v, 8 * H);
    CHECK_INT_EQ(kb_date_parse_offset("-05:30", &v, NULL), KB_OK);
    CHECK_INT_EQ(v, -(5 * H + 1800));
    CHECK_INT_EQ(kb_date_parse_offset("+0545", &v, NULL), KB_OK);
    CHECK_INT_EQ(v, 5 * H + 2700);
    CHECK_INT_EQ(kb_date_parse_offset("Z", &v, NULL), KB_OK);
    CHECK_INT_EQ(v, 0);
    const char *bad[] = { "", "8", "+8:00", "+08:60", "+15:00", "-13:00", "+08:10", "08:00",
                          "+08:00x", "+0a:00", NULL };
    for (int i = 0; bad[i]; i++)
        CHECK_INT_EQ(kb_date_parse_offset(bad[i], &v, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_date_parse_offset(NULL, &v, NULL), KB_EINVAL);
    char text[8];
    kb_date_format_offset(8 * H, text);
    CHECK_STR_EQ(text, "+08:00");
    kb_date_format_offset(-(9 * H + 1800), text);
    CHECK_STR_EQ(text, "-09:30");
    kb_tz *tz = NULL;
    CHECK_INT_EQ(kb_date_zone_open("+15:00", &tz, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_date_zone_open("+08:10", &tz, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_date_zone_open("../etc/passwd", &tz, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_date_zone_open("", &tz, NULL), KB_EINVAL);
    CHECK(tz == NULL);
    CHECK_INT_EQ(kb_date_zone_open("Z", &tz, NULL), KB_OK);
    CHECK_STR_EQ(kb_tz_name(tz), "UTC");
    kb_tz_free(tz);
    CHECK(kb_date_zone() == NULL); /* UTC until set */

    /* UTC by default */
    long long t = 1773099000; /* 2026-03-09T23:30:00Z */
    char day[KB_DATE_LEN];
    kb_date_of(t, day);
    CHECK_STR_EQ(day, "2026-03-09");
    long long start = 0;
    CHECK_INT_EQ(kb_date_parse("2026-03-10", &start, NULL), KB_OK);
    CHECK_INT_EQ(start, 1773100800); /* 2026-03-10T00:00:00Z */

    /* a desk in China: 07:30 on the 10th locally */
    CHECK_INT_EQ(kb_date_zone_open("+08:00", &tz, NULL), KB_OK);
    kb_date_set_zone(tz);
    kb_tz_free(tz);
    kb_date_of(t, day);
    CHECK_STR_EQ(day, "2026-03-10");
    CHECK_INT_EQ(kb_date_parse("2026-03-10", &start, NULL), KB_OK);
    CHECK_INT_EQ(start, 1773100800 - 8 * H);
    CHECK_INT_EQ(kb_date_day_start(t), start);
    CHECK_INT_EQ(kb_date_day_start(start), start);
    CHECK_INT_EQ(kb_date_day_start(start - 1), start - 86400);
    char number[32];
    kb_incident_format_number(t, 1, number, sizeof number);
    CHECK_STR_EQ(number, "INC-20260310-0001");
    long long d = 0;
    CHECK_INT_EQ(kb_incident_parse_day("2026-03-10", &d, NULL), KB_OK);
    CHECK_INT_EQ(d, start);

    /* west of Greenwich */
    tz = kb_tz_fixed(-5 * H);
    kb_date_set_zone(tz);
    kb_tz_free(tz);
    kb_date_of(t, day);
    CHECK_STR_EQ(day, "2026-03-09");
    kb_date_of(1773100800 + 4 * H, day); /* 23:00 on the 9th locally */
    CHECK_STR_EQ(day, "2026-03-09");

    /* bad days */
    CHECK_INT_EQ(kb_date_parse("2026-02-30", &d, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_date_parse("1969-12-31", &d, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_date_parse(NULL, &d, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_date_valid("2024-02-29"), 1);
    CHECK_INT_EQ(kb_date_valid("2100-02-29"), 0);

    /* a zone with daylight-saving time: the days of the changes have 23 and 25 hours */
    if (kb_date_zone_open("America/New_York", &tz, NULL) == KB_OK) {
        kb_date_set_zone(tz);
        kb_tz_free(tz);
        long long mar8 = 0;
        CHECK_INT_EQ(kb_date_parse("2026-03-08", &mar8, NULL), KB_OK);
        CHECK_INT_EQ(mar8, 1772946000); /* 2026-03-08T05:00:00Z: midnight EST */
        CHECK_INT_EQ(kb_date_add_days(mar8, 1) - mar8, 23 * H);
        CHECK_INT_EQ(kb_date_add_days(mar8 + 20 * H, 1) - mar8, 23 * H);
        CHECK_INT_EQ(kb_date_add_days(mar8, -1), mar8 - 24 * H);
        long long nov1 = 0;
        CHECK_INT_EQ(kb_date_parse("2026-11-01", &nov1, NULL), KB_OK);
        CHECK_INT_EQ(kb_date_add_days(nov1, 1) - nov1, 25 * H);
        kb_date_of(nov1 + 24 * H + 30 * 60, day); /* 23:30 EST, still the 1st */
        CHECK_STR_EQ(day, "2026-11-01");
        CHECK_INT_EQ(kb_date_day_number(nov1 + 24 * H), kb_date_day_number(nov1));
        CHECK_INT_EQ(kb_date_day_start(nov1 + 24 * H), nov1);
        kb_incident_format_number(nov1 + 24 * H + 30 * 60, 7, number, sizeof number);
        CHECK_STR_EQ(number, "INC-20261101-0007");
    } else {
        CHECK(0); /* tzdata missing */
    }

    /* the settings: a named zone is stored, audited and applied when a store opens (a
     * database from before time zones, with only a UTC offset: tests/api/test_calendar.py) */
    kb_date_set_zone(NULL);
    fixture fx;
    if (fixture_open(&fx, "date") != 0)
        return CHECK_DONE("test_date");
    char *name = NULL;
    CHECK_INT_EQ(kb_setting_time_zone(fx.s, &name, NULL), KB_OK);
    CHECK_STR_EQ(name, "UTC");
    free(name);
    kb_err err;
    CHECK_INT_EQ(kb_setting_set_time_zone(fx.s, "Mars/Base", "admin", t, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "unknown time zone 'Mars/Base'") != NULL);
    CHECK_INT_EQ(kb_setting_set_time_zone(fx.s, "Asia/Shanghai", "admin", t, &err), KB_OK);
    CHECK_INT_EQ(kb_setting_time_zone(fx.s, &name, NULL), KB_OK);
    CHECK_STR_EQ(name, "Asia/Shanghai");
    free(name);
    kb_tz *now = kb_date_zone();
    CHECK_STR_EQ(kb_tz_name(now), "Asia/Shanghai");
    kb_tz_free(now);
    CHECK_INT_EQ(kb_setting_set_time_zone(fx.s, "+0530", "admin", t, &err), KB_OK);
    CHECK_INT_EQ(kb_setting_time_zone(fx.s, &name, NULL), KB_OK);
    CHECK_STR_EQ(name, "+05:30");
    free(name);
    CHECK_INT_EQ(kb_setting_set_time_zone(fx.s, "Asia/Shanghai", "admin", t, &err), KB_OK);
    kb_store_free(fx.s);
    kb_date_set_zone(NULL);
    CHECK_INT_EQ(kb_store_open(fx.path, 0, &fx.s, NULL), KB_OK);
    now = kb_date_zone();
    CHECK_STR_EQ(kb_tz_name(now), "Asia/Shanghai"); /* applied on open */
    kb_tz_free(now);
    kb_date_set_zone(NULL);
    fixture_close(&fx);
    return CHECK_DONE("test_date");
}
