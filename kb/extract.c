/* The searchable text of Office files and PDFs. See include/kb_extract.h. */
#include "kb_extract.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_ooxml.h"
#include "kb_sheet.h"
#include "kb_text.h"

/* --- the text as returned --- */

/* Copies b into *out as UTF-8 (broken sequences dropped), control characters other than
 * tab and newline as spaces, runs of blank lines squeezed, cut at max bytes on a character
 * boundary. */
static void finish(const kb_buf *b, size_t max, char **out, size_t *out_len)
{
    kb_buf o;
    kb_buf_init(&o, 0);
    int newlines = 0;
    for (size_t i = 0; i < b->len && o.len < max;) {
        size_t n = kb_text_utf8_seq(b->data + i, b->len - i);
        if (n == 0) {
            i++;
            continue;
        }
        if (o.len + n > max)
            break;
        unsigned char c = (unsigned char)b->data[i];
        if (n == 1 && c == '\n') {
            if (++newlines <= 2)
                kb_buf_addc(&o, '\n');
        } else if (n == 1 && (c < 0x20 || c == 0x7f) && c != '\t') {
            kb_buf_addc(&o, ' ');
        } else {
            newlines = 0;
            kb_buf_add(&o, b->data + i, n);
        }
        i += n;
    }
    *out = kb_buf_detach(&o, out_len);
    kb_buf_free(&o);
}

/* --- Office Open XML --- */

typedef struct {
    kb_buf text;
    size_t max; /* bytes wanted; reading stops past it */
} sink;

static int full(const sink *k)
{
    return k->text.len >= k->max;
}

static void put(sink *k, const char *s)
{
    size_t len = strlen(s);
    size_t room = k->max + 4 > k->text.len ? k->max + 4 - k->text.len : 0;
    kb_buf_add(&k->text, s, len < room ? len : room);
}

/* The text of one part: what its <t> elements hold (w:t, a:t, the spreadsheet's t; not
 * phonetic runs), a newline after each paragraph, shared string and row, a tab after each
 * table cell and for each tab. KB_ENOTFOUND (err untouched) when there is no such part. */
static kb_status read_part(kb_ooxml *z, const char *name, sink *k, kb_err *err)
{
    kb_ooxml_part *p = NULL;
    kb_status rc = kb_ooxml_part_open(z, name, KB_EXTRACT_MAX_PART, &p, err);
    if (rc != KB_OK)
        return rc;
    int in_t = 0, in_rph = 0, r = 1;
    while (!full(k) && (r = kb_ooxml_next(p, err)) == 1) {
        if (kb_ooxml_is_start(p, "t")) {
            in_t = !kb_ooxml_is_empty(p);
        } else if (kb_ooxml_is_end(p, "t")) {
            in_t = 0;
        } else if (kb_ooxml_is_start(p, "rPh")) {
            in_rph = !kb_ooxml_is_empty(p);
        } else if (kb_ooxml_is_end(p, "rPh")) {
            in_rph = 0;
        } else if (in_t && !in_rph && kb_ooxml_is_text(p)) {
            const char *v = kb_ooxml_value(p);
            if (v)
                put(k, v);
        } else if (kb_ooxml_is_end(p, "p") || kb_ooxml_is_end(p, "si") ||
                   kb_ooxml_is_end(p, "row") || kb_ooxml_is_start(p, "br") ||
                   kb_ooxml_is_start(p, "cr")) {
            put(k, "\n");
        } else if (kb_ooxml_is_end(p, "tc") || (in_t == 0 && kb_ooxml_is_start(p, "tab") &&
                                                 kb_ooxml_is_empty(p))) {
            put(k, "\t");
        }
    }
    kb_ooxml_part_free(p);
    if (full(k))
        return KB_OK;
    return r < 0 ? err->code : KB_OK;
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The parts of each kind of package that hold its text: a fixed first part, then every
 * entry under one of the folders whose name starts with one of the prefixes. */
static const struct {
    const char *format;
    const char *marker; /* the part that tells the kind */
    const char *first;  /* read first (may be NULL) */
    const char *const prefixes[6];
} kinds[] = {
    { "docx", "word/document.xml", "word/document.xml",
      { "word/header", "word/footer", "word/footnotes", "word/endnotes", NULL } },
    { "xlsx", "xl/workbook.xml", "xl/sharedStrings.xml", { "xl/worksheets/sheet", NULL } },
    { "pptx", "ppt/presentation.xml", NULL,
      { "ppt/slides/slide", "ppt/notesSlides/notesSlide", NULL } },
};

kb_status kb_extract_office(const void *data, size_t len, size_t max, char **out,
                            size_t *out_len, kb_err *errp)
{
    /* the status comes from err after a failure: never NULL there */
    kb_err e;
    kb_err *err = &e;
    kb_err_clear(err);
    *out = NULL;
    *out_len = 0;
    kb_ooxml *z = NULL;
    kb_ooxml_limits lim = { KB_EXTRACT_MAX_INFLATE, KB_EXTRACT_MAX_RATIO };
    kb_status rc = kb_ooxml_open(data, len, "office", &lim, &z, err);
    size_t kind = sizeof kinds / sizeof kinds[0];
    if (rc == KB_OK) {
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (kind == sizeof kinds / sizeof kinds[0] && kb_ooxml_has(z, kinds[i].marker))
                kind = i;
        if (kind == sizeof kinds / sizeof kinds[0])
            rc = kb_err_set(err, KB_EPARSE, "a zip archive but no Word, Excel or PowerPoint "
                            "file in it");
    }
    /* opened again under its format's name, which its errors start with */
    kb_ooxml_free(z);
    z = NULL;
    if (rc == KB_OK)
        rc = kb_ooxml_open(data, len, kinds[kind].format, &lim, &z, err);
    sink k;
    kb_buf_init(&k.text, 0);
    k.max = max;
    if (rc == KB_OK && kinds[kind].first) {
        rc = read_part(z, kinds[kind].first, &k, err);
        if (rc == KB_ENOTFOUND)
            rc = KB_OK; /* a workbook without text */
    }
    size_t parts = 0;
    for (size_t i = 0; rc == KB_OK && !full(&k) && i < kb_ooxml_count(z); i++) {
        const char *name = kb_ooxml_name(z, i);
        if (!name || !has_suffix(name, ".xml") || (kinds[kind].first &&
                                                   strcmp(name, kinds[kind].first) == 0))
            continue;
        int want = 0;
        for (size_t j = 0; kinds[kind].prefixes[j]; j++)
            want |= has_prefix(name, kinds[kind].prefixes[j]);
        if (!want)
            continue;
        if (++parts > KB_EXTRACT_MAX_PARTS) {
            rc = kb_err_set(err, KB_ETOOBIG, "%s: more than %u parts with text",
                            kinds[kind].format, KB_EXTRACT_MAX_PARTS);
            break;
        }
        put(&k, "\n");
        rc = read_part(z, name, &k, err);
    }
    kb_ooxml_free(z);
    if (rc == KB_OK)
        finish(&k.text, max, out, out_len);
    else if (errp)
        *errp = e;
    kb_buf_free(&k.text);
    return rc;
}

/* --- .xls --- */

kb_status kb_extract_xls(const void *data, size_t len, size_t max, char **out,
                         size_t *out_len, kb_err *err)
{
    *out = NULL;
    *out_len = 0;
    kb_sheet *sh = NULL;
    kb_status rc = kb_sheet_open(data, len, NULL, &sh, err);
    sink k;
    kb_buf_init(&k.text, 0);
    k.max = max;
    kb_sheet_row row;
    while (rc == KB_OK && !full(&k) && (rc = kb_sheet_next(sh, &row, err)) == KB_OK &&
           !row.done) {
        for (size_t i = 0; i < row.n; i++) {
            if (i)
                put(&k, "\t");
            put(&k, row.cells[i]);
        }
        put(&k, "\n");
    }
    kb_sheet_free(sh);
    if (rc == KB_OK)
        finish(&k.text, max, out, out_len);
    kb_buf_free(&k.text);
    return rc;
}

/* --- PDF through pdftotext --- */

static char *pdf_prog;
static int pdf_seconds = KB_EXTRACT_PDF_SECONDS;

void kb_extract_set_pdftotext(const char *prog, int seconds)
{
    free(pdf_prog);
    pdf_prog = prog && *prog ? kb_xstrdup(prog) : NULL;
    pdf_seconds = seconds > 0 ? seconds : KB_EXTRACT_PDF_SECONDS;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* The child: stdout to the pipe, nothing else open, limits set, then the program. On a
 * failed exec its errno goes to the status pipe (closed on a successful exec). Only
 * async-signal-safe calls: the parent may have threads. */
static void pdf_child(const char *prog, const char *path, int out_fd, int status_fd,
                      int seconds)
{
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDERR_FILENO);
    }
    dup2(out_fd, STDOUT_FILENO);
    if (status_fd != 3) {
        dup2(status_fd, 3);
        fcntl(3, F_SETFD, FD_CLOEXEC);
    }
    close_range(4, ~0u, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    struct rlimit cpu = { (rlim_t)seconds, (rlim_t)seconds + 1 };
    struct rlimit as = { KB_EXTRACT_PDF_MEMORY, KB_EXTRACT_PDF_MEMORY };
    struct rlimit fsize = { 0, 0 };
    setrlimit(RLIMIT_CPU, &cpu);
    setrlimit(RLIMIT_AS, &as);
    setrlimit(RLIMIT_FSIZE, &fsize); /* it writes to the pipe only */
    char *const argv[] = { (char *)prog, "-q", "-enc", "UTF-8", "-nopgbrk", (char *)path, "-",
                           NULL };
    execvp(prog, argv);
    int e = errno;
    ssize_t w = write(3, &e, sizeof e);
    (void)w;
    _exit(127);
}

/* Reads the child's text until it ends, max bytes arrive (then it is killed: the text is
 * kept as cut) or the deadline passes (KB_ETOOBIG). */
static kb_status pdf_collect(pid_t pid, int fd, size_t max, int seconds, kb_buf *out,
                             int *status, kb_err *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char chunk[65536];
    kb_status rc = KB_OK;
    int stop = 0;
    while (!stop) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (long)(now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000L;
        long left = (long)seconds * 1000L - ms;
        if (left <= 0) {
            rc = kb_err_set(err, KB_ETOOBIG, "pdf: reading the text took more than %d seconds",
                            seconds);
            break;
        }
        struct pollfd pf = { fd, POLLIN, 0 };
        int pr = poll(&pf, 1, (int)(left > 1000 ? 1000 : left));
        if (pr <= 0)
            continue;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n;
        if (out->len + take >= max + 4) {
            take = max + 4 - out->len;
            stop = 1; /* enough text: the rest is not read */
        }
        kb_buf_add(out, chunk, take);
    }
    if (rc != KB_OK || stop)
        kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    if (stop)
        *status = 0;
    return rc;
}

kb_status kb_extract_pdf(const void *data, size_t len, size_t max, char **out, size_t *out_len,
                         kb_err *err)
{
    *out = NULL;
    *out_len = 0;
    const char *prog = pdf_prog ? pdf_prog : "pdftotext";
    int seconds = pdf_seconds;
    const char *dir = getenv("TMPDIR");
    char path[256];
    int n = snprintf(path, sizeof path, "%s/kedb-pdf-XXXXXX", dir && *dir ? dir : "/tmp");
    if (n < 0 || (size_t)n >= sizeof path)
        return kb_err_set(err, KB_EIO, "pdf: TMPDIR is too long");
    int fd = mkstemp(path);
    if (fd < 0)
        return kb_err_set(err, KB_EIO, "pdf: cannot make a temporary file in '%.100s': %s",
                          dir && *dir ? dir : "/tmp", strerror(errno));
    int wrote = write_all(fd, data, len);
    if (close(fd) != 0 || wrote != 0) {
        unlink(path);
        return kb_err_set(err, KB_EIO, "pdf: cannot write the temporary file: %s",
                          strerror(errno));
    }
    int pipefd[2], statfd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        unlink(path);
        return kb_err_set(err, KB_EIO, "pdf: cannot make a pipe: %s", strerror(errno));
    }
    if (pipe2(statfd, O_CLOEXEC) != 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        unlink(path);
        return kb_err_set(err, KB_EIO, "pdf: cannot make a pipe: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid == 0)
        pdf_child(prog, path, pipefd[1], statfd[1], seconds);
    close(pipefd[1]);
    close(statfd[1]);
    kb_status rc = KB_OK;
    kb_buf text;
    kb_buf_init(&text, 0);
    int status = 0;
    if (pid < 0) {
        rc = kb_err_set(err, KB_EIO, "pdf: cannot start '%.100s': %s", prog, strerror(errno));
    } else {
        rc = pdf_collect(pid, pipefd[0], max, seconds, &text, &status, err);
        int exec_errno = 0;
        ssize_t r = read(statfd[0], &exec_errno, sizeof exec_errno);
        if (rc == KB_OK && r == (ssize_t)sizeof exec_errno) {
            if (exec_errno == ENOENT)
                rc = kb_err_set(err, KB_EIO, "pdf: '%.100s' is not installed (Debian: "
                                "poppler-utils); the file is kept without its text", prog);
            else
                rc = kb_err_set(err, KB_EIO, "pdf: cannot run '%.100s': %s", prog,
                                strerror(exec_errno));
        } else if (rc == KB_OK && WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
            rc = kb_err_set(err, KB_ETOOBIG, "pdf: reading the text took more than %d seconds",
                            seconds);
        } else if (rc == KB_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            rc = kb_err_set(err, KB_EPARSE, "pdf: pdftotext could not read the file (%s %d)",
                            WIFSIGNALED(status) ? "signal" : "exit status",
                            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        }
    }
    close(pipefd[0]);
    close(statfd[0]);
    unlink(path);
    if (rc == KB_OK)
        finish(&text, max, out, out_len);
    kb_buf_free(&text);
    return rc;
}
