#ifndef SRV_NOTIFY_H
#define SRV_NOTIFY_H
/* The delivery thread (server/notify.c, the only user of libcurl): sends the outbox's due
 * messages (kb_notify.h) to webhooks, WeCom and DingTalk robots and SMTP servers, records
 * each attempt, retries with exponential backoff, and runs the SLA and follow-up sweep.
 * Request handling never waits for it: handlers only write outbox rows. */
#include "kb_err.h"
#include "kb_incident.h"

#define SRV_NOTIFY_INTERVAL_MS 2000u   /* how often the outbox is polled */
#define SRV_NOTIFY_SWEEP_MS 60000u     /* how often the SLA and follow-up sweep runs */
#define SRV_NOTIFY_BACKOFF_MS 30000u   /* first retry delay; doubles, at most an hour */
#define SRV_NOTIFY_ATTEMPTS 8u         /* attempts before a message fails */
#define SRV_NOTIFY_TIMEOUT 30u         /* seconds per send (connect: at most 10) */
#define SRV_NOTIFY_FOLLOWUP (3 * 86400) /* seconds after a resolution: follow-up due */

typedef struct {
    const char *db_path;
    unsigned interval_ms;
    unsigned sweep_ms;
    unsigned backoff_ms;
    unsigned attempts;
    unsigned timeout;          /* seconds */
    long long followup_after;  /* seconds, 0 = no follow-up reminders */
} srv_notify_opts;

typedef struct srv_notifier srv_notifier;

/* Initialises libcurl (call before other threads start), opens the database and starts
 * the thread. On failure *out is NULL and err says why. */
kb_status srv_notify_start(const srv_notify_opts *o, srv_notifier **out, kb_err *err);
/* Stops the thread (a send in progress is abandoned within about a second; its message
 * stays pending and is sent again after a restart) and frees n. n may be NULL. */
void srv_notify_stop(srv_notifier *n);

#endif
