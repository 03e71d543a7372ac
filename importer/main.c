/* kedb-import: imports past tickets exported by other helpdesks (CSV or JSON) as searchable
 * ticket items, with a column mapping. Bad rows are reported with their line and skipped;
 * importing the same file again changes nothing. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_csv.h"
#include "kb_doc.h"
#include "kb_hash.h"
#include "kb_ingest.h"
#include "kb_log.h"
#include "kb_section.h"
#include "kb_store.h"
#include "kb_version.h"

#define MAX_FILE (256u * 1024u * 1024u)
#define MAX_FIELD (256u * 1024u)
#define MAX_MAP 32

/* The item fields a column can fill, besides the known-error sections (kb_section). */
static const char *const targets[] = { "id", "title", "status", "updated", "caller",
                                       "category", "opened", "closed", "resolved_by", "ci",
                                       "priority", "tags", "products", "error_codes", "owner" };

typedef struct {
    const char *target;
    char *column;
} mapping;

typedef struct {
    mapping map[MAX_MAP];
    size_t nmap;
    const char *prefix; /* prepended to ids, e.g. "OLD-" */
    kb_store *s;
    size_t added, updated, unchanged, failed;
    const char *file;
    long long now; /* time of the audit entries */
} import;

static void usage(FILE *f)
{
    kb_buf secs;
    kb_buf_init(&secs, 0);
    for (size_t i = 0; i < kb_section_count(); i++)
        kb_buf_addf(&secs, " %s", kb_section_at(i)->key);
    fprintf(f,
            "usage: kedb-import --db PATH [--format csv|json] [--encoding NAME] [--map LIST]\n"
            "                   [--id-prefix P] FILE\n"
            "Imports past tickets (CSV with a header row, a JSON array of objects, or JSON\n"
            "Lines) as ticket items that search and suggestions find.\n"
            "  --map LIST       target=column pairs, comma-separated, e.g.\n"
            "                   id=TicketNo,title=Subject,symptom=Description,workaround=Solution\n"
            "                   targets: id title%s status updated\n"
            "                   caller category opened closed resolved_by ci priority tags\n"
            "                   products error_codes owner (tags/products/error_codes split on\n"
            "                   ; or ,). Without --map a column named like a target fills it.\n"
            "                   id and title are required.\n"
            "  --format F       csv or json (default: from the file name, else csv)\n"
            "  --encoding NAME  character set of a CSV file (default UTF-8; e.g. GBK, GB18030)\n"
            "  --id-prefix P    prefix for every id (keeps ids apart from other systems')\n"
            "Exit status: 0 all rows imported, 1 some rows failed, 2 usage or fatal error.\n",
            kb_buf_str(&secs));
    kb_buf_free(&secs);
}

static const char *known_target(const char *t)
{
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (strcmp(t, targets[i]) == 0)
            return targets[i];
    const kb_section *sec = kb_section_by_key(t);
    return sec ? sec->key : NULL;
}

static int parse_map(import *im, const char *spec)
{
    char *copy = kb_xstrdup(spec);
    char *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1]) {
            fprintf(stderr, "kedb-import: bad --map entry '%s' (want target=column)\n", tok);
            rc = -1;
            break;
        }
        *eq = '\0';
        const char *t = known_target(tok);
        if (!t) {
            fprintf(stderr, "kedb-import: unknown target '%s' in --map\n", tok);
            rc = -1;
            break;
        }
        if (im->nmap == MAX_MAP) {
            fprintf(stderr, "kedb-import: too many --map entries\n");
            rc = -1;
            break;
        }
        im->map[im->nmap].target = t;
        im->map[im->nmap].column = kb_xstrdup(eq + 1);
        im->nmap++;
    }
    free(copy);
    return rc;
}

/* --- one row --- */

typedef struct {
    const char *names[256];
    const char *vals[256];
    size_t n;
} row;

static const char *row_get(const import *im, const row *r, const char *target)
{
    const char *col = NULL;
    for (size_t i = 0; i < im->nmap; i++)
        if (strcmp(im->map[i].target, target) == 0)
            col = im->map[i].column;
    if (!col && im->nmap == 0)
        col = target;
    for (size_t i = 0; col && i < r->n; i++)
        if (r->names[i] && strcmp(r->names[i], col) == 0)
            return r->vals[i];
    return NULL;
}

/* Turns one row into a ticket file in memory and stores it through the normal parser, so
 * imported tickets look exactly like ticket files. */
static void import_row(import *im, const row *r, size_t line)
{
    const char *id = row_get(im, r, "id");
    const char *title = row_get(im, r, "title");
    if (!id || !*id) {
        fprintf(stderr, "%s:%zu: no ticket id (column for 'id' missing or empty)\n", im->file,
                line);
        im->failed++;
        return;
    }
    if (!title || !*title) {
        fprintf(stderr, "%s:%zu: ticket '%s' has no title\n", im->file, line, id);
        im->failed++;
        return;
    }
    kb_buf fullid;
    kb_buf_init(&fullid, 0);
    kb_buf_adds(&fullid, im->prefix ? im->prefix : "");
    kb_buf_adds(&fullid, id);
    static const char *const scalar_keys[] = { "status", "updated", "caller", "category",
                                               "opened", "closed", "resolved_by", "ci",
                                               "priority", "owner" };
    static const char *const list_keys[] = { "tags", "products", "error_codes" };
    kb_kv scalars[11], lists[3];
    size_t ns = 0;
    for (size_t i = 0; i < sizeof scalar_keys / sizeof scalar_keys[0]; i++)
        scalars[ns++] = (kb_kv){ scalar_keys[i], row_get(im, r, scalar_keys[i]) };
    scalars[ns++] = (kb_kv){ "imported_from", im->file };
    for (size_t i = 0; i < 3; i++)
        lists[i] = (kb_kv){ list_keys[i], row_get(im, r, list_keys[i]) };
    kb_kv sections[KB_SECTION_MAX];
    size_t nsec = kb_section_count();
    for (size_t i = 0; i < nsec; i++) {
        const kb_section *sec = kb_section_at(i);
        sections[i] = (kb_kv){ kb_section_heading(sec, 1), row_get(im, r, sec->key) };
    }
    kb_compose c = { fullid.data, KB_TYPE_TICKET, title, scalars, ns, lists, 3, sections, nsec };
    kb_buf src;
    kb_buf_init(&src, 0);
    kb_ingest_compose(&c, &src);

    kb_doc *d = NULL;
    kb_err err;
    size_t eline = 0;
    kb_status rc = kb_ingest_parse("", src.data, src.len, &d, &eline, &err);
    if (rc == KB_OK) {
        kb_doc *old = NULL;
        char *origin_of = NULL;
        kb_status g = kb_store_doc_get(im->s, d->id, &old, NULL);
        if (g == KB_OK && strcmp(old->hash, d->hash) == 0) {
            im->unchanged++;
        } else if (g == KB_OK && strcmp(old->type, KB_TYPE_TICKET) != 0) {
            fprintf(stderr, "%s:%zu: id '%s' belongs to a %s, not a ticket\n", im->file, line,
                    d->id, old->type);
            im->failed++;
        } else if (g != KB_OK && kb_version_origin(im->s, d->id, &origin_of, NULL) == KB_OK) {
            /* a knowledge item in review or retired away from search still owns its id */
            fprintf(stderr, "%s:%zu: id '%s' belongs to a knowledge item (%s), not a ticket\n",
                    im->file, line, d->id, origin_of);
            im->failed++;
        } else {
            /* the item and its audit entry commit together */
            rc = kb_store_begin(im->s, &err);
            if (rc == KB_OK)
                rc = kb_store_doc_put(im->s, d, &err);
            if (rc == KB_OK) {
                kb_buf object, origin, what;
                kb_buf_init(&object, 0);
                kb_buf_init(&origin, 0);
                kb_buf_init(&what, 0);
                kb_buf_addf(&object, "kb:%s", d->id);
                kb_buf_addf(&origin, "import %s:%zu", im->file, line);
                kb_audit_doc_summary(d, kb_buf_str(&origin), &what);
                rc = kb_audit_append(im->s, im->now, "kedb-import",
                                     g == KB_OK ? "kb.update" : "kb.add", kb_buf_str(&object),
                                     kb_buf_str(&what), &err);
                kb_buf_free(&object);
                kb_buf_free(&origin);
                kb_buf_free(&what);
            }
            if (rc == KB_OK)
                rc = kb_store_commit(im->s, &err);
            if (rc == KB_OK)
                g == KB_OK ? im->updated++ : im->added++;
            else
                kb_store_rollback(im->s);
        }
        kb_doc_free(old);
        free(origin_of);
    }
    if (rc != KB_OK) {
        fprintf(stderr, "%s:%zu: %s\n", im->file, line, err.msg);
        im->failed++;
    }
    kb_doc_free(d);
    kb_buf_free(&fullid);
    kb_buf_free(&src);
}

/* --- CSV (read by kb/csv.c, the one CSV owner) --- */

static int import_csv(import *im, const char *data, size_t len)
{
    kb_csv_reader *rd = kb_csv_reader_new(data, len, MAX_FIELD);
    kb_csv_record rec;
    char **header = NULL;
    size_t nheader = 0;
    while (kb_csv_next(rd, &rec)) {
        if (!header) {
            nheader = rec.n;
            header = kb_xcalloc(nheader, sizeof *header);
            for (size_t k = 0; k < nheader; k++)
                header[k] = kb_xstrdup(rec.fields[k]);
        } else if (!rec.blank) {
            if (rec.too_long) {
                fprintf(stderr, "%s:%zu: a field is longer than %u bytes\n", im->file,
                        rec.line, MAX_FIELD);
                im->failed++;
            } else if (rec.n != nheader) {
                fprintf(stderr, "%s:%zu: %zu fields, the header has %zu\n", im->file,
                        rec.line, rec.n, nheader);
                im->failed++;
            } else {
                row r = { .n = rec.n < 256 ? rec.n : 256 };
                for (size_t k = 0; k < r.n; k++) {
                    r.names[k] = header[k];
                    r.vals[k] = rec.fields[k];
                }
                import_row(im, &r, rec.line);
            }
        }
    }
    kb_csv_reader_free(rd);
    for (size_t k = 0; k < nheader; k++)
        free(header[k]);
    free(header);
    if (!nheader) {
        fprintf(stderr, "%s: no header row\n", im->file);
        return -1;
    }
    return 0;
}

/* --- JSON: an array of objects, or one object per line (JSON Lines) --- */

static void import_object(import *im, json_t *o, size_t line)
{
    if (!json_is_object(o)) {
        fprintf(stderr, "%s:%zu: not an object\n", im->file, line);
        im->failed++;
        return;
    }
    row r = { .n = 0 };
    char *owned[256];
    size_t nowned = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (r.n == 256)
            break;
        const char *val = NULL;
        char num[64];
        if (json_is_string(v)) {
            val = json_string_value(v);
        } else if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            val = owned[nowned++] = kb_xstrdup(num);
        } else if (json_is_real(v)) {
            snprintf(num, sizeof num, "%g", json_real_value(v));
            val = owned[nowned++] = kb_xstrdup(num);
        } else if (json_is_array(v)) {
            kb_buf b;
            kb_buf_init(&b, 0);
            size_t k;
            json_t *x;
            json_array_foreach(v, k, x)
            {
                if (json_is_string(x)) {
                    if (b.len)
                        kb_buf_addc(&b, ';');
                    kb_buf_adds(&b, json_string_value(x));
                }
            }
            val = owned[nowned++] = kb_buf_detach(&b, NULL);
        } else if (json_is_boolean(v)) {
            val = json_is_true(v) ? "true" : "false";
        } else {
            continue; /* null, nested objects */
        }
        r.names[r.n] = key;
        r.vals[r.n] = val;
        r.n++;
    }
    import_row(im, &r, line);
    for (size_t k = 0; k < nowned; k++)
        free(owned[k]);
}

static int import_json(import *im, const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
        i++;
    json_error_t jerr;
    if (i < len && data[i] == '[') {
        json_t *a = json_loadb(data, len, 0, &jerr);
        if (!a) {
            fprintf(stderr, "%s:%d: invalid JSON: %s\n", im->file, jerr.line, jerr.text);
            return -1;
        }
        size_t k;
        json_t *o;
        json_array_foreach(a, k, o) import_object(im, o, k + 1);
        json_decref(a);
        return 0;
    }
    /* JSON Lines: one object per line; a bad line is reported and skipped */
    size_t line = 1;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t a = i;
        while (a < end && (data[a] == ' ' || data[a] == '\t' || data[a] == '\r'))
            a++;
        if (a < end) {
            json_t *o = json_loadb(data + a, end - a, 0, &jerr);
            if (!o) {
                fprintf(stderr, "%s:%zu: invalid JSON: %s\n", im->file, line, jerr.text);
                im->failed++;
            } else {
                import_object(im, o, line);
                json_decref(o);
            }
        }
        i = end + 1;
        line++;
    }
    return 0;
}

/* --- files --- */

static int read_all(const char *path, kb_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kedb-import: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (kb_buf_add(out, chunk, n) != KB_OK) {
            fprintf(stderr, "kedb-import: '%s' is larger than %u bytes\n", path, MAX_FILE);
            rc = -1;
            break;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "kedb-import: cannot read '%s': %s\n", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    return rc;
}

/* Makes data UTF-8 text: from charset (ICU converter names: GBK, GB18030, Big5, ...), or
 * checked as UTF-8 when none is given. */
static int to_utf8(const char *file, const char *charset, kb_buf *data)
{
    kb_err err;
    kb_status rc = kb_csv_decode(data, charset ? charset : "UTF-8", NULL, &err);
    if (rc == KB_EINVAL)
        fprintf(stderr, "kedb-import: cannot convert from '%s': %s\n", charset, err.msg);
    else if (rc != KB_OK && !charset)
        fprintf(stderr, "kedb-import: '%s' is not UTF-8 text: %s (for a GBK export add "
                "--encoding GBK)\n", file, err.msg);
    else if (rc != KB_OK)
        fprintf(stderr, "kedb-import: '%s' is not %s text: %s\n", file, charset, err.msg);
    return rc == KB_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *db = NULL, *format = NULL, *encoding = NULL, *file = NULL;
    import im;
    memset(&im, 0, sizeof im);
    int code = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            code = 0;
            goto out;
        } else if (strcmp(a, "--db") == 0 && has) {
            db = argv[++i];
        } else if (strcmp(a, "--format") == 0 && has) {
            format = argv[++i];
        } else if (strcmp(a, "--encoding") == 0 && has) {
            encoding = argv[++i];
        } else if (strcmp(a, "--id-prefix") == 0 && has) {
            im.prefix = argv[++i];
        } else if (strcmp(a, "--map") == 0 && has) {
            if (parse_map(&im, argv[++i]) != 0)
                goto out;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "kedb-import: unknown option or missing value '%s'\n", a);
            usage(stderr);
            goto out;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "kedb-import: one file at a time ('%s')\n", a);
            goto out;
        }
    }
    if (!db || !file) {
        usage(stderr);
        goto out;
    }
    if (!format) {
        size_t n = strlen(file);
        format = (n > 5 && strcmp(file + n - 5, ".json") == 0) ||
                         (n > 6 && strcmp(file + n - 6, ".jsonl") == 0)
                     ? "json"
                     : "csv";
    }
    if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "kedb-import: unknown format '%s' (csv or json)\n", format);
        goto out;
    }
    if (im.prefix && strlen(im.prefix) > 16) {
        fprintf(stderr, "kedb-import: --id-prefix is longer than 16 bytes\n");
        goto out;
    }
    kb_log_set_level(KB_LOG_WARN);
    kb_err herr;
    if (kb_hash_init(&herr) != KB_OK) {
        fprintf(stderr, "kedb-import: %s\n", herr.msg);
        goto out;
    }
    kb_buf data;
    kb_buf_init(&data, MAX_FILE);
    if (read_all(file, &data) != 0 || to_utf8(file, encoding, &data) != 0) {
        kb_buf_free(&data);
        goto out;
    }
    kb_err err;
    if (kb_store_open(db, 0, &im.s, &err) != KB_OK) {
        fprintf(stderr, "kedb-import: %s\n", err.msg);
        kb_buf_free(&data);
        goto out;
    }
    im.file = file;
    im.now = (long long)time(NULL);
    /* each row is its own transaction: a row that fails leaves nothing half-written */
    int rc = strcmp(format, "json") == 0 ? import_json(&im, kb_buf_str(&data), data.len)
                                         : import_csv(&im, kb_buf_str(&data), data.len);
    kb_buf_free(&data);
    kb_store_free(im.s);
    if (rc != 0)
        goto out;
    printf("imported: %zu added, %zu updated, %zu unchanged, %zu failed\n", im.added,
           im.updated, im.unchanged, im.failed);
    code = im.failed ? 1 : 0;
out:
    for (size_t i = 0; i < im.nmap; i++)
        free(im.map[i].column);
    return code;
}
