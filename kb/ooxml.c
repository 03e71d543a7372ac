/* Office Open XML packages: libzip for the archive, libxml2's streaming reader for the
 * parts, with the bounds of include/kb_ooxml.h. */
#include "kb_ooxml.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <zip.h>

#include "kb_alloc.h"

#define RATIO_SLACK (1u << 20)

struct kb_ooxml {
    const char *format;
    zip_t *za;
    size_t nentries;
    kb_ooxml_limits lim;
    size_t total;     /* inflated bytes of all parts so far */
};

struct kb_ooxml_part {
    kb_ooxml *z;
    char *name;
    zip_file_t *zf;
    xmlTextReaderPtr rd;
    size_t read, limit;
    size_t ratio_limit; /* 0: none */
    int over;         /* inflated past limit */
    int over_total;   /* the package inflated past lim.max_total */
    int over_ratio;   /* inflated past the ratio */
    int zerr;         /* zip_fread failed */
    int dtd;          /* a DTD, or text not in UTF-8/ASCII, seen in the raw bytes */
    char tail[8];     /* the last bytes of the previous chunk, for the scan */
    size_t ntail;
    char zmsg[120];
    char xmsg[160];   /* libxml2's first error */
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

kb_status kb_ooxml_open(const char *data, size_t len, const char *format,
                        const kb_ooxml_limits *lim, kb_ooxml **out, kb_err *err)
{
    *out = NULL;
    pthread_once(&xml_once, xml_init);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *za = NULL;
    if (src)
        za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!za) {
        kb_status rc = kb_err_set(err, KB_EPARSE, "%s: not a readable zip archive: %s", format,
                                  zip_error_strerror(&ze));
        if (src)
            zip_source_free(src);
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n < 0 || n > (zip_int64_t)KB_OOXML_MAX_ENTRIES) {
        zip_discard(za);
        return kb_err_set(err, KB_ETOOBIG, "%s: more than %u entries in the zip archive", format,
                          KB_OOXML_MAX_ENTRIES);
    }
    kb_ooxml *z = kb_xcalloc(1, sizeof *z);
    z->format = format;
    z->za = za;
    z->nentries = (size_t)n;
    if (lim)
        z->lim = *lim;
    *out = z;
    return KB_OK;
}

void kb_ooxml_free(kb_ooxml *z)
{
    if (!z)
        return;
    zip_discard(z->za);
    free(z);
}

int kb_ooxml_has(const kb_ooxml *z, const char *name)
{
    return zip_name_locate(z->za, name, 0) >= 0;
}

size_t kb_ooxml_count(const kb_ooxml *z)
{
    return z->nentries;
}

const char *kb_ooxml_name(const kb_ooxml *z, size_t i)
{
    return i < z->nentries ? zip_get_name(z->za, (zip_uint64_t)i, 0) : NULL;
}

static int part_read(void *ctx, char *buf, int len)
{
    kb_ooxml_part *p = ctx;
    if (p->over || p->over_total || p->over_ratio || p->zerr || p->dtd)
        return -1;
    zip_int64_t n = zip_fread(p->zf, buf, (zip_uint64_t)len);
    if (n < 0) {
        p->zerr = 1;
        snprintf(p->zmsg, sizeof p->zmsg, "%s", zip_file_strerror(p->zf));
        return -1;
    }
    if (p->read == 0 && n >= 2 &&
        ((buf[0] == '\xfe' && buf[1] == '\xff') || (buf[0] == '\xff' && buf[1] == '\xfe') ||
         buf[0] == '\0' || buf[1] == '\0')) {
        p->dtd = 1; /* UTF-16 or UTF-32: Office writes UTF-8, and the scan below reads bytes */
        return -1;
    }
    p->read += (size_t)n;
    p->z->total += (size_t)n;
    if (p->read > p->limit) {
        p->over = 1;
        return -1;
    }
    if (p->z->lim.max_total && p->z->total > p->z->lim.max_total) {
        p->over_total = 1;
        return -1;
    }
    if (p->ratio_limit && p->read > p->ratio_limit) {
        p->over_ratio = 1;
        return -1;
    }
    /* no part of an Office file has a DTD; refused before libxml2 sees one, so that no
     * entity is ever declared (billion laughs). The bytes around the chunk's start are
     * looked at with the end of the chunk before. */
    static const char *const bad[] = { "<!DOCTYPE", "<!ENTITY" };
    char edge[16];
    size_t head = (size_t)(n < 8 ? n : 8);
    memcpy(edge, p->tail, p->ntail);
    memcpy(edge + p->ntail, buf, head);
    for (size_t k = 0; k < 2; k++)
        if (memmem(buf, (size_t)n, bad[k], strlen(bad[k])) ||
            memmem(edge, p->ntail + head, bad[k], strlen(bad[k]))) {
            p->dtd = 1;
            return -1;
        }
    if (n >= 8) {
        memcpy(p->tail, buf + n - 8, 8);
        p->ntail = 8;
    } else {
        memcpy(edge, p->tail, p->ntail);
        size_t all = p->ntail + (size_t)n;
        size_t from = all > 8 ? all - 8 : 0;
        memcpy(edge + p->ntail, buf, (size_t)n);
        memcpy(p->tail, edge + from, all - from);
        p->ntail = all - from;
    }
    return (int)n;
}

static int part_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static void part_error(void *arg, const char *msg, xmlParserSeverities sev,
                       xmlTextReaderLocatorPtr loc)
{
    kb_ooxml_part *p = arg;
    if (p->xmsg[0] || sev == XML_PARSER_SEVERITY_WARNING ||
        sev == XML_PARSER_SEVERITY_VALIDITY_WARNING)
        return;
    int line = xmlTextReaderLocatorLineNumber(loc);
    size_t n = strcspn(msg, "\n");
    snprintf(p->xmsg, sizeof p->xmsg, "line %d: %.*s", line, (int)(n > 120 ? 120 : n), msg);
}

void kb_ooxml_part_free(kb_ooxml_part *p)
{
    if (!p)
        return;
    if (p->rd)
        xmlFreeTextReader(p->rd);
    if (p->zf)
        zip_fclose(p->zf);
    free(p->name);
    free(p);
}

const char *kb_ooxml_part_name(const kb_ooxml_part *p)
{
    return p->name;
}

kb_status kb_ooxml_part_open(kb_ooxml *z, const char *name, size_t limit,
                             kb_ooxml_part **out, kb_err *err)
{
    *out = NULL;
    zip_int64_t idx = zip_name_locate(z->za, name, 0);
    if (idx < 0)
        return KB_ENOTFOUND;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->za, (zip_uint64_t)idx, 0, &st) != 0)
        return kb_err_set(err, KB_EPARSE, "%s: %s: %s", z->format, name, zip_strerror(z->za));
    if ((st.valid & ZIP_STAT_SIZE) && st.size > limit)
        return kb_err_set(err, KB_ETOOBIG, "%s: %s: %llu bytes uncompressed, more than %zu",
                          z->format, name, (unsigned long long)st.size, limit);
    size_t ratio_limit = 0;
    if (z->lim.max_ratio) {
        unsigned long long comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
        ratio_limit = (size_t)(comp * z->lim.max_ratio + RATIO_SLACK);
        if ((st.valid & ZIP_STAT_SIZE) && st.size > ratio_limit)
            return kb_err_set(err, KB_ETOOBIG, "%s: %s: compressed more than %zu to 1 (a zip "
                              "bomb?)", z->format, name, z->lim.max_ratio);
    }
    kb_ooxml_part *p = kb_xcalloc(1, sizeof *p);
    p->z = z;
    p->name = kb_xstrdup(name);
    p->limit = limit;
    p->ratio_limit = ratio_limit;
    p->zf = zip_fopen_index(z->za, (zip_uint64_t)idx, 0);
    if (!p->zf) {
        kb_ooxml_part_free(p);
        return kb_err_set(err, KB_EPARSE, "%s: %s: %s", z->format, name, zip_strerror(z->za));
    }
    p->rd = xmlReaderForIO(part_read, part_close, p, name, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!p->rd) {
        kb_ooxml_part_free(p);
        return kb_err_set(err, KB_ENOMEM, "%s: %s: cannot start the XML reader", z->format,
                          name);
    }
    xmlTextReaderSetErrorHandler(p->rd, part_error, p);
    *out = p;
    return KB_OK;
}

/* The error of a part whose reader returned -1 (or gave a node that is not allowed). */
static kb_status part_fail(const kb_ooxml_part *p, kb_err *err)
{
    const char *f = p->z->format;
    if (p->over)
        return kb_err_set(err, KB_ETOOBIG, "%s: %s: more than %zu bytes uncompressed", f,
                          p->name, p->limit);
    if (p->over_total)
        return kb_err_set(err, KB_ETOOBIG, "%s: the parts inflate to more than %zu bytes", f,
                          p->z->lim.max_total);
    if (p->over_ratio)
        return kb_err_set(err, KB_ETOOBIG, "%s: %s: compressed more than %zu to 1 (a zip "
                          "bomb?)", f, p->name, p->z->lim.max_ratio);
    if (p->zerr)
        return kb_err_set(err, KB_EPARSE, "%s: %s: %s", f, p->name, p->zmsg);
    if (p->dtd)
        return kb_err_set(err, KB_EPARSE, "%s: %s: a DTD or entity declaration, or text "
                          "not in UTF-8, is not allowed", f, p->name);
    return kb_err_set(err, KB_EPARSE, "%s: %s: broken XML: %s", f, p->name,
                      p->xmsg[0] ? p->xmsg : "unexpected end");
}

int kb_ooxml_next(kb_ooxml_part *p, kb_err *err)
{
    int r = xmlTextReaderRead(p->rd);
    if (r < 0) {
        part_fail(p, err);
        return -1;
    }
    if (r == 0) {
        if (p->over || p->over_total || p->over_ratio || p->zerr || p->dtd || p->xmsg[0]) {
            part_fail(p, err);
            return -1;
        }
        return 0;
    }
    int type = xmlTextReaderNodeType(p->rd);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE ||
        type == XML_READER_TYPE_ENTITY) {
        kb_err_set(err, KB_EPARSE, "%s: %s: a DTD or entity is not allowed", p->z->format,
                   p->name);
        return -1;
    }
    if (xmlTextReaderDepth(p->rd) > KB_OOXML_MAX_DEPTH) {
        kb_err_set(err, KB_EPARSE, "%s: %s: XML nested deeper than %d", p->z->format, p->name,
                   KB_OOXML_MAX_DEPTH);
        return -1;
    }
    return 1;
}

int kb_ooxml_is_start(const kb_ooxml_part *p, const char *local)
{
    return xmlTextReaderNodeType(p->rd) == XML_READER_TYPE_ELEMENT &&
           strcmp((const char *)xmlTextReaderConstLocalName(p->rd), local) == 0;
}

int kb_ooxml_is_end(const kb_ooxml_part *p, const char *local)
{
    return xmlTextReaderNodeType(p->rd) == XML_READER_TYPE_END_ELEMENT &&
           strcmp((const char *)xmlTextReaderConstLocalName(p->rd), local) == 0;
}

int kb_ooxml_is_text(const kb_ooxml_part *p)
{
    int t = xmlTextReaderNodeType(p->rd);
    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
           t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || t == XML_READER_TYPE_WHITESPACE;
}

int kb_ooxml_is_empty(const kb_ooxml_part *p)
{
    return xmlTextReaderIsEmptyElement(p->rd) == 1;
}

const char *kb_ooxml_value(const kb_ooxml_part *p)
{
    return kb_ooxml_is_text(p) ? (const char *)xmlTextReaderConstValue(p->rd) : NULL;
}

char *kb_ooxml_attr(const kb_ooxml_part *p, const char *local)
{
    char *v = NULL;
    if (xmlTextReaderMoveToFirstAttribute(p->rd) != 1)
        return NULL;
    do {
        if (strcmp((const char *)xmlTextReaderConstLocalName(p->rd), local) == 0) {
            xmlChar *x = xmlTextReaderValue(p->rd);
            if (x) {
                v = kb_xstrdup((const char *)x);
                xmlFree(x);
            }
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(p->rd) == 1);
    xmlTextReaderMoveToElement(p->rd);
    return v;
}
