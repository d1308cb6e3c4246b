/* peer.c — a client-side peer connection for the load tool: NaraIce +
 * NaraDtls + two NaraSrtpSessions, and SDP through media/sdp.h.
 *
 * The publishing side writes its offer with nara_sdp_build_offer (sendonly
 * m-lines with a=ssrc, which is what a browser's publish offer says; with
 * simulcast the video m-line gets the rid lines Chromium writes), and
 * the subscribing side its answer with nara_sdp_build_answer (recvonly).
 * DTLS roles follow the SDP: as answerer it says passive (see
 * load_peer_answer_offer); as offerer it becomes whatever the server's
 * answer leaves it. It does not pace,
 * count or signal anything.
 *
 * Threading: the tool's only thread.
 */
#include "peer.h"
#include "load.h"

#include "ice.h"
#include "sdp.h"
#include "srtp_session.h"

#include <string.h>

struct _LoadPeer {
  NaraIce *ice;
  NaraDtls *dtls;
  NaraDtlsContext *dtls_ctx;
  NaraSrtpSession *in, *out;
  LoadPeerCallbacks cb;
  gpointer user_data;
  gboolean remote_credentials, ice_connected, failed;
  guint session_version;
  guint64 session_id;
  NaraSdpRemote *remote; /* the last remote description, parsed */
};

static void fail(LoadPeer *peer, const char *reason)
{
  if (peer->failed)
    return;
  peer->failed = TRUE;
  if (peer->cb.failed)
    peer->cb.failed(peer, reason, peer->user_data);
}

static void on_keyframe_request(guint32 media_ssrc, gpointer user_data)
{
  LoadPeer *peer = user_data;
  if (peer->cb.keyframe_request)
    peer->cb.keyframe_request(peer, media_ssrc, peer->user_data);
}

static gboolean on_receive(guint8 *data, gsize len, gpointer user_data)
{
  LoadPeer *peer = user_data;
  NaraPacketKind kind = nara_packet_classify(data, len);
  NaraRtpHeader h;

  if (kind == NARA_PACKET_DTLS) {
    nara_dtls_receive(peer->dtls, data, len);
  } else if (kind == NARA_PACKET_RTP && peer->in) {
    if (nara_srtp_unprotect(peer->in, data, &len) && nara_rtp_parse(data, len, &h) && peer->cb.rtp)
      peer->cb.rtp(peer, data, len, &h, peer->user_data);
  } else if (kind == NARA_PACKET_RTCP && peer->in) {
    if (nara_srtp_unprotect_rtcp(peer->in, data, &len))
      nara_rtcp_for_each_keyframe_request(data, len, on_keyframe_request, peer);
  }
  return FALSE; /* libnice keeps consent itself */
}

static void on_ice_state(NaraIceState state, gpointer user_data)
{
  LoadPeer *peer = user_data;
  if (state == NARA_ICE_CONNECTED) {
    peer->ice_connected = TRUE;
    nara_dtls_start(peer->dtls); /* only a DTLS client acts on this */
  } else if (state == NARA_ICE_FAILED) {
    fail(peer, "ICE failed");
  }
}

static void on_dtls_send(const guint8 *data, gsize len, gpointer user_data)
{
  nara_ice_send(((LoadPeer *)user_data)->ice, data, len);
}

static void on_dtls_connected(const NaraDtlsKeys *k, gpointer user_data)
{
  LoadPeer *peer = user_data;
  g_autoptr(GError) error = NULL;
  peer->in = nara_srtp_session_new(k->profile, k->remote_key, k->remote_salt, TRUE, &error);
  if (peer->in)
    peer->out = nara_srtp_session_new(k->profile, k->local_key, k->local_salt, FALSE, &error);
  if (!peer->out) {
    fail(peer, error ? error->message : "SRTP set-up failed");
    return;
  }
  if (peer->cb.connected)
    peer->cb.connected(peer, peer->user_data);
}

static void on_dtls_failed(const char *reason, gpointer user_data)
{
  fail(user_data, reason);
}

LoadPeer *load_peer_new(NaraDtlsContext *dtls_ctx, const char *address, gboolean controlling,
                        const LoadPeerCallbacks *callbacks, gpointer user_data, GError **error)
{
  LoadPeer *peer = g_new0(LoadPeer, 1);
  const char *addresses[] = { address, NULL };
  NaraIceConfig config = { .addresses = addresses, .controlling = controlling };
  NaraIceCallbacks ice_cb = { on_receive, on_ice_state };
  NaraDtlsCallbacks dtls_cb = { on_dtls_send, on_dtls_connected, on_dtls_failed };

  peer->cb = *callbacks;
  peer->user_data = user_data;
  peer->dtls_ctx = dtls_ctx;
  peer->session_id = g_random_int() | ((guint64)g_random_int() << 31);
  peer->remote = g_new0(NaraSdpRemote, 1);
  /* The thread-default context is NULL for the global default one. */
  GMainContext *context = g_main_context_get_thread_default();
  if (!context)
    context = g_main_context_default();
  peer->ice = nara_ice_new(context, &config, &ice_cb, peer, error);
  if (!peer->ice) {
    load_peer_free(peer);
    return NULL;
  }
  peer->dtls = nara_dtls_new(dtls_ctx, context, &dtls_cb, peer);
  return peer;
}

void load_peer_free(LoadPeer *peer)
{
  if (!peer)
    return;
  if (peer->dtls)
    nara_dtls_free(peer->dtls);
  if (peer->ice)
    nara_ice_free(peer->ice);
  if (peer->in)
    nara_srtp_session_free(peer->in);
  if (peer->out)
    nara_srtp_session_free(peer->out);
  g_free(peer->remote);
  g_free(peer);
}

static void local_description(LoadPeer *peer, NaraSdpLocal *local, NaraDtlsSetup setup)
{
  *local = (NaraSdpLocal){
    .ice_ufrag = nara_ice_get_ufrag(peer->ice),
    .ice_pwd = nara_ice_get_pwd(peer->ice),
    .fingerprint = nara_dtls_context_fingerprint(peer->dtls_ctx),
    .setup = setup,
    .session_id = peer->session_id,
    .session_version = ++peer->session_version,
  };
}

/* The video m-line as Chromium offers simulcast (RFC 8851, 8853): no
 * a=ssrc (the server learns each layer's SSRC from the rid extension), the
 * mid, rid and repaired-rid extensions, a=rid per layer and the
 * a=simulcast list, smallest first. */
static char *add_simulcast(char *sdp)
{
  GString *lines = g_string_new(NULL);
  g_string_append_printf(lines, "a=extmap:%u urn:ietf:params:rtp-hdrext:sdes:mid\r\n",
                         LOAD_EXT_ID_MID);
  g_string_append_printf(lines, "a=extmap:%u urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n",
                         LOAD_EXT_ID_RID);
  g_string_append_printf(lines,
                         "a=extmap:%u urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n",
                         LOAD_EXT_ID_REPAIRED_RID);
  for (guint i = 0; i < LOAD_LAYERS; i++)
    g_string_append_printf(lines, "a=rid:%s send\r\n", load_layer_rids[i]);
  g_string_append(lines, "a=simulcast:send ");
  for (guint i = 0; i < LOAD_LAYERS; i++)
    g_string_append_printf(lines, "%s%s", i ? ";" : "", load_layer_rids[i]);
  g_string_append(lines, "\r\n");
  /* After the video's a=mid: the first thing its m-line says. */
  const char *at = strstr(sdp, "a=mid:1\r\n");
  GString *out = g_string_new(NULL);
  if (at) {
    at += strlen("a=mid:1\r\n");
    g_string_append_len(out, sdp, at - sdp);
    g_string_append(out, lines->str);
    g_string_append(out, at);
  } else {
    g_string_append(out, sdp);
  }
  g_string_free(lines, TRUE);
  g_free(sdp);
  return g_string_free(out, FALSE);
}

char *load_peer_create_offer(LoadPeer *peer, const char *name, const guint32 *ssrcs,
                             gboolean simulcast)
{
  NaraSdpOfferMedia media[2];
  NaraSdpLocal local;
  static const NaraSdpCodec opus
      = { LOAD_CLIP_PT_AUDIO, "opus", 48000, 2, "minptime=10;useinbandfec=1", 0, FALSE, FALSE, 0 };
  static const NaraSdpCodec vp8 = { LOAD_CLIP_PT_VIDEO, "VP8", 90000, 0, "", 0, FALSE, FALSE, 0 };

  memset(media, 0, sizeof media);
  for (guint i = 0; i < 2; i++) {
    NaraSdpOfferMedia *m = &media[i];
    g_snprintf(m->mid, sizeof m->mid, "%u", i);
    m->kind = i == 0 ? NARA_TRACK_AUDIO : NARA_TRACK_VIDEO;
    m->active = TRUE;
    m->codec = i == 0 ? opus : vp8;
    m->ssrc = ssrcs[i];
    g_strlcpy(m->stream_id, name, sizeof m->stream_id);
    g_snprintf(m->track_id, sizeof m->track_id, "%s-%s", name, i == 0 ? "audio" : "video");
  }
  if (simulcast)
    media[1].ssrc = 0;
  local_description(peer, &local, NARA_DTLS_SETUP_ACTPASS);
  char *sdp = nara_sdp_build_offer(media, 2, &local);
  return simulcast && sdp ? add_simulcast(sdp) : sdp;
}

/* Credentials, fingerprint and candidates of a remote description. */
static gboolean apply_remote(LoadPeer *peer, const char *sdp, GError **error)
{
  if (!nara_sdp_parse(sdp, peer->remote, error))
    return FALSE;
  if (!peer->remote_credentials) {
    if (!nara_ice_set_remote_credentials(peer->ice, peer->remote->ice_ufrag, peer->remote->ice_pwd,
                                         error))
      return FALSE;
    peer->remote_credentials = TRUE;
  }
  nara_dtls_set_remote_fingerprint(peer->dtls, peer->remote->fingerprint);
  for (guint i = 0; i < peer->remote->n_candidates; i++)
    if (!nara_ice_add_remote_candidate(peer->ice, peer->remote->candidates[i], error))
      return FALSE;
  return TRUE;
}

gboolean load_peer_apply_answer(LoadPeer *peer, const char *sdp, GError **error)
{
  if (!apply_remote(peer, sdp, error))
    return FALSE;
  /* RFC 5763 §5: the answerer's active makes us the DTLS server. */
  nara_dtls_set_role(peer->dtls, peer->remote->setup == NARA_DTLS_SETUP_ACTIVE
                                     ? NARA_DTLS_ROLE_SERVER
                                     : NARA_DTLS_ROLE_CLIENT);
  if (peer->ice_connected)
    nara_dtls_start(peer->dtls);
  return TRUE;
}

char *load_peer_answer_offer(LoadPeer *peer, const char *sdp, GError **error)
{
  NaraSdpLocal local;
  if (!apply_remote(peer, sdp, error))
    return NULL;
  /* Passive unless the offer insists on being passive itself: the server
   * then starts the handshake once its own ICE is up, while a ClientHello of
   * ours sent the moment our side sees ICE up may reach a server that drops
   * DTLS until its check completes (Janus does), and OpenSSL resends it only
   * after 1 s: that second would be the tool's, not the server's. */
  NaraDtlsSetup setup = peer->remote->setup == NARA_DTLS_SETUP_PASSIVE ? NARA_DTLS_SETUP_ACTIVE
                                                                       : NARA_DTLS_SETUP_PASSIVE;
  /* A repeated call (renegotiation) keeps the role the first one took. */
  nara_dtls_set_role(peer->dtls, setup == NARA_DTLS_SETUP_ACTIVE ? NARA_DTLS_ROLE_CLIENT
                                                                 : NARA_DTLS_ROLE_SERVER);
  if (peer->ice_connected)
    nara_dtls_start(peer->dtls);
  local_description(peer, &local, setup);
  return nara_sdp_build_answer(peer->remote, &local);
}

gboolean load_peer_add_remote_candidate(LoadPeer *peer, const char *candidate, GError **error)
{
  if (!candidate || !*candidate) {
    nara_ice_remote_candidates_done(peer->ice);
    return TRUE;
  }
  return nara_ice_add_remote_candidate(peer->ice, candidate, error);
}

const char *const *load_peer_local_candidates(LoadPeer *peer, guint *n)
{
  return nara_ice_get_local_candidates(peer->ice, n);
}

gboolean load_peer_is_connected(LoadPeer *peer)
{
  return peer->out != NULL && !peer->failed;
}

gboolean load_peer_send_rtp(LoadPeer *peer, guint8 *data, gsize len, gsize cap)
{
  if (!peer->out || peer->failed || !nara_srtp_protect(peer->out, data, &len, cap))
    return FALSE;
  return nara_ice_send(peer->ice, data, len);
}

gboolean load_peer_send_rtcp(LoadPeer *peer, guint8 *data, gsize len, gsize cap)
{
  if (!peer->out || peer->failed || !nara_srtp_protect_rtcp(peer->out, data, &len, cap))
    return FALSE;
  return nara_ice_send(peer->ice, data, len);
}
