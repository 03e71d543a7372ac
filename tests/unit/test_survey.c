/* Surveys: checks, one-time links (random, stored hashed, one answer, expiry, closed),
 * answers checked against the questions, results per question and department, audit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_audit.h"
#include "kb_survey.h"
#include "kb_store.h"
#include <sqlite3.h>

#define T0 1772438400LL /* 2026-03-02T08:00:00Z */
#define DAY 86400LL

static kb_survey *make(kb_store *s)
{
    kb_survey_question_in q[] = { { "服务态度", KB_SURVEY_RATING, 1 },
                                  { "响应速度", KB_SURVEY_RATING, 0 },
                                  { "其他意见", KB_SURVEY_TEXT, 0 } };
    kb_survey_in in = { .name = "2026 年 3 月满意度调查", .department = "财务部",
                        .period_from = "2026-03-01", .period_to = "2026-03-31",
                        .intro = "请花一分钟填写", .questions = q, .nquestions = 3,
                        .actor = "agent1" };
    kb_err err;
    kb_survey *v = NULL;
    CHECK_INT_EQ(kb_survey_create(s, &in, T0, &v, &err), KB_OK);
    return v;
}

static void test_checks(kb_store *s)
{
    kb_err err;
    kb_survey *v = NULL;
    kb_survey_question_in q[KB_SURVEY_MAX_QUESTIONS + 1];
    for (size_t i = 0; i <= KB_SURVEY_MAX_QUESTIONS; i++)
        q[i] = (kb_survey_question_in){ "好吗", KB_SURVEY_RATING, 0 };
    kb_survey_in in = { .name = "x", .period_from = "2026-03-01", .period_to = "2026-03-31",
                        .questions = q, .nquestions = 0 };
    CHECK_INT_EQ(kb_survey_create(s, &in, T0, &v, &err), KB_EINVAL);
    in.nquestions = KB_SURVEY_MAX_QUESTIONS + 1;
    CHECK_INT_EQ(kb_survey_create(s, &in, T0, &v, &err), KB_EINVAL);
    in.nquestions = 1;
    in.period_to = "2026-02-01";
    CHECK_INT_EQ(kb_survey_create(s, &in, T0, &v, &err), KB_EINVAL);
    in.period_to = "2026-02-30";
    CHECK_INT_EQ(kb_survey_create(s, &in, T0, &v, &err), KB_EINVAL);
    in.period_to = "2026-03-31";
    in.name = "";
    CHECK_INT_EQ(kb_survey_create(s, &in, T0, &v, &err), KB_EINVAL);
    in.name = "x";
    q[0].kind = 7;
    CHECK_INT_EQ(kb_survey_create(s, &in, T0, &v, &err), KB_EINVAL);
    q[0].kind = KB_SURVEY_TEXT;
    char big[KB_SURVEY_MAX_QUESTION + 2];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    q[0].text = big;
    CHECK_INT_EQ(kb_survey_create(s, &in, T0, &v, &err), KB_EINVAL);
    CHECK(v == NULL);
    CHECK(kb_survey_kind_of("text") == KB_SURVEY_TEXT && kb_survey_kind_of("Rating") == -1);
}

static void test_links(kb_store *s)
{
    kb_err err;
    kb_survey *v = make(s);
    CHECK(v && v->nquestions == 3 && v->questions[2].kind == KB_SURVEY_TEXT);
    if (!v)
        return;
    long long id = v->id;
    kb_survey_free(v);
    kb_survey_recipient_in r[] = { { "王芳", NULL, "13800138000" }, { "李雷", "人事部", NULL },
                                   { "韩梅", "", NULL } };
    char (*tok)[KB_SURVEY_TOKEN_HEX] = NULL;
    long long *ids = NULL;
    CHECK_INT_EQ(kb_survey_add_recipients(s, id, r, 0, 30, "agent1", T0, &tok, &ids, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_survey_add_recipients(s, id, r, 3, 0, "agent1", T0, &tok, &ids, &err),
                 KB_EINVAL);
    CHECK_INT_EQ(kb_survey_add_recipients(s, 999, r, 3, 30, "agent1", T0, &tok, &ids, &err),
                 KB_ENOTFOUND);
    CHECK_INT_EQ(kb_survey_add_recipients(s, id, r, 3, 30, "agent1", T0, &tok, &ids, &err),
                 KB_OK);
    if (!tok)
        return;
    for (int i = 0; i < 3; i++)
        CHECK(kb_survey_token_valid(tok[i]));
    CHECK(strcmp(tok[0], tok[1]) != 0);
    /* the token itself is nowhere in the database */
    kb_survey_recipient *rv = NULL;
    size_t n = 0;
    long long total = 0;
    CHECK_INT_EQ(kb_survey_recipients(s, id, 10, 0, &rv, &n, &total, &err), KB_OK);
    CHECK(n == 3 && total == 3 && rv && strcmp(rv[0].department, "财务部") == 0 &&
          strcmp(rv[1].department, "人事部") == 0 && rv[0].expires_at == T0 + 30 * DAY);
    kb_survey_recipients_free(rv, n);

    kb_survey *o = NULL;
    int answered = 1;
    CHECK_INT_EQ(kb_survey_by_token(s, tok[0], T0 + DAY, &o, &answered, &err), KB_OK);
    CHECK(o && !answered && o->nquestions == 3);
    kb_survey_free(o);
    o = NULL;
    char bad[KB_SURVEY_TOKEN_HEX];
    memcpy(bad, tok[0], sizeof bad);
    bad[0] = bad[0] == 'a' ? 'b' : 'a';
    CHECK_INT_EQ(kb_survey_by_token(s, bad, T0, &o, &answered, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_survey_by_token(s, "abc", T0, &o, &answered, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_survey_by_token(s, tok[0], T0 + 31 * DAY, &o, &answered, &err), KB_EDENIED);
    CHECK(o == NULL);

    kb_survey_answer_in a[3] = { { 5, NULL }, { 0, NULL }, { 0, "很好" } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], a, 2, T0 + DAY, &err), KB_EINVAL);
    kb_survey_answer_in none[3] = { { 0, NULL }, { 4, NULL }, { 0, NULL } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], none, 3, T0 + DAY, &err), KB_EINVAL); /* required */
    kb_survey_answer_in wrong[3] = { { 5, NULL }, { 0, "文字" }, { 0, NULL } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], wrong, 3, T0 + DAY, &err), KB_EINVAL);
    kb_survey_answer_in six[3] = { { 6, NULL }, { 0, NULL }, { 0, NULL } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], six, 3, T0 + DAY, &err), KB_EINVAL);
    char *huge = malloc(KB_SURVEY_MAX_ANSWER + 2);
    memset(huge, 'x', KB_SURVEY_MAX_ANSWER + 1);
    huge[KB_SURVEY_MAX_ANSWER + 1] = '\0';
    kb_survey_answer_in big[3] = { { 5, NULL }, { 0, NULL }, { 0, huge } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], big, 3, T0 + DAY, &err), KB_EINVAL);
    free(huge);
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], a, 3, T0 + DAY, &err), KB_OK);
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], a, 3, T0 + DAY, &err), KB_ECONFLICT);
    CHECK_INT_EQ(kb_survey_by_token(s, tok[0], T0 + DAY, &o, &answered, &err), KB_OK);
    CHECK(answered);
    kb_survey_free(o);
    kb_survey_answer_in b[3] = { { 3, NULL }, { 2, NULL }, { 0, NULL } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[1], b, 3, T0 + 2 * DAY, &err), KB_OK);
    CHECK_INT_EQ(kb_survey_answer(s, tok[2], b, 3, T0 + 40 * DAY, &err), KB_EDENIED);

    kb_survey_results *res = NULL;
    CHECK_INT_EQ(kb_survey_results_get(s, id, &res, &err), KB_OK);
    if (res) {
        CHECK_INT_EQ(res->survey->answered, 2);
        CHECK_INT_EQ(res->questions[0].answers, 2);
        CHECK(res->questions[0].average == 4.0);
        CHECK_INT_EQ(res->questions[0].dist[4], 1);
        CHECK_INT_EQ(res->questions[1].answers, 1);
        CHECK_INT_EQ((long long)res->questions[2].ntexts, 1);
        CHECK_STR_EQ(res->questions[2].texts[0], "很好");
        CHECK_INT_EQ((long long)res->ndepts, 2);
        CHECK_STR_EQ(res->depts[0].department, "人事部");
        CHECK(res->depts[0].average[0] == 3.0 && res->depts[1].average[0] == 5.0);
        CHECK(res->depts[1].recipients == 2 && res->depts[1].answered == 1);
    }
    kb_survey_results_free(res);

    CHECK_INT_EQ(kb_survey_close(s, id, "agent1", T0 + 3 * DAY, &err), KB_OK);
    CHECK_INT_EQ(kb_survey_close(s, id, "agent1", T0 + 3 * DAY, &err), KB_ECONFLICT);
    CHECK_INT_EQ(kb_survey_answer(s, tok[2], b, 3, T0 + 3 * DAY, &err), KB_EDENIED);
    free(tok);
    free(ids);
    ids = NULL;
    char (*t2)[KB_SURVEY_TOKEN_HEX] = NULL;
    CHECK_INT_EQ(kb_survey_add_recipients(s, id, r, 1, 30, "agent1", T0, &t2, &ids, &err),
                 KB_ECONFLICT);

    kb_survey **list = NULL;
    CHECK_INT_EQ(kb_survey_list(s, 10, 0, &list, &n, &total, &err), KB_OK);
    CHECK(n == 1 && total == 1 && list[0]->closed);
    kb_survey_list_free(list, n);
    kb_audit_filter f;
    memset(&f, 0, sizeof f);
    f.action = "survey.answer";
    kb_audit_page *p = NULL;
    CHECK_INT_EQ(kb_audit_list(s, &f, &p, &err), KB_OK);
    CHECK(p && p->total == 2 && strcmp(p->items[0].actor, "survey-link") == 0 &&
          strstr(p->items[0].summary, "很好") == NULL);
    kb_audit_page_free(p);
}

/* An answer that cannot be taken is refused without the write lock: another connection holds
 * it (pre-check read-only), and what can be taken still answers once. */
static void test_no_write_lock(kb_store *s, const char *path)
{
    kb_err err;
    kb_survey *v = make(s);
    long long id = v ? v->id : 0;
    kb_survey_free(v);
    kb_survey_recipient_in r[] = { { "甲", NULL, NULL }, { "乙", NULL, NULL } };
    char (*tok)[KB_SURVEY_TOKEN_HEX] = NULL;
    long long *ids = NULL;
    CHECK_INT_EQ(kb_survey_add_recipients(s, id, r, 2, 30, "agent1", T0, &tok, &ids, &err),
                 KB_OK);
    if (!tok)
        return;
    kb_survey_answer_in a[3] = { { 5, NULL }, { 0, NULL }, { 0, "好" } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[1], a, 3, T0 + DAY, &err), KB_OK);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 1000);
    CHECK(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    char unknown[KB_SURVEY_TOKEN_HEX];
    memset(unknown, '0', KB_SURVEY_TOKEN_HEX - 1);
    unknown[KB_SURVEY_TOKEN_HEX - 1] = '\0';
    CHECK_INT_EQ(kb_survey_answer(s, unknown, a, 3, T0 + DAY, &err), KB_ENOTFOUND);
    CHECK_INT_EQ(kb_survey_answer(s, tok[1], a, 3, T0 + DAY, &err), KB_ECONFLICT);
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], a, 3, T0 + 40 * DAY, &err), KB_EDENIED);
    /* a blank text is none: refused where required (here the rating is missing too) */
    kb_survey_answer_in blank[3] = { { 0, NULL }, { 0, NULL }, { 0, " \u3000\n" } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], blank, 3, T0 + DAY, &err), KB_EINVAL);
    CHECK(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    kb_survey_answer_in spaces[3] = { { 4, NULL }, { 0, NULL }, { 0, "  \n " } };
    CHECK_INT_EQ(kb_survey_answer(s, tok[0], spaces, 3, T0 + DAY, &err), KB_OK);
    kb_survey_results *res = NULL;
    CHECK_INT_EQ(kb_survey_results_get(s, id, &res, &err), KB_OK);
    if (res) {
        CHECK_INT_EQ(res->questions[2].answers, 1); /* "好"; the blank one is none */
        CHECK_INT_EQ((long long)res->questions[2].ntexts, 1);
    }
    kb_survey_results_free(res);
    free(tok);
    free(ids);
}

int main(void)
{
    fixture fx;
    if (fixture_open(&fx, "survey") != 0)
        return CHECK_DONE("test_survey");
    test_checks(fx.s);
    test_links(fx.s);
    test_no_write_lock(fx.s, fx.path);
    fixture_close(&fx);
    return CHECK_DONE("test_survey");
}
