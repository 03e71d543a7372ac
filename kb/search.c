/* Search: tiers, ranking every match, typo correction, synonyms, snippets, completion. */
#include "kb_search.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_doc.h"
#include "kb_pinyin.h"
#include "kb_query.h"
#include "kb_tokenize.h"
#include "kb_understand.h"
#include "kb_usage.h"
#include "kb_version.h"

#define SNIPPET_CHARS 110
#define SNIPPET_SCAN_BYTES 8192
#define WORKAROUND_BYTES 600

/* --- per-connection cache: synonyms --- */

/* Recent results, per connection, for the database as it is now: desk agents search the
 * same faults at once (an outage brings dozens of calls about one error), and search as
 * you type repeats prefixes. Cleared whenever the database changes. */
#define RESULT_SLOTS 512

typedef struct {
    char *key;
    kb_search_result *res;
    unsigned long long used;
} result_slot;

typedef struct {
    long long rowid;
    double factor;
} boost;

typedef struct {
    long long generation;
    kb_synonyms *syn;
    long long ndocs;
    boost *boosts; /* usage boosts of known errors that solved incidents, by row id */
    size_t nboosts;
    result_slot results[RESULT_SLOTS];
    unsigned long long tick;
} cache;

static atomic_int cache_on = 1;

long long kb_search_ndocs(kb_store *s);

/* result-cache look-ups since start, for /metrics */
static atomic_ullong cache_hits, cache_misses;

void kb_search_cache_stats(unsigned long long *hits, unsigned long long *misses)
{
    *hits = atomic_load(&cache_hits);
    *misses = atomic_load(&cache_misses);
}

void kb_search_cache_enable(int on)
{
    atomic_store(&cache_on, on ? 1 : 0);
}

static void results_clear(cache *c)
{
    for (size_t i = 0; i < RESULT_SLOTS; i++) {
        free(c->results[i].key);
        kb_search_result_free(c->results[i].res);
        c->results[i] = (result_slot){ NULL, NULL, 0 };
    }
}

static void cache_free(void *p)
{
    cache *c = p;
    if (c) {
        kb_synonyms_free(c->syn);
        results_clear(c);
        free(c->boosts);
        free(c);
    }
}

typedef struct {
    kb_synonyms *syn;
    kb_tokenizer *t;
} syn_load;

static int load_syn(void *ctx, long long group, const char *term)
{
    syn_load *l = ctx;
    kb_synonyms_add(l->syn, l->t, group, term);
    return 0;
}

static int keep_boost(void *ctx, long long rowid, double factor)
{
    cache *c = ctx;
    c->boosts = kb_xrealloc(c->boosts, (c->nboosts + 1) * sizeof *c->boosts);
    c->boosts[c->nboosts++] = (boost){ rowid, factor };
    return 0;
}

static int by_boost_rowid(const void *a, const void *b)
{
    long long x = ((const boost *)a)->rowid, y = ((const boost *)b)->rowid;
    return x < y ? -1 : x > y;
}

static cache *get_cache(kb_store *s)
{
    cache *c = kb_store_aux(s);
    long long gen = kb_store_generation(s);
    if (c && c->generation == gen)
        return c;
    if (!c) {
        c = kb_xcalloc(1, sizeof *c);
        kb_store_set_aux(s, c, cache_free);
    }
    kb_synonyms_free(c->syn);
    c->syn = kb_synonyms_new(kb_store_tokenizer(s));
    syn_load l = { c->syn, kb_store_tokenizer(s) };
    if (kb_store_synonyms(s, load_syn, &l, NULL) != KB_OK) {
        kb_synonyms_free(c->syn);
        c->syn = kb_synonyms_new(kb_store_tokenizer(s));
    }
    if (kb_store_doc_count(s, NULL, &c->ndocs, NULL) != KB_OK)
        c->ndocs = 0;
    c->nboosts = 0;
    if (kb_usage_boosts(s, keep_boost, c, NULL) != KB_OK)
        c->nboosts = 0; /* no usage recorded (or an older schema): plain ranking */
    if (c->nboosts)
        qsort(c->boosts, c->nboosts, sizeof *c->boosts, by_boost_rowid);
    results_clear(c);
    c->generation = gen;
    return c;
}

long long kb_search_ndocs(kb_store *s)
{
    return get_cache(s)->ndocs;
}

static char *dup_or_null(const char *s)
{
    return s ? kb_xstrdup(s) : NULL;
}

static kb_search_result *result_copy(const kb_search_result *r)
{
    kb_search_result *c = kb_xcalloc(1, sizeof *c);
    c->query = dup_or_null(r->query);
    c->total = r->total;
    c->total_exact = r->total_exact;
    c->took_ms = r->took_ms;
    c->did_you_mean = dup_or_null(r->did_you_mean);
    c->hits = kb_xcalloc(r->nhits ? r->nhits : 1, sizeof *c->hits);
    c->nhits = r->nhits;
    for (size_t i = 0; i < r->nhits; i++) {
        const kb_search_hit *h = &r->hits[i];
        kb_search_hit *d = &c->hits[i];
        d->id = dup_or_null(h->id);
        d->type = dup_or_null(h->type);
        d->title = dup_or_null(h->title);
        d->snippet = dup_or_null(h->snippet);
        d->workaround = dup_or_null(h->workaround);
        d->status = dup_or_null(h->status);
        d->version = dup_or_null(h->version);
        d->updated = dup_or_null(h->updated);
        d->score = h->score;
        d->rowid = h->rowid;
        d->partial = h->partial;
    }
    c->nwords = r->nwords;
    c->words = kb_xcalloc(r->nwords ? r->nwords : 1, sizeof *c->words);
    for (size_t i = 0; i < r->nwords; i++)
        c->words[i] = kb_xstrdup(r->words[i]);
    c->ndropped = r->ndropped;
    c->dropped = kb_xcalloc(r->ndropped ? r->ndropped : 1, sizeof *c->dropped);
    for (size_t i = 0; i < r->ndropped; i++) {
        c->dropped[i].word = kb_xstrdup(r->dropped[i].word);
        c->dropped[i].why = r->dropped[i].why;
    }
    c->min_match = r->min_match;
    return c;
}

/* The cache key of a request: every option that changes the result. */
static char *result_key(const kb_search_opts *o, size_t limit)
{
    kb_buf k;
    kb_buf_init(&k, 0);
    kb_buf_addf(&k, "%zu\x1f%zu\x1f%s\x1f%s\x1f%d\x1f%d\x1f%d\x1f", limit, o->offset,
                o->type ? o->type : "", o->status ? o->status : "",
                o->hide_drafts != 0, o->all_words != 0, o->exhaustive != 0);
    kb_buf_adds(&k, o->q ? o->q : "");
    return kb_buf_detach(&k, NULL);
}

static const kb_search_result *result_find(cache *c, const char *key)
{
    if (!atomic_load(&cache_on))
        return NULL;
    for (size_t i = 0; i < RESULT_SLOTS; i++) {
        if (c->results[i].key && strcmp(c->results[i].key, key) == 0) {
            c->results[i].used = ++c->tick;
            atomic_fetch_add(&cache_hits, 1);
            return c->results[i].res;
        }
    }
    atomic_fetch_add(&cache_misses, 1);
    return NULL;
}

static void result_keep(cache *c, const char *key, const kb_search_result *r)
{
    if (!atomic_load(&cache_on))
        return;
    size_t victim = 0;
    for (size_t i = 0; i < RESULT_SLOTS; i++) {
        if (!c->results[i].key) {
            victim = i;
            break;
        }
        if (c->results[i].used < c->results[victim].used)
            victim = i;
    }
    result_slot *sl = &c->results[victim];
    free(sl->key);
    kb_search_result_free(sl->res);
    sl->key = kb_xstrdup(key);
    sl->res = result_copy(r);
    sl->used = ++c->tick;
}

/* --- typo correction --- */

/* Damerau-Levenshtein (optimal string alignment) distance, giving up past max. */
static int edit_distance(const char *a, size_t la, const char *b, size_t lb, int max)
{
    if ((la > lb ? la - lb : lb - la) > (size_t)max || la > 63 || lb > 63)
        return max + 1;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int rowmin = max + 1;
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > max)
            return max + 1;
    }
    return d[la][lb];
}

typedef struct {
    const char *word;
    size_t len;
    int max;
    int best_dist;
    long long best_df;
    char best[64];
} near_ctx;

static int near_term(void *ctx, const char *term, long long df)
{
    near_ctx *c = ctx;
    size_t tl = strlen(term);
    for (size_t i = 0; i < tl; i++)
        if (term[i] < 'a' || term[i] > 'z')
            return 0;
    int d = edit_distance(c->word, c->len, term, tl, c->max);
    if (d == 0 || d > c->max)
        return 0;
    if (d < c->best_dist || (d == c->best_dist && df > c->best_df)) {
        c->best_dist = d;
        c->best_df = df;
        memcpy(c->best, term, tl + 1);
    }
    return 0;
}

static int ascii_word(const char *s)
{
    for (; *s; s++)
        if (*s < 'a' || *s > 'z')
            return 0;
    return 1;
}

/* A word that no item contains is replaced by the most frequent index term within one
 * edit (words of 4+ letters) or two (8+). Words with digits (error codes) are never
 * corrected; the first letter is taken as right. Returns 1 when anything changed. */
static int correct_typos(kb_store *s, kb_query *q, const kb_synonyms *syn, kb_err *err)
{
    (void)syn;
    kb_tokenizer *t = kb_store_tokenizer(s);
    int changed = kb_pinyin_correct_query(s, q, err); /* Chinese runs: kb_pinyin.h */
    if (changed < 0)
        return -1;
    for (size_t i = 0; i < q->nitems; i++) {
        kb_qitem *it = &q->items[i];
        if (it->negated || it->quoted)
            continue;
        for (size_t k = 0; k < it->nsegs; k++) {
            kb_qseg *sg = &it->segs[k];
            size_t len = strlen(sg->text);
            if (sg->kind != KB_SEG_WORD || len < 4 || len > 40 || !ascii_word(sg->text))
                continue;
            char stem[64];
            kb_tokenize_stem(t, sg->text, len, stem);
            long long df = 0;
            if (kb_store_term_df(s, stem, 0, 1, &df, err) != KB_OK)
                return -1;
            if (df == 0 && kb_store_term_df(s, sg->text, 0, 1, &df, err) != KB_OK)
                return -1;
            int last = k + 1 == it->nsegs;
            if (df == 0 && last && (it->prefix || it->implicit_prefix) &&
                kb_store_term_df(s, sg->text, 1, 1, &df, err) != KB_OK)
                return -1;
            if (df > 0)
                continue;
            near_ctx c = { sg->text, len, len >= 8 ? 2 : 1, 99, -1, "" };
            char lo[2] = { sg->text[0], 0 };
            char hi[2] = { (char)(sg->text[0] + 1), 0 };
            if (kb_store_terms(s, lo, hi, 200000, near_term, &c, err) != KB_OK)
                return -1;
            if (c.best_dist <= c.max) {
                kb_query_set_seg(sg, c.best);
                it->implicit_prefix = 0;
                changed = 1;
            }
        }
    }
    return changed;
}

typedef struct {
    char tok[8][72];
    size_t n;
} toklist;

static int keep_tok(void *ctx, int flags, const char *tok, size_t len, size_t start,
                    size_t end);

/* Search as you type treats the last word as a prefix; once that word is a whole word of
 * the index it is searched as typed (a prefix scan merges the posting lists of every
 * word that extends it, which is slow for common words and adds little). */
static kb_status settle_prefix(kb_store *s, kb_query *q, kb_err *err)
{
    if (!q->nitems)
        return KB_OK;
    kb_qitem *it = &q->items[q->nitems - 1];
    if (!it->implicit_prefix)
        return KB_OK;
    const kb_qseg *sg = &it->segs[it->nsegs - 1];
    toklist l = { .n = 0 };
    kb_tokenize(kb_store_tokenizer(s), sg->text, strlen(sg->text), KB_TOK_QUERY | KB_TOK_PREFIX,
                keep_tok, &l);
    if (!l.n || strlen(l.tok[l.n - 1]) < 3) /* one or two characters: still typing */
        return KB_OK;
    long long df = 0;
    kb_status rc = kb_store_term_df(s, l.tok[l.n - 1], 0, 1, &df, err);
    if (rc == KB_OK && df > 0)
        it->implicit_prefix = 0;
    return rc;
}

/* --- snippets --- */

typedef struct {
    char **terms;
    size_t *lens;
    int *prefix;
    size_t n;
} termset;

static int add_term(void *ctx, const char *tok, size_t len, int prefix)
{
    termset *ts = ctx;
    if (ts->n >= 256)
        return 0;
    ts->terms = kb_xrealloc(ts->terms, (ts->n + 1) * sizeof *ts->terms);
    ts->lens = kb_xrealloc(ts->lens, (ts->n + 1) * sizeof *ts->lens);
    ts->prefix = kb_xrealloc(ts->prefix, (ts->n + 1) * sizeof *ts->prefix);
    ts->terms[ts->n] = kb_xstrndup(tok, len);
    ts->lens[ts->n] = len;
    ts->prefix[ts->n] = prefix;
    ts->n++;
    return 0;
}

static void termset_free(termset *ts)
{
    for (size_t i = 0; i < ts->n; i++)
        free(ts->terms[i]);
    free(ts->terms);
    free(ts->lens);
    free(ts->prefix);
}

typedef struct {
    size_t a, b;
} range;

typedef struct {
    const termset *ts;
    range *r;
    size_t n, cap;
} mark_ctx;

static int mark_tok(void *ctx, int flags, const char *tok, size_t len, size_t start, size_t end)
{
    (void)flags;
    mark_ctx *m = ctx;
    const termset *ts = m->ts;
    int hit = 0;
    for (size_t i = 0; i < ts->n && !hit; i++) {
        if (ts->prefix[i])
            hit = len >= ts->lens[i] && memcmp(tok, ts->terms[i], ts->lens[i]) == 0;
        else
            hit = len == ts->lens[i] && memcmp(tok, ts->terms[i], len) == 0;
    }
    if (!hit)
        return 0;
    if (m->n && start <= m->r[m->n - 1].b) { /* overlapping bigrams merge */
        if (end > m->r[m->n - 1].b)
            m->r[m->n - 1].b = end;
        return 0;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->r = kb_xrealloc(m->r, m->cap * sizeof *m->r);
    }
    m->r[m->n++] = (range){ start, end };
    return 0;
}

static size_t utf8_back(const char *s, size_t i)
{
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Moves i forward by n characters within len. */
static size_t utf8_fwd(const char *s, size_t len, size_t i, size_t n)
{
    while (i < len && n > 0) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    return i;
}

static size_t utf8_chars(const char *s, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Appends text[a, b) HTML-escaped with white space runs folded to one space. */
static void add_plain(kb_buf *out, const char *text, size_t a, size_t b)
{
    size_t i = a;
    while (i < b) {
        size_t j = i;
        while (j < b && text[j] != '\n' && text[j] != '\r' && text[j] != '\t' && text[j] != ' ')
            j++;
        kb_buf_add_html(out, text + i, j - i);
        if (j < b) {
            if (out->len && out->data[out->len - 1] != ' ')
                kb_buf_addc(out, ' ');
            while (j < b && (text[j] == '\n' || text[j] == '\r' || text[j] == '\t' ||
                             text[j] == ' '))
                j++;
        }
        i = j;
    }
}

/* Builds the snippet of one field: the window of about SNIPPET_CHARS characters holding
 * the most marks. Returns the number of marks shown. */
static size_t field_snippet(kb_tokenizer *t, const termset *ts, const char *text, kb_buf *out)
{
    size_t len = strlen(text);
    if (len > SNIPPET_SCAN_BYTES) /* a snippet comes from the start of a long field */
        len = utf8_back(text, SNIPPET_SCAN_BYTES);
    mark_ctx m = { ts, NULL, 0, 0 };
    if (len)
        kb_tokenize(t, text, len, KB_TOK_DOCUMENT, mark_tok, &m);
    size_t best = 0, bestn = 0;
    for (size_t i = 0; i < m.n; i++) {
        size_t n = 0;
        for (size_t j = i; j < m.n && utf8_chars(text, m.r[i].a, m.r[j].b) <= SNIPPET_CHARS; j++)
            n++;
        if (n > bestn) {
            bestn = n;
            best = i;
        }
    }
    size_t a = 0;
    if (m.n) {
        /* start a little before the first mark, at a character boundary */
        size_t back = m.r[best].a;
        size_t steps = 20;
        while (back > 0 && steps > 0) {
            back = utf8_back(text, back - 1);
            steps--;
            if (text[back] == '\n') {
                back++;
                break;
            }
        }
        a = back;
    }
    size_t b = utf8_fwd(text, len, a, SNIPPET_CHARS);
    while (a < len && (text[a] == ' ' || text[a] == '\n'))
        a++;
    if (a > 0)
        kb_buf_adds(out, "…");
    size_t shown = 0;
    size_t pos = a;
    for (size_t i = 0; i < m.n; i++) {
        if (m.r[i].b <= a || m.r[i].a >= b)
            continue;
        size_t ra = m.r[i].a < a ? a : m.r[i].a;
        size_t rb = m.r[i].b > b ? b : m.r[i].b;
        add_plain(out, text, pos, ra);
        kb_buf_adds(out, "<mark>");
        kb_buf_add_html(out, text + ra, rb - ra);
        kb_buf_adds(out, "</mark>");
        pos = rb;
        shown++;
    }
    add_plain(out, text, pos, b);
    if (b < len)
        kb_buf_adds(out, "…");
    free(m.r);
    return shown;
}

static char *make_snippet(kb_tokenizer *t, const termset *ts, const kb_doc *d)
{
    /* in order of preference; the first field with a match wins */
    const char *fields[] = { d->symptom, d->workaround, d->text, d->cause, d->title };
    kb_buf best, cur;
    kb_buf_init(&best, 0);
    kb_buf_init(&cur, 0);
    size_t bestn = 0;
    int have = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!fields[i][0])
            continue;
        kb_buf_reset(&cur);
        size_t n = field_snippet(t, ts, fields[i], &cur);
        if (!have || n > bestn) {
            kb_buf_reset(&best);
            kb_buf_add(&best, cur.data, cur.len);
            bestn = n;
            have = 1;
        }
        if (bestn > 0)
            break;
    }
    kb_buf_free(&cur);
    return kb_buf_detach(&best, NULL);
}

static char *shorten(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return kb_xstrdup(s);
    size_t cut = utf8_back(s, max);
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_buf_add(&b, s, cut);
    kb_buf_adds(&b, "…");
    return kb_buf_detach(&b, NULL);
}

/* --- running --- */

typedef struct {
    long long *rowid;
    double *score;
    int *partial;
    size_t n, cap;
} hitlist;

typedef struct {
    long long rowid;
    double score;
} scored;

typedef struct {
    scored *v;
    size_t n, cap;
} scoredlist;

static void collect(hitlist *h, long long rowid, double score, int partial)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->rowid = kb_xrealloc(h->rowid, h->cap * sizeof *h->rowid);
        h->score = kb_xrealloc(h->score, h->cap * sizeof *h->score);
        h->partial = kb_xrealloc(h->partial, h->cap * sizeof *h->partial);
    }
    h->rowid[h->n] = rowid;
    h->score[h->n] = score;
    h->partial[h->n] = partial;
    h->n++;
}

static void hitlist_free(hitlist *h)
{
    free(h->rowid);
    free(h->score);
    free(h->partial);
}

/* --- inverse document frequencies from the vocabulary --- */

static int keep_tok(void *ctx, int flags, const char *tok, size_t len, size_t start,
                    size_t end)
{
    (void)flags;
    (void)start;
    (void)end;
    toklist *l = ctx;
    if (l->n < 8 && len < sizeof l->tok[0]) {
        memcpy(l->tok[l->n], tok, len);
        l->tok[l->n][len] = '\0';
        l->n++;
    }
    return 0;
}

typedef struct {
    kb_store *s;
    long long ndocs;
    kb_buf *idfs;
    int n;
} idf_ctx;

/* Records the IDF of one phrase: its document frequency is at most that of its rarest
 * token (a phrase is rarer still; the estimate only lowers the IDF a little). */
static void phrase_idf(void *ctx, const char *text, int prefix, int group)
{
    idf_ctx *c = ctx;
    toklist l = { .n = 0 };
    kb_tokenize(kb_store_tokenizer(c->s), text, strlen(text),
                KB_TOK_QUERY | (prefix ? KB_TOK_PREFIX : 0), keep_tok, &l);
    long long df = -1;
    for (size_t i = 0; i < l.n; i++) {
        long long d = 0;
        int pre = prefix && i + 1 == l.n;
        if (kb_store_term_df(c->s, l.tok[i], pre, c->ndocs, &d, NULL) != KB_OK)
            d = c->ndocs;
        if (df < 0 || d < df)
            df = d;
    }
    if (df < 0)
        df = c->ndocs;
    double n = (double)c->ndocs;
    double idf = log((n - (double)df + 0.5) / ((double)df + 0.5));
    kb_buf_addf(c->idfs, "%s%.6f/%d", c->n++ ? "," : "", idf < 1e-6 ? 1e-6 : idf, group);
}

/* Prefix expansion: the most frequent index terms starting with the prefix. */
typedef struct {
    char (*terms)[72];
    long long *df;
    int n, max;
    int seen;
} expand_ctx;

static int expand_term(void *ctx, const char *term, long long df)
{
    expand_ctx *e = ctx;
    size_t len = strlen(term);
    e->seen++;
    if (len >= 72 || (unsigned char)term[0] == 0x1f)
        return 0;
    int pos = e->n;
    while (pos > 0 && e->df[pos - 1] < df)
        pos--;
    if (pos >= e->max)
        return 0;
    int last = e->n < e->max ? e->n : e->max - 1;
    memmove(&e->terms[pos + 1], &e->terms[pos], (size_t)(last - pos) * sizeof e->terms[0]);
    memmove(&e->df[pos + 1], &e->df[pos], (size_t)(last - pos) * sizeof e->df[0]);
    memcpy(e->terms[pos], term, len + 1);
    e->df[pos] = df;
    if (e->n < e->max)
        e->n++;
    return 0;
}

/* FTS5 answers a prefix query by merging the full posting lists of every term with the
 * prefix before returning the first row (37 ms for 打* on 100k documents, three terms).
 * An OR of the terms reads them lazily instead; past `max` terms only the most frequent
 * count, as search engines limit prefix derivations. */
static int expand_prefix(void *ctx, const char *prefix, char (*terms)[72], int max)
{
    kb_store *s = ctx;
    long long df[64];
    if (max > 64)
        max = 64;
    expand_ctx e = { terms, df, 0, max, 0 };
    kb_buf hi;
    kb_buf_init(&hi, 0);
    kb_buf_adds(&hi, prefix);
    kb_buf_add(&hi, "\xf4\x8f\xbf\xbf", 4);
    kb_status rc = kb_store_terms(s, prefix, hi.data, 20000, expand_term, &e, NULL);
    kb_buf_free(&hi);
    return rc == KB_OK ? e.n : -1;
}

/* Builds the tier's expression and the IDFs of its scoring phrases. */
static kb_status build_tier(kb_store *s, const kb_query *q, const kb_synonyms *syn,
                            long long ndocs, kb_tier tier, kb_buf *expr, int *nscore,
                            kb_buf *idfs)
{
    kb_buf_reset(idfs);
    idf_ctx c = { s, ndocs > 0 ? ndocs : 1, idfs, 0 };
    kb_qhooks hooks = { phrase_idf, &c, expand_prefix, s };
    kb_status rc = kb_query_build_hooked(q, syn, kb_store_tokenizer(s), tier, expr, nscore,
                                         &hooks);
    /* only the scoring phrases, which come first */
    size_t commas = 0, i = 0;
    for (; i < idfs->len; i++)
        if (idfs->data[i] == ',' && ++commas == (size_t)*nscore)
            break;
    if (i < idfs->len) {
        idfs->len = i;
        idfs->data[i] = '\0';
    }
    return rc;
}

/* Best first: higher score, then newer. */
static int by_score(const void *a, const void *b)
{
    const double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    if (x != y)
        return x < y ? 1 : -1;
    /* ties: newer first */
    return ((const scored *)a)->rowid < ((const scored *)b)->rowid ? 1 : -1;
}

/* True when x ranks below y (by_score order: higher score first, then newer). */
static int ranks_below(const scored *x, const scored *y)
{
    return x->score < y->score || (x->score == y->score && x->rowid < y->rowid);
}

static void sift_down(scored *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && ranks_below(&h[l], &h[w]))
            w = l;
        if (r < n && ranks_below(&h[r], &h[w]))
            w = r;
        if (w == i)
            return;
        scored t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

static void sift_up(scored *h, size_t i)
{
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!ranks_below(&h[i], &h[up]))
            return;
        scored t = h[i];
        h[i] = h[up];
        h[up] = t;
        i = up;
    }
}

/* One pass over every match: the best `top` rows so far in a heap worst-first (l.v[0] is
 * the row a newcomer must beat), and how many rows matched. */
typedef struct {
    scoredlist l;
    size_t top;
    long long matched;
    kb_rank_floor floor; /* l.v[0]'s score once the heap is full: rows that cannot beat it
                            are not scored (kb_store_fts_scored) */
    const cache *c;
} ranker;

static double usage_factor(const cache *c, long long rowid)
{
    if (!c || !c->nboosts)
        return 1.0;
    boost key = { rowid, 1.0 };
    const boost *b = bsearch(&key, c->boosts, c->nboosts, sizeof key, by_boost_rowid);
    return b ? b->factor : 1.0;
}

static int rank_row(void *ctx, long long rowid, double score)
{
    ranker *k = ctx;
    k->matched++;
    if (score < 0) /* below the floor */
        return 0;
    /* known errors that solved incidents (and helped in suggestions) move up, bounded */
    double f = usage_factor(k->c, rowid);
    if (f != 1.0)
        score = score >= KB_RANK_KNOWN_ERROR
                    ? KB_RANK_KNOWN_ERROR + (score - KB_RANK_KNOWN_ERROR) * f
                    : score * f;
    scored row = { rowid, score };
    scoredlist *l = &k->l;
    if (l->n < k->top) {
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 64;
            l->v = kb_xrealloc(l->v, l->cap * sizeof *l->v);
        }
        l->v[l->n++] = row;
        sift_up(l->v, l->n - 1);
    } else if (ranks_below(&l->v[0], &row)) {
        l->v[0] = row;
        sift_down(l->v, l->n, 0);
    } else {
        return 0;
    }
    if (l->n == k->top)
        k->floor.min = l->v[0].score;
    return 0;
}

/* Ranks every match of expr and keeps the best top in out, best first; *count is how many
 * matched. Rows that cannot reach the top are counted without being scored (an upper
 * bound from their boost level, see kb_rank_floor); `exhaustive` scores every row (the
 * reference kedb-bench --exhaustive compares with). */
static kb_status score_expr(kb_store *s, const char *expr, int nscore, const char *idfs,
                            size_t top, int exhaustive, scoredlist *out, long long *count,
                            kb_err *err)
{
    ranker k = { .top = top ? top : 1, .floor = { -1.0, 1.0 }, .c = kb_store_aux(s) };
    for (size_t i = 0; k.c && i < k.c->nboosts; i++)
        if (k.c->boosts[i].factor > k.floor.factor)
            k.floor.factor = k.c->boosts[i].factor;
    k.l = *out;
    k.l.n = 0;
    kb_status rc = kb_store_fts_scored(s, expr, nscore, idfs, exhaustive ? NULL : &k.floor,
                                       rank_row, &k, err);
    *out = k.l;
    *count = k.matched;
    if (rc != KB_OK)
        return rc;
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, by_score);
    return KB_OK;
}

static int by_rowid(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* How many rows the strict expression matches that the level's does not: the matches so far
 * are the level's and these. */
static kb_status strict_extra(kb_store *s, const kb_buf *strict, const kb_buf *level,
                              long long *n, kb_err *err)
{
    kb_buf e;
    kb_buf_init(&e, 0);
    kb_buf_addf(&e, "(%s) NOT (%s)", kb_buf_str(strict), kb_buf_str(level));
    kb_status rc = kb_store_fts_count(s, e.data, n, err);
    kb_buf_free(&e);
    return rc;
}

/* Appends the window [offset, offset+limit) of the lists one after the other, each row
 * once (where it first appears), marked partial as its list is. A later list is reached
 * only when the earlier ones held fewer than offset + limit rows, so the rows seen stay
 * few; and each list needs only its best 2 * (offset + limit) rows (at most offset + limit
 * of them can be rows seen before). */
static void take_lists(const scoredlist *const *lists, const int *partial, size_t nlists,
                       size_t offset, size_t limit, hitlist *h)
{
    long long *seen = NULL;
    size_t nseen = 0, cap = 0;
    size_t pos = 0;
    for (size_t k = 0; k < nlists && h->n < limit; k++) {
        const scoredlist *l = lists[k];
        size_t n0 = nseen;
        if (n0)
            qsort(seen, n0, sizeof *seen, by_rowid);
        for (size_t i = 0; i < l->n && h->n < limit; i++) {
            if (n0 && bsearch(&l->v[i].rowid, seen, n0, sizeof *seen, by_rowid))
                continue;
            if (pos++ >= offset)
                collect(h, l->v[i].rowid, l->v[i].score, partial ? partial[k] : 0);
            if (nseen == cap) {
                cap = cap ? cap * 2 : 32;
                seen = kb_xrealloc(seen, cap * sizeof *seen);
            }
            seen[nseen++] = l->v[i].rowid;
        }
    }
    free(seen);
}

/* True when two expressions differ at most in parentheses (the same search). */
static int same_expr(const char *a, const char *b)
{
    for (;;) {
        while (*a == '(' || *a == ')')
            a++;
        while (*b == '(' || *b == ')')
            b++;
        if (*a != *b)
            return 0;
        if (!*a)
            return 1;
        a++;
        b++;
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static const char *const known_types[] = { KB_TYPE_KNOWN_ERROR, KB_TYPE_ARTICLE,
                                           KB_TYPE_DOCUMENT, KB_TYPE_TICKET };

static int valid_type(const char *t)
{
    for (size_t i = 0; i < 4; i++)
        if (strcmp(t, known_types[i]) == 0)
            return 1;
    return 0;
}

static int valid_word(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 32)
        return 0;
    for (; *v; v++)
        if (!((*v >= 'a' && *v <= 'z') || *v == '_'))
            return 0;
    return 1;
}

/* --- understanding the query --- */

#define MAX_DROPPED 32

static void note_drop(void *ctx, const char *word, kb_drop_why why)
{
    kb_search_result *r = ctx;
    if (r->ndropped >= MAX_DROPPED || !word[0])
        return;
    for (size_t i = 0; i < r->ndropped; i++)
        if (strcmp(r->dropped[i].word, word) == 0)
            return;
    r->dropped = kb_xrealloc(r->dropped, (r->ndropped + 1) * sizeof *r->dropped);
    r->dropped[r->ndropped].word = kb_xstrdup(word);
    r->dropped[r->ndropped].why = (int)why;
    r->ndropped++;
}

/* Upper bound of how many items hold a one-word item: its rarest token's count, as typed
 * or (prefix) as the start of a word. */
static long long tokens_df(kb_store *s, const kb_qseg *sg, int prefix, long long ndocs)
{
    toklist l = { .n = 0 };
    kb_tokenize(kb_store_tokenizer(s), sg->text, strlen(sg->text),
                KB_TOK_QUERY | (prefix ? KB_TOK_PREFIX : 0), keep_tok, &l);
    long long df = -1;
    for (size_t i = 0; i < l.n; i++) {
        long long d = 0;
        int pre = prefix && i + 1 == l.n;
        if (kb_store_term_df(s, l.tok[i], pre, ndocs, &d, NULL) != KB_OK)
            return ndocs;
        if (df < 0 || d < df)
            df = d;
    }
    return df < 0 ? ndocs : df;
}

/* The same for a word of the query: a word still being typed (implicit prefix) is searched
 * both as typed and as a prefix, so it is known when either is. */
static long long word_df(kb_store *s, const kb_qitem *it, long long ndocs)
{
    const kb_qseg *sg = &it->segs[0];
    int one_cjk = sg->kind == KB_SEG_CJK && sg->nchars == 1;
    if (it->prefix || one_cjk)
        return tokens_df(s, sg, 1, ndocs);
    long long df = tokens_df(s, sg, 0, ndocs);
    if (df == 0 && it->implicit_prefix)
        df = tokens_df(s, sg, 1, ndocs);
    return df;
}

static int plain_word(const kb_query *q, size_t i)
{
    const kb_qitem *it = &q->items[i];
    return !it->negated && !it->quoted && it->nsegs == 1 && !it->or_next &&
           !(i > 0 && q->items[i - 1].or_next);
}

/* True when item i is part of two or three consecutive words that spell a synonym
 * ("blue screen"). */
static int in_multiword(const kb_query *q, size_t i, const kb_synonyms *syn, kb_tokenizer *t)
{
    for (size_t n = 2; n <= 3; n++) {
        for (size_t a = i + 1 >= n ? i + 1 - n : 0; a <= i && a + n <= q->nitems; a++) {
            kb_buf j;
            kb_buf_init(&j, 0);
            int ok = 1;
            for (size_t k = a; k < a + n && ok; k++) {
                ok = plain_word(q, k);
                if (k > a)
                    kb_buf_addc(&j, ' ');
                if (ok)
                    kb_buf_adds(&j, q->items[k].segs[0].text);
            }
            ok = ok && kb_synonyms_group(syn, t, kb_buf_str(&j)) >= 0;
            kb_buf_free(&j);
            if (ok)
                return 1;
        }
    }
    return 0;
}

/* Leaves out the words that no item holds (and no synonym stands for), reporting them. */
static void drop_unknown(kb_store *s, kb_query *q, const kb_synonyms *syn, long long ndocs,
                         kb_search_result *r)
{
    kb_tokenizer *t = kb_store_tokenizer(s);
    int gone[KB_QUERY_MAX_ITEMS] = { 0 };
    for (size_t i = 0; i < q->nitems && i < KB_QUERY_MAX_ITEMS; i++) {
        kb_qitem *it = &q->items[i];
        gone[i] = plain_word(q, i) && kb_synonyms_group(syn, t, it->segs[0].text) < 0 &&
                  !in_multiword(q, i, syn, t) && word_df(s, it, ndocs > 0 ? ndocs : 1) == 0;
    }
    size_t w = 0;
    for (size_t i = 0; i < q->nitems; i++) {
        kb_qitem *it = &q->items[i];
        if (i < KB_QUERY_MAX_ITEMS && gone[i]) {
            note_drop(r, it->segs[0].text, KB_DROP_UNKNOWN);
            free(it->segs[0].text);
            free(it->segs);
            continue;
        }
        q->items[w++] = *it;
    }
    q->nitems = w;
}

/* The words searched for, for the response. */
static void note_words(const kb_query *q, kb_search_result *r)
{
    for (size_t i = 0; i < q->nitems; i++) {
        const kb_qitem *it = &q->items[i];
        if (it->negated)
            continue;
        kb_buf b;
        kb_buf_init(&b, 0);
        for (size_t k = 0; k < it->nsegs; k++) {
            if (k)
                kb_buf_addc(&b, ' ');
            kb_buf_adds(&b, it->segs[k].text);
        }
        r->words = kb_xrealloc(r->words, (r->nwords + 1) * sizeof *r->words);
        r->words[r->nwords++] = kb_buf_detach(&b, NULL);
    }
}

/* Marks the most frequent plain words of a query of more than KB_QUERY_MAX_MATCH_ITEMS
 * units relax_out, so that at most that many take part in relaxing; returns how many do. */
static size_t relax_out_common(kb_store *s, kb_query *q, size_t nunits, long long ndocs)
{
    long long df[KB_QUERY_MAX_ITEMS];
    for (size_t i = 0; i < q->nitems && i < KB_QUERY_MAX_ITEMS; i++)
        df[i] = plain_word(q, i) && !q->items[i].required
                    ? word_df(s, &q->items[i], ndocs > 0 ? ndocs : 1)
                    : -1;
    while (nunits > KB_QUERY_MAX_MATCH_ITEMS) {
        size_t worst = KB_QUERY_MAX_ITEMS;
        for (size_t i = 0; i < q->nitems && i < KB_QUERY_MAX_ITEMS; i++)
            if (df[i] >= 0 && !q->items[i].relax_out &&
                (worst == KB_QUERY_MAX_ITEMS || df[i] > df[worst]))
                worst = i;
        if (worst == KB_QUERY_MAX_ITEMS)
            break; /* the rest are codes, phrases or OR groups: no relaxing */
        q->items[worst].relax_out = 1;
        nunits--;
    }
    return nunits;
}

/* Positive units that relaxing never leaves out. */
static size_t required_units(const kb_query *q)
{
    size_t n = 0;
    for (size_t i = 0; i < q->nitems; i++)
        n += !q->items[i].negated && q->items[i].required && !q->items[i].relax_out;
    return n;
}

/* Positive units of a query: items, an OR chain counting once. */
static size_t positive_units(const kb_query *q)
{
    size_t n = 0;
    for (size_t i = 0; i < q->nitems; i++) {
        if (q->items[i].negated)
            continue;
        n++;
        while (q->items[i].or_next && i + 1 < q->nitems)
            i++;
    }
    return n;
}

kb_status kb_search_run(kb_store *s, const kb_search_opts *opts, kb_search_result **out,
                        kb_err *err)
{
    *out = NULL;
    double t0 = now_ms();
    if (opts->type && opts->type[0] && !valid_type(opts->type))
        return kb_err_set(err, KB_EINVAL,
                          "unknown type '%.40s' (known_error, article, document, ticket)",
                          opts->type);
    if (opts->status && opts->status[0] && !valid_word(opts->status))
        return kb_err_set(err, KB_EINVAL, "bad status '%.40s'", opts->status);
    size_t limit = opts->limit ? opts->limit : 10;
    if (limit > KB_SEARCH_MAX_LIMIT)
        limit = KB_SEARCH_MAX_LIMIT;
    cache *cc = get_cache(s);
    char *key = result_key(opts, limit);
    const kb_search_result *cached = result_find(cc, key);
    if (cached) {
        *out = result_copy(cached);
        (*out)->took_ms = now_ms() - t0;
        free(key);
        return KB_OK;
    }
    kb_tokenizer *t = kb_store_tokenizer(s);
    /* one read snapshot for the whole search: its dozens of term look-ups then cost 0.3 us
     * each instead of 6 (kb_store_read_begin) */
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK) {
        free(key);
        return rc;
    }
    kb_search_result *r = kb_xcalloc(1, sizeof *r);
    const char *qs = opts->q ? opts->q : "";
    kb_query *q = NULL;
    rc = kb_query_parse(t, qs, strlen(qs), &q, err);
    if (rc != KB_OK) {
        kb_store_read_end(s, own);
        kb_search_result_free(r);
        free(key);
        return rc;
    }
    if (opts->type && opts->type[0])
        kb_query_add_filter(q, "type", opts->type);
    if (opts->status && opts->status[0])
        kb_query_add_filter(q, "status", opts->status);
    for (size_t i = 0; opts->hide_drafts && kb_version_wip_statuses[i]; i++)
        kb_query_exclude(q, "status", kb_version_wip_statuses[i]);
    const kb_synonyms *syn = cc->syn;
    kb_buf expr, loose, strict, idfs;
    kb_buf_init(&expr, 0);
    kb_buf_init(&loose, 0);
    kb_buf_init(&strict, 0);
    kb_buf_init(&idfs, 0);
    hitlist h = { 0 };
    termset ts = { 0 };
    kb_query *uq = NULL;
    scoredlist sset = { 0 };
    scoredlist levels[KB_QUERY_MAX_MATCH_ITEMS + 1];
    memset(levels, 0, sizeof levels);
    size_t nlevels = 0;
    int fixed = correct_typos(s, q, syn, err);
    if (fixed < 0) {
        rc = KB_EDB;
        goto out;
    }
    rc = settle_prefix(s, q, err);
    if (rc != KB_OK)
        goto out;
    if (fixed) {
        kb_buf dym;
        kb_buf_init(&dym, 0);
        kb_query_format(q, &dym);
        r->did_you_mean = kb_buf_detach(&dym, NULL);
    }
    kb_buf qf;
    kb_buf_init(&qf, 0);
    kb_query_format(q, &qf);
    r->query = kb_buf_detach(&qf, NULL);
    r->total_exact = 1;

    /* Understanding: the words worth searching for (stop words and words no item holds
     * are left out and reported). Tiers: the query as typed (each Chinese run one phrase)
     * comes first, then every item holding all the words, then, while the page is not full,
     * items holding fewer of them (at least half, or any one when nothing else matches). */
    rc = kb_understand_query(t, q, kb_understand_store_df, s, syn, note_drop, r, &uq);
    if (rc != KB_OK)
        goto out;
    drop_unknown(s, uq, syn, cc->ndocs, r);
    note_words(uq, r);
    size_t nunits = positive_units(uq);
    if (nunits == 0 && positive_units(q) > 0) { /* every word was left out: nothing */
        r->total = 0;
        goto hits;
    }
    int nscore_s = 0, nscore_l = 0;
    rc = build_tier(s, uq, syn, cc->ndocs, KB_TIER_LOOSE, &loose, &nscore_l, &idfs);
    if (rc == KB_ENOTFOUND) {
        rc = KB_OK;
        r->total = 0;
        goto hits;
    }
    if (rc != KB_OK)
        goto out;
    long long count = 0;
    size_t need = opts->offset + limit;
    size_t top = 2 * need + 16; /* enough of each list for the window (see take_lists) */
    int exh = opts->exhaustive;
    rc = score_expr(s, loose.data, nscore_l, idfs.data, top, exh, &levels[0], &count, err);
    if (rc != KB_OK)
        goto out;
    nlevels = 1;
    /* the strict pass adds something only where the query as typed differs from its words
     * (a Chinese run cut into several words, stop words taken out): compare without
     * synonyms, which only the word tiers use */
    int nplain = 0; /* kb_query_build's phrase count, not needed here */
    int with_strict = 0;
    rc = kb_query_build(uq, NULL, t, KB_TIER_LOOSE, &expr, &nplain);
    if (rc == KB_OK || rc == KB_ENOTFOUND)
        rc = build_tier(s, q, NULL, cc->ndocs, KB_TIER_STRICT, &strict, &nscore_s, &idfs);
    if (rc == KB_OK && !same_expr(strict.data, loose.data) &&
        !same_expr(strict.data, kb_buf_str(&expr))) {
        long long scount = 0;
        rc = score_expr(s, strict.data, nscore_s, idfs.data, top, exh, &sset, &scount, err);
        if (rc != KB_OK)
            goto out;
        with_strict = scount > 0;
    } else if (rc == KB_ENOTFOUND) {
        rc = KB_OK;
    } else if (rc != KB_OK) {
        goto out;
    }
    /* the levels are nested (fewer words required, more items): the matches so far are the
     * last level's and the strict ones it lacks. Whether to relax depends on the page size
     * only, so that every page of one query comes from the same levels. */
    long long extra = 0;
    if (with_strict && (rc = strict_extra(s, &strict, &loose, &extra, err)) != KB_OK)
        goto out;
    long long found = count + extra;
    /* a long query relaxes over its KB_QUERY_MAX_MATCH_ITEMS rarest words */
    size_t nrel = nunits > KB_QUERY_MAX_MATCH_ITEMS && found < (long long)limit
                      ? relax_out_common(s, uq, nunits, cc->ndocs)
                      : nunits;
    size_t floor_m = (nrel + 1) / 2;
    size_t nreq = required_units(uq);
    for (size_t m = nrel - 1; !opts->all_words && nrel >= 2 &&
                                nrel <= KB_QUERY_MAX_MATCH_ITEMS && m >= 1 && m >= nreq &&
                                found < (long long)limit && (m >= floor_m || found == 0);
         m--) {
        uq->min_match = m;
        rc = build_tier(s, uq, syn, cc->ndocs, KB_TIER_LOOSE, &expr, &nscore_l, &idfs);
        if (rc != KB_OK)
            break;
        long long c2 = 0;
        rc = score_expr(s, expr.data, nscore_l, idfs.data, top, exh, &levels[nlevels], &c2,
                        err);
        if (rc != KB_OK)
            break;
        extra = 0;
        if (with_strict && (rc = strict_extra(s, &strict, &expr, &extra, err)) != KB_OK)
            break;
        found = c2 + extra;
        nlevels++;
        r->min_match = m;
    }
    if (rc == KB_ENOTFOUND)
        rc = KB_OK;
    r->total = found;
    r->total_exact = 1;
    if (rc != KB_OK)
        goto out;
    const scoredlist *lists[KB_QUERY_MAX_MATCH_ITEMS + 2];
    int partial[KB_QUERY_MAX_MATCH_ITEMS + 2];
    size_t nl = 0;
    lists[nl] = &sset;
    partial[nl++] = 0;
    for (size_t k = 0; k < nlevels; k++) {
        lists[nl] = &levels[k];
        partial[nl++] = k > 0;
    }
    take_lists(lists, partial, nl, opts->offset, limit, &h);

hits:
    kb_query_terms(uq && uq->nitems ? uq : q, syn, t, add_term, &ts);
    r->hits = kb_xcalloc(h.n ? h.n : 1, sizeof *r->hits);
    for (size_t i = 0; i < h.n; i++) {
        kb_doc *d = NULL;
        rc = kb_store_doc_brief(s, h.rowid[i], &d, err);
        if (rc == KB_ENOTFOUND) { /* removed between the two reads */
            rc = KB_OK;
            continue;
        }
        if (rc != KB_OK)
            goto out;
        kb_search_hit *hit = &r->hits[r->nhits++];
        hit->id = kb_xstrdup(d->id);
        hit->type = kb_xstrdup(d->type);
        hit->title = kb_xstrdup(d->title);
        hit->status = kb_xstrdup(d->status);
        hit->version = kb_xstrdup(d->version);
        hit->updated = kb_xstrdup(d->updated);
        hit->workaround = shorten(d->workaround, WORKAROUND_BYTES);
        hit->snippet = make_snippet(t, &ts, d);
        hit->score = h.score[i] >= KB_RANK_KNOWN_ERROR ? h.score[i] - KB_RANK_KNOWN_ERROR
                                                       : h.score[i];
        hit->rowid = h.rowid[i];
        hit->partial = h.partial[i];
        kb_doc_free(d);
    }
out:
    termset_free(&ts);
    hitlist_free(&h);
    for (size_t k = 0; k < KB_QUERY_MAX_MATCH_ITEMS + 1; k++)
        free(levels[k].v);
    free(sset.v);
    kb_query_free(uq);
    kb_buf_free(&expr);
    kb_buf_free(&loose);
    kb_buf_free(&strict);
    kb_buf_free(&idfs);
    kb_query_free(q);
    kb_store_read_end(s, own);
    if (rc != KB_OK) {
        kb_search_result_free(r);
        free(key);
        return rc;
    }
    r->took_ms = now_ms() - t0;
    result_keep(cc, key, r);
    free(key);
    *out = r;
    return KB_OK;
}

void kb_search_result_free(kb_search_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nhits; i++) {
        kb_search_hit *h = &r->hits[i];
        free(h->id);
        free(h->type);
        free(h->title);
        free(h->snippet);
        free(h->workaround);
        free(h->status);
        free(h->version);
        free(h->updated);
    }
    free(r->hits);
    for (size_t i = 0; i < r->nwords; i++)
        free(r->words[i]);
    free(r->words);
    for (size_t i = 0; i < r->ndropped; i++)
        free(r->dropped[i].word);
    free(r->dropped);
    free(r->query);
    free(r->did_you_mean);
    free(r);
}

/* --- completion --- */

typedef struct {
    char **v;
    size_t n, max;
} strlist;

static int push_unique(strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 0;
    if (l->n >= l->max)
        return 1;
    l->v[l->n++] = kb_xstrdup(s);
    return 0;
}

typedef struct {
    long long df;
    char term[64];
} cand;

typedef struct {
    cand c[8];
    size_t n;
} topterms;

static int top_term(void *ctx, const char *term, long long df)
{
    topterms *tt = ctx;
    size_t len = strlen(term);
    if (len >= 64 || (unsigned char)term[0] == 0x1f)
        return 0;
    size_t pos = tt->n;
    while (pos > 0 && tt->c[pos - 1].df < df)
        pos--;
    if (pos >= 8)
        return 0;
    size_t last = tt->n < 8 ? tt->n : 7;
    memmove(&tt->c[pos + 1], &tt->c[pos], (last - pos) * sizeof tt->c[0]);
    tt->c[pos].df = df;
    memcpy(tt->c[pos].term, term, len + 1);
    if (tt->n < 8)
        tt->n++;
    return 0;
}

kb_status kb_search_complete(kb_store *s, const char *qs, size_t max, char ***out, size_t *n,
                             kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (max == 0 || max > 50)
        max = 10;
    strlist l = { kb_xcalloc(max, sizeof(char *)), 0, max };
    kb_tokenizer *t = kb_store_tokenizer(s);
    kb_query *q = NULL;
    kb_status rc = kb_query_parse(t, qs ? qs : "", qs ? strlen(qs) : 0, &q, err);
    kb_buf expr;
    kb_buf_init(&expr, 0);
    hitlist h = { 0 };
    int nscore = 0;
    /* titles that hold the words of the query as search understands them */
    kb_query *uq = NULL;
    if (rc == KB_OK && q->nitems)
        rc = kb_understand_query(t, q, kb_understand_store_df, s, get_cache(s)->syn, NULL, NULL, &uq);
    if (rc == KB_OK && uq && uq->nitems &&
        kb_query_build_titles(uq, t, &expr, &nscore) == KB_OK) {
        long long count = 0;
        scoredlist titles = { 0 };
        rc = score_expr(s, expr.data, nscore, NULL, 2 * max + 16, 0, &titles, &count, err);
        if (rc == KB_OK)
        {
            const scoredlist *one[1] = { &titles };
            take_lists(one, NULL, 1, 0, max, &h);
        }
        free(titles.v);
        for (size_t i = 0; rc == KB_OK && i < h.n; i++) {
            kb_doc *d = NULL;
            if (kb_store_doc_brief(s, h.rowid[i], &d, NULL) == KB_OK)
                push_unique(&l, d->title);
            kb_doc_free(d);
        }
    }
    /* index words that extend the last word */
    if (rc == KB_OK && q->nitems && l.n < max) {
        const kb_qitem *it = &q->items[q->nitems - 1];
        const kb_qseg *sg = &it->segs[it->nsegs - 1];
        if (sg->kind == KB_SEG_WORD && sg->nchars >= 2 && ascii_word(sg->text) &&
            it->implicit_prefix) {
            kb_buf hi;
            kb_buf_init(&hi, 0);
            kb_buf_adds(&hi, sg->text);
            kb_buf_addc(&hi, '\x7f');
            topterms tt = { .n = 0 };
            rc = kb_store_terms(s, sg->text, hi.data, 5000, top_term, &tt, err);
            kb_buf_free(&hi);
            for (size_t i = 0; rc == KB_OK && i < tt.n && l.n < max; i++) {
                if (strcmp(tt.c[i].term, sg->text) == 0)
                    continue;
                push_unique(&l, tt.c[i].term);
            }
        }
    }
    hitlist_free(&h);
    kb_buf_free(&expr);
    kb_query_free(uq);
    kb_query_free(q);
    if (rc != KB_OK) {
        kb_search_strings_free(l.v, l.n);
        return rc;
    }
    *out = l.v;
    *n = l.n;
    return KB_OK;
}

void kb_search_strings_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}
