/* The service report: the schedule's due dates (monthly and weekly, over month and year ends
 * and leap days), the default period, the setting, the report of an empty desk as Markdown
 * and PDF, filing twice (one document, two versions), and the sweep's report_due once per
 * due date. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_notify.h"
#include "kb_setting.h"
#include "kb_pdf.h"
#include "kb_svcreport.h"
#include "kb_version.h"

#define NOW 1796263200LL /* 2026-12-03 02:00 UTC */
#define NOV1 1793491200LL
#define DEC1 1796083200LL

static void period(kb_svc_every every, int day, const char *today, const char *due,
                   const char *from, const char *to, const char *next_due)
{
    kb_svc_schedule sc = { every, day };
    CHECK_INT_EQ(kb_svc_schedule_check(&sc, NULL), KB_OK);
    kb_svc_period cur, next;
    kb_svc_schedule_periods(&sc, today, &cur, &next);
    CHECK_STR_EQ(cur.due, due);
    CHECK_STR_EQ(cur.from, from);
    CHECK_STR_EQ(cur.to, to);
    CHECK_STR_EQ(next.due, next_due);
}

static void test_schedule(void)
{
    period(KB_SVC_MONTHLY, 5, "2026-12-03", "2026-12-05", "2026-11-01", "2026-11-30",
           "2027-01-05");
    period(KB_SVC_MONTHLY, 5, "2026-12-05", "2026-12-05", "2026-11-01", "2026-11-30",
           "2027-01-05");
    period(KB_SVC_MONTHLY, 28, "2026-01-10", "2026-01-28", "2025-12-01", "2025-12-31",
           "2026-02-28");
    period(KB_SVC_MONTHLY, 1, "2024-03-01", "2024-03-01", "2024-02-01", "2024-02-29",
           "2024-04-01");
    period(KB_SVC_WEEKLY, 1, "2026-12-08", "2026-12-07", "2026-11-30", "2026-12-06",
           "2026-12-14");
    period(KB_SVC_WEEKLY, 7, "2026-12-07", "2026-12-13", "2026-11-30", "2026-12-06",
           "2026-12-20");
    period(KB_SVC_WEEKLY, 3, "2027-01-01", "2026-12-30", "2026-12-21", "2026-12-27",
           "2027-01-06");
    kb_svc_period cur, next;
    kb_svc_schedule sc = { KB_SVC_MONTHLY, 5 };
    kb_svc_schedule_periods(&sc, "2026-12-03", &cur, &next);
    CHECK_STR_EQ(next.from, "2026-12-01");
    CHECK_STR_EQ(next.to, "2026-12-31");

    kb_svc_schedule bad[] = { { KB_SVC_MONTHLY, 0 }, { KB_SVC_MONTHLY, 29 },
                              { KB_SVC_WEEKLY, 0 }, { KB_SVC_WEEKLY, 8 },
                              { (kb_svc_every)7, 1 } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT_EQ(kb_svc_schedule_check(&bad[i], NULL), KB_EINVAL);
    kb_svc_every e;
    CHECK_INT_EQ(kb_svc_every_parse("weekly", &e, NULL), KB_OK);
    CHECK_INT_EQ(e, KB_SVC_WEEKLY);
    CHECK_INT_EQ(kb_svc_every_parse("Weekly", &e, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_svc_every_parse(NULL, &e, NULL), KB_EINVAL);
    CHECK_STR_EQ(kb_svc_every_name(KB_SVC_OFF), "off");
}

static void test_range(void)
{
    long long from = 0, to = 0;
    kb_err err;
    CHECK_INT_EQ(kb_svcreport_range(NULL, "", NOW, &from, &to, &err), KB_OK);
    CHECK_INT_EQ(from, NOV1);
    CHECK_INT_EQ(to, DEC1);
    CHECK_INT_EQ(kb_svcreport_range("2026-11-01", NULL, NOW, &from, &to, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_svcreport_range(NULL, "2026-11-01", NOW, &from, &to, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_svcreport_range("2026-11-30", "2026-11-01", NOW, &from, &to, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_svcreport_range("2026-02-30", "2026-03-01", NOW, &from, &to, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_svcreport_range("2024-01-01", "2026-11-30", NOW, &from, &to, &err),
                 KB_EINVAL);
    /* January: December of the year before */
    CHECK_INT_EQ(kb_svcreport_range(NULL, NULL, 1799546400LL, &from, &to, &err), KB_OK);
    CHECK_INT_EQ(from, DEC1);
    CHECK_INT_EQ(to, DEC1 + 31 * 86400LL);
}

static long long count_outbox(kb_store *s, const char *event)
{
    kb_notify_msg **v = NULL;
    size_t n = 0;
    long long k = 0;
    if (kb_notify_list(s, NULL, 0, 200, &v, &n, NULL) == KB_OK)
        for (size_t i = 0; i < n; i++)
            k += strcmp(v[i]->event, event) == 0;
    kb_notify_msgs_free(v, n);
    return k;
}

static void test_store(void)
{
    fixture fx;
    if (fixture_open(&fx, "svcreport") != 0)
        return;
    kb_store *s = fx.s;
    kb_err err;

    /* the setting */
    kb_svc_schedule sc;
    CHECK_INT_EQ(kb_setting_report_schedule(s, &sc, &err), KB_OK);
    CHECK_INT_EQ(sc.every, KB_SVC_MONTHLY);
    CHECK_INT_EQ(sc.day, 5);
    kb_svc_schedule w = { KB_SVC_WEEKLY, 3 };
    CHECK_INT_EQ(kb_setting_set_report_schedule(s, &w, "admin", NOW, &err), KB_OK);
    CHECK_INT_EQ(kb_setting_report_schedule(s, &sc, &err), KB_OK);
    CHECK_INT_EQ(sc.every, KB_SVC_WEEKLY);
    CHECK_INT_EQ(sc.day, 3);
    kb_svc_schedule bad = { KB_SVC_WEEKLY, 9 };
    CHECK_INT_EQ(kb_setting_set_report_schedule(s, &bad, "admin", NOW, &err), KB_EINVAL);
    kb_svc_schedule m5 = { KB_SVC_MONTHLY, 5 };
    CHECK_INT_EQ(kb_setting_set_report_schedule(s, &m5, "admin", NOW, &err), KB_OK);

    /* an empty desk's report of November */
    kb_svcreport *r = NULL;
    CHECK_INT_EQ(kb_svcreport_get(s, NULL, DEC1, NOV1, NOW, &r, &err), KB_EINVAL);
    CHECK(r == NULL);
    CHECK_INT_EQ(kb_svcreport_get(s, NULL, NOV1, DEC1, NOW, &r, &err), KB_OK);
    if (!r) {
        fixture_close(&fx);
        return;
    }
    CHECK_STR_EQ(r->from_day, "2026-11-01");
    CHECK_STR_EQ(r->to_day, "2026-11-30");
    CHECK(r->assets == NULL);
    CHECK_INT_EQ(r->maint.total, 0);
    kb_buf md;
    kb_buf_init(&md, 0);
    kb_svcreport_markdown(r, &md);
    const char *head = "# IT 服务报告（2026-11-01 至 2026-11-30）\n";
    CHECK(strncmp(kb_buf_str(&md), head, strlen(head)) == 0);
    CHECK(strstr(kb_buf_str(&md), "## 3 SLA 达成") != NULL);
    CHECK(strstr(kb_buf_str(&md), "| 合计 | 0 |") != NULL);
    kb_buf_free(&md);
    char *pdf = NULL;
    size_t len = 0;
    CHECK_INT_EQ(kb_svcreport_pdf(r, "YW-BG-001", &pdf, &len, &err), KB_OK);
    CHECK(pdf && len > 1000 && memcmp(pdf, "%PDF-", 5) == 0);

    /* due on the 5th: nothing before, told once from then on */
    size_t n = 0;
    CHECK_INT_EQ(kb_notify_sweep(s, NOW, 0, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(kb_notify_sweep(s, NOW + 2 * 86400, 0, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(kb_notify_sweep(s, NOW + 3 * 86400, 0, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 0);

    /* filed twice: one document, two versions */
    kb_svcreport_filed f;
    CHECK_INT_EQ(kb_svcreport_file(s, r, pdf, len, "eng1", NOW, &f, &err), KB_OK);
    CHECK_STR_EQ(f.doc_no, "YW-BG-001");
    CHECK_INT_EQ(f.version, 1);
    CHECK(f.attachment > 0);
    CHECK_INT_EQ(kb_svcreport_file(s, r, pdf, len, "eng1", NOW + 60, &f, &err), KB_OK);
    CHECK_STR_EQ(f.doc_no, "YW-BG-001");
    CHECK_INT_EQ(f.version, 2);
    int found = 0;
    kb_svcreport_filed g;
    CHECK_INT_EQ(kb_svcreport_find(s, "2026-11-01", "2026-11-30", &found, &g, &err), KB_OK);
    CHECK_INT_EQ(found, 1);
    CHECK_INT_EQ(g.version, 2);
    CHECK_STR_EQ(g.filed_by, "eng1");
    CHECK_INT_EQ(kb_svcreport_find(s, "2026-12-01", "2026-12-31", &found, &g, &err), KB_OK);
    CHECK_INT_EQ(found, 0);
    kb_version_list l = { 0 };
    CHECK_INT_EQ(kb_version_list_of(s, "YW-BG-001", &l, &err), KB_OK);
    CHECK_INT_EQ(l.n, 2);
    if (l.n == 2) {
        CHECK_STR_EQ(l.v[0].state, "superseded");
        CHECK_STR_EQ(l.v[1].state, "published");
        CHECK_STR_EQ(l.v[1].doc_type, "service report");
    }
    kb_version_list_free(&l);
    free(pdf);
    kb_svcreport_free(r);

    /* January: December is due on the 5th, told once more (no channel hears it) */
    CHECK_INT_EQ(kb_notify_sweep(s, 1799546400LL, 0, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(count_outbox(s, "report_due"), 0); /* no channel subscribed */
    fixture_close(&fx);
}

int main(void)
{
    test_schedule();
    test_range();
    test_store();
    return CHECK_DONE("test_svcreport");
}
