/* JSON bodies of the incident routes and suggestions (see body.h). */
#include "fixture.h"

static const fz_route routes[] = {
    { "POST", "/api/v1/incidents" },
    { "PATCH", "/api/v1/incidents/{inc}" },
    { "POST", "/api/v1/incidents/{inc}/resolve" },
    { "POST", "/api/v1/incidents/{inc}/followup" },
    { "POST", "/api/v1/incidents/{inc}/reopen" },
    { "POST", "/api/v1/suggest" },
    { "POST", "/api/v1/suggest/feedback" },
};
static const size_t nroutes = sizeof routes / sizeof routes[0];

#include "body.h"
