/* Text as kb takes it in. See include/kb_text.h. */
#include "kb_text.h"

#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"

size_t kb_text_utf8_seq(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0)
        return 0;
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    if (cp >= 0xd800 && cp <= 0xdfff)
        return 0;
    return n;
}

size_t kb_text_utf8_bad_at(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = kb_text_utf8_seq(p + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

uint32_t kb_text_utf8_next(const char *s, size_t len, size_t *n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = kb_text_utf8_seq(s, len);
    if (k == 0) {
        *n = 1;
        return 0xFFFD;
    }
    *n = k;
    if (k == 1)
        return p[0];
    uint32_t c = p[0] & (0x7Fu >> k);
    for (size_t i = 1; i < k; i++)
        c = (c << 6) | (p[i] & 0x3Fu);
    return c;
}

kb_status kb_text_check_field(const char *field, const char *s, size_t max, int multi,
                              kb_err *err)
{
    size_t len = strlen(s);
    if (len > max)
        return kb_err_set(err, KB_EINVAL, "field '%s' is longer than %zu bytes (%zu)", field,
                          max, len);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int ok = *p >= 0x20 && *p != 0x7f;
        if (multi && (*p == '\n' || *p == '\r' || *p == '\t'))
            ok = 1;
        if (!ok && multi)
            return kb_err_set(err, KB_EINVAL, "field '%s' contains control characters", field);
        if (!ok)
            return kb_err_set(err, KB_EINVAL, "field '%s' contains control characters (line "
                              "breaks are not allowed here)", field);
    }
    return KB_OK;
}

size_t kb_text_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

void kb_text_set_trimmed(char **slot, const char *s)
{
    size_t len = strlen(s);
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    free(*slot);
    *slot = kb_xstrndup(s, len);
}
