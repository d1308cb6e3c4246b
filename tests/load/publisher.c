/* publisher.c — replays the clip on one publish connection, paced by the
 * clip's send offsets.
 *
 * Each stream the publisher sends is a lane of its own: the audio and the
 * (top layer of the) video share one, and with --simulcast the two lower
 * video layers have one each, replaying their thinned share of the clip
 * (load_clip_select). Each packet gets its stream's SSRC, a running
 * sequence number and a timestamp that goes on across loops, plus the
 * send-time tag in its RTP padding; a simulcast layer's packets also carry
 * the mid and rid header extensions, as Chromium's do. A keyframe request
 * (PLI/FIR) jumps the lane of the requested SSRC to its next keyframe, as a
 * live encoder would answer it (coalescing requests is the server's job,
 * and part of what is measured); time stamps and pacing carry on as if the
 * skipped part never existed. A layer Nara says nobody takes
 * (`send-layers`) stops sending video, as a browser's paused encoding does
 * (its lane's audio goes on), and starts again at its next keyframe. No
 * encoding, no RTCP sender reports.
 *
 * Threading: the tool's only thread (a GSource with a ready time).
 */
#include "load.h"

#include <string.h>

#define MAX_BURST 64 /* packets one dispatch may send when late */

const char *const load_layer_rids[LOAD_LAYERS] = { "q", "h", "f" };
const guint load_layer_every[LOAD_LAYERS] = { 4, 2, 1 };

typedef struct {
  const guint *packets; /* into clip->packets, the tool's */
  guint n_packets;
  guint cursor;
  gint64 epoch_us;    /* wall time of clip offset 0 in the current loop */
  guint32 ts_add[2];  /* added to clip timestamps, per kind */
  guint32 ts_base[2]; /* random start, per kind */
  guint16 seq[2];
  guint out_streams[2]; /* audio, video */
  gboolean paused;      /* its video, by send-layers */
} Lane;

struct _LoadPublisher {
  LoadParticipant *p;
  LoadClip *clip;
  GSource *source;
  Lane lanes[LOAD_LAYERS];
  guint n_lanes;
  guint8 buf[LOAD_CLIP_MAX_PACKET + LOAD_EXT_LEN + LOAD_TAG_LEN + NARA_SRTP_MAX_TAIL];
};

static const guint clock_rate[2] = { 48000, 90000 };
static const guint8 tag_magic[4] = { 'N', 'L', 'T', '1' };

static guint32 us_to_ticks(gint64 us, LoadKind kind)
{
  return (guint32)((guint64)us * clock_rate[kind] / G_USEC_PER_SEC);
}

static void put32(guint8 *p, guint32 v)
{
  p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static const LoadClipPacket *lane_packet(LoadPublisher *pub, Lane *l, guint i)
{
  return &pub->clip->packets[l->packets[i]];
}

/* RFC 8285 one-byte header block after the fixed header (the clip's
 * packets have no CSRC and no extension; load_tool_new checks): mid "1"
 * and the layer's rid, one word. */
static gsize put_extensions(guint8 *b, gsize len, const char *rid)
{
  memmove(b + 12 + LOAD_EXT_LEN, b + 12, len - 12);
  b[0] |= 0x10;
  b[12] = 0xbe, b[13] = 0xde, b[14] = 0, b[15] = 1;
  b[16] = LOAD_EXT_ID_MID << 4, b[17] = '1';
  b[18] = LOAD_EXT_ID_RID << 4, b[19] = (guint8)rid[0];
  return len + LOAD_EXT_LEN;
}

static void send_one(LoadPublisher *pub, Lane *l, const LoadClipPacket *c)
{
  LoadTool *tool = pub->p->tool;
  guint stream = l->out_streams[c->kind];
  LoadOutStream *os = &g_array_index(tool->out_streams, LoadOutStream, stream);
  guint8 *b = pub->buf;
  gsize len = c->len;
  guint32 ts;

  memcpy(b, c->data, len);
  memcpy(&ts, b + 4, 4);
  ts = GUINT32_FROM_BE(ts) - tool->clip->first_ts[c->kind] + l->ts_base[c->kind]
       + l->ts_add[c->kind];
  b[2] = l->seq[c->kind] >> 8;
  b[3] = l->seq[c->kind] & 0xff;
  l->seq[c->kind]++;
  put32(b + 4, ts);
  put32(b + 8, os->ssrc);
  if (os->layer >= 0)
    len = put_extensions(b, len, load_layer_rids[os->layer]);
  /* The tag as RTP padding: tag, magic, three zero bytes, the count. */
  if (!(b[0] & 0x20)) {
    guint32 tag = ++tool->next_tag ? tool->next_tag : ++tool->next_tag;
    LoadSent *s = &tool->ring[tag % LOAD_RING_SIZE];
    b[0] |= 0x20;
    put32(b + len, tag);
    memcpy(b + len + 4, tag_magic, 4);
    memset(b + len + 8, 0, 3);
    b[len + 11] = LOAD_TAG_LEN;
    len += LOAD_TAG_LEN;
    s->tag = tag;
    s->stream = (guint16)stream;
    s->keyframe = c->keyframe;
    s->sent_us = g_get_monotonic_time();
  }
  if (load_peer_send_rtp(pub->p->pub_peer, b, len, sizeof pub->buf)) {
    os->sent++;
    if (!pub->p->sending_us)
      pub->p->sending_us = g_get_monotonic_time();
  }
}

/* Next loop of the clip: time and timestamps go on by one clip duration. */
static void wrap(LoadPublisher *pub, Lane *l)
{
  l->cursor = 0;
  l->epoch_us += pub->clip->duration_us;
  for (guint k = 0; k < 2; k++)
    l->ts_add[k] += us_to_ticks(pub->clip->duration_us, k);
}

static gint64 lane_due(LoadPublisher *pub, Lane *l)
{
  return l->epoch_us + lane_packet(pub, l, l->cursor)->offset_us;
}

static void set_ready_time(LoadPublisher *pub)
{
  gint64 due = G_MAXINT64;
  for (guint i = 0; i < pub->n_lanes; i++)
    due = MIN(due, lane_due(pub, &pub->lanes[i]));
  g_source_set_ready_time(pub->source, due);
}

static gboolean dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
  LoadPublisher *pub = data;
  gint64 now = g_get_monotonic_time();
  (void)cb, (void)source;
  for (guint i = 0; i < pub->n_lanes; i++) {
    Lane *l = &pub->lanes[i];
    for (guint n = 0; n < MAX_BURST && lane_due(pub, l) <= now; n++) {
      const LoadClipPacket *c = lane_packet(pub, l, l->cursor);
      if (!(l->paused && c->kind == LOAD_KIND_VIDEO))
        send_one(pub, l, c);
      else
        g_array_index(pub->p->tool->out_streams, LoadOutStream, l->out_streams[c->kind]).paused++;
      if (++l->cursor == l->n_packets)
        wrap(pub, l);
    }
  }
  set_ready_time(pub);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs pacing_funcs = { NULL, NULL, dispatch, NULL, NULL, NULL };

LoadPublisher *load_publisher_new(LoadParticipant *p)
{
  LoadPublisher *pub = g_new0(LoadPublisher, 1);
  LoadTool *tool = p->tool;
  pub->p = p;
  pub->clip = tool->clip;
  pub->n_lanes = p->n_video;
  for (guint i = 0; i < pub->n_lanes; i++) {
    Lane *l = &pub->lanes[i];
    /* The last lane is the top layer (or the only video): it carries the audio. */
    guint layer = LOAD_LAYERS - pub->n_lanes + i;
    l->packets = tool->layer_packets[layer];
    l->n_packets = tool->layer_n_packets[layer];
    l->out_streams[LOAD_KIND_AUDIO] = p->out_streams[0];
    l->out_streams[LOAD_KIND_VIDEO] = p->out_streams[1 + i];
    for (guint k = 0; k < 2; k++) {
      l->ts_base[k] = g_random_int();
      l->seq[k] = (guint16)g_random_int();
    }
  }
  return pub;
}

void load_publisher_start(LoadPublisher *pub)
{
  if (!pub || pub->source) /* NULL: the run is over */
    return;
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < pub->n_lanes; i++)
    pub->lanes[i].epoch_us = now;
  pub->source = g_source_new(&pacing_funcs, sizeof(GSource));
  g_source_set_callback(pub->source, NULL, pub, NULL);
  g_source_set_priority(pub->source, G_PRIORITY_HIGH);
  g_source_attach(pub->source, NULL);
  set_ready_time(pub);
}

/* The lane whose video is media_ssrc; the top one if none is (a FIR names
 * its target inside, and a request for the audio SSRC asks the top layer). */
static Lane *lane_for(LoadPublisher *pub, guint32 media_ssrc)
{
  for (guint i = 0; i < pub->n_lanes; i++) {
    Lane *l = &pub->lanes[i];
    if (g_array_index(pub->p->tool->out_streams, LoadOutStream, l->out_streams[LOAD_KIND_VIDEO])
            .ssrc
        == media_ssrc)
      return l;
  }
  return &pub->lanes[pub->n_lanes - 1];
}

static gint lane_layer(LoadPublisher *pub, Lane *l)
{
  return g_array_index(pub->p->tool->out_streams, LoadOutStream, l->out_streams[LOAD_KIND_VIDEO])
      .layer;
}

static void jump_to_keyframe(LoadPublisher *pub, Lane *l)
{
  /* At most one loop ahead: every lane starts with the clip's first keyframe. */
  for (guint n = 0; n <= l->n_packets; n++) {
    const LoadClipPacket *c = lane_packet(pub, l, l->cursor);
    if (c->keyframe)
      break;
    gint64 skip = (l->cursor + 1 < l->n_packets ? lane_packet(pub, l, l->cursor + 1)->offset_us
                                                : pub->clip->duration_us)
                  - c->offset_us;
    /* Skipped time never happened: pacing and timestamps move back by it. */
    l->epoch_us -= skip;
    for (guint k = 0; k < 2; k++)
      l->ts_add[k] -= us_to_ticks(skip, k);
    if (++l->cursor == l->n_packets)
      wrap(pub, l);
  }
  set_ready_time(pub);
}

void load_publisher_keyframe_request(LoadPublisher *pub, guint32 media_ssrc)
{
  if (!pub || !pub->source)
    return;
  Lane *l = lane_for(pub, media_ssrc);
  gint layer = lane_layer(pub, l);
  load_tool_log(pub->p->tool, "%s: keyframe request for %s", pub->p->name,
                layer >= 0 ? load_layer_rids[layer] : "the video");
  jump_to_keyframe(pub, l);
}

void load_publisher_send_layers(LoadPublisher *pub, const gboolean *send)
{
  if (!pub || pub->n_lanes < 2)
    return;
  for (guint i = 0; i < pub->n_lanes; i++) {
    Lane *l = &pub->lanes[i];
    gint layer = lane_layer(pub, l);
    gboolean paused = layer >= 0 && !send[layer];
    if (paused == l->paused)
      continue;
    l->paused = paused;
    load_tool_log(pub->p->tool, "%s: layer %s %s", pub->p->name, load_layer_rids[layer],
                  paused ? "paused" : "sent again");
    /* An encoding that starts again starts with a keyframe. */
    if (!paused && pub->source)
      jump_to_keyframe(pub, l);
  }
}

void load_publisher_free(LoadPublisher *pub)
{
  if (!pub)
    return;
  if (pub->source) {
    g_source_destroy(pub->source);
    g_source_unref(pub->source);
  }
  g_free(pub);
}
