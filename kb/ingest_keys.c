/* Front-matter keys: the keys kedb reads, the other spellings it accepts, the nearest key to
 * a misspelt one, and the warnings kedb-index prints (include/kb_ingest.h). */
#include "kb_ingest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_retention.h"
#include "kb_section.h"
#include "kb_text.h"

/* The keys kedb reads (docs/FORMAT.md), besides the known-error sections (kb_section). */
static const char *const known_keys[] = {
    /* every type */
    "id", "type", "title", "status", "version", "updated", "tags", "products", "error_codes",
    "owner", "next_review", "review_by", "valid_to", "fixed_by", "links",
    /* documents */
    "doc_no", "doc_type", "publish_date", "storage_location", "retention_period",
    "description", "approved_by",
    /* tickets */
    "caller", "category", "opened", "closed", "resolved_by", "ci", "priority", "assignee",
};

/* Other spellings people use. doc: only for documents (a ticket's `location` is not where a
 * controlled copy is kept). */
static const struct {
    const char *alias;
    const char *key;
    int doc;
} aliases[] = {
    { "location", "storage_location", 1 },     { "storage", "storage_location", 1 },
    { "storage_place", "storage_location", 1 }, { "stored_at", "storage_location", 1 },
    { "store_location", "storage_location", 1 }, { "存放位置", "storage_location", 1 },
    { "存放地点", "storage_location", 1 },     { "retention", "retention_period", 1 },
    { "retention_time", "retention_period", 1 }, { "retain_for", "retention_period", 1 },
    { "keep_for", "retention_period", 1 },     { "保存期限", "retention_period", 1 },
    { "保管期限", "retention_period", 1 },     { "published", "publish_date", 1 },
    { "publish", "publish_date", 1 },          { "published_on", "publish_date", 1 },
    { "published_at", "publish_date", 1 },     { "publication_date", "publish_date", 1 },
    { "release_date", "publish_date", 1 },     { "issue_date", "publish_date", 1 },
    { "发布日期", "publish_date", 1 },         { "docno", "doc_no", 1 },
    { "doc_number", "doc_no", 1 },             { "document_no", "doc_no", 1 },
    { "document_number", "doc_no", 1 },        { "文件编号", "doc_no", 1 },
    { "document_type", "doc_type", 1 },        { "doctype", "doc_type", 1 },
    { "文件类型", "doc_type", 1 },             { "desc", "description", 1 },
    { "review_date", "next_review", 0 },       { "next_review_date", "next_review", 0 },
    { "tag", "tags", 0 },                      { "product", "products", 0 },
    { "error_code", "error_codes", 0 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_KEY_CHARS 64

static int ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int kb_ingest_key_known(const char *key)
{
    for (size_t i = 0; i < N(known_keys); i++)
        if (strcmp(key, known_keys[i]) == 0)
            return 1;
    return kb_section_by_key(key) != NULL;
}

const char *kb_ingest_key_alias(const char *key, int is_document)
{
    for (size_t i = 0; i < N(aliases); i++)
        if ((is_document || !aliases[i].doc) && ascii_ieq(key, aliases[i].alias))
            return aliases[i].key;
    return NULL;
}

/* key as code points, ASCII lower-cased; the count, or SIZE_MAX when longer than max. */
static size_t points(const char *key, uint32_t *out, size_t max)
{
    size_t len = strlen(key), n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = 0;
        uint32_t c = kb_text_utf8_next(key + i, len - i, &k);
        if (n == max)
            return SIZE_MAX;
        out[n++] = c >= 'A' && c <= 'Z' ? c + 32 : c;
        i += k ? k : 1;
    }
    return n;
}

/* Edit distance with swaps of neighbours (optimal string alignment). */
static size_t distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t d[MAX_KEY_CHARS + 1][MAX_KEY_CHARS + 1];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[na][nb];
}

/* Keeps name (standing for key) as the best so far when it is nearer. */
static void consider(const uint32_t *k, size_t nk, const char *name, const char *key,
                     const char **best, size_t *best_d)
{
    uint32_t c[MAX_KEY_CHARS];
    size_t nc = points(name, c, MAX_KEY_CHARS);
    if (nc == SIZE_MAX)
        return;
    size_t d = distance(k, nk, c, nc);
    size_t longer = nk > nc ? nk : nc;
    if (d <= 2 && d * 3 <= longer && d < *best_d) {
        *best = key;
        *best_d = d;
    }
}

const char *kb_ingest_key_nearest(const char *key)
{
    if (kb_ingest_key_known(key))
        return NULL;
    uint32_t k[MAX_KEY_CHARS];
    size_t nk = points(key, k, MAX_KEY_CHARS);
    if (nk == SIZE_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < N(known_keys); i++)
        consider(k, nk, known_keys[i], known_keys[i], &best, &best_d);
    for (size_t i = 0, n = kb_section_count(); i < n; i++)
        consider(k, nk, kb_section_at(i)->key, kb_section_at(i)->key, &best, &best_d);
    for (size_t i = 0; i < N(aliases); i++)
        consider(k, nk, aliases[i].alias, aliases[i].key, &best, &best_d);
    return best;
}

static int is_document(const kb_doc *d)
{
    const kb_field *t = kb_doc_field(d, "type");
    if (!t || t->is_list || t->nvals != 1)
        return 0;
    const char *v = t->vals[0];
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return n == 8 && memcmp(v, "document", 8) == 0;
}

void kb_ingest_key_aliases(kb_doc *d)
{
    int doc = is_document(d);
    for (size_t i = 0; i < d->nfields; i++) {
        kb_field *f = &d->fields[i];
        if (kb_ingest_key_known(f->key))
            continue;
        const char *key = kb_ingest_key_alias(f->key, doc);
        if (!key || kb_doc_field(d, key))
            continue;
        free(f->key);
        f->key = kb_xstrdup(key);
    }
}

/* The line of the front matter where key is written ("key:" at the start of a line), or
 * 0. */
static size_t key_line(const kb_doc *d, const char *key)
{
    size_t klen = strlen(key), line = 1;
    const char *p = d->source, *end = d->source + strlen(d->source);
    for (int dashes = 0; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        if (strncmp(p, "---", 3) == 0 && line > 1 && ++dashes)
            break;
        if ((size_t)(e - p) > klen && memcmp(p, key, klen) == 0) {
            const char *q = p + klen;
            while (q < e && (*q == ' ' || *q == '\t'))
                q++;
            if (q < e && *q == ':')
                return line;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

/* The field's single value, or NULL. */
static const char *scalar(const kb_doc *d, const char *key)
{
    const kb_field *f = kb_doc_field(d, key);
    return f && !f->is_list && f->nvals == 1 ? f->vals[0] : NULL;
}

void kb_ingest_warnings(const kb_doc *d, kb_ingest_warn_fn fn, void *ctx)
{
    char msg[400];
    int doc = strcmp(d->type, KB_TYPE_DOCUMENT) == 0;
    for (size_t i = 0; i < d->nfields; i++) {
        const char *key = d->fields[i].key;
        if (kb_ingest_key_known(key))
            continue;
        const char *alias = kb_ingest_key_alias(key, doc);
        if (alias) {
            snprintf(msg, sizeof msg, "'%.60s' is another spelling of '%s', which is also "
                     "given: '%.60s' is kept as an extra field", key, alias, key);
            fn(ctx, d->path, key_line(d, key), msg);
            continue;
        }
        const char *near = kb_ingest_key_nearest(key);
        /* a document's other spelling on another type is that type's own field */
        if (near && !kb_ingest_key_alias(key, 1)) {
            snprintf(msg, sizeof msg, "unknown front-matter key '%.60s' (did you mean '%s'?); "
                     "kept as an extra field", key, near);
            fn(ctx, d->path, key_line(d, key), msg);
        }
    }
    if (!doc)
        return;
    const char *id = scalar(d, "id"), *no = scalar(d, "doc_no");
    if (id && no && *id && *no && strcmp(id, d->id) != 0) {
        snprintf(msg, sizeof msg, "'id' (%.60s) and 'doc_no' (%.60s) differ: the document "
                 "is catalogued as '%.60s'", id, no, d->id);
        fn(ctx, d->path, key_line(d, "id"), msg);
    }
    const char *keep = scalar(d, "retention_period");
    kb_retention r;
    kb_err e;
    kb_err_clear(&e);
    if (keep && kb_retention_parse(keep, strlen(keep), &r, &e) != KB_OK) {
        snprintf(msg, sizeof msg, "retention_period cannot be read, so it never expires in "
                 "kedb: %s", e.msg);
        fn(ctx, d->path, key_line(d, "retention_period"), msg);
    }
}
