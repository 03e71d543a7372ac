/* kedb-server: settings (config.c), signals, start, reload and orderly stop. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "http.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_incident.h"
#include "kb_ingest.h"
#include "kb_log.h"
#include "kb_notify.h"
#include "kb_search.h"
#include "kb_setting.h"
#include "metrics.h"
#include "notify.h"
#include "kb_pdf.h"
#include "pool.h"
#include "srv.h"
#include "throttle.h"

#define DRAIN_MS 10000u            /* how long a stop waits for requests in progress */

/* Tells systemd (Type=notify) about state: one datagram to $NOTIFY_SOCKET, a path or, with
 * a leading '@', an abstract socket. Without the variable (not under systemd) nothing
 * happens; a failure is logged, never fatal. */
static void sd_notify_state(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    size_t len = strlen(path);
    if (len >= sizeof addr.sun_path || (path[0] != '/' && path[0] != '@')) {
        kb_log(KB_LOG_WARN, "NOTIFY_SOCKET '%.100s' is not a socket path", path);
        return;
    }
    memcpy(addr.sun_path, path, len);
    if (path[0] == '@')
        addr.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, alen) < 0)
        kb_log(KB_LOG_WARN, "cannot notify systemd: %s", strerror(errno));
    close(fd);
}

/* Puts the synonyms and calendar files the settings name into the database (unchanged
 * contents write nothing). Returns 0, or -1 after logging why; the database keeps what it
 * had then. */
static int load_side_files(const srv_config *c)
{
    if (!c->synonyms && !c->calendar)
        return 0;
    kb_store *s = NULL;
    kb_err err;
    if (kb_store_open(c->db, 0, &s, &err) != KB_OK) {
        kb_log(KB_LOG_ERROR, "cannot open database '%s': %s", c->db, err.msg);
        return -1;
    }
    int bad = 0;
    char *text = NULL;
    size_t len;
    if (c->synonyms) {
        int changed = 0;
        if (srv_config_read_file(c->synonyms, SRV_CONFIG_MAX_SIDE_FILE, "synonyms", &text,
                                 &len) != 0) {
            bad = 1;
        } else if (kb_ingest_synonyms_load(s, text, len, &changed, &err) != KB_OK) {
            kb_log(KB_LOG_ERROR, "synonyms file '%s': %s", c->synonyms, err.msg);
            bad = 1;
        } else if (changed) {
            kb_log(KB_LOG_INFO, "synonyms read from '%s'", c->synonyms);
        }
        free(text);
        text = NULL;
    }
    if (c->calendar) {
        char *stored = NULL;
        long long now = 0;
        if (srv_config_read_file(c->calendar, SRV_CONFIG_MAX_SIDE_FILE, "calendar", &text,
                                 &len) != 0) {
            bad = 1;
        } else if (kb_setting_calendar(s, &stored, NULL, &err) == KB_OK &&
                   strcmp(stored, text) == 0) {
            /* the same calendar: no write, no audit record */
        } else if (srv_now(&now, &err) != KB_OK ||
                   kb_setting_set_calendar(s, text, len, "kedb-server", now, NULL, &err) !=
                       KB_OK) {
            kb_log(KB_LOG_ERROR, "calendar file '%s': %s", c->calendar, err.msg);
            bad = 1;
        } else {
            kb_log(KB_LOG_INFO, "business calendar read from '%s'", c->calendar);
        }
        free(stored);
        free(text);
    }
    kb_store_free(s);
    return bad ? -1 : 0;
}

/* Names a setting that changed in the file but takes effect only after a restart. */
static void needs_restart(const char *key)
{
    kb_log(KB_LOG_WARN, "reload: '%s' changed; it takes effect after a restart", key);
}

/* SIGHUP: reads the settings again (the file and the same flags over it), then the SLA,
 * synonyms and calendar files, the metrics allow-list and token, the free disk /readyz
 * wants and the log settings; connections stay open; any other setting that changed is
 * named in a warning (it takes a restart). A file that does not parse leaves everything as it was. */
static void reload(srv_app *app, const srv_config *now, int argc, char **argv)
{
    srv_config c;
    if (srv_config_load(&c, argc, argv) != 0) {
        kb_log(KB_LOG_ERROR, "reload: the settings have errors (see above); nothing changed");
        srv_config_free(&c);
        return;
    }
    kb_incident_sla sla;
    if (srv_config_read_sla(c.sla, &sla) != 0) {
        kb_log(KB_LOG_ERROR, "reload: the SLA file has errors (see above); nothing changed");
        srv_config_free(&c);
        return;
    }
    char *token = NULL;
    if (c.metrics_token_file && !(token = srv_config_read_token(c.metrics_token_file))) {
        kb_log(KB_LOG_ERROR, "reload: the metrics token file has errors (see above); nothing "
               "changed");
        srv_config_free(&c);
        return;
    }
    srv_config_restart_keys(now, &c, needs_restart);
    kb_log_set_level(c.log_level);
    kb_log_set_format(c.log_format);
    kb_search_cache_enable(c.result_cache);
    srv_app_set_sla(app, &sla);
    srv_app_set_metrics_access(app, &c.metrics_allow, token);
    atomic_store(&app->min_free_disk, (unsigned long long)c.min_free_mb << 20);
    if (token)
        kb_hash_wipe(token, strlen(token));
    free(token);
    kb_notify_configure(&sla);
    int side = load_side_files(&c);
    kb_log(side == 0 ? KB_LOG_INFO : KB_LOG_WARN, "reloaded%s%s", c.path ? " from " : "",
           c.path ? c.path : "");
    srv_config_free(&c);
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

static void *warm_fonts(void *arg)
{
    (void)arg;
    kb_pdf_warm();
    return NULL;
}

int main(int argc, char **argv)
{
    srv_config cfg;
    if (srv_config_load(&cfg, argc, argv) != 0) {
        int check_only = cfg.check_only;
        srv_config_free(&cfg);
        return check_only ? 1 : 2;
    }
    if (cfg.help) {
        srv_config_usage(stdout);
        srv_config_free(&cfg);
        return 0;
    }
    if (cfg.check_only) {
        int good = srv_config_check_files(&cfg) == 0;
        if (good)
            printf("kedb-server: configuration OK (%s)\n", cfg.path ? cfg.path : "flags only");
        srv_config_free(&cfg);
        return good ? 0 : 1;
    }
    kb_incident_sla sla;
    if (srv_config_check_files(&cfg) != 0 || srv_config_read_sla(cfg.sla, &sla) != 0) {
        srv_config_free(&cfg);
        return 2;
    }
    kb_log_set_level(cfg.log_level);
    kb_log_set_format(cfg.log_format);
    kb_search_cache_enable(cfg.result_cache);
    const char *db = cfg.db;
    srv_http_opts hopts = cfg.http;
    srv_notify_opts nopts = cfg.notify;
    kb_notify_configure(&sla);
    nopts.db_path = db;
    json_object_seed(0); /* before any thread creates JSON objects */
    signal(SIGPIPE, SIG_IGN);

    /* Block the signals before any thread exists, so every thread inherits the mask and
     * only sigwait() below receives them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    int status = 1;
    kb_err err;
    kb_err_clear(&err);
    srv_app app;
    memset(&app, 0, sizeof app);
    app.db_path = db;
    app.web_dir = cfg.web;
    app.sla = sla;
    app.secure_cookie = cfg.secure_cookie;
    app.max_upload = cfg.max_upload;
    char *token = NULL;
    if (cfg.metrics_token_file && !(token = srv_config_read_token(cfg.metrics_token_file))) {
        srv_config_free(&cfg);
        return 2;
    }
    srv_app_set_metrics_access(&app, &cfg.metrics_allow, token);
    if (token)
        kb_hash_wipe(token, strlen(token));
    free(token);
    app.metrics = srv_metrics_new();
    atomic_init(&app.min_free_disk, (unsigned long long)cfg.min_free_mb << 20);
    app.notify_interval_ms = nopts.interval_ms;
    unsigned login_hashes = cfg.login_hashes;
    if (!login_hashes)
        login_hashes = hopts.threads / 2 ? hopts.threads / 2 : 1;
    app.throttle = srv_throttle_new(login_hashes, cfg.login_rate);
    app.links = srv_throttle_new(1, 20); /* 20 unknown survey links a minute per address */
    kb_buf backups;
    kb_buf_init(&backups, 0);
    const char *backup_dir = cfg.backup_dir;
    if (!backup_dir) {
        kb_buf_adds(&backups, db);
        kb_buf_adds(&backups, ".backups");
        backup_dir = backups.data;
    }
    app.backup_dir = backup_dir;
    app.web_real = realpath(cfg.web, NULL);
    if (!app.web_real)
        kb_log(KB_LOG_WARN, "web directory '%s' not found: only the API is served", cfg.web);
    if (cfg.path)
        kb_log(KB_LOG_INFO, "configuration read from '%s'", cfg.path);

    srv_http *http = NULL;
    srv_notifier *notifier = NULL;
    pthread_t warm;
    int warming = 0;
    if (migrate_db(db, &err) != KB_OK ||
        srv_pool_new(db, hopts.threads, &app.pool, &err) != KB_OK) {
        kb_log(KB_LOG_ERROR, "cannot open database '%s': %s", db, err.msg);
        goto out;
    }
    if (load_side_files(&cfg) != 0)
        goto out;
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
    /* the service report's fonts load now (seconds on a cold machine), not in the first PDF
     * request; only a server that started touches them (and releases them at exit) */
    warming = pthread_create(&warm, NULL, warm_fonts, NULL) == 0;
    kb_log(KB_LOG_INFO, "kedb-server started db=%s threads=%u web=%s", db, hopts.threads,
           app.web_real ? app.web_real : "-");
    sd_notify_state("READY=1\nSTATUS=serving");

    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig != SIGHUP) {
            kb_log(KB_LOG_INFO, "stopping on signal %d", sig);
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        char state[96];
        snprintf(state, sizeof state, "RELOADING=1\nMONOTONIC_USEC=%lld",
                 (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000);
        sd_notify_state(state);
        reload(&app, &cfg, argc, argv);
        sd_notify_state("READY=1\nSTATUS=serving");
    }
    sd_notify_state("STOPPING=1");
    size_t busy = srv_http_drain(http, DRAIN_MS);
    if (busy)
        kb_log(KB_LOG_WARN, "%zu requests still running after %u ms: cut off", busy, DRAIN_MS);
    status = 0;
out:
    srv_http_stop(http);
    srv_notify_stop(notifier);
    srv_pool_free(app.pool);
    srv_throttle_free(app.throttle);
    srv_throttle_free(app.links);
    srv_metrics_free(app.metrics);
    if (warming)
        pthread_join(warm, NULL);
    free(app.web_real);
    kb_buf_free(&backups);
    if (status == 0)
        kb_log(KB_LOG_INFO, "stopped");
    srv_config_free(&cfg);
    return status;
}
