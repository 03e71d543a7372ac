/* Versions of knowledge items: files indexed by kb_ingest_run (new version per change,
 * removed files kept on record, API ids not taken over), the workflow in one store, the
 * document catalogue by date and the front-matter field setter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_docreq.h"
#include "kb_ingest.h"
#include "kb_store.h"
#include "kb_version.h"

#define DAY 86400LL

static char root[64];
static int failures;

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs(content, f);
    fclose(f);
}

static void on_fail(void *ctx, const char *path, size_t line, const char *reason)
{
    (void)ctx;
    (void)line;
    failures++;
    fprintf(stderr, "  (expected) %s: %s\n", path, reason);
}

static kb_ingest_stats index_dir(kb_store *s, const char *dir)
{
    const char *dirs[] = { dir };
    kb_ingest_opts o = { .on_fail = on_fail };
    kb_ingest_stats st = { 0 };
    kb_err err;
    kb_status rc = kb_ingest_run(s, dirs, 1, &o, &st, &err);
    CHECK_INT_EQ(rc, KB_OK);
    return st;
}

static const char *state_of(const kb_version_list *l, size_t i)
{
    return i < l->n ? l->v[i].state : "(none)";
}

static void test_files(kb_store *s, const char *kb)
{
    write_file(kb, "doc.md", "---\nid: QA-CX-001\ntype: document\ntitle: 质量程序\nversion: '1'\n"
                             "publish_date: 2025-06-01\nowner: 质量部\n---\n第一版\n");
    write_file(kb, "ke.md", "---\nid: KE-0001\ntype: known_error\ntitle: t\n---\n## 症状\nx\n");
    index_dir(s, kb);
    kb_version_list l;
    CHECK_INT_EQ(kb_version_list_of(s, "QA-CX-001", &l, NULL), KB_OK);
    CHECK_INT_EQ(l.n, 1);
    CHECK_STR_EQ(state_of(&l, 0), "published");
    if (l.n) {
        CHECK_STR_EQ(l.v[0].effective_from, "2025-06-01"); /* as the file says */
        CHECK_STR_EQ(l.v[0].owner, "质量部");
        CHECK(strncmp(l.v[0].origin, "file ", 5) == 0);
    }
    kb_version_list_free(&l);

    /* unchanged: no new version; changed: a new one, the old superseded */
    index_dir(s, kb);
    write_file(kb, "doc.md", "---\nid: QA-CX-001\ntype: document\ntitle: 质量程序\nversion: '2'\n"
                             "publish_date: 2026-02-01\n---\n第二版\n");
    index_dir(s, kb);
    CHECK_INT_EQ(kb_version_list_of(s, "QA-CX-001", &l, NULL), KB_OK);
    CHECK_INT_EQ(l.n, 2);
    CHECK_STR_EQ(state_of(&l, 0), "superseded");
    CHECK_STR_EQ(state_of(&l, 1), "published");
    if (l.n == 2) {
        CHECK_STR_EQ(l.v[0].effective_to, "2026-02-01");
        CHECK_STR_EQ(l.v[1].label, "2");
    }
    kb_version_list_free(&l);

    /* each version reads back its own text (the current one shares the item's row) */
    kb_version *v1 = NULL, *v2 = NULL;
    CHECK_INT_EQ(kb_version_get(s, "QA-CX-001", 1, &v1, NULL), KB_OK);
    CHECK_INT_EQ(kb_version_get(s, "QA-CX-001", 2, &v2, NULL), KB_OK);
    CHECK(v1 && strstr(v1->source, "第一版") && !strstr(v1->source, "第二版"));
    CHECK(v2 && strstr(v2->source, "第二版"));
    kb_version_free(v1);
    kb_version_free(v2);

    /* the version current on a date */
    kb_catalogue_filter f = { .as_of = "2025-12-31" };
    CHECK_INT_EQ(kb_catalogue_list(s, &f, &l, NULL), KB_OK);
    CHECK_INT_EQ(l.n, 1);
    if (l.n)
        CHECK_STR_EQ(l.v[0].label, "1");
    kb_version_list_free(&l);
    f.as_of = "2025-01-01";
    CHECK_INT_EQ(kb_catalogue_list(s, &f, &l, NULL), KB_OK);
    CHECK_INT_EQ(l.n, 0);
    kb_version_list_free(&l);

    /* a removed file stays on record */
    char path[256];
    snprintf(path, sizeof path, "%s/doc.md", kb);
    unlink(path);
    index_dir(s, kb);
    CHECK_INT_EQ(kb_version_list_of(s, "QA-CX-001", &l, NULL), KB_OK);
    CHECK_INT_EQ(l.n, 2);
    CHECK_STR_EQ(state_of(&l, 1), "removed");
    kb_version_list_free(&l);
    CHECK_INT_EQ(kb_version_get(s, "QA-CX-001", 2, &v2, NULL), KB_OK);
    CHECK(v2 && strstr(v2->source, "第二版")); /* kept when its file went */
    kb_version_free(v2);
    kb_doc *d = NULL;
    CHECK_INT_EQ(kb_store_doc_get(s, "QA-CX-001", &d, NULL), KB_ENOTFOUND);
    kb_catalogue_filter cur = { 0 };
    CHECK_INT_EQ(kb_catalogue_list(s, &cur, &l, NULL), KB_OK);
    CHECK_INT_EQ(l.n, 0);
    kb_version_list_free(&l);
    kb_catalogue_filter removed = { .status = "removed" };
    CHECK_INT_EQ(kb_catalogue_list(s, &removed, &l, NULL), KB_OK);
    CHECK_INT_EQ(l.n, 1);
    kb_version_list_free(&l);

    /* a file edited through the API is refused; a file cannot take an API id */
    char *id = NULL;
    long long n = 0;
    kb_err err;
    const char *ke = "---\nid: KE-0001\ntype: known_error\ntitle: t2\n---\n## 症状\ny\n";
    CHECK_INT_EQ(kb_wf_save(s, ke, strlen(ke), "KE-0001", NULL, "eng", 1000, &id, &n, NULL,
                            &err),
                 KB_EEXIST);
    const char *api = "---\ntype: article\ntitle: 在线文章\n---\n正文\n";
    CHECK_INT_EQ(kb_wf_save(s, api, strlen(api), NULL, NULL, "eng", 1000, &id, &n, NULL, &err),
                 KB_OK);
    CHECK_STR_EQ(id, "ART-0001");
    CHECK_INT_EQ(n, 1);
    write_file(kb, "clash.md", "---\nid: ART-0001\ntype: article\ntitle: 文件\n---\nx\n");
    failures = 0;
    kb_ingest_stats st = index_dir(s, kb);
    CHECK_INT_EQ(st.failed, 1);
    CHECK_INT_EQ(failures, 1);
    kb_version *v = NULL;
    CHECK_INT_EQ(kb_version_get(s, "ART-0001", 0, &v, NULL), KB_OK);
    if (v) {
        CHECK_STR_EQ(v->origin, "api");
        CHECK_STR_EQ(v->title, "在线文章");
    }
    kb_version_free(v);
    free(id);
}

static void test_workflow(kb_store *s)
{
    long long at = 1767225600; /* 2026-01-01 */
    const char *src = "---\ntype: known_error\ntitle: 工作流\nstatus: draft\n---\n## 症状\nq\n";
    char *id = NULL;
    long long n = 0;
    kb_err err;
    CHECK_INT_EQ(kb_wf_save(s, src, strlen(src), NULL, "c", "eng", at, &id, &n, NULL, &err),
                 KB_OK);
    CHECK_STR_EQ(id, "KE-0002"); /* after the file's KE-0001 */
    CHECK_INT_EQ(kb_wf_decide(s, id, 1, NULL, "appr", at, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_wf_submit(s, id, "eng", at, &err), KB_OK);
    CHECK_INT_EQ(kb_wf_submit(s, id, "eng", at, &err), KB_EEXIST);
    CHECK_INT_EQ(kb_wf_decide(s, id, 1, NULL, "eng", at, &err), KB_EDENIED);
    CHECK_INT_EQ(kb_wf_decide(s, id, 0, "", "appr", at, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_wf_decide(s, id, 1, "ok", "appr", at + DAY, &err), KB_OK);
    kb_doc *d = NULL;
    CHECK_INT_EQ(kb_store_doc_get(s, id, &d, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(d->status, "published"); /* the workflow decides, not the front matter */
        CHECK_STR_EQ(d->path, "");
    }
    kb_doc_free(d);
    CHECK_INT_EQ(kb_wf_retire(s, id, "", NULL, "appr", at, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_wf_retire(s, id, "PRB-7", "fixed", "appr", at + 2 * DAY, &err), KB_OK);
    CHECK_INT_EQ(kb_store_doc_get(s, id, &d, NULL), KB_OK);
    if (d) {
        CHECK_STR_EQ(d->status, "retired");
        const kb_field *f = kb_doc_field(d, "fixed_by");
        CHECK(f && f->nvals == 1 && strcmp(f->vals[0], "PRB-7") == 0);
    }
    kb_doc_free(d);
    kb_version_list l;
    CHECK_INT_EQ(kb_version_list_of(s, id, &l, NULL), KB_OK);
    CHECK_INT_EQ(l.n, 2);
    CHECK_STR_EQ(state_of(&l, 0), "superseded");
    CHECK_STR_EQ(state_of(&l, 1), "retired");
    kb_version_list_free(&l);
    /* a failed step leaves nothing behind: the store and the audit chain are consistent */
    kb_audit_check chk;
    CHECK_INT_EQ(kb_audit_verify(s, &chk, NULL), KB_OK);
    CHECK(chk.ok);
    free(id);

    /* numbering rule */
    CHECK_INT_EQ(kb_version_check_number(s, "YW-SC-001", NULL), KB_OK);
    CHECK_INT_EQ(kb_version_check_number(s, "yw-sc-1", NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_version_set_rule(s, "([", "admin", at, NULL), KB_EINVAL);
    /* shapes whose compilation is unbounded are refused before regcomp (found by make fuzz) */
    CHECK_INT_EQ(kb_version_set_rule(s, "^QMscon_od++++++++++++++++++++++s-]{4}$", "admin", at,
                                     NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_version_set_rule(s, "^(a{60}){60}b{2}$", "admin", at, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_version_set_rule(s, "^D{1000}$", "admin", at, NULL), KB_EINVAL);
    CHECK_INT_EQ(kb_version_set_rule(s, "^[A-Z]{2,6}-[A-Z+*]{2,4}-[0-9]{3,}$", "admin", at,
                                     NULL), KB_OK);
    CHECK_INT_EQ(kb_version_set_rule(s, "^D[0-9]+$", "admin", at, NULL), KB_OK);
    CHECK_INT_EQ(kb_version_check_number(s, "D12", NULL), KB_OK);
    CHECK_INT_EQ(kb_version_check_number(s, "YW-SC-001", NULL), KB_EINVAL);
}

/* Which versions are work in progress: read only by reviewers and their author. */
static void test_wip(void)
{
    static const struct {
        const char *state;
        const char *from;
        int wip;
    } cases[] = {
        { "draft", "", 1 },          { "in_review", "", 1 },        { "requested", "", 1 },
        { "rejected", "", 1 },       { "withdrawn", "", 1 },        { "removed", "", 1 },
        { "removed", "2026-01-01", 0 }, { "published", "2026-01-01", 0 },
        { "superseded", "", 0 },     { "retired", "2026-01-01", 0 }, { "scrapped", "", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kb_version v = { 0 };
        v.state = (char *)cases[i].state;
        v.effective_from = (char *)cases[i].from;
        if (kb_version_is_wip(&v) != cases[i].wip)
            fprintf(stderr, "state %s from '%s'\n", cases[i].state, cases[i].from);
        CHECK_INT_EQ(kb_version_is_wip(&v), cases[i].wip);
    }
    CHECK(kb_version_status_wip("draft") && kb_version_status_wip("in_review"));
    CHECK(!kb_version_status_wip("published") && !kb_version_status_wip("retired") &&
          !kb_version_status_wip("closed") && !kb_version_status_wip(""));
}

static void test_set_field(void)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    const char *src = "---\nid: A\ntags:\n  - x\n  - y\ntitle: T\n---\nbody\n";
    CHECK_INT_EQ(kb_ingest_set_field(src, strlen(src), "tags", "a \"b\"\n", &b, NULL), KB_OK);
    CHECK_STR_EQ(kb_buf_str(&b), "---\nid: A\ntags: \"a \\\"b\\\"\\n\"\ntitle: T\n---\nbody\n");
    kb_buf_reset(&b);
    CHECK_INT_EQ(kb_ingest_set_field(src, strlen(src), "status", "draft", &b, NULL), KB_OK);
    CHECK_STR_EQ(kb_buf_str(&b), "---\nid: A\ntags:\n  - x\n  - y\ntitle: T\nstatus: \"draft\"\n"
                                 "---\nbody\n");
    kb_buf_reset(&b);
    CHECK_INT_EQ(kb_ingest_set_field(src, strlen(src), "id", NULL, &b, NULL), KB_OK);
    CHECK_STR_EQ(kb_buf_str(&b), "---\ntags:\n  - x\n  - y\ntitle: T\n---\nbody\n");
    kb_buf_reset(&b);
    /* "idx:" is another key than "id" */
    const char *src2 = "---\nidx: 1\n---\n";
    CHECK_INT_EQ(kb_ingest_set_field(src2, strlen(src2), "id", "Z", &b, NULL), KB_OK);
    CHECK_STR_EQ(kb_buf_str(&b), "---\nidx: 1\nid: \"Z\"\n---\n");
    kb_buf_reset(&b);
    CHECK_INT_EQ(kb_ingest_set_field("no front matter", 15, "id", "Z", &b, NULL), KB_EPARSE);
    kb_buf_free(&b);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/kedb-test-version-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    char kb[128], db[128];
    snprintf(kb, sizeof kb, "%s/kb", root);
    snprintf(db, sizeof db, "%s/kedb.db", root);
    mkdir(kb, 0700);
    kb_store *s = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_store_open(db, 0, &s, &err), KB_OK);
    if (s) {
        test_files(s, kb);
        test_workflow(s);
    }
    kb_store_free(s);
    test_set_field();
    test_wip();
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return CHECK_DONE("test_version");
}
