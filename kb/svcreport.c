/* The service report (kb_svcreport.h): gathered from the report, usage, asset and
 * maintenance modules (no SQL here), written as Markdown and as a PDF through kb_pdf, and
 * the schedule's due dates (plain calendar arithmetic on YYYY-MM-DD days). */
#include "kb_svcreport.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_pdf.h"
#include "kb_tz.h"

/* --- calendar days --- */

/* Days since 1970-01-01 of y-m-d, and back (kb_tz's calendar arithmetic). */
static long long days_of(int y, int m, int d)
{
    return kb_tz_days_from_civil(y, (unsigned)m, (unsigned)d);
}

static void civil_of(long long z, int *y, int *m, int *d)
{
    long long yy;
    unsigned mm, dd;
    kb_tz_civil_from_days(z, &yy, &mm, &dd);
    *y = (int)yy;
    *m = (int)mm;
    *d = (int)dd;
}

static void day_name(long long z, char out[KB_DATE_LEN])
{
    int y, m, d;
    civil_of(z, &y, &m, &d);
    if (y < 1 || y > 9999) { /* out of the calendar kb_date_valid knows */
        memcpy(out, "1970-01-01", KB_DATE_LEN);
        return;
    }
    snprintf(out, KB_DATE_LEN, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

static long long parse_day(const char *s)
{
    int y = (int)strtol(s, NULL, 10);
    int m = (int)strtol(s + 5, NULL, 10);
    int d = (int)strtol(s + 8, NULL, 10);
    return days_of(y, m, d);
}

static long long month_start(int y, int m, int add)
{
    int k = y * 12 + (m - 1) + add;
    return days_of(k / 12, k % 12 + 1, 1);
}

/* --- the schedule --- */

static const char *const every_names[] = { "off", "monthly", "weekly" };

const char *kb_svc_every_name(kb_svc_every e)
{
    return (unsigned)e < 3 ? every_names[e] : "off";
}

kb_status kb_svc_every_parse(const char *s, kb_svc_every *out, kb_err *err)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, every_names[i]) == 0) {
            *out = (kb_svc_every)i;
            return KB_OK;
        }
    return kb_err_set(err, KB_EINVAL, "'every' must be off, monthly or weekly, not '%.40s'",
                      s ? s : "");
}

kb_status kb_svc_schedule_check(const kb_svc_schedule *sc, kb_err *err)
{
    if (sc->every == KB_SVC_MONTHLY && (sc->day < 1 || sc->day > 28))
        return kb_err_set(err, KB_EINVAL, "'day' of a monthly report must be from 1 to 28");
    if (sc->every == KB_SVC_WEEKLY && (sc->day < 1 || sc->day > 7))
        return kb_err_set(err, KB_EINVAL, "'day' of a weekly report must be from 1 (Monday) "
                          "to 7 (Sunday)");
    if ((unsigned)sc->every > KB_SVC_WEEKLY)
        return kb_err_set(err, KB_EINVAL, "'every' must be off, monthly or weekly");
    return KB_OK;
}

/* The period due at day number due. */
static void period_at(const kb_svc_schedule *sc, long long due, kb_svc_period *p)
{
    day_name(due, p->due);
    if (sc->every == KB_SVC_WEEKLY) {
        long long monday = due - ((due + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
        day_name(monday - 7, p->from);
        day_name(monday - 1, p->to);
        return;
    }
    int y, m, d;
    civil_of(due, &y, &m, &d);
    day_name(month_start(y, m, -1), p->from);
    day_name(month_start(y, m, 0) - 1, p->to);
}

void kb_svc_schedule_periods(const kb_svc_schedule *sc, const char *today, kb_svc_period *cur,
                             kb_svc_period *next)
{
    long long t = parse_day(today);
    if (sc->every == KB_SVC_WEEKLY) {
        long long monday = t - ((t + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
        period_at(sc, monday + sc->day - 1, cur);
        period_at(sc, monday + 7 + sc->day - 1, next);
        return;
    }
    int y, m, d;
    civil_of(t, &y, &m, &d);
    period_at(sc, month_start(y, m, 0) + sc->day - 1, cur);
    period_at(sc, month_start(y, m, 1) + sc->day - 1, next);
}

/* --- the period --- */

kb_status kb_svcreport_range(const char *from_day, const char *to_day, long long now,
                             long long *from, long long *to, kb_err *err)
{
    int has_from = from_day && *from_day;
    int has_to = to_day && *to_day;
    if (has_from != has_to)
        return kb_err_set(err, KB_EINVAL, "give both 'from' and 'to' (YYYY-MM-DD), or neither "
                          "for the last month");
    if (has_from)
        return kb_report_range(from_day, to_day, now, from, to, err);
    char today[KB_DATE_LEN];
    kb_date_of(now >= 0 ? now : 0, today);
    int y, m, d;
    civil_of(parse_day(today), &y, &m, &d);
    /* no month before the epoch: January 1970 itself */
    int back = y == 1970 && m == 1 ? 0 : 1;
    char f[KB_DATE_LEN], t[KB_DATE_LEN];
    day_name(month_start(y, m, -back), f);
    day_name(month_start(y, m, 1 - back) - 1, t);
    return kb_report_range(f, t, now, from, to, err);
}

/* --- gathering --- */

/* The complaint records and improvement actions of r's period. */
static kb_status quality(kb_store *s, kb_svcreport *r, const char *today, kb_err *err)
{
    kb_status rc = kb_complaint_counts_get(s, r->from, r->to, r->now, &r->complaints, err);
    kb_complaint_filter cf = { .from = r->from, .to = r->to, .now = r->now,
                               .limit = KB_SVCREPORT_ROWS };
    if (rc == KB_OK)
        rc = kb_complaint_list_get(s, &cf, &r->complaint_list, err);
    kb_qaction_filter af = { .live_from = r->from, .live_to = r->to, .today = today,
                             .limit = KB_SVCREPORT_ROWS };
    if (rc == KB_OK)
        rc = kb_qaction_list(s, &af, &r->actions, &r->nactions, &r->actions_total, err);
    /* the counts over all of them, not only the rows listed */
    kb_qaction *one = NULL;
    size_t n = 0;
    af.limit = 1;
    af.states = 1u << KB_QACTION_open | 1u << KB_QACTION_in_progress;
    if (rc == KB_OK)
        rc = kb_qaction_list(s, &af, &one, &n, &r->actions_open, err);
    kb_qactions_free(one, n);
    one = NULL;
    n = 0;
    af.overdue = 1;
    if (rc == KB_OK)
        rc = kb_qaction_list(s, &af, &one, &n, &r->actions_overdue, err);
    kb_qactions_free(one, n);
    return rc;
}

void kb_svcreport_free(kb_svcreport *r)
{
    if (!r)
        return;
    kb_report_summary_free(r->summary);
    kb_usage_gaps_free(r->gaps, r->ngaps);
    kb_complaint_list_free(r->complaint_list);
    kb_qactions_free(r->actions, r->nactions);
    kb_asset_report_free(r->assets);
    free(r);
}

kb_status kb_svcreport_get(kb_store *s, const kb_incident_sla *sla, long long from,
                           long long to, long long now, kb_svcreport **out, kb_err *err)
{
    *out = NULL;
    if (from >= to)
        return kb_err_set(err, KB_EINVAL, "empty report period");
    kb_svcreport *r = kb_xcalloc(1, sizeof *r);
    r->from = from;
    r->to = to;
    r->now = now;
    kb_date_of(from, r->from_day);
    kb_date_of(to - 1, r->to_day);
    kb_status rc = kb_report_summary_get(s, sla, from, to, now, &r->summary, err);
    if (rc == KB_OK)
        rc = kb_usage_gaps(s, from, KB_SVCREPORT_GAPS, &r->gaps, &r->ngaps, err);
    if (rc == KB_OK)
        rc = kb_asset_report_get(s, from, to, now, &r->assets, err);
    if (rc == KB_OK && r->assets && r->assets->assets == 0) {
        kb_asset_report_free(r->assets);
        r->assets = NULL;
    }
    kb_maint_report *m = NULL;
    char today[KB_DATE_LEN];
    kb_date_of(now, today);
    if (rc == KB_OK)
        rc = quality(s, r, today, err);
    if (rc == KB_OK)
        rc = kb_maint_report_get(s, r->from_day, r->to_day, today, &m, err);
    for (size_t i = 0; rc == KB_OK && i < m->n[KB_MAINT_BY_MONTH]; i++) {
        const kb_maint_rate *x = &m->rows[KB_MAINT_BY_MONTH][i];
        r->maint.total += x->total;
        r->maint.on_time += x->on_time;
        r->maint.late += x->late;
        r->maint.open += x->open;
        r->maint.overdue += x->overdue;
    }
    kb_maint_report_free(m);
    if (rc != KB_OK) {
        kb_svcreport_free(r);
        return rc;
    }
    *out = r;
    return KB_OK;
}

/* --- words --- */

static const char *label(const char *const (*t)[2], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i][0], name) == 0)
            return t[i][1];
    return name[0] ? name : "（未填）";
}

static const char *const categories[][2] = {
    { "desktop", "桌面终端" }, { "printer", "打印机" }, { "network", "网络" },
    { "office software", "办公软件" }, { "business system", "业务系统" },
    { "account", "账号" }, { "other", "其他" },
};
static const char *const channels[][2] = {
    { "phone", "电话" }, { "email", "邮件" }, { "walk-in", "现场" }, { "web", "网页" },
};
static const char *const statuses[][2] = {
    { "new", "新建" }, { "assigned", "已分派" }, { "in_progress", "处理中" },
    { "pending", "挂起" }, { "resolved", "已解决" }, { "closed", "已关闭" },
};
static const char *const complaint_states[][2] = {
    { "open", "新登记" }, { "investigating", "调查中" }, { "replied", "已答复" },
    { "closed", "已关闭" },
};
static const char *const action_states[][2] = {
    { "open", "未开始" }, { "in_progress", "进行中" }, { "done", "已完成" },
    { "cancelled", "已取消" },
};
#define LABEL(t, name) label(t, sizeof t / sizeof t[0], name)

static const char *category_label(const char *name)
{
    return LABEL(categories, name);
}

static const char *channel_label(const char *name)
{
    return LABEL(channels, name);
}

/* "97.5%" or "—" when n is 0. */
static void pct(long long met, long long n, char out[32])
{
    if (n <= 0)
        snprintf(out, 32, "—");
    else
        snprintf(out, 32, "%.1f%%", round(1000.0 * (double)met / (double)n) / 10.0);
}

void kb_svcreport_title(const kb_svcreport *r, kb_buf *out)
{
    kb_buf_addf(out, "IT 服务报告（%s 至 %s）", r->from_day, r->to_day);
}

/* --- the sections, once for both renderings --- */

/* A table as Markdown and/or into the PDF: ncols columns, rows of cells. */
typedef struct {
    kb_buf *md;
    kb_pdf *pdf;
    kb_status rc;
    kb_err *err;
} sink;

static void heading(sink *k, const char *text)
{
    if (k->md)
        kb_buf_addf(k->md, "\n## %s\n\n", text);
    if (k->pdf && k->rc == KB_OK)
        k->rc = kb_pdf_heading(k->pdf, text, k->err);
}

static void para(sink *k, const char *text)
{
    if (k->md)
        kb_buf_addf(k->md, "%s\n\n", text);
    if (k->pdf && k->rc == KB_OK)
        k->rc = kb_pdf_text(k->pdf, text, k->err);
}

/* Markdown cells: "|" and line breaks would end the cell. */
static void md_cell(kb_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            kb_buf_adds(b, "\\|");
        else if (*s == '\n' || *s == '\r')
            kb_buf_addc(b, ' ');
        else
            kb_buf_addc(b, *s);
    }
}

static void table(sink *k, const char *const *head, const double *widths, const int *right,
                  size_t ncols, char **cells, size_t nrows)
{
    if (k->md) {
        kb_buf *b = k->md;
        for (size_t c = 0; c < ncols; c++) {
            kb_buf_adds(b, "| ");
            md_cell(b, head[c]);
            kb_buf_adds(b, " ");
        }
        kb_buf_adds(b, "|\n");
        for (size_t c = 0; c < ncols; c++)
            kb_buf_adds(b, right && right[c] ? "|---:" : "|---");
        kb_buf_adds(b, "|\n");
        for (size_t r = 0; r < nrows; r++) {
            for (size_t c = 0; c < ncols; c++) {
                kb_buf_adds(b, "| ");
                md_cell(b, cells[r * ncols + c]);
                kb_buf_adds(b, " ");
            }
            kb_buf_adds(b, "|\n");
        }
        kb_buf_adds(b, "\n");
    }
    if (k->pdf && k->rc == KB_OK)
        k->rc = kb_pdf_table(k->pdf, head, widths, right, ncols, (const char *const *)cells,
                             nrows, k->err);
}

/* Rows of cells built with cell(); freed by rows_free. */
typedef struct {
    char **v;
    size_t n;
} rows;

static void cell(rows *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cell(rows *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[1];
    va_list aq;
    va_copy(aq, ap);
    int len = vsnprintf(tmp, sizeof tmp, fmt, aq);
    va_end(aq);
    char *s = kb_xmalloc(len > 0 ? (size_t)len + 1 : 1);
    vsnprintf(s, len > 0 ? (size_t)len + 1 : 1, fmt, ap);
    va_end(ap);
    w->v = kb_xrealloc(w->v, (w->n + 1) * sizeof *w->v);
    w->v[w->n++] = s;
}

static void rows_free(rows *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    w->v = NULL;
    w->n = 0;
}

static const unsigned COLOR_VOLUME = 0x2f6fb0;   /* blue: volumes by category */
static const unsigned COLOR_RESPONSE = 0x3a8f5c; /* green: response attainment */
static const unsigned COLOR_RESOLVE = 0xe08a1e;  /* orange: resolution attainment */
static const unsigned COLOR_RATING = 0x8e44ad;   /* purple: satisfaction */

static void chart(sink *k, const kb_pdf_chart *c)
{
    if (k->pdf && k->rc == KB_OK)
        k->rc = kb_pdf_bars(k->pdf, c, k->err);
}

/* 7 complaints, 8 improvement actions. */
static void quality_sections(sink *k, const kb_svcreport *r)
{
    const kb_complaint_counts *c = &r->complaints;
    char line[512], day[KB_DATE_LEN];
    rows w = { 0 };

    heading(k, "7 投诉");
    snprintf(line, sizeof line, "本期登记投诉 %lld 起（回访中提出 %lld 起），已关闭 %lld 起；"
             "按时答复 %lld 起，按时关闭 %lld 起，逾期 %lld 起。当前未关闭的投诉共 %lld 起。",
             c->raised, c->from_followup, c->closed, c->replied_in_time, c->closed_in_time,
             c->overdue, c->open_now);
    para(k, line);
    const kb_complaint_list *l = r->complaint_list;
    if (l && l->n) {
        const char *head[] = { "编号", "登记日期", "投诉人", "内容", "状态", "负责人" };
        const double wd[] = { 0.6, 1.2, 1.4, 3.0, 1.4, 1.0 }; /* 新登记（逾期） on one line */
        for (size_t i = 0; i < l->n; i++) {
            const kb_complaint *x = l->items[i];
            kb_date_of(x->created_at, day);
            cell(&w, "%lld", x->id);
            cell(&w, "%s", day);
            cell(&w, "%s%s%s", x->caller, x->department[0] ? " · " : "", x->department);
            cell(&w, "%s", x->summary);
            cell(&w, "%s%s", LABEL(complaint_states, kb_complaint_state_name(x->state)),
                 kb_complaint_overdue(x, r->now) ? "（逾期）" : "");
            cell(&w, "%s", x->owner[0] ? x->owner : x->owner_group);
        }
        table(k, head, wd, NULL, 6, w.v, l->n);
        rows_free(&w);
        if (l->total > (long long)l->n) {
            snprintf(line, sizeof line, "（共 %lld 起，列出最近 %zu 起。）", l->total, l->n);
            para(k, line);
        }
    }

    heading(k, "8 改进措施");
    snprintf(line, sizeof line, "本期跟踪的改进措施 %lld 项（总结例会议定）：未完成 %lld 项，"
             "其中逾期 %lld 项；其余已完成或取消。", r->actions_total, r->actions_open,
             r->actions_overdue);
    para(k, line);
    if (r->nactions) {
        const char *head[] = { "措施", "负责人", "完成日期", "状态", "提出于" };
        const double wd[] = { 3.3, 1.1, 1.3, 1.6, 1.3 };
        char today[KB_DATE_LEN];
        kb_date_of(r->now, today);
        for (size_t i = 0; i < r->nactions; i++) {
            const kb_qaction *a = &r->actions[i];
            cell(&w, "%s", a->title);
            cell(&w, "%s", a->owner);
            cell(&w, "%s", a->due);
            cell(&w, "%s%s", LABEL(action_states, kb_qaction_state_name(a->state)),
                 kb_qaction_overdue(a, today) ? "（逾期）" : "");
            cell(&w, "%s", a->meeting_day);
        }
        table(k, head, wd, NULL, 5, w.v, r->nactions);
        rows_free(&w);
        if (r->actions_total > (long long)r->nactions) {
            snprintf(line, sizeof line, "（共 %lld 项，列出完成日期最早的 %zu 项。）",
                     r->actions_total, r->nactions);
            para(k, line);
        }
    }
}

static void sections(sink *k, const kb_svcreport *r)
{
    const kb_report_summary *m = r->summary;
    char a[32], b[32], line[512];
    rows w = { 0 };

    heading(k, "1 概述");
    pct(m->response_met, m->responded, a);
    pct(m->resolve_met, m->resolved, b);
    snprintf(line, sizeof line,
             "报告期 %s 至 %s，共受理事件 %lld 起，服务请求 %lld 项；响应达标率 %s，"
             "解决达标率 %s；满意度评价 %lld 份%s。当前未关闭事件 %lld 起。",
             r->from_day, r->to_day, m->total, m->requests.total, a, b, m->ratings,
             m->ratings ? "" : "（无）", m->open);
    para(k, line);
    if (m->ratings) {
        snprintf(line, sizeof line, "平均满意度 %.2f / 5。", m->rating_average);
        para(k, line);
    }

    heading(k, "2 事件量");
    {
        const char *head[] = { "分类", "事件数" };
        const double wd[] = { 3, 1 };
        const int rt[] = { 0, 1 };
        size_t n = m->ncategories < KB_SVCREPORT_ROWS ? m->ncategories : KB_SVCREPORT_ROWS;
        for (size_t i = 0; i < n; i++) {
            cell(&w, "%s", category_label(m->categories[i].name));
            cell(&w, "%lld", m->categories[i].count);
        }
        cell(&w, "合计");
        cell(&w, "%lld", m->total);
        table(k, head, wd, rt, 2, w.v, n + 1);
        rows_free(&w);
        if (n > 0) {
            size_t nb = n < KB_PDF_MAX_BARS ? n : KB_PDF_MAX_BARS;
            const char *labels[KB_PDF_MAX_BARS];
            double v[KB_PDF_MAX_BARS];
            for (size_t i = 0; i < nb; i++) {
                labels[i] = category_label(m->categories[i].name);
                v[i] = (double)m->categories[i].count;
            }
            kb_pdf_chart c = { .title = "图 1 按分类的事件量", .labels = labels, .n = nb,
                               .values = v, .nseries = 1, .colors = &COLOR_VOLUME };
            chart(k, &c);
        }
    }
    {
        const char *head[] = { "优先级", "事件数" };
        const double wd[] = { 3, 1 };
        const int rt[] = { 0, 1 };
        for (int i = 0; i < 4; i++) {
            cell(&w, "P%d", i + 1);
            cell(&w, "%lld", m->by_priority[i]);
        }
        table(k, head, wd, rt, 2, w.v, 4);
        rows_free(&w);
    }
    {
        const char *head[] = { "受理渠道", "事件数" };
        const double wd[] = { 3, 1 };
        const int rt[] = { 0, 1 };
        size_t n = m->nchannels < KB_SVCREPORT_ROWS ? m->nchannels : KB_SVCREPORT_ROWS;
        for (size_t i = 0; i < n; i++) {
            cell(&w, "%s", channel_label(m->channels[i].name));
            cell(&w, "%lld", m->channels[i].count);
        }
        table(k, head, wd, rt, 2, w.v, n);
        rows_free(&w);
    }
    {
        const char *head[] = { "状态", "事件数" };
        const double wd[] = { 3, 1 };
        const int rt[] = { 0, 1 };
        for (int i = 0; i < KB_INC_NSTATUS; i++) {
            cell(&w, "%s", LABEL(statuses, kb_incident_status_name((kb_inc_status)i)));
            cell(&w, "%lld", m->by_status[i]);
        }
        table(k, head, wd, rt, 2, w.v, KB_INC_NSTATUS);
        rows_free(&w);
    }

    heading(k, "3 SLA 达成");
    {
        const char *head[] = { "优先级", "已响应", "响应达标", "响应达标率", "已解决",
                               "解决达标", "解决达标率" };
        const int rt[] = { 0, 1, 1, 1, 1, 1, 1 };
        double v[8];
        for (int i = 0; i < 5; i++) {
            long long rsp, rspm, res, resm;
            if (i < 4) {
                rsp = m->sla_by_priority[i].responded;
                rspm = m->sla_by_priority[i].response_met;
                res = m->sla_by_priority[i].resolved;
                resm = m->sla_by_priority[i].resolve_met;
                cell(&w, "P%d", i + 1);
                v[i * 2] = rsp ? 100.0 * (double)rspm / (double)rsp : 0;
                v[i * 2 + 1] = res ? 100.0 * (double)resm / (double)res : 0;
            } else {
                rsp = m->responded;
                rspm = m->response_met;
                res = m->resolved;
                resm = m->resolve_met;
                cell(&w, "合计");
            }
            pct(rspm, rsp, a);
            pct(resm, res, b);
            cell(&w, "%lld", rsp);
            cell(&w, "%lld", rspm);
            cell(&w, "%s", a);
            cell(&w, "%lld", res);
            cell(&w, "%lld", resm);
            cell(&w, "%s", b);
        }
        table(k, head, NULL, rt, 7, w.v, 5);
        rows_free(&w);
        char mr[32] = "—", ms[32] = "—";
        if (m->responded)
            kb_report_duration(m->mean_respond_seconds, mr, sizeof mr);
        if (m->resolved)
            kb_report_duration(m->mean_resolve_seconds, ms, sizeof ms);
        snprintf(line, sizeof line, "平均响应时间 %s，平均解决时间 %s。", mr, ms);
        para(k, line);
        const char *labels[] = { "P1", "P2", "P3", "P4" };
        const char *series[] = { "响应达标率", "解决达标率" };
        const unsigned colors[] = { COLOR_RESPONSE, COLOR_RESOLVE };
        kb_pdf_chart c = { .title = "图 2 各优先级 SLA 达成率", .labels = labels, .n = 4,
                           .values = v, .nseries = 2, .series = series, .colors = colors,
                           .max = 100, .decimals = 1, .unit = "%" };
        chart(k, &c);
    }

    heading(k, "4 用户满意度");
    {
        const char *head[] = { "评分", "份数" };
        const double wd[] = { 3, 1 };
        const int rt[] = { 0, 1 };
        const char *labels[5] = { "1 分", "2 分", "3 分", "4 分", "5 分" };
        double v[5];
        for (int i = 4; i >= 0; i--) {
            cell(&w, "%s", labels[i]);
            cell(&w, "%lld", m->rating[i]);
        }
        for (int i = 0; i < 5; i++)
            v[i] = (double)m->rating[4 - i];
        const char *rl[5] = { labels[4], labels[3], labels[2], labels[1], labels[0] };
        cell(&w, "合计");
        cell(&w, "%lld", m->ratings);
        table(k, head, wd, rt, 2, w.v, 6);
        rows_free(&w);
        if (m->ratings)
            snprintf(line, sizeof line, "平均 %.2f / 5；投诉 %lld 起（事件标记为投诉）；"
                     "重开事件 %lld 起。", m->rating_average, m->complaints, m->reopened);
        else
            snprintf(line, sizeof line, "本期无满意度评价；投诉 %lld 起（事件标记为投诉）；"
                     "重开事件 %lld 起。", m->complaints, m->reopened);
        para(k, line);
        kb_pdf_chart c = { .title = "图 3 满意度分布", .labels = rl, .n = 5, .values = v,
                           .nseries = 1, .colors = &COLOR_RATING };
        chart(k, &c);
    }

    heading(k, "5 已知错误与知识缺口");
    {
        const char *head[] = { "编号", "标题", "解决事件数" };
        const double wd[] = { 1.2, 4, 1 };
        const int rt[] = { 0, 0, 1 };
        for (size_t i = 0; i < m->ntop; i++) {
            cell(&w, "%s", m->top[i].kb_id);
            cell(&w, "%s", m->top[i].title[0] ? m->top[i].title : "（已删除）");
            cell(&w, "%lld", m->top[i].count);
        }
        if (m->ntop)
            table(k, head, wd, rt, 3, w.v, m->ntop);
        else
            para(k, "本期没有以已知错误解决的事件。");
        rows_free(&w);
    }
    {
        const char *head[] = { "未找到结果的搜索", "次数" };
        const double wd[] = { 4, 1 };
        const int rt[] = { 0, 1 };
        for (size_t i = 0; i < r->ngaps; i++) {
            cell(&w, "%s", r->gaps[i].query);
            cell(&w, "%lld", r->gaps[i].count);
        }
        if (r->ngaps)
            table(k, head, wd, rt, 2, w.v, r->ngaps);
        else
            para(k, "本期没有未找到结果的搜索。");
        rows_free(&w);
    }

    heading(k, "6 服务请求");
    {
        const kb_req_report *q = &m->requests;
        pct(q->fulfil_met, q->fulfilled, a);
        snprintf(line, sizeof line, "服务请求 %lld 项，已完成 %lld 项，按时完成率 %s；待审批 %lld "
                 "项，未完成 %lld 项；借出未还 %lld 项（逾期 %lld 项）。", q->total, q->fulfilled,
                 a, q->awaiting_approval, q->open, q->loans_out, q->loans_overdue);
        para(k, line);
    }

    quality_sections(k, r);

    int sec = 9;
    if (r->assets) {
        const kb_asset_report *x = r->assets;
        snprintf(line, sizeof line, "%d 资产", sec++);
        heading(k, line);
        snprintf(line, sizeof line, "资产 %lld 台（在用 %lld，备用 %lld，维修中 %lld，借出 %lld，"
                 "报废 %lld）；%lld 台保修将在 %d 天内到期。", x->assets,
                 x->by_status[KB_ASSET_STATUS_in_use], x->by_status[KB_ASSET_STATUS_spare],
                 x->by_status[KB_ASSET_STATUS_in_repair], x->by_status[KB_ASSET_STATUS_lent],
                 x->by_status[KB_ASSET_STATUS_scrapped], x->total_warranty,
                 KB_ASSET_WARRANTY_DAYS);
        para(k, line);
        size_t n = x->nmodels < KB_SVCREPORT_ROWS ? x->nmodels : KB_SVCREPORT_ROWS;
        const char *head[] = { "型号", "品牌", "本期事件", "涉及资产" };
        const double wd[] = { 2, 2, 1, 1 };
        const int rt[] = { 0, 0, 1, 1 };
        for (size_t i = 0; i < n; i++) {
            cell(&w, "%s", x->models[i].model);
            cell(&w, "%s", x->models[i].brand);
            cell(&w, "%lld", x->models[i].incidents);
            cell(&w, "%lld", x->models[i].assets);
        }
        if (n)
            table(k, head, wd, rt, 4, w.v, n);
        rows_free(&w);
    }
    if (r->maint.total) {
        snprintf(line, sizeof line, "%d 维护保养", sec++);
        heading(k, line);
        pct(r->maint.on_time, r->maint.total, a);
        snprintf(line, sizeof line, "本期应完成维护任务 %lld 项：按时完成 %lld，逾期完成 %lld，"
                 "未完成 %lld（其中已逾期 %lld）；按时完成率 %s。", r->maint.total,
                 r->maint.on_time, r->maint.late, r->maint.open, r->maint.overdue, a);
        para(k, line);
    }
}

void kb_svcreport_markdown(const kb_svcreport *r, kb_buf *out)
{
    kb_buf_adds(out, "# ");
    kb_svcreport_title(r, out);
    kb_buf_adds(out, "\n");
    sink k = { .md = out, .rc = KB_OK };
    sections(&k, r);
}

kb_status kb_svcreport_pdf(const kb_svcreport *r, const char *doc_no, char **out, size_t *len,
                           kb_err *err)
{
    *out = NULL;
    *len = 0;
    kb_buf t;
    kb_buf_init(&t, 0);
    kb_svcreport_title(r, &t);
    kb_pdf *p = kb_pdf_new(kb_buf_str(&t), KB_SVCREPORT_MAX_PAGES);
    char period[64], made[64], no[96];
    snprintf(period, sizeof period, "报告期：%s 至 %s", r->from_day, r->to_day);
    char at[KB_DATE_TIME_LEN];
    kb_date_format_local(r->now, at);
    snprintf(made, sizeof made, "生成时间：%s", at);
    snprintf(no, sizeof no, "文件编号：%.64s", doc_no && *doc_no ? doc_no : "（未归档）");
    const char *lines[] = { period, made, no, "kedb 服务台" };
    kb_status rc = kb_pdf_title(p, "IT 服务报告", period + strlen("报告期："), lines, 4, err);
    sink k = { .pdf = p, .rc = rc, .err = err };
    if (rc == KB_OK)
        sections(&k, r);
    rc = k.rc;
    if (rc == KB_OK)
        rc = kb_pdf_render(p, out, len, NULL, err);
    kb_pdf_free(p);
    kb_buf_free(&t);
    return rc;
}
