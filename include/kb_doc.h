#ifndef KB_DOC_H
#define KB_DOC_H
#include <stddef.h>

/* The record types kedb knows. */
#define KB_TYPE_KNOWN_ERROR "known_error"
#define KB_TYPE_ARTICLE "article"
#define KB_TYPE_DOCUMENT "document"
#define KB_TYPE_TICKET "ticket"

/* Limits on what one file may hold. */
#define KB_MAX_DOC_BYTES (4u * 1024u * 1024u)
#define KB_MAX_ID_BYTES 64u

/* One front-matter field: a key and one value (scalar) or several (list). */
typedef struct {
    char *key;
    char **vals;
    size_t nvals;
    int is_list;
} kb_field;

/* One knowledge item: a known error, article, controlled document or past ticket.
 * This is a plain value record: every string is owned by the record, never NULL after
 * kb_doc_new() (empty string when absent), and freed by kb_doc_free(). */
typedef struct {
    long long rowid;   /* store row id; 0 until stored */
    char *id;          /* KE-0042, ART-0007, YW-SC-001, INC-20260101-0001 ... */
    char *type;        /* one of KB_TYPE_* */
    char *title;
    char *status;      /* draft, published, retired (documents: also superseded, scrapped) */
    char *version;
    char *updated;     /* YYYY-MM-DD or "" */
    char *path;        /* source file path, "" for items not from files */
    char *hash;        /* hex SHA-256 of the source bytes */
    char *symptom;     /* known-error sections as plain text ("" when absent) */
    char *cause;
    char *workaround;
    char *fix;
    char *text;        /* plain text of the body outside the sections above */
    char *source;      /* the file as written (front matter + Markdown) */
    char *html;        /* rendered body HTML, raw HTML and unsafe links removed */
    kb_field *fields;  /* every front-matter key in file order */
    size_t nfields;
} kb_doc;

/* Returns a new record with every string set to "". Free with kb_doc_free(). */
kb_doc *kb_doc_new(void);
/* Frees d and everything it owns. d may be NULL. */
void kb_doc_free(kb_doc *d);
/* Replaces the string at *slot with a copy of s (len bytes). */
void kb_doc_set(char **slot, const char *s, size_t len);
/* Appends a field; vals are copied. Returns the new field (owned by d). */
kb_field *kb_doc_add_field(kb_doc *d, const char *key, int is_list);
/* Appends a copy of val (len bytes) to f. */
void kb_field_add_val(kb_field *f, const char *val, size_t len);
/* Returns the field named key, or NULL. */
const kb_field *kb_doc_field(const kb_doc *d, const char *key);

#endif
