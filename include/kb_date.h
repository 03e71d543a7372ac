#ifndef KB_DATE_H
#define KB_DATE_H

/* Calendar days as text: YYYY-MM-DD, UTC. */

#define KB_DATE_LEN 11 /* ten characters and the NUL */

/* 1 when s is a real calendar day YYYY-MM-DD (leap years included), else 0. s may be
 * NULL. */
int kb_date_valid(const char *s);

/* The UTC day of epoch seconds at into out. */
void kb_date_of(long long at, char out[KB_DATE_LEN]);

#endif
