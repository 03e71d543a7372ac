/* Fuzzes the spreadsheet reader (kb/sheet.c) on whole files: format detection, CSV
 * decoding, .xlsx (zip directory, workbook, relationships, styles, shared strings, the
 * streamed sheet) and .xls (the compound-file check, then freexl through a temp file).
 * The first input byte picks the options: bit 0 a named sheet ("Assets"), bit 1 the
 * charset GBK for CSV, bit 2 a low row limit; the rest is the file. Every row read must
 * keep the header's promises: at most KB_SHEET_MAX_COLS cells of valid UTF-8, no cell
 * longer than KB_SHEET_MAX_CELL, no trailing empty cell, no empty row.
 *
 * kb/sheet.c reads .xls in a child process, where freexl may crash on crafted files (the
 * parent then reports an error). The child is a copy of this fuzzer: without the atfork
 * handler below, its sanitizer report would make libFuzzer write a crash artifact for
 * freexl's bug. A finding here is a crash of the parent, our code. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb_sheet.h"
#include "kb_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
void __sanitizer_set_death_callback(void (*callback)(void));

static void quiet_child(void)
{
    __sanitizer_set_death_callback(NULL);
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    signal(SIGILL, SIG_DFL);
    signal(SIGFPE, SIG_DFL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pthread_atfork(NULL, NULL, quiet_child);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kb_sheet_options opt = { data[0] & 2 ? "GBK" : NULL, data[0] & 1 ? "Assets" : NULL,
                             data[0] & 4 ? 3 : 0, 0 };
    kb_sheet *sh = NULL;
    kb_err err;
    if (kb_sheet_open((const char *)data + 1, size - 1, &opt, &sh, &err) != KB_OK) {
        if (sh || !err.msg[0])
            abort();
        return 0;
    }
    kb_sheet_row row;
    size_t rows = 0;
    while (kb_sheet_next(sh, &row, &err) == KB_OK && !row.done) {
        if (row.n == 0 || row.n > KB_SHEET_MAX_COLS || row.line == 0 || !row.cells[row.n - 1][0])
            abort();
        for (size_t i = 0; i < row.n; i++) {
            size_t len = strlen(row.cells[i]);
            if (len > KB_SHEET_MAX_CELL || kb_text_utf8_bad_at(row.cells[i], len) != len)
                abort();
        }
        if (++rows > KB_SHEET_MAX_ROWS)
            abort();
    }
    kb_sheet_free(sh);
    return 0;
}
