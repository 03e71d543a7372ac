/* JSON bodies of the knowledge editor and review routes (see body.h). */
#include "fixture.h"

static const fz_route routes[] = {
    { "POST", "/api/v1/kb" },
    { "POST", "/api/v1/kb/preview" },
    { "PUT", "/api/v1/kb/KE-1002" },
    { "PUT", "/api/v1/kb/KE-1005" },
    { "POST", "/api/v1/kb/KE-1005/submit" },
    { "POST", "/api/v1/kb/KE-1004/retire" },
    { "POST", "/api/v1/reviews/KE-1005/approve" },
    { "POST", "/api/v1/reviews/KE-1005/reject" },
};
static const size_t nroutes = sizeof routes / sizeof routes[0];

#include "body.h"
