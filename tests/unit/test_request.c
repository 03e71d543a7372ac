/* Service requests: the catalogue's checks and file, form values, the lifecycle with its
 * four-eyes and scope rules, the fulfilment clock (paused while awaiting approval), loans
 * past their return date, notifications in the same transaction, lists and the report. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_group.h"
#include "kb_notify.h"
#include "kb_request.h"

#define T0 1772442000LL /* 2026-03-02T09:00:00Z, a Monday */
#define HOUR 3600LL
#define DAY 86400LL

static const kb_req_field_in account_form[] = {
    { "employee", "员工姓名", "text", 1, NULL, 0, 10 },
    { "start_date", "入职日期", "date", 1, NULL, 0, 0 },
    { "seats", "数量", "number", 0, NULL, 0, 0 },
    { "mailbox", "需要邮箱", "bool", 0, NULL, 0, 0 },
    { "level", "权限", "choice", 0, (const char *const[]){ "只读", "读写" }, 2, 0 },
    { "manager", "主管", "user", 0, NULL, 0, 0 },
};

static kb_req_item_in account_item(void)
{
    kb_req_item_in in;
    memset(&in, 0, sizeof in);
    in.name = "新账号";
    in.category = "account";
    in.sla = "8h";
    in.approval = 1;
    in.active = 1;
    in.group = "桌面组";
    in.set_fields = 1;
    in.fields = account_form;
    in.nfields = sizeof account_form / sizeof account_form[0];
    in.actor = "admin1";
    return in;
}

static void test_item_checks(void)
{
    kb_err err;
    kb_req_item_in in = account_item();
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_OK);
    in.sla = "8x";
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_EINVAL);
    in = account_item();
    in.category = "toys";
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "category") != NULL);
    kb_req_field_in bad[2] = { { "Key", "x", "text", 0, NULL, 0, 0 },
                               { "k", "x", "text", 0, NULL, 0, 0 } };
    in = account_item();
    in.fields = bad;
    in.nfields = 1;
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_EINVAL);
    bad[0].key = "k";
    in.nfields = 2;
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_EINVAL); /* twice */
    CHECK(strstr(err.msg, "twice") != NULL);
    kb_req_field_in ch = { "c", "x", "choice", 0, NULL, 0, 0 };
    in.fields = &ch;
    in.nfields = 1;
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_EINVAL); /* no choices */
    kb_req_field_in ty = { "c", "x", "colour", 0, NULL, 0, 0 };
    in.fields = &ty;
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_EINVAL);
    kb_req_field_in len = { "c", "x", "text", 0, NULL, 0, KB_REQ_MAX_VALUE + 1 };
    in.fields = &len;
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_EINVAL);
    in.nfields = KB_REQ_MAX_FIELDS + 1;
    CHECK_INT_EQ(kb_req_item_check(&in, 1, &err), KB_EINVAL);
}

static void test_catalogue_file(void)
{
    const char good[] = "# demo\n[新账号]\ncategory = account\nsla = 2d\nhours = business\n"
                        "approval = yes\nfield = employee | 员工 | text | required | max=50\n"
                        "field = level | 权限 | choice | choices=只读,读写\n\n"
                        "[借用笔记本]\ncategory = loan\nsla = 1d\nloan = yes\n";
    kb_req_catalogue c;
    size_t line = 0;
    kb_err err;
    CHECK_INT_EQ(kb_req_catalogue_parse(good, strlen(good), &c, &line, &err), KB_OK);
    CHECK_INT_EQ(c.n, 2);
    if (c.n == 2) {
        CHECK_STR_EQ(c.items[0].name, "新账号");
        CHECK_INT_EQ(c.items[0].approval, 1);
        CHECK_INT_EQ(c.items[0].nfields, 2);
        CHECK_INT_EQ(c.items[0].fields[1].nchoices, 2);
        CHECK_STR_EQ(c.items[0].fields[1].choices[1], "读写");
        CHECK_INT_EQ(c.items[1].loan, 1);
    }
    kb_req_catalogue_free(&c);
    const char bad[] = "[x]\ncategory = account\nsla = 2d\nflavour = sweet\n";
    CHECK_INT_EQ(kb_req_catalogue_parse(bad, strlen(bad), &c, &line, &err), KB_EPARSE);
    CHECK_INT_EQ(line, 4);
    const char no_sla[] = "[x]\ncategory = account\n[y]\n";
    CHECK_INT_EQ(kb_req_catalogue_parse(no_sla, strlen(no_sla), &c, &line, &err), KB_EPARSE);
    const char stray[] = "sla = 2d\n";
    CHECK_INT_EQ(kb_req_catalogue_parse(stray, strlen(stray), &c, &line, &err), KB_EPARSE);
    CHECK_INT_EQ(line, 1);
}

static kb_request *create(kb_store *s, long long item, const char *actor, long long now,
                          const kb_req_value_in *v, size_t n, const char *ret, kb_status want)
{
    kb_req_create in;
    memset(&in, 0, sizeof in);
    in.item = item;
    in.caller_name = "王芳";
    in.values = v;
    in.nvalues = n;
    in.return_date = ret;
    in.actor = actor;
    kb_request *r = NULL;
    kb_err err;
    kb_status rc = kb_request_create(s, &in, now, &r, &err);
    CHECK_INT_EQ(rc, want);
    if (rc != want)
        fprintf(stderr, "create: %s\n", err.msg);
    return r;
}

static kb_status act(kb_store *s, const char *number, kb_req_action a, const char *who,
                     unsigned roles, const char *note, long long now)
{
    kb_req_act x = { who, roles, note };
    kb_err err;
    return kb_request_act(s, number, a, &x, now, NULL, &err);
}

static long long count_outbox(kb_store *s, const char *event)
{
    kb_notify_msg **v = NULL;
    size_t n = 0;
    kb_err err;
    long long k = 0;
    if (kb_notify_list(s, NULL, 0, 200, &v, &n, &err) == KB_OK)
        for (size_t i = 0; i < n; i++)
            k += strcmp(v[i]->event, event) == 0;
    kb_notify_msgs_free(v, n);
    return k;
}

static void test_lifecycle(kb_store *s)
{
    kb_err err;
    CHECK_INT_EQ(fixture_user(s, "eng.a"), KB_OK);
    CHECK_INT_EQ(fixture_user(s, "eng.b"), KB_OK);
    CHECK_INT_EQ(fixture_user(s, "boss"), KB_OK);
    const char *members[] = { "eng.a" };
    CHECK_INT_EQ(kb_group_create(s, "桌面组", members, 1, NULL, "admin1", T0, NULL, &err), KB_OK);
    /* a channel of every event, so the outbox shows what was sent */
    kb_notify_channel *ch = kb_notify_channel_new();
    kb_notify_set(&ch->name, "all");
    ch->kind = KB_NOTIFY_WEBHOOK;
    kb_notify_set(&ch->url, "http://127.0.0.1:9/hook");
    ch->events = (1u << KB_NOTIFY_NEVENTS) - 1;
    ch->enabled = 1;
    CHECK_INT_EQ(kb_notify_channel_put(s, ch, "admin1", T0, &err), KB_OK);
    kb_notify_channel_free(ch);

    kb_req_item_in in = account_item();
    kb_req_item *it = NULL;
    CHECK_INT_EQ(kb_req_item_create(s, &in, T0, &it, &err), KB_OK);
    CHECK_INT_EQ(kb_req_item_create(s, &in, T0, NULL, &err), KB_EEXIST);
    if (!it)
        return;
    long long item = it->id;
    CHECK_INT_EQ(it->nfields, 6);
    CHECK_INT_EQ(it->fields[0].max_length, 10);
    CHECK_INT_EQ(it->fields[1].max_length, 0);

    /* form values: unknown key, missing required, wrong type, too long, not a choice */
    kb_req_value_in v[4] = { { "employee", KB_REQ_V_STRING, "李雷" },
                             { "start_date", KB_REQ_V_STRING, "2026-03-09" },
                             { "seats", KB_REQ_V_NUMBER, "2" },
                             { "mailbox", KB_REQ_V_BOOL, "true" } };
    kb_req_value *vals = NULL;
    CHECK_INT_EQ(kb_request_check_values(it, v, 4, &vals, &err), KB_OK);
    if (vals) {
        CHECK_STR_EQ(vals[2].value, "2");
        CHECK_STR_EQ(vals[4].value, "");
    }
    kb_request_values_free(vals, it->nfields);
    kb_req_value_in x = { "nope", KB_REQ_V_STRING, "x" };
    CHECK_INT_EQ(kb_request_check_values(it, &x, 1, &vals, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "fields.nope") != NULL);
    CHECK_INT_EQ(kb_request_check_values(it, v, 1, &vals, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "start_date") != NULL);
    kb_req_value_in w[2] = { v[0], { "start_date", KB_REQ_V_NUMBER, "20260309" } };
    CHECK_INT_EQ(kb_request_check_values(it, w, 2, &vals, &err), KB_EINVAL);
    w[1] = (kb_req_value_in){ "start_date", KB_REQ_V_STRING, "2026-02-30" };
    CHECK_INT_EQ(kb_request_check_values(it, w, 2, &vals, &err), KB_EINVAL);
    w[0] = (kb_req_value_in){ "employee", KB_REQ_V_STRING, "12345678901" };
    w[1] = v[1];
    CHECK_INT_EQ(kb_request_check_values(it, w, 2, &vals, &err), KB_EINVAL);
    kb_req_value_in c3[3] = { v[0], v[1], { "level", KB_REQ_V_STRING, "管理" } };
    CHECK_INT_EQ(kb_request_check_values(it, c3, 3, &vals, &err), KB_EINVAL);
    c3[2] = (kb_req_value_in){ "seats", KB_REQ_V_NUMBER, "1e300" };
    CHECK_INT_EQ(kb_request_check_values(it, c3, 3, &vals, &err), KB_EINVAL);
    c3[2] = (kb_req_value_in){ "manager", KB_REQ_V_STRING, "nobody" };
    kb_request_free(create(s, item, "agent1", T0, c3, 3, NULL, KB_EINVAL)); /* no such user */
    kb_request_free(create(s, item, "agent1", T0, v, 2, "2026-03-05", KB_EINVAL)); /* no loan */
    kb_request_free(create(s, 999, "agent1", T0, v, 2, NULL, KB_EINVAL));

    /* awaiting approval: the clock stands still for two hours */
    kb_request *r = create(s, item, "agent1", T0, v, 2, NULL, KB_OK);
    if (!r)
        return;
    CHECK_STR_EQ(r->number, "REQ-20260302-0001");
    CHECK_INT_EQ(r->status, KB_REQ_AWAITING_APPROVAL);
    CHECK_INT_EQ(count_outbox(s, "request_approval"), 1);
    kb_incident_sla desk;
    kb_incident_sla_default(&desk);
    kb_inc_sla_state st;
    kb_request_sla_state(r, &desk, T0 + HOUR, &st);
    CHECK(st.paused);
    CHECK_INT_EQ(st.resolve_remaining, 8 * HOUR);
    char number[32];
    snprintf(number, sizeof number, "%s", r->number);
    kb_request_free(r);

    /* four-eyes: not the requester, and only approvers */
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_APPROVE, "agent1", KB_ROLE_AGENT | KB_ROLE_APPROVER,
                     NULL, T0 + HOUR), KB_EDENIED);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_APPROVE, "eng.a", KB_ROLE_ENGINEER, NULL,
                     T0 + HOUR), KB_EDENIED);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_START, "eng.a", KB_ROLE_ENGINEER, NULL, T0 + HOUR),
                 KB_EEXIST);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_REJECT, "boss", KB_ROLE_APPROVER, NULL, T0 + HOUR),
                 KB_EINVAL); /* a reason */
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_APPROVE, "boss", KB_ROLE_APPROVER, "ok",
                     T0 + 2 * HOUR), KB_OK);
    CHECK_INT_EQ(count_outbox(s, "request_approved"), 1);
    CHECK_INT_EQ(kb_request_get(s, number, &r, &err), KB_OK);
    if (r) {
        CHECK_INT_EQ(r->status, KB_REQ_APPROVED);
        CHECK_STR_EQ(r->decided_by, "boss");
        kb_request_sla_state(r, &desk, T0 + 3 * HOUR, &st);
        CHECK(!st.paused);
        CHECK_INT_EQ(st.resolve_due, T0 + 10 * HOUR); /* 8 h plus the 2 h of approval */
        CHECK_INT_EQ(r->nevents, 2);
    }
    kb_request_free(r);

    /* fulfilment: engineers of the group only (eng.b is not in it) */
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_START, "eng.b", KB_ROLE_ENGINEER, NULL,
                     T0 + 3 * HOUR), KB_EDENIED);
    kb_req_act up = { "eng.b", KB_ROLE_ENGINEER, NULL };
    CHECK_INT_EQ(kb_request_update(s, number, "eng.a", &up, T0 + 3 * HOUR, NULL, &err),
                 KB_EDENIED);
    kb_req_act desk_agent = { "agent1", KB_ROLE_AGENT, NULL };
    CHECK_INT_EQ(kb_request_update(s, number, "eng.b", &desk_agent, T0 + 3 * HOUR, NULL, &err),
                 KB_EINVAL); /* not a member */
    CHECK_INT_EQ(kb_request_update(s, number, "eng.a", &desk_agent, T0 + 3 * HOUR, NULL, &err),
                 KB_OK);
    CHECK_INT_EQ(count_outbox(s, "request_assigned"), 1);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_START, "eng.a", KB_ROLE_ENGINEER, NULL,
                     T0 + 4 * HOUR), KB_OK);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_CLOSE, "eng.a", KB_ROLE_ENGINEER, NULL,
                     T0 + 4 * HOUR), KB_EEXIST);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_FULFIL, "eng.a", KB_ROLE_ENGINEER, "账号已开通",
                     T0 + 5 * HOUR), KB_OK);
    CHECK_INT_EQ(count_outbox(s, "request_fulfilled"), 1);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_RETURN, "agent1", KB_ROLE_AGENT, NULL,
                     T0 + 6 * HOUR), KB_EEXIST); /* not a loan */
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_CLOSE, "agent1", KB_ROLE_AGENT, NULL,
                     T0 + 6 * HOUR), KB_OK);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_CANCEL, "agent1", KB_ROLE_AGENT, "x", T0 + 7 * HOUR),
                 KB_EEXIST);

    /* a loan: return date required, overdue after it, the sweep tells once */
    kb_req_item_in loan;
    memset(&loan, 0, sizeof loan);
    loan.name = "借用笔记本";
    loan.category = "loan";
    loan.sla = "1d";
    loan.loan = 1;
    loan.active = 1;
    loan.actor = "admin1";
    kb_req_item *li = NULL;
    CHECK_INT_EQ(kb_req_item_create(s, &loan, T0, &li, &err), KB_OK);
    if (!li)
        return;
    kb_request_free(create(s, li->id, "agent1", T0, NULL, 0, NULL, KB_EINVAL));
    kb_request_free(create(s, li->id, "agent1", T0, NULL, 0, "2026-03-01", KB_EINVAL));
    r = create(s, li->id, "agent1", T0, NULL, 0, "2026-03-04", KB_OK);
    if (r) {
        CHECK_INT_EQ(r->status, KB_REQ_SUBMITTED);
        snprintf(number, sizeof number, "%s", r->number);
        CHECK_STR_EQ(number, "REQ-20260302-0002");
    }
    kb_request_free(r);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_FULFIL, "agent1", KB_ROLE_AGENT, "ThinkPad T14",
                     T0 + HOUR), KB_OK);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_CLOSE, "agent1", KB_ROLE_AGENT, NULL, T0 + HOUR),
                 KB_EEXIST); /* a loan closes by return */
    CHECK_INT_EQ(kb_request_get(s, number, &r, &err), KB_OK);
    if (r) {
        CHECK(!kb_request_loan_overdue(r, T0 + 2 * DAY));
        CHECK(kb_request_loan_overdue(r, T0 + 3 * DAY));
    }
    kb_request_free(r);
    kb_req_filter f;
    memset(&f, 0, sizeof f);
    f.loan_overdue = 1;
    f.now = T0 + 3 * DAY;
    kb_req_list *l = NULL;
    CHECK_INT_EQ(kb_request_list(s, &f, &l, &err), KB_OK);
    CHECK(l && l->total == 1);
    kb_request_list_free(l);
    size_t n = 0;
    CHECK_INT_EQ(kb_notify_sweep(s, T0 + 3 * DAY, 0, &n, &err), KB_OK);
    CHECK_INT_EQ(count_outbox(s, "loan_overdue"), 1);
    CHECK_INT_EQ(kb_notify_sweep(s, T0 + 3 * DAY + HOUR, 0, &n, &err), KB_OK);
    CHECK_INT_EQ(count_outbox(s, "loan_overdue"), 1);
    CHECK_INT_EQ(act(s, number, KB_REQ_ACT_RETURN, "agent1", KB_ROLE_AGENT, NULL, T0 + 3 * DAY),
                 KB_OK);

    /* lists and the report */
    memset(&f, 0, sizeof f);
    f.requested_by = "AGENT1";
    CHECK_INT_EQ(kb_request_list(s, &f, &l, &err), KB_OK);
    CHECK(l && l->total == 2 && l->n == 2 && strcmp(l->items[0]->number, number) == 0);
    kb_request_list_free(l);
    memset(&f, 0, sizeof f);
    f.member_of = "eng.a";
    CHECK_INT_EQ(kb_request_list(s, &f, &l, &err), KB_OK);
    CHECK(l && l->total == 1);
    kb_request_list_free(l);
    kb_req_report rep;
    CHECK_INT_EQ(kb_request_report(s, &desk, T0 - DAY, T0 + DAY, T0 + 4 * DAY, &rep, &err),
                 KB_OK);
    CHECK_INT_EQ(rep.total, 2);
    CHECK_INT_EQ(rep.by_status[KB_REQ_CLOSED], 2);
    CHECK_INT_EQ(rep.fulfilled, 2);
    CHECK_INT_EQ(rep.fulfil_met, 2);
    CHECK_INT_EQ(rep.nitems, 2);
    kb_request_report_clear(&rep);

    /* a change of the item leaves requests as they were */
    kb_req_item_in ch2;
    memset(&ch2, 0, sizeof ch2);
    ch2.approval = ch2.loan = ch2.active = -1;
    ch2.sla = "1h";
    ch2.active = 0;
    CHECK_INT_EQ(kb_req_item_update(s, item, &ch2, T0, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_request_get(s, "REQ-20260302-0001", &r, &err), KB_OK);
    if (r)
        CHECK_STR_EQ(r->sla, "8h");
    kb_request_free(r);
    kb_request_free(create(s, item, "agent1", T0, v, 2, NULL, KB_EINVAL)); /* inactive */
    kb_req_item_free(li);
    kb_req_item_free(it);
}

int main(void)
{
    test_item_checks();
    test_catalogue_file();
    fixture fx;
    if (fixture_open(&fx, "request") == 0) {
        test_lifecycle(fx.s);
        fixture_close(&fx);
    }
    return CHECK_DONE("test_request");
}
