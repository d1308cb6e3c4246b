/* outgoing.c — the JSON of every message the server sends (docs/protocol.md).
 *
 * One constructor per message type; callers decide who receives it
 * (session.c, room.c, handlers). Nothing here sends, logs or reads state.
 *
 * Threading: pure functions, called on the control thread.
 */
#include "outgoing.h"

const char *const nara_outgoing_types[] = {
  "welcome",
  "ok",
  "error",
  "pong",
  "joined",
  "waiting",
  "answer",
  "offer",
  "candidate",
  "status",
  "waiting-list",
  "participant-joined",
  "participant-left",
  "track-added",
  "track-removed",
  "mute-changed",
  "muted-by-host",
  "chat",
  "consultation-changed",
  "draining",
  "rtt",
  "resumed",
  "participant-reconnecting",
  "participant-reconnected",
  "video-paused",
  "video-resumed",
  "participant-status",
  "share-allowed",
  "hand-raised",
  "signing-changed",
  "redirect",
  "media-check-ready",
  "media-check-ended",
  "track-unplayable",
  "send-layers",
  NULL,
};

/* A request's id is echoed only when it had one. */
static json_t *with_id(json_t *msg, json_t *id)
{
  if (id && !json_is_null(id))
    json_object_set(msg, "id", id);
  return msg;
}

json_t *nara_out_ok(json_t *id)
{
  return with_id(json_pack("{s:s}", "type", "ok"), id);
}

json_t *nara_out_error(json_t *id, const char *code, const char *message)
{
  return with_id(json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "message", message),
                 id);
}

json_t *nara_out_welcome(json_t *id, int version, const char *server)
{
  return with_id(
      json_pack("{s:s, s:i, s:s}", "type", "welcome", "version", version, "server", server), id);
}

json_t *nara_out_pong(json_t *id)
{
  return with_id(json_pack("{s:s}", "type", "pong"), id);
}

json_t *nara_out_joined(json_t *id, const char *room, json_t *you, json_t *participants,
                        json_t *consultation)
{
  json_t *msg = json_pack("{s:s, s:s, s:o, s:o}", "type", "joined", "room", room, "you", you,
                          "participants", participants);
  if (consultation)
    json_object_set_new(msg, "consultation", consultation);
  return with_id(msg, id);
}

json_t *nara_out_waiting(json_t *id, const char *consultation_id, const char *title,
                         const char *member_id, const char *name, const char *role,
                         const char *assurance)
{
  return with_id(json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s?}}", "type", "waiting",
                           "consultation", "id", consultation_id, "title", title, "you", "id",
                           member_id, "name", name, "role", role, "assurance", assurance),
                 id);
}

json_t *nara_out_publish_answer(gint64 id, const char *sdp)
{
  json_t *msg = json_pack("{s:s, s:s, s:s}", "type", "answer", "pc", "publish", "sdp", sdp);
  if (id >= 0)
    json_object_set_new(msg, "id", json_integer(id));
  return msg;
}

json_t *nara_out_media_failed(const char *pc)
{
  return json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code", "media-failed", "pc", pc,
                   "message", "the media connection failed (ICE or DTLS); rejoin to retry");
}

json_t *nara_out_subscribe_offer(guint revision, const char *sdp)
{
  return json_pack("{s:s, s:s, s:I, s:s}", "type", "offer", "pc", "subscribe", "revision",
                   (json_int_t)revision, "sdp", sdp);
}

json_t *nara_out_candidate(const char *pc, const char *candidate, const char *mid,
                           guint mline_index)
{
  json_t *msg = json_pack("{s:s, s:s}", "type", "candidate", "pc", pc);

  if (candidate)
    json_object_set_new(msg, "candidate",
                        json_pack("{s:s, s:s?, s:I}", "candidate", candidate, "sdpMid", mid,
                                  "sdpMLineIndex", (json_int_t)mline_index));
  else
    json_object_set_new(msg, "candidate", json_null());
  return msg;
}

json_t *nara_out_participant_joined(json_t *participant)
{
  return json_pack("{s:s, s:o}", "type", "participant-joined", "participant", participant);
}

json_t *nara_out_participant_left(const char *participant, const char *reason)
{
  return json_pack("{s:s, s:s, s:s}", "type", "participant-left", "participant", participant,
                   "reason", reason);
}

json_t *nara_out_track_added(const char *participant, json_t *track)
{
  return json_pack("{s:s, s:s, s:o}", "type", "track-added", "participant", participant, "track",
                   track);
}

json_t *nara_out_track_removed(const char *participant, const char *track)
{
  return json_pack("{s:s, s:s, s:s}", "type", "track-removed", "participant", participant, "track",
                   track);
}

json_t *nara_out_mute_changed(const char *participant, const char *kind, gboolean muted,
                              NaraMuteSource by)
{
  json_t *msg = json_pack("{s:s, s:s, s:s, s:b}", "type", "mute-changed", "participant",
                          participant, "kind", kind, "muted", muted);
  /* In a consultation the client's own mute and the host's are two states;
   * open rooms have no hosts and do not mention them. */
  if (by != NARA_MUTE_OPEN_ROOM)
    json_object_set_new(msg, "byHost", json_boolean(by == NARA_MUTE_HOST));
  return msg;
}

json_t *nara_out_muted_by_host(const char *kind, gboolean muted)
{
  return json_pack("{s:s, s:s, s:b}", "type", "muted-by-host", "kind", kind, "muted", muted);
}

json_t *nara_out_chat(const char *from_id, const char *from_name, const char *text,
                      const char *time)
{
  return json_pack("{s:s, s:{s:s, s:s}, s:s, s:s}", "type", "chat", "from", "id", from_id, "name",
                   from_name, "text", text, "time", time);
}

json_t *nara_out_status(const char *status)
{
  return json_pack("{s:s, s:s}", "type", "status", "status", status);
}

json_t *nara_out_waiting_list(json_t *waiting)
{
  return json_pack("{s:s, s:o}", "type", "waiting-list", "waiting", waiting);
}

json_t *nara_out_consultation_changed(gboolean locked, const char *title)
{
  return json_pack("{s:s, s:b, s:s}", "type", "consultation-changed", "locked", locked, "title",
                   title);
}

json_t *nara_out_draining(const char *deadline, guint seconds)
{
  return json_pack("{s:s, s:s, s:i}", "type", "draining", "deadline", deadline, "seconds",
                   (json_int_t)seconds);
}

json_t *nara_out_rtt(const char *from_id, const char *from_name, const char *text, gint64 seq,
                     gboolean final)
{
  return json_pack("{s:s, s:{s:s, s:s}, s:s, s:I, s:b}", "type", "rtt", "from", "id", from_id,
                   "name", from_name, "text", text, "seq", (json_int_t)seq, "final", final);
}

json_t *nara_out_resumed(json_t *id, const char *room, json_t *you, json_t *participants,
                         json_t *consultation, const char *secret)
{
  json_t *msg = nara_out_joined(id, room, you, participants, consultation);
  json_object_set_new(msg, "type", json_string("resumed"));
  json_object_set_new(msg, "resume", secret ? json_string(secret) : json_null());
  return msg;
}

json_t *nara_out_participant_reconnecting(const char *participant)
{
  return json_pack("{s:s, s:s}", "type", "participant-reconnecting", "participant", participant);
}

json_t *nara_out_participant_reconnected(const char *participant)
{
  return json_pack("{s:s, s:s}", "type", "participant-reconnected", "participant", participant);
}

json_t *nara_out_video_paused(const char *track, gboolean paused)
{
  if (!paused)
    return json_pack("{s:s, s:s}", "type", "video-resumed", "track", track);
  return json_pack("{s:s, s:s, s:s}", "type", "video-paused", "track", track, "reason",
                   "bandwidth");
}
json_t *nara_out_participant_status(const char *participant, json_t *status)
{
  json_t *msg = json_pack("{s:s, s:s}", "type", "participant-status", "participant", participant);

  json_object_update(msg, status);
  json_decref(status);
  return msg;
}

json_t *nara_out_share_allowed(gboolean allowed)
{
  return json_pack("{s:s, s:b}", "type", "share-allowed", "allowed", allowed);
}

json_t *nara_out_hand_raised(const char *participant, gboolean raised, const char *by)
{
  json_t *msg = json_pack("{s:s, s:s, s:b}", "type", "hand-raised", "participant", participant,
                          "raised", raised);

  if (by)
    json_object_set_new(msg, "by", json_string(by));
  return msg;
}

json_t *nara_out_signing_changed(const char *participant, gboolean signing)
{
  return json_pack("{s:s, s:s, s:b}", "type", "signing-changed", "participant", participant,
                   "signing", signing);
}

json_t *nara_out_redirect(json_t *id, const char *url, const char *reason)
{
  return with_id(json_pack("{s:s, s:s, s:s}", "type", "redirect", "url", url, "reason", reason),
                 id);
}

json_t *nara_out_media_check_ready(json_t *id, json_t *ice_servers, guint seconds)
{
  return with_id(json_pack("{s:s, s:o, s:i}", "type", "media-check-ready", "iceServers",
                           ice_servers, "seconds", (json_int_t)seconds),
                 id);
}

json_t *nara_out_media_check_ended(const char *reason)
{
  return json_pack("{s:s, s:s}", "type", "media-check-ended", "reason", reason);
}

json_t *nara_out_track_unplayable(const char *track, const char *codec)
{
  return json_pack("{s:s, s:s, s:s, s:s}", "type", "track-unplayable", "track", track, "codec",
                   codec, "reason", "codec");
}

json_t *nara_out_send_layers(const char *track, const char *mid, const char *rids)
{
  json_t *send = json_array();
  gchar **list = g_strsplit(rids, " ", -1);
  for (guint i = 0; list[i]; i++)
    if (list[i][0])
      json_array_append_new(send, json_string(list[i]));
  g_strfreev(list);
  return json_pack("{s:s, s:s, s:s, s:o}", "type", "send-layers", "track", track, "mid", mid,
                   "send", send);
}
