/* layers.h — private: which simulcast layer each subscriber gets.
 *
 * Two pure parts: reading a video payload far enough to tell a keyframe
 * (and its size), and the layer chooser, which from the layers a
 * publisher sends, the size each subscriber shows a video at and the
 * subscriber's downlink estimate decides, for every video it receives, the
 * layer to forward or that the video pauses (audio first).
 *
 * Threading: pure functions on caller memory, no allocation; the media
 * workers call them (the keyframe test on the packet path).
 */
#pragma once

#include <glib.h>

#include "sdp.h"

G_BEGIN_DECLS

#define NARA_LAYERS_MAX NARA_SDP_MAX_RIDS
/* What Nara counts for each audio stream a subscriber receives (Opus at
 * 32 kbit/s with headers): kept out of the video budget. */
#define NARA_LAYERS_AUDIO_BPS 50000

/* TRUE if the RTP payload starts a keyframe: VP8 (RFC 7741 §4.3: first
 * partition, S bit, inverse key bit) or H.264 (an IDR slice or SPS, single,
 * STAP-A or first FU-A). A VP8 keyframe, or an H.264 SPS, also gives the
 * picture size in *width and *height (left alone otherwise). */
gboolean nara_layers_keyframe(const char *codec, const guint8 *payload, gsize len, guint16 *width,
                              guint16 *height);

/* VP8's TID has two bits. */
#define NARA_TEMPORAL_MAX 4
/* A subscriber's temporal limit when it takes every frame. */
#define NARA_TEMPORAL_ALL 0xff

/* The temporal layer of a video packet (VP8 with the T bit, RFC 7741
 * §4.2), -1 when it carries none; *frame_start tells whether the packet
 * starts a frame (S bit and partition 0). */
gint nara_layers_temporal(const char *codec, const guint8 *payload, gsize len,
                          gboolean *frame_start);

/* One layer as the chooser sees it, smallest first. */
typedef struct {
  guint16 width, height; /* 0: not seen yet */
  guint32 bitrate_bps;   /* measured, or a guess before any was */
  gboolean active;       /* packets came lately */
  /* Temporal layers: 0 or 1 when it has none; else the rate of frames of
   * layers 0..t together, temporal_bps[n_temporal - 1] == bitrate_bps. */
  guint8 n_temporal;
  guint32 temporal_bps[NARA_TEMPORAL_MAX];
} NaraLayerInfo;

typedef enum {
  NARA_LAYER_SENDING,
  NARA_LAYER_PAUSED_HIDDEN,    /* the client shows it nowhere (0x0) */
  NARA_LAYER_PAUSED_BANDWIDTH, /* not even the lowest layer fits: audio first */
} NaraLayerState;

/* One video a subscriber receives. */
typedef struct {
  const NaraLayerInfo *layers;
  guint n_layers;
  guint16 view_width, view_height; /* device pixels; 0x0 hidden */
  gboolean view_known;             /* FALSE: the client never said; no size limit */
  gboolean signing;                /* the publisher signs: frame rate before resolution */
  gboolean lossy;                  /* the link loses heavily: never the largest of several */
  gint current;                    /* the layer now forwarded, -1 if none */
  guint8 current_tmax;             /* its temporal limit (NARA_TEMPORAL_ALL: none) */
  gboolean was_paused;             /* paused for bandwidth: resuming needs room to spare */
  /* Out */
  gint chosen;        /* layer index, -1 when paused */
  gint wanted;        /* what the tile alone asks for (a link with room to
                       * spare gets it), -1 when hidden */
  guint8 chosen_tmax; /* the highest temporal layer sent, or NARA_TEMPORAL_ALL */
  NaraLayerState state;
} NaraLayerChoice;

/* Chooses for all of one subscriber's videos at once, so that their sum
 * fits video_budget_bps (the estimate minus audio): first every visible
 * video its lowest layer (signing ones first, then the largest tiles), at
 * a lower frame rate (fewer temporal layers) where the full one does not
 * fit, the rest paused; then each, in the same order, steps up: to its
 * full frame rate first, then to the largest layer its tile needs that
 * still fits. Where only the tile's own layer at half its frame rate fits,
 * a video that does not sign gets that rather than a blurred smaller
 * layer (signing keeps its frame rate instead). Stepping up (and resuming)
 * asks for a quarter more room than staying, so a layer does not flap. */
void nara_layers_choose(NaraLayerChoice *videos, guint n, guint64 video_budget_bps);

G_END_DECLS
