/* The PDF layout helper (kb_pdf.h): blocks kept as copies, laid out twice per render (the
 * first pass counts the pages for the footers, the second draws), with pango for text and
 * cairo for pages and charts. Layout does not depend on the surface: the pango context
 * is on kedb's own font map at 72 dpi with unhinted metrics, so both passes break lines
 * and pages at the same places. */
#include "kb_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_buf.h"

#define CONTENT_W (KB_PDF_PAGE_W - 2 * KB_PDF_MARGIN_X)
#define BOTTOM (KB_PDF_PAGE_H - KB_PDF_MARGIN_BOTTOM)
#define CELL_PAD 4.0
#define BAR_H 11.0
#define BAR_GAP 6.0

enum kind { B_TITLE, B_HEADING, B_TEXT, B_TABLE, B_CHART };

typedef struct {
    enum kind kind;
    char *text;          /* title, heading, paragraph, chart title */
    char *sub;           /* title page: subtitle */
    char **strs;         /* title: lines; table: head then cells; chart: labels then series */
    size_t nstrs;
    size_t ncols;        /* table columns; chart: series */
    size_t nrows;        /* table rows; chart: labels */
    int has_head;
    double *widths;      /* table: ncols shares, normalised to 1 */
    int *right;
    double *values;      /* chart */
    unsigned colors[KB_PDF_MAX_SERIES];
    double max;
    int decimals;
    int has_legend;
} block;

struct kb_pdf {
    char *header;
    size_t max_pages;
    block *b;
    size_t n;
};

/* --- text copies --- */

/* A copy of s (NULL: "") of at most max bytes: invalid UTF-8 replaced, control characters
 * (except "\n" when keep_nl) made spaces, cut at a character boundary with "…". */
static char *clean(const char *s, size_t max, int keep_nl)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    int cut = len > max;
    if (cut)
        len = max;
    gchar *v = g_utf8_make_valid(s, (gssize)len);
    if (cut) {
        /* drop a character split by the cut (now U+FFFD at the end) */
        size_t vl = strlen(v);
        if (vl >= 3 && memcmp(v + vl - 3, "\xef\xbf\xbd", 3) == 0)
            v[vl - 3] = '\0';
    }
    kb_buf b;
    kb_buf_init(&b, 0);
    for (const unsigned char *q = (const unsigned char *)v; *q; q++) {
        if (*q < 0x20 || *q == 0x7f)
            kb_buf_addc(&b, (*q == '\n' && keep_nl) ? '\n' : ' ');
        else
            kb_buf_addc(&b, (char)*q);
    }
    if (cut)
        kb_buf_adds(&b, "\xe2\x80\xa6");
    g_free(v);
    char *out = kb_buf_detach(&b, NULL);
    kb_buf_free(&b);
    return out;
}

static void block_clear(block *k)
{
    free(k->text);
    free(k->sub);
    for (size_t i = 0; i < k->nstrs; i++)
        free(k->strs[i]);
    free(k->strs);
    free(k->widths);
    free(k->right);
    free(k->values);
}

kb_pdf *kb_pdf_new(const char *header, size_t max_pages)
{
    kb_pdf *p = kb_xcalloc(1, sizeof *p);
    p->header = clean(header, KB_PDF_MAX_CELL, 0);
    p->max_pages = max_pages == 0 || max_pages > KB_PDF_MAX_PAGES ? KB_PDF_MAX_PAGES : max_pages;
    return p;
}

void kb_pdf_free(kb_pdf *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        block_clear(&p->b[i]);
    free(p->b);
    free(p->header);
    free(p);
}

static kb_status add(kb_pdf *p, enum kind kind, block **out, kb_err *err)
{
    if (p->n >= KB_PDF_MAX_BLOCKS)
        return kb_err_set(err, KB_ETOOBIG, "a document has at most %u blocks", KB_PDF_MAX_BLOCKS);
    p->b = kb_xrealloc(p->b, (p->n + 1) * sizeof *p->b);
    block *k = &p->b[p->n++];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    *out = k;
    return KB_OK;
}

kb_status kb_pdf_title(kb_pdf *p, const char *title, const char *subtitle,
                       const char *const *lines, size_t n, kb_err *err)
{
    if (n > 20)
        return kb_err_set(err, KB_EINVAL, "a title page has at most 20 lines");
    block *k;
    kb_status rc = add(p, B_TITLE, &k, err);
    if (rc != KB_OK)
        return rc;
    k->text = clean(title, KB_PDF_MAX_CELL, 0);
    k->sub = clean(subtitle, KB_PDF_MAX_CELL, 0);
    k->strs = n ? kb_xcalloc(n, sizeof *k->strs) : NULL;
    for (size_t i = 0; i < n; i++)
        k->strs[i] = clean(lines[i], KB_PDF_MAX_CELL, 0);
    k->nstrs = n;
    return KB_OK;
}

kb_status kb_pdf_heading(kb_pdf *p, const char *text, kb_err *err)
{
    block *k;
    kb_status rc = add(p, B_HEADING, &k, err);
    if (rc == KB_OK)
        k->text = clean(text, KB_PDF_MAX_CELL, 0);
    return rc;
}

kb_status kb_pdf_text(kb_pdf *p, const char *text, kb_err *err)
{
    block *k;
    kb_status rc = add(p, B_TEXT, &k, err);
    if (rc == KB_OK)
        k->text = clean(text, KB_PDF_MAX_TEXT, 1);
    return rc;
}

kb_status kb_pdf_table(kb_pdf *p, const char *const *head, const double *widths,
                       const int *right, size_t ncols, const char *const *cells, size_t nrows,
                       kb_err *err)
{
    if (ncols < 1 || ncols > KB_PDF_MAX_COLS)
        return kb_err_set(err, KB_EINVAL, "a table has 1 to %u columns, not %zu",
                          KB_PDF_MAX_COLS, ncols);
    if (nrows > KB_PDF_MAX_ROWS)
        return kb_err_set(err, KB_ETOOBIG, "a table has at most %u rows, not %zu",
                          KB_PDF_MAX_ROWS, nrows);
    double sum = 0;
    for (size_t i = 0; widths && i < ncols; i++) {
        if (!(widths[i] > 0) || !isfinite(widths[i]))
            return kb_err_set(err, KB_EINVAL, "column %zu has no width", i + 1);
        sum += widths[i];
    }
    block *k;
    kb_status rc = add(p, B_TABLE, &k, err);
    if (rc != KB_OK)
        return rc;
    k->ncols = ncols;
    k->nrows = nrows;
    k->has_head = head != NULL;
    k->widths = kb_xcalloc(ncols, sizeof *k->widths);
    k->right = kb_xcalloc(ncols, sizeof *k->right);
    for (size_t i = 0; i < ncols; i++) {
        k->widths[i] = widths ? widths[i] / sum : 1.0 / (double)ncols;
        k->right[i] = right ? right[i] : 0;
    }
    k->nstrs = (nrows + 1) * ncols;
    k->strs = kb_xcalloc(k->nstrs, sizeof *k->strs);
    for (size_t i = 0; i < ncols; i++)
        k->strs[i] = clean(head ? head[i] : "", KB_PDF_MAX_CELL, 0);
    for (size_t i = 0; i < nrows * ncols; i++)
        k->strs[ncols + i] = clean(cells ? cells[i] : "", KB_PDF_MAX_CELL, 1);
    return KB_OK;
}

kb_status kb_pdf_bars(kb_pdf *p, const kb_pdf_chart *c, kb_err *err)
{
    if (c->n < 1 || c->n > KB_PDF_MAX_BARS)
        return kb_err_set(err, KB_EINVAL, "a chart has 1 to %u bars, not %zu", KB_PDF_MAX_BARS,
                          c->n);
    if (c->nseries < 1 || c->nseries > KB_PDF_MAX_SERIES)
        return kb_err_set(err, KB_EINVAL, "a chart has 1 to %u series, not %zu",
                          KB_PDF_MAX_SERIES, c->nseries);
    if (c->decimals < 0 || c->decimals > 3)
        return kb_err_set(err, KB_EINVAL, "a chart's values have 0 to 3 decimals");
    if (!(c->max >= 0) || !isfinite(c->max))
        return kb_err_set(err, KB_EINVAL, "a chart's maximum must be a number >= 0");
    for (size_t i = 0; i < c->n * c->nseries; i++)
        if (!(c->values[i] >= 0) || !isfinite(c->values[i]))
            return kb_err_set(err, KB_EINVAL, "chart value %zu must be a number >= 0", i + 1);
    block *k;
    kb_status rc = add(p, B_CHART, &k, err);
    if (rc != KB_OK)
        return rc;
    k->text = clean(c->title, KB_PDF_MAX_CELL, 0);
    k->sub = clean(c->unit, 16, 0);
    k->nrows = c->n;
    k->ncols = c->nseries;
    k->nstrs = c->n + c->nseries;
    k->strs = kb_xcalloc(k->nstrs, sizeof *k->strs);
    for (size_t i = 0; i < c->n; i++)
        k->strs[i] = clean(c->labels ? c->labels[i] : "", KB_PDF_MAX_CELL, 0);
    for (size_t i = 0; i < c->nseries; i++)
        k->strs[c->n + i] = clean(c->series ? c->series[i] : "", KB_PDF_MAX_CELL, 0);
    k->has_legend = c->series != NULL;
    k->values = kb_xcalloc(c->n * c->nseries, sizeof *k->values);
    memcpy(k->values, c->values, c->n * c->nseries * sizeof *k->values);
    for (size_t i = 0; i < c->nseries; i++)
        k->colors[i] = c->colors ? c->colors[i] : 0x2f6fb0;
    k->max = c->max;
    k->decimals = c->decimals;
    return KB_OK;
}

/* --- layout --- */

enum font { F_BODY, F_BOLD, F_SMALL, F_HEADING, F_TITLE, F_SUBTITLE, F__COUNT };

static const char *const font_spec[F__COUNT] = {
    [F_BODY] = KB_PDF_FONT " 10",
    [F_BOLD] = KB_PDF_FONT " Bold 10",
    [F_SMALL] = KB_PDF_FONT " 8",
    [F_HEADING] = KB_PDF_FONT " Bold 14",
    [F_TITLE] = KB_PDF_FONT " Bold 24",
    [F_SUBTITLE] = KB_PDF_FONT " 14",
};

typedef struct {
    const kb_pdf *p;
    PangoContext *ctx;
    PangoFontDescription *fonts[F__COUNT];
    cairo_t *cr;        /* NULL while counting */
    size_t page;        /* 1-based, the page being laid out */
    size_t total;       /* pages in all (known in the drawing pass) */
    double y;
    int title_page;     /* the current page is a title page (no header or footer) */
    int too_many;
} layout;

static PangoLayout *text_layout(layout *L, enum font f, const char *text, double width,
                                PangoAlignment align)
{
    PangoLayout *l = pango_layout_new(L->ctx);
    pango_layout_set_font_description(l, L->fonts[f]);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(l, align);
    pango_layout_set_text(l, text, -1);
    return l;
}

static double layout_h(PangoLayout *l)
{
    int w;
    int h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static double layout_w(PangoLayout *l)
{
    int w;
    int h;
    pango_layout_get_size(l, &w, &h);
    return (double)w / PANGO_SCALE;
}

static void show(layout *L, PangoLayout *l, double x, double y)
{
    if (!L->cr)
        return;
    cairo_move_to(L->cr, x, y);
    pango_cairo_show_layout(L->cr, l);
}

static void set_rgb(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0,
                         (c & 0xff) / 255.0);
}

/* Header and footer of the current page. */
static void decorate(layout *L)
{
    if (!L->cr || L->title_page)
        return;
    cairo_t *cr = L->cr;
    set_rgb(cr, 0x555555);
    PangoLayout *l = text_layout(L, F_SMALL, L->p->header, CONTENT_W, PANGO_ALIGN_LEFT);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    show(L, l, KB_PDF_MARGIN_X, 36);
    double hy = 36 + layout_h(l) + 4;
    g_object_unref(l);
    cairo_set_line_width(cr, 0.6);
    cairo_move_to(cr, KB_PDF_MARGIN_X, hy);
    cairo_line_to(cr, KB_PDF_PAGE_W - KB_PDF_MARGIN_X, hy);
    cairo_stroke(cr);
    char foot[96];
    snprintf(foot, sizeof foot, "第 %zu 页 / 共 %zu 页", L->page, L->total);
    l = text_layout(L, F_SMALL, foot, CONTENT_W, PANGO_ALIGN_CENTER);
    show(L, l, KB_PDF_MARGIN_X, KB_PDF_PAGE_H - 40);
    g_object_unref(l);
    set_rgb(cr, 0x000000);
}

static void new_page(layout *L)
{
    decorate(L);
    if (L->cr)
        cairo_show_page(L->cr);
    L->page++;
    if (L->page > L->p->max_pages)
        L->too_many = 1;
    L->title_page = 0;
    L->y = KB_PDF_MARGIN_TOP;
}

/* Starts a new page unless h more points fit on this one (or the page is still empty). */
static void need(layout *L, double h)
{
    if (L->y + h > BOTTOM && L->y > KB_PDF_MARGIN_TOP)
        new_page(L);
}

static void do_title(layout *L, const block *k)
{
    if (L->y > KB_PDF_MARGIN_TOP || L->page > 1)
        new_page(L);
    L->title_page = 1;
    double y = 250;
    PangoLayout *l = text_layout(L, F_TITLE, k->text, CONTENT_W, PANGO_ALIGN_CENTER);
    show(L, l, KB_PDF_MARGIN_X, y);
    y += layout_h(l) + 18;
    g_object_unref(l);
    l = text_layout(L, F_SUBTITLE, k->sub, CONTENT_W, PANGO_ALIGN_CENTER);
    show(L, l, KB_PDF_MARGIN_X, y);
    y += layout_h(l) + 60;
    g_object_unref(l);
    if (L->cr) {
        set_rgb(L->cr, 0x1f3f66);
        cairo_rectangle(L->cr, KB_PDF_MARGIN_X + CONTENT_W / 4, y - 36, CONTENT_W / 2, 3);
        cairo_fill(L->cr);
        set_rgb(L->cr, 0x000000);
    }
    for (size_t i = 0; i < k->nstrs; i++) {
        l = text_layout(L, F_BODY, k->strs[i], CONTENT_W, PANGO_ALIGN_CENTER);
        show(L, l, KB_PDF_MARGIN_X, y);
        y += layout_h(l) + 6;
        g_object_unref(l);
    }
    new_page(L);
}

static void do_heading(layout *L, const block *k)
{
    PangoLayout *l = text_layout(L, F_HEADING, k->text, CONTENT_W, PANGO_ALIGN_LEFT);
    double h = layout_h(l);
    /* kept with at least three lines of what follows */
    need(L, 10 + h + 50);
    if (L->y > KB_PDF_MARGIN_TOP)
        L->y += 10;
    if (L->cr)
        set_rgb(L->cr, 0x1f3f66);
    show(L, l, KB_PDF_MARGIN_X, L->y);
    if (L->cr)
        set_rgb(L->cr, 0x000000);
    L->y += h + 6;
    g_object_unref(l);
}

static void do_text(layout *L, const block *k)
{
    PangoLayout *l = text_layout(L, F_BODY, k->text, CONTENT_W, PANGO_ALIGN_LEFT);
    double h = layout_h(l);
    need(L, h);
    show(L, l, KB_PDF_MARGIN_X, L->y);
    L->y += h + 6;
    g_object_unref(l);
}

/* Height of row r (0 = the header) and, when draw, draws it at L->y. */
static double table_row(layout *L, const block *k, size_t r, int draw)
{
    double h = 0;
    PangoLayout *ls[KB_PDF_MAX_COLS];
    for (size_t c = 0; c < k->ncols; c++) {
        double w = k->widths[c] * CONTENT_W - 2 * CELL_PAD;
        ls[c] = text_layout(L, r == 0 ? F_BOLD : F_BODY, k->strs[r * k->ncols + c], w,
                            k->right[c] && r > 0 ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
        double ch = layout_h(ls[c]);
        if (ch > h)
            h = ch;
    }
    h += 2 * CELL_PAD;
    if (draw && L->cr) {
        cairo_t *cr = L->cr;
        if (r == 0) {
            set_rgb(cr, 0xdde7f3);
            cairo_rectangle(cr, KB_PDF_MARGIN_X, L->y, CONTENT_W, h);
            cairo_fill(cr);
        }
        set_rgb(cr, 0x000000);
        double x = KB_PDF_MARGIN_X;
        for (size_t c = 0; c < k->ncols; c++) {
            show(L, ls[c], x + CELL_PAD, L->y + CELL_PAD);
            x += k->widths[c] * CONTENT_W;
        }
        set_rgb(cr, 0x9aa7b5);
        cairo_set_line_width(cr, 0.5);
        cairo_move_to(cr, KB_PDF_MARGIN_X, L->y + h);
        cairo_line_to(cr, KB_PDF_MARGIN_X + CONTENT_W, L->y + h);
        cairo_stroke(cr);
        set_rgb(cr, 0x000000);
    }
    for (size_t c = 0; c < k->ncols; c++)
        g_object_unref(ls[c]);
    return h;
}

static void do_table(layout *L, const block *k)
{
    double head_h = k->has_head ? table_row(L, k, 0, 0) : 0;
    int head_here = 0;
    for (size_t r = 1; r <= k->nrows && !L->too_many; r++) {
        double h = table_row(L, k, r, 0);
        if (L->y + head_h * !head_here + h > BOTTOM && L->y > KB_PDF_MARGIN_TOP) {
            new_page(L);
            head_here = 0;
        }
        if (!head_here && k->has_head) {
            table_row(L, k, 0, 1);
            L->y += head_h;
        }
        head_here = 1;
        table_row(L, k, r, 1);
        L->y += h;
    }
    if (k->nrows == 0 && k->has_head) {
        need(L, head_h);
        table_row(L, k, 0, 1);
        L->y += head_h;
    }
    L->y += 8;
}

static void do_chart(layout *L, const block *k)
{
    PangoLayout *title = text_layout(L, F_BOLD, k->text, CONTENT_W, PANGO_ALIGN_LEFT);
    double th = layout_h(title);
    double row = BAR_H * (double)k->ncols + BAR_GAP;
    double legend = k->has_legend ? 18 : 0;
    double h = th + 6 + legend + row * (double)k->nrows + 12;
    need(L, h);
    show(L, title, KB_PDF_MARGIN_X, L->y);
    g_object_unref(title);
    double y = L->y + th + 6;
    cairo_t *cr = L->cr;
    double label_w = CONTENT_W * 0.28;
    double value_w = 60;
    double x0 = KB_PDF_MARGIN_X + label_w + 6;
    double bar_w = CONTENT_W - label_w - 6 - value_w;
    double max = k->max;
    for (size_t i = 0; max == 0 && i < k->nrows * k->ncols; i++)
        if (k->values[i] > max)
            max = k->values[i];
    if (k->has_legend) {
        double x = x0;
        for (size_t s = 0; s < k->ncols; s++) {
            PangoLayout *l = text_layout(L, F_SMALL, k->strs[k->nrows + s], 0,
                                         PANGO_ALIGN_LEFT);
            if (cr) {
                set_rgb(cr, k->colors[s]);
                cairo_rectangle(cr, x, y + 2, 9, 9);
                cairo_fill(cr);
                set_rgb(cr, 0x000000);
            }
            show(L, l, x + 12, y);
            x += 12 + layout_w(l) + 14;
            g_object_unref(l);
        }
        y += legend;
    }
    for (size_t i = 0; i < k->nrows; i++) {
        PangoLayout *l = text_layout(L, F_SMALL, k->strs[i], label_w, PANGO_ALIGN_RIGHT);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
        pango_layout_set_height(l, 0); /* one line */
        show(L, l, KB_PDF_MARGIN_X, y + (row - BAR_GAP - layout_h(l)) / 2);
        g_object_unref(l);
        for (size_t s = 0; s < k->ncols; s++) {
            double v = k->values[i * k->ncols + s];
            double w = max > 0 ? bar_w * (v > max ? 1.0 : v / max) : 0;
            double by = y + BAR_H * (double)s;
            if (cr && w > 0) {
                set_rgb(cr, k->colors[s]);
                cairo_rectangle(cr, x0, by + 1, w, BAR_H - 2);
                cairo_fill(cr);
                set_rgb(cr, 0x000000);
            }
            char num[64];
            snprintf(num, sizeof num, "%.*f%s", k->decimals, v, k->sub);
            PangoLayout *n = text_layout(L, F_SMALL, num, 0, PANGO_ALIGN_LEFT);
            show(L, n, x0 + w + 4, by + (BAR_H - layout_h(n)) / 2);
            g_object_unref(n);
        }
        y += row;
    }
    if (cr) {
        set_rgb(cr, 0x555555);
        cairo_set_line_width(cr, 0.8);
        cairo_move_to(cr, x0, L->y + th + 6 + legend - 2);
        cairo_line_to(cr, x0, y - BAR_GAP + 2);
        cairo_stroke(cr);
        set_rgb(cr, 0x000000);
    }
    L->y = y + 12;
}

/* One pass over the blocks: cr NULL counts pages only. */
static size_t run(layout *L)
{
    L->page = 1;
    L->y = KB_PDF_MARGIN_TOP;
    L->title_page = 0;
    L->too_many = 0;
    for (size_t i = 0; i < L->p->n && !L->too_many; i++) {
        const block *k = &L->p->b[i];
        switch (k->kind) {
        case B_TITLE:
            do_title(L, k);
            break;
        case B_HEADING:
            do_heading(L, k);
            break;
        case B_TEXT:
            do_text(L, k);
            break;
        case B_TABLE:
            do_table(L, k);
            break;
        case B_CHART:
            do_chart(L, k);
            break;
        }
    }
    /* a title page as the last block leaves an empty page open: not a page */
    if (L->y == KB_PDF_MARGIN_TOP && L->page > 1 && !L->too_many) {
        L->page--;
        return L->page;
    }
    if (!L->too_many) {
        decorate(L);
        if (L->cr)
            cairo_show_page(L->cr);
    }
    return L->page;
}

/* One font map for the process (pango's font maps are not to be shared between threads at
 * once): renders take turns under the lock, which also bounds the CPU that PDFs take, and
 * the fonts loaded once stay loaded (the first load of the CJK fonts takes seconds). */
static pthread_mutex_t fm_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *fm_shared;

/* The shared font map; call with fm_lock held. */
static PangoFontMap *font_map(void)
{
    if (!fm_shared) {
        fm_shared = pango_cairo_font_map_new();
        pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(fm_shared), 72.0);
    }
    return fm_shared;
}

/* A layout context on the shared font map with the fonts described; fm_lock held. */
static void context_open(layout *L)
{
    L->ctx = pango_font_map_create_context(font_map());
    pango_context_set_language(L->ctx, pango_language_from_string("zh-cn"));
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(L->ctx, fo);
    cairo_font_options_destroy(fo);
    for (int f = 0; f < F__COUNT; f++)
        L->fonts[f] = pango_font_description_from_string(font_spec[f]);
}

static void context_close(layout *L)
{
    for (int f = 0; f < F__COUNT; f++)
        pango_font_description_free(L->fonts[f]);
    g_object_unref(L->ctx);
    L->ctx = NULL;
}

void kb_pdf_warm(void)
{
    pthread_mutex_lock(&fm_lock);
    layout L;
    memset(&L, 0, sizeof L);
    context_open(&L);
    for (int f = 0; f < F__COUNT; f++) {
        PangoLayout *l = text_layout(&L, (enum font)f, "服务报告 SLA 0123", 0, PANGO_ALIGN_LEFT);
        layout_w(l); /* shapes it: the fonts are found and loaded */
        g_object_unref(l);
    }
    context_close(&L);
    pthread_mutex_unlock(&fm_lock);
}

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
    kb_buf *b = closure;
    return kb_buf_add(b, data, len) == KB_OK ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

kb_status kb_pdf_render(kb_pdf *p, char **out, size_t *len, size_t *pages, kb_err *err)
{
    *out = NULL;
    *len = 0;
    layout L;
    memset(&L, 0, sizeof L);
    L.p = p;
    pthread_mutex_lock(&fm_lock);
    context_open(&L);

    kb_status rc = KB_OK;
    L.total = run(&L);
    if (L.too_many)
        rc = kb_err_set(err, KB_ETOOBIG, "the document would have more than %zu pages",
                        p->max_pages);
    kb_buf b;
    kb_buf_init(&b, KB_PDF_MAX_BYTES);
    if (rc == KB_OK) {
        cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(write_buf, &b,
                                                                    KB_PDF_PAGE_W,
                                                                    KB_PDF_PAGE_H);
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "kedb");
        L.cr = cairo_create(surf);
        size_t drawn = run(&L);
        cairo_destroy(L.cr);
        L.cr = NULL;
        cairo_surface_finish(surf);
        cairo_status_t st = cairo_surface_status(surf);
        cairo_surface_destroy(surf);
        if (st == CAIRO_STATUS_WRITE_ERROR)
            rc = kb_err_set(err, KB_ETOOBIG, "the document is larger than %u bytes",
                            KB_PDF_MAX_BYTES);
        else if (st != CAIRO_STATUS_SUCCESS)
            rc = kb_err_set(err, KB_EINTERNAL, "cairo: %s", cairo_status_to_string(st));
        else if (drawn != L.total)
            rc = kb_err_set(err, KB_EINTERNAL, "pages laid out twice differ (%zu, %zu)",
                            L.total, drawn);
    }
    context_close(&L);
    pthread_mutex_unlock(&fm_lock);
    if (rc == KB_OK) {
        *out = kb_buf_detach(&b, len);
        if (pages)
            *pages = L.total;
    }
    kb_buf_free(&b);
    return rc;
}
