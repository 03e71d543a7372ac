/* Support groups and routing rules: names, members, renames, rule matching. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_group.h"
#include "kb_incident.h"

#define T0 1767225600LL /* 2026-01-01T00:00:00Z */

static void test_names(void)
{
    CHECK(kb_group_name_valid("桌面组"));
    CHECK(kb_group_name_valid("Desk 2"));
    CHECK(!kb_group_name_valid(""));
    CHECK(!kb_group_name_valid(NULL));
    CHECK(!kb_group_name_valid(" desk"));
    CHECK(!kb_group_name_valid("desk "));
    CHECK(!kb_group_name_valid("a\tb"));
    char long_name[80];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK(!kb_group_name_valid(long_name));
    long_name[KB_GROUP_NAME_MAX] = '\0';
    CHECK(kb_group_name_valid(long_name));
}

static char *route(kb_store *s, const char *category, const char *ci, const char *location,
                   const char *summary)
{
    kb_group_route_input in = { category, ci, location, summary, "" };
    char *g = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_group_route(s, &in, &g, &err), KB_OK);
    return g;
}

#define CHECK_ROUTE(s, cat, ci, loc, summary, want)                                            \
    do {                                                                                       \
        char *g_ = route((s), (cat), (ci), (loc), (summary));                                  \
        CHECK_STR_EQ(g_, (want));                                                              \
        free(g_);                                                                              \
    } while (0)

static void test_store(kb_store *s)
{
    kb_err err;
    CHECK_INT_EQ(fixture_user(s, "eng.a"), KB_OK);
    CHECK_INT_EQ(fixture_user(s, "eng.b"), KB_OK);
    const char *m1[] = { "eng.b", "eng.a", "eng.a" };
    kb_group *g = NULL;
    CHECK_INT_EQ(kb_group_create(s, "Desk", m1, 3, "eng.a", "admin", T0, &g, &err), KB_OK);
    if (g) { /* sorted, once each */
        CHECK_INT_EQ(g->nmembers, 2);
        CHECK_STR_EQ(g->members[0], "eng.a");
        CHECK_STR_EQ(g->lead, "eng.a");
    }
    kb_group_free(g);
    CHECK_INT_EQ(kb_group_create(s, "DESK", NULL, 0, NULL, "admin", T0, NULL, &err), KB_EEXIST);
    const char *nobody[] = { "nobody" };
    CHECK_INT_EQ(kb_group_create(s, "Net", nobody, 1, NULL, "admin", T0, NULL, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "no user 'nobody'") != NULL);
    const char *m2[] = { "eng.b" };
    CHECK_INT_EQ(kb_group_create(s, "Net", m2, 1, NULL, "admin", T0, NULL, &err), KB_OK);
    int member = -1;
    CHECK_INT_EQ(kb_group_is_member(s, "desk", "eng.b", &member, &err), KB_OK);
    CHECK_INT_EQ(member, 1);
    CHECK_INT_EQ(kb_group_is_member(s, "Net", "eng.a", &member, &err), KB_OK);
    CHECK_INT_EQ(member, 0);
    CHECK_INT_EQ(kb_group_is_member(s, "nope", "eng.a", &member, &err), KB_OK);
    CHECK_INT_EQ(member, 0);

    /* rules: in order, the first that matches; names kept as the group is spelled */
    const char *kw[] = { "打印机", "Scanner" };
    kb_group_rule rules[] = {
        { .category = "network", .group = "net" },
        { .keywords = (char **)kw, .nkeywords = 2, .group = "Desk" },
        { .ci = "app-", .location = "HQ", .group = "Net" },
    };
    CHECK_INT_EQ(kb_group_rules_set(s, rules, 3, "admin", T0, &err), KB_OK);
    kb_group_rule *v = NULL;
    size_t n = 0;
    CHECK_INT_EQ(kb_group_rules_list(s, &v, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK_STR_EQ(v[0].group, "Net");
        CHECK_INT_EQ(v[1].nkeywords, 2);
        CHECK_STR_EQ(v[1].keywords[1], "Scanner");
    }
    kb_group_rules_free(v, n);
    CHECK_ROUTE(s, "network", "", "", "上不了网", "Net");
    CHECK_ROUTE(s, "other", "", "", "印表機卡紙", "Desk");  /* Traditional */
    CHECK_ROUTE(s, "other", "", "", "the SCANNER jams", "Desk"); /* any case */
    CHECK_ROUTE(s, "other", "APP-ERP", "hq 3F", "登录", "Net");
    CHECK_ROUTE(s, "other", "APP-ERP", "branch", "登录", "");
    CHECK_ROUTE(s, NULL, NULL, NULL, NULL, "");
    /* bad rules change nothing */
    kb_group_rule bad[] = { { .group = "Desk" } };
    CHECK_INT_EQ(kb_group_rules_set(s, bad, 1, "admin", T0, &err), KB_EINVAL);
    kb_group_rule ghost[] = { { .ci = "x", .group = "Ghost" } };
    CHECK_INT_EQ(kb_group_rules_set(s, ghost, 1, "admin", T0, &err), KB_EINVAL);
    CHECK_ROUTE(s, "network", "", "", "", "Net");

    /* a rename follows on incidents and rules; a PATCH by another case renames nothing */
    kb_inc_create in = { .caller_name = "王芳", .channel = "phone", .category = "network",
                         .summary = "断网", .priority = 3 };
    kb_incident *inc = NULL;
    CHECK_INT_EQ(kb_incident_create(s, &in, T0, &inc, &err), KB_OK);
    char number[40] = "";
    if (inc) {
        CHECK_STR_EQ(inc->group, "Net");
        snprintf(number, sizeof number, "%s", inc->number);
    }
    kb_incident_free(inc);
    kb_group_change ch = { .name = "网络组" };
    CHECK_INT_EQ(kb_group_update(s, "net", &ch, "admin", T0 + 1, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_incident_get(s, number, &inc, &err), KB_OK);
    if (inc)
        CHECK_STR_EQ(inc->group, "网络组");
    kb_incident_free(inc);
    CHECK_ROUTE(s, "network", "", "", "", "网络组");
    kb_group_change lead = { .lead = "eng.b" };
    CHECK_INT_EQ(kb_group_update(s, "DESK", &lead, "admin", T0 + 2, &g, &err), KB_OK);
    if (g) {
        CHECK_STR_EQ(g->name, "Desk");
        CHECK_STR_EQ(g->lead, "eng.b");
    }
    kb_group_free(g);
    kb_group_change none = { 0 };
    CHECK_INT_EQ(kb_group_update(s, "Desk", &none, "admin", T0 + 3, NULL, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_group_update(s, "Ghost", &lead, "admin", T0 + 3, NULL, &err), KB_ENOTFOUND);

    kb_group **all = NULL;
    CHECK_INT_EQ(kb_group_list(s, &all, &n, &err), KB_OK);
    CHECK_INT_EQ(n, 2);
    if (n == 2) {
        CHECK_STR_EQ(all[0]->name, "Desk");
        CHECK_STR_EQ(all[1]->name, "网络组");
    }
    kb_group_list_free(all, n);
}

int main(void)
{
    test_names();
    fixture fx;
    if (fixture_open(&fx, "group") == 0) {
        test_store(fx.s);
        fixture_close(&fx);
    }
    return CHECK_DONE("test_group");
}
