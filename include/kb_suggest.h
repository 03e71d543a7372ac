#ifndef KB_SUGGEST_H
#define KB_SUGGEST_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Suggestions while an incident is typed: the known errors (published only) and past
 * tickets that best match what the caller described. Long free text (a whole e-mail, a
 * pasted log) is reduced to its most informative words: those rarest in the knowledge
 * base, error codes first. */

#define KB_SUGGEST_MAX_TEXT (64u * 1024u) /* longer text is cut, not refused */
#define KB_SUGGEST_MAX_TERMS 6
#define KB_SUGGEST_MAX_LIMIT 20

typedef struct {
    const char *summary;     /* may be NULL */
    const char *description; /* may be NULL */
    const char *category;    /* may be NULL: used as one more, weaker, word */
    const char *ci;          /* configuration item / asset tag, may be NULL */
    size_t limit;            /* per list; 0 = 5, at most KB_SUGGEST_MAX_LIMIT */
} kb_suggest_opts;

typedef struct {
    char *id;
    char *type;
    char *title;
    char *status;
    char *snippet;    /* HTML, escaped, <mark> around matches */
    char *workaround; /* known errors: the workaround; tickets: how it was resolved */
    char **matched;   /* the picked words this item contains */
    size_t nmatched;
    double score;
} kb_suggestion;

typedef struct {
    char **terms; /* the words picked from the text, most informative first */
    size_t nterms;
    kb_suggestion *known_errors;
    size_t nknown;
    kb_suggestion *incidents; /* past tickets and closed incidents */
    size_t nincidents;
    double took_ms;
} kb_suggest_result;

/* Suggests. Never fails on what a person can type; KB_EDB on database failure. *out is
 * freed with kb_suggest_result_free(). */
kb_status kb_suggest_run(kb_store *s, const kb_suggest_opts *opts, kb_suggest_result **out,
                         kb_err *err);
void kb_suggest_result_free(kb_suggest_result *r);

#endif
