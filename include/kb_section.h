#ifndef KB_SECTION_H
#define KB_SECTION_H
#include <stddef.h>

#include "kb_doc.h"

/* The known-error sections (symptom, cause, workaround, fix): the one table that says which
 * Markdown headings fill each, its key (front-matter key, doc-table column, JSON field,
 * importer target), the full-text column it is indexed in with that column's weight, and
 * its display labels. The rows live in kb/section.c; every user iterates or looks up here,
 * so a new section is one row there (plus its kb_doc member and, for the database, a store
 * migration adding its doc column). */

/* More sections than this do not fit the fixed arrays callers size with it. */
#define KB_SECTION_MAX 8

typedef struct {
    const char *key;             /* "symptom": front-matter key, doc column, JSON field */
    size_t doc_offset;           /* offsetof(kb_doc, <member>): the section's char * */
    const char *fts_column;      /* kb_fts column its text is indexed in ("symptom", "body") */
    double weight;               /* BM25F weight of that column; rows sharing it agree */
    const char *const *headings; /* level-2 headings, normalised (see kb_section_by_heading),
                                  * NULL-terminated; [0] is what the importer writes */
    const char *const *ticket_headings; /* tickets only, matched before every row's
                                         * headings; NULL-terminated, may be empty */
    const char *label_zh;        /* display label, also the known-error template heading */
    const char *label_en;
} kb_section;

/* The number of rows (<= KB_SECTION_MAX). */
size_t kb_section_count(void);
/* Row i (i < kb_section_count()), in table order: the doc-table and index order. Borrowed
 * from static storage. */
const kb_section *kb_section_at(size_t i);
/* The row whose key is key, or NULL. */
const kb_section *kb_section_by_key(const char *key);
/* The index of the row a level-2 heading's plain text opens, or -1. Matching ignores ASCII
 * case, runs of white space and a trailing ':' or '：'; with ticket set the rows'
 * ticket_headings are tried first. text is NUL-terminated UTF-8. */
int kb_section_by_heading(const char *text, int ticket);
/* The heading written for sec when composing a ticket: its first ticket heading, else its
 * first heading. Borrowed. */
const char *kb_section_heading(const kb_section *sec, int ticket);
/* The member of d that holds sec's text (for kb_doc_set()). */
char **kb_section_slot(kb_doc *d, const kb_section *sec);
/* sec's text in d ("" when absent). Borrowed from d. */
const char *kb_section_text(const kb_doc *d, const kb_section *sec);

#endif
