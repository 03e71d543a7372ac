#ifndef KB_PDF_H
#define KB_PDF_H
#include <stddef.h>

#include "kb_err.h"

/* A small page-layout helper for printable reports: A4 PDF documents typeset with pango
 * and drawn with cairo (kb/pdf.c is the only file that includes them). The caller adds
 * blocks (a title page, headings, paragraphs, tables, bar charts) and renders the whole
 * document at once: every page but the title page has a header (the document's header
 * text and a rule) and a footer ("第 3 页 / 共 7 页"); tables that do not fit break across
 * pages with their header row repeated; headings, charts and table rows are never split.
 *
 * Text is UTF-8 in Chinese or any other script, set in KB_PDF_FONT (Debian's
 * fonts-noto-cjk) with Chinese line breaking; invalid UTF-8 and control characters are
 * replaced, and long texts are cut (KB_PDF_MAX_TEXT, KB_PDF_MAX_CELL), so that hostile
 * data cannot make the work unbounded. Nothing here reads the clock or the database. */

#define KB_PDF_FONT "Noto Sans CJK SC"
#define KB_PDF_MAX_PAGES 200u     /* the largest max_pages of kb_pdf_new */
#define KB_PDF_MAX_BLOCKS 500u    /* blocks of one document */
#define KB_PDF_MAX_ROWS 2000u     /* rows of one table */
#define KB_PDF_MAX_COLS 8u        /* columns of a table */
#define KB_PDF_MAX_BARS 40u       /* bars (labels) of a chart */
#define KB_PDF_MAX_SERIES 3u      /* values per label of a chart */
#define KB_PDF_MAX_TEXT 4000u     /* bytes kept of a paragraph */
#define KB_PDF_MAX_CELL 400u      /* bytes kept of a table cell, a label or a heading */
#define KB_PDF_MAX_BYTES (32u * 1024u * 1024u) /* the largest PDF written */

/* A4 in points (1/72 inch) and the margins of the text area. */
#define KB_PDF_PAGE_W 595.276
#define KB_PDF_PAGE_H 841.890
#define KB_PDF_MARGIN_X 56.0
#define KB_PDF_MARGIN_TOP 72.0
#define KB_PDF_MARGIN_BOTTOM 64.0

/* A document being built. */
typedef struct kb_pdf kb_pdf;

/* A new empty document whose pages carry header (copied; "" for none) and stop at
 * max_pages (1..KB_PDF_MAX_PAGES; 0 means KB_PDF_MAX_PAGES). Free with kb_pdf_free(). */
kb_pdf *kb_pdf_new(const char *header, size_t max_pages);
/* Releases p and everything it holds. p may be NULL. */
void kb_pdf_free(kb_pdf *p);

/* Adds a title page: title in large type, subtitle below it, then lines (n of them, e.g.
 * the period and who made it), centred; the next block starts a new page. Strings are
 * copied. KB_ETOOBIG past KB_PDF_MAX_BLOCKS. */
kb_status kb_pdf_title(kb_pdf *p, const char *title, const char *subtitle,
                       const char *const *lines, size_t n, kb_err *err);
/* Adds a section heading (bold), kept on the page of what follows it. */
kb_status kb_pdf_heading(kb_pdf *p, const char *text, kb_err *err);
/* Adds a paragraph, wrapped to the text width ("\n" starts a new line). */
kb_status kb_pdf_text(kb_pdf *p, const char *text, kb_err *err);

/* Adds a table of ncols columns (1..KB_PDF_MAX_COLS) whose widths are the given shares of
 * the text width (widths may be NULL: equal columns; otherwise every share > 0, they need
 * not add up to 1), head the header row (ncols strings, or NULL for none), cells the rows
 * (nrows * ncols strings, row after row; NULL cells are empty), at most
 * KB_PDF_MAX_ROWS. Columns whose right flag is set (right may be NULL) are right-aligned
 * (numbers). KB_EINVAL for bad sizes or shares. */
kb_status kb_pdf_table(kb_pdf *p, const char *const *head, const double *widths,
                       const int *right, size_t ncols, const char *const *cells, size_t nrows,
                       kb_err *err);

/* A horizontal bar chart: one row per label with nseries bars each (values row after
 * row: values[i * nseries + k]), scaled to max (0: the largest value; a chart of zeros
 * draws empty axes). Bars are drawn in colors[k] (0xRRGGBB); series names the legend
 * (NULL: no legend). Each value is printed after its bar with `decimals` decimals and
 * unit ("%", "" ...). */
typedef struct {
    const char *title;
    const char *const *labels;
    size_t n;                    /* 1..KB_PDF_MAX_BARS */
    const double *values;        /* n * nseries, each >= 0 and finite */
    size_t nseries;              /* 1..KB_PDF_MAX_SERIES */
    const char *const *series;   /* nseries names or NULL */
    const unsigned *colors;      /* nseries colors */
    double max;
    int decimals;                /* 0..3 */
    const char *unit;            /* may be NULL */
} kb_pdf_chart;

/* Adds chart c (everything copied). KB_EINVAL for bad sizes, negative or non-finite
 * values. */
kb_status kb_pdf_bars(kb_pdf *p, const kb_pdf_chart *c, kb_err *err);

/* Lays the document out and writes the PDF: *out (free()) of *len bytes, *pages (may be
 * NULL) its page count. KB_ETOOBIG when it would need more than max_pages pages or
 * KB_PDF_MAX_BYTES; KB_EINTERNAL when cairo fails. p stays usable (render again). */
kb_status kb_pdf_render(kb_pdf *p, char **out, size_t *len, size_t *pages, kb_err *err);

/* Renders take turns (one lock) on one font map kept for the life of the process: it and
 * fontconfig's caches are never torn down (FcFini aborts while pango holds patterns).
 * kb_pdf_warm finds and loads the fonts ahead of the first render (seconds for the CJK
 * fonts on a cold machine): a server calls it at start. */
void kb_pdf_warm(void);

#endif
