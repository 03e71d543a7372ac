/* Configuration files (kb_conf.h): "key = value" lines checked against a table of keys. */
#include "kb_conf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_text.h"

void kb_conf_free(kb_conf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].value);
    free(c->items);
    c->items = NULL;
    c->n = 0;
}

int kb_conf_bool(const char *v)
{
    static const char *const yes[] = { "yes", "true", "on", "1" };
    static const char *const no[] = { "no", "false", "off", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* Edit distance (insert, delete, substitute) between a and b, both at most 64 bytes. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *kb_conf_nearest(const char *key, const kb_conf_key *keys, size_t nkeys)
{
    size_t limit = strlen(key) / 3;
    if (limit < 2)
        limit = 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < nkeys; i++) {
        size_t d = distance(key, keys[i].name);
        /* a prefix ("notify" for "notify_attempts") is near too */
        if (d > limit && strlen(key) >= 4 && strncmp(keys[i].name, key, strlen(key)) == 0)
            d = limit;
        if (d < best_d) {
            best_d = d;
            best = keys[i].name;
        }
    }
    return best;
}

static int blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Parses one line p[0..len) (without its newline) into out; KB_OK for blank and comment
 * lines too. */
static kb_status parse_line(const char *p, size_t len, const kb_conf_key *keys, size_t nkeys,
                            kb_conf *out, size_t line, kb_err *err)
{
    while (len > 0 && blank(*p)) {
        p++;
        len--;
    }
    while (len > 0 && blank(p[len - 1]))
        len--;
    if (len == 0 || *p == '#' || *p == ';')
        return KB_OK;
    size_t klen = 0;
    while (klen < len && (isalnum((unsigned char)p[klen]) || p[klen] == '_' || p[klen] == '-'))
        klen++;
    size_t eq = klen;
    while (eq < len && blank(p[eq]))
        eq++;
    if (klen == 0 || eq == len || p[eq] != '=')
        return kb_err_set(err, KB_EPARSE, "expected 'key = value', not '%.40s'", p);
    if (klen > 64)
        return kb_err_set(err, KB_EPARSE, "the key '%.40s...' is longer than 64 bytes", p);
    char key[65];
    for (size_t i = 0; i < klen; i++)
        key[i] = p[i] == '-' ? '_' : (char)tolower((unsigned char)p[i]);
    key[klen] = '\0';
    size_t k = 0;
    while (k < nkeys && strcmp(keys[k].name, key) != 0)
        k++;
    if (k == nkeys) {
        const char *near = kb_conf_nearest(key, keys, nkeys);
        if (near)
            return kb_err_set(err, KB_EPARSE, "unknown key '%s'; did you mean '%s'?", key,
                              near);
        return kb_err_set(err, KB_EPARSE, "unknown key '%s'", key);
    }
    if (!keys[k].repeat) {
        for (size_t i = 0; i < out->n; i++)
            if (out->items[i].key == keys[k].name)
                return kb_err_set(err, KB_EPARSE, "key '%s' is already set on line %zu", key,
                                  out->items[i].line);
    }
    const char *v = p + eq + 1;
    size_t vlen = len - eq - 1;
    while (vlen > 0 && blank(*v)) {
        v++;
        vlen--;
    }
    if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
        v++;
        vlen -= 2;
    } else if (vlen > 0 && v[0] == '"') {
        return kb_err_set(err, KB_EPARSE, "the value of '%s' has no closing '\"'", key);
    }
    for (size_t i = 0; i < vlen; i++)
        if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
            return kb_err_set(err, KB_EPARSE, "the value of '%s' holds a control character",
                              key);
    out->items = kb_xrealloc(out->items, (out->n + 1) * sizeof *out->items);
    out->items[out->n].key = keys[k].name;
    out->items[out->n].value = kb_xstrndup(v, vlen);
    out->items[out->n].line = line;
    out->n++;
    return KB_OK;
}

kb_status kb_conf_parse(const char *data, size_t len, const kb_conf_key *keys, size_t nkeys,
                        kb_conf *out, size_t *line, kb_err *err)
{
    out->items = NULL;
    out->n = 0;
    if (line)
        *line = 0;
    if (len > KB_CONF_MAX_BYTES)
        return kb_err_set(err, KB_ETOOBIG, "the file is larger than %u bytes",
                          KB_CONF_MAX_BYTES);
    size_t bad = kb_text_utf8_bad_at(data, len);
    size_t at = 0;
    size_t n = 1;
    kb_status rc = KB_OK;
    while (at < len) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - data) : len;
        if (line)
            *line = n;
        if (end - at > KB_CONF_MAX_LINE) {
            rc = kb_err_set(err, KB_EPARSE, "the line is longer than %u bytes", KB_CONF_MAX_LINE);
            break;
        }
        if (memchr(data + at, '\0', end - at)) {
            rc = kb_err_set(err, KB_EPARSE, "the line holds a NUL byte");
            break;
        }
        if (bad >= at && bad < end) {
            rc = kb_err_set(err, KB_EPARSE, "the line is not valid UTF-8");
            break;
        }
        rc = parse_line(data + at, end - at, keys, nkeys, out, n, err);
        if (rc != KB_OK)
            break;
        at = end + 1;
        n++;
    }
    if (rc != KB_OK)
        kb_conf_free(out);
    else if (line)
        *line = 0;
    return rc;
}

kb_status kb_conf_load(const char *path, const kb_conf_key *keys, size_t nkeys, kb_conf *out,
                       kb_err *err)
{
    out->items = NULL;
    out->n = 0;
    kb_buf b;
    kb_buf_init(&b, KB_CONF_MAX_BYTES);
    kb_status rc = kb_buf_read_file(&b, path, err);
    size_t line = 0;
    if (rc == KB_ENOTFOUND)
        kb_err_set(err, rc, "configuration file '%s' does not exist", path);
    if (rc == KB_OK)
        rc = kb_conf_parse(b.data, b.len, keys, nkeys, out, &line, err);
    if (rc == KB_EPARSE)
        kb_err_prefix(err, rc, "'%s' line %zu", path, line);
    kb_buf_free(&b);
    return rc;
}
