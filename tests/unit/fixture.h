#ifndef KB_TEST_FIXTURE_H
#define KB_TEST_FIXTURE_H
/* The unit tests' temporary store: a new directory under /tmp with a database in it, and
 * its removal. Include after check.h (a store that does not open counts as a failure).
 *
 *     fixture fx;
 *     if (fixture_open(&fx, "search") != 0)     (/tmp/kedb-test-search-XXXXXX/kb.db)
 *         return CHECK_DONE("test_search");
 *     ... fx.s, fx.path, fx.dir ...
 *     fixture_close(&fx);                        (frees fx.s, removes the directory)
 *
 * fixture_open_dir() makes only the directory, for tests with several databases in it.
 * fixture_zip() makes a zip archive in memory (Office files, zip bombs).
 * fixture_doc() and fixture_put() add an item:
 *
 *     kb_doc *d = fixture_doc("KE-1", "known_error", "published", "打印机卡纸");
 *     kb_doc_set(&d->symptom, ...);              (any other field)
 *     CHECK_INT_EQ(fixture_put(fx.s, d), KB_OK);  (stores and frees d)
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "kb_doc.h"
#include "kb_store.h"
#include "kb_user.h"

typedef struct {
    char dir[96];   /* the temporary directory */
    char path[128]; /* its database, "<dir>/kb.db" */
    kb_store *s;    /* open on path (migrated), NULL after fixture_close */
} fixture;

static inline int fixture_rm_(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

/* Makes the directory only (fx->s stays NULL: for tests that keep several databases in
 * it, or open fx->path themselves); 0 on success, else -1. name goes into its name. */
static inline int fixture_open_dir(fixture *fx, const char *name)
{
    fx->s = NULL;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/kedb-test-%s-XXXXXX", name);
    if (!mkdtemp(fx->dir)) {
        perror("mkdtemp");
        CHECK(0);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/kb.db", fx->dir);
    return 0;
}

/* Makes the directory and opens the store; 0 on success, else -1 (and the directory is
 * gone again). name goes into the directory's name. */
static inline int fixture_open(fixture *fx, const char *name)
{
    if (fixture_open_dir(fx, name) != 0)
        return -1;
    kb_err err;
    kb_status rc = kb_store_open(fx->path, 0, &fx->s, &err);
    CHECK_INT_EQ(rc, KB_OK);
    if (rc != KB_OK) {
        fprintf(stderr, "kb_store_open '%s': %s\n", fx->path, err.msg);
        CHECK(nftw(fx->dir, fixture_rm_, 16, FTW_DEPTH | FTW_PHYS) == 0);
        return -1;
    }
    return 0;
}

/* Copies the file from to to (whole, replacing to): database files swapped the way a person
 * would. 0 on success, else -1. */
static inline int fixture_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    FILE *out = in ? fopen(to, "wb") : NULL;
    int ok = in && out;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* One entry of fixture_zip(): its name and bytes (len 0: strlen(data)). */
typedef struct {
    const char *name;
    const char *data;
    size_t len;
} fixture_entry;

/* A zip archive of the entries, made in memory with libzip (deflated); the caller frees it. */
static inline char *fixture_zip(const fixture_entry *e, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    CHECK(za != NULL);
    for (size_t i = 0; i < n; i++) {
        size_t l = e[i].len ? e[i].len : strlen(e[i].data);
        zip_source_t *s = zip_source_buffer(za, e[i].data, l, 0);
        CHECK(zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8) >= 0);
    }
    CHECK_INT_EQ(zip_close(za), 0);
    CHECK_INT_EQ(zip_source_open(src), 0);
    zip_source_seek(src, 0, SEEK_END);
    *len = (size_t)zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    char *out = malloc(*len + 1);
    CHECK_INT_EQ(zip_source_read(src, out, *len), (long long)*len);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    return out;
}

/* A new item with its id, type, status and title set; the rest is empty. */
static inline kb_doc *fixture_doc(const char *id, const char *type, const char *status,
                                  const char *title)
{
    kb_doc *d = kb_doc_new();
    kb_doc_set(&d->id, id, strlen(id));
    kb_doc_set(&d->type, type, strlen(type));
    kb_doc_set(&d->status, status, strlen(status));
    kb_doc_set(&d->title, title, strlen(title));
    return d;
}

/* Stores d (fixture_doc) and frees it; a failure is printed with the item's id. */
static inline kb_status fixture_put(kb_store *s, kb_doc *d)
{
    kb_err err;
    kb_status rc = kb_store_doc_put(s, d, &err);
    if (rc != KB_OK)
        fprintf(stderr, "put %s: %s\n", d->id, err.msg);
    kb_doc_free(d);
    return rc;
}

/* Adds user name (an engineer, enabled) so that incidents can be assigned to them. */
static inline kb_status fixture_user(kb_store *s, const char *name)
{
    kb_err err;
    kb_status rc = kb_user_add(s, name, "Harbor-Lamp-Tested-7", KB_ROLE_ENGINEER, "fixture", 0,
                               &err);
    if (rc != KB_OK)
        fprintf(stderr, "user %s: %s\n", name, err.msg);
    return rc;
}

/* Frees the store (when still open: a test that frees fx->s itself sets it to NULL) and
 * removes the directory with everything in it. */
static inline void fixture_close(fixture *fx)
{
    kb_store_free(fx->s);
    fx->s = NULL;
    CHECK(nftw(fx->dir, fixture_rm_, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

#endif
