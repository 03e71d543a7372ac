#ifndef KB_GROUP_H
#define KB_GROUP_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_store.h"

/* Support groups (桌面组, 网络组, 应用组 ...): the teams incidents are assigned to, with
 * their members and a lead, and the routing rules that pick a group for a new incident.
 * Every change runs in one write transaction with its audit entry (group.create,
 * group.update, routing.update). Nothing here reads the clock: changes take `now`. */

#define KB_GROUP_NAME_MAX 64u     /* bytes */
#define KB_GROUP_MAX_MEMBERS 200u
#define KB_GROUP_MAX 500u         /* groups in a store */
#define KB_GROUP_RULE_MAX_RULES 200u
#define KB_GROUP_RULE_MAX_KEYWORDS 20u /* per rule */
#define KB_GROUP_RULE_MAX_KEYWORDS_ALL 1000u
#define KB_GROUP_RULE_FIELD_MAX 200u   /* bytes of a condition or a keyword */

/* A group. Strings are owned and never NULL; members sorted by name, the lead among them. */
typedef struct {
    char *name;
    char *lead;           /* "" when none */
    char **members;
    size_t nmembers;
    unsigned char *disabled; /* disabled[i]: members[i]'s account is disabled now (may not
                                be given work; stays a member until an admin takes it out) */
    long long created_at;
    long long updated_at;
} kb_group;

/* Free a group, a list of them (each may be NULL). */
void kb_group_free(kb_group *g);
void kb_group_list_free(kb_group **v, size_t n);

/* True when name is a valid group name: 1..KB_GROUP_NAME_MAX bytes, no control characters,
 * no leading or trailing space. */
int kb_group_name_valid(const char *name);

/* Creates a group. Every member (and the lead, who is added to the members when missing)
 * must be an existing, enabled user: KB_EINVAL naming the first that is not. KB_EEXIST
 * when the name is taken (ASCII letters in any case), KB_ECONFLICT past KB_GROUP_MAX. */
kb_status kb_group_create(kb_store *s, const char *name, const char *const *members,
                          size_t nmembers, const char *lead, const char *actor, long long now,
                          kb_group **out, kb_err *err);

/* A change: NULL fields stay as they are; set_members replaces the members. */
typedef struct {
    const char *name;
    int set_members;
    const char *const *members;
    size_t nmembers;
    const char *lead;     /* "" removes the lead */
} kb_group_change;

/* Applies ch to group `name` (KB_ENOTFOUND when there is none). A new name is also given
 * to the incidents of the group, the routing rules and the document approval chains (and
 * the steps of document requests) that name it. An empty change is
 * KB_EINVAL. */
kb_status kb_group_update(kb_store *s, const char *name, const kb_group_change *ch,
                          const char *actor, long long now, kb_group **out, kb_err *err);

/* The group called name (ASCII letters in any case): *out (kb_group_free), or KB_ENOTFOUND
 * with *out NULL. */
kb_status kb_group_get(kb_store *s, const char *name, kb_group **out, kb_err *err);
/* Every group, by name: *out holds *n groups (kb_group_list_free). */
kb_status kb_group_list(kb_store *s, kb_group ***out, size_t *n, kb_err *err);
/* *out = 1 when user is a member of group, else 0 (also when there is no such group). */
kb_status kb_group_is_member(kb_store *s, const char *group, const char *user, int *out,
                             kb_err *err);
/* KB_EINVAL unless user is an existing, enabled user ("field 'what': ..."). */
kb_status kb_group_check_user(kb_store *s, const char *what, const char *user, kb_err *err);

/* --- routing rules --- */

/* A rule: each non-empty condition must hold; at least one is given. category is equal;
 * ci and location are contained in the incident's; a keyword is contained in the summary
 * or the description. Texts are compared after the search's normalisation (Traditional
 * finds Simplified, full width half width, letters in any case). Strings are owned by
 * lists (kb_group_rules_free), borrowed on input. At most KB_GROUP_RULE_MAX_KEYWORDS per
 * rule and KB_GROUP_RULE_MAX_KEYWORDS_ALL in all. */
typedef struct {
    char *category;
    char *ci;
    char *location;
    char **keywords;
    size_t nkeywords;
    char *group;
} kb_group_rule;

void kb_group_rules_free(kb_group_rule *v, size_t n);

/* Replaces the rules with v[0..n) in order (the first that matches wins). Every group must
 * exist (KB_EINVAL naming the rule); bounds as above. */
kb_status kb_group_rules_set(kb_store *s, const kb_group_rule *v, size_t n, const char *actor,
                       long long now, kb_err *err);
/* The rules in order: *out holds *n (kb_group_rules_free). */
kb_status kb_group_rules_list(kb_store *s, kb_group_rule **out, size_t *n, kb_err *err);

/* What a rule looks at. Borrowed. */
typedef struct {
    const char *category;
    const char *ci;
    const char *location;
    const char *summary;
    const char *description;
} kb_group_route_input;

/* The group of the first rule that matches: *group, a new string ("" when none). */
kb_status kb_group_route(kb_store *s, const kb_group_route_input *in, char **group,
                         kb_err *err);

#endif
