/* GET / and the files of the web directory (--web); GET /api/v1/openapi.yaml. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kb_alloc.h"
#include "srv.h"

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".json", "application/json; charset=utf-8" },
    { ".ico", "image/x-icon" },
    { ".txt", "text/plain; charset=utf-8" },
};

static const char *mime_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
            if (strcasecmp(dot, mime_types[i].ext) == 0)
                return mime_types[i].type;
    return "application/octet-stream";
}

/* Rejects what could leave the web directory or name a hidden file. */
static kb_status check_path(const char *rel, kb_err *err)
{
    if (strstr(rel, "..") || strchr(rel, '\\'))
        return kb_err_set(err, KB_EINVAL, "invalid path");
    for (const char *p = rel; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return kb_err_set(err, KB_EINVAL, "invalid path");
        if (*p == '.' && (p == rel || p[-1] == '/'))
            return kb_err_set(err, KB_ENOTFOUND, "no such file");
    }
    return KB_OK;
}

kb_status h_static(srv_req *rq, srv_resp *rs, kb_err *err)
{
    const char *rel = srv_req_param(rq, "path");
    if (!rel)
        rel = "";
    kb_status rc = check_path(rel, err);
    if (rc != KB_OK)
        return rc;
    const char *root = rq->app->web_real;
    if (!root)
        return kb_err_set(err, KB_ENOTFOUND, "no such file");
    if (*rel == '\0')
        rel = "index.html";

    kb_buf full;
    kb_buf_init(&full, PATH_MAX);
    if (kb_buf_adds(&full, root) != KB_OK || kb_buf_addc(&full, '/') != KB_OK ||
        kb_buf_adds(&full, rel) != KB_OK) {
        kb_buf_free(&full);
        return kb_err_set(err, KB_ENOTFOUND, "no such file");
    }
    /* Resolve symbolic links and make sure the file is still inside the web directory. */
    char *real = realpath(kb_buf_str(&full), NULL);
    kb_buf_free(&full);
    size_t root_len = strlen(root);
    struct stat st;
    if (!real || strncmp(real, root, root_len) != 0 || real[root_len] != '/' ||
        stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
        free(real);
        return kb_err_set(err, KB_ENOTFOUND, "no such file");
    }
    if ((unsigned long long)st.st_size > SRV_MAX_STATIC) {
        free(real);
        return kb_err_set(err, KB_EINTERNAL, "file too large to serve");
    }
    FILE *f = fopen(real, "rb");
    if (!f) {
        free(real);
        return kb_err_set(err, errno == ENOENT ? KB_ENOTFOUND : KB_EIO, "cannot open file");
    }
    size_t size = (size_t)st.st_size;
    char *data = kb_xmalloc(size + 1);
    size_t got = fread(data, 1, size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != size) {
        free(data);
        free(real);
        return kb_err_set(err, KB_EIO, "cannot read file");
    }
    rs->content_type = mime_type(real);
    rs->body = data;
    rs->body_len = size;
    free(real);
    return KB_OK;
}

/* Integrators fetch the description of the API the server they talk to runs, installed or
 * in the build tree: the file is compiled in. */

kb_status h_openapi(srv_req *rq, srv_resp *rs, kb_err *err)
{
    (void)rq;
    (void)err;
    char *data = kb_xmalloc(kb_openapi_yaml_len + 1);
    memcpy(data, kb_openapi_yaml, kb_openapi_yaml_len + 1);
    rs->content_type = "application/yaml; charset=utf-8";
    rs->body = data;
    rs->body_len = kb_openapi_yaml_len;
    return KB_OK;
}
