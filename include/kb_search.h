#ifndef KB_SEARCH_H
#define KB_SEARCH_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

#define KB_SEARCH_MAX_LIMIT 100
#define KB_SEARCH_MAX_QUERY 4096

/* A search request. Strings are borrowed; NULL or "" means not set. */
typedef struct {
    const char *q;          /* user query, see docs/API.md for the language */
    const char *type;       /* filter: known_error, article, document, ticket */
    const char *status;     /* filter: draft, published, retired, ... ("any" = all) */
    size_t limit;           /* 0 = 10; capped at KB_SEARCH_MAX_LIMIT */
    size_t offset;
    int hide_drafts;        /* leave out work in progress (kb_version_wip_statuses) whatever
                               q or status ask for: for callers who may not read it */
    int all_words;          /* every hit holds every word: no relaxation (a catalogue filter,
                               not a desk search) */
    int exhaustive;         /* score every match, without pruning the rows that cannot reach
                               the top: the reference kedb-bench --exhaustive compares with */
} kb_search_opts;

typedef struct {
    char *id;
    char *type;
    char *title;
    char *snippet;          /* HTML: escaped text with <mark> around matches */
    char *workaround;       /* plain text, may be shortened */
    char *status;
    char *version;
    char *updated;
    double score;
    long long rowid;        /* the item's row in the store (kb_store_doc_brief) */
    int partial;            /* matches only some of the words (the query was relaxed) */
} kb_search_hit;

/* A word of the query that was not searched for, and why (kb_drop_why of kb_understand.h:
 * 1 function word or question phrase, 2 no item contains it, 3 past the word limit). */
typedef struct {
    char *word;
    int why;
} kb_search_drop;

typedef struct {
    char *query;            /* the query as understood (normalised) */
    long long total;        /* number of matches */
    int total_exact;        /* 1: every match is counted (0 would mark an estimate) */
    double took_ms;
    char *did_you_mean;     /* corrected query when typos were fixed, else NULL */
    kb_search_hit *hits;
    size_t nhits;
    char **words;           /* the words searched for, as understood */
    size_t nwords;
    kb_search_drop *dropped; /* the words left out */
    size_t ndropped;
    size_t min_match;       /* 0: every hit holds every word; else the query was relaxed
                               and the hits marked partial hold at least this many */
} kb_search_result;

/* Runs a search. Never fails on what a person can type: bad syntax degrades to plain
 * words. *out is freed with kb_search_result_free(). Errors: KB_EINVAL for bad options
 * (unknown type), KB_EDB for database failures. */
kb_status kb_search_run(kb_store *s, const kb_search_opts *opts, kb_search_result **out,
                        kb_err *err);
void kb_search_result_free(kb_search_result *r);

/* Number of items in the store (cached until the database changes). */
long long kb_search_ndocs(kb_store *s);

/* Turns the result cache on (the default) or off for the whole process. Each connection
 * keeps its most recent 512 results and drops them whenever the database changes;
 * benchmarks of search itself turn it off. */
void kb_search_cache_enable(int on);
/* Look-ups of the result cache since the process started: answered from it (hits) and not
 * (misses); none are counted while it is off. */
void kb_search_cache_stats(unsigned long long *hits, unsigned long long *misses);

/* Completions for search-as-you-type: titles that contain the text and index terms that
 * extend its last word. *out is an array of *n strings; free with kb_search_strings_free(). */
kb_status kb_search_complete(kb_store *s, const char *q, size_t max, char ***out, size_t *n,
                             kb_err *err);
void kb_search_strings_free(char **v, size_t n);

#endif
