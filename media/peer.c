/* peer.c — a peer connection on its worker: transport set-up and negotiation.
 *
 * Owns NaraPeerCore: the ICE transport, the DTLS handshake, the SRTP
 * sessions, applying remote descriptions (a publish offer here, a
 * subscribe answer in subscribe.c) and writing publish answers, and the
 * state machine NEW → CONNECTING → CONNECTED / FAILED. It does not forward media
 * (room.c) and never touches control-side state: it reports through the
 * nara_media_peer_emit_*() events. Runs on the room's media worker.
 */
#include "peer.h"

#include "lite.h"
#include "rtp.h"
#include "sdp.h"

#include <string.h>

#define MAX_EARLY_CANDIDATES 64

/* ---- small helpers ---- */

void nara_peer_core_emit_error(NaraPeerCore *core, GError *error)
{
  g_info("room %s participant %s: %s", core->room->id, core->participant_id, error->message);
  nara_media_peer_emit_error(core->handle, error);
  g_error_free(error);
}

static void set_state(NaraPeerCore *core, NaraPeerState state)
{
  if (core->state == state || core->state == NARA_PEER_STATE_FAILED)
    return;
  core->state = state;
  g_debug("room %s participant %s %s: state %d", core->room->id, core->participant_id,
          core->role == NARA_PEER_PUBLISH ? "publish" : "subscribe", state);
  nara_media_peer_emit_state(core->handle, state);
}

gboolean nara_peer_core_can_send(NaraPeerCore *core)
{
  return core->state == NARA_PEER_STATE_CONNECTED && core->srtp_out != NULL;
}

gboolean nara_peer_core_send_rtcp(NaraPeerCore *core, guint8 *data, gsize len, gsize cap)
{
  if (!nara_peer_core_can_send(core) || !nara_srtp_protect_rtcp(core->srtp_out, data, &len, cap))
    return FALSE;
  return nara_transport_send(core->transport, data, len);
}

guint32 nara_peer_core_random_ssrc(void)
{
  guint32 ssrc;
  do
    ssrc = g_random_int();
  while (ssrc == 0);
  return ssrc;
}

/* ---- transport callbacks ---- */

/* A datagram from the transport, in a buffer of NARA_WORKER_BUF octets
 * that is ours to unprotect in place. TRUE when it was SRTP or SRTCP that
 * authenticated: ICE-lite keeps the consent of the address it came from
 * (lite.c). DTLS does not count: after the handshake a peer sends none. */
static gboolean on_transport_receive(guint8 *data, gsize len, gpointer user_data)
{
  NaraPeerCore *core = user_data;
  NaraWorker *worker = core->room->worker;

  NaraPacketKind kind = nara_packet_classify(data, len);
  switch (kind) {
  case NARA_PACKET_DTLS:
    nara_dtls_receive(core->dtls, data, len);
    return FALSE;
  case NARA_PACKET_RTP:
  case NARA_PACKET_RTCP:
    break;
  default:
    nara_worker_count(&worker->packets_dropped, 1);
    return FALSE;
  }
  if (!core->srtp_in || len > NARA_WORKER_MTU) {
    nara_worker_count(&worker->packets_dropped, 1);
    return FALSE;
  }
  if (kind == NARA_PACKET_RTP)
    return core->role == NARA_PEER_PUBLISH && nara_room_core_publisher_rtp(core, data, len);
  if (core->role == NARA_PEER_SUBSCRIBE)
    return nara_room_core_subscriber_rtcp(core, data, len);
  return nara_room_core_publisher_rtcp(core, data, len);
}

static gboolean on_ice_receive(guint8 *data, gsize len, gpointer user_data)
{
  NaraPeerCore *core = user_data;
  NaraWorker *worker = core->room->worker;
  /* libnice's buffer is not ours to shrink in place: unprotect a copy. */
  if (len > NARA_WORKER_MTU) {
    nara_worker_count(&worker->packets_dropped, 1);
    return FALSE;
  }
  memcpy(worker->rx, data, len);
  return on_transport_receive(worker->rx, len, user_data);
}

static void flush_pending_dtls(NaraPeerCore *core)
{
  for (guint i = 0; i < core->pending_dtls->len; i++) {
    GBytes *b = g_ptr_array_index(core->pending_dtls, i);
    gsize n;
    const guint8 *d = g_bytes_get_data(b, &n);
    nara_transport_send(core->transport, d, n);
  }
  g_ptr_array_set_size(core->pending_dtls, 0);
}

static void on_ice_state(NaraIceState state, gpointer user_data)
{
  NaraPeerCore *core = user_data;
  if (state == NARA_ICE_FAILED) {
    g_info("room %s participant %s: ICE failed or consent lost", core->room->id,
           core->participant_id);
    set_state(core, NARA_PEER_STATE_FAILED);
    return;
  }
  if (state == NARA_ICE_CONNECTED) {
    /* ICE-lite may report its first check after DTLS is already up. */
    /* After an ICE restart DTLS is still up: connected again at once. */
    if (core->srtp_out)
      set_state(core, NARA_PEER_STATE_CONNECTED);
    else if (core->state != NARA_PEER_STATE_CONNECTED)
      set_state(core, NARA_PEER_STATE_CONNECTING);
    flush_pending_dtls(core);
    nara_dtls_start(core->dtls);
  }
}

static void on_dtls_send(const guint8 *data, gsize len, gpointer user_data)
{
  NaraPeerCore *core = user_data;
  /* A ClientHello can beat libnice's "connected" (or, with a DTLS client
   * role under ICE-lite, our first check): keep our records until there is
   * a pair rather than wait a DTLS retransmission (1 s). */
  if (!nara_transport_send(core->transport, data, len)
      && core->pending_dtls->len < NARA_PEER_MAX_PENDING_DTLS)
    g_ptr_array_add(core->pending_dtls, g_bytes_new(data, len));
}

static void on_dtls_failed(const char *reason, gpointer user_data)
{
  NaraPeerCore *core = user_data;
  g_info("room %s participant %s: DTLS failed: %s", core->room->id, core->participant_id, reason);
  set_state(core, NARA_PEER_STATE_FAILED);
}

static void on_dtls_connected(const NaraDtlsKeys *keys, gpointer user_data)
{
  NaraPeerCore *core = user_data;
  g_autoptr(GError) error = NULL;
  core->srtp_in
      = nara_srtp_session_new(keys->profile, keys->remote_key, keys->remote_salt, TRUE, &error);
  if (core->srtp_in)
    core->srtp_out
        = nara_srtp_session_new(keys->profile, keys->local_key, keys->local_salt, FALSE, &error);
  if (!core->srtp_out) {
    g_warning("room %s participant %s: %s", core->room->id, core->participant_id, error->message);
    set_state(core, NARA_PEER_STATE_FAILED);
    return;
  }
  g_debug("room %s participant %s: SRTP profile %s", core->room->id, core->participant_id,
          nara_srtp_profile_name(keys->profile));
  set_state(core, NARA_PEER_STATE_CONNECTED);
  if (core->role == NARA_PEER_SUBSCRIBE) {
    /* Join time is the time to the first keyframe: ask at once. */
    for (guint i = 0; i < core->slots->len; i++)
      nara_room_core_slot_keyframe(g_ptr_array_index(core->slots, i), TRUE);
  }
}

/* ---- life cycle ---- */

NaraPeerCore *nara_peer_core_new(NaraRoomCore *room, NaraMediaPeer *handle)
{
  NaraPeerCore *core = g_new0(NaraPeerCore, 1);
  core->room = room;
  core->handle = nara_media_peer_ref(handle);
  core->role = handle->role;
  g_strlcpy(core->participant_id, handle->participant_id, sizeof core->participant_id);
  core->state = NARA_PEER_STATE_NEW;
  core->local_ssrc = nara_peer_core_random_ssrc();
  core->forward[NARA_TRACK_AUDIO] = core->forward[NARA_TRACK_VIDEO] = TRUE;
  core->early_candidates = g_ptr_array_new_with_free_func(g_free);
  core->pending_dtls = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  core->slots = g_ptr_array_new_with_free_func(g_free);
  core->ssrc_by_track = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  core->session_id = g_random_int() | ((guint64)(g_random_int() & 0x3fffffff) << 32);
  if (core->role == NARA_PEER_SUBSCRIBE) {
    core->downlink = g_new(NaraDownlink, 1);
    nara_downlink_init(core->downlink, g_get_monotonic_time());
  }
  atomic_fetch_add_explicit(&room->worker->live_peers, 1, memory_order_relaxed);
  return core;
}

/* ICE-lite on the worker's shared socket, or a libnice agent of our own. */
static NaraTransport *new_transport(NaraPeerCore *core, GError **error)
{
  NaraWorker *worker = core->room->worker;
  const NaraMediaShared *shared = worker->shared;
  if (shared->ice_lite) {
    NaraIceCallbacks lite_cb = { on_transport_receive, on_ice_state };
    return nara_lite_new(worker->mux, &lite_cb, core, error);
  }
  NaraIceConfig config = {
    .addresses = (const char *const *)shared->ice_addresses,
    .port_min = shared->port_min,
    .port_max = shared->port_max,
    .announced_address = shared->announced_address,
    /* JSEP: the offerer (a full ICE agent) controls. Publish: the browser
     * offers; subscribe: we do. */
    .controlling = core->role == NARA_PEER_SUBSCRIBE,
    .remote_filter = shared->remote_filter,
  };
  NaraIceCallbacks ice_cb = { on_ice_receive, on_ice_state };
  NaraIce *ice = nara_ice_new(worker->context, &config, &ice_cb, core, error);
  return ice ? nara_ice_transport(ice) : NULL;
}

void nara_peer_core_start(NaraPeerCore *core)
{
  NaraWorker *worker = core->room->worker;
  g_ptr_array_add(core->room->peers, core);

  GError *error = NULL;
  core->transport = new_transport(core, &error);
  if (!core->transport) {
    g_prefix_error(&error, "ICE: ");
    nara_peer_core_emit_error(core, error);
    set_state(core, NARA_PEER_STATE_FAILED);
    return;
  }
  NaraDtlsCallbacks dtls_cb = { on_dtls_send, on_dtls_connected, on_dtls_failed };
  core->dtls = nara_dtls_new(worker->shared->dtls, worker->context, &dtls_cb, core);
  /* Host candidates are all in our SDP: say there will be no others. */
  nara_media_peer_emit_candidate(core->handle, NULL);
}

void nara_peer_core_close(NaraPeerCore *core)
{
  if (core->role == NARA_PEER_PUBLISH) {
    for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++)
      if (core->track_used[i])
        nara_simulcast_group_free(core->room, &core->tracks[i]);
  } else {
    for (guint i = 0; i < core->slots->len; i++)
      nara_room_core_unroute(g_ptr_array_index(core->slots, i));
  }
  g_ptr_array_remove(core->room->peers, core);
  nara_dtls_free(core->dtls);
  nara_transport_free(core->transport);
  nara_srtp_session_free(core->srtp_in);
  nara_srtp_session_free(core->srtp_out);
  g_ptr_array_unref(core->early_candidates);
  g_ptr_array_unref(core->pending_dtls);
  g_ptr_array_unref(core->slots);
  g_hash_table_unref(core->ssrc_by_track);
  g_free(core->wanted);
  g_clear_pointer(&core->twcc, nara_twcc_free);
  g_free(core->downlink);
  nara_media_peer_unref(core->handle);
  atomic_fetch_sub_explicit(&core->room->worker->live_peers, 1, memory_order_relaxed);
  g_free(core);
}

/* ---- remote transport parameters ---- */

static gboolean add_candidate(NaraPeerCore *core, const char *candidate)
{
  GError *error = NULL;
  if (nara_transport_add_remote_candidate(core->transport, candidate, &error))
    return TRUE;
  nara_peer_core_emit_error(core, error);
  return FALSE;
}

/* An ICE restart brings a failed peer whose DTLS is up back to life: the
 * keys are still good (RFC 8445 §9 restarts ICE, not DTLS). */
void nara_peer_core_revive(NaraPeerCore *core)
{
  if (core->state != NARA_PEER_STATE_FAILED || !core->srtp_out)
    return;
  core->state = NARA_PEER_STATE_CONNECTING;
  nara_media_peer_emit_state(core->handle, core->state);
}

/* New remote ICE credentials on a connection that has some: an ICE
 * restart. The browser's restart offer (publish) gets an answer with our
 * new credentials too; on subscribe our restart offer came first
 * (nara_peer_core_restart_ice) and this is the browser's answer to it. */
static gboolean restart_transport(NaraPeerCore *core, const NaraSdpRemote *remote, GError **error)
{
  if (core->role == NARA_PEER_PUBLISH && !nara_transport_restart(core->transport, error))
    return FALSE;
  if (!nara_transport_set_remote_credentials(core->transport, remote->ice_ufrag, remote->ice_pwd,
                                             error))
    return FALSE;
  g_strlcpy(core->remote_ufrag, remote->ice_ufrag, sizeof core->remote_ufrag);
  g_info("room %s participant %s: ICE restart", core->room->id, core->participant_id);
  nara_peer_core_revive(core);
  for (guint i = 0; i < remote->n_candidates; i++)
    add_candidate(core, remote->candidates[i]);
  return TRUE;
}

/* First remote description: credentials, candidates, DTLS role and fingerprint.
 * Later ones keep DTLS as it is; new ICE credentials restart ICE. */
gboolean nara_peer_core_apply_transport(NaraPeerCore *core, const NaraSdpRemote *remote,
                                        GError **error)
{
  if (core->remote_set) {
    if (strcmp(core->remote_ufrag, remote->ice_ufrag) != 0)
      return restart_transport(core, remote, error);
    return TRUE;
  }
  if (!remote->fingerprint[0]) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "no DTLS fingerprint");
    return FALSE;
  }
  /* RFC 5763 §5: actpass/active → we are passive (DTLS server). */
  NaraDtlsRole role
      = remote->setup == NARA_DTLS_SETUP_PASSIVE ? NARA_DTLS_ROLE_CLIENT : NARA_DTLS_ROLE_SERVER;
  if (!nara_dtls_set_role(core->dtls, role)) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP,
                "DTLS role conflicts with the handshake already under way");
    return FALSE;
  }
  if (!nara_transport_set_remote_credentials(core->transport, remote->ice_ufrag, remote->ice_pwd,
                                             error))
    return FALSE;
  g_strlcpy(core->remote_ufrag, remote->ice_ufrag, sizeof core->remote_ufrag);
  /* Before the fingerprint: under ICE-lite the browser's checks and a whole
   * DTLS handshake can beat its description here, and the fingerprint then
   * completes the peer at once; "connecting" after that would stop its
   * media for good. */
  set_state(core, NARA_PEER_STATE_CONNECTING);
  nara_dtls_set_remote_fingerprint(core->dtls, remote->fingerprint);
  core->remote_set = TRUE;
  for (guint i = 0; i < remote->n_candidates; i++)
    add_candidate(core, remote->candidates[i]);
  for (guint i = 0; i < core->early_candidates->len; i++)
    add_candidate(core, g_ptr_array_index(core->early_candidates, i));
  g_ptr_array_set_size(core->early_candidates, 0);
  if (core->early_candidates_done)
    nara_transport_remote_candidates_done(core->transport);
  return TRUE;
}

void nara_peer_core_add_remote_candidate(NaraPeerCore *core, const char *candidate)
{
  if (!core->transport)
    return;
  if (!candidate) {
    if (core->remote_set)
      nara_transport_remote_candidates_done(core->transport);
    else
      core->early_candidates_done = TRUE;
    return;
  }
  /* Trickled candidates can overtake the description they belong to. */
  if (!core->remote_set) {
    if (core->early_candidates->len < MAX_EARLY_CANDIDATES)
      g_ptr_array_add(core->early_candidates, g_strdup(candidate));
    return;
  }
  add_candidate(core, candidate);
}

void nara_peer_core_fill_local(NaraPeerCore *core, NaraSdpLocal *local, NaraDtlsSetup setup)
{
  memset(local, 0, sizeof *local);
  local->ice_ufrag = nara_transport_get_ufrag(core->transport);
  local->ice_pwd = nara_transport_get_pwd(core->transport);
  local->ice_lite = core->transport->ice_lite;
  local->fingerprint = nara_dtls_context_fingerprint(core->room->worker->shared->dtls);
  local->setup = setup;
  local->session_id = core->session_id;
  local->session_version = ++core->session_version;
  local->candidates = nara_transport_get_local_candidates(core->transport, &local->n_candidates);
  local->connection_address = nara_transport_get_default_address(core->transport, &local->port);
}

/* ---- publish ---- */

static void publish_update_tracks(NaraPeerCore *core, const NaraSdpRemote *offer)
{
  NaraMediaTrack list[NARA_SDP_MAX_MEDIA];
  guint n = 0;
  core->mid_ext_id = core->rid_ext_id = core->rrid_ext_id = 0;
  /* One transport-wide sequence per connection (one BUNDLE id space): the
   * id of any accepted m-line, and the record kept across re-offers. */
  core->twcc_ext_id = 0;
  for (guint i = 0; i < offer->n_media && !core->twcc_ext_id; i++)
    if (!offer->media[i].rejected)
      core->twcc_ext_id = offer->media[i].ext_ids[NARA_EXT_TWCC];
  if (core->twcc_ext_id && !core->twcc)
    core->twcc = nara_twcc_new();
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++) {
    const NaraSdpMedia *m = i < offer->n_media ? &offer->media[i] : NULL;
    gboolean wanted = m && !m->rejected && m->sending;
    NaraPubTrack *t = &core->tracks[i];
    guint n_layers = m && m->n_rids > 1 ? m->n_rids : 1;
    if (core->track_used[i]
        && (!wanted || m->kind != t->info.kind || m->codec.pt != t->codec.pt
            || n_layers != t->n_layers)) {
      nara_simulcast_group_free(core->room, t);
      core->track_used[i] = FALSE;
    }
    if (!wanted)
      continue;
    gboolean is_new = !core->track_used[i];
    if (is_new) {
      memset(t, 0, sizeof *t);
      t->outputs = g_ptr_array_new();
      t->publisher = core;
      t->mline = i;
      t->info.kind = m->kind;
      g_snprintf(t->info.id, sizeof t->info.id, "%s-%u", core->participant_id, i);
      g_strlcpy(t->info.stream_id, core->participant_id, sizeof t->info.stream_id);
      core->track_used[i] = TRUE;
    }
    g_strlcpy(t->mid, m->mid, sizeof t->mid);
    t->codec = m->codec;
    memcpy(t->ext_ids, m->ext_ids, sizeof t->ext_ids);
    if (m->ssrc && n_layers == 1)
      t->ssrc = m->ssrc;
    if (m->rtx_ssrc && n_layers == 1)
      t->rtx_ssrc = m->rtx_ssrc;
    if (is_new) {
      nara_room_core_track_init(t);
      nara_simulcast_group_init(t, m);
    }
    if (m->ext_ids[NARA_EXT_MID])
      core->mid_ext_id = m->ext_ids[NARA_EXT_MID];
    if (m->ext_ids[NARA_EXT_RID])
      core->rid_ext_id = m->ext_ids[NARA_EXT_RID];
    if (m->ext_ids[NARA_EXT_REPAIRED_RID])
      core->rrid_ext_id = m->ext_ids[NARA_EXT_REPAIRED_RID];
    if (is_new)
      nara_room_core_track_added(core->room, t);
    list[n++] = t->info;
  }
  nara_media_peer_emit_tracks(core->handle, list, n);
}

static void publish_offer(NaraPeerCore *core, const char *sdp)
{
  GError *error = NULL;
  g_autofree NaraSdpRemote *offer = g_new0(NaraSdpRemote, 1);
  if (!nara_sdp_parse(sdp, offer, &error) || !nara_peer_core_apply_transport(core, offer, &error)) {
    nara_peer_core_emit_error(core, error);
    return;
  }
  NaraSdpLocal local;
  NaraDtlsSetup setup = nara_dtls_get_role(core->dtls) == NARA_DTLS_ROLE_CLIENT
                            ? NARA_DTLS_SETUP_ACTIVE
                            : NARA_DTLS_SETUP_PASSIVE;
  nara_peer_core_fill_local(core, &local, setup);
  g_autofree char *answer = nara_sdp_build_answer(offer, &local);
  if (!answer) {
    error = g_error_new(NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "no answer possible");
    nara_peer_core_emit_error(core, error);
    return;
  }
  nara_media_peer_emit_description(core->handle, "answer", answer);
  publish_update_tracks(core, offer);
}

void nara_peer_core_set_forwarding(NaraPeerCore *core, NaraTrackKind kind, gboolean forward)
{
  if (kind != NARA_TRACK_AUDIO && kind != NARA_TRACK_VIDEO)
    return;
  gboolean resumed = forward && !core->forward[kind];
  core->forward[kind] = forward;
  if (!resumed || kind != NARA_TRACK_VIDEO)
    return;
  /* Subscribers dropped every frame while video was held back: without a
   * fresh keyframe they would show a frozen picture until the encoder's
   * next one, which WebRTC encoders send only when asked. */
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++)
    if (core->track_used[i] && core->tracks[i].info.kind == NARA_TRACK_VIDEO
        && core->tracks[i].outputs && core->tracks[i].outputs->len > 0)
      for (guint k = 0; k < core->tracks[i].n_layers; k++)
        nara_room_core_request_keyframe(core->tracks[i].layer[k], TRUE);
}

void nara_peer_core_set_signing(NaraPeerCore *core, gboolean signing)
{
  core->signing = signing;
}

/* A subscriber's tile for a track: kept by track id (the slot may come
 * later), the oldest entry making room; the choice follows at once. */
void nara_peer_core_set_view(NaraPeerCore *core, const char *track_id, guint width, guint height)
{
  if (core->role != NARA_PEER_SUBSCRIBE)
    return;
  NaraView *v = NULL;
  for (guint i = 0; i < G_N_ELEMENTS(core->views) && !v; i++)
    if (strcmp(core->views[i].track_id, track_id) == 0 || !core->views[i].track_id[0])
      v = &core->views[i];
  if (!v) {
    memmove(&core->views[0], &core->views[1], sizeof core->views - sizeof core->views[0]);
    v = &core->views[G_N_ELEMENTS(core->views) - 1];
  }
  g_strlcpy(v->track_id, track_id, sizeof v->track_id);
  v->width = (guint16)MIN(width, G_MAXUINT16);
  v->height = (guint16)MIN(height, G_MAXUINT16);
  nara_simulcast_choose(core, g_get_monotonic_time());
}

void nara_peer_core_set_remote_description(NaraPeerCore *core, const char *type, const char *sdp)
{
  if (!core->transport) {
    nara_peer_core_emit_error(
        core, g_error_new(NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_STATE, "peer has failed"));
    return;
  }
  gboolean publish = core->role == NARA_PEER_PUBLISH;
  if (g_strcmp0(type, publish ? "offer" : "answer") != 0) {
    nara_peer_core_emit_error(core, g_error_new(NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_STATE,
                                                "a %s peer takes an %s, not \"%s\"",
                                                publish ? "publish" : "subscribe",
                                                publish ? "offer" : "answer", type));
    return;
  }
  if (strlen(sdp) > NARA_SDP_MAX_BYTES) {
    nara_peer_core_emit_error(
        core, g_error_new(NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "SDP too large"));
    return;
  }
  if (publish)
    publish_offer(core, sdp);
  else
    nara_peer_core_subscribe_answer(core, sdp);
}
