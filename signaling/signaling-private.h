/* signaling-private.h — the signaling module's internal types.
 *
 * Sessions (one per WebSocket), rooms and participants, and the functions
 * the module's files call on each other. Nothing here is seen by server/.
 *
 * Threading: everything runs on the control thread (the GLib main loop
 * libwebsockets and media callbacks run on); no locks.
 */
#pragma once

#include <jansson.h>

#include "signaling.h"

G_BEGIN_DECLS

typedef struct _NaraRoom NaraRoom;
typedef struct _NaraParticipant NaraParticipant;
typedef struct _NaraSession NaraSession;

/* Outgoing frame: serialized once, shared by every session it is sent to
 * (refcounted with g_rc_box), with LWS_PRE bytes of headroom for lws_write. */
typedef struct {
  gsize len;
  unsigned char data[]; /* LWS_PRE headroom, then len bytes of JSON */
} NaraOutMsg;

struct _NaraSignaling {
  NaraSignalingConfig config;
  NaraMedia *media;
  struct lws_protocols protocol;
  GHashTable *rooms;    /* name -> NaraRoom* (owned) */
  GHashTable *sessions; /* set of NaraSession* (owned) */
  guint64 next_participant;
  guint64 next_session;
  NaraStore *store;          /* NULL: consultations disabled (not owned) */
  NaraTokenVerifier *tokens; /* (not owned) */
};

typedef enum {
  NARA_SESSION_NEW,    /* no hello yet */
  NARA_SESSION_HELLO,  /* welcomed, not in a room */
  NARA_SESSION_JOINED, /* has a participant */
  NARA_SESSION_DONE,   /* left or being closed: input is ignored */
} NaraSessionState;

struct _NaraSession {
  NaraSignaling *sig;
  struct lws *wsi;
  guint64 serial; /* "s<serial>" in logs until the session has a participant id */
  NaraSessionState state;
  GByteArray *rx; /* fragments of the message being received */
  GQueue out;     /* NaraOutMsg refs, oldest first */
  int close_code; /* non-zero: close with this code once `out` is drained */
  const char *close_reason;
  gboolean killed;
  double tokens; /* rate limit bucket */
  gint64 refill_us;
  guint strikes; /* consecutive rate-limited messages */
  double abuse;  /* dropped messages, leaking away at the allowed rate */
  NaraParticipant *participant;
};

struct _NaraParticipant {
  char id[NARA_MEDIA_ID_LEN];
  char *name;
  NaraRoom *room;
  NaraSession *session;
  gboolean audio_muted, video_muted;
  NaraMediaPeer *publish, *subscribe;
  GArray *tracks;          /* NaraMediaTrack this participant publishes */
  GArray *subscribed;      /* NaraMediaTrack last given to set_subscriptions */
  gint64 publish_id;       /* id of the publish awaiting its answer, -1: none */
  guint revision;          /* revision of the last subscribe offer sent */
  gboolean answer_pending; /* a subscribe answer was handed to media */
  gint64 answer_id;        /* its request id, -1: none */
};

struct _NaraRoom {
  NaraSignaling *sig;
  char *name;
  NaraMediaRoom *media_room;
  GPtrArray *participants; /* NaraParticipant*, in join order (owned) */
};

/* session.c */
NaraSession *nara_session_new(NaraSignaling *sig, struct lws *wsi);
/* The socket closed: leaves the room (reason "disconnected" unless it left) and frees. */
void nara_session_closed(NaraSession *session);
/* Detaches from lws without touching it (signaling freed before the socket). */
void nara_session_free(NaraSession *session);
const char *nara_session_log_id(NaraSession *session);
/* (transfer none) msg: the reply is serialized now, msg is not stolen. */
void nara_session_send(NaraSession *session, json_t *msg);
/* Steals msg. */
void nara_session_send_new(NaraSession *session, json_t *msg);
void nara_session_send_out(NaraSession *session, NaraOutMsg *out);
/* id: the request's id (NULL or json null: absent). */
void nara_session_send_error(NaraSession *session, json_t *id, const char *code,
                             const char *message);
void nara_session_send_ok(NaraSession *session, json_t *id);
/* Sends what is queued, then closes with code (1000, 1008, ...). */
void nara_session_close(NaraSession *session, int code, const char *reason);
/* Consumes a rate limit token; FALSE when the bucket is empty. */
gboolean nara_session_take_token(NaraSession *session);
/* lws callbacks. Return non-zero to close the connection. */
int nara_session_receive(NaraSession *session, struct lws *wsi, const void *in, gsize len);
int nara_session_writeable(NaraSession *session);

/* json.c */
/* (transfer full) The parsed object, or NULL: not UTF-8, too deep, not an object. */
json_t *nara_json_parse(const char *data, gsize len, guint max_depth, GError **error);
/* (transfer full) refcounted frame of msg (not stolen). */
NaraOutMsg *nara_json_frame(json_t *msg);
NaraOutMsg *nara_out_msg_ref(NaraOutMsg *out);
void nara_out_msg_unref(NaraOutMsg *out);
/* (transfer full) now, UTC, ISO 8601 to the second ("2026-11-23T19:30:00Z"). */
char *nara_json_now_iso8601(void);
/* An integer request id in range, or NULL. (transfer none) */
json_t *nara_json_request_id(json_t *msg);

/* dispatch.c */
void nara_dispatch(NaraSession *session, const char *data, gsize len);

/* handlers_session.c: hello, join, leave, ping, chat, mute */
void nara_handle_hello(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_join(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_leave(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_ping(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_chat(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_mute(NaraSession *session, json_t *msg, json_t *id);

/* handlers_media.c: publish, answer, candidate, and media's callbacks */
void nara_handle_publish(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_answer(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_candidate(NaraSession *session, json_t *msg, json_t *id);
/* (transfer none) callbacks whose user_data is the NaraParticipant. */
const NaraMediaPeerCallbacks *nara_media_glue_callbacks(void);

/* room.c */
gboolean nara_room_name_valid(const char *name);
/* (transfer none) The room, created if needed; NULL with *code set when not allowed. */
NaraRoom *nara_room_lookup_or_create(NaraSignaling *sig, const char *name, const char **code);
/* (transfer none) Adds a participant (and its two media peers) to room. */
NaraParticipant *nara_room_add(NaraRoom *room, NaraSession *session, const char *name);
/* Removes and frees p: closes its peers, updates everyone's subscriptions,
 * tells the others (track-removed, participant-left with reason), frees an
 * empty room. */
void nara_room_remove(NaraParticipant *p, const char *reason);
/* Steals msg; except may be NULL. */
void nara_room_broadcast(NaraRoom *room, json_t *msg, NaraParticipant *except);
/* (transfer full) {"id","name","audioMuted","videoMuted","tracks"} */
json_t *nara_participant_to_json(NaraParticipant *p);
/* (transfer full) {"id","kind"} */
json_t *nara_track_to_json(const NaraMediaTrack *track);
/* The publish peer's tracks changed: events and subscriptions follow. */
void nara_participant_set_tracks(NaraParticipant *p, const NaraMediaTrack *tracks, guint n);
void nara_room_free(NaraRoom *room);

G_END_DECLS
