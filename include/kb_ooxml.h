#ifndef KB_OOXML_H
#define KB_OOXML_H
#include <stddef.h>

#include "kb_err.h"

/* Office Open XML packages (.xlsx, .docx, .pptx) as given in bytes: a zip archive (libzip)
 * whose XML parts are streamed through libxml2's reader. The one owner of both libraries'
 * hostile-input rules, used by kb/sheet.c (spreadsheets) and kb/extract.c (the searchable
 * text of attachments): a part's inflated size is checked against the zip directory and
 * again while inflating (a directory can lie), an optional bound on the inflated bytes of
 * all parts together and on the compression ratio stops zip bombs, a DTD or entity
 * declaration is refused before libxml2 sees it (no entity is ever expanded), text not in
 * UTF-8 is refused, and elements nest at most KB_OOXML_MAX_DEPTH deep. Errors start with
 * the format's name and the part ("docx: word/document.xml: XML nested deeper than 64"). */

/* Entries in the zip; XML element depth */
#define KB_OOXML_MAX_ENTRIES 10000u
#define KB_OOXML_MAX_DEPTH 64

/* An open package. Use from one thread at a time. */
typedef struct kb_ooxml kb_ooxml;
/* One XML part being read. */
typedef struct kb_ooxml_part kb_ooxml_part;

/* Bounds beyond the per-part limit; 0 = none. */
typedef struct {
    size_t max_total; /* inflated bytes of all parts opened, together */
    size_t max_ratio; /* a part may inflate to at most max_ratio x its compressed size
                         (plus 1 MiB), by the directory and while inflating */
} kb_ooxml_limits;

/* Opens data[0..len) (borrowed: it must outlive *out) as a zip archive; format ("xlsx",
 * "docx", "pptx") names it in errors; lim may be NULL. KB_EPARSE when it is no readable
 * zip archive, KB_ETOOBIG past KB_OOXML_MAX_ENTRIES. On success *out is freed with
 * kb_ooxml_free(); on failure it is NULL. */
kb_status kb_ooxml_open(const char *data, size_t len, const char *format,
                        const kb_ooxml_limits *lim, kb_ooxml **out, kb_err *err);
/* Frees z. z may be NULL; its parts must be freed first. */
void kb_ooxml_free(kb_ooxml *z);
/* True when the package has an entry called name. */
int kb_ooxml_has(const kb_ooxml *z, const char *name);
/* The number of entries, and the name of entry i (borrowed, valid while z is open; NULL
 * for an entry libzip cannot name). */
size_t kb_ooxml_count(const kb_ooxml *z);
const char *kb_ooxml_name(const kb_ooxml *z, size_t i);

/* Opens the entry name as an XML stream of at most limit inflated bytes. KB_ENOTFOUND
 * when there is no such entry (err untouched); KB_ETOOBIG when its declared size passes
 * limit (or the ratio); KB_EPARSE when it cannot be opened. *out is freed with
 * kb_ooxml_part_free(). name is copied. */
kb_status kb_ooxml_part_open(kb_ooxml *z, const char *name, size_t limit,
                             kb_ooxml_part **out, kb_err *err);
/* Frees p. p may be NULL. */
void kb_ooxml_part_free(kb_ooxml_part *p);
/* The part's name (borrowed). */
const char *kb_ooxml_part_name(const kb_ooxml_part *p);
/* Reads the next node: 1, 0 at the end, or -1 with err set (broken XML, a limit, a DTD or
 * entity, nesting past KB_OOXML_MAX_DEPTH). */
int kb_ooxml_next(kb_ooxml_part *p, kb_err *err);
/* The current node: the start (or end) of an element whose local name (any namespace) is
 * local; text (also CDATA and white space); an element written as <x/>. */
int kb_ooxml_is_start(const kb_ooxml_part *p, const char *local);
int kb_ooxml_is_end(const kb_ooxml_part *p, const char *local);
int kb_ooxml_is_text(const kb_ooxml_part *p);
int kb_ooxml_is_empty(const kb_ooxml_part *p);
/* A text node's text (borrowed until the next kb_ooxml_next), NULL for other nodes. */
const char *kb_ooxml_value(const kb_ooxml_part *p);
/* The current element's attribute whose local name is local (any prefix), or NULL; the
 * caller frees it with free(). */
char *kb_ooxml_attr(const kb_ooxml_part *p, const char *local);

#endif
