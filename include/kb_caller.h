#ifndef KB_CALLER_H
#define KB_CALLER_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_incident.h"
#include "kb_store.h"

/* The caller directory: the people who call the desk, so that a number or a name typed on
 * the new-incident form brings up who is calling, their open incidents and their recent
 * history. Incidents keep their own copy of the caller's name, phone, department and
 * location as they were at the time; the directory is never joined into them.
 *
 * Phones are checked and matched by the one phone rule (kb_phone.h): each is kept as
 * typed for display and in canonical form for matching, and one canonical number belongs
 * to one caller at most. E-mail addresses are unique too (ASCII case ignored). Names are
 * found by their normalised form (kb_tokenize_normalize: full-width forms, case,
 * Traditional -> Simplified, so 張偉 finds 张伟) without spaces, and by pinyin ("zhangwei",
 * "zhang", the initials "zw").
 *
 * The rules and the CSV import are in kb/caller.c; the SQL in kb/store_caller.c. Every
 * change is audited (caller.create, caller.update, caller.import) in its transaction. */

#define KB_CALLER_MAX_NAME 200u   /* bytes; an incident's caller_name holds as much */
#define KB_CALLER_MAX_EMAIL 254u
#define KB_CALLER_MAX_SHORT 200u  /* department, location */
#define KB_CALLER_MAX_NOTES 2000u
#define KB_CALLER_MAX_PHONE 64u   /* bytes of one number as typed */
#define KB_CALLER_MAX_PHONES 10u
#define KB_CALLER_MAX_LIMIT 100u  /* callers per page */
#define KB_CALLER_MAX_QUERY 200u  /* bytes of a search */
#define KB_CALLER_OPEN 20u        /* open incidents shown with a caller */
#define KB_CALLER_RECENT 10u      /* other recent incidents shown with a caller */

/* One caller. Strings are owned by the record and never NULL ("" when absent); phones[i]
 * is the number as typed, phones_norm[i] its canonical form. Freed with
 * kb_caller_free(). */
typedef struct {
    long long id;
    char *name;
    char **phones;
    char **phones_norm;
    size_t nphones;
    char *email;
    char *department;
    char *location;
    int vip;
    char *notes;
    char *created_by;
    long long created_at;
    char *updated_by;
    long long updated_at;
} kb_caller;

void kb_caller_free(kb_caller *c);

/* A new caller or a change. Strings are borrowed. On create, name is required and NULL
 * means "" elsewhere; on update, NULL (vip -1, set_phones 0) leaves a field as it is and
 * "" clears it (not the name). */
typedef struct {
    const char *name;
    const char *const *phones;
    size_t nphones;
    int set_phones;         /* update: phones replace the list (an empty list clears it) */
    const char *email;
    const char *department;
    const char *location;
    int vip;                /* 0 or 1; -1 = unchanged (update only) */
    const char *notes;
    const char *actor;      /* who; NULL or "" = "anonymous" */
} kb_caller_in;

/* Checks the fields that in gives (lengths, one line except notes, no control characters,
 * phones by kb_phone_check and at most KB_CALLER_MAX_PHONES, no number twice, an e-mail
 * address of the form local@domain.tld). creating: name required. KB_EINVAL naming the
 * field ("phones[1]") otherwise. */
kb_status kb_caller_check(const kb_caller_in *in, int creating, kb_err *err);

/* --- the directory in the database (kb/store_caller.c) --- */

/* Adds a caller. KB_EINVAL (kb_caller_check), KB_EEXIST when one of its numbers or its
 * e-mail address belongs to another caller (the message names that caller: "phone
 * '13800138000' is caller 12 (张伟)"). *out (may be NULL when not wanted) is the caller as
 * stored; free with kb_caller_free(). */
kb_status kb_caller_create(kb_store *s, const kb_caller_in *in, long long now, kb_caller **out,
                           kb_err *err);
/* Changes caller id: as kb_caller_create, KB_ENOTFOUND for an unknown id. *changed (may be
 * NULL) is 0 when in changes nothing, and then nothing is written or audited. */
kb_status kb_caller_update(kb_store *s, long long id, const kb_caller_in *in, long long now,
                           kb_caller **out, int *changed, kb_err *err);
/* Loads caller id; KB_ENOTFOUND when there is none. */
kb_status kb_caller_get(kb_store *s, long long id, kb_caller **out, kb_err *err);
/* The caller that has the number phone (any spelling) or the e-mail address email (NULL:
 * not looked for); *id 0 when none. */
kb_status kb_caller_find(kb_store *s, const char *phone, const char *email, long long *id,
                         kb_err *err);

/* Searches. q NULL or "" lists every caller; text that reads as (part of) a number
 * (kb_phone_query) finds the callers with a number containing it; other text finds
 * callers whose name (normalised, spaces ignored) or e-mail address contains it, or whose
 * name's pinyin or initials start with it (ASCII letters only). */
typedef struct {
    const char *q;           /* at most KB_CALLER_MAX_QUERY bytes (KB_EINVAL otherwise) */
    size_t limit;            /* 0 = 20, at most KB_CALLER_MAX_LIMIT */
    size_t offset;
} kb_caller_filter;

typedef struct {
    kb_caller **items;
    size_t n;
    long long total;         /* matches over all pages */
} kb_caller_list;

/* Exact name matches first, then names starting with q, then by name. *out is freed with
 * kb_caller_list_free(). */
kb_status kb_caller_search(kb_store *s, const kb_caller_filter *f, kb_caller_list **out,
                           kb_err *err);
void kb_caller_list_free(kb_caller_list *l);

/* An incident as listed with a caller (kb_incident.h). */
typedef kb_incident_brief kb_caller_incident;

typedef struct {
    kb_caller_incident *open;   /* open incidents, newest first, at most KB_CALLER_OPEN */
    size_t nopen;
    kb_caller_incident *recent; /* the newest resolved or closed ones, at most
                                   KB_CALLER_RECENT */
    size_t nrecent;
} kb_caller_history;

/* The incidents of caller c: those recorded with one of c's numbers, and those recorded
 * with c's name and either no number or c's department. Free with
 * kb_caller_history_free(). */
kb_status kb_caller_history_get(kb_store *s, const kb_caller *c, kb_caller_history **out,
                                kb_err *err);
void kb_caller_history_free(kb_caller_history *h);

/* --- import from CSV (kb/caller.c) --- */

#define KB_CALLER_IMPORT_MAX_BYTES (16u * 1024u * 1024u)
#define KB_CALLER_IMPORT_MAX_ROWS 50000u
#define KB_CALLER_IMPORT_MAX_PROBLEMS 100u /* bad rows described in a report */
#define KB_CALLER_IMPORT_MAX_FIELD 4096u   /* bytes of one cell */

/* What a column of an export fills, from its header (see kb_caller_column). */
typedef enum {
    KB_CALLER_COL_NONE = 0,  /* not imported */
    KB_CALLER_COL_NAME,
    KB_CALLER_COL_MOBILE,
    KB_CALLER_COL_PHONE,
    KB_CALLER_COL_EMAIL,
    KB_CALLER_COL_DEPARTMENT,
    KB_CALLER_COL_LOCATION,
    KB_CALLER_COL_VIP,
    KB_CALLER_COL_NOTES
} kb_caller_column;

/* The column a header names, in Chinese or English as AD (csvde, Export-Csv) and WeCom
 * exports write them, ASCII case, spaces, '_' and '-' ignored: 姓名 name displayname,
 * 手机 手机号 mobile, 电话 座机 办公电话 phone telephonenumber ipphone, 邮箱 电子邮件 企业邮箱
 * email mail, 部门 department, 地点 办公地点 位置 location office
 * physicaldeliveryofficename, VIP 重要客户, 备注 notes description ... KB_CALLER_COL_NONE for
 * anything else. */
kb_caller_column kb_caller_column_of(const char *header);

/* Splits a cell that may hold several numbers ("13800138000; 010-65529988" or with 、 | or
 * a line break; a comma or '/' separates two numbers when what follows it has at least 7
 * digits, else it is an extension marker or a separator inside one number). Calls fn for
 * each non-empty piece (trimmed, NUL-terminated, valid during the call). */
void kb_caller_split_phones(const char *cell, void (*fn)(void *ctx, const char *phone),
                            void *ctx);

/* One bad row: its line in the file and why. */
typedef struct {
    size_t line;
    char msg[240];
} kb_caller_problem;

/* What an import did. */
typedef struct {
    const char *charset;     /* the character set read ("UTF-8", "GB18030", ...) */
    size_t rows;             /* data rows read (blank lines not counted) */
    size_t added, updated, unchanged, failed;
    kb_caller_problem *problems; /* the first KB_CALLER_IMPORT_MAX_PROBLEMS bad rows */
    size_t nproblems;
    char *columns;           /* how the header was read: "姓名=name, 手机=mobile, 职务=-" */
} kb_caller_import_report;

/* Imports callers from a CSV export held in data[0..len): UTF-8 with or without a byte
 * order mark, or GBK/GB18030 (charset NULL detects which: kb_csv_decode), with a header
 * row read by kb_caller_column_of. It needs a name column and a phone or e-mail column.
 * Each row is matched to an existing caller by any of its numbers, else by its e-mail:
 * a match takes the row's non-empty fields and gains its new numbers (numbers are never
 * removed by an import); no match adds a caller. A row without a name, without a number
 * or e-mail address, with a bad field, matching two different callers, or matching a
 * caller an earlier row of the same file matched, is a bad row: reported with its line
 * and skipped. Importing the same file again changes nothing. Everything is one
 * transaction, audited per caller (caller.create / caller.update) and once for the file
 * (caller.import, object "import:<source>"). Errors for the whole file, with nothing
 * imported: KB_ETOOBIG past KB_CALLER_IMPORT_MAX_BYTES or KB_CALLER_IMPORT_MAX_ROWS,
 * KB_EPARSE when it is not text, KB_EINVAL without a header, a name column or a phone or
 * e-mail column, KB_EDB. On KB_OK *out is the report: free with
 * kb_caller_import_report_free(). */
kb_status kb_caller_import(kb_store *s, const char *data, size_t len, const char *charset,
                           const char *actor, const char *source, long long now,
                           kb_caller_import_report **out, kb_err *err);
void kb_caller_import_report_free(kb_caller_import_report *r);

#endif
