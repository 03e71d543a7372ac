#ifndef KB_STORE_INT_H
#define KB_STORE_INT_H
/* Internal to the store files (kb/store*.c): the only other files that may use SQLite.
 * Each area's store file (store_incident.c, ...) keeps its SQL and schema; kb/store.c
 * owns the connection, transactions and the migration order. */
#include <sqlite3.h>

#include "kb_err.h"
#include "kb_store.h"

/* The connection (borrowed). */
sqlite3 *kb_store_db(kb_store *s);
/* Runs SQL without results; KB_EDB with SQLite's message on failure. */
kb_status kb_store_exec(kb_store *s, const char *sql, kb_err *err);
/* A prepared statement for sql, cached for the life of the store and keyed by the address
 * of sql (pass string literals or static arrays). Returns NULL and fills err on failure.
 * Reset it with kb_store_done() after use. */
sqlite3_stmt *kb_store_cached(kb_store *s, const char *sql, kb_err *err);
void kb_store_done(sqlite3_stmt *st);
/* Fills err with what failed and SQLite's message; returns KB_EDB. */
kb_status kb_store_db_err(kb_store *s, kb_err *err, const char *what);
/* Starts a write transaction unless one is open (*own says which); ends it, committing
 * on KB_OK and rolling back otherwise, when it was ours. */
kb_status kb_store_write_begin(kb_store *s, int *own, kb_err *err);
kb_status kb_store_write_end(kb_store *s, int own, kb_status rc, kb_err *err);

/* Schema steps of the area store files, called by migrate() inside its transaction.
 * Version 3: the incident tables (kb/store_incident.c). Version 4: knowledge usage and
 * search gaps (kb/store_usage.c). */
kb_status kb_store_incident_migrate(kb_store *s, kb_err *err);
kb_status kb_usage_migrate(kb_store *s, kb_err *err);
/* Version 5: the audit trail (kb/store_audit.c). Version 6: the backup log
 * (kb/store_backup.c). */
kb_status kb_audit_migrate(kb_store *s, kb_err *err);
kb_status kb_backup_migrate(kb_store *s, kb_err *err);
/* Version 7: users, sessions and failed-login counts (kb/store_user.c). */
kb_status kb_user_migrate(kb_store *s, kb_err *err);

#endif
