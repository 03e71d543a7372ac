/* Maintenance and inspection: the schedule arithmetic (31 January + 1 month, leap years,
 * weeks, the index of a day), the checks of a plan, generation that is idempotent and
 * bounded (the latest missed due date only, a run's budget), results with the incident a
 * fault opens in the same transaction (nothing kept when it fails), the group's scope, the
 * completion counts and the overdue message once per task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_asset.h"
#include "kb_group.h"
#include "kb_incident.h"
#include "kb_maint.h"
#include "kb_notify.h"
#include "kb_store.h"

#define DAY 86400LL
#define T0 1772438400LL /* 2026-03-02T08:00:00Z */

static const char *nth(const char *start, int every, int unit, long long k)
{
    static char out[KB_DATE_LEN];
    kb_err err;
    if (kb_maint_due_nth(start, every, unit, k, out, &err) != KB_OK)
        return "error";
    return out;
}

static long long index_of(const char *start, int every, int unit, const char *day)
{
    long long k = -1;
    kb_err err;
    if (kb_maint_due_index(start, every, unit, day, &k, &err) != KB_OK)
        return -1;
    return k;
}

static void test_schedule(void)
{
    CHECK_STR_EQ(kb_maint_unit_name(KB_MAINT_week), "week");
    CHECK_INT_EQ(kb_maint_unit_of("month"), KB_MAINT_month);
    CHECK_INT_EQ(kb_maint_unit_of("year"), -1);
    CHECK(kb_maint_unit_name(KB_MAINT_NUNITS) == NULL);
    /* months keep the start's day where the month has it */
    CHECK_STR_EQ(nth("2026-01-31", 1, KB_MAINT_month, 0), "2026-01-31");
    CHECK_STR_EQ(nth("2026-01-31", 1, KB_MAINT_month, 1), "2026-02-28");
    CHECK_STR_EQ(nth("2026-01-31", 1, KB_MAINT_month, 2), "2026-03-31");
    CHECK_STR_EQ(nth("2026-01-31", 1, KB_MAINT_month, 3), "2026-04-30");
    CHECK_STR_EQ(nth("2028-01-31", 1, KB_MAINT_month, 1), "2028-02-29");
    CHECK_STR_EQ(nth("2026-01-31", 1, KB_MAINT_month, 11), "2026-12-31");
    CHECK_STR_EQ(nth("2026-01-31", 1, KB_MAINT_month, 12), "2027-01-31");
    CHECK_STR_EQ(nth("2026-11-15", 3, KB_MAINT_month, 1), "2027-02-15");
    CHECK_STR_EQ(nth("2024-02-29", 12, KB_MAINT_month, 1), "2025-02-28");
    CHECK_STR_EQ(nth("2024-02-29", 12, KB_MAINT_month, 4), "2028-02-29");
    /* days and weeks over month and year ends */
    CHECK_STR_EQ(nth("2026-12-30", 1, KB_MAINT_day, 3), "2027-01-02");
    CHECK_STR_EQ(nth("2028-02-27", 1, KB_MAINT_day, 2), "2028-02-29");
    CHECK_STR_EQ(nth("2026-03-01", 1, KB_MAINT_week, 52), "2027-02-28");
    CHECK_STR_EQ(nth("2026-03-01", 2, KB_MAINT_week, 1), "2026-03-15");
    /* bad input */
    CHECK_STR_EQ(nth("2026-02-30", 1, KB_MAINT_day, 1), "error");
    CHECK_STR_EQ(nth("2026-01-01", 0, KB_MAINT_day, 1), "error");
    CHECK_STR_EQ(nth("2026-01-01", KB_MAINT_MAX_EVERY + 1, KB_MAINT_day, 1), "error");
    CHECK_STR_EQ(nth("2026-01-01", 1, 7, 1), "error");
    CHECK_STR_EQ(nth("9999-12-01", 1, KB_MAINT_month, 1), "error");
    CHECK_STR_EQ(nth("9999-12-31", 1, KB_MAINT_day, 1), "error");
    CHECK_STR_EQ(nth("2026-01-01", 1, KB_MAINT_day, -1), "error");
    /* the first due date on or after a day */
    CHECK_INT_EQ(index_of("2026-01-31", 1, KB_MAINT_month, "2026-01-01"), 0);
    CHECK_INT_EQ(index_of("2026-01-31", 1, KB_MAINT_month, "2026-01-31"), 0);
    CHECK_INT_EQ(index_of("2026-01-31", 1, KB_MAINT_month, "2026-02-01"), 1);
    CHECK_INT_EQ(index_of("2026-01-31", 1, KB_MAINT_month, "2026-02-28"), 1);
    CHECK_INT_EQ(index_of("2026-01-31", 1, KB_MAINT_month, "2026-03-01"), 2);
    CHECK_INT_EQ(index_of("2026-01-31", 2, KB_MAINT_month, "2026-03-31"), 1);
    CHECK_INT_EQ(index_of("2026-01-31", 2, KB_MAINT_month, "2026-04-01"), 2);
    CHECK_INT_EQ(index_of("2026-03-01", 1, KB_MAINT_week, "2026-03-02"), 1);
    CHECK_INT_EQ(index_of("2026-03-01", 1, KB_MAINT_week, "2026-03-08"), 1);
    CHECK_INT_EQ(index_of("2026-03-01", 1, KB_MAINT_day, "2027-03-01"), 365);
    CHECK_INT_EQ(index_of("2026-03-01", 1, KB_MAINT_day, "2026-13-01"), -1);
    /* every index agrees with the dates it stands between */
    for (int every = 1; every <= 3; every++) {
        for (long long k = 1; k < 40; k++) {
            char due[KB_DATE_LEN], before[KB_DATE_LEN], after[KB_DATE_LEN];
            kb_err err;
            kb_maint_due_nth("2027-08-31", every, KB_MAINT_month, k, due, &err);
            kb_maint_due_nth("2027-08-31", every, KB_MAINT_month, k - 1, before, &err);
            kb_maint_add_days(before, 1, after, &err);
            CHECK_INT_EQ(index_of("2027-08-31", every, KB_MAINT_month, due), k);
            CHECK_INT_EQ(index_of("2027-08-31", every, KB_MAINT_month, after), k);
        }
    }
    char out[KB_DATE_LEN];
    kb_err err;
    CHECK_INT_EQ(kb_maint_add_days("2026-02-28", 1, out, &err), KB_OK);
    CHECK_STR_EQ(out, "2026-03-01");
    CHECK_INT_EQ(kb_maint_add_days("2026-01-01", -1, out, &err), KB_OK);
    CHECK_STR_EQ(out, "2025-12-31");
    CHECK_INT_EQ(kb_maint_add_days("x", 1, out, &err), KB_EINVAL);
}

static kb_maint_plan_in blank_plan(void)
{
    kb_maint_plan_in in;
    memset(&in, 0, sizeof in);
    in.cls = -1;
    in.unit = -1;
    in.active = -1;
    return in;
}

static const kb_maint_item items[] = { { "硒鼓余量", "> 20%" }, { "进纸通道", "无卡纸" } };

static kb_maint_plan_in printer_plan(void)
{
    kb_maint_plan_in in = blank_plan();
    in.name = "打印机月度巡检";
    in.cls = KB_ASSET_CLASS_printer;
    in.every = 1;
    in.unit = KB_MAINT_month;
    in.start = "2026-01-31";
    in.group = "桌面组";
    in.items = items;
    in.nitems = 2;
    in.set_items = 1;
    in.actor = "admin1";
    return in;
}

static void test_checks(void)
{
    kb_err err;
    kb_maint_plan_in in = printer_plan();
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_OK);
    in.asset = "PRN-1";
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_EINVAL); /* both */
    in = printer_plan();
    in.cls = -1;
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_EINVAL); /* neither */
    in = printer_plan();
    in.nitems = 0;
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_EINVAL);
    in = printer_plan();
    in.nitems = KB_MAINT_MAX_ITEMS + 1;
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_EINVAL);
    in = printer_plan();
    kb_maint_item blank[] = { { " ", "" } };
    in.items = blank;
    in.nitems = 1;
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "checklist[0].label") != NULL);
    in = printer_plan();
    in.start = "2026-02-29";
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_EINVAL);
    in = printer_plan();
    in.group = "  ";
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_EINVAL);
    in = printer_plan();
    in.name = "a\nb";
    CHECK_INT_EQ(kb_maint_plan_check(&in, 1, &err), KB_EINVAL);
    /* a change checks what it gives */
    in = blank_plan();
    in.every = KB_MAINT_MAX_EVERY + 1;
    CHECK_INT_EQ(kb_maint_plan_check(&in, 0, &err), KB_EINVAL);
    in = blank_plan();
    in.name = "新名字";
    CHECK_INT_EQ(kb_maint_plan_check(&in, 0, &err), KB_OK);
}

static void add_asset(kb_store *s, const char *tag, int cls)
{
    kb_asset_in in;
    memset(&in, 0, sizeof in);
    in.tag = tag;
    in.cls = cls;
    in.status = -1;
    in.caller_id = -1;
    in.user = "張偉";
    in.actor = "eng1";
    kb_err err;
    CHECK_INT_EQ(kb_asset_create(s, &in, T0, NULL, &err), KB_OK);
}

static long long count_tasks(kb_store *s, int state, const char *today)
{
    kb_maint_filter f;
    memset(&f, 0, sizeof f);
    f.state = state;
    f.today = today;
    kb_maint_tasks *l = NULL;
    kb_err err;
    long long n = -1;
    if (kb_maint_task_list(s, &f, &l, &err) == KB_OK)
        n = l->total;
    kb_maint_tasks_free(l);
    return n;
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

static void test_store(kb_store *s)
{
    kb_err err;
    CHECK_INT_EQ(fixture_user(s, "eng1"), KB_OK);
    CHECK_INT_EQ(fixture_user(s, "eng2"), KB_OK);
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
    add_asset(s, "PRN-1", KB_ASSET_CLASS_printer);
    add_asset(s, "PRN-2", KB_ASSET_CLASS_printer);
    add_asset(s, "PC-1", KB_ASSET_CLASS_desktop);

    /* the plan: due 31 Jan, 28 Feb, 31 Mar; on 2 March only 28 Feb is generated */
    kb_maint_plan_in in = printer_plan();
    kb_maint_plan *p = NULL;
    size_t made = 99;
    CHECK_INT_EQ(kb_maint_plan_create(s, &in, T0, &p, &made, &err), KB_OK);
    CHECK_INT_EQ(made, 2);
    CHECK(p && p->nitems == 2 && p->cls == KB_ASSET_CLASS_printer && !p->asset[0]);
    long long plan = p ? p->id : 0;
    kb_maint_plan_free(p);
    CHECK_INT_EQ(count_tasks(s, KB_MAINT_ANY, "2026-03-02"), 2);
    /* idempotent: again, and again later the same day */
    CHECK_INT_EQ(kb_maint_generate(s, T0, &made, &err), KB_OK);
    CHECK_INT_EQ(made, 0);
    CHECK_INT_EQ(kb_maint_generate(s, T0 + 3600, &made, &err), KB_OK);
    CHECK_INT_EQ(made, 0);
    /* a group that does not exist, an asset that does not */
    in = printer_plan();
    in.group = "没有的组";
    CHECK_INT_EQ(kb_maint_plan_create(s, &in, T0, NULL, NULL, &err), KB_EINVAL);
    in = printer_plan();
    in.cls = -1;
    in.asset = "NOPE-1";
    CHECK_INT_EQ(kb_maint_plan_create(s, &in, T0, NULL, NULL, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_maint_plan_get(s, 999, &p, &err), KB_ENOTFOUND);

    /* a daily plan of one asset started long ago: the latest missed day and the week ahead */
    in = printer_plan();
    in.cls = -1;
    in.asset = "pc-1";
    in.every = 1;
    in.unit = KB_MAINT_day;
    in.start = "2020-01-01";
    in.name = "每日检查";
    CHECK_INT_EQ(kb_maint_plan_create(s, &in, T0, &p, &made, &err), KB_OK);
    CHECK_INT_EQ(made, 1 + KB_MAINT_LOOKAHEAD_DAYS);
    CHECK(p && strcmp(p->asset, "PC-1") == 0);
    long long daily = p ? p->id : 0;
    kb_maint_plan_free(p);
    /* a year later: again only the latest missed day and the week ahead */
    CHECK_INT_EQ(kb_maint_generate(s, T0 + 365 * DAY, &made, &err), KB_OK);
    CHECK_INT_EQ(made, 2 + 1 + KB_MAINT_LOOKAHEAD_DAYS); /* printers: 28 Feb 2027 each */
    kb_maint_plan_in off = blank_plan();
    off.active = 0;
    CHECK_INT_EQ(kb_maint_plan_update(s, daily, &off, T0, NULL, NULL, &err), KB_OK);
    off.cls = KB_ASSET_CLASS_desktop;
    CHECK_INT_EQ(kb_maint_plan_update(s, daily, &off, T0, NULL, NULL, &err), KB_EINVAL);

    kb_maint_plan **plans = NULL;
    size_t np = 0;
    CHECK_INT_EQ(kb_maint_plan_list(s, "PRN-2", &plans, &np, &err), KB_OK);
    CHECK(np == 1 && plans[0]->id == plan);
    kb_maint_plans_free(plans, np);

    /* the task of PRN-1 due 28 Feb 2026 */
    kb_maint_filter f;
    memset(&f, 0, sizeof f);
    f.asset = "prn-1";
    f.to = "2026-12-31";
    f.today = "2026-03-02";
    kb_maint_tasks *l = NULL;
    CHECK_INT_EQ(kb_maint_task_list(s, &f, &l, &err), KB_OK);
    CHECK(l && l->total == 1);
    long long task = l && l->n ? l->items[0]->id : 0;
    CHECK(l && l->n && strcmp(l->items[0]->due, "2026-02-28") == 0 &&
          kb_maint_task_overdue(l->items[0], "2026-03-02"));
    kb_maint_tasks_free(l);

    /* results: another group's engineer, missing items, a photo of nothing */
    kb_maint_result_in v[] = { { 1, KB_MAINT_OK, "余量 60%", 0 },
                               { 2, KB_MAINT_FAULT, "搓纸轮磨损", 0 } };
    kb_maint_task *t = NULL;
    CHECK_INT_EQ(kb_maint_record(s, task, v, 2, 2, "eng2", "eng2", T0, &t, &err), KB_EDENIED);
    CHECK_INT_EQ(kb_maint_record(s, task, v, 1, 2, "eng1", "eng1", T0, &t, &err), KB_EINVAL);
    kb_maint_result_in twice[] = { v[0], v[0] };
    CHECK_INT_EQ(kb_maint_record(s, task, twice, 2, 0, "eng1", "eng1", T0, &t, &err),
                 KB_EINVAL);
    kb_maint_result_in photo[] = { { 1, KB_MAINT_OK, NULL, 77 }, v[1] };
    CHECK_INT_EQ(kb_maint_record(s, task, photo, 2, 0, "eng1", "eng1", T0, &t, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_maint_record(s, task, v, 2, 9, "eng1", "eng1", T0, &t, &err), KB_EINVAL);
    /* nothing was kept by the failures: no incident yet */
    kb_inc_filter inf;
    memset(&inf, 0, sizeof inf);
    inf.complaint = -1;
    kb_inc_list *il = NULL;
    CHECK_INT_EQ(kb_incident_list(s, &inf, &il, &err), KB_OK);
    CHECK(il && il->total == 0);
    kb_incident_list_free(il);

    CHECK_INT_EQ(kb_maint_record(s, task, v, 2, 2, "eng1", "eng1", T0 + DAY, &t, &err), KB_OK);
    CHECK(t && t->done && t->incident[0] && t->nresults == 2 && kb_maint_task_late(t));
    CHECK(t && t->nresults == 2 && t->results[1].outcome == KB_MAINT_FAULT &&
          strcmp(t->results[1].label, "进纸通道") == 0);
    kb_incident *inc = NULL;
    if (t && t->incident[0])
        CHECK_INT_EQ(kb_incident_get(s, t->incident, &inc, &err), KB_OK);
    CHECK(inc && strcmp(inc->ci, "PRN-1") == 0 && strcmp(inc->group, "桌面组") == 0 &&
          inc->priority == 2 && strcmp(inc->caller_name, "張偉") == 0);
    kb_incident_free(inc);
    kb_maint_task_free(t);
    t = NULL;
    CHECK_INT_EQ(kb_maint_record(s, task, v, 2, 2, "eng1", NULL, T0, &t, &err), KB_ECONFLICT);

    /* completion: PRN-1 late, PRN-2 overdue */
    kb_maint_report *r = NULL;
    CHECK_INT_EQ(kb_maint_report_get(s, "2026-01-01", "2026-03-01", "2026-03-02", &r, &err),
                 KB_OK);
    CHECK(r && r->n[KB_MAINT_BY_GROUP] == 1 && r->rows[KB_MAINT_BY_GROUP][0].total == 2 &&
          r->rows[KB_MAINT_BY_GROUP][0].late == 1 && r->rows[KB_MAINT_BY_GROUP][0].overdue == 1);
    CHECK(r && r->n[KB_MAINT_BY_CLASS] == 1 &&
          strcmp(r->rows[KB_MAINT_BY_CLASS][0].key, "printer") == 0);
    kb_maint_report_free(r);

    /* the sweep: each open task past its due date once */
    size_t n = 0;
    long long open_overdue = count_tasks(s, KB_MAINT_OVERDUE, "2027-03-02");
    CHECK(open_overdue > 0);
    CHECK_INT_EQ(kb_maint_sweep(s, T0 + 365 * DAY, &n, &err), KB_OK);
    CHECK_INT_EQ((long long)n, open_overdue);
    CHECK_INT_EQ(count_outbox(s, "maint_overdue"), open_overdue);
    CHECK_INT_EQ(kb_maint_sweep(s, T0 + 365 * DAY, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(count_outbox(s, "maint_overdue"), open_overdue);
}

/* One run creates at most KB_MAINT_MAX_GENERATE tasks; the next goes on. */
static void test_budget(kb_store *s)
{
    kb_err err;
    const char *members[] = { "eng1" };
    CHECK_INT_EQ(fixture_user(s, "eng1"), KB_OK);
    CHECK_INT_EQ(kb_group_create(s, "桌面组", members, 1, NULL, "admin1", T0, NULL, &err), KB_OK);
    size_t nassets = KB_MAINT_MAX_GENERATE / 8 + 10;
    for (size_t i = 0; i < nassets; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "PRN-%zu", i);
        add_asset(s, tag, KB_ASSET_CLASS_printer);
    }
    kb_maint_plan_in in = printer_plan();
    in.unit = KB_MAINT_day;
    in.start = "2026-01-01";
    size_t made = 0;
    CHECK_INT_EQ(kb_maint_plan_create(s, &in, T0, NULL, &made, &err), KB_OK);
    CHECK_INT_EQ(made, KB_MAINT_MAX_GENERATE);
    CHECK_INT_EQ(kb_maint_generate(s, T0, &made, &err), KB_OK);
    CHECK_INT_EQ(made, nassets * (1 + KB_MAINT_LOOKAHEAD_DAYS) - KB_MAINT_MAX_GENERATE);
    CHECK_INT_EQ(kb_maint_generate(s, T0, &made, &err), KB_OK);
    CHECK_INT_EQ(made, 0);
}

int main(void)
{
    test_schedule();
    test_checks();
    fixture fx;
    if (fixture_open(&fx, "maint") != 0)
        return CHECK_DONE("test_maint");
    test_store(fx.s);
    fixture_close(&fx);
    if (fixture_open(&fx, "maint-budget") != 0)
        return CHECK_DONE("test_maint");
    test_budget(fx.s);
    fixture_close(&fx);
    return CHECK_DONE("test_maint");
}
