/* Thumbnails with gdk-pixbuf: the only file that includes it (see include/kb_thumb.h). */
#include "kb_thumb.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "kb_alloc.h"

/* One decode at a time: an image within the bounds still takes up to 4 bytes per pixel. */
static pthread_mutex_t decode_mu = PTHREAD_MUTEX_INITIALIZER;

/* The loader's own view of the size, before it allocates the image: past the bounds, ask
 * for a size of zero, which every loader takes as "stop, allocate nothing". */
static void on_size(GdkPixbufLoader *loader, gint width, gint height, gpointer ctx)
{
    int *too_big = ctx;
    if (width <= 0 || height <= 0 || (unsigned)width > KB_THUMB_MAX_SIDE ||
        (unsigned)height > KB_THUMB_MAX_SIDE ||
        (unsigned long long)width * (unsigned long long)height > KB_THUMB_MAX_PIXELS) {
        *too_big = 1;
        gdk_pixbuf_loader_set_size(loader, 0, 0);
    }
}

static const char *loader_name(const char *type)
{
    if (strcmp(type, "image/png") == 0)
        return "png";
    if (strcmp(type, "image/jpeg") == 0)
        return "jpeg";
    if (strcmp(type, "image/gif") == 0)
        return "gif";
    return NULL;
}

kb_status kb_thumb_png(const void *p, size_t len, const char *type, unsigned width,
                       unsigned height, unsigned long long pixels, unsigned scans, void **out,
                       size_t *out_len, kb_err *err)
{
    *out = NULL;
    *out_len = 0;
    const char *name = loader_name(type);
    if (!name)
        return kb_err_set(err, KB_EINVAL, "no thumbnails of '%s'", type);
    if (width == 0 || height == 0 || width > KB_THUMB_MAX_SIDE || height > KB_THUMB_MAX_SIDE ||
        pixels > KB_THUMB_MAX_PIXELS)
        return kb_err_set(err, KB_ETOOBIG, "the image is %ux%u (%llu pixels to decode); "
                          "thumbnails are made up to %ux%u and %llu pixels", width, height,
                          pixels, KB_THUMB_MAX_SIDE, KB_THUMB_MAX_SIDE, KB_THUMB_MAX_PIXELS);
    if (scans > KB_THUMB_MAX_SCANS ||
        (unsigned long long)scans * width * height > KB_THUMB_MAX_SCAN_PIXELS)
        return kb_err_set(err, KB_ETOOBIG, "the image has %u scans of %ux%u pixels; thumbnails "
                          "are made up to %u scans and %llu pixels in all of them", scans, width,
                          height, KB_THUMB_MAX_SCANS, KB_THUMB_MAX_SCAN_PIXELS);
    kb_status rc = KB_OK;
    GError *gerr = NULL;
    int too_big = 0;
    pthread_mutex_lock(&decode_mu);
    GdkPixbufLoader *loader = gdk_pixbuf_loader_new_with_type(name, &gerr);
    if (!loader) {
        rc = kb_err_set(err, KB_EINTERNAL, "no %s loader: %s", name,
                        gerr ? gerr->message : "unknown");
        goto out;
    }
    g_signal_connect(loader, "size-prepared", G_CALLBACK(on_size), &too_big);
    gboolean ok = gdk_pixbuf_loader_write(loader, p, len, &gerr);
    if (gerr) {
        g_error_free(gerr);
        gerr = NULL;
    }
    /* close also after a failed write: it releases what the loader holds */
    gboolean closed = gdk_pixbuf_loader_close(loader, &gerr);
    GdkPixbuf *img = ok && closed && !too_big ? gdk_pixbuf_loader_get_pixbuf(loader) : NULL;
    if (too_big) {
        rc = kb_err_set(err, KB_ETOOBIG, "the image is larger than thumbnails are made of");
    } else if (!img) {
        rc = kb_err_set(err, KB_EPARSE, "the %s image does not decode: %s", name,
                        gerr ? gerr->message : "no image");
    } else {
        GdkPixbuf *turned = gdk_pixbuf_apply_embedded_orientation(img);
        int w = gdk_pixbuf_get_width(turned), h = gdk_pixbuf_get_height(turned);
        int tw = w, th = h;
        if (w > (int)KB_THUMB_BOX || h > (int)KB_THUMB_BOX) {
            if (w >= h) {
                tw = (int)KB_THUMB_BOX;
                th = (int)((long long)h * KB_THUMB_BOX / (unsigned)w);
            } else {
                th = (int)KB_THUMB_BOX;
                tw = (int)((long long)w * KB_THUMB_BOX / (unsigned)h);
            }
            if (tw < 1)
                tw = 1;
            if (th < 1)
                th = 1;
        }
        GdkPixbuf *small = gdk_pixbuf_scale_simple(turned, tw, th, GDK_INTERP_BILINEAR);
        gchar *png = NULL;
        gsize png_len = 0;
        if (!small || !gdk_pixbuf_save_to_buffer(small, &png, &png_len, "png", &gerr, NULL)) {
            rc = kb_err_set(err, KB_EINTERNAL, "cannot write the thumbnail: %s",
                            gerr ? gerr->message : "out of memory");
        } else {
            *out = kb_xmalloc(png_len ? png_len : 1);
            memcpy(*out, png, png_len);
            *out_len = png_len;
        }
        g_free(png);
        if (small)
            g_object_unref(small);
        g_object_unref(turned);
    }
    if (gerr)
        g_error_free(gerr);
    g_object_unref(loader);
out:
    pthread_mutex_unlock(&decode_mu);
    return rc;
}
