#ifndef KB_ASSET_H
#define KB_ASSET_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_incident.h"
#include "kb_store.h"

/* The asset archive (硬件设备档案库): the desktops, printers, phones and software licences
 * the desk looks after, each under its asset tag, with every change kept (who, when, what)
 * and scrapping decided by an approver who did not ask for it.
 *
 * Status: in_use, spare, in_repair, lent move freely among each other. scrapped is reached
 * only through a scrap request approved by another person (kb_asset_scrap_request, then
 * kb_asset_scrap_decide); a scrapped asset is final: nobody changes it, except an admin
 * who restores it by setting another status (audited as asset.restore). A scrap request
 * is pending on the asset until an approver or admin approves or rejects it; while it is
 * pending the asset can still be changed, and a second request is refused.
 *
 * Tags are 1..KB_ASSET_MAX_TAG ASCII letters, digits, '-', '_' and '.', beginning with a
 * letter or digit (PC-0001, HQ.PRN.12); they are unique regardless of ASCII case and found
 * either way. Searches compare the normalised text (kb_tokenize_normalize: full-width
 * forms, case, Traditional -> Simplified) without white space, so 北京總部 finds 北京总部,
 * and any part of a tag or serial number finds its asset.
 *
 * Rules are in kb/asset.c, the SQL in kb/store_asset.c. Every change is audited
 * (asset.create, asset.update, asset.scrap_request, asset.scrap, asset.scrap_reject,
 * asset.restore; object "asset:<tag>") in its own transaction. */

#define KB_ASSET_MAX_TAG 40u
#define KB_ASSET_MAX_SHORT 100u     /* brand, model, serial, each spec */
#define KB_ASSET_MAX_TEXT 200u      /* user, department, location, supplier */
#define KB_ASSET_MAX_NOTES 2000u    /* notes, scrap reasons and decisions */
#define KB_ASSET_MAX_SOFTWARE 100u  /* installed software: items */
#define KB_ASSET_MAX_APP 100u       /* bytes of one software item */
#define KB_ASSET_MAX_LIMIT 100u     /* assets per page */
#define KB_ASSET_MAX_QUERY 200u     /* bytes of a search */
#define KB_ASSET_MAX_HISTORY 200u   /* newest history entries returned */
#define KB_ASSET_MAX_INCIDENTS 50u  /* newest incidents returned with an asset */

/* The classes, one row each: X(name). The page's words (web/i18n.js) label them. */
#define KB_ASSET_CLASSES(X)                                                                    \
    X(desktop) X(laptop) X(printer) X(monitor) X(network_device) X(phone) X(server)            \
    X(peripheral) X(software_licence) X(other)

/* The statuses: X(name). */
#define KB_ASSET_STATUSES(X) X(in_use) X(spare) X(in_repair) X(lent) X(scrapped)

/* The keys of specs: X(name). */
#define KB_ASSET_SPECS(X) X(cpu) X(memory) X(disk) X(os)

#define KB_ASSET_X_ENUM_CLASS(name) KB_ASSET_CLASS_##name,
#define KB_ASSET_X_ENUM_STATUS(name) KB_ASSET_STATUS_##name,
#define KB_ASSET_X_ENUM_SPEC(name) KB_ASSET_SPEC_##name,
typedef enum { KB_ASSET_CLASSES(KB_ASSET_X_ENUM_CLASS) KB_ASSET_NCLASSES } kb_asset_class;
typedef enum { KB_ASSET_STATUSES(KB_ASSET_X_ENUM_STATUS) KB_ASSET_NSTATUSES } kb_asset_status;
typedef enum { KB_ASSET_SPECS(KB_ASSET_X_ENUM_SPEC) KB_ASSET_NSPECS } kb_asset_spec;

/* Names ("printer", "in_repair", "cpu"); NULL out of range. */
const char *kb_asset_class_name(int c);
const char *kb_asset_status_name(int st);
const char *kb_asset_spec_name(int k);
/* The class or status that name names, or -1. */
int kb_asset_class_of(const char *name);
int kb_asset_status_of(const char *name);
int kb_asset_spec_of(const char *name);

/* One asset. Strings are owned and never NULL ("" when absent). Freed with
 * kb_asset_free(). */
typedef struct {
    long long id;
    char *tag;
    int cls;                  /* kb_asset_class */
    char *brand, *model, *serial;
    char *user;               /* who uses it (a name) */
    long long caller_id;      /* the user in the caller directory; 0 = none */
    char *department, *location, *supplier;
    char *purchase_date;      /* YYYY-MM-DD or "" */
    char *warranty_end;       /* YYYY-MM-DD or "" */
    int status;               /* kb_asset_status */
    char *specs[KB_ASSET_NSPECS];
    char **software;          /* installed software, in the order given */
    size_t nsoftware;
    char *notes;
    /* a pending scrap request: scrap_requested_by "" when none */
    char *scrap_reason, *scrap_requested_by;
    long long scrap_requested_at;
    char *created_by;
    long long created_at;
    char *updated_by;
    long long updated_at;
} kb_asset;

void kb_asset_free(kb_asset *a);

/* A new asset or a change. Strings are borrowed. On create, tag and class are required;
 * NULL means "" elsewhere and status in_use. On update, NULL (cls/status -1, caller_id -1,
 * set_software 0) leaves a field as it is and "" clears it; the tag never changes. */
typedef struct {
    const char *tag;
    int cls;                  /* -1 = unchanged */
    const char *brand, *model, *serial, *user;
    long long caller_id;      /* 0 clears, -1 unchanged; must name a caller */
    const char *department, *location, *supplier;
    const char *purchase_date, *warranty_end;
    int status;               /* -1 = unchanged; never scrapped (KB_EINVAL) */
    const char *specs[KB_ASSET_NSPECS]; /* NULL = unchanged */
    const char *const *software;
    size_t nsoftware;
    int set_software;         /* software replaces the list (an empty list clears it) */
    const char *notes;
    const char *actor;        /* who; NULL or "" = "anonymous" */
    int admin;                /* the actor is an admin: may change a scrapped asset */
} kb_asset_in;

/* 1 when tag is a valid asset tag (see above). */
int kb_asset_tag_valid(const char *tag);
/* Checks the fields in gives: tag syntax, class and status, lengths, one line (notes may
 * hold several), no control characters, dates as real days YYYY-MM-DD, the warranty not
 * ending before the purchase (when both are given here), at most KB_ASSET_MAX_SOFTWARE
 * software items, each non-empty and given once. creating: tag and class required.
 * KB_EINVAL naming the field ("field 'software[2]' ...") otherwise. */
kb_status kb_asset_check(const kb_asset_in *in, int creating, kb_err *err);

/* --- the archive in the database (kb/store_asset.c) --- */

/* Adds an asset at time now. KB_EINVAL (kb_asset_check; an unknown caller_id), KB_EEXIST
 * when the tag is taken (any case). *out (may be NULL) is the asset as stored; free with
 * kb_asset_free(). */
kb_status kb_asset_create(kb_store *s, const kb_asset_in *in, long long now, kb_asset **out,
                          kb_err *err);
/* Changes asset tag: as kb_asset_create; KB_ENOTFOUND for an unknown tag; KB_EINVAL when
 * the warranty would end before the purchase; KB_ECONFLICT for a scrapped asset unless
 * in->admin (an admin's change of status restores it). *changed (may be NULL) is 0 when in
 * changes nothing, and then nothing is written. */
kb_status kb_asset_update(kb_store *s, const char *tag, const kb_asset_in *in, long long now,
                          kb_asset **out, int *changed, kb_err *err);
/* Loads asset tag (any case); KB_ENOTFOUND when there is none. */
kb_status kb_asset_get(kb_store *s, const char *tag, kb_asset **out, kb_err *err);

/* Asks for asset tag to be scrapped, saying why (required). KB_ECONFLICT when it is
 * scrapped already or a request is pending. */
kb_status kb_asset_scrap_request(kb_store *s, const char *tag, const char *reason,
                                 const char *actor, long long now, kb_asset **out,
                                 kb_err *err);
/* Approves (the asset becomes scrapped) or rejects (comment required) the pending scrap
 * request of asset tag. KB_ECONFLICT when none is pending, KB_EDENIED when actor asked
 * for it (ASCII case ignored). */
kb_status kb_asset_scrap_decide(kb_store *s, const char *tag, int approve,
                                const char *comment, const char *actor, long long now,
                                kb_asset **out, kb_err *err);

typedef struct {
    const char *q;            /* at most KB_ASSET_MAX_QUERY bytes; NULL or "" lists all */
    int cls;                  /* -1 = any */
    int status;               /* -1 = any */
    long long caller_id;      /* 0 = any */
    size_t limit;             /* 0 = 20, at most KB_ASSET_MAX_LIMIT */
    size_t offset;
} kb_asset_filter;

typedef struct {
    kb_asset **items;
    size_t n;
    long long total;          /* matches over all pages */
} kb_asset_list;

/* Assets whose tag, serial, model, brand, user, department or location (normalised,
 * white space ignored) contains q, with the filters. An exact tag first, then tags
 * starting with q, then an exact serial, then by tag. Free with kb_asset_list_free(). */
kb_status kb_asset_search(kb_store *s, const kb_asset_filter *f, kb_asset_list **out,
                          kb_err *err);
void kb_asset_list_free(kb_asset_list *l);

/* One entry of an asset's history. */
typedef struct {
    long long at;
    char *actor;
    char *action;             /* create, update, scrap_request, scrap, scrap_reject,
                                 restore */
    char *summary;            /* "location 3F→4F; status in_use→in_repair" */
} kb_asset_event;

typedef struct {
    kb_asset_event *events;   /* oldest first, the newest KB_ASSET_MAX_HISTORY */
    size_t nevents;
    kb_incident_brief *incidents; /* whose ci names the asset: newest first, at most
                                     KB_ASSET_MAX_INCIDENTS */
    size_t nincidents;
} kb_asset_history;

/* The history of asset a and the incidents whose ci is its tag (ASCII case and white space
 * at the ends ignored). Free with kb_asset_history_free(). */
kb_status kb_asset_history_get(kb_store *s, const kb_asset *a, kb_asset_history **out,
                               kb_err *err);
void kb_asset_history_free(kb_asset_history *h);

/* --- repeated faults and the asset report (kb/store_asset_report.c) --- */

/* A model is a problem candidate when its assets had at least KB_ASSET_FAULT_MIN
 * incidents (whose ci names one of them, as above) created in the last
 * KB_ASSET_FAULT_DAYS days: the same fault coming back on one model is worth a problem
 * record. */
#define KB_ASSET_FAULT_DAYS 90
#define KB_ASSET_FAULT_MIN 3
#define KB_ASSET_WARRANTY_DAYS 90   /* warranties listed as ending soon */
#define KB_ASSET_REPORT_ROWS 100u   /* rows per list of the report (the rest counted) */

typedef struct {
    long long incidents;      /* created since the window's start */
    long long assets;         /* of the model's assets, those with one or more of them */
    int candidate;            /* incidents >= KB_ASSET_FAULT_MIN */
} kb_asset_faults;

/* The incidents on assets of model (ASCII case ignored; "" has none) created at or after
 * since. */
kb_status kb_asset_model_faults(kb_store *s, const char *model, long long since,
                                kb_asset_faults *out, kb_err *err);

typedef struct {
    char *name;
    long long count;
} kb_asset_count;

/* An asset in a list of the report. */
typedef struct {
    char *tag, *brand, *model, *department, *user, *warranty_end;
    int cls;                  /* kb_asset_class */
} kb_asset_brief;

typedef struct {
    char *model, *brand;      /* brand: one of the model's (the greatest by byte order) */
    long long incidents;      /* created in the report's period */
    long long assets;         /* assets of the model with one or more of them */
    long long recent;         /* created in the last KB_ASSET_FAULT_DAYS days */
    int candidate;            /* recent >= KB_ASSET_FAULT_MIN */
} kb_asset_model_row;

/* The asset report. Lists are cut at KB_ASSET_REPORT_ROWS; the n* fields count what was
 * listed, the total* fields everything. A record: free with kb_asset_report_free(). */
typedef struct {
    long long assets;                         /* every asset, scrapped too */
    long long by_status[KB_ASSET_NSTATUSES];
    long long by_class[KB_ASSET_NCLASSES];    /* assets not scrapped */
    kb_asset_count *departments;              /* assets not scrapped, most first ("" is
                                                 without a department) */
    size_t ndepartments;
    long long total_departments;
    kb_asset_brief *warranty;                 /* not scrapped, warranty ending from today
                                                 to KB_ASSET_WARRANTY_DAYS days on, soonest
                                                 first */
    size_t nwarranty;
    long long total_warranty;
    kb_asset_model_row *models;               /* models with incidents in [from, to), most
                                                 first */
    size_t nmodels;
    long long total_models;
} kb_asset_report;

/* The report at now, with incidents per model created in [from, to) (from < to), in one
 * read transaction unless the caller has one open. */
kb_status kb_asset_report_get(kb_store *s, long long from, long long to, long long now,
                              kb_asset_report **out, kb_err *err);
void kb_asset_report_free(kb_asset_report *r);

#endif
