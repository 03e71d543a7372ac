/* The logger (kb_log.h): logfmt and JSON lines, quoting and escaping of hostile values
 * (quotes, backslashes, line breaks, control characters, invalid UTF-8), the request id of
 * the calling thread, levels and their names. stderr goes to a temporary file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb_log.h"

static char path[] = "/tmp/kedb-test-log-XXXXXX";
static long seen; /* bytes of the file already returned */

/* The lines written since the last call. */
static char *fresh(void)
{
    fflush(stderr);
    FILE *f = fopen(path, "rb");
    static char buf[8192];
    buf[0] = '\0';
    if (!f)
        return buf;
    fseek(f, seen, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    seen += (long)n;
    fclose(f);
    return buf;
}

int main(void)
{
    int fd = mkstemp(path);
    if (fd < 0 || dup2(fd, 2) < 0) {
        perror("log file");
        return 1;
    }
    close(fd);

    kb_log_set_format(KB_LOG_LOGFMT);
    kb_log(KB_LOG_INFO, "started db=%s", "/x");
    char *l = fresh();
    CHECK(strncmp(l, "time=", 5) == 0);
    CHECK(strstr(l, " level=info msg=\"started db=/x\"\n") != NULL);
    CHECK(strchr(l, '\n') == l + strlen(l) - 1); /* one line */

    const kb_log_field f[] = {
        { "route", "/api/v1/kb/:id", 0 },   { "status", "200", 1 },
        { "skipped", NULL, 0 },             { "user", "a b\"c\\d\ne\x01", 0 },
        { "bad", "\xff\xfe ok \xe4\xb8\xad", 0 }, { "empty", "", 0 },
    };
    kb_log_set_request("req-1");
    kb_log_fields(KB_LOG_WARN, "access", f, sizeof f / sizeof f[0]);
    l = fresh();
    CHECK(strstr(l, " level=warn msg=access request_id=req-1 route=/api/v1/kb/:id status=200 "
                    "user=\"a b\\\"c\\\\d\\ne\\u0001\" bad=\"\\xff\\xfe ok 中\" empty=\"\"\n") !=
          NULL);
    CHECK(strstr(l, "skipped") == NULL);

    kb_log_set_format(KB_LOG_JSON);
    kb_log_fields(KB_LOG_ERROR, "access", f, sizeof f / sizeof f[0]);
    l = fresh();
    CHECK(strncmp(l, "{\"time\":\"", 9) == 0);
    CHECK(strstr(l, "\",\"level\":\"error\",\"msg\":\"access\",\"request_id\":\"req-1\","
                    "\"route\":\"/api/v1/kb/:id\",\"status\":200,"
                    "\"user\":\"a b\\\"c\\\\d\\ne\\u0001\",\"bad\":\"\\ufffd\\ufffd ok 中\","
                    "\"empty\":\"\"}\n") != NULL);
    kb_log_set_request(NULL);
    kb_log(KB_LOG_INFO, "no request");
    l = fresh();
    CHECK(strstr(l, "request_id") == NULL);
    CHECK(strstr(l, "\"msg\":\"no request\"}") != NULL);

    /* the threshold */
    kb_log_set_level(KB_LOG_WARN);
    CHECK(!kb_log_enabled(KB_LOG_INFO));
    kb_log(KB_LOG_INFO, "dropped");
    CHECK_STR_EQ(fresh(), "");
    kb_log_set_level(KB_LOG_DEBUG);
    CHECK(kb_log_enabled(KB_LOG_DEBUG));

    kb_log_level lv;
    CHECK_INT_EQ(kb_log_level_parse("DEBUG", &lv), 0);
    CHECK_INT_EQ(lv, KB_LOG_DEBUG);
    CHECK_INT_EQ(kb_log_level_parse("warn", &lv), 0);
    CHECK_INT_EQ(lv, KB_LOG_WARN);
    CHECK_INT_EQ(kb_log_level_parse("loud", &lv), -1);
    kb_log_format fm;
    CHECK_INT_EQ(kb_log_format_parse("JSON", &fm), 0);
    CHECK_INT_EQ(fm, KB_LOG_JSON);
    CHECK_INT_EQ(kb_log_format_parse("logfmt", &fm), 0);
    CHECK_INT_EQ(fm, KB_LOG_LOGFMT);
    CHECK_INT_EQ(kb_log_format_parse("xml", &fm), -1);

    /* a request id longer than 64 bytes is cut */
    char longid[100];
    memset(longid, 'r', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    kb_log_set_request(longid);
    kb_log(KB_LOG_INFO, "x");
    l = fresh();
    char want[96];
    snprintf(want, sizeof want, "\"request_id\":\"%.64s\"}", longid);
    CHECK(strstr(l, want) != NULL);
    kb_log_set_request(NULL);

    unlink(path);
    return CHECK_DONE("test_log");
}
