#ifndef KB_THUMB_H
#define KB_THUMB_H
#include <stddef.h>

#include "kb_err.h"

/* Thumbnails of images, with gdk-pixbuf (kb/thumb.c is the only file that includes it).
 * Only PNG, JPEG and GIF are decoded, each with its own loader (never by guessing, so no
 * SVG or other format reaches a decoder). Images larger than the bounds below are not
 * decoded at all (decompression bombs): the caller passes the size the header declares
 * (kb_attach_sniff), and the loader's own size is checked again before it allocates. One
 * image is decoded at a time in the process, which bounds the memory decoding takes. */

#define KB_THUMB_BOX 240u                      /* the thumbnail fits in BOX x BOX pixels */
#define KB_THUMB_MAX_SIDE 16384u               /* widest or tallest image decoded */
#define KB_THUMB_MAX_PIXELS (32ull * 1000 * 1000) /* pixels decoded (all frames of a GIF) */
#define KB_THUMB_MAX_SCANS 64u                 /* scans of a progressive JPEG decoded */
/* pixels times scans of a JPEG: the decoder goes over the whole image once per scan, so a
 * few KB of tiny scans over a large image would take minutes (about 0.1 s per scan of 32
 * million pixels); a photo's 10 scans stay far below */
#define KB_THUMB_MAX_SCAN_PIXELS (12ull * KB_THUMB_MAX_PIXELS)

/* A PNG thumbnail of the image p[0..len) of media type type ("image/png", "image/jpeg",
 * "image/gif"), oriented as its EXIF data says, at most KB_THUMB_BOX on each side (never
 * larger than the image). width, height, pixels and scans (a JPEG's, else 0) are what the
 * file declares (kb_attach_sniff).
 * *out (free()) and *out_len. KB_EINVAL for another type, KB_ETOOBIG past the bounds,
 * KB_EPARSE when the image does not decode. */
kb_status kb_thumb_png(const void *p, size_t len, const char *type, unsigned width,
                       unsigned height, unsigned long long pixels, unsigned scans, void **out,
                       size_t *out_len, kb_err *err);

#endif
