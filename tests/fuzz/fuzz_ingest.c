/* Fuzzes knowledge-file ingestion: YAML front matter + Markdown (parse, sections, render,
 * sanitise), setting a front-matter field and re-parsing, and composing a file from
 * plain values (which must read back). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_buf.h"
#include "kb_doc.h"
#include "kb_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    kb_doc *d = NULL;
    size_t line = 0;
    kb_err err;
    if (kb_ingest_parse("fuzz.md", text, size, &d, &line, &err) == KB_OK)
        kb_doc_free(d);
    else if (d)
        abort(); /* on failure *out is NULL */

    char *html = NULL;
    if (kb_ingest_render(text, size, &html, &err) == KB_OK)
        free(html);

    kb_buf b;
    kb_buf_init(&b, 0);
    if (kb_ingest_set_field(text, size, "status", "draft", &b, &err) == KB_OK &&
        kb_ingest_parse("fuzz.md", b.data, b.len, &d, NULL, &err) == KB_OK)
        kb_doc_free(d);
    kb_buf_free(&b);

    /* the input as the values of a composed ticket (C strings: cut at the first NUL) */
    char *v = kb_xstrndup(text, size);
    kb_kv scalars[] = { { "caller", v } };
    kb_kv lists[] = { { "tags", v } };
    kb_kv sections[] = { { "Symptom", v }, { "Workaround", v } };
    kb_compose c = { "T-1", "ticket", v, scalars, 1, lists, 1, sections, 2 };
    kb_buf_init(&b, 0);
    kb_ingest_compose(&c, &b);
    if (kb_ingest_parse("fuzz.md", b.data, b.len, &d, NULL, &err) == KB_OK)
        kb_doc_free(d);
    kb_buf_free(&b);
    free(v);
    return 0;
}
