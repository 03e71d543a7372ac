#ifndef SRV_CONFIG_H
#define SRV_CONFIG_H
/* kedb-server's settings: the configuration file (kb_conf.h; --config PATH, else
 * SRV_CONFIG_DEFAULT when that file exists) and the command-line flags over it. Every flag
 * has a key of the same name with '_' for '-' (--backup-dir, backup_dir); the flags that
 * take no value have yes/no keys (--secure-cookie, secure_cookie = yes; --no-result-cache,
 * result_cache = no; -v, log_level = debug). */
#include <stdio.h>

#include "http.h"
#include "kb_conf.h"
#include "kb_incident.h"
#include "kb_log.h"
#include "notify.h"

#ifndef SRV_CONFIG_DEFAULT
#define SRV_CONFIG_DEFAULT "/etc/kedb/kedb.conf"
#endif
/* The web UI's directory when none is set: "web" (a build tree) if it exists, else this. */
#ifndef SRV_WEB_INSTALLED
#define SRV_WEB_INSTALLED "/usr/share/kedb/web"
#endif

#define SRV_CONFIG_MAX_SIDE_FILE (4u * 1024u * 1024u) /* synonyms and calendar files */

typedef struct {
    const char *path;       /* the file read, NULL when none */
    kb_conf conf;           /* its settings; the strings below borrow from it or argv */
    const char *db;
    const char *web;
    const char *sla;        /* SLA targets file, NULL: the defaults */
    const char *backup_dir; /* NULL: "<db>.backups" */
    const char *synonyms;   /* synonyms file loaded into the database at start and reload */
    const char *calendar;   /* business-calendar file stored at start and reload */
    srv_http_opts http;
    srv_notify_opts notify;
    unsigned login_hashes;  /* 0: half the threads, at least 1 */
    unsigned login_rate;
    unsigned max_upload;
    srv_netlist metrics_allow; /* who may read /metrics (none given: loopback) */
    int metrics_allow_from_cli; /* a --metrics-allow flag replaced the file's list */
    const char *metrics_token_file; /* a token that opens /metrics, NULL none */
    unsigned min_free_mb;   /* /readyz: MiB free next to the database */
    int result_cache;
    int secure_cookie;
    kb_log_level log_level;
    kb_log_format log_format;
    int proxies_from_cli;   /* a --trusted-proxy flag replaced the file's list */
    int check_only;         /* --check-config */
    int help;               /* -h, --help */
} srv_config;

/* Fills c from the configuration file and argv. Returns 0, or -1 after writing
 * "kedb-server: " and why to stderr: a bad flag or value (naming it), a file that cannot be
 * read or a bad line (naming the file and the line), a missing --db. c is to be freed with
 * srv_config_free() either way. */
int srv_config_load(srv_config *c, int argc, char **argv);
/* Checks the files the settings name (SLA, synonyms, calendar): 0, or -1 after writing why
 * to stderr. */
int srv_config_check_files(const srv_config *c);
/* The metrics token from its file: one line of 16 to 256 printable ASCII bytes (a
 * trailing newline is fine). Returns a new string (wipe and free it), or NULL after saying
 * why on stderr. */
char *srv_config_read_token(const char *path);
/* Calls changed(key) for each setting whose value differs between a and b and that a reload
 * does not apply (db, port, threads, the limits ...): it takes a restart. */
void srv_config_restart_keys(const srv_config *a, const srv_config *b,
                             void (*changed)(const char *key));
/* Reads the SLA file (the defaults without one) into *out; -1 and why on stderr. */
int srv_config_read_sla(const char *path, kb_incident_sla *out);
/* Reads a whole file of at most max bytes into *out (NUL-terminated; freed with free()).
 * -1 and why on stderr; what names the file's role ("synonyms"). */
int srv_config_read_file(const char *path, size_t max, const char *what, char **out,
                         size_t *len);
void srv_config_free(srv_config *c);
void srv_config_usage(FILE *f);

#endif
