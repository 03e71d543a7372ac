#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>

#include "kb_alloc.h"
#include "kb_csv.h"
#include "kb_text.h"

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

/* --- reading --- */

static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a | 0x20) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b | 0x20) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* Drops a leading byte order mark from b (valid UTF-8) and checks it for NUL bytes. */
static kb_status utf8_text(kb_buf *b, kb_err *err)
{
    const char *nul = memchr(b->data, '\0', b->len);
    if (nul)
        return kb_err_set(err, KB_EPARSE, "the text holds a NUL byte (at byte %zu): not a "
                          "text file", (size_t)(nul - b->data));
    if (b->len >= 3 && memcmp(b->data, KB_CSV_BOM, 3) == 0) {
        memmove(b->data, b->data + 3, b->len - 3);
        b->len -= 3;
        b->data[b->len] = '\0';
    }
    return KB_OK;
}

kb_status kb_csv_decode(kb_buf *b, const char *charset, const char **used, kb_err *err)
{
    const char *p = b->data ? b->data : "";
    size_t len = b->len;
    if (used)
        *used = charset;
    if (!charset || same_name(charset, "UTF-8") || same_name(charset, "UTF8")) {
        size_t bad = kb_text_utf8_bad_at(p, len);
        if (bad == len) {
            if (used)
                *used = "UTF-8";
            return len ? utf8_text(b, err) : KB_OK;
        }
        if (charset)
            return kb_err_set(err, KB_EPARSE, "not valid UTF-8 (at byte %zu)", bad);
        charset = "GB18030";
        if (used)
            *used = charset;
    }
    UErrorCode st = U_ZERO_ERROR;
    UConverter *from = ucnv_open(charset, &st);
    if (U_FAILURE(st))
        return kb_err_set(err, KB_EINVAL, "unknown character set '%.40s'", charset);
    UConverter *to = ucnv_open("UTF-8", &st);
    if (U_FAILURE(st)) {
        ucnv_close(from);
        return kb_err_set(err, KB_EINTERNAL, "no UTF-8 converter: %s", u_errorName(st));
    }
    /* stop at the first byte sequence the character set does not have, rather than
     * putting a replacement character in the caller's data */
    ucnv_setToUCallBack(from, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    /* any character set needs at most 3 bytes of UTF-8 per input byte */
    size_t cap = 3 * len + 16;
    char *out = kb_xmalloc(cap);
    char *target = out;
    const char *source = p;
    ucnv_convertEx(to, from, &target, out + cap, &source, p + len, NULL, NULL,
                   NULL, NULL, 1, 1, &st);
    kb_status rc = KB_OK;
    if (st == U_ILLEGAL_CHAR_FOUND || st == U_INVALID_CHAR_FOUND ||
        st == U_TRUNCATED_CHAR_FOUND) {
        int8_t nbad = 8;
        char badbytes[8];
        ucnv_getInvalidChars(from, badbytes, &nbad, &(UErrorCode){ U_ZERO_ERROR });
        size_t at = (size_t)(source - p);
        at = at >= (size_t)nbad ? at - (size_t)nbad : 0;
        rc = kb_err_set(err, KB_EPARSE, "not valid %s text (at byte %zu)", charset, at);
    } else if (U_FAILURE(st)) {
        rc = kb_err_set(err, KB_EPARSE, "cannot convert from %s: %s", charset, u_errorName(st));
    }
    ucnv_close(from);
    ucnv_close(to);
    if (rc == KB_OK) {
        size_t n = (size_t)(target - out);
        size_t skip = n >= 3 && memcmp(out, KB_CSV_BOM, 3) == 0 ? 3 : 0;
        const char *nul = memchr(out + skip, '\0', n - skip);
        if (nul) {
            rc = kb_err_set(err, KB_EPARSE, "the text holds a NUL character: not a text file");
        } else if (b->limit && n - skip > b->limit) {
            rc = kb_err_set(err, KB_ETOOBIG, "the text is larger than %zu bytes as UTF-8",
                            b->limit);
        } else {
            kb_buf_reset(b);
            kb_buf_add(b, out + skip, n - skip);
        }
    }
    free(out);
    return rc;
}

struct kb_csv_reader {
    const char *p;
    size_t len;
    size_t i;
    size_t line;
    size_t max_field;
    int done;
    kb_buf text;     /* the current record's fields, each followed by its NUL */
    size_t *offs;    /* where each field starts in text */
    char **fields;
    size_t cap;
};

kb_csv_reader *kb_csv_reader_new(const char *p, size_t len, size_t max_field)
{
    kb_csv_reader *r = kb_xcalloc(1, sizeof *r);
    r->p = p;
    r->len = len;
    r->line = 1;
    r->max_field = max_field;
    if (len >= 3 && memcmp(p, KB_CSV_BOM, 3) == 0)
        r->i = 3;
    kb_buf_init(&r->text, 0);
    return r;
}

void kb_csv_reader_free(kb_csv_reader *r)
{
    if (!r)
        return;
    kb_buf_free(&r->text);
    free(r->offs);
    free(r->fields);
    free(r);
}

/* Appends byte c to the field being read, which is `flen` bytes long so far. */
static void field_add(kb_csv_reader *r, size_t *flen, char c, int *too_long)
{
    if (r->max_field && *flen >= r->max_field) {
        *too_long = 1;
        return;
    }
    kb_buf_addc(&r->text, c);
    (*flen)++;
}

int kb_csv_next(kb_csv_reader *r, kb_csv_record *out)
{
    memset(out, 0, sizeof *out);
    if (r->done || r->i >= r->len) {
        r->done = 1;
        return 0;
    }
    const char *d = r->p;
    size_t len = r->len;
    size_t i = r->i;
    size_t n = 0;
    kb_buf_reset(&r->text);
    out->line = r->line;
    for (;;) {
        size_t flen = 0;
        if (n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 16;
            r->offs = kb_xrealloc(r->offs, r->cap * sizeof *r->offs);
            r->fields = kb_xrealloc(r->fields, r->cap * sizeof *r->fields);
        }
        r->offs[n++] = r->text.len;
        if (i < len && d[i] == '"') {
            i++;
            while (i < len) {
                if (d[i] == '"') {
                    if (i + 1 < len && d[i + 1] == '"') {
                        field_add(r, &flen, '"', &out->too_long);
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (d[i] == '\n')
                    r->line++;
                field_add(r, &flen, d[i], &out->too_long);
                i++;
            }
        }
        while (i < len && d[i] != ',' && d[i] != '\n' && d[i] != '\r') {
            field_add(r, &flen, d[i], &out->too_long);
            i++;
        }
        kb_buf_addc(&r->text, '\0');
        if (i < len && d[i] == ',') {
            i++;
            continue;
        }
        if (i < len && d[i] == '\r')
            i++;
        if (i < len && d[i] == '\n') {
            i++;
            r->line++;
        }
        break;
    }
    r->i = i;
    for (size_t k = 0; k < n; k++)
        r->fields[k] = r->text.data + r->offs[k];
    out->fields = r->fields;
    out->n = n;
    out->blank = n == 1 && r->fields[0][0] == '\0';
    return 1;
}
