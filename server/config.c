/* kedb-server's settings: the configuration file, the flags over it, their checks. */
#include "config.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kb_alloc.h"
#include "kb_attach.h"
#include "kb_buf.h"
#include "kb_calendar.h"
#include "kb_hash.h"
#include "kb_ingest.h"
#include "srv.h"

#define DEFAULT_PORT 8080u
#define DEFAULT_LOGIN_RATE 10u /* failed logins per client address and minute */
#define MAX_THREADS 256u
#define MAX_CONNECTIONS 65536u
#define MAX_UPLOAD (1024u * 1024u * 1024u)
#define DEFAULT_MIN_FREE_MB 100u /* /readyz: MiB free next to the database */
#define MAX_MIN_FREE_MB (1024u * 1024u * 1024u)

enum kind {
    K_PATH, K_UINT, K_BOOL, K_PROXY, K_NETS, K_LEVEL, K_FORMAT, K_CONFIG, K_CHECK, K_HELP
};

/* Every option: its flag, its key in the file (NULL: flag only), how its value is read,
 * the bounds of a number and, for an unsigned setting, where it goes. A flag without a
 * value (implied != NULL) sets its key to implied. */
static const struct opt {
    const char *flag;
    const char *key;
    enum kind kind;
    unsigned min, max;
    size_t off;
    const char *implied;
} opts[] = {
    { "config", NULL, K_CONFIG, 0, 0, 0, NULL },
    { "check-config", NULL, K_CHECK, 0, 0, 0, "yes" },
    { "help", NULL, K_HELP, 0, 0, 0, "yes" },
    { "db", "db", K_PATH, 0, 0, offsetof(srv_config, db), NULL },
    { "host", "host", K_PATH, 0, 0, offsetof(srv_config, http.host), NULL },
    { "port", "port", K_UINT, 0, 65535, offsetof(srv_config, http.port), NULL },
    { "web", "web", K_PATH, 0, 0, offsetof(srv_config, web), NULL },
    { "threads", "threads", K_UINT, 1, MAX_THREADS, offsetof(srv_config, http.threads), NULL },
    { "no-result-cache", "result_cache", K_BOOL, 0, 0, offsetof(srv_config, result_cache),
      "no" },
    { "sla", "sla", K_PATH, 0, 0, offsetof(srv_config, sla), NULL },
    { "backup-dir", "backup_dir", K_PATH, 0, 0, offsetof(srv_config, backup_dir), NULL },
    { "secure-cookie", "secure_cookie", K_BOOL, 0, 0, offsetof(srv_config, secure_cookie),
      "yes" },
    { "login-hashes", "login_hashes", K_UINT, 1, MAX_THREADS,
      offsetof(srv_config, login_hashes), NULL },
    { "login-rate", "login_rate", K_UINT, 0, 100000, offsetof(srv_config, login_rate), NULL },
    { "trusted-proxy", "trusted_proxy", K_PROXY, 0, 0, 0, NULL },
    { "header-timeout", "header_timeout", K_UINT, 1, SRV_HTTP_MAX_TIMEOUT,
      offsetof(srv_config, http.header_timeout), NULL },
    { "body-timeout", "body_timeout", K_UINT, 1, SRV_HTTP_MAX_TIMEOUT,
      offsetof(srv_config, http.body_timeout), NULL },
    { "max-connections", "max_connections", K_UINT, 1, MAX_CONNECTIONS,
      offsetof(srv_config, http.max_connections), NULL },
    { "max-connections-per-ip", "max_connections_per_ip", K_UINT, 1, MAX_CONNECTIONS,
      offsetof(srv_config, http.max_per_ip), NULL },
    { "notify-interval-ms", "notify_interval_ms", K_UINT, 10, 3600000,
      offsetof(srv_config, notify.interval_ms), NULL },
    { "notify-sweep-ms", "notify_sweep_ms", K_UINT, 10, 86400000,
      offsetof(srv_config, notify.sweep_ms), NULL },
    { "notify-backoff-ms", "notify_backoff_ms", K_UINT, 1, 86400000,
      offsetof(srv_config, notify.backoff_ms), NULL },
    { "notify-attempts", "notify_attempts", K_UINT, 1, 100,
      offsetof(srv_config, notify.attempts), NULL },
    { "notify-timeout", "notify_timeout", K_UINT, 1, 600, offsetof(srv_config, notify.timeout),
      NULL },
    { "followup-after", "followup_after", K_UINT, 0, 365u * 86400u, 0, NULL },
    { "max-upload", "max_upload", K_UINT, 1, MAX_UPLOAD, offsetof(srv_config, max_upload),
      NULL },
    { "metrics-allow", "metrics_allow", K_NETS, 0, 0, 0, NULL },
    { "metrics-token-file", "metrics_token_file", K_PATH, 0, 0,
      offsetof(srv_config, metrics_token_file), NULL },
    { "min-free-disk", "min_free_disk", K_UINT, 0, MAX_MIN_FREE_MB,
      offsetof(srv_config, min_free_mb), NULL },
    { "synonyms", "synonyms", K_PATH, 0, 0, offsetof(srv_config, synonyms), NULL },
    { "calendar", "calendar", K_PATH, 0, 0, offsetof(srv_config, calendar), NULL },
    { "log-level", "log_level", K_LEVEL, 0, 0, 0, NULL },
    { "verbose", "log_level", K_LEVEL, 0, 0, 0, "debug" },
    { "log-format", "log_format", K_FORMAT, 0, 0, 0, NULL },
};
#define NOPTS (sizeof opts / sizeof opts[0])

static int differ(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* The settings a reload applies (kedb-server's reload in server/main.c). */
static int reloadable(const char *key)
{
    static const char *const keys[] = { "sla", "synonyms", "calendar", "result_cache",
                                        "metrics_allow", "metrics_token_file",
                                        "min_free_disk", "log_level", "log_format", NULL };
    for (size_t i = 0; keys[i]; i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

void srv_config_restart_keys(const srv_config *a, const srv_config *b,
                             void (*changed)(const char *key))
{
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        if (!o->key || reloadable(o->key))
            continue;
        const char *pa = (const char *)a + o->off, *pb = (const char *)b + o->off;
        int diff = 0;
        if (o->kind == K_PATH)
            diff = differ(*(const char *const *)(const void *)pa,
                          *(const char *const *)(const void *)pb);
        else if (o->kind == K_UINT && strcmp(o->flag, "followup-after") == 0)
            diff = a->notify.followup_after != b->notify.followup_after;
        else if (o->kind == K_UINT)
            diff = *(const unsigned *)(const void *)pa != *(const unsigned *)(const void *)pb;
        else if (o->kind == K_BOOL)
            diff = *(const int *)(const void *)pa != *(const int *)(const void *)pb;
        else if (o->kind == K_PROXY)
            diff = a->http.nproxies != b->http.nproxies ||
                   memcmp(a->http.proxies, b->http.proxies,
                          a->http.nproxies * sizeof a->http.proxies[0]) != 0;
        if (diff)
            changed(o->key);
    }
}

void srv_config_usage(FILE *f)
{
    fprintf(f,
            "usage: kedb-server [--config FILE] [--check-config] [--db PATH] [--host ADDR]\n"
            "       [--port N] [--web DIR] [--threads N] [--sla FILE] [--synonyms FILE]\n"
            "       [--calendar FILE] [--backup-dir DIR] [--secure-cookie] [--login-hashes N]\n"
            "       [--login-rate N] [--trusted-proxy ADDR]... [--header-timeout S]\n"
            "       [--body-timeout S] [--max-connections N] [--max-connections-per-ip N]\n"
            "       [--notify-interval-ms N] [--notify-sweep-ms N] [--notify-backoff-ms N]\n"
            "       [--notify-attempts N] [--notify-timeout S] [--followup-after S]\n"
            "       [--max-upload BYTES] [--metrics-allow NETS]... [--metrics-token-file FILE]\n"
            "       [--min-free-disk MIB] [--log-level LEVEL] [--log-format FORMAT] [-v]\n"
            "Serves the kedb search API and the search page.\n"
            "  --config FILE  settings file, 'key = value' lines with the options' names\n"
            "                 ('_' for '-'); flags given here win over it (default\n"
            "                 " SRV_CONFIG_DEFAULT " when it exists)\n"
            "  --check-config  check the settings and the files they name, print the result\n"
            "                 and exit (0: good, 1: not)\n"
            "  --db PATH      knowledge-base database made by kedb-index (required)\n"
            "  --host ADDR    address to listen on (default 127.0.0.1)\n"
            "  --port N       TCP port, 0 = any free port (default 8080); the port in use is\n"
            "                 printed as 'listening on http://HOST:PORT'\n"
            "  --web DIR      directory of the web UI (default web, else\n"
            "                 " SRV_WEB_INSTALLED ")\n"
            "  --threads N    worker threads (default 4)\n"
            "  --sla FILE     incident SLA targets, one line per priority such as\n"
            "                 'P1 response=15m resolve=4h' (default P1 15m/4h, P2 30m/8h,\n"
            "                 P3 4h/3d, P4 1d/5d); read again on SIGHUP\n"
            "  --synonyms FILE  synonyms (kedb-index's synonyms.txt format) put into the\n"
            "                 database at start and on SIGHUP\n"
            "  --calendar FILE  the business calendar stored at start and on SIGHUP\n");
    fprintf(f,
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
            "  --followup-after S  seconds after a resolution until 'followup_due' is sent\n"
            "                 (default 259200, 3 days; 0 = never)\n"
            "  --metrics-allow NETS  addresses or networks (10.0.0.0/8, ::1; repeat or\n"
            "                 separate by commas, up to 32) that may read GET /metrics\n"
            "                 (default 127.0.0.0/8 and ::1)\n"
            "  --metrics-token-file FILE  a token (16-256 characters) that opens /metrics\n"
            "                 from anywhere as 'Authorization: Bearer TOKEN'\n"
            "  --min-free-disk MIB  /readyz says not ready when less is free next to the\n"
            "                 database (default 100)\n"
            "  --log-level LEVEL  error, warn, info (default) or debug\n"
            "  --log-format FORMAT  logfmt (default) or json: one line per event on stderr\n"
            "  -v, --verbose  debug logging (--log-level debug)\n"
            "  -h, --help     this text\n"
            "SIGHUP reads the SLA, synonyms and calendar files, who may read /metrics (the\n"
            "allow-list and the token file) and the log settings again;\n"
            "SIGTERM stops after the requests in progress.\n");
}

/* Sets option o from value (NULL for a flag without one). Returns 0, or -1 with why. */
static int set_opt(srv_config *c, const struct opt *o, const char *value, int from_cli,
                   char *why, size_t size)
{
    if (!value)
        value = o->implied;
    switch (o->kind) {
    case K_CONFIG:
    case K_HELP:
    case K_CHECK:
        return 0; /* read before the file */
    case K_PATH:
        if (!*value) {
            snprintf(why, size, "must not be empty");
            return -1;
        }
        *(const char **)(void *)((char *)c + o->off) = value;
        return 0;
    case K_UINT: {
        size_t v;
        if (srv_parse_size(value, o->max, &v) != 0 || v < o->min) {
            snprintf(why, size, "'%.60s' is not a whole number from %u to %u", value, o->min,
                     o->max);
            return -1;
        }
        if (strcmp(o->flag, "followup-after") == 0)
            c->notify.followup_after = (long long)v;
        else
            *(unsigned *)(void *)((char *)c + o->off) = (unsigned)v;
        return 0;
    }
    case K_BOOL: {
        int b = kb_conf_bool(value);
        if (b < 0) {
            snprintf(why, size, "'%.60s' is not yes or no", value);
            return -1;
        }
        *(int *)(void *)((char *)c + o->off) = b;
        return 0;
    }
    case K_PROXY: {
        if (from_cli && !c->proxies_from_cli) { /* the flags replace the file's list */
            c->proxies_from_cli = 1;
            c->http.nproxies = 0;
        }
        kb_err e;
        if (srv_http_add_proxies(&c->http, value, &e) != KB_OK) {
            snprintf(why, size, "%s", e.msg);
            return -1;
        }
        return 0;
    }
    case K_NETS: {
        if (from_cli && !c->metrics_allow_from_cli) { /* the flags replace the file's list */
            c->metrics_allow_from_cli = 1;
            c->metrics_allow.n = 0;
        }
        kb_err e;
        if (srv_netlist_add(&c->metrics_allow, value, &e) != KB_OK) {
            snprintf(why, size, "%s", e.msg);
            return -1;
        }
        return 0;
    }
    case K_LEVEL:
        if (kb_log_level_parse(value, &c->log_level) != 0) {
            snprintf(why, size, "'%.60s' is not error, warn, info or debug", value);
            return -1;
        }
        return 0;
    case K_FORMAT:
        if (kb_log_format_parse(value, &c->log_format) != 0) {
            snprintf(why, size, "'%.60s' is not logfmt or json", value);
            return -1;
        }
        return 0;
    }
    return -1;
}

static void defaults(srv_config *c)
{
    memset(c, 0, sizeof *c);
    c->http.host = "127.0.0.1";
    c->http.port = DEFAULT_PORT;
    c->http.threads = 4;
    c->http.header_timeout = SRV_HTTP_HEADER_TIMEOUT;
    c->http.body_timeout = SRV_HTTP_BODY_TIMEOUT;
    c->http.max_connections = SRV_HTTP_MAX_CONNECTIONS;
    c->http.max_per_ip = SRV_HTTP_MAX_PER_IP;
    c->notify.interval_ms = SRV_NOTIFY_INTERVAL_MS;
    c->notify.sweep_ms = SRV_NOTIFY_SWEEP_MS;
    c->notify.backoff_ms = SRV_NOTIFY_BACKOFF_MS;
    c->notify.attempts = SRV_NOTIFY_ATTEMPTS;
    c->notify.timeout = SRV_NOTIFY_TIMEOUT;
    c->notify.followup_after = SRV_NOTIFY_FOLLOWUP;
    c->login_rate = DEFAULT_LOGIN_RATE;
    c->min_free_mb = DEFAULT_MIN_FREE_MB;
    c->max_upload = KB_ATTACH_MAX_BYTES;
    c->result_cache = 1;
    c->log_level = KB_LOG_INFO;
    c->log_format = KB_LOG_LOGFMT;
}

/* The known keys of the file, each once. */
static size_t file_keys(kb_conf_key *keys)
{
    size_t n = 0;
    for (size_t i = 0; i < NOPTS; i++) {
        if (!opts[i].key)
            continue;
        size_t k = 0;
        while (k < n && strcmp(keys[k].name, opts[i].key) != 0)
            k++;
        if (k == n)
            keys[n++] = (kb_conf_key){ opts[i].key,
                                       opts[i].kind == K_PROXY || opts[i].kind == K_NETS };
    }
    return n;
}

static int apply_file(srv_config *c)
{
    kb_conf_key keys[NOPTS];
    size_t nkeys = file_keys(keys);
    kb_err err;
    if (kb_conf_load(c->path, keys, nkeys, &c->conf, &err) != KB_OK) {
        fprintf(stderr, "kedb-server: %s\n", err.msg);
        return -1;
    }
    for (size_t i = 0; i < c->conf.n; i++) {
        const kb_conf_entry *e = &c->conf.items[i];
        size_t k = 0;
        while (!opts[k].key || strcmp(opts[k].key, e->key) != 0)
            k++;
        char why[300];
        if (set_opt(c, &opts[k], e->value, 0, why, sizeof why) != 0) {
            fprintf(stderr, "kedb-server: '%s' line %zu: %s: %s\n", c->path, e->line, e->key,
                    why);
            return -1;
        }
    }
    return 0;
}

int srv_config_load(srv_config *c, int argc, char **argv)
{
    defaults(c);
    struct option longopts[NOPTS + 1];
    for (size_t i = 0; i < NOPTS; i++) {
        int takes = !opts[i].implied;
        longopts[i] = (struct option){ opts[i].flag, takes ? required_argument : no_argument,
                                       NULL, (int)(256 + i) };
    }
    longopts[NOPTS] = (struct option){ NULL, 0, NULL, 0 };
    /* first pass: --config, --check-config and --help; bad flags are reported here */
    const char *path = NULL;
    int bad = 0;
    opterr = 0;
    optind = 1;
    for (;;) {
        int ch = getopt_long(argc, argv, ":vh", longopts, NULL);
        if (ch == -1)
            break;
        if (ch == 'h' || (ch >= 256 && opts[ch - 256].kind == K_HELP)) {
            c->help = 1;
        } else if (ch >= 256 && opts[ch - 256].kind == K_CONFIG) {
            path = optarg;
        } else if (ch >= 256 && opts[ch - 256].kind == K_CHECK) {
            c->check_only = 1;
        } else if (ch == ':' && !bad) {
            fprintf(stderr, "kedb-server: option '%s' needs a value\n", argv[optind - 1]);
            bad = 1;
        } else if (ch == '?' && !bad) {
            fprintf(stderr, "kedb-server: unknown option '%s'\n", argv[optind - 1]);
            bad = 1;
        }
    }
    if (!bad && optind < argc) {
        fprintf(stderr, "kedb-server: unexpected argument '%s'\n", argv[optind]);
        bad = 1;
    }
    if (bad) { /* after the whole pass: --check-config anywhere gives its exit status */
        srv_config_usage(stderr);
        return -1;
    }
    if (c->help)
        return 0;
    if (path && !*path) {
        fprintf(stderr, "kedb-server: --config must not be empty\n");
        return -1;
    }
    if (!path && access(SRV_CONFIG_DEFAULT, F_OK) == 0)
        path = SRV_CONFIG_DEFAULT;
    c->path = path;
    if (path && apply_file(c) != 0)
        return -1;
    /* second pass: the flags over the file */
    optind = 1;
    for (;;) {
        int ch = getopt_long(argc, argv, ":vh", longopts, NULL);
        if (ch == -1)
            break;
        const struct opt *o = ch == 'v' ? NULL : &opts[ch - 256];
        if (ch == 'v') {
            for (size_t i = 0; i < NOPTS; i++)
                if (strcmp(opts[i].flag, "verbose") == 0)
                    o = &opts[i];
        }
        char why[300];
        if (set_opt(c, o, o->implied ? NULL : optarg, 1, why, sizeof why) != 0) {
            fprintf(stderr, "kedb-server: invalid --%s: %s\n", o->flag, why);
            return -1;
        }
    }
    if (!c->db) {
        fprintf(stderr, "kedb-server: --db PATH (db in the configuration file) is required\n");
        if (!c->path)
            srv_config_usage(stderr);
        return -1;
    }
    if (!c->web) {
        struct stat st;
        c->web = stat("web", &st) == 0 || stat(SRV_WEB_INSTALLED, &st) != 0 ? "web"
                                                                            : SRV_WEB_INSTALLED;
    }
    return 0;
}

int srv_config_read_file(const char *path, size_t max, const char *what, char **out,
                         size_t *len)
{
    *out = NULL;
    *len = 0;
    kb_buf b;
    kb_buf_init(&b, max);
    kb_err err;
    if (kb_buf_read_file(&b, path, &err) != KB_OK) {
        fprintf(stderr, "kedb-server: cannot read the %s file: %s\n", what, err.msg);
        kb_buf_free(&b);
        return -1;
    }
    *out = kb_buf_detach(&b, len);
    kb_buf_free(&b);
    return 0;
}

char *srv_config_read_token(const char *path)
{
    char *text;
    size_t len;
    if (srv_config_read_file(path, 4096, "--metrics-token-file", &text, &len) != 0)
        return NULL;
    size_t n = len;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    int ok = n >= 16 && n <= 256;
    for (size_t i = 0; ok && i < n; i++)
        ok = text[i] > 0x20 && text[i] < 0x7f;
    char *tok = ok ? kb_xstrndup(text, n) : NULL;
    if (!ok)
        fprintf(stderr, "kedb-server: --metrics-token-file '%s' must hold one token of 16 to "
                "256 printable characters without spaces\n", path);
    kb_hash_wipe(text, len);
    free(text);
    return tok;
}

int srv_config_read_sla(const char *path, kb_incident_sla *out)
{
    kb_incident_sla_default(out);
    if (!path)
        return 0;
    char *text;
    size_t len;
    if (srv_config_read_file(path, 64u * 1024u, "SLA", &text, &len) != 0)
        return -1;
    kb_err err;
    size_t line = 0;
    int ok = kb_incident_sla_parse(text, len, out, &line, &err) == KB_OK;
    if (!ok)
        fprintf(stderr, "kedb-server: SLA file '%s' line %zu: %s\n", path, line, err.msg);
    free(text);
    return ok ? 0 : -1;
}

int srv_config_check_files(const srv_config *c)
{
    kb_incident_sla sla;
    if (srv_config_read_sla(c->sla, &sla) != 0)
        return -1;
    if (c->metrics_token_file) {
        char *tok = srv_config_read_token(c->metrics_token_file);
        if (!tok)
            return -1;
        kb_hash_wipe(tok, strlen(tok));
        free(tok);
    }
    char *text;
    size_t len;
    kb_err err;
    if (c->synonyms) {
        if (srv_config_read_file(c->synonyms, SRV_CONFIG_MAX_SIDE_FILE, "synonyms", &text,
                                 &len) != 0)
            return -1;
        char ***groups = NULL;
        size_t n = 0;
        kb_status rc = kb_ingest_synonyms_parse(text, len, &groups, &n, &err);
        free(text);
        if (rc != KB_OK) {
            fprintf(stderr, "kedb-server: synonyms file '%s': %s\n", c->synonyms, err.msg);
            return -1;
        }
        kb_ingest_synonyms_free(groups, n);
    }
    if (c->calendar) {
        if (srv_config_read_file(c->calendar, SRV_CONFIG_MAX_SIDE_FILE, "calendar", &text,
                                 &len) != 0)
            return -1;
        kb_calendar *cal = NULL;
        size_t line = 0;
        kb_status rc = kb_calendar_parse(text, len, &cal, &line, &err);
        free(text);
        kb_calendar_free(cal);
        if (rc != KB_OK) {
            fprintf(stderr, "kedb-server: calendar file '%s': %s\n", c->calendar, err.msg);
            return -1;
        }
    }
    return 0;
}

void srv_config_free(srv_config *c)
{
    kb_conf_free(&c->conf);
}
