/* Maintenance plans and tasks: the schedule arithmetic (days, weeks, months counted from
 * the start date) and the checks of a plan. Pure: no database, no clock. See
 * include/kb_maint.h; the SQL is in kb/store_maint.c. */
#include "kb_maint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_asset.h"
#include "kb_text.h"
#include "kb_tz.h"

#define X_NAME(name) #name,
static const char *const unit_names[KB_MAINT_NUNITS] = { KB_MAINT_UNITS(X_NAME) };
#undef X_NAME

const char *kb_maint_unit_name(int u)
{
    return u >= 0 && u < KB_MAINT_NUNITS ? unit_names[u] : NULL;
}

int kb_maint_unit_of(const char *name)
{
    for (int u = 0; name && u < KB_MAINT_NUNITS; u++)
        if (strcmp(unit_names[u], name) == 0)
            return u;
    return -1;
}

/* --- civil days (proleptic Gregorian, days since 1970-01-01) --- */

static int leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long long y, int m)
{
    static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* Days since 1970-01-01 of y-m-d, and back (kb_tz's calendar arithmetic). */
static long long days_of(long long y, int m, int d)
{
    return kb_tz_days_from_civil(y, (unsigned)m, (unsigned)d);
}

static void civil_of(long long z, long long *y, int *m, int *d)
{
    unsigned mm, dd;
    kb_tz_civil_from_days(z, y, &mm, &dd);
    *m = (int)mm;
    *d = (int)dd;
}

/* Parses a real day YYYY-MM-DD; 0 on success. */
static int parse_day(const char *s, long long *y, int *m, int *d)
{
    if (!kb_date_valid(s))
        return -1;
    *y = strtoll(s, NULL, 10);
    *m = (int)strtol(s + 5, NULL, 10);
    *d = (int)strtol(s + 8, NULL, 10);
    return 0;
}

static kb_status write_day(long long y, int m, int d, char out[KB_DATE_LEN], kb_err *err)
{
    if (y < 1 || y > 9999)
        return kb_err_set(err, KB_EINVAL, "the date would leave the years 0001 to 9999");
    /* the ranges checked keep it within KB_DATE_LEN (m 1..12 and d 1..31 from the
     * schedule's arithmetic) */
    snprintf(out, KB_DATE_LEN, "%04u-%02u-%02u", (unsigned)y, (unsigned)m % 100u,
             (unsigned)d % 100u);
    return KB_OK;
}

static kb_status check_schedule(const char *start, int every, int unit, kb_err *err)
{
    if (!kb_date_valid(start))
        return kb_err_set(err, KB_EINVAL, "field 'start' must be a date YYYY-MM-DD");
    if (every < 1 || every > KB_MAINT_MAX_EVERY)
        return kb_err_set(err, KB_EINVAL, "field 'every' must be a whole number from 1 to %d",
                          KB_MAINT_MAX_EVERY);
    if (!kb_maint_unit_name(unit))
        return kb_err_set(err, KB_EINVAL, "field 'unit' must be day, week or month");
    return KB_OK;
}

kb_status kb_maint_add_days(const char *day, long long n, char out[KB_DATE_LEN], kb_err *err)
{
    long long y;
    int m, d;
    if (parse_day(day, &y, &m, &d) != 0)
        return kb_err_set(err, KB_EINVAL, "'%.40s' is not a date YYYY-MM-DD", day ? day : "");
    if (n > 4000000 || n < -4000000)
        return kb_err_set(err, KB_EINVAL, "the date would leave the years 0001 to 9999");
    civil_of(days_of(y, m, d) + n, &y, &m, &d);
    return write_day(y, m, d, out, err);
}

kb_status kb_maint_due_nth(const char *start, int every, int unit, long long k,
                           char out[KB_DATE_LEN], kb_err *err)
{
    kb_status rc = check_schedule(start, every, unit, err);
    if (rc != KB_OK)
        return rc;
    long long y;
    int m, d;
    parse_day(start, &y, &m, &d);
    if (k < 0 || k > 4000000)
        return kb_err_set(err, KB_EINVAL, "the date would leave the years 0001 to 9999");
    if (unit == KB_MAINT_month) {
        /* from the start date each time, so that 31 Jan, 28 Feb, 31 Mar keeps the 31st */
        long long months = (y * 12 + (m - 1)) + k * every;
        long long ny = months / 12;
        int nm = (int)(months % 12) + 1;
        if (ny > 9999)
            return kb_err_set(err, KB_EINVAL, "the date would leave the years 0001 to 9999");
        int nd = d <= month_days(ny, nm) ? d : month_days(ny, nm);
        return write_day(ny, nm, nd, out, err);
    }
    long long step = unit == KB_MAINT_week ? 7LL * every : every;
    civil_of(days_of(y, m, d) + k * step, &y, &m, &d);
    return write_day(y, m, d, out, err);
}

kb_status kb_maint_due_index(const char *start, int every, int unit, const char *day,
                             long long *k, kb_err *err)
{
    *k = 0;
    kb_status rc = check_schedule(start, every, unit, err);
    if (rc != KB_OK)
        return rc;
    long long sy, y;
    int sm, sd, m, d;
    if (parse_day(day, &y, &m, &d) != 0)
        return kb_err_set(err, KB_EINVAL, "'%.40s' is not a date YYYY-MM-DD", day ? day : "");
    parse_day(start, &sy, &sm, &sd);
    if (strcmp(day, start) <= 0)
        return KB_OK;
    if (unit != KB_MAINT_month) {
        long long step = unit == KB_MAINT_week ? 7LL * every : every;
        long long diff = days_of(y, m, d) - days_of(sy, sm, sd);
        *k = (diff + step - 1) / step;
        return KB_OK;
    }
    /* an estimate from the months between, then corrected by comparing the dates */
    long long n = ((y * 12 + m) - (sy * 12 + sm)) / every;
    if (n < 0)
        n = 0;
    char due[KB_DATE_LEN];
    for (;;) {
        rc = kb_maint_due_nth(start, every, unit, n, due, err);
        if (rc != KB_OK)
            return rc;
        if (strcmp(due, day) >= 0)
            break;
        n++;
    }
    while (n > 0) {
        rc = kb_maint_due_nth(start, every, unit, n - 1, due, err);
        if (rc != KB_OK)
            return rc;
        if (strcmp(due, day) < 0)
            break;
        n--;
    }
    *k = n;
    return KB_OK;
}

/* --- plans --- */

void kb_maint_plan_free(kb_maint_plan *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->asset);
    free(p->start);
    free(p->group);
    for (size_t i = 0; i < p->nitems; i++) {
        free(p->items[i].label);
        free(p->items[i].expected);
    }
    free(p->items);
    free(p->created_by);
    free(p->updated_by);
    free(p);
}

void kb_maint_plans_free(kb_maint_plan **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_maint_plan_free(v[i]);
    free(v);
}

/* 1 when s holds more than spaces and tabs. */
static int has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t')
            return 1;
    return 0;
}

kb_status kb_maint_plan_check(const kb_maint_plan_in *in, int creating, kb_err *err)
{
    kb_status rc = KB_OK;
    if (creating) {
        if (!has_text(in->name))
            return kb_err_set(err, KB_EINVAL, "field 'name' is required");
        if ((in->asset != NULL) == (in->cls >= 0))
            return kb_err_set(err, KB_EINVAL, "give either 'asset' (one asset's tag) or "
                              "'class' (every asset of a class), not both");
        if (!in->every || in->unit < 0 || !in->start)
            return kb_err_set(err, KB_EINVAL, "fields 'every', 'unit' and 'start' are "
                              "required");
        if (!has_text(in->group))
            return kb_err_set(err, KB_EINVAL, "field 'group' is required: the group that "
                              "does the tasks");
        if (!in->set_items || in->nitems == 0)
            return kb_err_set(err, KB_EINVAL, "field 'checklist' needs at least one item");
    }
    if (in->name) {
        if (!has_text(in->name))
            return kb_err_set(err, KB_EINVAL, "field 'name' is required");
        rc = kb_text_check_field("name", in->name, KB_MAINT_MAX_NAME, 0, err);
    }
    if (rc == KB_OK && in->asset && !kb_asset_tag_valid(in->asset))
        rc = kb_err_set(err, KB_EINVAL, "field 'asset': '%.60s' is not an asset tag",
                        in->asset);
    if (rc == KB_OK && in->cls >= 0 && !kb_asset_class_name(in->cls))
        rc = kb_err_set(err, KB_EINVAL, "field 'class' is not a known class");
    if (rc == KB_OK && in->every && (in->every < 1 || in->every > KB_MAINT_MAX_EVERY))
        rc = kb_err_set(err, KB_EINVAL, "field 'every' must be a whole number from 1 to %d",
                        KB_MAINT_MAX_EVERY);
    if (rc == KB_OK && in->unit >= 0 && !kb_maint_unit_name(in->unit))
        rc = kb_err_set(err, KB_EINVAL, "field 'unit' must be day, week or month");
    if (rc == KB_OK && in->start && !kb_date_valid(in->start))
        rc = kb_err_set(err, KB_EINVAL, "field 'start' must be a date YYYY-MM-DD");
    if (rc == KB_OK && in->group)
        rc = kb_text_check_field("group", in->group, KB_MAINT_MAX_NAME, 0, err);
    if (rc == KB_OK && in->set_items && in->nitems == 0)
        rc = kb_err_set(err, KB_EINVAL, "field 'checklist' needs at least one item");
    if (rc == KB_OK && in->set_items && in->nitems > KB_MAINT_MAX_ITEMS)
        rc = kb_err_set(err, KB_EINVAL, "field 'checklist' has more than %u items",
                        KB_MAINT_MAX_ITEMS);
    for (size_t i = 0; rc == KB_OK && in->set_items && i < in->nitems; i++) {
        char field[48];
        snprintf(field, sizeof field, "checklist[%zu].label", i);
        if (!has_text(in->items[i].label))
            return kb_err_set(err, KB_EINVAL, "field '%s' is required", field);
        rc = kb_text_check_field(field, in->items[i].label, KB_MAINT_MAX_LABEL, 0, err);
        snprintf(field, sizeof field, "checklist[%zu].expected", i);
        if (rc == KB_OK && in->items[i].expected)
            rc = kb_text_check_field(field, in->items[i].expected, KB_MAINT_MAX_LABEL, 0, err);
    }
    return rc;
}

/* --- tasks --- */

void kb_maint_task_free(kb_maint_task *t)
{
    if (!t)
        return;
    char *strs[] = { t->plan_name, t->asset, t->model, t->location, t->due, t->group,
                     t->done_by, t->done_day, t->incident };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    for (size_t i = 0; i < t->nitems; i++) {
        free(t->items[i].label);
        free(t->items[i].expected);
    }
    free(t->items);
    for (size_t i = 0; i < t->nresults; i++) {
        free(t->results[i].label);
        free(t->results[i].expected);
        free(t->results[i].note);
    }
    free(t->results);
    free(t);
}

int kb_maint_task_overdue(const kb_maint_task *t, const char *today)
{
    return !t->done && today && strcmp(t->due, today) < 0;
}

int kb_maint_task_late(const kb_maint_task *t)
{
    return t->done && strcmp(t->done_day, t->due) > 0;
}
