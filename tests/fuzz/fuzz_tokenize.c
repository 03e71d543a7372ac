/* Fuzzes the tokenizer (both index and query side): tokens, segments, normalisation, CJK
 * word splitting, stemming and filter tokens. Every reported byte range must lie inside
 * the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_tokenize.h"

static kb_tokenizer *tok;

typedef struct {
    size_t len;
    size_t ntok;
} seen;

static int on_token(void *ctx, int flags, const char *t, size_t len, size_t start, size_t end)
{
    seen *s = ctx;
    (void)flags;
    if (start > end || end > s->len || (len > 0 && !t))
        abort();
    s->ntok++;
    return 0;
}

static int on_word(void *ctx, const char *word, size_t len)
{
    (void)ctx;
    if (len > 0 && !word)
        abort();
    return 0;
}

static int on_segment(void *ctx, kb_seg_kind kind, const char *norm, size_t len, size_t nchars,
                      size_t start, size_t end)
{
    seen *s = ctx;
    if (start > end || end > s->len || nchars > len || strlen(norm) != len)
        abort();
    if (kind == KB_SEG_CJK) {
        kb_tokenize_cjk_words(tok, norm, len, on_word, NULL);
    } else if (kind == KB_SEG_WORD && len > 0) {
        int lower = 1;
        for (size_t i = 0; i < len && lower; i++)
            lower = norm[i] >= 'a' && norm[i] <= 'z';
        char stem[64];
        if (lower && kb_tokenize_stem(tok, norm, len, stem) > 63)
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tok) {
        kb_err err;
        if (kb_tokenizer_new(&tok, &err) != KB_OK)
            abort();
    }
    const char *text = (const char *)data;
    static const int modes[] = { KB_TOK_DOCUMENT, KB_TOK_QUERY, KB_TOK_QUERY | KB_TOK_PREFIX };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        seen s = { size, 0 };
        kb_tokenize(tok, text, size, modes[i], on_token, &s);
    }
    seen s = { size, 0 };
    kb_tokenize_segments(tok, text, size, on_segment, &s);
    kb_buf b;
    kb_buf_init(&b, 0);
    kb_tokenize_normalize(tok, text, size, &b);
    kb_buf_free(&b);
    char *value = kb_xstrndup(text, size); /* a filter value is a C string */
    kb_buf_init(&b, 0);
    kb_tokenize_filter_token(tok, "tag", value, &b);
    if (b.len > 1 + 4 + 150)
        abort();
    kb_buf_free(&b);
    free(value);
    return 0;
}
