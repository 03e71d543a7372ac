#include "kb_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(size_t n)
{
    fprintf(stderr, "kedb: out of memory allocating %zu bytes\n", n);
    abort();
}

void *kb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die(n);
    return p;
}

void *kb_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        die(count * size);
    return p;
}

void *kb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die(n);
    return q;
}

char *kb_xstrdup(const char *s)
{
    return kb_xstrndup(s, strlen(s));
}

char *kb_xstrndup(const char *s, size_t len)
{
    char *p = kb_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
