#ifndef KB_CSV_H
#define KB_CSV_H
#include <stddef.h>

#include "kb_buf.h"
#include "kb_err.h"

/* The one CSV owner. The writer: every export (audit trail, reports) writes its fields
 * here, so they are quoted and guarded against spreadsheet formulas the same way (RFC 4180
 * with CRLF line ends). The reader: every import (kedb-import's past tickets, the caller
 * directory) reads files that spreadsheets, AD and WeCom export through it, after
 * kb_csv_decode has made them UTF-8. */

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

/* --- reading --- */

/* Makes the bytes of an exported text file UTF-8, in place. With charset (an ICU converter
 * name: "UTF-8", "GBK", "GB18030", "Big5" ...) b holds text in that character set; without
 * (NULL), b is taken as UTF-8 when it is valid UTF-8 and as GB18030 (the superset of GBK
 * that Excel and WPS save on Chinese Windows) otherwise. A UTF-8 byte order mark is
 * dropped. *used (may be NULL) gets the character set read: charset, "UTF-8" or
 * "GB18030". KB_EPARSE when b is not text in it (an invalid or unmappable byte sequence,
 * or a NUL byte; the message gives the byte offset), KB_EINVAL for an unknown charset,
 * KB_ETOOBIG when the UTF-8 text does not fit b's limit. b is unchanged on failure. */
kb_status kb_csv_decode(kb_buf *b, const char *charset, const char **used, kb_err *err);

/* One record read: fields[0..n) are NUL-terminated and valid until the next
 * kb_csv_next() or kb_csv_reader_free(). */
typedef struct {
    char **fields;
    size_t n;
    size_t line;      /* 1-based line of the file where the record starts */
    int too_long;     /* a field was longer than the reader's max_field: it is cut there */
    int blank;        /* an empty line (one empty field) */
} kb_csv_record;

/* Reads RFC 4180 records from UTF-8 text: fields separated by commas, records by LF or
 * CRLF; a field in double quotes may hold commas, line breaks and doubled quotes; a quote
 * left open runs to the end of the text; a UTF-8 byte order mark at the start is skipped.
 * Line numbers count the line breaks inside quoted fields too. */
typedef struct kb_csv_reader kb_csv_reader;

/* A reader over p[0..len), which it borrows (p must outlive it). Fields are kept up to
 * max_field bytes (0: no limit). Free with kb_csv_reader_free(). */
kb_csv_reader *kb_csv_reader_new(const char *p, size_t len, size_t max_field);
/* Reads the next record into *out; returns 1, or 0 at the end of the text. */
int kb_csv_next(kb_csv_reader *r, kb_csv_record *out);
/* Frees r and its records. r may be NULL. */
void kb_csv_reader_free(kb_csv_reader *r);

#endif
