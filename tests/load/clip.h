/* clip.h — the load tool's pre-encoded media: RTP packets with send offsets.
 *
 * A clip is made once with GStreamer (VP8 video and Opus audio, payloaded,
 * pulled from appsinks) and written to a small binary file; publishers then
 * replay it without any encoder. It does not send or pace packets
 * (publisher.c does).
 *
 * Threading: the tool's only thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LOAD_CLIP_ERROR (load_clip_error_quark())
GQuark load_clip_error_quark(void);

typedef enum {
  LOAD_KIND_AUDIO,
  LOAD_KIND_VIDEO,
} LoadKind;

#define LOAD_CLIP_PT_AUDIO 111
#define LOAD_CLIP_PT_VIDEO 96
#define LOAD_CLIP_MAX_PACKET 1400

typedef struct {
  gint64 offset_us; /* send time from the start of the clip */
  LoadKind kind;
  gboolean keyframe; /* first packet of a VP8 keyframe */
  guint16 len;
  const guint8 *data; /* a whole RTP packet, into the clip's storage */
} LoadClipPacket;

typedef struct {
  LoadClipPacket *packets;
  guint n_packets;
  gint64 duration_us;  /* one loop */
  guint32 first_ts[2]; /* RTP timestamp of each kind's first packet */
  guint8 *storage;
} LoadClip;

/* Encodes `seconds` of test video (VP8 at about video_bps bit/s) and audio
 * and writes the clip to path (through a temporary file and a rename, so
 * readers never see half a clip). */
#define LOAD_CLIP_DEFAULT_BPS 566000
gboolean load_clip_make(const char *path, guint seconds, guint video_bps, GError **error);
/* (transfer full) */
LoadClip *load_clip_read(const char *path, GError **error);
void load_clip_free(LoadClip *clip);

/* (transfer full) The indexes of the packets one stream of the clip sends,
 * in order, n_out of them: the audio if `audio`, and the video's whole
 * frames, one in `every` of them counted in clip order plus every keyframe
 * (a thinned simulcast layer: every packet of a kept frame, payload
 * descriptors untouched). */
guint *load_clip_select(const LoadClip *clip, gboolean audio, guint every, guint *n_out);

/* TRUE if an RTP payload of VP8 (RFC 7741) starts a keyframe. */
gboolean load_vp8_is_keyframe_start(const guint8 *payload, gsize len);

G_END_DECLS
