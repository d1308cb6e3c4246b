/* outgoing.h — one constructor per message the server sends.
 *
 * Each event's JSON is built here and nowhere else, so its shape is in one
 * place (docs/protocol.md documents it). Every function returns a new
 * object (transfer full) for nara_session_send_new or nara_room_broadcast.
 * json_t arguments documented as stolen are consumed even on failure; an
 * `id` is the request's (transfer none; NULL or json null: none).
 *
 * Threading: any thread (pure functions); used on the control thread.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* Every type the server sends, NULL-terminated. */
extern const char *const nara_outgoing_types[];

/* Who made a mute-changed: decides its byHost field. */
typedef enum {
  NARA_MUTE_OPEN_ROOM, /* the participant, in an open room: no byHost */
  NARA_MUTE_SELF,      /* the participant, in a consultation: "byHost": false */
  NARA_MUTE_HOST,      /* a host (host-mute): "byHost": true */
} NaraMuteSource;

/* Replies to a request */
json_t *nara_out_ok(json_t *id);
json_t *nara_out_error(json_t *id, const char *code, const char *message);
json_t *nara_out_welcome(json_t *id, int version, const char *server);
json_t *nara_out_pong(json_t *id);
/* you, participants: stolen; consultation: stolen, NULL in open rooms. */
json_t *nara_out_joined(json_t *id, const char *room, json_t *you, json_t *participants,
                        json_t *consultation);
/* assurance may be NULL (then null). */
json_t *nara_out_waiting(json_t *id, const char *consultation_id, const char *title,
                         const char *member_id, const char *name, const char *role,
                         const char *assurance);
/* The publish connection's answer; id < 0: the publish had none. */
json_t *nara_out_publish_answer(gint64 id, const char *sdp);

/* Events */
json_t *nara_out_media_failed(const char *pc);
json_t *nara_out_subscribe_offer(guint revision, const char *sdp);
/* candidate NULL: end of candidates (mid and mline_index then unused); mid may be NULL. */
json_t *nara_out_candidate(const char *pc, const char *candidate, const char *mid,
                           guint mline_index);
/* participant: stolen. */
json_t *nara_out_participant_joined(json_t *participant);
json_t *nara_out_participant_left(const char *participant, const char *reason);
/* track: stolen. */
json_t *nara_out_track_added(const char *participant, json_t *track);
json_t *nara_out_track_removed(const char *participant, const char *track);
json_t *nara_out_mute_changed(const char *participant, const char *kind, gboolean muted,
                              NaraMuteSource by);
json_t *nara_out_muted_by_host(const char *kind, gboolean muted);
/* time: ISO 8601, UTC. */
json_t *nara_out_chat(const char *from_id, const char *from_name, const char *text,
                      const char *time);
json_t *nara_out_status(const char *status);
/* waiting: stolen. */
json_t *nara_out_waiting_list(json_t *waiting);
json_t *nara_out_consultation_changed(gboolean locked, const char *title);
/* deadline: RFC 3339 UTC; seconds: from now. */
json_t *nara_out_draining(const char *deadline, guint seconds);
/* Real-time text: the sender's current line as typed so far. */
json_t *nara_out_rtt(const char *from_id, const char *from_name, const char *text, gint64 seq,
                     gboolean final);
/* joined's fields (all stolen as there), type "resumed", and the new
 * resume secret (NULL: null). */
json_t *nara_out_resumed(json_t *id, const char *room, json_t *you, json_t *participants,
                         json_t *consultation, const char *secret);
json_t *nara_out_participant_reconnecting(const char *participant);
json_t *nara_out_participant_reconnected(const char *participant);
/* paused: TRUE "video-paused" (reason "bandwidth"), FALSE "video-resumed". */
json_t *nara_out_video_paused(const char *track, gboolean paused);
/* status: stolen; its fields ("precheck", "quality") are copied in. */
json_t *nara_out_participant_status(const char *participant, json_t *status);
/* To a participant whose right to share a screen a host changed. */
json_t *nara_out_share_allowed(gboolean allowed);
/* by: who lowered someone else's hand (a host), NULL: the participant. */
json_t *nara_out_hand_raised(const char *participant, gboolean raised, const char *by);
json_t *nara_out_signing_changed(const char *participant, gboolean signing);
/* A join or resume (id: its id, not stolen; NULL: none) for a room another
 * node runs: the client opens url and asks again. reason: "owner". */
json_t *nara_out_redirect(json_t *id, const char *url, const char *reason);
/* The pre-call media check (handlers_check.c); ice_servers: stolen. */
json_t *nara_out_media_check_ready(json_t *id, json_t *ice_servers, guint seconds);
/* reason: "time" (its bound was reached). */
json_t *nara_out_media_check_ended(const char *reason);

/* The subscriber's answer refused a track, as its device cannot decode
 * the publisher's codec ("VP8", "H264", "opus"): nothing is sent for it. */
json_t *nara_out_track_unplayable(const char *track, const char *codec);
/* The simulcast layers (rids, space-separated) of a published track to send. */
json_t *nara_out_send_layers(const char *track, const char *mid, const char *rids);

G_END_DECLS
