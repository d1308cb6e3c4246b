/* layers.c — keyframe detection and the layer chooser.
 *
 * Owns the policy of what each subscriber receives of each video: the
 * smallest layer that fills its tile, within its downlink estimate, with
 * audio kept out of the budget and signing participants served first;
 * when the lowest layer does not fit, fewer of its frames (VP8 temporal
 * layers), and when not even those fit, the video pauses. room.c applies
 * the choice (switching at the target layer's next keyframe, thinning
 * frames at once, numbering.c). Pure functions; run on the media workers.
 */
#include "layers.h"

#include "h264.h"

#include <string.h>

/* RFC 7741 §4.2: the payload descriptor's length, 0 if malformed. */
static gsize vp8_descriptor_len(const guint8 *p, gsize len)
{
  gsize i = 1;
  if (len < 1)
    return 0;
  if (p[0] & 0x80) { /* X */
    if (len < 2)
      return 0;
    guint8 x = p[1];
    i = 2;
    if (x & 0x80) { /* I: picture id, 7 or 15 bits */
      if (i >= len)
        return 0;
      i += (p[i] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) /* L: TL0PICIDX */
      i++;
    if (x & 0x30) /* T or K: TID/Y/KEYIDX */
      i++;
  }
  return i <= len ? i : 0;
}

static gboolean vp8_keyframe(const guint8 *p, gsize len, guint16 *width, guint16 *height)
{
  gsize d = vp8_descriptor_len(p, len);
  /* S set and partition 0: the frame's first packet, where its header is. */
  if (d == 0 || !(p[0] & 0x10) || (p[0] & 0x07) != 0 || len - d < 3)
    return FALSE;
  const guint8 *f = p + d;
  if (f[0] & 0x01) /* RFC 6386 §9.1: P, 0 for a key frame */
    return FALSE;
  if (len - d >= 10 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a) {
    *width = (guint16)((f[6] | (f[7] << 8)) & 0x3fff);
    *height = (guint16)((f[8] | (f[9] << 8)) & 0x3fff);
  }
  return TRUE;
}

gint nara_layers_temporal(const char *codec, const guint8 *p, gsize len, gboolean *frame_start)
{
  *frame_start = FALSE;
  /* X, then T in the extension byte; the TID byte follows I's and L's. */
  if (len < 3 || !(p[0] & 0x80) || !(p[1] & 0x20) || g_ascii_strcasecmp(codec, "VP8") != 0)
    return -1;
  gsize i = 2;
  if (p[1] & 0x80)
    i += (p[2] & 0x80) ? 2 : 1;
  if (p[1] & 0x40)
    i++;
  if (i >= len)
    return -1;
  *frame_start = (p[0] & 0x10) && (p[0] & 0x07) == 0;
  return p[i] >> 6;
}

static gboolean h264_key_nal(guint8 type)
{
  return type == 5 || type == 7; /* IDR slice, SPS */
}

/* A keyframe starts with its SPS (browsers send SPS and PPS before each
 * IDR), which also gives the picture size: simulcast layers are sorted and
 * matched to tiles by it, as VP8's are by their keyframe header. */
static gboolean h264_keyframe(const guint8 *p, gsize len, guint16 *width, guint16 *height)
{
  if (len < 2)
    return FALSE;
  guint8 type = p[0] & 0x1f;
  if (type == 24) { /* STAP-A (RFC 6184 §5.7.1): size-prefixed NAL units */
    gboolean key = FALSE;
    for (gsize i = 1; i + 3 <= len;) {
      gsize n = ((gsize)p[i] << 8) | p[i + 1];
      if (n == 0 || i + 2 + n > len)
        return key;
      guint8 t = p[i + 2] & 0x1f;
      if (t == 7)
        nara_h264_sps_size(p + i + 2, n, width, height);
      key |= h264_key_nal(t);
      i += 2 + n;
    }
    return key;
  }
  if (type == 28) /* FU-A: the start of a fragmented unit */
    return (p[1] & 0x80) && h264_key_nal(p[1] & 0x1f);
  if (type == 7)
    nara_h264_sps_size(p, len, width, height);
  return h264_key_nal(type);
}

gboolean nara_layers_keyframe(const char *codec, const guint8 *payload, gsize len, guint16 *width,
                              guint16 *height)
{
  if (g_ascii_strcasecmp(codec, "VP8") == 0)
    return vp8_keyframe(payload, len, width, height);
  if (g_ascii_strcasecmp(codec, "H264") == 0)
    return h264_keyframe(payload, len, width, height);
  return FALSE;
}

/* ---- the chooser ---- */

/* Sign language needs its frame rate and a readable picture: at least
 * QVGA (EN 301 549 §6.5.3) where the layers and the link allow. */
#define SIGNING_MIN_WIDTH 320
#define SIGNING_MIN_HEIGHT 240

/* The smallest layer that fills the tile (allowing a tenth less, as
 * browsers scale a little up without harm), else the largest; a layer of
 * unknown size counts as large enough. */
static gint fill_cap(const NaraLayerChoice *c)
{
  if (!c->view_known)
    return (gint)c->n_layers - 1;
  guint vw = c->view_width, vh = c->view_height;
  if (c->signing) {
    vw = MAX(vw, SIGNING_MIN_WIDTH);
    vh = MAX(vh, SIGNING_MIN_HEIGHT);
  }
  for (guint i = 0; i < c->n_layers; i++) {
    const NaraLayerInfo *l = &c->layers[i];
    if (l->width == 0 || (l->width * 10u >= vw * 9u && l->height * 10u >= vh * 9u))
      return (gint)i;
  }
  return (gint)c->n_layers - 1;
}

/* That, but at most the second largest on a link that loses heavily: a
 * frame of fewer packets more often arrives whole or is repaired in time
 * (at 8 % loss, 640x480 came at 13.6 frames/s where 320x240 came at 20;
 * docs/networks.md). */
static gint size_cap(const NaraLayerChoice *c)
{
  gint fit = fill_cap(c);
  return c->lossy && c->n_layers > 1 ? MIN(fit, (gint)c->n_layers - 2) : fit;
}

/* Temporal limit t as the layer has it: every frame when t reaches its
 * top layer or it has none. */
static guint8 norm_tmax(const NaraLayerInfo *l, guint8 t)
{
  return l->n_temporal < 2 || t >= l->n_temporal - 1 ? NARA_TEMPORAL_ALL : t;
}

/* What layer i costs up to temporal layer t. */
static guint64 rate_at(const NaraLayerChoice *c, gint i, guint8 t)
{
  const NaraLayerInfo *l = &c->layers[i];
  t = norm_tmax(l, t);
  return t == NARA_TEMPORAL_ALL ? l->bitrate_bps : l->temporal_bps[t];
}

/* What taking layer i at temporal limit t costs: a quarter more than its
 * rate when it is more than what is sent now (hysteresis against
 * flapping); staying or stepping down costs the rate alone. */
static guint64 cost(const NaraLayerChoice *c, gint i, guint8 t)
{
  guint64 rate = rate_at(c, i, t);
  gboolean up = i > c->current
                || (i == c->current
                    && norm_tmax(&c->layers[i], t) > norm_tmax(&c->layers[i], c->current_tmax));
  return up ? rate + rate / 4 : rate;
}

/* The fewest frames a layer can be thinned to. */
static guint8 min_tmax(const NaraLayerInfo *l)
{
  return l->n_temporal < 2 ? NARA_TEMPORAL_ALL : 0;
}

static gint lowest_active(const NaraLayerChoice *c)
{
  for (guint i = 0; i < c->n_layers; i++)
    if (c->layers[i].active)
      return (gint)i;
  return -1;
}

/* Priority: signing first, then the larger tile (unknown: largest). */
static gboolean before(const NaraLayerChoice *a, const NaraLayerChoice *b)
{
  if (a->signing != b->signing)
    return a->signing;
  guint64 aa = a->view_known ? (guint64)a->view_width * a->view_height : G_MAXUINT32;
  guint64 bb = b->view_known ? (guint64)b->view_width * b->view_height : G_MAXUINT32;
  return aa > bb;
}

void nara_layers_choose(NaraLayerChoice *videos, guint n, guint64 budget)
{
  guint order[64];
  guint n_order = 0;
  for (guint i = 0; i < n; i++) {
    NaraLayerChoice *c = &videos[i];
    c->chosen = -1;
    c->chosen_tmax = NARA_TEMPORAL_ALL;
    c->state = NARA_LAYER_PAUSED_HIDDEN;
    c->wanted = -1;
    if (c->view_known && (c->view_width == 0 || c->view_height == 0))
      continue;
    c->wanted = size_cap(c);
    c->state = NARA_LAYER_PAUSED_BANDWIDTH;
    if (n_order == G_N_ELEMENTS(order) || lowest_active(c) < 0)
      continue;
    /* Insertion sort: a subscriber receives a handful of videos. */
    guint k = n_order++;
    for (; k > 0 && before(c, &videos[order[k - 1]]); k--)
      order[k] = order[k - 1];
    order[k] = i;
  }
  /* Every visible video its lowest layer, at its fewest frames, while the
   * budget lasts. */
  for (guint k = 0; k < n_order; k++) {
    NaraLayerChoice *c = &videos[order[k]];
    gint low = lowest_active(c);
    guint8 t = min_tmax(&c->layers[low]);
    guint64 rate = rate_at(c, low, t);
    guint64 need = c->was_paused ? rate + rate / 2 : rate;
    if (need > budget)
      continue;
    budget -= rate;
    c->chosen = low;
    c->chosen_tmax = t;
    c->state = NARA_LAYER_SENDING;
  }
  /* Then up, each as far as its tile needs and the rest allows: its frame
   * rate first, then its size. */
  for (guint k = 0; k < n_order; k++) {
    NaraLayerChoice *c = &videos[order[k]];
    if (c->chosen < 0)
      continue;
    gint cap = size_cap(c);
    guint64 have = budget + rate_at(c, c->chosen, c->chosen_tmax);
    const NaraLayerInfo *low = &c->layers[c->chosen];
    /* From every frame down to one layer above the present limit; a video
     * that starts has nothing to flap from, and takes what fits. */
    gboolean fresh = c->current < 0 && !c->was_paused;
    for (gint t = low->n_temporal - 1;
         norm_tmax(low, c->chosen_tmax) != NARA_TEMPORAL_ALL && t > (gint)c->chosen_tmax; t--)
      if ((fresh ? rate_at(c, c->chosen, (guint8)t) : cost(c, c->chosen, (guint8)t)) <= have) {
        c->chosen_tmax = norm_tmax(low, (guint8)t);
        break;
      }
    if (norm_tmax(low, c->chosen_tmax) == NARA_TEMPORAL_ALL) {
      c->chosen_tmax = NARA_TEMPORAL_ALL;
      for (gint i = cap; i > c->chosen; i--) {
        const NaraLayerInfo *l = &c->layers[i];
        if (!l->active)
          continue;
        if (cost(c, i, NARA_TEMPORAL_ALL) <= have) {
          c->chosen = i;
          break;
        }
        /* The tile's own size at half the frames rather than a smaller
         * layer stretched over it; signing keeps its frames. */
        guint8 half = l->n_temporal >= 2 ? (guint8)(l->n_temporal - 2) : NARA_TEMPORAL_ALL;
        if (i == cap && !c->signing && half != NARA_TEMPORAL_ALL && cost(c, i, half) <= have) {
          c->chosen = i;
          c->chosen_tmax = half;
          break;
        }
      }
    }
    budget = have - rate_at(c, c->chosen, c->chosen_tmax);
  }
}
