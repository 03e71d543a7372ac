#ifndef KB_CONF_H
#define KB_CONF_H
/* Configuration files: "key = value" lines (kedb-server's /etc/kedb/kedb.conf). Blank lines
 * and lines whose first non-blank character is '#' or ';' are ignored; a key is letters,
 * digits, '_' and '-' ('-' is read as '_'); the value is the rest of the line without
 * surrounding blanks, and one pair of surrounding double quotes is removed. Keys are
 * checked against a table of the known ones, so a typo is an error naming its line and the
 * nearest known key; a key given twice is an error unless the table allows repeats. */
#include <stddef.h>

#include "kb_err.h"

#define KB_CONF_MAX_BYTES (1024u * 1024u) /* a larger file is refused */
#define KB_CONF_MAX_LINE 4096u            /* bytes of one line, without its newline */

/* One key the caller knows: its name (lowercase, '_' between words) and whether it may be
 * given more than once (each value is kept, in order). */
typedef struct {
    const char *name;
    int repeat;
} kb_conf_key;

/* One setting as read. key is the table's name for it (normalised); value is UTF-8 without
 * NUL bytes; line counts from 1. Both strings belong to the kb_conf. */
typedef struct {
    const char *key;
    char *value;
    size_t line;
} kb_conf_entry;

/* The settings of one file in file order. Freed with kb_conf_free(). */
typedef struct {
    kb_conf_entry *items;
    size_t n;
} kb_conf;

/* Parses data[0..len) into *out (which must be zeroed or freed before). On failure *out is
 * empty, *line (may be NULL) is the line at fault (0 for the whole file) and err says why
 * (KB_EPARSE, or KB_ETOOBIG past KB_CONF_MAX_BYTES). */
kb_status kb_conf_parse(const char *data, size_t len, const kb_conf_key *keys, size_t nkeys,
                        kb_conf *out, size_t *line, kb_err *err);

/* Reads and parses the file at path; errors name the file and the line ("'PATH' line N:
 * ..."): KB_ENOTFOUND when it does not exist, KB_EIO when it cannot be read. */
kb_status kb_conf_load(const char *path, const kb_conf_key *keys, size_t nkeys, kb_conf *out,
                       kb_err *err);

/* The known key nearest to key (by edit distance, at most a third of its length and at
 * least 2), or NULL when none is near. */
const char *kb_conf_nearest(const char *key, const kb_conf_key *keys, size_t nkeys);

/* A yes/no value: 1 for yes, true, on, 1; 0 for no, false, off, 0 (any case); -1 else. */
int kb_conf_bool(const char *value);

/* Releases what c holds and empties it. c may be NULL. */
void kb_conf_free(kb_conf *c);

#endif
