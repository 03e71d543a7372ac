/* Knowledge usage: link-back counts, feedback, the bounded ranking boost, knowledge gaps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "kb_doc.h"
#include "kb_search.h"
#include "kb_store.h"
#include "kb_usage.h"

static void put(kb_store *s, const char *id, const char *title, const char *symptom)
{
    kb_doc *d = fixture_doc(id, "known_error", "published", title);
    kb_doc_set(&d->symptom, symptom, strlen(symptom));
    CHECK_INT_EQ(fixture_put(s, d), KB_OK);
}

static const char *first_hit(kb_store *s, const char *q, char *buf, size_t size)
{
    kb_search_opts o = { .q = q, .limit = 5 };
    kb_search_result *r = NULL;
    buf[0] = '\0';
    if (kb_search_run(s, &o, &r, NULL) == KB_OK && r->nhits)
        snprintf(buf, size, "%s", r->hits[0].id);
    kb_search_result_free(r);
    return buf;
}

int main(void)
{
    char dir[] = "/tmp/kedb-test-usage-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[256], cmd[300], id[64];
    snprintf(path, sizeof path, "%s/kb.db", dir);
    kb_store *s = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_store_open(path, 0, &s, &err), KB_OK);
    if (!s)
        return CHECK_DONE("test_usage");

    /* Two known errors that match the same words equally well. */
    put(s, "KE-A", "打印机脱机 offline", "打印机显示脱机，无法打印");
    put(s, "KE-B", "打印机脱机 offline", "打印机显示脱机，无法打印");
    first_hit(s, "打印机脱机 ", id, sizeof id);
    const char *plain_first = strcmp(id, "KE-A") == 0 ? "KE-A" : "KE-B";
    const char *other = strcmp(plain_first, "KE-A") == 0 ? "KE-B" : "KE-A";

    /* Link-back: the other one resolved incidents and now ranks first. */
    for (int i = 0; i < 3; i++)
        CHECK_INT_EQ(kb_usage_resolved(s, other, 1, 1700000000 + i, &err), KB_OK);
    kb_usage u;
    CHECK_INT_EQ(kb_usage_get(s, other, &u, &err), KB_OK);
    CHECK_INT_EQ(u.resolved, 3);
    CHECK_INT_EQ(u.last_resolved, 1700000002);
    CHECK_STR_EQ(first_hit(s, "打印机脱机 ", id, sizeof id), other);
    /* A reopened incident takes one back; counts never go below zero. */
    CHECK_INT_EQ(kb_usage_resolved(s, other, -1, 1700000100, &err), KB_OK);
    CHECK_INT_EQ(kb_usage_get(s, other, &u, &err), KB_OK);
    CHECK_INT_EQ(u.resolved, 2);
    CHECK_INT_EQ(u.last_resolved, 1700000002);
    for (int i = 0; i < 5; i++)
        kb_usage_resolved(s, plain_first, -1, 1700000200, &err);
    CHECK_INT_EQ(kb_usage_get(s, plain_first, &u, &err), KB_OK);
    CHECK_INT_EQ(u.resolved, 0);

    /* Feedback counts, and "did not help" pulls an item down. */
    CHECK_INT_EQ(kb_usage_feedback(s, plain_first, 1, NULL, 1700000300, &err), KB_OK);
    CHECK_INT_EQ(kb_usage_feedback(s, plain_first, 0, NULL, 1700000301, &err), KB_OK);
    CHECK_INT_EQ(kb_usage_get(s, plain_first, &u, &err), KB_OK);
    CHECK_INT_EQ(u.helpful, 1);
    CHECK_INT_EQ(u.not_helpful, 1);
    CHECK_INT_EQ(kb_usage_feedback(s, "KE-NOPE", 1, NULL, 0, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_usage_resolved(s, "KE-NOPE", 1, 0, &err), KB_ENOTFOUND);

    /* The boost is bounded: text relevance still leads. */
    kb_usage many = { 1000000, 0, 1000, 0 };
    CHECK(kb_usage_factor(&many) <= 1.5);
    kb_usage bad = { 0, 0, 0, 1000 };
    CHECK(kb_usage_factor(&bad) >= 0.8);
    kb_usage none = { 0, 0, 0, 0 };
    CHECK(kb_usage_factor(&none) == 1.0);
    /* ... and an item the words do not match never comes up for them */
    for (int i = 0; i < 50; i++)
        kb_usage_resolved(s, other, 1, 1700001000, &err);
    put(s, "KE-C", "VPN 809 error", "VPN client error 809");
    CHECK_STR_EQ(first_hit(s, "VPN 809 ", id, sizeof id), "KE-C");

    /* Knowledge gaps: counted per query, most frequent first, since a time. */
    CHECK_INT_EQ(kb_usage_gap(s, "蓝牙耳机 无法配对", 1700000000, &err), KB_OK);
    CHECK_INT_EQ(kb_usage_gap(s, "蓝牙耳机 无法配对", 1700000500, &err), KB_OK);
    CHECK_INT_EQ(kb_usage_gap(s, "投影仪 没有信号", 1700000600, &err), KB_OK);
    CHECK_INT_EQ(kb_usage_gap(s, "", 1700000600, &err), KB_OK);
    char longq[600];
    memset(longq, 'x', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    CHECK_INT_EQ(kb_usage_gap(s, longq, 1700000700, &err), KB_OK);
    kb_gap *g = NULL;
    size_t n = 0;
    CHECK_INT_EQ(kb_usage_gaps(s, 0, 10, &g, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 3);
    if (n >= 2) {
        CHECK_STR_EQ(g[0].query, "蓝牙耳机 无法配对");
        CHECK_INT_EQ(g[0].count, 2);
    }
    for (size_t i = 0; i < n; i++)
        CHECK(strlen(g[i].query) <= 200);
    kb_usage_gaps_free(g, n);
    CHECK_INT_EQ(kb_usage_gaps(s, 1700000550, 10, &g, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 2);
    kb_usage_gaps_free(g, n);

    kb_store_free(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT_EQ(system(cmd), 0);
    return CHECK_DONE("test_usage");
}
