/* kedb-admin: administration commands on a kedb database: audit-verify, which checks the
 * audit trail's hash chain, user management (useradd, passwd, disable, enable, list),
 * backup (for cron), restore, the import of the caller directory (callers import), the
 * demo desk's service catalogue and spare parts (request-items import, parts import), the
 * asset archive from a census file (assets import, kb_census.h), and sheet dump, which
 * shows a spreadsheet the way the imports read it.
 * New command = one row in `commands` + one function. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "kb_audit.h"
#include "kb_caller.h"
#include "kb_census.h"
#include "kb_backup.h"
#include "kb_buf.h"
#include "kb_err.h"
#include "kb_hash.h"
#include "kb_csv.h"
#include "kb_log.h"
#include "kb_part.h"
#include "kb_sheet.h"
#include "kb_request.h"
#include "kb_store.h"
#include "kb_user.h"

static const char usage_text[] =
    "usage: kedb-admin --db PATH COMMAND [ARG...]\n"
    "\n"
    "Administration commands on a kedb database.\n"
    "\n"
    "Commands:\n"
    "  useradd NAME ROLE[,ROLE...]  create a user; the password is the first line of\n"
    "                standard input (at least 12 characters, at most 256 bytes, not a\n"
    "                common password, not containing the name). Roles: agent, engineer,\n"
    "                approver, auditor, admin. Names are unique regardless of case\n"
    "  passwd NAME   set a user's password (first line of standard input, same rules);\n"
    "                ends the user's sessions\n"
    "  disable NAME  disable a user (no logins; sessions end); refused for the last\n"
    "                enabled admin\n"
    "  enable NAME   enable a disabled user\n"
    "  list          list users: name, roles, enabled or disabled\n"
    "  audit-verify  walk the audit trail from the first entry to the latest and check\n"
    "                every entry's sequence number, link to the entry before and hash;\n"
    "                prints the latest entry's number and hash (keep them elsewhere to\n"
    "                prove later that the trail was not rewritten)\n"
    "  check         check the database (PRAGMA integrity_check) and its full-text index\n"
    "                (FTS5 integrity-check), e.g. after a crash or a full disk\n"
    "  backup        make an online backup now (others may keep reading and writing) into\n"
    "                the backup directory and record it in the backup log, where\n"
    "                kedb-server's /api/v1/backups lists, verifies and prunes it\n"
    "  prune [KEEP_LAST [KEEP_DAYS]]  delete the files of old backups: keeps the newest\n"
    "                KEEP_LAST (default 7) and every one of the last KEEP_DAYS days\n"
    "                (default 14; 0: only the newest KEEP_LAST), as POST /api/v1/backups/prune\n"
    "  restore BACKUP  put a backup in place of the database: BACKUP is a file name in the\n"
    "                backup directory, or a path with a '/'. Refused while any program has\n"
    "                the database open (stop kedb-server first) and when the backup fails\n"
    "                its checks (SHA-256 from the backup log, integrity_check, audit\n"
    "                chain). Keeps the replaced file as '<db>.replaced-YYYYMMDD-HHMMSS' and\n"
    "                records a backup.restore audit entry naming what was dropped\n"
    "  callers import FILE  import the caller directory from a CSV export of AD or WeCom:\n"
    "                UTF-8 (with or without a byte order mark) or GBK, found out by itself;\n"
    "                a header row names the columns in Chinese or English (姓名/name,\n"
    "                手机/mobile, 电话/phone, 邮箱/email, 部门/department, 地点/location,\n"
    "                VIP, 备注/notes; others are ignored). A row updates the caller with\n"
    "                one of its numbers or its e-mail, else adds one; importing the same\n"
    "                file again changes nothing. Bad rows are printed with their line and\n"
    "                skipped. At most 16 MiB and 50,000 rows\n"
    "  sheet dump FILE [SHEET]  print a spreadsheet's rows as CSV, the way imports read\n"
    "                it: CSV (UTF-8 or GBK), .xlsx or .xls, told from the content; the first\n"
    "                sheet or the one named; dates as yyyy-mm-dd; the first field of each\n"
    "                row is its line (Excel's row number). Needs no --db\n"
    "  request-items import FILE, parts import FILE  add the catalogue items or spare\n"
    "                parts of samples/request-items.txt, parts.csv; existing ones stay\n"
    "  assets import FILE  assets from a census file (below)\n";
/* options and exit statuses (one string literal stays under the 4095 bytes C guarantees) */
static const char usage_options[] =
    "\n"
    "  --db PATH     database file (required but for sheet dump; never created)\n"
    "  --backup-dir DIR  where backup writes (default '<db path>.backups', as kedb-server;\n"
    "                give the server's --backup-dir when it has one)\n"
    "  -h, --help    show this help\n"
    "\n"
    "Exit status of audit-verify: 0 the audit trail is intact, 1 it is broken (the first\n"
    "bad entry is named), 2 usage error or the database cannot be read. Of check: 0 the\n"
    "database is sound, 1 a problem was found (printed), 2 usage error or unreadable. Of\n"
    "the user, backup, prune and restore commands: 0 done, 1 failed or refused (the reason is\n"
    "printed), 2 usage error. Of callers import: 0 every row imported, 1 a bad row (the rest\n"
    "are imported) or the file refused, 2 usage error. Of sheet dump: 0 every row read, 1\n"
    "the file unreadable or broken (rows before the break are printed), 2 usage error.\n"
    "User changes are recorded in the audit trail with the actor 'kedb-admin'.\n";
/* the rest of the help (one string literal stays under the 4095 bytes C guarantees) */
static const char usage_assets[] =
    "\n"
    "assets import FILE reads a census file (docs/FORMAT.md: CSV in UTF-8 or GBK, .xlsx,\n"
    ".xls) into the asset archive. Options:\n"
    "  --census NAME  the census campaign the import belongs to (started when new)\n"
    "  --map FIELD=HEADER  the column HEADER fills FIELD (tag, serial, class, brand, model,\n"
    "                user, department, location, supplier, purchase_date, warranty_end,\n"
    "                status, cpu, memory, disk, os, notes); FIELD= leaves it out. Repeatable\n"
    "  --sheet NAME  the sheet of an .xlsx or .xls (default the first)\n"
    "  --charset CS  the character set of a CSV (default UTF-8 or GBK, found out)\n"
    "  --dry-run     show what would change and change nothing\n"
    "Rows match assets by tag, else serial; importing the same file again changes nothing.\n"
    "Exit status: 0 every row imported, 1 a bad row (printed with its line; the rest are\n"
    "imported) or the file refused, 2 usage error.\n";

/* --db, and where backups go: --backup-dir, else "<db path>.backups" (kedb-server's
 * default). */
static const char *db_path;
static const char *backup_dir;
/* what prune keeps without arguments (the nightly timer's run) */
#define PRUNE_KEEP_LAST 7
#define PRUNE_KEEP_DAYS 14
/* the options of assets import */
static kb_census_options census_opt;
static const char *census_name;

static int usage_error(const char *msg, const char *arg)
{
    if (arg)
        fprintf(stderr, "kedb-admin: %s '%s'\n", msg, arg);
    else
        fprintf(stderr, "kedb-admin: %s\n", msg);
    fputs("usage: kedb-admin --db PATH COMMAND [ARG...]\n"
          "try 'kedb-admin --help' for more information\n",
          stderr);
    return 2;
}

static int audit_verify(kb_store *s, char **args)
{
    (void)args;
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
    } else {
        printf("audit trail intact: %lld entr%s; latest: %lld %s\n", c.entries,
               c.entries == 1 ? "y" : "ies", c.head_seq,
               c.head_hash[0] ? c.head_hash : "(none)");
    }
    if (c.saved)
        printf("saved head (%s%s): %lld %s\n", db_path, KB_AUDIT_HEAD_SUFFIX, c.saved_seq,
               c.saved_hash);
    else
        printf("saved head (%s%s): none\n", db_path, KB_AUDIT_HEAD_SUFFIX);
    return c.ok ? 0 : 1;
}

#define ACTOR "kedb-admin"

static int fail(const kb_err *err)
{
    fprintf(stderr, "kedb-admin: %s\n", err->msg);
    return 1;
}

/* The first line of standard input without its line end into a new string (free with
 * free() after wiping) when it passes the password policy for the user name, or NULL with
 * a message printed. */
static char *read_password(const char *name)
{
    size_t cap = KB_USER_PASSWORD_MAX + 3;
    char *line = calloc(1, cap);
    if (!line || !fgets(line, (int)cap, stdin)) {
        fputs("kedb-admin: no password on standard input (give it as the first line)\n",
              stderr);
        free(line);
        return NULL;
    }
    size_t len = strlen(line);
    int whole = len > 0 && line[len - 1] == '\n';
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    kb_err err;
    if (!whole && !feof(stdin)) {
        fprintf(stderr, "kedb-admin: a password must be at most %u bytes\n",
                KB_USER_PASSWORD_MAX);
    } else if (kb_user_password_check(name, line, len, &err) != KB_OK) {
        fail(&err);
    } else {
        return line;
    }
    kb_hash_wipe(line, cap);
    free(line);
    return NULL;
}

static void free_password(char *pw)
{
    if (pw)
        kb_hash_wipe(pw, strlen(pw));
    free(pw);
}

static int useradd(kb_store *s, char **args)
{
    kb_err err;
    unsigned roles;
    if (!kb_user_name_valid(args[0])) {
        fprintf(stderr, "kedb-admin: invalid username '%.80s' (1 to %u characters of A-Z "
                "a-z 0-9 . _ -)\n", args[0], KB_USER_NAME_MAX);
        return 1;
    }
    if (kb_user_roles_parse(args[1], &roles, &err) != KB_OK)
        return fail(&err);
    char *pw = read_password(args[0]);
    if (!pw)
        return 1;
    kb_status rc = kb_user_add(s, args[0], pw, roles, ACTOR, (long long)time(NULL), &err);
    free_password(pw);
    if (rc != KB_OK)
        return fail(&err);
    printf("user '%s' created\n", args[0]);
    return 0;
}

static int change(kb_store *s, const char *name, const kb_user_change *ch, const char *done)
{
    kb_err err;
    if (kb_user_update(s, name, ch, ACTOR, (long long)time(NULL), &err) != KB_OK)
        return fail(&err);
    printf("user '%s' %s\n", name, done);
    return 0;
}

static int passwd(kb_store *s, char **args)
{
    kb_user_info u;
    kb_err err;
    if (kb_user_get(s, args[0], &u, &err) != KB_OK)
        return fail(&err);
    char *pw = read_password(u.name);
    if (!pw)
        return 1;
    kb_user_change ch = { pw, -1, -1 };
    int code = change(s, args[0], &ch, "password changed");
    free_password(pw);
    return code;
}

static int disable(kb_store *s, char **args)
{
    kb_user_change ch = { NULL, -1, 1 };
    return change(s, args[0], &ch, "disabled");
}

static int enable(kb_store *s, char **args)
{
    kb_user_change ch = { NULL, -1, 0 };
    return change(s, args[0], &ch, "enabled");
}

static int list(kb_store *s, char **args)
{
    (void)args;
    kb_user_info *v;
    size_t n;
    kb_err err;
    if (kb_user_list(s, &v, &n, &err) != KB_OK)
        return fail(&err);
    for (size_t i = 0; i < n; i++) {
        kb_buf b;
        kb_buf_init(&b, 0);
        kb_user_roles_format(v[i].roles, &b);
        printf("%s\t%s\t%s\n", v[i].name, kb_buf_str(&b), v[i].disabled ? "disabled" : "enabled");
        kb_buf_free(&b);
    }
    free(v);
    return 0;
}


static int backup(kb_store *s, char **args)
{
    (void)args;
    kb_backup b;
    kb_err err;
    if (kb_backup_create(s, backup_dir, (long long)time(NULL), ACTOR, NULL, &b, &err) != KB_OK)
        return fail(&err);
    printf("backup %lld: %s/%s, %lld bytes, %lld items, sha256 %s\n", b.id, backup_dir, b.file,
           b.size, b.docs, b.sha256);
    return 0;
}

/* A whole number min..max from text a (NULL: def) into *out; 0, else -1 with a message. */
static int number_arg(const char *what, const char *a, long long min, long long max,
                      long long def, long long *out)
{
    *out = def;
    if (!a)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(a, &end, 10);
    if (!*a || *end || errno || v < min || v > max) {
        fprintf(stderr, "kedb-admin: %s must be a whole number from %lld to %lld, not '%s'\n",
                what, min, max, a);
        return -1;
    }
    *out = v;
    return 0;
}

static int prune(kb_store *s, char **args)
{
    long long keep_last, keep_days;
    if (number_arg("KEEP_LAST", args[0], 1, 100000, PRUNE_KEEP_LAST, &keep_last) != 0 ||
        number_arg("KEEP_DAYS", args[1], 0, KB_BACKUP_MAX_DAYS, PRUNE_KEEP_DAYS, &keep_days) != 0)
        return 2;
    kb_backup *pruned = NULL;
    size_t n = 0;
    kb_err err;
    long long now = (long long)time(NULL);
    kb_status rc = kb_backup_prune(s, backup_dir, keep_last, keep_days, ACTOR, now, &pruned, &n,
                                   &err);
    for (size_t i = 0; i < n; i++)
        printf("pruned backup %lld: %s/%s\n", pruned[i].id, backup_dir, pruned[i].file);
    free(pruned);
    if (rc != KB_OK)
        return fail(&err);
    printf("%zu backups pruned (kept the newest %lld and those of the last %lld days)\n", n,
           keep_last, keep_days);
    return 0;
}

static int restore(kb_store *s, char **args)
{
    (void)s; /* runs on the file: no connection may be open */
    kb_buf path;
    kb_buf_init(&path, 0);
    if (strchr(args[0], '/'))
        kb_buf_adds(&path, args[0]);
    else
        kb_buf_addf(&path, "%s/%s", backup_dir, args[0]);
    kb_backup_restore_info *r = calloc(1, sizeof *r);
    kb_err err;
    int code = 0;
    if (!r) {
        fputs("kedb-admin: out of memory\n", stderr);
        code = 1;
    } else if (kb_backup_restore(db_path, kb_buf_str(&path), ACTOR, (long long)time(NULL), r,
                                 &err) != KB_OK) {
        fprintf(stderr, "kedb-admin: restore refused: %s\n", err.msg);
        code = 1;
    } else {
        printf("restored %s from %s (sha256 %s)\n", db_path, kb_buf_str(&path),
               r->check.sha256);
        if (r->replaced[0])
            printf("the replaced database is kept as %s\n", r->replaced);
        printf("audit entry %lld backup.restore: %s\n", r->restored_head, r->summary);
    }
    free(r);
    kb_buf_free(&path);
    return code;
}

/* Reads the file named file (at most limit bytes) into data, which the caller frees with
 * kb_buf_free() also on failure; 0, or 1 with the reason printed. */
static int read_input(const char *file, size_t limit, kb_buf *data)
{
    kb_buf_init(data, limit);
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "kedb-admin: cannot open '%s': %s\n", file, strerror(errno));
        return 1;
    }
    char chunk[65536];
    size_t n;
    int code = 0;
    while (code == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (kb_buf_add(data, chunk, n) != KB_OK) {
            fprintf(stderr, "kedb-admin: '%s' is larger than %zu bytes\n", file, limit);
            code = 1;
        }
    if (code == 0 && ferror(f)) {
        fprintf(stderr, "kedb-admin: cannot read '%s': %s\n", file, strerror(errno));
        code = 1;
    }
    fclose(f);
    return code;
}

/* callers import FILE: the caller directory from a CSV export of AD or WeCom. */
static int callers(kb_store *s, char **args)
{
    if (strcmp(args[0], "import") != 0) {
        fprintf(stderr, "kedb-admin: unknown callers command '%s' (callers import FILE)\n",
                args[0]);
        return 2;
    }
    const char *file = args[1];
    kb_buf data;
    int code = read_input(file, KB_CALLER_IMPORT_MAX_BYTES, &data);
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    kb_caller_import_report *r = NULL;
    kb_err err;
    if (code == 0 && kb_caller_import(s, kb_buf_str(&data), data.len, NULL, ACTOR, base,
                                      (long long)time(NULL), &r, &err) != KB_OK) {
        fprintf(stderr, "kedb-admin: %s: %s\n", file, err.msg);
        code = 1;
    }
    kb_buf_free(&data);
    if (code != 0)
        return code;
    printf("read as %s; columns: %s\n", r->charset, r->columns);
    for (size_t i = 0; i < r->nproblems; i++)
        fprintf(stderr, "%s:%zu: %s\n", file, r->problems[i].line, r->problems[i].msg);
    if (r->failed > r->nproblems)
        fprintf(stderr, "%s: %zu more bad rows\n", file, r->failed - r->nproblems);
    printf("imported %zu rows: %zu added, %zu updated, %zu unchanged, %zu failed\n", r->rows,
           r->added, r->updated, r->unchanged, r->failed);
    code = r->failed ? 1 : 0;
    kb_caller_import_report_free(r);
    return code;
}

/* assets import FILE: assets from a census file, in a campaign with --census. */
static int assets(kb_store *s, char **args)
{
    if (strcmp(args[0], "import") != 0) {
        fprintf(stderr, "kedb-admin: unknown assets command '%s' (assets import FILE)\n",
                args[0]);
        return 2;
    }
    const char *file = args[1];
    kb_buf data;
    int code = read_input(file, KB_CENSUS_MAX_BYTES, &data);
    kb_err err;
    long long now = (long long)time(NULL);
    kb_census *c = NULL;
    if (code == 0 && census_name) {
        kb_status rc = kb_census_find(s, census_name, &c, &err);
        if (rc == KB_ENOTFOUND && census_opt.dry_run) {
            printf("census campaign '%s' would be started\n", census_name);
            rc = KB_OK;
        } else if (rc == KB_ENOTFOUND) {
            rc = kb_census_create(s, census_name, ACTOR, now, &c, &err);
            if (rc == KB_OK)
                printf("started census campaign %lld '%s'\n", c->id, c->name);
        }
        if (rc != KB_OK) {
            fprintf(stderr, "kedb-admin: census '%s': %s\n", census_name, err.msg);
            code = 1;
        }
    }
    kb_census_options opt = census_opt;
    opt.census = c ? c->id : 0;
    opt.file_name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    opt.actor = ACTOR;
    opt.admin = 1;
    kb_census_free(c);
    kb_census_result *r = NULL;
    if (code == 0 && kb_census_import(s, kb_buf_str(&data), data.len, &opt, now, &r, &err) !=
                         KB_OK) {
        fprintf(stderr, "kedb-admin: %s: %s\n", file, err.msg);
        code = 1;
    }
    kb_buf_free(&data);
    if (code != 0)
        return code;
    printf("read %s (%s%s%s%s), header on line %zu; columns:", r->format, r->charset,
           *r->sheet ? ", sheet '" : "", r->sheet, *r->sheet ? "'" : "", r->header_line);
    for (size_t i = 0; i < r->ncolumns; i++) {
        const char *f = kb_census_field_name(r->columns[i].field);
        printf("%s %s=%s", i ? "," : "", r->columns[i].header, f ? f : "-");
    }
    printf("\n");
    for (size_t i = 0; i < r->nchanges && opt.dry_run; i++) {
        const kb_census_change *ch = &r->changes[i];
        printf("line %zu: %s %s", ch->line, ch->created ? "create" : "update", ch->tag);
        for (size_t k = 0; k < ch->ndeltas; k++)
            printf("%s %s %s→%s", k ? ";" : ":", kb_census_field_name(ch->deltas[k].field),
                   *ch->deltas[k].from ? ch->deltas[k].from : "(none)",
                   *ch->deltas[k].to ? ch->deltas[k].to : "(none)");
        printf("\n");
    }
    for (size_t i = 0; i < r->nproblems; i++)
        fprintf(stderr, "%s:%s\n", file, r->problems[i].msg + strlen("line "));
    if (r->bad > r->nproblems)
        fprintf(stderr, "%s: %zu more bad rows\n", file, r->bad - r->nproblems);
    printf("%s %zu rows: %zu created, %zu updated, %zu unchanged, %zu bad\n",
           opt.dry_run ? "dry run, nothing changed; would import" : "imported", r->rows,
           r->created, r->updated, r->unchanged, r->bad);
    code = r->bad ? 1 : 0;
    kb_census_result_free(r);
    return code;
}

/* sheet dump FILE [SHEET]: the rows of a spreadsheet as CSV on standard output. */
static int sheet(kb_store *s, char **args)
{
    (void)s;
    if (strcmp(args[0], "dump") != 0) {
        fprintf(stderr, "kedb-admin: unknown sheet command '%s' (sheet dump FILE [SHEET])\n",
                args[0]);
        return 2;
    }
    const char *file = args[1];
    if (!file) {
        fprintf(stderr, "kedb-admin: sheet dump takes a FILE\n");
        return 2;
    }
    kb_buf data;
    int code = read_input(file, KB_SHEET_MAX_BYTES, &data);
    kb_sheet *sh = NULL;
    kb_err err;
    kb_sheet_options opt = { NULL, args[2], 0, 0 };
    if (code == 0 && kb_sheet_open(kb_buf_str(&data), data.len, &opt, &sh, &err) != KB_OK) {
        fprintf(stderr, "kedb-admin: %s: %s\n", file, err.msg);
        code = 1;
    }
    size_t rows = 0;
    kb_buf out;
    kb_buf_init(&out, 0);
    kb_sheet_row row;
    while (code == 0 && kb_sheet_next(sh, &row, &err) == KB_OK && !row.done) {
        kb_buf_reset(&out);
        char line[24];
        snprintf(line, sizeof line, "%zu", row.line);
        kb_csv_field(&out, line);
        for (size_t i = 0; i < row.n; i++) {
            kb_buf_addc(&out, ',');
            kb_csv_field(&out, row.cells[i]);
        }
        kb_buf_adds(&out, "\r\n");
        fwrite(out.data, 1, out.len, stdout);
        if (row.too_long)
            fprintf(stderr, "%s:%zu: a cell is longer than %u bytes and was cut\n", file,
                    row.line, KB_SHEET_MAX_CELL);
        rows++;
    }
    if (code == 0 && !row.done) {
        fprintf(stderr, "kedb-admin: %s: %s\n", file, err.msg);
        code = 1;
    }
    if (sh)
        fprintf(stderr, "%s: %s%s%s%s, %s: %zu rows\n", file,
                kb_sheet_format_name(kb_sheet_format_of(sh)), *kb_sheet_name(sh) ? ", sheet '" : "",
                kb_sheet_name(sh), *kb_sheet_name(sh) ? "'" : "", kb_sheet_charset(sh), rows);
    kb_buf_free(&out);
    kb_sheet_free(sh);
    kb_buf_free(&data);
    return code;
}

/* request-items import FILE: catalogue items from a catalogue file (kb_req_catalogue_parse);
 * an item whose name is in the catalogue already stays as it is. */
static int request_items(kb_store *s, char **args)
{
    if (strcmp(args[0], "import") != 0) {
        fprintf(stderr, "kedb-admin: unknown request-items command '%s' (request-items "
                "import FILE)\n", args[0]);
        return 2;
    }
    const char *file = args[1];
    kb_buf data;
    int code = read_input(file, 1024u * 1024u, &data);
    kb_req_catalogue cat;
    memset(&cat, 0, sizeof cat);
    size_t line = 0;
    kb_err err;
    if (code == 0 && kb_req_catalogue_parse(kb_buf_str(&data), data.len, &cat, &line, &err) !=
                         KB_OK) {
        fprintf(stderr, "kedb-admin: %s:%zu: %s\n", file, line, err.msg);
        code = 1;
    }
    kb_buf_free(&data);
    kb_req_item **have = NULL;
    size_t nhave = 0;
    if (code == 0 && kb_req_item_list(s, 0, &have, &nhave, &err) != KB_OK)
        code = fail(&err);
    size_t added = 0, kept = 0;
    for (size_t i = 0; code == 0 && i < cat.n; i++) {
        int exists = 0;
        for (size_t j = 0; j < nhave && !exists; j++)
            exists = strcasecmp(have[j]->name, cat.items[i].name) == 0;
        if (exists) {
            kept++;
            continue;
        }
        cat.items[i].actor = ACTOR;
        if (kb_req_item_create(s, &cat.items[i], (long long)time(NULL), NULL, &err) != KB_OK) {
            fprintf(stderr, "kedb-admin: %s: item '%s': %s\n", file, cat.items[i].name,
                    err.msg);
            code = 1;
        } else {
            added++;
        }
    }
    if (code == 0)
        printf("request items: %zu added, %zu already there\n", added, kept);
    kb_req_item_list_free(have, nhave);
    kb_req_catalogue_free(&cat);
    return code;
}

/* parts import FILE: spare parts from a CSV file (samples/parts.csv; the one CSV reader):
 * number, name, unit, models (separated by ';'), minimum, location, opening stock, after a
 * header row; '#' starts a comment line. A part whose number is there already is kept; a
 * new one gets its location (added when new) and its opening stock as a receipt. */
static int parts(kb_store *s, char **args)
{
    if (strcmp(args[0], "import") != 0) {
        fprintf(stderr, "kedb-admin: unknown parts command '%s' (parts import FILE)\n",
                args[0]);
        return 2;
    }
    const char *file = args[1];
    kb_buf data;
    int code = read_input(file, 1024u * 1024u, &data);
    kb_csv_reader *r = code == 0 ? kb_csv_reader_new(data.data, data.len, 2000) : NULL;
    kb_csv_record rec;
    size_t added = 0, kept = 0;
    long long now = (long long)time(NULL);
    while (r && kb_csv_next(r, &rec)) {
        if (rec.blank || rec.fields[0][0] == '#' || strcmp(rec.fields[0], "number") == 0)
            continue;
        kb_err err;
        if (rec.n != 7) {
            fprintf(stderr, "kedb-admin: %s:%zu: %zu fields, want 7\n", file, rec.line, rec.n);
            code = 1;
            continue;
        }
        kb_part *have = NULL;
        if (kb_part_get(s, rec.fields[0], &have, &err) == KB_OK) {
            kb_part_free(have);
            kept++;
            continue;
        }
        const char *models[KB_PART_MAX_MODELS];
        size_t nmodels = 0;
        for (char *m = strtok(rec.fields[3], ";"); m && nmodels < KB_PART_MAX_MODELS;
             m = strtok(NULL, ";"))
            models[nmodels++] = m;
        kb_part_in in = { .number = rec.fields[0], .name = rec.fields[1], .unit = rec.fields[2],
                          .models = models, .nmodels = nmodels, .set_models = 1,
                          .minimum = atoll(rec.fields[4]), .actor = ACTOR };
        kb_part_move_in mv = { .kind = KB_PART_MOVE_receive, .qty = atoll(rec.fields[6]),
                               .location = rec.fields[5], .note = "opening stock",
                               .actor = ACTOR };
        kb_status rc = kb_part_create(s, &in, now, NULL, &err);
        kb_part_location *loc = NULL;
        size_t nloc = 0;
        if (rc == KB_OK && mv.qty > 0) {
            kb_part_location **v = NULL;
            rc = kb_part_locations(s, &v, &nloc, &err);
            for (size_t i = 0; rc == KB_OK && i < nloc && !loc; i++)
                if (strcasecmp(v[i]->name, rec.fields[5]) == 0)
                    loc = v[i];
            if (rc == KB_OK && !loc)
                rc = kb_part_location_add(s, rec.fields[5], NULL, ACTOR, now, NULL, &err);
            kb_part_locations_free(v, nloc);
        }
        if (rc == KB_OK && mv.qty > 0)
            rc = kb_part_move_make(s, rec.fields[0], &mv, now, NULL, &err);
        if (rc != KB_OK) {
            fprintf(stderr, "kedb-admin: %s:%zu: %s\n", file, rec.line, err.msg);
            code = 1;
        } else {
            added++;
        }
    }
    kb_csv_reader_free(r);
    kb_buf_free(&data);
    if (code == 0)
        printf("parts: %zu added, %zu already there\n", added, kept);
    return code;
}

static int check(kb_store *s, char **args)
{
    (void)args;
    kb_err err;
    if (kb_store_check(s, &err) != KB_OK)
        return fail(&err);
    printf("ok: the database and its full-text index pass their integrity checks\n");
    return 0;
}

static const struct {
    const char *name;
    int (*run)(kb_store *s, char **args);
    int nargs;
    int writes;   /* 1 migrates the database first, 0 opens it as it is, -1 the
                     command opens nothing itself (may run without a database file), -2
                     the command needs no --db at all */
    const char *synopsis;
    int maxargs;  /* more arguments allowed (optional ones); 0: nargs exactly */
} commands[] = {
    { "audit-verify", audit_verify, 0, 0, "audit-verify", 0 },
    { "check", check, 0, 0, "check", 0 },
    { "useradd", useradd, 2, 1, "useradd NAME ROLE[,ROLE...]", 0 },
    { "passwd", passwd, 1, 1, "passwd NAME", 0 },
    { "disable", disable, 1, 1, "disable NAME", 0 },
    { "enable", enable, 1, 1, "enable NAME", 0 },
    { "list", list, 0, 1, "list", 0 },
    { "backup", backup, 0, 1, "backup", 0 },
    { "restore", restore, 1, -1, "restore BACKUP", 0 },
    { "prune", prune, 0, 1, "prune [KEEP_LAST [KEEP_DAYS]]", 2 },
    { "callers", callers, 2, 1, "callers import FILE", 0 },
    { "sheet", sheet, 2, -2, "sheet dump FILE [SHEET]", 3 },
    { "request-items", request_items, 2, 1, "request-items import FILE", 0 },
    { "parts", parts, 2, 1, "parts import FILE", 0 },
    { "assets", assets, 2, 1, "assets import FILE", 0 },
};

int main(int argc, char **argv)
{
    const char *db = NULL;
    const char *cmd = NULL;
    char *args[4] = { NULL, NULL, NULL, NULL };
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            fputs(usage_options, stdout);
            fputs(usage_assets, stdout);
            return 0;
        } else if (strcmp(a, "--db") == 0) {
            if (i + 1 >= argc)
                return usage_error("missing value after", a);
            db = argv[++i];
        } else if (strncmp(a, "--db=", 5) == 0) {
            db = a + 5;
        } else if (strcmp(a, "--backup-dir") == 0) {
            if (i + 1 >= argc)
                return usage_error("missing value after", a);
            backup_dir = argv[++i];
            if (!*backup_dir)
                return usage_error("empty --backup-dir", NULL);
        } else if (strcmp(a, "--census") == 0 || strcmp(a, "--map") == 0 ||
                   strcmp(a, "--sheet") == 0 || strcmp(a, "--charset") == 0) {
            if (i + 1 >= argc)
                return usage_error("missing value after", a);
            const char *v = argv[++i];
            if (strcmp(a, "--census") == 0) {
                census_name = v;
            } else if (strcmp(a, "--sheet") == 0) {
                census_opt.sheet = v;
            } else if (strcmp(a, "--charset") == 0) {
                census_opt.charset = v;
            } else {
                const char *eq = strchr(v, '=');
                char field[32];
                size_t n = eq ? (size_t)(eq - v) : 0;
                if (n && n < sizeof field) {
                    memcpy(field, v, n);
                    field[n] = '\0';
                }
                int f = n && n < sizeof field ? kb_census_field_of(field) : -1;
                if (f < 0)
                    return usage_error("--map takes FIELD=HEADER with a known FIELD, not", v);
                census_opt.map[f] = eq + 1;
            }
        } else if (strcmp(a, "--dry-run") == 0) {
            census_opt.dry_run = 1;
        } else if (a[0] == '-') {
            return usage_error("unknown option", a);
        } else if (cmd) {
            if (nargs >= 3)
                return usage_error("too many arguments; extra argument", a);
            args[nargs++] = argv[i];
        } else {
            cmd = a;
        }
    }
    size_t k = 0;
    while (cmd && k < sizeof commands / sizeof commands[0] && strcmp(cmd, commands[k].name) != 0)
        k++;
    int no_db = cmd && k < sizeof commands / sizeof commands[0] && commands[k].writes == -2;
    if ((!db || !*db) && !no_db)
        return usage_error("missing --db PATH", NULL);
    if (!cmd)
        return usage_error("no command given", NULL);
    if (k == sizeof commands / sizeof commands[0])
        return usage_error("unknown command", cmd);
    if (nargs < commands[k].nargs ||
        nargs > (commands[k].maxargs ? commands[k].maxargs : commands[k].nargs)) {
        fprintf(stderr, "kedb-admin: %s takes %d argument%s: %s\n", cmd, commands[k].nargs,
                commands[k].nargs == 1 ? "" : "s", commands[k].synopsis);
        return 2;
    }

    kb_buf dir;
    kb_buf_init(&dir, 0);
    if (!backup_dir && db) {
        kb_buf_addf(&dir, "%s.backups", db);
        backup_dir = kb_buf_str(&dir);
    }

    kb_log_set_level(KB_LOG_WARN);
    db_path = db;
    if (commands[k].writes < 0) {
        int code = commands[k].run(NULL, args);
        kb_buf_free(&dir);
        return code;
    }
    kb_store *s = NULL;
    kb_err err;
    struct stat sb;
    if (stat(db, &sb) != 0) {
        /* never creates a database */
        fprintf(stderr, "kedb-admin: cannot open database '%s': no such file (create it "
                "with kedb-index)\n", db);
        kb_buf_free(&dir);
        return commands[k].writes ? 1 : 2;
    }
    /* commands that only read never change the schema; the others migrate it (users need
     * version 7) */
    if (kb_store_open(db, commands[k].writes ? 0 : KB_STORE_EXISTING, &s, &err) != KB_OK) {
        fprintf(stderr, "kedb-admin: %s\n", err.msg);
        kb_buf_free(&dir);
        return commands[k].writes ? 1 : 2;
    }
    int code = commands[k].run(s, args);
    kb_store_free(s);
    kb_buf_free(&dir);
    return code;
}
