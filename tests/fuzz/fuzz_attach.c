/* Fuzzes what kedb reads of an attached file: the sniffer (magic numbers, image headers with
 * their declared sizes, ZIP entries, text in UTF-8, UTF-16 and GB18030), the searchable text
 * and its bound, the file-name check on the same bytes, and for images within the bounds
 * the thumbnail. A declared size past the bounds must never reach the decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb_alloc.h"
#include "kb_attach.h"
#include "kb_thumb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kb_attach_kind k;
    kb_attach_sniff(data, size, &k);
    if (!k.type)
        abort();
    char *text = NULL;
    size_t len = 0;
    if (kb_attach_text(data, size, &k, &text, &len, NULL) == KB_OK) {
        if ((!text && len != 0) || len > KB_ATTACH_MAX_TEXT)
            abort();
        if (text && strlen(text) != len)
            abort();
        free(text);
    }
    if (strncmp(k.type, "image/", 6) == 0) {
        void *png = NULL;
        size_t png_len = 0;
        kb_status rc = kb_thumb_png(data, size, k.type, k.width, k.height, k.pixels, k.scans, &png,
                                    &png_len, NULL);
        if (rc == KB_OK && (png_len < 8 || memcmp(png, "\x89PNG", 4) != 0))
            abort();
        if (rc != KB_OK && png)
            abort();
        free(png);
    }
    char *name = kb_xstrndup((const char *)data, size < 300 ? size : 300);
    kb_attach_check_name(name, NULL);
    free(name);
    return 0;
}
