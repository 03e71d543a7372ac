#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "kb_alloc.h"

struct srv_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *path;
    size_t max;
    size_t opened;     /* handles open or being opened */
    kb_store **idle;   /* max slots, nidle used */
    size_t nidle;
};

kb_status srv_pool_new(const char *path, size_t max, srv_pool **out, kb_err *err)
{
    *out = NULL;
    if (max == 0)
        max = 1;
    kb_store *first = NULL;
    kb_status rc = kb_store_open(path, KB_STORE_EXISTING, &first, err);
    if (rc != KB_OK)
        return rc;
    srv_pool *p = kb_xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->path = kb_xstrdup(path);
    p->max = max;
    p->idle = kb_xcalloc(max, sizeof *p->idle);
    p->idle[p->nidle++] = first;
    p->opened = 1;
    *out = p;
    return KB_OK;
}

void srv_pool_free(srv_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nidle; i++)
        kb_store_free(p->idle[i]);
    free(p->idle);
    free(p->path);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

kb_status srv_pool_get(srv_pool *p, kb_store **out, kb_err *err)
{
    *out = NULL;
    pthread_mutex_lock(&p->mu);
    while (p->nidle == 0 && p->opened >= p->max)
        pthread_cond_wait(&p->cv, &p->mu);
    if (p->nidle > 0) {
        *out = p->idle[--p->nidle];
        pthread_mutex_unlock(&p->mu);
        return KB_OK;
    }
    /* Reserve a slot, then open outside the lock: opening reads the schema. */
    p->opened++;
    pthread_mutex_unlock(&p->mu);
    kb_status rc = kb_store_open(p->path, KB_STORE_EXISTING, out, err);
    if (rc != KB_OK) {
        pthread_mutex_lock(&p->mu);
        p->opened--;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

void srv_pool_put(srv_pool *p, kb_store *s)
{
    if (!s)
        return;
    kb_store_set_user(s, NULL); /* the next request names its own user */
    pthread_mutex_lock(&p->mu);
    p->idle[p->nidle++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
