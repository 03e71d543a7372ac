#ifndef KB_BUF_H
#define KB_BUF_H
#include <stddef.h>

#include "kb_err.h"

/* A growable byte string, always NUL-terminated. len may include NUL bytes. limit is the
 * largest len allowed (0 = unlimited); appends past it fail with KB_ETOOBIG and leave the
 * contents unchanged. Never write cap, and do not keep data across appends. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
    size_t limit;
} kb_buf;

void kb_buf_init(kb_buf *b, size_t limit);
kb_status kb_buf_add(kb_buf *b, const void *p, size_t len);
kb_status kb_buf_adds(kb_buf *b, const char *s);
kb_status kb_buf_addc(kb_buf *b, char c);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
kb_status kb_buf_addf(kb_buf *b, const char *fmt, ...);
/* Appends s with &, <, >, " and ' replaced by HTML entities. */
kb_status kb_buf_add_html(kb_buf *b, const char *s, size_t len);
/* Empties b, keeping its memory and limit. */
void kb_buf_reset(kb_buf *b);
/* Returns the contents (caller frees with free(); never NULL) and empties b. len_out may be
 * NULL. */
char *kb_buf_detach(kb_buf *b, size_t *len_out);
/* Replaces b's contents with the whole file at path (at most b's limit). KB_ENOTFOUND when
 * it does not exist, KB_ETOOBIG past the limit, KB_EIO when it cannot be read (a
 * directory too); b is then empty. */
kb_status kb_buf_read_file(kb_buf *b, const char *path, kb_err *err);
/* Releases the memory; b is empty and usable again. Safe after detach. */
void kb_buf_free(kb_buf *b);
/* Returns the contents, "" when empty; valid until the next change to b. */
const char *kb_buf_str(const kb_buf *b);

#endif
