/* clip.c — making and reading the load tool's RTP clip.
 *
 * Making: one GStreamer pipeline (videotestsrc → vp8enc → rtpvp8pay and
 * audiotestsrc → opusenc → rtpopuspay, each into an appsink), run as fast as
 * it goes; packets are sorted by their buffer time and written with it.
 * Reading: the whole file into memory, every length checked. No pacing,
 * sending or rewriting here.
 *
 * Threading: the tool's only thread (the pipeline's own threads stay inside
 * load_clip_make).
 */
#include "clip.h"

#include <errno.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(load - clip - error - quark, load_clip_error)

/* File layout, little-endian: magic, packet count, loop duration (µs), then
 * per packet: send offset (µs, u64), kind (u8), flags (u8), length (u16),
 * the RTP packet. */
static const char magic[8] = { 'N', 'L', 'C', 'L', 'I', 'P', '0', '1' };
#define HEADER_LEN (8 + 4 + 8)
#define RECORD_LEN (8 + 1 + 1 + 2)
#define FLAG_KEYFRAME 1

gboolean load_vp8_is_keyframe_start(const guint8 *p, gsize len)
{
  gsize i = 1;
  if (len < 1)
    return FALSE;
  gboolean start = (p[0] & 0x10) != 0, pid0 = (p[0] & 0x07) == 0;
  if (p[0] & 0x80) { /* X: extension byte (RFC 7741 §4.2) */
    if (len < 2)
      return FALSE;
    guint8 x = p[1];
    i = 2;
    if (x & 0x80) { /* I: picture id, 7 or 15 bits */
      if (len <= i)
        return FALSE;
      i += (p[i] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) /* L: TL0PICIDX */
      i++;
    if (x & 0x30) /* T or K: TID/Y/KEYIDX */
      i++;
  }
  /* VP8 payload header, first byte: P (bit 0) is 0 on a keyframe (RFC 7741 §4.3). */
  return start && pid0 && len > i && (p[i] & 0x01) == 0;
}

typedef struct {
  gint64 offset_us;
  guint order;
  LoadKind kind;
  gboolean keyframe;
  GBytes *rtp;
} Pending;

static gint compare_pending(gconstpointer a, gconstpointer b)
{
  const Pending *x = a, *y = b;
  if (x->offset_us != y->offset_us)
    return x->offset_us < y->offset_us ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Drains one appsink to EOS. The other sink keeps queueing meanwhile
 * (appsink queues without bound by default), so draining in turn cannot
 * stall the pipeline. */
static void drain(GstElement *sink, LoadKind kind, GArray *out)
{
  GstSample *sample;
  while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    GstBuffer *buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buf && GST_BUFFER_PTS_IS_VALID(buf) && gst_buffer_map(buf, &map, GST_MAP_READ)) {
      if (map.size >= 12 && map.size <= LOAD_CLIP_MAX_PACKET) {
        Pending p = { .offset_us = (gint64)(GST_BUFFER_PTS(buf) / GST_USECOND),
                      .order = out->len,
                      .kind = kind,
                      .rtp = g_bytes_new(map.data, map.size) };
        gsize hl = 12 + 4 * (map.data[0] & 0x0f);
        if (kind == LOAD_KIND_VIDEO && map.size > hl)
          p.keyframe = load_vp8_is_keyframe_start(map.data + hl, map.size - hl);
        g_array_append_val(out, p);
      }
      gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
  }
}

static gboolean write_clip(const char *path, GArray *packets, gint64 duration_us, GError **error)
{
  g_autofree char *tmp = g_strdup_printf("%s.%d.tmp", path, (int)getpid());
  GByteArray *bytes = g_byte_array_new();
  guint32 n = GUINT32_TO_LE(packets->len);
  guint64 d = GUINT64_TO_LE((guint64)duration_us);
  gboolean ok;

  g_byte_array_append(bytes, (const guint8 *)magic, sizeof magic);
  g_byte_array_append(bytes, (const guint8 *)&n, 4);
  g_byte_array_append(bytes, (const guint8 *)&d, 8);
  for (guint i = 0; i < packets->len; i++) {
    const Pending *p = &g_array_index(packets, Pending, i);
    gsize len;
    const guint8 *data = g_bytes_get_data(p->rtp, &len);
    guint64 off = GUINT64_TO_LE((guint64)p->offset_us);
    guint8 kind = (guint8)p->kind, flags = p->keyframe ? FLAG_KEYFRAME : 0;
    guint16 l = GUINT16_TO_LE((guint16)len);
    g_byte_array_append(bytes, (const guint8 *)&off, 8);
    g_byte_array_append(bytes, &kind, 1);
    g_byte_array_append(bytes, &flags, 1);
    g_byte_array_append(bytes, (const guint8 *)&l, 2);
    g_byte_array_append(bytes, data, (guint)len);
  }
  ok = g_file_set_contents(tmp, (const char *)bytes->data, bytes->len, error);
  if (ok && g_rename(tmp, path) != 0) {
    g_set_error(error, LOAD_CLIP_ERROR, 0, "rename to %s: %s", path, g_strerror(errno));
    g_unlink(tmp);
    ok = FALSE;
  }
  g_byte_array_unref(bytes);
  return ok;
}

gboolean load_clip_make(const char *path, guint seconds, guint video_bps, GError **error)
{
  /* The encoder settings of the earlier Janus bench: ~566 kbit/s VP8,
   * a keyframe every 2 s, realtime speed; Opus in 20 ms frames. A moving
   * SMPTE pattern: the ball alone compresses to ~90 kbit/s, one packet a
   * frame, far from what a camera sends (this gives ~580 kbit/s, 69 pkt/s).
   * --clip-bitrate changes only the target bitrate. */
  g_autofree char *desc = g_strdup_printf(
      "videotestsrc pattern=smpte horizontal-speed=4 num-buffers=%u "
      "! video/x-raw,width=640,height=360,framerate=30/1 "
      "! vp8enc target-bitrate=%u keyframe-max-dist=60 deadline=1 cpu-used=8 "
      "! rtpvp8pay mtu=1200 pt=%u ! appsink name=v sync=false "
      "audiotestsrc num-buffers=%u samplesperbuffer=960 "
      "! audio/x-raw,rate=48000,channels=2 ! opusenc ! rtpopuspay pt=%u "
      "! appsink name=a sync=false",
      seconds * 30, video_bps, LOAD_CLIP_PT_VIDEO, seconds * 50, LOAD_CLIP_PT_AUDIO);
  GstElement *pipeline = gst_parse_launch(desc, error);
  if (!pipeline)
    return FALSE;
  GstElement *v = gst_bin_get_by_name(GST_BIN(pipeline), "v");
  GstElement *a = gst_bin_get_by_name(GST_BIN(pipeline), "a");
  GArray *packets = g_array_new(FALSE, TRUE, sizeof(Pending));
  gboolean ok = FALSE;

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, LOAD_CLIP_ERROR, 0, "the clip pipeline did not start (plugins missing?)");
    goto out;
  }
  drain(v, LOAD_KIND_VIDEO, packets);
  drain(a, LOAD_KIND_AUDIO, packets);
  g_array_sort(packets, compare_pending);
  if (packets->len < seconds * 50) {
    g_set_error(error, LOAD_CLIP_ERROR, 0, "the clip pipeline made only %u packets", packets->len);
    goto out;
  }
  ok = write_clip(path, packets, (gint64)seconds * G_USEC_PER_SEC, error);
out:
  gst_element_set_state(pipeline, GST_STATE_NULL);
  for (guint i = 0; i < packets->len; i++)
    g_bytes_unref(g_array_index(packets, Pending, i).rtp);
  g_array_unref(packets);
  gst_object_unref(v);
  gst_object_unref(a);
  gst_object_unref(pipeline);
  return ok;
}

static gboolean bad_clip(GError **error, const char *path, const char *why)
{
  g_set_error(error, LOAD_CLIP_ERROR, 0, "%s: not a usable clip (%s)", path, why);
  return FALSE;
}

static gboolean parse_clip(LoadClip *clip, gsize size, const char *path, GError **error)
{
  const guint8 *p = clip->storage, *end = clip->storage + size;
  guint32 n;
  guint64 d;
  gboolean seen[2] = { FALSE, FALSE };

  if (size < HEADER_LEN || memcmp(p, magic, sizeof magic) != 0)
    return bad_clip(error, path, "bad header");
  memcpy(&n, p + 8, 4);
  memcpy(&d, p + 12, 8);
  n = GUINT32_FROM_LE(n);
  d = GUINT64_FROM_LE(d);
  if (n == 0 || n > 10000000 || d == 0 || d > 3600 * (guint64)G_USEC_PER_SEC)
    return bad_clip(error, path, "bad counts");
  clip->duration_us = (gint64)d;
  clip->packets = g_new0(LoadClipPacket, n);
  p += HEADER_LEN;
  for (guint i = 0; i < n; i++) {
    LoadClipPacket *c = &clip->packets[i];
    guint64 off;
    guint16 len;
    if ((gsize)(end - p) < RECORD_LEN)
      return bad_clip(error, path, "truncated");
    memcpy(&off, p, 8);
    memcpy(&len, p + 10, 2);
    c->offset_us = (gint64)GUINT64_FROM_LE(off);
    c->kind = p[8] == LOAD_KIND_VIDEO ? LOAD_KIND_VIDEO : LOAD_KIND_AUDIO;
    c->keyframe = (p[9] & FLAG_KEYFRAME) != 0;
    c->len = GUINT16_FROM_LE(len);
    p += RECORD_LEN;
    if (c->len < 12 || c->len > LOAD_CLIP_MAX_PACKET || (gsize)(end - p) < c->len)
      return bad_clip(error, path, "bad packet length");
    if (c->offset_us < 0 || c->offset_us >= clip->duration_us
        || (i > 0 && c->offset_us < clip->packets[i - 1].offset_us))
      return bad_clip(error, path, "offsets out of order");
    c->data = p;
    p += c->len;
    if (!seen[c->kind]) {
      seen[c->kind] = TRUE;
      guint32 ts;
      memcpy(&ts, c->data + 4, 4);
      clip->first_ts[c->kind] = GUINT32_FROM_BE(ts);
    }
  }
  clip->n_packets = n;
  if (!seen[LOAD_KIND_AUDIO] || !seen[LOAD_KIND_VIDEO])
    return bad_clip(error, path, "needs audio and video");
  return TRUE;
}

guint *load_clip_select(const LoadClip *clip, gboolean audio, guint every, guint *n_out)
{
  guint *out = g_new(guint, clip->n_packets);
  guint n = 0, frame = 0;
  gboolean have_ts = FALSE, keep = FALSE;
  guint32 frame_ts = 0;
  for (guint i = 0; i < clip->n_packets; i++) {
    const LoadClipPacket *c = &clip->packets[i];
    if (c->kind == LOAD_KIND_AUDIO) {
      if (audio)
        out[n++] = i;
      continue;
    }
    guint32 ts;
    memcpy(&ts, c->data + 4, 4);
    /* A new timestamp starts a frame; its first packet says if it is a keyframe. */
    if (!have_ts || ts != frame_ts) {
      keep = c->keyframe || frame % MAX(every, 1) == 0;
      frame++;
      frame_ts = ts;
      have_ts = TRUE;
    }
    if (keep)
      out[n++] = i;
  }
  *n_out = n;
  return out;
}

LoadClip *load_clip_read(const char *path, GError **error)
{
  LoadClip *clip = g_new0(LoadClip, 1);
  gsize size;
  if (!g_file_get_contents(path, (char **)&clip->storage, &size, error)
      || !parse_clip(clip, size, path, error)) {
    load_clip_free(clip);
    return NULL;
  }
  return clip;
}

void load_clip_free(LoadClip *clip)
{
  if (!clip)
    return;
  g_free(clip->packets);
  g_free(clip->storage);
  g_free(clip);
}
