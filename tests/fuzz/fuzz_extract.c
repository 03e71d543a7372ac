/* Fuzzes the text of attached Office files (kb_extract_office: kb/ooxml.c's zip and XML
 * reading with its bounds, the choice of .docx/.xlsx/.pptx by the parts present, the text
 * walk). The first input byte picks the bound on the text (even: KB_ATTACH_MAX_TEXT, odd:
 * 64 bytes, so the cut is exercised); the rest is the file. What comes back must keep the
 * header's promises: valid UTF-8 of at most max bytes without control characters other
 * than tab and newline, and no text at all on a failure. PDFs are not fuzzed here: their
 * text comes from pdftotext, another program (tests/unit/test_extract.c has its bounds). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb_attach.h"
#include "kb_extract.h"
#include "kb_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max = (data[0] & 1) ? 64 : KB_ATTACH_MAX_TEXT;
    char *text = NULL;
    size_t len = 0;
    kb_err err;
    kb_status rc = kb_extract_office(data + 1, size - 1, max, &text, &len, &err);
    if (rc != KB_OK) {
        if (text || len)
            abort();
        return 0;
    }
    if (!text || strlen(text) != len || len > max || kb_text_utf8_bad_at(text, len) != len)
        abort();
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            abort();
    }
    free(text);
    return 0;
}
