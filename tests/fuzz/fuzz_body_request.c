/* JSON bodies of the service-request routes: the catalogue (create, change) and requests
 * (create against item 1's form, assign and note, approve, reject, fulfil, cancel); see
 * body.h. */
#include "fixture.h"

static const fz_route routes[] = {
    { "POST", "/api/v1/request-items" },
    { "PATCH", "/api/v1/request-items/1" },
    { "POST", "/api/v1/requests" },
    { "PATCH", "/api/v1/requests/{req}" },
    { "POST", "/api/v1/requests/{req}/approve" },
    { "POST", "/api/v1/requests/{req}/reject" },
    { "POST", "/api/v1/requests/{req}/fulfil" },
    { "POST", "/api/v1/requests/{req}/cancel" },
};
static const size_t nroutes = sizeof routes / sizeof routes[0];

#include "body.h"
