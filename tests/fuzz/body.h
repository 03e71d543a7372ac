#ifndef KB_FUZZ_BODY_H
#define KB_FUZZ_BODY_H
/* One JSON-body fuzz target per route family: the first input byte picks one of the
 * family's routes, the rest is the request body, run through fz_dispatch() (the real
 * route table and handler on a temp database). A target file defines routes[] (paths may
 * hold {inc}, {dr} and {req}: an incident, a document request and a service request the
 * set-up creates, the last of catalogue item 1) and nroutes, then includes this header. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static srv_app app;
static char paths[32][256];

/* The string member key of the JSON answer of a set-up request that must succeed. */
static void setup_id(const char *method, const char *path, const char *body, const char *key,
                     char *out, size_t size)
{
    json_t *j = NULL;
    unsigned st = fz_dispatch(&app, method, path, strlen(path), body, strlen(body), 1, &j);
    json_t *m = json_object_get(j, key);
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(m));
    const char *v = json_is_integer(m) ? num : json_string_value(m);
    if (st >= 300 || !v || strlen(v) >= size) {
        fprintf(stderr, "fuzz set-up: %s %s answered %u\n", method, path, st);
        abort();
    }
    snprintf(out, size, "%s", v);
    json_decref(j);
}

static void setup(void)
{
    fz_app_init(&app, fz_seeded_db("body"));
    char inc[64], dr[64], item[32], req[64];
    setup_id("POST", "/api/v1/incidents",
             "{\"caller_name\":\"王芳\",\"caller_phone\":\"138-0013 8000\",\"channel\":\"phone\","
             "\"category\":\"printer\",\"priority\":\"P3\",\"summary\":\"打印机脱机\","
             "\"description\":\"所有电脑上显示脱机\"}",
             "number", inc, sizeof inc);
    setup_id("POST", "/api/v1/document-requests",
             "{\"kind\":\"borrow\",\"doc_no\":\"YW-SC-001\",\"reason\":\"audit\","
             "\"borrower\":\"li\",\"due\":\"2026-12-31\"}",
             "id", dr, sizeof dr);
    setup_id("POST", "/api/v1/request-items",
             "{\"name\":\"新账号\",\"category\":\"account\",\"sla\":\"8h\",\"approval\":true,"
             "\"fields\":[{\"key\":\"employee\",\"label\":\"员工\",\"type\":\"text\","
             "\"required\":true,\"max_length\":20},{\"key\":\"start\",\"label\":\"入职\","
             "\"type\":\"date\"},{\"key\":\"n\",\"label\":\"数量\",\"type\":\"number\"},"
             "{\"key\":\"mail\",\"label\":\"邮箱\",\"type\":\"bool\"},{\"key\":\"who\","
             "\"label\":\"主管\",\"type\":\"user\"},{\"key\":\"level\",\"label\":\"权限\","
             "\"type\":\"choice\",\"choices\":[\"只读\",\"读写\"]}]}",
             "id", item, sizeof item);
    setup_id("POST", "/api/v1/requests",
             "{\"item\":1,\"caller_name\":\"王芳\",\"fields\":{\"employee\":\"李雷\"}}",
             "number", req, sizeof req);
    if (nroutes > sizeof paths / sizeof paths[0])
        abort();
    for (size_t i = 0; i < nroutes; i++) {
        kb_buf b;
        kb_buf_init(&b, sizeof paths[i] - 1);
        for (const char *p = routes[i].path; *p; p++) {
            if (strncmp(p, "{inc}", 5) == 0) {
                kb_buf_adds(&b, inc);
                p += 4;
            } else if (strncmp(p, "{req}", 5) == 0) {
                kb_buf_adds(&b, req);
                p += 4;
            } else if (strncmp(p, "{dr}", 4) == 0) {
                kb_buf_adds(&b, dr);
                p += 3;
            } else {
                kb_buf_add(&b, p, 1);
            }
        }
        snprintf(paths[i], sizeof paths[i], "%s", kb_buf_str(&b));
        kb_buf_free(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app.pool)
        setup();
    if (size < 1)
        return 0;
    size_t i = data[0] % nroutes;
    fz_dispatch(&app, routes[i].method, paths[i], strlen(paths[i]), (const char *)data + 1,
                size - 1, 1, NULL);
    return 0;
}

#endif
