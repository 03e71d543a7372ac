/* The spare-parts rules: movement kinds and request states, the part number syntax, the
 * checks of a part's fields, months. The SQL is in kb/store_part.c. See include/kb_part.h. */
#include "kb_part.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kb_text.h"

#define X_NAME(name) #name,

static const char *const move_names[] = { KB_PART_MOVES(X_NAME) };
static const char *const state_names[] = { KB_PART_REORDER_STATES(X_NAME) };

const char *kb_part_move_name(int kind)
{
    return kind >= 0 && kind < KB_PART_NMOVES ? move_names[kind] : NULL;
}

int kb_part_move_of(const char *name)
{
    for (int i = 0; name && i < KB_PART_NMOVES; i++)
        if (strcmp(move_names[i], name) == 0)
            return i;
    return -1;
}

const char *kb_part_reorder_state_name(int st)
{
    return st >= 0 && st < KB_PART_NREORDER_STATES ? state_names[st] : NULL;
}

int kb_part_reorder_state_of(const char *name)
{
    for (int i = 0; name && i < KB_PART_NREORDER_STATES; i++)
        if (strcmp(state_names[i], name) == 0)
            return i;
    return -1;
}

/* The words of /api/v1/parts/<word> that are not part numbers (server/routes.c). */
static const char *const reserved[] = { "locations", "movements", "replenishments",
                                        "consumption", "consumption.csv" };

static int alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int kb_part_number_valid(const char *number)
{
    if (!number || !alnum(number[0]))
        return 0;
    size_t len = 0;
    for (; number[len]; len++)
        if (!alnum(number[len]) && !strchr("-_.", number[len]))
            return 0;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcasecmp(number, reserved[i]) == 0)
            return 0;
    return len <= KB_PART_MAX_NUMBER;
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return 0;
    return 1;
}

kb_status kb_part_check(const kb_part_in *in, int creating, kb_err *err)
{
    if (creating && !in->number)
        return kb_err_set(err, KB_EINVAL, "field 'number' is required");
    if (in->number && !kb_part_number_valid(in->number))
        return kb_err_set(err, KB_EINVAL, "field 'number' must be 1 to %u letters, digits, "
                          "'-', '_' or '.', beginning with a letter or digit (CF259A), not "
                          "'%.60s'", KB_PART_MAX_NUMBER, in->number);
    if (creating && (!in->name || blank(in->name)))
        return kb_err_set(err, KB_EINVAL, "field 'name' is required");
    if (!creating && in->name && blank(in->name))
        return kb_err_set(err, KB_EINVAL, "field 'name' must not be empty");
    if (in->minimum < -1 || in->minimum > KB_PART_MAX_QTY)
        return kb_err_set(err, KB_EINVAL, "field 'minimum' must be a whole number from 0 to "
                          "%lld", KB_PART_MAX_QTY);
    kb_status rc = KB_OK;
    if (in->name)
        rc = kb_text_check_field("name", in->name, KB_PART_MAX_NAME, 0, err);
    if (rc == KB_OK && in->unit)
        rc = kb_text_check_field("unit", in->unit, KB_PART_MAX_UNIT, 0, err);
    if (rc == KB_OK && in->notes)
        rc = kb_text_check_field("notes", in->notes, KB_PART_MAX_NOTE, 1, err);
    if (rc != KB_OK || !in->set_models)
        return rc;
    if (in->nmodels > KB_PART_MAX_MODELS)
        return kb_err_set(err, KB_EINVAL, "field 'models' holds more than %u items (%zu)",
                          KB_PART_MAX_MODELS, in->nmodels);
    for (size_t i = 0; i < in->nmodels; i++) {
        char field[32];
        snprintf(field, sizeof field, "models[%zu]", i);
        const char *v = in->models[i];
        if (!v)
            return kb_err_set(err, KB_EINVAL, "field '%s' must be a string", field);
        rc = kb_text_check_field(field, v, KB_PART_MAX_MODEL, 0, err);
        if (rc != KB_OK)
            return rc;
        if (blank(v))
            return kb_err_set(err, KB_EINVAL, "field '%s' must not be empty", field);
        for (size_t k = 0; k < i; k++)
            if (strcasecmp(in->models[k], v) == 0)
                return kb_err_set(err, KB_EINVAL, "field '%s' repeats models[%zu] ('%.60s')",
                                  field, k, v);
    }
    return KB_OK;
}

int kb_part_month_valid(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return 0;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    return strncmp(s, "1970", 4) >= 0 && month >= 1 && month <= 12;
}
