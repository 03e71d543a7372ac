/* Calendar days as text on the desk's clock. See include/kb_date.h. */
#include "kb_date.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define DAY 86400LL

/* The desk's zone: replaced whole (a reference each), read under the lock. */
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static kb_tz *desk_zone;

void kb_date_set_zone(kb_tz *tz)
{
    kb_tz *mine = tz ? kb_tz_ref(tz) : NULL;
    pthread_mutex_lock(&zone_lock);
    kb_tz *old = desk_zone;
    desk_zone = mine;
    pthread_mutex_unlock(&zone_lock);
    kb_tz_free(old);
}

kb_tz *kb_date_zone(void)
{
    pthread_mutex_lock(&zone_lock);
    kb_tz *tz = desk_zone ? kb_tz_ref(desk_zone) : NULL;
    pthread_mutex_unlock(&zone_lock);
    return tz;
}

kb_status kb_date_zone_open(const char *name, kb_tz **out, kb_err *err)
{
    long long offset;
    *out = NULL;
    if (name && (name[0] == '+' || name[0] == '-' || strcmp(name, "Z") == 0)) {
        kb_status rc = kb_date_parse_offset(name, &offset, err);
        if (rc == KB_OK)
            *out = kb_tz_fixed(offset);
        return rc;
    }
    return kb_tz_load(name, NULL, out, err);
}

/* The wall clock of the desk at at. */
static void desk_local(long long at, kb_tz_local *l)
{
    pthread_mutex_lock(&zone_lock);
    kb_tz_local_of(desk_zone, at, l);
    pthread_mutex_unlock(&zone_lock);
}

/* The first instant of the desk day numbered days. */
static long long desk_midnight(long long days)
{
    pthread_mutex_lock(&zone_lock);
    long long t = kb_tz_to_utc(desk_zone, days * DAY);
    pthread_mutex_unlock(&zone_lock);
    return t;
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

void kb_date_of(long long at, char out[KB_DATE_LEN])
{
    kb_tz_local l;
    desk_local(at, &l);
    if (l.year < 0 || l.year > 9999 ||
        snprintf(out, KB_DATE_LEN, "%04lld-%02d-%02d", l.year, l.month, l.day) != 10)
        memcpy(out, "1970-01-01", KB_DATE_LEN);
}

void kb_date_format_local(long long at, char out[KB_DATE_TIME_LEN])
{
    kb_tz_local l;
    desk_local(at, &l);
    if (l.year < 0 || l.year > 9999 ||
        snprintf(out, KB_DATE_TIME_LEN, "%04lld-%02d-%02d %02d:%02d", l.year, l.month, l.day,
                 l.hour, l.minute) != 16)
        memcpy(out, "1970-01-01 00:00", KB_DATE_TIME_LEN);
}

kb_status kb_date_parse(const char *s, long long *out, kb_err *err)
{
    if (!kb_date_valid(s) || strncmp(s, "1970", 4) < 0)
        return kb_err_set(err, KB_EINVAL, "'%.40s' is not a date; use YYYY-MM-DD",
                          s ? s : "");
    long long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    *out = desk_midnight(kb_tz_days_from_civil(y, m, d));
    return KB_OK;
}

long long kb_date_day_number(long long at)
{
    kb_tz_local l;
    desk_local(at, &l);
    return l.days;
}

long long kb_date_day_start(long long at)
{
    return desk_midnight(kb_date_day_number(at));
}

long long kb_date_add_days(long long at, long long n)
{
    return desk_midnight(kb_date_day_number(at) + n);
}
