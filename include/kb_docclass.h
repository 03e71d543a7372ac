#ifndef KB_DOCCLASS_H
#define KB_DOCCLASS_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Document classes: the operations plan's five (运维体系文档, 项目文档, 质量管理文档,
 * 服务报告文档, 其他文件资料), each with its sub-types (the doc_type values documents use:
 * "operations manual", "procedure", ...) and a numbering prefix, and the approval chains of
 * document requests per class and request kind (all SQL in kb/store_docclass.c).
 *
 * The classes and their codes are fixed (kb_docclass_defs); their sub-types, prefixes and
 * chains are kept in the database, seeded from kb_docclass_defs, and edited by admins
 * (kb_docclass_update, audited as docclass.update). A document's doc_type names a sub-type
 * or a class (its code or its Chinese name), ASCII letters in any case.
 *
 * A chain is an ordered list of support groups (kb_group.h): each step of a request is
 * decided by a member of its group (kb_docreq.h). A class and kind without a chain keep the
 * single approver (any user with the approver role). */

#define KB_DOCCLASS_PREFIX_MAX 16u   /* bytes of a numbering prefix */
#define KB_DOCCLASS_SUBTYPE_MAX 64u  /* bytes of a sub-type */
#define KB_DOCCLASS_MAX_SUBTYPES 30u /* per class */
#define KB_DOCCLASS_MAX_STEPS 5u     /* groups in one chain */

/* The request kinds (change, scrap, borrow, destroy): kb_docreq_kinds[i] has its chain in
 * chain[i]. */
#define KB_DOCREQ_NKINDS 4
extern const char *const kb_docreq_kinds[KB_DOCREQ_NKINDS + 1]; /* NULL-terminated */
/* The index of kind in kb_docreq_kinds, or -1. */
int kb_docreq_kind_index(const char *kind);

/* The fixed classes, in the plan's order: one row per class; seeds holds the sub-types a
 * new database starts with, NULL-terminated. */
typedef struct {
    const char *code;    /* ops, project, quality, report, other */
    const char *name;    /* 运维体系文档 ... */
    const char *name_en; /* Operations documents ... */
    const char *const *seeds;
} kb_docclass_def;
#define KB_DOCCLASS_N 5
extern const kb_docclass_def kb_docclass_defs[KB_DOCCLASS_N];
/* The definition whose code is code (exact), or NULL. */
const kb_docclass_def *kb_docclass_def_of(const char *code);

/* A class as kept now. Strings owned (never NULL), freed by kb_docclass_list_free. */
typedef struct {
    const char *code;    /* borrowed from kb_docclass_defs */
    const char *name;
    const char *name_en;
    char *prefix;        /* "" = any number the numbering rule accepts */
    char **sub_types;    /* in the order set */
    size_t nsub_types;
    char **chain[KB_DOCREQ_NKINDS]; /* per kind: the groups in order */
    size_t nchain[KB_DOCREQ_NKINDS];
} kb_docclass;

typedef struct {
    kb_docclass v[KB_DOCCLASS_N];
    size_t n;
} kb_docclass_list;

/* Every class in the plan's order. Free with kb_docclass_list_free (also after failure). */
kb_status kb_docclass_list_all(kb_store *s, kb_docclass_list *out, kb_err *err);
void kb_docclass_list_free(kb_docclass_list *l);
/* The class doc_type names in l (a sub-type, a code or a Chinese class name; ASCII letters
 * in any case), or NULL (also for NULL or ""). */
const kb_docclass *kb_docclass_of(const kb_docclass_list *l, const char *doc_type);

/* The check of an API write of document doc_no with doc_type: KB_EINVAL when doc_type is
 * empty or names no class or sub-type, or when doc_no lacks its class's prefix (doc_no
 * NULL: not checked, for a document already in the catalogue, which keeps its number when
 * its class is given a prefix later). *code (may be NULL) gets the class's code (static). */
kb_status kb_docclass_check(kb_store *s, const char *doc_type, const char *doc_no,
                            const char **code, kb_err *err);

/* An admin's change of a class: NULL or unset parts stay as they are. */
typedef struct {
    const char *prefix;              /* "" clears it */
    int set_sub_types;
    const char *const *sub_types;    /* at least one; unique across the classes */
    size_t nsub_types;
    int set_chain[KB_DOCREQ_NKINDS]; /* per kind: replace the chain (n 0 clears it) */
    const char *const *chain[KB_DOCREQ_NKINDS];
    size_t nchain[KB_DOCREQ_NKINDS];
} kb_docclass_change;

/* Applies ch to class code (KB_ENOTFOUND for another code) in one transaction with its
 * audit entry. KB_EINVAL for an empty change, a bad prefix (letters, digits, '-', '_', '.',
 * '/'), a sub-type too long, empty, repeated or used by another class, a group that does
 * not exist, a group twice in a chain or more than KB_DOCCLASS_MAX_STEPS; KB_ECONFLICT when
 * a sub-type taken away is the doc_type of a current document (named). Requests already
 * filed keep the chain they were filed with. */
kb_status kb_docclass_update(kb_store *s, const char *code, const kb_docclass_change *ch,
                             const char *actor, long long now, kb_err *err);

#endif
