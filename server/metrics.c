/* Request counters and latency histograms (see metrics.h). */
#include "metrics.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                       "OPTIONS", "other" };
#define NMETHODS (sizeof methods / sizeof methods[0])

/* the routes whose latency agents feel while typing */
static const char *const timed[] = { "/api/v1/search", "/api/v1/complete", "/api/v1/suggest" };
#define NTIMED (sizeof timed / sizeof timed[0])

static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,    1,     2.5,  5,    10 };
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

typedef struct {
    const char *route; /* NULL: a free slot */
    unsigned method;
    unsigned status;
    unsigned long long n;
} series;

typedef struct {
    unsigned long long bucket[NBOUNDS]; /* not cumulative: requests in (bound[i-1], bound[i]] */
    unsigned long long count;
    double sum;
} histogram;

struct srv_metrics {
    pthread_mutex_t mu;
    series slot[SRV_METRICS_SERIES];
    size_t used;
    histogram hist[NTIMED];
};

srv_metrics *srv_metrics_new(void)
{
    srv_metrics *m = kb_xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void srv_metrics_free(srv_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static unsigned method_index(const char *method)
{
    for (unsigned i = 0; i + 1 < NMETHODS; i++)
        if (method && strcmp(method, methods[i]) == 0)
            return i;
    return NMETHODS - 1;
}

static size_t slot_of(const char *route, unsigned method, unsigned status)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = route; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ method) * 1099511628211ull;
    h = (h ^ status) * 1099511628211ull;
    return (size_t)(h % SRV_METRICS_SERIES);
}

/* The slot counting (route, method, status), claimed when new; NULL when the table is
 * full. Called with mu held. */
static series *find(srv_metrics *m, const char *route, unsigned method, unsigned status)
{
    size_t i = slot_of(route, method, status);
    for (size_t k = 0; k < SRV_METRICS_SERIES; k++, i = (i + 1) % SRV_METRICS_SERIES) {
        series *s = &m->slot[i];
        if (!s->route) {
            /* keep room for the fold-over series of every method and status */
            if (m->used + 64 >= SRV_METRICS_SERIES && strcmp(route, "other") != 0)
                return NULL;
            s->route = route;
            s->method = method;
            s->status = status;
            m->used++;
            return s;
        }
        if (s->method == method && s->status == status && strcmp(s->route, route) == 0)
            return s;
    }
    return NULL;
}

void srv_metrics_observe(srv_metrics *m, const char *method, const char *route,
                         unsigned status, double seconds)
{
    if (!m)
        return;
    const char *r = route ? route : "none";
    unsigned mi = method_index(method);
    if (status > 999)
        status = 0;
    pthread_mutex_lock(&m->mu);
    series *s = find(m, r, mi, status);
    if (!s)
        s = find(m, "other", mi, status);
    if (s)
        s->n++;
    for (size_t t = 0; route && t < NTIMED; t++) {
        if (strcmp(route, timed[t]) != 0)
            continue;
        histogram *h = &m->hist[t];
        size_t b = 0;
        while (b < NBOUNDS && seconds > bounds[b])
            b++;
        if (b < NBOUNDS)
            h->bucket[b]++;
        h->count++;
        h->sum += seconds > 0 ? seconds : 0;
        break;
    }
    pthread_mutex_unlock(&m->mu);
}

/* A label value: route patterns are plain, but quote what the format needs anyway. */
static void label(kb_buf *b, const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\\' || *p == '"')
            kb_buf_addf(b, "\\%c", *p);
        else if (*p == '\n')
            kb_buf_adds(b, "\\n");
        else
            kb_buf_addc(b, *p);
    }
}

void srv_metrics_render(srv_metrics *m, kb_buf *out)
{
    kb_buf_adds(out, "# HELP kedb_http_requests_total HTTP requests answered, by route "
                     "pattern, method and status (route \"none\": no route matched).\n"
                     "# TYPE kedb_http_requests_total counter\n");
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < SRV_METRICS_SERIES; i++) {
        const series *s = &m->slot[i];
        if (!s->route)
            continue;
        kb_buf_adds(out, "kedb_http_requests_total{route=\"");
        label(out, s->route);
        kb_buf_addf(out, "\",method=\"%s\",status=\"%u\"} %llu\n", methods[s->method],
                    s->status, s->n);
    }
    kb_buf_adds(out, "# HELP kedb_http_request_duration_seconds Time from a request's "
                     "first byte to its last answer byte, for the routes used while typing.\n"
                     "# TYPE kedb_http_request_duration_seconds histogram\n");
    for (size_t t = 0; t < NTIMED; t++) {
        const histogram *h = &m->hist[t];
        unsigned long long cum = 0;
        for (size_t b = 0; b < NBOUNDS; b++) {
            cum += h->bucket[b];
            kb_buf_addf(out, "kedb_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                        "%llu\n", timed[t], bounds[b], cum);
        }
        kb_buf_addf(out, "kedb_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                    "%llu\n", timed[t], h->count);
        kb_buf_addf(out, "kedb_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                    timed[t], h->sum);
        kb_buf_addf(out, "kedb_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                    timed[t], h->count);
    }
    pthread_mutex_unlock(&m->mu);
}
