/* JSON bodies of the admin routes: users, backups, logout (see body.h). */
#include "fixture.h"

static const fz_route routes[] = {
    { "POST", "/api/v1/users" },
    { "PATCH", "/api/v1/users/fuzz2" },
    { "POST", "/api/v1/backups" },
    { "POST", "/api/v1/backups/prune" },
    { "POST", "/api/v1/auth/logout" },
};
static const size_t nroutes = sizeof routes / sizeof routes[0];

#include "body.h"
