/* Review meetings: checks, links to incidents and complaints, the figures kept as given,
 * actions with owner and due day, carry-over to later meetings until done, the list of
 * actions by state and overdue, audit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_audit.h"
#include "kb_complaint.h"
#include "kb_meeting.h"
#include "kb_store.h"
#include "kb_text.h"

#define T0 1772438400LL /* 2026-03-02T08:00:00Z */
#define DAY 86400LL

static long long meeting(kb_store *s, const char *day, const char *from, const char *to,
                         const kb_qaction_in *acts, size_t nacts, const char *const *links,
                         size_t nlinks)
{
    const char *att[] = { "张经理", "李工" };
    kb_meeting_in in = { .day = day, .title = "周例会", .attendees = att, .nattendees = 2,
                         .period_from = from, .period_to = to, .figures = "{\"total\":5}",
                         .links = links, .nlinks = nlinks, .causes = "备件不足",
                         .actions = acts, .nactions = nacts, .actor = "agent1" };
    kb_meeting *m = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_meeting_create(s, &in, T0, &m, &err), KB_OK);
    long long id = m ? m->id : 0;
    kb_meeting_free(m);
    return id;
}

static void test_checks(kb_store *s)
{
    kb_err err;
    kb_meeting *m = NULL;
    kb_qaction_in bad[] = { { "补充备件", "", "2026-03-10" } };
    kb_meeting_in in = { .day = "2026-03-06", .title = "周例会", .period_from = "2026-03-01",
                         .period_to = "2026-03-06", .actions = bad, .nactions = 1 };
    CHECK_INT_EQ(kb_meeting_create(s, &in, T0, &m, &err), KB_EINVAL); /* no owner */
    bad[0].owner = "李工";
    bad[0].due = "2026-02-30";
    CHECK_INT_EQ(kb_meeting_create(s, &in, T0, &m, &err), KB_EINVAL);
    bad[0].due = "2026-03-10";
    in.period_to = "2026-02-01";
    CHECK_INT_EQ(kb_meeting_create(s, &in, T0, &m, &err), KB_EINVAL);
    in.period_to = "2026-03-06";
    in.day = "06/03/2026";
    CHECK_INT_EQ(kb_meeting_create(s, &in, T0, &m, &err), KB_EINVAL);
    in.day = "2026-03-06";
    const char *links[] = { "INC-19990101-0001" };
    in.links = links;
    in.nlinks = 1;
    CHECK_INT_EQ(kb_meeting_create(s, &in, T0, &m, &err), KB_EINVAL);
    links[0] = "complaint:x";
    CHECK_INT_EQ(kb_meeting_create(s, &in, T0, &m, &err), KB_EINVAL);
    /* a complaint's id is digits only: no sign, no spaces (strtoll would take them) */
    kb_complaint_new cn = { .summary = "链接检查", .actor = "agent1" };
    kb_complaint *c = NULL;
    CHECK_INT_EQ(kb_complaint_create(s, &cn, T0, &c, &err), KB_OK);
    CHECK(c && c->id == 1);
    kb_complaint_free(c);
    const char *odd[] = { "complaint:+1", "complaint: 1", "complaint:\t1", "complaint:1 ",
                          "complaint:-1", "complaint:0", "complaint:", "complaint:1x",
                          "complaint:99999999999999999999" };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        links[0] = odd[i];
        CHECK_INT_EQ(kb_meeting_create(s, &in, T0, &m, &err), KB_EINVAL);
    }
    CHECK(m == NULL);
    CHECK(kb_qaction_state_of("in_progress") == KB_QACTION_in_progress &&
          kb_qaction_state_of("Done") == -1);
}

static void test_carry(kb_store *s)
{
    kb_err err;
    kb_complaint_new cn = { .summary = "等了两天", .actor = "agent1" };
    kb_complaint *c = NULL;
    CHECK_INT_EQ(kb_complaint_create(s, &cn, T0, &c, &err), KB_OK);
    char link[32];
    snprintf(link, sizeof link, "complaint:%lld", c ? c->id : 0);
    kb_complaint_free(c);
    const char *links[] = { link };
    kb_qaction_in acts[] = { { "补充硒鼓库存", "李工", "2026-03-10" },
                             { "培训接线员", "张经理", "2026-03-20" } };
    long long m1 = meeting(s, "2026-03-06", "2026-03-01", "2026-03-06", acts, 2, links, 1);
    kb_meeting *m = NULL;
    CHECK_INT_EQ(kb_meeting_get(s, m1, &m, &err), KB_OK);
    CHECK(m && m->nactions == 2 && m->ncarried == 0 && m->nattendees == 2 && m->nlinks == 1);
    if (m) {
        CHECK_STR_EQ(m->figures, "{\"total\":5}");
        CHECK_STR_EQ(m->attendees[1], "李工");
        CHECK_STR_EQ(m->actions[0].meeting_day, "2026-03-06");
    }
    long long a1 = m && m->nactions ? m->actions[0].id : 0;
    long long a2 = m && m->nactions > 1 ? m->actions[1].id : 0;
    kb_meeting_free(m);

    /* a1 done the day of the next meeting: still on its agenda; a2 open: carried */
    kb_qaction a;
    kb_qaction_change ch = { .state = KB_QACTION_done, .note = "已到货", .actor = "李工" };
    CHECK_INT_EQ(kb_qaction_update(s, a1, &ch, T0 + 11 * DAY, &a, &err), KB_OK);
    CHECK(a.state == KB_QACTION_done && a.finished_at == T0 + 11 * DAY);
    CHECK_STR_EQ(a.finished_by, "李工");
    kb_qaction_free_fields(&a);
    long long m2 = meeting(s, "2026-03-13", "2026-03-07", "2026-03-13", NULL, 0, NULL, 0);
    CHECK_INT_EQ(kb_meeting_get(s, m2, &m, &err), KB_OK);
    CHECK(m && m->nactions == 0 && m->ncarried == 2);
    kb_meeting_free(m);
    long long m3 = meeting(s, "2026-03-20", "2026-03-14", "2026-03-20", NULL, 0, NULL, 0);
    CHECK_INT_EQ(kb_meeting_get(s, m3, &m, &err), KB_OK);
    CHECK(m && m->ncarried == 1 && m->carried[0].id == a2);
    kb_meeting_free(m);

    CHECK_INT_EQ(kb_qaction_add(s, m3, &(kb_qaction_in){ "回访抽查", "王", "2026-03-25" },
                                "agent1", T0, &a, &err), KB_OK);
    kb_qaction_free_fields(&a);
    CHECK_INT_EQ(kb_qaction_add(s, 999, &(kb_qaction_in){ "x", "y", "2026-03-25" }, "agent1",
                                T0, &a, &err), KB_ENOTFOUND);
    ch = (kb_qaction_change){ .state = -1, .due = "2026-13-01" };
    CHECK_INT_EQ(kb_qaction_update(s, a2, &ch, T0, &a, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_qaction_update(s, 999, &(kb_qaction_change){ .state = -1 }, T0, &a, &err),
                 KB_ENOTFOUND);

    kb_qaction_filter f = { .states = (1u << KB_QACTION_open) | (1u << KB_QACTION_in_progress),
                            .limit = 50 };
    kb_qaction *v = NULL;
    size_t n = 0;
    long long total = 0;
    CHECK_INT_EQ(kb_qaction_list(s, &f, &v, &n, &total, &err), KB_OK);
    CHECK(n == 2 && total == 2 && v && v[0].id == a2);
    kb_qactions_free(v, n);
    f.overdue = 1;
    f.today = "2026-03-21";
    CHECK_INT_EQ(kb_qaction_list(s, &f, &v, &n, &total, &err), KB_OK);
    CHECK(n == 1 && v && v[0].id == a2 && kb_qaction_overdue(&v[0], "2026-03-21"));
    kb_qactions_free(v, n);
    f.today = NULL;
    CHECK_INT_EQ(kb_qaction_list(s, &f, &v, &n, &total, &err), KB_EINVAL);
    f = (kb_qaction_filter){ .owner = "李工", .limit = 50 };
    CHECK_INT_EQ(kb_qaction_list(s, &f, &v, &n, &total, &err), KB_OK);
    CHECK(n == 1 && total == 1);
    kb_qactions_free(v, n);

    kb_meeting **list = NULL;
    CHECK_INT_EQ(kb_meeting_list(s, 2, 0, &list, &n, &total, &err), KB_OK);
    CHECK(n == 2 && total == 3 && list && strcmp(list[0]->day, "2026-03-20") == 0);
    kb_meeting_list_free(list, n);
}

/* The audit summary of a new action cuts a long title at a character boundary. */
static void test_audit_title(kb_store *s)
{
    char title[200] = "a";
    for (int i = 0; i < 41; i++)
        strcat(title, "修");   /* byte 120 falls inside the 40th character */
    kb_qaction_in acts[] = { { title, "李工", "2026-04-10" } };
    long long id = meeting(s, "2026-04-03", "2026-03-28", "2026-04-03", acts, 1, NULL, 0);
    CHECK(id > 0);
    kb_audit_filter f;
    memset(&f, 0, sizeof f);
    f.action = "qaction.create";
    kb_audit_page *p = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_audit_list(s, &f, &p, &err), KB_OK);
    if (p && p->n > 0) {
        const char *sum = p->items[0].summary;
        CHECK_INT_EQ(kb_text_utf8_bad_at(sum, strlen(sum)), strlen(sum));
        CHECK(strstr(sum, "修\" owner") != NULL);
    }
    kb_audit_page_free(p);
}

int main(void)
{
    fixture fx;
    if (fixture_open(&fx, "meeting") != 0)
        return CHECK_DONE("test_meeting");
    test_checks(fx.s);
    test_carry(fx.s);
    test_audit_title(fx.s);
    fixture_close(&fx);
    return CHECK_DONE("test_meeting");
}
