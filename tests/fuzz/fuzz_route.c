/* Fuzzes the request target: percent decoding of the path, the query-string parser, the
 * route table and, for GET and HEAD, the handler the route leads to with its query
 * arguments (search, completion, lists, reports, static files) against a database indexed
 * from tests/data. The first input byte picks the method, the rest is the raw target. */
#include <stdint.h>
#include <stdlib.h>

#include "fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static srv_app app;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                           "OPTIONS", "get" };
    if (!app.pool)
        fz_app_init(&app, fz_seeded_db("route"));
    if (size < 1 || size - 1 > SRV_MAX_TARGET)
        return 0;
    const char *m = methods[data[0] % (sizeof methods / sizeof methods[0])];
    int read_only = m[0] == 'G' || m[0] == 'H';
    fz_dispatch(&app, m, (const char *)data + 1, size - 1, "", 0, read_only, NULL);
    /* the percent decoder alone, with '+' as space as in query strings */
    size_t len;
    free(srv_pct_decode((const char *)data + 1, size - 1, 1, &len));
    if (len > size - 1)
        abort();
    return 0;
}
