/* Filed service reports (kb_svcreport.h): which document holds the reports of a period,
 * and filing one (a catalogue version through kb_wf_save, the PDF through kb_attach_add)
 * in one transaction. */
#include "kb_svcreport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_attach.h"
#include "kb_audit.h"
#include "kb_docclass.h"
#include "kb_version.h"
#include "store_int.h"

static const char schema_v25[] =
    "CREATE TABLE IF NOT EXISTS svc_report("
    " period_from TEXT NOT NULL, period_to TEXT NOT NULL, doc_no TEXT NOT NULL,"
    " version INTEGER NOT NULL, attachment INTEGER NOT NULL, filed_at INTEGER NOT NULL,"
    " filed_by TEXT NOT NULL, PRIMARY KEY(period_from, period_to)) WITHOUT ROWID;";

static const char sql_find[] =
    "SELECT doc_no, version, attachment, filed_at, filed_by FROM svc_report "
    "WHERE period_from = ?1 AND period_to = ?2";
static const char sql_put[] =
    "INSERT OR REPLACE INTO svc_report(period_from, period_to, doc_no, version, attachment, "
    "filed_at, filed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

kb_status kb_svcreport_migrate(kb_store *s, kb_err *err)
{
    return kb_store_exec(s, schema_v25, err);
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

kb_status kb_svcreport_find(kb_store *s, const char *from_day, const char *to_day,
                            int *found, kb_svcreport_filed *out, kb_err *err)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = kb_store_cached(s, sql_find, err);
    if (!st)
        return KB_EDB;
    kb_store_bind_text(st, 1, from_day);
    kb_store_bind_text(st, 2, to_day);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *found = 1;
        copy(out->doc_no, sizeof out->doc_no, (const char *)sqlite3_column_text(st, 0));
        out->version = sqlite3_column_int64(st, 1);
        out->attachment = sqlite3_column_int64(st, 2);
        out->filed_at = sqlite3_column_int64(st, 3);
        copy(out->filed_by, sizeof out->filed_by, (const char *)sqlite3_column_text(st, 4));
    }
    kb_status rc = kb_store_step_err(s, r, err, "service reports");
    kb_store_done(st);
    return rc;
}

/* A YAML single-quoted scalar. */
static void yaml_str(kb_buf *b, const char *key, const char *v)
{
    kb_buf_addf(b, "%s: '", key);
    for (; *v; v++) {
        if (*v == '\'')
            kb_buf_adds(b, "''");
        else if (*v != '\n' && *v != '\r')
            kb_buf_addc(b, *v);
    }
    kb_buf_adds(b, "'\n");
}

/* The document's source: front matter and the Markdown report. */
static void source_of(const kb_svcreport *r, const char *doc_no, const char *actor,
                      kb_buf *b)
{
    kb_buf title;
    kb_buf_init(&title, 0);
    kb_svcreport_title(r, &title);
    char today[KB_DATE_LEN];
    kb_date_of(r->now, today);
    char period[2 * KB_DATE_LEN + 4];
    snprintf(period, sizeof period, "%s..%s", r->from_day, r->to_day);
    kb_buf_adds(b, "---\n");
    yaml_str(b, "id", doc_no);
    kb_buf_adds(b, "type: document\n");
    yaml_str(b, "title", kb_buf_str(&title));
    yaml_str(b, "doc_type", KB_SVCREPORT_DOC_TYPE);
    yaml_str(b, "report_period", period);
    yaml_str(b, "updated", today);
    yaml_str(b, "storage_location", "kedb 文档目录 > 服务报告");
    yaml_str(b, "retention_period", "5年");
    yaml_str(b, "owner", actor && *actor ? actor : "服务台");
    kb_buf_adds(b, "tags: [服务报告, SLA, 统计]\n---\n");
    kb_svcreport_markdown(r, b);
    kb_buf_free(&title);
}

/* The numbering prefix of the class that holds service reports (kb_docclass.h), or
 * KB_SVCREPORT_PREFIX when that class has none. */
static kb_status number_prefix(kb_store *s, char out[KB_DOCCLASS_PREFIX_MAX + 1], kb_err *err)
{
    kb_docclass_list l;
    kb_status rc = kb_docclass_list_all(s, &l, err);
    const kb_docclass *c = rc == KB_OK ? kb_docclass_of(&l, KB_SVCREPORT_DOC_TYPE) : NULL;
    snprintf(out, KB_DOCCLASS_PREFIX_MAX + 1, "%s",
             c && c->prefix[0] ? c->prefix : KB_SVCREPORT_PREFIX);
    kb_docclass_list_free(&l);
    return rc;
}

kb_status kb_svcreport_file(kb_store *s, const kb_svcreport *r, const void *pdf, size_t len,
                            const char *actor, long long now, kb_svcreport_filed *out,
                            kb_err *err)
{
    memset(out, 0, sizeof *out);
    int own = 0;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    int found = 0;
    kb_svcreport_filed was;
    char *doc_no = NULL;
    char *saved = NULL;
    long long n = 0;
    kb_buf src;
    kb_buf_init(&src, 0);
    rc = kb_svcreport_find(s, r->from_day, r->to_day, &found, &was, err);
    if (rc == KB_OK && found)
        doc_no = kb_xstrdup(was.doc_no);
    char prefix[KB_DOCCLASS_PREFIX_MAX + 1];
    if (rc == KB_OK && !found)
        rc = number_prefix(s, prefix, err);
    if (rc == KB_OK && !found)
        rc = kb_version_next_number(s, prefix, KB_SVCREPORT_DIGITS, &doc_no, err);
    if (rc == KB_OK) {
        source_of(r, doc_no, actor, &src);
        char comment[96];
        snprintf(comment, sizeof comment, "服务报告 %s 至 %s（kedb 生成）", r->from_day,
                 r->to_day);
        size_t line = 0;
        rc = kb_wf_save(s, kb_buf_str(&src), src.len, found ? doc_no : NULL, comment, actor,
                        now, &saved, &n, &line, err);
    }
    /* a generated report is a record of the desk's figures, not a text to review: the
     * filing publishes it at once (the earlier version becomes superseded), audited as
     * the filer's */
    kb_version *v = NULL;
    if (rc == KB_OK)
        rc = kb_version_get(s, doc_no, n, &v, err);
    if (rc == KB_OK)
        rc = kb_version_publish(s, v, actor, "服务报告归档（kedb 生成）", now, err);
    kb_version_free(v);
    if (rc == KB_OK) {
        char obj[96], sum[160];
        snprintf(obj, sizeof obj, "kb:%s", doc_no);
        snprintf(sum, sizeof sum, "version %lld filed and published: service report %s to %s",
                 n, r->from_day, r->to_day);
        rc = kb_audit_append(s, now, actor && *actor ? actor : "anonymous",
                             "svcreport.file", obj, sum, err);
    }
    kb_attachment *att = NULL;
    if (rc == KB_OK) {
        char name[96];
        snprintf(name, sizeof name, "%s-v%lld-%s_%s.pdf", doc_no, n, r->from_day, r->to_day);
        kb_attach_in in = { .owner_kind = KB_ATTACH_KB, .owner_id = doc_no, .name = name,
                            .data = pdf, .len = len, .actor = actor };
        rc = kb_attach_add(s, &in, now, &att, err);
    }
    if (rc == KB_OK) {
        sqlite3_stmt *st = kb_store_cached(s, sql_put, err);
        if (!st)
            rc = KB_EDB;
        if (rc == KB_OK) {
            kb_store_bind_text(st, 1, r->from_day);
            kb_store_bind_text(st, 2, r->to_day);
            kb_store_bind_text(st, 3, doc_no);
            sqlite3_bind_int64(st, 4, n);
            sqlite3_bind_int64(st, 5, att->id);
            sqlite3_bind_int64(st, 6, now);
            kb_store_bind_text_or_empty(st, 7, actor);
            rc = kb_store_step_done(s, st, "service report", err);
        }
    }
    if (rc == KB_OK) {
        copy(out->doc_no, sizeof out->doc_no, doc_no);
        out->version = n;
        out->attachment = att->id;
        out->filed_at = now;
        copy(out->filed_by, sizeof out->filed_by, actor);
    }
    rc = kb_store_write_end(s, own, rc, err);
    kb_attachment_free(att);
    kb_buf_free(&src);
    free(saved);
    free(doc_no);
    return rc;
}
