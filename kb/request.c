/* Service-request rules (pure): names, the catalogue's forms, form values, the lifecycle,
 * the fulfilment clock and the catalogue file. The SQL is in kb/store_request.c. See
 * include/kb_request.h. */
#include "kb_request.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "kb_text.h"
#include "kb_user.h"

static const char *const type_names[KB_REQ_NTYPES] = {
#define NAME_(e, name) name,
    KB_REQ_TYPES(NAME_)
#undef NAME_
};
static const char *const status_names[KB_REQ_NSTATUS] = {
#define NAME_(e, name) name,
    KB_REQ_STATUSES(NAME_)
#undef NAME_
};
static const char *const action_names[KB_REQ_NACTIONS] = {
#define NAME_(e, name) name,
    KB_REQ_ACTIONS(NAME_)
#undef NAME_
};
static const char *const categories[] = {
#define NAME_(name) name,
    KB_REQ_CATEGORIES(NAME_)
#undef NAME_
};
#define NCATEGORIES (sizeof categories / sizeof categories[0])

const char *kb_request_type_name(kb_req_type t)
{
    return (unsigned)t < KB_REQ_NTYPES ? type_names[t] : "unknown";
}

const char *kb_request_status_name(kb_req_status st)
{
    return (unsigned)st < KB_REQ_NSTATUS ? status_names[st] : "unknown";
}

const char *kb_request_action_name(kb_req_action a)
{
    return (unsigned)a < KB_REQ_NACTIONS ? action_names[a] : "unknown";
}

/* Index of s in names[0..n), or -1; else KB_EINVAL listing the names. */
static kb_status parse_name(const char *what, const char *s, const char *const *names,
                            size_t n, int *out, kb_err *err)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return KB_OK;
        }
    kb_buf b;
    kb_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        kb_buf_addf(&b, "%s%s", i ? ", " : "", names[i]);
    kb_status rc = kb_err_set(err, KB_EINVAL, "%s must be one of %s, not '%.40s'", what,
                              kb_buf_str(&b), s ? s : "");
    kb_buf_free(&b);
    return rc;
}

kb_status kb_request_type_parse(const char *what, const char *s, kb_req_type *out, kb_err *err)
{
    int v = 0;
    kb_status rc = parse_name(what, s, type_names, KB_REQ_NTYPES, &v, err);
    *out = (kb_req_type)v;
    return rc;
}

kb_status kb_request_status_parse(const char *s, kb_req_status *out, kb_err *err)
{
    int v = 0;
    kb_status rc = parse_name("'status'", s, status_names, KB_REQ_NSTATUS, &v, err);
    *out = (kb_req_status)v;
    return rc;
}

kb_status kb_request_action_parse(const char *s, kb_req_action *out, kb_err *err)
{
    int v = 0;
    kb_status rc = parse_name("the action", s, action_names, KB_REQ_NACTIONS, &v, err);
    *out = (kb_req_action)v;
    return rc;
}

int kb_request_status_open(kb_req_status st)
{
    return st == KB_REQ_SUBMITTED || st == KB_REQ_AWAITING_APPROVAL ||
           st == KB_REQ_APPROVED || st == KB_REQ_IN_FULFILMENT;
}

/* --- records --- */

static void field_clear(kb_req_field *f)
{
    free(f->key);
    free(f->label);
    for (size_t i = 0; i < f->nchoices; i++)
        free(f->choices[i]);
    free(f->choices);
}

void kb_req_item_free(kb_req_item *it)
{
    if (!it)
        return;
    char *strs[] = { it->name,     it->description, it->category,   it->sla,
                     it->approver, it->group,       it->created_by, it->updated_by };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    for (size_t i = 0; i < it->nfields; i++)
        field_clear(&it->fields[i]);
    free(it->fields);
    free(it);
}

void kb_req_item_list_free(kb_req_item **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        kb_req_item_free(v[i]);
    free(v);
}

void kb_request_values_free(kb_req_value *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].key);
        free(v[i].label);
        free(v[i].type);
        free(v[i].value);
    }
    free(v);
}

void kb_request_free(kb_request *r)
{
    if (!r)
        return;
    char *strs[] = { r->number,      r->item_name,  r->category,    r->group,
                     r->sla,         r->caller_name, r->caller_phone, r->department,
                     r->note,        r->return_date, r->assignee,    r->requested_by,
                     r->decided_by,  r->decision };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    kb_request_values_free(r->values, r->nvalues);
    for (size_t i = 0; i < r->nevents; i++) {
        free(r->events[i].actor);
        free(r->events[i].type);
        free(r->events[i].from);
        free(r->events[i].to);
        free(r->events[i].note);
    }
    free(r->events);
    free(r);
}

/* --- the catalogue --- */

static int key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > KB_REQ_MAX_KEY || k[0] < 'a' || k[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
            return 0;
    return 1;
}

static kb_status check_field(size_t i, const kb_req_field_in *f, kb_err *err)
{
    char what[64];
    snprintf(what, sizeof what, "fields[%zu].key", i);
    if (!f->key || !key_valid(f->key))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be 1 to %u of a-z, 0-9 and '_', "
                          "starting with a letter", what, KB_REQ_MAX_KEY);
    snprintf(what, sizeof what, "fields[%zu].label", i);
    if (!f->label || !*f->label)
        return kb_err_set(err, KB_EINVAL, "field '%s' is required", what);
    kb_status rc = kb_text_check_field(what, f->label, KB_REQ_MAX_LABEL, 0, err);
    if (rc != KB_OK)
        return rc;
    snprintf(what, sizeof what, "field 'fields[%zu].type'", i);
    kb_req_type t;
    rc = kb_request_type_parse(what, f->type, &t, err);
    if (rc != KB_OK)
        return rc;
    if (t == KB_REQ_T_CHOICE && f->nchoices == 0)
        return kb_err_set(err, KB_EINVAL, "field 'fields[%zu].choices': a choice field needs "
                          "at least one choice", i);
    if (t != KB_REQ_T_CHOICE && f->nchoices)
        return kb_err_set(err, KB_EINVAL, "field 'fields[%zu].choices': only a choice field "
                          "has choices", i);
    if (f->nchoices > KB_REQ_MAX_CHOICES)
        return kb_err_set(err, KB_EINVAL, "field 'fields[%zu].choices' holds more than %u "
                          "choices (%zu)", i, KB_REQ_MAX_CHOICES, f->nchoices);
    for (size_t j = 0; j < f->nchoices; j++) {
        snprintf(what, sizeof what, "fields[%zu].choices[%zu]", i, j);
        if (!f->choices[j] || !*f->choices[j])
            return kb_err_set(err, KB_EINVAL, "field '%s' is empty", what);
        rc = kb_text_check_field(what, f->choices[j], KB_REQ_MAX_CHOICE, 0, err);
        if (rc != KB_OK)
            return rc;
        for (size_t k = 0; k < j; k++)
            if (strcmp(f->choices[k], f->choices[j]) == 0)
                return kb_err_set(err, KB_EINVAL, "field '%s': '%.64s' is given twice", what,
                                  f->choices[j]);
    }
    if (f->max_length && t != KB_REQ_T_TEXT)
        return kb_err_set(err, KB_EINVAL, "field 'fields[%zu].max_length': only a text field "
                          "has a maximum length", i);
    if (f->max_length < 0 || f->max_length > (long long)KB_REQ_MAX_VALUE)
        return kb_err_set(err, KB_EINVAL, "field 'fields[%zu].max_length' must be a whole "
                          "number from 1 to %u", i, KB_REQ_MAX_VALUE);
    return KB_OK;
}

static kb_status check_flag(const char *what, int v, kb_err *err)
{
    if (v == 0 || v == 1 || v == -1)
        return KB_OK;
    return kb_err_set(err, KB_EINVAL, "field '%s' must be true or false", what);
}

kb_status kb_req_item_check(const kb_req_item_in *in, int create, kb_err *err)
{
    kb_status rc = KB_OK;
    if (create && (!in->name || !*in->name))
        return kb_err_set(err, KB_EINVAL, "field 'name' is required");
    if (in->name && !*in->name)
        return kb_err_set(err, KB_EINVAL, "field 'name' may not be empty");
    if (in->name)
        rc = kb_text_check_field("name", in->name, KB_REQ_MAX_NAME, 0, err);
    if (rc == KB_OK && in->name && (in->name[0] == ' ' || in->name[strlen(in->name) - 1] == ' '))
        rc = kb_err_set(err, KB_EINVAL, "field 'name' may not start or end with a space");
    if (rc == KB_OK && in->description)
        rc = kb_text_check_field("description", in->description, KB_REQ_MAX_DESC, 1, err);
    if (rc == KB_OK && (create || in->category)) {
        int c;
        rc = parse_name("field 'category'", in->category, categories, NCATEGORIES, &c, err);
    }
    if (rc == KB_OK && create && !in->sla)
        rc = kb_err_set(err, KB_EINVAL, "field 'sla' is required: the fulfilment target, "
                        "e.g. \"8h\" or \"3d\"");
    int days;
    if (rc == KB_OK && in->sla &&
        kb_incident_duration_parse(in->sla, strlen(in->sla), &days) < 0)
        rc = kb_err_set(err, KB_EINVAL, "field 'sla' must be a whole number with s, m, h or d, "
                        "from 1s to 365d, not '%.40s'", in->sla);
    if (rc == KB_OK && in->hours && strcmp(in->hours, "24x7") != 0 &&
        strcmp(in->hours, "7x24") != 0 && strcmp(in->hours, "business") != 0)
        rc = kb_err_set(err, KB_EINVAL, "field 'hours' must be 24x7 or business, not '%.40s'",
                        in->hours);
    if (rc == KB_OK && in->approver)
        rc = kb_text_check_field("approver", in->approver, KB_USER_NAME_MAX, 0, err);
    if (rc == KB_OK && in->group)
        rc = kb_text_check_field("group", in->group, KB_REQ_MAX_SHORT, 0, err);
    if (rc == KB_OK)
        rc = check_flag("approval", in->approval, err);
    if (rc == KB_OK)
        rc = check_flag("loan", in->loan, err);
    if (rc == KB_OK)
        rc = check_flag("active", in->active, err);
    if (rc != KB_OK || !in->set_fields)
        return rc;
    if (in->nfields > KB_REQ_MAX_FIELDS)
        return kb_err_set(err, KB_EINVAL, "field 'fields' holds more than %u fields (%zu)",
                          KB_REQ_MAX_FIELDS, in->nfields);
    for (size_t i = 0; rc == KB_OK && i < in->nfields; i++) {
        rc = check_field(i, &in->fields[i], err);
        for (size_t j = 0; rc == KB_OK && j < i; j++)
            if (strcmp(in->fields[j].key, in->fields[i].key) == 0)
                rc = kb_err_set(err, KB_EINVAL, "field 'fields[%zu].key': '%s' is given twice",
                                i, in->fields[i].key);
    }
    return rc;
}

/* --- form values --- */

static kb_status check_value(const kb_req_field *f, const kb_req_value_in *v, kb_err *err)
{
    static const char *const kinds[] = { "a string", "a number", "true or false", "another" };
    const char *want = f->type == KB_REQ_T_NUMBER ? kinds[1]
                       : f->type == KB_REQ_T_BOOL ? kinds[2]
                                                  : kinds[0];
    kb_req_vkind need = f->type == KB_REQ_T_NUMBER ? KB_REQ_V_NUMBER
                        : f->type == KB_REQ_T_BOOL ? KB_REQ_V_BOOL
                                                   : KB_REQ_V_STRING;
    if (v->kind != need)
        return kb_err_set(err, KB_EINVAL, "field 'fields.%s' (%s) must be %s", f->key,
                          kb_request_type_name(f->type), want);
    char what[KB_REQ_MAX_KEY + 16];
    snprintf(what, sizeof what, "fields.%s", f->key);
    switch (f->type) {
    case KB_REQ_T_TEXT:
        return kb_text_check_field(what, v->text, f->max_length, 1, err);
    case KB_REQ_T_NUMBER: {
        char *end = NULL;
        double d = strtod(v->text, &end);
        if (!end || *end || !isfinite(d) || fabs(d) > KB_REQ_MAX_NUMBER)
            return kb_err_set(err, KB_EINVAL, "field 'fields.%s' must be a number from -1e15 "
                              "to 1e15", f->key);
        return KB_OK;
    }
    case KB_REQ_T_DATE:
        if (!kb_date_valid(v->text))
            return kb_err_set(err, KB_EINVAL, "field 'fields.%s' must be a date YYYY-MM-DD, "
                              "not '%.40s'", f->key, v->text);
        return KB_OK;
    case KB_REQ_T_CHOICE:
        for (size_t i = 0; i < f->nchoices; i++)
            if (strcmp(f->choices[i], v->text) == 0)
                return KB_OK;
        return kb_err_set(err, KB_EINVAL, "field 'fields.%s': '%.64s' is not one of its "
                          "choices", f->key, v->text);
    case KB_REQ_T_USER:
        if (strlen(v->text) > KB_USER_NAME_MAX)
            return kb_err_set(err, KB_EINVAL, "field 'fields.%s': no user '%.64s'", f->key,
                              v->text);
        return kb_text_check_field(what, v->text, KB_USER_NAME_MAX, 0, err);
    default:
        return KB_OK;
    }
}

kb_status kb_request_check_values(const kb_req_item *it, const kb_req_value_in *v, size_t n,
                                  kb_req_value **out, kb_err *err)
{
    *out = NULL;
    if (n > KB_REQ_MAX_FIELDS)
        return kb_err_set(err, KB_EINVAL, "field 'fields' holds more than %u values (%zu)",
                          KB_REQ_MAX_FIELDS, n);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < it->nfields && strcmp(it->fields[j].key, v[i].key) != 0)
            j++;
        if (j == it->nfields)
            return kb_err_set(err, KB_EINVAL, "field 'fields.%.40s': the form of '%s' has no "
                              "such field", v[i].key, it->name);
        for (size_t k = 0; k < i; k++)
            if (strcmp(v[k].key, v[i].key) == 0)
                return kb_err_set(err, KB_EINVAL, "field 'fields.%.40s' is given twice",
                                  v[i].key);
    }
    kb_req_value *vals = kb_xcalloc(it->nfields ? it->nfields : 1, sizeof *vals);
    kb_status rc = KB_OK;
    for (size_t j = 0; rc == KB_OK && j < it->nfields; j++) {
        const kb_req_field *f = &it->fields[j];
        const kb_req_value_in *given = NULL;
        for (size_t i = 0; i < n && !given; i++)
            if (strcmp(v[i].key, f->key) == 0)
                given = &v[i];
        /* an empty string is no answer */
        if (given && given->kind == KB_REQ_V_STRING && !*given->text)
            given = NULL;
        if (!given && f->required)
            rc = kb_err_set(err, KB_EINVAL, "field 'fields.%s' (%s) is required", f->key,
                            f->label);
        if (rc == KB_OK && given)
            rc = check_value(f, given, err);
        vals[j].key = kb_xstrdup(f->key);
        vals[j].label = kb_xstrdup(f->label);
        vals[j].type = kb_xstrdup(kb_request_type_name(f->type));
        vals[j].value = kb_xstrdup(rc == KB_OK && given ? given->text : "");
    }
    if (rc != KB_OK) {
        kb_request_values_free(vals, it->nfields);
        return rc;
    }
    *out = vals;
    return KB_OK;
}

/* --- the lifecycle --- */

kb_req_status kb_request_action_target(kb_req_action a)
{
    switch (a) {
    case KB_REQ_ACT_APPROVE: return KB_REQ_APPROVED;
    case KB_REQ_ACT_REJECT: return KB_REQ_REJECTED;
    case KB_REQ_ACT_START: return KB_REQ_IN_FULFILMENT;
    case KB_REQ_ACT_FULFIL: return KB_REQ_FULFILLED;
    case KB_REQ_ACT_CANCEL: return KB_REQ_CANCELLED;
    default: return KB_REQ_CLOSED;
    }
}

/* The statuses each action leaves from (bits). */
static unsigned from_mask(kb_req_action a)
{
#define B(x) (1u << KB_REQ_##x)
    switch (a) {
    case KB_REQ_ACT_APPROVE:
    case KB_REQ_ACT_REJECT: return B(AWAITING_APPROVAL);
    case KB_REQ_ACT_START: return B(SUBMITTED) | B(APPROVED);
    case KB_REQ_ACT_FULFIL: return B(SUBMITTED) | B(APPROVED) | B(IN_FULFILMENT);
    case KB_REQ_ACT_RETURN:
    case KB_REQ_ACT_CLOSE: return B(FULFILLED);
    case KB_REQ_ACT_CANCEL:
        return B(SUBMITTED) | B(AWAITING_APPROVAL) | B(APPROVED) | B(IN_FULFILMENT);
    default: return 0;
    }
#undef B
}

kb_status kb_request_check_action(const kb_request *r, kb_req_action a, const kb_req_act *act,
                                  int member, kb_err *err)
{
    const char *name = kb_request_action_name(a);
    if (!(from_mask(a) & (1u << r->status)))
        return kb_err_set(err, KB_EEXIST, "illegal transition of %s from '%s' to '%s' by %s",
                          r->number, kb_request_status_name(r->status),
                          kb_request_status_name(kb_request_action_target(a)), name);
    if (a == KB_REQ_ACT_RETURN && !r->loan)
        return kb_err_set(err, KB_EEXIST, "%s is not a loan: close it instead", r->number);
    if (a == KB_REQ_ACT_CLOSE && r->loan)
        return kb_err_set(err, KB_EEXIST, "%s is a loan: it closes when the equipment is "
                          "returned (action 'return')", r->number);
    const char *who = act->actor ? act->actor : "";
    int requester = strcasecmp(who, r->requested_by) == 0;
    unsigned roles = act->roles;
    kb_status rc = KB_OK;
    if (a == KB_REQ_ACT_APPROVE || a == KB_REQ_ACT_REJECT) {
        if (!(roles & (KB_ROLE_APPROVER | KB_ROLE_ADMIN)))
            rc = kb_err_set(err, KB_EDENIED, "only an approver decides on %s", r->number);
        else if (requester)
            rc = kb_err_set(err, KB_EDENIED, "four-eyes rule: you requested %s, another "
                            "approver decides on it", r->number);
    } else if (a == KB_REQ_ACT_CANCEL) {
        if (!requester && !(roles & (KB_ROLE_AGENT | KB_ROLE_ADMIN)))
            rc = kb_err_set(err, KB_EDENIED, "only the requester or the service desk cancels "
                            "%s", r->number);
    } else if (!(roles & (KB_ROLE_AGENT | KB_ROLE_ADMIN)) &&
               !(a == KB_REQ_ACT_CLOSE && requester)) {
        int mine = r->assignee[0] && strcmp(r->assignee, who) == 0;
        if (!(roles & KB_ROLE_ENGINEER) || (!mine && !member))
            rc = kb_err_set(err, KB_EDENIED, "%s is assigned neither to you nor to one of "
                            "your groups", r->number);
    }
    if (rc == KB_OK && (a == KB_REQ_ACT_REJECT || a == KB_REQ_ACT_CANCEL) &&
        (!act->note || !*act->note))
        rc = kb_err_set(err, KB_EINVAL, "field 'note' is required: why the request is %s",
                        a == KB_REQ_ACT_REJECT ? "rejected" : "cancelled");
    if (rc == KB_OK && act->note)
        rc = kb_text_check_field("note", act->note, KB_REQ_MAX_TEXT, 1, err);
    return rc;
}

/* --- the fulfilment clock --- */

void kb_request_sla_state(const kb_request *r, const kb_incident_sla *desk, long long now,
                          kb_inc_sla_state *out)
{
    /* The request as an incident of priority P4 whose targets are the item's: the one
     * clock counts it, business hours and pauses included. */
    kb_incident_sla sla = *desk;
    int days = 0;
    long long target = kb_incident_duration_parse(r->sla, strlen(r->sla), &days);
    if (target < 0)
        target = 86400;
    sla.response[3] = sla.resolve[3] = target;
    sla.response_days[3] = sla.resolve_days[3] = days;
    sla.business[3] = (unsigned char)(r->business ? 1 : 0);
    kb_incident inc;
    memset(&inc, 0, sizeof inc);
    inc.priority = 4;
    inc.created_at = r->created_at;
    inc.responded_at = r->created_at;
    kb_inc_pause pause = { r->created_at, r->decided_at };
    long long stop = r->fulfilled_at;
    if (!stop && !kb_request_status_open(r->status))
        stop = r->closed_at ? r->closed_at : r->decided_at; /* cancelled, rejected */
    if (r->status == KB_REQ_AWAITING_APPROVAL) {
        inc.status = KB_INC_PENDING;
        inc.pending_since = r->created_at;
    } else {
        inc.status = stop ? KB_INC_RESOLVED : KB_INC_IN_PROGRESS;
        inc.resolved_at = stop;
        if (r->approval && r->decided_at > r->created_at) {
            inc.pauses = &pause;
            inc.npauses = 1;
            inc.paused_seconds = r->decided_at - r->created_at;
        }
    }
    kb_incident_sla_state(&inc, &sla, now, out);
}

int kb_request_loan_overdue(const kb_request *r, long long now)
{
    if (!r->loan || r->status != KB_REQ_FULFILLED || r->returned_at || !r->return_date[0])
        return 0;
    long long day = 0;
    if (kb_date_parse(r->return_date, &day, NULL) != KB_OK)
        return 0;
    return now >= kb_date_add_days(day, 1);
}

/* --- the catalogue file --- */

typedef struct {
    char **owned;
    size_t n;
} arena;

static const char *keep(arena *a, const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
        len--;
    char *s = kb_xmalloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    a->owned = kb_xrealloc(a->owned, (a->n + 1) * sizeof *a->owned);
    a->owned[a->n++] = s;
    return s;
}

static int yes_no(const char *v, int *out)
{
    if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
        *out = 1;
    else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

/* "key | label | type | required | max=N | choices=a,b" into f. */
static kb_status parse_field(arena *a, const char *v, kb_req_field_in *f, kb_err *err)
{
    memset(f, 0, sizeof *f);
    const char *part[8];
    size_t n = 0;
    for (const char *p = v; n < 8;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        part[n++] = keep(a, p, len);
        if (!bar)
            break;
        p = bar + 1;
    }
    if (n < 3)
        return kb_err_set(err, KB_EPARSE, "a field is 'key | label | type', then optional "
                          "'required', 'max=N', 'choices=a,b'");
    f->key = part[0];
    f->label = part[1];
    f->type = part[2];
    for (size_t i = 3; i < n; i++) {
        if (strcmp(part[i], "required") == 0) {
            f->required = 1;
        } else if (strncmp(part[i], "max=", 4) == 0) {
            char *end = NULL;
            long long m = strtoll(part[i] + 4, &end, 10);
            if (!end || *end || m < 1 || m > (long long)KB_REQ_MAX_VALUE)
                return kb_err_set(err, KB_EPARSE, "max= must be 1 to %u", KB_REQ_MAX_VALUE);
            f->max_length = m;
        } else if (strncmp(part[i], "choices=", 8) == 0) {
            const char **ch = NULL;
            size_t nc = 0;
            for (const char *p = part[i] + 8; nc <= KB_REQ_MAX_CHOICES;) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);
                ch = kb_xrealloc(ch, (nc + 1) * sizeof *ch);
                ch[nc++] = keep(a, p, len);
                if (!comma)
                    break;
                p = comma + 1;
            }
            a->owned = kb_xrealloc(a->owned, (a->n + 1) * sizeof *a->owned);
            a->owned[a->n++] = (char *)ch;
            f->choices = ch;
            f->nchoices = nc;
        } else {
            return kb_err_set(err, KB_EPARSE, "unknown field option '%.40s'", part[i]);
        }
    }
    return KB_OK;
}

kb_status kb_req_catalogue_parse(const char *p, size_t len, kb_req_catalogue *out,
                                 size_t *line, kb_err *err)
{
    memset(out, 0, sizeof *out);
    arena *a = kb_xcalloc(1, sizeof *a);
    out->arena = a;
    size_t ln = 0;
    kb_status rc = KB_OK;
    kb_req_item_in *cur = NULL;
    kb_req_field_in *fields = NULL;
    if (kb_text_utf8_bad_at(p, len) != len || memchr(p, '\0', len))
        rc = kb_err_set(err, KB_EPARSE, "the file is not UTF-8 text");
    for (size_t at = 0; rc == KB_OK && at < len;) {
        const char *nl = memchr(p + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - p) : len;
        const char *l = keep(a, p + at, end - at);
        at = end + 1;
        ln++;
        if (!*l || *l == '#')
            continue;
        size_t n = strlen(l);
        if (*l == '[') {
            if (l[n - 1] != ']' || n < 3) {
                rc = kb_err_set(err, KB_EPARSE, "an item starts with [name]");
                break;
            }
            if (out->n >= KB_REQ_MAX_ITEMS) {
                rc = kb_err_set(err, KB_EPARSE, "more than %u items", KB_REQ_MAX_ITEMS);
                break;
            }
            if (cur)
                rc = kb_req_item_check(cur, 1, err);
            if (rc != KB_OK) {
                ln--; /* the item before: its last line is as good a place as any */
                break;
            }
            out->items = kb_xrealloc(out->items, (out->n + 1) * sizeof *out->items);
            cur = &out->items[out->n++];
            memset(cur, 0, sizeof *cur);
            cur->name = keep(a, l + 1, n - 2);
            cur->active = 1;
            cur->set_fields = 1;
            cur->sla = NULL;
            fields = NULL;
            continue;
        }
        const char *eq = strchr(l, '=');
        if (!cur || !eq) {
            if (cur)
                rc = kb_err_set(err, KB_EPARSE, "expected 'key = value'");
            else
                rc = kb_err_set(err, KB_EPARSE, "expected [name] before anything else");
            break;
        }
        const char *k = keep(a, l, (size_t)(eq - l));
        const char *v = keep(a, eq + 1, strlen(eq + 1));
        int flag = 0;
        if (strcmp(k, "description") == 0) {
            cur->description = v;
        } else if (strcmp(k, "category") == 0) {
            cur->category = v;
        } else if (strcmp(k, "sla") == 0) {
            cur->sla = v;
        } else if (strcmp(k, "hours") == 0) {
            cur->hours = v;
        } else if (strcmp(k, "group") == 0) {
            cur->group = v;
        } else if (strcmp(k, "approver") == 0) {
            cur->approver = v;
        } else if (strcmp(k, "approval") == 0 || strcmp(k, "loan") == 0) {
            if (yes_no(v, &flag) != 0) {
                rc = kb_err_set(err, KB_EPARSE, "%s must be yes or no", k);
                break;
            }
            *(strcmp(k, "loan") == 0 ? &cur->loan : &cur->approval) = flag;
        } else if (strcmp(k, "field") == 0) {
            if (cur->nfields >= KB_REQ_MAX_FIELDS) {
                rc = kb_err_set(err, KB_EPARSE, "more than %u fields", KB_REQ_MAX_FIELDS);
                break;
            }
            /* the items own their field arrays (kb_req_catalogue_free) */
            fields = kb_xrealloc(fields, (cur->nfields + 1) * sizeof *fields);
            cur->fields = fields;
            rc = parse_field(a, v, &fields[cur->nfields], err);
            cur->nfields++;
        } else {
            rc = kb_err_set(err, KB_EPARSE, "unknown key '%.40s'", k);
        }
    }
    if (rc == KB_OK && cur)
        rc = kb_req_item_check(cur, 1, err);
    if (rc != KB_OK) {
        if (err && rc == KB_EINVAL)
            err->code = KB_EPARSE;
        rc = KB_EPARSE;
        kb_req_catalogue_free(out);
    }
    if (line)
        *line = rc == KB_OK ? 0 : ln;
    return rc;
}

void kb_req_catalogue_free(kb_req_catalogue *c)
{
    arena *a = c->arena;
    for (size_t i = 0; a && i < a->n; i++)
        free(a->owned[i]);
    if (a)
        free(a->owned);
    free(a);
    for (size_t i = 0; i < c->n; i++)
        free((void *)c->items[i].fields);
    free(c->items);
    memset(c, 0, sizeof *c);
}
