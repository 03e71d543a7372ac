/* Query language: lenient parsing and FTS5 expression building. */
#include "kb_query.h"

#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"

/* --- parsing --- */

static const char *const filter_keys[] = { "type", "status", "tag", "product" };

static int is_space_at(const char *p, size_t len, size_t i, size_t *w)
{
    unsigned char c = (unsigned char)p[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        *w = 1;
        return 1;
    }
    if (i + 2 < len + 0 && c == 0xE3 && (unsigned char)p[i + 1] == 0x80 &&
        (unsigned char)p[i + 2] == 0x80) { /* U+3000 ideographic space */
        *w = 3;
        return 1;
    }
    return 0;
}

/* Opening quote: '"' or U+201C; returns its byte width. */
static size_t open_quote(const char *p, size_t len, size_t i)
{
    if (p[i] == '"')
        return 1;
    if (i + 2 < len && (unsigned char)p[i] == 0xE2 && (unsigned char)p[i + 1] == 0x80 &&
        ((unsigned char)p[i + 2] == 0x9C || (unsigned char)p[i + 2] == 0x9D))
        return 3;
    return 0;
}

typedef struct {
    kb_query *q;
    kb_qitem *item;
} seg_ctx;

static int add_seg(void *ctx, kb_seg_kind kind, const char *norm, size_t len, size_t nchars,
                   size_t start, size_t end)
{
    (void)start;
    (void)end;
    kb_qitem *it = ((seg_ctx *)ctx)->item;
    if (kind == KB_SEG_RAW || it->nsegs >= KB_QUERY_MAX_SEGS || len == 0)
        return 0;
    it->segs = kb_xrealloc(it->segs, (it->nsegs + 1) * sizeof *it->segs);
    kb_qseg *s = &it->segs[it->nsegs++];
    s->kind = kind;
    s->text = kb_xstrndup(norm, len);
    s->nchars = nchars;
    s->corrected = 0;
    return 0;
}

static void free_item(kb_qitem *it)
{
    for (size_t i = 0; i < it->nsegs; i++)
        free(it->segs[i].text);
    free(it->segs);
}

/* Adds an item for text[0, len) when it has any searchable segment. */
static kb_qitem *add_item(kb_query *q, kb_tokenizer *t, const char *text, size_t len)
{
    if (q->nitems >= KB_QUERY_MAX_ITEMS)
        return NULL;
    kb_qitem it = { 0 };
    seg_ctx c = { q, &it };
    kb_tokenize_segments(t, text, len, add_seg, &c);
    if (it.nsegs == 0)
        return NULL;
    q->items = kb_xrealloc(q->items, (q->nitems + 1) * sizeof *q->items);
    q->items[q->nitems] = it;
    return &q->items[q->nitems++];
}

void kb_query_add_filter(kb_query *q, const char *key, const char *value)
{
    q->filters = kb_xrealloc(q->filters, (q->nfilters + 1) * sizeof *q->filters);
    q->filters[q->nfilters].key = kb_xstrdup(key);
    q->filters[q->nfilters].value = kb_xstrdup(value);
    q->nfilters++;
}

void kb_query_exclude(kb_query *q, const char *key, const char *value)
{
    q->excludes = kb_xrealloc(q->excludes, (q->nexcludes + 1) * sizeof *q->excludes);
    q->excludes[q->nexcludes].key = kb_xstrdup(key);
    q->excludes[q->nexcludes].value = kb_xstrdup(value);
    q->nexcludes++;
}

static int filter_key(const char *w, size_t len)
{
    for (size_t k = 0; k < sizeof filter_keys / sizeof filter_keys[0]; k++) {
        size_t kl = strlen(filter_keys[k]);
        if (len == kl && strncasecmp(w, filter_keys[k], kl) == 0)
            return (int)k;
    }
    return -1;
}

kb_status kb_query_parse(kb_tokenizer *t, const char *in, size_t inlen, kb_query **out,
                         kb_err *err)
{
    *out = NULL;
    if (!t || (!in && inlen))
        return kb_err_set(err, KB_EINVAL, "no query");
    if (inlen > KB_QUERY_MAX_BYTES) {
        inlen = KB_QUERY_MAX_BYTES;
        while (inlen > 0 && ((unsigned char)in[inlen] & 0xC0) == 0x80)
            inlen--;
    }
    char *p = kb_xstrndup(in ? in : "", inlen);
    size_t len = inlen;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            p[i] = ' ';
    kb_query *q = kb_xcalloc(1, sizeof *q);
    int negate_next = 0;
    int pending_or = 0;
    int have_last = 0; /* items move on realloc: refer to the previous one by index */
    size_t i = 0;
    while (i < len) {
        size_t w;
        if (is_space_at(p, len, i, &w)) {
            i += w;
            continue;
        }
        kb_qitem *it = NULL;
        size_t qw = open_quote(p, len, i);
        if (qw) {
            size_t a = i + qw, b = a;
            while (b < len && !open_quote(p, len, b))
                b++;
            it = add_item(q, t, p + a, b - a);
            if (it)
                it->quoted = 1;
            i = b < len ? b + open_quote(p, len, b) : len;
        } else {
            size_t a = i, b = i;
            while (b < len && !is_space_at(p, len, b, &w) && !open_quote(p, len, b))
                b++;
            i = b;
            const char *word = p + a;
            size_t wl = b - a;
            if ((wl == 2 && memcmp(word, "OR", 2) == 0) || (wl == 1 && word[0] == '|') ||
                (wl == 2 && memcmp(word, "||", 2) == 0)) {
                pending_or = have_last;
                continue;
            }
            if ((wl == 3 && memcmp(word, "AND", 3) == 0) || (wl == 2 && memcmp(word, "&&", 2) == 0))
                continue;
            if (wl == 3 && memcmp(word, "NOT", 3) == 0) {
                negate_next = 1;
                continue;
            }
            int neg = 0;
            while (wl > 1 && (word[0] == '-' || word[0] == '+')) {
                neg |= word[0] == '-';
                word++;
                wl--;
            }
            const char *colon = memchr(word, ':', wl);
            int fk = colon ? filter_key(word, (size_t)(colon - word)) : -1;
            if (fk >= 0) {
                const char *v = colon + 1;
                size_t vl = wl - (size_t)(v - word);
                if (vl == 0 && i < len && open_quote(p, len, i)) {
                    /* key:"quoted value" */
                    size_t a2 = i + open_quote(p, len, i), b2 = a2;
                    while (b2 < len && !open_quote(p, len, b2))
                        b2++;
                    v = p + a2;
                    vl = b2 - a2;
                    i = b2 < len ? b2 + open_quote(p, len, b2) : len;
                }
                if (vl > 0 && vl < 200) {
                    char *val = kb_xstrndup(v, vl);
                    kb_query_add_filter(q, filter_keys[fk], val);
                    free(val);
                }
                negate_next = 0;
                continue;
            }
            int prefix = 0;
            while (wl > 0 && word[wl - 1] == '*') {
                prefix = 1;
                wl--;
            }
            it = add_item(q, t, word, wl);
            if (it) {
                it->negated = neg;
                it->prefix = prefix;
            }
        }
        if (!it)
            continue;
        if (negate_next) {
            it->negated = 1;
            negate_next = 0;
        }
        if (pending_or && q->nitems >= 2 && !it->negated && !q->items[q->nitems - 2].negated)
            q->items[q->nitems - 2].or_next = 1;
        pending_or = 0;
        have_last = 1;
    }
    /* Search as you type: a last bare word without a space after it is also a prefix. */
    if (q->nitems && len && !is_space_at(p, len, len - 1, &(size_t){ 0 })) {
        kb_qitem *l = &q->items[q->nitems - 1];
        const kb_qseg *s = &l->segs[l->nsegs - 1];
        if (!l->quoted && !l->negated && !l->prefix && s->kind == KB_SEG_WORD &&
            s->nchars >= 2 && p[len - 1] != '"')
            l->implicit_prefix = 1;
    }
    free(p);
    *out = q;
    return KB_OK;
}

void kb_query_free(kb_query *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->nitems; i++)
        free_item(&q->items[i]);
    free(q->items);
    for (size_t i = 0; i < q->nfilters; i++) {
        free(q->filters[i].key);
        free(q->filters[i].value);
    }
    free(q->filters);
    for (size_t i = 0; i < q->nexcludes; i++) {
        free(q->excludes[i].key);
        free(q->excludes[i].value);
    }
    free(q->excludes);
    free(q);
}

void kb_query_set_seg(kb_qseg *seg, const char *text)
{
    free(seg->text);
    seg->text = kb_xstrdup(text);
    seg->nchars = 0;
    for (const char *p = text; *p; p++) /* characters, not bytes */
        seg->nchars += ((unsigned char)*p & 0xC0) != 0x80;
    seg->corrected = 1;
}

void kb_query_format(const kb_query *q, kb_buf *out)
{
    for (size_t i = 0; i < q->nitems; i++) {
        const kb_qitem *it = &q->items[i];
        if (out->len)
            kb_buf_addc(out, ' ');
        if (it->negated)
            kb_buf_addc(out, '-');
        if (it->quoted)
            kb_buf_addc(out, '"');
        for (size_t k = 0; k < it->nsegs; k++) {
            if (k && (it->quoted || (it->segs[k].kind == KB_SEG_WORD &&
                                     it->segs[k - 1].kind == KB_SEG_WORD)))
                kb_buf_addc(out, ' ');
            kb_buf_adds(out, it->segs[k].text);
        }
        if (it->quoted)
            kb_buf_addc(out, '"');
        if (it->prefix)
            kb_buf_addc(out, '*');
        if (it->or_next)
            kb_buf_adds(out, " OR");
    }
    for (size_t i = 0; i < q->nfilters; i++) {
        if (out->len)
            kb_buf_addc(out, ' ');
        kb_buf_addf(out, "%s:%s", q->filters[i].key, q->filters[i].value);
    }
}

/* --- synonyms --- */

typedef struct {
    long long group;
    char *norm;   /* normalised term */
    char *stem;   /* for a single English word: its stem, else NULL */
    int cjk_only; /* the term is one CJK run */
} syn_term;

struct kb_synonyms {
    syn_term *terms;
    size_t n;
};

kb_synonyms *kb_synonyms_new(kb_tokenizer *t)
{
    (void)t;
    return kb_xcalloc(1, sizeof(kb_synonyms));
}

typedef struct {
    int nseg;
    int kind;
} shape_ctx;

static int shape_seg(void *ctx, kb_seg_kind kind, const char *norm, size_t len, size_t nchars,
                     size_t start, size_t end)
{
    (void)norm;
    (void)len;
    (void)nchars;
    (void)start;
    (void)end;
    shape_ctx *c = ctx;
    c->nseg++;
    c->kind = (int)kind;
    return 0;
}

static int is_ascii_alpha(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < 'a' || *s > 'z')
            return 0;
    return 1;
}

void kb_synonyms_add(kb_synonyms *syn, kb_tokenizer *t, long long group, const char *term)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_tokenize_normalize(t, term, strlen(term), &b);
    /* trim and squeeze spaces */
    char *s = kb_buf_detach(&b, NULL);
    size_t w = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == ' ' && (w == 0 || s[w - 1] == ' '))
            continue;
        s[w++] = s[i];
    }
    while (w > 0 && s[w - 1] == ' ')
        w--;
    s[w] = '\0';
    if (!w || syn->n >= 100000) {
        free(s);
        return;
    }
    shape_ctx sc = { 0, 0 };
    kb_tokenize_segments(t, s, w, shape_seg, &sc);
    syn->terms = kb_xrealloc(syn->terms, (syn->n + 1) * sizeof *syn->terms);
    syn_term *st = &syn->terms[syn->n++];
    st->group = group;
    st->norm = s;
    st->stem = NULL;
    st->cjk_only = sc.nseg == 1 && sc.kind == KB_SEG_CJK;
    if (sc.nseg == 1 && is_ascii_alpha(s) && w < 60) {
        char stem[64];
        kb_tokenize_stem(t, s, w, stem);
        st->stem = kb_xstrdup(stem);
    }
}

void kb_synonyms_free(kb_synonyms *syn)
{
    if (!syn)
        return;
    for (size_t i = 0; i < syn->n; i++) {
        free(syn->terms[i].norm);
        free(syn->terms[i].stem);
    }
    free(syn->terms);
    free(syn);
}

/* Group of the term equal to text (or, for English words, with the same stem); -1. */
static long long syn_group(const kb_synonyms *syn, kb_tokenizer *t, const char *text)
{
    if (!syn)
        return -1;
    char stem[64];
    int alpha = is_ascii_alpha(text) && strlen(text) < 60;
    if (alpha)
        kb_tokenize_stem(t, text, strlen(text), stem);
    for (size_t i = 0; i < syn->n; i++) {
        if (strcmp(syn->terms[i].norm, text) == 0)
            return syn->terms[i].group;
        if (alpha && syn->terms[i].stem && strcmp(syn->terms[i].stem, stem) == 0)
            return syn->terms[i].group;
    }
    return -1;
}

long long kb_synonyms_group(const kb_synonyms *syn, kb_tokenizer *t, const char *text)
{
    return syn_group(syn, t, text);
}

size_t kb_synonyms_find_cjk(const kb_synonyms *syn, const char *text, size_t len, size_t *at)
{
    size_t best_at = len, best_len = 0;
    for (size_t i = 0; syn && i < syn->n; i++) {
        const syn_term *st = &syn->terms[i];
        size_t n = strlen(st->norm);
        if (!st->cjk_only || n == 0 || n > len)
            continue;
        for (size_t a = 0; a + n <= len && a <= best_at; a++) {
            if (memcmp(text + a, st->norm, n) != 0)
                continue;
            if (a < best_at || n > best_len) {
                best_at = a;
                best_len = n;
            }
            break;
        }
    }
    *at = best_len ? best_at : 0;
    return best_len;
}

/* --- expression building --- */

#define MAX_ALTS 8

typedef struct {
    kb_buf *out;
    int nphrase;
    kb_tokenizer *t;
    const kb_synonyms *syn;
    kb_qphrase_fn pfn;
    int group;   /* the last group number given out */
    int grouped; /* > 0 inside a word: its phrases share b->group */
    void *pctx;
    kb_qexpand_fn expand;
    void *ectx;
} bld;

static void quoted(bld *b, const char *s)
{
    kb_buf_addc(b->out, '"');
    for (; *s; s++) {
        if (*s == '"')
            kb_buf_addc(b->out, '"');
        kb_buf_addc(b->out, *s);
    }
    kb_buf_addc(b->out, '"');
}

typedef struct {
    char tok[8][72];
    size_t n;
    size_t nchars_last;
} qtoks;

static int keep_qtok(void *ctx, int flags, const char *tok, size_t len, size_t start,
                     size_t end)
{
    (void)flags;
    (void)start;
    (void)end;
    qtoks *q = ctx;
    if (q->n < 8 && len < sizeof q->tok[0]) {
        memcpy(q->tok[q->n], tok, len);
        q->tok[q->n][len] = '\0';
        q->nchars_last = 0;
        for (size_t i = 0; i < len; i++)
            q->nchars_last += ((unsigned char)tok[i] & 0xC0) != 0x80;
        q->n++;
    }
    return 0;
}

#define MAX_EXPANSIONS 16

static void phrase_plain(bld *b, const char *const *texts, size_t n, int star);

/* One phrase made of the given texts in order; star makes the last token a prefix. A
 * one-token prefix becomes the OR of the most frequent index terms it starts (a prefix
 * scan of one or two characters merges thousands of posting lists); inside a longer
 * phrase a one-character prefix is dropped. */
static void phrase(bld *b, const char *const *texts, size_t n, int star)
{
    if (!star) {
        phrase_plain(b, texts, n, 0);
        return;
    }
    kb_buf j;
    kb_buf_init(&j, 0);
    for (size_t i = 0; i < n; i++) {
        if (i)
            kb_buf_addc(&j, ' ');
        kb_buf_adds(&j, texts[i]);
    }
    qtoks q = { .n = 0 };
    kb_tokenize(b->t, j.data ? j.data : "", j.len, KB_TOK_QUERY | KB_TOK_PREFIX, keep_qtok, &q);
    kb_buf_free(&j);
    if (q.n >= 1 && b->expand) {
        char (*terms)[72] = kb_xmalloc(MAX_EXPANSIONS * sizeof *terms);
        int k = b->expand(b->ectx, q.tok[q.n - 1], terms, MAX_EXPANSIONS);
        if (k >= 0) {
            /* a longer phrase keeps its complete tokens as a phrase, AND the completions */
            kb_buf_addc(b->out, '(');
            if (q.n > 1) {
                const char *lead[8];
                for (size_t i = 0; i + 1 < q.n; i++)
                    lead[i] = q.tok[i];
                phrase_plain(b, lead, q.n - 1, 0);
                kb_buf_adds(b->out, " AND (");
            }
            if (k == 0) {
                const char *one[1] = { q.tok[q.n - 1] };
                phrase_plain(b, one, 1, 0);
            }
            for (int i = 0; i < k; i++) {
                if (i)
                    kb_buf_adds(b->out, " OR ");
                const char *one[1] = { terms[i] };
                phrase_plain(b, one, 1, 0);
            }
            kb_buf_addc(b->out, ')');
            if (q.n > 1)
                kb_buf_addc(b->out, ')');
            free(terms);
            return;
        }
        free(terms);
    }
    phrase_plain(b, texts, n, q.n > 1 && q.nchars_last < 2 ? 0 : 1);
}

static void phrase_plain(bld *b, const char *const *texts, size_t n, int star)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            kb_buf_adds(b->out, " + ");
        quoted(b, texts[i]);
    }
    if (star)
        kb_buf_adds(b->out, " *");
    b->nphrase++;
    if (b->pfn) {
        kb_buf j;
        kb_buf_init(&j, 0);
        for (size_t i = 0; i < n; i++) {
            if (i)
                kb_buf_addc(&j, ' ');
            kb_buf_adds(&j, texts[i]);
        }
        b->pfn(b->pctx, kb_buf_str(&j), star, b->grouped ? b->group : ++b->group);
        kb_buf_free(&j);
    }
}

/* True when s is one of the n strings in seen. */
static int seen_before(const char *const *seen, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(seen[i], s) == 0)
            return 1;
    return 0;
}

/* A single term (synonym alternatives included): a phrase for text, or an OR group. */
static void term(bld *b, const char *text, int nchars_one_cjk, int star, int implicit)
{
    if (!b->grouped++)
        b->group++;
    long long g = star ? -1 : syn_group(b->syn, b->t, text);
    const char *seen[MAX_ALTS + 1] = { text };
    size_t nseen = 1;
    if (g >= 0 || implicit)
        kb_buf_addc(b->out, '(');
    const char *one[1] = { text };
    phrase(b, one, 1, star || nchars_one_cjk);
    if (implicit) {
        kb_buf_adds(b->out, " OR ");
        phrase(b, one, 1, 1);
    }
    for (size_t i = 0; g >= 0 && i < b->syn->n && nseen <= MAX_ALTS; i++) {
        const syn_term *st = &b->syn->terms[i];
        if (st->group != g || seen_before(seen, nseen, st->norm))
            continue;
        seen[nseen++] = st->norm;
        kb_buf_adds(b->out, " OR ");
        /* a multi-word synonym ("blue screen") is tokenized as a phrase of its words */
        const char *w[1] = { st->norm };
        phrase(b, w, 1, 0);
    }
    if (g >= 0 || implicit)
        kb_buf_addc(b->out, ')');
    b->grouped--;
}

/* Strict form of a CJK run: the run as one phrase, or with synonym substitutions. */
static void cjk_strict(bld *b, const kb_qseg *s, int star)
{
    if (s->nchars == 1) {
        term(b, s->text, 1, star, 0);
        return;
    }
    /* variants: each CJK synonym found inside the run replaced by each CJK alternative */
    char *variants[MAX_ALTS];
    size_t nv = 0;
    kb_buf v;
    kb_buf_init(&v, 0);
    for (size_t i = 0; b->syn && i < b->syn->n && nv < MAX_ALTS; i++) {
        const syn_term *st = &b->syn->terms[i];
        const char *at = st->cjk_only ? strstr(s->text, st->norm) : NULL;
        for (size_t j = 0; at && j < b->syn->n && nv < MAX_ALTS; j++) {
            const syn_term *alt = &b->syn->terms[j];
            if (alt->group != st->group || !alt->cjk_only)
                continue;
            kb_buf_reset(&v);
            kb_buf_add(&v, s->text, (size_t)(at - s->text));
            kb_buf_adds(&v, alt->norm);
            kb_buf_adds(&v, at + strlen(st->norm));
            if (strcmp(v.data, s->text) == 0 ||
                seen_before((const char *const *)variants, nv, v.data))
                continue;
            variants[nv++] = kb_buf_detach(&v, NULL);
        }
    }
    kb_buf_free(&v);
    if (!b->grouped++)
        b->group++;
    if (nv)
        kb_buf_addc(b->out, '(');
    const char *one[1] = { s->text };
    phrase(b, one, 1, star);
    for (size_t k = 0; k < nv; k++) {
        kb_buf_adds(b->out, " OR ");
        const char *alt[1] = { variants[k] };
        phrase(b, alt, 1, star);
        free(variants[k]);
    }
    if (nv)
        kb_buf_addc(b->out, ')');
    b->grouped--;
}

typedef struct {
    bld *b;
    int n;
    int star_last;
    size_t total;
    size_t idx;
} words_ctx;

static int count_word(void *ctx, const char *w, size_t len)
{
    (void)w;
    (void)len;
    ((words_ctx *)ctx)->total++;
    return 0;
}

static int emit_word(void *ctx, const char *w, size_t len)
{
    words_ctx *c = ctx;
    char *s = kb_xstrndup(w, len);
    if (c->n++)
        kb_buf_adds(c->b->out, " AND ");
    size_t nchars = 0;
    for (size_t i = 0; i < len; i++)
        nchars += ((unsigned char)w[i] & 0xC0) != 0x80;
    c->idx++;
    term(c->b, s, nchars == 1, c->star_last && c->idx == c->total, 0);
    free(s);
    return 0;
}

/* Loose form of one segment: CJK runs of three or more characters become their words. */
static void seg_loose(bld *b, const kb_qseg *s, int star, int implicit)
{
    if (s->kind != KB_SEG_CJK || s->nchars < 3) {
        term(b, s->text, s->kind == KB_SEG_CJK && s->nchars == 1, star, implicit);
        return;
    }
    words_ctx c = { b, 0, star, 0, 0 };
    kb_tokenize_cjk_words(b->t, s->text, strlen(s->text), count_word, &c);
    kb_buf_addc(b->out, '(');
    kb_tokenize_cjk_words(b->t, s->text, strlen(s->text), emit_word, &c);
    kb_buf_addc(b->out, ')');
}

static void item_expr(bld *b, const kb_qitem *it, kb_tier tier, int plain)
{
    int star = it->prefix;
    if (it->quoted || (it->nsegs > 1 && tier == KB_TIER_STRICT) || plain) {
        const char *texts[KB_QUERY_MAX_SEGS];
        for (size_t i = 0; i < it->nsegs; i++)
            texts[i] = it->segs[i].text;
        int one_cjk = it->nsegs == 1 && it->segs[0].kind == KB_SEG_CJK &&
                      it->segs[0].nchars == 1;
        phrase(b, texts, it->nsegs, star || one_cjk);
        return;
    }
    if (it->nsegs == 1 && tier == KB_TIER_STRICT) {
        const kb_qseg *s = &it->segs[0];
        if (s->kind == KB_SEG_CJK)
            cjk_strict(b, s, star);
        else
            term(b, s->text, 0, star, it->implicit_prefix);
        return;
    }
    kb_buf_addc(b->out, '(');
    for (size_t i = 0; i < it->nsegs; i++) {
        if (i)
            kb_buf_adds(b->out, " AND ");
        int last = i + 1 == it->nsegs;
        seg_loose(b, &it->segs[i], star && last, it->implicit_prefix && last);
    }
    kb_buf_addc(b->out, ')');
}

static size_t bits_set(unsigned v)
{
    size_t n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* One positive unit starting at item *i: the item, or an OR chain (a OR b OR c); *i is left
 * on the unit's last item. */
static void unit_expr(bld *b, const kb_query *q, size_t *i, kb_tier tier)
{
    const kb_qitem *it = &q->items[*i];
    int chain = it->or_next;
    if (chain)
        kb_buf_addc(b->out, '(');
    item_expr(b, it, tier, 0);
    while (it->or_next && *i + 1 < q->nitems) {
        it = &q->items[++*i];
        kb_buf_adds(b->out, " OR ");
        item_expr(b, it, tier, 0);
    }
    if (chain)
        kb_buf_addc(b->out, ')');
}

/* Consecutive bare one-word items that spell a multi-word synonym ("blue screen"): returns
 * how many items (2 or 3) and sets *group, else 0. */
static size_t multiword_synonym(const bld *b, const kb_query *q, size_t i, long long *group)
{
    if (!b->syn)
        return 0;
    for (size_t n = 3; n >= 2; n--) {
        if (i + n > q->nitems)
            continue;
        kb_buf j;
        kb_buf_init(&j, 0);
        int ok = 1;
        for (size_t k = i; k < i + n && ok; k++) {
            const kb_qitem *it = &q->items[k];
            ok = it->nsegs == 1 && it->segs[0].kind == KB_SEG_WORD && !it->negated &&
                 !it->quoted && !it->or_next && !it->prefix;
            if (k > i)
                kb_buf_addc(&j, ' ');
            kb_buf_adds(&j, it->segs[0].text);
        }
        long long g = -1;
        for (size_t t = 0; ok && t < b->syn->n && g < 0; t++)
            if (strcmp(b->syn->terms[t].norm, j.data) == 0)
                g = b->syn->terms[t].group;
        kb_buf_free(&j);
        if (g >= 0) {
            *group = g;
            return n;
        }
    }
    return 0;
}

static void filter_expr(bld *b, const kb_query *q, const char *key)
{
    int n = 0;
    kb_buf tok;
    kb_buf_init(&tok, 0);
    for (size_t i = 0; i < q->nfilters; i++) {
        if (strcmp(q->filters[i].key, key) != 0)
            continue;
        if (strcmp(key, "status") == 0 && strcmp(q->filters[i].value, "any") == 0)
            continue;
        kb_buf_adds(b->out, n ? " OR " : " AND meta : (");
        kb_buf_reset(&tok);
        kb_tokenize_filter_token(b->t, key, q->filters[i].value, &tok);
        quoted(b, tok.data);
        n++;
    }
    if (n)
        kb_buf_addc(b->out, ')');
    kb_buf_free(&tok);
}

static int has_filter(const kb_query *q, const char *key)
{
    for (size_t i = 0; i < q->nfilters; i++)
        if (strcmp(q->filters[i].key, key) == 0)
            return 1;
    return 0;
}

kb_status kb_query_build(const kb_query *q, const kb_synonyms *syn, kb_tokenizer *t,
                         kb_tier tier, kb_buf *out, int *nscore)
{
    return kb_query_build_hooked(q, syn, t, tier, out, nscore, NULL);
}

kb_status kb_query_build_hooked(const kb_query *q, const kb_synonyms *syn, kb_tokenizer *t,
                                kb_tier tier, kb_buf *out, int *nscore, const kb_qhooks *hooks)
{
    kb_buf_reset(out);
    *nscore = 0;
    bld b = { .out = out, .t = t, .syn = syn };
    if (hooks) {
        b.pfn = hooks->on_phrase;
        b.pctx = hooks->phrase_ctx;
        b.expand = hooks->expand;
        b.ectx = hooks->expand_ctx;
    }
    size_t npos = 0, nneg = 0;
    for (size_t i = 0; i < q->nitems; i++)
        q->items[i].negated ? nneg++ : npos++;
    int filtered = 0;
    for (size_t i = 0; i < q->nfilters; i++)
        filtered |= strcmp(q->filters[i].key, "status") != 0 ||
                    strcmp(q->filters[i].value, "any") != 0;
    if (npos == 0 && !filtered && nneg == 0)
        return KB_ENOTFOUND;
    kb_buf_adds(out, "(");
    if (npos) {
        kb_buf_addc(out, '(');
        /* the positive units: an item, or an OR chain of items */
        size_t starts[KB_QUERY_MAX_ITEMS];
        size_t nunits = 0;
        for (size_t i = 0; i < q->nitems; i++) {
            if (q->items[i].negated || nunits == KB_QUERY_MAX_ITEMS)
                continue;
            starts[nunits++] = i;
            while (q->items[i].or_next && i + 1 < q->nitems)
                i++;
        }
        /* relaxed: the units that take part (relax_out ones do not) */
        size_t m = q->min_match;
        size_t act[KB_QUERY_MAX_ITEMS];
        size_t nact = 0;
        for (size_t u = 0; m > 0 && u < nunits; u++)
            if (!q->items[starts[u]].relax_out)
                act[nact++] = starts[u];
        if (m > 0 && m < nact && nact <= KB_QUERY_MAX_MATCH_ITEMS) {
            /* at least m of the units: the OR of every combination of m of them that holds
             * every required unit (at most C(6, 3) = 20 combinations). */
            unsigned req = 0;
            size_t nreq = 0;
            for (size_t u = 0; u < nact; u++)
                if (q->items[act[u]].required) {
                    req |= 1u << u;
                    nreq++;
                }
            size_t want = m > nreq ? m : nreq;
            int firstc = 1;
            for (unsigned mask = 0; mask < (1u << nact); mask++) {
                if ((mask & req) != req || bits_set(mask) != want)
                    continue;
                kb_buf_adds(out, firstc ? "(" : " OR (");
                firstc = 0;
                int firstu = 1;
                for (size_t u = 0; u < nact; u++) {
                    if (!(mask & (1u << u)))
                        continue;
                    if (!firstu)
                        kb_buf_adds(out, " AND ");
                    firstu = 0;
                    size_t i = act[u];
                    unit_expr(&b, q, &i, tier);
                }
                kb_buf_addc(out, ')');
            }
        }
        int first = 1;
        for (size_t i = 0; (m == 0 || m >= nact || nact > KB_QUERY_MAX_MATCH_ITEMS) &&
                           i < q->nitems;
             i++) {
            const kb_qitem *it = &q->items[i];
            if (it->negated)
                continue;
            if (!first)
                kb_buf_adds(out, tier == KB_TIER_ANY ? " OR " : " AND ");
            first = 0;
            long long g;
            size_t nw = tier == KB_TIER_ANY ? 0 : multiword_synonym(&b, q, i, &g);
            if (nw) {
                /* the words as typed, or any other term of their synonym group */
                const char *seen[MAX_ALTS + 1];
                size_t nseen = 0;
                kb_buf_adds(out, "((");
                for (size_t k = i; k < i + nw; k++) {
                    if (k > i)
                        kb_buf_adds(out, " AND ");
                    item_expr(&b, &q->items[k], tier, 0);
                }
                kb_buf_addc(out, ')');
                for (size_t k = 0; k < syn->n && nseen < MAX_ALTS; k++) {
                    const syn_term *st = &syn->terms[k];
                    if (st->group != g || seen_before(seen, nseen, st->norm))
                        continue;
                    seen[nseen++] = st->norm;
                    kb_buf_adds(out, " OR ");
                    const char *w[1] = { st->norm };
                    phrase(&b, w, 1, 0);
                }
                kb_buf_addc(out, ')');
                i += nw - 1;
                continue;
            }
            unit_expr(&b, q, &i, tier);
        }
        kb_buf_addc(out, ')');
        *nscore = b.nphrase;
    } else {
        /* nothing positive to look for: every item of any type */
        kb_buf_adds(out, "meta : (");
        static const char *const types[] = { "known_error", "article", "document", "ticket" };
        kb_buf tok;
        kb_buf_init(&tok, 0);
        for (size_t i = 0; i < 4; i++) {
            if (i)
                kb_buf_adds(out, " OR ");
            kb_buf_reset(&tok);
            kb_tokenize_filter_token(t, "type", types[i], &tok);
            quoted(&b, tok.data);
        }
        kb_buf_free(&tok);
        kb_buf_addc(out, ')');
        *nscore = 0;
    }
    for (size_t k = 0; k < sizeof filter_keys / sizeof filter_keys[0]; k++)
        filter_expr(&b, q, filter_keys[k]);
    kb_buf_addc(out, ')');
    int first_neg = 1;
    for (size_t i = 0; i < q->nitems; i++) {
        if (!q->items[i].negated)
            continue;
        kb_buf_adds(out, first_neg ? " NOT (" : " OR ");
        first_neg = 0;
        item_expr(&b, &q->items[i], KB_TIER_STRICT, 1);
    }
    if (!has_filter(q, "status")) {
        /* retired items and drafts only when asked for: desk agents see what is
         * published (and closed tickets) */
        static const char *const hidden[] = { "retired", "draft", "in_review" };
        for (size_t k = 0; k < sizeof hidden / sizeof hidden[0]; k++) {
            kb_buf_adds(out, first_neg ? " NOT (" : " OR ");
            first_neg = 0;
            kb_buf tok;
            kb_buf_init(&tok, 0);
            kb_tokenize_filter_token(t, "status", hidden[k], &tok);
            kb_buf_adds(out, "meta : ");
            quoted(&b, tok.data);
            kb_buf_free(&tok);
        }
    }
    for (size_t k = 0; k < q->nexcludes; k++) {
        kb_buf_adds(out, first_neg ? " NOT (" : " OR ");
        first_neg = 0;
        kb_buf tok;
        kb_buf_init(&tok, 0);
        kb_tokenize_filter_token(t, q->excludes[k].key, q->excludes[k].value, &tok);
        kb_buf_adds(out, "meta : ");
        quoted(&b, tok.data);
        kb_buf_free(&tok);
    }
    if (!first_neg)
        kb_buf_addc(out, ')');
    return KB_OK;
}

kb_status kb_query_build_titles(const kb_query *q, kb_tokenizer *t, kb_buf *out, int *nscore)
{
    kb_buf_reset(out);
    bld b = { .out = out, .t = t };
    int n = 0;
    kb_buf_adds(out, "title : (");
    for (size_t i = 0; i < q->nitems; i++) {
        const kb_qitem *it = &q->items[i];
        if (it->negated)
            continue;
        if (n++)
            kb_buf_adds(out, " AND ");
        item_expr(&b, it, KB_TIER_LOOSE, 0);
    }
    kb_buf_addc(out, ')');
    *nscore = b.nphrase;
    if (!n)
        return KB_ENOTFOUND;
    static const char *const hidden[] = { "retired", "draft", "in_review" };
    for (size_t k = 0; k < sizeof hidden / sizeof hidden[0]; k++) {
        kb_buf tok;
        kb_buf_init(&tok, 0);
        kb_tokenize_filter_token(t, "status", hidden[k], &tok);
        kb_buf_adds(out, " NOT meta : ");
        quoted(&b, tok.data);
        kb_buf_free(&tok);
    }
    return KB_OK;
}

/* --- terms for highlighting --- */

typedef struct {
    kb_qterm_fn fn;
    void *ctx;
    int prefix;
} term_ctx;

static int term_tok(void *ctx, int flags, const char *tok, size_t len, size_t start, size_t end)
{
    (void)flags;
    (void)start;
    (void)end;
    term_ctx *c = ctx;
    c->fn(c->ctx, tok, len, c->prefix);
    return 0;
}

static int last_tok(void *ctx, int flags, const char *tok, size_t len, size_t start, size_t end)
{
    (void)flags;
    (void)start;
    (void)end;
    kb_buf_reset(ctx);
    kb_buf_add(ctx, tok, len);
    return 0;
}

static void text_terms(kb_tokenizer *t, const char *text, int prefix, int one_cjk,
                       kb_qterm_fn fn, void *ctx)
{
    term_ctx c = { fn, ctx, 0 };
    kb_tokenize(t, text, strlen(text), KB_TOK_QUERY, term_tok, &c);
    if (prefix || one_cjk) {
        /* only the last token is a prefix: the 'a' of 13a2d4 (13 a 2 d 4) marks no 'alert' */
        kb_buf last;
        kb_buf_init(&last, 0);
        kb_tokenize(t, text, strlen(text), KB_TOK_QUERY | KB_TOK_PREFIX, last_tok, &last);
        if (last.len)
            fn(ctx, last.data, last.len, 1);
        kb_buf_free(&last);
    }
}

void kb_query_terms(const kb_query *q, const kb_synonyms *syn, kb_tokenizer *t, kb_qterm_fn fn,
                    void *ctx)
{
    for (size_t i = 0; i < q->nitems; i++) {
        const kb_qitem *it = &q->items[i];
        if (it->negated)
            continue;
        for (size_t k = 0; k < it->nsegs; k++) {
            const kb_qseg *s = &it->segs[k];
            int last = k + 1 == it->nsegs;
            int one_cjk = s->kind == KB_SEG_CJK && s->nchars == 1;
            /* copy: the tokenizer's scratch is reused by nested calls */
            char *text = kb_xstrdup(s->text);
            text_terms(t, text, last && (it->prefix || it->implicit_prefix), one_cjk, fn, ctx);
            long long g = syn_group(syn, t, text);
            for (size_t j = 0; g >= 0 && j < syn->n; j++)
                if (syn->terms[j].group == g)
                    text_terms(t, syn->terms[j].norm, 0, 0, fn, ctx);
            for (size_t j = 0; syn && s->kind == KB_SEG_CJK && j < syn->n; j++) {
                if (!syn->terms[j].cjk_only || !strstr(text, syn->terms[j].norm))
                    continue;
                for (size_t m = 0; m < syn->n; m++)
                    if (syn->terms[m].group == syn->terms[j].group && m != j)
                        text_terms(t, syn->terms[m].norm, 0, 0, fn, ctx);
            }
            free(text);
        }
    }
}
