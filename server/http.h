#ifndef SRV_HTTP_H
#define SRV_HTTP_H
/* The HTTP daemon (libmicrohttpd): listening, limits, routing, error bodies, access log. */
#include <netinet/in.h>
#include <stddef.h>

#include "kb_err.h"
#include "srv.h"

typedef struct srv_http srv_http;

/* Defaults of the connection limits (srv_http_opts, kedb-server options). */
#define SRV_HTTP_HEADER_TIMEOUT 30u   /* seconds from a request's first byte to its last header */
#define SRV_HTTP_BODY_TIMEOUT 30u     /* seconds from the last header to the last body byte */
#define SRV_HTTP_MAX_CONNECTIONS 1024u
#define SRV_HTTP_MAX_PER_IP 256u      /* open connections from one peer address */
#define SRV_HTTP_MAX_TIMEOUT 3600u
#define SRV_HTTP_MAX_PROXIES 16u

typedef struct {
    const char *host;      /* address or name to bind, e.g. "127.0.0.1" or "::1" */
    unsigned port;         /* 0 = any free port */
    unsigned threads;      /* worker threads (MHD thread pool) */
    unsigned header_timeout; /* seconds, 1..SRV_HTTP_MAX_TIMEOUT: past it, 408 and close */
    unsigned body_timeout;   /* seconds, 1..SRV_HTTP_MAX_TIMEOUT: past it, 408 and close */
    unsigned max_connections; /* open connections in all; more wait in the listen queue */
    unsigned max_per_ip;   /* open connections from one peer address; more are refused */
    /* Peers whose right-most X-Forwarded-For entry is the client address (a TLS proxy in
     * front); IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d). */
    struct in6_addr proxies[SRV_HTTP_MAX_PROXIES];
    size_t nproxies;
} srv_http_opts;

/* Adds the addresses of list (IPv4 or IPv6 literals, separated by commas) to o's trusted
 * proxies. KB_EINVAL names an entry that is not an address, or one past
 * SRV_HTTP_MAX_PROXIES; o keeps the entries before it. */
kb_status srv_http_add_proxies(srv_http_opts *o, const char *list, kb_err *err);

/* Starts serving app (borrowed; must outlive the daemon). On success *out is running and
 * must be stopped with srv_http_stop(); on failure *out is NULL and err says why. */
kb_status srv_http_start(srv_app *app, const srv_http_opts *opts, srv_http **out,
                         kb_err *err);
/* The port actually bound (useful with port 0). */
unsigned srv_http_port(const srv_http *h);
/* Stops listening (new connections are refused) and waits up to timeout_ms for the
 * requests in progress (being received, handled or answered) to finish; idle keep-alive
 * connections do not count. Returns how many were still busy. h may be NULL. */
size_t srv_http_drain(srv_http *h, unsigned timeout_ms);
/* Stops accepting, finishes or drops open connections, joins the threads and frees h.
 * h may be NULL. */
void srv_http_stop(srv_http *h);

#endif
