/* debug.h — private: the media module's GStreamer debug category.
 *
 * One category, "nara-media", shared by every file of the module so logs can
 * be filtered with GST_DEBUG=nara-media:5. Safe from any thread once
 * nara_media_debug_init() has run (nara_media_new() calls it).
 */
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(nara_media_debug);
#define GST_CAT_DEFAULT nara_media_debug

void nara_media_debug_init(void);
