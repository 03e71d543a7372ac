#ifndef KB_METRICS_H
#define KB_METRICS_H
/* What the database says about the desk's health, for the server's /metrics and /readyz:
 * counts read in one snapshot, and probes that the database takes writes and the
 * full-text index answers. */
#include "kb_err.h"
#include "kb_store.h"

/* Incident statuses as counted (kb_incident_status_name order). */
#define KB_METRICS_INC_STATUSES 6

typedef struct {
    long long incidents[KB_METRICS_INC_STATUSES]; /* every incident by its status */
    long long breached_open[2];  /* open incidents past their response [0] / resolve [1]
                                    target (the sweep's breach marks) */
    long long breaches[2];       /* breaches ever marked: response [0], resolve [1] */
    long long outbox_pending;    /* notifications waiting to be sent */
    long long outbox_failed;     /* notifications given up on */
    long long outbox_sent;       /* notifications delivered (kept until the prune) */
    long long outbox_stuck;      /* pending ones due before the stuck cut-off */
    long long oldest_due;        /* next_at of the oldest due pending one; 0 when none */
    long long db_bytes;          /* pages in use times page size (the main file) */
    long long db_free_bytes;     /* of which on the free list */
    long long last_backup;       /* time of the newest backup made; 0 when none */
} kb_metrics;

/* Reads the counts in one read snapshot. Pending notifications whose next attempt was
 * due before stuck_before (a Unix time) count as stuck. */
kb_status kb_metrics_read(kb_store *s, long long stuck_before, kb_metrics *out, kb_err *err);

/* A real write: records now as the last probe in the meta table and commits. KB_EDB (or
 * KB_EBUSY) with SQLite's reason when the database does not take it. */
kb_status kb_metrics_probe_write(kb_store *s, long long now, kb_err *err);
/* Asks the full-text index one question; KB_EDB when it cannot answer. */
kb_status kb_metrics_probe_index(kb_store *s, kb_err *err);

#endif
