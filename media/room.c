/* room.c — a room on its worker: routes and the forwarding packet path.
 *
 * Owns the room's peer list, the routes from publisher tracks to subscriber
 * slots, and the per-packet work: unprotect, find the track, then for each
 * subscriber copy, rewrite, protect and send; keyframe requests upstream
 * and the periodic REMB. It does not negotiate (peer.c), never decodes, and
 * holds nothing past the current wake-up (ICE-lite's send batch leaves
 * before the worker polls again). Runs on the room's media worker only.
 */
#include "room.h"

#include "drop_log.h"
#include "peer.h"

#include <string.h>

#define PLI_INTERVAL_US (300 * G_TIME_SPAN_MILLISECOND)
/* Enough for a consultation's 720p camera; browsers start far lower and
 * climb only as fast as the receiver's estimate allows. */
#define REMB_BITRATE 2000000

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
  rw->pt = track->codec.pt;
  memset(rw->ext_map, NARA_EXT_ID_UNUSED, sizeof rw->ext_map);
  static const struct {
    NaraExt ext;
    guint8 sub_id;
  } kept[] = {
    { NARA_EXT_AUDIO_LEVEL, NARA_SUB_EXT_ID_AUDIO_LEVEL },
    { NARA_EXT_VIDEO_ORIENTATION, NARA_SUB_EXT_ID_VIDEO_ORIENTATION },
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
  if (!track || track->codec.pt != slot->codec.pt)
    return;
  build_rewrite(slot, track);
  slot->track = track;
  g_ptr_array_add(track->outputs, slot);
  if (track->info.kind == NARA_TRACK_VIDEO && nara_peer_core_can_send(slot->subscriber))
    nara_room_core_request_keyframe(track, TRUE);
}

void nara_room_core_unroute(NaraSubSlot *slot)
{
  if (!slot->track)
    return;
  g_ptr_array_remove_fast(slot->track->outputs, slot);
  slot->track = NULL;
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
  if (len)
    nara_peer_core_send_rtcp(pub, buf, len, NARA_WORKER_BUF);
}

/* A stream without a=ssrc (or a new SSRC after a re-offer): the mid header
 * extension says which m-line it is. RTX shares the mid, so the payload
 * type must match the track's codec too. */
static NaraPubTrack *learn_track(NaraPeerCore *pub, const guint8 *data, gsize len,
                                 const NaraRtpHeader *h)
{
  const guint8 *mid;
  gsize mid_len;
  if (!pub->mid_ext_id || !nara_rtp_find_extension(data, len, pub->mid_ext_id, &mid, &mid_len))
    return NULL;
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++) {
    NaraPubTrack *t = &pub->tracks[i];
    if (pub->track_used[i] && t->codec.pt == h->pt && strlen(t->mid) == mid_len
        && memcmp(t->mid, mid, mid_len) == 0) {
      t->ssrc = h->ssrc;
      return t;
    }
  }
  return NULL;
}

static NaraPubTrack *track_for_ssrc(NaraPeerCore *pub, guint32 ssrc)
{
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++)
    if (pub->track_used[i] && pub->tracks[i].ssrc == ssrc)
      return &pub->tracks[i];
  return NULL;
}

static void drop(NaraPeerCore *peer, const char *why)
{
  guint unlogged;
  nara_worker_count(&peer->room->worker->packets_dropped, 1);
  if (nara_drop_log_claim(&unlogged))
    g_debug("room %s participant %s: dropped a packet: %s (+%u drops not logged)", peer->room->id,
            peer->participant_id, why, unlogged);
}

void nara_room_core_publisher_rtp(NaraPeerCore *pub, guint8 *data, gsize len)
{
  NaraWorker *worker = pub->room->worker;
  NaraRtpHeader h;
  nara_worker_count(&worker->packets_in, 1);
  if (!nara_srtp_unprotect(pub->srtp_in, data, &len)) {
    nara_worker_count(&worker->srtp_failures, 1);
    drop(pub, "SRTP unprotect failed");
    return;
  }
  if (!nara_rtp_parse(data, len, &h)) {
    drop(pub, "malformed RTP");
    return;
  }
  NaraPubTrack *track = track_for_ssrc(pub, h.ssrc);
  if (!track)
    track = learn_track(pub, data, len, &h);
  if (!track) {
    drop(pub, "unknown SSRC");
    return;
  }
  if (!pub->forward[track->info.kind])
    return;
  for (guint i = 0; i < track->outputs->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(track->outputs, i);
    NaraPeerCore *sub = slot->subscriber;
    if (!nara_peer_core_can_send(sub))
      continue;
    /* Built straight into the transport's send batch where it has one
     * (ICE-lite: sent with the rest of this receive batch), else in tx. */
    gsize out_len = len;
    guint8 *out = nara_transport_batch_buffer(sub->transport, worker->tx);
    memcpy(out, data, len);
    if (!nara_rtp_rewrite(out, out_len, &slot->rewrite)
        || !nara_srtp_protect(sub->srtp_out, out, &out_len, NARA_WORKER_BUF)) {
      drop(sub, "rewrite or protect failed");
      continue;
    }
    if (!nara_transport_batch_commit(sub->transport, out, out_len))
      continue;
    nara_worker_count(&worker->packets_forwarded, 1);
    nara_worker_count(&worker->bytes_forwarded, out_len);
  }
}

static void on_keyframe_request(guint32 media_ssrc, gpointer user_data)
{
  NaraPeerCore *sub = user_data;
  for (guint i = 0; i < sub->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(sub->slots, i);
    if (slot->track && slot->ssrc == media_ssrc) {
      nara_room_core_request_keyframe(slot->track, FALSE);
      return;
    }
  }
}

void nara_room_core_subscriber_rtcp(NaraPeerCore *sub, guint8 *data, gsize len)
{
  if (!nara_srtp_unprotect_rtcp(sub->srtp_in, data, &len)) {
    nara_worker_count(&sub->room->worker->srtp_failures, 1);
    drop(sub, "SRTCP unprotect failed");
    return;
  }
  if (!nara_rtcp_for_each_keyframe_request(data, len, on_keyframe_request, sub))
    drop(sub, "malformed RTCP");
}

static void send_remb(NaraPeerCore *pub)
{
  guint32 ssrcs[NARA_SDP_MAX_MEDIA];
  guint n = 0;
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++) {
    NaraPubTrack *t = &pub->tracks[i];
    if (pub->track_used[i] && t->info.kind == NARA_TRACK_VIDEO && t->ssrc)
      ssrcs[n++] = t->ssrc;
  }
  if (n == 0)
    return;
  guint8 *buf = pub->room->worker->tx;
  gsize len = nara_rtcp_write_remb(buf, NARA_WORKER_MTU, pub->local_ssrc, REMB_BITRATE, ssrcs, n);
  if (len)
    nara_peer_core_send_rtcp(pub, buf, len, NARA_WORKER_BUF);
}

void nara_room_core_tick(NaraRoomCore *room)
{
  for (guint i = 0; i < room->peers->len; i++) {
    NaraPeerCore *p = g_ptr_array_index(room->peers, i);
    if (p->role == NARA_PEER_PUBLISH && nara_peer_core_can_send(p))
      send_remb(p);
  }
}
