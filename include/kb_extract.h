#ifndef KB_EXTRACT_H
#define KB_EXTRACT_H
#include <stddef.h>

#include "kb_err.h"

/* The searchable text of documents kept as attachments (controlled copies):
 *   - Word (.docx: the body, headers, footers, foot- and endnotes), Excel (.xlsx: the
 *     shared strings and the sheets' inline strings) and PowerPoint (.pptx: slides and
 *     notes) by reading their XML (kb/ooxml.c: libzip, libxml2) with the bounds below;
 *   - the old .xls through kb/sheet.c (freexl in a child process; the first sheet);
 *   - PDF through poppler's pdftotext, run as a separate program (poppler is GPL; kedb
 *     links only MIT-compatible libraries): fork and exec with an argument vector (no
 *     shell), the file in a private temporary file in $TMPDIR or /tmp (removed again), the
 *     text read from a pipe, at most max bytes (then the program is killed and the text
 *     kept as cut), under a CPU limit, a memory limit and a deadline
 *     (kb_extract_set_pdftotext). Without pdftotext nothing is read: KB_EIO says so.
 * The text comes back as UTF-8 without control characters other than tab and newline,
 * cut at a character boundary at max bytes. Nothing here is specific to what the files
 * hold. Every input is hostile; a failure (KB_EPARSE for a broken file, KB_ETOOBIG past a
 * bound, KB_EIO when the program cannot run) means "no text", never a broken store. */

/* .docx/.xlsx/.pptx: inflated bytes of one XML part and of all parts read together, the
 * compression ratio a part may have, and the parts read (slides, headers, sheets) */
#define KB_EXTRACT_MAX_PART (32u << 20)
#define KB_EXTRACT_MAX_INFLATE (64u << 20)
#define KB_EXTRACT_MAX_RATIO 200u
#define KB_EXTRACT_MAX_PARTS 1000u
/* PDF: the default deadline (seconds, wall clock and CPU) and address space of pdftotext */
#define KB_EXTRACT_PDF_SECONDS 20
#define KB_EXTRACT_PDF_MEMORY (1024ull << 20)

/* The program run for PDF files (NULL: "pdftotext", found through PATH) and its deadline
 * in seconds (0: KB_EXTRACT_PDF_SECONDS). Process-wide: set it once at start, before
 * threads (the tests name stand-ins; kedb-server runs pdftotext from PATH). prog is copied. */
void kb_extract_set_pdftotext(const char *prog, int seconds);

/* The text of an Office Open XML package p[0..len) (.docx, .xlsx or .pptx, told from the
 * parts it holds), at most max bytes, into *out (free()) and *out_len. KB_EPARSE for a
 * zip archive that is none of them or is broken, KB_ETOOBIG past a bound above. */
kb_status kb_extract_office(const void *p, size_t len, size_t max, char **out, size_t *out_len,
                            kb_err *err);
/* The text of an .xls workbook's first sheet (cells joined by tabs, rows by newlines). */
kb_status kb_extract_xls(const void *p, size_t len, size_t max, char **out, size_t *out_len,
                         kb_err *err);
/* The text of a PDF through pdftotext, as described above. KB_EIO when the program is not
 * installed or cannot be started, KB_ETOOBIG past the deadline, KB_EPARSE when it fails on
 * the file. */
kb_status kb_extract_pdf(const void *p, size_t len, size_t max, char **out, size_t *out_len,
                         kb_err *err);

#endif
