/* Fuzzes kedb-import's readers: CSV (quotes, BOM, line counting, the column mapping) and
 * JSON (an array or one object per line), optionally from GBK (kb_csv_decode), into a
 * temp database.
 * importer/main.c is compiled in (main renamed) so its own static readers run. The first
 * input byte picks the format: bit 0 JSON, bit 1 convert from GBK first. */
#include <stdint.h>

int kedb_import_main(int argc, char **argv);
#define main kedb_import_main
#include "../../importer/main.c"
#undef main

#include "fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static import im;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!im.s) {
        kb_err err;
        if (parse_map(&im, "id=TicketNo,title=Subject,symptom=Description,"
                           "workaround=Solution,opened=Opened,category=Category,"
                           "resolved_by=KB,tags=Tags") != 0 ||
            kb_store_open(fz_seeded_db("import"), 0, &im.s, &err) != KB_OK)
            abort();
        im.file = "fuzz";
        im.now = 1767225600;
    }
    if (size < 1)
        return 0;
    int json = data[0] & 1;
    kb_buf b;
    kb_buf_init(&b, MAX_FILE);
    kb_buf_add(&b, data + 1, size - 1);
    /* what main() checks before importing */
    if (kb_csv_decode(&b, (data[0] & 2) ? "GBK" : "UTF-8", NULL, NULL) == KB_OK) {
        if (json)
            import_json(&im, kb_buf_str(&b), b.len);
        else
            import_csv(&im, kb_buf_str(&b), b.len);
    }
    kb_buf_free(&b);
    return 0;
}
