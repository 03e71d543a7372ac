#ifndef KB_FUZZ_FIXTURE_H
#define KB_FUZZ_FIXTURE_H
/* Shared set-up for the libFuzzer targets (tests/fuzz/fuzz_*.c, built by `make fuzz`):
 * a temp directory removed at exit, a database indexed from tests/data, and a dispatcher
 * that runs one request through the server's own code (percent decoding, query parsing,
 * route table, handler, status table) without a socket. */
#include <stddef.h>

#include <jansson.h>

#include "srv.h"

/* A route of a body target (body.h). */
typedef struct {
    const char *method;
    const char *path;
} fz_route;

/* The name the fixture's requests are made as (it holds every role). */
#define FZ_USER "fuzzer"

/* A temp directory (created once, removed with its contents at exit). */
const char *fz_tmpdir(void);

/* Creates <tmpdir>/<name>.db, indexes the directory named by KEDB_FUZZ_DATA (default
 * tests/data) into it and adds the user FZ_USER with every role. Returns the path (static
 * storage, one per name). Aborts on failure: a target without its fixture is useless. */
const char *fz_seeded_db(const char *name);

/* Fills app for the database at db: a pool of one handle, the default SLA, backups below
 * the temp directory, static files from web/. */
void fz_app_init(srv_app *app, const char *db);

/* Runs method and the raw target (path?query, percent-encoded) with body as http.c's
 * dispatcher does, as FZ_USER with every role; when handlers is 0, only routes (no
 * handler runs). Returns the HTTP status. When out is not NULL and a handler answered
 * with JSON, *out gets it (json_decref it). A 5xx answer aborts (that is a finding). */
unsigned fz_dispatch(srv_app *app, const char *method, const char *target, size_t target_len,
                     const char *body, size_t body_len, int handlers, json_t **out);

#endif
