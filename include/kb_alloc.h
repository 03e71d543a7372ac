#ifndef KB_ALLOC_H
#define KB_ALLOC_H
#include <stddef.h>

/* Allocation wrappers: on failure they print a message and abort, so callers never test
 * for NULL. Free the results with free(). */
void *kb_xmalloc(size_t n);
void *kb_xcalloc(size_t count, size_t size);
void *kb_xrealloc(void *p, size_t n);
char *kb_xstrdup(const char *s);
/* Copies len bytes of s and adds a NUL. */
char *kb_xstrndup(const char *s, size_t len);

#endif
