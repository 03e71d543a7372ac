/* Configuration files (kb_conf.h): keys, values, comments, quotes, bad lines with their line
 * numbers, long lines, duplicate and unknown keys (with the nearest known one), repeats,
 * the size limit and a missing file. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "kb_buf.h"
#include "kb_conf.h"

static const kb_conf_key keys[] = {
    { "db", 0 },        { "port", 0 },          { "host", 0 },
    { "backup_dir", 0 }, { "trusted_proxy", 1 }, { "notify_attempts", 0 },
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* Parses text; returns the status, with the failing line in *line and the message in err. */
static kb_status parse(const char *text, kb_conf *c, size_t *line, kb_err *err)
{
    return kb_conf_parse(text, strlen(text), keys, NKEYS, c, line, err);
}

static void good_files(void)
{
    kb_conf c;
    size_t line = 99;
    kb_err err;
    const char *text = "# kedb\n"
                       "\n"
                       "  ; also a comment\n"
                       "db = /var/lib/kedb/kedb.db\r\n"
                       "PORT=8080\n"
                       "backup-dir = \"/srv/backups with space\"  \n"
                       "trusted_proxy = 10.0.0.1\n"
                       "trusted_proxy = ::1\n"
                       "host =\n"
                       "notify_attempts = 3 # not a comment";
    CHECK_INT_EQ(parse(text, &c, &line, &err), KB_OK);
    CHECK_INT_EQ(line, 0);
    CHECK_INT_EQ(c.n, 7);
    if (c.n == 7) {
        CHECK_STR_EQ(c.items[0].key, "db");
        CHECK_STR_EQ(c.items[0].value, "/var/lib/kedb/kedb.db");
        CHECK_INT_EQ(c.items[0].line, 4);
        CHECK_STR_EQ(c.items[1].key, "port");
        CHECK_STR_EQ(c.items[1].value, "8080");
        CHECK_STR_EQ(c.items[2].key, "backup_dir");
        CHECK_STR_EQ(c.items[2].value, "/srv/backups with space");
        CHECK_STR_EQ(c.items[3].value, "10.0.0.1");
        CHECK_STR_EQ(c.items[4].value, "::1");
        CHECK_INT_EQ(c.items[4].line, 8);
        CHECK_STR_EQ(c.items[5].key, "host");
        CHECK_STR_EQ(c.items[5].value, "");
        CHECK_STR_EQ(c.items[6].value, "3 # not a comment");
    }
    kb_conf_free(&c);
    CHECK_INT_EQ(c.n, 0);
    kb_conf_free(&c); /* twice is harmless */
    kb_conf_free(NULL);
    CHECK_INT_EQ(parse("", &c, &line, &err), KB_OK);
    CHECK_INT_EQ(c.n, 0);
    kb_conf_free(&c);
}

/* text fails on line want with a message holding what. */
static void bad(const char *text, size_t len, size_t want, const char *what)
{
    kb_conf c;
    size_t line = 0;
    kb_err err;
    kb_err_clear(&err);
    kb_status rc = kb_conf_parse(text, len, keys, NKEYS, &c, &line, &err);
    CHECK(rc == KB_EPARSE || rc == KB_ETOOBIG);
    CHECK_INT_EQ(line, want);
    CHECK(c.n == 0 && c.items == NULL);
    if (!strstr(err.msg, what)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, what);
        CHECK(0);
    }
    CHECK(err.msg_zh[0] != '\0');
}

static void bad_files(void)
{
#define BAD(text, line, what) bad(text, sizeof text - 1, line, what)
    BAD("db = x\nport 8080\n", 2, "expected 'key = value'");
    BAD("= 8080\n", 1, "expected 'key = value'");
    BAD("db = x\nprot = 8080\n", 2, "unknown key 'prot'; did you mean 'port'?");
    BAD("backup_dri = /x\n", 1, "did you mean 'backup_dir'?");
    BAD("notify = 3\n", 1, "did you mean 'notify_attempts'?");
    BAD("colour = blue\n", 1, "unknown key 'colour'");
    BAD("db = a\nport = 1\ndb = b\n", 3, "key 'db' is already set on line 1");
    BAD("db = a\ndb-x = b\n", 2, "unknown key 'db_x'");
    BAD("db = \"/var/lib\n", 1, "no closing");
    BAD("db = a\x01b\n", 1, "control character");
    BAD("db = a\n\ndb\0 = b\n", 3, "NUL");
    BAD("db = \xff\xfe\n", 1, "UTF-8");
    BAD("port = 1\nhost = x\nbä = 1\n", 3, "expected 'key = value'");
#undef BAD
    /* a key longer than 64 bytes */
    kb_buf b;
    kb_buf_init(&b, 0);
    for (int i = 0; i < 70; i++)
        kb_buf_addc(&b, 'k');
    kb_buf_adds(&b, " = 1\n");
    bad(b.data, b.len, 1, "longer than 64 bytes");
    /* a line longer than KB_CONF_MAX_LINE: refused, whatever it holds */
    kb_buf_reset(&b);
    kb_buf_adds(&b, "port = 1\n# ");
    for (size_t i = 0; i < KB_CONF_MAX_LINE; i++)
        kb_buf_addc(&b, 'x');
    kb_buf_adds(&b, "\nhost = y\n");
    bad(b.data, b.len, 2, "longer than 4096 bytes");
    /* exactly the limit is fine */
    kb_buf_reset(&b);
    kb_buf_adds(&b, "db = ");
    while (b.len < KB_CONF_MAX_LINE)
        kb_buf_addc(&b, 'y');
    kb_conf c;
    size_t line;
    kb_err err;
    CHECK_INT_EQ(kb_conf_parse(b.data, b.len, keys, NKEYS, &c, &line, &err), KB_OK);
    CHECK_INT_EQ(c.n, 1);
    kb_conf_free(&c);
    /* a file larger than the limit */
    kb_buf_reset(&b);
    while (b.len <= KB_CONF_MAX_BYTES)
        kb_buf_adds(&b, "# padding padding padding padding padding padding padding\n");
    CHECK_INT_EQ(kb_conf_parse(b.data, b.len, keys, NKEYS, &c, &line, &err), KB_ETOOBIG);
    kb_buf_free(&b);
}

static void nearest_and_bool(void)
{
    CHECK_STR_EQ(kb_conf_nearest("hots", keys, NKEYS), "host");
    CHECK_STR_EQ(kb_conf_nearest("trusted_proxies", keys, NKEYS), "trusted_proxy");
    CHECK(kb_conf_nearest("zzzzzzzz", keys, NKEYS) == NULL);
    CHECK(kb_conf_nearest("", keys, NKEYS) != NULL || 1);
    CHECK_INT_EQ(kb_conf_bool("Yes"), 1);
    CHECK_INT_EQ(kb_conf_bool("on"), 1);
    CHECK_INT_EQ(kb_conf_bool("1"), 1);
    CHECK_INT_EQ(kb_conf_bool("FALSE"), 0);
    CHECK_INT_EQ(kb_conf_bool("off"), 0);
    CHECK_INT_EQ(kb_conf_bool("maybe"), -1);
    CHECK_INT_EQ(kb_conf_bool(""), -1);
}

static void files(void)
{
    fixture fx;
    if (fixture_open_dir(&fx, "conf") != 0)
        return;
    char path[160];
    snprintf(path, sizeof path, "%s/kedb.conf", fx.dir);
    kb_conf c;
    kb_err err;
    CHECK_INT_EQ(kb_conf_load(path, keys, NKEYS, &c, &err), KB_ENOTFOUND);
    CHECK(strstr(err.msg, "does not exist") != NULL);
    CHECK(strstr(err.msg, path) != NULL);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("db = /x\n\nprot = 1\n", f);
        fclose(f);
    }
    CHECK_INT_EQ(kb_conf_load(path, keys, NKEYS, &c, &err), KB_EPARSE);
    /* the message names the file and the line */
    CHECK(strstr(err.msg, path) != NULL);
    CHECK(strstr(err.msg, "line 3: unknown key 'prot'; did you mean 'port'?") != NULL);
    CHECK(strstr(err.msg_zh, "第 3 行") != NULL);
    f = fopen(path, "w");
    if (f) {
        fputs("db = /x\nport = 1\n", f);
        fclose(f);
    }
    CHECK_INT_EQ(kb_conf_load(path, keys, NKEYS, &c, &err), KB_OK);
    CHECK_INT_EQ(c.n, 2);
    kb_conf_free(&c);
    /* a directory is not a file */
    CHECK(kb_conf_load(fx.dir, keys, NKEYS, &c, &err) != KB_OK);
    CHECK_INT_EQ(c.n, 0);
    fixture_close(&fx);
}

int main(void)
{
    good_files();
    bad_files();
    nearest_and_bool();
    files();
    return CHECK_DONE("test_conf");
}
