/* Fuzzes the census import (kb/store_census.c) on whole files into a temp database: the
 * spreadsheet read twice (the first pass refuses broken files before any work), the header
 * row's search and mapping, values (classes, statuses, days), matching by tag or serial and
 * the changes through the asset archive. The first input byte picks: bit 0 a dry run, bit 1
 * a campaign, bit 2 an explicit mapping (tag from '编号', location left out). Every result
 * must add up: each data row is created, updated, unchanged or bad. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "kb_census.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kb_store *store;
static long long campaign;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kb_err err;
    if (!store) {
        kb_census *c = NULL;
        if (kb_store_open(fz_seeded_db("census"), 0, &store, &err) != KB_OK ||
            kb_census_create(store, "fuzz", "fuzzer", 1796284800, &c, &err) != KB_OK)
            abort();
        campaign = c->id;
        kb_census_free(c);
    }
    kb_census_options opt;
    memset(&opt, 0, sizeof opt);
    opt.dry_run = data[0] & 1;
    opt.census = data[0] & 2 ? campaign : 0;
    if (data[0] & 4) {
        opt.map[KB_CENSUS_F_tag] = "编号";
        opt.map[KB_CENSUS_F_location] = "";
    }
    opt.actor = "fuzzer";
    opt.file_name = "fuzz.csv";
    kb_census_result *r = NULL;
    kb_status rc = kb_census_import(store, (const char *)data + 1, size - 1, &opt, 1796284800,
                                    &r, &err);
    if (rc == KB_OK && (!r || r->created + r->updated + r->unchanged + r->bad != r->rows ||
                        r->nproblems > KB_CENSUS_MAX_PROBLEMS))
        abort();
    if (rc != KB_OK && (r || !err.msg[0]))
        abort();
    kb_census_result_free(r);
    return 0;
}
