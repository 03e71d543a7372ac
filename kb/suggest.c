/* Suggestions for an incident being typed: pick the most informative words of the text,
 * search known errors and past tickets with them, and say which words each one matched. */
#include "kb_suggest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_doc.h"
#include "kb_search.h"
#include "kb_section.h"
#include "kb_tokenize.h"
#include "kb_understand.h"

#define MAX_CANDIDATES 400
#define RARE_DF 300 /* words in at most this many items choose the candidates */
#define MAX_TOKS 8

typedef struct {
    char *text;
    double weight;
    int code;   /* holds a digit: error codes, KB numbers, asset tags */
    int common; /* in a fifth of all items or more */
    long long df;
    double rank;
    char toks[MAX_TOKS][72]; /* its query tokens */
    size_t ntoks;
} cand;

typedef struct {
    cand *v;
    size_t n;
} candlist;

static void add_cand(candlist *l, const char *text, size_t len, double weight)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strlen(l->v[i].text) == len && memcmp(l->v[i].text, text, len) == 0) {
            if (weight > l->v[i].weight)
                l->v[i].weight = weight;
            return;
        }
    }
    if (l->n >= MAX_CANDIDATES)
        return;
    l->v = kb_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    cand *c = &l->v[l->n++];
    memset(c, 0, sizeof *c);
    c->text = kb_xstrndup(text, len);
    c->weight = weight;
    for (size_t i = 0; i < len; i++)
        c->code |= text[i] >= '0' && text[i] <= '9';
}

/* Segments first, words after: the word splitter must not run inside the segment walk. */
typedef struct {
    char **text;
    int *cjk;
    size_t *nchars;
    size_t n;
} seglist;

static int keep_seg(void *ctx, kb_seg_kind kind, const char *norm, size_t len, size_t nchars,
                    size_t start, size_t end)
{
    (void)start;
    (void)end;
    seglist *l = ctx;
    if (kind == KB_SEG_RAW || l->n >= 4 * MAX_CANDIDATES)
        return 0;
    l->text = kb_xrealloc(l->text, (l->n + 1) * sizeof *l->text);
    l->cjk = kb_xrealloc(l->cjk, (l->n + 1) * sizeof *l->cjk);
    l->nchars = kb_xrealloc(l->nchars, (l->n + 1) * sizeof *l->nchars);
    l->text[l->n] = kb_xstrndup(norm, len);
    l->cjk[l->n] = kind == KB_SEG_CJK;
    l->nchars[l->n] = nchars;
    l->n++;
    return 0;
}

typedef struct {
    candlist *l;
    double weight;
} word_ctx;

/* A word of a Chinese run, as search understands it (kb_understand_cjk): particles and
 * question phrases are already out; single characters tell too little to pick items. */
static int add_word(void *ctx, const char *w, size_t len)
{
    word_ctx *c = ctx;
    size_t nchars = 0;
    for (size_t i = 0; i < len; i++)
        nchars += ((unsigned char)w[i] & 0xC0) != 0x80;
    if (nchars >= 2)
        add_cand(c->l, w, len, c->weight);
    return 0;
}

static void collect(kb_store *st, const char *text, double weight, candlist *l)
{
    kb_tokenizer *t = kb_store_tokenizer(st);
    if (!text || !*text)
        return;
    size_t len = strlen(text);
    if (len > KB_SUGGEST_MAX_TEXT) {
        len = KB_SUGGEST_MAX_TEXT;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    seglist sl = { 0 };
    kb_tokenize_segments(t, text, len, keep_seg, &sl);
    for (size_t i = 0; i < sl.n; i++) {
        const char *s = sl.text[i];
        size_t sn = strlen(s);
        if (!sl.cjk[i]) {
            if (sl.nchars[i] >= 2 && !kb_understand_is_stop(s))
                add_cand(l, s, sn, weight);
        } else if (sl.nchars[i] <= 2) {
            if (sl.nchars[i] == 2 && !kb_understand_is_stop(s))
                add_cand(l, s, sn, weight);
        } else {
            word_ctx wc = { l, weight };
            kb_understand_cjk(t, s, sn, kb_understand_store_df, st, NULL, add_word, NULL, &wc);
        }
        free(sl.text[i]);
    }
    free(sl.text);
    free(sl.cjk);
    free(sl.nchars);
}

static int keep_tok(void *ctx, int flags, const char *tok, size_t len, size_t start,
                    size_t end)
{
    (void)flags;
    (void)start;
    (void)end;
    cand *c = ctx;
    if (c->ntoks < MAX_TOKS && len < sizeof c->toks[0]) {
        memcpy(c->toks[c->ntoks], tok, len);
        c->toks[c->ntoks][len] = '\0';
        c->ntoks++;
    }
    return 0;
}

static int by_rank(const void *a, const void *b)
{
    double x = ((const cand *)a)->rank, y = ((const cand *)b)->rank;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Ranks candidates by how rare they are in the knowledge base (a word occurs in no more
 * items than its rarest token); words the index does not know are dropped. */
static kb_status rank_cands(kb_store *s, candlist *l, kb_err *err)
{
    kb_tokenizer *t = kb_store_tokenizer(s);
    long long ndocs = kb_search_ndocs(s);
    for (size_t i = 0; i < l->n; i++) {
        cand *c = &l->v[i];
        kb_tokenize(t, c->text, strlen(c->text), KB_TOK_QUERY, keep_tok, c);
        long long df = -1;
        for (size_t k = 0; k < c->ntoks; k++) {
            long long d = 0;
            kb_status rc = kb_store_term_df(s, c->toks[k], 0, 0, &d, err);
            if (rc != KB_OK)
                return rc;
            if (df < 0 || d < df)
                df = d;
        }
        c->df = df;
        if (df <= 0) {
            c->rank = -1;
            continue;
        }
        double n = (double)(ndocs > df ? ndocs : df);
        c->rank = log((n + 1.0) / ((double)df + 0.5)) * c->weight * (c->code ? 1.5 : 1.0);
        /* in a fifth of the knowledge base or more, a word tells little and costs much */
        c->common = (double)df > 0.2 * n;
    }
    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, by_rank);
    return KB_OK;
}

/* --- which picked words an item contains --- */

typedef struct {
    const cand *c;
    size_t nc;
    unsigned char present[KB_SUGGEST_MAX_TERMS][MAX_TOKS];
} match_ctx;

static int mark_tok(void *ctx, int flags, const char *tok, size_t len, size_t start,
                    size_t end)
{
    (void)flags;
    (void)start;
    (void)end;
    match_ctx *m = ctx;
    for (size_t i = 0; i < m->nc; i++)
        for (size_t k = 0; k < m->c[i].ntoks; k++)
            if (!m->present[i][k] && strlen(m->c[i].toks[k]) == len &&
                memcmp(m->c[i].toks[k], tok, len) == 0)
                m->present[i][k] = 1;
    return 0;
}

static void matched_terms(kb_store *s, const cand *c, size_t nc, long long rowid,
                          kb_suggestion *out)
{
    kb_doc *d = NULL;
    if (kb_store_doc_brief(s, rowid, &d, NULL) != KB_OK)
        return;
    match_ctx m = { c, nc, { { 0 } } };
    const char *fields[KB_SECTION_MAX + 2] = { d->title, d->text };
    size_t nf = 2;
    for (size_t i = 0; i < kb_section_count(); i++)
        fields[nf++] = kb_section_text(d, kb_section_at(i));
    kb_tokenizer *t = kb_store_tokenizer(s);
    for (size_t f = 0; f < nf; f++)
        kb_tokenize(t, fields[f], strlen(fields[f]), KB_TOK_DOCUMENT, mark_tok, &m);
    kb_doc_free(d);
    out->matched = kb_xcalloc(nc ? nc : 1, sizeof *out->matched);
    for (size_t i = 0; i < nc; i++) {
        int all = c[i].ntoks > 0;
        for (size_t k = 0; k < c[i].ntoks; k++)
            all &= m.present[i][k];
        if (all)
            out->matched[out->nmatched++] = kb_xstrdup(c[i].text);
    }
}

static kb_status fill(kb_store *s, const char *q, const char *type, const char *status,
                      size_t limit, const cand *c, size_t nc, kb_suggestion **out, size_t *n,
                      kb_err *err)
{
    /* suggestions are for everyone at the desk: never work in progress */
    kb_search_opts o = { .q = q, .type = type, .status = status, .limit = limit,
                         .hide_drafts = 1 };
    kb_search_result *r = NULL;
    kb_status rc = kb_search_run(s, &o, &r, err);
    if (rc != KB_OK)
        return rc;
    *out = kb_xcalloc(r->nhits ? r->nhits : 1, sizeof **out);
    *n = r->nhits;
    for (size_t i = 0; i < r->nhits; i++) {
        kb_search_hit *h = &r->hits[i];
        kb_suggestion *g = &(*out)[i];
        /* take the strings over from the search result */
        g->id = h->id;
        g->type = h->type;
        g->title = h->title;
        g->status = h->status;
        g->snippet = h->snippet;
        g->workaround = h->workaround;
        g->score = h->score;
        h->id = h->type = h->title = h->status = h->snippet = h->workaround = NULL;
        matched_terms(s, c, nc, h->rowid, g);
    }
    kb_search_result_free(r);
    return KB_OK;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

kb_status kb_suggest_run(kb_store *s, const kb_suggest_opts *opts, kb_suggest_result **out,
                         kb_err *err)
{
    *out = NULL;
    double t0 = now_ms();
    size_t limit = opts->limit ? opts->limit : 5;
    if (limit > KB_SUGGEST_MAX_LIMIT)
        limit = KB_SUGGEST_MAX_LIMIT;
    candlist l = { 0 };
    collect(s, opts->summary, 1.5, &l);
    collect(s, opts->description, 1.0, &l);
    collect(s, opts->ci, 1.2, &l);
    collect(s, opts->category, 0.5, &l);
    kb_suggest_result *r = kb_xcalloc(1, sizeof *r);
    kb_status rc = rank_cands(s, &l, err);
    /* the most informative words; common ones only when there is nothing better */
    size_t nc = 0;
    for (size_t i = 0; rc == KB_OK && i < l.n && nc < KB_SUGGEST_MAX_TERMS; i++) {
        if (l.v[i].rank <= 0 || (l.v[i].common && nc >= 2))
            continue;
        if (i != nc) {
            cand tmp = l.v[nc];
            l.v[nc] = l.v[i];
            l.v[i] = tmp;
        }
        nc++;
    }
    r->terms = kb_xcalloc(nc ? nc : 1, sizeof *r->terms);
    for (size_t i = 0; i < nc; i++)
        r->terms[r->nterms++] = kb_xstrdup(l.v[i].text);
    /* The rare words choose the candidates, all the words rank them: "(r1 OR r2) (r1 OR r2
     * OR f1 OR f2)". Ranking only the newest matches of an OR of common words would miss
     * the one known error that holds the error code. */
    size_t nrare = 0;
    for (size_t i = 0; i < nc; i++)
        nrare += l.v[i].df <= RARE_DF;
    kb_buf q;
    kb_buf_init(&q, 0);
    for (int pass = nrare && nrare < nc ? 0 : 1; pass < 2; pass++) {
        int n = 0;
        for (size_t i = 0; i < nc; i++) {
            if (pass == 0 && l.v[i].df > RARE_DF)
                continue;
            kb_buf_adds(&q, n++ ? " OR " : q.len ? " " : "");
            kb_buf_addc(&q, '"');
            kb_buf_adds(&q, l.v[i].text);
            kb_buf_addc(&q, '"');
        }
    }
    kb_buf_addc(&q, ' '); /* complete words: no search-as-you-type prefix */
    if (rc == KB_OK && nc) {
        rc = fill(s, q.data, KB_TYPE_KNOWN_ERROR, "published", limit, l.v, nc,
                  &r->known_errors, &r->nknown, err);
        if (rc == KB_OK)
            rc = fill(s, q.data, KB_TYPE_TICKET, NULL, limit, l.v, nc, &r->incidents,
                      &r->nincidents, err);
    }
    kb_buf_free(&q);
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].text);
    free(l.v);
    if (rc != KB_OK) {
        kb_suggest_result_free(r);
        return rc;
    }
    r->took_ms = now_ms() - t0;
    *out = r;
    return KB_OK;
}

static void free_list(kb_suggestion *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].type);
        free(v[i].title);
        free(v[i].status);
        free(v[i].snippet);
        free(v[i].workaround);
        for (size_t k = 0; k < v[i].nmatched; k++)
            free(v[i].matched[k]);
        free(v[i].matched);
    }
    free(v);
}

void kb_suggest_result_free(kb_suggest_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nterms; i++)
        free(r->terms[i]);
    free(r->terms);
    free_list(r->known_errors, r->nknown);
    free_list(r->incidents, r->nincidents);
    free(r);
}
