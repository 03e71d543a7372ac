/* Notification rules: events, default templates, placeholders, channel checks (pure; the
 * SQL is in kb/store_notify.c). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_hash.h"
#include "kb_notify.h"

static const char *const event_names[KB_NOTIFY_NEVENTS] = {
#define NAME_(e, name) name,
    KB_NOTIFY_EVENTS(NAME_)
#undef NAME_
};
/* "assigned, escalated, ...": the names for error messages */
#define LIST_(e, name) ", " name
static const char *const event_list = KB_NOTIFY_EVENTS(LIST_) + 2;
#undef LIST_

/* The default templates, in Chinese for the desk's people. */
static const char *const default_titles[KB_NOTIFY_NEVENTS] = {
    [KB_NOTIFY_ASSIGNED] = "工单已分派：{number}",
    [KB_NOTIFY_ESCALATED] = "工单已升级：{number}",
    [KB_NOTIFY_RESOLVED] = "工单已解决：{number}",
    [KB_NOTIFY_REOPENED] = "工单已重新打开：{number}",
    [KB_NOTIFY_FOLLOWUP_DUE] = "待回访：{number}",
    [KB_NOTIFY_SLA_75] = "SLA 预警：{number}",
    [KB_NOTIFY_SLA_BREACH] = "SLA 已超时：{number}",
    [KB_NOTIFY_REVIEW_DUE] = "复审到期：{number}",
    [KB_NOTIFY_DOCREQ_WAITING] = "文档申请待审批：{number}",
    [KB_NOTIFY_TEST] = "kedb 测试消息",
    [KB_NOTIFY_REQUEST_ASSIGNED] = "服务请求已分派：{number}",
    [KB_NOTIFY_REQUEST_APPROVAL] = "服务请求待审批：{number}",
    [KB_NOTIFY_REQUEST_APPROVED] = "服务请求已批准：{number}",
    [KB_NOTIFY_REQUEST_REJECTED] = "服务请求未获批准：{number}",
    [KB_NOTIFY_REQUEST_FULFILLED] = "服务请求已完成：{number}",
    [KB_NOTIFY_LOAN_OVERDUE] = "借用逾期未还：{number}",
    [KB_NOTIFY_MAINT_OVERDUE] = "维护任务逾期：{summary}",
    [KB_NOTIFY_PART_LOW] = "备件库存不足：{number}",
    [KB_NOTIFY_COMPLAINT_NEW] = "新投诉 #{number}：{summary}",
    [KB_NOTIFY_COMPLAINT_OVERDUE] = "投诉逾期 #{number}：{summary}",
    [KB_NOTIFY_REPORT_DUE] = "服务报告待提交：{number}",
};
static const char *const default_bodies[KB_NOTIFY_NEVENTS] = {
    [KB_NOTIFY_ASSIGNED] = "工单 {number}（{priority}）已分派给 {assignee}（{group}）。\n"
                           "摘要：{summary}\n解决期限：{due}",
    [KB_NOTIFY_ESCALATED] = "工单 {number}（{priority}）已转至 {group}，组长 {lead}。\n"
                            "原因：{reason}\n摘要：{summary}\n解决期限：{due}",
    [KB_NOTIFY_RESOLVED] = "工单 {number}（{priority}）已解决。\n摘要：{summary}\n"
                           "处理人：{assignee}（{group}）",
    [KB_NOTIFY_REOPENED] = "工单 {number}（{priority}）已重新打开。\n原因：{reason}\n"
                           "摘要：{summary}\n处理人：{assignee}（{group}）",
    [KB_NOTIFY_FOLLOWUP_DUE] = "工单 {number} 已解决，尚未回访，请联系报障人确认。\n"
                               "摘要：{summary}\n处理人：{assignee}（{group}）",
    [KB_NOTIFY_SLA_75] = "工单 {number}（{priority}）的{target}时限已用去 75%，期限 {due}。\n"
                         "请组长 {lead} 关注。\n摘要：{summary}\n处理人：{assignee}（{group}）",
    [KB_NOTIFY_SLA_BREACH] = "工单 {number}（{priority}）的{target}已超时，期限 {due}。\n"
                             "请组长 {lead} 处理。\n摘要：{summary}\n"
                             "处理人：{assignee}（{group}）",
    [KB_NOTIFY_REVIEW_DUE] = "{number}《{summary}》的复审日期 {due} 已到，请负责人 {owner} "
                             "安排复审。",
    [KB_NOTIFY_DOCREQ_WAITING] = "{requester} 提交了文档{kind}申请 {number}，等待审批。\n"
                                 "文档：{document}《{summary}》\n原因：{reason}",
    [KB_NOTIFY_TEST] = "这是一条来自 kedb 的测试消息，收到即表示通知渠道配置正确。",
    [KB_NOTIFY_REQUEST_ASSIGNED] = "服务请求 {number}（{summary}）已分派给 {assignee}（{group}）。\n"
                                   "完成期限：{due}",
    [KB_NOTIFY_REQUEST_APPROVAL] = "服务请求 {number}（{summary}）等待审批。\n"
                                   "审批人：{lead}",
    [KB_NOTIFY_REQUEST_APPROVED] = "服务请求 {number}（{summary}）已批准，将由 {group} 办理。\n"
                                   "审批意见：{reason}\n完成期限：{due}",
    [KB_NOTIFY_REQUEST_REJECTED] = "服务请求 {number}（{summary}）未获批准。\n原因：{reason}",
    [KB_NOTIFY_REQUEST_FULFILLED] = "服务请求 {number}（{summary}）已完成。\n"
                                    "办理人：{assignee}（{group}）\n说明：{reason}",
    [KB_NOTIFY_LOAN_OVERDUE] = "借用 {number}（{summary}）已过归还日期 {due}，请尽快归还。\n"
                               "经办人：{assignee}（{group}）",
    [KB_NOTIFY_MAINT_OVERDUE] = "维护任务 #{number}（{summary}）已过到期日 {due}，尚未完成。\n"
                                "请 {group} 尽快安排巡检。",
    [KB_NOTIFY_PART_LOW] = "备件 {number}（{summary}）库存 {stock}，已低于最低库存 {minimum}，"
                           "请申请补仓。",
    [KB_NOTIFY_COMPLAINT_NEW] = "客户 {requester} 投诉 #{number}：{summary}\n事件：{target}\n"
                                "负责：{owner}（{group}），答复期限 {due}。",
    [KB_NOTIFY_COMPLAINT_OVERDUE] = "投诉 #{number}（{summary}）已过期限 {due}，状态 {status}，"
                                    "负责：{owner}（{group}）。",
    [KB_NOTIFY_REPORT_DUE] = "{summary} 应于 {due} 提交，尚未归档。\n"
                             "请在“服务报告”页面生成并归档。",
};

const char *kb_notify_event_name(kb_notify_event ev)
{
    return (unsigned)ev < KB_NOTIFY_NEVENTS ? event_names[ev] : "unknown";
}

kb_status kb_notify_event_parse(const char *s, kb_notify_event *out, kb_err *err)
{
    for (int i = 0; s && i < KB_NOTIFY_NEVENTS; i++) {
        if (strcmp(s, event_names[i]) == 0) {
            *out = (kb_notify_event)i;
            return KB_OK;
        }
    }
    return kb_err_set(err, KB_EINVAL, "unknown event '%.40s' (%s)", s ? s : "", event_list);
}

const char *kb_notify_default_title(kb_notify_event ev)
{
    return (unsigned)ev < KB_NOTIFY_NEVENTS ? default_titles[ev] : "";
}

const char *kb_notify_default_body(kb_notify_event ev)
{
    return (unsigned)ev < KB_NOTIFY_NEVENTS ? default_bodies[ev] : "";
}

static const char *const var_names[] = {
#define VNAME_(name) #name,
    KB_NOTIFY_VARS(VNAME_)
#undef VNAME_
};
#define NVARS (sizeof var_names / sizeof var_names[0])
/* "{number} {summary} ...": the known placeholders for error messages */
#define VLIST_(name) " {" #name "}"
static const char *const var_list = KB_NOTIFY_VARS(VLIST_) + 1;
#undef VLIST_

static const char *var_value(const kb_notify_vars *v, size_t i)
{
    const char *vals[] = {
#define VVAL_(name) v->name,
        KB_NOTIFY_VARS(VVAL_)
#undef VVAL_
    };
    return vals[i] ? vals[i] : "";
}

/* The placeholder at p ("{name}..."): its index, *len the bytes it spans; -1 when none. */
static int placeholder(const char *p, size_t *len)
{
    const char *end = strchr(p, '}');
    if (!end)
        return -1;
    size_t n = (size_t)(end - p - 1);
    for (size_t i = 0; i < NVARS; i++) {
        if (strlen(var_names[i]) == n && memcmp(p + 1, var_names[i], n) == 0) {
            *len = n + 2;
            return (int)i;
        }
    }
    return -1;
}

kb_status kb_notify_template_check(const char *what, const char *tpl, size_t max, kb_err *err)
{
    if (!tpl)
        return kb_err_set(err, KB_EINVAL, "field '%s' is required", what);
    size_t len = strlen(tpl);
    if (len > max)
        return kb_err_set(err, KB_EINVAL, "field '%s' is longer than %zu bytes", what, max);
    for (const char *p = tpl; *p;) {
        size_t n;
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p += 2;
        } else if (*p == '{') {
            if (placeholder(p, &n) < 0) {
                size_t shown = strcspn(p, "}");
                return kb_err_set(err, KB_EINVAL, "field '%s': unknown placeholder '%.*s}' "
                                  "(known: %s)", what, (int)(shown > 40 ? 40 : shown), p,
                                  var_list);
            }
            p += n;
        } else if (*p == '}') {
            return kb_err_set(err, KB_EINVAL, "field '%s': a lone '}' (write '}}')", what);
        } else {
            p++;
        }
    }
    return KB_OK;
}

kb_status kb_notify_template_valid(const char *title, const char *body, kb_err *err)
{
    kb_status rc = kb_notify_template_check("title", title, KB_NOTIFY_TITLE_MAX, err);
    if (rc == KB_OK)
        rc = kb_notify_template_check("body", body, KB_NOTIFY_BODY_MAX, err);
    if (rc == KB_OK && strchr(title, '\n'))
        rc = kb_err_set(err, KB_EINVAL, "field 'title' must be one line");
    return rc;
}

char *kb_notify_render(const char *tpl, const kb_notify_vars *vars, size_t max)
{
    static const char more[] = "…";
    assert(max >= sizeof more);
    kb_buf b;
    kb_buf_init(&b, 0);
    for (const char *p = tpl; *p && b.len <= max;) {
        size_t n;
        int i;
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            kb_buf_add(&b, p, 1);
            p += 2;
        } else if (*p == '{' && (i = placeholder(p, &n)) >= 0) {
            kb_buf_adds(&b, var_value(vars, (size_t)i));
            p += n;
        } else {
            kb_buf_add(&b, p, 1);
            p++;
        }
    }
    if (b.len > max) {
        size_t cut = max - (sizeof more - 1);
        while (cut > 0 && ((unsigned char)b.data[cut] & 0xc0) == 0x80)
            cut--; /* not inside a UTF-8 sequence */
        b.len = cut;
        b.data[cut] = '\0';
        kb_buf_adds(&b, more);
    }
    size_t len;
    char *out = kb_buf_detach(&b, &len);
    kb_buf_free(&b);
    return out ? out : kb_xstrdup("");
}

void kb_notify_sample_vars(kb_notify_event ev, kb_notify_vars *out)
{
    memset(out, 0, sizeof *out);
    int review = ev == KB_NOTIFY_REVIEW_DUE, docreq = ev == KB_NOTIFY_DOCREQ_WAITING;
    int maint = ev == KB_NOTIFY_MAINT_OVERDUE, part = ev == KB_NOTIFY_PART_LOW;
    int complaint = ev == KB_NOTIFY_COMPLAINT_NEW || ev == KB_NOTIFY_COMPLAINT_OVERDUE;
    int report = ev == KB_NOTIFY_REPORT_DUE;
    out->number = review ? "KE-1001" : docreq ? "DR-0001" : maint ? "12"
                  : part ? "CF259A" : complaint ? "7"
                  : report ? "2026-11-01..2026-11-30" : "INC-20261203-0001";
    out->summary = review ? "打印机卡纸" : docreq ? "运维服务管理手册"
                   : maint ? "打印机月度巡检 · PRN-0001" : part ? "HP 59A 黑色硒鼓"
                   : complaint ? "维修人员两天未到场"
                   : report ? "IT 服务报告（2026-11-01 至 2026-11-30）" : "三楼打印机脱机";
    out->priority = "P2";
    out->status = "in_progress";
    out->group = "桌面组";
    out->assignee = "zhangsan";
    out->lead = "lisi";
    out->due = review || maint || report ? "2026-12-03" : "2026-12-03 17:50";
    out->reason = "交换机端口故障";
    out->target = "解决";
    out->owner = "桌面组";
    out->document = "YW-SC-001";
    out->kind = "变更";
    out->requester = "wangwu";
    out->stock = "2 个";
    out->minimum = "5 个";
}

/* --- channels --- */

char *kb_notify_url_masked(const char *url)
{
    kb_buf b;
    kb_buf_init(&b, 0);
    size_t head = strcspn(url, "?#");
    kb_buf_add(&b, url, head);
    for (const char *p = url + head; *p;) {
        if (*p == '#') { /* a fragment is the receiver's business: hidden whole */
            kb_buf_adds(&b, "#****");
            break;
        }
        /* p at '?' or '&': the name up to '=', then the value masked */
        size_t name = strcspn(p + 1, "=&#");
        kb_buf_add(&b, p, 1 + name);
        p += 1 + name;
        if (*p == '=') {
            kb_buf_adds(&b, "=****");
            p += 1 + strcspn(p + 1, "&#");
        }
    }
    size_t len;
    char *out = kb_buf_detach(&b, &len);
    kb_buf_free(&b);
    return out ? out : kb_xstrdup("");
}

static const char *const kind_names[] = { "webhook", "wecom", "dingtalk", "email" };
static const char *const tls_names[] = { "none", "optional", "required" };

const char *kb_notify_kind_name(kb_notify_kind k)
{
    return (unsigned)k < 4 ? kind_names[k] : "unknown";
}

kb_status kb_notify_kind_parse(const char *s, kb_notify_kind *out, kb_err *err)
{
    for (int i = 0; s && i < 4; i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (kb_notify_kind)i;
            return KB_OK;
        }
    }
    return kb_err_set(err, KB_EINVAL, "field 'kind' must be webhook, wecom, dingtalk or email");
}

const char *kb_notify_tls_name(kb_notify_tls t)
{
    return (unsigned)t < 3 ? tls_names[t] : "unknown";
}

kb_status kb_notify_tls_parse(const char *s, kb_notify_tls *out, kb_err *err)
{
    for (int i = 0; s && i < 3; i++) {
        if (strcmp(s, tls_names[i]) == 0) {
            *out = (kb_notify_tls)i;
            return KB_OK;
        }
    }
    return kb_err_set(err, KB_EINVAL, "field 'starttls' must be required, optional or none");
}

kb_notify_channel *kb_notify_channel_new(void)
{
    kb_notify_channel *c = kb_xcalloc(1, sizeof *c);
    char **strs[] = { &c->name, &c->url, &c->secret, &c->host, &c->username, &c->password,
                      &c->from, &c->group };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        *strs[i] = kb_xstrdup("");
    c->port = 25;
    c->starttls = KB_NOTIFY_TLS_OPTIONAL;
    c->enabled = 1;
    return c;
}

void kb_notify_channel_free(kb_notify_channel *c)
{
    if (!c)
        return;
    kb_hash_wipe(c->secret, strlen(c->secret));
    kb_hash_wipe(c->password, strlen(c->password));
    char *strs[] = { c->name, c->url, c->secret, c->host, c->username, c->password, c->from,
                     c->group };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    for (size_t i = 0; i < c->nto; i++)
        free(c->to[i]);
    free(c->to);
    free(c);
}

void kb_notify_channel_list_free(kb_notify_channel **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_notify_channel_free(v[i]);
    free(v);
}

void kb_notify_set(char **slot, const char *s)
{
    free(*slot);
    *slot = kb_xstrdup(s ? s : "");
}

static int has_ctl_or_space(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 1;
    return 0;
}

static int has_ctl(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < ' ' || *p == 0x7f)
            return 1;
    return 0;
}

static kb_status check_url(const char *url, kb_err *err)
{
    size_t len = strlen(url);
    if (!len)
        return kb_err_set(err, KB_EINVAL, "field 'url' is required");
    if (len > KB_NOTIFY_URL_MAX)
        return kb_err_set(err, KB_EINVAL, "field 'url' is longer than %u bytes",
                          KB_NOTIFY_URL_MAX);
    const char *host = NULL;
    if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    if (!host)
        return kb_err_set(err, KB_EINVAL, "field 'url' must start with http:// or https://");
    if (has_ctl_or_space(url) || strchr(url, '\\'))
        return kb_err_set(err, KB_EINVAL, "field 'url' has spaces, control characters or '\\'");
    size_t hl = strcspn(host, "/?#");
    if (hl == 0 || host[0] == ':' || memchr(host, '@', hl))
        return kb_err_set(err, KB_EINVAL, "field 'url' needs a host (and no user name)");
    return KB_OK;
}

kb_status kb_notify_addr_check(const char *what, const char *addr, kb_err *err)
{
    size_t len = strlen(addr);
    const char *at = strchr(addr, '@');
    if (len == 0 || len > KB_NOTIFY_ADDR_MAX || !at || at == addr || !at[1] ||
        strchr(at + 1, '@') || has_ctl_or_space(addr) || strpbrk(addr, "<>()[],;:\"\\"))
        return kb_err_set(err, KB_EINVAL, "field '%s': '%.60s' is not an e-mail address", what,
                          addr);
    return KB_OK;
}

static kb_status check_short(const char *what, const char *s, size_t max, kb_err *err)
{
    if (strlen(s) > max)
        return kb_err_set(err, KB_EINVAL, "field '%s' is longer than %zu bytes", what, max);
    if (has_ctl(s))
        return kb_err_set(err, KB_EINVAL, "field '%s' has control characters", what);
    return KB_OK;
}

kb_status kb_notify_channel_check(const kb_notify_channel *c, kb_err *err)
{
    size_t nl = strlen(c->name);
    if (nl == 0)
        return kb_err_set(err, KB_EINVAL, "field 'name' is required");
    kb_status rc = check_short("name", c->name, KB_NOTIFY_NAME_MAX, err);
    if (rc == KB_OK && (c->name[0] == ' ' || c->name[nl - 1] == ' '))
        rc = kb_err_set(err, KB_EINVAL, "field 'name' has a leading or trailing space");
    if (rc == KB_OK && (c->events & ((1u << KB_NOTIFY_NEVENTS) - 1)) == 0)
        rc = kb_err_set(err, KB_EINVAL, "field 'events' needs at least one event");
    if (rc == KB_OK)
        rc = check_short("secret", c->secret, KB_NOTIFY_SECRET_MAX, err);
    if (rc == KB_OK)
        rc = check_short("group", c->group, KB_INC_MAX_SHORT, err);
    if (rc != KB_OK)
        return rc;
    if (c->kind != KB_NOTIFY_EMAIL) {
        if (c->host[0] || c->username[0] || c->password[0] || c->from[0] || c->nto)
            return kb_err_set(err, KB_EINVAL, "SMTP settings are for kind 'email' only");
        if (c->secret[0] && c->kind != KB_NOTIFY_DINGTALK)
            return kb_err_set(err, KB_EINVAL, "field 'secret' is for kind 'dingtalk' only");
        return check_url(c->url, err);
    }
    if (c->url[0] || c->secret[0])
        return kb_err_set(err, KB_EINVAL, "kind 'email' takes SMTP settings, not 'url' or "
                          "'secret'");
    if (!c->host[0])
        return kb_err_set(err, KB_EINVAL, "field 'host' is required for kind 'email'");
    if (strlen(c->host) > KB_NOTIFY_HOST_MAX || has_ctl_or_space(c->host) ||
        strpbrk(c->host, "/@?#\\"))
        return kb_err_set(err, KB_EINVAL, "field 'host' is not a host name or address");
    if (c->port < 1 || c->port > 65535)
        return kb_err_set(err, KB_EINVAL, "field 'port' must be a whole number from 1 to 65535");
    rc = check_short("username", c->username, KB_NOTIFY_SECRET_MAX, err);
    if (rc == KB_OK)
        rc = check_short("password", c->password, KB_NOTIFY_SECRET_MAX, err);
    if (rc == KB_OK && c->password[0] && !c->username[0])
        rc = kb_err_set(err, KB_EINVAL, "field 'password' needs a 'username'");
    if (rc == KB_OK)
        rc = kb_notify_addr_check("from", c->from, err);
    if (rc == KB_OK && (c->nto == 0 || c->nto > KB_NOTIFY_MAX_TO))
        rc = kb_err_set(err, KB_EINVAL, "field 'to' needs 1 to %u addresses", KB_NOTIFY_MAX_TO);
    for (size_t i = 0; rc == KB_OK && i < c->nto; i++)
        rc = kb_notify_addr_check("to", c->to[i], err);
    return rc;
}
