/* The asset archive's rules: the classes, statuses and spec keys, the tag syntax and the
 * checks of every field. The SQL is in kb/store_asset.c. See include/kb_asset.h. */
#include "kb_asset.h"

#include <stdio.h>
#include <string.h>

#include "kb_date.h"
#include "kb_text.h"

#define X_NAME(name) #name,

static const char *const class_names[] = { KB_ASSET_CLASSES(X_NAME) };
static const char *const status_names[] = { KB_ASSET_STATUSES(X_NAME) };
static const char *const spec_names[] = { KB_ASSET_SPECS(X_NAME) };

static const char *pick(const char *const *v, int n, int i)
{
    return i >= 0 && i < n ? v[i] : NULL;
}

static int find(const char *const *v, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(v[i], name) == 0)
            return i;
    return -1;
}

const char *kb_asset_class_name(int c)
{
    return pick(class_names, KB_ASSET_NCLASSES, c);
}

const char *kb_asset_status_name(int st)
{
    return pick(status_names, KB_ASSET_NSTATUSES, st);
}

const char *kb_asset_spec_name(int k)
{
    return pick(spec_names, KB_ASSET_NSPECS, k);
}

int kb_asset_class_of(const char *name)
{
    return find(class_names, KB_ASSET_NCLASSES, name);
}

int kb_asset_status_of(const char *name)
{
    return find(status_names, KB_ASSET_NSTATUSES, name);
}

int kb_asset_spec_of(const char *name)
{
    return find(spec_names, KB_ASSET_NSPECS, name);
}

static int alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int kb_asset_tag_valid(const char *tag)
{
    if (!tag || !alnum(tag[0]))
        return 0;
    size_t len = 0;
    for (; tag[len]; len++)
        if (!alnum(tag[len]) && !strchr("-_.", tag[len]))
            return 0;
    return len <= KB_ASSET_MAX_TAG;
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return 0;
    return 1;
}

/* A day YYYY-MM-DD or "" (white space at the ends ignored) into out ("" when none). */
static kb_status check_day(const char *field, const char *v, char out[KB_DATE_LEN],
                           kb_err *err)
{
    out[0] = '\0';
    if (!v)
        return KB_OK;
    while (*v == ' ')
        v++;
    size_t len = strlen(v);
    while (len && v[len - 1] == ' ')
        len--;
    if (len == 0)
        return KB_OK;
    char day[KB_DATE_LEN];
    if (len == 10) {
        memcpy(day, v, 10);
        day[10] = '\0';
    }
    if (len != 10 || !kb_date_valid(day))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be a day YYYY-MM-DD such as "
                          "2026-03-15, not '%.40s'", field, v);
    memcpy(out, day, KB_DATE_LEN);
    return KB_OK;
}

kb_status kb_asset_check(const kb_asset_in *in, int creating, kb_err *err)
{
    if (creating && !in->tag)
        return kb_err_set(err, KB_EINVAL, "field 'tag' is required");
    if (in->tag && !kb_asset_tag_valid(in->tag))
        return kb_err_set(err, KB_EINVAL, "field 'tag' must be 1 to %u letters, digits, '-', "
                          "'_' or '.', beginning with a letter or digit (PC-0001), not '%.60s'",
                          KB_ASSET_MAX_TAG, in->tag);
    if (creating && in->cls < 0)
        return kb_err_set(err, KB_EINVAL, "field 'class' is required");
    if (in->cls < -1 || in->cls >= KB_ASSET_NCLASSES)
        return kb_err_set(err, KB_EINVAL, "field 'class' is not a known class");
    if (in->status < -1 || in->status >= KB_ASSET_NSTATUSES)
        return kb_err_set(err, KB_EINVAL, "field 'status' is not a known status");
    if (in->status == KB_ASSET_STATUS_scrapped)
        return kb_err_set(err, KB_EINVAL, "field 'status' cannot be set to scrapped: ask for "
                          "scrapping (POST .../scrap) and let an approver decide");
    if (in->caller_id < -1)
        return kb_err_set(err, KB_EINVAL, "field 'caller_id' must be a caller's id");
    const struct {
        const char *name;
        const char *v;
        size_t max;
    } texts[] = {
        { "brand", in->brand, KB_ASSET_MAX_SHORT },
        { "model", in->model, KB_ASSET_MAX_SHORT },
        { "serial", in->serial, KB_ASSET_MAX_SHORT },
        { "user", in->user, KB_ASSET_MAX_TEXT },
        { "department", in->department, KB_ASSET_MAX_TEXT },
        { "location", in->location, KB_ASSET_MAX_TEXT },
        { "supplier", in->supplier, KB_ASSET_MAX_TEXT },
    };
    kb_status rc = KB_OK;
    for (size_t i = 0; rc == KB_OK && i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i].v)
            rc = kb_text_check_field(texts[i].name, texts[i].v, texts[i].max, 0, err);
    for (int k = 0; rc == KB_OK && k < KB_ASSET_NSPECS; k++) {
        char field[32];
        snprintf(field, sizeof field, "specs.%s", spec_names[k]);
        if (in->specs[k])
            rc = kb_text_check_field(field, in->specs[k], KB_ASSET_MAX_SHORT, 0, err);
    }
    if (rc == KB_OK && in->notes)
        rc = kb_text_check_field("notes", in->notes, KB_ASSET_MAX_NOTES, 1, err);
    char bought[KB_DATE_LEN], ends[KB_DATE_LEN];
    if (rc == KB_OK)
        rc = check_day("purchase_date", in->purchase_date, bought, err);
    if (rc == KB_OK)
        rc = check_day("warranty_end", in->warranty_end, ends, err);
    if (rc == KB_OK && bought[0] && ends[0] && strcmp(ends, bought) < 0)
        rc = kb_err_set(err, KB_EINVAL, "field 'warranty_end' (%s) is before 'purchase_date' "
                        "(%s)", ends, bought);
    if (rc != KB_OK || !in->set_software)
        return rc;
    if (in->nsoftware > KB_ASSET_MAX_SOFTWARE)
        return kb_err_set(err, KB_EINVAL, "field 'software' holds more than %u items (%zu)",
                          KB_ASSET_MAX_SOFTWARE, in->nsoftware);
    for (size_t i = 0; i < in->nsoftware; i++) {
        char field[32];
        snprintf(field, sizeof field, "software[%zu]", i);
        const char *v = in->software[i];
        if (!v)
            return kb_err_set(err, KB_EINVAL, "field '%s' must be a string", field);
        rc = kb_text_check_field(field, v, KB_ASSET_MAX_APP, 0, err);
        if (rc != KB_OK)
            return rc;
        if (blank(v))
            return kb_err_set(err, KB_EINVAL, "field '%s' must not be empty", field);
        for (size_t k = 0; k < i; k++)
            if (strcmp(in->software[k], v) == 0)
                return kb_err_set(err, KB_EINVAL, "field '%s' repeats software[%zu] ('%.60s')",
                                  field, k, v);
    }
    return KB_OK;
}
