#include "kb_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"

void kb_buf_init(kb_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

static kb_status reserve(kb_buf *b, size_t extra)
{
    if (extra > (size_t)-1 / 2 - b->len)
        return KB_ETOOBIG;
    size_t need = b->len + extra;
    if (b->limit && need > b->limit)
        return KB_ETOOBIG;
    if (need + 1 <= b->cap)
        return KB_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need + 1)
        cap *= 2;
    b->data = kb_xrealloc(b->data, cap);
    b->cap = cap;
    return KB_OK;
}

kb_status kb_buf_add(kb_buf *b, const void *p, size_t len)
{
    kb_status rc = reserve(b, len);
    if (rc != KB_OK)
        return rc;
    if (len)
        memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return KB_OK;
}

kb_status kb_buf_adds(kb_buf *b, const char *s)
{
    return kb_buf_add(b, s, strlen(s));
}

kb_status kb_buf_addc(kb_buf *b, char c)
{
    return kb_buf_add(b, &c, 1);
}

kb_status kb_buf_addf(kb_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KB_EINVAL;
    if ((size_t)n < sizeof small)
        return kb_buf_add(b, small, (size_t)n);
    kb_status rc = reserve(b, (size_t)n);
    if (rc != KB_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return KB_OK;
}

kb_status kb_buf_add_html(kb_buf *b, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (!rep)
            continue;
        kb_status rc = kb_buf_add(b, s + start, i - start);
        if (rc == KB_OK)
            rc = kb_buf_adds(b, rep);
        if (rc != KB_OK)
            return rc;
        start = i + 1;
    }
    return kb_buf_add(b, s + start, len - start);
}

void kb_buf_reset(kb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *kb_buf_detach(kb_buf *b, size_t *len_out)
{
    char *s = b->data ? b->data : kb_xstrdup("");
    if (len_out)
        *len_out = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return s;
}

void kb_buf_free(kb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

const char *kb_buf_str(const kb_buf *b)
{
    return b->data ? b->data : "";
}

kb_status kb_buf_read_file(kb_buf *b, const char *path, kb_err *err)
{
    kb_buf_reset(b);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return kb_err_set(err, KB_ENOTFOUND, "file '%s' does not exist", path);
        return kb_err_set(err, KB_EIO, "cannot read '%s': %s", path, strerror(errno));
    }
    char chunk[4096];
    size_t n;
    kb_status rc = KB_OK;
    while (rc == KB_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = kb_buf_add(b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) /* a directory, a read error */
        rc = kb_err_set(err, KB_EIO, "cannot read '%s'", path);
    else if (rc != KB_OK)
        rc = kb_err_set(err, KB_ETOOBIG, "file '%s' is larger than %zu bytes", path, b->limit);
    if (rc != KB_OK)
        kb_buf_reset(b);
    return rc;
}
