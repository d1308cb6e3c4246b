/* room.c — a room on its worker: routes and the forwarding packet path.
 *
 * Owns the room's peer list, the routes from publisher tracks to subscriber
 * slots, and the per-packet work: unprotect, find the track, account and
 * keep the packet (video ring), then for each subscriber copy, rewrite,
 * protect and send. Publishers' RTCP (Sender Reports) ends here,
 * subscribers' in room_feedback.c; repair.c keeps the state, rtcp.c the
 * bytes; the once-a-second reports are in the tick. Publishers that
 * negotiated transport-cc get their packets' arrivals back as feedback
 * (twcc.c keeps them). Each subscriber gets one layer of a simulcast track
 * under its own SSRC, with sequence numbers and timestamps running on
 * across layer switches, which happen at the wanted layer's keyframe
 * (simulcast.c chooses); packets are stamped with the subscriber's own
 * transport-wide number for its feedback (downlink.c). It does not
 * negotiate (peer.c), never decodes, and sends nothing past the current
 * wake-up (ICE-lite's send batch leaves before the worker polls again).
 * Runs on the room's media worker only.
 */
#include "room.h"

#include "drop_log.h"
#include "peer.h"
#include "red.h"
#include "rtcp.h"

#include <string.h>

#define PLI_INTERVAL_US (300 * G_TIME_SPAN_MILLISECOND)
/* A gap longer than this is a burst NACKs cannot repair in time: the
 * subscribers' keyframe requests will. */
#define MAX_NACK_GAP 64
/* Upstream NACKs: a missing packet is asked again after about the round
 * trip its retransmissions take (nara_missing_retry_us), NARA_MISSING_TRIES
 * times; the missing list is looked at no more often than NACK_CHECK_US
 * while packets come. */
#define NACK_CHECK_US (10 * G_TIME_SPAN_MILLISECOND)
#define NACK_MAX_SEQS 64
/* transport-cc feedback leaves this long after the first arrival it
 * reports (libwebrtc's receivers send every 50-250 ms): often enough for
 * the sender's delay-based estimator, a few dozen octets each time. */
#define TWCC_INTERVAL_US (50 * G_TIME_SPAN_MILLISECOND)
#define TWCC_MAX_PACKETS 8

NaraRoomCore *nara_room_core_new(NaraWorker *worker, const char *room_id)
{
  NaraRoomCore *room = g_new0(NaraRoomCore, 1);
  room->worker = worker;
  room->id = g_strdup(room_id);
  room->peers = g_ptr_array_new();
  atomic_fetch_add_explicit(&worker->live_rooms, 1, memory_order_relaxed);
  return room;
}

void nara_room_core_start(NaraRoomCore *room)
{
  g_ptr_array_add(room->worker->rooms, room);
}

void nara_room_core_free(NaraRoomCore *room)
{
  g_warn_if_fail(room->peers->len == 0);
  g_ptr_array_remove(room->worker->rooms, room);
  atomic_fetch_sub_explicit(&room->worker->live_rooms, 1, memory_order_relaxed);
  g_ptr_array_unref(room->peers);
  g_free(room->id);
  g_free(room);
}

NaraPubTrack *nara_room_core_find_track(NaraRoomCore *room, const char *track_id)
{
  for (guint i = 0; i < room->peers->len; i++) {
    NaraPeerCore *p = g_ptr_array_index(room->peers, i);
    if (p->role != NARA_PEER_PUBLISH)
      continue;
    for (guint j = 0; j < NARA_SDP_MAX_MEDIA; j++)
      if (p->track_used[j] && strcmp(p->tracks[j].info.id, track_id) == 0)
        return &p->tracks[j];
  }
  return NULL;
}

/* Extension ids: the two a subscriber may negotiate keep their meaning,
 * every other id the publisher uses is renamed to one nobody negotiated. */
static void build_rewrite(NaraSubSlot *slot, const NaraPubTrack *track)
{
  NaraRtpRewrite *rw = &slot->rewrite;
  rw->ssrc = slot->ssrc;
  rw->pt = slot->codec.pt; /* the publisher's, unless it clashed (peer.c) */
  memset(rw->ext_map, NARA_EXT_ID_UNUSED, sizeof rw->ext_map);
  static const struct {
    NaraExt ext;
    guint8 sub_id;
  } kept[] = {
    { NARA_EXT_AUDIO_LEVEL, NARA_SUB_EXT_ID_AUDIO_LEVEL },
    { NARA_EXT_VIDEO_ORIENTATION, NARA_SUB_EXT_ID_VIDEO_ORIENTATION },
    { NARA_EXT_TWCC, NARA_SUB_EXT_ID_TWCC }, /* its value is Nara's own (stamp_twcc) */
  };
  for (guint i = 0; i < G_N_ELEMENTS(kept); i++) {
    guint8 pub_id = track->ext_ids[kept[i].ext];
    if (pub_id && slot->sub_ext_ids[kept[i].ext])
      rw->ext_map[pub_id] = slot->sub_ext_ids[kept[i].ext];
  }
}

void nara_room_core_route(NaraRoomCore *room, NaraSubSlot *slot)
{
  if (slot->track || !slot->active || !slot->answered)
    return;
  NaraPubTrack *track = nara_room_core_find_track(room, slot->track_id);
  /* A track re-published with another payload type no longer matches what
   * the subscriber negotiated; the caller's next subscription fixes it. */
  if (!track || track->codec.pt != slot->pub_pt)
    return;
  build_rewrite(slot, track);
  slot->packets_sent = slot->octets_sent = 0;
  slot->estimate_bps = REMB_BITRATE;
  slot->estimate_us = 0;
  slot->track = track;
  slot->src = slot->want = NULL;
  slot->tile_rank = -1;
  slot->tmax = slot->tmax_want = NARA_TEMPORAL_ALL;
  nara_numbering_reset(slot);
  slot->frame_next = TRUE;
  slot->playout_sent_10ms = 0;
  slot->state = NARA_LAYER_SENDING;
  g_ptr_array_add(track->outputs, slot);
  /* Picks the layer and asks for its keyframe. */
  nara_simulcast_choose(slot->subscriber, g_get_monotonic_time());
}

void nara_room_core_track_init(NaraPubTrack *track)
{
  nara_recv_stats_init(&track->stats, track->ssrc, track->codec.clock_rate);
  if (track->info.kind == NARA_TRACK_VIDEO) {
    track->ring = nara_rtp_ring_new();
    track->missing = g_new0(NaraMissing, 1);
  }
}

void nara_room_core_track_free(NaraRoomCore *room, NaraPubTrack *track)
{
  if (track->outputs)
    nara_room_core_track_removed(room, track);
  g_clear_pointer(&track->outputs, g_ptr_array_unref);
  g_clear_pointer(&track->ring, nara_rtp_ring_free);
  g_clear_pointer(&track->missing, g_free);
}

void nara_room_core_unroute(NaraSubSlot *slot)
{
  if (!slot->track)
    return;
  g_ptr_array_remove_fast(slot->track->outputs, slot);
  slot->track = NULL;
  slot->src = slot->want = NULL;
  slot->tile_rank = -1;
}

void nara_room_core_track_added(NaraRoomCore *room, NaraPubTrack *track)
{
  for (guint i = 0; i < room->peers->len; i++) {
    NaraPeerCore *p = g_ptr_array_index(room->peers, i);
    if (p->role != NARA_PEER_SUBSCRIBE)
      continue;
    for (guint j = 0; j < p->slots->len; j++) {
      NaraSubSlot *slot = g_ptr_array_index(p->slots, j);
      if (!slot->track && strcmp(slot->track_id, track->info.id) == 0)
        nara_room_core_route(room, slot);
    }
  }
}

void nara_room_core_track_removed(NaraRoomCore *room, NaraPubTrack *track)
{
  (void)room;
  while (track->outputs->len > 0)
    nara_room_core_unroute(g_ptr_array_index(track->outputs, track->outputs->len - 1));
}

/* ---- packet path ---- */

void nara_room_core_request_keyframe(NaraPubTrack *track, gboolean force)
{
  NaraPeerCore *pub = track->publisher;
  gint64 now = g_get_monotonic_time();
  if (!track->ssrc || !nara_peer_core_can_send(pub))
    return;
  if (!force && track->last_pli_us && now - track->last_pli_us < PLI_INTERVAL_US)
    return;
  track->last_pli_us = now;
  guint8 *buf = pub->room->worker->tx;
  gsize len = nara_rtcp_write_pli(buf, NARA_WORKER_MTU, pub->local_ssrc, track->ssrc);
  if (len) {
    nara_peer_core_send_rtcp(pub, buf, len, NARA_WORKER_BUF);
    nara_worker_count(&pub->room->worker->plis_sent, 1);
  }
}

void nara_room_core_slot_keyframe(NaraSubSlot *slot, gboolean force)
{
  NaraPubTrack *layer = slot->want ? slot->want : slot->src;
  if (layer && slot->kind == NARA_TRACK_VIDEO && nara_peer_core_can_send(slot->subscriber))
    nara_room_core_request_keyframe(layer, force);
}

/* A simulcast layer: the rid extension (or, on RTX, the repaired rid)
 * says which of the m-line's layers a stream is. */
static NaraPubTrack *learn_layer(NaraPeerCore *pub, NaraPubTrack *group, const guint8 *data,
                                 gsize len, const NaraRtpHeader *h, gboolean *rtx)
{
  const guint8 *rid;
  gsize rid_len;
  if (h->pt == group->codec.pt && pub->rid_ext_id
      && nara_rtp_find_extension(data, len, pub->rid_ext_id, &rid, &rid_len)) {
    NaraPubTrack *layer = nara_simulcast_layer_by_rid(group, rid, rid_len);
    if (layer)
      layer->ssrc = h->ssrc;
    return layer;
  }
  if (group->codec.rtx_pt && h->pt == group->codec.rtx_pt && pub->rrid_ext_id
      && nara_rtp_find_extension(data, len, pub->rrid_ext_id, &rid, &rid_len)) {
    NaraPubTrack *layer = nara_simulcast_layer_by_rid(group, rid, rid_len);
    if (!layer || !layer->ssrc)
      return NULL;
    layer->rtx_ssrc = h->ssrc;
    *rtx = TRUE;
    return layer;
  }
  return NULL;
}

/* A stream without a=ssrc (or a new SSRC after a re-offer): the mid header
 * extension says which m-line it is. RTX shares the mid, so the payload
 * type tells the media stream (codec.pt) from its repair (codec.rtx_pt). */
static NaraPubTrack *learn_track(NaraPeerCore *pub, const guint8 *data, gsize len,
                                 const NaraRtpHeader *h, gboolean *rtx)
{
  const guint8 *mid;
  gsize mid_len;
  if (!pub->mid_ext_id || !nara_rtp_find_extension(data, len, pub->mid_ext_id, &mid, &mid_len))
    return NULL;
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++) {
    NaraPubTrack *t = &pub->tracks[i];
    if (!pub->track_used[i] || strlen(t->mid) != mid_len || memcmp(t->mid, mid, mid_len) != 0)
      continue;
    if (t->n_layers > 1)
      return learn_layer(pub, t, data, len, h, rtx);
    if (t->codec.pt == h->pt || (t->codec.red_pt && t->codec.red_pt == h->pt)) {
      t->ssrc = h->ssrc;
      return t;
    }
    if (t->codec.rtx_pt && t->codec.rtx_pt == h->pt && t->ssrc) {
      t->rtx_ssrc = h->ssrc;
      *rtx = TRUE;
      return t;
    }
  }
  return NULL;
}

/* The layer (a track without simulcast) whose media or RTX SSRC this is. */
static NaraPubTrack *track_for_ssrc(NaraPeerCore *pub, guint32 ssrc)
{
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++) {
    if (!pub->track_used[i])
      continue;
    NaraPubTrack *g = &pub->tracks[i];
    for (guint k = 0; k < g->n_layers; k++)
      if (g->layer[k]->ssrc == ssrc)
        return g->layer[k];
  }
  return NULL;
}

static NaraPubTrack *track_for_rtx_ssrc(NaraPeerCore *pub, guint32 ssrc)
{
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++) {
    if (!pub->track_used[i])
      continue;
    NaraPubTrack *g = &pub->tracks[i];
    for (guint k = 0; k < g->n_layers; k++)
      if (g->layer[k]->rtx_ssrc == ssrc && g->layer[k]->ssrc)
        return g->layer[k];
  }
  return NULL;
}

/* Every unreported arrival as transport-cc feedback, in as many packets as
 * it takes (at most TWCC_MAX_PACKETS; the record drops what it cannot keep). */
static void twcc_feedback(NaraPeerCore *pub)
{
  if (!nara_peer_core_can_send(pub))
    return;
  guint32 media_ssrc = 0;
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA && !media_ssrc; i++)
    if (pub->track_used[i])
      media_ssrc = pub->tracks[i].ssrc;
  guint8 *buf = pub->room->worker->tx;
  for (guint i = 0; i < TWCC_MAX_PACKETS && nara_twcc_pending(pub->twcc); i++) {
    gsize len = nara_twcc_write_feedback(pub->twcc, buf, NARA_TWCC_MAX_FEEDBACK, pub->local_ssrc,
                                         media_ssrc);
    if (!len || !nara_peer_core_send_rtcp(pub, buf, len, NARA_WORKER_BUF))
      return;
  }
}

/* One header extension read and one array write per packet; feedback
 * leaves from here once TWCC_INTERVAL_US has passed (the once-a-second tick
 * sends what a pause left behind), so an idle worker is not woken for it. */
static void twcc_note(NaraPeerCore *pub, const guint8 *data, gsize len, gint64 now)
{
  const guint8 *v;
  gsize v_len;
  if (!nara_rtp_find_extension(data, len, pub->twcc_ext_id, &v, &v_len) || v_len != 2)
    return;
  gboolean waiting = nara_twcc_pending(pub->twcc);
  nara_twcc_record(pub->twcc, (guint16)((v[0] << 8) | v[1]), now);
  if (!waiting)
    pub->twcc_due_us = now + TWCC_INTERVAL_US;
  else if (now >= pub->twcc_due_us)
    twcc_feedback(pub);
}

/* When the packet being handled arrived: its receive batch's clock where
 * the transport batches (one clock read per batch, not per packet). */
gint64 nara_room_arrival_us(const NaraWorker *worker)
{
  return worker->batch_us ? worker->batch_us : g_get_monotonic_time();
}

void nara_room_drop(NaraPeerCore *peer, const char *why)
{
  guint unlogged;
  nara_worker_count(&peer->room->worker->packets_dropped, 1);
  if (nara_drop_log_claim(&unlogged))
    g_debug("room %s participant %s: dropped a packet: %s (+%u drops not logged)", peer->room->id,
            peer->participant_id, why, unlogged);
}

/* Asks the publisher for what is due on the missing list (force: even if
 * it was looked at less than NACK_CHECK_US ago). */
void nara_room_nack_upstream(NaraPubTrack *track, gint64 now, gboolean force)
{
  if (!force && now < track->next_nack_us)
    return;
  track->next_nack_us = now + NACK_CHECK_US;
  NaraPeerCore *pub = track->publisher;
  guint32 highest = track->stats.cycles + track->stats.max_seq;
  guint32 oldest = highest > NARA_RING_SLOTS ? highest - NARA_RING_SLOTS : 0;
  guint16 seqs[NACK_MAX_SEQS];
  guint n = nara_missing_due(track->missing, now, nara_missing_retry_us(track->missing), oldest,
                             seqs, NACK_MAX_SEQS);
  if (n == 0 || !nara_peer_core_can_send(pub))
    return;
  guint8 *buf = pub->room->worker->tx;
  gsize len = nara_rtcp_write_nack(buf, NARA_WORKER_MTU, pub->local_ssrc, track->ssrc, seqs, n);
  if (len && nara_peer_core_send_rtcp(pub, buf, len, NARA_WORKER_BUF))
    nara_worker_count(&pub->room->worker->nacks_sent, n);
}

/* Statistics, the ring and the missing list; FALSE if the packet was
 * forwarded before (a duplicate, or a retransmission of what came). */
static gboolean receive(NaraPubTrack *track, const guint8 *data, gsize len, const NaraRtpHeader *h,
                        gboolean rtx, gint64 now)
{
  gboolean restarted = FALSE;
  if (G_UNLIKELY(track->stats.ssrc != h->ssrc)) {
    nara_recv_stats_init(&track->stats, h->ssrc, track->codec.clock_rate);
    restarted = TRUE;
  }
  guint32 ext, gap;
  NaraSeqResult r
      = nara_recv_stats_update(&track->stats, h->seq, h->timestamp, now, rtx, &ext, &gap);
  if (!track->ring || r == NARA_SEQ_BAD)
    return TRUE;
  if (G_UNLIKELY(restarted || r == NARA_SEQ_RESET)) {
    /* New numbering: what the ring and the missing list hold is another
     * stream's. */
    nara_rtp_ring_clear(track->ring);
    track->missing->n = 0;
  }
  gsize stored_len;
  if (r == NARA_SEQ_DUPLICATE)
    return FALSE;
  if (r == NARA_SEQ_LATE && nara_rtp_ring_get(track->ring, ext, &stored_len)) {
    track->stats.received--; /* a repeat, as a duplicate: not a packet more */
    return FALSE;
  }
  /* The ring and the NACKs upstream serve only subscribers: a packet of a
   * layer nobody takes is never asked for again, and a subscriber switching
   * to it starts afresh at its keyframe (numbering.c places nothing from
   * before), so neither the copy nor the publisher's uplink is spent. */
  gboolean taken = nara_simulcast_taken(track);
  if (r == NARA_SEQ_LATE && rtx)
    nara_missing_arrived(track->missing, ext, now);
  else if (r == NARA_SEQ_LATE)
    nara_missing_remove(track->missing, ext);
  else if (r == NARA_SEQ_GAP && gap <= MAX_NACK_GAP && track->codec.nack && taken)
    for (guint32 k = gap; k >= 1; k--)
      nara_missing_add(track->missing, ext - k);
  if (taken)
    nara_rtp_ring_put(track->ring, ext, data, len);
  if (track->missing->n)
    nara_room_nack_upstream(track, now, r == NARA_SEQ_GAP);
  return TRUE;
}

void nara_room_put_seq_ts(guint8 *out, guint16 seq, guint32 ts)
{
  out[2] = (guint8)(seq >> 8);
  out[3] = (guint8)seq;
  out[4] = (guint8)(ts >> 24);
  out[5] = (guint8)(ts >> 16);
  out[6] = (guint8)(ts >> 8);
  out[7] = (guint8)ts;
}

/* The slot goes over to layer at this, its keyframe's first packet: the
 * numbering continues where the last packet sent left off, the timestamp
 * advances by the time since then, so the subscriber's decoder sees one
 * stream whose picture changes size. */
static void switch_layer(NaraSubSlot *slot, NaraPubTrack *layer, const NaraRtpHeader *h, gint64 now)
{
  if (slot->last_sent_us) {
    guint64 elapsed
        = (guint64)MAX(now - slot->last_sent_us, 0) * layer->codec.clock_rate / G_USEC_PER_SEC;
    slot->seq_delta = (guint16)(slot->last_seq + 1 - h->seq);
    slot->ts_delta = slot->last_ts + (guint32)MAX(elapsed, 1) - h->timestamp;
    nara_worker_count(&layer->publisher->room->worker->layer_switches, 1);
  }
  slot->src = layer;
  nara_numbering_switched(slot, h);
}

/* The subscriber's own transport-wide sequence number, in place of the
 * publisher's (the rewrite renamed the extension), so its feedback tells
 * Nara about the downlink. */
void nara_room_stamp_twcc(NaraPeerCore *sub, guint8 *out, gsize len, gint64 now)
{
  const guint8 *v;
  gsize v_len;
  gboolean has = sub->twcc_ext_id
                 && nara_rtp_find_extension(out, len, NARA_SUB_EXT_ID_TWCC, &v, &v_len)
                 && v_len == 2;
  guint16 seq = nara_downlink_sent(sub->downlink, len, has, now);
  if (has) {
    guint8 *w = out + (v - out);
    w[0] = (guint8)(seq >> 8);
    w[1] = (guint8)seq;
  }
}

/* An authenticated RTP packet of pub's: to its track and subscribers. */
static void publisher_rtp(NaraPeerCore *pub, guint8 *data, gsize len)
{
  NaraWorker *worker = pub->room->worker;
  NaraRtpHeader h;
  if (!nara_rtp_parse(data, len, &h)) {
    nara_room_drop(pub, "malformed RTP");
    return;
  }
  gint64 now = nara_room_arrival_us(worker);
  /* Before anything may drop it: RTX and padding probes count for the
   * sender's estimate too. */
  if (pub->twcc_ext_id)
    twcc_note(pub, data, len, now);
  gboolean rtx = FALSE;
  NaraPubTrack *track = track_for_ssrc(pub, h.ssrc);
  if (!track && (track = track_for_rtx_ssrc(pub, h.ssrc)))
    rtx = TRUE;
  if (!track)
    track = learn_track(pub, data, len, &h, &rtx);
  if (!track) {
    nara_room_drop(pub, "unknown SSRC");
    return;
  }
  /* RFC 4588 §4: back to the packet it repeats. Padding alone (a
   * bandwidth probe) carries no original and ends here. */
  if (rtx
      && (!nara_rtx_unwrap(data, &len, track->codec.pt, track->ssrc)
          || !nara_rtp_parse(data, len, &h)))
    return;
  if (!receive(track, data, len, &h, rtx, now))
    return;
  track->octets += len;
  track->last_packet_us = now;
  NaraPubTrack *group = track->group;
  /* Audio, and a video of one layer, start anywhere (as before layers: a
   * keyframe request follows every start); a layer is switched to on its
   * keyframe only. */
  gboolean key = track->info.kind == NARA_TRACK_AUDIO || group->n_layers == 1
                 || nara_layers_keyframe(track->codec.name, data + h.header_len, h.payload_len,
                                         &track->width, &track->height);
  gboolean frame_start = FALSE;
  gint tid = track->info.kind == NARA_TRACK_VIDEO ? nara_layers_temporal(
                 track->codec.name, data + h.header_len, h.payload_len, &frame_start)
                                                  : -1;
  if (tid >= 0) {
    track->tid_octets[tid] += len;
    track->n_temporal = (guint8)MAX(track->n_temporal, tid + 1);
  }
  if (!pub->forward[track->info.kind])
    return;
  /* Opus in RED (RFC 2198): as it is to subscribers that took RED, the
   * primary block alone to the others (red.c). */
  gboolean red = track->codec.red_pt && h.pt == track->codec.red_pt;
  for (guint i = 0; i < group->outputs->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(group->outputs, i);
    NaraPeerCore *sub = slot->subscriber;
    if (slot->src != track) {
      if (slot->want != track || !key)
        continue; /* another layer, or this one before its keyframe */
      switch_layer(slot, track, &h, now);
    }
    if (!nara_peer_core_can_send(sub))
      continue;
    guint16 seq;
    if (!nara_numbering_number(slot, &h, tid, frame_start, &seq)) {
      nara_worker_count(&worker->temporal_dropped, tid > slot->tmax);
      continue;
    }
    /* Built straight into the transport's send batch where it has one
     * (ICE-lite: sent with the rest of this receive batch), else in tx. */
    gsize out_len = len;
    guint8 *out = nara_transport_batch_buffer(sub->transport, worker->tx);
    if (G_UNLIKELY(red && !slot->red_pt))
      out_len = nara_red_strip(out, NARA_WORKER_BUF, data, len, &h, track->codec.pt);
    else
      memcpy(out, data, len);
    if (!out_len) {
      nara_room_drop(pub, "malformed RED");
      continue;
    }
    if (!nara_rtp_rewrite(out, out_len, &slot->rewrite)) {
      nara_room_drop(sub, "rewrite failed");
      continue;
    }
    if (red && slot->red_pt)
      out[1] = (guint8)((out[1] & 0x80) | slot->red_pt);
    if (slot->kind == NARA_TRACK_VIDEO)
      out_len = nara_playout_stamp(slot, out, out_len, NARA_WORKER_MTU);
    gsize payload = out_len - h.header_len;
    guint32 ts = h.timestamp + slot->ts_delta;
    nara_room_put_seq_ts(out, seq, ts);
    if ((gint16)(seq - slot->last_seq) > 0 || !slot->last_sent_us) {
      slot->last_seq = seq;
      slot->last_ts = ts;
    }
    slot->last_sent_us = now;
    nara_room_stamp_twcc(sub, out, out_len, now);
    if (!nara_srtp_protect(sub->srtp_out, out, &out_len, NARA_WORKER_BUF)) {
      nara_room_drop(sub, "protect failed");
      continue;
    }
    if (!nara_transport_batch_commit(sub->transport, out, out_len))
      continue;
    slot->packets_sent++;
    slot->octets_sent += (guint32)payload;
    nara_worker_count(&worker->packets_forwarded, 1);
    nara_worker_count(&worker->bytes_forwarded, out_len);
    /* A probe (downlink.c): copies of this packet as RTX, which the
     * subscriber drops as repeats but its feedback counts. */
    if (G_UNLIKELY(sub->downlink->probe_target_bps) && slot->rtx_pt)
      for (guint c = nara_downlink_probe_copies(sub->downlink, now); c > 0; c--)
        if (!nara_room_resend(sub, slot, seq, now, TRUE))
          break;
  }
}

gboolean nara_room_core_publisher_rtp(NaraPeerCore *pub, guint8 *data, gsize len)
{
  NaraWorker *worker = pub->room->worker;
  nara_worker_count(&worker->packets_in, 1);
  if (!nara_srtp_unprotect(pub->srtp_in, data, &len)) {
    nara_worker_count(&worker->srtp_failures, 1);
    nara_room_drop(pub, "SRTP unprotect failed");
    return FALSE;
  }
  publisher_rtp(pub, data, len);
  return TRUE;
}

static void on_sender_report(const NaraSenderInfo *info, gpointer user_data)
{
  NaraPeerCore *pub = user_data;
  NaraPubTrack *track = track_for_ssrc(pub, info->ssrc);
  if (track && track->stats.ssrc == info->ssrc)
    nara_recv_stats_sender_report(&track->stats, info->ntp, info->rtp_ts, g_get_monotonic_time());
}

static const NaraRtcpVisitor publisher_visitor = { .sender_report = on_sender_report };

gboolean nara_room_core_publisher_rtcp(NaraPeerCore *pub, guint8 *data, gsize len)
{
  if (!nara_srtp_unprotect_rtcp(pub->srtp_in, data, &len)) {
    nara_worker_count(&pub->room->worker->srtp_failures, 1);
    nara_room_drop(pub, "SRTCP unprotect failed");
    return FALSE;
  }
  if (!nara_rtcp_walk(data, len, &publisher_visitor, pub))
    nara_room_drop(pub, "malformed RTCP");
  return TRUE;
}

void nara_room_core_tick(NaraRoomCore *room)
{
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < room->peers->len; i++) {
    NaraPeerCore *p = g_ptr_array_index(room->peers, i);
    if (!nara_peer_core_can_send(p))
      continue;
    if (p->role == NARA_PEER_PUBLISH && p->twcc && nara_twcc_pending(p->twcc))
      twcc_feedback(p);
    if (p->role == NARA_PEER_PUBLISH) {
      nara_simulcast_tick_publisher(p, now);
      nara_room_report_to_publisher(p, now);
    } else {
      nara_simulcast_choose(p, now);
      nara_simulcast_notify(p);
      nara_playout_tick(p);
      nara_room_report_to_subscriber(p, now);
    }
  }
}
