/* Spreadsheets as rows of UTF-8 strings: CSV through kb/csv.c, .xlsx through libzip and
 * libxml2's streaming reader, .xls through freexl. See include/kb_sheet.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <freexl.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_csv.h"
#include "kb_ooxml.h"
#include "kb_sheet.h"
#include "kb_text.h"
#include "kb_tz.h"

/* Excel's own bounds: rows 1..1048576; row numbers past it are a broken file */
#define EXCEL_ROWS 1048576u

enum datekind { DK_NONE, DK_DATE, DK_DATETIME, DK_TIME };

/* The row being built: cell texts one after another, each with its NUL. */
typedef struct {
    kb_buf text;
    size_t *offs;
    char **cells;
    size_t n, cap;
    int too_long;
} rowbuf;

struct kb_sheet {
    kb_sheet_format format;
    const char *charset;
    char *name;
    kb_status failed; /* a reading error: kept and returned again */
    kb_err fail_err;
    int done;
    size_t rows, cells;
    size_t max_rows, max_part;
    rowbuf row;
    /* CSV */
    kb_buf text;
    kb_csv_reader *csv;
    /* .xlsx */
    kb_ooxml *zip;
    kb_ooxml_part *sh;
    char *sheet_path;
    int date1904;
    kb_buf sst;           /* shared strings, each with its NUL */
    size_t *sst_offs;
    size_t nsst, sst_cap;
    unsigned char *xf;    /* cell style -> enum datekind */
    size_t nxf;
    long prev_row;
    /* .xls: what the child read */
    kb_buf xls_out;
    size_t xls_off;
};

const char *kb_sheet_format_name(kb_sheet_format f)
{
    switch (f) {
    case KB_SHEET_CSV:
        return "csv";
    case KB_SHEET_XLSX:
        return "xlsx";
    case KB_SHEET_XLS:
        return "xls";
    }
    return "?";
}

/* --- dates --- */

int kb_sheet_excel_date(double serial, int date1904, char out[11])
{
    out[0] = '\0';
    if (!isfinite(serial))
        return 0;
    double day = floor(serial);
    long long y;
    unsigned m, d;
    if (date1904) {
        if (day < 0 || day > 2957003)
            return 0;
        kb_tz_civil_from_days(kb_tz_days_from_civil(1904, 1, 1) + (long long)day, &y, &m, &d);
    } else {
        if (day < 1 || day > 2958465)
            return 0;
        if (day == 60) {
            memcpy(out, "1900-02-29", 11);
            return 1;
        }
        /* the days before the invented 1900-02-29 count from 1899-12-31, the rest from
         * 1899-12-30 */
        long long base = kb_tz_days_from_civil(1899, 12, day < 60 ? 31 : 30);
        kb_tz_civil_from_days(base + (long long)day, &y, &m, &d);
    }
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000, m % 13, d % 32);
    return 1;
}

/* The time of day of serial's fraction as "hh:mm:ss"; *carry is 1 when it rounds up to the
 * next day. */
static void excel_time(double serial, char out[9], int *carry)
{
    double frac = serial - floor(serial);
    long secs = lround(frac * 86400.0);
    *carry = secs >= 86400;
    if (*carry)
        secs -= 86400;
    unsigned long u = (unsigned long)secs;
    snprintf(out, 9, "%02lu:%02lu:%02lu", (u / 3600) % 24, (u / 60) % 60, u % 60);
}

/* A number in a date style as text into b: kind decides date, date and time, or time. 0
 * when the value is no date (then the caller writes the number). */
static int date_text(kb_buf *b, double v, enum datekind kind, int date1904)
{
    char day[11], tm[9];
    int carry;
    if (kind == DK_TIME) {
        if (!isfinite(v) || v < 0 || v >= 2958466)
            return 0;
        excel_time(v, tm, &carry);
        kb_buf_adds(b, tm);
        return 1;
    }
    excel_time(v, tm, &carry);
    double dv = kind == DK_DATETIME && carry ? floor(v) + 1 : v;
    if (!kb_sheet_excel_date(dv, date1904, day))
        return 0;
    kb_buf_adds(b, day);
    if (kind == DK_DATETIME) {
        kb_buf_addc(b, ' ');
        kb_buf_adds(b, tm);
    }
    return 1;
}

/* What a number format shows: a date, a date and time, a time, or none of them. Only the
 * first section counts; quoted text, escaped characters and [colour] brackets are
 * skipped. */
static enum datekind format_kind(const char *f)
{
    int date = 0, time = 0, month = 0;
    for (const char *p = f; *p && *p != ';'; p++) {
        char c = (char)(*p | 0x20);
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            if (!q)
                break;
            p = q;
        } else if (*p == '\\' || *p == '_' || *p == '*') {
            if (!p[1])
                break;
            p++;
        } else if (*p == '[') {
            const char *q = strchr(p + 1, ']');
            if (!q)
                break;
            char e = (char)(p[1] | 0x20);
            if (e == 'h' || e == 'm' || e == 's')
                time = 1; /* elapsed time [h]:mm */
            p = q;
        } else if (c == 'y' || c == 'd' || c == 'e') {
            date = 1;
        } else if (c == 'h' || c == 's') {
            time = 1;
        } else if (c == 'm') {
            month = 1;
        }
    }
    if (month && !time)
        date = 1;
    if (date && time)
        return DK_DATETIME;
    return date ? DK_DATE : time ? DK_TIME : DK_NONE;
}

/* Excel's built-in number formats that show dates or times (the ids 27..36 and 50..58 are
 * the Chinese, Japanese and Korean built-ins: 31 is yyyy"年"m"月"d"日"). */
static enum datekind builtin_kind(long id)
{
    if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || id == 36 || (id >= 50 && id <= 54) ||
        id == 57 || id == 58)
        return DK_DATE;
    if (id == 22)
        return DK_DATETIME;
    if ((id >= 18 && id <= 21) || (id >= 32 && id <= 35) || (id >= 45 && id <= 47) || id == 55 ||
        id == 56)
        return DK_TIME;
    return DK_NONE;
}

/* --- rows --- */

static void row_reset(kb_sheet *sh)
{
    kb_buf_reset(&sh->row.text);
    sh->row.n = 0;
    sh->row.too_long = 0;
}

/* Appends one cell of len bytes, cut at KB_SHEET_MAX_CELL on a character boundary. */
static void row_add(kb_sheet *sh, const char *p, size_t len)
{
    rowbuf *r = &sh->row;
    if (len > KB_SHEET_MAX_CELL) {
        len = KB_SHEET_MAX_CELL;
        while (len > 0 && ((unsigned char)p[len] & 0xc0) == 0x80)
            len--;
        r->too_long = 1;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->offs = kb_xrealloc(r->offs, r->cap * sizeof *r->offs);
        r->cells = kb_xrealloc(r->cells, (r->cap + 1) * sizeof *r->cells);
    }
    r->offs[r->n++] = r->text.len;
    kb_buf_add(&r->text, p, len);
    kb_buf_addc(&r->text, '\0');
}

/* Appends text x to a cell's text in b, keeping at most a few bytes past
 * KB_SHEET_MAX_CELL: enough for row_add to see the cut. */
static void add_capped(kb_buf *b, const char *x)
{
    size_t len = strlen(x);
    size_t room = KB_SHEET_MAX_CELL + 4 > b->len ? KB_SHEET_MAX_CELL + 4 - b->len : 0;
    kb_buf_add(b, x, len < room ? len : room);
}

/* Pads the row with empty cells up to column col (0-based). */
static void row_pad(kb_sheet *sh, size_t col)
{
    while (sh->row.n < col)
        row_add(sh, "", 0);
}

/* Ends the row: drops empty cells at its end, checks the text is UTF-8. 1 when a filled
 * cell is left (the row is returned), 0 for an empty row. */
static int row_finish(kb_sheet *sh, kb_sheet_row *out, size_t line, kb_status *rc, kb_err *err)
{
    rowbuf *r = &sh->row;
    *rc = KB_OK;
    while (r->n > 0 && r->text.data[r->offs[r->n - 1]] == '\0')
        r->n--;
    if (r->n == 0)
        return 0;
    for (size_t i = 0; i < r->n; i++) {
        r->cells[i] = r->text.data + r->offs[i];
        size_t len = strlen(r->cells[i]);
        if (kb_text_utf8_bad_at(r->cells[i], len) != len) {
            *rc = kb_err_set(err, KB_EPARSE, "%s: row %zu: the text of column %zu is not "
                             "valid UTF-8", kb_sheet_format_name(sh->format), line, i + 1);
            return 0;
        }
    }
    r->cells[r->n] = NULL;
    out->cells = (const char *const *)r->cells;
    out->n = r->n;
    out->line = line;
    out->too_long = r->too_long;
    out->done = 0;
    return 1;
}

/* --- CSV --- */

static kb_status csv_open(kb_sheet *sh, const char *data, size_t len, const char *charset,
                          kb_err *err)
{
    kb_buf_init(&sh->text, 2 * (size_t)KB_SHEET_MAX_BYTES);
    kb_buf_add(&sh->text, data, len);
    const char *used = NULL;
    kb_status rc = kb_csv_decode(&sh->text, charset, &used, err);
    if (rc != KB_OK)
        return kb_err_prefix(err, rc, "csv");
    sh->charset = used;
    sh->csv = kb_csv_reader_new(kb_buf_str(&sh->text), sh->text.len, KB_SHEET_MAX_CELL + 4);
    return KB_OK;
}

static kb_status csv_next(kb_sheet *sh, kb_sheet_row *out, kb_err *err)
{
    kb_csv_record rec;
    while (kb_csv_next(sh->csv, &rec)) {
        if (rec.n > KB_SHEET_MAX_COLS)
            return kb_err_set(err, KB_ETOOBIG, "csv: line %zu: more than %u columns", rec.line,
                              KB_SHEET_MAX_COLS);
        sh->cells += rec.n;
        if (sh->cells > KB_SHEET_MAX_CELLS)
            return kb_err_set(err, KB_ETOOBIG, "csv: more than %u cells", KB_SHEET_MAX_CELLS);
        row_reset(sh);
        for (size_t i = 0; i < rec.n; i++)
            row_add(sh, rec.fields[i], strlen(rec.fields[i]));
        sh->row.too_long |= rec.too_long;
        kb_status rc;
        if (row_finish(sh, out, rec.line, &rc, err)) {
            if (++sh->rows > sh->max_rows)
                return kb_err_set(err, KB_ETOOBIG, "csv: more than %zu rows", sh->max_rows);
            return KB_OK;
        }
        if (rc != KB_OK)
            return rc;
    }
    sh->done = 1;
    return KB_OK;
}

/* --- .xlsx: parts (kb/ooxml.c) --- */

static int truthy(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* A whole number from text: -1 when v is none (or past max). */
static long number_of(const char *v, long max)
{
    if (!v || !*v)
        return -1;
    long n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || n > max)
            return -1;
        n = n * 10 + (*p - '0');
    }
    return n > max ? -1 : n;
}

/* --- .xlsx: workbook, relationships, styles, shared strings --- */

/* Finds the sheet (by name, or the first) in xl/workbook.xml: its relationship id into
 * *rid (xmlFree) and its name into sh->name; reads the date system. */
static kb_status read_workbook(kb_sheet *sh, const char *want, char **rid, kb_err *err)
{
    kb_ooxml_part *p = NULL;
    kb_status rc = kb_ooxml_part_open(sh->zip, "xl/workbook.xml", KB_SHEET_MAX_META, &p, err);
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_EPARSE, "xlsx: no xl/workbook.xml");
    if (rc != KB_OK)
        return rc;
    int r;
    size_t nsheets = 0;
    while ((r = kb_ooxml_next(p, err)) == 1) {
        if (kb_ooxml_is_start(p, "workbookPr")) {
            char *v = kb_ooxml_attr(p, "date1904");
            sh->date1904 = truthy(v);
            free(v);
        } else if (kb_ooxml_is_start(p, "sheet") && !*rid) {
            nsheets++;
            char *name = kb_ooxml_attr(p, "name");
            if (!want || (name && strcmp(name, want) == 0)) {
                *rid = kb_ooxml_attr(p, "id");
                sh->name = kb_xstrdup(name ? name : "");
            }
            free(name);
        }
    }
    kb_ooxml_part_free(p);
    if (r < 0)
        return KB_EPARSE;
    if (!*rid) {
        if (want)
            return kb_err_set(err, KB_ENOTFOUND, "xlsx: the workbook has no sheet '%.100s'",
                              want);
        return kb_err_set(err, KB_EPARSE, "xlsx: xl/workbook.xml names no sheet");
    }
    return KB_OK;
}

/* The part of relationship rid, from xl/_rels/workbook.xml.rels, into sh->sheet_path. */
static kb_status read_rels(kb_sheet *sh, const char *rid, kb_err *err)
{
    kb_ooxml_part *p = NULL;
    const char *name = "xl/_rels/workbook.xml.rels";
    kb_status rc = kb_ooxml_part_open(sh->zip, name, KB_SHEET_MAX_META, &p, err);
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_EPARSE, "xlsx: no %s", name);
    if (rc != KB_OK)
        return rc;
    int r = 1;
    while (!sh->sheet_path && (r = kb_ooxml_next(p, err)) == 1) {
        if (!kb_ooxml_is_start(p, "Relationship"))
            continue;
        char *id = kb_ooxml_attr(p, "Id");
        char *target = kb_ooxml_attr(p, "Target");
        if (id && target && strcmp(id, rid) == 0 && strlen(target) < 256) {
            kb_buf b;
            kb_buf_init(&b, 0);
            if (target[0] == '/')
                kb_buf_adds(&b, target + 1);
            else
                kb_buf_addf(&b, "xl/%s", target);
            sh->sheet_path = kb_buf_detach(&b, NULL);
        }
        free(id);
        free(target);
    }
    kb_ooxml_part_free(p);
    if (!sh->sheet_path && r < 0)
        return KB_EPARSE;
    if (!sh->sheet_path)
        return kb_err_set(err, KB_EPARSE, "xlsx: %s has no part for sheet '%.100s'", name,
                          sh->name);
    return KB_OK;
}

/* Which cell styles show dates: xl/styles.xml's custom formats and cellXfs (optional). */
static kb_status read_styles(kb_sheet *sh, kb_err *err)
{
    kb_ooxml_part *p = NULL;
    kb_status rc = kb_ooxml_part_open(sh->zip, "xl/styles.xml", KB_SHEET_MAX_META, &p, err);
    if (rc == KB_ENOTFOUND)
        return KB_OK;
    if (rc != KB_OK)
        return rc;
    long *fmt_ids = NULL;
    unsigned char *fmt_kinds = NULL;
    size_t nfmt = 0, cap = 0, xfcap = 0;
    int in_xfs = 0, r;
    while ((r = kb_ooxml_next(p, err)) == 1) {
        if (kb_ooxml_is_start(p, "numFmt")) {
            if (nfmt >= KB_SHEET_MAX_STYLES) {
                r = -1;
                kb_err_set(err, KB_ETOOBIG, "xlsx: xl/styles.xml: more than %u number formats",
                           KB_SHEET_MAX_STYLES);
                break;
            }
            char *id = kb_ooxml_attr(p, "numFmtId");
            char *code = kb_ooxml_attr(p, "formatCode");
            if (nfmt == cap) {
                cap = cap ? 2 * cap : 16;
                fmt_ids = kb_xrealloc(fmt_ids, cap * sizeof *fmt_ids);
                fmt_kinds = kb_xrealloc(fmt_kinds, cap);
            }
            fmt_ids[nfmt] = number_of(id, 1000000);
            fmt_kinds[nfmt++] = (unsigned char)(code ? format_kind(code) : DK_NONE);
            free(id);
            free(code);
        } else if (kb_ooxml_is_start(p, "cellXfs") && !kb_ooxml_is_empty(p)) {
            in_xfs = 1;
        } else if (kb_ooxml_is_end(p, "cellXfs")) {
            in_xfs = 0;
        } else if (in_xfs && kb_ooxml_is_start(p, "xf")) {
            if (sh->nxf >= KB_SHEET_MAX_STYLES) {
                r = -1;
                kb_err_set(err, KB_ETOOBIG, "xlsx: xl/styles.xml: more than %u cell styles",
                           KB_SHEET_MAX_STYLES);
                break;
            }
            char *v = kb_ooxml_attr(p, "numFmtId");
            long id = number_of(v, 1000000);
            free(v);
            enum datekind k = builtin_kind(id);
            for (size_t i = 0; i < nfmt; i++)
                if (fmt_ids[i] == id)
                    k = (enum datekind)fmt_kinds[i];
            if (sh->nxf == xfcap) {
                xfcap = xfcap ? 2 * xfcap : 64;
                sh->xf = kb_xrealloc(sh->xf, xfcap);
            }
            sh->xf[sh->nxf++] = (unsigned char)k;
        }
    }
    free(fmt_ids);
    free(fmt_kinds);
    kb_ooxml_part_free(p);
    return r < 0 ? err->code : KB_OK;
}

/* xl/sharedStrings.xml (optional): every <si>, its <t> texts joined (phonetic runs left
 * out). */
static kb_status read_strings(kb_sheet *sh, kb_err *err)
{
    kb_ooxml_part *p = NULL;
    const char *name = "xl/sharedStrings.xml";
    kb_status rc = kb_ooxml_part_open(sh->zip, name, sh->max_part, &p, err);
    if (rc == KB_ENOTFOUND)
        return KB_OK;
    if (rc != KB_OK)
        return rc;
    kb_buf_init(&sh->sst, 0);
    kb_buf cur;
    kb_buf_init(&cur, 0);
    int in_si = 0, in_t = 0, in_rph = 0, r;
    while ((r = kb_ooxml_next(p, err)) == 1) {
        if (kb_ooxml_is_start(p, "si")) {
            in_si = 1;
            kb_buf_reset(&cur);
            if (!kb_ooxml_is_empty(p))
                continue;
        } else if (in_si && kb_ooxml_is_start(p, "rPh")) {
            in_rph = !kb_ooxml_is_empty(p);
            continue;
        } else if (kb_ooxml_is_end(p, "rPh")) {
            in_rph = 0;
            continue;
        } else if (in_si && kb_ooxml_is_start(p, "t")) {
            in_t = !kb_ooxml_is_empty(p);
            continue;
        } else if (kb_ooxml_is_end(p, "t")) {
            in_t = 0;
            continue;
        } else if (in_t && !in_rph && kb_ooxml_is_text(p)) {
            const char *v = kb_ooxml_value(p);
            if (v)
                add_capped(&cur, v);
            continue;
        } else if (!kb_ooxml_is_end(p, "si")) {
            continue;
        }
        /* the end of an <si> */
        in_si = 0;
        if (sh->nsst >= KB_SHEET_MAX_STRINGS) {
            r = -1;
            kb_err_set(err, KB_ETOOBIG, "xlsx: %s: more than %u shared strings", name,
                       KB_SHEET_MAX_STRINGS);
            break;
        }
        if (sh->nsst == sh->sst_cap) {
            sh->sst_cap = sh->sst_cap ? 2 * sh->sst_cap : 256;
            sh->sst_offs = kb_xrealloc(sh->sst_offs, sh->sst_cap * sizeof *sh->sst_offs);
        }
        sh->sst_offs[sh->nsst++] = sh->sst.len;
        kb_buf_add(&sh->sst, cur.data ? cur.data : "", cur.len);
        kb_buf_addc(&sh->sst, '\0');
    }
    kb_buf_free(&cur);
    kb_ooxml_part_free(p);
    return r < 0 ? err->code : KB_OK;
}

static kb_status xlsx_open(kb_sheet *sh, const char *data, size_t len, const char *want,
                           kb_err *err)
{
    kb_status rc = kb_ooxml_open(data, len, "xlsx", NULL, &sh->zip, err);
    if (rc != KB_OK)
        return rc;
    if (!kb_ooxml_has(sh->zip, "[Content_Types].xml") || !kb_ooxml_has(sh->zip, "xl/workbook.xml"))
        return kb_err_set(err, KB_EPARSE, "a zip archive but no Excel workbook (no "
                          "[Content_Types].xml and xl/workbook.xml): save it as .xlsx or .csv");
    char *rid = NULL;
    rc = read_workbook(sh, want, &rid, err);
    if (rc == KB_OK)
        rc = read_rels(sh, rid, err);
    free(rid);
    if (rc == KB_OK)
        rc = read_styles(sh, err);
    if (rc == KB_OK)
        rc = read_strings(sh, err);
    if (rc != KB_OK)
        return rc;
    rc = kb_ooxml_part_open(sh->zip, sh->sheet_path, sh->max_part, &sh->sh, err);
    if (rc == KB_ENOTFOUND)
        return kb_err_set(err, KB_EPARSE, "xlsx: no %.200s for sheet '%.100s'", sh->sheet_path,
                          sh->name);
    return rc;
}

/* The column (0-based) and row of a cell reference "C7"; -1 for a broken one. */
static long cell_col(const char *ref, long *row)
{
    long col = 0;
    const char *p = ref;
    while (*p >= 'A' && *p <= 'Z' && col <= 16384)
        col = col * 26 + (*p++ - 'A' + 1);
    if (p == ref || col > 16384)
        return -1;
    *row = number_of(p, EXCEL_ROWS);
    return col - 1;
}

/* The text of a number as Excel stored it: whole numbers written with an exponent
 * ("1.3800138E+10") are written out. */
static void number_text(kb_buf *b, const char *v)
{
    if (strpbrk(v, "eE")) {
        char *end;
        double d = strtod(v, &end);
        if (*end == '\0' && isfinite(d) && d == floor(d) && fabs(d) < 1e15) {
            kb_buf_addf(b, "%.0f", d);
            return;
        }
    }
    kb_buf_adds(b, v);
}

/* One cell's value as text into out, by its type t and style s. */
static kb_status cell_value(kb_sheet *sh, const char *t, long s, const kb_buf *v,
                            const kb_buf *is, const char *ref, kb_buf *out, kb_err *err)
{
    const char *val = kb_buf_str(v);
    kb_buf_reset(out);
    if (t && strcmp(t, "s") == 0) {
        long i = number_of(val, (long)KB_SHEET_MAX_STRINGS);
        if (i < 0 || (size_t)i >= sh->nsst)
            return kb_err_set(err, KB_EPARSE, "xlsx: %s: cell %.20s: no shared string '%.20s' "
                              "(%zu strings)", sh->sheet_path, ref, val, sh->nsst);
        kb_buf_adds(out, sh->sst.data + sh->sst_offs[i]);
    } else if (t && strcmp(t, "inlineStr") == 0) {
        kb_buf_add(out, kb_buf_str(is), is->len);
    } else if (t && strcmp(t, "b") == 0) {
        if (v->len)
            kb_buf_adds(out, strcmp(val, "0") == 0 ? "FALSE" : "TRUE");
    } else if (t && strcmp(t, "d") == 0) {
        /* an ISO 8601 date: the day alone when the time is midnight */
        size_t n = v->len;
        if (n >= 19 && val[10] == 'T' && strncmp(val + 11, "00:00:00", 8) == 0)
            n = 10;
        kb_buf_add(out, val, n);
        for (size_t i = 0; i < out->len; i++)
            if (out->data[i] == 'T')
                out->data[i] = ' ';
    } else if (t && (strcmp(t, "str") == 0 || strcmp(t, "e") == 0)) {
        kb_buf_add(out, val, v->len);
    } else if (v->len) {
        enum datekind k = s >= 0 && (size_t)s < sh->nxf ? (enum datekind)sh->xf[s] : DK_NONE;
        char *end;
        double d = strtod(val, &end);
        if (k == DK_NONE || *end != '\0' || !date_text(out, d, k, sh->date1904))
            number_text(out, val);
    }
    return KB_OK;
}

static kb_status xlsx_next(kb_sheet *sh, kb_sheet_row *out, kb_err *err)
{
    kb_ooxml_part *p = sh->sh;
    kb_buf v, is, val;
    kb_buf_init(&v, 0);
    kb_buf_init(&is, 0);
    kb_buf_init(&val, 0);
    kb_status rc = KB_OK;
    long rownum = -1;
    long col = -1;
    char *t = NULL;
    long style = -1;
    char ref[24] = "";
    int in_c = 0, in_v = 0, in_is = 0, in_t = 0, in_rph = 0, r;
    while ((r = kb_ooxml_next(p, err)) == 1) {
        if (kb_ooxml_is_start(p, "row")) {
            if (++sh->rows > sh->max_rows) {
                rc = kb_err_set(err, KB_ETOOBIG, "xlsx: %s: more than %zu rows", sh->sheet_path,
                                sh->max_rows);
                break;
            }
            char *a = kb_ooxml_attr(p, "r");
            rownum = a ? number_of(a, EXCEL_ROWS) : sh->prev_row + 1;
            free(a);
            if (rownum < 1 || rownum > (long)EXCEL_ROWS) {
                rc = kb_err_set(err, KB_EPARSE, "xlsx: %s: a row without a valid number "
                                "after row %ld", sh->sheet_path, sh->prev_row);
                break;
            }
            sh->prev_row = rownum;
            row_reset(sh);
            col = -1;
            if (kb_ooxml_is_empty(p))
                rownum = -1;
        } else if (rownum > 0 && kb_ooxml_is_start(p, "c")) {
            if (++sh->cells > KB_SHEET_MAX_CELLS) {
                rc = kb_err_set(err, KB_ETOOBIG, "xlsx: %s: more than %u cells",
                                sh->sheet_path, KB_SHEET_MAX_CELLS);
                break;
            }
            char *a = kb_ooxml_attr(p, "r");
            long crow = rownum;
            long c = a ? cell_col(a, &crow) : col + 1;
            snprintf(ref, sizeof ref, "%.20s", a ? a : "");
            free(a);
            if (c < 0 || c <= col || crow != rownum) {
                rc = kb_err_set(err, KB_EPARSE, "xlsx: %s: row %ld: bad or unordered cell "
                                "reference '%s'", sh->sheet_path, rownum, ref);
                break;
            }
            if (c >= (long)KB_SHEET_MAX_COLS) {
                rc = kb_err_set(err, KB_ETOOBIG, "xlsx: %s: cell %s: more than %u columns",
                                sh->sheet_path, ref, KB_SHEET_MAX_COLS);
                break;
            }
            if (!ref[0])
                snprintf(ref, sizeof ref, "column %ld", c + 1);
            col = c;
            free(t);
            t = kb_ooxml_attr(p, "t");
            char *s = kb_ooxml_attr(p, "s");
            style = s ? number_of(s, (long)KB_SHEET_MAX_STYLES) : -1;
            free(s);
            kb_buf_reset(&v);
            kb_buf_reset(&is);
            in_c = !kb_ooxml_is_empty(p);
        } else if (in_c && kb_ooxml_is_start(p, "v")) {
            in_v = !kb_ooxml_is_empty(p);
        } else if (kb_ooxml_is_end(p, "v")) {
            in_v = 0;
        } else if (in_c && kb_ooxml_is_start(p, "is")) {
            in_is = !kb_ooxml_is_empty(p);
        } else if (kb_ooxml_is_end(p, "is")) {
            in_is = 0;
        } else if (in_is && kb_ooxml_is_start(p, "rPh")) {
            in_rph = !kb_ooxml_is_empty(p);
        } else if (kb_ooxml_is_end(p, "rPh")) {
            in_rph = 0;
        } else if (in_is && kb_ooxml_is_start(p, "t")) {
            in_t = !kb_ooxml_is_empty(p);
        } else if (kb_ooxml_is_end(p, "t")) {
            in_t = 0;
        } else if ((in_v || (in_t && !in_rph)) && kb_ooxml_is_text(p)) {
            const char *x = kb_ooxml_value(p);
            if (x)
                add_capped(in_v ? &v : &is, x);
        } else if (in_c && kb_ooxml_is_end(p, "c")) {
            in_c = in_v = in_is = in_t = in_rph = 0;
            rc = cell_value(sh, t, style, &v, &is, ref, &val, err);
            if (rc != KB_OK)
                break;
            if (val.len) {
                row_pad(sh, (size_t)col);
                row_add(sh, kb_buf_str(&val), val.len);
            }
        } else if (rownum > 0 && kb_ooxml_is_end(p, "row")) {
            if (row_finish(sh, out, (size_t)rownum, &rc, err) || rc != KB_OK)
                break;
            rownum = -1;
        } else if (kb_ooxml_is_end(p, "sheetData")) {
            r = 0;
            break;
        }
    }
    if (r < 0)
        rc = err->code;
    else if (r == 0 && rc == KB_OK)
        sh->done = 1;
    free(t);
    kb_buf_free(&v);
    kb_buf_free(&is);
    kb_buf_free(&val);
    return rc;
}

/* --- .xls --- */

static const char *freexl_why(int rc)
{
    switch (rc) {
    case FREEXL_INSUFFICIENT_MEMORY:
        return "out of memory";
    case FREEXL_INVALID_CFBF_HEADER:
    case FREEXL_CFBF_INVALID_SIGNATURE:
    case FREEXL_CFBF_INVALID_SECTOR_SIZE:
        return "a broken compound file header";
    case FREEXL_CFBF_READ_ERROR:
    case FREEXL_CFBF_SEEK_ERROR:
        return "the file ends early or points outside itself";
    case FREEXL_CFBF_EMPTY_FAT_CHAIN:
    case FREEXL_CFBF_ILLEGAL_FAT_ENTRY:
    case FREEXL_INVALID_MINI_STREAM:
    case FREEXL_CFBF_ILLEGAL_MINI_FAT_ENTRY:
        return "a broken sector table";
    case FREEXL_BIFF_INVALID_BOF:
        return "no valid BIFF start record";
    case FREEXL_BIFF_INVALID_SST:
    case FREEXL_BIFF_ILLEGAL_SST_INDEX:
        return "a broken shared string table";
    case FREEXL_BIFF_WORKBOOK_NOT_FOUND:
        return "no workbook stream (not an Excel file?)";
    case FREEXL_BIFF_ILLEGAL_SHEET_INDEX:
        return "no such sheet";
    case FREEXL_INVALID_CHARACTER:
    case FREEXL_UNSUPPORTED_CHARSET:
        return "text in an unknown or broken character set";
    case FREEXL_ILLEGAL_CELL_ROW_COL:
        return "a cell outside the sheet's dimensions";
    case FREEXL_ILLEGAL_RK_VALUE:
        return "a broken number";
    case FREEXL_CRAFTED_FILE:
        return "a file crafted to break readers";
    default:
        return "unreadable";
    }
}

/* freexl turns a number in a date style into a date by counting days one at a time from
 * 1900 (or 1904): a cell holding 2e9 costs it seconds, and a sheet of them hours. Before
 * freexl sees a file, the Workbook stream is taken out of the compound file here and the
 * numbers of its cells are summed; past XLS_DAY_BUDGET the file is refused. Real sheets
 * stay far below it: 100,000 dates of 2024 sum to 4.5e9. A compound file this reader
 * cannot follow is refused too, so freexl never reads a file this check did not. */
#define XLS_DAY_BUDGET 5e9

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

typedef struct {
    const unsigned char *d;
    size_t len;
    size_t ss;       /* sector size */
    size_t nsec;     /* sectors in the file */
    uint32_t *fat;
    size_t nfat;
} cfb;

static const unsigned char *cfb_sector(const cfb *c, uint32_t i)
{
    return i < c->nsec ? c->d + (size_t)(i + 1) * c->ss : NULL;
}

/* Appends want bytes of the sector chain from start to out (want SIZE_MAX: the whole
 * chain). 0 on a broken chain. */
static int cfb_chain(const cfb *c, uint32_t start, size_t want, kb_buf *out)
{
    uint32_t s = start;
    for (size_t steps = 0; out->len < want; steps++) {
        if (s == 0xfffffffeu && want == SIZE_MAX)
            return 1;
        const unsigned char *p = cfb_sector(c, s);
        if (!p || steps > c->nsec || s >= c->nfat)
            return 0;
        size_t n = want - out->len < c->ss ? want - out->len : c->ss;
        if (kb_buf_add(out, p, n) != KB_OK)
            return 0;
        s = c->fat[s];
    }
    return 1;
}

/* The bytes of the Workbook (BIFF8) or Book (BIFF5) stream into out. */
static kb_status cfb_workbook(const char *data, size_t len, kb_buf *out, kb_err *err)
{
    cfb c = { (const unsigned char *)data, len, 0, 0, NULL, 0 };
    const unsigned char *h = c.d;
    kb_status rc = KB_OK;
    kb_buf dir, mini, minifat;
    kb_buf_init(&dir, 0);
    kb_buf_init(&mini, 0);
    kb_buf_init(&minifat, 0);
    if (len < 512 || (le16(h + 30) != 9 && le16(h + 30) != 12)) {
        rc = kb_err_set(err, KB_EPARSE, "xls: a broken compound file header");
        goto out;
    }
    c.ss = (size_t)1 << le16(h + 30);
    c.nsec = len / c.ss > 0 ? len / c.ss - 1 : 0;
    uint32_t nfatsec = le32(h + 44);
    if (nfatsec == 0 || nfatsec > c.nsec) {
        rc = kb_err_set(err, KB_EPARSE, "xls: a broken sector table");
        goto out;
    }
    size_t per = c.ss / 4;
    c.fat = kb_xcalloc((size_t)nfatsec, per * sizeof *c.fat);
    /* the FAT's sectors: 109 in the header, the rest in the DIFAT chain */
    uint32_t difat = le32(h + 68);
    size_t k = 0, steps = 0;
    const unsigned char *list = h + 76;
    size_t nlist = 109;
    while (k < nfatsec) {
        for (size_t i = 0; i < nlist && k < nfatsec; i++, k++) {
            const unsigned char *p = cfb_sector(&c, le32(list + 4 * i));
            if (!p) {
                rc = kb_err_set(err, KB_EPARSE, "xls: a broken sector table");
                goto out;
            }
            for (size_t j = 0; j < per; j++)
                c.fat[k * per + j] = le32(p + 4 * j);
        }
        if (k < nfatsec) {
            list = cfb_sector(&c, difat);
            if (!list || ++steps > c.nsec) {
                rc = kb_err_set(err, KB_EPARSE, "xls: a broken sector table");
                goto out;
            }
            nlist = per - 1;
            difat = le32(list + 4 * nlist);
        }
    }
    c.nfat = (size_t)nfatsec * per;
    /* the directory: the root (the mini stream) and the workbook's entry */
    if (!cfb_chain(&c, le32(h + 48), SIZE_MAX, &dir)) {
        rc = kb_err_set(err, KB_EPARSE, "xls: a broken directory");
        goto out;
    }
    const unsigned char *root = NULL, *book = NULL;
    for (size_t off = 0; off + 128 <= dir.len; off += 128) {
        const unsigned char *e = (const unsigned char *)dir.data + off;
        if (e[66] == 5 && !root)
            root = e;
        unsigned nl = le16(e + 64);
        if (e[66] != 2 || (nl != 18 && nl != 10))
            continue;
        const char *want = nl == 18 ? "Workbook" : "Book";
        size_t i = 0;
        while (want[i] && e[2 * i] == (unsigned char)want[i] && e[2 * i + 1] == 0)
            i++;
        if (!want[i] && !book)
            book = e;
    }
    if (!book) {
        rc = kb_err_set(err, KB_EPARSE, "xls: no workbook stream (not an Excel file?)");
        goto out;
    }
    size_t size = le32(book + 120);
    if (size > len) {
        rc = kb_err_set(err, KB_EPARSE, "xls: the workbook stream is larger than the file");
        goto out;
    }
    if (size >= le32(h + 56)) {
        if (!cfb_chain(&c, le32(book + 116), size, out))
            rc = kb_err_set(err, KB_EPARSE, "xls: a broken sector chain");
        goto out;
    }
    /* a small stream lives in 64-byte mini sectors inside the root's stream */
    size_t rootsize = root ? le32(root + 120) : 0;
    if (!root || rootsize > len || !cfb_chain(&c, le32(root + 116), rootsize, &mini) ||
        !cfb_chain(&c, le32(h + 60), (size_t)le32(h + 64) * c.ss, &minifat) ||
        le32(h + 64) > c.nsec) {
        rc = kb_err_set(err, KB_EPARSE, "xls: a broken mini stream");
        goto out;
    }
    uint32_t s = le32(book + 116);
    size_t nmini = minifat.len / 4;
    for (size_t n = 0; out->len < size; n++) {
        if (s >= nmini || (size_t)s * 64 + 64 > mini.len || n > nmini) {
            rc = kb_err_set(err, KB_EPARSE, "xls: a broken mini stream");
            goto out;
        }
        size_t take = size - out->len < 64 ? size - out->len : 64;
        kb_buf_add(out, mini.data + (size_t)s * 64, take);
        s = le32((const unsigned char *)minifat.data + 4 * (size_t)s);
    }
out:
    free(c.fat);
    kb_buf_free(&dir);
    kb_buf_free(&mini);
    kb_buf_free(&minifat);
    return rc;
}

/* The days freexl would count for one number. */
static double day_cost(double v)
{
    return isfinite(v) && v >= 1 && v < 2147483648.0 ? floor(v) : 0;
}

static double rk_value(uint32_t rk)
{
    double v;
    if (rk & 2) {
        v = (double)((int32_t)rk >> 2);
    } else {
        uint64_t bits = (uint64_t)(rk & 0xfffffffcu) << 32;
        memcpy(&v, &bits, sizeof v);
    }
    return rk & 1 ? v / 100 : v;
}

/* Sums the numbers of the stream's cell records (NUMBER, RK, MULRK, FORMULA). */
static kb_status xls_check(const char *data, size_t len, kb_err *err)
{
    kb_buf st;
    kb_buf_init(&st, len);
    kb_status rc = cfb_workbook(data, len, &st, err);
    double days = 0;
    const unsigned char *p = (const unsigned char *)st.data;
    for (size_t off = 0; rc == KB_OK && off + 4 <= st.len;) {
        unsigned type = le16(p + off), n = le16(p + off + 2);
        const unsigned char *r = p + off + 4;
        if (off + 4 + n > st.len)
            break;
        if ((type == 0x0203 || type == 0x0006) && n >= 14) {
            double v;
            memcpy(&v, r + 6, sizeof v); /* little-endian hosts only, as Debian's amd64 */
            days += day_cost(v);
        } else if (type == 0x027E && n >= 10) {
            days += day_cost(rk_value(le32(r + 6)));
        } else if (type == 0x00BD && n >= 6) {
            for (size_t i = 4; i + 6 <= (size_t)n - 2; i += 6)
                days += day_cost(rk_value(le32(r + i + 2)));
        }
        if (days > XLS_DAY_BUDGET)
            rc = kb_err_set(err, KB_ETOOBIG, "xls: the numbers of the sheet are too large or "
                            "too many for the .xls reader (save the file as .xlsx)");
        off += 4 + n;
    }
    kb_buf_free(&st);
    return rc;
}

/* freexl is run in a child process: fuzzing found it reading past its buffers on crafted
 * files (and it counts date days one by one), so whatever it does to memory stays in a
 * process that ends, under a CPU limit and a deadline. freexl reads a path only: the bytes
 * go to a private temporary file, removed when the child is done. The child writes the
 * sheet to a pipe as records: 'N' the sheet's name, 'R' a row (line, cell count, cells),
 * 'E' an error message, 'D' the end; each length a 4-byte little-endian number. The
 * parent reads it all (at most KB_SHEET_MAX_PART bytes) and checks every length. */
#define XLS_SECONDS 30

static void put32(kb_buf *b, size_t v)
{
    unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 24) };
    kb_buf_add(b, x, 4);
}

static void put_str(kb_buf *b, char type, const char *s, size_t len)
{
    kb_buf_addc(b, type);
    put32(b, len);
    kb_buf_add(b, s, len);
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* An error for the parent: its code, message and Chinese message. */
static void put_err(kb_buf *b, const kb_err *e)
{
    kb_buf_addc(b, 'E');
    put32(b, (size_t)e->code);
    put_str(b, 'm', e->msg, strnlen(e->msg, sizeof e->msg));
    put_str(b, 'z', e->msg_zh, strnlen(e->msg_zh, sizeof e->msg_zh));
}

/* The child: reads the sheet with freexl and writes it to fd; never returns. */
static void xls_child(const char *path, const char *want, size_t max_rows, int fd)
{
    signal(SIGPIPE, SIG_IGN);
    /* kb/ never prints: what a crashing freexl (or a sanitizer watching it) would say goes
     * nowhere; the parent reports the failure */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDERR_FILENO);
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    struct rlimit cpu = { XLS_SECONDS, XLS_SECONDS + 1 };
    setrlimit(RLIMIT_CPU, &cpu);
    kb_buf out, v, row;
    kb_buf_init(&out, 0);
    kb_buf_init(&v, 0);
    kb_buf_init(&row, 0);
    kb_err e;
    const void *h = NULL;
    unsigned info = 0, nsheets = 0, rows = 0;
    unsigned short cols = 0;
    int rc = freexl_open(path, &h);
    if (rc != FREEXL_OK) {
        kb_err_set(&e, KB_EPARSE, "xls: %s", freexl_why(rc));
        goto fail;
    }
    if (freexl_get_info(h, FREEXL_BIFF_PASSWORD, &info) == FREEXL_OK &&
        info == FREEXL_BIFF_OBFUSCATED) {
        kb_err_set(&e, KB_EPARSE, "xls: the workbook is password-protected");
        goto fail;
    }
    if (freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &nsheets) != FREEXL_OK || !nsheets) {
        kb_err_set(&e, KB_EPARSE, "xls: the workbook has no sheet");
        goto fail;
    }
    unsigned idx = nsheets;
    const char *name = NULL;
    for (unsigned i = 0; i < nsheets && i < 65535 && idx == nsheets; i++) {
        const char *n = NULL;
        if (freexl_get_worksheet_name(h, (unsigned short)i, &n) != FREEXL_OK)
            continue;
        if (!want || (n && strcmp(n, want) == 0)) {
            idx = i;
            name = n ? n : "";
        }
    }
    if (idx == nsheets) {
        if (want)
            kb_err_set(&e, KB_ENOTFOUND, "xls: the workbook has no sheet '%.100s'", want);
        else
            kb_err_set(&e, KB_EPARSE, "xls: the workbook has no sheet");
        goto fail;
    }
    put_str(&out, 'N', name, strnlen(name, 1024));
    rc = freexl_select_active_worksheet(h, (unsigned short)idx);
    if (rc == FREEXL_OK)
        rc = freexl_worksheet_dimensions(h, &rows, &cols);
    if (rc != FREEXL_OK) {
        kb_err_set(&e, KB_EPARSE, "xls: sheet '%.100s': %s", name, freexl_why(rc));
        goto fail;
    }
    if (rows > max_rows || cols > KB_SHEET_MAX_COLS ||
        (size_t)rows * cols > KB_SHEET_MAX_CELLS) {
        kb_err_set(&e, KB_ETOOBIG, "xls: sheet '%.100s': more than %zu rows, %u columns or %u "
                   "cells", name, max_rows, KB_SHEET_MAX_COLS, KB_SHEET_MAX_CELLS);
        goto fail;
    }
    for (unsigned r = 0; r < rows; r++) {
        kb_buf_reset(&row);
        size_t n = 0, filled = 0, filled_len = 0;
        for (unsigned short c = 0; c < cols; c++) {
            FreeXL_CellValue cv;
            rc = freexl_get_cell_value(h, r, c, &cv);
            if (rc != FREEXL_OK) {
                kb_err_set(&e, KB_EPARSE, "xls: sheet '%.100s': row %u: %s", name, r + 1,
                           freexl_why(rc));
                goto fail;
            }
            kb_buf_reset(&v);
            switch (cv.type) {
            case FREEXL_CELL_INT:
                kb_buf_addf(&v, "%d", cv.value.int_value);
                break;
            case FREEXL_CELL_DOUBLE:
                if (isfinite(cv.value.double_value) &&
                    cv.value.double_value == floor(cv.value.double_value) &&
                    fabs(cv.value.double_value) < 1e15)
                    kb_buf_addf(&v, "%.0f", cv.value.double_value);
                else
                    kb_buf_addf(&v, "%.15g", cv.value.double_value);
                break;
            case FREEXL_CELL_TEXT:
            case FREEXL_CELL_SST_TEXT:
            case FREEXL_CELL_DATE:
            case FREEXL_CELL_DATETIME:
            case FREEXL_CELL_TIME:
                if (cv.value.text_value)
                    kb_buf_add(&v, cv.value.text_value,
                               strnlen(cv.value.text_value, KB_SHEET_MAX_CELL + 4));
                break;
            default:
                break;
            }
            put32(&row, v.len);
            kb_buf_add(&row, v.data ? v.data : "", v.len);
            n++;
            if (v.len) {
                filled = n;
                filled_len = row.len;
            }
        }
        if (filled) {
            kb_buf_addc(&out, 'R');
            put32(&out, r + 1);
            put32(&out, filled);
            kb_buf_add(&out, row.data, filled_len);
        }
        if (out.len > 65536) {
            if (write_all(fd, out.data, out.len) != 0)
                _exit(1);
            kb_buf_reset(&out);
        }
    }
    kb_buf_addc(&out, 'D');
    write_all(fd, out.data, out.len);
    _exit(0);
fail:
    put_err(&out, &e);
    write_all(fd, out.data, out.len);
    _exit(0);
}

/* Reads the child's output (at most max bytes) until it ends or the deadline passes. */
static kb_status xls_collect(pid_t pid, int fd, size_t max, kb_buf *out, kb_err *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char chunk[65536];
    kb_status rc = KB_OK;
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (XLS_SECONDS - (now.tv_sec - t0.tv_sec)) * 1000L;
        if (ms <= 0) {
            rc = kb_err_set(err, KB_ETOOBIG, "xls: reading the file took more than %d "
                            "seconds", XLS_SECONDS);
            break;
        }
        struct pollfd pf = { fd, POLLIN, 0 };
        int pr = poll(&pf, 1, (int)(ms > 1000 ? 1000 : ms));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out->len + (size_t)n > max) {
            rc = kb_err_set(err, KB_ETOOBIG, "xls: the sheet's text is larger than %zu bytes",
                            max);
            break;
        }
        kb_buf_add(out, chunk, (size_t)n);
    }
    if (rc != KB_OK)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == KB_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
            rc = kb_err_set(err, KB_ETOOBIG, "xls: reading the file took more than %d "
                            "seconds", XLS_SECONDS);
        else
            rc = kb_err_set(err, KB_EPARSE, "xls: the file broke the .xls reader (freexl %s)",
                            WIFSIGNALED(status) ? "crashed" : "failed");
    }
    return rc;
}

/* One length-prefixed string of the child's output at *off; NULL when it runs past. */
static const char *xls_str(const kb_sheet *sh, size_t *off, size_t *len)
{
    if (sh->xls_out.len - *off < 4)
        return NULL;
    *len = le32((const unsigned char *)sh->xls_out.data + *off);
    *off += 4;
    if (*len > sh->xls_out.len - *off)
        return NULL;
    const char *p = sh->xls_out.data + *off;
    *off += *len;
    return p;
}

/* Copies text (len bytes, cut on a character boundary) into the array out of size cap. */
static void copy_text(char *out, size_t cap, const char *text, size_t len)
{
    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(out, text, len);
    out[len] = '\0';
    if (kb_text_utf8_bad_at(out, len) != len)
        out[kb_text_utf8_bad_at(out, len)] = '\0';
}

/* The child's error record at *off ('E', code, message, Chinese message) into err. */
static kb_status xls_err(const kb_sheet *sh, size_t *off, kb_err *err)
{
    size_t at = *off + 1, mlen = 0, zlen = 0;
    if (sh->xls_out.len - at < 5)
        return kb_err_set(err, KB_EPARSE, "xls: the .xls reader's answer is cut");
    uint32_t code = le32((const unsigned char *)sh->xls_out.data + at);
    at += 4 + 1;
    const char *m = xls_str(sh, &at, &mlen);
    at++;
    const char *z = m && at <= sh->xls_out.len ? xls_str(sh, &at, &zlen) : NULL;
    if (!z || code == KB_OK || code > KB_EUNAVAIL)
        return kb_err_set(err, KB_EPARSE, "xls: the .xls reader's answer is cut");
    *off = at;
    err->code = (kb_status)code;
    copy_text(err->msg, sizeof err->msg, m, mlen);
    copy_text(err->msg_zh, sizeof err->msg_zh, z, zlen);
    return err->code;
}

static kb_status xls_open(kb_sheet *sh, const char *data, size_t len, const char *want,
                          kb_err *err)
{
    if (len > KB_SHEET_MAX_XLS_BYTES)
        return kb_err_set(err, KB_ETOOBIG, "xls: the file is larger than %u bytes (save it "
                          "as .xlsx)", KB_SHEET_MAX_XLS_BYTES);
    kb_status st = xls_check(data, len, err);
    if (st != KB_OK)
        return st;
    const char *dir = getenv("TMPDIR");
    char path[256];
    int n = snprintf(path, sizeof path, "%s/kedb-xls-XXXXXX", dir && *dir ? dir : "/tmp");
    if (n < 0 || (size_t)n >= sizeof path)
        return kb_err_set(err, KB_EIO, "xls: TMPDIR is too long");
    int fd = mkstemp(path);
    if (fd < 0)
        return kb_err_set(err, KB_EIO, "xls: cannot make a temporary file in '%.100s': %s",
                          dir && *dir ? dir : "/tmp", strerror(errno));
    if (write_all(fd, data, len) != 0 || close(fd) != 0) {
        int e = errno;
        if (fcntl(fd, F_GETFD) != -1)
            close(fd);
        unlink(path);
        return kb_err_set(err, KB_EIO, "xls: cannot write the temporary file: %s",
                          strerror(e));
    }
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        unlink(path);
        return kb_err_set(err, KB_EIO, "xls: cannot make a pipe: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        xls_child(path, want, sh->max_rows, pipefd[1]);
    }
    close(pipefd[1]);
    if (pid < 0) {
        close(pipefd[0]);
        unlink(path);
        return kb_err_set(err, KB_EIO, "xls: cannot start the reader: %s", strerror(errno));
    }
    kb_buf_init(&sh->xls_out, 0);
    st = xls_collect(pid, pipefd[0], sh->max_part, &sh->xls_out, err);
    close(pipefd[0]);
    unlink(path);
    if (st != KB_OK)
        return st;
    /* the child's verdict on the file comes first: the sheet's name or an error */
    size_t off = 0;
    if (sh->xls_out.len && sh->xls_out.data[0] == 'E')
        return xls_err(sh, &off, err);
    size_t slen = 0;
    off = 1;
    const char *p = sh->xls_out.len && sh->xls_out.data[0] == 'N' ? xls_str(sh, &off, &slen)
                                                                   : NULL;
    if (!p)
        return kb_err_set(err, KB_EPARSE, "xls: the .xls reader gave no answer");
    sh->name = kb_xmalloc(slen + 1);
    memcpy(sh->name, p, slen);
    sh->name[slen] = '\0';
    sh->xls_off = off;
    return KB_OK;
}

static kb_status xls_next(kb_sheet *sh, kb_sheet_row *out, kb_err *err)
{
    while (sh->xls_off < sh->xls_out.len) {
        char type = sh->xls_out.data[sh->xls_off++];
        size_t len = 0;
        if (type == 'D') {
            sh->done = 1;
            return KB_OK;
        }
        if (type == 'E') {
            sh->xls_off--;
            return xls_err(sh, &sh->xls_off, err);
        }
        if (type != 'R' || sh->xls_out.len - sh->xls_off < 8)
            break;
        const unsigned char *h = (const unsigned char *)sh->xls_out.data + sh->xls_off;
        size_t line = le32(h), n = le32(h + 4);
        sh->xls_off += 8;
        if (n > KB_SHEET_MAX_COLS)
            break;
        row_reset(sh);
        for (size_t i = 0; i < n; i++) {
            const char *c = xls_str(sh, &sh->xls_off, &len);
            if (!c)
                return kb_err_set(err, KB_EPARSE, "xls: the .xls reader's answer is cut");
            row_add(sh, c, strnlen(c, len));
        }
        kb_status rc;
        if (row_finish(sh, out, line, &rc, err))
            return KB_OK;
        if (rc != KB_OK)
            return rc;
    }
    return kb_err_set(err, KB_EPARSE, "xls: the .xls reader's answer is cut");
}

/* --- the API --- */

static int is_zip(const char *p, size_t len)
{
    return len >= 4 && (memcmp(p, "PK\x03\x04", 4) == 0 || memcmp(p, "PK\x05\x06", 4) == 0);
}

static int is_ole(const char *p, size_t len)
{
    return len >= 8 && memcmp(p, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0;
}

kb_status kb_sheet_open(const char *data, size_t len, const kb_sheet_options *opt,
                        kb_sheet **out, kb_err *errp)
{
    /* the readers below take the status from err after a failure: never NULL there */
    kb_err e;
    kb_err *err = &e;
    kb_err_clear(err);
    *out = NULL;
    kb_sheet_options none = { NULL, NULL, 0, 0 };
    if (!opt)
        opt = &none;
    if (!data)
        data = "";
    if (len > KB_SHEET_MAX_BYTES)
        return kb_err_set(errp, KB_ETOOBIG, "the file is larger than %u bytes",
                          KB_SHEET_MAX_BYTES);
    kb_sheet *sh = kb_xcalloc(1, sizeof *sh);
    kb_buf_init(&sh->row.text, 0);
    sh->charset = "UTF-8";
    sh->max_rows = opt->max_rows && opt->max_rows < KB_SHEET_MAX_ROWS ? opt->max_rows
                                                                      : KB_SHEET_MAX_ROWS;
    sh->max_part = opt->max_part && opt->max_part < KB_SHEET_MAX_PART ? opt->max_part
                                                                      : KB_SHEET_MAX_PART;
    kb_status rc;
    if (is_zip(data, len)) {
        sh->format = KB_SHEET_XLSX;
        rc = xlsx_open(sh, data, len, opt->sheet, err);
    } else if (is_ole(data, len)) {
        sh->format = KB_SHEET_XLS;
        rc = xls_open(sh, data, len, opt->sheet, err);
    } else {
        sh->format = KB_SHEET_CSV;
        rc = csv_open(sh, data, len, opt->charset, err);
    }
    if (rc != KB_OK) {
        kb_sheet_free(sh);
        if (errp)
            *errp = e;
        return rc;
    }
    *out = sh;
    return KB_OK;
}

kb_sheet_format kb_sheet_format_of(const kb_sheet *sh)
{
    return sh->format;
}

const char *kb_sheet_charset(const kb_sheet *sh)
{
    return sh->charset;
}

const char *kb_sheet_name(const kb_sheet *sh)
{
    return sh->name ? sh->name : "";
}

kb_status kb_sheet_next(kb_sheet *sh, kb_sheet_row *out, kb_err *err)
{
    memset(out, 0, sizeof *out);
    if (sh->failed) {
        if (err)
            *err = sh->fail_err;
        return sh->failed;
    }
    kb_status rc = KB_OK;
    kb_err e;
    kb_err_clear(&e);
    if (!sh->done) {
        switch (sh->format) {
        case KB_SHEET_CSV:
            rc = csv_next(sh, out, &e);
            break;
        case KB_SHEET_XLSX:
            rc = xlsx_next(sh, out, &e);
            break;
        case KB_SHEET_XLS:
            rc = xls_next(sh, out, &e);
            break;
        }
    }
    if (rc != KB_OK) {
        memset(out, 0, sizeof *out);
        sh->failed = rc;
        sh->fail_err = e;
        if (err)
            *err = e;
        return rc;
    }
    if (sh->done) {
        memset(out, 0, sizeof *out);
        out->done = 1;
    }
    return KB_OK;
}

void kb_sheet_free(kb_sheet *sh)
{
    if (!sh)
        return;
    kb_csv_reader_free(sh->csv);
    kb_buf_free(&sh->text);
    kb_ooxml_part_free(sh->sh);
    kb_ooxml_free(sh->zip);
    kb_buf_free(&sh->xls_out);
    kb_buf_free(&sh->sst);
    free(sh->sst_offs);
    free(sh->xf);
    free(sh->sheet_path);
    free(sh->name);
    kb_buf_free(&sh->row.text);
    free(sh->row.offs);
    free(sh->row.cells);
    free(sh);
}
