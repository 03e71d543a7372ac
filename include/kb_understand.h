#ifndef KB_UNDERSTAND_H
#define KB_UNDERSTAND_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_query.h"
#include "kb_tokenize.h"

/* Query understanding: what of the words a caller said is worth searching for. Shared by
 * search, completion and suggestions.
 *
 * A desk agent types what the caller says, without spaces and with the caller's particles
 * and questions (请问打印机老是卡纸了怎么办, 登录不了ERP). Understanding takes the question
 * phrases, fillers and particles out (the list is in kb/understand.c and docs/API.md),
 * takes the potential-complement negations apart (上不了网 -> 上网, 发不出去 -> 发) and cuts
 * what is left into words: ICU's dictionary boundaries, with single characters joined to
 * the neighbour they occur with in the index (打印|机 -> 打印机, 卡|纸 -> 卡纸, but 打印机|打
 * stays apart). English stop words go too. Quoted phrases, OR groups and exclusions are
 * kept exactly as typed. */

/* Why a word of the query is not searched for. */
typedef enum {
    KB_DROP_STOP = 1, /* function word, filler or question phrase */
    KB_DROP_UNKNOWN,  /* no item contains it */
    KB_DROP_LIMIT     /* past the most words a query searches for */
} kb_drop_why;

/* Document frequency of one index term, e.g. a Han bigram; with prefix, the sum over the
 * terms that start with term. < 0 when unknown. */
typedef long long (*kb_df_fn)(void *ctx, const char *term, int prefix);
/* Called for each word taken out, with its normalised text. */
typedef void (*kb_drop_fn)(void *ctx, const char *word, kb_drop_why why);

/* Most words one understood query searches for (the rest are dropped, KB_DROP_LIMIT). */
#define KB_UNDERSTAND_MAX_WORDS 8

/* True when the normalised word is a function word or a question phrase. */
int kb_understand_is_stop(const char *word);

/* Cuts a normalised CJK run into words (see above), calling word() for each (a non-zero
 * return stops the cutting) and drop() for each phrase taken out. df may be NULL (single characters then pair up as in
 * kb_tokenize_cjk_words). A Chinese synonym term (syn, may be NULL) stays one word. */
kb_status kb_understand_cjk(kb_tokenizer *t, const char *run, size_t len, kb_df_fn df,
                            void *dfctx, const kb_synonyms *syn, kb_word_fn word,
                            kb_drop_fn drop, void *ctx);

/* A kb_df_fn over a store's document frequencies (ctx is the kb_store). */
long long kb_understand_store_df(void *store, const char *term, int prefix);

/* Rewrites q into the query to search for: every bare item's segments become one item per
 * word (stop words dropped through drop, which may be NULL); quoted, OR-joined and
 * negated items, filters and exclusions are copied. An explicit or implicit prefix stays
 * on the last word, and a stop word still being typed is kept. t and q must not be NULL;
 * fails only for lack of memory (which aborts). *out is freed with kb_query_free(). */
kb_status kb_understand_query(kb_tokenizer *t, const kb_query *q, kb_df_fn df, void *dfctx,
                              const kb_synonyms *syn, kb_drop_fn drop, void *dropctx,
                              kb_query **out);

#endif
