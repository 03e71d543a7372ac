/* JSON bodies of document requests and the desk's settings (see body.h). */
#include "fixture.h"

static const fz_route routes[] = {
    { "POST", "/api/v1/document-requests" },
    { "POST", "/api/v1/document-requests/{dr}/approve" },
    { "POST", "/api/v1/document-requests/{dr}/reject" },
    { "POST", "/api/v1/document-requests/{dr}/lend" },
    { "POST", "/api/v1/document-requests/{dr}/return" },
    { "PUT", "/api/v1/settings/doc-number-rule" },
    { "PUT", "/api/v1/settings/utc-offset" },
    { "PUT", "/api/v1/settings/time-zone" },
    { "PUT", "/api/v1/settings/calendar" },
};
static const size_t nroutes = sizeof routes / sizeof routes[0];

#include "body.h"
