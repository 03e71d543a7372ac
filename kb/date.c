/* Calendar days as text on the desk's clock. See include/kb_date.h. */
#include "kb_date.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY 86400LL

static _Atomic long long desk_offset;

kb_status kb_date_set_offset(long long seconds, kb_err *err)
{
    if (seconds < -12 * 3600 || seconds > KB_DATE_MAX_OFFSET || seconds % 900 != 0)
        return kb_err_set(err, KB_EINVAL, "a UTC offset is -12:00 to +14:00 in quarter hours");
    atomic_store(&desk_offset, seconds);
    return KB_OK;
}

long long kb_date_offset(void)
{
    return atomic_load(&desk_offset);
}

kb_status kb_date_parse_offset(const char *s, long long *out, kb_err *err)
{
    if (s && strcmp(s, "Z") == 0) {
        *out = 0;
        return KB_OK;
    }
    size_t len = s ? strlen(s) : 0;
    int ok = (len == 6 && s[3] == ':') || len == 5;
    if (ok)
        ok = s[0] == '+' || s[0] == '-';
    const char *mm = len == 6 ? s + 4 : s + 3;
    for (int i = 0; ok && i < 2; i++)
        ok = s[1 + i] >= '0' && s[1 + i] <= '9' && mm[i] >= '0' && mm[i] <= '9';
    if (!ok)
        return kb_err_set(err, KB_EINVAL, "'%.20s' is not a UTC offset; write it as +08:00",
                          s ? s : "");
    long long v = ((s[1] - '0') * 10 + (s[2] - '0')) * 3600LL + ((mm[0] - '0') * 10 +
                                                                 (mm[1] - '0')) * 60LL;
    if (mm[0] > '5')
        return kb_err_set(err, KB_EINVAL, "'%.20s' is not a UTC offset; write it as +08:00", s);
    v = s[0] == '-' ? -v : v;
    if (v < -12 * 3600 || v > KB_DATE_MAX_OFFSET || v % 900 != 0)
        return kb_err_set(err, KB_EINVAL, "a UTC offset is -12:00 to +14:00 in quarter hours");
    *out = v;
    return KB_OK;
}

void kb_date_format_offset(long long seconds, char out[8])
{
    long long a = seconds < 0 ? -seconds : seconds;
    snprintf(out, 8, "%c%02lld:%02lld", seconds < 0 ? '-' : '+', a / 3600 % 100, a % 3600 / 60);
}

int kb_date_valid(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

static long long floor_div(long long a, long long b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = floor_div(y, 400);
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

void kb_date_of(long long at, char out[KB_DATE_LEN])
{
    time_t t = (time_t)(at + kb_date_offset());
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, KB_DATE_LEN, "%Y-%m-%d", &tm) != 10)
        memcpy(out, "1970-01-01", KB_DATE_LEN);
}

kb_status kb_date_parse(const char *s, long long *out, kb_err *err)
{
    if (!kb_date_valid(s) || strncmp(s, "1970", 4) < 0)
        return kb_err_set(err, KB_EINVAL, "'%.40s' is not a date; use YYYY-MM-DD",
                          s ? s : "");
    long long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    *out = days_from_civil(y, m, d) * DAY - kb_date_offset();
    return KB_OK;
}

long long kb_date_day_start(long long at)
{
    long long off = kb_date_offset();
    return floor_div(at + off, DAY) * DAY - off;
}
