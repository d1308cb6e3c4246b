/* media.h — Nara's SFU as the rest of the server sees it.
 *
 * The media module owns every peer connection's transport (ICE via libnice,
 * or ICE-lite on a shared socket per worker; DTLS via OpenSSL; SRTP) and the
 * packet path. It runs on a fixed pool of media worker threads; a room and
 * all of its peers live on one worker.
 * It knows nothing of WebSockets, JSON, sessions or who may do what: the
 * caller (signaling) decides which peer subscribes to which track.
 *
 * Threading: every function here is called on the control thread (the
 * GMainContext passed to nara_media_new()), and every callback is invoked
 * on that same thread, never on a worker. Work is posted to the room's
 * worker and results are posted back, so calls return at once.
 *
 * This header includes GLib only: signaling never sees GStreamer or libnice.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_MEDIA_ERROR (nara_media_error_quark())
GQuark nara_media_error_quark(void);

typedef enum {
  NARA_MEDIA_ERROR_CONFIG,   /* a configuration value is unusable */
  NARA_MEDIA_ERROR_BAD_SDP,  /* the remote description could not be used */
  NARA_MEDIA_ERROR_STATE,    /* the call does not fit the peer's current state */
  NARA_MEDIA_ERROR_INTERNAL, /* ICE/DTLS/SRTP set-up failed on our side */
} NaraMediaError;

#define NARA_MEDIA_ID_LEN 64 /* participant and track ids, including NUL */
#define NARA_MEDIA_MAX_TRACKS 64

typedef struct _NaraMedia NaraMedia;
typedef struct _NaraMediaRoom NaraMediaRoom;
typedef struct _NaraMediaPeer NaraMediaPeer;

typedef struct {
  guint workers;                 /* media worker threads; 0 = one per CPU the process may use */
  char **ice_addresses;          /* NULL-terminated; NULL or empty = every non-loopback interface */
  guint port_min, port_max;      /* UDP range for ICE host candidates; 0,0 = any (libnice only) */
  const char *announced_address; /* public address put in candidates for 1:1 NAT, or NULL */
  /* ICE-lite (RFC 8445 §2.5): one UDP socket per worker and address shared
   * by all its peers, answering the browsers' checks. Needs an address the
   * browsers can reach directly (or announced_address). FALSE: full ICE on
   * libnice, one socket per peer, for servers behind other NATs. */
  gboolean ice_lite;
  guint16 udp_port; /* ICE-lite: worker i listens on udp_port + i; 0 = ephemeral ports */
  /* Full ICE: networks ("10.0.0.0/8", "2001:db8::/32") remote candidates
   * may be in; NULL or empty: any but loopback, link-local, multicast and
   * unspecified, which are always refused. */
  const char *const *ice_remote_networks;
} NaraMediaConfig;

typedef enum {
  NARA_PEER_PUBLISH,   /* browser offers its tracks, server answers recvonly */
  NARA_PEER_SUBSCRIBE, /* server offers the room's tracks, browser answers */
} NaraPeerRole;

typedef enum {
  NARA_PEER_STATE_NEW,
  NARA_PEER_STATE_CONNECTING, /* ICE checking or DTLS handshaking */
  NARA_PEER_STATE_CONNECTED,  /* DTLS up, SRTP keys installed: media flows */
  NARA_PEER_STATE_FAILED,     /* ICE failed, consent lost or DTLS error; the peer is useless */
} NaraPeerState;

typedef enum {
  NARA_TRACK_AUDIO,
  NARA_TRACK_VIDEO,
} NaraTrackKind;

/* One published track. `id` is unique in the room (the media module makes it
 * from the publisher's participant id and mid); `stream_id` is the
 * publisher's participant id, so a subscriber's MediaStream id says whose
 * track it is. Plain value type: copy it freely. */
typedef struct {
  NaraTrackKind kind; /* first: the packet path reads it, not the ids */
  char id[NARA_MEDIA_ID_LEN];
  char stream_id[NARA_MEDIA_ID_LEN];
} NaraMediaTrack;

/* Upper bounds (ms) of the round-trip histogram's buckets; one more: +Inf. */
#define NARA_RTT_N_BUCKETS 8
#define NARA_RTT_BUCKETS_MS                                                                        \
  {                                                                                                \
    10, 25, 50, 100, 200, 400, 800, 1600                                                           \
  }

typedef struct {
  guint64 packets_in;        /* RTP packets received from publishers */
  guint64 packets_forwarded; /* RTP packets sent to subscribers, retransmissions included */
  guint64 bytes_forwarded;
  guint64 packets_dropped; /* malformed, failed unprotect, no route */
  guint64 srtp_failures;   /* SRTP/SRTCP unprotect failed (counted in packets_dropped too) */
  guint64 nacks_received;  /* sequence numbers subscribers asked to have retransmitted */
  guint64 rtx_sent;        /* retransmissions sent to subscribers */
  guint64 probe_packets;   /* copies probing subscribers' downlinks */
  guint64 nacks_sent;      /* sequence numbers Nara asked publishers for */
  guint64 plis_sent;       /* keyframe requests Nara sent publishers */
  guint64 keyframe_requests_received; /* PLI/FIR from subscribers */
  guint64 layer_switches;             /* a subscriber moved to another simulcast layer */
  guint64 temporal_dropped;           /* packets of temporal layers above what a subscriber takes */
  guint64 lost_upstream;   /* publishers' packets that never reached Nara (RFC 3550 counts) */
  guint64 lost_downstream; /* packets subscribers' Receiver Reports say they lost */
  /* Subscribers' round trip (Receiver Report after Nara's Sender Report):
   * samples per bucket of NARA_RTT_BUCKETS_MS (not cumulative; the last
   * is above the last bound), and their sum in µs. */
  guint64 rtt_buckets[NARA_RTT_N_BUCKETS + 1];
  guint64 rtt_sum_us;
  guint peers; /* open peer handles */
  guint rooms; /* open room handles */
  /* Worker-side room and peer objects not yet freed: they outlive their
   * handles until the worker has run the close, so these fall back to
   * match rooms and peers a moment after a close, unless something leaks. */
  guint live_rooms;
  guint live_peers;
  guint workers;
} NaraMediaStats;

/* Callbacks, all on the control thread, never after nara_media_peer_close(). */
typedef struct {
  /* type is "offer" (subscribe peers) or "answer" (publish peers). */
  void (*local_description)(NaraMediaPeer *peer, const char *type, const char *sdp,
                            gpointer user_data);
  /* A local ICE candidate as an SDP attribute value without "a=" ("candidate:…");
   * NULL candidate means end of candidates. The server's host candidates are
   * also in its SDP; these are the ones found later, if any. Every candidate
   * belongs to the one BUNDLE transport (the first m-line). */
  void (*local_candidate)(NaraMediaPeer *peer, const char *candidate, gpointer user_data);
  /* Publish peers: the tracks found in the applied offer (the full set, each time). */
  void (*tracks_published)(NaraMediaPeer *peer, const NaraMediaTrack *tracks, guint n_tracks,
                           gpointer user_data);
  void (*state_changed)(NaraMediaPeer *peer, NaraPeerState state, gpointer user_data);
  /* A remote description or candidate was rejected; nothing else changed. */
  void (*error)(NaraMediaPeer *peer, const GError *error, gpointer user_data);
  /* Subscribe peers: the subscriber's link cannot carry even the lowest
   * layer of a video (paused), or can again (resumed); audio goes on. */
  void (*video_paused)(NaraMediaPeer *peer, const char *track_id, gboolean paused,
                       gpointer user_data);
  /* Subscribe peers: the answer rejected a track's m-line, or answered it
   * without its codec ("VP8", "H264", "opus"): the subscriber's device
   * cannot decode it, so nothing is sent for it. Once per track offered. */
  void (*track_unplayable)(NaraMediaPeer *peer, const char *track_id, const char *codec,
                           gpointer user_data);
  /* Publish peers: which simulcast layers (rids, space-separated, in the
   * offer's order) of the track with this mid its client should send; the
   * others nobody takes and are paused at the source. On each change. */
  void (*send_layers)(NaraMediaPeer *peer, const char *track_id, const char *mid, const char *rids,
                      gpointer user_data);
} NaraMediaPeerCallbacks;

/* (transfer full) Starts the worker threads. control: the context callbacks run on. */
NaraMedia *nara_media_new(const NaraMediaConfig *config, GMainContext *control, GError **error);
/* Closes every peer and room, joins the workers, frees everything. */
void nara_media_free(NaraMedia *media);
/* A snapshot of counters (summed over workers, relaxed atomics). */
void nara_media_get_stats(NaraMedia *media, NaraMediaStats *stats);
/* A worker whose once-a-second tick has not run for this long is stuck. */
#define NARA_MEDIA_WORKER_STALL_US (5 * G_USEC_PER_SEC)
/* Control thread: FALSE once some worker's tick has not run for
 * NARA_MEDIA_WORKER_STALL_US, as far as the calls so far have seen (the
 * first call only takes note: ask again, e.g. at every /readyz). */
gboolean nara_media_workers_alive(NaraMedia *media);
/* SHA-256 fingerprint of the DTLS certificate, "AB:CD:…" (transfer none). */
const char *nara_media_fingerprint(NaraMedia *media);

/* (transfer full) A room placed on the least loaded worker. room_id is for logs. */
NaraMediaRoom *nara_media_room_new(NaraMedia *media, const char *room_id);
/* Closes the room's remaining peers (no more callbacks for them) and frees it. */
void nara_media_room_free(NaraMediaRoom *room);

/* (transfer full) A new peer connection in the room. participant_id (copied)
 * names the publisher of its tracks and appears in logs. callbacks is copied. */
NaraMediaPeer *nara_media_peer_new(NaraMediaRoom *room, NaraPeerRole role,
                                   const char *participant_id,
                                   const NaraMediaPeerCallbacks *callbacks, gpointer user_data);
/* Tears the peer down: its tracks stop being forwarded to anyone, no callback
 * runs after this returns. Subscribers of its tracks are not renegotiated by
 * media: the caller updates their subscriptions. */
void nara_media_peer_close(NaraMediaPeer *peer);

/* Publish peers take type "offer" and answer with local_description("answer");
 * subscribe peers take type "answer" to their last offer. Errors go to the
 * error callback and leave the peer as it was. */
void nara_media_peer_set_remote_description(NaraMediaPeer *peer, const char *type, const char *sdp);
/* candidate: "candidate:…" (with or without "a="); NULL or "" = end of
 * candidates. One BUNDLE transport: every candidate belongs to it. */
void nara_media_peer_add_remote_candidate(NaraMediaPeer *peer, const char *candidate);
/* Subscribe peers: the complete set of tracks this peer should receive.
 * Tracks keep their m-line while subscribed; removed tracks' m-lines become
 * inactive and are reused. Produces a new offer (local_description), one at
 * a time: changes made while an offer is unanswered are sent after the answer. */
void nara_media_peer_set_subscriptions(NaraMediaPeer *peer, const NaraMediaTrack *tracks,
                                       guint n_tracks);
/* Publish peers: stop (or resume) forwarding this peer's tracks of a kind,
 * whatever the client sends. */
void nara_media_peer_set_forwarding(NaraMediaPeer *peer, NaraTrackKind kind, gboolean forward);
/* Subscribe peers: ICE restart (new local credentials), then an offer that
 * carries them, as for a change of subscriptions. Tracks, SSRCs and DTLS
 * stay. Publish peers restart when the client's offer has new credentials. */
void nara_media_peer_restart_ice(NaraMediaPeer *peer);
/* Subscribe peers: the size (device pixels) the subscriber shows a track
 * at; 0x0: not shown. Nara sends no larger a layer than that needs. */
void nara_media_peer_set_view(NaraMediaPeer *peer, const char *track_id, guint width, guint height);
/* Publish peers: the participant signs (sign language): its video keeps
 * frame rate and gives up resolution first, and is served first. */
void nara_media_peer_set_signing(NaraMediaPeer *peer, gboolean signing);

G_END_DECLS
