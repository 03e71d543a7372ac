/* Login throttling: hash slots and failure budgets per client address. See throttle.h. */
#include "throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"

#define CLIENTS 1024u /* addresses remembered; more replace the one with the fullest budget */

typedef struct {
    char client[64];
    double tokens;      /* checks left at time at */
    long long at;
} budget;

struct srv_throttle {
    pthread_mutex_t mu;
    unsigned hashes;    /* slots */
    unsigned busy;      /* slots taken */
    unsigned per_minute;
    budget *b;          /* CLIENTS entries; client "" is free */
};

srv_throttle *srv_throttle_new(unsigned hashes, unsigned per_minute)
{
    srv_throttle *t = kb_xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    t->hashes = hashes ? hashes : 1;
    t->per_minute = per_minute;
    t->b = kb_xcalloc(CLIENTS, sizeof *t->b);
    return t;
}

void srv_throttle_free(srv_throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t->b);
    free(t);
}

int srv_throttle_hash_take(srv_throttle *t)
{
    pthread_mutex_lock(&t->mu);
    int ok = t->busy < t->hashes;
    if (ok)
        t->busy++;
    pthread_mutex_unlock(&t->mu);
    return ok;
}

void srv_throttle_hash_put(srv_throttle *t)
{
    pthread_mutex_lock(&t->mu);
    if (t->busy > 0)
        t->busy--;
    pthread_mutex_unlock(&t->mu);
}

/* The budget of e refilled up to now. */
static double refilled(const srv_throttle *t, const budget *e, long long now)
{
    double full = (double)t->per_minute;
    double dt = now > e->at ? (double)(now - e->at) : 0.0;
    double v = e->tokens + dt * full / 60.0;
    return v > full ? full : v;
}

/* The entry of client, made (full) when there is none; called with the lock held. */
static budget *entry(srv_throttle *t, const char *client, long long now)
{
    budget *freeslot = NULL;
    budget *fullest = NULL;
    double most = -1.0;
    for (size_t i = 0; i < CLIENTS; i++) {
        budget *e = &t->b[i];
        if (!e->client[0]) {
            if (!freeslot)
                freeslot = e;
            continue;
        }
        if (strcmp(e->client, client) == 0)
            return e;
        double v = refilled(t, e, now);
        if (v > most) {
            most = v;
            fullest = e;
        }
    }
    budget *e = freeslot ? freeslot : fullest;
    snprintf(e->client, sizeof e->client, "%s", client);
    e->tokens = (double)t->per_minute;
    e->at = now;
    return e;
}

/* Seconds until a budget of tokens checks holds one again; 0 when it does. */
static unsigned wait_of(const srv_throttle *t, double tokens)
{
    if (tokens >= 1.0)
        return 0;
    double secs = (1.0 - tokens) * 60.0 / (double)t->per_minute;
    return (unsigned)secs + 1;
}

unsigned srv_throttle_client_wait(srv_throttle *t, const char *client, long long now)
{
    if (t->per_minute == 0)
        return 0;
    const char *c = client && *client ? client : "-";
    unsigned wait = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < CLIENTS; i++) {
        if (t->b[i].client[0] && strcmp(t->b[i].client, c) == 0) {
            wait = wait_of(t, refilled(t, &t->b[i], now));
            break;
        }
    }
    pthread_mutex_unlock(&t->mu);
    return wait;
}

unsigned srv_throttle_client_take(srv_throttle *t, const char *client, long long now)
{
    if (t->per_minute == 0)
        return 0;
    const char *c = client && *client ? client : "-";
    pthread_mutex_lock(&t->mu);
    budget *e = entry(t, c, now);
    e->tokens = refilled(t, e, now);
    e->at = now > e->at ? now : e->at;
    unsigned wait = wait_of(t, e->tokens);
    if (!wait)
        e->tokens -= 1.0;
    pthread_mutex_unlock(&t->mu);
    return wait;
}

void srv_throttle_client_refund(srv_throttle *t, const char *client, long long now)
{
    if (t->per_minute == 0)
        return;
    const char *c = client && *client ? client : "-";
    pthread_mutex_lock(&t->mu);
    budget *e = entry(t, c, now);
    e->tokens = refilled(t, e, now) + 1.0;
    if (e->tokens > (double)t->per_minute)
        e->tokens = (double)t->per_minute;
    e->at = now > e->at ? now : e->at;
    pthread_mutex_unlock(&t->mu);
}
