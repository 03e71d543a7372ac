/* The known-error sections: the one table (see include/kb_section.h). */
#include "kb_section.h"

#include <stddef.h>
#include <string.h>

#include "kb_buf.h"

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

/* Table order is the order of the doc-table columns (schema v1) and of the JSON fields.
 * Headings are normalised: lowercase ASCII, single spaces, no trailing colon. Weights are
 * per index column (title 5 is the store's own): symptom 3, workaround 2, body 1. */
static const kb_section rows[] = {
    { "symptom", offsetof(kb_doc, symptom), "symptom", 3.0,
      LIST("症状", "现象", "故障现象", "症狀", "現象", "故障現象", "symptom", "symptoms"),
      LIST("描述", "description"), "症状", "Symptom" },
    { "cause", offsetof(kb_doc, cause), "body", 1.0,
      LIST("原因", "根本原因", "cause", "causes", "root cause", "root causes"), NONE, "原因",
      "Cause" },
    { "workaround", offsetof(kb_doc, workaround), "workaround", 2.0,
      LIST("临时解决方案", "规避方法", "临时方案", "臨時解決方案", "規避方法", "臨時方案",
           "workaround", "workarounds"),
      LIST("解决过程", "解決過程", "resolution"), "临时解决方案", "Workaround" },
    { "fix", offsetof(kb_doc, fix), "workaround", 2.0,
      LIST("解决方案", "永久解决方案", "解決方案", "永久解決方案", "resolution", "fix",
           "solution"),
      NONE, "永久解决方案", "Fix" },
};

#define NROWS (sizeof rows / sizeof rows[0])
_Static_assert(NROWS <= KB_SECTION_MAX, "raise KB_SECTION_MAX");

size_t kb_section_count(void)
{
    return NROWS;
}

const kb_section *kb_section_at(size_t i)
{
    return i < NROWS ? &rows[i] : NULL;
}

const kb_section *kb_section_by_key(const char *key)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strcmp(rows[i].key, key) == 0)
            return &rows[i];
    return NULL;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Lowercases ASCII, collapses whitespace and drops a trailing ':' or '：'. */
static void norm_heading(const char *s, kb_buf *out)
{
    int space = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (is_space(c)) {
            space = 1;
            continue;
        }
        if (space && out->len)
            kb_buf_addc(out, ' ');
        space = 0;
        kb_buf_addc(out, (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
    if (out->len && out->data[out->len - 1] == ':')
        out->len--;
    else if (out->len >= 3 && memcmp(out->data + out->len - 3, "\xEF\xBC\x9A", 3) == 0)
        out->len -= 3;
    while (out->len && out->data[out->len - 1] == ' ')
        out->len--;
    if (out->data)
        out->data[out->len] = '\0';
}

static int match(const char *h, int ticket)
{
    for (size_t i = 0; i < NROWS; i++) {
        const char *const *list = ticket ? rows[i].ticket_headings : rows[i].headings;
        for (size_t k = 0; list[k]; k++)
            if (strcmp(h, list[k]) == 0)
                return (int)i;
    }
    return -1;
}

int kb_section_by_heading(const char *text, int ticket)
{
    kb_buf norm;
    kb_buf_init(&norm, 0);
    norm_heading(text, &norm);
    const char *h = kb_buf_str(&norm);
    int sec = ticket ? match(h, 1) : -1;
    if (sec < 0)
        sec = match(h, 0);
    kb_buf_free(&norm);
    return sec;
}

const char *kb_section_heading(const kb_section *sec, int ticket)
{
    return ticket && sec->ticket_headings[0] ? sec->ticket_headings[0] : sec->headings[0];
}

char **kb_section_slot(kb_doc *d, const kb_section *sec)
{
    return (char **)((char *)d + sec->doc_offset);
}

const char *kb_section_text(const kb_doc *d, const kb_section *sec)
{
    return *(char *const *)((const char *)d + sec->doc_offset);
}
