/* receive.c — what a subscriber connection does with each RTP packet:
 * per-stream counters, sequence gaps and jitter (RFC 3550 A.1, A.8), the
 * latency the server added (from the tag in the padding), the simulcast
 * layer each packet was sent in, and the join milestones (first RTP,
 * first keyframe from each publisher). From the same counters, the
 * connection's Receiver Reports, as a browser sends them: Nara's downlink
 * estimate, and so the simulcast layer it forwards, grows on reports
 * without loss (without any feedback it stays where it starts).
 *
 * It never decodes, asks for nothing (no NACK, PLI or transport-cc
 * feedback); readiness decisions are scenario.c's.
 *
 * Threading: the tool's only thread.
 */
#include "load.h"
#include "rtcp.h"

#include <math.h>
#include <string.h>

#define MAX_STREAMS_PER_PEER 64
#define MAX_LATENCY_SAMPLES (8u << 20)

static const guint8 tag_magic[4] = { 'N', 'L', 'T', '1' };

/* The send record of a tagged packet, or NULL. */
static const LoadSent *find_tag(LoadTool *tool, const guint8 *data, gsize len,
                                const NaraRtpHeader *h)
{
  guint32 tag;
  if (!(data[0] & 0x20) || len < h->header_len + LOAD_TAG_LEN || data[len - 1] != LOAD_TAG_LEN)
    return NULL;
  const guint8 *t = data + len - LOAD_TAG_LEN;
  if (memcmp(t + 4, tag_magic, 4) != 0)
    return NULL;
  tag = (guint32)t[0] << 24 | (guint32)t[1] << 16 | (guint32)t[2] << 8 | t[3];
  const LoadSent *s = &tool->ring[tag % LOAD_RING_SIZE];
  return s->tag == tag ? s : NULL;
}

static LoadInStream *find_stream(LoadSubPeer *sp, guint32 ssrc, LoadKind kind)
{
  for (guint i = 0; i < sp->streams->len; i++) {
    LoadInStream *s = &g_array_index(sp->streams, LoadInStream, i);
    if (s->ssrc == ssrc)
      return s;
  }
  if (sp->streams->len >= MAX_STREAMS_PER_PEER)
    return NULL;
  LoadInStream s = { .ssrc = ssrc, .kind = kind, .out_stream = -1 };
  g_array_append_val(sp->streams, s);
  return &g_array_index(sp->streams, LoadInStream, sp->streams->len - 1);
}

static guint64 ext_max(const LoadInStream *s)
{
  return (guint64)s->cycles + s->max_seq;
}

/* RFC 3550 A.1, without probation: the servers forward a single source. */
static void update_seq(LoadInStream *s, guint16 seq)
{
  if (s->received == 0) {
    s->max_seq = seq;
    return;
  }
  guint16 delta = (guint16)(seq - s->max_seq);
  if (delta != 0 && delta < 0x8000) {
    if (seq < s->max_seq)
      s->cycles += 1u << 16;
    s->max_seq = seq;
  }
}

/* RFC 3550 A.8: J += (|D| - J) / 16, in RTP clock units. */
static void update_jitter(LoadInStream *s, guint32 rtp_ts, gint64 now_us)
{
  double rate = s->kind == LOAD_KIND_AUDIO ? 48000.0 : 90000.0;
  double arrival = (double)now_us * rate / G_USEC_PER_SEC;
  /* Unwrapped relative to the previous transit so a 32-bit wrap is harmless. */
  double transit = arrival - (double)rtp_ts;
  if (s->transit_valid) {
    double d = transit - s->transit;
    while (d > 2147483648.0)
      d -= 4294967296.0;
    while (d < -2147483648.0)
      d += 4294967296.0;
    s->jitter += (fabs(d) - s->jitter) / 16.0;
  }
  s->transit = transit;
  s->transit_valid = TRUE;
}

static void mark_window(LoadInStream *s)
{
  s->window_seen = TRUE;
  s->received_at_window = s->received;
  s->ext_max_at_window = ext_max(s);
}

void load_receive_rtp(LoadSubPeer *sp, guint8 *data, gsize len, const NaraRtpHeader *h)
{
  LoadParticipant *p = sp->participant;
  LoadTool *tool = p->tool;
  gint64 now = g_get_monotonic_time();
  const LoadSent *sent = find_tag(tool, data, len, h);
  LoadKind kind = h->pt == LOAD_CLIP_PT_AUDIO ? LOAD_KIND_AUDIO : LOAD_KIND_VIDEO;
  LoadInStream *s;

  if (sent)
    kind = g_array_index(tool->out_streams, LoadOutStream, sent->stream).kind;
  s = find_stream(sp, h->ssrc, kind);
  if (!s)
    return;
  update_seq(s, h->seq);
  update_jitter(s, h->timestamp, now);
  if (tool->phase == LOAD_PHASE_WINDOW && !s->window_seen) {
    /* A stream that starts inside the window counts from its first packet. */
    mark_window(s);
    s->ext_max_at_window--;
  }
  s->received++;
  s->bytes += len;
  if (!sent) {
    tool->untagged++;
    return;
  }
  s->out_stream = sent->stream;
  gint layer = g_array_index(tool->out_streams, LoadOutStream, sent->stream).layer;
  if (tool->phase == LOAD_PHASE_WINDOW && layer >= 0)
    s->by_layer[layer]++;
  if (tool->phase == LOAD_PHASE_WINDOW && tool->latency_us->len < MAX_LATENCY_SAMPLES) {
    guint32 lat = (guint32)MIN(now - sent->sent_us, G_MAXUINT32);
    g_array_append_val(tool->latency_us, lat);
  }
  guint q = g_array_index(tool->out_streams, LoadOutStream, sent->stream).participant;
  if (!p->first_rtp_us[q])
    p->first_rtp_us[q] = now;
  if (sent->keyframe && !p->first_key_us[q])
    p->first_key_us[q] = now;
}

/* Counters at the start of the measurement window. */
void load_receive_window_start(LoadTool *tool)
{
  for (guint i = 0; i < tool->participants->len; i++) {
    LoadParticipant *p = g_ptr_array_index(tool->participants, i);
    for (guint j = 0; j < p->sub_peers->len; j++) {
      LoadSubPeer *sp = g_ptr_array_index(p->sub_peers, j);
      for (guint k = 0; k < sp->streams->len; k++)
        mark_window(&g_array_index(sp->streams, LoadInStream, k));
    }
  }
  for (guint i = 0; i < tool->out_streams->len; i++) {
    LoadOutStream *os = &g_array_index(tool->out_streams, LoadOutStream, i);
    os->sent_at_window = os->sent;
    os->paused_at_window = os->paused;
  }
}

/* RFC 3550 §6.4.1 and A.3: loss since the previous report, and in all. */
void load_receive_send_report(LoadSubPeer *sp)
{
  NaraReportBlock blocks[31];
  guint8 buf[8 + 31 * 24 + NARA_SRTP_MAX_TAIL];
  guint n = 0;
  for (guint i = 0; i < sp->streams->len && n < G_N_ELEMENTS(blocks); i++) {
    LoadInStream *s = &g_array_index(sp->streams, LoadInStream, i);
    if (s->received == 0)
      continue;
    guint64 ext = ext_max(s);
    guint64 expected = s->rr_sent ? ext - s->rr_ext_max : s->received;
    guint64 received = s->received - s->rr_received;
    gint64 lost = (gint64)expected - (gint64)received;
    s->rr_lost += lost;
    s->rr_sent = TRUE;
    s->rr_ext_max = ext;
    s->rr_received = s->received;
    blocks[n++] = (NaraReportBlock){
      .ssrc = s->ssrc,
      .fraction_lost = expected && lost > 0 ? (guint8)MIN(255, (lost << 8) / expected) : 0,
      .cumulative_lost = (gint32)CLAMP(s->rr_lost, -0x800000, 0x7fffff),
      .highest_seq = (guint32)ext,
      .jitter = (guint32)s->jitter,
    };
  }
  gsize len = nara_rtcp_write_rr(buf, sizeof buf, sp->rr_ssrc, blocks, n);
  if (len)
    load_peer_send_rtcp(sp->peer, buf, len, sizeof buf);
}
