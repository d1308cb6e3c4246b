/* publisher.c — replays the clip on one publish connection, paced by the
 * clip's send offsets.
 *
 * Each packet gets the publisher's SSRC, a running sequence number and a
 * timestamp that goes on across loops, plus the send-time tag in its RTP
 * padding. A keyframe request (PLI/FIR) jumps to the clip's next keyframe,
 * as a live encoder would answer it (coalescing requests is the server's
 * job, and part of what is measured); time stamps
 * and pacing carry on as if the skipped part never existed. No encoding,
 * no RTCP sender reports.
 *
 * Threading: the tool's only thread (a GSource with a ready time).
 */
#include "load.h"

#include <string.h>

#define MAX_BURST 64 /* packets one dispatch may send when late */

struct _LoadPublisher {
  LoadParticipant *p;
  LoadClip *clip;
  GSource *source;
  guint cursor;
  gint64 epoch_us;    /* wall time of clip offset 0 in the current loop */
  guint32 ts_add[2];  /* added to clip timestamps, per kind */
  guint32 ts_base[2]; /* random start, per kind */
  guint16 seq[2];
  guint8 buf[LOAD_CLIP_MAX_PACKET + LOAD_TAG_LEN + NARA_SRTP_MAX_TAIL];
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

static void send_one(LoadPublisher *pub, const LoadClipPacket *c)
{
  LoadTool *tool = pub->p->tool;
  LoadOutStream *os
      = &g_array_index(tool->out_streams, LoadOutStream, pub->p->out_streams[c->kind]);
  guint8 *b = pub->buf;
  gsize len = c->len;
  guint32 ts;

  memcpy(b, c->data, len);
  memcpy(&ts, b + 4, 4);
  ts = GUINT32_FROM_BE(ts) - tool->clip->first_ts[c->kind] + pub->ts_base[c->kind]
       + pub->ts_add[c->kind];
  b[2] = pub->seq[c->kind] >> 8;
  b[3] = pub->seq[c->kind] & 0xff;
  pub->seq[c->kind]++;
  put32(b + 4, ts);
  put32(b + 8, os->ssrc);
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
    s->stream = (guint16)pub->p->out_streams[c->kind];
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
static void wrap(LoadPublisher *pub)
{
  pub->cursor = 0;
  pub->epoch_us += pub->clip->duration_us;
  for (guint k = 0; k < 2; k++)
    pub->ts_add[k] += us_to_ticks(pub->clip->duration_us, k);
}

static gboolean dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
  LoadPublisher *pub = data;
  gint64 now = g_get_monotonic_time();
  (void)cb;
  for (guint n = 0; n < MAX_BURST; n++) {
    const LoadClipPacket *c = &pub->clip->packets[pub->cursor];
    if (pub->epoch_us + c->offset_us > now)
      break;
    send_one(pub, c);
    if (++pub->cursor == pub->clip->n_packets)
      wrap(pub);
  }
  g_source_set_ready_time(source, pub->epoch_us + pub->clip->packets[pub->cursor].offset_us);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs pacing_funcs = { NULL, NULL, dispatch, NULL, NULL, NULL };

LoadPublisher *load_publisher_new(LoadParticipant *p)
{
  LoadPublisher *pub = g_new0(LoadPublisher, 1);
  pub->p = p;
  pub->clip = p->tool->clip;
  for (guint k = 0; k < 2; k++) {
    pub->ts_base[k] = g_random_int();
    pub->seq[k] = (guint16)g_random_int();
  }
  return pub;
}

void load_publisher_start(LoadPublisher *pub)
{
  if (!pub || pub->source) /* NULL: the run is over */
    return;
  pub->epoch_us = g_get_monotonic_time();
  pub->source = g_source_new(&pacing_funcs, sizeof(GSource));
  g_source_set_callback(pub->source, NULL, pub, NULL);
  g_source_set_priority(pub->source, G_PRIORITY_HIGH);
  g_source_set_ready_time(pub->source, pub->epoch_us);
  g_source_attach(pub->source, NULL);
}

void load_publisher_keyframe_request(LoadPublisher *pub)
{
  if (!pub || !pub->source)
    return;
  /* At most one loop ahead: the clip starts with a keyframe. */
  for (guint n = 0; n <= pub->clip->n_packets; n++) {
    const LoadClipPacket *c = &pub->clip->packets[pub->cursor];
    if (c->keyframe)
      break;
    gint64 skip
        = (pub->cursor + 1 < pub->clip->n_packets ? pub->clip->packets[pub->cursor + 1].offset_us
                                                  : pub->clip->duration_us)
          - c->offset_us;
    /* Skipped time never happened: pacing and timestamps move back by it. */
    pub->epoch_us -= skip;
    for (guint k = 0; k < 2; k++)
      pub->ts_add[k] -= us_to_ticks(skip, k);
    if (++pub->cursor == pub->clip->n_packets)
      wrap(pub);
  }
  g_source_set_ready_time(pub->source, pub->epoch_us + pub->clip->packets[pub->cursor].offset_us);
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
