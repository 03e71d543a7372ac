/* Reports: the period rules, the resolution normal form and durations; then, on a real
 * database, a fortnight of incidents made through kb_incident_* with injected times, and
 * every number of the summary (also of empty periods), the aging buckets and the problem
 * groups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "kb_doc.h"
#include "kb_incident.h"
#include "kb_report.h"
#include "kb_store.h"

#define MIN 60LL
#define HOUR 3600LL
#define DAY 86400LL

static long long day(const char *ymd)
{
    long long t = 0;
    CHECK_INT_EQ(kb_incident_parse_day(ymd, &t, NULL), KB_OK);
    return t;
}

/* --- pure parts --- */

static void test_range(void)
{
    kb_err err;
    long long now = day("2026-03-09") + 12 * HOUR;
    long long from = 0, to = 0;
    CHECK_INT_EQ(kb_report_range(NULL, NULL, now, &from, &to, &err), KB_OK);
    CHECK_INT_EQ(from, day("2026-03-03"));
    CHECK_INT_EQ(to, day("2026-03-10"));
    CHECK_INT_EQ(kb_report_range("", "", now, &from, &to, &err), KB_OK);
    CHECK_INT_EQ(from, day("2026-03-03"));
    CHECK_INT_EQ(kb_report_range(NULL, "2026-03-08", now, &from, &to, &err), KB_OK);
    CHECK_INT_EQ(from, day("2026-03-02"));
    CHECK_INT_EQ(to, day("2026-03-09"));
    CHECK_INT_EQ(kb_report_range("2026-03-01", NULL, now, &from, &to, &err), KB_OK);
    CHECK_INT_EQ(from, day("2026-03-01"));
    CHECK_INT_EQ(to, day("2026-03-10"));
    CHECK_INT_EQ(kb_report_range("2026-03-05", "2026-03-05", now, &from, &to, &err), KB_OK);
    CHECK_INT_EQ(to - from, DAY);
    /* 366 days is the longest period */
    CHECK_INT_EQ(kb_report_range("2025-03-09", "2026-03-09", now, &from, &to, &err), KB_OK);
    CHECK_INT_EQ((to - from) / DAY, 366);
    from = to = -1;
    CHECK_INT_EQ(kb_report_range("2025-03-08", "2026-03-09", now, &from, &to, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "367 days") != NULL);
    CHECK(strstr(err.msg, "366") != NULL);
    CHECK_INT_EQ(from, -1);
    CHECK_INT_EQ(kb_report_range("2026-03-05", "2026-03-04", now, &from, &to, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'to' (2026-03-04) is before 'from' (2026-03-05)") != NULL);
    CHECK_INT_EQ(kb_report_range("2026-04-01", NULL, now, &from, &to, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "defaults to today") != NULL);
    const char *bad[] = { "2026-02-30", "2026-3-01", "20260301", "yesterday", "2026-03-01x",
                          "1969-12-31" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT_EQ(kb_report_range(bad[i], NULL, now, &from, &to, &err), KB_EINVAL);
        CHECK(strstr(err.msg, "'from' must be a date YYYY-MM-DD") != NULL);
        CHECK_INT_EQ(kb_report_range(NULL, bad[i], now, &from, &to, &err), KB_EINVAL);
        CHECK(strstr(err.msg, "'to' must be a date") != NULL);
    }
}

static void check_norm(const char *in, const char *want)
{
    char *got = kb_report_normalize(in);
    CHECK_STR_EQ(got, want);
    free(got);
}

static void test_normalize(void)
{
    check_norm("Restarted the print spooler.", "restarted the print spooler");
    check_norm("  RESTARTED the \t print\n\nspooler!! ", "restarted the print spooler");
    check_norm("restarted the print spooler . ; ", "restarted the print spooler");
    check_norm("重启打印服务。", "重启打印服务");
    check_norm("\xe3\x80\x80重启 打印服务！？\xe3\x80\x80", "重启 打印服务");
    check_norm("重启\xe3\x80\x80\xe3\x80\x80打印服务…", "重启 打印服务");
    check_norm("版本 1.2", "版本 1.2");              /* inner punctuation stays */
    check_norm("ÄÖ Straße", "ÄÖ straße");            /* only ASCII letters fold */
    check_norm("...", "");
    check_norm("", "");
    check_norm(" \t ", "");
    check_norm("why?(see KB)", "why?(see kb)");
}

static void check_dur(long long s, const char *want)
{
    char buf[32];
    kb_report_duration(s, buf, sizeof buf);
    CHECK_STR_EQ(buf, want);
}

static void test_duration(void)
{
    check_dur(0, "0s");
    check_dur(-5, "0s");
    check_dur(59, "59s");
    check_dur(60, "1m");
    check_dur(2738, "45m 38s");
    check_dur(3600, "1h");
    check_dur(3661, "1h 1m");
    check_dur(58200, "16h 10m");
    check_dur(DAY, "1d");
    check_dur(DAY + 59, "1d");
    check_dur(309600, "3d 14h");
    check_dur(400 * DAY + 23 * HOUR, "400d 23h");
}

/* --- the database --- */

static void put_doc(kb_store *s, const char *id, const char *type, const char *title)
{
    CHECK_INT_EQ(fixture_put(s, fixture_doc(id, type, "published", title)), KB_OK);
}

static void ok(kb_status rc, const kb_err *err, const char *what)
{
    if (rc != KB_OK)
        fprintf(stderr, "%s: %s\n", what, err->msg);
    CHECK_INT_EQ(rc, KB_OK);
}

/* Creates an incident at t; its number goes to out (32 bytes). */
static void mk(kb_store *s, long long t, int priority, const char *category, char *out)
{
    kb_inc_create in = { .caller_name = "王芳", .channel = "phone", .category = category,
                         .summary = "打印机脱机", .priority = priority, .actor = "desk" };
    kb_incident *inc = NULL;
    kb_err err;
    ok(kb_incident_create(s, &in, t, &inc, &err), &err, "create");
    snprintf(out, 32, "%s", inc ? inc->number : "");
    kb_incident_free(inc);
}

static void to_status(kb_store *s, const char *n, kb_inc_status st, long long t)
{
    kb_inc_update u = { .actor = "agent", .set_status = 1, .status = st };
    kb_err err;
    ok(kb_incident_update(s, n, &u, t, NULL, &err), &err, "update");
}

static void assign(kb_store *s, const char *n, long long t)
{
    kb_inc_update u = { .actor = "lead", .assignee = "zhang" };
    kb_err err;
    ok(kb_incident_update(s, n, &u, t, NULL, &err), &err, "assign");
}

static void resolve(kb_store *s, const char *n, const char *text, const char *by, long long t)
{
    kb_inc_resolve r = { .actor = "zhang", .resolution = text, .resolved_by = by };
    kb_err err;
    ok(kb_incident_resolve(s, n, &r, t, NULL, &err), &err, "resolve");
}

static void followup(kb_store *s, const char *n, int confirmed, int sat, int complaint,
                     long long t)
{
    kb_inc_followup f = { .actor = "王芳", .satisfaction = sat, .confirmed = confirmed,
                          .complaint = complaint,
                          .comment = complaint || !confirmed ? "还是不行" : NULL };
    kb_err err;
    ok(kb_incident_followup(s, n, &f, t, NULL, &err), &err, "followup");
}

static void reopen(kb_store *s, const char *n, long long t)
{
    kb_err err;
    ok(kb_incident_reopen(s, n, "lead", NULL, "offline again", t, NULL, &err), &err, "reopen");
}

static kb_report_summary *summary(kb_store *s, long long from, long long to, long long now)
{
    kb_incident_sla sla;
    kb_incident_sla_default(&sla);
    kb_report_summary *r = NULL;
    kb_err err;
    ok(kb_report_summary_get(s, &sla, from, to, now, &r, &err), &err, "summary");
    return r;
}

static void check_empty_period(const kb_report_summary *r)
{
    CHECK_INT_EQ(r->total, 0);
    for (int i = 0; i < KB_INC_NSTATUS; i++)
        CHECK_INT_EQ(r->by_status[i], 0);
    for (int i = 0; i < 4; i++)
        CHECK_INT_EQ(r->by_priority[i], 0);
    CHECK_INT_EQ(r->ncategories, 0);
    CHECK_INT_EQ(r->responded + r->response_met + r->resolved + r->resolve_met, 0);
    CHECK_INT_EQ(r->mean_respond_seconds + r->mean_resolve_seconds, 0);
    CHECK_INT_EQ(r->ratings, 0);
    CHECK(r->rating_average == 0.0);
    CHECK_INT_EQ(r->ntop, 0);
    CHECK_INT_EQ(r->reopened + r->reopen_events + r->complaints, 0);
}

/* The incidents of the test, by letter. */
typedef struct {
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32], p[32], q[32];
    char h[32], i[32], j[32], k[32], l[32], m[32], n[32], r[32], s[32];
} world;

static void build(kb_store *s, world *w)
{
    long long t;
    put_doc(s, "KE-1", "known_error", "打印机卡纸 (paper jam)");
    put_doc(s, "KE-2", "known_error", "密码过期");
    put_doc(s, "ART-1", "article", "更换网线");

    /* In the period 2026-03-02 .. 2026-03-08. */
    t = day("2026-03-02") + HOUR; /* A: P2, responded in 10 min, resolved by KE-1 in 2 h */
    mk(s, t, 2, "printer", w->a);
    assign(s, w->a, t + 10 * MIN);
    resolve(s, w->a, "Cleared the jam", "KE-1", t + 2 * HOUR);
    followup(s, w->a, 1, 5, 0, t + 3 * HOUR);

    t = day("2026-03-03"); /* B: P1, response (20 min) and resolution (5 h) both late */
    mk(s, t, 1, "network", w->b);
    to_status(s, w->b, KB_INC_IN_PROGRESS, t + 20 * MIN);
    resolve(s, w->b, "Cleared the jam", "KE-1", t + 5 * HOUR);

    /* C: P3; 24 h pending and 1 h resolved before a rejected follow-up stop the clock, so
     * the resolution after 3 d 14 h (target 3 d) is in time. */
    t = day("2026-03-04");
    mk(s, t, 3, "printer", w->c);
    to_status(s, w->c, KB_INC_IN_PROGRESS, t + HOUR);
    to_status(s, w->c, KB_INC_PENDING, t + 2 * HOUR);
    to_status(s, w->c, KB_INC_IN_PROGRESS, t + DAY + 2 * HOUR);
    resolve(s, w->c, "Restarted the print spooler.", NULL, t + 3 * DAY + 12 * HOUR);
    followup(s, w->c, 0, 2, 0, t + 3 * DAY + 13 * HOUR);
    resolve(s, w->c, "restarted the print spooler", NULL, t + 3 * DAY + 14 * HOUR);
    followup(s, w->c, 1, 4, 0, t + 3 * DAY + 15 * HOUR);

    mk(s, day("2026-03-05"), 4, "desktop", w->d); /* D: never answered, open */

    t = day("2026-03-06"); /* E: P2, closed with satisfaction 3 and a complaint */
    mk(s, t, 2, "network", w->e);
    to_status(s, w->e, KB_INC_IN_PROGRESS, t + 5 * MIN);
    resolve(s, w->e, "  RESTARTED the   print spooler!! ", NULL, t + HOUR);
    followup(s, w->e, 1, 3, 1, t + 2 * HOUR);

    t = day("2026-03-07") + 10 * HOUR; /* F: P3, assigned after 1 h, in progress */
    mk(s, t, 3, "account", w->f);
    assign(s, w->f, t + HOUR);
    to_status(s, w->f, KB_INC_IN_PROGRESS, t + 2 * HOUR);

    t = day("2026-03-08") + 20 * HOUR; /* G: P1, resolved by ART-1 after 30 min, reopened
                                          after the period: open, so ART-1 does not count */
    mk(s, t, 1, "printer", w->g);
    resolve(s, w->g, "Swapped the cable", "ART-1", t + 30 * MIN);
    reopen(s, w->g, day("2026-03-09") + HOUR);

    t = day("2026-03-08") + 10 * HOUR; /* P: P4, resolved by ART-1 after 1 h */
    mk(s, t, 4, "other", w->p);
    resolve(s, w->p, "Swapped the cable", "ART-1", t + HOUR);

    t = day("2026-03-08") + 11 * HOUR; /* Q: P4, by KE-2 after 2 h, closed without rating */
    mk(s, t, 4, "other", w->q);
    resolve(s, w->q, "Reset the password", "KE-2", t + 2 * HOUR);
    followup(s, w->q, 1, 0, 0, t + 3 * HOUR);

    /* Outside the period. */
    mk(s, day("2026-02-20"), 3, "other", w->h); /* H: open for more than 7 days */
    t = day("2026-02-25"); /* I: reopened inside the period */
    mk(s, t, 3, "printer", w->i);
    resolve(s, w->i, "restarted the print spooler.", NULL, day("2026-03-03") + 10 * HOUR);
    reopen(s, w->i, day("2026-03-04") + 9 * HOUR);
    resolve(s, w->i, "Restarted the print spooler.", NULL, day("2026-03-04") + 10 * HOUR);
    mk(s, day("2026-03-09") + 9 * HOUR, 4, "other", w->j); /* J: after the period, open */
    t = day("2026-02-10"); /* K..S: older resolutions for the problem view */
    mk(s, t, 3, "account", w->k);
    resolve(s, w->k, "Reset the password", "KE-2", t + HOUR);
    t = day("2026-02-11");
    mk(s, t, 3, "account", w->l);
    resolve(s, w->l, "Reset the password.", NULL, t + HOUR);
    t = day("2026-02-12");
    mk(s, t, 3, "account", w->m);
    resolve(s, w->m, "reset  the password", NULL, t + HOUR);
    followup(s, w->m, 1, 4, 0, t + 2 * HOUR);
    t = day("2026-02-13");
    mk(s, t, 3, "printer", w->n);
    resolve(s, w->n, "Replaced the toner", NULL, t + HOUR);
    t = day("2026-02-14");
    mk(s, t, 3, "desktop", w->r);
    resolve(s, w->r, "重启打印服务。", NULL, t + HOUR);
    t = day("2026-02-15");
    mk(s, t, 3, "printer", w->s);
    resolve(s, w->s, "重启打印服务！ ", NULL, t + HOUR);
}

static void test_summary(kb_store *s)
{
    long long now = day("2026-03-09") + 12 * HOUR;
    kb_report_summary *r = summary(s, day("2026-03-02"), day("2026-03-09"), now);
    if (!r)
        return;
    CHECK_INT_EQ(r->from, day("2026-03-02"));
    CHECK_INT_EQ(r->to, day("2026-03-09"));
    CHECK_INT_EQ(r->now, now);
    CHECK_INT_EQ(r->total, 9);
    CHECK_INT_EQ(r->by_status[KB_INC_NEW], 1);
    CHECK_INT_EQ(r->by_status[KB_INC_ASSIGNED], 0);
    CHECK_INT_EQ(r->by_status[KB_INC_IN_PROGRESS], 2);
    CHECK_INT_EQ(r->by_status[KB_INC_PENDING], 0);
    CHECK_INT_EQ(r->by_status[KB_INC_RESOLVED], 2);
    CHECK_INT_EQ(r->by_status[KB_INC_CLOSED], 4);
    static const char *const cat[] = { "printer", "network", "other", "account", "desktop" };
    static const long long ncat[] = { 3, 2, 2, 1, 1 };
    CHECK_INT_EQ(r->ncategories, 5);
    for (size_t i = 0; i < 5 && i < r->ncategories; i++) {
        CHECK_STR_EQ(r->categories[i].name, cat[i]);
        CHECK_INT_EQ(r->categories[i].count, ncat[i]);
    }
    CHECK_INT_EQ(r->by_priority[0], 2);
    CHECK_INT_EQ(r->by_priority[1], 2);
    CHECK_INT_EQ(r->by_priority[2], 2);
    CHECK_INT_EQ(r->by_priority[3], 3);
    /* Responded: A B C E F G P Q; late: B (20 min of 15) and G (30 min of 15). */
    CHECK_INT_EQ(r->responded, 8);
    CHECK_INT_EQ(r->response_met, 6);
    /* Resolved now: A B C E P Q; late: B (5 h of 4). */
    CHECK_INT_EQ(r->resolved, 6);
    CHECK_INT_EQ(r->resolve_met, 5);
    /* (10 m + 20 m + 1 h + 5 m + 1 h + 30 m + 1 h + 2 h) / 8 = 2737.5 s */
    CHECK_INT_EQ(r->mean_respond_seconds, 2738);
    /* (2 h + 5 h + 3 d 14 h + 1 h + 1 h + 2 h) / 6 */
    CHECK_INT_EQ(r->mean_resolve_seconds, 58200);
    /* A 5, C 2 (rejected) and 4, E 3; Q gave none. */
    CHECK_INT_EQ(r->ratings, 4);
    CHECK_INT_EQ(r->rating[0], 0);
    CHECK_INT_EQ(r->rating[1], 1);
    CHECK_INT_EQ(r->rating[2], 1);
    CHECK_INT_EQ(r->rating[3], 1);
    CHECK_INT_EQ(r->rating[4], 1);
    CHECK(r->rating_average == 3.5);
    /* KE-1 (A, B), then ART-1 (P; G is open again) and KE-2 (Q) by id. */
    CHECK_INT_EQ(r->ntop, 3);
    if (r->ntop == 3) {
        CHECK_STR_EQ(r->top[0].kb_id, "KE-1");
        CHECK_INT_EQ(r->top[0].count, 2);
        CHECK_STR_EQ(r->top[0].title, "打印机卡纸 (paper jam)");
        CHECK_STR_EQ(r->top[0].type, "known_error");
        CHECK_STR_EQ(r->top[1].kb_id, "ART-1");
        CHECK_STR_EQ(r->top[1].type, "article");
        CHECK_INT_EQ(r->top[1].count, 1);
        CHECK_STR_EQ(r->top[2].kb_id, "KE-2");
        CHECK_INT_EQ(r->top[2].count, 1);
    }
    CHECK_INT_EQ(r->reopened, 2);      /* C and G */
    CHECK_INT_EQ(r->reopen_events, 2); /* C's rejected follow-up, I's reopen (not G's) */
    CHECK_INT_EQ(r->complaints, 1);    /* E */
    /* Open now: G 16 h, J 3 h; F 2 d 2 h; D 4 d 12 h; H 17 d 12 h. */
    CHECK_INT_EQ(r->open, 5);
    CHECK_INT_EQ(r->aging[KB_AGE_UNDER_1D], 2);
    CHECK_INT_EQ(r->aging[KB_AGE_1D_3D], 1);
    CHECK_INT_EQ(r->aging[KB_AGE_3D_7D], 1);
    CHECK_INT_EQ(r->aging[KB_AGE_OVER_7D], 1);
    kb_report_summary_free(r);

    /* Bucket edges: exactly 1, 3 and 7 days old go to the older bucket. */
    r = summary(s, day("2026-03-02"), day("2026-03-03"), day("2026-03-05") + DAY);
    if (r) {
        /* D (2026-03-05) is 1 d old; F, G and J, created later, count as under 1 d. */
        CHECK_INT_EQ(r->aging[KB_AGE_1D_3D], 1);
        CHECK_INT_EQ(r->aging[KB_AGE_OVER_7D], 1); /* H: 14 d */
        CHECK_INT_EQ(r->aging[KB_AGE_UNDER_1D], 3);
        kb_report_summary_free(r);
    }
    r = summary(s, day("2026-03-02"), day("2026-03-03"), day("2026-03-05") + 3 * DAY - 1);
    if (r) {
        CHECK_INT_EQ(r->aging[KB_AGE_1D_3D], 1); /* D a second under 3 d */
        CHECK_INT_EQ(r->aging[KB_AGE_3D_7D], 0);
        kb_report_summary_free(r);
    }
    r = summary(s, day("2026-03-02"), day("2026-03-03"), day("2026-03-05") + 3 * DAY);
    if (r) {
        CHECK_INT_EQ(r->aging[KB_AGE_1D_3D], 0);
        CHECK_INT_EQ(r->aging[KB_AGE_3D_7D], 1); /* D exactly 3 d */
        CHECK_INT_EQ(r->aging[KB_AGE_UNDER_1D], 3); /* F 14 h; G and J later */
        kb_report_summary_free(r);
    }
    r = summary(s, day("2026-03-02"), day("2026-03-03"), day("2026-02-27"));
    if (r) {
        CHECK_INT_EQ(r->aging[KB_AGE_3D_7D], 0);
        CHECK_INT_EQ(r->aging[KB_AGE_OVER_7D], 1); /* H exactly 7 d */
        kb_report_summary_free(r);
    }

    /* One day: only A. */
    r = summary(s, day("2026-03-02"), day("2026-03-03"), now);
    if (r) {
        CHECK_INT_EQ(r->total, 1);
        CHECK_INT_EQ(r->by_status[KB_INC_CLOSED], 1);
        CHECK_INT_EQ(r->responded, 1);
        CHECK_INT_EQ(r->response_met, 1);
        CHECK_INT_EQ(r->mean_respond_seconds, 10 * MIN);
        CHECK_INT_EQ(r->mean_resolve_seconds, 2 * HOUR);
        CHECK_INT_EQ(r->ratings, 1);
        CHECK(r->rating_average == 5.0);
        CHECK_INT_EQ(r->ntop, 1);
        CHECK_INT_EQ(r->reopen_events, 0);
        kb_report_summary_free(r);
    }
    /* The last second of a period belongs to it, the next to the next one. */
    r = summary(s, day("2026-03-08") + 20 * HOUR, day("2026-03-08") + 20 * HOUR + 1, now);
    if (r) {
        CHECK_INT_EQ(r->total, 1);
        CHECK_INT_EQ(r->by_priority[0], 1);
        kb_report_summary_free(r);
    }
    r = summary(s, day("2026-03-02") + HOUR + 1, day("2026-03-03"), now);
    if (r) {
        CHECK_INT_EQ(r->total, 0);
        kb_report_summary_free(r);
    }
    /* An empty period: everything zero, but the aging of what is open now stays. */
    r = summary(s, day("2025-01-01"), day("2025-01-08"), now);
    if (r) {
        check_empty_period(r);
        CHECK_INT_EQ(r->open, 5);
        kb_report_summary_free(r);
    }
    kb_err err;
    kb_report_summary *none = (kb_report_summary *)1;
    kb_incident_sla sla;
    kb_incident_sla_default(&sla);
    CHECK_INT_EQ(kb_report_summary_get(s, &sla, now, now, now, &none, &err), KB_EINVAL);
    CHECK(none == NULL);

    /* Other SLA targets change compliance: P1 response 30 min makes B and G on time. */
    sla.response[0] = 30 * MIN;
    r = NULL;
    ok(kb_report_summary_get(s, &sla, day("2026-03-02"), day("2026-03-09"), now, &r, &err),
       &err, "summary with other targets");
    if (r) {
        CHECK_INT_EQ(r->response_met, 8);
        kb_report_summary_free(r);
    }
}

static void test_problems(kb_store *s, const world *w)
{
    kb_report_problem *p = NULL;
    size_t n = 0, total = 0;
    kb_err err;
    ok(kb_report_problems(s, 2, 0, &p, &n, &total, &err), &err, "problems");
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(total, 3);
    if (n == 3) {
        /* C (closed), E (closed, complaint) and I (resolved); not N (alone), not K (KE-2). */
        CHECK_STR_EQ(p[0].key, "restarted the print spooler");
        CHECK_STR_EQ(p[0].resolution, "restarted the print spooler"); /* C's latest text */
        CHECK_INT_EQ(p[0].count, 3);
        CHECK_INT_EQ(p[0].nnumbers, 3);
        if (p[0].nnumbers == 3) {
            CHECK_STR_EQ(p[0].numbers[0], w->c);
            CHECK_STR_EQ(p[0].numbers[1], w->e);
            CHECK_STR_EQ(p[0].numbers[2], w->i);
        }
        CHECK_INT_EQ(p[0].ncategories, 2);
        if (p[0].ncategories == 2) {
            CHECK_STR_EQ(p[0].categories[0], "network");
            CHECK_STR_EQ(p[0].categories[1], "printer");
        }
        CHECK_INT_EQ(p[0].last_resolved, day("2026-03-07") + 14 * HOUR);
        /* two pairs: the later one first */
        CHECK_STR_EQ(p[1].key, "重启打印服务");
        CHECK_STR_EQ(p[1].resolution, "重启打印服务！ ");
        CHECK_INT_EQ(p[1].count, 2);
        CHECK_INT_EQ(p[1].last_resolved, day("2026-02-15") + HOUR);
        if (p[1].nnumbers == 2) {
            CHECK_STR_EQ(p[1].numbers[0], w->s);
            CHECK_STR_EQ(p[1].numbers[1], w->r);
        }
        CHECK_INT_EQ(p[1].ncategories, 2);
        CHECK_STR_EQ(p[2].key, "reset the password");
        CHECK_INT_EQ(p[2].count, 2);
        CHECK_INT_EQ(p[2].ncategories, 1);
        if (p[2].nnumbers == 2) {
            CHECK_STR_EQ(p[2].numbers[0], w->m);
            CHECK_STR_EQ(p[2].numbers[1], w->l);
        }
    }
    kb_report_problems_free(p, n);

    ok(kb_report_problems(s, 3, 0, &p, &n, &total, &err), &err, "problems min 3");
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(total, 1);
    kb_report_problems_free(p, n);
    ok(kb_report_problems(s, 4, 0, &p, &n, &total, &err), &err, "problems min 4");
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(total, 0);
    kb_report_problems_free(p, n);
    ok(kb_report_problems(s, 2, 1, &p, &n, &total, &err), &err, "problems max 1");
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(total, 3);
    if (n == 1)
        CHECK_INT_EQ(p[0].count, 3);
    kb_report_problems_free(p, n);
    ok(kb_report_problems(s, 2, 0, &p, &n, NULL, &err), &err, "problems without total");
    kb_report_problems_free(p, n);
    CHECK_INT_EQ(kb_report_problems(s, 1, 0, &p, &n, &total, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "from 2 to 100") != NULL);
    CHECK_INT_EQ(kb_report_problems(s, 101, 0, &p, &n, &total, &err), KB_EINVAL);
    CHECK(p == NULL && n == 0);

    /* A reopen takes an incident out of its group until it is resolved again. */
    reopen(s, w->e, day("2026-03-09") + 2 * HOUR);
    ok(kb_report_problems(s, 3, 0, &p, &n, &total, &err), &err, "problems after a reopen");
    CHECK_INT_EQ(n, 0);
    kb_report_problems_free(p, n);
    resolve(s, w->e, "Restarted the print spooler", NULL, day("2026-03-09") + 3 * HOUR);
    ok(kb_report_problems(s, 3, 0, &p, &n, &total, &err), &err, "problems after a resolve");
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        CHECK_STR_EQ(p[0].numbers[0], w->e);
        CHECK_STR_EQ(p[0].resolution, "Restarted the print spooler");
        CHECK_INT_EQ(p[0].last_resolved, day("2026-03-09") + 3 * HOUR);
    }
    kb_report_problems_free(p, n);
    /* ... and with a known error it leaves the view. */
    reopen(s, w->e, day("2026-03-09") + 4 * HOUR);
    resolve(s, w->e, "Restarted the print spooler", "KE-1", day("2026-03-09") + 5 * HOUR);
    ok(kb_report_problems(s, 3, 0, &p, &n, &total, &err), &err, "problems with a KE");
    CHECK_INT_EQ(n, 0);
    kb_report_problems_free(p, n);
}

/* More than 20 incidents in a group: 20 numbers listed, all counted. */
static void test_big_group(kb_store *s)
{
    char num[32];
    char first[32] = "";
    long long t = day("2026-01-05");
    for (int i = 0; i < 25; i++) {
        mk(s, t + i * MIN, 4, "desktop", num);
        resolve(s, num, i % 2 ? "Cleared the browser cache" : "cleared the browser cache!",
                NULL, t + HOUR + i * MIN);
        if (i == 24)
            snprintf(first, sizeof first, "%s", num);
    }
    kb_report_problem *p = NULL;
    size_t n = 0, total = 0;
    kb_err err;
    ok(kb_report_problems(s, 25, 0, &p, &n, &total, &err), &err, "big group");
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        CHECK_INT_EQ(p[0].count, 25);
        CHECK_INT_EQ(p[0].nnumbers, KB_REPORT_GROUP_NUMBERS);
        CHECK_STR_EQ(p[0].numbers[0], first);
        CHECK_STR_EQ(p[0].resolution, "cleared the browser cache!");
    }
    kb_report_problems_free(p, n);
}

int main(void)
{
    test_range();
    test_normalize();
    test_duration();

    fixture fx;
    if (fixture_open(&fx, "report") == 0) {
        kb_store *s = fx.s;
        CHECK_INT_EQ(fixture_user(s, "zhang"), KB_OK); /* assignees are users */
        const char *path = fx.path;
        kb_err err;
        /* a new database: nothing anywhere */
        kb_report_summary *r = summary(s, day("2026-03-02"), day("2026-03-09"), day("2026-03-09"));
        if (r) {
            check_empty_period(r);
            CHECK_INT_EQ(r->open, 0);
            kb_report_summary_free(r);
        }
        kb_report_problem *p = NULL;
        size_t n = 1, total = 1;
        CHECK_INT_EQ(kb_report_problems(s, 2, 0, &p, &n, &total, &err), KB_OK);
        CHECK_INT_EQ(n, 0);
        CHECK_INT_EQ(total, 0);
        kb_report_problems_free(p, n);

        world w;
        build(s, &w);
        test_summary(s);

        /* The summary's read transaction is over: a later change is committed and seen by
         * another connection (a read-only one, as the server's pool opens). */
        char num[32];
        mk(s, day("2026-03-08") + 23 * HOUR, 2, "printer", num);
        kb_store *ro = NULL;
        CHECK_INT_EQ(kb_store_open(path, KB_STORE_EXISTING, &ro, &err), KB_OK);
        if (ro) {
            r = summary(ro, day("2026-03-02"), day("2026-03-09"), day("2026-03-09") + 12 * HOUR);
            if (r) {
                CHECK_INT_EQ(r->total, 10);
                CHECK_INT_EQ(r->by_status[KB_INC_NEW], 2);
                CHECK_INT_EQ(r->open, 6);
                kb_report_summary_free(r);
            }
            kb_store_free(ro);
        }

        test_problems(s, &w);
        test_big_group(s);
        fixture_close(&fx);
    }
    return CHECK_DONE("test_report");
}
