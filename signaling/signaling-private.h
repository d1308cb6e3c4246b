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

#include "histogram.h"
#include "signaling.h"
#include "store.h"
#include "token.h"

G_BEGIN_DECLS

typedef struct _NaraRoom NaraRoom;
typedef struct _NaraParticipant NaraParticipant;
typedef struct _NaraSession NaraSession;
typedef struct _NaraMember NaraMember;
typedef struct _NaraConsultation NaraConsultation;
typedef struct _NaraRegistry NaraRegistry;

/* base64url of 32 random bytes */
#define NARA_RESUME_SECRET_LEN 43

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
  char **allowed_origins;    /* config.allowed_origins points here (owned copy) */
  GHashTable *per_ip;        /* client address -> open WebSockets (GUINT_TO_POINTER) */
  char **turn_urls;          /* config.turn points here (owned copies) */
  char *turn_secret;
  /* drain.c: set once by nara_signaling_drain, never cleared. */
  gboolean draining;
  gboolean drain_warned; /* the deadline is near: joiners are told at once */
  gint64 drain_deadline_us;
  gboolean drain_zero; /* drain_secs 0: close and stop at once */
  guint drain_warning_source, drain_deadline_source, drain_empty_source, drain_final_source;
  GSourceFunc drain_on_empty;
  gpointer drain_on_empty_data;
  /* telemetry.c: for /metrics. */
  NaraHistogram join_seconds;  /* join request to joined or waiting */
  NaraHistogram store_seconds; /* a store call made for a session, to its answer */
  GHashTable *resumable;       /* resume secret (the participant's) -> NaraParticipant* */
  NaraAuditSummary *refusals;  /* failed join tokens, per address and minute (audit.c) */
  NaraRegistry *registry;      /* the cluster's (registry.c), NULL: a single node */
  guint checks_live;           /* media checks running now (handlers_check.c) */
};

typedef enum {
  NARA_SESSION_NEW,     /* no hello yet */
  NARA_SESSION_HELLO,   /* welcomed, not in a room */
  NARA_SESSION_WAITING, /* in a consultation's waiting room: a member, no participant */
  NARA_SESSION_JOINED,  /* has a participant */
  NARA_SESSION_DONE,    /* left or being closed: input is ignored */
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
  NaraMember *member; /* consultations: who this session is (waiting or joined), or NULL */
  char *peer_ip;      /* key of sig->per_ip this session counts under (owned) */
  gint64 opened_us;   /* for the hello deadline */
  gint64 last_rx_us;  /* latest message or pong from the client */
  gboolean pinged;    /* a ping went out since last_rx_us */
  gboolean ping_due;  /* send a ping at the next SERVER_WRITEABLE */
  char *lang;         /* join's "lang", a BCP 47 tag for the roster, or NULL (owned) */

  gboolean drain_told;    /* drain.c: this session has the deadline */
  gint64 join_started_us; /* telemetry.c: when its join arrived, 0: none pending */
  /* resume.c: the socket is gone, the participant stays for the grace
   * window; frames queue in `out` until a resume takes them. */
  gboolean detached;
  gboolean no_resume;    /* dropped for a fault of its own (queue full, flood) */
  guint grace_source;    /* GLib timeout ending the grace window, 0: none */
  NaraMember *second_of; /* consultations: a second device of this member, waiting */
  /* handlers_status.c: static strings of the catalogue's value lists, NULL: not said */
  const char *precheck[3]; /* camera, microphone, network */
  const char *quality;
  /* handlers_check.c: the pre-call media check */
  guint check_source; /* ends the running check, 0: none */
  guint checks;       /* checks this session started */
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
  gboolean offered;        /* a publish offer went to media: its candidates may follow */
  guint revision;          /* revision of the last subscribe offer sent */
  gboolean answer_pending; /* a subscribe answer was handed to media */
  gint64 answer_id;        /* its request id, -1: none */
  guint candidates[2];     /* trickled by the client on publish [0] and subscribe [1] */
  NaraMember *member;      /* consultations: role, host mutes; NULL in open rooms */
  gint64 rtt_window_us;    /* real-time text: start of the current one-second window */
  guint rtt_in_window;     /* rtt messages relayed in it (handlers_rtt.c) */
  char resume_secret[NARA_RESUME_SECRET_LEN + 1]; /* key of sig->resumable; never logged */
  char *last_offer; /* the latest subscribe offer, sent again on resume while unanswered */
  char screen_track[NARA_MEDIA_ID_LEN]; /* the published screen share's track id, "": none */
  gboolean hand_raised;                 /* raise-hand (interpreters.c) */
};

struct _NaraRoom {
  NaraSignaling *sig;
  char *name; /* open rooms: the name; consultations: "c:" + id, unreachable from /r/NAME */
  NaraMediaRoom *media_room;
  GPtrArray *participants;        /* NaraParticipant*, in join order (owned) */
  NaraConsultation *consultation; /* (owned) NULL: an open room */
};

/* A person of a consultation (a store participant) who has had a session in
 * its room since the room was made. Kept after they leave, so a host mute
 * survives a reload of the page; freed with the room. */
struct _NaraMember {
  char id[NARA_STORE_ID_LEN]; /* the store's participant id, also the protocol id */
  char *name;
  NaraRole role;
  char *assurance;        /* acr of the token, or NULL */
  NaraRoom *room;         /* the consultation's room */
  NaraSession *session;   /* the live session, waiting or joined, or NULL */
  gint64 waiting_since;   /* real time, microseconds; 0: not waiting */
  gboolean host_muted[2]; /* by NaraTrackKind: forwarding stopped by a host */
  NaraSession *second;    /* the same link from a second device, waiting, or NULL */
  gint64 second_since;    /* real time, microseconds */
  gboolean share_allowed; /* a host allowed this member to share a screen (allow-share) */
  /* interpreters.c: from the booking (once), signing also from set-signing */
  gboolean booked;
  char **languages; /* BCP 47 tags, NULL: none booked (owned) */
  gboolean signing;
};

struct _NaraConsultation {
  char id[NARA_STORE_ID_LEN];
  char *title;
  gboolean locked;
  guint auto_admit;    /* as in the store: bit (1 << NaraRole) */
  gint64 ends_at;      /* scheduled end, unix seconds: bounds its TURN credentials */
  GHashTable *members; /* id -> NaraMember* (owned) */
  GPtrArray *waiting;  /* NaraMember* waiting, oldest first */
};

/* signaling.c: the session no longer counts towards its address' limit. */
void nara_signaling_uncount_session(NaraSignaling *sig, NaraSession *session);

/* session.c */
/* wsi NULL: a session without a socket, for tests (tests/fuzz/fuzz_dispatch.c):
 * frames stay in `out` for the caller to take, and closing only sets
 * close_code. Feed it with nara_dispatch, end it with nara_session_closed. */
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
/* The session's timer fired: closes with 1008 if hello is overdue, drops
 * a client silent for ws_timeout_secs, asks for a ping after ws_ping_secs.
 * Returns microseconds until it should run again, 0: never. */
gint64 nara_session_timer(NaraSession *session);
/* A message or a pong came: the client is alive. */
void nara_session_alive(NaraSession *session);
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

/* screenshare.c: who may share a screen, and which track is the screen */
/* Open rooms: anyone; consultations: the role, or a host's allow-share. */
gboolean nara_participant_may_share(NaraParticipant *p);
/* Checks a publish's "screen" field and SDP against the sender's right to
 * share and records its screen track; FALSE: an error was sent and nothing
 * changed. */
gboolean nara_screen_check_publish(NaraSession *session, json_t *msg, json_t *id);
/* FALSE for a screen track its publisher may no longer share: nobody
 * receives it, nobody is told of it. */
gboolean nara_track_forwarded(NaraParticipant *p, const NaraMediaTrack *track);
/* nara_track_to_json plus "screen": true for p's screen track. (transfer full) */
json_t *nara_participant_track_json(NaraParticipant *p, const NaraMediaTrack *track);
/* A host changed m's allow-share: tells m, and starts or stops forwarding
 * a screen m already publishes. */
void nara_screen_permission_changed(NaraMember *m);

/* handlers_session.c: hello, join, leave, ping, chat, mute */
/* The iceServers of the session's joined in room: its own TURN credential,
 * valid until nara_turn_expiry(); [] without TURN. (transfer full) */
json_t *nara_session_ice_servers(NaraSession *session, NaraRoom *room);
void nara_handle_hello(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_join(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_leave(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_ping(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_chat(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_mute(NaraSession *session, json_t *msg, json_t *id);

/* handlers_join_token.c: join with a token (called by nara_handle_join) */
void nara_handle_join_token(NaraSession *session, json_t *msg, json_t *id);

/* handlers_host.c: the host's requests (docs/protocol.md, "Consultations") */
void nara_handle_admit(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_decline(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_admit_all(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_host_mute(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_remove(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_readmit(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_lock(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_end(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_allow_share(NaraSession *session, json_t *msg, json_t *id);

/* handlers_status.c: precheck and quality (docs/protocol.md) */
void nara_handle_precheck(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_quality(NaraSession *session, json_t *msg, json_t *id);
/* Adds "precheck" and "quality" to obj (a participant or a waiting person)
 * when session has said them; session may be NULL. */
void nara_status_add_json(const NaraSession *session, json_t *obj);
extern const char *const nara_precheck_device_values[];
extern const char *const nara_precheck_network_values[];
extern const char *const nara_quality_values[];

/* handlers_media.c: publish, answer, candidate, and media's callbacks */
void nara_handle_publish(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_answer(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_candidate(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_view(NaraSession *session, json_t *msg, json_t *id);
/* (transfer none) callbacks whose user_data is the NaraParticipant. */
const NaraMediaPeerCallbacks *nara_media_glue_callbacks(void);

/* handlers_check.c: the pre-call media check of a consultation's link */
void nara_handle_media_check(NaraSession *session, json_t *msg, json_t *id);
/* The session is freed: its running check (if any) stops counting. */
void nara_check_forget(NaraSession *session);

/* handlers_rtt.c: real-time text, relayed and never kept */
void nara_handle_rtt(NaraSession *session, json_t *msg, json_t *id);

/* room.c */
gboolean nara_room_name_valid(const char *name);
/* (transfer none) The open room, created if needed; NULL with *code set when not allowed. */
NaraRoom *nara_room_lookup_or_create(NaraSignaling *sig, const char *name, const char **code);
/* (transfer none) The room "c:" + stored->id, created (empty) if needed,
 * its title, lock and auto-admit refreshed from stored; NULL with *code
 * "too-many-rooms". Not checked for fullness: waiting takes no seat. */
NaraRoom *nara_room_lookup_or_create_consultation(NaraSignaling *sig,
                                                  const NaraStoreConsultation *stored,
                                                  const char **code);
/* (transfer none) The consultation's live room, or NULL. */
NaraRoom *nara_room_lookup_consultation(NaraSignaling *sig, const char *consultation_id);
gboolean nara_room_is_full(NaraRoom *room);
/* (transfer none) Adds a participant (and its two media peers) to room.
 * member: NULL in open rooms (a fresh "pN" id), else its id is used. */
NaraParticipant *nara_room_add(NaraRoom *room, NaraSession *session, const char *name,
                               NaraMember *member);
/* Adds the session to room and sends what a join sends: `joined` to it
 * (echoing id; id NULL for the unsolicited one after admission), then
 * participant-joined to the others, then the waiting list if its role may
 * see it. The caller checked that the room has a seat. */
NaraParticipant *nara_room_enter(NaraRoom *room, NaraSession *session, json_t *id, const char *name,
                                 NaraMember *member);
/* Removes and frees p: closes its peers, updates everyone's subscriptions,
 * tells the others (track-removed, participant-left with reason), frees an
 * idle room (nobody in it, nobody waiting). */
void nara_room_remove(NaraParticipant *p, const char *reason);
/* Frees room if nobody is in it or waiting for it. TRUE if it was freed. */
gboolean nara_room_free_if_idle(NaraRoom *room);
/* Steals msg; except may be NULL. */
void nara_room_broadcast(NaraRoom *room, json_t *msg, NaraParticipant *except);
/* (transfer full) {"id","name","role","assurance","audioMuted","videoMuted","tracks"}
 * (+ "audioMutedByHost","videoMutedByHost" in consultations) */
json_t *nara_participant_to_json(NaraParticipant *p);
/* (transfer full) {"id","kind"} */
json_t *nara_track_to_json(const NaraMediaTrack *track);
/* The publish peer's tracks changed: events and subscriptions follow. */
void nara_participant_set_tracks(NaraParticipant *p, const NaraMediaTrack *tracks, guint n);
void nara_room_free(NaraRoom *room);

/* telemetry.c */
/* A join request arrived (dispatch) / was answered with joined or waiting. */
void nara_telemetry_join_started(NaraSession *session);
void nara_telemetry_join_answered(NaraSession *session);

/* drain.c */
/* Removes the drain's timers (signaling teardown). */
void nara_drain_stop(NaraSignaling *sig);

/* consultation.c: the live consultation attached to a room */
/* (transfer full) A consultation with no members yet, from the store's copy. */
NaraConsultation *nara_consultation_new(const NaraStoreConsultation *stored);
void nara_consultation_free(NaraConsultation *c);
/* Takes title, lock and auto-admit from the store's copy. */
void nara_consultation_refresh(NaraConsultation *c, const NaraStoreConsultation *stored);
/* (transfer none) The member with this id, created from the arguments if
 * new; name and assurance of an existing one are updated (a new token). */
NaraMember *nara_consultation_member(NaraRoom *room, const char *id, const char *name,
                                     NaraRole role, const char *assurance);
/* Puts the member's session in the waiting room and tells the hosts. */
void nara_consultation_wait(NaraMember *m);
/* Takes the member off the waiting list (it stays a member) and tells the hosts. */
void nara_consultation_unwait(NaraMember *m);
/* Sends the waiting list to every participant whose role may see it, or
 * only to `to` when not NULL (if its role may see it). */
void nara_consultation_send_waiting_list(NaraRoom *room, NaraParticipant *to);
/* Moves a waiting member into the call: status admitted, then an
 * unsolicited joined; media peers are made now. The caller checked for a seat. */
void nara_consultation_admit(NaraMember *m);
/* Sends status to the member's session and closes it (1000); a participant
 * leaves with leave_reason, a waiting one leaves the list. The room may be
 * freed by this (when it was the last one). */
void nara_consultation_kick(NaraMember *m, const char *status, const char *leave_reason);
/* Every live session of the room gets status (e.g. "ended") and is closed;
 * the room is freed. */
void nara_consultation_close_all(NaraRoom *room, const char *status);
/* The session of m went away (left, disconnected): detaches it and writes
 * the audit record "leave" with reason when it was in the call. */
void nara_consultation_session_gone(NaraSession *session, const char *reason);
/* Applies the host mute of kind (or its end) to the member's publish peer,
 * if the member is in the call. */
void nara_consultation_apply_forwarding(NaraMember *m, NaraTrackKind kind);
/* (transfer full) {"id","title","locked"} */
json_t *nara_consultation_to_json(NaraConsultation *c);

/* resume.c: sessions that outlive their socket (docs/protocol.md, "Resume") */
/* The socket of a joined session closed without leave: keeps the session
 * for the grace window and tells the others; FALSE when it may not stay
 * (then the caller ends it as before). */
gboolean nara_resume_detach(NaraSession *session);
/* Ends a session for good: leaves the room ("disconnected"), frees it. */
void nara_resume_end(NaraSession *session);
/* A new resume secret for p (an old one is forgotten); returns it. */
const char *nara_resume_issue(NaraParticipant *p);
/* p is freed: its secret no longer resumes anything. */
void nara_resume_forget(NaraParticipant *p);
void nara_handle_resume(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_restart_ice(NaraSession *session, json_t *msg, json_t *id);

/* signaling.c: a live socket's session is taken over by a resume: the
 * socket is cut and no longer knows the session. */
void nara_signaling_release_socket(NaraSignaling *sig, NaraSession *session);

/* consultation.c: a second device's admission replaces the first; its
 * decline closes only the second device. */
void nara_consultation_decline(NaraMember *m);
/* A session with the link of a member in the call waits as its second device. */
void nara_consultation_wait_second(NaraMember *m, NaraSession *session);

/* audit.c: one audit record per event (docs/consultations.md) */
/* actor/subject: NULL when absent. The record's assurance is the subject's,
 * or the actor's when there is no subject. A failed write is logged: the
 * call goes on (the store's own errors say why). */
void nara_audit_members(NaraSignaling *sig, const char *event, const char *consultation,
                        const NaraMember *actor, const NaraMember *subject, const char *outcome,
                        const char *detail);
/* The same, from plain values (join attempts before there is a member). */
void nara_audit(NaraSignaling *sig, const NaraAuditRecord *record);
/* Writes record, then (once it is durable, or failed and logged) answers
 * the session, if it is still there, with error code and message:
 * a refusal is never seen before its record is kept. */
void nara_audit_then_error(NaraSession *session, json_t *id, const NaraAuditRecord *record,
                           const char *code, const char *message);

/* store_wait.c: what a store call keeps of the session that made it. The
 * session may close before the store answers; the handle then finds
 * nothing (the store is flushed before signaling is freed). */
typedef struct {
  NaraSignaling *sig;
  NaraSession *session; /* compared, dereferenced only once found live */
  guint64 serial;
  json_t *id;        /* the request's id (owned), or NULL */
  gint64 started_us; /* for the store latency histogram; 0 once observed */
} NaraSessionWait;

void nara_session_wait_init(NaraSessionWait *w, NaraSession *session, json_t *id);
/* (transfer none) The session if it is still open, else NULL. */
NaraSession *nara_session_wait_get(NaraSessionWait *w);
void nara_session_wait_clear(NaraSessionWait *w);

/* interpreters.c: languages, signing, raised hands (docs/protocol.md) */
/* Takes languages and signing from the member's booking, the first time. */
void nara_interp_booked(NaraMember *m, const NaraStoreParticipant *sp);
/* Adds "languages", "signing" (m may be NULL: none) and, with p,
 * "handRaised" to obj (a participant or a waiting person). */
void nara_interp_add_json(const NaraMember *m, const NaraParticipant *p, json_t *obj);
/* Tells media whether p's published video is someone signing. */
void nara_interp_apply_signing(NaraParticipant *p);
/* TRUE for members a host should admit before the others (interpreters). */
gboolean nara_interp_waits_first(const NaraMember *m);
void nara_handle_raise_hand(NaraSession *session, json_t *msg, json_t *id);
void nara_handle_set_signing(NaraSession *session, json_t *msg, json_t *id);

G_END_DECLS
