#ifndef KB_TOKENIZE_H
#define KB_TOKENIZE_H
#include <stddef.h>

#include "kb_buf.h"
#include "kb_err.h"

/* kedb's text analysis, shared by the index (as the FTS5 tokenizer "kedb") and by query
 * building and snippets, so that both sides always agree.
 *
 * Normalisation: NFKC with case folding (full-width forms, letter case), then Traditional
 * to Simplified Chinese with OpenCC's tw2sp phrases for every run of Chinese characters
 * that holds at least one Traditional character.
 * Segmentation: runs of CJK characters become overlapping bigrams (打印机 -> 打印 印机), with
 * the last character of each run also indexed alone so that one-character queries work
 * (as a prefix). Latin/digit words are split at connectors (- _ . : / \ @) into chunks,
 * and chunks at every letter/digit change (13A2D4 -> 13 a 2 d 4, KB5034441 -> kb 5034441)
 * into parts at consecutive positions, so that a code is the same phrase whichever
 * separators it is written with (13.A2.D4, KB-5034441, KB 5034441). A hex literal
 * (0x0000007B) stays one part, as does a chunk with more than 7 changes (a hash).
 * Parts with a canonical form: English words of 3+ letters their Snowball stem; hex
 * literals without leading zeros (0x7b); numbers that end their chunk, standing alone or
 * after a word of 2+ letters, without leading zeros (ORA-01017 -> ora 1017). The document
 * side indexes the canonical form colocated with the part, the query side searches for
 * the canonical form instead of the part (except a prefix). Codes are never fuzzed:
 * 0x7c, ORA-28000 and XYZ-223 stay apart from 0x7b, ORA-01017 and XYZ-123.
 * A word starting with byte 0x1F is a raw token (filters). */

typedef struct kb_tokenizer kb_tokenizer; /* also declared in kb_store.h */

/* Creates a tokenizer (one per thread; it holds a stemmer and scratch space). The shared
 * dictionaries load once per process. *out is freed with kb_tokenizer_free(). */
kb_status kb_tokenizer_new(kb_tokenizer **out, kb_err *err);
void kb_tokenizer_free(kb_tokenizer *t);

/* Modes for kb_tokenize(). */
#define KB_TOK_DOCUMENT 0
#define KB_TOK_QUERY 1
#define KB_TOK_PREFIX 2 /* with KB_TOK_QUERY: the last token is a prefix (no stemming) */

/* Token flag passed to the callback: the token shares the previous token's position. */
#define KB_TOK_COLOCATED 1

/* Called for each token: its bytes (normalised, not NUL-terminated) and the byte range
 * [start, end) of the original text it came from. Return non-zero to stop. */
typedef int (*kb_token_fn)(void *ctx, int flags, const char *tok, size_t len, size_t start,
                           size_t end);
/* Tokenizes text. Returns KB_OK, or the callback's non-zero value cast to kb_status when it
 * stopped early. Invalid UTF-8 bytes act as separators. */
kb_status kb_tokenize(kb_tokenizer *t, const char *text, size_t len, int mode, kb_token_fn fn,
                      void *ctx);

/* A segment is a unit a person would call a word before bigram splitting: one CJK run or
 * one Latin/digit word with its connectors (ora-01017, 192.168.1.10). */
typedef enum { KB_SEG_CJK = 1, KB_SEG_WORD = 2, KB_SEG_RAW = 3 } kb_seg_kind;
/* norm is the normalised text of the segment (NUL-terminated, valid during the call),
 * nchars its length in characters, [start, end) the original byte range. */
typedef int (*kb_segment_fn)(void *ctx, kb_seg_kind kind, const char *norm, size_t len,
                             size_t nchars, size_t start, size_t end);
kb_status kb_tokenize_segments(kb_tokenizer *t, const char *text, size_t len, kb_segment_fn fn,
                               void *ctx);

/* Appends the normalised form of text (NFKC casefold, Traditional -> Simplified) to out. */
kb_status kb_tokenize_normalize(kb_tokenizer *t, const char *text, size_t len, kb_buf *out);

/* Splits a normalised CJK run into dictionary words (ICU), joining stray single characters
 * to a neighbour (打印|机|卡|纸 -> 打印机|卡纸). Calls fn(ctx, word, len) for each word. */
typedef int (*kb_word_fn)(void *ctx, const char *word, size_t len);
kb_status kb_tokenize_cjk_words(kb_tokenizer *t, const char *run, size_t len, kb_word_fn fn,
                                void *ctx);

/* The same run cut at ICU's dictionary word boundaries only, single characters left alone
 * (打印|机|卡|纸): for callers that join them with knowledge of their own (kb_understand). */
kb_status kb_tokenize_cjk_breaks(kb_tokenizer *t, const char *run, size_t len, kb_word_fn fn,
                                 void *ctx);

/* Stems an English word (ASCII lower-case letters) into out; returns out's length. out
 * must hold at least 64 bytes; words longer than 60 bytes are copied unchanged. */
size_t kb_tokenize_stem(kb_tokenizer *t, const char *word, size_t len, char *out);

/* Appends the raw filter token for key=value to out: byte 0x1F, key, '=', the normalised
 * value with white space replaced by '_', at most 150 bytes. Used on both the index and
 * the query side of filters (type:, status:, tag:, product:). */
kb_status kb_tokenize_filter_token(kb_tokenizer *t, const char *key, const char *value,
                                   kb_buf *out);

/* Observer of the tokens FTS5 indexes or removes (document side, colocated ones too). */
typedef struct {
    void (*fn)(void *ctx, const char *tok, size_t len);
    void *ctx;
} kb_token_hook;

/* Registers the FTS5 tokenizer "kedb" on an open SQLite connection. hook (may be NULL) is
 * borrowed and must outlive the connection. */
struct sqlite3;
kb_status kb_tokenize_register(struct sqlite3 *db, const kb_token_hook *hook, kb_err *err);

/* Version of the analysis; the store rebuilds its index when it changes. */
#define KB_TOKENIZER_VERSION 3

#endif
