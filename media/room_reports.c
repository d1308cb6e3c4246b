/* room_reports.c — the once-a-second RTCP a room's worker sends.
 *
 * Receiver Reports with REMB to each publisher (what Nara received, and
 * what its subscribers can take) and Sender Reports to each subscriber
 * (the publisher's clocks carried forward, under the subscriber's SSRC),
 * called from nara_room_core_tick (room.c). The per-packet path and the
 * answers to subscribers' RTCP stay in room.c; rtcp.c writes the bytes.
 * Runs on the room's media worker only.
 */
#include "room.h"

#include "peer.h"
#include "rtcp.h"

/* What a video track may send: the lowest loss-based estimate among its
 * subscribers (on_report_block), REMB_BITRATE without subscribers. One
 * subscriber on a bad link thus holds the publisher back for everyone:
 * without simulcast there is one stream. Subscribers' own REMB is not
 * used: Nara offers them neither abs-send-time nor transport-cc, so
 * Chrome's estimate there rests on RTP timestamps, starts near 300 kbit/s
 * and climbs only as fast as what arrives, which the REMB would cap. */
static guint64 track_estimate(const NaraPubTrack *track)
{
  /* With layers each subscriber takes what fits: the publisher sends all. */
  if (track->n_layers > 1)
    return REMB_SIMULCAST_BITRATE;
  guint64 est = REMB_BITRATE;
  for (guint i = 0; i < track->outputs->len; i++) {
    const NaraSubSlot *slot = g_ptr_array_index(track->outputs, i);
    est = MIN(est, slot->estimate_bps);
  }
  return est;
}

/* RR with a block per received stream, then REMB, as one compound packet.
 * REMB goes on with transport-cc: Chrome's estimate then follows the
 * feedback, and takes REMB as a ceiling on it (GCC's receiver limit), which
 * is what Nara's REMB means: what the subscribers can take. */
void nara_room_report_to_publisher(NaraPeerCore *pub, gint64 now)
{
  NaraReportBlock blocks[31];
  guint32 video[NARA_SDP_MAX_MEDIA];
  guint n_blocks = 0, n_video = 0;
  guint64 bitrate = 0;
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++) {
    NaraPubTrack *g = &pub->tracks[i];
    if (!pub->track_used[i])
      continue;
    gboolean any = FALSE;
    for (guint k = 0; k < g->n_layers; k++) {
      NaraPubTrack *t = g->layer[k];
      if (!t->ssrc)
        continue;
      any = TRUE;
      if (t->stats.started && t->stats.ssrc == t->ssrc && n_blocks < 31) {
        NaraReportBlock *b = &blocks[n_blocks++];
        nara_recv_stats_report(&t->stats, now, b);
        if (b->cumulative_lost > t->lost_reported)
          nara_worker_count(&pub->room->worker->lost_upstream,
                            (guint64)(b->cumulative_lost - t->lost_reported));
        t->lost_reported = b->cumulative_lost;
      }
      if (t->info.kind == NARA_TRACK_VIDEO && n_video < G_N_ELEMENTS(video))
        video[n_video++] = t->ssrc;
    }
    if (any && g->info.kind == NARA_TRACK_VIDEO)
      bitrate += track_estimate(g);
  }
  if (n_blocks == 0 && n_video == 0)
    return;
  guint8 *buf = pub->room->worker->tx;
  gsize len = nara_rtcp_write_rr(buf, NARA_WORKER_MTU, pub->local_ssrc, blocks, n_blocks);
  if (len && n_video)
    len += nara_rtcp_write_remb_fb(buf + len, NARA_WORKER_MTU - len, pub->local_ssrc, bitrate,
                                   video, n_video);
  if (len)
    nara_peer_core_send_rtcp(pub, buf, len, NARA_WORKER_BUF);
}

/* A Sender Report per forwarded stream, from the publisher's last one
 * carried forward to now: its NTP and RTP clocks advance together, so the
 * subscriber keeps lip sync between the publisher's audio and video, with
 * the subscriber's SSRC and the counts of what Nara sent it. */
void nara_room_report_to_subscriber(NaraPeerCore *sub, gint64 now)
{
  guint8 *buf = sub->room->worker->tx;
  gsize len = 0;
  for (guint i = 0; i < sub->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(sub->slots, i);
    const NaraRecvStats *st = slot->src ? &slot->src->stats : NULL;
    if (!st || !st->sr_arrival_us || st->ssrc != slot->src->ssrc)
      continue;
    guint64 since = (guint64)MAX(0, now - st->sr_arrival_us);
    NaraSenderInfo info = {
      .ssrc = slot->ssrc,
      .ntp = st->sr_ntp + ((since << 32) / G_USEC_PER_SEC),
      .rtp_ts = st->sr_rtp + (guint32)(since * st->clock_rate / G_USEC_PER_SEC) + slot->ts_delta,
      .packets = slot->packets_sent,
      .octets = slot->octets_sent,
    };
    gsize n = nara_rtcp_write_sr(buf + len, NARA_WORKER_MTU - len, &info, NULL, 0);
    if (n) {
      slot->sr_mid_ntp = (guint32)(info.ntp >> 16);
      slot->sr_sent_us = now;
    }
    len += n;
  }
  if (len)
    nara_peer_core_send_rtcp(sub, buf, len, NARA_WORKER_BUF);
}
