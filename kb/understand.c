/* Query understanding: stop phrases, negated complements, word cutting with the index's
 * own vocabulary. See include/kb_understand.h. */
#include "kb_understand.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_store.h"

/* A prefix's document frequency sums the terms that start with it, up to this. */
#define DF_PREFIX_CAP 1000000

/* --- the lists (shipped here; docs/API.md, "How a query is understood") --- */

/* Question phrases, greetings and fillers a caller wraps around the fault. Taken out of a
 * Chinese run wherever they occur; the run is cut there. Longest match first. */
static const char *const zh_phrases[] = {
    "请问", "请教", "你好", "您好", "麻烦", "帮忙", "帮我", "帮帮", "谢谢", "怎么办", "怎么弄",
    "怎么回事", "怎么解决", "如何解决", "怎么处理", "如何处理", "怎么样", "怎么", "如何",
    "为什么", "为啥", "咋办", "咋回事", "咋整", "是不是", "能不能", "可不可以", "有没有",
    "老是", "总是", "一直", "经常", "时常", "常常", "突然", "忽然", "好像", "似乎", "感觉",
    "有点", "有些", "一下", "非常", "特别", "我的", "我们", "这个", "那个", "什么", "现在", "很",
    "太",
    "今天", "刚才", "刚刚", "不行", "没有", "了吗", "了呢", "了啊", "出问题", "有问题", "出错了",
    "出错", "报错", "搞不定", "弄不好", "是什么意思", "什么意思", "我想问下", "我想问",
    "想问下", "想问一下", "问一下", "问下", "是什么", "怎样", "求助", "求救",
};

/* A negated potential complement: 上不了网 means 无法上网. "不了" goes and its neighbours
 * join (上网, 开机, 登录); with a direction the negation and the direction go (发不出去 ->
 * 发, 连不上 -> 连); 不开 keeps 开 (打不开 -> 打开). */
static const char *const zh_join[] = { "不了" };
static const char *const zh_neg_dir[] = { "不出来", "不出去", "不进去", "不进来", "不起来",
                                          "不下来", "不上去", "不上", "不到", "不动",
                                          "不着", "不住", "不进", "不来", "不去" };
static const char *const zh_neg_keep[] = { "不开", "不全", "不齐" };

/* Words that carry no meaning on their own: dropped when the dictionary cuts them out as a
 * word (so that 还原, 就绪, 了解 stay whole). */
static const char *const zh_particles[] = {
    "了", "吗", "呢", "啊", "吧", "呀", "嘛", "哦", "哈", "啦", "的", "得", "地", "很", "太",
    "都", "也", "还", "就", "又", "在", "是", "把", "被", "给", "让", "我", "你", "他", "她",
    "它", "这", "那", "请", "谢", "会", "要", "想", "没", "不", "说", "个", "些", "和", "与",
    "及", "或", "等", "啥", "咋", "嗯", "喂", "一个", "一些", "可以", "已经", "还是", "就是",
    "但是", "然后", "所以", "因为", "如果", "知道", "不知道", "不会", "不了",
    "无法", "不能", "不可以",
};

/* English words too common to tell anything. */
static const char *const en_stop[] = {
    "the", "and", "for", "with", "that", "this", "from", "are", "was", "were", "has", "have",
    "had", "not", "but", "can", "cannot", "cant", "when", "after", "before", "into", "our",
    "you", "your", "its", "his", "her", "they", "them", "then", "than", "there", "here",
    "what", "which", "who", "will", "would", "should", "could", "been", "being", "also", "any",
    "all", "some", "please", "thanks", "thank", "hello", "dear", "regards", "is", "it", "in",
    "on", "at", "to", "of", "or", "an", "as", "be", "by", "if", "no", "so", "up", "we", "my",
    "me", "do", "does", "did", "doesn", "don", "didn", "isn", "won", "how", "why", "where",
    "a", "i", "im", "t", "s", "just", "keep", "keeps", "still", "again", "always", "help",
};

/* The lists normalised as the index is (NFKC, Traditional -> Simplified), once. */
typedef struct {
    char **v;
    size_t n;
} nlist;

static nlist L_phrases, L_join, L_neg_dir, L_neg_keep, L_particles;
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static void norm_list(kb_tokenizer *t, const char *const *src, size_t n, nlist *out)
{
    out->v = kb_xcalloc(n, sizeof *out->v);
    out->n = n;
    kb_buf b;
    kb_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        kb_buf_reset(&b);
        if (t)
            kb_tokenize_normalize(t, src[i], strlen(src[i]), &b);
        out->v[i] = kb_xstrdup(t && b.len ? kb_buf_str(&b) : src[i]);
    }
    kb_buf_free(&b);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void lists_init(void)
{
    kb_tokenizer *t = NULL;
    if (kb_tokenizer_new(&t, NULL) != KB_OK)
        t = NULL;
    norm_list(t, zh_phrases, COUNT(zh_phrases), &L_phrases);
    norm_list(t, zh_join, COUNT(zh_join), &L_join);
    norm_list(t, zh_neg_dir, COUNT(zh_neg_dir), &L_neg_dir);
    norm_list(t, zh_neg_keep, COUNT(zh_neg_keep), &L_neg_keep);
    norm_list(t, zh_particles, COUNT(zh_particles), &L_particles);
    kb_tokenizer_free(t);
}

static void lists(void)
{
    pthread_once(&lists_once, lists_init);
}

static int in_list(const nlist *l, const char *w, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == len && memcmp(l->v[i], w, len) == 0)
            return 1;
    return 0;
}

/* Length of the longest entry of l that text starts with; 0 for none. */
static size_t match_at(const nlist *l, const char *text, size_t len)
{
    size_t best = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t n = strlen(l->v[i]);
        if (n > best && n <= len && memcmp(text, l->v[i], n) == 0)
            best = n;
    }
    return best;
}

int kb_understand_is_stop(const char *word)
{
    lists();
    size_t len = strlen(word);
    for (size_t i = 0; i < COUNT(en_stop); i++)
        if (strcmp(word, en_stop[i]) == 0)
            return 1;
    return in_list(&L_particles, word, len) || in_list(&L_phrases, word, len);
}

/* --- cutting a Chinese run --- */

static size_t u8len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static size_t nchars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Longest run processed; the rest of a longer run is dropped (KB_DROP_LIMIT). */
#define MAX_RUN_BYTES (48 * 3)
#define MAX_UNITS 48
#define MAX_WORD_CHARS 4

typedef struct {
    char *s[MAX_UNITS];
    size_t n;
} units;

static int keep_unit(void *ctx, const char *w, size_t len)
{
    units *u = ctx;
    if (u->n < MAX_UNITS)
        u->s[u->n++] = kb_xstrndup(w, len);
    return 0;
}

typedef struct {
    kb_tokenizer *t;
    kb_df_fn df;
    void *dfctx;
    const kb_synonyms *syn;
    kb_word_fn word;
    kb_drop_fn drop;
    void *ctx;
} cutter;

static void dropped(const cutter *c, const char *w, size_t len, kb_drop_why why)
{
    if (!c->drop || !len)
        return;
    char *s = kb_xstrndup(w, len);
    c->drop(c->ctx, s, why);
    free(s);
}

static long long df_of(const cutter *c, const char *term, int prefix)
{
    long long d = c->df(c->dfctx, term, prefix);
    return d < 0 ? 0 : d;
}

/* How strongly the last character of a calls for the first character of b: the share of
 * the bigrams starting with a's last character that continue with b's first (the index's
 * own vocabulary: 印|机 is most of 印's bigrams, 机|卡 a small part of 机's). */
static double cohesion(const cutter *c, const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t i = la;
    while (i > 0 && ((unsigned char)a[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0)
        i--;
    char big[16];
    size_t n1 = la - i, n2 = u8len((unsigned char)b[0]);
    if (n1 + n2 >= sizeof big || n2 > strlen(b))
        return 0;
    memcpy(big, a + i, n1);
    memcpy(big + n1, b, n2);
    big[n1 + n2] = '\0';
    long long pair = df_of(c, big, 0);
    if (pair <= 0)
        return 0;
    big[n1] = '\0';
    /* the bigrams only: the character's own unigram (a one-character run) is not a
     * continuation, and counting it made common characters cohere with nothing (死|锁) */
    long long all = df_of(c, big, 1) - df_of(c, big, 0);
    return all > 0 ? (double)pair / (double)all : 0;
}

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = kb_xmalloc(la + lb + 1);
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

/* Least cohesion for a single character to join a neighbour. */
#define MIN_COHESION 0.1

/* A single character joins the neighbour it coheres with more (see cohesion()), when that
 * is at least MIN_COHESION and the word stays within three characters (打印|机 -> 打印机,
 * 卡|纸 -> 卡纸); otherwise it stays a word of its own (searched as a prefix). */
static int emit_words(const cutter *c, units *u)
{
    char *out[MAX_UNITS];
    size_t nout = 0;
    for (size_t i = 0; i < u->n; i++) {
        char *w = u->s[i];
        u->s[i] = NULL;
        if (nchars(w, strlen(w)) >= 2) {
            out[nout++] = w;
            continue;
        }
        double left = 0, right = 0;
        if (nout > 0 && nchars(out[nout - 1], strlen(out[nout - 1])) < 3)
            left = cohesion(c, out[nout - 1], w);
        if (i + 1 < u->n && nchars(u->s[i + 1], strlen(u->s[i + 1])) < 3)
            right = cohesion(c, w, u->s[i + 1]);
        if (left >= MIN_COHESION && left >= right) {
            char *j = concat(out[nout - 1], w);
            free(out[nout - 1]);
            free(w);
            out[nout - 1] = j;
        } else if (right >= MIN_COHESION) {
            char *j = concat(w, u->s[i + 1]);
            free(u->s[i + 1]);
            free(w);
            u->s[i + 1] = j;
        } else {
            out[nout++] = w;
        }
    }
    int stop = 0;
    for (size_t i = 0; i < nout; i++) {
        if (!stop && c->word(c->ctx, out[i], strlen(out[i])))
            stop = 1;
        free(out[i]);
    }
    return stop;
}

/* Splits a dictionary unit whose own bigrams the index never saw into characters (很慢
 * when no item says 很慢): they get their own chance to join a neighbour. */
static void split_unseen(const cutter *c, units *u)
{
    units o = { .n = 0 };
    for (size_t i = 0; i < u->n; i++) {
        char *w = u->s[i];
        size_t len = strlen(w);
        int unseen = 0;
        if (c->df && nchars(w, len) >= 2) {
            for (size_t a = 0; a < len && !unseen;) {
                size_t b = a + u8len((unsigned char)w[a]);
                if (b >= len)
                    break;
                size_t e = b + u8len((unsigned char)w[b]);
                char big[16];
                if (e > len || e - a >= sizeof big)
                    break;
                memcpy(big, w + a, e - a);
                big[e - a] = '\0';
                unseen = df_of(c, big, 0) == 0;
                a = b;
            }
        }
        if (!unseen) {
            if (o.n < MAX_UNITS)
                o.s[o.n++] = w;
            else
                free(w);
            continue;
        }
        for (size_t a = 0; a < len;) {
            size_t n = u8len((unsigned char)w[a]);
            if (a + n > len)
                n = len - a;
            if (o.n < MAX_UNITS)
                o.s[o.n++] = kb_xstrndup(w + a, n);
            a += n;
        }
        free(w);
    }
    *u = o;
}

/* Cuts one piece (no stop phrases inside) into dictionary units, drops particles (which
 * cut it further) and emits the words of each part. */
static int cut_piece(const cutter *c, const char *p, size_t len)
{
    if (!len)
        return 0;

    units all = { .n = 0 };
    kb_tokenize_cjk_breaks(c->t, p, len, keep_unit, &all);
    /* a two-character piece the index holds as a bigram is one word, however ICU cuts it
     * (网|关 typed as 网关: 网's bigrams are mostly 网络, so cohesion alone would not join) */
    if (c->df && all.n == 2 && nchars(p, len) == 2 &&
        !in_list(&L_particles, all.s[0], strlen(all.s[0])) &&
        !in_list(&L_particles, all.s[1], strlen(all.s[1]))) {
        char *w = kb_xstrndup(p, len);
        if (df_of(c, w, 0) > 0) {
            free(all.s[0]);
            free(all.s[1]);
            all.s[0] = w;
            all.n = 1;
        } else {
            free(w);
        }
    }
    split_unseen(c, &all);
    units part = { .n = 0 };
    int stop = 0;
    for (size_t i = 0; i <= all.n && !stop; i++) {
        int cut = i == all.n || in_list(&L_particles, all.s[i], strlen(all.s[i]));
        if (!cut) {
            part.s[part.n++] = all.s[i];
            all.s[i] = NULL;
            continue;
        }
        if (i < all.n)
            dropped(c, all.s[i], strlen(all.s[i]), KB_DROP_STOP);
        if (!part.n)
            continue;
        if (c->df) {
            stop = emit_words(c, &part);
        } else {
            kb_buf j;
            kb_buf_init(&j, 0);
            for (size_t k = 0; k < part.n; k++)
                kb_buf_adds(&j, part.s[k]);
            stop = kb_tokenize_cjk_words(c->t, kb_buf_str(&j), j.len, c->word, c->ctx) != KB_OK;
            kb_buf_free(&j);
        }
        for (size_t k = 0; k < part.n; k++)
            free(part.s[k]);
        part.n = 0;
    }
    for (size_t i = 0; i < all.n; i++)
        free(all.s[i]);
    for (size_t k = 0; k < part.n; k++)
        free(part.s[k]);
    return stop;
}

/* Takes the stop phrases and negations out of a run (no synonym term inside) and cuts
 * the pieces between them. Returns non-zero when word() asked to stop. */
static int understand_run(const cutter *cp, const char *run, size_t len)
{
    cutter c = *cp;
    /* the piece being built: the run minus what was taken out, joined where 不了 was */
    kb_buf piece;
    kb_buf_init(&piece, 0);
    int stop = 0;
    size_t i = 0;
    while (i < len && !stop) {
        size_t n;
        if ((n = match_at(&L_join, run + i, len - i)) > 0 && piece.len && i + n < len) {
            dropped(&c, run + i, n, KB_DROP_STOP);
            i += n;
            continue;
        }
        size_t ph = match_at(&L_phrases, run + i, len - i);
        size_t nd = match_at(&L_neg_dir, run + i, len - i);
        size_t nk = match_at(&L_neg_keep, run + i, len - i);
        if (ph && ph >= nd && ph >= nk) {
            dropped(&c, run + i, ph, KB_DROP_STOP);
            stop = cut_piece(&c, piece.data ? piece.data : "", piece.len);
            kb_buf_reset(&piece);
            i += ph;
            continue;
        }
        if (nd && nd >= nk && piece.len) {
            /* the character before it is the verb (发|不出去, 连|不上): a word of its own */
            dropped(&c, run + i, nd, KB_DROP_STOP);
            size_t v = piece.len;
            while (v > 0 && ((unsigned char)piece.data[v - 1] & 0xC0) == 0x80)
                v--;
            if (v > 0)
                v--;
            stop = cut_piece(&c, piece.data, v);
            if (!stop)
                stop = c.word(c.ctx, piece.data + v, piece.len - v) != 0;
            kb_buf_reset(&piece);
            i += nd;
            continue;
        }
        if (nk && piece.len) { /* 打不开 -> 打开: the negation goes */
            size_t neg = u8len((unsigned char)run[i]);
            dropped(&c, run + i, neg, KB_DROP_STOP);
            i += neg;
            continue;
        }
        size_t cl = u8len((unsigned char)run[i]);
        if (i + cl > len)
            cl = len - i;
        kb_buf_add(&piece, run + i, cl);
        i += cl;
    }
    if (!stop && piece.len)
        stop = cut_piece(&c, piece.data, piece.len);
    kb_buf_free(&piece);
    return stop;
}

/* A synonym term found in the run is one word, whatever stop phrase it holds: the desk's
 * synonyms can name a caller's phrasing (打不出来 = 无法打印). */
static int understand_syn(const cutter *c, const char *run, size_t len)
{
    size_t at = 0, n = kb_synonyms_find_cjk(c->syn, run, len, &at);
    if (!n)
        return understand_run(c, run, len);
    if (at && understand_run(c, run, at))
        return 1;
    if (c->word(c->ctx, run + at, n))
        return 1;
    return understand_syn(c, run + at + n, len - at - n);
}

kb_status kb_understand_cjk(kb_tokenizer *t, const char *run, size_t len, kb_df_fn df,
                            void *dfctx, const kb_synonyms *syn, kb_word_fn word,
                            kb_drop_fn drop, void *ctx)
{
    lists();
    cutter c = { t, df, dfctx, syn, word, drop, ctx };
    if (len > MAX_RUN_BYTES) {
        size_t cut = MAX_RUN_BYTES;
        while (cut > 0 && ((unsigned char)run[cut] & 0xC0) == 0x80)
            cut--;
        size_t shown = len - cut > 60 ? 60 : len - cut; /* a word-sized report, not 4 KB */
        while (shown > 0 && cut + shown < len && ((unsigned char)run[cut + shown] & 0xC0) == 0x80)
            shown--;
        dropped(&c, run + cut, shown, KB_DROP_LIMIT);
        len = cut;
    }
    understand_syn(&c, run, len);
    return KB_OK;
}

long long kb_understand_store_df(void *store, const char *term, int prefix)
{
    long long df = 0;
    if (kb_store_term_df(store, term, prefix, DF_PREFIX_CAP, &df, NULL) != KB_OK)
        return -1;
    return df;
}

/* --- the whole query --- */

typedef struct {
    kb_query *out;
    int typing; /* the words come from the last segment of a word still being typed */
    kb_drop_fn drop;
    void *dropctx;
    size_t nwords;
    int kind;
} qctx;

static kb_qitem *new_item(kb_query *q)
{
    q->items = kb_xrealloc(q->items, (q->nitems + 1) * sizeof *q->items);
    kb_qitem *it = &q->items[q->nitems++];
    memset(it, 0, sizeof *it);
    return it;
}

static void copy_item(kb_query *q, const kb_qitem *src)
{
    if (q->nitems >= KB_QUERY_MAX_ITEMS)
        return;
    kb_qitem *it = new_item(q);
    *it = *src;
    it->segs = kb_xcalloc(src->nsegs ? src->nsegs : 1, sizeof *it->segs);
    for (size_t i = 0; i < src->nsegs; i++) {
        it->segs[i] = src->segs[i];
        it->segs[i].text = kb_xstrdup(src->segs[i].text);
    }
    it->required = src->quoted; /* a phrase typed in quotes is never relaxed away */
}

static int add_word(void *ctx, const char *w, size_t len)
{
    qctx *c = ctx;
    char *s = kb_xstrndup(w, len);
    /* a stop word still being typed (the last word, no space after it) may be the start of
     * another word: "printer in" becomes "printer ink" */
    int typing = c->typing && c->kind == KB_SEG_WORD;
    if (!typing && kb_understand_is_stop(s)) {
        if (c->drop)
            c->drop(c->dropctx, s, KB_DROP_STOP);
        free(s);
        return 0;
    }
    if (c->nwords >= KB_UNDERSTAND_MAX_WORDS || c->out->nitems >= KB_QUERY_MAX_ITEMS) {
        if (c->drop)
            c->drop(c->dropctx, s, KB_DROP_LIMIT);
        free(s);
        return 1; /* enough words: stop cutting the rest */
    }
    /* the same word twice is searched for once (a word of an OR group is not the same:
     * "printer OR scanner printer" still requires printer) */
    for (size_t i = 0; i < c->out->nitems; i++) {
        const kb_qitem *o = &c->out->items[i];
        int chained = o->or_next || (i > 0 && c->out->items[i - 1].or_next);
        if (!o->negated && !o->quoted && !chained && o->nsegs == 1 &&
            strcmp(o->segs[0].text, s) == 0) {
            free(s);
            return 0;
        }
    }
    kb_qitem *it = new_item(c->out);
    it->segs = kb_xcalloc(1, sizeof *it->segs);
    it->nsegs = 1;
    it->segs[0].kind = c->kind;
    it->segs[0].text = s;
    it->segs[0].nchars = nchars(s, len);
    /* a code or a number names the fault exactly: relaxing never leaves it out */
    for (size_t i = 0; i < len && c->kind == KB_SEG_WORD; i++)
        it->required |= s[i] >= '0' && s[i] <= '9';
    c->nwords++;
    return 0;
}

static void drop_fwd(void *ctx, const char *w, kb_drop_why why)
{
    qctx *c = ctx;
    if (c->drop)
        c->drop(c->dropctx, w, why);
}

kb_status kb_understand_query(kb_tokenizer *t, const kb_query *q, kb_df_fn df, void *dfctx,
                              const kb_synonyms *syn, kb_drop_fn drop, void *dropctx,
                              kb_query **out)
{
    assert(t && q);
    *out = NULL;
    lists();
    kb_query *u = kb_xcalloc(1, sizeof *u);
    qctx c = { u, 0, drop, dropctx, 0, 0 };
    for (size_t i = 0; i < q->nitems; i++) {
        const kb_qitem *it = &q->items[i];
        int in_chain = it->or_next || (i > 0 && q->items[i - 1].or_next);
        if (it->negated || it->quoted || in_chain) {
            copy_item(u, it);
            continue;
        }
        size_t first = u->nitems;
        for (size_t k = 0; k < it->nsegs; k++) {
            const kb_qseg *sg = &it->segs[k];
            c.typing = it->implicit_prefix && k + 1 == it->nsegs && i + 1 == q->nitems;
            c.kind = sg->kind;
            if (sg->kind == KB_SEG_CJK && sg->nchars >= 2)
                kb_understand_cjk(t, sg->text, strlen(sg->text), df, dfctx, syn, add_word,
                                  drop_fwd, &c);
            else
                add_word(&c, sg->text, strlen(sg->text));
        }
        /* a prefix stays on the last word of the item's last segment */
        if (u->nitems > first && (it->prefix || it->implicit_prefix)) {
            kb_qitem *l = &u->items[u->nitems - 1];
            const kb_qseg *ls = &it->segs[it->nsegs - 1];
            size_t tl = strlen(ls->text), wl = strlen(l->segs[0].text);
            if (wl <= tl && strcmp(ls->text + tl - wl, l->segs[0].text) == 0) {
                l->prefix = it->prefix;
                l->implicit_prefix = it->implicit_prefix;
            }
        }
    }
    for (size_t i = 0; i < q->nfilters; i++)
        kb_query_add_filter(u, q->filters[i].key, q->filters[i].value);
    for (size_t i = 0; i < q->nexcludes; i++)
        kb_query_exclude(u, q->excludes[i].key, q->excludes[i].value);
    *out = u;
    return KB_OK;
}
