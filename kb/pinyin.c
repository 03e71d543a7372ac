/* Pinyin readings and homophone correction against the index's bigram frequencies. */
#include "kb_pinyin.h"

#include <string.h>

#include <unicode/utf8.h>

/* build/gen/pinyin_data.c (tools/gen_pinyin.c) */
#define FIRST_CP 0x4E00
#define LAST_CP 0x9FFF
extern const int kb_pinyin_nsyl;
extern const char kb_pinyin_syl[][8];
extern const uint16_t kb_pinyin_of[];
extern const uint16_t kb_pinyin_chars[];
extern const uint16_t kb_pinyin_first[];
extern const uint16_t kb_pinyin_ncommon[];

/* A replacement must make the bigrams it changes this many times as frequent when they
 * all exist already. */
#define RATIO 10
/* A replacement's bigram must be a usual continuation of its first character: at least
 * 1/USUAL of the bigrams that start with it in the index (登录 is 59 % of 登 in samples/;
 * 司所, found inside 公司所有, 2.4 % of 司). */
#define USUAL 20
/* Terms read per range scan (the bigrams that start with one character), and how many
 * of them cost as much as one look-up in the budget. */
#define SCAN_ROWS 400
#define ROWS_PER_LOOKUP 16
/* Replacements tried per position from the syllable's list (common characters first). */
#define LIST_CANDS 48
/* Characters of the first syllable tried when both characters of a pair are replaced. */
#define PAIR_CANDS 12
#define MAX_CANDS 64

/* Grammar, not vocabulary: characters that a query holds on their own (不 in 发不出去, 了
 * in 开不了机) and that a homophone would turn into a word of the index (发布), so they are
 * never replaced. Particles, negations, pronouns, common adverbs and verbs. */
static const char function_chars[] = "不没别未了的地得着过吗呢吧啊呀哦么很太更最都也还就又再才"
                                     "在是有和跟与或把被给让从对向我你您他她它们这那哪谁啥怎什"
                                     "个些上下来去出进回到说要会能可用做想看";

static int is_function_char(uint32_t cp)
{
    char u8[8];
    int k = 0;
    U8_APPEND_UNSAFE(u8, k, cp);
    u8[k] = 0;
    return strstr(function_chars, u8) != NULL;
}

static unsigned syl_of(uint32_t cp)
{
    return cp >= FIRST_CP && cp <= LAST_CP ? kb_pinyin_of[cp - FIRST_CP] : 0;
}

const char *kb_pinyin_of_char(uint32_t cp)
{
    unsigned s = syl_of(cp);
    return s ? kb_pinyin_syl[s] : NULL;
}

kb_status kb_pinyin_of_text(const char *text, size_t len, kb_buf *out)
{
    int32_t at = 0;
    int sep = 0; /* 1 after a syllable, 2 after other text */
    while ((size_t)at < len) {
        UChar32 c;
        U8_NEXT(text, at, (int32_t)len, c);
        if (c < 0)
            continue;
        const char *p = kb_pinyin_of_char((uint32_t)c);
        kb_status rc = KB_OK;
        if (p) {
            if (sep)
                rc = kb_buf_addc(out, ' ');
            if (rc == KB_OK)
                rc = kb_buf_adds(out, p);
            sep = 1;
        } else {
            char u8[4];
            int k = 0;
            U8_APPEND_UNSAFE(u8, k, c);
            if (sep == 1 && c != ' ')
                rc = kb_buf_addc(out, ' ');
            if (rc == KB_OK)
                rc = kb_buf_add(out, u8, (size_t)k);
            sep = c == ' ' ? 0 : 2;
        }
        if (rc != KB_OK)
            return rc;
    }
    return KB_OK;
}

/* --- correction --- */

typedef struct {
    kb_store *s;
    kb_err *err;
    int *budget;
    int failed; /* a database error */
    uint32_t cp[KB_PINYIN_MAX_RUN];
    unsigned syl[KB_PINYIN_MAX_RUN];      /* 0: never replaced */
    unsigned char gram[KB_PINYIN_MAX_RUN]; /* a function character */
    long long df[KB_PINYIN_MAX_RUN]; /* df[i]: bigram cp[i] cp[i+1] */
    size_t n;
} fixer;

static size_t pair_utf8(char *out, uint32_t a, uint32_t b)
{
    int k = 0;
    U8_APPEND_UNSAFE(out, k, a);
    if (b)
        U8_APPEND_UNSAFE(out, k, b);
    out[k] = 0;
    return (size_t)k;
}

/* Document frequency of the bigram ab; -1 when the budget is spent or the store failed. */
static long long bigram_df(fixer *f, uint32_t a, uint32_t b)
{
    if (f->failed || *f->budget <= 0)
        return -1;
    (*f->budget)--;
    char t[12];
    pair_utf8(t, a, b);
    long long df = 0;
    if (kb_store_term_df(f->s, t, 0, 0, &df, f->err) != KB_OK) {
        f->failed = 1;
        return -1;
    }
    return df;
}

typedef struct {
    uint32_t x;
    long long left, right; /* df of the bigrams with the left / right neighbour, -1 unknown */
} cand;

typedef struct {
    unsigned syl;
    uint32_t skip;
    cand *c;
    size_t n;
    size_t rows;
    long long sum; /* df of all the two-character terms read */
} scan_ctx;

/* Keeps the two-character terms whose second character has the syllable wanted (none
 * when syl is 0: only the sum is wanted). */
static int scan_term(void *ctx, const char *term, long long df)
{
    scan_ctx *sc = ctx;
    sc->rows++;
    int32_t len = (int32_t)strlen(term), at = 0;
    UChar32 a, b;
    U8_NEXT(term, at, len, a);
    if (at >= len || a < 0)
        return 0;
    U8_NEXT(term, at, len, b);
    if (at != len || b < 0)
        return 0;
    sc->sum += df;
    if (!sc->syl || (uint32_t)b == sc->skip || syl_of((uint32_t)b) != sc->syl)
        return 0;
    if (sc->n < MAX_CANDS)
        sc->c[sc->n++] = (cand){ (uint32_t)b, df, -1 };
    return 0;
}

/* The bigrams of the index that start with a and end in a character of syllable syl other
 * than skip. Returns how many went into c; *complete is 0 when the scan was cut short;
 * *sum (may be NULL) gets the frequency of all bigrams read. */
static size_t scan_after(fixer *f, uint32_t a, unsigned syl, uint32_t skip, cand *c,
                         int *complete, long long *sum)
{
    *complete = 0;
    if (f->failed || *f->budget <= 0)
        return 0;
    (*f->budget)--;
    char lo[8], hi[12];
    size_t k = pair_utf8(lo, a, 0);
    memcpy(hi, lo, k);
    memcpy(hi + k, "\xf4\x8f\xbf\xbf", 5); /* above any character that can follow */
    scan_ctx sc = { syl, skip, c, 0, 0, 0 };
    if (kb_store_terms(f->s, lo, hi, SCAN_ROWS, scan_term, &sc, f->err) != KB_OK) {
        f->failed = 1;
        return 0;
    }
    if (sum)
        *sum = sc.sum;
    /* a look-up costs one; reading 400 terms as much as 25 look-ups */
    *f->budget -= (int)(sc.rows / ROWS_PER_LOOKUP);
    if (*f->budget < 0)
        *f->budget = 0;
    *complete = sc.rows < SCAN_ROWS && sc.n < MAX_CANDS;
    return sc.n;
}

/* Characters other than skip with syllable syl, common ones first, at most max. */
static size_t list_of(unsigned syl, uint32_t skip, size_t max, uint32_t *out)
{
    size_t n = 0;
    size_t end = kb_pinyin_first[syl] + kb_pinyin_ncommon[syl];
    for (size_t i = kb_pinyin_first[syl]; i < end && n < max; i++) {
        uint32_t x = FIRST_CP + kb_pinyin_chars[i];
        if (x != skip)
            out[n++] = x;
    }
    return n;
}

/* Whether a left-hand frequency can still pass judge(): a bigram that exists must not
 * become rarer, and when nothing around j is missing it must become RATIO times as
 * frequent. */
static int left_ok(const fixer *f, size_t j, int zero_adj, long long left)
{
    long long old = f->df[j - 1];
    return old == 0 ? 1 : left >= (zero_adj ? old : old * RATIO);
}

/* Replacements for position j: candidates with their bigram frequencies on both sides
 * (0 where the bigram does not exist, -1 where there is no neighbour). With a left
 * neighbour they come from the index (the bigrams that start with it); else, or when
 * those are too many to read, from the syllable's common characters, looked up one by one
 * and only where a bigram next to j is missing. */
static size_t candidates(fixer *f, size_t j, cand *c)
{
    unsigned syl = f->syl[j];
    int zero_adj = (j > 0 && f->df[j - 1] == 0) || (j + 1 < f->n && f->df[j] == 0);
    size_t n = 0;
    int complete = 0;
    if (j > 0) {
        size_t m = scan_after(f, f->cp[j - 1], syl, f->cp[j], c, &complete, NULL);
        for (size_t i = 0; i < m; i++)
            if (left_ok(f, j, zero_adj, c[i].left))
                c[n++] = c[i];
    }
    if (!complete && zero_adj) {
        uint32_t xs[LIST_CANDS];
        size_t nx = list_of(syl, f->cp[j], LIST_CANDS, xs);
        n = 0;
        for (size_t i = 0; i < nx; i++) {
            long long l = -1, r = -1;
            if (j > 0 && ((l = bigram_df(f, f->cp[j - 1], xs[i])) <= 0 ||
                          !left_ok(f, j, zero_adj, l)))
                continue;
            if (j == 0 && (r = bigram_df(f, xs[i], f->cp[j + 1])) <= 0)
                continue;
            c[n++] = (cand){ xs[i], l, r };
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (j + 1 < f->n && c[i].right < 0)
            c[i].right = bigram_df(f, c[i].x, f->cp[j + 1]);
        if (f->failed || (j + 1 < f->n && c[i].right < 0))
            return i; /* budget spent: the rest is unknown */
    }
    return n;
}

typedef struct {
    int fixed;         /* bigrams that did not exist and do now */
    long long min_new; /* least frequency among the changed bigrams that exist */
} gain;

/* Whether replacing position j with candidate c is an improvement, and by how much. A
 * bigram that exists must not become rarer; when none was missing, every changed one must
 * become RATIO times as frequent. */
static int judge(const fixer *f, size_t j, const cand *c, gain *g)
{
    long long olds[2] = { j > 0 ? f->df[j - 1] : -1, j + 1 < f->n ? f->df[j] : -1 };
    long long news[2] = { c->left, c->right };
    g->fixed = 0;
    g->min_new = -1;
    int all_ratio = 1, any = 0;
    for (int k = 0; k < 2; k++) {
        if (olds[k] < 0)
            continue;
        if (news[k] > 0 && (g->min_new < 0 || news[k] < g->min_new))
            g->min_new = news[k];
        if (olds[k] == 0) {
            g->fixed += news[k] > 0;
            continue;
        }
        any = 1;
        if (news[k] < olds[k])
            return 0;
        if (news[k] < olds[k] * RATIO)
            all_ratio = 0;
    }
    if (g->fixed > 0)
        return 1;
    return any && all_ratio && g->min_new > 0;
}

static int better(const gain *a, const gain *b)
{
    return a->fixed != b->fixed ? a->fixed > b->fixed : a->min_new > b->min_new;
}

/* A replacement that passed judge(), waiting for plausible(). */
typedef struct {
    size_t j;
    cand c;
    gain g;
    int rejected;
} pick;
#define MAX_PICKS 64
#define VERIFY_TRIES 3

/* Whether bigram ab (df > 0) is at least 1/USUAL of the bigrams starting with a: a word
 * rather than two words meeting. 1 yes, 0 no, -1 budget spent or store failed. */
static int usual(fixer *f, uint32_t a, long long df)
{
    cand c[1]; /* unused: syllable 0 keeps no candidate */
    int complete;
    long long sum = 0;
    scan_after(f, a, 0, 0, c, &complete, &sum);
    if (f->failed || (!complete && sum == 0))
        return -1;
    return df * USUAL >= sum; /* a scan cut short gives a lower sum: a lenient answer */
}

/* Whether replacing position j with c leaves the run mostly made of bigrams the index
 * has (more than half of those between two characters that are not function characters:
 * 不了 or 陆不 say nothing about spelling) and makes at least one usual bigram. 1 yes, 0 no,
 * -1 budget spent or store failed. */
static int plausible(fixer *f, size_t j, const cand *c)
{
    size_t known = 0, counted = 0;
    for (size_t i = 0; i + 1 < f->n; i++) {
        if (f->gram[i] || f->gram[i + 1])
            continue;
        long long df = i + 1 == j ? c->left : i == j ? c->right : f->df[i];
        known += df > 0;
        counted++;
    }
    if (counted && 2 * known <= counted)
        return 0;
    int r = 0;
    if (j > 0 && c->left > 0)
        r = usual(f, f->cp[j - 1], c->left);
    if (r == 0 && j + 1 < f->n && c->right > 0)
        r = usual(f, c->x, c->right);
    return r;
}

/* Both characters of a two-character run that no item contains: the most frequent bigram
 * with the same two syllables. */
static int fix_pair(fixer *f)
{
    uint32_t xs[PAIR_CANDS + 1];
    size_t nx = list_of(f->syl[0], 0, PAIR_CANDS, xs);
    long long best = 0;
    uint32_t bx = 0, by = 0;
    for (size_t i = 0; i < nx && !f->failed && *f->budget > 0; i++) {
        if (xs[i] == f->cp[0])
            continue;
        cand c[MAX_CANDS];
        int complete;
        long long sum = 0;
        size_t n = scan_after(f, xs[i], f->syl[1], f->cp[1], c, &complete, &sum);
        for (size_t k = 0; k < n; k++)
            if (c[k].left > best && c[k].left * USUAL >= sum) {
                best = c[k].left;
                bx = xs[i];
                by = c[k].x;
            }
    }
    if (!best || f->failed)
        return 0;
    f->cp[0] = bx;
    f->cp[1] = by;
    f->df[0] = best;
    return 1;
}

int kb_pinyin_correct(kb_store *s, const char *run, size_t len, int *budget, kb_buf *out,
                      kb_err *err)
{
    int own = KB_PINYIN_BUDGET;
    fixer f = { .s = s, .err = err, .budget = budget ? budget : &own };
    int32_t at = 0;
    int any_syl = 0;
    while ((size_t)at < len) {
        UChar32 c;
        U8_NEXT(run, at, (int32_t)len, c);
        if (c < 0 || f.n == KB_PINYIN_MAX_RUN)
            return 0; /* not a clean run, or too long to be a slip */
        f.cp[f.n] = (uint32_t)c;
        f.gram[f.n] = (unsigned char)is_function_char((uint32_t)c);
        f.syl[f.n] = f.gram[f.n] ? 0 : syl_of((uint32_t)c);
        any_syl |= f.syl[f.n] != 0;
        f.n++;
    }
    if (f.n < 2 || !any_syl || *f.budget <= 0)
        return 0;
    for (size_t i = 0; i + 1 < f.n; i++)
        if ((f.df[i] = bigram_df(&f, f.cp[i], f.cp[i + 1])) < 0)
            return f.failed ? -1 : 0;

    /* Greedy: the best plausible replacement over the whole run, again while one helps; a
     * position changes at most once. */
    int changed = 0;
    unsigned char done[KB_PINYIN_MAX_RUN] = { 0 };
    size_t last = KB_PINYIN_MAX_RUN; /* position changed by the previous pass */
    for (int pass = 0;; pass++) {
        pick p[MAX_PICKS];
        size_t np = 0;
        for (size_t j = 0; j < f.n; j++) {
            if (!f.syl[j] || done[j])
                continue;
            /* the ten-times rule needs no second look where nothing changed nearby */
            int zero_adj = (j > 0 && f.df[j - 1] == 0) || (j + 1 < f.n && f.df[j] == 0);
            if (pass > 0 && !zero_adj && j + 1 != last && j != last + 1)
                continue;
            cand c[MAX_CANDS];
            size_t n = candidates(&f, j, c);
            for (size_t k = 0; k < n && np < MAX_PICKS; k++) {
                gain g;
                if (judge(&f, j, &c[k], &g))
                    p[np++] = (pick){ j, c[k], g, 0 };
            }
        }
        size_t best = np;
        for (int tries = 0; tries < VERIFY_TRIES && !f.failed; tries++) {
            best = np;
            for (size_t k = 0; k < np; k++)
                if (!p[k].rejected && (best == np || better(&p[k].g, &p[best].g)))
                    best = k;
            if (best == np)
                break;
            int ok = plausible(&f, p[best].j, &p[best].c);
            if (ok == 1)
                break;
            p[best].rejected = 1;
            best = np;
            if (ok < 0)
                break;
        }
        if (f.failed)
            return -1;
        if (best == np)
            break;
        size_t bj = p[best].j;
        cand bc = p[best].c;
        last = bj;
        f.cp[bj] = bc.x;
        done[bj] = 1;
        if (bj > 0)
            f.df[bj - 1] = bc.left;
        if (bj + 1 < f.n)
            f.df[bj] = bc.right;
        changed = 1;
    }
    if (!changed && f.n == 2 && f.df[0] == 0 && f.syl[0] && f.syl[1])
        changed = fix_pair(&f);
    if (f.failed)
        return -1;
    if (!changed)
        return 0;
    kb_buf_reset(out);
    for (size_t i = 0; i < f.n; i++) {
        char u8[8];
        kb_status rc = kb_buf_add(out, u8, pair_utf8(u8, f.cp[i], 0));
        if (rc != KB_OK)
            return kb_err_set(err, rc, "pinyin correction too long"), -1;
    }
    return 1;
}

int kb_pinyin_correct_query(kb_store *s, kb_query *q, kb_err *err)
{
    int budget = KB_PINYIN_BUDGET;
    int changed = 0, begun = 0, own = 0;
    kb_buf fix;
    kb_buf_init(&fix, 0);
    for (size_t i = 0; i < q->nitems && budget > 0; i++) {
        kb_qitem *it = &q->items[i];
        if (it->negated || it->quoted)
            continue;
        for (size_t k = 0; k < it->nsegs; k++) {
            kb_qseg *sg = &it->segs[k];
            if (sg->kind != KB_SEG_CJK || strlen(sg->text) < 4)
                continue;
            /* one snapshot for all the look-ups: each is then about 20 times cheaper */
            if (!begun) {
                if (kb_store_read_begin(s, &own, err) != KB_OK) {
                    changed = -1;
                    goto out;
                }
                begun = 1;
            }
            int rc = kb_pinyin_correct(s, sg->text, strlen(sg->text), &budget, &fix, err);
            if (rc < 0) {
                changed = -1;
                goto out;
            }
            if (rc == 1) {
                kb_query_set_seg(sg, fix.data);
                changed = 1;
            }
        }
    }
out:
    if (begun)
        kb_store_read_end(s, own);
    kb_buf_free(&fix);
    return changed;
}
