/* kedb-admin: administration commands on a kedb database. For now one: audit-verify,
 * which checks the audit trail's hash chain. New command = one row in `commands` + one
 * function. */
#include <stdio.h>
#include <string.h>

#include "kb_audit.h"
#include "kb_err.h"
#include "kb_log.h"
#include "kb_store.h"

static const char usage_text[] =
    "usage: kedb-admin --db PATH COMMAND\n"
    "\n"
    "Administration commands on a kedb database.\n"
    "\n"
    "Commands:\n"
    "  audit-verify  walk the audit trail from the first entry to the latest and check\n"
    "                every entry's sequence number, link to the entry before and hash;\n"
    "                prints the latest entry's number and hash (keep them elsewhere to\n"
    "                prove later that the trail was not rewritten)\n"
    "\n"
    "  --db PATH     database file (required; never created)\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status: 0 the audit trail is intact, 1 it is broken (the first bad entry is\n"
    "named), 2 usage error or the database cannot be read.\n";

static int usage_error(const char *msg, const char *arg)
{
    if (arg)
        fprintf(stderr, "kedb-admin: %s '%s'\n", msg, arg);
    else
        fprintf(stderr, "kedb-admin: %s\n", msg);
    fputs("usage: kedb-admin --db PATH COMMAND\n"
          "try 'kedb-admin --help' for more information\n",
          stderr);
    return 2;
}

static int audit_verify(kb_store *s)
{
    kb_audit_check c;
    kb_err err;
    if (kb_audit_verify(s, &c, &err) != KB_OK) {
        fprintf(stderr, "kedb-admin: %s\n", err.msg);
        return 2;
    }
    if (!c.ok) {
        printf("audit trail broken at entry %lld (%s): %s\n", c.first_bad,
               kb_audit_problem_name(c.problem), c.why);
        printf("entries: %lld; recorded latest: %lld %s\n", c.entries, c.head_seq,
               c.head_hash[0] ? c.head_hash : "(none)");
        return 1;
    }
    printf("audit trail intact: %lld entr%s; latest: %lld %s\n", c.entries,
           c.entries == 1 ? "y" : "ies", c.head_seq, c.head_hash[0] ? c.head_hash : "(none)");
    return 0;
}

static const struct {
    const char *name;
    int (*run)(kb_store *s);
} commands[] = {
    { "audit-verify", audit_verify },
};

int main(int argc, char **argv)
{
    const char *db = NULL;
    const char *cmd = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "--db") == 0) {
            if (i + 1 >= argc)
                return usage_error("missing value after", a);
            db = argv[++i];
        } else if (strncmp(a, "--db=", 5) == 0) {
            db = a + 5;
        } else if (a[0] == '-') {
            return usage_error("unknown option", a);
        } else if (cmd) {
            return usage_error("one command at a time; extra argument", a);
        } else {
            cmd = a;
        }
    }
    if (!db || !*db)
        return usage_error("missing --db PATH", NULL);
    if (!cmd)
        return usage_error("no command given", NULL);
    int (*run)(kb_store *) = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            run = commands[i].run;
    if (!run)
        return usage_error("unknown command", cmd);

    kb_log_set_level(KB_LOG_WARN);
    kb_store *s = NULL;
    kb_err err;
    /* read-only: never creates the file nor changes its schema */
    if (kb_store_open(db, KB_STORE_READONLY, &s, &err) != KB_OK) {
        fprintf(stderr, "kedb-admin: %s\n", err.msg);
        return 2;
    }
    int code = run(s);
    kb_store_free(s);
    return code;
}
