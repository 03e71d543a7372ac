/* Document classes and approval chains: the seeded list, doc_type resolution, the API
 * write check, admins' changes, and a change request through a two-step chain. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_docclass.h"
#include "kb_docreq.h"
#include "kb_group.h"
#include "kb_version.h"

#define T0 1775030400LL /* 2026-04-01T08:00:00Z */
#define ENG KB_ROLE_ENGINEER
#define APPR KB_ROLE_APPROVER

static void test_list(kb_store *s)
{
    kb_docclass_list l;
    kb_err err;
    CHECK_INT_EQ(kb_docclass_list_all(s, &l, &err), KB_OK);
    CHECK_INT_EQ(l.n, KB_DOCCLASS_N);
    CHECK_STR_EQ(l.v[0].code, "ops");
    CHECK_STR_EQ(l.v[0].name, "运维体系文档");
    CHECK_INT_EQ(l.v[0].nsub_types, 3);
    CHECK_STR_EQ(l.v[4].name, "其他文件资料");
    CHECK_STR_EQ(l.v[0].prefix, "");
    const struct {
        const char *doc_type, *code;
    } cases[] = { { "procedure", "ops" },        { "Operations Manual", "ops" },
                  { "OPS", "ops" },              { "质量管理文档", "quality" },
                  { "service report", "report" }, { "other", "other" },
                  { "banana", NULL },            { "", NULL },
                  { NULL, NULL } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const kb_docclass *c = kb_docclass_of(&l, cases[i].doc_type);
        if (cases[i].code)
            CHECK(c && strcmp(c->code, cases[i].code) == 0);
        else
            CHECK(c == NULL);
    }
    kb_docclass_list_free(&l);
    CHECK_INT_EQ(kb_docreq_kind_index("destroy"), 3);
    CHECK_INT_EQ(kb_docreq_kind_index("lose"), -1);
    CHECK_INT_EQ(kb_docreq_kind_index(NULL), -1);
}

static void test_update(kb_store *s)
{
    kb_err err;
    const char *code = NULL;
    CHECK_INT_EQ(kb_docclass_check(s, "procedure", "YW-CX-001", &code, &err), KB_OK);
    CHECK_STR_EQ(code, "ops");
    CHECK_INT_EQ(kb_docclass_check(s, "banana", "YW-CX-001", NULL, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "banana") != NULL);
    CHECK(strstr(err.msg_zh, "不是文档类别") != NULL);
    CHECK_INT_EQ(kb_docclass_check(s, "", "YW-CX-001", NULL, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_docclass_check(s, NULL, "YW-CX-001", NULL, &err), KB_EINVAL);

    CHECK_INT_EQ(fixture_user(s, "ops.a"), KB_OK);
    CHECK_INT_EQ(fixture_user(s, "ic.a"), KB_OK);
    CHECK_INT_EQ(fixture_user(s, "writer"), KB_OK);
    const char *ops[] = { "ops.a", "writer" }, *ic[] = { "ic.a", "ops.a" };
    CHECK_INT_EQ(kb_group_create(s, "运维部", ops, 2, NULL, "admin", T0, NULL, &err), KB_OK);
    CHECK_INT_EQ(kb_group_create(s, "信息中心", ic, 2, NULL, "admin", T0, NULL, &err), KB_OK);

    kb_docclass_change ch;
    memset(&ch, 0, sizeof ch);
    CHECK_INT_EQ(kb_docclass_update(s, "ops", &ch, "admin", T0, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_docclass_update(s, "banana", &ch, "admin", T0, &err), KB_ENOTFOUND);
    ch.prefix = "Y W";
    CHECK_INT_EQ(kb_docclass_update(s, "ops", &ch, "admin", T0, &err), KB_EINVAL);
    ch.prefix = "YW-";
    const char *chain[] = { "运维部", "信息中心" }, *twice[] = { "运维部", "运维部" },
               *unknown[] = { "无此组" };
    ch.set_chain[0] = 1;
    ch.chain[0] = twice;
    ch.nchain[0] = 2;
    CHECK_INT_EQ(kb_docclass_update(s, "ops", &ch, "admin", T0, &err), KB_EINVAL);
    ch.chain[0] = unknown;
    ch.nchain[0] = 1;
    CHECK_INT_EQ(kb_docclass_update(s, "ops", &ch, "admin", T0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "无此组") != NULL);
    ch.chain[0] = chain;
    ch.nchain[0] = 2;
    ch.set_chain[3] = 1; /* destroy: 信息中心 alone */
    ch.chain[3] = chain + 1;
    ch.nchain[3] = 1;
    CHECK_INT_EQ(kb_docclass_update(s, "ops", &ch, "admin", T0, &err), KB_OK);
    /* nothing of a failed change stays */
    kb_docclass_list l;
    CHECK_INT_EQ(kb_docclass_list_all(s, &l, &err), KB_OK);
    CHECK_STR_EQ(l.v[0].prefix, "YW-");
    CHECK_INT_EQ(l.v[0].nchain[0], 2);
    if (l.v[0].nchain[0] == 2)
        CHECK_STR_EQ(l.v[0].chain[0][1], "信息中心");
    CHECK_INT_EQ(l.v[0].nchain[1], 0);
    kb_docclass_list_free(&l);
    CHECK_INT_EQ(kb_docclass_check(s, "form", "XX-BD-001", NULL, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'YW-'") != NULL);

    kb_docclass_change subs;
    memset(&subs, 0, sizeof subs);
    const char *taken[] = { "procedure" }, *empty[] = { "" }, *dup[] = { "a", "A" },
               *mine[] = { "quality document", "质量记录" };
    subs.set_sub_types = 1;
    subs.sub_types = taken;
    subs.nsub_types = 1;
    CHECK_INT_EQ(kb_docclass_update(s, "quality", &subs, "admin", T0, &err), KB_EINVAL);
    subs.sub_types = empty;
    CHECK_INT_EQ(kb_docclass_update(s, "quality", &subs, "admin", T0, &err), KB_EINVAL);
    subs.sub_types = dup;
    subs.nsub_types = 2;
    CHECK_INT_EQ(kb_docclass_update(s, "quality", &subs, "admin", T0, &err), KB_EINVAL);
    subs.nsub_types = 0;
    CHECK_INT_EQ(kb_docclass_update(s, "quality", &subs, "admin", T0, &err), KB_EINVAL);
    subs.sub_types = mine;
    subs.nsub_types = 2;
    CHECK_INT_EQ(kb_docclass_update(s, "quality", &subs, "admin", T0, &err), KB_OK);
    CHECK_INT_EQ(kb_docclass_check(s, "质量记录", "QR-1", &code, &err), KB_OK);
    CHECK_STR_EQ(code, "quality");
}

static kb_status act(kb_store *s, const char *id, const char *action, const char *comment,
                     const char *actor, unsigned roles, kb_err *err)
{
    kb_docreq_action a = { .action = action, .comment = comment, .roles = roles };
    return kb_docreq_act(s, id, &a, actor, T0 + 3600, NULL, err);
}

static const char src1[] = "---\nid: YW-CX-001\ntype: document\ntitle: 程序\nversion: A/1\n"
                           "doc_type: procedure\n---\n# 程序\n\nA/1\n";
static const char src2[] = "---\nid: YW-CX-001\ntype: document\ntitle: 程序\nversion: A/2\n"
                           "doc_type: procedure\n---\n# 程序\n\nA/2\n";

static void test_chain(kb_store *s)
{
    kb_err err;
    char *id = NULL;
    long long n = 0;
    /* API writes: doc_type in the list, the prefix */
    static const char bad[] = "---\nid: YW-CX-002\ntype: document\ntitle: t\nversion: 1\n"
                              "doc_type: banana\n---\nx\n";
    CHECK_INT_EQ(kb_wf_save(s, bad, strlen(bad), NULL, NULL, "writer", T0, &id, &n, NULL, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_wf_save(s, src1, strlen(src1), NULL, NULL, "writer", T0, &id, &n, NULL,
                            &err), KB_OK);
    free(id);
    CHECK_INT_EQ(kb_wf_submit(s, "YW-CX-001", "writer", T0, &err), KB_OK);
    CHECK_INT_EQ(kb_wf_decide(s, "YW-CX-001", 1, NULL, "appr", T0, &err), KB_OK);

    kb_docreq_new q = { .kind = "change", .doc_no = "YW-CX-001", .reason = "调整",
                        .source = src2, .source_len = strlen(src2) };
    char *rid = NULL;
    CHECK_INT_EQ(kb_docreq_create(s, &q, "writer", T0, &rid, NULL, &err), KB_OK);
    if (!rid)
        return;
    kb_docreq *r = NULL;
    CHECK_INT_EQ(kb_docreq_get(s, rid, &r, &err), KB_OK);
    if (r) {
        CHECK_STR_EQ(r->flow, "chain");
        CHECK_STR_EQ(r->doc_class, "ops");
        CHECK_INT_EQ(r->nsteps, 2);
    }
    kb_docreq_free(r);
    CHECK_INT_EQ(act(s, rid, "approve", NULL, "writer", ENG, &err), KB_EDENIED); /* requester */
    CHECK_INT_EQ(act(s, rid, "approve", NULL, "ic.a", APPR, &err), KB_EDENIED);  /* order */
    CHECK_INT_EQ(act(s, rid, "approve", NULL, "ops.a", ENG, &err), KB_OK);
    CHECK_INT_EQ(act(s, rid, "approve", NULL, "ops.a", ENG, &err), KB_EDENIED);  /* twice */
    CHECK_INT_EQ(act(s, rid, "execute", "x", "writer", ENG, &err), KB_EEXIST);   /* too soon */
    CHECK_INT_EQ(act(s, rid, "approve", NULL, "ic.a", APPR, &err), KB_OK);
    CHECK_INT_EQ(act(s, rid, "approve", NULL, "ic.a", APPR, &err), KB_EEXIST);
    kb_version *v = NULL;
    CHECK_INT_EQ(kb_version_get(s, "YW-CX-001", 2, &v, &err), KB_OK);
    if (v)
        CHECK_STR_EQ(v->state, "requested");
    kb_version_free(v);
    CHECK_INT_EQ(act(s, rid, "execute", "x", "ic.a", APPR, &err), KB_EDENIED);
    CHECK_INT_EQ(act(s, rid, "execute", NULL, "writer", ENG, &err), KB_EINVAL);
    CHECK_INT_EQ(act(s, rid, "execute", "修改第 3 节", "writer", ENG, &err), KB_OK);
    CHECK_INT_EQ(act(s, rid, "confirm", NULL, "writer", ENG, &err), KB_EDENIED); /* executor */
    CHECK_INT_EQ(act(s, rid, "confirm", NULL, "appr", APPR, &err), KB_EDENIED);  /* no group */
    CHECK_INT_EQ(act(s, rid, "confirm", "ok", "ic.a", APPR, &err), KB_OK);
    CHECK_INT_EQ(kb_version_get(s, "YW-CX-001", 2, &v, &err), KB_OK);
    if (v)
        CHECK_STR_EQ(v->state, "published");
    kb_version_free(v);
    CHECK_INT_EQ(kb_docreq_get(s, rid, &r, &err), KB_OK);
    if (r) {
        CHECK_STR_EQ(r->state, "confirmed");
        CHECK_STR_EQ(r->executed_by, "writer");
        CHECK_STR_EQ(r->execution, "修改第 3 节");
        CHECK_STR_EQ(r->confirmed_by, "ic.a");
        CHECK_STR_EQ(r->steps[1].decided_by, "ic.a");
    }
    kb_docreq_free(r);
    free(rid);

    /* destruction: 信息中心 alone, then executed */
    kb_docreq_new d = { .kind = "destroy", .doc_no = "YW-CX-001", .reason = "超期" };
    CHECK_INT_EQ(kb_docreq_create(s, &d, "writer", T0, &rid, NULL, &err), KB_OK);
    if (!rid)
        return;
    CHECK_INT_EQ(kb_docreq_create(s, &d, "writer", T0, &id, NULL, &err), KB_EEXIST);
    CHECK_INT_EQ(act(s, rid, "approve", NULL, "ops.a", ENG, &err), KB_OK); /* in 信息中心 too */
    CHECK_INT_EQ(act(s, rid, "execute", "已销毁", "writer", ENG, &err), KB_OK);
    CHECK_INT_EQ(act(s, rid, "confirm", NULL, "ic.a", APPR, &err), KB_EEXIST);
    CHECK_INT_EQ(kb_version_get(s, "YW-CX-001", 2, &v, &err), KB_OK);
    if (v)
        CHECK_STR_EQ(v->state, "destroyed");
    kb_version_free(v);
    CHECK_INT_EQ(kb_docreq_create(s, &d, "writer", T0, &id, NULL, &err), KB_EEXIST);
    free(rid);

    /* a renamed group stays in the chain */
    kb_group_change gc = { .name = "信息中心办" };
    CHECK_INT_EQ(kb_group_update(s, "信息中心", &gc, "admin", T0, NULL, &err), KB_OK);
    kb_docclass_list l;
    CHECK_INT_EQ(kb_docclass_list_all(s, &l, &err), KB_OK);
    if (l.v[0].nchain[0] == 2)
        CHECK_STR_EQ(l.v[0].chain[0][1], "信息中心办");
    kb_docclass_list_free(&l);
}

int main(void)
{
    fixture fx;
    if (fixture_open(&fx, "docclass") == 0) {
        test_list(fx.s);
        test_update(fx.s);
        test_chain(fx.s);
        fixture_close(&fx);
    }
    return CHECK_DONE("test_docclass");
}
