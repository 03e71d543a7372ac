#ifndef KB_INGEST_H
#define KB_INGEST_H
#include <signal.h>
#include <stddef.h>

#include "kb_buf.h"
#include "kb_doc.h"
#include "kb_err.h"
#include "kb_store.h"

/* Parses one knowledge file (YAML front matter + Markdown, see docs/FORMAT.md) held in
 * data[0..len). path is used for messages and stored in the record. On success *out is a
 * new record (free with kb_doc_free()) with the known-error sections filled from front
 * matter or from body headings, text set to the plain text of the body, html set to the
 * rendered and sanitised body, and hash set. For known errors and tickets, text holds
 * only the body outside the recognised sections (their text is in the section fields). On failure *out is NULL, err says why
 * (KB_EPARSE, KB_ETOOBIG, KB_EINVAL) and *line (if not NULL) is the 1-based line of the
 * problem, or 0 when it concerns the whole file. */
kb_status kb_ingest_parse(const char *path, const char *data, size_t len, kb_doc **out,
                          size_t *line, kb_err *err);

/* Front-matter keys (kb/ingest_keys.c). The keys kedb reads are one table there; other
 * keys are kept and shown with the item. Common other spellings are accepted for a key
 * (`location` for storage_location, `retention` for retention_period, `published` for
 * publish_date, `文件编号` for doc_no ...; docs/FORMAT.md lists them). */

/* 1 when key is a front-matter key kedb reads (not an other spelling). */
int kb_ingest_key_known(const char *key);
/* The key an accepted other spelling stands for (ASCII case ignored), or NULL. The
 * document keys' spellings count only for documents (is_document). */
const char *kb_ingest_key_alias(const char *key, int is_document);
/* The known key nearest to key by edit distance (characters; ASCII case ignored; a swap of
 * two neighbours counts one), also through the other spellings, when it is near enough to be
 * a misspelling: at most 2 edits and at most a third of the longer name (an other spelling
 * gives its key). NULL otherwise, and for known keys. Returned strings are static. */
const char *kb_ingest_key_nearest(const char *key);
/* Renames, in d (parsed, before its record is checked), the fields written with an accepted
 * other spelling to their key, unless d also has that key. kb_ingest_parse calls it. */
void kb_ingest_key_aliases(kb_doc *d);
/* Reports what the author of a parsed item d may want to fix, without refusing it: keys
 * that look misspelt (with the nearest known key), other spellings given beside their key,
 * a document whose id and doc_no differ (doc_no is its number), a retention period that
 * cannot be read. fn gets ctx, d->path, the line (0 when unknown) and the message. */
typedef void (*kb_ingest_warn_fn)(void *ctx, const char *path, size_t line, const char *msg);
void kb_ingest_warnings(const kb_doc *d, kb_ingest_warn_fn fn, void *ctx);

/* A knowledge item described by plain values, for kb_ingest_compose(). */
typedef struct {
    const char *key;
    const char *value;
} kb_kv;

typedef struct {
    const char *id;
    const char *type;
    const char *title;
    const kb_kv *scalars; /* front-matter fields, written as quoted strings */
    size_t nscalars;
    const kb_kv *lists;   /* front-matter lists: values separated by ';' or ',' */
    size_t nlists;
    const kb_kv *sections; /* key = heading, value = text (kept literal, one paragraph per
                              line); empty texts are left out */
    size_t nsections;
} kb_compose;

/* Writes the source file of an item (YAML front matter + Markdown sections) to out, with
 * every value escaped so that it reads back exactly through kb_ingest_parse() and no text
 * becomes markup. Used for tickets imported from other systems and for closed incidents. */
void kb_ingest_compose(const kb_compose *c, kb_buf *out);

/* Writes src (the file format) to out with the top-level front-matter field key set to
 * value (a double-quoted YAML string; NULL removes the field): an existing key line and its
 * indented or list continuation lines are replaced, else the field is added at the end of
 * the front matter. KB_EPARSE when src has no front matter. The caller parses the result. */
kb_status kb_ingest_set_field(const char *src, size_t len, const char *key, const char *value,
                              kb_buf *out, kb_err *err);

/* Limits on a Markdown body, checked by kb_ingest_md_check() before cmark-gfm parses it.
 * cmark-gfm 0.29.0.gfm.6 (Debian 12) is super-linear on some inputs: it pads every table row
 * to the header's width (columns x rows cells from a few bytes per row), parses a row in time
 * quadratic in its cells, re-reads the paragraph above every line that could be a table's
 * delimiter row, scans to the end of the paragraph for each '<!', '<?' and '![' (CVE-2023-22484,
 * -22486 and kin), spends about 6 KB per e-mail autolink, and matches every open container on
 * every blank line. Real documents stay far below these; see docs/FORMAT.md. */
#define KB_MD_MAX_BYTES (512u * 1024u)           /* the Markdown body (after front matter) */
#define KB_MD_MAX_TABLE_COLUMNS 64u              /* columns of one table */
#define KB_MD_MAX_TABLE_CELLS 20000u             /* columns x rows, all tables together */
#define KB_MD_MAX_NESTING 32u                    /* block quotes and list items, one in another */
#define KB_MD_MAX_TABLE_RESCAN (1024u * 1024u)   /* paragraph bytes re-read for delimiter rows */
#define KB_MD_MAX_INLINE_SCAN (16u * 1024u * 1024u) /* ('<!' '<?' '![' in a paragraph) x bytes */
#define KB_MD_MAX_AT_SIGNS 2000u                 /* '@' (e-mail autolinks) in the body */

/* Decides, in one linear pass and before any parsing, whether the Markdown md[0..len) stays
 * within the KB_MD_MAX_* limits. Every render path (kb_ingest_parse, kb_ingest_render) calls
 * it first. The estimates err on the safe side: a line that only might start a table or a
 * nested block counts as one. KB_ETOOBIG with a message naming the limit, and *line (if not
 * NULL) set to the 1-based line of md where the limit was passed (0 for the whole text). */
kb_status kb_ingest_md_check(const char *md, size_t len, size_t *line, kb_err *err);

/* Renders Markdown to sanitised HTML (GFM tables, strikethrough, autolinks; raw HTML and
 * javascript:/data:/vbscript: links removed). *out is freed with free(). */
kb_status kb_ingest_render(const char *md, size_t len, char **out, kb_err *err);

/* Renders text as one preformatted block (<pre><code>, every character escaped), without
 * parsing it: linear in len, for showing a stored source that no longer renders (e.g. past a
 * KB_MD_MAX_* limit). *out is freed with free(). */
kb_status kb_ingest_render_verbatim(const char *text, size_t len, char **out, kb_err *err);

/* Reads a synonyms file: one group per line, terms separated by commas (ASCII or
 * full-width) or tabs; '#' starts a comment. *groups is an array of *n NULL-terminated term
 * arrays; free it with kb_ingest_synonyms_free(). */
kb_status kb_ingest_synonyms_parse(const char *data, size_t len, char ****groups, size_t *n,
                                   kb_err *err);
void kb_ingest_synonyms_free(char ***groups, size_t n);
/* Parses a synonyms file data[0..len) and makes its groups the store's (all others go),
 * unless the store holds exactly these already; *changed says whether it wrote. */
kb_status kb_ingest_synonyms_load(kb_store *s, const char *data, size_t len, int *changed,
                                  kb_err *err);

/* What one indexing run did. */
typedef struct {
    size_t added;
    size_t updated;
    size_t removed;
    size_t unchanged;
    size_t failed;
} kb_ingest_stats;

/* Called for each file that failed: path, 1-based line (0 = whole file) and reason. */
typedef void (*kb_ingest_fail_fn)(void *ctx, const char *path, size_t line, const char *reason);
/* Called after each file with the count done so far and the total. */
typedef void (*kb_ingest_progress_fn)(void *ctx, size_t done, size_t total);

typedef struct {
    kb_ingest_fail_fn on_fail;
    kb_ingest_progress_fn on_progress;
    void *ctx;
    /* When not NULL and *stop becomes non-zero (e.g. from a signal handler), the run ends
     * after the current file: what was done so far is committed, removals and synonyms are
     * skipped, and KB_EIO ("interrupted") is returned. */
    const volatile sig_atomic_t *stop;
    /* When not NULL, called with kb_ingest_warnings() for each file read anew (its path,
     * line, message), and for a document whose doc_type names no class (kb_docclass.h);
     * warnings neither fail the file nor count in the stats. */
    kb_ingest_warn_fn on_warn;
} kb_ingest_opts;

/* Indexes every *.md file below the given directories into s. Incremental: files whose
 * content hash is unchanged are skipped; items whose files disappeared are removed (only
 * files below the given directories are considered). A file named synonyms.txt in a given
 * directory replaces the synonym groups. Bad files are reported through opts->on_fail and
 * skipped; they never abort the run nor change what is indexed for other files. Returns
 * KB_OK even when files failed (stats->failed counts them); errors are for the run as a
 * whole (database, unreadable directory). */
kb_status kb_ingest_run(kb_store *s, const char *const *dirs, size_t ndirs,
                        const kb_ingest_opts *opts, kb_ingest_stats *stats, kb_err *err);

#endif
