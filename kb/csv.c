#include <string.h>

#include "kb_csv.h"

kb_status kb_csv_field(kb_buf *b, const char *s)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    int formula = len > 0 && strchr("=+-@\t\r", s[0]);
    int quote = formula || strpbrk(s, ",\"\r\n") != NULL ||
                (len > 0 && (s[0] == ' ' || s[len - 1] == ' '));
    if (!quote)
        return kb_buf_adds(b, s);
    /* built apart and appended in one piece, so a limit never leaves half a field */
    kb_buf q;
    kb_buf_init(&q, 0);
    kb_buf_addc(&q, '"');
    if (formula)
        kb_buf_addc(&q, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            kb_buf_addc(&q, '"');
        kb_buf_addc(&q, *p);
    }
    kb_buf_addc(&q, '"');
    kb_status rc = kb_buf_add(b, q.data, q.len);
    kb_buf_free(&q);
    return rc;
}

kb_status kb_csv_row(kb_buf *b, const char *const *fields, size_t n)
{
    kb_status rc = KB_OK;
    for (size_t i = 0; i < n && rc == KB_OK; i++) {
        if (i)
            rc = kb_buf_addc(b, ',');
        if (rc == KB_OK)
            rc = kb_csv_field(b, fields[i]);
    }
    if (rc == KB_OK)
        rc = kb_buf_adds(b, "\r\n");
    return rc;
}
