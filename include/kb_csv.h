#ifndef KB_CSV_H
#define KB_CSV_H
#include <stddef.h>

#include "kb_buf.h"
#include "kb_err.h"

/* The one CSV writer: every export (audit trail, reports) writes its fields here, so they
 * are quoted and guarded against spreadsheet formulas the same way. RFC 4180 with CRLF
 * line ends. */

/* A UTF-8 byte order mark: spreadsheets then read the file as UTF-8, not the local code
 * page. Write it once, before the first row. */
#define KB_CSV_BOM "\xef\xbb\xbf"
/* The media type of the files written here. */
#define KB_CSV_TYPE "text/csv; charset=utf-8"

/* Appends s (NUL-terminated, NULL is "") as one field: quoted when it holds a comma, a
 * quote or a line break, or white space at an end. Text that a spreadsheet would run as a
 * formula (starting with =, +, -, @, a tab or CR) is quoted with a leading apostrophe, so
 * it shows as text. KB_ETOOBIG past b's limit, and then nothing of the field is written. */
kb_status kb_csv_field(kb_buf *b, const char *s);
/* Appends the n fields as one row (commas between, CRLF after). On KB_ETOOBIG b ends in
 * a partial row: discard it. */
kb_status kb_csv_row(kb_buf *b, const char *const *fields, size_t n);

#endif
