#ifndef SRV_POOL_H
#define SRV_POOL_H
/* A mutex-protected pool of kb_store handles on an existing database (KB_STORE_EXISTING:
 * read and written, never created or migrated): kb_store is one-thread-at-a-time, so each
 * request borrows one for its duration. Handles are opened lazily, at most max. */
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"
#include "srv.h"

/* Creates a pool for the database at path (copied) and opens one handle to check that the
 * database is usable. On failure *out is NULL and err says why. Free with srv_pool_free(). */
kb_status srv_pool_new(const char *path, size_t max, srv_pool **out, kb_err *err);
/* Closes every handle; all borrowed handles must have been returned. p may be NULL. */
void srv_pool_free(srv_pool *p);
/* Borrows a handle, opening one when none is idle and fewer than max exist, else waits.
 * Return it with srv_pool_put(). */
kb_status srv_pool_get(srv_pool *p, kb_store **out, kb_err *err);
/* Returns a borrowed handle. s may be NULL. */
void srv_pool_put(srv_pool *p, kb_store *s);

#endif
