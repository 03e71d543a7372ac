/* Incidents: lifecycle rules (every legal and illegal move), the priority matrix, SLA
 * clocks with injected times (response, pending pauses, breaches, reopen), input checks,
 * numbers and times; then the store: numbering, the whole lifecycle with its timeline,
 * refused changes leaving no trace, lists and filters, at-risk, concurrent writers. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "kb_alloc.h"
#include "kb_doc.h"
#include "kb_incident.h"
#include "kb_store.h"

#define T0 1767225600LL /* 2026-01-01T00:00:00Z */
#define MIN 60LL
#define HOUR 3600LL
#define DAY 86400LL

static kb_incident *make(long long now, int priority)
{
    kb_inc_create in = {
        .caller_name = "王芳", .caller_phone = "138-0013 8000", .channel = "phone",
        .category = "printer", .summary = "打印机脱机", .priority = priority,
    };
    kb_incident *inc = kb_incident_new();
    kb_err err;
    kb_status rc = kb_incident_apply_new(inc, &in, now, &err);
    if (rc != KB_OK)
        fprintf(stderr, "apply_new: %s\n", err.msg);
    CHECK_INT_EQ(rc, KB_OK);
    return inc;
}

static kb_status set_status(kb_incident *inc, kb_inc_status st, long long now)
{
    kb_inc_update u = { .set_status = 1, .status = st, .actor = "agent" };
    return kb_incident_apply_update(inc, &u, now, NULL);
}

static void test_enums(void)
{
    kb_err err;
    kb_inc_status st;
    for (int i = 0; i < KB_INC_NSTATUS; i++) {
        CHECK_INT_EQ(kb_incident_status_parse(kb_incident_status_name((kb_inc_status)i), &st,
                                              &err), KB_OK);
        CHECK_INT_EQ(st, i);
    }
    CHECK_STR_EQ(kb_incident_status_name(KB_INC_IN_PROGRESS), "in_progress");
    CHECK_INT_EQ(kb_incident_status_parse("done", &st, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "in_progress") != NULL);
    CHECK_INT_EQ(kb_incident_status_parse("New", &st, &err), KB_EINVAL);
    CHECK(kb_incident_status_open(KB_INC_PENDING));
    CHECK(!kb_incident_status_open(KB_INC_RESOLVED));
    CHECK(!kb_incident_status_open(KB_INC_CLOSED));

    const char *good_ch[] = { "phone", "email", "walk-in", "web" };
    for (size_t i = 0; i < 4; i++)
        CHECK_INT_EQ(kb_incident_check_channel(good_ch[i], &err), KB_OK);
    CHECK_INT_EQ(kb_incident_check_channel("fax", &err), KB_EINVAL);
    CHECK(strstr(err.msg, "walk-in") != NULL);
    CHECK_INT_EQ(kb_incident_check_channel("Phone", &err), KB_EINVAL);
    const char *good_cat[] = { "desktop", "printer", "network", "office software",
                               "business system", "account", "other" };
    for (size_t i = 0; i < 7; i++)
        CHECK_INT_EQ(kb_incident_check_category(good_cat[i], &err), KB_OK);
    CHECK_INT_EQ(kb_incident_check_category("hardware", &err), KB_EINVAL);
    CHECK_INT_EQ(kb_incident_check_category(NULL, &err), KB_EINVAL);
}

static void test_priority(void)
{
    kb_err err;
    int p = 0;
    /* impact + urgency: 2 -> P1, 3 -> P2, 4 -> P3, 5-6 -> P4 */
    static const int want[3][3] = { { 1, 2, 3 }, { 2, 3, 4 }, { 3, 4, 4 } };
    for (int i = 1; i <= 3; i++) {
        for (int u = 1; u <= 3; u++) {
            CHECK_INT_EQ(kb_incident_priority_matrix(i, u, &p, &err), KB_OK);
            CHECK_INT_EQ(p, want[i - 1][u - 1]);
        }
    }
    CHECK_INT_EQ(kb_incident_priority_matrix(0, 1, &p, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_incident_priority_matrix(1, 4, &p, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_incident_priority_matrix(-1, 2, &p, &err), KB_EINVAL);
    for (int i = 1; i <= 4; i++) {
        char s[3] = { 'P', (char)('0' + i), '\0' };
        CHECK_INT_EQ(kb_incident_priority_parse(s, &p, &err), KB_OK);
        CHECK_INT_EQ(p, i);
    }
    const char *bad[] = { "P0", "P5", "p1", "1", "P1 ", "", "P12" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(kb_incident_priority_parse(bad[i], &p, &err), KB_EINVAL);
}

/* The lifecycle as documented, written out independently of kb/incident.c. */
static int legal(kb_inc_op op, int from, int to)
{
    const int N = KB_INC_NEW, A = KB_INC_ASSIGNED, I = KB_INC_IN_PROGRESS, P = KB_INC_PENDING,
              R = KB_INC_RESOLVED, C = KB_INC_CLOSED;
    switch (op) {
    case KB_INC_OP_UPDATE:
        return (from == N && (to == A || to == I)) || (from == A && (to == I || to == P)) ||
               (from == I && (to == A || to == P)) || (from == P && (to == A || to == I));
    case KB_INC_OP_RESOLVE: return to == R && (from == N || from == A || from == I || from == P);
    case KB_INC_OP_CONFIRM: return from == R && to == C;
    case KB_INC_OP_REJECT: return from == R && to == I;
    case KB_INC_OP_REOPEN: return (from == R || from == C) && to == I;
    }
    return 0;
}

static void test_transitions(void)
{
    kb_err err;
    int nlegal = 0;
    for (int op = KB_INC_OP_UPDATE; op <= KB_INC_OP_REOPEN; op++) {
        for (int f = 0; f < KB_INC_NSTATUS; f++) {
            for (int t = 0; t < KB_INC_NSTATUS; t++) {
                kb_err_clear(&err);
                kb_status rc = kb_incident_check_transition((kb_inc_status)f, (kb_inc_status)t,
                                                            (kb_inc_op)op, &err);
                if (legal((kb_inc_op)op, f, t)) {
                    nlegal++;
                    CHECK_INT_EQ(rc, KB_OK);
                    continue;
                }
                CHECK_INT_EQ(rc, KB_EEXIST);
                /* the message names both statuses */
                char from[40];
                char to[40];
                snprintf(from, sizeof from, "from '%s'", kb_incident_status_name(f));
                snprintf(to, sizeof to, "to '%s'", kb_incident_status_name(t));
                CHECK(strstr(err.msg, from) != NULL);
                CHECK(strstr(err.msg, to) != NULL);
            }
        }
    }
    CHECK_INT_EQ(nlegal, 8 + 4 + 1 + 1 + 2);
    CHECK_INT_EQ(kb_incident_op_target(KB_INC_OP_RESOLVE), KB_INC_RESOLVED);
    CHECK_INT_EQ(kb_incident_op_target(KB_INC_OP_CONFIRM), KB_INC_CLOSED);
    CHECK_INT_EQ(kb_incident_op_target(KB_INC_OP_REJECT), KB_INC_IN_PROGRESS);
    CHECK_INT_EQ(kb_incident_op_target(KB_INC_OP_REOPEN), KB_INC_IN_PROGRESS);
    kb_incident_check_transition(KB_INC_IN_PROGRESS, KB_INC_RESOLVED, KB_INC_OP_UPDATE, &err);
    CHECK(strstr(err.msg, "resolve the incident") != NULL);
    kb_incident_check_transition(KB_INC_RESOLVED, KB_INC_CLOSED, KB_INC_OP_UPDATE, &err);
    CHECK(strstr(err.msg, "follow-up") != NULL);

    /* The same rules through the apply functions: each is refused with nothing changed. */
    kb_incident *inc = make(T0, 3);
    kb_inc_resolve r = { .resolution = "fixed" };
    kb_inc_followup fu = { .confirmed = 1 };
    CHECK_INT_EQ(kb_incident_apply_followup(inc, &fu, T0 + 1, &err), KB_EEXIST);
    CHECK_INT_EQ(kb_incident_apply_reopen(inc, NULL, NULL, "again", T0 + 1, &err), KB_EEXIST);
    CHECK(strstr(err.msg, "from 'new' to 'in_progress'") != NULL);
    CHECK_INT_EQ(set_status(inc, KB_INC_PENDING, T0 + 1), KB_EEXIST);
    CHECK_INT_EQ(set_status(inc, KB_INC_CLOSED, T0 + 1), KB_EEXIST);
    CHECK_INT_EQ(inc->nevents, 1);
    CHECK_INT_EQ(inc->status, KB_INC_NEW);
    CHECK_INT_EQ(inc->responded_at, 0);
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 2, &err), KB_OK); /* first call fix */
    CHECK_INT_EQ(inc->responded_at, T0 + 2);
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 3, &err), KB_EEXIST);
    CHECK_INT_EQ(set_status(inc, KB_INC_IN_PROGRESS, T0 + 3), KB_EEXIST);
    CHECK_INT_EQ(kb_incident_apply_followup(inc, &fu, T0 + 4, &err), KB_OK);
    CHECK_INT_EQ(inc->status, KB_INC_CLOSED);
    CHECK_INT_EQ(inc->closed_at, T0 + 4);
    CHECK_INT_EQ(kb_incident_apply_followup(inc, &fu, T0 + 5, &err), KB_EEXIST);
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 5, &err), KB_EEXIST);
    CHECK(strstr(err.msg, "reopened first") != NULL);
    kb_inc_update pri = { .priority = 1 };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &pri, T0 + 5, &err), KB_EEXIST);
    kb_inc_update who = { .assignee = "zhang" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &who, T0 + 5, &err), KB_EEXIST);
    kb_inc_update note = { .note = "caller thanked us" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &note, T0 + 5, &err), KB_OK); /* notes ok */
    CHECK_INT_EQ(inc->nevents, 4);
    CHECK_STR_EQ(inc->events[3].type, "note");
    CHECK_INT_EQ(kb_incident_apply_reopen(inc, "lead", NULL, "printer offline again", T0 + 6, &err),
                 KB_OK);
    CHECK_INT_EQ(inc->status, KB_INC_IN_PROGRESS);
    CHECK_INT_EQ(inc->closed_at, 0);
    CHECK_INT_EQ(inc->resolved_at, 0);
    CHECK_INT_EQ(inc->reopen_count, 1);
    CHECK_INT_EQ(inc->nevents, 5);
    if (inc->nevents == 5) {
        CHECK_STR_EQ(inc->events[4].type, "reopen");
        CHECK_STR_EQ(inc->events[4].from, "closed");
        CHECK_STR_EQ(inc->events[4].actor, "lead");
    }
    kb_incident_free(inc);
}

/* Groups, escalation, work notes and parents as pure rules (the store checks that the
 * names exist: tests/api/test_groups.py). */
static void test_groups(void)
{
    kb_err err;
    kb_incident *inc = make(T0, 3);
    /* a group alone leaves a new incident new */
    kb_inc_update g = { .group = "desk" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &g, T0 + 10, &err), KB_OK);
    CHECK_INT_EQ(inc->status, KB_INC_NEW);
    CHECK_STR_EQ(inc->group, "desk");
    CHECK_STR_EQ(inc->events[inc->nevents - 1].type, "group");
    kb_inc_update a = { .assignee = "zhang", .set_status = 1, .status = KB_INC_IN_PROGRESS };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &a, T0 + 20, &err), KB_OK);
    /* another group needs a reason, then clears the assignee: in progress -> assigned */
    size_t n = inc->nevents;
    kb_inc_update esc = { .group = "network" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &esc, T0 + 30, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'reason'") != NULL);
    CHECK_INT_EQ(inc->nevents, n);
    esc.reason = "switch port";
    CHECK_INT_EQ(kb_incident_apply_update(inc, &esc, T0 + 30, &err), KB_OK);
    CHECK_STR_EQ(inc->group, "network");
    CHECK_STR_EQ(inc->assignee, "");
    CHECK_INT_EQ(inc->status, KB_INC_ASSIGNED);
    CHECK_INT_EQ(inc->nevents, n + 3); /* group, assignee, status */
    CHECK_STR_EQ(inc->events[n].note, "switch port");
    /* with an assignee of the new group the assignee is that one */
    kb_inc_update esc2 = { .group = "apps", .reason = "ERP", .assignee = "li" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &esc2, T0 + 40, &err), KB_OK);
    CHECK_STR_EQ(inc->assignee, "li");
    /* work notes: minutes go with a note, 1..KB_INC_MAX_MINUTES */
    kb_inc_update w = { .note = "replaced roller", .minutes = 30 };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &w, T0 + 50, &err), KB_OK);
    CHECK_INT_EQ(inc->time_spent, 30);
    CHECK_INT_EQ(inc->events[inc->nevents - 1].minutes, 30);
    kb_inc_update w2 = { .minutes = 5 };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &w2, T0 + 60, &err), KB_EINVAL);
    w2 = (kb_inc_update){ .note = "x", .minutes = KB_INC_MAX_MINUTES + 1 };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &w2, T0 + 60, &err), KB_EINVAL);
    CHECK_INT_EQ(inc->time_spent, 30);
    /* a parent: not itself; "" leaves it */
    kb_inc_update p = { .parent = "INC-20260101-0009" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &p, T0 + 70, &err), KB_OK);
    CHECK_STR_EQ(inc->parent, "INC-20260101-0009");
    kb_inc_update self = { .parent = "" };
    free(inc->number);
    inc->number = kb_xstrdup("INC-20260101-0001");
    self.parent = "INC-20260101-0001";
    CHECK_INT_EQ(kb_incident_apply_update(inc, &self, T0 + 80, &err), KB_EINVAL);
    self.parent = "";
    CHECK_INT_EQ(kb_incident_apply_update(inc, &self, T0 + 80, &err), KB_OK);
    CHECK_STR_EQ(inc->parent, "");
    /* blank names are refused; "" takes away */
    kb_inc_update blank = { .group = " " };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &blank, T0 + 90, &err), KB_EINVAL);
    kb_incident_free(inc);
    /* created with an assignee: assigned at once, the response given */
    kb_inc_create in = { .caller_name = "王芳", .channel = "phone", .category = "printer",
                         .summary = "卡纸", .priority = 3, .group = "desk",
                         .assignee = "zhang" };
    inc = kb_incident_new();
    CHECK_INT_EQ(kb_incident_apply_new(inc, &in, T0, &err), KB_OK);
    CHECK_INT_EQ(inc->status, KB_INC_ASSIGNED);
    CHECK_INT_EQ(inc->responded_at, T0);
    CHECK_STR_EQ(inc->group, "desk");
    kb_incident_free(inc);
}

static void test_updates(void)
{
    kb_err err;
    kb_incident *inc = make(T0, 3);
    /* assigning a new incident moves it to assigned: one assignee and one status event */
    kb_inc_update u = { .assignee = "zhang", .actor = "li" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &u, T0 + 60, &err), KB_OK);
    CHECK_INT_EQ(inc->status, KB_INC_ASSIGNED);
    CHECK_INT_EQ(inc->responded_at, T0 + 60);
    CHECK_INT_EQ(inc->nevents, 3);
    CHECK_STR_EQ(inc->events[1].type, "assignee");
    CHECK_STR_EQ(inc->events[1].from, "");
    CHECK_STR_EQ(inc->events[1].to, "zhang");
    CHECK_STR_EQ(inc->events[2].type, "status");
    CHECK_STR_EQ(inc->events[2].from, "new");
    CHECK_STR_EQ(inc->events[2].to, "assigned");
    CHECK_STR_EQ(inc->events[2].actor, "li");
    /* the same values again: nothing to record */
    CHECK_INT_EQ(kb_incident_apply_update(inc, &u, T0 + 70, &err), KB_OK);
    CHECK_INT_EQ(inc->nevents, 3);
    CHECK_INT_EQ(inc->updated_at, T0 + 60);
    /* priority, status and a note at once: the note goes with the status change */
    kb_inc_update v = { .priority = 1, .set_status = 1, .status = KB_INC_IN_PROGRESS,
                        .note = "on site" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &v, T0 + 120, &err), KB_OK);
    CHECK_INT_EQ(inc->nevents, 5);
    CHECK_STR_EQ(inc->events[3].type, "priority");
    CHECK_STR_EQ(inc->events[3].from, "P3");
    CHECK_STR_EQ(inc->events[3].to, "P1");
    CHECK_STR_EQ(inc->events[4].note, "on site");
    CHECK_STR_EQ(inc->events[4].actor, "anonymous");
    CHECK_INT_EQ(inc->priority, 1);
    CHECK_INT_EQ(inc->responded_at, T0 + 60); /* the first response stays */
    /* nothing given */
    kb_inc_update none = { .actor = "x" };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &none, T0 + 130, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "nothing to change") != NULL);
    kb_inc_update empty = { .assignee = " " };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &empty, T0 + 130, &err), KB_EINVAL);
    kb_inc_update badp = { .priority = 5 };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &badp, T0 + 130, &err), KB_EINVAL);
    CHECK_INT_EQ(inc->nevents, 5);
    kb_incident_free(inc);

    /* assigned needs an assignee */
    inc = make(T0, 2);
    CHECK_INT_EQ(set_status(inc, KB_INC_ASSIGNED, T0 + 1), KB_EINVAL);
    CHECK_INT_EQ(inc->nevents, 1);
    kb_incident_free(inc);
}

static void test_followup(void)
{
    kb_err err;
    kb_incident *inc = make(T0, 4);
    kb_inc_resolve r = { .resolution = "replaced toner", .resolved_by = "KE-1",
                         .links = (const char *const[]){ "KE-2", "https://x.example/a",
                                                         "KE-2" },
                         .nlinks = 3 };
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 10, &err), KB_OK);
    CHECK_INT_EQ(inc->nlinks, 2); /* duplicates dropped */
    CHECK_STR_EQ(inc->resolved_by, "KE-1");
    CHECK_STR_EQ(inc->events[1].type, "resolution");
    CHECK_INT_EQ(inc->events[1].nlinks, 2);
    CHECK_STR_EQ(inc->events[1].resolved_by, "KE-1");
    /* a complaint needs a comment; satisfaction 1..5 */
    kb_inc_followup bad = { .confirmed = 0, .complaint = 1 };
    CHECK_INT_EQ(kb_incident_apply_followup(inc, &bad, T0 + 20, &err), KB_EINVAL);
    bad.comment = "rude";
    bad.satisfaction = 6;
    CHECK_INT_EQ(kb_incident_apply_followup(inc, &bad, T0 + 20, &err), KB_EINVAL);
    CHECK_INT_EQ(inc->nevents, 2);
    /* not confirmed: back in progress, complaint recorded */
    kb_inc_followup no = { .confirmed = 0, .complaint = 1, .comment = "still broken",
                           .satisfaction = 1, .actor = "王芳" };
    CHECK_INT_EQ(kb_incident_apply_followup(inc, &no, T0 + 30, &err), KB_OK);
    CHECK_INT_EQ(inc->status, KB_INC_IN_PROGRESS);
    CHECK_INT_EQ(inc->complaint, 1);
    CHECK_INT_EQ(inc->satisfaction, 1);
    CHECK_INT_EQ(inc->reopen_count, 1);
    CHECK_INT_EQ(inc->paused_seconds, 20); /* resolved for 20 s */
    kb_inc_event *e = &inc->events[2];
    CHECK_STR_EQ(e->type, "followup");
    CHECK_STR_EQ(e->from, "resolved");
    CHECK_STR_EQ(e->to, "in_progress");
    CHECK_INT_EQ(e->complaint, 1);
    CHECK_INT_EQ(e->confirmed, 0);
    CHECK_INT_EQ(e->satisfaction, 1);
    /* resolved again, confirmed: closed; the complaint stays */
    r.links = NULL;
    r.nlinks = 0;
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 40, &err), KB_OK);
    kb_inc_followup yes = { .confirmed = 1, .satisfaction = 4 };
    CHECK_INT_EQ(kb_incident_apply_followup(inc, &yes, T0 + 50, &err), KB_OK);
    CHECK_INT_EQ(inc->status, KB_INC_CLOSED);
    CHECK_INT_EQ(inc->complaint, 1);
    CHECK_INT_EQ(inc->satisfaction, 4);
    CHECK_INT_EQ(inc->nlinks, 2);
    kb_incident_free(inc);
}

static void test_sla(void)
{
    kb_err err;
    kb_incident_sla sla;
    kb_incident_sla_default(&sla);
    CHECK_INT_EQ(sla.response[0], 15 * MIN);
    CHECK_INT_EQ(sla.resolve[0], 4 * HOUR);
    CHECK_INT_EQ(sla.response[1], 30 * MIN);
    CHECK_INT_EQ(sla.resolve[1], 8 * HOUR);
    CHECK_INT_EQ(sla.response[2], 4 * HOUR);
    CHECK_INT_EQ(sla.resolve[2], 3 * DAY);
    CHECK_INT_EQ(sla.response[3], 1 * DAY);
    CHECK_INT_EQ(sla.resolve[3], 5 * DAY);

    /* P2: 30 min / 8 h. */
    kb_incident *inc = make(T0, 2);
    kb_inc_sla_state st;
    kb_incident_sla_state(inc, &sla, T0 + 10 * MIN, &st);
    CHECK_INT_EQ(st.response_due, T0 + 30 * MIN);
    CHECK_INT_EQ(st.response_remaining, 20 * MIN);
    CHECK_INT_EQ(st.response_breached, 0);
    CHECK_INT_EQ(st.resolve_due, T0 + 8 * HOUR);
    CHECK_INT_EQ(st.resolve_remaining, 8 * HOUR - 10 * MIN);
    kb_incident_sla_state(inc, &sla, T0 + 30 * MIN, &st);
    CHECK_INT_EQ(st.response_breached, 0); /* due exactly now: not late yet */
    kb_incident_sla_state(inc, &sla, T0 + 31 * MIN, &st);
    CHECK_INT_EQ(st.response_breached, 1);
    CHECK_INT_EQ(st.response_remaining, -MIN);
    /* the response comes late, at 40 min: breached for good */
    CHECK_INT_EQ(set_status(inc, KB_INC_IN_PROGRESS, T0 + 40 * MIN), KB_OK);
    kb_incident_sla_state(inc, &sla, T0 + 2 * HOUR, &st);
    CHECK_INT_EQ(st.response_remaining, -10 * MIN);
    CHECK_INT_EQ(st.response_breached, 1);
    /* pending from 1 h to 3 h: the resolution clock stands still */
    CHECK_INT_EQ(set_status(inc, KB_INC_PENDING, T0 + 1 * HOUR), KB_OK);
    kb_incident_sla_state(inc, &sla, T0 + 2 * HOUR, &st);
    CHECK_INT_EQ(st.paused, 1);
    CHECK_INT_EQ(st.paused_seconds, 1 * HOUR);
    CHECK_INT_EQ(st.resolve_due, T0 + 9 * HOUR);
    CHECK_INT_EQ(st.resolve_remaining, 7 * HOUR);
    kb_incident_sla_state(inc, &sla, T0 + 3 * HOUR, &st);
    CHECK_INT_EQ(st.resolve_remaining, 7 * HOUR);
    kb_incident_sla_state(inc, &sla, T0 + 30 * HOUR, &st); /* a long wait never breaches */
    CHECK_INT_EQ(st.resolve_remaining, 7 * HOUR);
    CHECK_INT_EQ(st.resolve_breached, 0);
    CHECK_INT_EQ(set_status(inc, KB_INC_IN_PROGRESS, T0 + 3 * HOUR), KB_OK);
    CHECK_INT_EQ(inc->paused_seconds, 2 * HOUR);
    CHECK_INT_EQ(inc->pending_since, 0);
    kb_incident_sla_state(inc, &sla, T0 + 4 * HOUR, &st);
    CHECK_INT_EQ(st.paused, 0);
    CHECK_INT_EQ(st.resolve_due, T0 + 10 * HOUR);
    CHECK_INT_EQ(st.resolve_remaining, 6 * HOUR);
    /* a second pending period, left to assigned: 30 more minutes off the clock */
    CHECK_INT_EQ(set_status(inc, KB_INC_PENDING, T0 + 5 * HOUR), KB_OK);
    kb_inc_update back = { .assignee = "zhang", .set_status = 1, .status = KB_INC_ASSIGNED };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &back, T0 + 5 * HOUR + 30 * MIN, &err), KB_OK);
    CHECK_INT_EQ(inc->paused_seconds, 2 * HOUR + 30 * MIN);
    kb_incident_sla_state(inc, &sla, T0 + 10 * HOUR + 30 * MIN, &st);
    CHECK_INT_EQ(st.resolve_due, T0 + 10 * HOUR + 30 * MIN);
    CHECK_INT_EQ(st.resolve_remaining, 0);
    CHECK_INT_EQ(st.resolve_breached, 0);
    kb_incident_sla_state(inc, &sla, T0 + 10 * HOUR + 30 * MIN + 1, &st);
    CHECK_INT_EQ(st.resolve_remaining, -1);
    CHECK_INT_EQ(st.resolve_breached, 1);
    /* resolved at 11 h: the clock stops at -30 min */
    kb_inc_resolve r = { .resolution = "done" };
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 11 * HOUR, &err), KB_OK);
    kb_incident_sla_state(inc, &sla, T0 + 50 * HOUR, &st);
    CHECK_INT_EQ(st.resolve_remaining, -30 * MIN);
    CHECK_INT_EQ(st.resolve_breached, 1);
    /* reopened at 12 h: the hour spent resolved is off the clock too */
    CHECK_INT_EQ(kb_incident_apply_reopen(inc, NULL, NULL, "back", T0 + 12 * HOUR, &err), KB_OK);
    CHECK_INT_EQ(inc->paused_seconds, 3 * HOUR + 30 * MIN);
    kb_incident_sla_state(inc, &sla, T0 + 12 * HOUR, &st);
    CHECK_INT_EQ(st.resolve_due, T0 + 11 * HOUR + 30 * MIN);
    CHECK_INT_EQ(st.resolve_remaining, -30 * MIN);
    /* a priority change applies the new targets from the creation time */
    kb_inc_update up = { .priority = 4 };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &up, T0 + 12 * HOUR, &err), KB_OK);
    kb_incident_sla_state(inc, &sla, T0 + 12 * HOUR, &st);
    CHECK_INT_EQ(st.resolve_target, 5 * DAY);
    CHECK_INT_EQ(st.resolve_due, T0 + 5 * DAY + 3 * HOUR + 30 * MIN);
    CHECK_INT_EQ(st.resolve_breached, 0);
    CHECK_INT_EQ(st.response_target, DAY);
    CHECK_INT_EQ(st.response_breached, 0);
    kb_incident_free(inc);

    /* Resolved in time, pending directly before the resolution. */
    inc = make(T0, 1); /* 15 min / 4 h */
    CHECK_INT_EQ(set_status(inc, KB_INC_IN_PROGRESS, T0 + 5 * MIN), KB_OK);
    CHECK_INT_EQ(set_status(inc, KB_INC_PENDING, T0 + 1 * HOUR), KB_OK);
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 6 * HOUR, &err), KB_OK);
    CHECK_INT_EQ(inc->paused_seconds, 5 * HOUR);
    kb_incident_sla_state(inc, &sla, T0 + 100 * HOUR, &st);
    CHECK_INT_EQ(st.response_breached, 0);
    CHECK_INT_EQ(st.response_remaining, 10 * MIN);
    CHECK_INT_EQ(st.resolve_due, T0 + 9 * HOUR);
    CHECK_INT_EQ(st.resolve_remaining, 3 * HOUR);
    CHECK_INT_EQ(st.resolve_breached, 0);
    CHECK_INT_EQ(st.paused, 0);
    kb_incident_free(inc);

    /* At risk: the response while new, then the resolution. */
    inc = make(T0, 1);
    long long due = 0;
    CHECK(!kb_incident_at_risk_due(inc, &sla, T0, 10 * MIN, &due));
    CHECK(kb_incident_at_risk_due(inc, &sla, T0, 15 * MIN, &due));
    CHECK_INT_EQ(due, T0 + 15 * MIN);
    CHECK(kb_incident_at_risk_due(inc, &sla, T0 + HOUR, 0, &due)); /* breached */
    CHECK_INT_EQ(due, T0 + 15 * MIN);
    CHECK_INT_EQ(set_status(inc, KB_INC_IN_PROGRESS, T0 + 10 * MIN), KB_OK);
    CHECK(!kb_incident_at_risk_due(inc, &sla, T0 + HOUR, 2 * HOUR, &due));
    CHECK(kb_incident_at_risk_due(inc, &sla, T0 + HOUR, 3 * HOUR, &due));
    CHECK_INT_EQ(due, T0 + 4 * HOUR);
    CHECK_INT_EQ(set_status(inc, KB_INC_PENDING, T0 + HOUR), KB_OK);
    CHECK(!kb_incident_at_risk_due(inc, &sla, T0 + 10 * HOUR, 2 * HOUR, &due)); /* paused */
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 10 * HOUR, &err), KB_OK);
    CHECK(!kb_incident_at_risk_due(inc, &sla, T0 + 100 * HOUR, 0, &due)); /* not open */
    kb_incident_free(inc);
}

/* The instant of a Beijing (UTC+8) wall-clock time. */
static long long bj(long long y, unsigned m, unsigned d, int hh, int mm)
{
    return kb_tz_days_from_civil(y, m, d) * DAY + hh * HOUR + mm * MIN - 8 * HOUR;
}

static void test_sla_business(void)
{
    kb_err err;
    kb_calendar *cal = NULL;
    const char *text = "hours mon-fri 09:00-12:00,13:30-18:00\n"
                       "holiday 2026-10-01..2026-10-07 国庆节\n"
                       "workday 2026-10-10 调休\n";
    CHECK_INT_EQ(kb_calendar_parse(text, strlen(text), &cal, NULL, &err), KB_OK);
    kb_tz *beijing = kb_tz_fixed(8 * HOUR);
    kb_incident_sla sla;
    const char *conf = "P3 response=4h resolve=3d hours=business\n"
                       "P2 response=2h resolve=16h hours=business\n";
    CHECK_INT_EQ(kb_incident_sla_parse(conf, strlen(conf), &sla, NULL, &err), KB_OK);
    sla.calendar = cal;
    sla.zone = beijing;

    /* a P3 logged on Friday 13 March at 17:50: 10 working minutes on Friday, the rest on
     * Monday; 3 working days take it to Wednesday 17:50 */
    long long fri = bj(2026, 3, 13, 17, 50);
    kb_incident *inc = make(fri, 3);
    kb_inc_sla_state st;
    kb_incident_sla_state(inc, &sla, bj(2026, 3, 14, 10, 0), &st); /* Saturday morning */
    CHECK_INT_EQ(st.business, 1);
    CHECK_INT_EQ(st.response_target, 4 * HOUR);
    CHECK_INT_EQ(st.response_due, bj(2026, 3, 16, 14, 20)); /* not Saturday 01:50 */
    CHECK_INT_EQ(st.response_remaining, 3 * HOUR + 50 * MIN);
    CHECK_INT_EQ(st.response_breached, 0);
    CHECK_INT_EQ(st.resolve_due, bj(2026, 3, 18, 17, 50));
    CHECK_INT_EQ(st.resolve_target, 22 * HOUR + 30 * MIN); /* 10 m + 7.5 h + 7.5 h + 7 h 20 */
    long long due = 0;
    CHECK(!kb_incident_at_risk_due(inc, &sla, bj(2026, 3, 14, 10, 0), HOUR, &due));
    CHECK(kb_incident_at_risk_due(inc, &sla, bj(2026, 3, 14, 10, 0), 4 * HOUR, &due));
    CHECK_INT_EQ(due, bj(2026, 3, 16, 14, 20));
    /* Monday 14:21: a minute late */
    kb_incident_sla_state(inc, &sla, bj(2026, 3, 16, 14, 21), &st);
    CHECK_INT_EQ(st.response_breached, 1);
    CHECK_INT_EQ(st.response_remaining, -MIN);
    CHECK_INT_EQ(set_status(inc, KB_INC_IN_PROGRESS, bj(2026, 3, 16, 10, 0)), KB_OK);
    kb_incident_sla_state(inc, &sla, bj(2026, 3, 16, 15, 0), &st);
    CHECK_INT_EQ(st.response_breached, 0);
    CHECK_INT_EQ(st.response_remaining, 2 * HOUR + 50 * MIN);
    kb_incident_free(inc);

    /* 7x24 priorities keep the wall clock with the calendar set */
    inc = make(fri, 1);
    kb_incident_sla_state(inc, &sla, fri, &st);
    CHECK_INT_EQ(st.business, 0);
    CHECK_INT_EQ(st.response_due, fri + 15 * MIN);
    kb_incident_free(inc);

    /* pending over a weekend costs only the working time it held: a P2 (16 working hours)
     * logged Thursday 19 March 09:00, pending Friday 17:00 to Monday 10:00 */
    inc = make(bj(2026, 3, 19, 9, 0), 2);
    CHECK_INT_EQ(set_status(inc, KB_INC_IN_PROGRESS, bj(2026, 3, 19, 9, 30)), KB_OK);
    CHECK_INT_EQ(set_status(inc, KB_INC_PENDING, bj(2026, 3, 20, 17, 0)), KB_OK);
    kb_incident_sla_state(inc, &sla, bj(2026, 3, 21, 12, 0), &st); /* Saturday noon */
    CHECK_INT_EQ(st.paused, 1);
    CHECK_INT_EQ(st.resolve_remaining, 2 * HOUR); /* 7.5 + 3 + 3.5 = 14 h used */
    CHECK_INT_EQ(st.resolve_due, bj(2026, 3, 23, 11, 0)); /* moves with now */
    CHECK_INT_EQ(st.paused_seconds, 19 * HOUR);          /* wall-clock time */
    CHECK_INT_EQ(set_status(inc, KB_INC_IN_PROGRESS, bj(2026, 3, 23, 10, 0)), KB_OK);
    CHECK_INT_EQ(inc->npauses, 1);
    CHECK_INT_EQ(inc->paused_seconds, 65 * HOUR);
    kb_incident_sla_state(inc, &sla, bj(2026, 3, 23, 11, 0), &st);
    CHECK_INT_EQ(st.resolve_remaining, HOUR);
    CHECK_INT_EQ(st.resolve_due, bj(2026, 3, 23, 12, 0));
    CHECK_INT_EQ(st.resolve_breached, 0);
    kb_incident_sla_state(inc, &sla, bj(2026, 3, 23, 13, 0), &st); /* lunch: just out */
    CHECK_INT_EQ(st.resolve_remaining, 0);
    CHECK_INT_EQ(st.resolve_breached, 0);
    CHECK_INT_EQ(st.resolve_due, bj(2026, 3, 23, 12, 0));
    kb_incident_sla_state(inc, &sla, bj(2026, 3, 23, 14, 0), &st);
    CHECK_INT_EQ(st.resolve_remaining, -30 * MIN);
    CHECK_INT_EQ(st.resolve_breached, 1);
    CHECK_INT_EQ(st.resolve_due, bj(2026, 3, 23, 12, 0)); /* when it ran out */
    kb_inc_resolve r = { .resolution = "done" };
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, bj(2026, 3, 23, 14, 0), &err), KB_OK);
    kb_incident_sla_state(inc, &sla, bj(2026, 4, 1, 0, 0), &st);
    CHECK_INT_EQ(st.resolve_remaining, -30 * MIN);
    CHECK_INT_EQ(st.resolve_due, bj(2026, 3, 23, 12, 0));
    /* reopened the next morning: the night off the clock, the clock running again */
    CHECK_INT_EQ(kb_incident_apply_reopen(inc, NULL, NULL, "again", bj(2026, 3, 24, 9, 30),
                                          &err), KB_OK);
    CHECK_INT_EQ(inc->npauses, 2);
    kb_incident_sla_state(inc, &sla, bj(2026, 3, 24, 10, 0), &st);
    CHECK_INT_EQ(st.resolve_remaining, -HOUR); /* 30 min late plus 30 min since 09:30 */
    /* the pauses rebuilt from the status changes are the ones the changes recorded */
    long long at[] = { bj(2026, 3, 19, 9, 30), bj(2026, 3, 20, 17, 0), bj(2026, 3, 23, 10, 0),
                       bj(2026, 3, 23, 14, 0), bj(2026, 3, 24, 9, 30) };
    kb_inc_status to[] = { KB_INC_IN_PROGRESS, KB_INC_PENDING, KB_INC_IN_PROGRESS,
                           KB_INC_RESOLVED, KB_INC_IN_PROGRESS };
    kb_incident *copy = make(bj(2026, 3, 19, 9, 0), 2);
    kb_incident_set_pauses(copy, at, to, 5);
    CHECK_INT_EQ(copy->npauses, inc->npauses);
    for (size_t i = 0; i < copy->npauses && i < inc->npauses; i++) {
        CHECK_INT_EQ(copy->pauses[i].from, inc->pauses[i].from);
        CHECK_INT_EQ(copy->pauses[i].to, inc->pauses[i].to);
    }
    kb_incident_free(copy);
    kb_incident_free(inc);

    /* the national holiday and the make-up Saturday */
    inc = make(bj(2026, 9, 30, 17, 0), 2); /* response 2 h */
    kb_incident_sla_state(inc, &sla, bj(2026, 10, 3, 0, 0), &st);
    CHECK_INT_EQ(st.response_due, bj(2026, 10, 8, 10, 0));
    CHECK_INT_EQ(st.response_breached, 0);
    kb_incident_free(inc);
    inc = make(bj(2026, 10, 9, 17, 0), 2);
    kb_incident_sla_state(inc, &sla, bj(2026, 10, 9, 17, 0), &st);
    CHECK_INT_EQ(st.response_due, bj(2026, 10, 10, 10, 0));
    kb_incident_free(inc);

    /* no calendar: business hours run 7x24 */
    sla.calendar = NULL;
    inc = make(fri, 3);
    kb_incident_sla_state(inc, &sla, fri, &st);
    CHECK_INT_EQ(st.business, 0);
    CHECK_INT_EQ(st.response_due, fri + 4 * HOUR);
    kb_incident_free(inc);

    /* a calendar with one minute a week puts a year of working days seven years away:
     * bounded work, no hang */
    kb_calendar *thin = NULL;
    const char *thin_text = "hours mon 09:00-09:01";
    CHECK_INT_EQ(kb_calendar_parse(thin_text, strlen(thin_text), &thin, NULL, &err), KB_OK);
    kb_incident_sla big;
    const char *big_conf = "P3 response=365d resolve=365d hours=business";
    CHECK_INT_EQ(kb_incident_sla_parse(big_conf, strlen(big_conf), &big, NULL, &err), KB_OK);
    big.calendar = thin;
    big.zone = beijing;
    inc = make(fri, 3);
    kb_incident_sla_state(inc, &big, fri + DAY, &st);
    CHECK(st.resolve_due > fri);
    kb_incident_free(inc);
    kb_calendar_free(thin);

    kb_calendar_free(cal);
    kb_tz_free(beijing);
}

static void test_sla_parse(void)
{
    kb_err err;
    kb_incident_sla sla;
    size_t line = 99;
    const char *good = "# service desk targets\n"
                       "P1 response=10m resolve=2h\n"
                       "\n"
                       "  P3\tresolve=2d   # response stays 4h\r\n"
                       "P4 response=90s resolve=5d";
    CHECK_INT_EQ(kb_incident_sla_parse(good, strlen(good), &sla, &line, &err), KB_OK);
    CHECK_INT_EQ(line, 0);
    CHECK_INT_EQ(sla.response[0], 10 * MIN);
    CHECK_INT_EQ(sla.resolve[0], 2 * HOUR);
    CHECK_INT_EQ(sla.response[1], 30 * MIN); /* default kept */
    CHECK_INT_EQ(sla.resolve[1], 8 * HOUR);
    CHECK_INT_EQ(sla.response[2], 4 * HOUR);
    CHECK_INT_EQ(sla.resolve[2], 2 * DAY);
    CHECK_INT_EQ(sla.response[3], 90);
    CHECK_INT_EQ(sla.resolve[3], 5 * DAY);
    CHECK_INT_EQ(kb_incident_sla_parse("", 0, &sla, &line, &err), KB_OK);
    CHECK_INT_EQ(sla.resolve[0], 4 * HOUR);
    for (int i = 0; i < 4; i++)
        CHECK_INT_EQ(sla.business[i], 0); /* 7x24 unless a line says otherwise */
    CHECK(sla.calendar == NULL);
    const char *hours = "P1 hours=7x24\nP3 response=4h resolve=3d hours=business\n"
                        "P4 hours=business\nP2 resolve=8h hours=24x7\n";
    CHECK_INT_EQ(kb_incident_sla_parse(hours, strlen(hours), &sla, &line, &err), KB_OK);
    CHECK(!sla.business[0] && !sla.business[1] && sla.business[2] && sla.business[3]);
    CHECK_INT_EQ(sla.resolve_days[2], 3);
    CHECK_INT_EQ(sla.response_days[2], 0);
    CHECK_INT_EQ(sla.response_days[3], 1); /* the defaults: 1 day / 5 days */
    CHECK_INT_EQ(sla.resolve_days[3], 5);
    CHECK_INT_EQ(sla.resolve[1], 8 * HOUR);

    const struct {
        const char *text;
        size_t line;
        const char *msg;
    } bad[] = {
        { "P1 response=15\n", 1, "bad duration" },
        { "\nP5 response=15m\n", 2, "priority" },
        { "P1 response=15m\nP1 resolve=1h\n", 2, "twice" },
        { "P2 respond=1h\n", 1, "unknown setting" },
        { "P2 response=1h response=2h\n", 1, "twice" },
        { "P2\n", 1, "give" },
        { "P2 response=0m\n", 1, "bad duration" },
        { "P2 response=366d\n", 1, "bad duration" },
        { "P2 response=99999999999999999999h\n", 1, "bad duration" },
        { "P2 response=-5m\n", 1, "bad duration" },
        { "P2 response=1w\n", 1, "bad duration" },
        { "P2 response=9h\n", 0, "longer than" },
        { "P1 response=1m resolve=1h hours=business extra=1\n", 1, "too many words" },
        { "P1 response=1m resolve=1h extra=1\n", 1, "unknown setting" },
        { "P3 hours=weekdays\n", 1, "hours must be 24x7 or business" },
        { "P3 hours=business hours=24x7\n", 1, "twice" },
        { "P3 hours\n", 1, "unknown setting" },
        { "P1 response=1m extra=1\n", 1, "unknown setting" },
        { "response=1m P1\n", 1, "priority" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_incident_sla_default(&sla);
        kb_incident_sla before = sla;
        line = 99;
        kb_status rc = kb_incident_sla_parse(bad[i].text, strlen(bad[i].text), &sla, &line, &err);
        CHECK_INT_EQ(rc, KB_EPARSE);
        CHECK_INT_EQ(line, bad[i].line);
        if (!strstr(err.msg, bad[i].msg))
            fprintf(stderr, "case %zu: message '%s'\n", i, err.msg);
        CHECK(strstr(err.msg, bad[i].msg) != NULL);
        CHECK(memcmp(&before, &sla, sizeof sla) == 0); /* untouched on failure */
    }
}

static void test_new_checks(void)
{
    kb_err err;
    char longs[KB_INC_MAX_SHORT + 2];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    char *longtext = malloc(KB_INC_MAX_TEXT + 2);
    memset(longtext, 'b', KB_INC_MAX_TEXT + 1);
    longtext[KB_INC_MAX_TEXT + 1] = '\0';
    const kb_inc_create base = {
        .caller_name = "王芳", .channel = "web", .category = "account",
        .summary = "cannot log in", .impact = 3, .urgency = 3,
    };
    const struct {
        int field;
        const char *value;
        const char *msg;
    } cases[] = {
        { 0, NULL, "'caller_name' is required" },
        { 0, "  ", "'caller_name' must not be empty" },
        { 0, longs, "longer than 200" },
        { 0, "a\nb", "control characters" },
        { 1, "12a34", "caller_phone" },
        { 1, "--", "fewer than 3 digits" },
        { 2, NULL, "'channel' is required" },
        { 2, "fax", "unknown channel" },
        { 3, "hardware", "unknown category" },
        { 3, NULL, "'category' is required" },
        { 4, NULL, "'summary' is required" },
        { 4, longs, "longer than 200" },
        { 5, longtext, "'description' is longer than 20000" },
        { 6, longs, "'actor' is longer" },
        { 7, longs, "'department' is longer" },
        { 8, "x\x01y", "'ci' contains control" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kb_inc_create in = base;
        const char **slots[] = { &in.caller_name, &in.caller_phone, &in.channel, &in.category,
                                 &in.summary, &in.description, &in.actor, &in.department,
                                 &in.ci };
        *slots[cases[i].field] = cases[i].value;
        kb_incident *inc = kb_incident_new();
        kb_err_clear(&err);
        CHECK_INT_EQ(kb_incident_apply_new(inc, &in, T0, &err), KB_EINVAL);
        if (!strstr(err.msg, cases[i].msg))
            fprintf(stderr, "case %zu: message '%s'\n", i, err.msg);
        CHECK(strstr(err.msg, cases[i].msg) != NULL);
        CHECK_INT_EQ(inc->nevents, 0);
        kb_incident_free(inc);
    }
    /* priority: either P1-P4 or impact and urgency */
    const struct {
        int priority, impact, urgency;
        kb_status rc;
        int want;
    } pri[] = {
        { 0, 0, 0, KB_EINVAL, 0 }, { 0, 2, 0, KB_EINVAL, 0 }, { 0, 0, 2, KB_EINVAL, 0 },
        { 2, 1, 1, KB_EINVAL, 0 }, { 5, 0, 0, KB_EINVAL, 0 }, { 0, 4, 1, KB_EINVAL, 0 },
        { 0, 1, 1, KB_OK, 1 },     { 0, 2, 3, KB_OK, 4 },     { 3, 0, 0, KB_OK, 3 },
    };
    for (size_t i = 0; i < sizeof pri / sizeof pri[0]; i++) {
        kb_inc_create in = base;
        in.priority = pri[i].priority;
        in.impact = pri[i].impact;
        in.urgency = pri[i].urgency;
        kb_incident *inc = kb_incident_new();
        CHECK_INT_EQ(kb_incident_apply_new(inc, &in, T0, &err), pri[i].rc);
        if (pri[i].rc == KB_OK) {
            CHECK_INT_EQ(inc->priority, pri[i].want);
            CHECK_INT_EQ(inc->impact, pri[i].impact);
            CHECK_INT_EQ(inc->status, KB_INC_NEW);
            CHECK_INT_EQ(inc->nevents, 1);
            CHECK_STR_EQ(inc->events[0].type, "created");
            CHECK_STR_EQ(inc->created_by, "anonymous");
            CHECK_INT_EQ(inc->created_at, T0);
        }
        kb_incident_free(inc);
    }
    /* text limits of the other changes */
    kb_incident *inc = make(T0, 3);
    kb_inc_update u = { .note = longtext };
    CHECK_INT_EQ(kb_incident_apply_update(inc, &u, T0 + 1, &err), KB_EINVAL);
    kb_inc_resolve r = { .resolution = "" };
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'resolution' must not be empty") != NULL);
    r.resolution = "ok";
    const char *many[KB_INC_MAX_LINKS + 1];
    for (size_t i = 0; i <= KB_INC_MAX_LINKS; i++)
        many[i] = "KE-1";
    r.links = many;
    r.nlinks = KB_INC_MAX_LINKS + 1;
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 1, &err), KB_EINVAL);
    r.nlinks = 1;
    many[0] = "";
    CHECK_INT_EQ(kb_incident_apply_resolve(inc, &r, T0 + 1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "links[0]") != NULL);
    CHECK_INT_EQ(kb_incident_apply_reopen(inc, NULL, NULL, NULL, T0 + 1, &err), KB_EINVAL);
    CHECK_INT_EQ(inc->nevents, 1);
    CHECK_INT_EQ(inc->status, KB_INC_NEW);
    kb_incident_free(inc);
    free(longtext);
}

static void test_numbers_and_times(void)
{
    kb_err err;
    char buf[40];
    kb_incident_format_number(T0 + 5, 1, buf, sizeof buf);
    CHECK_STR_EQ(buf, "INC-20260101-0001");
    kb_incident_format_number(T0 - 1, 42, buf, sizeof buf);
    CHECK_STR_EQ(buf, "INC-20251231-0042");
    kb_incident_format_number(T0 + 59 * DAY, 12345, buf, sizeof buf);
    CHECK_STR_EQ(buf, "INC-20260301-12345");
    CHECK_INT_EQ(kb_incident_day(951782400LL), 20000229); /* 2000-02-29 */
    CHECK(kb_incident_number_valid("INC-20260101-0001"));
    CHECK(kb_incident_number_valid("INC-20260101-12345"));
    CHECK(!kb_incident_number_valid("INC-20260101-001"));
    CHECK(!kb_incident_number_valid("INC-2026010-0001"));
    CHECK(!kb_incident_number_valid("inc-20260101-0001"));
    CHECK(!kb_incident_number_valid("INC-20260101-0001x"));
    CHECK(!kb_incident_number_valid("INC-20260101_0001"));
    CHECK(!kb_incident_number_valid(""));

    kb_incident_format_time(T0, buf, sizeof buf);
    CHECK_STR_EQ(buf, "2026-01-01T00:00:00Z");
    kb_incident_format_time(T0 + 59 * DAY + 13 * HOUR + 5 * MIN + 9, buf, sizeof buf);
    CHECK_STR_EQ(buf, "2026-03-01T13:05:09Z");
    kb_incident_format_time(951782400LL + 86399, buf, sizeof buf);
    CHECK_STR_EQ(buf, "2000-02-29T23:59:59Z");

    long long t = 0;
    CHECK_INT_EQ(kb_incident_parse_day("2026-01-01", &t, &err), KB_OK);
    CHECK_INT_EQ(t, T0);
    CHECK_INT_EQ(kb_incident_parse_day("2000-02-29", &t, &err), KB_OK);
    CHECK_INT_EQ(t, 951782400LL);
    CHECK_INT_EQ(kb_incident_parse_day("1970-01-01", &t, &err), KB_OK);
    CHECK_INT_EQ(t, 0);
    const char *bad[] = { "2026-02-29", "2026-13-01", "2026-00-10", "2026-1-1", "20260101",
                          "2026-01-32", "1900-02-29", "1969-12-31", "2026-01-01x", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(kb_incident_parse_day(bad[i], &t, &err), KB_EINVAL);
}

/* --- the store --- */

static void put_doc(kb_store *s, const char *id, const char *type)
{
    CHECK_INT_EQ(fixture_put(s, fixture_doc(id, type, "published", id)), KB_OK);
}

static kb_incident *create(kb_store *s, long long now, const char *summary, const char *phone,
                           const char *category, int priority)
{
    kb_inc_create in = {
        .caller_name = "李雷", .caller_phone = phone, .channel = "email",
        .category = category, .summary = summary, .priority = priority,
        .description = "details 100% here", .actor = "desk",
    };
    kb_incident *inc = NULL;
    kb_err err;
    kb_status rc = kb_incident_create(s, &in, now, &inc, &err);
    if (rc != KB_OK)
        fprintf(stderr, "create: %s\n", err.msg);
    CHECK_INT_EQ(rc, KB_OK);
    return inc;
}

static long long list_total(kb_store *s, const kb_inc_filter *f)
{
    kb_inc_list *l = NULL;
    kb_err err;
    kb_status rc = kb_incident_list(s, f, &l, &err);
    if (rc != KB_OK)
        fprintf(stderr, "list: %s\n", err.msg);
    CHECK_INT_EQ(rc, KB_OK);
    long long n = l ? l->total : -1;
    kb_incident_list_free(l);
    return n;
}

static void test_store_lifecycle(kb_store *s)
{
    kb_err err;
    put_doc(s, "KE-1", "known_error");
    put_doc(s, "ART-1", "article");
    put_doc(s, "DOC-1", "document");

    kb_incident *a = create(s, T0 + 10, "printer offline", "138-0013 8000", "printer", 2);
    kb_incident *b = create(s, T0 + 20, "vpn error 809", "010 1234", "network", 3);
    kb_incident *c = create(s, T0 + DAY + 5, "outlook asks for password", "138 0013 8000",
                            "office software", 1);
    if (!a || !b || !c)
        goto out;
    CHECK_STR_EQ(a->number, "INC-20260101-0001");
    CHECK_STR_EQ(b->number, "INC-20260101-0002");
    CHECK_STR_EQ(c->number, "INC-20260102-0001");
    CHECK_INT_EQ(a->nevents, 1);
    CHECK_STR_EQ(a->events[0].actor, "desk");
    CHECK_STR_EQ(a->created_by, "desk");

    /* the whole lifecycle of a, with a timeline entry for every change */
    const char *n = a->number;
    kb_incident *x = NULL;
    kb_inc_update u1 = { .assignee = "zhang", .actor = "lead" };
    CHECK_INT_EQ(kb_incident_update(s, n, &u1, T0 + 60, &x, &err), KB_OK);
    CHECK(x && x->status == KB_INC_ASSIGNED && x->responded_at == T0 + 60);
    kb_incident_free(x);
    kb_inc_update u2 = { .set_status = 1, .status = KB_INC_IN_PROGRESS, .actor = "zhang" };
    CHECK_INT_EQ(kb_incident_update(s, n, &u2, T0 + 120, NULL, &err), KB_OK);
    kb_inc_update u3 = { .set_status = 1, .status = KB_INC_PENDING, .note = "waiting for vendor",
                         .actor = "zhang" };
    CHECK_INT_EQ(kb_incident_update(s, n, &u3, T0 + HOUR, NULL, &err), KB_OK);
    /* a refused change leaves no trace */
    kb_inc_update bad = { .set_status = 1, .status = KB_INC_CLOSED };
    CHECK_INT_EQ(kb_incident_update(s, n, &bad, T0 + HOUR + 1, &x, &err), KB_EEXIST);
    CHECK(x == NULL);
    CHECK(strstr(err.msg, "from 'pending' to 'closed'") != NULL);
    kb_inc_update u4 = { .set_status = 1, .status = KB_INC_IN_PROGRESS, .actor = "zhang" };
    CHECK_INT_EQ(kb_incident_update(s, n, &u4, T0 + 3 * HOUR, NULL, &err), KB_OK);
    kb_inc_resolve r = { .resolution = "reinstalled the driver", .resolved_by = "KE-404",
                         .actor = "zhang" };
    CHECK_INT_EQ(kb_incident_resolve(s, n, &r, T0 + 4 * HOUR, NULL, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "no known error or article") != NULL);
    r.resolved_by = "DOC-1";
    CHECK_INT_EQ(kb_incident_resolve(s, n, &r, T0 + 4 * HOUR, NULL, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "is a document") != NULL);
    r.resolved_by = "KE-1";
    r.links = (const char *const[]){ "ART-1", "KE-nope" };
    r.nlinks = 2;
    CHECK_INT_EQ(kb_incident_resolve(s, n, &r, T0 + 4 * HOUR, NULL, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "links[1]") != NULL);
    r.links = (const char *const[]){ "ART-1", "https://wiki.example/printer" };
    CHECK_INT_EQ(kb_incident_resolve(s, n, &r, T0 + 4 * HOUR, &x, &err), KB_OK);
    CHECK(x && x->status == KB_INC_RESOLVED && x->nlinks == 2);
    kb_incident_free(x);
    kb_inc_followup f1 = { .confirmed = 0, .complaint = 1, .comment = "still offline",
                           .satisfaction = 2, .actor = "李雷", .on_behalf_of = "王芳" };
    CHECK_INT_EQ(kb_incident_followup(s, n, &f1, T0 + 5 * HOUR, NULL, &err), KB_OK);
    r.resolved_by = "ART-1";
    r.links = NULL;
    r.nlinks = 0;
    CHECK_INT_EQ(kb_incident_resolve(s, n, &r, T0 + 6 * HOUR, NULL, &err), KB_OK);
    kb_inc_followup f2 = { .confirmed = 1, .satisfaction = 5 };
    CHECK_INT_EQ(kb_incident_followup(s, n, &f2, T0 + 7 * HOUR, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_incident_reopen(s, n, "lead", NULL, "", T0 + 8 * HOUR, NULL, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_incident_reopen(s, n, "lead", "approver1", "offline again", T0 + 8 * HOUR,
                                    NULL, &err),
                 KB_OK);
    CHECK_INT_EQ(kb_incident_reopen(s, n, "lead", NULL, "twice", T0 + 8 * HOUR, NULL, &err),
                 KB_EEXIST);

    CHECK_INT_EQ(kb_incident_get(s, n, &x, &err), KB_OK);
    if (x) {
        static const char *const types[] = { "created", "assignee", "status", "status",
                                             "status", "status", "resolution", "followup",
                                             "resolution", "followup", "reopen" };
        CHECK_INT_EQ(x->nevents, sizeof types / sizeof types[0]);
        for (size_t i = 0; i < x->nevents && i < sizeof types / sizeof types[0]; i++)
            CHECK_STR_EQ(x->events[i].type, types[i]);
        for (size_t i = 1; i < x->nevents; i++)
            CHECK(x->events[i].at >= x->events[i - 1].at);
        if (x->nevents == 11) {
            CHECK_STR_EQ(x->events[4].note, "waiting for vendor");
            CHECK_STR_EQ(x->events[4].to, "pending");
            CHECK_STR_EQ(x->events[4].actor, "zhang");
            CHECK_STR_EQ(x->events[6].resolved_by, "KE-1");
            CHECK_INT_EQ(x->events[6].nlinks, 2);
            CHECK_STR_EQ(x->events[6].links[1], "https://wiki.example/printer");
            CHECK_INT_EQ(x->events[7].complaint, 1);
            CHECK_INT_EQ(x->events[7].satisfaction, 2);
            CHECK_STR_EQ(x->events[7].actor, "李雷");
            CHECK_STR_EQ(x->events[7].on_behalf_of, "王芳");
            CHECK_STR_EQ(x->events[9].on_behalf_of, "");
            CHECK_STR_EQ(x->events[10].actor, "lead");
            CHECK_STR_EQ(x->events[10].on_behalf_of, "approver1");
            CHECK_INT_EQ(x->events[9].confirmed, 1);
            CHECK_STR_EQ(x->events[9].to, "closed");
            CHECK_STR_EQ(x->events[10].note, "offline again");
        }
        CHECK_INT_EQ(x->status, KB_INC_IN_PROGRESS);
        CHECK_STR_EQ(x->resolved_by, "ART-1");
        CHECK_INT_EQ(x->nlinks, 2);
        CHECK_INT_EQ(x->complaint, 1);
        CHECK_INT_EQ(x->satisfaction, 5);
        CHECK_INT_EQ(x->reopen_count, 2);
        CHECK_INT_EQ(x->responded_at, T0 + 60);
        CHECK_INT_EQ(x->resolved_at, 0);
        CHECK_INT_EQ(x->closed_at, 0);
        /* pending 1 h..3 h, resolved 4 h..5 h and 6 h..8 h */
        CHECK_INT_EQ(x->paused_seconds, 2 * HOUR + HOUR + 2 * HOUR);
        CHECK_STR_EQ(x->caller_phone, "138-0013 8000");
    }
    kb_incident_free(x);

    /* unknown numbers */
    CHECK_INT_EQ(kb_incident_get(s, "INC-20990101-0001", &x, &err), KB_ENOTFOUND);
    CHECK(x == NULL);
    CHECK_INT_EQ(kb_incident_update(s, "INC-20990101-0001", &u1, T0, NULL, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_incident_reopen(s, "INC-20990101-0001", NULL, NULL, "r", T0, NULL, &err),
                 KB_ENOTFOUND);

    /* lists: newest first, filters, paging */
    kb_inc_filter f = { .complaint = -1 };
    kb_inc_list *l = NULL;
    CHECK_INT_EQ(kb_incident_list(s, &f, &l, &err), KB_OK);
    if (l) {
        CHECK_INT_EQ(l->total, 3);
        CHECK_INT_EQ(l->n, 3);
        if (l->n == 3) {
            CHECK_STR_EQ(l->items[0]->number, c->number);
            CHECK_STR_EQ(l->items[2]->number, a->number);
            CHECK_INT_EQ(l->items[0]->nevents, 0);
        }
    }
    kb_incident_list_free(l);
    f.limit = 1;
    f.offset = 1;
    CHECK_INT_EQ(kb_incident_list(s, &f, &l, &err), KB_OK);
    CHECK(l && l->total == 3 && l->n == 1 && strcmp(l->items[0]->number, b->number) == 0);
    kb_incident_list_free(l);
    f.limit = 0;
    f.offset = 10;
    CHECK_INT_EQ(kb_incident_list(s, &f, &l, &err), KB_OK);
    CHECK(l && l->total == 3 && l->n == 0);
    kb_incident_list_free(l);
    f.offset = 0;

    kb_inc_filter g = f;
    g.phone = "13800138000";
    CHECK_INT_EQ(list_total(s, &g), 2);
    g.phone = "138 0013-8000";
    CHECK_INT_EQ(list_total(s, &g), 2);
    g.phone = "+86 138 0013 8000"; /* one phone rule (kb_phone.h) on both sides */
    CHECK_INT_EQ(list_total(s, &g), 2);
    g.phone = "3800 138"; /* any part of at least 4 digits */
    CHECK_INT_EQ(list_total(s, &g), 2);
    g.phone = "13900139999";
    CHECK_INT_EQ(list_total(s, &g), 0);
    g.phone = "138"; /* too short to look for */
    CHECK_INT_EQ(list_total(s, &g), 0);
    g.phone = "call me";
    CHECK_INT_EQ(list_total(s, &g), 0);
    g = f;
    g.status_mask = 1u << KB_INC_NEW;
    CHECK_INT_EQ(list_total(s, &g), 2);
    g.status_mask = (1u << KB_INC_NEW) | (1u << KB_INC_IN_PROGRESS);
    CHECK_INT_EQ(list_total(s, &g), 3);
    g.status_mask = 1u << KB_INC_CLOSED;
    CHECK_INT_EQ(list_total(s, &g), 0);
    g = f;
    g.priority = 3;
    CHECK_INT_EQ(list_total(s, &g), 1);
    g = f;
    g.assignee = "zhang";
    CHECK_INT_EQ(list_total(s, &g), 1);
    g.assignee = "zhan";
    CHECK_INT_EQ(list_total(s, &g), 0);
    g = f;
    g.category = "network";
    CHECK_INT_EQ(list_total(s, &g), 1);
    g = f;
    g.complaint = 1;
    CHECK_INT_EQ(list_total(s, &g), 1);
    g.complaint = 0;
    CHECK_INT_EQ(list_total(s, &g), 2);
    g = f;
    g.q = "VPN";
    CHECK_INT_EQ(list_total(s, &g), 1);
    g.q = "100%";
    CHECK_INT_EQ(list_total(s, &g), 3);
    g.q = "100%here";
    CHECK_INT_EQ(list_total(s, &g), 0); /* % is literal, not a wildcard */
    g.q = "_";
    CHECK_INT_EQ(list_total(s, &g), 0);
    g.q = "20260102";
    CHECK_INT_EQ(list_total(s, &g), 1);
    g.q = "李雷"; /* the caller's name */
    CHECK_INT_EQ(list_total(s, &g), 3);
    g.q = "韩梅梅";
    CHECK_INT_EQ(list_total(s, &g), 0);
    g = f;
    g.from = T0 + DAY;
    CHECK_INT_EQ(list_total(s, &g), 1);
    g.from = 0;
    g.to = T0 + DAY;
    CHECK_INT_EQ(list_total(s, &g), 2);
    g.from = T0;
    g.to = T0 + 15;
    CHECK_INT_EQ(list_total(s, &g), 1);

    /* At risk a day later: b's response (P3, due T0 + 4 h) and a's resolution (P2, 8 h
     * plus 5 h off the clock) are overdue; c (P1, just created) has 15 min to respond. */
    kb_incident_sla sla;
    kb_incident_sla_default(&sla);
    CHECK_INT_EQ(kb_incident_at_risk(s, &sla, T0 + DAY + 5, 10, 0, 0, &l, &err), KB_OK);
    if (l) {
        CHECK_INT_EQ(l->total, 2);
        if (l->n == 2) {
            CHECK_STR_EQ(l->items[0]->number, b->number); /* soonest due first */
            CHECK_STR_EQ(l->items[1]->number, a->number);
        }
    }
    kb_incident_list_free(l);
    CHECK_INT_EQ(kb_incident_at_risk(s, &sla, T0 + DAY + 5, 15 * MIN, 0, 0, &l, &err), KB_OK);
    if (l) {
        CHECK_INT_EQ(l->total, 3);
        if (l->n == 3)
            CHECK_STR_EQ(l->items[2]->number, c->number);
    }
    kb_incident_list_free(l);
    CHECK_INT_EQ(kb_incident_at_risk(s, &sla, T0 + DAY + 5, 15 * MIN, 1, 1, &l, &err), KB_OK);
    CHECK(l && l->total == 3 && l->n == 1 && strcmp(l->items[0]->number, a->number) == 0);
    /* the loaders fill the pauses from the timeline: a's add up to its time off */
    if (l && l->n == 1) {
        long long sum = 0;
        for (size_t i = 0; i < l->items[0]->npauses; i++)
            sum += l->items[0]->pauses[i].to - l->items[0]->pauses[i].from;
        CHECK(l->items[0]->npauses > 0);
        CHECK_INT_EQ(sum, l->items[0]->paused_seconds);
    }
    kb_incident_list_free(l);
    kb_incident *again = NULL;
    CHECK_INT_EQ(kb_incident_get(s, a->number, &again, &err), KB_OK);
    if (again) {
        long long sum = 0;
        for (size_t i = 0; i < again->npauses; i++)
            sum += again->pauses[i].to - again->pauses[i].from;
        CHECK(again->npauses > 0);
        CHECK_INT_EQ(sum, again->paused_seconds);
    }
    kb_incident_free(again);
out:
    kb_incident_free(a);
    kb_incident_free(b);
    kb_incident_free(c);
}

/* Concurrent writers, each on its own connection: creations and notes on one shared
 * incident. Every number is distinct and every note is in the timeline. */
#define NTHREADS 4
#define PER_THREAD 12

typedef struct {
    const char *path;
    const char *shared;
    int id;
    char numbers[PER_THREAD][40];
    int failures;
} worker;

static void *work(void *p)
{
    worker *w = p;
    kb_store *s = NULL;
    kb_err err;
    if (kb_store_open(w->path, KB_STORE_EXISTING, &s, &err) != KB_OK) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < PER_THREAD; i++) {
        kb_inc_create in = { .caller_name = "c", .channel = "web", .category = "other",
                             .summary = "load", .priority = 4 };
        kb_incident *inc = NULL;
        if (kb_incident_create(s, &in, T0 + 2 * DAY, &inc, &err) != KB_OK) {
            w->failures++;
            continue;
        }
        snprintf(w->numbers[i], sizeof w->numbers[i], "%s", inc->number);
        kb_incident_free(inc);
        char note[64];
        snprintf(note, sizeof note, "note %d-%d", w->id, i);
        kb_inc_update u = { .note = note, .actor = "worker" };
        if (kb_incident_update(s, w->shared, &u, T0 + 2 * DAY, NULL, &err) != KB_OK)
            w->failures++;
    }
    kb_store_free(s);
    return NULL;
}

static void test_store_concurrency(kb_store *s, const char *path)
{
    kb_incident *shared = create(s, T0 + 3 * DAY, "shared", NULL, "other", 4);
    if (!shared)
        return;
    worker w[NTHREADS];
    pthread_t th[NTHREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < NTHREADS; i++) {
        w[i].path = path;
        w[i].shared = shared->number;
        w[i].id = i;
        CHECK_INT_EQ(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    int dup = 0;
    for (int i = 0; i < NTHREADS * PER_THREAD; i++)
        for (int j = i + 1; j < NTHREADS * PER_THREAD; j++)
            dup += strcmp(w[i / PER_THREAD].numbers[i % PER_THREAD],
                          w[j / PER_THREAD].numbers[j % PER_THREAD]) == 0;
    CHECK_INT_EQ(dup, 0);
    for (int i = 0; i < NTHREADS; i++)
        CHECK_INT_EQ(w[i].failures, 0);
    /* numbers of the day are 0001..0048 */
    char last[40];
    kb_incident_format_number(T0 + 2 * DAY, NTHREADS * PER_THREAD, last, sizeof last);
    kb_incident *x = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_incident_get(s, last, &x, &err), KB_OK);
    kb_incident_free(x);
    CHECK_INT_EQ(kb_incident_get(s, shared->number, &x, &err), KB_OK);
    if (x) {
        CHECK_INT_EQ(x->nevents, 1 + NTHREADS * PER_THREAD);
        int found = 0;
        for (int t = 0; t < NTHREADS; t++) {
            for (int i = 0; i < PER_THREAD; i++) {
                char note[64];
                snprintf(note, sizeof note, "note %d-%d", t, i);
                for (size_t k = 0; k < x->nevents; k++)
                    if (strcmp(x->events[k].note, note) == 0) {
                        found++;
                        break;
                    }
            }
        }
        CHECK_INT_EQ(found, NTHREADS * PER_THREAD);
    }
    kb_incident_free(x);
    kb_incident_free(shared);
}

int main(void)
{
    test_enums();
    test_priority();
    test_transitions();
    test_updates();
    test_followup();
    test_sla();
    test_sla_parse();
    test_sla_business();
    test_new_checks();
    test_numbers_and_times();

    test_groups();

    fixture fx;
    if (fixture_open(&fx, "incident") == 0) {
        CHECK_INT_EQ(fixture_user(fx.s, "zhang"), KB_OK); /* assignees are users */
        test_store_lifecycle(fx.s);
        test_store_concurrency(fx.s, fx.path);
        kb_store_free(fx.s);
        /* the schema is current: opening it as it is (as the server's pool does) works */
        kb_err err;
        CHECK_INT_EQ(kb_store_open(fx.path, KB_STORE_EXISTING, &fx.s, &err), KB_OK);
        fixture_close(&fx);
    }
    return CHECK_DONE("test_incident");
}
