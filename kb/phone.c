/* Telephone numbers: the one rule for checking and matching them. See include/kb_phone.h. */
#include "kb_phone.h"

#include <stdint.h>
#include <string.h>

#include "kb_text.h"

/* What one pass over the text found. Digits past the limits are counted, not kept. */
typedef struct {
    char main[KB_PHONE_MAX_DIGITS + 1];
    char ext[KB_PHONE_MAX_EXT + 1];
    size_t nmain, next;     /* digits seen (may exceed what is kept) */
    size_t dash_group;      /* digit index where the last group after a dash starts, 0 none */
    int plus;               /* a '+' before the first digit */
    int in_ext;             /* an extension marker was seen */
    const char *bad;        /* the first character that does not belong, NULL when none */
    int bad_plus;           /* a '+' after a digit, or two */
} scan;

/* Length of the ASCII word at p (letters only), lower-cased into w (at most 15 bytes). */
static size_t ascii_word(const char *p, char w[16])
{
    size_t n = 0;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')) {
        if (n < 15)
            w[n] = (char)(p[n] | 0x20);
        n++;
    }
    w[n < 15 ? n : 15] = '\0';
    return n;
}

static void add_digit(scan *sc, char d, int *dash)
{
    if (sc->in_ext) {
        if (sc->next < KB_PHONE_MAX_EXT)
            sc->ext[sc->next] = d;
        sc->next++;
        return;
    }
    if (*dash && sc->nmain > 0)
        sc->dash_group = sc->nmain;
    *dash = 0;
    if (sc->nmain < KB_PHONE_MAX_DIGITS)
        sc->main[sc->nmain] = d;
    sc->nmain++;
}

static void set_bad(scan *sc, const char *p)
{
    if (!sc->bad)
        sc->bad = p;
}

static void do_scan(const char *s, scan *sc)
{
    memset(sc, 0, sizeof *sc);
    size_t len = strlen(s);
    int dash = 0; /* a dash since the last digit */
    for (size_t i = 0; i < len;) {
        size_t n;
        uint32_t c = kb_text_utf8_next(s + i, len - i, &n);
        const char *at = s + i;
        i += n;
        if (c >= '0' && c <= '9') {
            add_digit(sc, (char)c, &dash);
        } else if (c >= 0xFF10 && c <= 0xFF19) { /* full-width digits */
            add_digit(sc, (char)('0' + (c - 0xFF10)), &dash);
        } else if (c == '+' || c == 0xFF0B) {
            if (sc->plus || sc->nmain || sc->in_ext)
                sc->bad_plus = 1;
            sc->plus = 1;
        } else if (c == '-' || c == 0xFF0D || (c >= 0x2010 && c <= 0x2015) || c == 0x2212) {
            dash = 1;
        } else if (c == ' ' || c == '\t' || c == 0x3000 || c == 0xA0 || c == '.' || c == '(' ||
                   c == ')' || c == '/' || c == '*' || c == 0xFF08 || c == 0xFF09 ||
                   c == 0xFF0E || c == 0xFF0F) {
            continue;
        } else if (c == '#' || c == ',' || c == 0xFF0C || c == 0xFF03 || c == 0x8F6C /* 转 */) {
            if (sc->in_ext && sc->next)
                set_bad(sc, at);
            sc->in_ext = 1;
        } else if (c == 0x5206 /* 分 */) {
            size_t m;
            if (i < len && kb_text_utf8_next(s + i, len - i, &m) == 0x673A /* 机 */) {
                i += m;
                if (i < len && kb_text_utf8_next(s + i, len - i, &m) == 0x53F7 /* 号 */)
                    i += m;
                if (sc->in_ext && sc->next)
                    set_bad(sc, at);
                sc->in_ext = 1;
            } else {
                set_bad(sc, at);
            }
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
            char w[16];
            size_t m = ascii_word(at, w);
            i = (size_t)(at - s) + m;
            if (strcmp(w, "x") == 0 || strcmp(w, "ext") == 0 || strcmp(w, "extn") == 0 ||
                strcmp(w, "extension") == 0) {
                if (sc->in_ext && sc->next)
                    set_bad(sc, at);
                sc->in_ext = 1;
            } else {
                set_bad(sc, at);
            }
        } else {
            set_bad(sc, at);
        }
    }
}

static size_t kept(size_t n, size_t max)
{
    return n < max ? n : max;
}

static int is_mobile(const char *d, size_t n)
{
    return n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/* A whole number on its own (see the header). */
static int is_whole(const char *d, size_t n)
{
    if (is_mobile(d, n))
        return 1;
    if (n >= 10 && n <= 12 && d[0] == '0' && d[1] != '0')
        return 1;
    if ((n == 7 || n == 8) && d[0] >= '2' && d[0] <= '9')
        return 1;
    if (n == 10 && (memcmp(d, "400", 3) == 0 || memcmp(d, "800", 3) == 0))
        return 1;
    return n == 5 && (d[0] == '1' || d[0] == '9');
}

/* query: part of a number being looked for, where a leading "00" is more likely the middle
 * of a number than a call abroad */
static size_t canonical(const scan *sc, int query, char out[KB_PHONE_NORM_MAX])
{
    char d[KB_PHONE_MAX_DIGITS + 2];
    size_t n = kept(sc->nmain, KB_PHONE_MAX_DIGITS);
    memcpy(d, sc->main, n);
    d[n] = '\0';
    /* the digit index of the dash group moves with what is cut or added in front */
    long dash = (long)sc->dash_group;
    int national = 0, foreign = 0;
    size_t cut = 0;
    if (sc->plus) {
        if (n >= 2 && d[0] == '8' && d[1] == '6') {
            cut = 2;
            national = 1;
        } else {
            foreign = 1;
        }
    } else if (n >= 4 && memcmp(d, "0086", 4) == 0) {
        cut = 4;
        national = 1;
    } else if (!query && n >= 3 && d[0] == '0' && d[1] == '0') {
        cut = 2;
        foreign = 1;
    } else if (n == 13 && d[0] == '8' && d[1] == '6' && is_mobile(d + 2, 11)) {
        cut = 2;
    }
    memmove(d, d + cut, n - cut + 1);
    n -= cut;
    dash -= (long)cut;
    /* a national number has one trunk 0 at most ("+86 00 ..." would read as a call abroad
     * the next time) */
    while (national && n >= 2 && d[0] == '0' && d[1] == '0') {
        memmove(d, d + 1, n);
        n--;
        dash--;
    }
    /* after the country code a landline drops its trunk 0; mobile numbers (also the start
     * of one, in a search) and 400/800 numbers have none */
    int mobile_start = d[0] == '1' && (n == 1 || (d[1] >= '3' && d[1] <= '9'));
    int service = n >= 3 && (memcmp(d, "400", 3) == 0 || memcmp(d, "800", 3) == 0);
    if (national && n > 0 && d[0] != '0' && !mobile_start && !service) {
        memmove(d + 1, d, n + 1);
        d[0] = '0';
        n++;
        dash++;
    }
    const char *ext = sc->ext;
    size_t next = kept(sc->next, KB_PHONE_MAX_EXT);
    char split[KB_PHONE_MAX_DIGITS + 1];
    if (!sc->in_ext && !foreign && dash > 0 && (size_t)dash < n && n - (size_t)dash <= 6 &&
        !is_whole(d, n) && is_whole(d, (size_t)dash)) {
        next = n - (size_t)dash;
        memcpy(split, d + dash, next);
        ext = split;
        n = (size_t)dash;
    }
    size_t o = 0;
    if (foreign && n > 0)
        out[o++] = '+';
    memcpy(out + o, d, n);
    o += n;
    if (next) {
        out[o++] = 'x';
        memcpy(out + o, ext, next);
        o += next;
    }
    out[o] = '\0';
    return o;
}

kb_status kb_phone_check(const char *field, const char *s, kb_err *err)
{
    scan sc;
    do_scan(s, &sc);
    if (sc.bad) {
        size_t n;
        kb_text_utf8_next(sc.bad, strlen(sc.bad), &n);
        return kb_err_set(err, KB_EINVAL, "field '%s' may hold only digits, spaces and "
                          "+ - ( ) . / *, and an extension after 转, 分机, ext, x, # or a comma, "
                          "not '%.*s'", field, (int)n, sc.bad);
    }
    if (sc.bad_plus)
        return kb_err_set(err, KB_EINVAL, "field '%s' may have one '+', before the first digit",
                          field);
    if (sc.nmain + sc.next < KB_PHONE_MIN_DIGITS)
        return kb_err_set(err, KB_EINVAL, "field '%s' has fewer than %u digits", field,
                          KB_PHONE_MIN_DIGITS);
    if (sc.nmain > KB_PHONE_MAX_DIGITS)
        return kb_err_set(err, KB_EINVAL, "field '%s' has more than %u digits before the "
                          "extension", field, KB_PHONE_MAX_DIGITS);
    if (sc.in_ext && sc.next == 0)
        return kb_err_set(err, KB_EINVAL, "field '%s' has an extension marker without digits "
                          "after it", field);
    if (sc.next > KB_PHONE_MAX_EXT)
        return kb_err_set(err, KB_EINVAL, "field '%s' has an extension of more than %u digits",
                          field, KB_PHONE_MAX_EXT);
    return KB_OK;
}

size_t kb_phone_norm(const char *s, char out[KB_PHONE_NORM_MAX])
{
    scan sc;
    do_scan(s, &sc);
    return canonical(&sc, 0, out);
}

int kb_phone_query(const char *s, char out[KB_PHONE_NORM_MAX])
{
    out[0] = '\0';
    scan sc;
    do_scan(s, &sc);
    if (sc.bad || sc.bad_plus || sc.nmain > KB_PHONE_MAX_DIGITS || sc.next > KB_PHONE_MAX_EXT)
        return 0;
    size_t len = canonical(&sc, 1, out);
    size_t digits = 0;
    for (size_t i = 0; i < len; i++)
        digits += out[i] >= '0' && out[i] <= '9';
    if (digits < KB_PHONE_MIN_QUERY) {
        out[0] = '\0';
        return 0;
    }
    return 1;
}
