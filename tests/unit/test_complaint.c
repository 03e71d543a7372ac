/* Complaints: raised directly and from a flagged follow-up (once while one is open), due
 * times in working hours, the states (reply before close), bad input, lists and filters,
 * a period's counts, the settings, the overdue sweep (once) and the audit trail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_audit.h"
#include "kb_complaint.h"
#include "kb_group.h"
#include "kb_incident.h"
#include "kb_notify.h"
#include "kb_store.h"
#include "kb_text.h"

#define T0 1772438400LL /* 2026-03-02T08:00:00Z, a Monday */
#define HOUR 3600LL
#define DAY 86400LL

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

static long long count_audit(kb_store *s, const char *action)
{
    kb_audit_filter f;
    memset(&f, 0, sizeof f);
    f.action = action;
    kb_audit_page *p = NULL;
    kb_err err;
    if (kb_audit_list(s, &f, &p, &err) != KB_OK)
        return -1;
    long long n = p->total;
    kb_audit_page_free(p);
    return n;
}

static int audit_intact(kb_store *s)
{
    kb_audit_check c;
    kb_err err;
    return kb_audit_verify(s, &c, &err) == KB_OK && c.ok;
}

static void setup(kb_store *s)
{
    kb_err err;
    CHECK_INT_EQ(fixture_user(s, "eng1"), KB_OK);
    const char *members[] = { "eng1" };
    CHECK_INT_EQ(kb_group_create(s, "桌面组", members, 1, NULL, "admin1", T0, NULL, &err), KB_OK);
    kb_notify_channel *ch = kb_notify_channel_new();
    kb_notify_set(&ch->name, "all");
    ch->kind = KB_NOTIFY_WEBHOOK;
    kb_notify_set(&ch->url, "http://127.0.0.1:9/hook");
    ch->events = (1u << KB_NOTIFY_NEVENTS) - 1;
    ch->enabled = 1;
    CHECK_INT_EQ(kb_notify_channel_put(s, ch, "admin1", T0, &err), KB_OK);
    kb_notify_channel_free(ch);
}

static void incident(kb_store *s, char number[32])
{
    kb_inc_create in = { .caller_name = "王芳", .caller_phone = "13800138000",
                         .department = "财务部", .channel = "phone", .category = "printer",
                         .summary = "打印机脱机", .priority = 3, .actor = "desk",
                         .group = "桌面组" };
    kb_incident *inc = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_incident_create(s, &in, T0, &inc, &err), KB_OK);
    snprintf(number, 32, "%s", inc ? inc->number : "");
    kb_incident_free(inc);
    kb_inc_resolve r = { .actor = "eng1", .resolution = "换了网线" };
    CHECK_INT_EQ(kb_incident_resolve(s, number, &r, T0 + HOUR, NULL, &err), KB_OK);
}

static kb_complaint_list *list(kb_store *s, const kb_complaint_filter *f)
{
    kb_complaint_list *l = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_complaint_list_get(s, f, &l, &err), KB_OK);
    return l;
}

static void test_followup(kb_store *s)
{
    char number[32];
    incident(s, number);
    kb_err err;
    kb_inc_followup f = { .actor = "agent1", .confirmed = 0, .complaint = 1,
                          .comment = "维修人员两天没来\n第二行细节" };
    CHECK_INT_EQ(kb_incident_followup(s, number, &f, T0 + 2 * HOUR, NULL, &err), KB_OK);
    kb_complaint_filter q;
    memset(&q, 0, sizeof q);
    q.incident = number;
    kb_complaint_list *l = list(s, &q);
    CHECK(l && l->total == 1 && l->n == 1);
    if (l && l->n == 1) {
        const kb_complaint *c = l->items[0];
        CHECK_STR_EQ(c->source, "followup");
        CHECK_STR_EQ(c->summary, "维修人员两天没来");
        CHECK_STR_EQ(c->caller, "王芳");
        CHECK_STR_EQ(c->department, "财务部");
        CHECK_STR_EQ(c->owner_group, "桌面组");
        CHECK_STR_EQ(c->created_by, "agent1");
        CHECK(c->state == KB_COMPLAINT_open);
        /* 8 working hours from Monday 10:00 (09:00-18:00): Monday 18:00 */
        CHECK_INT_EQ(c->reply_due, T0 + 10 * HOUR);
    }
    kb_complaint_list_free(l);
    /* a second flagged follow-up while that one is open raises no other */
    kb_inc_resolve r = { .actor = "eng1", .resolution = "再次处理" };
    CHECK_INT_EQ(kb_incident_resolve(s, number, &r, T0 + 3 * HOUR, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_incident_followup(s, number, &f, T0 + 4 * HOUR, NULL, &err), KB_OK);
    l = list(s, &q);
    CHECK(l && l->total == 1);
    kb_complaint_list_free(l);
    CHECK_INT_EQ(count_outbox(s, "complaint_new"), 1);
    /* a follow-up that fails raises nothing (one transaction) */
    f.comment = "";
    CHECK_INT_EQ(kb_incident_followup(s, number, &f, T0 + 5 * HOUR, NULL, &err), KB_EINVAL);
    CHECK_INT_EQ(count_audit(s, "complaint.create"), 1);
}

static void test_direct(kb_store *s)
{
    kb_err err;
    kb_complaint_new in;
    memset(&in, 0, sizeof in);
    kb_complaint *c = NULL;
    in.actor = "agent1";
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &c, &err), KB_EINVAL); /* no summary */
    in.summary = "  ";
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &c, &err), KB_EINVAL);
    in.summary = "一行\n两行";
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &c, &err), KB_EINVAL);
    char big[KB_COMPLAINT_MAX_TEXT + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    in.summary = "态度不好";
    in.detail = big;
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &c, &err), KB_EINVAL);
    in.detail = NULL;
    in.incident = "INC-19990101-0001";
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &c, &err), KB_EINVAL);
    in.incident = NULL;
    in.owner = "nobody";
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &c, &err), KB_EINVAL);
    in.owner = "eng1";
    in.owner_group = "没有的组";
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &c, &err), KB_EINVAL);
    in.owner_group = "桌面组";
    in.caller = "李雷";
    in.channel = "email";
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &c, &err), KB_OK);
    CHECK(c != NULL);
    if (!c)
        return;
    long long id = c->id;
    CHECK_STR_EQ(c->source, "direct");
    CHECK_INT_EQ(c->reply_due, T0 + 9 * HOUR);           /* Monday 17:00 */
    CHECK_INT_EQ(c->close_due, T0 + 4 * DAY + 5 * HOUR); /* Friday 13:00 */
    CHECK(!kb_complaint_overdue(c, T0 + 9 * HOUR));
    CHECK(kb_complaint_overdue(c, T0 + 9 * HOUR + 1));
    kb_complaint_free(c);
    c = NULL;

    /* closing needs a reply first */
    CHECK_INT_EQ(kb_complaint_close(s, id, "人手不足", "增加排班", "eng1", T0 + HOUR, &c, &err),
                 KB_ECONFLICT);
    kb_complaint_change ch;
    memset(&ch, 0, sizeof ch);
    ch.actor = "eng1";
    ch.investigation = "查了排班表";
    CHECK_INT_EQ(kb_complaint_update(s, id, &ch, T0 + HOUR, &c, &err), KB_OK);
    CHECK(c && c->state == KB_COMPLAINT_investigating);
    kb_complaint_free(c);
    c = NULL;
    ch.owner = "ghost";
    CHECK_INT_EQ(kb_complaint_update(s, id, &ch, T0 + HOUR, &c, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_complaint_update(s, 999, &ch, T0 + HOUR, &c, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_complaint_reply(s, id, "", "phone", "eng1", T0 + 2 * HOUR, &c, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_complaint_reply(s, id, "已道歉并安排上门", NULL, "eng1", T0 + 2 * HOUR, &c,
                                    &err), KB_EINVAL);
    CHECK_INT_EQ(kb_complaint_reply(s, id, "已道歉并安排上门", "phone", "eng1", T0 + 2 * HOUR,
                                    &c, &err), KB_OK);
    CHECK(c && c->state == KB_COMPLAINT_replied && c->reply_at == T0 + 2 * HOUR);
    if (c)
        CHECK_STR_EQ(c->reply_by, "eng1");
    kb_complaint_free(c);
    c = NULL;
    CHECK_INT_EQ(kb_complaint_close(s, id, "人手不足", "", "eng1", T0 + 3 * HOUR, &c, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_complaint_close(s, id, "人手不足", "增加排班", "eng1", T0 + 3 * HOUR, &c,
                                    &err), KB_OK);
    CHECK(c && c->state == KB_COMPLAINT_closed && !kb_complaint_overdue(c, T0 + 99 * DAY));
    kb_complaint_free(c);
    c = NULL;
    /* closed is final */
    CHECK_INT_EQ(kb_complaint_reply(s, id, "再说", "phone", "eng1", T0 + 4 * HOUR, &c, &err),
                 KB_ECONFLICT);
    CHECK_INT_EQ(count_audit(s, "complaint.reply"), 1);
    CHECK_INT_EQ(count_audit(s, "complaint.close"), 1);
    CHECK_INT_EQ(count_audit(s, "complaint.update"), 1);
}

static void test_lists(kb_store *s)
{
    kb_complaint_filter f;
    memset(&f, 0, sizeof f);
    kb_complaint_list *l = list(s, &f);
    CHECK(l && l->total == 2);
    kb_complaint_list_free(l);
    f.states = 1u << KB_COMPLAINT_closed;
    l = list(s, &f);
    CHECK(l && l->total == 1 && l->n == 1 && strcmp(l->items[0]->summary, "态度不好") == 0);
    kb_complaint_list_free(l);
    f.states = 0;
    f.q = "两天";
    l = list(s, &f);
    CHECK(l && l->total == 1);
    kb_complaint_list_free(l);
    f.q = NULL;
    f.overdue = 1;
    f.now = T0 + 30 * DAY;
    l = list(s, &f);
    CHECK(l && l->total == 1); /* the follow-up's; the closed one is never overdue */
    kb_complaint_list_free(l);
    f.overdue = 0;
    f.from = T0 + DAY;
    l = list(s, &f);
    CHECK(l && l->total == 0);
    kb_complaint_list_free(l);
    f.from = 0;
    f.limit = 1;
    f.offset = 1;
    l = list(s, &f);
    CHECK(l && l->total == 2 && l->n == 1);
    kb_complaint_list_free(l);

    kb_complaint_counts c;
    kb_err err;
    CHECK_INT_EQ(kb_complaint_counts_get(s, T0 - DAY, T0 + DAY, T0 + 30 * DAY, &c, &err), KB_OK);
    CHECK_INT_EQ(c.raised, 2);
    CHECK_INT_EQ(c.from_followup, 1);
    CHECK_INT_EQ(c.closed, 1);
    CHECK_INT_EQ(c.replied_in_time, 1);
    CHECK_INT_EQ(c.closed_in_time, 1);
    CHECK_INT_EQ(c.overdue, 1);
    CHECK_INT_EQ(c.open_now, 1);
    CHECK_INT_EQ(kb_complaint_counts_get(s, T0 + DAY, T0 + 2 * DAY, T0, &c, &err), KB_OK);
    CHECK_INT_EQ(c.raised, 0);
}

static void test_settings_and_sweep(kb_store *s)
{
    kb_err err;
    long long r = 0, c = 0;
    CHECK_INT_EQ(kb_complaint_due_get(s, &r, &c, &err), KB_OK);
    CHECK(r == KB_COMPLAINT_REPLY_HOURS && c == KB_COMPLAINT_CLOSE_HOURS);
    CHECK_INT_EQ(kb_complaint_due_set(s, 0, 10, "admin1", T0, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_complaint_due_set(s, 10, 9, "admin1", T0, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_complaint_due_set(s, 4, KB_COMPLAINT_MAX_HOURS + 1, "admin1", T0, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_complaint_due_set(s, 4, 18, "admin1", T0, &err), KB_OK);
    CHECK_INT_EQ(kb_complaint_due_get(s, &r, &c, &err), KB_OK);
    CHECK(r == 4 && c == 18);
    kb_complaint_new in;
    memset(&in, 0, sizeof in);
    in.summary = "电话没人接";
    in.actor = "agent1";
    kb_complaint *x = NULL;
    CHECK_INT_EQ(kb_complaint_create(s, &in, T0, &x, &err), KB_OK);
    CHECK(x && x->reply_due == T0 + 5 * HOUR && x->close_due == T0 + DAY + 10 * HOUR);
    kb_complaint_free(x);

    size_t n = 0;
    CHECK_INT_EQ(kb_complaint_sweep(s, T0 + HOUR, &n, &err), KB_OK);
    CHECK_INT_EQ((long long)n, 0);
    /* later: the follow-up's complaint and this one are overdue, told once each */
    CHECK_INT_EQ(kb_complaint_sweep(s, T0 + 30 * DAY, &n, &err), KB_OK);
    CHECK_INT_EQ((long long)n, 2);
    CHECK_INT_EQ(kb_notify_sweep(s, T0 + 31 * DAY, 0, NULL, &err), KB_OK);
    CHECK_INT_EQ(count_outbox(s, "complaint_overdue"), 2);
    CHECK(audit_intact(s));
}

/* A later reply is kept beside the first, whose time stays the reply time; a follow-up's
 * comment longer than a complaint's detail is cut at a character boundary and marked. */
static void test_record(kb_store *s)
{
    long long t = T0 + 35 * DAY;
    kb_err err;
    kb_complaint_new in = { .summary = "答复后更正", .actor = "agent1" };
    kb_complaint *c = NULL;
    CHECK_INT_EQ(kb_complaint_create(s, &in, t, &c, &err), KB_OK);
    long long id = c ? c->id : 0;
    kb_complaint_free(c);
    c = NULL;
    CHECK_INT_EQ(kb_complaint_reply(s, id, "已道歉", "phone", "eng1", t + 60, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_complaint_reply(s, id, "已道歉并上门", "visit", "agent1", t + 5 * DAY, &c,
                                    &err), KB_OK);
    CHECK(c && c->reply_at == t + 60 && c->nreplies == 2);
    if (c && c->nreplies == 2) {
        CHECK_STR_EQ(c->reply, "已道歉");
        CHECK_STR_EQ(c->replies[1].text, "已道歉并上门");
        CHECK_STR_EQ(c->replies[1].by, "agent1");
        CHECK_INT_EQ(c->replies[1].at, t + 5 * DAY);
    }
    kb_complaint_free(c);
    c = NULL;
    CHECK_INT_EQ(kb_complaint_get(s, id, &c, &err), KB_OK);
    CHECK(c && c->nreplies == 2 && c->replies[0].at == t + 60);
    kb_complaint_free(c);

    char number[32];
    incident(s, number);
    char *comment = malloc(12001);
    for (int i = 0; i < 4000; i++)
        memcpy(comment + 3 * i, "慢", 3);
    comment[12000] = '\0';
    kb_inc_followup f = { .actor = "agent1", .complaint = 1, .comment = comment };
    CHECK_INT_EQ(kb_incident_followup(s, number, &f, t, NULL, &err), KB_OK);
    kb_complaint_filter q;
    memset(&q, 0, sizeof q);
    q.incident = number;
    kb_complaint_list *l = list(s, &q);
    CHECK(l && l->n == 1);
    if (l && l->n == 1) {
        const char *d = l->items[0]->detail;
        size_t len = strlen(d);
        CHECK(len <= KB_COMPLAINT_MAX_TEXT && len > KB_COMPLAINT_MAX_TEXT - 6);
        CHECK(len >= 3 && strcmp(d + len - 3, "…") == 0 && memcmp(d, comment, len - 3) == 0);
        CHECK_INT_EQ(kb_text_utf8_bad_at(d, len), len);
    }
    kb_complaint_list_free(l);
    free(comment);
}

int main(void)
{
    fixture fx;
    if (fixture_open(&fx, "complaint") != 0)
        return CHECK_DONE("test_complaint");
    CHECK(kb_complaint_state_of("replied") == KB_COMPLAINT_replied);
    CHECK(kb_complaint_state_of("Closed") == -1 && kb_complaint_state_name(9) == NULL);
    setup(fx.s);
    test_followup(fx.s);
    test_direct(fx.s);
    test_lists(fx.s);
    test_settings_and_sweep(fx.s);
    test_record(fx.s);
    fixture_close(&fx);
    return CHECK_DONE("test_complaint");
}
