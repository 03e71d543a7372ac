/* What an attachment is (sniffing by content), which names are taken, and the searchable
 * text of text files. See include/kb_attach.h. */
#include "kb_attach.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_csv.h"
#include "kb_extract.h"
#include "kb_text.h"

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[1] << 8 | p[0];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int starts(const unsigned char *p, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(p, magic, n) == 0;
}

/* --- images: the size their headers declare --- */

static void png_size(const unsigned char *p, size_t len, kb_attach_kind *k)
{
    /* signature, then the IHDR chunk: length, "IHDR", width, height */
    if (len >= 24 && memcmp(p + 12, "IHDR", 4) == 0) {
        uint32_t w = be32(p + 16), h = be32(p + 20);
        k->width = w > 0x7fffffffu ? 0x7fffffffu : w;
        k->height = h > 0x7fffffffu ? 0x7fffffffu : h;
        k->pixels = (unsigned long long)k->width * k->height;
    }
}

/* The first start-of-frame marker before the scan (libjpeg refuses a second one). */
static void jpeg_size(const unsigned char *p, size_t len, kb_attach_kind *k)
{
    size_t i = 2;
    while (i + 4 <= len) {
        if (p[i] != 0xff)
            return;
        while (i < len && p[i] == 0xff)
            i++;
        if (i >= len)
            return;
        unsigned m = p[i++];
        if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7))
            continue; /* markers without a length */
        if (m == 0xd9 || m == 0xda || i + 2 > len)
            return;
        unsigned seg = be16(p + i);
        if (seg < 2)
            return;
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
            if (i + 7 <= len) {
                k->height = be16(p + i + 3);
                k->width = be16(p + i + 5);
                k->pixels = (unsigned long long)k->width * k->height;
            }
            return;
        }
        i += seg;
    }
}

/* Start-of-scan markers (FF DA) in p[0..len): 0xFF in entropy-coded data is followed by 00
 * or a restart marker, so each one is a scan (one inside an APP segment counts too: an
 * upper bound). */
static unsigned jpeg_scans(const unsigned char *p, size_t len)
{
    unsigned n = 0;
    for (const unsigned char *q = p; (q = memchr(q, 0xff, len - (size_t)(q - p))) != NULL;) {
        if ((size_t)(q - p) + 1 >= len)
            break;
        if (q[1] == 0xda && n < UINT_MAX)
            n++;
        q++;
    }
    return n;
}

/* The logical screen, widened to every frame's extent, and the number of frames. */
static void gif_size(const unsigned char *p, size_t len, kb_attach_kind *k)
{
    if (len < 13)
        return;
    k->width = le16(p + 6);
    k->height = le16(p + 8);
    unsigned long long frames = 0;
    size_t i = 13;
    if (p[10] & 0x80)
        i += 3u * (1u << ((p[10] & 7) + 1));
    while (i < len) {
        unsigned b = p[i++];
        if (b == 0x3b)
            break;
        if (b == 0x21) { /* extension: label, then sub-blocks */
            if (i >= len)
                break;
            i++;
        } else if (b == 0x2c) { /* image: left, top, width, height, flags */
            if (i + 9 > len)
                break;
            unsigned right = le16(p + i) + le16(p + i + 4);
            unsigned bottom = le16(p + i + 2) + le16(p + i + 6);
            if (right > k->width)
                k->width = right;
            if (bottom > k->height)
                k->height = bottom;
            unsigned flags = p[i + 8];
            i += 9;
            if (flags & 0x80)
                i += 3u * (1u << ((flags & 7) + 1));
            i++; /* LZW minimum code size */
            frames++;
        } else {
            break;
        }
        while (i < len && p[i] != 0) /* sub-blocks up to the empty one */
            i += 1u + p[i];
        i++;
    }
    /* counted as if each frame had a canvas of its own: an upper bound */
    k->pixels = (frames ? frames : 1) * (unsigned long long)k->width * k->height;
}

/* --- containers --- */

/* Office Open XML files are ZIP archives whose first entries name their part folders. */
static const char *zip_type(const unsigned char *p, size_t len)
{
    static const struct {
        const char *dir;
        const char *type;
    } parts[] = {
        { "word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
        { "xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
        { "ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
    };
    size_t i = 0;
    size_t limit = len < 64u * 1024u ? len : 64u * 1024u;
    for (int entry = 0; entry < 64 && i + 30 <= limit && memcmp(p + i, "PK\3\4", 4) == 0;
         entry++) {
        size_t name_len = le16(p + i + 26), extra = le16(p + i + 28);
        uint32_t csize = le32(p + i + 18);
        unsigned flags = le16(p + i + 6);
        const unsigned char *name = p + i + 30;
        if (i + 30 + name_len > len)
            break;
        for (size_t j = 0; j < sizeof parts / sizeof parts[0]; j++) {
            size_t n = strlen(parts[j].dir);
            if (name_len >= n && memcmp(name, parts[j].dir, n) == 0)
                return parts[j].type;
        }
        if (flags & 8)
            break; /* sizes follow the data: stop looking */
        i += 30 + name_len + extra + csize;
    }
    return "application/zip";
}

/* A Windows program: "MZ" and a PE header where the DOS header points. */
static int is_pe(const unsigned char *p, size_t len)
{
    if (!starts(p, len, "MZ", 2) || len < 0x40)
        return 0;
    uint32_t at = le32(p + 0x3c);
    return at <= len - 4 && memcmp(p + at, "PE\0\0", 4) == 0;
}

/* --- text --- */

/* Control characters a text file does not hold (logs keep tabs, form feeds and escape
 * sequences for colours). */
static int bad_control(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' &&
            c != 0x1b) ||
           c == 0x7f;
}

static int plain_bytes(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (bad_control(p[i]))
            return 0;
    return 1;
}

/* The text of p[0..len) decoded from charset into b (UTF-8); KB_EPARSE when it is not. */
static kb_status decode(const unsigned char *p, size_t len, const char *charset, kb_buf *b,
                        kb_err *err)
{
    kb_buf_init(b, 0);
    kb_buf_add(b, p, len);
    kb_status rc = kb_csv_decode(b, charset, NULL, err);
    if (rc != KB_OK)
        kb_buf_free(b);
    return rc;
}

static void sniff_text(const unsigned char *p, size_t len, kb_attach_kind *k)
{
    if (starts(p, len, "\xff\xfe", 2) || starts(p, len, "\xfe\xff", 2)) {
        kb_buf b;
        if (decode(p, len, "UTF-16", &b, NULL) == KB_OK) {
            if (plain_bytes((const unsigned char *)b.data, b.len)) {
                k->type = "text/plain";
                k->charset = "utf-16";
            }
            kb_buf_free(&b);
        }
        return;
    }
    if (!plain_bytes(p, len))
        return;
    if (kb_text_utf8_bad_at((const char *)p, len) == len) {
        k->type = "text/plain";
        k->charset = "utf-8";
        return;
    }
    kb_buf b;
    if (decode(p, len, "GB18030", &b, NULL) == KB_OK) {
        k->type = "text/plain";
        k->charset = "gb18030";
        kb_buf_free(&b);
    }
}

void kb_attach_sniff(const void *data, size_t len, kb_attach_kind *k)
{
    const unsigned char *p = data;
    memset(k, 0, sizeof *k);
    k->type = "application/octet-stream";
    if (starts(p, len, "\x89PNG\r\n\x1a\n", 8)) {
        k->type = "image/png";
        png_size(p, len, k);
    } else if (starts(p, len, "\xff\xd8\xff", 3)) {
        k->type = "image/jpeg";
        jpeg_size(p, len, k);
        k->scans = jpeg_scans(p, len);
    } else if (starts(p, len, "GIF87a", 6) || starts(p, len, "GIF89a", 6)) {
        k->type = "image/gif";
        gif_size(p, len, k);
    } else if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) {
        k->type = "image/webp";
    } else if (starts(p, len, "%PDF-", 5)) {
        k->type = "application/pdf";
    } else if (starts(p, len, "PK\3\4", 4) || starts(p, len, "PK\5\6", 4)) {
        k->type = zip_type(p, len);
    } else if (starts(p, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
        k->type = "application/vnd.ms-office";
    } else if (is_pe(p, len)) {
        k->program = KB_ATTACH_PE;
    } else if (starts(p, len, "\x7f" "ELF", 4)) {
        k->program = KB_ATTACH_ELF;
    } else if (starts(p, len, "\xfe\xed\xfa\xce", 4) || starts(p, len, "\xfe\xed\xfa\xcf", 4) ||
               starts(p, len, "\xce\xfa\xed\xfe", 4) || starts(p, len, "\xcf\xfa\xed\xfe", 4)) {
        k->program = KB_ATTACH_MACHO;
    } else if (starts(p, len, "\xca\xfe\xba\xbe", 4)) {
        k->program = KB_ATTACH_CAFEBABE;
    } else if (len > 0) {
        sniff_text(p, len, k);
    }
}

/* --- names --- */

/* Extensions Windows runs (or opens in a script host) on a double click. */
static const char *const run_ext[] = {
    "exe", "com", "scr", "pif", "cpl", "msi", "msp", "mst", "bat", "cmd", "ps1", "psm1",
    "psd1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "wsc", "hta", "lnk", "reg", "jar",
    "dll", "sys", "ocx", "application", "gadget", "msc", "inf", "scf", "appref-ms", "sh",
    "desktop", "apk", "app", "url", "iso", "img", "vhd", "vhdx", NULL,
};

kb_status kb_attach_check_name(const char *name, kb_err *err)
{
    size_t len = strlen(name);
    if (len == 0)
        return kb_err_set(err, KB_EINVAL, "the file needs a name");
    if (len > KB_ATTACH_MAX_NAME)
        return kb_err_set(err, KB_EINVAL, "the file name is longer than %u bytes (%zu)",
                          KB_ATTACH_MAX_NAME, len);
    if (kb_text_utf8_bad_at(name, len) != len)
        return kb_err_set(err, KB_EINVAL, "the file name is not valid UTF-8");
    for (size_t i = 0; i < len;) {
        size_t n;
        uint32_t c = kb_text_utf8_next(name + i, len - i, &n);
        if (c < 0x20 || (c >= 0x7f && c < 0xa0))
            return kb_err_set(err, KB_EINVAL, "the file name holds a control character");
        if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
            c == 0x200f || c == 0xfeff)
            return kb_err_set(err, KB_EINVAL, "the file name holds a character that changes "
                              "the direction of text (U+%04X)", (unsigned)c);
        if (c < 0x80 && strchr("\\/:*?\"<>|", (int)c))
            return kb_err_set(err, KB_EINVAL, "the file name must not hold '%c' (no folders, "
                              "no characters Windows refuses in names)", (char)c);
        i += n;
    }
    if (name[0] == ' ' || name[len - 1] == ' ' || name[len - 1] == '.' || name[0] == '.')
        return kb_err_set(err, KB_EINVAL, "the file name must not start or end with a space "
                          "or a '.'");
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; run_ext[i]; i++)
            if (strcasecmp(dot + 1, run_ext[i]) == 0)
                return kb_err_set(err, KB_EINVAL, "files ending in '.%s' are not kept: Windows "
                                  "would run them when opened", run_ext[i]);
    return KB_OK;
}

/* --- searchable text --- */

/* what the Office Open XML types start with */
#define OOXML_TYPE "application/vnd.openxmlformats-officedocument."

kb_status kb_attach_text(const void *data, size_t len, const kb_attach_kind *k, char **out,
                         size_t *out_len, kb_err *err)
{
    *out = NULL;
    *out_len = 0;
    if (strcmp(k->type, "application/pdf") == 0)
        return kb_extract_pdf(data, len, KB_ATTACH_MAX_TEXT, out, out_len, err);
    if (strncmp(k->type, OOXML_TYPE, strlen(OOXML_TYPE)) == 0)
        return kb_extract_office(data, len, KB_ATTACH_MAX_TEXT, out, out_len, err);
    if (strcmp(k->type, "application/vnd.ms-office") == 0)
        return kb_extract_xls(data, len, KB_ATTACH_MAX_TEXT, out, out_len, err);
    if (!k->charset || strcmp(k->type, "text/plain") != 0)
        return KB_OK;
    const unsigned char *p = data;
    kb_buf b;
    if (strcmp(k->charset, "utf-8") == 0) {
        kb_buf_init(&b, 0);
        if (starts(p, len, "\xef\xbb\xbf", 3)) {
            p += 3;
            len -= 3;
        }
        kb_buf_add(&b, p, len < KB_ATTACH_MAX_TEXT ? len : KB_ATTACH_MAX_TEXT);
    } else {
        kb_status rc = decode(p, len, strcmp(k->charset, "utf-16") == 0 ? "UTF-16" : "GB18030",
                              &b, err);
        if (rc != KB_OK)
            return rc;
    }
    /* cut at a character boundary */
    size_t n = b.len < KB_ATTACH_MAX_TEXT ? b.len : KB_ATTACH_MAX_TEXT;
    size_t i = 0;
    while (i < n) {
        size_t step = kb_text_utf8_seq(b.data + i, n - i);
        if (step == 0)
            break;
        i += step;
    }
    *out = kb_xstrndup(b.data, i);
    *out_len = i;
    kb_buf_free(&b);
    return KB_OK;
}

/* Frees what a record holds (not the record). */
static void clear(kb_attachment *a)
{
    char *owned[] = { a->owner_kind, a->owner_id, a->name, a->type, a->charset, a->hash,
                      a->created_by, a->warning };
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        free(owned[i]);
}

void kb_attachment_free(kb_attachment *a)
{
    if (!a)
        return;
    clear(a);
    free(a);
}

void kb_attachment_list_free(kb_attachment_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        clear(&l->items[i]);
    free(l->items);
    free(l);
}
