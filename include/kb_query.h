#ifndef KB_QUERY_H
#define KB_QUERY_H
#include <stddef.h>

#include "kb_buf.h"
#include "kb_err.h"
#include "kb_tokenize.h"

/* The query language, parsed leniently: whatever a person types becomes a query or an
 * empty one, never an error.
 *   words          all must match (Chinese runs match as substrings, two characters up)
 *   "a phrase"     the words in this order (an unclosed quote runs to the end)
 *   -word, NOT w   excludes
 *   a OR b         either
 *   word*          prefix
 *   type: status: tag: product:   filters (a value may be quoted)
 * The last bare word is also taken as a prefix while the query does not end in a space
 * (search as you type). */

#define KB_QUERY_MAX_BYTES 4096
#define KB_QUERY_MAX_ITEMS 32
#define KB_QUERY_MAX_SEGS 16

/* One segment of an item (see kb_tokenize_segments): normalised text. */
typedef struct {
    int kind;      /* KB_SEG_CJK or KB_SEG_WORD */
    char *text;
    size_t nchars;
    int corrected; /* replaced by typo correction */
} kb_qseg;

typedef struct {
    kb_qseg *segs;
    size_t nsegs;
    int negated;
    int quoted;
    int prefix;          /* written with a trailing '*' */
    int implicit_prefix; /* last bare word of a query typed without a final space */
    int or_next;         /* joined to the next item with OR */
    int required;        /* kept when the query is relaxed (min_match): codes, numbers */
    int relax_out;       /* left out when the query is relaxed: the most frequent words of a
                            query with more than KB_QUERY_MAX_MATCH_ITEMS */
} kb_qitem;

typedef struct {
    char *key; /* type, status, tag, product */
    char *value;
} kb_qfilter;

typedef struct {
    kb_qitem *items;
    size_t nitems;
    kb_qfilter *filters;
    size_t nfilters;
    kb_qfilter *excludes; /* added by the caller, never typed: items with these never match */
    size_t nexcludes;
    size_t min_match; /* 0: every positive item must match; else at least this many of them
                         (an OR group counts as one; required items always match; items
                         marked relax_out are left out), for relaxing a query that finds
                         little (at most KB_QUERY_MAX_MATCH_ITEMS items take part) */
} kb_query;

#define KB_QUERY_MAX_MATCH_ITEMS 6

/* Parses q (len bytes; longer than KB_QUERY_MAX_BYTES is cut). *out is freed with
 * kb_query_free(). Fails only on bad arguments. */
kb_status kb_query_parse(kb_tokenizer *t, const char *q, size_t len, kb_query **out,
                         kb_err *err);
void kb_query_free(kb_query *q);

/* Adds a filter (key, value copied) as if typed as key:value. */
void kb_query_add_filter(kb_query *q, const char *key, const char *value);
/* Leaves out every item whose key is value (copied), whatever the filters ask for: what
 * the caller may not see. Not part of the query as formatted. */
void kb_query_exclude(kb_query *q, const char *key, const char *value);

/* Replaces the text of a segment (typo correction). */
void kb_query_set_seg(kb_qseg *seg, const char *text);

/* Writes the query as understood (normalised words, operators, filters) to out. */
void kb_query_format(const kb_query *q, kb_buf *out);

/* Synonym groups, normalised. */
typedef struct kb_synonyms kb_synonyms;
/* Builds from groups of terms as written. *out is freed with kb_synonyms_free(). */
kb_synonyms *kb_synonyms_new(kb_tokenizer *t);
void kb_synonyms_add(kb_synonyms *syn, kb_tokenizer *t, long long group, const char *term);
void kb_synonyms_free(kb_synonyms *syn);
/* Group of the normalised term text (English words: of any term with its stem); -1 for
 * none. syn may be NULL. */
long long kb_synonyms_group(const kb_synonyms *syn, kb_tokenizer *t, const char *text);
/* The first (then longest) Chinese-only synonym term inside text[0, len): returns its
 * length in bytes and sets *at to its offset; 0 when none. syn may be NULL. */
size_t kb_synonyms_find_cjk(const kb_synonyms *syn, const char *text, size_t len, size_t *at);

/* Search tiers, tried in order. */
typedef enum {
    KB_TIER_STRICT, /* each Chinese run as one phrase */
    KB_TIER_LOOSE,  /* Chinese runs split into words, each anywhere */
    KB_TIER_ANY     /* any item (words dropped), ranked by how much matches */
} kb_tier;

/* Builds the FTS5 MATCH expression for a tier into out (reset first). *nscore is the
 * number of leading phrases that carry relevance (the rest are filters and exclusions).
 * Returns KB_ENOTFOUND when the query has nothing to search for. syn may be NULL. */
kb_status kb_query_build(const kb_query *q, const kb_synonyms *syn, kb_tokenizer *t,
                         kb_tier tier, kb_buf *out, int *nscore);

/* Called for each phrase of a built expression, in expression order: the text the phrase
 * searches (its pieces joined by spaces), whether its last token is a prefix, and its
 * group: the phrases that stand for one word (the word, its synonyms, the completions of
 * a prefix) share a group number, so that a ranking can count them as one term. */
typedef void (*kb_qphrase_fn)(void *ctx, const char *text, int prefix, int group);
/* Fills terms (at most max, each < 72 bytes) with index terms that extend prefix, most
 * frequent first, and returns how many; or returns -1 to keep a plain FTS5 prefix query
 * (when few terms extend it). */
typedef int (*kb_qexpand_fn)(void *ctx, const char *prefix, char (*terms)[72], int max);

typedef struct {
    kb_qphrase_fn on_phrase; /* may be NULL */
    void *phrase_ctx;
    kb_qexpand_fn expand; /* may be NULL: prefixes stay FTS5 prefix queries */
    void *expand_ctx;
} kb_qhooks;

/* kb_query_build with hooks (may be NULL). */
kb_status kb_query_build_hooked(const kb_query *q, const kb_synonyms *syn, kb_tokenizer *t,
                                kb_tier tier, kb_buf *out, int *nscore, const kb_qhooks *hooks);

/* Builds an expression that matches the query's words in titles only, for completion. */
kb_status kb_query_build_titles(const kb_query *q, kb_tokenizer *t, kb_buf *out, int *nscore);

/* Calls fn for each token the positive items search for (query-side tokens, synonyms
 * included), with prefix set for prefix tokens: used to highlight snippets. */
typedef int (*kb_qterm_fn)(void *ctx, const char *tok, size_t len, int prefix);
void kb_query_terms(const kb_query *q, const kb_synonyms *syn, kb_tokenizer *t, kb_qterm_fn fn,
                    void *ctx);

#endif
