/* Calendar days as text. See include/kb_date.h. */
#include "kb_date.h"

#include <string.h>
#include <time.h>

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
    time_t t = (time_t)at;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, KB_DATE_LEN, "%Y-%m-%d", &tm) != 10)
        memcpy(out, "1970-01-01", KB_DATE_LEN);
}
