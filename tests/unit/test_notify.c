/* kb_notify: templates and placeholders, channel checks, and the outbox: messages written
 * in the change's own transaction (none after a rollback), one per subscribed channel,
 * attempts recorded, retries and failure, the sweep's thresholds once per incident. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_group.h"
#include "kb_incident.h"
#include "kb_notify.h"
#include "kb_setting.h"

#define T0 1772438400LL /* 2026-03-02T08:00:00Z */

static void templates(void)
{
    kb_notify_vars v;
    memset(&v, 0, sizeof v);
    v.number = "INC-1";
    v.assignee = "eng.a";
    CHECK_INT_EQ(kb_notify_template_check("body", "{number} {{x}} {assignee}", 100, NULL), KB_OK);
    char *s = kb_notify_render("{number} {{x}} {assignee}{lead}", &v, 100);
    CHECK_STR_EQ(s, "INC-1 {x} eng.a");
    free(s);
    /* a long value, repeated, is cut at a character boundary: never megabytes per message */
    char *reason = malloc(19999);
    for (size_t i = 0; i < 19998; i += 3)
        memcpy(reason + i, "打", 3);
    reason[19998] = '\0';
    v.reason = reason;
    char tpl[KB_NOTIFY_BODY_MAX + 1];
    size_t tlen = 0;
    for (; tlen + 8 <= KB_NOTIFY_BODY_MAX; tlen += 8)
        memcpy(tpl + tlen, "{reason}", 8);
    tpl[tlen] = '\0';
    CHECK_INT_EQ(kb_notify_template_check("body", tpl, KB_NOTIFY_BODY_MAX, NULL), KB_OK);
    s = kb_notify_render(tpl, &v, KB_NOTIFY_BODY_TEXT_MAX);
    size_t len = strlen(s);
    CHECK(len <= KB_NOTIFY_BODY_TEXT_MAX && len > KB_NOTIFY_BODY_TEXT_MAX - 6);
    CHECK(len >= 3 && strcmp(s + len - 3, "…") == 0);
    CHECK((len - 3) % 3 == 0); /* whole characters of 打 before the mark */
    free(s);
    s = kb_notify_render("{reason}", &v, 10);
    CHECK_STR_EQ(s, "打打…");
    free(s);
    v.reason = NULL;
    free(reason);
    kb_err err;
    CHECK_INT_EQ(kb_notify_template_check("body", "{nope}", 100, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "{nope}") != NULL);
    CHECK_INT_EQ(kb_notify_template_check("body", "{number", 100, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_notify_template_check("body", "a}", 100, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_notify_template_check("body", "abcd", 3, NULL), KB_EINVAL);
    for (int i = 0; i < KB_NOTIFY_NEVENTS; i++) {
        CHECK_INT_EQ(kb_notify_template_check("t", kb_notify_default_title(i), 200, NULL), KB_OK);
        CHECK_INT_EQ(kb_notify_template_check("b", kb_notify_default_body(i), 2000, NULL), KB_OK);
    }
    kb_notify_event ev;
    CHECK_INT_EQ(kb_notify_event_parse("sla_breach", &ev, NULL), KB_OK);
    CHECK_INT_EQ(ev, KB_NOTIFY_SLA_BREACH);
    CHECK_INT_EQ(kb_notify_event_parse("nope", &ev, NULL), KB_EINVAL);
}

static void checks(void)
{
    kb_notify_channel *c = kb_notify_channel_new();
    kb_notify_set(&c->name, "hook");
    c->events = 1u << KB_NOTIFY_ASSIGNED;
    const char *good[] = { "http://127.0.0.1:8080/x", "https://qyapi.weixin.qq.com/a?key=1" };
    const char *bad[] = { "ftp://h/", "http://", "http:///x", "http://u@h/", "http://h /",
                          "file:///etc/passwd", "HTTP://h/", "http://h\\@evil/" };
    for (size_t i = 0; i < 2; i++) {
        kb_notify_set(&c->url, good[i]);
        CHECK_INT_EQ(kb_notify_channel_check(c, NULL), KB_OK);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kb_notify_set(&c->url, bad[i]);
        CHECK_INT_EQ(kb_notify_channel_check(c, NULL), KB_EINVAL);
    }
    kb_notify_channel_free(c);
    CHECK_INT_EQ(kb_notify_addr_check("to", "a@b.c", NULL), KB_OK);
    CHECK_INT_EQ(kb_notify_addr_check("to", "a@b\r\nBcc: x@y", NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_notify_addr_check("to", "<a@b>", NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_notify_addr_check("to", "ab", NULL), KB_EINVAL);
}

static kb_notify_channel *hook(const char *name, unsigned events, const char *group)
{
    kb_notify_channel *c = kb_notify_channel_new();
    kb_notify_set(&c->name, name);
    kb_notify_set(&c->url, "http://127.0.0.1:9/x");
    kb_notify_set(&c->group, group);
    c->events = events;
    return c;
}

static size_t count(kb_store *s, const char *state)
{
    kb_notify_msg **v = NULL;
    size_t n = 0;
    CHECK_INT_EQ(kb_notify_list(s, state, 0, KB_NOTIFY_MAX_LIMIT, &v, &n, NULL), KB_OK);
    kb_notify_msgs_free(v, n);
    return n;
}

static void outbox(kb_store *s)
{
    CHECK_INT_EQ(fixture_user(s, "eng.a"), KB_OK);
    CHECK_INT_EQ(fixture_user(s, "lead.a"), KB_OK);
    const char *members[] = { "eng.a", "lead.a" };
    CHECK_INT_EQ(kb_group_create(s, "桌面组", members, 2, "lead.a", "admin", T0, NULL, NULL),
                 KB_OK);
    kb_notify_channel *all = hook("all", (1u << KB_NOTIFY_ASSIGNED) | (1u << KB_NOTIFY_SLA_75) |
                                             (1u << KB_NOTIFY_SLA_BREACH), "");
    kb_notify_channel *other = hook("other", 1u << KB_NOTIFY_RESOLVED, "");
    kb_notify_channel *grp = hook("group", 1u << KB_NOTIFY_ASSIGNED, "桌面组");
    CHECK_INT_EQ(kb_notify_channel_put(s, all, "admin", T0, NULL), KB_OK);
    CHECK_INT_EQ(kb_notify_channel_put(s, other, "admin", T0, NULL), KB_OK);
    CHECK_INT_EQ(kb_notify_channel_put(s, grp, "admin", T0, NULL), KB_OK);
    CHECK(all->id > 0 && grp->id > all->id);
    kb_notify_channel *dup = hook("ALL", 1, "");
    CHECK_INT_EQ(kb_notify_channel_put(s, dup, "admin", T0, NULL), KB_EEXIST);
    kb_notify_channel_free(dup);

    /* an assignment: one message per subscribed channel, in the change's transaction */
    kb_inc_create in = { .caller_name = "王芳", .channel = "phone", .category = "printer",
                         .summary = "打印机脱机", .priority = 1, .group = "桌面组",
                         .assignee = "eng.a", .actor = "desk" };
    kb_incident *inc = NULL;
    CHECK_INT_EQ(kb_incident_create(s, &in, T0, &inc, NULL), KB_OK);
    CHECK_INT_EQ(count(s, "pending"), 2);
    /* a rollback leaves none */
    CHECK_INT_EQ(kb_store_begin(s, NULL), KB_OK);
    CHECK_INT_EQ(kb_incident_create(s, &in, T0, NULL, NULL), KB_OK);
    CHECK_INT_EQ(count(s, NULL), 4);
    kb_store_rollback(s);
    CHECK_INT_EQ(count(s, NULL), 2);
    /* a failing change (an unknown assignee) writes nothing */
    kb_inc_update u = { .actor = "desk", .assignee = "nobody" };
    CHECK_INT_EQ(kb_incident_update(s, inc->number, &u, T0, NULL, NULL), KB_EINVAL);
    CHECK_INT_EQ(count(s, NULL), 2);

    /* delivery: due rows oldest first; a failure is retried, then fails */
    kb_notify_msg **v = NULL;
    size_t n = 0;
    CHECK_INT_EQ(kb_notify_due(s, 1000, 10, &v, &n, NULL), KB_OK);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK(strstr(v[0]->title, inc->number) != NULL);
        CHECK(strstr(v[0]->body, "已分派给 eng.a（桌面组）") != NULL);
        CHECK_INT_EQ(strlen(v[0]->uid), 32);
        CHECK(strcmp(v[0]->uid, v[1]->uid) != 0);
        CHECK_INT_EQ(kb_notify_record(s, v[0]->id, 1000, 1, 200, "", 0, NULL), KB_OK);
        /* recorded once: a second record of a delivered row is refused */
        CHECK_INT_EQ(kb_notify_record(s, v[0]->id, 1001, 1, 200, "", 0, NULL), KB_ENOTFOUND);
        char longerr[1000];
        memset(longerr, 'e', sizeof longerr - 1);
        longerr[sizeof longerr - 1] = '\0';
        CHECK_INT_EQ(kb_notify_record(s, v[1]->id, 1000, 0, 500, longerr, 5000, NULL), KB_OK);
    }
    kb_notify_msgs_free(v, n);
    CHECK_INT_EQ(kb_notify_due(s, 4999, 10, &v, &n, NULL), KB_OK);
    CHECK_INT_EQ(n, 0);
    kb_notify_msgs_free(v, n);
    CHECK_INT_EQ(kb_notify_due(s, 5000, 10, &v, &n, NULL), KB_OK);
    CHECK_INT_EQ(n, 1);
    if (n == 1)
        CHECK_INT_EQ(kb_notify_record(s, v[0]->id, 5000, 0, 0, "refused", 0, NULL), KB_OK);
    kb_notify_msgs_free(v, n);
    CHECK_INT_EQ(count(s, "delivered"), 1);
    CHECK_INT_EQ(count(s, "failed"), 1);
    CHECK_INT_EQ(kb_notify_list(s, "failed", 0, 10, &v, &n, NULL), KB_OK);
    if (n == 1) {
        CHECK_INT_EQ(v[0]->attempts, 2);
        CHECK_INT_EQ(v[0]->natt, 2);
        if (v[0]->natt == 2) {
            CHECK_INT_EQ(strlen(v[0]->att[0].detail), KB_NOTIFY_DETAIL_MAX);
            CHECK_INT_EQ(v[0]->att[0].code, 500);
        }
    }
    kb_notify_msgs_free(v, n);

    /* the sweep: P1 response 15 min (an incident not responded to: no assignee); 75 % at
     * 11:15, breach after 15:00, each once */
    in.assignee = NULL;
    CHECK_INT_EQ(kb_incident_create(s, &in, T0, NULL, NULL), KB_OK);
    CHECK_INT_EQ(count(s, "pending"), 0);
    /* the counts below are the SLA's: no service report is due (test_svcreport) */
    kb_svc_schedule off = { KB_SVC_OFF, 0 };
    CHECK_INT_EQ(kb_setting_set_report_schedule(s, &off, "admin", T0, NULL), KB_OK);
    size_t found = 0;
    CHECK_INT_EQ(kb_notify_sweep(s, T0 + 10 * 60, 0, &found, NULL), KB_OK);
    CHECK_INT_EQ(found, 0);
    CHECK_INT_EQ(kb_notify_sweep(s, T0 + 12 * 60, 0, &found, NULL), KB_OK);
    CHECK_INT_EQ(found, 1);
    CHECK_INT_EQ(kb_notify_sweep(s, T0 + 13 * 60, 0, &found, NULL), KB_OK);
    CHECK_INT_EQ(found, 0);
    CHECK_INT_EQ(kb_notify_sweep(s, T0 + 16 * 60, 0, &found, NULL), KB_OK);
    CHECK_INT_EQ(found, 1);
    CHECK_INT_EQ(kb_notify_sweep(s, T0 + 17 * 60, 0, &found, NULL), KB_OK);
    CHECK_INT_EQ(found, 0);
    CHECK_INT_EQ(kb_notify_list(s, "pending", 0, 10, &v, &n, NULL), KB_OK);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_STR_EQ(v[0]->event, "sla_breach");
        CHECK_STR_EQ(v[1]->event, "sla_75");
        CHECK(strstr(v[1]->body, "组长 lead.a") != NULL);
        CHECK(strstr(v[1]->body, "响应时限已用去 75%") != NULL);
    }
    kb_notify_msgs_free(v, n);

    /* a deleted channel's pending messages fail */
    CHECK_INT_EQ(kb_notify_channel_delete(s, all->id, "admin", T0, NULL), KB_OK);
    CHECK_INT_EQ(count(s, "pending"), 0);
    CHECK_INT_EQ(kb_notify_channel_delete(s, all->id, "admin", T0, NULL), KB_ENOTFOUND);
    kb_incident_free(inc);
    kb_notify_channel_free(all);
    kb_notify_channel_free(other);
    kb_notify_channel_free(grp);
}

/* A robot's key in a URL's query is shown masked; the rest stays readable. */
static void masked(void)
{
    const char *cases[][2] = {
        { "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123",
          "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****" },
        { "https://oapi.dingtalk.com/robot/send?access_token=t1&x=2#frag",
          "https://oapi.dingtalk.com/robot/send?access_token=****&x=****#****" },
        { "http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook" },
        { "http://h/p?flag&k=", "http://h/p?flag&k=****" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = kb_notify_url_masked(cases[i][0]);
        CHECK_STR_EQ(m, cases[i][1]);
        free(m);
    }
}

static long long msg_of(kb_store *s, long long channel, long long at)
{
    long long id = 0;
    CHECK_INT_EQ(kb_notify_enqueue_test(s, channel, at, &id, NULL), KB_OK);
    return id;
}

/* The prune deletes delivered and failed rows created before the cutoff, never a pending
 * one however old, nor newer ones. */
static void pruning(kb_store *s)
{
    kb_notify_channel *c = hook("prune", 1u << KB_NOTIFY_TEST, "");
    CHECK_INT_EQ(kb_notify_channel_put(s, c, "admin", T0, NULL), KB_OK);
    long long old_ok = msg_of(s, c->id, T0), old_failed = msg_of(s, c->id, T0 + 1);
    long long old_pending = msg_of(s, c->id, T0 + 2), old_retry = msg_of(s, c->id, T0 + 3);
    long long new_ok = msg_of(s, c->id, T0 + 10 * 86400);
    CHECK_INT_EQ(kb_notify_record(s, old_ok, 1, 1, 200, "", 0, NULL), KB_OK);
    CHECK_INT_EQ(kb_notify_record(s, old_failed, 1, 0, 500, "boom", 0, NULL), KB_OK);
    CHECK_INT_EQ(kb_notify_record(s, old_retry, 1, 0, 500, "boom", 99999, NULL), KB_OK);
    CHECK_INT_EQ(kb_notify_record(s, new_ok, 1, 1, 200, "", 0, NULL), KB_OK);
    size_t n = 99;
    CHECK_INT_EQ(kb_notify_prune(s, T0 + 86400, &n, NULL), KB_OK);
    CHECK_INT_EQ(n, 2);
    kb_notify_msg **v = NULL;
    size_t k = 0;
    CHECK_INT_EQ(kb_notify_list(s, NULL, c->id, 10, &v, &k, NULL), KB_OK);
    CHECK_INT_EQ(k, 3);
    if (k == 3) { /* newest first */
        CHECK(v[0]->id == new_ok && v[0]->natt == 1);
        CHECK(v[1]->id == old_retry && v[1]->natt == 1);
        CHECK_STR_EQ(v[1]->state, "pending");
        CHECK(v[2]->id == old_pending && v[2]->natt == 0);
    }
    kb_notify_msgs_free(v, k);
    /* again: nothing more; everything old but the pending rows */
    CHECK_INT_EQ(kb_notify_prune(s, T0 + 86400, &n, NULL), KB_OK);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(kb_notify_prune(s, T0 + 100 * 86400, &n, NULL), KB_OK);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(count(s, NULL) >= 2, 1);
    CHECK_INT_EQ(count(s, "pending"), 2);
    /* another channel's rows are not listed with channel c */
    CHECK_INT_EQ(kb_notify_list(s, NULL, c->id + 1000, 10, &v, &k, NULL), KB_OK);
    CHECK_INT_EQ(k, 0);
    kb_notify_msgs_free(v, k);
    kb_notify_channel_free(c);
}

int main(void)
{
    templates();
    checks();
    masked();
    fixture fx;
    if (fixture_open(&fx, "notify") == 0) {
        outbox(fx.s);
        fixture_close(&fx);
    }
    if (fixture_open(&fx, "notify-prune") == 0) {
        pruning(fx.s);
        fixture_close(&fx);
    }
    return CHECK_DONE("test_notify");
}
