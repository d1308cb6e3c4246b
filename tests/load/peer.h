/* peer.h — one client-side peer connection of the load tool, built from
 * Nara's own media pieces (media/ice.h, dtls.h, srtp_session.h, sdp.h, rtp.h).
 *
 * A publishing peer offers sendonly audio and video and applies the
 * server's answer; a subscribing peer answers the server's offer recvonly
 * (and again on every renegotiation). One ICE host candidate (127.0.0.1 by
 * default), trickled by the caller. It does no signaling and keeps no statistics.
 *
 * Threading: the tool's only thread (its GMainContext runs libnice too).
 */
#pragma once

#include "clip.h"
#include "dtls.h"
#include "rtp.h"

G_BEGIN_DECLS

typedef struct _LoadPeer LoadPeer;

typedef struct {
  void (*connected)(LoadPeer *peer, gpointer user_data);
  void (*failed)(LoadPeer *peer, const char *reason, gpointer user_data);
  /* An unprotected RTP packet (data may be modified). */
  void (*rtp)(LoadPeer *peer, guint8 *data, gsize len, const NaraRtpHeader *h, gpointer user_data);
  /* The server asked for a keyframe (PLI or FIR). */
  void (*keyframe_request)(LoadPeer *peer, guint32 media_ssrc, gpointer user_data);
} LoadPeerCallbacks;

/* (transfer full) controlling: TRUE for the offerer (publish). address: the
 * one host candidate's address. callbacks is copied; dtls_ctx is shared by
 * all peers and must outlive them. */
LoadPeer *load_peer_new(NaraDtlsContext *dtls_ctx, const char *address, gboolean controlling,
                        const LoadPeerCallbacks *callbacks, gpointer user_data, GError **error);
void load_peer_free(LoadPeer *peer);

/* (transfer full) A sendonly offer with one Opus and one VP8 m-line, no
 * candidates (trickle them). ssrcs: audio, video; name: msid stream id.
 * simulcast: the video as LOAD_LAYERS rid layers instead (no a=ssrc). */
char *load_peer_create_offer(LoadPeer *peer, const char *name, const guint32 *ssrcs,
                             gboolean simulcast);
gboolean load_peer_apply_answer(LoadPeer *peer, const char *sdp, GError **error);
/* (transfer full) The recvonly answer to a (re)offer, or NULL. */
char *load_peer_answer_offer(LoadPeer *peer, const char *sdp, GError **error);
/* candidate: "candidate:…" with or without "a="; NULL or "" = end of candidates. */
gboolean load_peer_add_remote_candidate(LoadPeer *peer, const char *candidate, GError **error);
const char *const *load_peer_local_candidates(LoadPeer *peer, guint *n);

gboolean load_peer_is_connected(LoadPeer *peer);
/* Protects data in place (cap >= len + NARA_SRTP_MAX_TAIL) and sends it. */
gboolean load_peer_send_rtp(LoadPeer *peer, guint8 *data, gsize len, gsize cap);
/* The same for a compound RTCP packet. */
gboolean load_peer_send_rtcp(LoadPeer *peer, guint8 *data, gsize len, gsize cap);

G_END_DECLS
