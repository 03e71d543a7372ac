/* Fuzzes the caller directory's parsers of outside input. The first input byte picks:
 * bit 0 clear, the phone rule on the rest as one number (kb_phone_check, kb_phone_norm,
 * kb_phone_query, with their promises: canonical forms fit, are canonical themselves and
 * pass the check when they have digits enough); bit 0 set, the CSV import of the rest as an
 * export file (decoding, header mapping, cell splitting, matching) into a temp database. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "kb_caller.h"
#include "kb_phone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kb_store *store;

static void phone(const char *s)
{
    kb_err err;
    char norm[KB_PHONE_NORM_MAX], again[KB_PHONE_NORM_MAX], q[KB_PHONE_NORM_MAX];
    size_t len = kb_phone_norm(s, norm);
    if (len >= KB_PHONE_NORM_MAX || strlen(norm) != len)
        abort();
    /* a canonical form reads as itself */
    kb_phone_norm(norm, again);
    if (kb_phone_check("phone", s, &err) == KB_OK && strcmp(norm, again) != 0)
        abort();
    if (kb_phone_query(s, q) && strlen(q) < KB_PHONE_MIN_QUERY)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if ((data[0] & 1) == 0) {
        if (size > 512)
            return 0;
        char s[512];
        memcpy(s, data + 1, size - 1);
        s[size - 1] = '\0';
        phone(s);
        return 0;
    }
    if (!store) {
        kb_err err;
        if (kb_store_open(fz_seeded_db("callers"), 0, &store, &err) != KB_OK)
            abort();
    }
    kb_caller_import_report *r = NULL;
    kb_err err;
    kb_status rc = kb_caller_import(store, (const char *)data + 1, size - 1, NULL, "fuzzer",
                                    "fuzz.csv", 1767225600, &r, &err);
    if (rc == KB_OK && (!r || r->failed + r->added + r->updated + r->unchanged != r->rows))
        abort();
    kb_caller_import_report_free(r);
    return 0;
}
