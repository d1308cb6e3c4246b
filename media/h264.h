/* h264.h — private: what Nara reads of H.264 (h264.c).
 *
 * Threading: a pure function on caller memory, no allocation; the media
 * workers call it on the packet path.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The picture size an SPS NAL unit (header byte first, emulation
 * prevention bytes as sent) announces, after its cropping. FALSE, and
 * *width and *height left alone, if nal is no SPS or is malformed. */
gboolean nara_h264_sps_size(const guint8 *nal, gsize len, guint16 *width, guint16 *height);

G_END_DECLS
