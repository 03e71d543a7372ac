/* Retention periods as people write them: periods in Chinese and English, the day they
 * count from, permanent ones, days, and what is refused rather than guessed. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kb_retention.h"

typedef struct {
    const char *text;
    kb_retention_kind kind;
    kb_retention_base base;
    int years, months, days;
} good_case;

static void check_good(const good_case *c)
{
    kb_retention r;
    kb_err e;
    kb_err_clear(&e);
    kb_status rc = kb_retention_parse(c->text, strlen(c->text), &r, &e);
    if (rc != KB_OK)
        fprintf(stderr, "'%s': %s\n", c->text, e.msg);
    CHECK_INT_EQ(rc, KB_OK);
    CHECK_INT_EQ(r.kind, c->kind);
    if (c->kind == KB_RETENTION_PERIOD) {
        if (r.base != c->base || r.years != c->years || r.months != c->months ||
            r.days != c->days)
            fprintf(stderr, "'%s': base %d %dy %dm %dd\n", c->text, (int)r.base, r.years,
                    r.months, r.days);
        CHECK_INT_EQ(r.base, c->base);
        CHECK_INT_EQ(r.years, c->years);
        CHECK_INT_EQ(r.months, c->months);
        CHECK_INT_EQ(r.days, c->days);
    }
}

static void check_expiry(const char *text, const char *pub, const char *voided,
                         kb_retention_state want, const char *until)
{
    char out[KB_DATE_LEN];
    kb_retention_state st = kb_retention_expiry(text, pub, voided, out);
    if (st != want || strcmp(out, until) != 0)
        fprintf(stderr, "'%s' from %s / %s: %s %s\n", text ? text : "(null)", pub, voided,
                kb_retention_state_name(st), out);
    CHECK_INT_EQ(st, want);
    CHECK_STR_EQ(out, until);
}

int main(void)
{
    const kb_retention_kind P = KB_RETENTION_PERIOD;
    const kb_retention_base PUB = KB_RETENTION_FROM_PUBLISH, VOID = KB_RETENTION_FROM_VOID;
    const good_case good[] = {
        { "3年", P, PUB, 3, 0, 0 },
        { " 3 年 ", P, PUB, 3, 0, 0 },
        { "３年", P, PUB, 3, 0, 0 },
        { "三年", P, PUB, 3, 0, 0 },
        { "十年", P, PUB, 10, 0, 0 },
        { "十二个月", P, PUB, 1, 0, 0 },
        { "二十年", P, PUB, 20, 0, 0 },
        { "两年", P, PUB, 2, 0, 0 },
        { "5 years", P, PUB, 5, 0, 0 },
        { "5 Years", P, PUB, 5, 0, 0 },
        { "1 year", P, PUB, 1, 0, 0 },
        { "5yrs", P, PUB, 5, 0, 0 },
        { "10个月", P, PUB, 0, 10, 0 },
        { "10個月", P, PUB, 0, 10, 0 },
        { "18 months", P, PUB, 1, 6, 0 },
        { "90天", P, PUB, 0, 0, 90 },
        { "90 days", P, PUB, 0, 0, 90 },
        { "2 weeks", P, PUB, 0, 0, 14 },
        { "3周", P, PUB, 0, 0, 21 },
        { "半年", P, PUB, 0, 6, 0 },
        { "1年半", P, PUB, 1, 6, 0 },
        { "一年半", P, PUB, 1, 6, 0 },
        { "1.5 years", P, PUB, 1, 6, 0 },
        { "2.0年", P, PUB, 2, 0, 0 },
        { "3年6个月", P, PUB, 3, 6, 0 },
        { "1 year 6 months", P, PUB, 1, 6, 0 },
        { "保存3年", P, PUB, 3, 0, 0 },
        { "自发布之日起 3 年", P, PUB, 3, 0, 0 },
        { "3 years from publication", P, PUB, 3, 0, 0 },
        { "作废后保留2年", P, VOID, 2, 0, 0 },
        { "作廢後保留2年", P, VOID, 2, 0, 0 },
        { "长期（作废后保留 3 年）", P, VOID, 3, 0, 0 },
        { "長期(作廢後保留3年)", P, VOID, 3, 0, 0 },
        { "废止后五年", P, VOID, 5, 0, 0 },
        { "报废后 5 年", P, VOID, 5, 0, 0 },
        { "3 years after superseded", P, VOID, 3, 0, 0 },
        { "keep 2 years after the document is withdrawn", P, VOID, 2, 0, 0 },
        { "永久", KB_RETENTION_NEVER, PUB, 0, 0, 0 },
        { "永久保存", KB_RETENTION_NEVER, PUB, 0, 0, 0 },
        { "长期", KB_RETENTION_NEVER, PUB, 0, 0, 0 },
        { "长期保存", KB_RETENTION_NEVER, PUB, 0, 0, 0 },
        { "Permanent", KB_RETENTION_NEVER, PUB, 0, 0, 0 },
        { "forever", KB_RETENTION_NEVER, PUB, 0, 0, 0 },
        { "long-term", KB_RETENTION_NEVER, PUB, 0, 0, 0 },
        { "long term", KB_RETENTION_NEVER, PUB, 0, 0, 0 },
        { "2030-12-31", KB_RETENTION_UNTIL, PUB, 0, 0, 0 },
        { "至 2030-12-31", KB_RETENTION_UNTIL, PUB, 0, 0, 0 },
        { "", KB_RETENTION_NONE, PUB, 0, 0, 0 },
        { "  ", KB_RETENTION_NONE, PUB, 0, 0, 0 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        check_good(&good[i]);

    /* refused, not guessed */
    const char *bad[] = { "见附件", "3", "3 bananas", "2030年", "保存至2030年12月31日",
                          "3-5年", "1.25 years", "1.5个月", "2030-02-30", "按规定",
                          "3年 2030-12-31", "自发布之日起作废后 3 年", "1000 years",
                          "99999年", "123456 days", "x", "半", "2030-12-31 2031-01-01",
                          NULL };
    for (size_t i = 0; bad[i]; i++) {
        kb_retention r;
        kb_err e;
        kb_err_clear(&e);
        kb_status rc = kb_retention_parse(bad[i], strlen(bad[i]), &r, &e);
        if (rc != KB_EPARSE)
            fprintf(stderr, "'%s' was read (kind %d)\n", bad[i], (int)r.kind);
        CHECK_INT_EQ(rc, KB_EPARSE);
        CHECK(e.msg[0] != '\0');
    }
    /* not text, too long */
    kb_retention r;
    CHECK_INT_EQ(kb_retention_parse("3\0年", 4, &r, NULL), KB_EPARSE);
    CHECK_INT_EQ(kb_retention_parse("\xff年", 4, &r, NULL), KB_EPARSE);
    char longer[300];
    memset(longer, ' ', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    CHECK_INT_EQ(kb_retention_parse(longer, strlen(longer), &r, NULL), KB_EPARSE);

    /* expiry dates */
    check_expiry("3年", "2026-01-15", "", KB_RETENTION_EXPIRES, "2029-01-15");
    check_expiry("3年", "2024-02-29", "", KB_RETENTION_EXPIRES, "2027-02-28");
    check_expiry("1年", "2024-02-29", "2025-01-01", KB_RETENTION_EXPIRES, "2025-02-28");
    check_expiry("10个月", "2025-05-31", "", KB_RETENTION_EXPIRES, "2026-03-31");
    check_expiry("1个月", "2025-01-31", "", KB_RETENTION_EXPIRES, "2025-02-28");
    check_expiry("90天", "2025-12-15", "", KB_RETENTION_EXPIRES, "2026-03-15");
    check_expiry("作废后保留2年", "2020-01-01", "", KB_RETENTION_PENDING, "");
    check_expiry("作废后保留2年", "2020-01-01", "2023-06-30", KB_RETENTION_EXPIRES,
                 "2025-06-30");
    check_expiry("长期（作废后保留 3 年）", "2019-03-01", "2022-03-01", KB_RETENTION_EXPIRES,
                 "2025-03-01");
    check_expiry("永久", "2019-03-01", "2022-03-01", KB_RETENTION_PERMANENT, "");
    check_expiry("3年", "", "", KB_RETENTION_UNDATED, "");
    check_expiry("3年", NULL, NULL, KB_RETENTION_UNDATED, "");
    check_expiry("", "2020-01-01", "", KB_RETENTION_UNSET, "");
    check_expiry(NULL, "2020-01-01", "", KB_RETENTION_UNSET, "");
    check_expiry("见附件", "2020-01-01", "", KB_RETENTION_UNPARSED, "");
    check_expiry("2030-12-31", "", "", KB_RETENTION_EXPIRES, "2030-12-31");
    check_expiry("999 years", "9500-01-01", "", KB_RETENTION_EXPIRES, "9999-12-31");
    CHECK_STR_EQ(kb_retention_state_name(KB_RETENTION_UNPARSED), "unparsed");
    CHECK_STR_EQ(kb_retention_state_name(KB_RETENTION_EXPIRES), "expires");

    char out[KB_DATE_LEN];
    CHECK_INT_EQ(kb_retention_add("2026-12-31", 0, 0, 1, out), 1);
    CHECK_STR_EQ(out, "2027-01-01");
    CHECK_INT_EQ(kb_retention_add("2026-03-01", 0, 0, -1, out), 1);
    CHECK_STR_EQ(out, "2026-02-28");
    CHECK_INT_EQ(kb_retention_add("9999-12-01", 0, 1, 0, out), 0);
    CHECK_STR_EQ(out, "9999-12-31");
    return CHECK_DONE("test_retention");
}
