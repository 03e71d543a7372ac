/* kb_ingest_run: walks the knowledge directories and brings the store up to date. */
#include "kb_ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_version.h"
#include "kb_buf.h"
#include "kb_docclass.h"
#include "kb_hash.h"

#define BATCH_OPS 2000u
#define BATCH_BYTES (64u * 1024u * 1024u)
#define MAX_DEPTH 100
/* Files read and parsed ahead of the writer by worker threads; bounds the memory held. */
#define PREFETCH_WINDOW 256u
#define MAX_WORKERS 8

/* ---------------------------------------------------------------- string -> index map */

/* Open addressing, keys borrowed (or owned when owns is set), never deleted. */
typedef struct {
    const char **keys;
    size_t *vals;
    size_t cap; /* power of two or 0 */
    size_t n;
    int owns;
} strmap;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t *strmap_get(const strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = (size_t)str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return NULL;
        if (strcmp(m->keys[i], key) == 0)
            return &m->vals[i];
    }
}

/* Sets key to val (adding it when absent; an owned map copies the key). */
static void strmap_put(strmap *m, const char *key, size_t val)
{
    size_t *v = strmap_get(m, key);
    if (v) {
        *v = val;
        return;
    }
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        const char **keys = kb_xcalloc(cap, sizeof *keys);
        size_t *vals = kb_xcalloc(cap, sizeof *vals);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = (size_t)str_hash(m->keys[i]) & (cap - 1);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t i = (size_t)str_hash(key) & (m->cap - 1);
    while (m->keys[i])
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = m->owns ? kb_xstrdup(key) : key;
    m->vals[i] = val;
    m->n++;
}

static void strmap_free(strmap *m)
{
    if (m->owns)
        for (size_t i = 0; i < m->cap; i++)
            free((char *)m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- run state */

/* An item the store holds from a file. */
typedef struct {
    char *path;
    char *hash;
    char *id;
} stored;

/* A *.md file found below the given directories. */
typedef struct {
    char *path;
    char *peek_id; /* id this file will hold after the run, once looked ahead; else NULL */
} found;

enum { OP_ADD, OP_UPDATE, OP_REMOVE };

/* One pending write: put doc (if any), then delete del_id (if any). */
typedef struct {
    kb_doc *doc;
    char *del_id;
    const char *path; /* for messages; borrowed from the run */
    int kind;
} op;

/* What a worker found out about one file: read, hashed and (when changed) parsed. */
typedef struct {
    int ready;
    kb_status read_rc; /* KB_OK, or why the file could not be read (msg) */
    int unchanged;     /* hash equals the stored one: not parsed */
    char hash[KB_HASH_SHA256_HEX];
    kb_status parse_rc;
    kb_doc *doc;
    size_t line;
    char msg[256];
} prep;

typedef struct run run;

/* The prefetch stage: workers take files in order, at most PREFETCH_WINDOW ahead of the
 * writer (the calling thread), which consumes them in order. */
typedef struct {
    run *r;
    prep *slots; /* PREFETCH_WINDOW, file i in slot i % PREFETCH_WINDOW */
    pthread_mutex_t mu;
    pthread_cond_t more;  /* a slot became ready */
    pthread_cond_t space; /* the writer consumed a file */
    size_t next;          /* next file to hand to a worker */
    size_t consumed;      /* files the writer has taken */
    int quit;
    pthread_t th[MAX_WORKERS];
    size_t nth;
} prefetch;

struct run {
    kb_store *s;
    const kb_ingest_opts *opts;
    kb_ingest_stats *st;
    char **dirs; /* normalised */
    size_t ndirs;
    stored *old; /* sorted by path */
    size_t nold;
    size_t oldcap;
    strmap old_by_id; /* id -> index in old */
    found *files;     /* sorted by path, unique */
    size_t nfiles;
    size_t filecap;
    strmap claims; /* id -> index in files of the file holding it after this run */
    op *ops;
    size_t nops;
    size_t opcap;
    size_t op_bytes;
    int in_tx;    /* the ops are applied in an open transaction, not yet committed */
    long long now; /* the batch's time */
    prefetch *pf;
    kb_docclass_list classes; /* what a document's doc_type may name */
};

static void report(run *r, const char *path, size_t line, const char *reason)
{
    r->st->failed++;
    if (r->opts && r->opts->on_fail)
        r->opts->on_fail(r->opts->ctx, path, line, reason);
}

/* A file taken as it is, with something its author should fix. */
static void warn(run *r, const char *path, const char *reason)
{
    if (r->opts && r->opts->on_warn)
        r->opts->on_warn(r->opts->ctx, path, 0, reason);
}

/* A document whose doc_type names no class or sub-type (kb_docclass.h). */
static void check_class(run *r, const char *path, const kb_doc *d)
{
    if (strcmp(d->type, KB_TYPE_DOCUMENT) != 0)
        return;
    const kb_field *f = kb_doc_field(d, "doc_type");
    const char *t = f && f->nvals ? f->vals[0] : "";
    if (kb_docclass_of(&r->classes, t))
        return;
    kb_buf b;
    kb_buf_init(&b, 0);
    if (*t)
        kb_buf_addf(&b, "doc_type '%.64s' is not a document class or sub-type (", t);
    else
        kb_buf_adds(&b, "the document has no doc_type (");
    for (size_t i = 0; i < r->classes.n; i++)
        kb_buf_addf(&b, "%s%s", i ? ", " : "", r->classes.v[i].code);
    kb_buf_adds(&b, " or their sub-types); indexed as it is");
    warn(r, path, kb_buf_str(&b));
    kb_buf_free(&b);
}

/* ---------------------------------------------------------------- paths and the walk */

/* Lexically normalises a directory argument: no repeated or trailing slashes, no "."
 * components ("./kb/" -> "kb", "" -> "."); ".." is kept as written. */
static char *norm_dir(const char *d)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    int abs = d[0] == '/';
    const char *p = d;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t n = (size_t)(e - p);
        if (n && !(n == 1 && p[0] == '.')) {
            if (b.len || abs)
                kb_buf_addc(&b, '/');
            kb_buf_add(&b, p, n);
        }
        p = e;
    }
    if (!b.len)
        kb_buf_adds(&b, abs ? "/" : ".");
    return kb_buf_detach(&b, NULL);
}

static char *join_path(const char *dir, const char *name)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    if (strcmp(dir, ".") != 0) {
        kb_buf_adds(&b, dir);
        if (strcmp(dir, "/") != 0)
            kb_buf_addc(&b, '/');
    }
    kb_buf_adds(&b, name);
    return kb_buf_detach(&b, NULL);
}

/* True when path lies below the normalised directory dir. */
static int below(const char *path, const char *dir)
{
    if (strcmp(dir, ".") == 0)
        return path[0] != '/' && strncmp(path, "../", 3) != 0 && strcmp(path, "..") != 0;
    if (strcmp(dir, "/") == 0)
        return path[0] == '/';
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static int below_any(const run *r, const char *path)
{
    for (size_t i = 0; i < r->ndirs; i++)
        if (below(path, r->dirs[i]))
            return 1;
    return 0;
}

static int ends_with_md(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".md") == 0;
}

static void add_file(run *r, char *path)
{
    if (r->nfiles == r->filecap) {
        r->filecap = r->filecap ? r->filecap * 2 : 256;
        r->files = kb_xrealloc(r->files, r->filecap * sizeof *r->files);
    }
    r->files[r->nfiles].path = path;
    r->files[r->nfiles].peek_id = NULL;
    r->nfiles++;
}

/* Collects the *.md regular files below dir. Dot-files are skipped; symbolic links are
 * followed to files but never to directories, so the walk cannot loop. */
static kb_status walk(run *r, const char *dir, int depth, kb_err *err)
{
    if (depth > MAX_DEPTH)
        return kb_err_set(err, KB_EIO, "directory tree below '%s' is deeper than %d levels", dir,
                          MAX_DEPTH);
    DIR *dh = opendir(dir);
    if (!dh)
        return kb_err_set(err, KB_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
    kb_status rc = KB_OK;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dh);
        if (!de) {
            if (errno)
                rc = kb_err_set(err, KB_EIO, "cannot read directory '%s': %s", dir,
                                strerror(errno));
            break;
        }
        if (de->d_name[0] == '.')
            continue;
        char *child = join_path(dir, de->d_name);
        struct stat sb;
        if (lstat(child, &sb) != 0) {
            free(child); /* vanished meanwhile */
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            rc = walk(r, child, depth + 1, err);
            free(child);
            if (rc != KB_OK)
                break;
            continue;
        }
        if (S_ISLNK(sb.st_mode) && stat(child, &sb) != 0) {
            free(child); /* dangling link */
            continue;
        }
        if (S_ISREG(sb.st_mode) && ends_with_md(de->d_name))
            add_file(r, child);
        else
            free(child);
    }
    closedir(dh);
    return rc;
}

static int cmp_found(const void *a, const void *b)
{
    return strcmp(((const found *)a)->path, ((const found *)b)->path);
}

static int cmp_stored(const void *a, const void *b)
{
    return strcmp(((const stored *)a)->path, ((const stored *)b)->path);
}

/* Index of path in r->files, or -1. */
static long find_file(const run *r, const char *path)
{
    size_t lo = 0, hi = r->nfiles;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->files[mid].path, path);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static const stored *find_old(const run *r, const char *path)
{
    stored key = { (char *)path, NULL, NULL };
    if (!r->nold)
        return NULL;
    return bsearch(&key, r->old, r->nold, sizeof *r->old, cmp_stored);
}

static int collect_old(void *ctx, const char *path, const char *hash, const char *id)
{
    run *r = ctx;
    if (!path || !*path)
        return 0; /* not from a file: never removed by a run */
    if (r->nold == r->oldcap) {
        r->oldcap = r->oldcap ? r->oldcap * 2 : 256;
        r->old = kb_xrealloc(r->old, r->oldcap * sizeof *r->old);
    }
    stored *o = &r->old[r->nold++];
    o->path = kb_xstrdup(path ? path : "");
    o->hash = kb_xstrdup(hash ? hash : "");
    o->id = kb_xstrdup(id ? id : "");
    return 0;
}

/* ---------------------------------------------------------------- reading files */

static kb_status read_file(const char *path, kb_buf *out, kb_err *err)
{
    kb_buf_reset(out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return kb_err_set(err, KB_EIO, "cannot open file: %s", strerror(errno));
    kb_status rc = KB_OK;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        rc = kb_err_set(err, KB_EIO, "cannot read file: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = kb_err_set(err, KB_EIO, "not a regular file");
        goto out;
    }
    if ((unsigned long long)sb.st_size > KB_MAX_DOC_BYTES) {
        rc = kb_err_set(err, KB_ETOOBIG, "file is %lld bytes, more than the limit of %u",
                        (long long)sb.st_size, KB_MAX_DOC_BYTES);
        goto out;
    }
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = kb_err_set(err, KB_EIO, "cannot read file: %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (kb_buf_add(out, chunk, (size_t)n) != KB_OK) {
            rc = kb_err_set(err, KB_ETOOBIG, "file is more than the limit of %u bytes",
                            KB_MAX_DOC_BYTES);
            goto out;
        }
    }
out:
    close(fd);
    return rc;
}

static void sha256_hex(const kb_buf *b, char out[KB_HASH_SHA256_HEX])
{
    kb_hash_sha256_hex(kb_buf_str(b), b->len, out);
}

/* The id file i will hold after this run, decided without writing anything: its stored id
 * when unchanged, unreadable or broken, else the id it now declares. Cached. */
static const char *peek_id(run *r, size_t i, kb_buf *data)
{
    found *f = &r->files[i];
    if (f->peek_id)
        return f->peek_id;
    const stored *o = find_old(r, f->path);
    const char *id = o ? o->id : "";
    kb_doc *d = NULL;
    if (read_file(f->path, data, NULL) == KB_OK) {
        char hex[KB_HASH_SHA256_HEX];
        sha256_hex(data, hex);
        if (!o || strcmp(o->hash, hex) != 0) {
            if (kb_ingest_parse(f->path, kb_buf_str(data), data->len, &d, NULL, NULL) == KB_OK)
                id = d->id;
        }
    }
    f->peek_id = kb_xstrdup(id);
    kb_doc_free(d);
    return f->peek_id;
}

/* ---------------------------------------------------------------- writes */

#define INDEX_ACTOR "kedb-index"

/* Writes one operation and its audit entries (kb.add, kb.update, kb.remove) into the open
 * transaction. */
static kb_status apply_op(run *r, op *o, long long now, kb_err *err)
{
    kb_buf what, object;
    kb_buf_init(&what, 0);
    kb_buf_init(&object, 0);
    kb_status rc = KB_OK;
    if (o->doc) {
        /* an id written through the API is not taken over by a file */
        char *kept = NULL;
        if (kb_version_origin(r->s, o->doc->id, &kept, NULL) == KB_OK &&
            strcmp(kept, "api") == 0)
            rc = kb_err_set(err, KB_EEXIST, "id '%s' is kept through the API (kedb's editor); "
                            "give the file another id", o->doc->id);
        free(kept);
        kb_buf_addf(&what, "file %s", o->path);
        if (rc == KB_OK)
            rc = kb_version_freeze(r->s, o->doc->id, err);
        if (rc == KB_OK)
            rc = kb_store_doc_put(r->s, o->doc, err);
        if (rc == KB_OK)
            rc = kb_version_record(r->s, o->doc, kb_buf_str(&what), NULL, now, INDEX_ACTOR,
                                   err);
        kb_buf_reset(&what);
        if (rc == KB_OK) {
            kb_buf_addf(&object, "kb:%s", o->doc->id);
            kb_buf origin;
            kb_buf_init(&origin, 0);
            kb_buf_addf(&origin, "file %s", o->path);
            kb_audit_doc_summary(o->doc, kb_buf_str(&origin), &what);
            kb_buf_free(&origin);
            rc = kb_audit_append(r->s, now, INDEX_ACTOR,
                                 strmap_get(&r->old_by_id, o->doc->id) ? "kb.update"
                                                                        : "kb.add",
                                 kb_buf_str(&object), kb_buf_str(&what), err);
        }
    }
    if (rc == KB_OK && o->del_id) {
        rc = kb_version_freeze(r->s, o->del_id, err);
        if (rc == KB_OK)
            rc = kb_store_doc_delete(r->s, o->del_id, err);
        if (rc == KB_OK)
            rc = kb_version_removed(r->s, o->del_id, now, err);
        if (rc == KB_OK) {
            kb_buf_reset(&object);
            kb_buf_reset(&what);
            kb_buf_addf(&object, "kb:%s", o->del_id);
            if (o->doc)
                kb_buf_addf(&what, "file %s now holds %s", o->path, o->doc->id);
            else
                kb_buf_addf(&what, "file %s is gone", o->path);
            rc = kb_audit_append(r->s, now, INDEX_ACTOR, "kb.remove", kb_buf_str(&object),
                                 kb_buf_str(&what), err);
        } else if (rc == KB_ENOTFOUND) {
            rc = KB_OK;
        }
    }
    kb_buf_free(&what);
    kb_buf_free(&object);
    return rc;
}

static void count_op(run *r, const op *o)
{
    if (o->kind == OP_ADD)
        r->st->added++;
    else if (o->kind == OP_UPDATE)
        r->st->updated++;
    else
        r->st->removed++;
}

static void free_ops(run *r)
{
    for (size_t i = 0; i < r->nops; i++) {
        kb_doc_free(r->ops[i].doc);
        free(r->ops[i].del_id);
    }
    r->nops = 0;
    r->op_bytes = 0;
}

/* The pending operations are written as they are queued, into one open transaction that
 * commits every BATCH_OPS operations (flush): the writer works while the workers prepare the
 * next files, instead of waiting for a whole batch to be parsed. */

/* Replays the pending operations one per transaction after one of them failed in the
 * batch (which the caller rolled back), so that only the failing file is reported and
 * nothing else is lost. Errors returned are for the whole run. */
static kb_status replay(run *r, kb_err *err)
{
    kb_err e;
    kb_status rc = KB_OK;
    for (size_t i = 0; i < r->nops; i++) {
        rc = kb_store_begin(r->s, err);
        if (rc != KB_OK)
            goto out;
        kb_err_clear(&e);
        kb_status orc = apply_op(r, &r->ops[i], r->now, &e);
        if (orc != KB_OK) {
            kb_store_rollback(r->s);
            report(r, r->ops[i].path, 0, e.msg[0] ? e.msg : kb_status_name(orc));
            continue;
        }
        rc = kb_store_commit(r->s, err);
        if (rc != KB_OK) {
            kb_store_rollback(r->s);
            goto out;
        }
        count_op(r, &r->ops[i]);
    }
out:
    free_ops(r);
    return rc;
}

/* Commits the open batch. Errors returned are for the whole run. */
static kb_status flush(run *r, kb_err *err)
{
    if (!r->nops)
        return KB_OK;
    r->in_tx = 0;
    kb_status rc = kb_store_commit(r->s, err);
    if (rc != KB_OK) {
        kb_store_rollback(r->s);
        free_ops(r);
        return rc;
    }
    for (size_t i = 0; i < r->nops; i++)
        count_op(r, &r->ops[i]);
    free_ops(r);
    return KB_OK;
}

/* Writes the newest pending operation into the open batch (opening it when needed). */
static kb_status apply_last(run *r, kb_err *err)
{
    if (!r->in_tx) {
        kb_status rc = kb_store_begin(r->s, err);
        if (rc != KB_OK) {
            free_ops(r);
            return rc;
        }
        r->in_tx = 1;
        r->now = (long long)time(NULL);
    }
    kb_err e;
    if (apply_op(r, &r->ops[r->nops - 1], r->now, &e) == KB_OK)
        return KB_OK;
    r->in_tx = 0;
    kb_store_rollback(r->s);
    return replay(r, err);
}

static kb_status queue_op(run *r, kb_doc *doc, const char *del_id, const char *path, int kind,
                          kb_err *err)
{
    if (r->nops == r->opcap) {
        r->opcap = r->opcap ? r->opcap * 2 : 64;
        r->ops = kb_xrealloc(r->ops, r->opcap * sizeof *r->ops);
    }
    op *o = &r->ops[r->nops++];
    o->doc = doc;
    o->del_id = del_id ? kb_xstrdup(del_id) : NULL;
    o->path = path;
    o->kind = kind;
    if (doc)
        r->op_bytes += strlen(doc->source) + strlen(doc->html) + strlen(doc->text);
    kb_status rc = apply_last(r, err);
    if (rc != KB_OK || !r->nops)
        return rc;
    if (r->nops >= BATCH_OPS || r->op_bytes >= BATCH_BYTES)
        return flush(r, err);
    return KB_OK;
}

/* ---------------------------------------------------------------- one file */

/* Decides whether file i may take id: fills other (borrowed) with the path already holding
 * it and returns 0 when not; *takes_over is set when the id belongs to an item from a file
 * that moved or vanished. */
static int id_free(run *r, size_t i, const char *id, const char **other, int *takes_over,
                   kb_buf *scratch)
{
    const char *path = r->files[i].path;
    *takes_over = 0;
    size_t *c = strmap_get(&r->claims, id);
    if (c && *c != i) {
        *other = r->files[*c].path;
        return 0;
    }
    size_t *oi = strmap_get(&r->old_by_id, id);
    if (!oi) {
        /* Not from a file: an item made through the server must not be overwritten. */
        kb_doc *d = NULL;
        if (kb_store_doc_get(r->s, id, &d, NULL) == KB_OK) {
            kb_doc_free(d);
            *other = "the database (an item not from a file)";
            return 0;
        }
        return 1;
    }
    const char *q = r->old[*oi].path;
    if (strcmp(q, path) == 0)
        return 1;
    if (!below_any(r, q)) {
        /* Outside the given directories: another knowledge base, unless q is this very
         * file under another name (relative vs absolute argument) or no longer exists
         * (the directory was moved). */
        struct stat qs, ps;
        if (stat(q, &qs) != 0) {
            if (errno == ENOENT || errno == ENOTDIR) {
                *takes_over = 1;
                return 1;
            }
        } else if (stat(path, &ps) == 0 && qs.st_dev == ps.st_dev && qs.st_ino == ps.st_ino) {
            *takes_over = 1;
            return 1;
        }
        *other = q;
        return 0;
    }
    long j = find_file(r, q);
    if (j < 0) {
        *takes_over = 1; /* q is gone; its item becomes this file's */
        return 1;
    }
    if ((size_t)j < i)
        return 1; /* q was done and did not keep this id (it would be claimed) */
    if (strcmp(peek_id(r, (size_t)j, scratch), id) == 0) {
        *other = q;
        return 0;
    }
    *takes_over = 1;
    return 1;
}

/* Reads, hashes and, when it changed, parses file i into p. Runs on worker threads: it
 * touches only the file and read-only run state. */
static void prepare(const run *r, size_t i, prep *p, kb_buf *data)
{
    const char *path = r->files[i].path;
    kb_err e;
    kb_err_clear(&e);
    p->read_rc = read_file(path, data, &e);
    if (p->read_rc != KB_OK) {
        snprintf(p->msg, sizeof p->msg, "%s", e.msg);
        return;
    }
    sha256_hex(data, p->hash);
    const stored *o = find_old(r, path);
    if (o && strcmp(o->hash, p->hash) == 0) {
        p->unchanged = 1;
        return;
    }
    p->parse_rc = kb_ingest_parse(path, kb_buf_str(data), data->len, &p->doc, &p->line, &e);
    if (p->parse_rc != KB_OK)
        snprintf(p->msg, sizeof p->msg, "%s", e.msg);
}

static void *prefetch_main(void *arg)
{
    prefetch *pf = arg;
    kb_buf data;
    kb_buf_init(&data, KB_MAX_DOC_BYTES);
    pthread_mutex_lock(&pf->mu);
    for (;;) {
        while (!pf->quit && pf->next < pf->r->nfiles &&
               pf->next >= pf->consumed + PREFETCH_WINDOW)
            pthread_cond_wait(&pf->space, &pf->mu);
        if (pf->quit || pf->next >= pf->r->nfiles)
            break;
        size_t i = pf->next++;
        pthread_mutex_unlock(&pf->mu);
        prep p;
        memset(&p, 0, sizeof p);
        prepare(pf->r, i, &p, &data);
        pthread_mutex_lock(&pf->mu);
        p.ready = 1;
        pf->slots[i % PREFETCH_WINDOW] = p;
        pthread_cond_broadcast(&pf->more);
    }
    pthread_mutex_unlock(&pf->mu);
    kb_buf_free(&data);
    return NULL;
}

/* Starts workers (one per core but one, at least one). Without threads, files are
 * prepared by the writer itself. */
static void prefetch_start(run *r)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cores > 1 ? (size_t)cores - 1 : 1;
    if (n > MAX_WORKERS)
        n = MAX_WORKERS;
    if (r->nfiles < 64)
        return; /* not worth it */
    prefetch *pf = kb_xcalloc(1, sizeof *pf);
    pf->r = r;
    pf->slots = kb_xcalloc(PREFETCH_WINDOW, sizeof *pf->slots);
    pthread_mutex_init(&pf->mu, NULL);
    pthread_cond_init(&pf->more, NULL);
    pthread_cond_init(&pf->space, NULL);
    for (size_t k = 0; k < n; k++)
        if (pthread_create(&pf->th[pf->nth], NULL, prefetch_main, pf) == 0)
            pf->nth++;
    r->pf = pf;
}

/* Takes file i's preparation (the caller owns p->doc afterwards). */
static void prefetch_take(run *r, size_t i, prep *p, kb_buf *data)
{
    prefetch *pf = r->pf;
    if (!pf || !pf->nth) {
        memset(p, 0, sizeof *p);
        prepare(r, i, p, data);
        return;
    }
    pthread_mutex_lock(&pf->mu);
    prep *slot = &pf->slots[i % PREFETCH_WINDOW];
    while (!slot->ready)
        pthread_cond_wait(&pf->more, &pf->mu);
    *p = *slot;
    memset(slot, 0, sizeof *slot);
    pf->consumed = i + 1;
    pthread_cond_broadcast(&pf->space);
    pthread_mutex_unlock(&pf->mu);
}

static void prefetch_stop(run *r)
{
    prefetch *pf = r->pf;
    if (!pf)
        return;
    pthread_mutex_lock(&pf->mu);
    pf->quit = 1;
    pthread_cond_broadcast(&pf->space);
    pthread_mutex_unlock(&pf->mu);
    for (size_t k = 0; k < pf->nth; k++)
        pthread_join(pf->th[k], NULL);
    for (size_t k = 0; k < PREFETCH_WINDOW; k++)
        kb_doc_free(pf->slots[k].doc);
    pthread_mutex_destroy(&pf->mu);
    pthread_cond_destroy(&pf->more);
    pthread_cond_destroy(&pf->space);
    free(pf->slots);
    free(pf);
    r->pf = NULL;
}

static kb_status do_file(run *r, size_t i, kb_buf *data, kb_buf *scratch, kb_err *err)
{
    const char *path = r->files[i].path;
    const stored *o = find_old(r, path);
    prep p;
    prefetch_take(r, i, &p, data);
    if (p.read_rc != KB_OK) {
        report(r, path, 0, p.msg);
        if (o)
            strmap_put(&r->claims, o->id, i); /* the indexed version stays */
        return KB_OK;
    }
    if (p.unchanged) {
        r->st->unchanged++;
        strmap_put(&r->claims, o->id, i);
        return KB_OK;
    }
    kb_doc *d = p.doc;
    if (p.parse_rc != KB_OK) {
        report(r, path, p.line, p.msg);
        if (o)
            strmap_put(&r->claims, o->id, i);
        return KB_OK;
    }
    if (r->opts && r->opts->on_warn)
        kb_ingest_warnings(d, r->opts->on_warn, r->opts->ctx);
    kb_err e;
    const char *other = NULL;
    int takes_over = 0;
    if (!id_free(r, i, d->id, &other, &takes_over, scratch)) {
        char msg[sizeof e.msg];
        int n = snprintf(msg, sizeof msg, "duplicate id '%s' (also in %s)", d->id, other);
        if (n < 0 || (size_t)n >= sizeof msg)
            snprintf(msg, sizeof msg, "duplicate id '%s'", d->id);
        report(r, path, 0, msg);
        if (o)
            strmap_put(&r->claims, o->id, i);
        kb_doc_free(d);
        return KB_OK;
    }
    strmap_put(&r->claims, d->id, i);
    check_class(r, path, d);
    /* The item this file held under another id goes, unless another file has taken it. */
    const char *del = NULL;
    if (o && strcmp(o->id, d->id) != 0) {
        size_t *c = strmap_get(&r->claims, o->id);
        if (!c)
            del = o->id;
    }
    int kind = (o || takes_over) ? OP_UPDATE : OP_ADD;
    return queue_op(r, d, del, path, kind, err);
}

/* ---------------------------------------------------------------- synonyms */

typedef struct {
    char ***groups;
    size_t n;
    size_t g;   /* current group index */
    size_t t;   /* next term index in it */
    long long last;
    int same;
} syn_cmp;

static int syn_cmp_fn(void *ctx, long long group, const char *term)
{
    syn_cmp *c = ctx;
    if (c->t && group != c->last) {
        if (c->groups[c->g][c->t]) {
            c->same = 0;
            return 1;
        }
        c->g++;
        c->t = 0;
    }
    c->last = group;
    if (c->g >= c->n || !c->groups[c->g][c->t] || strcmp(c->groups[c->g][c->t], term) != 0) {
        c->same = 0;
        return 1;
    }
    c->t++;
    return 0;
}

/* True when the store already holds exactly these groups. */
static kb_status synonyms_same(kb_store *s, char ***groups, size_t n, int *same, kb_err *err)
{
    syn_cmp c = { groups, n, 0, 0, 0, 1 };
    kb_status rc = kb_store_synonyms(s, syn_cmp_fn, &c, err);
    if (rc != KB_OK)
        return rc;
    if (c.same) {
        if (n == 0)
            c.same = c.t == 0;
        else
            c.same = c.g == n - 1 && !groups[c.g][c.t];
    }
    *same = c.same;
    return KB_OK;
}

static kb_status do_synonyms(run *r, kb_buf *data, kb_err *err)
{
    char ***all = NULL;
    size_t nall = 0;
    int found_any = 0;
    kb_status rc = KB_OK;
    for (size_t i = 0; i < r->ndirs; i++) {
        char *path = join_path(r->dirs[i], "synonyms.txt");
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        kb_err e;
        char ***g = NULL;
        size_t n = 0;
        if (read_file(path, data, &e) != KB_OK ||
            kb_ingest_synonyms_parse(kb_buf_str(data), data->len, &g, &n, &e) != KB_OK) {
            report(r, path, 0, e.msg);
            free(path);
            kb_ingest_synonyms_free(all, nall);
            return KB_OK; /* keep the groups the store has */
        }
        free(path);
        found_any = 1;
        all = kb_xrealloc(all, (nall + n + 1) * sizeof *all);
        memcpy(all + nall, g, n * sizeof *g);
        nall += n;
        free(g);
    }
    if (found_any) {
        int same = 0;
        rc = synonyms_same(r->s, all, nall, &same, err);
        if (rc == KB_OK && !same)
            rc = kb_store_synonyms_replace(r->s, all, nall, err);
    }
    kb_ingest_synonyms_free(all, nall);
    return rc;
}

kb_status kb_ingest_synonyms_load(kb_store *s, const char *data, size_t len, int *changed,
                                  kb_err *err)
{
    *changed = 0;
    char ***groups = NULL;
    size_t n = 0;
    kb_status rc = kb_ingest_synonyms_parse(data, len, &groups, &n, err);
    int same = 0;
    if (rc == KB_OK)
        rc = synonyms_same(s, groups, n, &same, err);
    if (rc == KB_OK && !same) {
        rc = kb_store_synonyms_replace(s, groups, n, err);
        *changed = rc == KB_OK;
    }
    kb_ingest_synonyms_free(groups, n);
    return rc;
}

/* ---------------------------------------------------------------- the run */

static void run_free(run *r)
{
    prefetch_stop(r);
    kb_docclass_list_free(&r->classes);
    if (r->in_tx)
        kb_store_rollback(r->s); /* the run failed: its open batch is not committed */
    for (size_t i = 0; i < r->ndirs; i++)
        free(r->dirs[i]);
    free(r->dirs);
    for (size_t i = 0; i < r->nold; i++) {
        free(r->old[i].path);
        free(r->old[i].hash);
        free(r->old[i].id);
    }
    free(r->old);
    for (size_t i = 0; i < r->nfiles; i++) {
        free(r->files[i].path);
        free(r->files[i].peek_id);
    }
    free(r->files);
    strmap_free(&r->old_by_id);
    strmap_free(&r->claims);
    free_ops(r);
    free(r->ops);
}

static int stop_requested(const run *r)
{
    return r->opts && r->opts->stop && *r->opts->stop;
}

kb_status kb_ingest_run(kb_store *s, const char *const *dirs, size_t ndirs,
                        const kb_ingest_opts *opts, kb_ingest_stats *stats, kb_err *err)
{
    kb_ingest_stats local;
    run r;
    kb_buf data, scratch;
    kb_status rc = KB_OK;

    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    memset(&r, 0, sizeof r);
    r.s = s;
    r.opts = opts;
    r.st = stats;
    r.claims.owns = 1;
    kb_buf_init(&data, KB_MAX_DOC_BYTES);
    kb_buf_init(&scratch, KB_MAX_DOC_BYTES);
    rc = kb_hash_init(err);
    if (rc != KB_OK)
        goto out;

    r.dirs = kb_xcalloc(ndirs ? ndirs : 1, sizeof *r.dirs);
    for (size_t i = 0; i < ndirs; i++) {
        char *dir = norm_dir(dirs[i]);
        int seen = 0;
        for (size_t k = 0; k < r.ndirs && !seen; k++)
            seen = strcmp(r.dirs[k], dir) == 0;
        if (seen) {
            free(dir);
            continue;
        }
        r.dirs[r.ndirs++] = dir;
        struct stat sb;
        if (stat(dir, &sb) != 0) {
            rc = kb_err_set(err, errno == ENOENT ? KB_ENOTFOUND : KB_EIO, "cannot read '%s': %s",
                            dirs[i], strerror(errno));
            goto out;
        }
        if (!S_ISDIR(sb.st_mode)) {
            rc = kb_err_set(err, KB_EINVAL, "'%s' is not a directory", dirs[i]);
            goto out;
        }
    }
    /* Walk everything before writing anything: an unreadable directory must not make its
     * files look deleted. */
    for (size_t i = 0; i < r.ndirs; i++) {
        rc = walk(&r, r.dirs[i], 0, err);
        if (rc != KB_OK)
            goto out;
    }
    if (r.nfiles)
        qsort(r.files, r.nfiles, sizeof *r.files, cmp_found);
    size_t w = 0;
    for (size_t i = 0; i < r.nfiles; i++) {
        if (w && strcmp(r.files[w - 1].path, r.files[i].path) == 0) {
            free(r.files[i].path); /* nested or repeated directory arguments */
            continue;
        }
        r.files[w++] = r.files[i];
    }
    r.nfiles = w;

    rc = kb_store_files(s, collect_old, &r, err);
    if (rc == KB_OK)
        rc = kb_docclass_list_all(s, &r.classes, err);
    if (rc != KB_OK)
        goto out;
    if (r.nold)
        qsort(r.old, r.nold, sizeof *r.old, cmp_stored);
    for (size_t i = 0; i < r.nold; i++)
        strmap_put(&r.old_by_id, r.old[i].id, i);

    prefetch_start(&r);
    for (size_t i = 0; i < r.nfiles; i++) {
        if (stop_requested(&r)) {
            rc = flush(&r, err);
            if (rc == KB_OK)
                rc = kb_err_set(err, KB_EIO, "interrupted");
            goto out;
        }
        rc = do_file(&r, i, &data, &scratch, err);
        if (rc != KB_OK)
            goto out;
        if (opts && opts->on_progress)
            opts->on_progress(opts->ctx, i + 1, r.nfiles);
    }

    /* Items whose files are gone. A file that vanished but whose id another file took over
     * has already been replaced by the put. */
    for (size_t i = 0; i < r.nold; i++) {
        const stored *o = &r.old[i];
        if (!below_any(&r, o->path) || find_file(&r, o->path) >= 0)
            continue;
        if (strmap_get(&r.claims, o->id))
            continue;
        rc = queue_op(&r, NULL, o->id, o->path, OP_REMOVE, err);
        if (rc != KB_OK)
            goto out;
    }
    rc = flush(&r, err);
    if (rc != KB_OK)
        goto out;
    rc = do_synonyms(&r, &data, err);
out:
    kb_buf_free(&data);
    kb_buf_free(&scratch);
    run_free(&r);
    return rc;
}
