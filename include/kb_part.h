#ifndef KB_PART_H
#define KB_PART_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* The spare-parts store (备件库): a catalogue of parts (part number, name, the models they
 * fit, unit, a minimum level), the store locations, the stock of each part at each location
 * and every movement of stock with who, when, how many and why.
 *
 * Movements: receive (into a location), issue (out of a location to an incident or an
 * asset), return (back into a location), move (from one location to another) and scrap
 * (out of a location). Stock never goes below zero: a movement that takes more than a
 * location holds is KB_ECONFLICT, decided inside one write transaction by a conditional
 * update, so two issues of the last unit give it to exactly one of them.
 *
 * Low stock: a part whose total stock (all locations) is below its minimum (minimum > 0)
 * is low. The change that makes it low (a movement, a new minimum) writes one part_low
 * event into the notification outbox in its own transaction; the part stays marked until
 * its stock is at the minimum again, so each crossing is told once.
 *
 * Replenishment (补仓): an engineer asks for a quantity of a part (pending); an approver
 * who did not ask approves or rejects it (four-eyes, KB_EDENIED otherwise); an approved
 * request is received into a location once (a receive movement that names it), which
 * closes it.
 *
 * Part numbers are 1..KB_PART_MAX_NUMBER ASCII letters, digits, '-', '_' and '.', beginning
 * with a letter or digit (CF259A, HP-26A), unique regardless of ASCII case; the words the
 * API uses beside part numbers (kb_part_number_valid) are refused. Location names are one
 * line of at most KB_PART_MAX_LOCATION bytes, unique regardless of ASCII case.
 *
 * Rules are in kb/part.c, the SQL in kb/store_part.c. Every change is audited (part.create,
 * part.update, part.location, part.<movement>, part.reorder, part.reorder_approve,
 * part.reorder_reject; object "part:<number>"). Nothing here reads the clock. */

#define KB_PART_MAX_NUMBER 40u
#define KB_PART_MAX_NAME 200u
#define KB_PART_MAX_UNIT 20u
#define KB_PART_MAX_MODEL 100u     /* bytes of one compatible model */
#define KB_PART_MAX_MODELS 50u     /* compatible models of a part */
#define KB_PART_MAX_LOCATION 100u  /* bytes of a location's name */
#define KB_PART_MAX_LOCATIONS 200u
#define KB_PART_MAX_NOTE 2000u     /* notes, reasons, comments */
#define KB_PART_MAX_QTY 1000000LL  /* of one movement, request or minimum */
#define KB_PART_MAX_LIMIT 100u     /* rows per page */
#define KB_PART_MAX_QUERY 200u
#define KB_PART_MAX_MOVES 100u     /* newest movements returned with a part */
#define KB_PART_MONTH_LEN 8        /* "2026-03" and the NUL */
#define KB_PART_MAX_MONTHS 36      /* months of a consumption report */

/* The movements, X(name). */
#define KB_PART_MOVES(X) X(receive) X(issue) X(return) X(move) X(scrap)
/* The states of a replenishment request, X(name). */
#define KB_PART_REORDER_STATES(X) X(pending) X(approved) X(rejected) X(received)

#define KB_PART_X_ENUM_MOVE(name) KB_PART_MOVE_##name,
#define KB_PART_X_ENUM_REORDER(name) KB_PART_REORDER_##name,
typedef enum { KB_PART_MOVES(KB_PART_X_ENUM_MOVE) KB_PART_NMOVES } kb_part_move_kind;
typedef enum {
    KB_PART_REORDER_STATES(KB_PART_X_ENUM_REORDER) KB_PART_NREORDER_STATES
} kb_part_reorder_state;

/* Names ("issue", "approved"); NULL out of range. The kind or state of name, or -1. */
const char *kb_part_move_name(int kind);
int kb_part_move_of(const char *name);
const char *kb_part_reorder_state_name(int st);
int kb_part_reorder_state_of(const char *name);

/* 1 when number is a valid part number (see above; not a word of the API's paths). */
int kb_part_number_valid(const char *number);

/* Stock of a part at one location. */
typedef struct {
    char *location;
    long long qty;
} kb_part_stock;

/* One part. Strings are owned and never NULL. Free with kb_part_free(). */
typedef struct {
    long long id;
    char *number, *name, *unit, *notes;
    char **models;            /* compatible models, in the order given */
    size_t nmodels;
    long long minimum;        /* 0 = no minimum */
    long long stock;          /* over all locations */
    int low;                  /* stock < minimum */
    long long low_since;      /* when it last became low; 0 when not low */
    kb_part_stock *at;        /* per location with stock or history (kb_part_get only) */
    size_t nat;
    char *created_by;
    long long created_at;
    char *updated_by;
    long long updated_at;
} kb_part;

void kb_part_free(kb_part *p);

/* A new part or a change; strings borrowed. On create number and name are required, unit
 * defaults to "个". On update NULL leaves a field as it is, minimum -1 too, set_models 0
 * leaves the models; the number never changes. */
typedef struct {
    const char *number, *name, *unit, *notes;
    const char *const *models;
    size_t nmodels;
    int set_models;
    long long minimum;        /* 0..KB_PART_MAX_QTY, -1 = unchanged */
    const char *actor;
} kb_part_in;

/* Checks in's fields (lengths, one line, models non-empty and given once, minimum in
 * range); creating: number and name required. KB_EINVAL naming the field. */
kb_status kb_part_check(const kb_part_in *in, int creating, kb_err *err);

/* --- the store (kb/store_part.c) --- */

/* Adds a part. KB_EINVAL (kb_part_check), KB_EEXIST when the number is taken. *out (may be
 * NULL) is the part as stored. */
kb_status kb_part_create(kb_store *s, const kb_part_in *in, long long now, kb_part **out,
                         kb_err *err);
/* Changes part number (KB_ENOTFOUND when unknown). A new minimum that makes the part low
 * tells the outbox (part_low). */
kb_status kb_part_update(kb_store *s, const char *number, const kb_part_in *in, long long now,
                         kb_part **out, kb_err *err);
/* Loads part number (any case) with its stock per location; KB_ENOTFOUND. */
kb_status kb_part_get(kb_store *s, const char *number, kb_part **out, kb_err *err);

typedef struct {
    const char *q;            /* part of the number, name or a model; NULL = all */
    int low;                  /* 1: only low parts */
    size_t limit;             /* 0 = 20, at most KB_PART_MAX_LIMIT */
    size_t offset;
} kb_part_filter;

typedef struct {
    kb_part **items;          /* without per-location stock */
    size_t n;
    long long total;
} kb_part_list;

/* Parts matching f: low ones first, then by number. Free with kb_part_list_free(). */
kb_status kb_part_search(kb_store *s, const kb_part_filter *f, kb_part_list **out,
                         kb_err *err);
void kb_part_list_free(kb_part_list *l);

/* --- locations --- */

typedef struct {
    long long id;
    char *name;
    char *note;
    long long created_at;
} kb_part_location;

/* Adds a location (name one line, note optional). KB_EEXIST when the name is taken,
 * KB_ECONFLICT past KB_PART_MAX_LOCATIONS. *out (may be NULL) is the location. */
kb_status kb_part_location_add(kb_store *s, const char *name, const char *note,
                               const char *actor, long long now, kb_part_location **out,
                               kb_err *err);
/* Every location by name. Free with kb_part_locations_free(). */
kb_status kb_part_locations(kb_store *s, kb_part_location ***out, size_t *n, kb_err *err);
void kb_part_location_free(kb_part_location *l);
void kb_part_locations_free(kb_part_location **v, size_t n);

/* --- movements --- */

/* A movement to make; strings borrowed. location: where stock is taken from (issue, move,
 * scrap) or put (receive, return). to_location: a move's destination. issue needs an
 * incident or an asset (either may be given with return); note is required for scrap. */
typedef struct {
    int kind;                 /* kb_part_move_kind */
    long long qty;            /* 1..KB_PART_MAX_QTY */
    const char *location, *to_location;
    const char *incident;     /* an incident number */
    const char *asset;        /* an asset tag */
    const char *note;
    const char *actor;
} kb_part_move_in;

/* One movement as recorded. Strings owned, never NULL ("" when none). */
typedef struct {
    long long id;
    char *part, *part_name;
    int kind;
    long long qty;
    char *from, *to;          /* location names */
    char *incident, *asset;
    char *model;              /* the asset's model (an issue or return that names one) */
    long long reorder;        /* the replenishment request received; 0 = none */
    char *note, *actor;
    long long at;
} kb_part_move;

void kb_part_moves_free(kb_part_move *v, size_t n);

/* Makes movement in of part number at now. KB_EINVAL for bad input or an unknown
 * location, incident or asset; KB_ENOTFOUND for an unknown part; KB_ECONFLICT when the
 * location holds fewer than in->qty. *out (may be NULL) is the part afterwards. */
kb_status kb_part_move_make(kb_store *s, const char *number, const kb_part_move_in *in,
                            long long now, kb_part **out, kb_err *err);

typedef struct {
    const char *part;         /* a part number; NULL = any */
    const char *asset;        /* an asset tag; NULL = any */
    const char *incident;     /* an incident number; NULL = any */
    size_t limit;             /* 0 = 20, at most KB_PART_MAX_LIMIT */
    size_t offset;
} kb_part_move_filter;

/* Movements matching f, newest first; *total counts all pages. */
kb_status kb_part_moves(kb_store *s, const kb_part_move_filter *f, kb_part_move **out,
                        size_t *n, long long *total, kb_err *err);

/* --- replenishment --- */

typedef struct {
    long long id;
    char *part, *part_name, *unit;
    long long qty;
    char *location;           /* where it is to be received ("" = say on receipt) */
    int state;                /* kb_part_reorder_state */
    char *reason, *requested_by;
    long long requested_at;
    char *decided_by, *comment;
    long long decided_at;
    long long received;       /* quantity received */
    char *received_by;
    long long received_at;
} kb_part_reorder;

void kb_part_reorder_free(kb_part_reorder *r);
void kb_part_reorders_free(kb_part_reorder **v, size_t n);

/* Asks for qty of part number (location may be NULL; reason optional). */
kb_status kb_part_reorder_create(kb_store *s, const char *number, long long qty,
                                 const char *location, const char *reason, const char *actor,
                                 long long now, kb_part_reorder **out, kb_err *err);
/* Approves or rejects (comment required) pending request id. KB_ENOTFOUND, KB_ECONFLICT
 * when it is not pending, KB_EDENIED when actor asked for it (ASCII case ignored). */
kb_status kb_part_reorder_decide(kb_store *s, long long id, int approve, const char *comment,
                                 const char *actor, long long now, kb_part_reorder **out,
                                 kb_err *err);
/* Receives approved request id: qty (0 = the quantity asked) into location (NULL = the
 * request's), as a receive movement naming the request. KB_ECONFLICT unless approved. */
kb_status kb_part_reorder_receive(kb_store *s, long long id, long long qty,
                                  const char *location, const char *note, const char *actor,
                                  long long now, kb_part_reorder **out, kb_err *err);
kb_status kb_part_reorder_get(kb_store *s, long long id, kb_part_reorder **out, kb_err *err);
/* Requests newest first; state -1 = any, part NULL = any; *total counts all pages. */
kb_status kb_part_reorder_list(kb_store *s, int state, const char *part, size_t limit,
                               size_t offset, kb_part_reorder ***out, size_t *n,
                               long long *total, kb_err *err);

/* --- consumption --- */

/* Units issued and returned in one desk month of one part, and (by_model) for one model
 * (the asset's model; "" when the movement named no asset). */
typedef struct {
    char month[KB_PART_MONTH_LEN];
    char *part, *name, *unit;
    char *model;              /* "" unless by model */
    long long issued, returned;
} kb_part_use;

/* Consumption per month from month `from` to month `to` (YYYY-MM, both included, desk
 * months, at most KB_PART_MAX_MONTHS), months ascending, then by part (by_model: by model,
 * the unknown model last, then part). KB_EINVAL for bad months or from after to. */
kb_status kb_part_consumption(kb_store *s, const char *from, const char *to, int by_model,
                              kb_part_use **out, size_t *n, kb_err *err);
void kb_part_uses_free(kb_part_use *v, size_t n);
/* 1 when s is a month YYYY-MM (1970-01 to 9999-12). */
int kb_part_month_valid(const char *s);

#endif
