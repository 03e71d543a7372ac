/* Fuzzes the service catalogue file (kb_req_catalogue_parse, what kedb-admin request-items
 * import reads). A file that parses must hold items that pass kb_req_item_check within the
 * bounds; form values built from each item's fields are checked against it. Nothing may
 * crash, leak or come out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kb_req_catalogue c;
    size_t line = 0;
    if (kb_req_catalogue_parse((const char *)data, size, &c, &line, NULL) != KB_OK) {
        if (c.items || c.n)
            abort();
        return 0;
    }
    if (c.n > KB_REQ_MAX_ITEMS)
        abort();
    for (size_t i = 0; i < c.n; i++) {
        const kb_req_item_in *in = &c.items[i];
        if (kb_req_item_check(in, 1, NULL) != KB_OK || in->nfields > KB_REQ_MAX_FIELDS)
            abort();
        /* the item as stored, answered with its first choice or a short text each */
        kb_req_item it;
        memset(&it, 0, sizeof it);
        it.name = (char *)in->name;
        kb_req_field *f = calloc(in->nfields ? in->nfields : 1, sizeof *f);
        kb_req_value_in *v = calloc(in->nfields ? in->nfields : 1, sizeof *v);
        if (!f || !v)
            abort();
        for (size_t k = 0; k < in->nfields; k++) {
            f[k].key = (char *)in->fields[k].key;
            f[k].label = (char *)in->fields[k].label;
            kb_request_type_parse("type", in->fields[k].type, &f[k].type, NULL);
            f[k].choices = (char **)in->fields[k].choices;
            f[k].nchoices = in->fields[k].nchoices;
            f[k].max_length = in->fields[k].max_length ? (size_t)in->fields[k].max_length : 200;
            v[k].key = f[k].key;
            v[k].kind = f[k].type == KB_REQ_T_NUMBER ? KB_REQ_V_NUMBER
                        : f[k].type == KB_REQ_T_BOOL ? KB_REQ_V_BOOL
                                                     : KB_REQ_V_STRING;
            v[k].text = f[k].type == KB_REQ_T_NUMBER ? "12"
                        : f[k].type == KB_REQ_T_BOOL ? "true"
                        : f[k].type == KB_REQ_T_DATE ? "2026-03-09"
                        : f[k].type == KB_REQ_T_CHOICE ? f[k].choices[0]
                                                       : "x";
        }
        it.fields = f;
        it.nfields = in->nfields;
        kb_req_value *vals = NULL;
        if (kb_request_check_values(&it, v, in->nfields, &vals, NULL) != KB_OK)
            abort();
        kb_request_values_free(vals, in->nfields);
        free(f);
        free(v);
    }
    kb_req_catalogue_free(&c);
    return 0;
}
