#ifndef SRV_THROTTLE_H
#define SRV_THROTTLE_H
/* Login throttling shared by all worker threads (used by h_auth.c): a bound on the
 * password hashes (argon2id, 64 MiB each) that run at once, and a budget of failed
 * password checks per client address (a token bucket: `per_minute` at once, refilled at
 * per_minute a minute). Thread-safe. Times are epoch seconds from srv_now(), so tests can
 * move them. */
#include "srv.h"

/* Creates the throttle: at most hashes (>= 1) checks at once; per_minute failed checks a
 * client address may spend (0: no limit). Free with srv_throttle_free(). */
srv_throttle *srv_throttle_new(unsigned hashes, unsigned per_minute);
/* Releases t. t may be NULL. */
void srv_throttle_free(srv_throttle *t);

/* Takes a hash slot without waiting: 1 when taken (give it back with
 * srv_throttle_hash_put()), 0 when all are busy. */
int srv_throttle_hash_take(srv_throttle *t);
void srv_throttle_hash_put(srv_throttle *t);

/* Spends one check of client's budget at time now: 0 when allowed, else the seconds until
 * one is free again (nothing spent). Addresses beyond the table's size replace the one with
 * the fullest budget. */
unsigned srv_throttle_client_take(srv_throttle *t, const char *client, long long now);
/* The seconds until client may spend a check at now, 0 when it may now; nothing is spent
 * (a caller that refuses a spent address before doing any work). */
unsigned srv_throttle_client_wait(srv_throttle *t, const char *client, long long now);
/* Gives back the check spent by client (it was not a failure). */
void srv_throttle_client_refund(srv_throttle *t, const char *client, long long now);

#endif
