/* kedb-server: command line, signals, start and orderly stop. */
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "http.h"
#include "metrics.h"
#include "kb_alloc.h"
#include "kb_attach.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_incident.h"
#include "kb_log.h"
#include "kb_notify.h"
#include "kb_search.h"
#include "notify.h"
#include "pool.h"
#include "srv.h"
#include "throttle.h"

#define DEFAULT_PORT 8080u
#define DEFAULT_LOGIN_RATE 10u /* failed logins per client address and minute */
#define MAX_LOGIN_RATE 100000u
#define DEFAULT_THREADS 4u
#define MAX_THREADS 256u
#define MAX_CONNECTIONS 65536u
#define MAX_UPLOAD (1024u * 1024u * 1024u)
#define DEFAULT_MIN_FREE_MB 100u /* /readyz: MiB free next to the database */
#define MAX_MIN_FREE_MB (1024u * 1024u * 1024u)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kedb-server --db PATH [--host ADDR] [--port N] [--web DIR] [--threads N] "
            "[--sla FILE] [--backup-dir DIR] [--secure-cookie] [--login-hashes N]\n"
            "       [--login-rate N] [--trusted-proxy ADDR]... [--header-timeout S]\n"
            "       [--body-timeout S] [--max-connections N] [--max-connections-per-ip N]\n"
            "       [--notify-interval-ms N] [--notify-sweep-ms N] [--notify-backoff-ms N]\n"
            "       [--notify-attempts N] [--notify-timeout S] [--followup-after S]\n"
            "       [--max-upload BYTES] [--metrics-allow NETS]... [--metrics-token-file FILE]\n"
            "       [--min-free-disk MIB] [-v]\n"
            "Serves the kedb search API and the search page.\n"
            "  --db PATH      knowledge-base database made by kedb-index (required)\n"
            "  --host ADDR    address to listen on (default 127.0.0.1)\n"
            "  --port N       TCP port, 0 = any free port (default 8080); the port in use is\n"
            "                 printed as 'listening on http://HOST:PORT'\n"
            "  --web DIR      directory of the static search page (default web)\n"
            "  --threads N    worker threads (default 4)\n"
            "  --sla FILE     incident SLA targets, one line per priority such as\n"
            "                 'P1 response=15m resolve=4h' (default P1 15m/4h, P2 30m/8h,\n"
            "                 P3 4h/3d, P4 1d/5d)\n"
            "  --backup-dir DIR  where POST /api/v1/backups writes backups (default\n"
            "                 '<db path>.backups', created with mode 0700 when needed)\n"
            "  --no-result-cache  do not keep recent search results (for benchmarks)\n"
            "  --secure-cookie  mark the session cookie Secure (kedb served over HTTPS by a\n"
            "                   proxy)\n"
            "  --login-hashes N  password checks (argon2id, 64 MiB each) that may run at\n"
            "                 once (default: half the threads, at least 1); more logins\n"
            "                 get 429 with Retry-After\n"
            "  --login-rate N  failed logins one client address may have per minute (the\n"
            "                 first N at once; default 10; 0 = no limit); more get 429\n"
            "  --trusted-proxy ADDR  a proxy in front (IP address; repeat or separate by\n"
            "                 commas, up to 16): for requests from it the client address is\n"
            "                 the right-most X-Forwarded-For entry; from anyone else that\n"
            "                 header is ignored\n"
            "  --header-timeout S  seconds from a request's first byte to its last header\n"
            "                 line (default 30); later: 408 and the connection is closed\n"
            "  --body-timeout S  seconds from the header to the last body byte (default 30)\n"
            "  --max-connections N  open connections in all (default 1024)\n"
            "  --max-connections-per-ip N  open connections from one address (default 256)\n"
            "  --notify-interval-ms N  how often the notification outbox is polled (default\n"
            "                 2000)\n"
            "  --notify-sweep-ms N  how often SLA thresholds and follow-ups due are looked for\n"
            "                 (default 60000)\n"
            "  --notify-backoff-ms N  delay before the first retry of a failed notification;\n"
            "                 it doubles with each attempt, at most an hour (default 30000)\n"
            "  --notify-attempts N  attempts before a notification fails (default 8)\n"
            "  --max-upload BYTES  largest attachment (default 10485760, 10 MiB; at most\n"
            "                 1 GiB); larger uploads get 413 before they are read\n"
            "  --notify-timeout S  seconds one send may take (connect: at most 10; default 30)\n"
            "  --metrics-allow NETS  addresses or networks (10.0.0.0/8, ::1; repeat or\n"
            "                 separate by commas, up to 32) that may read GET /metrics\n"
            "                 (default 127.0.0.0/8 and ::1)\n"
            "  --metrics-token-file FILE  a token (16-256 characters) that opens /metrics\n"
            "                 from anywhere as 'Authorization: Bearer TOKEN'\n"
            "  --min-free-disk MIB  /readyz says not ready when less is free next to the\n"
            "                 database (default 100)\n"
            "  --followup-after S  seconds after a resolution until 'followup_due' is sent\n"
            "                 (default 259200, 3 days; 0 = never)\n"
            "  -v, --verbose  debug logging\n"
            "  -h, --help     this text\n");
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    size_t v;
    if (srv_parse_size(s, max, &v) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Reads the file of option opt (at most max bytes) into *out (kb_buf_free it). Returns 0,
 * or -1 after saying why on stderr (*out then holds nothing). */
static int read_small(const char *path, const char *opt, size_t max, kb_buf *out)
{
    kb_buf_init(out, max);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kedb-server: cannot read %s file '%s'\n", opt, path);
        return -1;
    }
    char chunk[4096];
    size_t n;
    kb_status rc = KB_OK;
    while (rc == KB_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = kb_buf_add(out, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (!bad && rc == KB_OK)
        return 0;
    fprintf(stderr, "kedb-server: cannot read %s file '%s'%s\n", opt, path,
            rc != KB_OK ? ": too large" : "");
    kb_buf_free(out);
    return -1;
}

/* The metrics token from its file: one line of 16 to 256 printable ASCII bytes (a
 * trailing newline is fine). Returns a new string, or NULL after saying why. */
static char *load_token(const char *path)
{
    kb_buf b;
    if (read_small(path, "--metrics-token-file", 4096, &b) != 0)
        return NULL;
    size_t n = b.len;
    while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r'))
        n--;
    int ok = n >= 16 && n <= 256;
    for (size_t i = 0; ok && i < n; i++)
        ok = b.data[i] > 0x20 && b.data[i] < 0x7f;
    char *tok = ok ? kb_xstrndup(b.data, n) : NULL;
    if (!ok)
        fprintf(stderr, "kedb-server: --metrics-token-file '%s' must hold one token of 16 to "
                "256 printable characters without spaces\n", path);
    kb_hash_wipe(b.data, b.len);
    kb_buf_free(&b);
    return tok;
}

/* Reads the SLA file at path into *out (the defaults without a path). On failure prints
 * why and returns -1. */
static int load_sla(const char *path, kb_incident_sla *out)
{
    kb_incident_sla_default(out);
    if (!path)
        return 0;
    kb_buf b;
    if (read_small(path, "--sla", 64u * 1024u, &b) != 0)
        return -1;
    kb_err err;
    kb_err_clear(&err);
    size_t line = 0;
    int ok = 0;
    if (kb_incident_sla_parse(b.data, b.len, out, &line, &err) != KB_OK)
        fprintf(stderr, "kedb-server: --sla file '%s' line %zu: %s\n", path, line, err.msg);
    else
        ok = 1;
    kb_buf_free(&b);
    return ok ? 0 : -1;
}

/* Opens the database once with migrations, so that the pool (whose handles never migrate)
 * finds the current schema (e.g. the incident tables after an upgrade). A missing file is an error: the
 * server never creates a database. */
static kb_status migrate_db(const char *path, kb_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return kb_err_set(err, KB_EIO, "no such file");
    kb_store *s = NULL;
    kb_status rc = kb_store_open(path, 0, &s, err);
    kb_store_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },
        { "host", required_argument, NULL, 'H' },
        { "port", required_argument, NULL, 'p' },
        { "web", required_argument, NULL, 'w' },
        { "threads", required_argument, NULL, 't' },
        { "no-result-cache", no_argument, NULL, 'C' },
        { "sla", required_argument, NULL, 's' },
        { "backup-dir", required_argument, NULL, 'b' },
        { "secure-cookie", no_argument, NULL, 'S' },
        { "login-hashes", required_argument, NULL, 'L' },
        { "login-rate", required_argument, NULL, 'R' },
        { "trusted-proxy", required_argument, NULL, 'P' },
        { "header-timeout", required_argument, NULL, 'T' },
        { "body-timeout", required_argument, NULL, 'B' },
        { "max-connections", required_argument, NULL, 'M' },
        { "max-connections-per-ip", required_argument, NULL, 'I' },
        { "notify-interval-ms", required_argument, NULL, 'N' },
        { "notify-sweep-ms", required_argument, NULL, 'W' },
        { "notify-backoff-ms", required_argument, NULL, 'K' },
        { "notify-attempts", required_argument, NULL, 'A' },
        { "max-upload", required_argument, NULL, 'U' },
        { "notify-timeout", required_argument, NULL, 'O' },
        { "followup-after", required_argument, NULL, 'F' },
        { "metrics-allow", required_argument, NULL, 'm' },
        { "metrics-token-file", required_argument, NULL, 'k' },
        { "min-free-disk", required_argument, NULL, 'D' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *db = NULL;
    const char *web = "web";
    srv_http_opts hopts = { .host = "127.0.0.1", .port = DEFAULT_PORT,
                            .threads = DEFAULT_THREADS,
                            .header_timeout = SRV_HTTP_HEADER_TIMEOUT,
                            .body_timeout = SRV_HTTP_BODY_TIMEOUT,
                            .max_connections = SRV_HTTP_MAX_CONNECTIONS,
                            .max_per_ip = SRV_HTTP_MAX_PER_IP };
    kb_err perr;
    int verbose = 0;
    const char *sla_path = NULL;
    const char *backup_dir = NULL;
    int secure_cookie = 0;
    unsigned login_hashes = 0;
    unsigned login_rate = DEFAULT_LOGIN_RATE;
    unsigned max_upload = KB_ATTACH_MAX_BYTES;
    srv_netlist metrics_allow;
    memset(&metrics_allow, 0, sizeof metrics_allow);
    const char *token_file = NULL;
    unsigned min_free_mb = DEFAULT_MIN_FREE_MB;
    srv_notify_opts nopts = { .db_path = db, .interval_ms = SRV_NOTIFY_INTERVAL_MS,
                              .sweep_ms = SRV_NOTIFY_SWEEP_MS,
                              .backoff_ms = SRV_NOTIFY_BACKOFF_MS,
                              .attempts = SRV_NOTIFY_ATTEMPTS, .timeout = SRV_NOTIFY_TIMEOUT,
                              .followup_after = SRV_NOTIFY_FOLLOWUP };
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":vh", longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'd': db = optarg; break;
        case 'H': hopts.host = optarg; break;
        case 'w': web = optarg; break;
        case 'v': verbose = 1; break;
        case 'C': kb_search_cache_enable(0); break;
        case 's': sla_path = optarg; break;
        case 'b': backup_dir = optarg; break;
        case 'S': secure_cookie = 1; break;
        case 'h': usage(stdout); return 0;
        case 'k': token_file = optarg; break;
        case 'm':
            if (srv_netlist_add(&metrics_allow, optarg, &perr) != KB_OK) {
                fprintf(stderr, "kedb-server: invalid --metrics-allow: %s\n", perr.msg);
                return 2;
            }
            break;
        case 'D':
            if (parse_uint(optarg, MAX_MIN_FREE_MB, &min_free_mb) != 0) {
                fprintf(stderr, "kedb-server: invalid --min-free-disk '%s' (0-%u MiB)\n",
                        optarg, MAX_MIN_FREE_MB);
                return 2;
            }
            break;
        case 'p':
            if (parse_uint(optarg, 65535, &hopts.port) != 0) {
                fprintf(stderr, "kedb-server: invalid --port '%s' (0-65535)\n", optarg);
                return 2;
            }
            break;
        case 'P':
            if (srv_http_add_proxies(&hopts, optarg, &perr) != KB_OK) {
                fprintf(stderr, "kedb-server: invalid --trusted-proxy: %s\n", perr.msg);
                return 2;
            }
            break;
        case 'T':
        case 'B': {
            unsigned *v = c == 'T' ? &hopts.header_timeout : &hopts.body_timeout;
            if (parse_uint(optarg, SRV_HTTP_MAX_TIMEOUT, v) != 0 || *v == 0) {
                fprintf(stderr, "kedb-server: invalid %s '%s' (1-%u seconds)\n",
                        c == 'T' ? "--header-timeout" : "--body-timeout", optarg,
                        SRV_HTTP_MAX_TIMEOUT);
                return 2;
            }
            break;
        }
        case 'M':
        case 'I': {
            unsigned *v = c == 'M' ? &hopts.max_connections : &hopts.max_per_ip;
            if (parse_uint(optarg, MAX_CONNECTIONS, v) != 0 || *v == 0) {
                fprintf(stderr, "kedb-server: invalid %s '%s' (1-%u)\n",
                        c == 'M' ? "--max-connections" : "--max-connections-per-ip", optarg,
                        MAX_CONNECTIONS);
                return 2;
            }
            break;
        }
        case 't':
            if (parse_uint(optarg, MAX_THREADS, &hopts.threads) != 0 || hopts.threads == 0) {
                fprintf(stderr, "kedb-server: invalid --threads '%s' (1-%u)\n", optarg,
                        MAX_THREADS);
                return 2;
            }
            break;
        case 'L':
            if (parse_uint(optarg, MAX_THREADS, &login_hashes) != 0 || login_hashes == 0) {
                fprintf(stderr, "kedb-server: invalid --login-hashes '%s' (1-%u)\n", optarg,
                        MAX_THREADS);
                return 2;
            }
            break;
        case 'U':
            if (parse_uint(optarg, MAX_UPLOAD, &max_upload) != 0 || max_upload == 0) {
                fprintf(stderr, "kedb-server: invalid --max-upload '%s' (1-%u bytes)\n",
                        optarg, MAX_UPLOAD);
                return 2;
            }
            break;
        case 'R':
            if (parse_uint(optarg, MAX_LOGIN_RATE, &login_rate) != 0) {
                fprintf(stderr, "kedb-server: invalid --login-rate '%s' (0-%u)\n", optarg,
                        MAX_LOGIN_RATE);
                return 2;
            }
            break;
        case 'N':
        case 'W':
        case 'K':
        case 'A':
        case 'O':
        case 'F': {
            static const struct {
                int c;
                const char *name;
                unsigned min, max;
            } lim[] = { { 'N', "--notify-interval-ms", 10, 3600000 },
                        { 'W', "--notify-sweep-ms", 10, 86400000 },
                        { 'K', "--notify-backoff-ms", 1, 86400000 },
                        { 'A', "--notify-attempts", 1, 100 },
                        { 'O', "--notify-timeout", 1, 600 },
                        { 'F', "--followup-after", 0, 365u * 86400u } };
            size_t i = 0;
            while (lim[i].c != c)
                i++;
            unsigned v;
            if (parse_uint(optarg, lim[i].max, &v) != 0 || v < lim[i].min) {
                fprintf(stderr, "kedb-server: invalid %s '%s' (%u-%u)\n", lim[i].name, optarg,
                        lim[i].min, lim[i].max);
                return 2;
            }
            if (c == 'N')
                nopts.interval_ms = v;
            else if (c == 'W')
                nopts.sweep_ms = v;
            else if (c == 'K')
                nopts.backoff_ms = v;
            else if (c == 'A')
                nopts.attempts = v;
            else if (c == 'O')
                nopts.timeout = v;
            else
                nopts.followup_after = v;
            break;
        }
        case ':':
            fprintf(stderr, "kedb-server: option '%s' needs a value\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        default:
            fprintf(stderr, "kedb-server: unknown option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kedb-server: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!db || !*db) {
        fprintf(stderr, "kedb-server: --db PATH is required\n");
        usage(stderr);
        return 2;
    }
    if (backup_dir && !*backup_dir) {
        fprintf(stderr, "kedb-server: --backup-dir must not be empty\n");
        return 2;
    }
    if (!*hopts.host) {
        fprintf(stderr, "kedb-server: --host must not be empty\n");
        return 2;
    }
    kb_incident_sla sla;
    if (load_sla(sla_path, &sla) != 0)
        return 2;
    kb_log_set_level(verbose ? KB_LOG_DEBUG : KB_LOG_INFO);
    kb_notify_configure(&sla);
    nopts.db_path = db;
    json_object_seed(0); /* before any thread creates JSON objects */
    signal(SIGPIPE, SIG_IGN);

    /* Block the stop signals before any thread exists, so every thread inherits the mask and
     * only sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    int status = 1;
    kb_err err;
    kb_err_clear(&err);
    srv_app app;
    memset(&app, 0, sizeof app);
    app.db_path = db;
    app.web_dir = web;
    app.sla = sla;
    app.secure_cookie = secure_cookie;
    app.max_upload = max_upload;
    if (token_file && !(app.metrics_token = load_token(token_file)))
        return 2;
    app.metrics = srv_metrics_new();
    if (metrics_allow.n == 0)
        srv_netlist_add(&metrics_allow, "127.0.0.0/8,::1", &err);
    app.metrics_allow = metrics_allow;
    app.min_free_disk = (unsigned long long)min_free_mb << 20;
    app.notify_interval_ms = nopts.interval_ms;
    if (!login_hashes)
        login_hashes = hopts.threads / 2 ? hopts.threads / 2 : 1;
    app.throttle = srv_throttle_new(login_hashes, login_rate);
    kb_buf backups;
    kb_buf_init(&backups, 0);
    if (!backup_dir) {
        kb_buf_adds(&backups, db);
        kb_buf_adds(&backups, ".backups");
        backup_dir = backups.data;
    }
    app.backup_dir = backup_dir;
    app.web_real = realpath(web, NULL);
    if (!app.web_real)
        kb_log(KB_LOG_WARN, "web directory '%s' not found: only the API is served", web);

    srv_http *http = NULL;
    srv_notifier *notifier = NULL;
    if (migrate_db(db, &err) != KB_OK ||
        srv_pool_new(db, hopts.threads, &app.pool, &err) != KB_OK) {
        kb_log(KB_LOG_ERROR, "cannot open database '%s': %s", db, err.msg);
        goto out;
    }
    if (srv_notify_start(&nopts, &notifier, &err) != KB_OK) {
        kb_log(KB_LOG_ERROR, "cannot start the notification thread: %s", err.msg);
        goto out;
    }
    if (srv_http_start(&app, &hopts, &http, &err) != KB_OK) {
        kb_log(KB_LOG_ERROR, "cannot start server: %s", err.msg);
        goto out;
    }
    const char *open_br = strchr(hopts.host, ':') ? "[" : "";
    const char *close_br = strchr(hopts.host, ':') ? "]" : "";
    printf("listening on http://%s%s%s:%u\n", open_br, hopts.host, close_br,
           srv_http_port(http));
    fflush(stdout);
    kb_log(KB_LOG_INFO, "kedb-server started db=%s threads=%u web=%s", db, hopts.threads,
           app.web_real ? app.web_real : "-");

    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    kb_log(KB_LOG_INFO, "stopping on signal %d", sig);
    status = 0;
out:
    srv_http_stop(http);
    srv_notify_stop(notifier);
    srv_pool_free(app.pool);
    srv_throttle_free(app.throttle);
    srv_metrics_free(app.metrics);
    if (app.metrics_token)
        kb_hash_wipe(app.metrics_token, strlen(app.metrics_token));
    free(app.metrics_token);
    free(app.web_real);
    kb_buf_free(&backups);
    if (status == 0)
        kb_log(KB_LOG_INFO, "stopped");
    return status;
}
