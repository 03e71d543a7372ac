/* Parsing of one knowledge file (YAML front matter + Markdown body), Markdown rendering and
 * the synonyms file. The directory walk and the store updates live in ingest_run.c. */
#include "kb_ingest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <yaml.h>

#include "kb_alloc.h"
#include "kb_date.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_section.h"
#include "kb_text.h"

#define SYN_MAX_GROUPS 10000u
#define SYN_MAX_TERMS 64u
#define SYN_MAX_TERM_BYTES 256u
#define FM_MAX_KEYS 1000u
#define HTML_MAX_BYTES (8u * KB_MAX_DOC_BYTES)
#define FM_MAX_VALUES 10000u

/* ---------------------------------------------------------------- library set-up */

static pthread_once_t libs_once = PTHREAD_ONCE_INIT;

static void libs_init(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

/* Registers the cmark-gfm extensions, once per process, and makes sure hashing works. */
static kb_status libs_ready(kb_err *err)
{
    pthread_once(&libs_once, libs_init);
    return kb_hash_init(err);
}

/* ---------------------------------------------------------------- small text helpers */

static size_t line_at(const char *p, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        if (p[i] == '\n')
            line++;
    return line;
}

/* Copies at most about 40 bytes of s into out for an error message: whole UTF-8 characters
 * only, control characters replaced by '?', "..." appended when cut. */
static const char *shown(const char *s, char out[64])
{
    size_t o = 0, i = 0;
    while (s[i]) {
        size_t n = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xF0)
            n = 4;
        else if (c >= 0xE0)
            n = 3;
        else if (c >= 0xC0)
            n = 2;
        if (o + n > 40) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        for (size_t k = 0; k < n && s[i]; k++, i++)
            out[o++] = (n == 1 && (c < 0x20 || c == 0x7F)) ? '?' : s[i];
    }
    out[o] = '\0';
    return out;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims ASCII whitespace from both ends of [*p, *p + *len). */
static void trim(const char **p, size_t *len)
{
    while (*len && is_space((unsigned char)**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len && is_space((unsigned char)(*p)[*len - 1]))
        (*len)--;
}

/* Replaces *slot by s with every whitespace run turned into one space, trimmed. */
static void set_one_line(char **slot, const char *s)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    int space = 0;
    for (const char *p = s; *p; p++) {
        if (is_space((unsigned char)*p)) {
            space = 1;
            continue;
        }
        if (space && b.len)
            kb_buf_addc(&b, ' ');
        space = 0;
        kb_buf_addc(&b, *p);
    }
    free(*slot);
    *slot = kb_buf_detach(&b, NULL);
}

static void set_trimmed(char **slot, const char *s, size_t len)
{
    trim(&s, &len);
    kb_doc_set(slot, s, len);
}

static void hex_sha256(const char *data, size_t len, char out[KB_HASH_SHA256_HEX])
{
    kb_hash_sha256_hex(data, len, out);
}

/* ---------------------------------------------------------------- front matter */

/* Where the front matter and the body are in a file. */
typedef struct {
    size_t yaml_off;  /* first byte of the YAML text */
    size_t yaml_len;
    size_t yaml_line; /* 1-based file line of the first YAML line */
    size_t body_off;  /* first byte of the Markdown body */
} fm_split;

/* Length of the line starting at off without its line break; *next is the next line. */
static size_t line_len(const char *p, size_t len, size_t off, size_t *next)
{
    const char *nl = memchr(p + off, '\n', len - off);
    size_t end = nl ? (size_t)(nl - p) : len;
    *next = nl ? end + 1 : len;
    return end - off;
}

/* True when the line is exactly mark (3 bytes) followed only by blanks. */
static int is_marker(const char *p, size_t n, const char *mark)
{
    if (n < 3 || memcmp(p, mark, 3) != 0)
        return 0;
    for (size_t i = 3; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

static kb_status split_front_matter(const char *p, size_t len, fm_split *fm, size_t *line,
                                    kb_err *err)
{
    size_t off = 0, next;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        off = 3; /* UTF-8 byte order mark */
    size_t n = line_len(p, len, off, &next);
    if (off == len || !is_marker(p + off, n, "---")) {
        *line = 1;
        return kb_err_set(err, KB_EPARSE, "missing front matter (the file must start with a "
                                          "'---' line)");
    }
    fm->yaml_off = next;
    fm->yaml_line = 2;
    for (off = next; off < len; off = next) {
        n = line_len(p, len, off, &next);
        if (is_marker(p + off, n, "---") || is_marker(p + off, n, "...")) {
            fm->yaml_len = off - fm->yaml_off;
            fm->body_off = next;
            return KB_OK;
        }
    }
    *line = 1;
    return kb_err_set(err, KB_EPARSE, "front matter is not closed (no second '---' line)");
}

/* Appends s as a double-quoted YAML string. */
static void yaml_quoted(kb_buf *b, const char *s)
{
    kb_buf_addc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            kb_buf_addc(b, '\\');
        if (c == '\n') {
            kb_buf_adds(b, "\\n");
            continue;
        }
        if (c < 0x20 && c != '\t')
            continue; /* CR and other control characters */
        kb_buf_addc(b, (char)c);
    }
    kb_buf_addc(b, '"');
}

/* Does the front-matter line p[0..n) start the top-level key? */
static int is_key_line(const char *p, size_t n, const char *key)
{
    size_t klen = strlen(key);
    if (n <= klen || memcmp(p, key, klen) != 0)
        return 0;
    size_t i = klen;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i < n && p[i] == ':';
}

kb_status kb_ingest_set_field(const char *src, size_t len, const char *key, const char *value,
                              kb_buf *out, kb_err *err)
{
    fm_split fm;
    size_t line;
    kb_status rc = split_front_matter(src, len, &fm, &line, err);
    if (rc != KB_OK)
        return rc;
    size_t end = fm.yaml_off + fm.yaml_len, off, next;
    kb_buf_add(out, src, fm.yaml_off);
    int skipping = 0, done = 0;
    for (off = fm.yaml_off; off < end; off = next) {
        size_t n = line_len(src, len, off, &next);
        const char *p = src + off;
        if (skipping && n > 0 && (p[0] == ' ' || p[0] == '\t' || p[0] == '-' || p[0] == '#'))
            continue; /* the replaced field's continuation */
        skipping = 0;
        if (!done && is_key_line(p, n, key)) {
            skipping = 1;
            done = 1;
            if (value) {
                kb_buf_addf(out, "%s: ", key);
                yaml_quoted(out, value);
                kb_buf_addc(out, '\n');
            }
            continue;
        }
        kb_buf_add(out, p, next - off);
    }
    if (!done && value) {
        kb_buf_addf(out, "%s: ", key);
        yaml_quoted(out, value);
        kb_buf_addc(out, '\n');
    }
    kb_buf_add(out, src + end, len - end);
    return KB_OK;
}

/* One YAML event source with the line offset of the front matter. */
typedef struct {
    yaml_parser_t parser;
    const char *text;
    size_t first_line;
} yaml_src;

static kb_status yaml_next(yaml_src *y, yaml_event_t *ev, size_t *line, kb_err *err)
{
    if (yaml_parser_parse(&y->parser, ev))
        return KB_OK;
    const yaml_parser_t *p = &y->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return kb_err_set(err, KB_ENOMEM, "out of memory parsing the front matter");
    if (p->error == YAML_READER_ERROR)
        *line = y->first_line + line_at(y->text, p->problem_offset) - 1;
    else
        *line = y->first_line + p->problem_mark.line;
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->context)
        return kb_err_set(err, KB_EPARSE, "invalid YAML in front matter: %s %s", problem,
                          p->context);
    return kb_err_set(err, KB_EPARSE, "invalid YAML in front matter: %s", problem);
}

static const char *event_name(yaml_event_type_t t)
{
    switch (t) {
    case YAML_ALIAS_EVENT: return "an alias";
    case YAML_SEQUENCE_START_EVENT: return "a list";
    case YAML_MAPPING_START_EVENT: return "a nested mapping";
    default: return "an unexpected YAML item";
    }
}

/* The value of a scalar event: plain null spellings become "". */
static void scalar_value(const yaml_event_t *ev, const char **s, size_t *len)
{
    *s = (const char *)ev->data.scalar.value;
    *len = ev->data.scalar.length;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        static const char *const nulls[] = { "~", "null", "Null", "NULL" };
        for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
            if (*len == strlen(nulls[i]) && memcmp(*s, nulls[i], *len) == 0)
                *len = 0;
    }
}

/* Reads the value of key (the next event: a scalar or a list of scalars) into a new field
 * of d, and records its line in (*lines)[field index]. */
static kb_status read_field(yaml_src *y, kb_doc *d, const char *key, size_t **lines,
                            size_t *line, kb_err *err)
{
    yaml_event_t ev;
    char sb[64];
    kb_status rc = yaml_next(y, &ev, line, err);
    if (rc != KB_OK)
        return rc;
    size_t ev_line = y->first_line + ev.start_mark.line;
    *lines = kb_xrealloc(*lines, (d->nfields + 1) * sizeof **lines);
    (*lines)[d->nfields] = ev_line;
    if (ev.type == YAML_SCALAR_EVENT) {
        const char *vs;
        size_t vlen;
        scalar_value(&ev, &vs, &vlen);
        kb_field_add_val(kb_doc_add_field(d, key, 0), vs, vlen);
        goto out;
    }
    if (ev.type != YAML_SEQUENCE_START_EVENT) {
        *line = ev_line;
        rc = kb_err_set(err, KB_EPARSE, "'%s' holds %s; only strings, numbers, dates and lists "
                        "of these are allowed", shown(key, sb), event_name(ev.type));
        goto out;
    }
    kb_field *f = kb_doc_add_field(d, key, 1);
    for (;;) {
        yaml_event_delete(&ev);
        rc = yaml_next(y, &ev, line, err);
        if (rc != KB_OK)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT)
            break;
        if (ev.type != YAML_SCALAR_EVENT) {
            *line = y->first_line + ev.start_mark.line;
            rc = kb_err_set(err, KB_EPARSE, "'%s' holds %s inside a list; only strings, "
                            "numbers, dates and lists of these are allowed", shown(key, sb),
                            event_name(ev.type));
            goto out;
        }
        if (f->nvals >= FM_MAX_VALUES) {
            *line = y->first_line + ev.start_mark.line;
            rc = kb_err_set(err, KB_EPARSE, "'%s' has too many values (limit %u)",
                            shown(key, sb), FM_MAX_VALUES);
            goto out;
        }
        const char *vs;
        size_t vlen;
        scalar_value(&ev, &vs, &vlen);
        kb_field_add_val(f, vs, vlen);
    }
out:
    yaml_event_delete(&ev);
    return rc;
}

/* Checks a key event; on success *key is the trimmed key (caller frees). */
static kb_status read_key(const yaml_event_t *ev, size_t ev_line, const kb_doc *d, char **key,
                          size_t *line, kb_err *err)
{
    char sb[64];
    *key = NULL;
    if (ev->type != YAML_SCALAR_EVENT) {
        *line = ev_line;
        return kb_err_set(err, KB_EPARSE, "front-matter keys must be plain strings");
    }
    const char *ks;
    size_t klen;
    scalar_value(ev, &ks, &klen);
    trim(&ks, &klen);
    if (klen == 0 || memchr(ks, '\0', klen)) {
        *line = ev_line;
        return kb_err_set(err, KB_EPARSE, "empty front-matter key");
    }
    if (d->nfields >= FM_MAX_KEYS) {
        *line = ev_line;
        return kb_err_set(err, KB_EPARSE, "too many front-matter keys (limit %u)", FM_MAX_KEYS);
    }
    char *k = kb_xstrndup(ks, klen);
    if (kb_doc_field(d, k)) {
        *line = ev_line;
        kb_err_set(err, KB_EPARSE, "duplicate front-matter key '%s'", shown(k, sb));
        free(k);
        return KB_EPARSE;
    }
    *key = k;
    return KB_OK;
}

/* Reads the front matter (one mapping of scalars and lists of scalars) into d->fields;
 * (*lines)[i] is the file line of field i. Aliases and nested mappings are refused, which
 * also rules out "billion laughs" expansion. */
static kb_status parse_yaml(const char *text, size_t len, size_t first_line, kb_doc *d,
                            size_t **lines, size_t *line, kb_err *err)
{
    enum { Y_STREAM, Y_DOC, Y_MAP, Y_KEY, Y_DOC_END, Y_STREAM_END, Y_DONE } state = Y_STREAM;
    yaml_src y;
    yaml_event_t ev;
    kb_status rc = KB_OK;

    memset(&ev, 0, sizeof ev);
    if (!yaml_parser_initialize(&y.parser))
        return kb_err_set(err, KB_ENOMEM, "out of memory parsing the front matter");
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&y.parser, YAML_UTF8_ENCODING);
    y.text = text;
    y.first_line = first_line;

    while (state != Y_DONE) {
        rc = yaml_next(&y, &ev, line, err);
        if (rc != KB_OK)
            goto out;
        size_t ev_line = first_line + ev.start_mark.line;
        yaml_event_type_t t = ev.type;
        switch (state) {
        case Y_STREAM: /* YAML_STREAM_START_EVENT */
            state = Y_DOC;
            break;
        case Y_DOC: /* no document at all: the required keys will be missing */
            state = t == YAML_STREAM_END_EVENT ? Y_DONE : Y_MAP;
            break;
        case Y_MAP:
            if (t != YAML_MAPPING_START_EVENT) {
                *line = ev_line;
                rc = kb_err_set(err, KB_EPARSE, "front matter must be a mapping of keys to "
                                                "values");
                goto out;
            }
            state = Y_KEY;
            break;
        case Y_KEY: {
            if (t == YAML_MAPPING_END_EVENT) {
                state = Y_DOC_END;
                break;
            }
            char *key;
            rc = read_key(&ev, ev_line, d, &key, line, err);
            if (rc != KB_OK)
                goto out;
            rc = read_field(&y, d, key, lines, line, err);
            free(key);
            if (rc != KB_OK)
                goto out;
            break;
        }
        case Y_DOC_END: /* YAML_DOCUMENT_END_EVENT: a mapping is one node */
            state = Y_STREAM_END;
            break;
        case Y_STREAM_END:
            if (t != YAML_STREAM_END_EVENT) {
                *line = ev_line;
                rc = kb_err_set(err, KB_EPARSE, "front matter must be one YAML document");
                goto out;
            }
            state = Y_DONE;
            break;
        case Y_DONE:
            break;
        }
        yaml_event_delete(&ev);
    }
out:
    yaml_event_delete(&ev);
    yaml_parser_delete(&y.parser);
    return rc;
}

/* ---------------------------------------------------------------- Markdown */

static int type_is(cmark_node *n, const char *name)
{
    const char *t = cmark_node_get_type_string(n);
    return t && strcmp(t, name) == 0;
}

static void end_line(kb_buf *b)
{
    if (b->len && b->data[b->len - 1] != '\n')
        kb_buf_addc(b, '\n');
}

/* Appends the plain text of root and its descendants: text, inline code and code blocks,
 * a newline after each block, table cells separated by spaces. Raw HTML is left out. */
static void plain_text(cmark_node *root, kb_buf *b)
{
    long long *next_num = NULL; /* per open list, innermost last */
    size_t depth = 0, cap = 0;
    cmark_iter *it = cmark_iter_new(root);
    for (;;) {
        cmark_event_type ev = cmark_iter_next(it);
        if (ev == CMARK_EVENT_DONE)
            break;
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(n);
        if (ev == CMARK_EVENT_ENTER) {
            const char *lit;
            switch (t) {
            case CMARK_NODE_TEXT:
            case CMARK_NODE_CODE:
                lit = cmark_node_get_literal(n);
                if (lit)
                    kb_buf_adds(b, lit);
                break;
            case CMARK_NODE_SOFTBREAK:
            case CMARK_NODE_LINEBREAK:
                kb_buf_addc(b, '\n');
                break;
            case CMARK_NODE_CODE_BLOCK:
                end_line(b);
                lit = cmark_node_get_literal(n);
                if (lit)
                    kb_buf_adds(b, lit);
                end_line(b);
                break;
            case CMARK_NODE_THEMATIC_BREAK:
                end_line(b);
                break;
            case CMARK_NODE_LIST:
                /* the number of the next item; counting its previous siblings for every
                 * item instead would be quadratic in the length of the list */
                if (depth == cap) {
                    cap = cap ? 2 * cap : 16;
                    next_num = kb_xrealloc(next_num, cap * sizeof *next_num);
                }
                next_num[depth++] = cmark_node_get_list_start(n);
                break;
            case CMARK_NODE_ITEM: {
                /* keep step numbers: agents read workarounds out step by step */
                cmark_node *list = cmark_node_parent(n);
                end_line(b);
                if (depth && list && cmark_node_get_list_type(list) == CMARK_ORDERED_LIST)
                    kb_buf_addf(b, "%lld. ", next_num[depth - 1]++);
                else
                    kb_buf_adds(b, "- ");
                break;
            }
            default:
                if (type_is(n, "table_cell") && cmark_node_previous(n) && b->len &&
                    b->data[b->len - 1] != ' ' && b->data[b->len - 1] != '\n')
                    kb_buf_addc(b, ' ');
                break;
            }
        } else if (ev == CMARK_EVENT_EXIT) {
            if (t == CMARK_NODE_LIST && depth)
                depth--;
            if ((t & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK && !type_is(n, "table_cell"))
                end_line(b);
        }
    }
    cmark_iter_free(it);
    free(next_num);
}

/* True for javascript:, vbscript: and data: URLs, however they are spelled: leading
 * whitespace and control characters and blanks inside the scheme are ignored, as browsers
 * do. */
static int unsafe_url(const char *url)
{
    char scheme[16];
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)url;
    for (; *p && *p != ':'; p++) {
        if (*p <= 0x20 || *p == 0x7F)
            continue;
        if (n == sizeof scheme - 1)
            return 0;
        unsigned char c = *p;
        scheme[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (*p != ':')
        return 0;
    scheme[n] = '\0';
    return strcmp(scheme, "javascript") == 0 || strcmp(scheme, "vbscript") == 0 ||
           strcmp(scheme, "data") == 0;
}

static void sanitise_links(cmark_node *root)
{
    cmark_iter *it = cmark_iter_new(root);
    for (;;) {
        cmark_event_type ev = cmark_iter_next(it);
        if (ev == CMARK_EVENT_DONE)
            break;
        if (ev != CMARK_EVENT_EXIT)
            continue; /* links and images have children: modify on exit */
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(n);
        if (t != CMARK_NODE_LINK && t != CMARK_NODE_IMAGE)
            continue;
        const char *url = cmark_node_get_url(n);
        if (url && unsafe_url(url))
            cmark_node_set_url(n, "");
    }
    cmark_iter_free(it);
}

/* ---------------------------------------------------------------- Markdown limits */

/* What the pre-scan learns from one line (without its line ending). */
typedef struct {
    int blank;      /* only spaces, tabs and '>' */
    int delim;      /* could be a table's delimiter row: '|' '-' ':' and blanks, with a '-' */
    size_t cells;   /* cells of that delimiter row */
    size_t pipes;   /* '|' anywhere in the line */
    size_t depth;   /* upper bound of the containers the line opens or continues, or 0 */
    size_t openers; /* "<!", "<?" and "![" */
    size_t ats;     /* '@' */
} md_line;

static int md_blank_char(char c)
{
    return c == ' ' || c == '\t';
}

/* A list marker at p[i]: '-', '+' or '*', or 1-9 digits and '.' or ')', followed by a blank
 * or the end of the line. Returns its width, or 0. */
static size_t md_marker(const char *p, size_t n, size_t i)
{
    size_t k = i;
    if (p[k] == '-' || p[k] == '+' || p[k] == '*') {
        k++;
    } else {
        while (k < n && k - i < 10 && p[k] >= '0' && p[k] <= '9')
            k++;
        if (k == i || k - i > 9 || k >= n || (p[k] != '.' && p[k] != ')'))
            return 0;
        k++;
    }
    return k == n || md_blank_char(p[k]) ? k - i : 0;
}

/* ASCII punctuation: what a backslash escapes in CommonMark. */
static int md_punct(char c)
{
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

static void md_scan_line(const char *p, size_t n, md_line *l)
{
    memset(l, 0, sizeof *l);
    /* Nesting: each continued list item needs two columns of indentation, each block quote
     * its '>', each new container its marker, so these bound the depth from above. */
    size_t i = 0, col = 0, ws = 0, marks = 0;
    for (;;) {
        if (i < n && md_blank_char(p[i])) {
            size_t w = p[i] == '\t' ? 4 - col % 4 : 1;
            ws += w;
            col += w;
            i++;
        } else if (i < n && p[i] == '>') {
            marks++;
            col++;
            i++;
        } else {
            size_t w = i < n ? md_marker(p, n, i) : 0;
            if (!w)
                break;
            marks++;
            col += w;
            i += w;
        }
    }
    if (marks)
        l->depth = marks + ws / 2;
    size_t j = 0;
    while (j < n && (md_blank_char(p[j]) || p[j] == '>'))
        j++;
    l->blank = j == n;
    int delim = j < n, dash = 0;
    size_t first = j, last = j;
    for (size_t k = 0; k < n; k++) {
        char c = p[k];
        if (c == '\\' && k + 1 < n && md_punct(p[k + 1])) {
            /* an escaped character is text: '\|' splits no cell, '\<!' opens nothing */
            delim = 0;
            l->ats += p[k + 1] == '@';
            k++;
            continue;
        }
        if (c == '|')
            l->pipes++;
        else if (c == '@')
            l->ats++;
        else if ((c == '<' || c == '!') && k + 1 < n &&
                 (c == '<' ? p[k + 1] == '!' || p[k + 1] == '?' : p[k + 1] == '['))
            l->openers++;
        if (k < j)
            continue;
        if (c == '-')
            dash = 1;
        if (c == '|' || c == '-' || c == ':')
            last = k;
        else if (!md_blank_char(c) && c != '\v' && c != '\f')
            delim = 0;
    }
    if (delim && dash) {
        /* a leading and a trailing pipe open and close the row; the dash keeps them apart */
        l->delim = 1;
        l->cells = l->pipes + 1 - (p[first] == '|') - (p[last] == '|');
    }
}

/* The run of non-blank lines being scanned: a paragraph, a table, or several blocks. */
typedef struct {
    size_t first;      /* its first line */
    size_t bytes;
    size_t openers;
    size_t max_pipes;  /* most '|' on one of its lines, at line max_line */
    size_t max_line;
    int table;         /* a line of it could be a delimiter row */
    size_t cols;       /* columns counted for padding (2 or more), or 0 */
} md_run;

kb_status kb_ingest_md_check(const char *md, size_t len, size_t *line, kb_err *err)
{
    size_t line_dummy;
    if (!line)
        line = &line_dummy;
    *line = 0;
    if (len > KB_MD_MAX_BYTES)
        return kb_err_set(err, KB_ETOOBIG, "the Markdown text is %zu bytes, more than the limit "
                          "of %u", len, KB_MD_MAX_BYTES);
    md_run r;
    memset(&r, 0, sizeof r);
    size_t ln = 0, cells = 0, rescan = 0, ats = 0;
    unsigned long long scan = 0;
    size_t off = 0;
    while (off < len || r.bytes) {
        md_line l;
        size_t start = off, end = off, next = off;
        if (off < len) {
            while (end < len && md[end] != '\n' && md[end] != '\r')
                end++;
            next = end + (end + 1 < len && md[end] == '\r' && md[end + 1] == '\n' ? 2 : 1);
            ln++;
            md_scan_line(md + off, end - off, &l);
        } else {
            memset(&l, 0, sizeof l); /* the end of the text ends the last run */
            l.blank = 1;
        }
        off = next;
        if (l.depth > KB_MD_MAX_NESTING) {
            *line = ln;
            return kb_err_set(err, KB_ETOOBIG, "block quotes and lists nest up to %zu deep here "
                              "(counting '>', list markers and indentation), more than the "
                              "limit of %u", l.depth, KB_MD_MAX_NESTING);
        }
        ats += l.ats;
        if (ats > KB_MD_MAX_AT_SIGNS) {
            *line = ln;
            return kb_err_set(err, KB_ETOOBIG, "more than %u '@' in the text (each e-mail "
                              "address becomes a link)", KB_MD_MAX_AT_SIGNS);
        }
        if (l.blank) {
            scan += (unsigned long long)r.openers * r.bytes;
            if (scan > KB_MD_MAX_INLINE_SCAN) {
                *line = r.first;
                return kb_err_set(err, KB_ETOOBIG, "too many '<!', '<?' or '![' in long "
                                  "paragraphs (here %zu in %zu bytes): their number times the "
                                  "paragraph's length, summed over the text, passes the limit "
                                  "of %u; split paragraphs or escape them with '\\'",
                                  r.openers, r.bytes, KB_MD_MAX_INLINE_SCAN);
            }
            memset(&r, 0, sizeof r);
            continue;
        }
        if (!r.bytes)
            r.first = ln;
        r.bytes += end - start + 1;
        r.openers += l.openers;
        if (l.pipes > r.max_pipes) {
            r.max_pipes = l.pipes;
            r.max_line = ln;
        }
        size_t row_cols = r.cols; /* a line after a possible delimiter row is a row */
        if (l.delim) {
            if (l.cells > KB_MD_MAX_TABLE_COLUMNS) {
                *line = ln;
                return kb_err_set(err, KB_ETOOBIG, "a table has %zu columns, more than the "
                                  "limit of %u", l.cells, KB_MD_MAX_TABLE_COLUMNS);
            }
            rescan += r.bytes;
            if (rescan > KB_MD_MAX_TABLE_RESCAN) {
                *line = ln;
                return kb_err_set(err, KB_ETOOBIG, "too many lines that could be a table's "
                                  "delimiter row below long paragraphs (cmark-gfm re-reads the "
                                  "paragraph for each, more than the limit of %u bytes in "
                                  "all); separate them with blank lines",
                                  KB_MD_MAX_TABLE_RESCAN);
            }
            if (l.cells >= 2 && !r.cols)
                cells += l.cells; /* the header row */
            if (l.cells >= 2 && l.cells > r.cols)
                r.cols = l.cells;
            r.table = 1;
        }
        cells += row_cols;
        if (cells > KB_MD_MAX_TABLE_CELLS) {
            *line = ln;
            return kb_err_set(err, KB_ETOOBIG, "tables hold more than %u cells in all (columns "
                              "x rows; short rows are padded)", KB_MD_MAX_TABLE_CELLS);
        }
        if (r.table && r.max_pipes > KB_MD_MAX_TABLE_COLUMNS + 1) {
            *line = r.max_line;
            return kb_err_set(err, KB_ETOOBIG, "a table row has %zu '|', more than the limit of "
                              "%u (%u columns)", r.max_pipes, KB_MD_MAX_TABLE_COLUMNS + 1,
                              KB_MD_MAX_TABLE_COLUMNS);
        }
    }
    return KB_OK;
}

/* Parses Markdown with the GFM extensions and neutralises unsafe link targets, once
 * kb_ingest_md_check() has passed it (every render goes through here). On success the caller
 * frees *root with cmark_node_free() and then *parser with cmark_parser_free(); on failure
 * *line is the 1-based line of md at fault, or 0. */
static kb_status md_parse(const char *md, size_t len, int options, cmark_parser **parser,
                          cmark_node **root, size_t *line, kb_err *err)
{
    static const char *const exts[] = { "table", "strikethrough", "autolink", "tagfilter" };
    *parser = NULL;
    *root = NULL;
    kb_status rc = kb_ingest_md_check(md, len, line, err);
    if (rc != KB_OK)
        return rc;
    rc = libs_ready(err);
    if (rc != KB_OK)
        return rc;
    cmark_parser *p = cmark_parser_new(options);
    if (!p)
        return kb_err_set(err, KB_ENOMEM, "out of memory parsing Markdown");
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
        if (!e || !cmark_parser_attach_syntax_extension(p, e)) {
            cmark_parser_free(p);
            return kb_err_set(err, KB_EINTERNAL, "cmark-gfm extension '%s' is not available",
                              exts[i]);
        }
    }
    cmark_parser_feed(p, md, len);
    cmark_node *r = cmark_parser_finish(p);
    if (!r) {
        cmark_parser_free(p);
        return kb_err_set(err, KB_ENOMEM, "out of memory parsing Markdown");
    }
    sanitise_links(r);
    *parser = p;
    *root = r;
    return KB_OK;
}

static kb_status md_render(cmark_parser *p, cmark_node *root, char **out, kb_err *err)
{
    /* No CMARK_OPT_UNSAFE: raw HTML becomes a comment and dangerous URLs are dropped. */
    *out = cmark_render_html(root, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p));
    if (!*out)
        return kb_err_set(err, KB_ENOMEM, "out of memory rendering Markdown");
    size_t len = strlen(*out);
    if (len > HTML_MAX_BYTES) {
        /* e.g. a line of 4 million '>' renders as 50 MB of nested blockquotes */
        free(*out);
        *out = NULL;
        return kb_err_set(err, KB_ETOOBIG, "rendered HTML is %zu bytes, more than the limit of "
                          "%u", len, HTML_MAX_BYTES);
    }
    return KB_OK;
}

kb_status kb_ingest_render(const char *md, size_t len, char **out, kb_err *err)
{
    cmark_parser *p;
    cmark_node *root;
    size_t line;
    *out = NULL;
    kb_status rc = md_parse(md, len, CMARK_OPT_VALIDATE_UTF8, &p, &root, &line, err);
    if (rc != KB_OK)
        return rc;
    rc = md_render(p, root, out, err);
    cmark_node_free(root);
    cmark_parser_free(p);
    return rc;
}

kb_status kb_ingest_render_verbatim(const char *text, size_t len, char **out, kb_err *err)
{
    *out = NULL;
    if (len > KB_MAX_DOC_BYTES)
        return kb_err_set(err, KB_ETOOBIG, "text is %zu bytes, more than the limit of %u", len,
                          KB_MAX_DOC_BYTES);
    kb_status rc = libs_ready(err);
    if (rc != KB_OK)
        return rc;
    /* a code block node is rendered escaped and never parsed */
    cmark_node *doc = cmark_node_new(CMARK_NODE_DOCUMENT);
    cmark_node *code = cmark_node_new(CMARK_NODE_CODE_BLOCK);
    char *lit = kb_xmalloc(len + 1);
    memcpy(lit, text, len);
    lit[len] = '\0';
    if (cmark_node_set_literal(code, lit) && cmark_node_append_child(doc, code))
        *out = cmark_render_html(doc, CMARK_OPT_DEFAULT, NULL);
    else
        cmark_node_free(code);
    free(lit);
    cmark_node_free(doc);
    if (!*out)
        return kb_err_set(err, KB_ENOMEM, "out of memory rendering text");
    return KB_OK;
}

/* ---------------------------------------------------------------- known-error sections */

/* The row of kb/section.c a heading opens, or -1. */
static int heading_section(cmark_node *heading, int ticket)
{
    kb_buf raw;
    kb_buf_init(&raw, 0);
    plain_text(heading, &raw);
    int sec = kb_section_by_heading(kb_buf_str(&raw), ticket);
    kb_buf_free(&raw);
    return sec;
}

/* Fills the known-error sections from level-2 headings among the top-level blocks; the
 * blocks outside any section go to rest (so section text is not indexed twice). */
static void body_sections(cmark_node *root, int ticket, kb_buf sec[KB_SECTION_MAX], kb_buf *rest)
{
    int cur = -1;
    for (cmark_node *n = cmark_node_first_child(root); n; n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) == CMARK_NODE_HEADING) {
            int level = cmark_node_get_heading_level(n);
            if (level <= 2) {
                cur = level == 2 ? heading_section(n, ticket) : -1;
                if (cur >= 0) {
                    end_line(&sec[cur]); /* a second heading for the same field appends */
                    continue;
                }
            }
        }
        plain_text(n, cur >= 0 ? &sec[cur] : rest);
    }
}

/* ---------------------------------------------------------------- record checks */

static int valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > KB_MAX_ID_BYTES)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        if (!ok)
            return 0;
    }
    return 1;
}

static int valid_status(const char *type, const char *st)
{
    static const char *const common[] = { "draft", "published", "retired" };
    static const char *const docs[] = { "in_review", "superseded", "scrapped" };
    for (size_t i = 0; i < 3; i++)
        if (strcmp(st, common[i]) == 0)
            return 1;
    if (strcmp(type, KB_TYPE_DOCUMENT) == 0)
        for (size_t i = 0; i < 3; i++)
            if (strcmp(st, docs[i]) == 0)
                return 1;
    return strcmp(type, KB_TYPE_TICKET) == 0 && strcmp(st, "closed") == 0;
}

/* Finds a single-valued front-matter field; KB_EPARSE when it is a list. */
static kb_status scalar_field(const kb_doc *d, const size_t *lines, const char *key,
                              const char **val, size_t *line, kb_err *err)
{
    *val = NULL;
    for (size_t i = 0; i < d->nfields; i++) {
        const kb_field *f = &d->fields[i];
        if (strcmp(f->key, key) != 0)
            continue;
        if (f->is_list) {
            *line = lines[i];
            return kb_err_set(err, KB_EPARSE, "'%s' must be a single value, not a list", key);
        }
        *val = f->nvals ? f->vals[0] : "";
        return KB_OK;
    }
    return KB_OK;
}

static size_t field_line(const kb_doc *d, const size_t *lines, const char *key)
{
    for (size_t i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].key, key) == 0)
            return lines[i];
    return 1;
}

/* Checks the common keys and fills id, type, title, status, version and updated. */
static kb_status check_record(kb_doc *d, const size_t *lines, size_t *line, kb_err *err)
{
    const char *id, *type, *title, *status, *version, *updated, *doc_no;
    const struct {
        const char *key;
        const char **val;
    } want[] = { { "id", &id }, { "doc_no", &doc_no }, { "type", &type }, { "title", &title },
                 { "status", &status }, { "version", &version }, { "updated", &updated } };
    char sb[64];
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        kb_status rc = scalar_field(d, lines, want[i].key, want[i].val, line, err);
        if (rc != KB_OK)
            return rc;
    }

    /* a document's number is doc_no when it has one (kb_ingest_warnings says when an id
     * beside it differs) */
    const char *id_key = "id";
    char tb[16];
    snprintf(tb, sizeof tb, "%s", type ? type : "");
    const char *tt = tb;
    size_t tlen = strlen(tb);
    trim(&tt, &tlen);
    if (doc_no && *doc_no && tlen == 8 && memcmp(tt, KB_TYPE_DOCUMENT, 8) == 0) {
        id = doc_no;
        id_key = "doc_no";
    }
    if (!id || !*id) {
        *line = 1;
        return kb_err_set(err, KB_EPARSE, "missing 'id' in front matter");
    }
    set_trimmed(&d->id, id, strlen(id));
    if (!valid_id(d->id)) {
        *line = field_line(d, lines, id_key);
        return kb_err_set(err, KB_EPARSE, "invalid id '%s' (1-%u letters, digits, '-', '_' or "
                          "'.')", shown(d->id, sb), KB_MAX_ID_BYTES);
    }
    if (!type || !*type) {
        *line = 1;
        return kb_err_set(err, KB_EPARSE, "missing 'type' in front matter");
    }
    set_trimmed(&d->type, type, strlen(type));
    if (strcmp(d->type, KB_TYPE_KNOWN_ERROR) != 0 && strcmp(d->type, KB_TYPE_ARTICLE) != 0 &&
        strcmp(d->type, KB_TYPE_DOCUMENT) != 0 && strcmp(d->type, KB_TYPE_TICKET) != 0) {
        *line = field_line(d, lines, "type");
        return kb_err_set(err, KB_EPARSE, "unknown type '%s' (expected known_error, article, "
                          "document or ticket)", shown(d->type, sb));
    }
    set_one_line(&d->title, title ? title : "");
    if (!*d->title) {
        *line = title ? field_line(d, lines, "title") : 1;
        return kb_err_set(err, KB_EPARSE, "missing 'title' in front matter");
    }
    int ticket = strcmp(d->type, KB_TYPE_TICKET) == 0;
    if (status && *status) {
        set_trimmed(&d->status, status, strlen(status));
        for (char *p = d->status; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        if (!valid_status(d->type, d->status)) {
            *line = field_line(d, lines, "status");
            return kb_err_set(err, KB_EPARSE, "unknown status '%s' for type '%s'",
                              shown(d->status, sb), d->type);
        }
    } else {
        kb_doc_set(&d->status, ticket ? "closed" : "published", ticket ? 6 : 9);
    }
    if (version)
        set_one_line(&d->version, version);
    if (updated && *updated) {
        set_trimmed(&d->updated, updated, strlen(updated));
        if (!kb_date_valid(d->updated)) {
            *line = field_line(d, lines, "updated");
            return kb_err_set(err, KB_EPARSE, "invalid date '%s' for 'updated' (expected "
                              "YYYY-MM-DD)", shown(d->updated, sb));
        }
    }
    return KB_OK;
}

/* ---------------------------------------------------------------- parse */

static void trim_buf_into(char **slot, kb_buf *b)
{
    set_trimmed(slot, kb_buf_str(b), b->len);
}

kb_status kb_ingest_parse(const char *path, const char *data, size_t len, kb_doc **out,
                          size_t *line, kb_err *err)
{
    size_t line_dummy;
    size_t *lines = NULL;
    kb_doc *d = NULL;
    cmark_parser *parser = NULL;
    cmark_node *root = NULL;
    kb_buf sec[KB_SECTION_MAX];
    kb_buf text;
    fm_split fm = { 0, 0, 0, 0 };
    kb_status rc;

    *out = NULL;
    if (!line)
        line = &line_dummy;
    *line = 0;
    size_t nsec = kb_section_count();
    for (size_t i = 0; i < nsec; i++)
        kb_buf_init(&sec[i], 0);
    kb_buf_init(&text, 0);

    rc = libs_ready(err);
    if (rc != KB_OK)
        goto out;
    if (len > KB_MAX_DOC_BYTES) {
        rc = kb_err_set(err, KB_ETOOBIG, "file is %zu bytes, more than the limit of %u", len,
                        KB_MAX_DOC_BYTES);
        goto out;
    }
    const char *nul = memchr(data, '\0', len);
    if (nul) {
        *line = line_at(data, (size_t)(nul - data));
        rc = kb_err_set(err, KB_EPARSE, "file contains NUL bytes (binary file?)");
        goto out;
    }
    size_t bad = kb_text_utf8_bad_at(data, len);
    if (bad < len) {
        *line = line_at(data, bad);
        rc = kb_err_set(err, KB_EPARSE, "file is not valid UTF-8 (byte %zu)", bad + 1);
        goto out;
    }
    rc = split_front_matter(data, len, &fm, line, err);
    if (rc != KB_OK)
        goto out;

    d = kb_doc_new();
    rc = parse_yaml(data + fm.yaml_off, fm.yaml_len, fm.yaml_line, d, &lines, line, err);
    if (rc != KB_OK)
        goto out;
    kb_ingest_key_aliases(d);
    rc = check_record(d, lines, line, err);
    if (rc != KB_OK)
        goto out;

    size_t body_line;
    rc = md_parse(data + fm.body_off, len - fm.body_off, CMARK_OPT_DEFAULT, &parser, &root,
                  &body_line, err);
    if (rc != KB_OK) {
        *line = body_line ? line_at(data, fm.body_off) + body_line - 1 : 0;
        goto out;
    }
    char *html;
    rc = md_render(parser, root, &html, err);
    if (rc != KB_OK)
        goto out;
    free(d->html);
    d->html = html;
    int ke = strcmp(d->type, KB_TYPE_KNOWN_ERROR) == 0;
    int ticket = strcmp(d->type, KB_TYPE_TICKET) == 0;
    if (ke || ticket)
        body_sections(root, ticket, sec, &text);
    else
        plain_text(root, &text);
    trim_buf_into(&d->text, &text);
    for (size_t i = 0; i < nsec; i++) {
        const kb_section *row = kb_section_at(i);
        const kb_field *f = kb_doc_field(d, row->key);
        kb_buf fmv;
        kb_buf_init(&fmv, 0);
        for (size_t k = 0; f && k < f->nvals; k++) {
            end_line(&fmv);
            kb_buf_adds(&fmv, f->vals[k]);
        }
        const char *v = kb_buf_str(&fmv);
        size_t vlen = fmv.len;
        trim(&v, &vlen);
        if (vlen)
            kb_doc_set(kb_section_slot(d, row), v, vlen); /* front matter wins */
        else
            trim_buf_into(kb_section_slot(d, row), &sec[i]);
        kb_buf_free(&fmv);
    }

    char hex[KB_HASH_SHA256_HEX];
    hex_sha256(data, len, hex);
    kb_doc_set(&d->hash, hex, strlen(hex));
    kb_doc_set(&d->source, data, len);
    kb_doc_set(&d->path, path ? path : "", path ? strlen(path) : 0);
    *out = d;
    d = NULL;
    *line = 0;
out:
    if (root)
        cmark_node_free(root);
    if (parser)
        cmark_parser_free(parser);
    for (size_t i = 0; i < nsec; i++)
        kb_buf_free(&sec[i]);
    kb_buf_free(&text);
    free(lines);
    kb_doc_free(d);
    return rc;
}

/* ---------------------------------------------------------------- synonyms */

/* Byte length of a term separator at p ("," "，" or tab), or 0. */
static size_t separator_at(const char *p, const char *end)
{
    if (*p == ',' || *p == '\t')
        return 1;
    if (end - p >= 3 && memcmp(p, "\xEF\xBC\x8C", 3) == 0)
        return 3;
    return 0;
}

/* Trims ASCII whitespace and the ideographic space U+3000 from both ends. */
static void trim_term(const char **p, size_t *len)
{
    for (;;) {
        trim(p, len);
        if (*len >= 3 && memcmp(*p, "\xE3\x80\x80", 3) == 0) {
            *p += 3;
            *len -= 3;
        } else if (*len >= 3 && memcmp(*p + *len - 3, "\xE3\x80\x80", 3) == 0) {
            *len -= 3;
        } else {
            return;
        }
    }
}

static void free_group(char **g)
{
    for (size_t i = 0; g && g[i]; i++)
        free(g[i]);
    free(g);
}

/* Splits one line (without its line break) into a NULL-terminated term array; *n is the
 * number of distinct terms kept. '#' starts a comment at the start of the line or after a
 * blank or a separator, so that a term such as "C#" survives. */
static char **parse_syn_line(const char *p, const char *end, size_t *n)
{
    char **g = kb_xcalloc(SYN_MAX_TERMS + 1, sizeof *g);
    const char *start = p, *q = p;
    int after_blank = 1;
    *n = 0;
    for (;;) {
        size_t sep = q < end ? separator_at(q, end) : 0;
        int comment = q < end && *q == '#' && after_blank;
        if (q == end || sep || comment) {
            const char *t = start;
            size_t tlen = (size_t)(q - start);
            trim_term(&t, &tlen);
            int dup = 0;
            for (size_t i = 0; i < *n && !dup; i++)
                dup = strlen(g[i]) == tlen && memcmp(g[i], t, tlen) == 0;
            if (tlen && tlen <= SYN_MAX_TERM_BYTES && !dup && *n < SYN_MAX_TERMS)
                g[(*n)++] = kb_xstrndup(t, tlen);
            if (q == end || comment)
                break;
            q += sep;
            start = q;
            after_blank = 1;
        } else if (end - q >= 3 && memcmp(q, "\xE3\x80\x80", 3) == 0) {
            q += 3;
            after_blank = 1;
        } else {
            after_blank = is_space((unsigned char)*q);
            q++;
        }
    }
    return g;
}

kb_status kb_ingest_synonyms_parse(const char *data, size_t len, char ****groups, size_t *n,
                                   kb_err *err)
{
    *groups = NULL;
    *n = 0;
    if (len > KB_MAX_DOC_BYTES)
        return kb_err_set(err, KB_ETOOBIG, "synonyms file is %zu bytes, more than the limit of "
                          "%u", len, KB_MAX_DOC_BYTES);
    const char *nul = memchr(data, '\0', len);
    if (nul)
        return kb_err_set(err, KB_EPARSE, "synonyms file contains NUL bytes (line %zu)",
                          line_at(data, (size_t)(nul - data)));
    size_t bad = kb_text_utf8_bad_at(data, len);
    if (bad < len)
        return kb_err_set(err, KB_EPARSE, "synonyms file is not valid UTF-8 (line %zu)",
                          line_at(data, bad));

    char ***out = NULL;
    size_t nout = 0, cap = 0;
    size_t off = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        off = 3;
    while (off < len && nout < SYN_MAX_GROUPS) {
        size_t next;
        size_t llen = line_len(data, len, off, &next);
        size_t nterms;
        char **g = parse_syn_line(data + off, data + off + llen, &nterms);
        off = next;
        if (nterms < 2) {
            free_group(g);
            continue;
        }
        if (nout == cap) {
            cap = cap ? cap * 2 : 16;
            out = kb_xrealloc(out, cap * sizeof *out);
        }
        out[nout++] = g;
    }
    *groups = out;
    *n = nout;
    return KB_OK;
}

void kb_ingest_synonyms_free(char ***groups, size_t n)
{
    if (!groups)
        return;
    for (size_t i = 0; i < n; i++)
        free_group(groups[i]);
    free(groups);
}

/* ---------------------------------------------------------------- composing items */

static void yaml_list(kb_buf *b, const char *key, const char *v)
{
    kb_buf_adds(b, key);
    kb_buf_adds(b, ": [");
    int n = 0;
    const char *p = v;
    while (*p) {
        size_t len = strcspn(p, ";,");
        size_t a = 0, z = len;
        while (a < z && p[a] == ' ')
            a++;
        while (z > a && p[z - 1] == ' ')
            z--;
        if (z > a) {
            char *item = kb_xstrndup(p + a, z - a);
            if (n++)
                kb_buf_adds(b, ", ");
            yaml_quoted(b, item);
            free(item);
        }
        p += len;
        if (*p)
            p++;
    }
    kb_buf_adds(b, "]\n");
}

/* A section body: the text as written, one paragraph per line, markup escaped. */
static void md_section(kb_buf *b, const char *heading, const char *text)
{
    if (!text || !*text)
        return;
    kb_buf_adds(b, "\n## ");
    kb_buf_adds(b, heading);
    kb_buf_adds(b, "\n\n");
    for (const char *p = text; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            kb_buf_adds(b, "\n\n");
            continue;
        }
        if (strchr("\\`*_{}[]<>#+-!|~&", *p))
            kb_buf_addc(b, '\\');
        kb_buf_addc(b, *p);
    }
    kb_buf_addc(b, '\n');
}

void kb_ingest_compose(const kb_compose *c, kb_buf *out)
{
    kb_buf_adds(out, "---\nid: ");
    yaml_quoted(out, c->id ? c->id : "");
    kb_buf_adds(out, "\ntype: ");
    yaml_quoted(out, c->type ? c->type : "");
    kb_buf_adds(out, "\ntitle: ");
    yaml_quoted(out, c->title ? c->title : "");
    kb_buf_addc(out, '\n');
    for (size_t i = 0; i < c->nscalars; i++) {
        if (!c->scalars[i].value || !*c->scalars[i].value)
            continue;
        kb_buf_adds(out, c->scalars[i].key);
        kb_buf_adds(out, ": ");
        yaml_quoted(out, c->scalars[i].value);
        kb_buf_addc(out, '\n');
    }
    for (size_t i = 0; i < c->nlists; i++)
        if (c->lists[i].value && *c->lists[i].value)
            yaml_list(out, c->lists[i].key, c->lists[i].value);
    kb_buf_adds(out, "---\n");
    for (size_t i = 0; i < c->nsections; i++)
        md_section(out, c->sections[i].key, c->sections[i].value);
}
