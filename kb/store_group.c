/* Support groups and routing rules in the database: schema (version 12), every group
 * statement and the matching of the rules. See include/kb_group.h. */
#include "kb_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_audit.h"
#include "kb_buf.h"
#include "kb_tokenize.h"
#include "kb_user.h"
#include "store_int.h"

/* support_group: one row per group, its name unique in any ASCII case. group_member: who is
 * in it. route_rule: the routing rules in order (keywords one per line). The incident gets
 * its group (by name, as incidents keep names), the major incident it belongs to and the
 * minutes worked on it; a timeline event the minutes of a work note. */
static const char schema_v12[] =
    "CREATE TABLE IF NOT EXISTS support_group("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  lead TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS group_member("
    "  grp INTEGER NOT NULL REFERENCES support_group(id) ON DELETE CASCADE,"
    "  username TEXT NOT NULL,"
    "  PRIMARY KEY(grp, username));"
    "CREATE INDEX IF NOT EXISTS group_member_by_user ON group_member(username);"
    "CREATE TABLE IF NOT EXISTS route_rule("
    "  id INTEGER PRIMARY KEY,"
    "  ord INTEGER NOT NULL,"
    "  category TEXT NOT NULL DEFAULT '',"
    "  ci TEXT NOT NULL DEFAULT '',"
    "  location TEXT NOT NULL DEFAULT '',"
    "  keywords TEXT NOT NULL DEFAULT '',"
    "  grp TEXT NOT NULL);";

kb_status kb_group_migrate(kb_store *s, kb_err *err)
{
    kb_status rc = kb_store_exec(s, schema_v12, err);
    static const char *const cols[][3] = {
        { "incident", "grp", "TEXT NOT NULL DEFAULT ''" },
        { "incident", "parent", "TEXT NOT NULL DEFAULT ''" },
        { "incident", "time_spent", "INTEGER NOT NULL DEFAULT 0" },
        { "incident_event", "minutes", "INTEGER NOT NULL DEFAULT 0" },
    };
    for (size_t i = 0; rc == KB_OK && i < sizeof cols / sizeof cols[0]; i++)
        rc = kb_store_add_column(s, cols[i][0], cols[i][1], cols[i][2], err);
    if (rc == KB_OK)
        rc = kb_store_exec(s,
                           "CREATE INDEX IF NOT EXISTS incident_by_group ON incident(grp);"
                           "CREATE INDEX IF NOT EXISTS incident_by_parent ON incident(parent);",
                           err);
    return rc;
}

static const char sql_group_count[] = "SELECT count(*) FROM support_group";
static const char sql_group_by_name[] =
    "SELECT id, name, lead, created_at, updated_at FROM support_group WHERE name = ?1";
static const char sql_group_all[] =
    "SELECT id, name, lead, created_at, updated_at FROM support_group ORDER BY name";
static const char sql_group_insert[] =
    "INSERT INTO support_group(name, lead, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)";
static const char sql_group_update[] =
    "UPDATE support_group SET name = ?2, lead = ?3, updated_at = ?4 WHERE id = ?1";
static const char sql_members[] =
    "SELECT m.username, coalesce(u.disabled, 1) FROM group_member m "
    "LEFT JOIN app_user u ON u.name = m.username WHERE m.grp = ?1 ORDER BY m.username";
static const char sql_member_insert[] = "INSERT OR IGNORE INTO group_member(grp, username) "
                                        "VALUES (?1, ?2)";
static const char sql_members_clear[] = "DELETE FROM group_member WHERE grp = ?1";
static const char sql_is_member[] =
    "SELECT 1 FROM group_member m JOIN support_group g ON g.id = m.grp "
    "WHERE g.name = ?1 AND m.username = ?2";
static const char sql_rename_incidents[] = "UPDATE incident SET grp = ?2 WHERE grp = ?1";
static const char sql_rename_rules[] = "UPDATE route_rule SET grp = ?2 WHERE grp = ?1";
static const char sql_rename_req_items[] = "UPDATE request_item SET grp = ?2 WHERE grp = ?1";
static const char sql_rename_requests[] = "UPDATE request SET grp = ?2 WHERE grp = ?1";
static const char sql_rename_maint_plans[] = "UPDATE maint_plan SET grp = ?2 WHERE grp = ?1";
static const char sql_rename_maint_tasks[] = "UPDATE maint_task SET grp = ?2 WHERE grp = ?1";
static const char sql_rename_doc_chains[] = "UPDATE doc_chain SET grp = ?2 WHERE grp = ?1";
static const char sql_rename_doc_steps[] =
    "UPDATE doc_request_step SET grp = ?2 WHERE grp = ?1";
static const char sql_rules[] =
    "SELECT category, ci, location, keywords, grp FROM route_rule ORDER BY ord";
static const char sql_rules_clear[] = "DELETE FROM route_rule";
static const char sql_rule_insert[] = "INSERT INTO route_rule(ord, category, ci, location, "
                                      "keywords, grp) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

void kb_group_free(kb_group *g)
{
    if (!g)
        return;
    free(g->name);
    free(g->lead);
    for (size_t i = 0; i < g->nmembers; i++)
        free(g->members[i]);
    free(g->members);
    free(g->disabled);
    free(g);
}

void kb_group_list_free(kb_group **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_group_free(v[i]);
    free(v);
}

int kb_group_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > KB_GROUP_NAME_MAX || name[0] == ' ' || name[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return 0;
    return 1;
}

kb_status kb_group_check_user(kb_store *s, const char *what, const char *user, kb_err *err)
{
    kb_user_info u;
    kb_status rc = kb_user_name_valid(user) ? kb_user_get(s, user, &u, err) : KB_ENOTFOUND;
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_EINVAL, "field '%s': no user '%.64s'", what, user);
    if (rc == KB_OK && u.disabled)
        return kb_err_set(err, KB_EINVAL, "field '%s': user '%.64s' is disabled", what, user);
    return rc;
}

static kb_status member_row(sqlite3_stmt *st, void *ctx, kb_err *err)
{
    (void)err;
    kb_group *g = ctx;
    g->members = kb_xrealloc(g->members, (g->nmembers + 1) * sizeof *g->members);
    g->disabled = kb_xrealloc(g->disabled, g->nmembers + 1);
    g->disabled[g->nmembers] = sqlite3_column_int(st, 1) != 0;
    g->members[g->nmembers++] = kb_store_text(st, 0);
    return KB_OK;
}

/* Loads the members of group row id into g. */
static kb_status load_members(kb_store *s, long long id, kb_group *g, kb_err *err)
{
    return kb_store_each_row(s, sql_members, id, member_row, g, "group members", err);
}

static kb_group *group_row(sqlite3_stmt *st, long long *id)
{
    kb_group *g = kb_xcalloc(1, sizeof *g);
    *id = sqlite3_column_int64(st, 0);
    g->name = kb_store_text(st, 1);
    g->lead = kb_store_text(st, 2);
    g->created_at = sqlite3_column_int64(st, 3);
    g->updated_at = sqlite3_column_int64(st, 4);
    return g;
}

/* The group called name with its row id; KB_ENOTFOUND when there is none. */
static kb_status find(kb_store *s, const char *name, kb_group **out, long long *id, kb_err *err)
{
    *out = NULL;
    sqlite3_stmt *st = kb_store_cached(s, sql_group_by_name, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    kb_status r = KB_OK;
    if (rc == SQLITE_ROW)
        *out = group_row(st, id);
    else if (rc == SQLITE_DONE)
        r = kb_err_set(err, KB_ENOTFOUND, "no group '%.64s'", name);
    else
        r = kb_store_db_err(s, err, "group");
    kb_store_done(st);
    if (r == KB_OK)
        r = load_members(s, *id, *out, err);
    if (r != KB_OK) {
        kb_group_free(*out);
        *out = NULL;
    }
    return r;
}

kb_status kb_group_get(kb_store *s, const char *name, kb_group **out, kb_err *err)
{
    long long id = 0;
    if (!kb_group_name_valid(name)) {
        *out = NULL;
        return kb_err_set(err, KB_ENOTFOUND, "no group '%.64s'", name ? name : "");
    }
    int own = 0;
    kb_status rc = kb_store_read_begin(s, &own, err);
    if (rc == KB_OK)
        rc = find(s, name, out, &id, err);
    kb_store_read_end(s, own);
    return rc;
}

kb_status kb_group_list(kb_store *s, kb_group ***out, size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    int own = 0;
    kb_status r = kb_store_read_begin(s, &own, err);
    if (r != KB_OK)
        return r;
    sqlite3_stmt *st = kb_store_cached(s, sql_group_all, err);
    if (!st) {
        kb_store_read_end(s, own);
        return KB_EDB;
    }
    kb_group **v = NULL;
    long long *ids = NULL;
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        v = kb_xrealloc(v, (k + 1) * sizeof *v);
        ids = kb_xrealloc(ids, (k + 1) * sizeof *ids);
        v[k] = group_row(st, &ids[k]);
        k++;
    }
    r = kb_store_step_err(s, rc, err, "groups");
    kb_store_done(st);
    for (size_t i = 0; r == KB_OK && i < k; i++)
        r = load_members(s, ids[i], v[i], err);
    kb_store_read_end(s, own);
    free(ids);
    if (r != KB_OK) {
        kb_group_list_free(v, k);
        return r;
    }
    *out = v;
    *n = k;
    return KB_OK;
}

kb_status kb_group_is_member(kb_store *s, const char *group, const char *user, int *out,
                             kb_err *err)
{
    *out = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_is_member, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_text(st, 1, group, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW;
    kb_status r = kb_store_step_err(s, rc, err, "group member");
    kb_store_done(st);
    return r;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int in_list(char *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return 1;
    return 0;
}

/* Checks the member list (with the lead), sorted and without duplicates, into *out. Only
 * users the change adds must be enabled: old (NULL for a new group) may hold users
 * disabled since, who stay until an admin takes them out. */
static kb_status check_members(kb_store *s, const char *const *members, size_t n,
                               const char *lead, const kb_group *old, char ***out,
                               size_t *nout, kb_err *err)
{
    *out = NULL;
    *nout = 0;
    if (n > KB_GROUP_MAX_MEMBERS)
        return kb_err_set(err, KB_EINVAL, "field 'members' holds more than %u users",
                          KB_GROUP_MAX_MEMBERS);
    char **v = kb_xcalloc(n + 1, sizeof *v);
    size_t k = 0;
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        if (!old || !in_list(old->members, old->nmembers, members[i]))
            rc = kb_group_check_user(s, "members", members[i], err);
        if (rc == KB_OK)
            v[k++] = kb_xstrdup(members[i]);
    }
    if (rc == KB_OK && lead && *lead) {
        if (!old || strcmp(old->lead, lead) != 0)
            rc = kb_group_check_user(s, "lead", lead, err);
        if (rc == KB_OK)
            v[k++] = kb_xstrdup(lead);
    }
    if (rc != KB_OK) {
        for (size_t i = 0; i < k; i++)
            free(v[i]);
        free(v);
        return rc;
    }
    qsort(v, k, sizeof *v, by_str);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u && strcmp(v[u - 1], v[i]) == 0)
            free(v[i]);
        else
            v[u++] = v[i];
    }
    if (u > KB_GROUP_MAX_MEMBERS) { /* the lead made one more */
        free_strs(v, u);
        return kb_err_set(err, KB_EINVAL, "a group has at most %u members, the lead included",
                          KB_GROUP_MAX_MEMBERS);
    }
    *out = v;
    *nout = u;
    return KB_OK;
}

static kb_status write_members(kb_store *s, long long id, char **v, size_t n, kb_err *err)
{
    sqlite3_stmt *st = kb_store_cached(s, sql_members_clear, err);
    if (!st)
        return KB_EDB;
    sqlite3_bind_int64(st, 1, id);
    kb_status r = kb_store_step_err(s, sqlite3_step(st), err, "group members");
    kb_store_done(st);
    for (size_t i = 0; r == KB_OK && i < n; i++) {
        st = kb_store_cached(s, sql_member_insert, err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, v[i], -1, SQLITE_TRANSIENT);
        r = kb_store_step_err(s, sqlite3_step(st), err, "group member");
        kb_store_done(st);
    }
    return r;
}

static void join_members(kb_buf *b, char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_buf_addf(b, "%s%s", i ? "," : "", v[i]);
}

kb_status kb_group_create(kb_store *s, const char *name, const char *const *members,
                          size_t nmembers, const char *lead, const char *actor, long long now,
                          kb_group **out, kb_err *err)
{
    if (out)
        *out = NULL;
    if (!kb_group_name_valid(name))
        return kb_err_set(err, KB_EINVAL, "field 'name': a group name is 1 to %u bytes, "
                          "without control characters or spaces at either end",
                          KB_GROUP_NAME_MAX);
    int own = 0;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    char **v = NULL;
    size_t n = 0;
    long long count = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_group_count, err);
    if (!st)
        rc = KB_EDB;
    if (rc == KB_OK) {
        int r = sqlite3_step(st);
        count = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        rc = kb_store_step_err(s, r, err, "groups");
        kb_store_done(st);
    }
    if (rc == KB_OK && count >= (long long)KB_GROUP_MAX)
        rc = kb_err_set(err, KB_ECONFLICT, "there are already %u groups", KB_GROUP_MAX);
    kb_group *old = NULL;
    long long id = 0;
    if (rc == KB_OK) {
        rc = find(s, name, &old, &id, err);
        if (rc == KB_OK)
            rc = kb_err_set(err, KB_EEXIST, "group '%.64s' exists", old->name);
        else if (rc == KB_ENOTFOUND)
            rc = KB_OK;
        kb_group_free(old);
    }
    if (rc == KB_OK)
        rc = check_members(s, members, nmembers, lead, NULL, &v, &n, err);
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_group_insert, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, lead ? lead : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, now);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "group insert");
        kb_store_done(st);
        id = sqlite3_last_insert_rowid(kb_store_db(s));
    }
    if (rc == KB_OK)
        rc = write_members(s, id, v, n, err);
    if (rc == KB_OK) {
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_buf_addf(&b, "lead %s; members ", lead && *lead ? lead : "(none)");
        join_members(&b, v, n);
        char object[KB_GROUP_NAME_MAX + 8];
        snprintf(object, sizeof object, "group:%s", name);
        rc = kb_audit_append(s, now, actor, "group.create", object, kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    free_strs(v, n);
    long long id2 = 0;
    if (rc == KB_OK && out)
        rc = find(s, name, out, &id2, err);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc != KB_OK && out) {
        kb_group_free(*out);
        *out = NULL;
    }
    return rc;
}

static kb_status rename_refs(kb_store *s, const char *from, const char *to, kb_err *err)
{
    const char *const sqls[] = { sql_rename_incidents, sql_rename_rules, sql_rename_req_items,
                                 sql_rename_requests, sql_rename_maint_plans,
                                 sql_rename_maint_tasks, sql_rename_doc_chains,
                                 sql_rename_doc_steps };
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof sqls / sizeof sqls[0]; i++) {
        sqlite3_stmt *st = kb_store_cached(s, sqls[i], err);
        if (!st)
            return KB_EDB;
        sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "group rename");
        kb_store_done(st);
    }
    return rc;
}

kb_status kb_group_update(kb_store *s, const char *name, const kb_group_change *ch,
                          const char *actor, long long now, kb_group **out, kb_err *err)
{
    if (out)
        *out = NULL;
    if (!ch->name && !ch->set_members && !ch->lead)
        return kb_err_set(err, KB_EINVAL, "nothing to change: give name, members or lead");
    if (ch->name && !kb_group_name_valid(ch->name))
        return kb_err_set(err, KB_EINVAL, "field 'name': a group name is 1 to %u bytes, "
                          "without control characters or spaces at either end",
                          KB_GROUP_NAME_MAX);
    if (!kb_group_name_valid(name))
        return kb_err_set(err, KB_ENOTFOUND, "no group '%.64s'", name ? name : "");
    int own = 0;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    kb_group *g = NULL, *other = NULL;
    long long id = 0, oid = 0;
    char **v = NULL;
    size_t n = 0;
    rc = find(s, name, &g, &id, err);
    const char *new_name = rc != KB_OK ? name : ch->name ? ch->name : g->name;
    if (rc == KB_OK && ch->name && strcmp(ch->name, g->name) != 0) {
        kb_status f = find(s, ch->name, &other, &oid, err);
        if (f == KB_OK && oid != id)
            rc = kb_err_set(err, KB_EEXIST, "group '%.64s' exists", other->name);
        else if (f != KB_OK && f != KB_ENOTFOUND)
            rc = f;
        kb_group_free(other);
    }
    const char *lead = rc == KB_OK ? (ch->lead ? ch->lead : g->lead) : "";
    if (rc == KB_OK) {
        if (ch->set_members)
            rc = check_members(s, ch->members, ch->nmembers, lead, g, &v, &n, err);
        else /* the members stay; a new lead joins them */
            rc = check_members(s, (const char *const *)g->members, g->nmembers, lead, g, &v,
                               &n, err);
    }
    sqlite3_stmt *st = NULL;
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_group_update, err);
        if (!st)
            rc = KB_EDB;
    }
    if (rc == KB_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, new_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, lead, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, now);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "group update");
        kb_store_done(st);
    }
    if (rc == KB_OK)
        rc = write_members(s, id, v, n, err);
    if (rc == KB_OK && strcmp(new_name, g->name) != 0)
        rc = rename_refs(s, g->name, new_name, err);
    if (rc == KB_OK) {
        kb_buf b;
        kb_buf_init(&b, 0);
        if (strcmp(new_name, g->name) != 0)
            kb_buf_addf(&b, "name %s→%s", g->name, new_name);
        if (strcmp(lead, g->lead) != 0)
            kb_buf_addf(&b, "%slead %s→%s", b.len ? "; " : "", *g->lead ? g->lead : "(none)",
                        *lead ? lead : "(none)");
        kb_buf_addf(&b, "%smembers ", b.len ? "; " : "");
        join_members(&b, v, n);
        char object[KB_GROUP_NAME_MAX + 8];
        snprintf(object, sizeof object, "group:%s", g->name);
        rc = kb_audit_append(s, now, actor, "group.update", object, kb_buf_str(&b), err);
        kb_buf_free(&b);
    }
    if (rc == KB_OK && out)
        rc = find(s, new_name, out, &oid, err);
    free_strs(v, n);
    kb_group_free(g);
    rc = kb_store_write_end(s, own, rc, err);
    if (rc != KB_OK && out) {
        kb_group_free(*out);
        *out = NULL;
    }
    return rc;
}

/* --- routing rules --- */

void kb_group_rules_free(kb_group_rule *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].category);
        free(v[i].ci);
        free(v[i].location);
        free_strs(v[i].keywords, v[i].nkeywords);
        free(v[i].group);
    }
    free(v);
}

static int field_ok(const char *v)
{
    if (!v)
        return 1;
    size_t n = strlen(v);
    if (n > KB_GROUP_RULE_FIELD_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return 0;
    return 1;
}

/* Checks rule i; *group gets the name of its group as stored (a new string). */
static kb_status check_rule(kb_store *s, const kb_group_rule *r, size_t i, char **group,
                            kb_err *err)
{
    *group = NULL;
    if (!r->group || !*r->group)
        return kb_err_set(err, KB_EINVAL, "rules[%zu]: field 'group' is required", i);
    if (!field_ok(r->category) || !field_ok(r->ci) || !field_ok(r->location))
        return kb_err_set(err, KB_EINVAL, "rules[%zu]: a condition is over %u bytes or holds "
                          "control characters", i, KB_GROUP_RULE_FIELD_MAX);
    if (r->nkeywords > KB_GROUP_RULE_MAX_KEYWORDS)
        return kb_err_set(err, KB_EINVAL, "rules[%zu]: more than %u keywords", i,
                          KB_GROUP_RULE_MAX_KEYWORDS);
    for (size_t k = 0; k < r->nkeywords; k++)
        if (!r->keywords[k] || !*r->keywords[k] || !field_ok(r->keywords[k]))
            return kb_err_set(err, KB_EINVAL, "rules[%zu]: keywords[%zu] is empty, over %u "
                              "bytes or holds control characters", i, k, KB_GROUP_RULE_FIELD_MAX);
    if ((!r->category || !*r->category) && (!r->ci || !*r->ci) &&
        (!r->location || !*r->location) && r->nkeywords == 0)
        return kb_err_set(err, KB_EINVAL, "rules[%zu]: give at least one of category, ci, "
                          "location, keywords", i);
    kb_group *g = NULL;
    long long id = 0;
    kb_status rc = kb_group_name_valid(r->group) ? find(s, r->group, &g, &id, err)
                                                 : KB_ENOTFOUND;
    if (rc == KB_OK)
        *group = kb_xstrdup(g->name);
    kb_group_free(g);
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_EINVAL, "rules[%zu]: no group '%.64s'", i, r->group);
    return rc;
}

kb_status kb_group_rules_set(kb_store *s, const kb_group_rule *v, size_t n, const char *actor,
                             long long now, kb_err *err)
{
    if (n > KB_GROUP_RULE_MAX_RULES)
        return kb_err_set(err, KB_EINVAL, "more than %u rules", KB_GROUP_RULE_MAX_RULES);
    size_t words = 0;
    for (size_t i = 0; i < n; i++)
        words += v[i].nkeywords;
    if (words > KB_GROUP_RULE_MAX_KEYWORDS_ALL)
        return kb_err_set(err, KB_EINVAL, "more than %u keywords in all the rules",
                          KB_GROUP_RULE_MAX_KEYWORDS_ALL);
    int own = 0;
    kb_status rc = kb_store_write_begin(s, &own, err);
    if (rc != KB_OK)
        return rc;
    char **groups = kb_xcalloc(n ? n : 1, sizeof *groups);
    for (size_t i = 0; rc == KB_OK && i < n; i++)
        rc = check_rule(s, &v[i], i, &groups[i], err);
    sqlite3_stmt *st = NULL;
    if (rc == KB_OK) {
        st = kb_store_cached(s, sql_rules_clear, err);
        rc = st ? kb_store_step_err(s, sqlite3_step(st), err, "rules") : KB_EDB;
        kb_store_done(st);
    }
    /* the audit entry lists the rules (bounded), as they decide who works what */
    kb_buf kw, sum;
    kb_buf_init(&kw, 0);
    kb_buf_init(&sum, 0);
    kb_buf_addf(&sum, "%zu rules", n);
    for (size_t i = 0; rc == KB_OK && i < n; i++) {
        kb_buf_reset(&kw);
        for (size_t k = 0; k < v[i].nkeywords; k++)
            kb_buf_addf(&kw, "%s%s", k ? "\n" : "", v[i].keywords[k]);
        st = kb_store_cached(s, sql_rule_insert, err);
        if (!st) {
            rc = KB_EDB;
            break;
        }
        sqlite3_bind_int64(st, 1, (long long)i);
        const char *vals[] = { v[i].category, v[i].ci, v[i].location, kb_buf_str(&kw),
                               groups[i] };
        for (int k = 0; k < 5; k++)
            sqlite3_bind_text(st, 2 + k, vals[k] ? vals[k] : "", -1, SQLITE_TRANSIENT);
        rc = kb_store_step_err(s, sqlite3_step(st), err, "rule");
        kb_store_done(st);
        if (sum.len < 2000) {
            kb_buf_addf(&sum, "%s", i ? "; " : ": ");
            const char *conds[] = { v[i].category, v[i].ci, v[i].location };
            for (int k = 0; k < 3; k++)
                if (conds[k] && *conds[k])
                    kb_buf_addf(&sum, "%.60s ", conds[k]);
            for (size_t k = 0; k < v[i].nkeywords && k < 5; k++)
                kb_buf_addf(&sum, "%s%.40s", k ? "," : "", v[i].keywords[k]);
            kb_buf_addf(&sum, "→%s", groups[i]);
        }
    }
    if (rc == KB_OK)
        rc = kb_audit_append(s, now, actor, "routing.update", "routing", kb_buf_str(&sum), err);
    kb_buf_free(&kw);
    kb_buf_free(&sum);
    free_strs(groups, n);
    return kb_store_write_end(s, own, rc, err);
}

/* Splits text at newlines into a new list. */
static void split_lines(const char *text, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len) {
            *out = kb_xrealloc(*out, (*n + 1) * sizeof **out);
            (*out)[(*n)++] = kb_xstrndup(p, len);
        }
        p = nl ? nl + 1 : NULL;
    }
}

kb_status kb_group_rules_list(kb_store *s, kb_group_rule **out, size_t *n, kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = kb_store_cached(s, sql_rules, err);
    if (!st)
        return KB_EDB;
    kb_group_rule *v = NULL;
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        v = kb_xrealloc(v, (k + 1) * sizeof *v);
        kb_group_rule *r = &v[k++];
        memset(r, 0, sizeof *r);
        r->category = kb_store_text(st, 0);
        r->ci = kb_store_text(st, 1);
        r->location = kb_store_text(st, 2);
        char *kw = kb_store_text(st, 3);
        split_lines(kw, &r->keywords, &r->nkeywords);
        free(kw);
        r->group = kb_store_text(st, 4);
    }
    kb_status r = kb_store_step_err(s, rc, err, "rules");
    kb_store_done(st);
    if (r != KB_OK) {
        kb_group_rules_free(v, k);
        return r;
    }
    *out = v;
    *n = k;
    return KB_OK;
}

/* text normalised as search does (Traditional to Simplified, full to half width, ASCII
 * letters in lower case) into out. */
static void normalised(kb_tokenizer *t, const char *text, kb_buf *out)
{
    kb_buf_reset(out);
    if (text && *text)
        kb_tokenize_normalize(t, text, strlen(text), out);
    kb_buf_addc(out, '\0');
    for (size_t i = 0; i < out->len; i++)
        if (out->data[i] >= 'A' && out->data[i] <= 'Z')
            out->data[i] = (char)(out->data[i] - 'A' + 'a');
}

kb_status kb_group_route(kb_store *s, const kb_group_route_input *in, char **group,
                         kb_err *err)
{
    *group = NULL;
    kb_group_rule *v = NULL;
    size_t n = 0;
    kb_status rc = kb_group_rules_list(s, &v, &n, err);
    if (rc != KB_OK)
        return rc;
    kb_tokenizer *t = kb_store_tokenizer(s);
    /* every text once, then plain substring tests (glibc's strstr is linear) */
    kb_buf ci, loc, sum, desc, a;
    kb_buf *bufs[] = { &ci, &loc, &sum, &desc, &a };
    for (int i = 0; i < 5; i++)
        kb_buf_init(bufs[i], 0);
    normalised(t, in->ci, &ci);
    normalised(t, in->location, &loc);
    normalised(t, in->summary, &sum);
    normalised(t, in->description, &desc);
    for (size_t i = 0; i < n && !*group; i++) {
        const kb_group_rule *r = &v[i];
        if (*r->category && (!in->category || strcmp(in->category, r->category) != 0))
            continue;
        if (*r->ci) {
            normalised(t, r->ci, &a);
            if (!strstr(ci.data, a.data))
                continue;
        }
        if (*r->location) {
            normalised(t, r->location, &a);
            if (!strstr(loc.data, a.data))
                continue;
        }
        int hit = r->nkeywords == 0;
        for (size_t k = 0; k < r->nkeywords && !hit; k++) {
            normalised(t, r->keywords[k], &a);
            hit = a.data[0] && (strstr(sum.data, a.data) || strstr(desc.data, a.data));
        }
        if (hit)
            *group = kb_xstrdup(r->group);
    }
    for (int i = 0; i < 5; i++)
        kb_buf_free(bufs[i]);
    kb_group_rules_free(v, n);
    if (!*group)
        *group = kb_xstrdup("");
    return KB_OK;
}
