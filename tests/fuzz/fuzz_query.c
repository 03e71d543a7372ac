/* Fuzzes the query language: parse, format, the FTS5 expression of every tier (with the
 * test synonyms), the title expression and the highlight terms. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_buf.h"
#include "kb_ingest.h"
#include "kb_query.h"
#include "kb_tokenize.h"

static kb_tokenizer *tok;
static kb_synonyms *syn;

static void load_synonyms(void)
{
    syn = kb_synonyms_new(tok);
    FILE *f = fopen("tests/data/synonyms.txt", "rb");
    if (!f)
        return;
    char data[8192];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    char ***groups = NULL;
    size_t n = 0;
    if (kb_ingest_synonyms_parse(data, len, &groups, &n, NULL) != KB_OK)
        return;
    for (size_t g = 0; g < n; g++)
        for (size_t i = 0; groups[g][i]; i++)
            kb_synonyms_add(syn, tok, (long long)g + 1, groups[g][i]);
    kb_ingest_synonyms_free(groups, n);
}

static int on_term(void *ctx, const char *t, size_t len, int prefix)
{
    (void)ctx;
    (void)prefix;
    if (len > 0 && !t)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tok) {
        kb_err err;
        if (kb_tokenizer_new(&tok, &err) != KB_OK)
            abort();
        load_synonyms();
    }
    kb_query *q = NULL;
    if (kb_query_parse(tok, (const char *)data, size, &q, NULL) != KB_OK)
        abort(); /* documented to fail only on bad arguments */
    if (q->nitems > KB_QUERY_MAX_ITEMS)
        abort();
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_query_format(q, &b);
    static const kb_tier tiers[] = { KB_TIER_STRICT, KB_TIER_LOOSE, KB_TIER_ANY };
    for (size_t i = 0; i < sizeof tiers / sizeof tiers[0]; i++) {
        int nscore = 0;
        kb_status rc = kb_query_build(q, syn, tok, tiers[i], &b, &nscore);
        if (rc != KB_OK && rc != KB_ENOTFOUND)
            abort();
        rc = kb_query_build(q, NULL, tok, tiers[i], &b, &nscore);
        if (rc != KB_OK && rc != KB_ENOTFOUND)
            abort();
    }
    int nscore = 0;
    kb_query_build_titles(q, tok, &b, &nscore);
    kb_query_terms(q, syn, tok, on_term, NULL);
    kb_buf_free(&b);
    kb_query_free(q);
    return 0;
}
