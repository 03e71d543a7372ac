#ifndef KB_USAGE_H
#define KB_USAGE_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* How knowledge is used on the desk: which known errors resolved incidents, which
 * suggestions helped, and which searches found nothing (knowledge gaps). */

/* Usage of one knowledge item. Times are seconds since the epoch (0 = never). */
typedef struct {
    long long resolved;      /* incidents it resolved */
    long long last_resolved;
    long long helpful;       /* "this helped" on a suggestion */
    long long not_helpful;
} kb_usage;

/* Records that the item kb_id resolved an incident at time at (delta -1 undoes one, for a
 * reopened incident). KB_ENOTFOUND when there is no such item. Joins the caller's
 * transaction when one is open. */
kb_status kb_usage_resolved(kb_store *s, const char *kb_id, int delta, long long at,
                            kb_err *err);
/* Records "this helped" (helpful 1) or "did not help" (0) for a suggestion of kb_id, audited
 * with actor as who gave it (NULL: "anonymous"). */
kb_status kb_usage_feedback(kb_store *s, const char *kb_id, int helpful, const char *actor,
                            long long at, kb_err *err);
/* The usage of kb_id (all zero when none is recorded). */
kb_status kb_usage_get(kb_store *s, const char *kb_id, kb_usage *out, kb_err *err);

/* The ranking boost of known errors that solved incidents: 1 + 0.1 * log2(1 + resolved)
 * + 0.05 * (helpful - not helpful), kept between 0.8 and 1.5 so that text relevance
 * still leads. Calls fn(ctx, rowid, factor) for every item with a factor other than 1. */
typedef int (*kb_usage_boost_fn)(void *ctx, long long rowid, double factor);
kb_status kb_usage_boosts(kb_store *s, kb_usage_boost_fn fn, void *ctx, kb_err *err);
double kb_usage_factor(const kb_usage *u);

/* Counts a search or suggestion that found nothing (query normalised by the caller, at
 * most 200 bytes kept) at time at. */
kb_status kb_usage_gap(kb_store *s, const char *query, long long at, kb_err *err);

/* One knowledge gap: a query that found nothing, how often and when last. */
typedef struct {
    char *query;
    long long count;
    long long last;
} kb_gap;

/* The most frequent gaps since `since` (0 = ever), at most max. *out is freed with
 * kb_usage_gaps_free(). */
kb_status kb_usage_gaps(kb_store *s, long long since, size_t max, kb_gap **out, size_t *n,
                        kb_err *err);
void kb_usage_gaps_free(kb_gap *g, size_t n);

#endif
