/* The asset archive: the tag syntax and field checks, the enumerations, create and update
 * with their history (nothing written for a change that changes nothing), tags unique in
 * any case, the warranty against a stored purchase date, scrapping decided by someone else
 * and final except for an admin, and searches (Traditional, part of a serial, filters). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_asset.h"
#include "kb_buf.h"
#include "kb_incident.h"
#include "kb_store.h"

#define T0 1767225600LL /* 2026-01-01T00:00:00Z */

static kb_asset_in blank_in(void)
{
    kb_asset_in in;
    memset(&in, 0, sizeof in);
    in.cls = -1;
    in.status = -1;
    in.caller_id = -1;
    return in;
}

static void test_names(void)
{
    for (int i = 0; i < KB_ASSET_NCLASSES; i++)
        CHECK_INT_EQ(kb_asset_class_of(kb_asset_class_name(i)), i);
    for (int i = 0; i < KB_ASSET_NSTATUSES; i++)
        CHECK_INT_EQ(kb_asset_status_of(kb_asset_status_name(i)), i);
    for (int i = 0; i < KB_ASSET_NSPECS; i++)
        CHECK_INT_EQ(kb_asset_spec_of(kb_asset_spec_name(i)), i);
    CHECK_STR_EQ(kb_asset_class_name(KB_ASSET_CLASS_software_licence), "software_licence");
    CHECK_STR_EQ(kb_asset_status_name(KB_ASSET_STATUS_in_repair), "in_repair");
    CHECK(kb_asset_class_name(KB_ASSET_NCLASSES) == NULL && kb_asset_class_name(-1) == NULL);
    CHECK_INT_EQ(kb_asset_class_of("Printer"), -1);
    CHECK_INT_EQ(kb_asset_status_of(NULL), -1);
    CHECK_INT_EQ(kb_asset_spec_of("gpu"), -1);
}

static void test_checks(void)
{
    const char *good[] = { "PC-0001", "a", "HQ.PRN.12", "x_1", "0", NULL };
    for (size_t i = 0; good[i]; i++)
        CHECK(kb_asset_tag_valid(good[i]));
    char long_tag[KB_ASSET_MAX_TAG + 2];
    memset(long_tag, 'A', sizeof long_tag - 1);
    long_tag[sizeof long_tag - 1] = '\0';
    const char *bad[] = { "", "-PC", ".x", "PC 1", "PC/1", "打印机", "PC\n1", long_tag, NULL };
    for (size_t i = 0; bad[i]; i++)
        CHECK(!kb_asset_tag_valid(bad[i]));
    CHECK(!kb_asset_tag_valid(NULL));
    long_tag[KB_ASSET_MAX_TAG] = '\0';
    CHECK(kb_asset_tag_valid(long_tag));

    kb_err err;
    kb_asset_in in = blank_in();
    CHECK_INT_EQ(kb_asset_check(&in, 1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'tag'") != NULL);
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_OK);
    in.tag = "PC-1";
    CHECK_INT_EQ(kb_asset_check(&in, 1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'class'") != NULL);
    in.cls = KB_ASSET_CLASS_desktop;
    CHECK_INT_EQ(kb_asset_check(&in, 1, &err), KB_OK);

    in.status = KB_ASSET_STATUS_scrapped;
    CHECK_INT_EQ(kb_asset_check(&in, 1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'status'") != NULL);
    in.status = KB_ASSET_NSTATUSES;
    CHECK_INT_EQ(kb_asset_check(&in, 1, &err), KB_EINVAL);
    in.status = -1;
    in.cls = KB_ASSET_NCLASSES;
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    in.cls = -1;

    /* days: real ones only; the warranty not before the purchase */
    in.purchase_date = "2024-02-29";
    in.warranty_end = "2027-02-28";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_OK);
    in.purchase_date = "2023-02-29";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'purchase_date'") != NULL);
    in.purchase_date = " 2024-03-15 ";
    in.warranty_end = "2024-03-14";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'warranty_end'") != NULL);
    in.warranty_end = "2024-03-15";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_OK);
    in.warranty_end = "20240315";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    in.warranty_end = "";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_OK);

    /* texts: one line, bounded; notes may hold lines */
    in.model = "M404\nM405";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'model'") != NULL);
    in.model = NULL;
    in.notes = "一\n二";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_OK);
    char big[KB_ASSET_MAX_SHORT + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    in.specs[KB_ASSET_SPEC_cpu] = big;
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'specs.cpu'") != NULL);
    in.specs[KB_ASSET_SPEC_cpu] = "i5-12500";
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_OK);

    /* software: bounded, non-empty items, each once */
    const char *sw[] = { "Office", "WPS", "Office" };
    in.software = sw;
    in.nsoftware = 3;
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_OK); /* not set: not checked */
    in.set_software = 1;
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'software[2]'") != NULL);
    in.nsoftware = 2;
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_OK);
    const char *empty[] = { " " };
    in.software = empty;
    in.nsoftware = 1;
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    in.nsoftware = KB_ASSET_MAX_SOFTWARE + 1;
    CHECK_INT_EQ(kb_asset_check(&in, 0, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "more than") != NULL);
}

static kb_status create(kb_store *s, const char *tag, int cls, const char *serial,
                        const char *location, kb_err *err)
{
    kb_asset_in in = blank_in();
    in.tag = tag;
    in.cls = cls;
    in.serial = serial;
    in.location = location;
    in.actor = "eng1";
    return kb_asset_create(s, &in, T0, NULL, err);
}

static char *found(kb_store *s, const char *q, int cls, int status)
{
    kb_asset_filter f = { .q = q, .cls = cls, .status = status };
    kb_asset_list *l = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_asset_search(s, &f, &l, &err), KB_OK);
    kb_buf b;
    kb_buf_init(&b, 0);
    for (size_t i = 0; l && i < l->n; i++)
        kb_buf_addf(&b, "%s%s", i ? "," : "", l->items[i]->tag);
    kb_asset_list_free(l);
    return kb_buf_detach(&b, NULL);
}

static void check_found(kb_store *s, const char *q, int cls, int status, const char *want)
{
    char *got = found(s, q, cls, status);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "search '%s': got '%s', want '%s'\n", q ? q : "(none)", got, want);
    CHECK_STR_EQ(got, want);
    free(got);
}

static size_t history_len(kb_store *s, const char *tag, const char **last_action, char *buf,
                          size_t size)
{
    kb_asset *a = NULL;
    kb_asset_history *h = NULL;
    kb_err err;
    CHECK_INT_EQ(kb_asset_get(s, tag, &a, &err), KB_OK);
    if (!a)
        return 0;
    CHECK_INT_EQ(kb_asset_history_get(s, a, &h, &err), KB_OK);
    size_t n = h ? h->nevents : 0;
    if (n && last_action) {
        snprintf(buf, size, "%s|%s|%s", h->events[n - 1].action, h->events[n - 1].actor,
                 h->events[n - 1].summary);
        *last_action = buf;
    }
    kb_asset_history_free(h);
    kb_asset_free(a);
    return n;
}

static void test_store(kb_store *s)
{
    kb_err err;
    CHECK_INT_EQ(create(s, "PRN-0001", KB_ASSET_CLASS_printer, "VNB3K12345", "北京總部 3F", &err),
                 KB_OK);
    CHECK_INT_EQ(create(s, "pc-0002", KB_ASSET_CLASS_desktop, "CN0ABC-778", "上海 5F", &err),
                 KB_OK);
    CHECK_INT_EQ(create(s, "prn-0001", KB_ASSET_CLASS_printer, "", "", &err), KB_EEXIST);
    CHECK(strstr(err.msg, "PRN-0001") != NULL);
    CHECK_INT_EQ(create(s, "PRN 1", KB_ASSET_CLASS_printer, "", "", &err), KB_EINVAL);

    kb_asset *a = NULL;
    CHECK_INT_EQ(kb_asset_get(s, "Prn-0001", &a, &err), KB_OK);
    CHECK(a && strcmp(a->tag, "PRN-0001") == 0 && a->status == KB_ASSET_STATUS_in_use);
    CHECK(a && strcmp(a->created_by, "eng1") == 0 && a->created_at == T0);
    kb_asset_free(a);
    CHECK_INT_EQ(kb_asset_get(s, "PRN-9", &a, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_asset_get(s, "../x", &a, &err), KB_ENOTFOUND);
    CHECK(a == NULL);

    /* an update: the history gets what changed; the same again writes nothing */
    char buf[512];
    const char *last = NULL;
    kb_asset_in in = blank_in();
    in.purchase_date = "2024-03-15";
    in.status = KB_ASSET_STATUS_in_repair;
    const char *sw[] = { " HP Smart ", "Scan" };
    in.software = sw;
    in.nsoftware = 2;
    in.set_software = 1;
    in.actor = "eng2";
    int changed = -1;
    CHECK_INT_EQ(kb_asset_update(s, "prn-0001", &in, T0 + 60, &a, &changed, &err), KB_OK);
    CHECK_INT_EQ(changed, 1);
    CHECK(a && a->nsoftware == 2 && strcmp(a->software[0], "HP Smart") == 0);
    CHECK(a && strcmp(a->updated_by, "eng2") == 0 && a->updated_at == T0 + 60);
    kb_asset_free(a);
    CHECK_INT_EQ(history_len(s, "PRN-0001", &last, buf, sizeof buf), 2);
    CHECK(last && strncmp(last, "update|eng2|status in_use→in_repair", 36) == 0);
    CHECK(last && strstr(last, "purchase_date (none)→2024-03-15") != NULL);
    CHECK(last && strstr(last, "software (none)→HP Smart, Scan") != NULL);
    CHECK_INT_EQ(kb_asset_update(s, "PRN-0001", &in, T0 + 120, NULL, &changed, &err), KB_OK);
    CHECK_INT_EQ(changed, 0);
    CHECK_INT_EQ(history_len(s, "PRN-0001", NULL, NULL, 0), 2);

    /* the warranty against the stored purchase; the tag never changes */
    in = blank_in();
    in.warranty_end = "2024-03-14";
    CHECK_INT_EQ(kb_asset_update(s, "PRN-0001", &in, T0, NULL, NULL, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "'warranty_end'") != NULL);
    in = blank_in();
    in.tag = "PRN-0002";
    CHECK_INT_EQ(kb_asset_update(s, "PRN-0001", &in, T0, NULL, NULL, &err), KB_EINVAL);
    in = blank_in();
    in.caller_id = 4242;
    CHECK_INT_EQ(kb_asset_update(s, "PRN-0001", &in, T0, NULL, NULL, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "caller") != NULL);

    /* searches: normalised, white space ignored, any part of a serial */
    check_found(s, "北京总部", -1, -1, "PRN-0001");
    check_found(s, "北京總部3f", -1, -1, "PRN-0001");
    check_found(s, "3k1", -1, -1, "PRN-0001");
    check_found(s, "abc-7", -1, -1, "pc-0002");
    check_found(s, "PC-0002", -1, -1, "pc-0002");
    check_found(s, NULL, -1, -1, "pc-0002,PRN-0001");
    check_found(s, NULL, KB_ASSET_CLASS_printer, -1, "PRN-0001");
    check_found(s, NULL, -1, KB_ASSET_STATUS_in_use, "pc-0002");
    check_found(s, " ", -1, -1, "");
    check_found(s, "nothing", -1, -1, "");
    char q[KB_ASSET_MAX_QUERY + 2];
    memset(q, 'q', sizeof q - 1);
    q[sizeof q - 1] = '\0';
    kb_asset_filter f = { .q = q, .cls = -1, .status = -1 };
    kb_asset_list *l = NULL;
    CHECK_INT_EQ(kb_asset_search(s, &f, &l, &err), KB_EINVAL);
    CHECK(l == NULL);

    /* scrapping: asked by one, decided by another; final except for an admin */
    CHECK_INT_EQ(kb_asset_scrap_request(s, "pc-0002", " ", "eng1", T0, NULL, &err), KB_EINVAL);
    CHECK_INT_EQ(kb_asset_scrap_decide(s, "pc-0002", 1, NULL, "appr1", T0, NULL, &err),
                 KB_ECONFLICT);
    CHECK_INT_EQ(kb_asset_scrap_request(s, "pc-0002", "主板坏了", "Boss", T0 + 10, &a, &err),
                 KB_OK);
    CHECK(a && strcmp(a->scrap_requested_by, "Boss") == 0 && a->scrap_requested_at == T0 + 10);
    kb_asset_free(a);
    CHECK_INT_EQ(kb_asset_scrap_request(s, "pc-0002", "again", "eng1", T0, NULL, &err),
                 KB_ECONFLICT);
    CHECK_INT_EQ(kb_asset_scrap_decide(s, "pc-0002", 1, NULL, "boss", T0, NULL, &err),
                 KB_EDENIED);
    CHECK_INT_EQ(kb_asset_scrap_decide(s, "pc-0002", 0, "", "appr1", T0, NULL, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_asset_scrap_decide(s, "pc-0002", 1, "同意", "appr1", T0 + 20, &a, &err),
                 KB_OK);
    CHECK(a && a->status == KB_ASSET_STATUS_scrapped && a->scrap_requested_by[0] == '\0');
    kb_asset_free(a);
    CHECK_INT_EQ(history_len(s, "pc-0002", &last, buf, sizeof buf), 3);
    CHECK(last && strncmp(last, "scrap|appr1|status in_use→scrapped; asked by Boss", 50) == 0);
    CHECK(last && strstr(last, "decision: 同意") != NULL);
    CHECK_INT_EQ(kb_asset_scrap_request(s, "pc-0002", "x", "eng1", T0, NULL, &err),
                 KB_ECONFLICT);
    in = blank_in();
    in.location = "仓库";
    in.actor = "eng1";
    CHECK_INT_EQ(kb_asset_update(s, "pc-0002", &in, T0, NULL, NULL, &err), KB_ECONFLICT);
    in.status = KB_ASSET_STATUS_spare;
    in.actor = "admin1";
    in.admin = 1;
    CHECK_INT_EQ(kb_asset_update(s, "pc-0002", &in, T0 + 30, &a, NULL, &err), KB_OK);
    CHECK(a && a->status == KB_ASSET_STATUS_spare);
    kb_asset_free(a);
    CHECK_INT_EQ(history_len(s, "pc-0002", &last, buf, sizeof buf), 4);
    CHECK(last && strncmp(last, "restore|admin1|status scrapped→spare", 38) == 0);
}

/* One incident on ci at time at. */
static void incident_on(kb_store *s, const char *ci, long long at)
{
    kb_inc_create in;
    memset(&in, 0, sizeof in);
    in.caller_name = "张伟";
    in.channel = "phone";
    in.category = "printer";
    in.summary = "卡纸";
    in.ci = ci;
    in.priority = 4;
    kb_err err;
    kb_incident *inc = NULL;
    CHECK_INT_EQ(kb_incident_create(s, &in, at, &inc, &err), KB_OK);
    kb_incident_free(inc);
}

/* Repeated faults per model: incidents since a time on every asset of the model, a
 * candidate from KB_ASSET_FAULT_MIN on; the report's counts. */
static void test_faults(kb_store *s)
{
    kb_err err;
    const char *tags[] = { "PRN-0201", "PRN-0202", "PRN-0203" };
    for (int i = 0; i < 3; i++) {
        CHECK_INT_EQ(create(s, tags[i], KB_ASSET_CLASS_printer, "", "", &err), KB_OK);
        kb_asset_in in = blank_in();
        in.model = i < 2 ? "LaserJet M404" : "LaserJet M405";
        in.actor = "eng1";
        CHECK_INT_EQ(kb_asset_update(s, tags[i], &in, T0, NULL, NULL, &err), KB_OK);
    }
    long long day = 86400;
    incident_on(s, "PRN-0201", T0 + 10 * day);
    incident_on(s, " prn-0202 ", T0 + 50 * day);
    incident_on(s, "PRN-0203", T0 + 60 * day);  /* another model */
    incident_on(s, "PRN-0201", T0 + 101 * day);
    kb_asset_faults f;
    CHECK_INT_EQ(kb_asset_model_faults(s, "laserjet m404", T0, &f, &err), KB_OK);
    CHECK(f.incidents == 3 && f.assets == 2 && f.candidate);
    /* 90 days back from day 105: the first incident has left the window */
    CHECK_INT_EQ(kb_asset_model_faults(s, "LaserJet M404", T0 + 15 * day, &f, &err), KB_OK);
    CHECK(f.incidents == 2 && f.assets == 2 && !f.candidate);
    CHECK_INT_EQ(kb_asset_model_faults(s, "", T0, &f, &err), KB_OK);
    CHECK(f.incidents == 0 && !f.candidate);

    kb_asset_report *r = NULL;
    CHECK_INT_EQ(kb_asset_report_get(s, T0, T0 + 200 * day, T0 + 105 * day, &r, &err), KB_OK);
    CHECK(r && r->nmodels == 2 && r->total_models == 2);
    if (r && r->nmodels == 2) {
        CHECK(strcmp(r->models[0].model, "LaserJet M404") == 0 && r->models[0].incidents == 3 &&
              r->models[0].assets == 2 && r->models[0].recent == 2 && !r->models[0].candidate);
        CHECK(strcmp(r->models[1].model, "LaserJet M405") == 0 && r->models[1].incidents == 1);
    }
    CHECK(r && r->by_class[KB_ASSET_CLASS_printer] >= 3);
    kb_asset_report_free(r);
    CHECK_INT_EQ(kb_asset_report_get(s, T0, T0, T0, &r, &err), KB_EINVAL);
    CHECK(r == NULL);
}

int main(void)
{
    test_names();
    test_checks();
    fixture fx;
    if (fixture_open(&fx, "asset") != 0)
        return CHECK_DONE("test_asset");
    test_store(fx.s);
    test_faults(fx.s);
    fixture_close(&fx);
    return CHECK_DONE("test_asset");
}
