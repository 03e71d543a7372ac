/* kedb-index: indexes knowledge directories into a kedb database. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kb_alloc.h"
#include "kb_err.h"
#include "kb_ingest.h"
#include "kb_log.h"
#include "kb_store.h"

#define OPTIMIZE_AFTER 1000u

static const char usage_text[] =
    "usage: kedb-index --db PATH [-v] [-q] [--optimize] DIR...\n"
    "\n"
    "Indexes every *.md knowledge file below the given directories into the database at\n"
    "PATH (created when missing). Only changed files are re-read; items whose files are\n"
    "gone are removed. A synonyms.txt in a given directory replaces the synonym groups.\n"
    "Files read anew are also checked for what looks wrong but is kept (a misspelt\n"
    "front-matter key, a retention period that cannot be read, a document's doc_type outside\n"
    "the document classes): 'path:line: warning: ...'.\n"
    "\n"
    "  --db PATH     database file (required)\n"
    "  -v            more log output (repeat for debug output)\n"
    "  -q            no progress and no summary line; failures are still reported\n"
    "  --optimize    merge the full-text index segments after the run\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 all files indexed, 1 some files failed, 2 usage or fatal error.\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* What the callbacks need. */
typedef struct {
    int tty;            /* progress line on stderr */
    int progress_shown; /* a progress line is on screen */
    struct timespec last;
} idx_ui;

static void idx_clear_progress(idx_ui *ui)
{
    if (ui->progress_shown) {
        fputs("\r\033[K", stderr);
        ui->progress_shown = 0;
    }
}

static void idx_on_fail(void *ctx, const char *path, size_t line, const char *reason)
{
    idx_ui *ui = ctx;
    idx_clear_progress(ui);
    if (line)
        fprintf(stderr, "%s:%zu: %s\n", path, line, reason);
    else
        fprintf(stderr, "%s: %s\n", path, reason);
}

static void idx_on_warn(void *ctx, const char *path, size_t line, const char *msg)
{
    idx_ui *ui = ctx;
    idx_clear_progress(ui);
    if (line)
        fprintf(stderr, "%s:%zu: warning: %s\n", path, line, msg);
    else
        fprintf(stderr, "%s: warning: %s\n", path, msg);
}

static void idx_on_progress(void *ctx, size_t done, size_t total)
{
    idx_ui *ui = ctx;
    if (!ui->tty)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms = (now.tv_sec - ui->last.tv_sec) * 1000LL +
                   (now.tv_nsec - ui->last.tv_nsec) / 1000000LL;
    if (done != total && ui->progress_shown && ms < 100)
        return;
    ui->last = now;
    fprintf(stderr, "\rindexing: %zu/%zu files", done, total);
    fflush(stderr);
    ui->progress_shown = 1;
}

static int idx_usage_error(const char *msg, const char *arg)
{
    if (arg)
        fprintf(stderr, "kedb-index: %s '%s'\n", msg, arg);
    else
        fprintf(stderr, "kedb-index: %s\n", msg);
    fputs("usage: kedb-index --db PATH [-v] [-q] [--optimize] DIR...\n"
          "try 'kedb-index --help' for more information\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    const char *db = NULL;
    int verbose = 0, quiet = 0, optimize = 0, only_dirs = 0;
    const char **dirs = kb_xcalloc((size_t)argc, sizeof *dirs);
    size_t ndirs = 0;
    kb_store *s = NULL;
    kb_err err;
    int code = 2;

    kb_err_clear(&err);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_dirs || a[0] != '-' || strcmp(a, "-") == 0) {
            dirs[ndirs++] = a;
        } else if (strcmp(a, "--") == 0) {
            only_dirs = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            code = 0;
            goto out;
        } else if (strcmp(a, "--db") == 0) {
            if (i + 1 >= argc) {
                code = idx_usage_error("missing value after", a);
                goto out;
            }
            db = argv[++i];
        } else if (strncmp(a, "--db=", 5) == 0) {
            db = a + 5;
        } else if (strcmp(a, "--optimize") == 0) {
            optimize = 1;
        } else if (a[1] != '-' && a[1] && strspn(a + 1, "vq") == strlen(a + 1)) {
            for (const char *p = a + 1; *p; p++) {
                if (*p == 'v')
                    verbose++;
                else
                    quiet = 1;
            }
        } else {
            code = idx_usage_error("unknown option", a);
            goto out;
        }
    }
    if (!db || !*db) {
        code = idx_usage_error("missing --db PATH", NULL);
        goto out;
    }
    if (!ndirs) {
        code = idx_usage_error("no directory given", NULL);
        goto out;
    }
    for (size_t i = 0; i < ndirs; i++) {
        struct stat sb;
        if (stat(dirs[i], &sb) != 0) {
            fprintf(stderr, "kedb-index: cannot use '%s': %s\n", dirs[i], strerror(errno));
            goto out;
        }
        if (!S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "kedb-index: '%s' is not a directory\n", dirs[i]);
            goto out;
        }
    }

    kb_log_set_level(verbose >= 2 ? KB_LOG_DEBUG : verbose ? KB_LOG_INFO : KB_LOG_WARN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (kb_store_open(db, 0, &s, &err) != KB_OK) {
        fprintf(stderr, "kedb-index: %s\n", err.msg);
        goto out;
    }
    if (kb_store_bulk_writes(s, &err) != KB_OK) {
        fprintf(stderr, "kedb-index: %s\n", err.msg);
        goto out;
    }
    idx_ui ui;
    memset(&ui, 0, sizeof ui);
    ui.tty = !quiet && isatty(STDERR_FILENO);
    kb_ingest_opts opts = { idx_on_fail, idx_on_progress, &ui, &stop_signal, idx_on_warn };
    kb_ingest_stats st;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    kb_log(KB_LOG_INFO, "indexing %zu director%s into '%s'", ndirs, ndirs == 1 ? "y" : "ies",
           db);
    kb_status rc = kb_ingest_run(s, dirs, ndirs, &opts, &st, &err);
    idx_clear_progress(&ui);
    if (rc != KB_OK) {
        if (stop_signal) {
            fprintf(stderr, "kedb-index: interrupted; %zu added, %zu updated before stopping\n",
                    st.added, st.updated);
            code = 128 + (int)stop_signal;
        } else {
            fprintf(stderr, "kedb-index: %s\n", err.msg);
        }
        goto out;
    }
    size_t written = st.added + st.updated + st.removed;
    if (optimize || written > OPTIMIZE_AFTER) {
        kb_log(KB_LOG_INFO, "optimizing the index");
        if (kb_store_optimize(s, &err) != KB_OK) {
            fprintf(stderr, "kedb-index: cannot optimize the index: %s\n", err.msg);
            goto out;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    kb_log(KB_LOG_INFO, "done in %lld ms",
           (long long)(t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000L);
    if (!quiet)
        printf("indexed: %zu added, %zu updated, %zu removed, %zu unchanged, %zu failed\n",
               st.added, st.updated, st.removed, st.unchanged, st.failed);
    code = st.failed ? 1 : 0;
out:
    kb_store_free(s);
    free(dirs);
    if (fflush(stdout) != 0 && code == 0)
        code = 2;
    return code;
}
