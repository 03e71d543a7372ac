#ifndef KB_SURVEY_H
#define KB_SURVEY_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Satisfaction surveys (满意度调查) beyond the per-incident rating: a campaign for a period
 * and a department with its questions (a rating 1-5 or free text), and recipients. Each
 * recipient gets a one-time link: a random 256-bit token (libsodium, kb_hash_random) shown
 * once as 64 lower-case hex digits; only its SHA-256 is stored. The token opens the survey
 * (its name, introduction and questions; nothing else) and takes one answer: a second
 * answer is KB_ECONFLICT, an expired link or a closed survey KB_EDENIED, a token that names
 * nothing KB_ENOTFOUND. Results are aggregated per question (count, average and the
 * distribution of ratings; the texts) and per recipient department.
 *
 * Audited: survey.create, survey.recipients, survey.close (object "survey:<id>", actor the
 * user) and survey.answer (actor "survey-link"; no answer text in the trail). The SQL is
 * in kb/store_survey.c. Nothing here reads the clock. */

#define KB_SURVEY_MAX_NAME 200u       /* bytes of a name, a department, a recipient's name */
#define KB_SURVEY_MAX_INTRO 2000u     /* bytes of the introduction */
#define KB_SURVEY_MAX_QUESTIONS 20u
#define KB_SURVEY_MAX_QUESTION 500u   /* bytes of a question */
#define KB_SURVEY_MAX_ANSWER 2000u    /* bytes of a free-text answer */
#define KB_SURVEY_MAX_RECIPIENTS 500u /* added at once */
#define KB_SURVEY_DEF_DAYS 30         /* a link's life */
#define KB_SURVEY_MAX_DAYS 366
#define KB_SURVEY_TOKEN_BYTES 32u
#define KB_SURVEY_TOKEN_HEX 65u       /* 64 hex digits and the NUL */
#define KB_SURVEY_MAX_TEXTS 200u      /* free-text answers returned per question, newest */
#define KB_SURVEY_MAX_LIMIT 200u      /* surveys or recipients in a page */

typedef enum { KB_SURVEY_RATING = 0, KB_SURVEY_TEXT } kb_survey_kind;
/* "rating", "text"; parse: -1 otherwise. */
const char *kb_survey_kind_name(int k);
int kb_survey_kind_of(const char *name);

typedef struct {
    kb_survey_kind kind;
    char *text;
    int required;
} kb_survey_question;

/* A survey. Strings owned, never NULL; free with kb_survey_free. */
typedef struct {
    long long id;
    char *name;
    char *department;      /* "" for every department */
    char period_from[11];  /* YYYY-MM-DD */
    char period_to[11];
    char *intro;
    kb_survey_question *questions;
    size_t nquestions;
    int closed;
    char *created_by;
    long long created_at;
    long long recipients;  /* links given out */
    long long answered;
} kb_survey;
void kb_survey_free(kb_survey *v);

/* A new survey; strings borrowed. */
typedef struct {
    const char *text;
    int kind;
    int required;
} kb_survey_question_in;
typedef struct {
    const char *name;              /* required */
    const char *department;
    const char *period_from;       /* required days, from <= to */
    const char *period_to;
    const char *intro;
    const kb_survey_question_in *questions; /* 1..KB_SURVEY_MAX_QUESTIONS */
    size_t nquestions;
    const char *actor;
} kb_survey_in;
kb_status kb_survey_create(kb_store *s, const kb_survey_in *in, long long now, kb_survey **out,
                           kb_err *err);
kb_status kb_survey_get(kb_store *s, long long id, kb_survey **out, kb_err *err);
/* Newest first; *total every survey. */
kb_status kb_survey_list(kb_store *s, size_t limit, size_t offset, kb_survey ***out, size_t *n,
                         long long *total, kb_err *err);
void kb_survey_list_free(kb_survey **v, size_t n);
/* Closes it: its links stop working. KB_ECONFLICT when closed already. */
kb_status kb_survey_close(kb_store *s, long long id, const char *actor, long long now,
                          kb_err *err);

/* Recipients: who gets a link. */
typedef struct {
    const char *name;        /* required */
    const char *department;  /* "" takes the survey's */
    const char *contact;     /* phone or e-mail, optional */
} kb_survey_recipient_in;
/* One recipient as listed (never the token). */
typedef struct {
    long long id;
    char *name;
    char *department;
    char *contact;
    long long expires_at;
    long long answered_at;  /* 0 when not yet */
    long long created_at;
} kb_survey_recipient;
void kb_survey_recipients_free(kb_survey_recipient *v, size_t n);
/* Adds n (1..KB_SURVEY_MAX_RECIPIENTS) recipients to an open survey, their links valid for
 * days (1..KB_SURVEY_MAX_DAYS) from now. tokens gets n new tokens (free() the array; each
 * entry KB_SURVEY_TOKEN_HEX bytes) in the order given, ids their recipients' ids. */
kb_status kb_survey_add_recipients(kb_store *s, long long id, const kb_survey_recipient_in *v,
                                   size_t n, long long days, const char *actor, long long now,
                                   char (**tokens)[KB_SURVEY_TOKEN_HEX], long long **ids,
                                   kb_err *err);
kb_status kb_survey_recipients(kb_store *s, long long id, size_t limit, size_t offset,
                               kb_survey_recipient **out, size_t *n, long long *total,
                               kb_err *err);

/* 1 when token looks like a token (64 lower-case hex digits). */
int kb_survey_token_valid(const char *token);
/* The survey a token opens at now (see above for the statuses); *answered says whether
 * it was used. */
kb_status kb_survey_by_token(kb_store *s, const char *token, long long now, kb_survey **out,
                             int *answered, kb_err *err);
/* One answer per question, in order: rating 1..5 for a rating question (0: none), text for
 * a text one (NULL, "" or only spaces, line breaks and ideographic spaces: none, kept as
 * ""); a required question needs one. The link is looked up and the answers checked
 * before the write transaction begins (an unknown, used or expired link takes no write
 * lock); inside it the link is checked again, so two answers at once give one KB_OK and
 * one KB_ECONFLICT. */
typedef struct {
    int rating;
    const char *text;
} kb_survey_answer_in;
kb_status kb_survey_answer(kb_store *s, const char *token, const kb_survey_answer_in *v,
                           size_t n, long long now, kb_err *err);

/* Results. */
typedef struct {
    long long answers;       /* given, all of them (a blank text is none) */
    double average;          /* rating questions; 0 when none */
    long long dist[5];       /* rating k + 1 */
    char **texts;            /* text questions: newest first, at most KB_SURVEY_MAX_TEXTS
                                (fewer than answers when there are more) */
    size_t ntexts;
} kb_survey_result;
typedef struct {
    char *department;
    long long recipients, answered;
    long long *answers;      /* per question: ratings given */
    double *average;         /* per question; 0 when none */
} kb_survey_dept;
typedef struct {
    kb_survey *survey;
    kb_survey_result *questions; /* survey->nquestions of them */
    kb_survey_dept *depts;
    size_t ndepts;
} kb_survey_results;
void kb_survey_results_free(kb_survey_results *r);
kb_status kb_survey_results_get(kb_store *s, long long id, kb_survey_results **out,
                                kb_err *err);

#endif
