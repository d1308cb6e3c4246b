/* peer.h — private: the two halves of a peer connection.
 *
 * NaraMediaPeer is the control-side handle given to the caller (callbacks,
 * the closed flag); NaraPeerCore is the worker-side connection (ICE, DTLS,
 * SRTP, the publish tracks or subscribe slots). They meet only through
 * posted work: commands carry the core to the worker, events carry a
 * reference to the handle back to the control thread.
 *
 * Threading: fields of NaraMediaPeer are control-thread only, except that
 * nara_media_peer_emit_*() may be called on a worker (they copy and post).
 * NaraPeerCore is worker-only after nara_peer_core_new().
 */
#pragma once

#include <glib.h>

#include "dtls.h"
#include "ice.h"
#include "media.h"
#include "room.h"
#include "sdp.h"
#include "srtp_session.h"
#include "transport.h"
#include "twcc.h"

G_BEGIN_DECLS

struct _NaraMediaPeer {
  NaraMedia *media;
  NaraMediaRoom *room;
  NaraPeerCore *core; /* passed to the worker in commands, never dereferenced here */
  NaraPeerRole role;
  char participant_id[NARA_MEDIA_ID_LEN];
  NaraMediaPeerCallbacks callbacks;
  gpointer user_data;
  GMainContext *control;
  gboolean closed;
};

/* Refcounting of the handle (g_atomic_rc_box): queued events hold a ref. */
NaraMediaPeer *nara_media_peer_ref(NaraMediaPeer *peer);
void nara_media_peer_unref(NaraMediaPeer *peer);

/* Worker → control. Each copies its arguments and posts; the callback runs
 * later on the control thread unless the handle was closed by then. */
void nara_media_peer_emit_description(NaraMediaPeer *peer, const char *type, const char *sdp);
void nara_media_peer_emit_candidate(NaraMediaPeer *peer, const char *candidate);
void nara_media_peer_emit_tracks(NaraMediaPeer *peer, const NaraMediaTrack *tracks, guint n);
void nara_media_peer_emit_state(NaraMediaPeer *peer, NaraPeerState state);
void nara_media_peer_emit_error(NaraMediaPeer *peer, const GError *error);
void nara_media_peer_emit_video_paused(NaraMediaPeer *peer, const char *track_id, gboolean paused);
void nara_media_peer_emit_track_unplayable(NaraMediaPeer *peer, const char *track_id,
                                           const char *codec);
/* rids: the layers of the track (m-line mid) to send, space-separated. */
void nara_media_peer_emit_send_layers(NaraMediaPeer *peer, const char *track_id, const char *mid,
                                      const char *rids);

#define NARA_PEER_MAX_PENDING_DTLS 16

/* The fields every packet reads come first, in two cache lines: another
 * server on the core evicts them between wake-ups, and the core is 23 KiB. */
struct _NaraPeerCore {
  NaraRoomCore *room;
  NaraPeerRole role;
  NaraPeerState state;
  NaraTransport *transport; /* libnice (ice.c) or ICE-lite on the worker mux (lite.c) */
  NaraSrtpSession *srtp_in, *srtp_out;
  guint8 track_used[NARA_SDP_MAX_MEDIA]; /* publish: tracks[i] is negotiated */
  gboolean forward[2];                   /* publish: by NaraTrackKind */
  guint8 mid_ext_id;                     /* publish */
  guint8 twcc_ext_id;                    /* transport-cc negotiated (either role), 0 if not */
  NaraTwcc *twcc;                        /* publish: arrivals to report, with twcc_ext_id */
  guint8 rid_ext_id, rrid_ext_id;        /* publish: rtp-stream-id, repaired-rtp-stream-id */
  NaraDownlink *downlink;                /* subscribe: the link's estimate */

  NaraMediaPeer *handle; /* a reference, for events */
  char participant_id[NARA_MEDIA_ID_LEN];
  guint32 local_ssrc; /* sender SSRC of our RTCP */
  NaraDtls *dtls;
  gboolean remote_set; /* credentials, role and fingerprint applied */
  char remote_ufrag[NARA_SDP_TOKEN_LEN];
  GPtrArray *early_candidates; /* char*, trickled before the remote description */
  gboolean early_candidates_done;
  GPtrArray *pending_dtls; /* GBytes*, DTLS records sent before ICE had a pair */
  guint64 session_id;
  guint session_version;

  /* Publish */
  NaraPubTrack tracks[NARA_SDP_MAX_MEDIA];
  gint64 twcc_due_us; /* next transport-cc feedback, while arrivals wait */

  /* Subscribe */
  GPtrArray *slots; /* NaraSubSlot* */
  NaraMediaTrack *wanted;
  guint n_wanted;
  gboolean offer_outstanding;
  gboolean offer_pending;    /* set_subscriptions came while waiting for an answer */
  GHashTable *ssrc_by_track; /* track id → output SSRC, stable per subscriber */
  NaraView views[NARA_SDP_MAX_MEDIA];
  gint64 rtt_us;            /* from Receiver Reports, smoothed; 0 until one */
  gboolean playout_lossy;   /* playout.c: the downlink loses enough to hold frames */
  guint16 playout_min_10ms; /* what is asked of the receiver now, 0: nothing */
  gboolean layers_lossy;    /* simulcast.c: the downlink loses too much for the largest layer */
  gboolean signing;         /* publish: the participant signs (frame rate first) */
};

/* (transfer full) Control thread: allocation only; takes a ref on handle. */
NaraPeerCore *nara_peer_core_new(NaraRoomCore *room, NaraMediaPeer *handle);
/* The rest on the worker. start creates ICE and gathers; close tears
 * everything down and frees the core. */
void nara_peer_core_start(NaraPeerCore *core);
void nara_peer_core_close(NaraPeerCore *core);
void nara_peer_core_set_remote_description(NaraPeerCore *core, const char *type, const char *sdp);
void nara_peer_core_add_remote_candidate(NaraPeerCore *core, const char *candidate);
void nara_peer_core_set_subscriptions(NaraPeerCore *core, const NaraMediaTrack *tracks, guint n);
void nara_peer_core_set_forwarding(NaraPeerCore *core, NaraTrackKind kind, gboolean forward);
/* Subscribe: new ICE credentials and an offer carrying them (after the
 * outstanding one is answered, if any). */
void nara_peer_core_restart_ice(NaraPeerCore *core);
void nara_peer_core_set_view(NaraPeerCore *core, const char *track_id, guint width, guint height);

/* Between peer.c and subscribe.c (the subscribe side of negotiation), on
 * the worker. */
/* Logs error, reports it to the control thread and frees it. */
void nara_peer_core_emit_error(NaraPeerCore *core, GError *error);
guint32 nara_peer_core_random_ssrc(void);
/* An ICE restart brings a failed peer whose DTLS is up back to life. */
void nara_peer_core_revive(NaraPeerCore *core);
/* The remote description's ICE credentials, candidates and DTLS role. */
gboolean nara_peer_core_apply_transport(NaraPeerCore *core, const NaraSdpRemote *remote,
                                        GError **error);
/* What every local description carries: ICE, DTLS, session version. */
void nara_peer_core_fill_local(NaraPeerCore *core, NaraSdpLocal *local, NaraDtlsSetup setup);
void nara_peer_core_subscribe_answer(NaraPeerCore *core, const char *sdp);
void nara_peer_core_set_signing(NaraPeerCore *core, gboolean signing);

/* Packet-path helpers for room.c. */
gboolean nara_peer_core_can_send(NaraPeerCore *core);
/* Protects (RTCP) in place in a buffer of cap bytes and sends. */
gboolean nara_peer_core_send_rtcp(NaraPeerCore *core, guint8 *data, gsize len, gsize cap);
/* At most one line per second per peer. */

G_END_DECLS
