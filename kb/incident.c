/* Incident rules: lifecycle, priority matrix, SLA clocks, input checks, numbers and times.
 * No SQL and no clock: the store applies these inside its transactions (store_incident.c). */
#include "kb_incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_date.h"
#include "kb_doc.h"
#include "kb_phone.h"
#include "kb_text.h"

#define ANONYMOUS "anonymous"
#define MAX_DURATION (365LL * 86400LL)

/* --- enumerations --- */

static const char *const status_names[KB_INC_NSTATUS] = {
    [KB_INC_NEW] = "new",         [KB_INC_ASSIGNED] = "assigned",
    [KB_INC_IN_PROGRESS] = "in_progress", [KB_INC_PENDING] = "pending",
    [KB_INC_RESOLVED] = "resolved", [KB_INC_CLOSED] = "closed",
};

static const char *const channels[] = { "phone", "email", "walk-in", "web" };
static const char *const categories[] = {
    "desktop", "printer", "network", "office software", "business system", "account", "other",
};

const char *kb_incident_status_name(kb_inc_status st)
{
    return (unsigned)st < KB_INC_NSTATUS ? status_names[st] : "unknown";
}

kb_status kb_incident_status_parse(const char *s, kb_inc_status *out, kb_err *err)
{
    for (int i = 0; i < KB_INC_NSTATUS; i++) {
        if (s && strcmp(s, status_names[i]) == 0) {
            *out = (kb_inc_status)i;
            return KB_OK;
        }
    }
    return kb_err_set(err, KB_EINVAL,
                      "unknown status '%.40s'; use new, assigned, in_progress, pending, "
                      "resolved or closed",
                      s ? s : "");
}

int kb_incident_status_open(kb_inc_status st)
{
    return st == KB_INC_NEW || st == KB_INC_ASSIGNED || st == KB_INC_IN_PROGRESS ||
           st == KB_INC_PENDING;
}

static int one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

kb_status kb_incident_check_channel(const char *s, kb_err *err)
{
    if (one_of(s, channels, sizeof channels / sizeof channels[0]))
        return KB_OK;
    return kb_err_set(err, KB_EINVAL, "unknown channel '%.40s'; use phone, email, walk-in or web",
                      s ? s : "");
}

kb_status kb_incident_check_category(const char *s, kb_err *err)
{
    if (one_of(s, categories, sizeof categories / sizeof categories[0]))
        return KB_OK;
    return kb_err_set(err, KB_EINVAL,
                      "unknown category '%.40s'; use desktop, printer, network, office software, "
                      "business system, account or other",
                      s ? s : "");
}

/* --- lifecycle --- */

kb_inc_status kb_incident_op_target(kb_inc_op op)
{
    switch (op) {
    case KB_INC_OP_RESOLVE: return KB_INC_RESOLVED;
    case KB_INC_OP_CONFIRM: return KB_INC_CLOSED;
    case KB_INC_OP_REJECT: return KB_INC_IN_PROGRESS;
    case KB_INC_OP_REOPEN: return KB_INC_IN_PROGRESS;
    case KB_INC_OP_UPDATE: break;
    }
    return KB_INC_NSTATUS;
}

/* Moves an update may make: update_ok[from][to]. */
static const unsigned char update_ok[KB_INC_NSTATUS][KB_INC_NSTATUS] = {
    [KB_INC_NEW] = { [KB_INC_ASSIGNED] = 1, [KB_INC_IN_PROGRESS] = 1 },
    [KB_INC_ASSIGNED] = { [KB_INC_IN_PROGRESS] = 1, [KB_INC_PENDING] = 1 },
    [KB_INC_IN_PROGRESS] = { [KB_INC_ASSIGNED] = 1, [KB_INC_PENDING] = 1 },
    [KB_INC_PENDING] = { [KB_INC_ASSIGNED] = 1, [KB_INC_IN_PROGRESS] = 1 },
};

kb_status kb_incident_check_transition(kb_inc_status from, kb_inc_status to, kb_inc_op op,
                                       kb_err *err)
{
    if ((unsigned)from >= KB_INC_NSTATUS || (unsigned)to >= KB_INC_NSTATUS)
        return kb_err_set(err, KB_EINVAL, "unknown status");
    const char *f = status_names[from];
    const char *t = status_names[to];
    /* one whole sentence per refusal: the message catalogue (kb/err_zh.c) translates each */
    if (op != KB_INC_OP_UPDATE && to != kb_incident_op_target(op))
        return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s': that change "
                          "leads to '%s'", f, t, status_names[kb_incident_op_target(op)]);
    switch (op) {
    case KB_INC_OP_UPDATE:
        if (update_ok[from][to])
            return KB_OK;
        if (to == KB_INC_RESOLVED)
            return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s' by an "
                              "update: resolve the incident instead", f, t);
        if (to == KB_INC_CLOSED)
            return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s' by an "
                              "update: only a confirmed follow-up closes an incident", f, t);
        if (from == KB_INC_RESOLVED || from == KB_INC_CLOSED)
            return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s': a resolved "
                              "or closed incident changes only by follow-up or reopen", f, t);
        if (to == KB_INC_NEW)
            return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s': an "
                              "incident never returns to 'new'", f, t);
        if (from == to)
            return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s': the "
                              "incident is already in that status", f, t);
        return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s'", f, t);
    case KB_INC_OP_RESOLVE:
        if (kb_incident_status_open(from))
            return KB_OK;
        if (from == KB_INC_CLOSED)
            return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s' by "
                              "resolving: a closed incident must be reopened first", f, t);
        return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s' by resolving: "
                          "the incident is already resolved", f, t);
    case KB_INC_OP_CONFIRM:
    case KB_INC_OP_REJECT:
        if (from == KB_INC_RESOLVED)
            return KB_OK;
        return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s' by a "
                          "follow-up: only resolved incidents are followed up", f, t);
    case KB_INC_OP_REOPEN:
        if (from == KB_INC_RESOLVED || from == KB_INC_CLOSED)
            return KB_OK;
        return kb_err_set(err, KB_EEXIST, "illegal transition from '%s' to '%s' by "
                          "reopening: only resolved or closed incidents can be reopened", f, t);
    }
    return kb_err_set(err, KB_EINVAL, "unknown status");
}

/* --- priority --- */

kb_status kb_incident_priority_parse(const char *s, int *out, kb_err *err)
{
    if (s && s[0] == 'P' && s[1] >= '1' && s[1] <= '4' && s[2] == '\0') {
        *out = s[1] - '0';
        return KB_OK;
    }
    return kb_err_set(err, KB_EINVAL, "unknown priority '%.40s'; use P1, P2, P3 or P4",
                      s ? s : "");
}

kb_status kb_incident_priority_matrix(int impact, int urgency, int *out, kb_err *err)
{
    if (impact < 1 || impact > 3)
        return kb_err_set(err, KB_EINVAL, "impact must be 1 (high), 2 or 3 (low), not %d",
                          impact);
    if (urgency < 1 || urgency > 3)
        return kb_err_set(err, KB_EINVAL, "urgency must be 1 (high), 2 or 3 (low), not %d",
                          urgency);
    int sum = impact + urgency;
    *out = sum <= 2 ? 1 : sum == 3 ? 2 : sum == 4 ? 3 : 4;
    return KB_OK;
}

/* --- SLA --- */

void kb_incident_sla_default(kb_incident_sla *out)
{
    static const kb_incident_sla def = {
        .response = { 15 * 60, 30 * 60, 4 * 3600, 86400 },
        .resolve = { 4 * 3600, 8 * 3600, 3 * 86400, 5 * 86400 },
        .response_days = { 0, 0, 0, 1 },
        .resolve_days = { 0, 0, 3, 5 },
    };
    *out = def;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

long long kb_incident_duration_parse(const char *p, size_t len, int *days)
{
    *days = 0;
    if (len < 2)
        return -1;
    long long v = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
        if (v > MAX_DURATION)
            return -1;
    }
    long long unit;
    switch (p[len - 1]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return -1;
    }
    if (unit == 86400)
        *days = (int)v;
    v *= unit;
    return v >= 1 && v <= MAX_DURATION ? v : -1;
}

kb_status kb_incident_sla_parse(const char *p, size_t len, kb_incident_sla *out, size_t *line,
                                kb_err *err)
{
    kb_incident_sla sla;
    kb_incident_sla_default(&sla);
    int seen[4] = { 0 };
    size_t lineno = 0;
    size_t pos = 0;
    if (line)
        *line = 0;
    while (pos < len) {
        lineno++;
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - p) : len;
        const char *hash = memchr(p + pos, '#', end - pos);
        size_t stop = hash ? (size_t)(hash - p) : end;
        /* Split into white-space separated tokens. */
        const char *tok[8];
        size_t toklen[8];
        size_t ntok = 0;
        size_t i = pos;
        while (i < stop) {
            while (i < stop && is_space(p[i]))
                i++;
            if (i >= stop)
                break;
            size_t start = i;
            while (i < stop && !is_space(p[i]))
                i++;
            if (ntok == sizeof tok / sizeof tok[0]) {
                ntok++;
                break;
            }
            tok[ntok] = p + start;
            toklen[ntok] = i - start;
            ntok++;
        }
        pos = end + 1;
        if (ntok == 0)
            continue;
        if (line)
            *line = lineno;
        if (ntok > 4)
            return kb_err_set(err, KB_EPARSE, "too many words; write 'P1 response=15m "
                              "resolve=4h' or 'P3 response=4h resolve=3d hours=business'");
        if (toklen[0] != 2 || tok[0][0] != 'P' || tok[0][1] < '1' || tok[0][1] > '4')
            return kb_err_set(err, KB_EPARSE, "a line must start with a priority P1, P2, P3 or P4");
        int pri = tok[0][1] - '1';
        if (seen[pri])
            return kb_err_set(err, KB_EPARSE, "priority P%d is given twice", pri + 1);
        seen[pri] = 1;
        if (ntok == 1)
            return kb_err_set(err, KB_EPARSE, "P%d: give response=DURATION, resolve=DURATION "
                              "and/or hours=24x7|business", pri + 1);
        int got[3] = { 0, 0, 0 }; /* response, resolve, hours */
        for (size_t k = 1; k < ntok; k++) {
            const char *eq = memchr(tok[k], '=', toklen[k]);
            size_t klen = eq ? (size_t)(eq - tok[k]) : toklen[k];
            int which = -1;
            if (klen == 8 && memcmp(tok[k], "response", 8) == 0)
                which = 0;
            else if (klen == 7 && memcmp(tok[k], "resolve", 7) == 0)
                which = 1;
            else if (klen == 5 && memcmp(tok[k], "hours", 5) == 0)
                which = 2;
            if (!eq || which < 0)
                return kb_err_set(err, KB_EPARSE, "P%d: unknown setting '%.*s'; use "
                                  "response=DURATION, resolve=DURATION or hours=24x7|business",
                                  pri + 1, (int)(toklen[k] < 40 ? toklen[k] : 40), tok[k]);
            if (got[which])
                return kb_err_set(err, KB_EPARSE, "P%d: '%.*s' is given twice", pri + 1,
                                  (int)klen, tok[k]);
            got[which] = 1;
            const char *v = eq + 1;
            size_t vlen = toklen[k] - klen - 1;
            if (which == 2) {
                int business = vlen == 8 && memcmp(v, "business", 8) == 0;
                int always = vlen == 4 &&
                             (memcmp(v, "24x7", 4) == 0 || memcmp(v, "7x24", 4) == 0);
                if (!business && !always)
                    return kb_err_set(err, KB_EPARSE, "P%d: hours must be 24x7 or business, "
                                      "not '%.*s'", pri + 1, (int)(vlen < 40 ? vlen : 40), v);
                sla.business[pri] = (unsigned char)business;
                continue;
            }
            int days;
            long long d = kb_incident_duration_parse(v, vlen, &days);
            if (d < 0)
                return kb_err_set(err, KB_EPARSE, "P%d: bad duration '%.*s'; use a whole "
                                  "number with s, m, h or d, from 1s to 365d", pri + 1,
                                  (int)(vlen < 40 ? vlen : 40), v);
            if (which == 0) {
                sla.response[pri] = d;
                sla.response_days[pri] = days;
            } else {
                sla.resolve[pri] = d;
                sla.resolve_days[pri] = days;
            }
        }
    }
    if (line)
        *line = 0;
    for (int i = 0; i < 4; i++)
        if (sla.response[i] > sla.resolve[i])
            return kb_err_set(err, KB_EPARSE,
                              "P%d: the response target (%llds) is longer than the resolution "
                              "target (%llds)", i + 1, sla.response[i], sla.resolve[i]);
    *out = sla;
    return KB_OK;
}

static long long since(long long now, long long t)
{
    return now > t ? now - t : 0;
}

/* The working seconds of the resolution clock from created to end: [created, end) less
 * the working time of the pauses in it. */
static kb_status business_used(const kb_incident *inc, const kb_calendar *c, const kb_tz *z,
                               long long end, long long *out)
{
    long long used = 0;
    long long wall = 0; /* wall-clock length of the pauses known */
    kb_status rc = kb_calendar_seconds(c, z, inc->created_at, end, &used, NULL);
    for (size_t i = 0; rc == KB_OK && i < inc->npauses; i++) {
        long long a = inc->pauses[i].from > inc->created_at ? inc->pauses[i].from
                                                            : inc->created_at;
        long long b = inc->pauses[i].to < end ? inc->pauses[i].to : end;
        long long off = 0;
        rc = kb_calendar_seconds(c, z, a, b, &off, NULL);
        used -= off;
        wall += inc->pauses[i].to - inc->pauses[i].from;
    }
    /* pauses the caller did not load count as if they were working time */
    if (rc == KB_OK && inc->paused_seconds > wall)
        used -= inc->paused_seconds - wall;
    *out = used > 0 ? used : 0;
    return rc;
}

/* The instant at which the resolution clock's working time reached target, walking the
 * periods it ran between creation and end. */
static kb_status business_crossing(const kb_incident *inc, const kb_calendar *c,
                                   const kb_tz *z, long long target, long long end,
                                   long long *out)
{
    long long acc = 0;
    long long cur = inc->created_at;
    for (size_t i = 0; i <= inc->npauses; i++) {
        long long stop = i < inc->npauses && inc->pauses[i].from < end ? inc->pauses[i].from
                                                                        : end;
        long long run = 0;
        kb_status rc = stop > cur ? kb_calendar_seconds(c, z, cur, stop, &run, NULL) : KB_OK;
        if (rc != KB_OK)
            return rc;
        if (acc + run >= target || stop == end)
            return kb_calendar_add(c, z, cur, target - acc, out, NULL);
        acc += run;
        if (inc->pauses[i].to > cur)
            cur = inc->pauses[i].to;
    }
    return kb_calendar_add(c, z, cur, target - acc, out, NULL);
}

/* The clocks of a business-hours priority p; fails when the calendar cannot place them. */
static kb_status business_state(const kb_incident *inc, const kb_incident_sla *sla, int p,
                                long long now, kb_inc_sla_state *out)
{
    const kb_calendar *c = sla->calendar;
    const kb_tz *z = sla->zone;
    long long created = inc->created_at;
    long long rt = sla->response[p];
    long long st = sla->resolve[p];
    kb_status rc = KB_OK;
    if (sla->response_days[p])
        rc = kb_calendar_days_seconds(c, z, created, sla->response_days[p], &rt, NULL);
    if (rc == KB_OK && sla->resolve_days[p])
        rc = kb_calendar_days_seconds(c, z, created, sla->resolve_days[p], &st, NULL);
    /* response: from creation to the first move out of new, no pauses */
    long long answered = inc->responded_at ? inc->responded_at : now;
    long long used = 0;
    if (rc == KB_OK)
        rc = kb_calendar_seconds(c, z, created, answered, &used, NULL);
    if (rc == KB_OK)
        rc = kb_calendar_add(c, z, created, rt, &out->response_due, NULL);
    out->response_target = rt;
    out->response_remaining = rt - used;
    out->response_breached = used > rt;
    /* resolution: the clock runs until resolved (or now), less the pauses; while pending
     * it stands at pending_since and the due time moves with now */
    long long done = inc->resolved_at ? inc->resolved_at : now;
    long long end = out->paused && inc->pending_since && inc->pending_since < done
                        ? inc->pending_since
                        : done;
    if (rc == KB_OK)
        rc = business_used(inc, c, z, end, &used);
    out->resolve_target = st;
    out->resolve_remaining = st - used;
    out->resolve_breached = used > st;
    if (rc == KB_OK && used < st)
        rc = kb_calendar_add(c, z, done, st - used, &out->resolve_due, NULL);
    else if (rc == KB_OK)
        rc = business_crossing(inc, c, z, st, end, &out->resolve_due);
    return rc;
}

void kb_incident_sla_state(const kb_incident *inc, const kb_incident_sla *sla, long long now,
                           kb_inc_sla_state *out)
{
    memset(out, 0, sizeof *out);
    int p = inc->priority >= 1 && inc->priority <= 4 ? inc->priority - 1 : 3;
    out->paused = inc->status == KB_INC_PENDING;
    out->paused_seconds = inc->paused_seconds;
    if (out->paused && inc->pending_since)
        out->paused_seconds += since(now, inc->pending_since);
    if (sla->business[p] && sla->calendar) {
        kb_inc_sla_state b = *out;
        if (business_state(inc, sla, p, now, &b) == KB_OK) {
            *out = b;
            out->business = 1;
            return;
        }
    }
    out->response_target = sla->response[p];
    out->resolve_target = sla->resolve[p];
    out->response_due = inc->created_at + out->response_target;
    long long answered = inc->responded_at ? inc->responded_at : now;
    out->response_remaining = out->response_due - answered;
    out->response_breached = answered > out->response_due;
    out->resolve_due = inc->created_at + out->resolve_target + out->paused_seconds;
    long long done = inc->resolved_at ? inc->resolved_at : now;
    out->resolve_remaining = out->resolve_due - done;
    out->resolve_breached = done > out->resolve_due;
}

int kb_incident_at_risk_due(const kb_incident *inc, const kb_incident_sla *sla, long long now,
                            long long within, long long *due)
{
    if (!kb_incident_status_open(inc->status))
        return 0;
    kb_inc_sla_state st;
    kb_incident_sla_state(inc, sla, now, &st);
    int risk = 0;
    long long first = 0;
    if (!inc->responded_at && st.response_remaining <= within) {
        risk = 1;
        first = st.response_due;
    }
    if (st.resolve_remaining <= within) {
        if (!risk || st.resolve_due < first)
            first = st.resolve_due;
        risk = 1;
    }
    if (risk && due)
        *due = first;
    return risk;
}

/* --- records --- */

#define INC_STRINGS(i)                                                                         \
    { &(i)->number, &(i)->caller_name, &(i)->caller_phone, &(i)->department, &(i)->location,  \
      &(i)->channel, &(i)->category, &(i)->ci, &(i)->summary, &(i)->description,              \
      &(i)->assignee, &(i)->resolution, &(i)->resolved_by, &(i)->created_by,           \
      &(i)->created_on_behalf_of, &(i)->group, &(i)->parent, NULL }

kb_incident *kb_incident_new(void)
{
    kb_incident *inc = kb_xcalloc(1, sizeof *inc);
    char **slots[] = INC_STRINGS(inc);
    for (size_t i = 0; slots[i]; i++)
        *slots[i] = kb_xstrdup("");
    return inc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void kb_incident_free(kb_incident *inc)
{
    if (!inc)
        return;
    char **slots[] = INC_STRINGS(inc);
    for (size_t i = 0; slots[i]; i++)
        free(*slots[i]);
    free_strings(inc->links, inc->nlinks);
    free_strings(inc->children, inc->nchildren);
    for (size_t i = 0; i < inc->nevents; i++) {
        kb_inc_event *e = &inc->events[i];
        free(e->actor);
        free(e->on_behalf_of);
        free(e->type);
        free(e->from);
        free(e->to);
        free(e->note);
        free(e->resolved_by);
        free_strings(e->links, e->nlinks);
    }
    free(inc->events);
    free(inc->pauses);
    free(inc);
}


static void set_str(char **slot, const char *s)
{
    free(*slot);
    *slot = kb_xstrdup(s ? s : "");
}

static const char *actor_or_default(const char *actor)
{
    return actor && *actor ? actor : ANONYMOUS;
}

/* Appends an event with the common fields set; the caller fills the rest. */
static kb_inc_event *add_event(kb_incident *inc, long long now, const char *actor,
                               const char *on_behalf_of, const char *type, const char *from,
                               const char *to, const char *note)
{
    inc->events = kb_xrealloc(inc->events, (inc->nevents + 1) * sizeof *inc->events);
    kb_inc_event *e = &inc->events[inc->nevents++];
    memset(e, 0, sizeof *e);
    e->at = now;
    e->actor = kb_xstrdup(actor_or_default(actor));
    e->on_behalf_of = kb_xstrdup(on_behalf_of ? on_behalf_of : "");
    e->type = kb_xstrdup(type);
    e->from = kb_xstrdup(from ? from : "");
    e->to = kb_xstrdup(to ? to : "");
    e->note = kb_xstrdup(note ? note : "");
    e->resolved_by = kb_xstrdup("");
    return e;
}

/* Moves inc to status `to` at now and keeps the clocks: the first move out of new is the
 * response; time pending, and time resolved before a reopen, stop the resolution clock. */
/* Records [from, to) as a pause (when it has a length). */
static void add_pause(kb_incident *inc, long long from, long long to)
{
    if (to <= from)
        return;
    inc->pauses = kb_xrealloc(inc->pauses, (inc->npauses + 1) * sizeof *inc->pauses);
    inc->pauses[inc->npauses].from = from;
    inc->pauses[inc->npauses].to = to;
    inc->npauses++;
}

static void set_status(kb_incident *inc, kb_inc_status to, long long now)
{
    kb_inc_status from = inc->status;
    if (from == KB_INC_PENDING && to != KB_INC_PENDING) {
        add_pause(inc, inc->pending_since, now);
        inc->paused_seconds += since(now, inc->pending_since);
        inc->pending_since = 0;
    }
    if (!kb_incident_status_open(from) && kb_incident_status_open(to)) {
        add_pause(inc, inc->resolved_at, now);
        inc->paused_seconds += since(now, inc->resolved_at);
        inc->resolved_at = 0;
        inc->closed_at = 0;
    }
    if (from == KB_INC_NEW && to != KB_INC_NEW && !inc->responded_at)
        inc->responded_at = now;
    if (to == KB_INC_PENDING && from != KB_INC_PENDING)
        inc->pending_since = now;
    if (to == KB_INC_RESOLVED)
        inc->resolved_at = now;
    if (to == KB_INC_CLOSED)
        inc->closed_at = now;
    inc->status = to;
}

void kb_incident_set_pauses(kb_incident *inc, const long long *at, const kb_inc_status *to,
                            size_t n)
{
    kb_incident replay;
    memset(&replay, 0, sizeof replay);
    replay.status = KB_INC_NEW;
    for (size_t i = 0; i < n; i++)
        if ((unsigned)to[i] < KB_INC_NSTATUS && to[i] != replay.status)
            set_status(&replay, to[i], at[i]);
    free(inc->pauses);
    inc->pauses = replay.pauses;
    inc->npauses = replay.npauses;
}

/* --- input checks --- */

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
            return 0;
    return 1;
}

enum { OPTIONAL = 0, REQUIRED = 1 };
enum { ONE_LINE = 0, MULTI_LINE = 1 };

/* Checks text field `name`: presence, length, control characters (tabs and line breaks
 * only in multi-line text). */
static kb_status check_text(const char *name, const char *s, size_t max, int required,
                            int multi, kb_err *err)
{
    if (!s) {
        if (required)
            return kb_err_set(err, KB_EINVAL, "field '%s' is required", name);
        return KB_OK;
    }
    if (required && blank(s) && strlen(s) <= max)
        return kb_err_set(err, KB_EINVAL, "field '%s' must not be empty", name);
    return kb_text_check_field(name, s, max, multi, err);
}

static kb_status check_phone(const char *s, kb_err *err)
{
    kb_status rc = check_text("caller_phone", s, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc != KB_OK || !s || !*s)
        return rc;
    return kb_phone_check("caller_phone", s, err);
}

kb_status kb_incident_apply_new(kb_incident *inc, const kb_inc_create *in, long long now,
                                kb_err *err)
{
    kb_status rc = check_text("caller_name", in->caller_name, KB_INC_MAX_SHORT, REQUIRED,
                              ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_phone(in->caller_phone, err);
    if (rc == KB_OK)
        rc = check_text("department", in->department, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("location", in->location, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK && !in->channel)
        rc = kb_err_set(err, KB_EINVAL, "field 'channel' is required");
    if (rc == KB_OK)
        rc = kb_incident_check_channel(in->channel, err);
    if (rc == KB_OK && !in->category)
        rc = kb_err_set(err, KB_EINVAL, "field 'category' is required");
    if (rc == KB_OK)
        rc = kb_incident_check_category(in->category, err);
    if (rc == KB_OK)
        rc = check_text("ci", in->ci, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("summary", in->summary, KB_INC_MAX_SHORT, REQUIRED, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("description", in->description, KB_INC_MAX_TEXT, OPTIONAL, MULTI_LINE,
                        err);
    if (rc == KB_OK)
        rc = check_text("actor", in->actor, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("on_behalf_of", in->on_behalf_of, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE,
                        err);
    if (rc == KB_OK)
        rc = check_text("group", in->group, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("assignee", in->assignee, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc != KB_OK)
        return rc;
    int priority = in->priority;
    if (priority) {
        if (in->impact || in->urgency)
            return kb_err_set(err, KB_EINVAL,
                              "give either priority or impact and urgency, not both");
        if (priority < 1 || priority > 4)
            return kb_err_set(err, KB_EINVAL, "priority must be P1, P2, P3 or P4");
    } else {
        if (!in->impact && !in->urgency)
            return kb_err_set(err, KB_EINVAL,
                              "field 'priority' (P1-P4) or fields 'impact' and 'urgency' "
                              "(1-3) are required");
        if (!in->impact || !in->urgency)
            return kb_err_set(err, KB_EINVAL, "field '%s' is required with '%s'",
                              in->impact ? "urgency" : "impact",
                              in->impact ? "impact" : "urgency");
        rc = kb_incident_priority_matrix(in->impact, in->urgency, &priority, err);
        if (rc != KB_OK)
            return rc;
    }
    inc->status = KB_INC_NEW;
    inc->priority = priority;
    inc->impact = in->priority ? 0 : in->impact;
    inc->urgency = in->priority ? 0 : in->urgency;
    set_str(&inc->caller_name, in->caller_name);
    set_str(&inc->caller_phone, in->caller_phone);
    set_str(&inc->department, in->department);
    set_str(&inc->location, in->location);
    set_str(&inc->channel, in->channel);
    set_str(&inc->category, in->category);
    set_str(&inc->ci, in->ci);
    set_str(&inc->summary, in->summary);
    set_str(&inc->description, in->description);
    set_str(&inc->created_by, actor_or_default(in->actor));
    set_str(&inc->created_on_behalf_of, in->on_behalf_of);
    inc->created_at = now;
    inc->updated_at = now;
    add_event(inc, now, in->actor, in->on_behalf_of, "created", "", status_names[KB_INC_NEW],
              "");
    if (in->group && *in->group) {
        add_event(inc, now, in->actor, in->on_behalf_of, "group", "", in->group, "");
        set_str(&inc->group, in->group);
    }
    if (in->assignee && *in->assignee) { /* assigned while the caller is on the line */
        add_event(inc, now, in->actor, in->on_behalf_of, "assignee", "", in->assignee, "");
        set_str(&inc->assignee, in->assignee);
        add_event(inc, now, in->actor, in->on_behalf_of, "status", status_names[KB_INC_NEW],
                  status_names[KB_INC_ASSIGNED], "");
        set_status(inc, KB_INC_ASSIGNED, now);
    }
    return KB_OK;
}

static void priority_name(int p, char out[4])
{
    out[0] = 'P';
    out[1] = (char)('0' + p);
    out[2] = '\0';
}

kb_status kb_incident_apply_update(kb_incident *inc, const kb_inc_update *u, long long now,
                                   kb_err *err)
{
    kb_status rc = check_text("actor", u->actor, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("on_behalf_of", u->on_behalf_of, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE,
                        err);
    /* "" takes the assignee or group away; anything else must say who */
    if (rc == KB_OK && u->assignee && *u->assignee)
        rc = check_text("assignee", u->assignee, KB_INC_MAX_SHORT, REQUIRED, ONE_LINE, err);
    if (rc == KB_OK && u->group && *u->group)
        rc = check_text("group", u->group, KB_INC_MAX_SHORT, REQUIRED, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("reason", u->reason, KB_INC_MAX_TEXT, OPTIONAL, MULTI_LINE, err);
    if (rc == KB_OK && u->parent)
        rc = check_text("parent", u->parent, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK && u->ci)
        rc = check_text("ci", u->ci, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("note", u->note, KB_INC_MAX_TEXT, OPTIONAL, MULTI_LINE, err);
    if (rc != KB_OK)
        return rc;
    if (u->minutes < 0 || u->minutes > KB_INC_MAX_MINUTES)
        return kb_err_set(err, KB_EINVAL, "field 'minutes' must be 1 to %d", KB_INC_MAX_MINUTES);
    if (u->minutes && !(u->note && *u->note))
        return kb_err_set(err, KB_EINVAL, "field 'minutes' goes with a note saying what was "
                          "done");
    if (u->parent && *u->parent && strcmp(u->parent, inc->number) == 0)
        return kb_err_set(err, KB_EINVAL, "field 'parent': an incident cannot belong to itself");
    if (u->priority && (u->priority < 1 || u->priority > 4))
        return kb_err_set(err, KB_EINVAL, "priority must be P1, P2, P3 or P4");
    if (u->set_status && (unsigned)u->status >= KB_INC_NSTATUS)
        return kb_err_set(err, KB_EINVAL, "unknown status");
    const char *note = u->note && *u->note ? u->note : NULL;
    if (!u->assignee && !u->group && !u->parent && !u->ci && !u->priority && !u->set_status &&
        !note)
        return kb_err_set(err, KB_EINVAL, "nothing to change: give assignee, group, parent, "
                          "ci, priority, status or note");

    int new_group = u->group && strcmp(u->group, inc->group) != 0;
    if (new_group && inc->group[0] && !(u->reason && *u->reason))
        return kb_err_set(err, KB_EINVAL, "field 'reason' is required to move an incident "
                          "from group '%.64s' to another", inc->group);
    /* moved to another group without a new assignee: the new group picks it up */
    const char *assignee = u->assignee;
    if (new_group && !assignee && inc->assignee[0])
        assignee = "";
    int new_assignee = assignee && strcmp(assignee, inc->assignee) != 0;
    int new_parent = u->parent && strcmp(u->parent, inc->parent) != 0;
    int new_ci = u->ci && strcmp(u->ci, inc->ci) != 0;
    int new_priority = u->priority && u->priority != inc->priority;
    kb_inc_status to = inc->status;
    if (u->set_status)
        to = u->status;
    else if (new_assignee && *assignee && inc->status == KB_INC_NEW)
        to = KB_INC_ASSIGNED; /* assigning a new incident is its first move */
    else if (new_assignee && !*assignee && inc->status == KB_INC_IN_PROGRESS)
        to = KB_INC_ASSIGNED; /* nobody works it any more */
    int new_status = to != inc->status;
    const char *cur = status_names[inc->status];
    if (new_status) {
        rc = kb_incident_check_transition(inc->status, to, KB_INC_OP_UPDATE, err);
        if (rc != KB_OK)
            return rc;
        const char *who = assignee ? assignee : inc->assignee;
        const char *grp = u->group ? u->group : inc->group;
        if (to == KB_INC_ASSIGNED && !*who && !*grp)
            return kb_err_set(err, KB_EINVAL, "status 'assigned' needs an assignee or a group");
    }
    if (!kb_incident_status_open(inc->status) &&
        (new_assignee || new_priority || new_group || new_parent || new_ci)) {
        const char *what = new_assignee ? "assignee"
                         : new_group    ? "group"
                         : new_parent   ? "parent"
                         : new_ci       ? "ci"
                                        : "priority";
        if (inc->status == KB_INC_CLOSED)
            return kb_err_set(err, KB_EEXIST, "cannot change the %s of a %s incident: reopen it "
                              "first", what, cur);
        return kb_err_set(err, KB_EEXIST, "cannot change the %s of a %s incident: follow it up "
                          "or reopen it first", what, cur);
    }
    if (!new_assignee && !new_priority && !new_status && !new_group && !new_parent && !new_ci &&
        !note)
        return KB_OK; /* already so: nothing to record */
    {
        const char *who = assignee ? assignee : inc->assignee;
        const char *grp = u->group ? u->group : inc->group;
        if (to == KB_INC_ASSIGNED && !*who && !*grp)
            return kb_err_set(err, KB_EINVAL, "an assigned incident needs an assignee or a "
                              "group; give one, or set another status");
    }

    if (new_group) {
        add_event(inc, now, u->actor, u->on_behalf_of, "group", inc->group, u->group,
                  u->reason);
        set_str(&inc->group, u->group);
    }
    if (new_assignee) {
        add_event(inc, now, u->actor, u->on_behalf_of, "assignee", inc->assignee, assignee, "");
        set_str(&inc->assignee, assignee);
    }
    if (new_parent) {
        add_event(inc, now, u->actor, u->on_behalf_of, "parent", inc->parent, u->parent, "");
        set_str(&inc->parent, u->parent);
    }
    if (new_ci) {
        add_event(inc, now, u->actor, u->on_behalf_of, "ci", inc->ci, u->ci, "");
        set_str(&inc->ci, u->ci);
    }
    if (new_priority) {
        char from[4];
        char pto[4];
        priority_name(inc->priority, from);
        priority_name(u->priority, pto);
        add_event(inc, now, u->actor, u->on_behalf_of, "priority", from, pto, "");
        inc->priority = u->priority;
    }
    kb_inc_event *e = NULL;
    if (new_status) {
        e = add_event(inc, now, u->actor, u->on_behalf_of, "status", cur, status_names[to], note);
        set_status(inc, to, now);
    } else if (note) {
        e = add_event(inc, now, u->actor, u->on_behalf_of, "note", "", "", note);
    }
    if (e && u->minutes) {
        e->minutes = u->minutes;
        inc->time_spent += u->minutes;
    }
    inc->updated_at = now;
    return KB_OK;
}

kb_status kb_incident_apply_resolve(kb_incident *inc, const kb_inc_resolve *r, long long now,
                                    kb_err *err)
{
    kb_status rc = check_text("actor", r->actor, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("on_behalf_of", r->on_behalf_of, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE,
                        err);
    if (rc == KB_OK)
        rc = check_text("resolution", r->resolution, KB_INC_MAX_TEXT, REQUIRED, MULTI_LINE, err);
    if (rc == KB_OK && r->resolved_by)
        rc = check_text("resolved_by", r->resolved_by, KB_MAX_ID_BYTES, REQUIRED, ONE_LINE, err);
    if (rc != KB_OK)
        return rc;
    if (r->nlinks > KB_INC_MAX_LINKS)
        return kb_err_set(err, KB_EINVAL, "at most %u links", KB_INC_MAX_LINKS);
    for (size_t i = 0; i < r->nlinks; i++) {
        char name[32];
        snprintf(name, sizeof name, "links[%zu]", i);
        rc = check_text(name, r->links[i], KB_INC_MAX_SHORT, REQUIRED, ONE_LINE, err);
        if (rc != KB_OK)
            return rc;
    }
    rc = kb_incident_check_transition(inc->status, KB_INC_RESOLVED, KB_INC_OP_RESOLVE, err);
    if (rc != KB_OK)
        return rc;
    kb_inc_event *e = add_event(inc, now, r->actor, r->on_behalf_of, "resolution",
                                status_names[inc->status], status_names[KB_INC_RESOLVED],
                                r->resolution);
    set_str(&e->resolved_by, r->resolved_by);
    set_str(&inc->resolved_by, r->resolved_by);
    set_str(&inc->resolution, r->resolution);
    for (size_t i = 0; i < r->nlinks; i++) {
        int dup = 0;
        for (size_t j = 0; j < e->nlinks && !dup; j++)
            dup = strcmp(e->links[j], r->links[i]) == 0;
        if (dup)
            continue;
        e->links = kb_xrealloc(e->links, (e->nlinks + 1) * sizeof *e->links);
        e->links[e->nlinks++] = kb_xstrdup(r->links[i]);
        for (size_t j = 0; j < inc->nlinks && !dup; j++)
            dup = strcmp(inc->links[j], r->links[i]) == 0;
        if (!dup) {
            inc->links = kb_xrealloc(inc->links, (inc->nlinks + 1) * sizeof *inc->links);
            inc->links[inc->nlinks++] = kb_xstrdup(r->links[i]);
        }
    }
    set_status(inc, KB_INC_RESOLVED, now);
    /* resolved with its major incident: an event says with which (e is not used after) */
    if (r->major && *r->major)
        add_event(inc, now, r->actor, r->on_behalf_of, "major", "", r->major, "");
    inc->updated_at = now;
    return KB_OK;
}

kb_status kb_incident_apply_followup(kb_incident *inc, const kb_inc_followup *f,
                                     long long now, kb_err *err)
{
    kb_status rc = check_text("actor", f->actor, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("on_behalf_of", f->on_behalf_of, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE,
                        err);
    if (rc == KB_OK)
        rc = check_text("comment", f->comment, KB_INC_MAX_TEXT, OPTIONAL, MULTI_LINE, err);
    if (rc != KB_OK)
        return rc;
    if (f->satisfaction < 0 || f->satisfaction > 5)
        return kb_err_set(err, KB_EINVAL, "satisfaction must be 1 to 5, not %d",
                          f->satisfaction);
    if (f->complaint && (!f->comment || blank(f->comment)))
        return kb_err_set(err, KB_EINVAL, "a complaint needs a comment saying what it is about");
    kb_inc_op op = f->confirmed ? KB_INC_OP_CONFIRM : KB_INC_OP_REJECT;
    kb_inc_status to = kb_incident_op_target(op);
    rc = kb_incident_check_transition(inc->status, to, op, err);
    if (rc != KB_OK)
        return rc;
    kb_inc_event *e = add_event(inc, now, f->actor, f->on_behalf_of, "followup",
                                status_names[inc->status], status_names[to], f->comment);
    e->satisfaction = f->satisfaction;
    e->confirmed = f->confirmed ? 1 : 0;
    e->complaint = f->complaint ? 1 : 0;
    if (f->complaint)
        inc->complaint = 1;
    if (f->satisfaction)
        inc->satisfaction = f->satisfaction;
    if (!f->confirmed)
        inc->reopen_count++;
    set_status(inc, to, now);
    inc->updated_at = now;
    return KB_OK;
}

kb_status kb_incident_apply_reopen(kb_incident *inc, const char *actor,
                                   const char *on_behalf_of, const char *reason, long long now,
                                   kb_err *err)
{
    kb_status rc = check_text("actor", actor, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("on_behalf_of", on_behalf_of, KB_INC_MAX_SHORT, OPTIONAL, ONE_LINE, err);
    if (rc == KB_OK)
        rc = check_text("reason", reason, KB_INC_MAX_TEXT, REQUIRED, MULTI_LINE, err);
    if (rc == KB_OK)
        rc = kb_incident_check_transition(inc->status, KB_INC_IN_PROGRESS, KB_INC_OP_REOPEN,
                                          err);
    if (rc != KB_OK)
        return rc;
    add_event(inc, now, actor, on_behalf_of, "reopen", status_names[inc->status],
              status_names[KB_INC_IN_PROGRESS], reason);
    inc->reopen_count++;
    set_status(inc, KB_INC_IN_PROGRESS, now);
    inc->updated_at = now;
    return KB_OK;
}

/* --- numbers, phones, times --- */

long long kb_incident_day(long long t)
{
    long long y;
    unsigned m, d;
    kb_tz_civil_from_days(kb_date_day_number(t), &y, &m, &d);
    return y * 10000 + m * 100 + d;
}

void kb_desk_format_number(const char *prefix, long long now, long long seq, char *out,
                           size_t size)
{
    snprintf(out, size, "%s-%08lld-%04lld", prefix, kb_incident_day(now), seq);
}

void kb_incident_format_number(long long now, long long seq, char *out, size_t size)
{
    kb_desk_format_number("INC", now, seq, out, size);
}

int kb_desk_number_valid(const char *s, const char *prefix)
{
    size_t plen = strlen(prefix);
    if (strncmp(s, prefix, plen) != 0 || s[plen] != '-')
        return 0;
    s += plen + 1;
    for (int i = 0; i < 8; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    if (s[8] != '-')
        return 0;
    size_t n = 0;
    for (const char *p = s + 9; *p; p++, n++)
        if (*p < '0' || *p > '9')
            return 0;
    return n >= 4 && n <= 9;
}

int kb_incident_number_valid(const char *s)
{
    return kb_desk_number_valid(s, "INC");
}

kb_status kb_incident_parse_day(const char *s, long long *out, kb_err *err)
{
    return kb_date_parse(s, out, err);
}

void kb_incident_format_time(long long t, char *out, size_t size)
{
    long long days = kb_tz_day_of(t);
    long long secs = t - days * 86400;
    long long y;
    unsigned m, d;
    kb_tz_civil_from_days(days, &y, &m, &d);
    snprintf(out, size, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, d, secs / 3600,
             secs / 60 % 60, secs % 60);
}
