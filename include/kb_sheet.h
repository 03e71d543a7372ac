#ifndef KB_SHEET_H
#define KB_SHEET_H
#include <stddef.h>

#include "kb_err.h"
#include "kb_ooxml.h"

/* Spreadsheets given as bytes, read as rows of UTF-8 strings whatever the format: CSV (any
 * text kb_csv_decode reads: UTF-8 with or without a byte order mark, GBK/GB18030 found out
 * by itself, or a named character set; parsed by kb/csv.c's reader), Excel's .xlsx (libzip
 * and libxml2, streamed) and the old .xls (BIFF, through freexl, which runs in a child
 * process under a CPU limit and a 30-second deadline: it reads past its buffers on some
 * crafted files; the file goes to a private temporary file in $TMPDIR or /tmp, removed
 * again). The format is told from the content (a zip with xl/workbook.xml, an OLE2
 * compound file, else text), never from a file name. Every input is hostile: each size below is checked before the work it bounds,
 * and an error names the format, the part and the limit ("xlsx: xl/worksheets/sheet1.xml:
 * more than 100000 rows"). Nothing here is specific to what the rows hold. */

/* The file, as given */
#define KB_SHEET_MAX_BYTES (32u << 20)
/* Rows read (a row past it is an error, not a cut) */
#define KB_SHEET_MAX_ROWS 100000u
/* Columns: a cell right of column 1024 (AMJ) is an error */
#define KB_SHEET_MAX_COLS 1024u
/* Cells read in all (also empty cells that a file lists) */
#define KB_SHEET_MAX_CELLS 2000000u
/* Bytes of one cell's text: longer text is cut (at a character boundary) and the row
 * marked too_long */
#define KB_SHEET_MAX_CELL 32768u
/* .xlsx: the uncompressed bytes of one part (a sheet, the shared strings); checked against
 * the zip directory and again while inflating, since a directory can lie */
#define KB_SHEET_MAX_PART (256u << 20)
/* .xlsx: the uncompressed bytes of the small parts (workbook, relationships, styles) */
#define KB_SHEET_MAX_META (4u << 20)
/* .xlsx: entries in the zip, shared strings, cell styles; XML element depth */
#define KB_SHEET_MAX_ENTRIES KB_OOXML_MAX_ENTRIES
#define KB_SHEET_MAX_STRINGS 1000000u
#define KB_SHEET_MAX_STYLES 65536u
#define KB_SHEET_MAX_DEPTH KB_OOXML_MAX_DEPTH
/* .xls: the file (freexl loads a whole sheet at once); the sheet's text read is bounded by
 * max_part (KB_SHEET_MAX_PART) */
#define KB_SHEET_MAX_XLS_BYTES (16u << 20)

typedef enum { KB_SHEET_CSV, KB_SHEET_XLSX, KB_SHEET_XLS } kb_sheet_format;

/* "csv", "xlsx", "xls". */
const char *kb_sheet_format_name(kb_sheet_format f);

/* What to read; a NULL options pointer or NULL fields take the defaults. */
typedef struct {
    const char *charset; /* CSV: an ICU converter name ("GBK"); NULL: UTF-8 when the text is
                            valid UTF-8, else GB18030 (see kb_csv_decode) */
    const char *sheet;   /* .xlsx/.xls: the sheet's name (exact); NULL: the first sheet */
    size_t max_rows;     /* 0: KB_SHEET_MAX_ROWS; a smaller number lowers the limit */
    size_t max_part;     /* 0: KB_SHEET_MAX_PART; a smaller number lowers the limit */
} kb_sheet_options;

/* One row: cells[0..n) are NUL-terminated UTF-8, "" for an empty cell that has a filled
 * cell right of it (cells keep their column: cells[2] is column C). Empty cells at the
 * end of a row are dropped, and rows without any filled cell are skipped. Valid until the
 * next kb_sheet_next() or kb_sheet_free(). */
typedef struct {
    const char *const *cells;
    size_t n;
    size_t line;  /* the row's number as the user sees it: Excel's row number (1-based) for
                     .xlsx/.xls, the line where the record starts for CSV */
    int too_long; /* a cell was longer than KB_SHEET_MAX_CELL and is cut */
    int done;     /* 1: the sheet has no more rows (cells NULL, n 0) */
} kb_sheet_row;

/* An open spreadsheet: one sheet, read row by row. Use from one thread at a time. */
typedef struct kb_sheet kb_sheet;

/* Opens data[0..len) (borrowed: it must outlive *out for CSV and .xlsx). On success *out
 * must be freed with kb_sheet_free(); on failure *out is NULL and err says why:
 * KB_ETOOBIG past a limit above, KB_EPARSE for a file that is no spreadsheet or a broken
 * one, KB_ENOTFOUND for a sheet name the workbook does not have, KB_EINVAL for an unknown
 * charset, KB_EIO when the temporary file or the child process for .xls cannot be made.
 * An .xls is read whole here (in the child); CSV and .xlsx rows are read as they are asked
 * for, so their errors may come from kb_sheet_next(). */
kb_status kb_sheet_open(const char *data, size_t len, const kb_sheet_options *opt,
                        kb_sheet **out, kb_err *err);
/* The format read. */
kb_sheet_format kb_sheet_format_of(const kb_sheet *sh);
/* The character set the CSV text was read in ("UTF-8", "GB18030" or the one asked for);
 * "UTF-8" for .xlsx and .xls. */
const char *kb_sheet_charset(const kb_sheet *sh);
/* The name of the sheet read (borrowed); "" for CSV. */
const char *kb_sheet_name(const kb_sheet *sh);
/* Reads the next row into *out (out->done at the end; reading on stays done). An error
 * (a broken part found while streaming, a limit passed) ends the reading: later calls
 * return the same error. */
kb_status kb_sheet_next(kb_sheet *sh, kb_sheet_row *out, kb_err *err);
/* Frees sh and everything it holds. sh may be NULL. */
void kb_sheet_free(kb_sheet *sh);

/* The date of an Excel serial day number as "yyyy-mm-dd" (11 bytes with the NUL) into
 * out: date1904 selects the 1904 date system (Mac Excel: day 0 is 1904-01-01); in the 1900
 * system day 1 is 1900-01-01 and day 60 is the 1900-02-29 that Lotus 1-2-3 invented and
 * Excel keeps. 0 for a day outside 1900-01-01 (1904-01-01) ... 9999-12-31, else 1. */
int kb_sheet_excel_date(double serial, int date1904, char out[11]);

#endif
