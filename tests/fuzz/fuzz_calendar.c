/* Fuzzes the business calendar's text and the TZif parser: the first byte picks which.
 * A calendar that parses is asked for working time, due instants and working days over a
 * year in a zone with daylight-saving time; a zone that parses converts instants both ways.
 * Nothing may crash, hang or come out inconsistent (a due instant before its start, more
 * working time than wall-clock time). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb_calendar.h"
#include "kb_tz.h"

#define T0 1773395400LL /* 2026-03-13T09:50:00Z */

/* EST5EDT with its rule in the footer: a zone with daylight-saving time, no files needed */
static const unsigned char ny[] = {
    'T', 'Z', 'i', 'f', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 0,
    'T', 'Z', 'i', 'f', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4,
    0xff, 0xff, 0xb9, 0xb0, 0, 0, 'E', 'S', 'T', 0,
    '\n', 'E', 'S', 'T', '5', 'E', 'D', 'T', ',', 'M', '3', '.', '2', '.', '0', ',', 'M', '1',
    '1', '.', '1', '.', '0', '\n',
};
static kb_tz *zone;

static void calendar(const uint8_t *data, size_t size)
{
    kb_calendar *c = NULL;
    size_t line = 0;
    if (kb_calendar_parse((const char *)data, size, &c, &line, NULL) != KB_OK) {
        if (c)
            abort();
        return;
    }
    kb_cal_stats st;
    kb_calendar_stats(c, &st);
    if (st.weekly_seconds <= 0 || st.weekly_seconds > 7 * 86400)
        abort();
    long long secs = 0;
    if (kb_calendar_seconds(c, zone, T0, T0 + 60 * 86400, &secs, NULL) == KB_OK &&
        (secs < 0 || secs > 60 * 86400 + 3600))
        abort();
    long long due = 0;
    if (kb_calendar_add(c, zone, T0, 8 * 3600, &due, NULL) == KB_OK) {
        long long back = 0;
        if (due < T0 || (kb_calendar_seconds(c, zone, T0, due, &back, NULL) == KB_OK &&
                         back != 8 * 3600))
            abort();
    }
    long long days = 0;
    if (kb_calendar_days_seconds(c, zone, T0, 3, &days, NULL) == KB_OK && days < 0)
        abort();
    kb_calendar_free(c);
}

static void tzif(const uint8_t *data, size_t size)
{
    kb_tz *tz = NULL;
    if (kb_tz_parse("fuzz", data, size, &tz, NULL) != KB_OK) {
        if (tz)
            abort();
        return;
    }
    for (long long t = -(1LL << 35); t < (1LL << 35); t += (1LL << 31) + 12345) {
        kb_tz_local l;
        kb_tz_local_of(tz, t, &l);
        if (l.offset < -KB_TZ_MAX_OFFSET || l.offset > KB_TZ_MAX_OFFSET || l.abbr[KB_TZ_MAX_ABBR])
            abort();
        long long local = l.days * 86400 + l.sec_of_day;
        long long u = kb_tz_to_utc(tz, local);
        if (u < local - KB_TZ_MAX_OFFSET - 1 || u > local + KB_TZ_MAX_OFFSET + 1)
            abort();
    }
    kb_tz_free(tz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!zone && kb_tz_parse("EST5EDT", ny, sizeof ny, &zone, NULL) != KB_OK)
        abort();
    if (size == 0)
        return 0;
    if (data[0] & 1)
        tzif(data + 1, size - 1);
    else
        calendar(data + 1, size - 1);
    return 0;
}
