/* room_feedback.c — what a subscriber's RTCP asks of a room.
 *
 * Owns the answers to a subscriber's compound RTCP: keyframe requests
 * (PLI, FIR) passed to the layer it is shown, NACKs answered from the
 * layer's ring as RTX (twice on a lossy downlink) or asked of the
 * publisher, report blocks (loss for /metrics, the round trip from the
 * last Sender Report), transport-cc feedback and REMB for the downlink
 * estimate. The packet path it serves is room.c's; repair.c keeps the
 * state, rtcp.c the bytes, numbering.c maps a NACK back to what was sent.
 * Runs on the room's media worker only.
 */
#include "room.h"

#include "bytes-private.h"
#include "peer.h"
#include "rtcp.h"

#include <string.h>

/* Retransmissions one RTCP packet from a subscriber may cause: a NACK of
 * 1500 octets could otherwise ask for 6000. */
#define RTX_PER_RTCP 64

/* Downlink loss (of 256) from which each repair goes twice: 2 %. */
#define REPAIR_TWICE_LOSS 5

/* What one compound RTCP packet of a subscriber is working on. */
typedef struct {
  NaraPeerCore *sub;
  gint64 now;
  guint rtx_budget;
} SubRtcp;

static NaraSubSlot *slot_for_ssrc(NaraPeerCore *sub, guint32 ssrc)
{
  for (guint i = 0; i < sub->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(sub->slots, i);
    if (slot->track && slot->ssrc == ssrc)
      return slot;
  }
  return NULL;
}

static void on_keyframe_request(guint32 media_ssrc, gpointer user_data)
{
  SubRtcp *ctx = user_data;
  NaraSubSlot *slot = slot_for_ssrc(ctx->sub, media_ssrc);
  nara_worker_count(&ctx->sub->room->worker->keyframe_requests_received, 1);
  if (slot)
    nara_room_core_slot_keyframe(slot, FALSE);
}

gboolean nara_room_resend(NaraPeerCore *sub, NaraSubSlot *slot, guint16 out_seq, gint64 now,
                          gboolean probe)
{
  NaraWorker *worker = sub->room->worker;
  /* Back to the layer and number it was sent as. */
  const NaraSeqSpan *span = nara_numbering_lookup(slot, out_seq);
  NaraPubTrack *track = span ? span->src : NULL;
  if (!track || !track->ring)
    return FALSE;
  guint32 ts_delta = span->ts_delta;
  guint16 seq = (guint16)(out_seq - span->seq_delta);
  guint32 ext = nara_recv_stats_extend(&track->stats, seq);
  gsize len;
  const guint8 *pkt = nara_rtp_ring_get(track->ring, ext, &len);
  if (!pkt) {
    guint32 highest = track->stats.cycles + track->stats.max_seq;
    if (!probe && track->codec.nack && (gint32)(highest - ext) > 0
        && highest - ext < NARA_RING_SLOTS) {
      nara_missing_add(track->missing, ext);
      nara_room_nack_upstream(track, now, TRUE);
    }
    return FALSE;
  }
  /* A frame of a temporal layer the slot does not take stays unsent: its
   * number came free when an unseen packet was not counted. */
  NaraRtpHeader oh;
  gboolean frame_start;
  if (slot->tmax != NARA_TEMPORAL_ALL && nara_rtp_parse(pkt, len, &oh)
      && nara_layers_temporal(track->codec.name, pkt + oh.header_len, oh.payload_len, &frame_start)
             > (gint)slot->tmax)
    return FALSE;
  guint8 *out = nara_transport_batch_buffer(sub->transport, worker->tx);
  gsize out_len;
  guint32 ts = rd32(pkt + 4) + ts_delta;
  if (slot->rtx_pt) {
    out_len = nara_rtx_wrap(out, NARA_WORKER_MTU, pkt, len, &slot->rewrite, slot->rtx_pt,
                            slot->rtx_ssrc, slot->rtx_seq);
    /* RFC 4588 §4: the original sequence number as the subscriber knew it. */
    if (out_len && nara_rtp_parse(out, out_len, &oh)) {
      nara_room_put_seq_ts(out, slot->rtx_seq, ts);
      out[oh.header_len] = (guint8)(out_seq >> 8);
      out[oh.header_len + 1] = (guint8)out_seq;
    }
  } else {
    memcpy(out, pkt, len);
    out_len = nara_rtp_rewrite(out, len, &slot->rewrite) ? len : 0;
    if (out_len)
      nara_room_put_seq_ts(out, out_seq, ts);
  }
  if (out_len)
    nara_room_stamp_twcc(sub, out, out_len, now);
  if (!out_len || !nara_srtp_protect(sub->srtp_out, out, &out_len, NARA_WORKER_BUF)) {
    if (!probe) /* a probe's copy is extra: none lost */
      nara_room_drop(sub, "retransmission could not be built");
    return FALSE;
  }
  if (!nara_transport_batch_commit(sub->transport, out, out_len))
    return FALSE;
  slot->rtx_seq += slot->rtx_pt != 0;
  nara_worker_count(probe ? &worker->probe_packets : &worker->rtx_sent, 1);
  nara_worker_count(&worker->packets_forwarded, 1);
  nara_worker_count(&worker->bytes_forwarded, out_len);
  return TRUE;
}

static void on_nack(guint32 media_ssrc, guint16 pid, guint16 blp, gpointer user_data)
{
  SubRtcp *ctx = user_data;
  NaraSubSlot *slot = slot_for_ssrc(ctx->sub, media_ssrc);
  if (!slot || !slot->src || !slot->src->ring || !nara_peer_core_can_send(ctx->sub))
    return;
  /* RFC 4585 §6.2.1: pid, and pid + i + 1 for every bit i set in blp. */
  for (guint i = 0; i <= 16; i++) {
    if (i > 0 && !(blp & (1u << (i - 1))))
      continue;
    nara_worker_count(&ctx->sub->room->worker->nacks_received, 1);
    if (ctx->rtx_budget == 0)
      return;
    ctx->rtx_budget--;
    /* On a lossy downlink a repair is lost as often as the packet was,
     * and waits another round trip for a second NACK (a freeze): it goes
     * twice there, as RTX (a copy in the original stream would be a
     * replay). */
    if (nara_room_resend(ctx->sub, slot, (guint16)(pid + i), ctx->now, FALSE) && slot->rtx_pt
        && ctx->rtx_budget && nara_downlink_loss(ctx->sub->downlink) >= REPAIR_TWICE_LOSS) {
      ctx->rtx_budget--;
      nara_room_resend(ctx->sub, slot, (guint16)(pid + i), ctx->now, FALSE);
    }
  }
}

/* For /metrics: what the subscriber lost since its last report, and its
 * round trip when the block answers the last Sender Report Nara sent it
 * (RFC 3550 §6.4.1: arrival - sent - DLSR, DLSR in 1/65536 s). */
static void note_report(NaraWorker *worker, NaraSubSlot *slot, const NaraReportBlock *block,
                        gint64 now)
{
  static const guint bounds_ms[NARA_RTT_N_BUCKETS] = NARA_RTT_BUCKETS_MS;
  if (slot->lost_known && block->cumulative_lost > slot->lost_reported)
    nara_worker_count(&worker->lost_downstream,
                      (guint64)(block->cumulative_lost - slot->lost_reported));
  slot->lost_reported = block->cumulative_lost;
  slot->lost_known = TRUE;
  if (!block->lsr || block->lsr != slot->sr_mid_ntp || !slot->sr_sent_us)
    return;
  gint64 rtt_us = now - slot->sr_sent_us - (gint64)block->dlsr * G_USEC_PER_SEC / 65536;
  slot->sr_sent_us = 0; /* one sample per report sent */
  if (rtt_us < 0)
    return;
  nara_playout_rtt(slot->subscriber, rtt_us);
  guint b = 0;
  while (b < NARA_RTT_N_BUCKETS && rtt_us > (gint64)bounds_ms[b] * 1000)
    b++;
  nara_worker_count(&worker->rtt_buckets[b], 1);
  nara_worker_count(&worker->rtt_sum_us, (guint64)rtt_us);
}

/* The subscriber's loss, for the estimate Nara sends its publisher: above
 * 10 % the estimate falls by half the loss, below 2 % it rises by 8 % a
 * second, in between it holds (the loss rule of RMCAT's GCC). */
static void on_report_block(guint32 reporter, const NaraReportBlock *block, gpointer user_data)
{
  (void)reporter;
  SubRtcp *ctx = user_data;
  NaraSubSlot *slot = slot_for_ssrc(ctx->sub, block->ssrc);
  if (!slot)
    return;
  note_report(ctx->sub->room->worker, slot, block, ctx->now);
  if (slot->kind == NARA_TRACK_VIDEO)
    nara_downlink_report_loss(ctx->sub->downlink, block->fraction_lost, ctx->now);
  guint64 est = slot->estimate_bps;
  if (block->fraction_lost > 26) {
    est -= est * block->fraction_lost / 512;
  } else if (block->fraction_lost < 5 && ctx->now - slot->estimate_us >= G_USEC_PER_SEC) {
    est += est * 8 / 100;
    slot->estimate_us = ctx->now;
  }
  slot->estimate_bps = CLAMP(est, REMB_MIN_BITRATE, REMB_BITRATE);
}

static void on_twcc_feedback(const guint8 *packet, gsize len, gpointer user_data)
{
  SubRtcp *ctx = user_data;
  NaraDownlink *d = ctx->sub->downlink;
  guint64 before = nara_downlink_estimate(d);
  nara_downlink_feedback(d, packet, len, ctx->now);
  /* A cut acts at once, not at the next tick: the queue is building now. */
  if (nara_downlink_estimate(d) < before * 9 / 10)
    nara_simulcast_choose(ctx->sub, ctx->now);
}

static void on_remb(guint64 bitrate_bps, guint n_ssrcs, gpointer user_data)
{
  SubRtcp *ctx = user_data;
  (void)n_ssrcs;
  nara_downlink_remb(ctx->sub->downlink, bitrate_bps);
}

static const NaraRtcpVisitor subscriber_visitor = {
  .report_block = on_report_block,
  .nack = on_nack,
  .keyframe = on_keyframe_request,
  .remb = on_remb,
  .twcc = on_twcc_feedback,
};

gboolean nara_room_core_subscriber_rtcp(NaraPeerCore *sub, guint8 *data, gsize len)
{
  if (!nara_srtp_unprotect_rtcp(sub->srtp_in, data, &len)) {
    nara_worker_count(&sub->room->worker->srtp_failures, 1);
    nara_room_drop(sub, "SRTCP unprotect failed");
    return FALSE;
  }
  SubRtcp ctx = { sub, nara_room_arrival_us(sub->room->worker), RTX_PER_RTCP };
  if (!nara_rtcp_walk(data, len, &subscriber_visitor, &ctx))
    nara_room_drop(sub, "malformed RTCP");
  return TRUE;
}
