#ifndef SRV_HTTP_H
#define SRV_HTTP_H
/* The HTTP daemon (libmicrohttpd): listening, limits, routing, error bodies, access log. */
#include "kb_err.h"
#include "srv.h"

typedef struct srv_http srv_http;

typedef struct {
    const char *host;      /* address or name to bind, e.g. "127.0.0.1" or "::1" */
    unsigned port;         /* 0 = any free port */
    unsigned threads;      /* worker threads (MHD thread pool) */
} srv_http_opts;

/* Starts serving app (borrowed; must outlive the daemon). On success *out is running and
 * must be stopped with srv_http_stop(); on failure *out is NULL and err says why. */
kb_status srv_http_start(srv_app *app, const srv_http_opts *opts, srv_http **out,
                         kb_err *err);
/* The port actually bound (useful with port 0). */
unsigned srv_http_port(const srv_http *h);
/* Stops accepting, finishes or drops open connections, joins the threads and frees h.
 * h may be NULL. */
void srv_http_stop(srv_http *h);

#endif
