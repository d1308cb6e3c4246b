/* subscribe.c — a subscribe peer's side of negotiation, on its worker.
 *
 * Owns the subscriber's m-line slots: which tracks it wants, a slot per
 * track (reused when a track goes), the SSRC each track keeps for this
 * subscriber, payload types that do not clash across publishers' codecs
 * and their RTX, Nara's offers, and applying the browser's answer (what it
 * accepted gets routed, what it cannot decode is told). Transport and DTLS
 * are peer.c's. Runs on the room's media worker.
 */
#include "peer.h"

#include "sdp.h"

#include <string.h>

static gboolean wanted(NaraPeerCore *core, const char *track_id)
{
  for (guint i = 0; i < core->n_wanted; i++)
    if (strcmp(core->wanted[i].id, track_id) == 0)
      return TRUE;
  return FALSE;
}

static NaraSubSlot *slot_for_track(NaraPeerCore *core, const char *track_id)
{
  for (guint i = 0; i < core->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    if (slot->active && strcmp(slot->track_id, track_id) == 0)
      return slot;
  }
  return NULL;
}

static NaraSubSlot *free_slot(NaraPeerCore *core, NaraTrackKind kind)
{
  for (guint i = 0; i < core->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    if (!slot->active && slot->kind == kind)
      return slot;
  }
  if (core->slots->len >= NARA_SDP_MAX_MEDIA)
    return NULL;
  NaraSubSlot *slot = g_new0(NaraSubSlot, 1);
  slot->subscriber = core;
  slot->index = core->slots->len;
  slot->kind = kind;
  g_snprintf(slot->mid, sizeof slot->mid, "%u", slot->index);
  g_ptr_array_add(core->slots, slot);
  return slot;
}

static guint32 output_ssrc(NaraPeerCore *core, const char *track_id)
{
  guint32 ssrc = GPOINTER_TO_UINT(g_hash_table_lookup(core->ssrc_by_track, track_id));
  if (!ssrc) {
    ssrc = nara_peer_core_random_ssrc();
    g_hash_table_insert(core->ssrc_by_track, g_strdup(track_id), GUINT_TO_POINTER(ssrc));
  }
  return ssrc;
}

static gboolean same_codec(const NaraSdpCodec *a, const NaraSdpCodec *b)
{
  return g_ascii_strcasecmp(a->name, b->name) == 0 && a->clock_rate == b->clock_rate
         && strcmp(a->fmtp, b->fmtp) == 0;
}

/* RFC 8843 §9.1: in one BUNDLE group a payload type means one codec on
 * every m-line, and publishers choose their codecs (sdp.c): Chrome sends
 * VP8 as 96, Safari H.264 as 96. A video slot not yet answered whose
 * number another slot uses for another codec takes a free one (the packet
 * path rewrites the payload type anyway, room.c); answered slots keep
 * theirs, so nothing a subscriber already receives is renumbered. Audio
 * keeps its number: RED blocks carry it inside the payload. */
static void assign_codec_pts(NaraPeerCore *core)
{
  gboolean used[128] = { FALSE };
  const NaraSdpCodec *owner[128] = { NULL };
  for (guint i = 0; i < core->slots->len; i++) {
    const NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    if (!slot->codec.name[0])
      continue;
    used[slot->codec.pt & 0x7f] = used[slot->codec.rtx_pt & 0x7f] = TRUE;
    used[slot->codec.red_pt & 0x7f] = TRUE;
  }
  for (guint pass = 0; pass < 2; pass++) {
    for (guint i = 0; i < core->slots->len; i++) {
      NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
      if (!slot->codec.name[0] || slot->answered != (pass == 0))
        continue;
      guint8 pt = slot->codec.pt & 0x7f;
      if (pass == 1 && slot->kind == NARA_TRACK_VIDEO && owner[pt]
          && !same_codec(owner[pt], &slot->codec)) {
        for (guint k = 96; k < 128; k++) {
          if (!used[k]) {
            slot->codec.pt = pt = (guint8)k;
            used[k] = TRUE;
            break;
          }
        }
      }
      if (!owner[pt])
        owner[pt] = &slot->codec;
    }
  }
}

/* RFC 8843 §9.1: in one BUNDLE group a payload type means one codec on
 * every m-line. Publishers number their rtx as they like (Chrome: VP8 96,
 * rtx 97; aiortc: VP8 97, rtx 98), and Nara rewrites the payload type of
 * what it retransmits anyway: so each video slot keeps the publisher's rtx
 * number if no other m-line of the offer uses it, else takes a free one
 * (slots keep theirs from offer to offer while nothing collides). */
static void assign_rtx_pts(NaraPeerCore *core)
{
  gboolean used[128] = { FALSE };
  for (guint i = 0; i < core->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    used[slot->codec.name[0]              ? slot->codec.pt & 0x7f
         : slot->kind == NARA_TRACK_VIDEO ? 96
                                          : 111]
        = TRUE;
  }
  /* RED (RFC 2198) keeps its publisher's number only where no m-line uses
   * it for another codec or for RED over another Opus number; otherwise
   * that slot is offered plain Opus (room.c sends it the primary block). */
  guint8 red_of[128] = { 0 }; /* RED number → the Opus number it carries + 1 */
  for (guint i = 0; i < core->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    guint8 red = slot->codec.red_pt & 0x7f;
    if (!red || slot->kind != NARA_TRACK_AUDIO)
      continue;
    if (used[red] || (red_of[red] && red_of[red] != slot->codec.pt + 1))
      slot->codec.red_pt = 0;
    else
      red_of[red] = (guint8)(slot->codec.pt + 1);
  }
  for (guint pt = 0; pt < 128; pt++)
    used[pt] = used[pt] || red_of[pt];
  for (guint i = 0; i < core->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    guint8 pt = slot->codec.rtx_pt;
    if (!pt || slot->kind != NARA_TRACK_VIDEO || !slot->active)
      continue;
    for (guint k = 96; used[pt] && k < 128; k++)
      pt = (guint8)k;
    slot->codec.rtx_pt = used[pt] ? 0 : pt;
    used[pt] = TRUE;
  }
}

static void subscribe_make_offer(NaraPeerCore *core)
{
  /* Stop sending removed tracks now; their m-lines go inactive. */
  for (guint i = 0; i < core->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    if (slot->active && !wanted(core, slot->track_id)) {
      nara_room_core_unroute(slot);
      slot->active = FALSE;
      slot->answered = FALSE;
    }
  }
  for (guint i = 0; i < core->n_wanted; i++) {
    const NaraMediaTrack *want = &core->wanted[i];
    if (slot_for_track(core, want->id))
      continue;
    NaraPubTrack *track = nara_room_core_find_track(core->room, want->id);
    if (!track)
      continue; /* its publisher is gone: nothing to offer */
    NaraSubSlot *slot = free_slot(core, track->info.kind);
    if (!slot)
      break;
    slot->active = TRUE;
    slot->answered = FALSE;
    g_strlcpy(slot->track_id, track->info.id, sizeof slot->track_id);
    g_strlcpy(slot->stream_id, track->info.stream_id, sizeof slot->stream_id);
    slot->codec = track->codec;
    slot->pub_pt = track->codec.pt;
    slot->ssrc = output_ssrc(core, track->info.id);
    slot->last_sent_us = 0; /* a new stream: its numbering starts afresh */
    slot->seq_delta = 0;
    slot->ts_delta = 0;
    nara_numbering_reset(slot);
    slot->told_paused = FALSE;
    slot->unplayable = FALSE;
    slot->rtx_ssrc = 0;
    if (slot->kind == NARA_TRACK_VIDEO) {
      g_autofree char *key = g_strconcat("rtx ", track->info.id, NULL);
      slot->rtx_ssrc = output_ssrc(core, key);
    }
  }

  assign_codec_pts(core);
  assign_rtx_pts(core);
  /* An offer without m-lines has no transport and its answer could not be
   * applied: wait until there is a track to offer. */
  if (core->slots->len == 0) {
    core->offer_pending = FALSE;
    return;
  }
  NaraSdpOfferMedia *media = g_new0(NaraSdpOfferMedia, core->slots->len);
  for (guint i = 0; i < core->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    NaraSdpOfferMedia *m = &media[i];
    g_strlcpy(m->mid, slot->mid, sizeof m->mid);
    m->kind = slot->kind;
    m->active = slot->active;
    m->codec = slot->codec;
    m->ssrc = slot->ssrc;
    m->rtx_ssrc = slot->rtx_ssrc;
    m->twcc = slot->active;
    g_strlcpy(m->stream_id, slot->stream_id, sizeof m->stream_id);
    g_strlcpy(m->track_id, slot->track_id, sizeof m->track_id);
  }
  NaraSdpLocal local;
  nara_peer_core_fill_local(core, &local, NARA_DTLS_SETUP_ACTPASS);
  g_autofree char *offer = nara_sdp_build_offer(media, core->slots->len, &local);
  g_free(media);
  if (!offer) {
    nara_peer_core_emit_error(core, g_error_new(NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL,
                                                "could not build the subscribe offer"));
    return;
  }
  core->offer_outstanding = TRUE;
  core->offer_pending = FALSE;
  nara_media_peer_emit_description(core->handle, "offer", offer);
}

void nara_peer_core_set_subscriptions(NaraPeerCore *core, const NaraMediaTrack *tracks, guint n)
{
  if (core->role != NARA_PEER_SUBSCRIBE) {
    nara_peer_core_emit_error(core, g_error_new(NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_STATE,
                                                "subscriptions on a publish peer"));
    return;
  }
  if (!core->transport)
    return;
  g_free(core->wanted);
  core->wanted = g_memdup2(tracks, sizeof *tracks * n);
  core->n_wanted = n;
  if (core->offer_outstanding)
    core->offer_pending = TRUE;
  else
    subscribe_make_offer(core);
}

void nara_peer_core_restart_ice(NaraPeerCore *core)
{
  GError *error = NULL;
  if (core->role != NARA_PEER_SUBSCRIBE || !core->transport || !core->remote_set)
    return;
  if (!nara_transport_restart(core->transport, &error)) {
    nara_peer_core_emit_error(core, error);
    return;
  }
  g_info("room %s participant %s: ICE restart offered", core->room->id, core->participant_id);
  nara_peer_core_revive(core);
  if (core->offer_outstanding)
    core->offer_pending = TRUE;
  else
    subscribe_make_offer(core);
}

static const NaraSdpMedia *answer_media(const NaraSdpRemote *answer, const NaraSubSlot *slot)
{
  for (guint i = 0; i < answer->n_media; i++)
    if (strcmp(answer->media[i].mid, slot->mid) == 0)
      return &answer->media[i];
  /* RFC 8829 §5.3.1: the answer keeps the offer's m-line order. */
  return slot->index < answer->n_media ? &answer->media[slot->index] : NULL;
}

void nara_peer_core_subscribe_answer(NaraPeerCore *core, const char *sdp)
{
  GError *error = NULL;
  if (!core->offer_outstanding) {
    nara_peer_core_emit_error(core, g_error_new(NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_STATE,
                                                "no offer is waiting for an answer"));
    return;
  }
  g_autofree NaraSdpRemote *answer = g_new0(NaraSdpRemote, 1);
  if (!nara_sdp_parse(sdp, answer, &error)
      || !nara_peer_core_apply_transport(core, answer, &error)) {
    nara_peer_core_emit_error(core, error);
    return;
  }
  core->offer_outstanding = FALSE;
  for (guint i = 0; i < core->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(core->slots, i);
    const NaraSdpMedia *m = answer_media(answer, slot);
    if (!slot->active || !m)
      continue;
    /* Nara offers each track in its one codec: a browser that cannot
     * decode it rejects the m-line. The slot then gets nothing, and the
     * subscriber's client is told why. */
    if (m->rejected || g_ascii_strcasecmp(m->codec.name, slot->codec.name) != 0) {
      if (!slot->unplayable && !slot->answered) {
        slot->unplayable = TRUE; /* logged by the signaling callback */
        nara_media_peer_emit_track_unplayable(core->handle, slot->track_id, slot->codec.name);
      }
      continue;
    }
    /* RTX only if the answer kept it (its number may have moved since the
     * last offer, see assign_rtx_pts); else NACKs are answered in the
     * original stream. */
    slot->rtx_pt = slot->rtx_ssrc && slot->codec.rtx_pt && m->codec.rtx_pt == slot->codec.rtx_pt
                       ? slot->codec.rtx_pt
                       : 0;
    /* RED as it came only if the answer kept it, else the primary Opus. */
    slot->red_pt
        = slot->codec.red_pt && m->codec.red_pt == slot->codec.red_pt ? slot->codec.red_pt : 0;
    if (slot->answered)
      continue;
    memcpy(slot->sub_ext_ids, m->ext_ids, sizeof slot->sub_ext_ids);
    /* One transport-wide numbering for the connection, if the browser
     * took it on any m-line (Nara offers id NARA_SUB_EXT_ID_TWCC only). */
    if (m->ext_ids[NARA_EXT_TWCC] == NARA_SUB_EXT_ID_TWCC)
      core->twcc_ext_id = NARA_SUB_EXT_ID_TWCC;
    slot->rtx_seq = (guint16)g_random_int();
    slot->answered = TRUE;
    nara_room_core_route(core->room, slot);
  }
  if (core->offer_pending)
    subscribe_make_offer(core);
}
