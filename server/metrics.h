#ifndef SRV_METRICS_H
#define SRV_METRICS_H
/* The server's own counters for GET /metrics: requests by route pattern, method and
 * status, and latency histograms of the routes agents wait on while they type (search,
 * complete, suggest). Thread-safe; route labels are the route table's patterns, so the
 * number of series is bounded by the table (past SRV_METRICS_SERIES they fold into the
 * route "other"). */
#include "kb_buf.h"

#define SRV_METRICS_SERIES 2048u

typedef struct srv_metrics srv_metrics;

srv_metrics *srv_metrics_new(void);
void srv_metrics_free(srv_metrics *m);
/* Counts one answered request. route: the matched pattern (a string that lives as long as
 * the process), NULL when none matched; status 0 when no answer was sent. */
void srv_metrics_observe(srv_metrics *m, const char *method, const char *route,
                         unsigned status, double seconds);
/* Appends the counters in Prometheus text format (HELP and TYPE lines included). */
void srv_metrics_render(srv_metrics *m, kb_buf *out);

#endif
