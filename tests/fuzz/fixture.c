/* The fuzz fixture. http.c is compiled into it (and not linked separately) so that requests
 * go through its own query parser and status table, not a copy of them. */
#include "fixture.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../server/http.c"
#include "kb_ingest.h"
#include "kb_log.h"
#include "kb_store.h"
#include "kb_user.h"
#include "pool.h"

#define FZ_PASSWORD "Zq7-rT9-mW2-xL5-fuzz"

static char tmp_dir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tmp(void)
{
    if (tmp_dir[0])
        nftw(tmp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz fixture: %s: %s\n", what, msg);
    abort();
}

const char *fz_tmpdir(void)
{
    if (tmp_dir[0])
        return tmp_dir;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/kedb-fuzz-XXXXXX");
    if (!mkdtemp(tmp_dir))
        die("mkdtemp", "cannot create a temp directory");
    atexit(rm_tmp);
    kb_log_set_level(KB_LOG_ERROR);
    setenv("KEDB_PWHASH_FAST", "1", 1); /* users created by the admin routes hash quickly */
    return tmp_dir;
}

const char *fz_seeded_db(const char *name)
{
    static char path[8][PATH_MAX];
    static size_t npath;
    if (npath == sizeof path / sizeof path[0])
        die(name, "too many databases");
    char *p = path[npath++];
    snprintf(p, PATH_MAX, "%s/%s.db", fz_tmpdir(), name);
    const char *data = getenv("KEDB_FUZZ_DATA");
    const char *dirs[1] = { data && *data ? data : "tests/data" };
    kb_store *s = NULL;
    kb_err err;
    kb_ingest_stats stats;
    kb_ingest_opts opts;
    memset(&opts, 0, sizeof opts);
    if (kb_store_open(p, 0, &s, &err) != KB_OK)
        die(p, err.msg);
    if (kb_ingest_run(s, dirs, 1, &opts, &stats, &err) != KB_OK)
        die(dirs[0], err.msg);
    if (kb_user_add(s, FZ_USER, FZ_PASSWORD, KB_ROLE_ALL, "fuzz", (long long)time(NULL),
                    &err) != KB_OK)
        die(FZ_USER, err.msg);
    kb_store_free(s);
    return p;
}

void fz_app_init(srv_app *app, const char *db)
{
    static char backups[PATH_MAX];
    memset(app, 0, sizeof *app);
    app->db_path = db;
    app->web_dir = "web";
    app->web_real = realpath("web", NULL);
    kb_incident_sla_default(&app->sla);
    snprintf(backups, sizeof backups, "%s/backups", fz_tmpdir());
    app->backup_dir = backups;
    kb_err err;
    if (srv_pool_new(db, 1, &app->pool, &err) != KB_OK)
        die(db, err.msg);
}

unsigned fz_dispatch(srv_app *app, const char *method, const char *target, size_t target_len,
                     const char *body, size_t body_len, int handlers, json_t **out)
{
    if (out)
        *out = NULL;
    const char *qmark = memchr(target, '?', target_len);
    size_t path_len = qmark ? (size_t)(qmark - target) : target_len;
    srv_req rq;
    memset(&rq, 0, sizeof rq);
    rq.app = app;
    rq.method = method;
    snprintf(rq.client, sizeof rq.client, "127.0.0.1");
    rq.content_type = "application/json";
    kb_buf_init(&rq.body, SRV_MAX_BODY);
    kb_err err;
    kb_err_clear(&err);
    unsigned status;
    size_t dlen;
    char *path = srv_pct_decode(target, path_len, 0, &dlen);
    rq.path = path;
    if (kb_buf_add(&rq.body, body, body_len) != KB_OK) {
        status = 413;
        goto out;
    }
    if (memchr(path, '\0', dlen) || !srv_utf8_valid(path, dlen)) {
        status = 400;
        goto out;
    }
    if (qmark && parse_query(&rq, qmark + 1, target_len - path_len - 1, &err) != KB_OK) {
        status = 400;
        goto out;
    }
    srv_match m;
    srv_route_match(&rq, method, target, path_len, &m);
    if (!m.handler || !handlers) {
        status = m.handler ? 200 : m.status;
        goto out;
    }
    snprintf(rq.user, sizeof rq.user, "%s", FZ_USER);
    rq.roles = KB_ROLE_ALL;
    srv_resp rs;
    memset(&rs, 0, sizeof rs);
    rs.status = 200;
    kb_status rc = m.handler(&rq, &rs, &err);
    if (rq.store) {
        srv_pool_put(app->pool, rq.store);
        rq.store = NULL;
    }
    if (rc != KB_OK) {
        status = http_status(rc);
    } else {
        status = rs.status ? rs.status : 200;
        if (out) {
            *out = rs.json;
            rs.json = NULL;
        }
    }
    json_decref(rs.json);
    free(rs.body);
    free(rs.set_cookie);
    if (status >= 500) {
        fprintf(stderr, "fuzz: %s %.*s answered %u (%s: %s)\n", method, (int)target_len,
                target, status, kb_status_name(rc), err.msg);
        abort();
    }
out:
    srv_req_clear(&rq);
    free(path);
    return status;
}
