/* Reports over the incident tables (kb_report.h): the period summary and the problem
 * view. Every statement here only reads; values are bound, never formatted into SQL. */
#include "kb_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_date.h"
#include "store_int.h"

#define DAY 86400LL

/* Statements, cached by the store under their addresses. ?1, ?2: the period [from, to). */
static const char sql_scan[] =
    "SELECT status, priority, created_at, responded_at, resolved_at, pending_since, "
    "paused_seconds, reopen_count, complaint, id FROM incident "
    "WHERE created_at >= ?1 AND created_at < ?2";
static const char sql_categories[] =
    "SELECT category, count(*) AS n FROM incident WHERE created_at >= ?1 AND created_at < ?2 "
    "GROUP BY category ORDER BY n DESC, category";
static const char sql_channels[] =
    "SELECT channel, count(*) AS n FROM incident WHERE created_at >= ?1 AND created_at < ?2 "
    "GROUP BY channel ORDER BY n DESC, channel";
/* grouped into desk days in C: a zone's offset may change within the period */
static const char sql_days[] =
    "SELECT created_at FROM incident WHERE created_at >= ?1 AND created_at < ?2 "
    "ORDER BY created_at";
static const char sql_ratings[] =
    "SELECT e.satisfaction, count(*) FROM incident_event e JOIN incident i ON i.id = e.incident "
    "WHERE i.created_at >= ?1 AND i.created_at < ?2 AND e.type = 'followup' "
    "AND e.satisfaction BETWEEN 1 AND 5 GROUP BY e.satisfaction";
static const char sql_top[] =
    "SELECT i.resolved_by, count(*) AS n, coalesce(d.title, ''), coalesce(d.type, '') "
    "FROM incident i LEFT JOIN doc d ON d.id = i.resolved_by "
    "WHERE i.created_at >= ?1 AND i.created_at < ?2 AND i.resolved_by <> '' "
    "AND i.status IN ('resolved', 'closed') "
    "GROUP BY i.resolved_by ORDER BY n DESC, i.resolved_by LIMIT ?3";
/* A reopen is a reopen event or a follow-up that was not confirmed (kb_incident.h). */
static const char sql_reopens[] =
    "SELECT count(*) FROM incident_event WHERE at >= ?1 AND at < ?2 "
    "AND (type = 'reopen' OR (type = 'followup' AND confirmed = 0))";
/* ?1: now. Ages in seconds: 1, 3 and 7 days. */
static const char sql_aging[] =
    "SELECT count(*), "
    "coalesce(sum(?1 - created_at < 86400), 0), "
    "coalesce(sum(?1 - created_at >= 86400 AND ?1 - created_at < 259200), 0), "
    "coalesce(sum(?1 - created_at >= 259200 AND ?1 - created_at < 604800), 0), "
    "coalesce(sum(?1 - created_at >= 604800), 0) "
    "FROM incident WHERE status IN ('new', 'assigned', 'in_progress', 'pending')";
static const char sql_problems[] =
    "SELECT number, category, resolution, resolved_at FROM incident "
    "WHERE status IN ('resolved', 'closed') AND resolved_by = '' AND resolution <> ''";

/* --- the period --- */

static kb_status day_arg(const char *name, const char *v, long long *out, kb_err *err)
{
    if (kb_incident_parse_day(v, out, NULL) != KB_OK)
        return kb_err_set(err, KB_EINVAL, "'%s' must be a date YYYY-MM-DD, not '%.40s'", name,
                          v);
    return KB_OK;
}

static void day_text(long long t, char out[32])
{
    kb_date_of(t, out);
}

kb_status kb_report_range(const char *from_day, const char *to_day, long long now,
                          long long *from, long long *to, kb_err *err)
{
    long long today = now >= 0 ? kb_date_day_start(now) : kb_date_day_start(0);
    long long f = 0;
    long long t = 0;
    int has_from = from_day && *from_day;
    int has_to = to_day && *to_day;
    kb_status rc = has_from ? day_arg("from", from_day, &f, err) : KB_OK;
    if (rc == KB_OK && has_to)
        rc = day_arg("to", to_day, &t, err);
    if (rc != KB_OK)
        return rc;
    if (!has_to)
        t = today;
    if (!has_from)
        f = kb_date_add_days(t, -(KB_REPORT_DEFAULT_DAYS - 1));
    char fs[32];
    char ts[32];
    day_text(f, fs);
    day_text(t, ts);
    if (t < f && has_to)
        return kb_err_set(err, KB_EINVAL, "'to' (%s) is before 'from' (%s)", ts, fs);
    if (t < f)
        return kb_err_set(err, KB_EINVAL, "'to' (%s) is before 'from' (%s); 'to' defaults to "
                          "today", ts, fs);
    long long days = kb_date_day_number(t) - kb_date_day_number(f) + 1;
    if (days > KB_REPORT_MAX_DAYS)
        return kb_err_set(err, KB_EINVAL, "the period %s to %s is %lld days; at most %d days "
                          "per report", fs, ts, days, KB_REPORT_MAX_DAYS);
    *from = f;
    *to = kb_date_add_days(t, 1);
    return KB_OK;
}

/* --- texts --- */

static int is_space(const unsigned char *p, size_t left, size_t *len)
{
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
        *len = 1;
        return 1;
    }
    if (left >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
        *len = 3;
        return 1;
    }
    return 0;
}

/* Length of the punctuation mark that ends p[0..len), 0 when there is none. */
static size_t trailing_punct(const char *p, size_t len)
{
    static const char *const wide[] = {
        "\xe3\x80\x82", /* 。 */ "\xef\xbc\x8c", /* ， */ "\xe3\x80\x81", /* 、 */
        "\xef\xbc\x9b", /* ； */ "\xef\xbc\x9a", /* ： */ "\xef\xbc\x81", /* ！ */
        "\xef\xbc\x9f", /* ？ */ "\xe2\x80\xa6", /* … */
    };
    if (len == 0)
        return 0;
    if (p[len - 1] && strchr(".,;:!?", p[len - 1]))
        return 1;
    for (size_t i = 0; len >= 3 && i < sizeof wide / sizeof wide[0]; i++)
        if (memcmp(p + len - 3, wide[i], 3) == 0)
            return 3;
    return 0;
}

char *kb_report_normalize(const char *s)
{
    size_t len = strlen(s);
    kb_buf b;
    kb_buf_init(&b, 0);
    const unsigned char *p = (const unsigned char *)s;
    int gap = 0;
    for (size_t i = 0; i < len;) {
        size_t n;
        if (is_space(p + i, len - i, &n)) {
            gap = 1;
            i += n;
            continue;
        }
        if (gap && b.len > 0)
            kb_buf_addc(&b, ' ');
        gap = 0;
        char c = (char)p[i];
        kb_buf_addc(&b, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
        i++;
    }
    const char *d = kb_buf_str(&b);
    size_t out_len = b.len;
    for (;;) {
        while (out_len > 0 && d[out_len - 1] == ' ')
            out_len--;
        size_t n = trailing_punct(d, out_len);
        if (n == 0)
            break;
        out_len -= n;
    }
    char *out = kb_xstrndup(d, out_len);
    kb_buf_free(&b);
    return out;
}

void kb_report_duration(long long seconds, char *out, size_t size)
{
    static const struct {
        long long secs;
        char unit;
    } units[] = { { DAY, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
    if (seconds <= 0) {
        snprintf(out, size, "0s");
        return;
    }
    size_t i = 0;
    while (seconds < units[i].secs)
        i++;
    long long first = seconds / units[i].secs;
    long long second = i + 1 < 4 ? seconds % units[i].secs / units[i + 1].secs : 0;
    if (second)
        snprintf(out, size, "%lld%c %lld%c", first, units[i].unit, second, units[i + 1].unit);
    else
        snprintf(out, size, "%lld%c", first, units[i].unit);
}

/* --- the summary --- */

static kb_status finish(kb_store *s, sqlite3_stmt *st, int rc, kb_err *err, const char *what)
{
    kb_store_done(st);
    return rc == SQLITE_DONE ? KB_OK : kb_store_db_err(s, err, what);
}

static long long mean(long long sum, long long n)
{
    return n > 0 ? llround((double)sum / (double)n) : 0;
}

/* Status, priority, SLA, times, reopened and complaints: one pass over the period. */
static kb_status scan(kb_store *s, const kb_incident_sla *sla, kb_report_summary *r,
                      kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_scan, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, r->from);
    sqlite3_bind_int64(st, 2, r->to);
    long long respond_sum = 0;
    long long resolve_sum = 0;
    int rc = SQLITE_DONE;
    kb_status r_pauses = KB_OK;
    while (r_pauses == KB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* Only the fields kb_incident_sla_state reads; no strings, only the pauses to
         * free. */
        kb_incident inc;
        memset(&inc, 0, sizeof inc);
        kb_inc_status status = KB_INC_NEW;
        kb_incident_status_parse((const char *)sqlite3_column_text(st, 0), &status, NULL);
        inc.status = status;
        inc.priority = sqlite3_column_int(st, 1);
        inc.created_at = sqlite3_column_int64(st, 2);
        inc.responded_at = sqlite3_column_int64(st, 3);
        inc.resolved_at = sqlite3_column_int64(st, 4);
        inc.pending_since = sqlite3_column_int64(st, 5);
        inc.paused_seconds = sqlite3_column_int64(st, 6);
        inc.rowid = sqlite3_column_int64(st, 9);
        r_pauses = kb_store_incident_pauses(s, &inc, err);
        r->total++;
        r->by_status[status]++;
        int pri = inc.priority >= 1 && inc.priority <= 4 ? inc.priority - 1 : -1;
        if (pri >= 0)
            r->by_priority[pri]++;
        kb_inc_sla_state sl;
        kb_incident_sla_state(&inc, sla, r->now, &sl);
        if (inc.responded_at) {
            r->responded++;
            r->response_met += !sl.response_breached;
            respond_sum += inc.responded_at - inc.created_at;
            if (pri >= 0) {
                r->sla_by_priority[pri].responded++;
                r->sla_by_priority[pri].response_met += !sl.response_breached;
            }
        }
        if (inc.resolved_at && (status == KB_INC_RESOLVED || status == KB_INC_CLOSED)) {
            r->resolved++;
            r->resolve_met += !sl.resolve_breached;
            resolve_sum += inc.resolved_at - inc.created_at;
            if (pri >= 0) {
                r->sla_by_priority[pri].resolved++;
                r->sla_by_priority[pri].resolve_met += !sl.resolve_breached;
            }
        }
        r->reopened += sqlite3_column_int(st, 7) > 0;
        r->complaints += sqlite3_column_int(st, 8) != 0;
        free(inc.pauses);
    }
    r->mean_respond_seconds = mean(respond_sum, r->responded);
    r->mean_resolve_seconds = mean(resolve_sum, r->resolved);
    if (r_pauses != KB_OK) {
        kb_store_done(st);
        return r_pauses;
    }
    return finish(s, st, rc, err, "report");
}

/* (name, count) rows of sql over the period into *v / *n. */
static kb_status counts(kb_store *s, const kb_report_summary *r, const char *sql,
                        kb_report_count **v, size_t *n, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, r->from);
    sqlite3_bind_int64(st, 2, r->to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *v = kb_xrealloc(*v, (*n + 1) * sizeof **v);
        kb_report_count *c = &(*v)[(*n)++];
        c->name = kb_store_text(st, 0);
        c->count = sqlite3_column_int64(st, 1);
    }
    return finish(s, st, rc, err, "report counts");
}

/* Incidents per desk day of the period, in day order. */
static kb_status days(kb_store *s, kb_report_summary *r, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_days, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, r->from);
    sqlite3_bind_int64(st, 2, r->to);
    char last[KB_DATE_LEN] = "";
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char day[KB_DATE_LEN];
        kb_date_of(sqlite3_column_int64(st, 0), day);
        if (r->ndays && strcmp(day, last) == 0) {
            r->days[r->ndays - 1].count++;
            continue;
        }
        r->days = kb_xrealloc(r->days, (r->ndays + 1) * sizeof *r->days);
        r->days[r->ndays].name = kb_xstrdup(day);
        r->days[r->ndays].count = 1;
        r->ndays++;
        memcpy(last, day, sizeof last);
    }
    return finish(s, st, rc, err, "report days");
}

static kb_status categories(kb_store *s, kb_report_summary *r, kb_err *err)
{
    kb_status rc = counts(s, r, sql_categories, &r->categories, &r->ncategories, err);
    if (rc == KB_OK)
        rc = counts(s, r, sql_channels, &r->channels, &r->nchannels, err);
    return rc == KB_OK ? days(s, r, err) : rc;
}

static kb_status ratings(kb_store *s, kb_report_summary *r, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_ratings, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, r->from);
    sqlite3_bind_int64(st, 2, r->to);
    long long sum = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int v = sqlite3_column_int(st, 0);
        long long n = sqlite3_column_int64(st, 1);
        r->rating[v - 1] = n; /* 1..5 by the query */
        r->ratings += n;
        sum += n * v;
    }
    r->rating_average = r->ratings ? (double)sum / (double)r->ratings : 0.0;
    return finish(s, st, rc, err, "report ratings");
}

static kb_status top_items(kb_store *s, kb_report_summary *r, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_top, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, r->from);
    sqlite3_bind_int64(st, 2, r->to);
    sqlite3_bind_int(st, 3, KB_REPORT_TOP_ITEMS);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r->top = kb_xrealloc(r->top, (r->ntop + 1) * sizeof *r->top);
        kb_report_item *it = &r->top[r->ntop++];
        it->kb_id = kb_store_text(st, 0);
        it->count = sqlite3_column_int64(st, 1);
        it->title = kb_store_text(st, 2);
        it->type = kb_store_text(st, 3);
    }
    return finish(s, st, rc, err, "report items");
}

/* Runs a one-row statement whose ?1 (and ?2 when two) are bound to a and b and copies its
 * first n columns into out. */
static kb_status one_row(kb_store *s, const char *sql, int nbind, long long a, long long b,
                         long long *out, int n, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, a);
    if (nbind > 1)
        sqlite3_bind_int64(st, 2, b);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            out[i] = sqlite3_column_int64(st, i);
        rc = sqlite3_step(st);
    }
    return finish(s, st, rc, err, "report");
}

void kb_report_summary_free(kb_report_summary *r)
{
    if (!r)
        return;
    kb_request_report_clear(&r->requests);
    for (size_t i = 0; i < r->ncategories; i++)
        free(r->categories[i].name);
    free(r->categories);
    for (size_t i = 0; i < r->nchannels; i++)
        free(r->channels[i].name);
    free(r->channels);
    for (size_t i = 0; i < r->ndays; i++)
        free(r->days[i].name);
    free(r->days);
    for (size_t i = 0; i < r->ntop; i++) {
        free(r->top[i].kb_id);
        free(r->top[i].title);
        free(r->top[i].type);
    }
    free(r->top);
    free(r);
}

kb_status kb_report_summary_get(kb_store *s, const kb_incident_sla *sla, long long from,
                                long long to, long long now, kb_report_summary **out,
                                kb_err *err)
{
    *out = NULL;
    if (from >= to)
        return kb_err_set(err, KB_EINVAL, "empty report period");
    /* One read transaction: every number comes from the same snapshot of the database. */
    int own;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_report_summary *r = kb_xcalloc(1, sizeof *r);
    r->from = from;
    r->to = to;
    r->now = now;
    rc = scan(s, sla, r, err);
    if (rc == KB_OK)
        rc = categories(s, r, err);
    if (rc == KB_OK)
        rc = ratings(s, r, err);
    if (rc == KB_OK)
        rc = top_items(s, r, err);
    if (rc == KB_OK)
        rc = one_row(s, sql_reopens, 2, from, to, &r->reopen_events, 1, err);
    long long aging[1 + KB_AGE_NBUCKETS] = { 0 };
    if (rc == KB_OK)
        rc = one_row(s, sql_aging, 1, now, 0, aging, 1 + KB_AGE_NBUCKETS, err);
    r->open = aging[0];
    for (int i = 0; i < KB_AGE_NBUCKETS; i++)
        r->aging[i] = aging[1 + i];
    if (rc == KB_OK)
        rc = kb_request_report(s, sla, from, to, now, &r->requests, err);
    kb_store_read_end(s, own);
    if (rc != KB_OK) {
        kb_report_summary_free(r);
        return rc;
    }
    *out = r;
    return KB_OK;
}

/* --- the problem view --- */

typedef struct {
    char *key;
    char *number;
    char *category;
    char *resolution;
    long long resolved_at;
} entry;

/* By key, then latest resolution first, then the higher number first. */
static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a;
    const entry *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->resolved_at != y->resolved_at)
        return x->resolved_at > y->resolved_at ? -1 : 1;
    return strcmp(y->number, x->number);
}

/* Largest first, then latest resolution first, then by key. */
static int problem_cmp(const void *a, const void *b)
{
    const kb_report_problem *x = a;
    const kb_report_problem *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->last_resolved != y->last_resolved)
        return x->last_resolved > y->last_resolved ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The group of entries e[0..n) (one key, latest first). */
static void make_problem(const entry *e, size_t n, kb_report_problem *p)
{
    memset(p, 0, sizeof *p);
    p->key = kb_xstrdup(e[0].key);
    p->resolution = kb_xstrdup(e[0].resolution);
    p->count = (long long)n;
    p->last_resolved = e[0].resolved_at;
    size_t nn = n < KB_REPORT_GROUP_NUMBERS ? n : KB_REPORT_GROUP_NUMBERS;
    p->numbers = kb_xcalloc(nn, sizeof *p->numbers);
    for (size_t i = 0; i < nn; i++)
        p->numbers[p->nnumbers++] = kb_xstrdup(e[i].number);
    char **cats = kb_xcalloc(n, sizeof *cats);
    for (size_t i = 0; i < n; i++)
        cats[i] = e[i].category;
    qsort(cats, n, sizeof *cats, str_cmp);
    p->categories = kb_xcalloc(n, sizeof *p->categories);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(cats[i], cats[i - 1]) != 0)
            p->categories[p->ncategories++] = kb_xstrdup(cats[i]);
    free(cats);
}

static void problem_clear(kb_report_problem *p)
{
    free(p->key);
    free(p->resolution);
    for (size_t k = 0; k < p->nnumbers; k++)
        free(p->numbers[k]);
    free(p->numbers);
    for (size_t k = 0; k < p->ncategories; k++)
        free(p->categories[k]);
    free(p->categories);
}

void kb_report_problems_free(kb_report_problem *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++)
        problem_clear(&p[i]);
    free(p);
}

kb_status kb_report_problems(kb_store *s, size_t min, size_t max, kb_report_problem **out,
                             size_t *n, size_t *total, kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (total)
        *total = 0;
    if (min < KB_REPORT_MIN_GROUP || min > KB_REPORT_MAX_GROUP)
        return kb_err_set(err, KB_EINVAL, "min must be from %d to %d", KB_REPORT_MIN_GROUP,
                          KB_REPORT_MAX_GROUP);
    sqlite3_stmt *st = kb_store_cached(s, sql_problems, err);
    if (!st)
        return KB_EDB;
    entry *v = NULL;
    size_t nv = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 2);
        char *key = kb_report_normalize(text ? text : "");
        if (!*key) {
            free(key);
            continue;
        }
        v = kb_xrealloc(v, (nv + 1) * sizeof *v);
        entry *e = &v[nv++];
        e->key = key;
        e->number = kb_store_text(st, 0);
        e->category = kb_store_text(st, 1);
        e->resolution = kb_store_text(st, 2);
        e->resolved_at = sqlite3_column_int64(st, 3);
    }
    kb_status r = finish(s, st, rc, err, "problem report");
    kb_report_problem *p = NULL;
    size_t np = 0;
    if (r == KB_OK && nv > 0) {
        qsort(v, nv, sizeof *v, entry_cmp);
        for (size_t i = 0; i < nv;) {
            size_t j = i + 1;
            while (j < nv && strcmp(v[j].key, v[i].key) == 0)
                j++;
            if (j - i >= min) {
                p = kb_xrealloc(p, (np + 1) * sizeof *p);
                make_problem(v + i, j - i, &p[np++]);
            }
            i = j;
        }
        if (np > 1)
            qsort(p, np, sizeof *p, problem_cmp);
    }
    for (size_t i = 0; i < nv; i++) {
        free(v[i].key);
        free(v[i].number);
        free(v[i].category);
        free(v[i].resolution);
    }
    free(v);
    if (r != KB_OK) {
        kb_report_problems_free(p, np);
        return r;
    }
    if (total)
        *total = np;
    if (max && np > max) {
        for (size_t i = max; i < np; i++)
            problem_clear(&p[i]);
        np = max;
    }
    *out = p;
    *n = np;
    return KB_OK;
}
