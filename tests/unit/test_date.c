/* Desk days: offsets, dates of times and times of dates on the desk's clock. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kb_date.h"
#include "kb_incident.h"

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
    CHECK_INT_EQ(kb_date_set_offset(15 * H, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_date_set_offset(100, NULL), KB_EINVAL);

    /* UTC by default */
    long long t = 1773099000; /* 2026-03-09T23:30:00Z */
    char day[KB_DATE_LEN];
    kb_date_of(t, day);
    CHECK_STR_EQ(day, "2026-03-09");
    long long start = 0;
    CHECK_INT_EQ(kb_date_parse("2026-03-10", &start, NULL), KB_OK);
    CHECK_INT_EQ(start, 1773100800); /* 2026-03-10T00:00:00Z */

    /* a desk in China: 07:30 on the 10th locally */
    CHECK_INT_EQ(kb_date_set_offset(8 * H, NULL), KB_OK);
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
    CHECK_INT_EQ(kb_date_set_offset(-5 * H, NULL), KB_OK);
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
    return CHECK_DONE("test_date");
}
