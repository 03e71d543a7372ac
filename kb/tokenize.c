/* Text analysis: normalisation, segmentation, bigrams, stemming, and the FTS5 tokenizer. */
#include "kb_tokenize.h"

#include <libstemmer.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "kb_alloc.h"

/* Character classes after normalisation. */
enum { C_SEP = 0, C_ALNUM = 1, C_CJK = 2, C_CONN = 3, C_IGNORE = 4, C_RAW = 5 };
#define C_MULTI 0x80 /* BMP code point whose normal form is not one BMP code point */

#define MAX_TOKEN_BYTES 64
#define MAX_RAW_BYTES 200
#define RAW_MARK 0x1f

/* OpenCC's tw2sp conversion chain as generated tables (build/gen/opencc_data.c). */
extern const char *const *const kb_t2s_step1[];
extern const char *const *const kb_t2s_step2[];

#define MAX_KEY_CHARS 16

/* One conversion step: a hash of phrase -> replacement, longest match first. */
typedef struct {
    const char *key;
    const char *val;
    uint16_t klen;
    uint16_t vlen;
} dent;

typedef struct {
    dent *slots;
    size_t mask;
    uint8_t maxlen[65536]; /* longest key (characters) starting with a BMP character */
} cdict;

/* Process-wide tables, built once. */
static struct {
    pthread_once_t once;
    kb_status status;
    char msg[200];
    const UNormalizer2 *nfkc_cf;
    uint16_t map[65536];
    uint8_t cls[65536];
    uint8_t trad[65536 / 8];
    cdict step[2];
} g = { .once = PTHREAD_ONCE_INIT };

static int is_trad(uint32_t cp)
{
    return cp < 65536 && (g.trad[cp >> 3] >> (cp & 7) & 1);
}

static uint8_t classify(UChar32 c)
{
    if (c < 0x80) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
            return C_ALNUM;
        if (c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '\\' || c == '@')
            return C_CONN;
        return C_SEP;
    }
    UErrorCode st = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &st);
    if (U_SUCCESS(st) && (sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA ||
                          sc == USCRIPT_KATAKANA || sc == USCRIPT_HANGUL))
        return u_isalpha(c) || u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC) ? C_CJK : C_SEP;
    if (u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK))
        return C_ALNUM;
    return C_SEP;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static const dent *dict_find(const cdict *d, const char *key, size_t klen)
{
    for (size_t i = hash_bytes(key, klen) & d->mask;; i = (i + 1) & d->mask) {
        const dent *e = &d->slots[i];
        if (!e->key)
            return NULL;
        if (e->klen == klen && memcmp(e->key, key, klen) == 0)
            return e;
    }
}

static size_t utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Characters that are standard Simplified Chinese too, which OpenCC's Taiwan tables map
 * on their own to another character: 么 (in 怎么, 什么) to 幺, 抬 to 擡, 著 (显著, 著名)
 * to 着. Converting them alone turned 怎么办 into 怎幺办 (which the page then showed
 * among the words left out, and which ICU no longer cuts as words); phrases that hold
 * them (怎麼 -> 怎么) still convert. Found by normalising each of GB2312's 3,755 level-1
 * characters alone: these three and 埠, 乾, 矽 change, and those three are Traditional
 * or Taiwan usage. */
static int simplified_too(const char *key, size_t klen)
{
    static const char *const keep[] = { "么", "抬", "著" };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (strlen(keep[i]) == klen && memcmp(keep[i], key, klen) == 0)
            return 1;
    return 0;
}

/* Loads a group of dictionaries; for equal keys the first dictionary wins. Single
 * characters that convert to something else are marked Traditional. */
static void dict_load(cdict *d, const char *const *const *group)
{
    size_t n = 0;
    for (size_t k = 0; group[k]; k++)
        for (size_t i = 0; group[k][i]; i++)
            n++;
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    d->slots = kb_xcalloc(cap, sizeof *d->slots);
    d->mask = cap - 1;
    for (size_t k = 0; group[k]; k++) {
        for (size_t i = 0; group[k][i]; i++) {
            const char *line = group[k][i];
            const char *tab = strchr(line, '\t');
            if (!tab || tab == line)
                continue;
            size_t klen = (size_t)(tab - line);
            size_t nchars = utf8_count(line, klen);
            if (klen > 255 || nchars > MAX_KEY_CHARS || dict_find(d, line, klen) ||
                (nchars == 1 && simplified_too(line, klen)))
                continue;
            size_t j = hash_bytes(line, klen) & d->mask;
            while (d->slots[j].key)
                j = (j + 1) & d->mask;
            dent *e = &d->slots[j];
            e->key = line;
            e->klen = (uint16_t)klen;
            e->val = tab + 1;
            e->vlen = (uint16_t)strlen(tab + 1);
            size_t at = 0;
            int32_t first = -1;
            U8_NEXT(line, at, (int32_t)klen, first);
            if (first > 0 && first < 65536 && d->maxlen[first] < nchars)
                d->maxlen[first] = (uint8_t)nchars;
            if (nchars == 1 && first > 0 && first < 65536 &&
                (e->vlen != klen || memcmp(e->val, line, klen) != 0))
                g.trad[first >> 3] |= (uint8_t)(1u << (first & 7));
        }
    }
}

static void global_init(void)
{
    UErrorCode st = U_ZERO_ERROR;
    g.nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st)) {
        g.status = KB_EINTERNAL;
        snprintf(g.msg, sizeof g.msg, "cannot load ICU NFKC_Casefold: %s", u_errorName(st));
        return;
    }
    for (uint32_t cp = 0; cp < 65536; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            g.cls[cp] = C_SEP;
            g.map[cp] = (uint16_t)cp;
            continue;
        }
        if (cp < 0x80) {
            g.map[cp] = (uint16_t)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            g.cls[cp] = classify((UChar32)cp);
            continue;
        }
        UChar src = (UChar)cp;
        UChar dst[32];
        st = U_ZERO_ERROR;
        int32_t n = unorm2_normalize(g.nfkc_cf, &src, 1, dst, 32, &st);
        if (U_FAILURE(st) || n > 1 || (n == 1 && U16_IS_SURROGATE(dst[0]))) {
            g.map[cp] = (uint16_t)cp;
            g.cls[cp] = C_MULTI;
        } else if (n == 0) {
            g.map[cp] = (uint16_t)cp;
            g.cls[cp] = C_IGNORE;
        } else {
            g.map[cp] = dst[0];
            g.cls[cp] = classify(dst[0]);
        }
    }
    dict_load(&g.step[0], kb_t2s_step1);
    dict_load(&g.step[1], kb_t2s_step2);
    g.status = KB_OK;
}

/* One character after normalisation, with the original byte range it came from. */
typedef struct {
    uint32_t cp;
    uint32_t start;
    uint32_t end;
    uint8_t cls;
} ch;

/* A buffered query token (so the last one can be made a prefix). */
typedef struct {
    size_t off;   /* into qtok text buffer */
    size_t len;
    size_t stem_off;
    size_t stem_len; /* 0 = no stem */
    size_t start;
    size_t end;
} qtok;

struct kb_tokenizer {
    struct sb_stemmer *stemmer;
    ch *chars;
    size_t nchars;
    size_t capchars;
    ch *run; /* converted CJK run */
    size_t caprun;
    ch *run2; /* after the first conversion step */
    size_t caprun2;
    qtok *q;
    size_t nq;
    size_t capq;
    kb_buf qtext;
    UBreakIterator *words; /* Chinese word break iterator, opened on first use */
    struct stem_slot *stems; /* direct-mapped cache: stemming was a third of the time */
};

#define STEM_SLOTS 4096
#define STEM_MAX 24

struct stem_slot {
    uint8_t len;
    uint8_t slen;
    char word[STEM_MAX];
    char stem[STEM_MAX];
};

kb_status kb_tokenizer_new(kb_tokenizer **out, kb_err *err)
{
    *out = NULL;
    pthread_once(&g.once, global_init);
    if (g.status != KB_OK) /* always KB_EINTERNAL: the library's tables did not load */
        return kb_err_set(err, KB_EINTERNAL, "%s", g.msg);
    kb_tokenizer *t = kb_xcalloc(1, sizeof *t);
    t->stemmer = sb_stemmer_new("english", NULL);
    if (!t->stemmer) {
        free(t);
        return kb_err_set(err, KB_ENOMEM, "cannot create the English stemmer");
    }
    kb_buf_init(&t->qtext, 0);
    t->stems = kb_xcalloc(STEM_SLOTS, sizeof *t->stems);
    *out = t;
    return KB_OK;
}

void kb_tokenizer_free(kb_tokenizer *t)
{
    if (!t)
        return;
    sb_stemmer_delete(t->stemmer);
    if (t->words)
        ubrk_close(t->words);
    free(t->stems);
    free(t->chars);
    free(t->run);
    free(t->run2);
    free(t->q);
    kb_buf_free(&t->qtext);
    free(t);
}

static inline void push_ch(kb_tokenizer *t, uint32_t cp, size_t start, size_t end, uint8_t cls)
{
    if (cls == C_SEP && t->nchars && t->chars[t->nchars - 1].cls == C_SEP) {
        t->chars[t->nchars - 1].end = (uint32_t)end;
        return;
    }
    if (t->nchars == t->capchars) {
        t->capchars = t->capchars ? t->capchars * 2 : 256;
        t->chars = kb_xrealloc(t->chars, t->capchars * sizeof *t->chars);
    }
    t->chars[t->nchars++] = (ch){ cp, (uint32_t)start, (uint32_t)end, cls };
}

/* Decodes one UTF-8 code point at p[*i]; returns -1 for an invalid sequence (and skips
 * one byte). */
static int32_t next_cp(const char *p, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t k = *i;
    unsigned c = s[k];
    if (c < 0x80) {
        *i = k + 1;
        return (int32_t)c;
    }
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
    } else {
        *i = k + 1;
        return -1;
    }
    if (k + (size_t)n >= len) {
        *i = k + 1;
        return -1;
    }
    for (int j = 1; j <= n; j++) {
        unsigned cc = s[k + (size_t)j];
        if ((cc & 0xC0) != 0x80) {
            *i = k + 1;
            return -1;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        *i = k + 1;
        return -1;
    }
    *i = k + (size_t)n + 1;
    return (int32_t)cp;
}

/* Step 1: decode and normalise text into t->chars. */
static void decode(kb_tokenizer *t, const char *text, size_t len)
{
    t->nchars = 0;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        if ((unsigned char)text[i] == RAW_MARK) {
            size_t j = i + 1;
            while (j < len && (unsigned char)text[j] > 0x20)
                j++;
            push_ch(t, 0, start, j, C_RAW);
            i = j;
            continue;
        }
        unsigned char c0 = (unsigned char)text[i];
        if (c0 < 0x80) { /* ASCII: straight from the tables */
            i++;
            push_ch(t, g.map[c0], start, i, g.cls[c0]);
            continue;
        }
        int32_t cp = next_cp(text, len, &i);
        if (cp < 0) {
            push_ch(t, ' ', start, i, C_SEP);
            continue;
        }
        if (cp < 65536) {
            uint8_t cls = g.cls[cp];
            if (cls == C_IGNORE)
                continue;
            if (cls != C_MULTI) {
                push_ch(t, g.map[cp], start, i, cls);
                continue;
            }
        }
        UChar src[2];
        int32_t ns = 0;
        U16_APPEND_UNSAFE(src, ns, cp);
        UChar dst[32];
        UErrorCode st = U_ZERO_ERROR;
        int32_t nd = unorm2_normalize(g.nfkc_cf, src, ns, dst, 32, &st);
        if (U_FAILURE(st)) {
            push_ch(t, (uint32_t)cp, start, i, classify(cp));
            continue;
        }
        for (int32_t k = 0; k < nd;) {
            UChar32 c;
            U16_NEXT(dst, k, nd, c);
            uint8_t cls = classify(c);
            push_ch(t, (uint32_t)c, start, i, cls);
        }
    }
}

static size_t put_utf8(char *out, uint32_t cp)
{
    int k = 0;
    U8_APPEND_UNSAFE(out, k, cp);
    return (size_t)k;
}

/* One step of the conversion: longest dictionary match at each position. Replacement
 * characters take the original range of what they replace, spread evenly. */
static size_t convert_step(const cdict *d, const ch *in, size_t n, ch **out, size_t *cap)
{
    size_t m = 0;
    char key[MAX_KEY_CHARS * 4];
    for (size_t i = 0; i < n;) {
        uint32_t cp = in[i].cp;
        size_t maxl = cp < 65536 ? d->maxlen[cp] : 0;
        if (maxl > n - i)
            maxl = n - i;
        const dent *hit = NULL;
        size_t len = 0;
        for (size_t l = maxl; l >= 1 && !hit; l--) {
            size_t kb = 0;
            for (size_t k = 0; k < l; k++)
                kb += put_utf8(key + kb, in[i + k].cp);
            hit = dict_find(d, key, kb);
            len = l;
        }
        if (m + MAX_KEY_CHARS * 2 + 1 > *cap) {
            *cap = (*cap + MAX_KEY_CHARS * 2 + 1) * 2;
            *out = kb_xrealloc(*out, *cap * sizeof **out);
        }
        if (!hit) {
            (*out)[m++] = in[i++];
            continue;
        }
        size_t vchars = utf8_count(hit->val, hit->vlen);
        size_t v = 0;
        for (int32_t at = 0; at < (int32_t)hit->vlen && v < MAX_KEY_CHARS * 2;) {
            int32_t c;
            U8_NEXT(hit->val, at, (int32_t)hit->vlen, c);
            if (c < 0)
                continue;
            size_t s0 = i + v * len / vchars;
            size_t s1 = i + ((v + 1) * len + vchars - 1) / vchars - 1;
            if (s1 >= i + len)
                s1 = i + len - 1;
            if (s1 < s0)
                s1 = s0;
            (*out)[m++] = (ch){ (uint32_t)c, in[s0].start, in[s1].end, C_CJK };
            v++;
        }
        i += len;
    }
    return m;
}

/* Converts the CJK run chars[a, b) to Simplified when it holds a Traditional character
 * (tw2sp: Taiwan phrases and variants, then Traditional phrases and characters). The
 * result, with original offsets, is in t->run[0, *n). */
static void convert_run(kb_tokenizer *t, size_t a, size_t b, size_t *n)
{
    size_t len = b - a;
    int need = 0;
    for (size_t i = a; i < b && !need; i++)
        need = is_trad(t->chars[i].cp);
    if (len + 1 > t->caprun) {
        t->caprun = (len + 1) * 2;
        t->run = kb_xrealloc(t->run, t->caprun * sizeof *t->run);
    }
    if (!need) {
        memcpy(t->run, t->chars + a, len * sizeof *t->run);
        *n = len;
        return;
    }
    size_t m = convert_step(&g.step[0], t->chars + a, len, &t->run2, &t->caprun2);
    *n = convert_step(&g.step[1], t->run2, m, &t->run, &t->caprun);
}

/* Word parts. A connector-joined word splits at its connectors into chunks; a chunk that
 * is a hex literal (0x + hex digits) stays whole; any other chunk splits at every
 * letter/digit change (13a2d4 -> 13 a 2 d 4, ora01017 -> ora 01017) unless it changes more
 * than MAX_CHANGES times (a hash or a blob stays one token). So a code gives the same
 * parts at consecutive positions whichever separators it is written with (13.A2.D4,
 * 13A2D4, KB-5034441, KB 5034441), and a phrase of its parts finds every spelling. */
#define MAX_CHANGES 7
#define MAX_PARTS (MAX_CHANGES + 1)

static int is_digit_cp(uint32_t cp)
{
    return cp < 0x80 ? (cp >= '0' && cp <= '9') : u_isdigit((UChar32)cp);
}

static int is_hex_cp(uint32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'f');
}

/* Kinds of parts, for their canonical forms. */
enum { P_ALPHA, P_NUM, P_HEX, P_MIXED };

typedef struct {
    size_t a, b; /* chars index range */
    uint8_t kind;
    uint8_t chunk_end; /* the last part of its chunk */
} span;

/* Splits the chunk chars[a, b) (all C_ALNUM) into parts appended to out[*n]; out holds
 * MAX_PARTS entries past *n. */
static void split_chunk(const ch *c, size_t a, size_t b, span *out, size_t *n)
{
    if (b - a >= 3 && c[a].cp == '0' && c[a + 1].cp == 'x') {
        size_t i = a + 2;
        while (i < b && is_hex_cp(c[i].cp))
            i++;
        if (i == b) {
            out[(*n)++] = (span){ a, b, P_HEX, 1 };
            return;
        }
    }
    size_t changes = 0;
    for (size_t i = a + 1; i < b; i++)
        changes += is_digit_cp(c[i].cp) != is_digit_cp(c[i - 1].cp);
    if (changes > MAX_CHANGES) {
        out[(*n)++] = (span){ a, b, P_MIXED, 1 };
        return;
    }
    size_t s = a;
    for (size_t i = a + 1; i <= b; i++) {
        if (i < b && is_digit_cp(c[i].cp) == is_digit_cp(c[i - 1].cp))
            continue;
        out[(*n)++] = (span){ s, i, is_digit_cp(c[s].cp) ? P_NUM : P_ALPHA, i == b };
        s = i;
    }
}

/* Encodes chars[a, b) as UTF-8 into buf (reset first), at most MAX_TOKEN_BYTES bytes. */
static void encode(kb_buf *buf, const ch *c, size_t a, size_t b, size_t max)
{
    kb_buf_reset(buf);
    for (size_t i = a; i < b; i++) {
        char u8[4];
        size_t k = put_utf8(u8, c[i].cp);
        if (max && buf->len + k > max)
            break;
        kb_buf_add(buf, u8, k);
    }
}

static size_t stem_uncached(kb_tokenizer *t, const char *word, size_t len, char *out);

size_t kb_tokenize_stem(kb_tokenizer *t, const char *word, size_t len, char *out)
{
    if (len == 0 || len >= STEM_MAX)
        return stem_uncached(t, word, len, out);
    struct stem_slot *sl = &t->stems[hash_bytes(word, len) & (STEM_SLOTS - 1)];
    if (sl->len == len && memcmp(sl->word, word, len) == 0) {
        memcpy(out, sl->stem, sl->slen);
        out[sl->slen] = '\0';
        return sl->slen;
    }
    size_t n = stem_uncached(t, word, len, out);
    if (n < STEM_MAX) {
        sl->len = (uint8_t)len;
        memcpy(sl->word, word, len);
        sl->slen = (uint8_t)n;
        memcpy(sl->stem, out, n);
    }
    return n;
}

static size_t stem_uncached(kb_tokenizer *t, const char *word, size_t len, char *out)
{
    if (len > 60) {
        memcpy(out, word, len > 63 ? 63 : len);
        out[len > 63 ? 63 : len] = '\0';
        return len > 63 ? 63 : len;
    }
    const sb_symbol *s = sb_stemmer_stem(t->stemmer, (const sb_symbol *)word, (int)len);
    int n = s ? sb_stemmer_length(t->stemmer) : 0;
    if (!s || n <= 0 || n > 63) {
        memcpy(out, word, len);
        out[len] = '\0';
        return len;
    }
    memcpy(out, s, (size_t)n);
    out[n] = '\0';
    return (size_t)n;
}

/* Emission state for one kb_tokenize call. */
typedef struct {
    kb_tokenizer *t;
    int mode;
    kb_token_fn fn;
    void *ctx;
    int rc;
    const char *text;
} emit;

static void qpush(kb_tokenizer *t, const char *tok, size_t len, const char *stem, size_t slen,
                  size_t start, size_t end)
{
    if (t->nq == t->capq) {
        t->capq = t->capq ? t->capq * 2 : 16;
        t->q = kb_xrealloc(t->q, t->capq * sizeof *t->q);
    }
    qtok *q = &t->q[t->nq++];
    q->off = t->qtext.len;
    q->len = len;
    kb_buf_add(&t->qtext, tok, len);
    q->stem_off = t->qtext.len;
    q->stem_len = slen;
    kb_buf_add(&t->qtext, stem, slen);
    q->start = start;
    q->end = end;
}

/* Canonical form of a part into out (at most MAX_TOKEN_BYTES + 4 bytes); returns its
 * length, 0 when the part is its own canonical form. English words: the Snowball stem.
 * Hex literals: without leading zeros after 0x (0x0000007b -> 0x7b). Numbers that end
 * their chunk and stand alone or follow a word of 2+ letters: without leading zeros
 * (ora-01017 and ora01017 -> 1017; not the 01 of 1.01 or the 02 of 4c02, which are no
 * error numbers). Both sides must agree: the document side indexes the canonical form
 * colocated with the part, the query side searches for the canonical form only. */
static size_t canonical(kb_tokenizer *t, const span *sp, const span *prev, const char *tok,
                        size_t len, int alpha, char *out)
{
    size_t skip = 0, keep = 0;
    if (sp->kind == P_HEX) {
        keep = 2;
        skip = 2;
    } else if (sp->kind == P_NUM && sp->chunk_end &&
               (!prev || (prev->kind == P_ALPHA && prev->b - prev->a >= 2))) {
        for (size_t i = 0; i < len; i++)
            if (tok[i] < '0' || tok[i] > '9')
                return 0;
    } else {
        if (!alpha || len < 3 || len > 40)
            return 0;
        size_t slen = kb_tokenize_stem(t, tok, len, out);
        return slen == len && memcmp(out, tok, slen) == 0 ? 0 : slen;
    }
    while (skip + 1 < len && tok[skip] == '0')
        skip++;
    if (skip == keep)
        return 0;
    memcpy(out, tok, keep);
    memcpy(out + keep, tok + skip, len - skip);
    return keep + len - skip;
}

/* Emits one word part (lower-case already): document side the part and its canonical form
 * colocated; query side buffered. */
static void emit_part(emit *e, const ch *c, const span *sp, const span *prev)
{
    kb_tokenizer *t = e->t;
    if (e->rc)
        return;
    char tok[MAX_TOKEN_BYTES + 4];
    size_t len = 0;
    int alpha = 1;
    for (size_t i = sp->a; i < sp->b; i++) {
        uint32_t cp = c[i].cp;
        if (cp < 0x80) {
            if (len + 1 > MAX_TOKEN_BYTES)
                break;
            tok[len++] = (char)cp;
            alpha &= cp >= 'a' && cp <= 'z';
            continue;
        }
        char u8[4];
        size_t k = put_utf8(u8, cp);
        if (len + k > MAX_TOKEN_BYTES)
            break;
        memcpy(tok + len, u8, k);
        len += k;
        alpha = 0;
    }
    if (len == 0)
        return;
    char canon[MAX_TOKEN_BYTES + 4];
    size_t clen = canonical(t, sp, prev, tok, len, alpha, canon);
    size_t start = c[sp->a].start, end = c[sp->b - 1].end;
    if (e->mode & KB_TOK_QUERY) {
        qpush(t, tok, len, canon, clen, start, end);
        return;
    }
    e->rc = e->fn(e->ctx, 0, tok, len, start, end);
    if (!e->rc && clen)
        e->rc = e->fn(e->ctx, KB_TOK_COLOCATED, canon, clen, start, end);
}

static void emit_cjk(emit *e, const ch *c, size_t n)
{
    kb_tokenizer *t = e->t;
    char u8[8];
    if (n == 1) {
        size_t k = put_utf8(u8, c[0].cp);
        if (e->mode & KB_TOK_QUERY)
            qpush(t, u8, k, "", 0, c[0].start, c[0].end);
        else if (!e->rc)
            e->rc = e->fn(e->ctx, 0, u8, k, c[0].start, c[0].end);
        return;
    }
    for (size_t i = 0; i + 1 < n && !e->rc; i++) {
        size_t k = put_utf8(u8, c[i].cp);
        k += put_utf8(u8 + k, c[i + 1].cp);
        if (e->mode & KB_TOK_QUERY)
            qpush(t, u8, k, "", 0, c[i].start, c[i + 1].end);
        else
            e->rc = e->fn(e->ctx, 0, u8, k, c[i].start, c[i + 1].end);
    }
    if (!(e->mode & KB_TOK_QUERY) && !e->rc) {
        size_t k = put_utf8(u8, c[n - 1].cp);
        e->rc = e->fn(e->ctx, KB_TOK_COLOCATED, u8, k, c[n - 1].start, c[n - 1].end);
    }
}

/* Segment walker shared by tokenize, segments and normalize. */
typedef struct {
    void (*cjk)(void *st, const ch *c, size_t n);
    void (*word)(void *st, const ch *c, size_t a, size_t b);
    void (*raw)(void *st, const ch *c);
    void (*other)(void *st, const ch *c);
    int (*stopped)(void *st);
} walker;

static void walk(kb_tokenizer *t, const walker *w, void *st)
{
    const ch *c = t->chars;
    size_t n = t->nchars;
    size_t i = 0;
    while (i < n && !w->stopped(st)) {
        if (c[i].cls == C_CJK) {
            size_t j = i;
            while (j < n && c[j].cls == C_CJK)
                j++;
            size_t m;
            convert_run(t, i, j, &m);
            w->cjk(st, t->run, m);
            i = j;
        } else if (c[i].cls == C_ALNUM) {
            size_t j = i + 1;
            for (;;) {
                while (j < n && c[j].cls == C_ALNUM)
                    j++;
                if (j + 1 < n && c[j].cls == C_CONN && c[j + 1].cls == C_ALNUM)
                    j++;
                else
                    break;
            }
            w->word(st, c, i, j);
            i = j;
        } else if (c[i].cls == C_RAW) {
            w->raw(st, &c[i]);
            i++;
        } else {
            if (w->other)
                w->other(st, &c[i]);
            i++;
        }
    }
}

static void tk_cjk(void *st, const ch *c, size_t n)
{
    emit_cjk(st, c, n);
}

static void tk_word(void *st, const ch *c, size_t a, size_t b)
{
    emit *e = st;
    span sp[2][MAX_PARTS]; /* the chunk before (for canonical forms) and this one */
    size_t n[2] = { 0, 0 };
    int cur = 0;
    size_t i = a;
    while (i < b && !e->rc) {
        size_t j = i;
        while (j < b && c[j].cls == C_ALNUM)
            j++;
        n[cur] = 0;
        split_chunk(c, i, j, sp[cur], &n[cur]);
        const span *prev = n[!cur] ? &sp[!cur][n[!cur] - 1] : NULL;
        for (size_t k = 0; k < n[cur]; k++) {
            emit_part(e, c, &sp[cur][k], prev);
            prev = &sp[cur][k];
        }
        cur = !cur;
        i = j + 1; /* skip the connector */
    }
}

static void tk_raw(void *st, const ch *r)
{
    emit *e = st;
    size_t a = r->start + 1;
    size_t len = r->end - a;
    if (len > MAX_RAW_BYTES)
        len = MAX_RAW_BYTES;
    if (!len)
        return;
    if (e->mode & KB_TOK_QUERY)
        qpush(e->t, e->text + a, len, "", 0, r->start, r->end);
    else
        e->rc = e->fn(e->ctx, 0, e->text + a, len, r->start, r->end);
}

static int tk_stopped(void *st)
{
    return ((emit *)st)->rc != 0;
}

kb_status kb_tokenize(kb_tokenizer *t, const char *text, size_t len, int mode, kb_token_fn fn,
                      void *ctx)
{
    decode(t, text, len);
    emit e = { t, mode, fn, ctx, 0, text };
    t->nq = 0;
    kb_buf_reset(&t->qtext);
    const walker w = { tk_cjk, tk_word, tk_raw, NULL, tk_stopped };
    walk(t, &w, &e);
    /* Query tokens were buffered so that only the last one becomes a prefix. */
    for (size_t i = 0; (mode & KB_TOK_QUERY) && i < t->nq && !e.rc; i++) {
        const qtok *q = &t->q[i];
        int last_prefix = (mode & KB_TOK_PREFIX) && i + 1 == t->nq;
        if (q->stem_len && !last_prefix)
            e.rc = fn(ctx, 0, t->qtext.data + q->stem_off, q->stem_len, q->start, q->end);
        else
            e.rc = fn(ctx, 0, t->qtext.data + q->off, q->len, q->start, q->end);
    }
    return (kb_status)e.rc;
}

/* --- segments --- */

typedef struct {
    kb_tokenizer *t;
    kb_segment_fn fn;
    void *ctx;
    const char *text;
    int rc;
    kb_buf out;
} segst;

static void sg_cjk(void *st, const ch *c, size_t n)
{
    segst *s = st;
    kb_buf_reset(&s->out);
    for (size_t i = 0; i < n; i++) {
        char u8[4];
        kb_buf_add(&s->out, u8, put_utf8(u8, c[i].cp));
    }
    s->rc = s->fn(s->ctx, KB_SEG_CJK, s->out.data, s->out.len, n, c[0].start, c[n - 1].end);
}

static void sg_word(void *st, const ch *c, size_t a, size_t b)
{
    segst *s = st;
    encode(&s->out, c, a, b, 0);
    s->rc = s->fn(s->ctx, KB_SEG_WORD, s->out.data, s->out.len, b - a, c[a].start,
                  c[b - 1].end);
}

static void sg_raw(void *st, const ch *c)
{
    segst *s = st;
    kb_buf_reset(&s->out);
    kb_buf_add(&s->out, s->text + c->start, c->end - c->start);
    s->rc = s->fn(s->ctx, KB_SEG_RAW, s->out.data, s->out.len, 1, c->start, c->end);
}

static int sg_stopped(void *st)
{
    return ((segst *)st)->rc != 0;
}

kb_status kb_tokenize_segments(kb_tokenizer *t, const char *text, size_t len, kb_segment_fn fn,
                               void *ctx)
{
    decode(t, text, len);
    segst s = { t, fn, ctx, text, 0, { 0 } };
    kb_buf_init(&s.out, 0);
    const walker w = { sg_cjk, sg_word, sg_raw, NULL, sg_stopped };
    walk(t, &w, &s);
    kb_buf_free(&s.out);
    return (kb_status)s.rc;
}

/* --- normalize --- */

typedef struct {
    kb_buf *out;
    const char *text;
} normst;

static void nm_cjk(void *st, const ch *c, size_t n)
{
    normst *s = st;
    for (size_t i = 0; i < n; i++) {
        char u8[4];
        kb_buf_add(s->out, u8, put_utf8(u8, c[i].cp));
    }
}

static void nm_word(void *st, const ch *c, size_t a, size_t b)
{
    normst *s = st;
    for (size_t i = a; i < b; i++) {
        char u8[4];
        kb_buf_add(s->out, u8, put_utf8(u8, c[i].cp));
    }
}

static void nm_raw(void *st, const ch *c)
{
    normst *s = st;
    kb_buf_add(s->out, s->text + c->start, c->end - c->start);
}

static void nm_other(void *st, const ch *c)
{
    normst *s = st;
    if (c->cls == C_SEP) {
        kb_buf_addc(s->out, ' ');
        return;
    }
    char u8[4];
    kb_buf_add(s->out, u8, put_utf8(u8, c->cp));
}

static int nm_stopped(void *st)
{
    (void)st;
    return 0;
}

kb_status kb_tokenize_normalize(kb_tokenizer *t, const char *text, size_t len, kb_buf *out)
{
    decode(t, text, len);
    normst s = { out, text };
    const walker w = { nm_cjk, nm_word, nm_raw, nm_other, nm_stopped };
    walk(t, &w, &s);
    return KB_OK;
}

/* --- CJK words --- */

/* The dictionary words of a run; join merges stray single characters (see below). */
static kb_status cjk_words(kb_tokenizer *t, const char *run, size_t len, int join,
                           kb_word_fn fn, void *ctx)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(NULL, 0, &ulen, run, (int32_t)len, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return KB_EINVAL;
    UChar *u = kb_xmalloc(sizeof(UChar) * ((size_t)ulen + 1));
    st = U_ZERO_ERROR;
    u_strFromUTF8(u, ulen + 1, NULL, run, (int32_t)len, &st);
    /* Opening a dictionary break iterator costs milliseconds: keep one per tokenizer. */
    if (U_SUCCESS(st) && !t->words)
        t->words = ubrk_open(UBRK_WORD, "zh", NULL, 0, &st);
    UBreakIterator *bi = t->words;
    if (U_SUCCESS(st) && bi)
        ubrk_setText(bi, u, ulen, &st);
    kb_status rc = KB_OK;
    if (U_FAILURE(st) || !bi) {
        free(u);
        return fn(ctx, run, len) ? KB_EINTERNAL : KB_OK;
    }
    /* Collect pieces as UTF-16 ranges with their character counts. */
    size_t np = 0, cap = 16;
    int32_t(*pc)[2] = kb_xmalloc(sizeof *pc * cap);
    int32_t prev = ubrk_first(bi);
    for (int32_t b = ubrk_next(bi); b != UBRK_DONE; b = ubrk_next(bi)) {
        if (np == cap) {
            cap *= 2;
            pc = kb_xrealloc(pc, sizeof *pc * cap);
        }
        pc[np][0] = prev;
        pc[np][1] = b;
        np++;
        prev = b;
    }
    /* Merge single characters: a run of singles pairs up (卡|纸 -> 卡纸); an odd one out
     * joins the word just before the run (打印|机 -> 打印机), or, with none, the word after
     * it, or the last pair. */
    size_t nw = 0;
    int32_t(*w)[2] = kb_xmalloc(sizeof *w * (np + 1));
    size_t i = join ? 0 : np;
    for (size_t k = 0; !join && k < np; k++) {
        w[nw][0] = pc[k][0];
        w[nw][1] = pc[k][1];
        nw++;
    }
    while (i < np) {
        if (u_countChar32(u + pc[i][0], pc[i][1] - pc[i][0]) >= 2) {
            w[nw][0] = pc[i][0];
            w[nw][1] = pc[i][1];
            nw++;
            i++;
            continue;
        }
        size_t j = i;
        while (j < np && u_countChar32(u + pc[j][0], pc[j][1] - pc[j][0]) == 1)
            j++;
        size_t s = i;
        if ((j - i) % 2 == 1) {
            if (nw > 0 && w[nw - 1][1] == pc[i][0]) {
                w[nw - 1][1] = pc[i][1];
                s++;
            } else if (j - i == 1 && j < np) {
                pc[j][0] = pc[i][0]; /* joins the next word */
                i = j;
                continue;
            }
        }
        for (; s < j; s += 2) {
            size_t last = s + 1 < j ? s + 1 : s;
            if (s + 3 == j + 0 && (j - s) == 3)
                last = s + 2; /* odd tail: one triple */
            w[nw][0] = pc[s][0];
            w[nw][1] = pc[last][1];
            nw++;
            if (last == s + 2)
                s++;
        }
        i = j;
    }
    char *buf = kb_xmalloc((size_t)ulen * 3 + 4);
    for (size_t k = 0; k < nw && rc == KB_OK; k++) {
        int32_t blen = 0;
        st = U_ZERO_ERROR;
        u_strToUTF8(buf, ulen * 3 + 4, &blen, u + w[k][0], w[k][1] - w[k][0], &st);
        if (U_SUCCESS(st) && blen > 0 && fn(ctx, buf, (size_t)blen))
            rc = KB_EINTERNAL;
    }
    free(buf);
    free(w);
    free(pc);
    free(u);
    return rc;
}

kb_status kb_tokenize_cjk_words(kb_tokenizer *t, const char *run, size_t len, kb_word_fn fn,
                                void *ctx)
{
    return cjk_words(t, run, len, 1, fn, ctx);
}

kb_status kb_tokenize_cjk_breaks(kb_tokenizer *t, const char *run, size_t len, kb_word_fn fn,
                                 void *ctx)
{
    return cjk_words(t, run, len, 0, fn, ctx);
}

/* --- FTS5 registration --- */

#include <sqlite3.h>

/* The FTS5 tokenizer instance: a tokenizer and the connection's token hook. */
typedef struct {
    kb_tokenizer *t;
    const kb_token_hook *hook;
} fts_tok;

static int fts_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)argv;
    (void)argc;
    fts_tok *ft = kb_xcalloc(1, sizeof *ft);
    if (kb_tokenizer_new(&ft->t, NULL) != KB_OK) {
        free(ft);
        *out = NULL;
        return SQLITE_ERROR;
    }
    ft->hook = ctx;
    *out = (Fts5Tokenizer *)ft;
    return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *p)
{
    fts_tok *ft = (fts_tok *)p;
    if (ft) {
        kb_tokenizer_free(ft->t);
        free(ft);
    }
}

typedef struct {
    void *fctx;
    int (*x)(void *, int, const char *, int, int, int);
    const kb_token_hook *hook;
} fts_cb;

static int fts_token(void *ctx, int flags, const char *tok, size_t len, size_t start,
                     size_t end)
{
    fts_cb *c = ctx;
    if (c->hook)
        c->hook->fn(c->hook->ctx, tok, len);
    return c->x(c->fctx, flags & KB_TOK_COLOCATED ? FTS5_TOKEN_COLOCATED : 0, tok, (int)len,
                (int)start, (int)end);
}

static int fts_tokenize(Fts5Tokenizer *p, void *fctx, int flags, const char *text, int len,
                        int (*x)(void *, int, const char *, int, int, int))
{
    fts_tok *ft = (fts_tok *)p;
    int doc = (flags & FTS5_TOKENIZE_DOCUMENT) && !(flags & FTS5_TOKENIZE_AUX);
    fts_cb c = { fctx, x, doc && ft->hook && ft->hook->fn ? ft->hook : NULL };
    int mode = KB_TOK_DOCUMENT;
    if (flags & FTS5_TOKENIZE_QUERY)
        mode = KB_TOK_QUERY | (flags & FTS5_TOKENIZE_PREFIX ? KB_TOK_PREFIX : 0);
    if (len <= 0)
        return SQLITE_OK;
    return (int)kb_tokenize(ft->t, text, (size_t)len, mode, fts_token, &c);
}

kb_status kb_tokenize_register(sqlite3 *db, const kb_token_hook *hook, kb_err *err)
{
    pthread_once(&g.once, global_init);
    if (g.status != KB_OK) /* always KB_EINTERNAL: the library's tables did not load */
        return kb_err_set(err, KB_EINTERNAL, "%s", g.msg);
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return kb_err_set(err, KB_EDB, "fts5 is not available: %s", sqlite3_errmsg(db));
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api)
        return kb_err_set(err, KB_EDB, "fts5 is not available");
    fts5_tokenizer tok = { fts_create, fts_delete, fts_tokenize };
    if (api->xCreateTokenizer(api, "kedb", (void *)hook, &tok, NULL) != SQLITE_OK)
        return kb_err_set(err, KB_EDB, "cannot register tokenizer: %s", sqlite3_errmsg(db));
    return KB_OK;
}

kb_status kb_tokenize_filter_token(kb_tokenizer *t, const char *key, const char *value,
                                   kb_buf *out)
{
    kb_buf_addc(out, (char)RAW_MARK);
    kb_buf_adds(out, key);
    kb_buf_addc(out, '=');
    size_t start = out->len;
    kb_tokenize_normalize(t, value, strlen(value), out);
    /* trim, and turn inner white space into '_' so the token stays one */
    size_t w = start;
    for (size_t i = start; i < out->len; i++) {
        unsigned char c = (unsigned char)out->data[i];
        if (c <= 0x20 || c == RAW_MARK) {
            if (w > start && out->data[w - 1] != '_')
                out->data[w++] = '_';
            continue;
        }
        out->data[w++] = (char)c;
    }
    while (w > start && out->data[w - 1] == '_')
        w--;
    size_t max = start + 150;
    if (w > max) {
        w = max;
        while (w > start && ((unsigned char)out->data[w] & 0xC0) == 0x80)
            w--;
    }
    out->len = w;
    out->data[w] = '\0';
    return KB_OK;
}
