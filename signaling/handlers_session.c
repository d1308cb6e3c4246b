/* handlers_session.c — hello, join, leave, ping, chat and mute.
 *
 * One function per message type, called by dispatch.c after the field
 * table check, so each handler only applies protocol rules (version, room
 * limits, name rules) and replies. Chat text and names are relayed, never
 * logged or stored. Media messages are in handlers_media.c.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "validate.h"

void nara_handle_hello(NaraSession *session, json_t *msg, json_t *id)
{
  json_int_t version = json_integer_value(json_object_get(msg, "version"));
  json_t *reply;

  if (session->state != NARA_SESSION_NEW) {
    nara_session_send_error(session, id, "bad-message", "hello was already sent");
    return;
  }
  /* The client names the highest version it speaks; we speak only 1. */
  if (version < NARA_PROTOCOL_VERSION) {
    nara_session_send_error(session, id, "bad-version", "this server speaks protocol version 1");
    nara_session_close(session, LWS_CLOSE_STATUS_POLICY_VIOLATION, "bad version");
    return;
  }
  session->state = NARA_SESSION_HELLO;
  reply = json_pack("{s:s, s:O, s:i, s:s, s:[]}", "type", "welcome", "id", id, "version",
                    NARA_PROTOCOL_VERSION, "server", "nara/" NARA_VERSION, "iceServers");
  nara_session_send_new(session, reply);
}

void nara_handle_join(NaraSession *session, json_t *msg, json_t *id)
{
  const char *room_name = json_string_value(json_object_get(msg, "room"));
  g_autofree char *name = NULL;
  const char *code = NULL;
  NaraRoom *room;
  NaraParticipant *p;
  json_t *reply, *others;

  if (session->state == NARA_SESSION_JOINED) {
    nara_session_send_error(session, id, "already-joined", "this session is in a room already");
    return;
  }
  if (!nara_validate_room_name(room_name)) {
    nara_session_send_error(session, id, "bad-message",
                            "field 'room' must be 1-64 characters of A-Z a-z 0-9 - _");
    return;
  }
  name = nara_validate_display_name(json_string_value(json_object_get(msg, "name")),
                                    session->sig->config.max_name_chars);
  if (!name) {
    g_autofree char *m = g_strdup_printf(
        "field 'name' must be 1-%u characters after trimming, without control characters",
        session->sig->config.max_name_chars);
    nara_session_send_error(session, id, "bad-message", m);
    return;
  }
  room = nara_room_lookup_or_create(session->sig, room_name, &code);
  if (!room) {
    nara_session_send_error(session, id, code,
                            g_str_equal(code, "room-closed") ? "open rooms are disabled"
                            : g_str_equal(code, "room-full") ? "the room is full"
                                                             : "this server has too many rooms");
    return;
  }

  /* Reply first with everyone already there, then tell them (room.c). */
  others = json_array();
  for (guint i = 0; i < room->participants->len; i++)
    json_array_append_new(others, nara_participant_to_json(room->participants->pdata[i]));
  p = nara_room_add(room, session, name);
  reply = json_pack("{s:s, s:O, s:s, s:{s:s, s:s}, s:o}", "type", "joined", "id", id, "room",
                    room->name, "you", "id", p->id, "name", p->name, "participants", others);
  nara_session_send_new(session, reply);
  nara_room_broadcast(room,
                      json_pack("{s:s, s:o}", "type", "participant-joined", "participant",
                                nara_participant_to_json(p)),
                      p);
}

void nara_handle_leave(NaraSession *session, json_t *msg, json_t *id)
{
  (void)msg;
  nara_session_send_ok(session, id);
  nara_room_remove(session->participant, "left");
  nara_session_close(session, LWS_CLOSE_STATUS_NORMAL, "left");
}

void nara_handle_ping(NaraSession *session, json_t *msg, json_t *id)
{
  (void)msg;
  nara_session_send_new(session, json_pack("{s:s, s:O}", "type", "pong", "id", id));
}

void nara_handle_chat(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  json_t *text = json_object_get(msg, "text");
  g_autofree char *time = NULL;

  if (!nara_validate_chat_text(json_string_value(text), session->sig->config.max_chat_chars)) {
    nara_session_send_error(session, id, "bad-message",
                            "field 'text' must be non-empty, without control characters but "
                            "newline");
    return;
  }
  nara_session_send_ok(session, id);
  time = nara_json_now_iso8601();
  nara_room_broadcast(p->room,
                      json_pack("{s:s, s:{s:s, s:s}, s:O, s:s}", "type", "chat", "from", "id",
                                p->id, "name", p->name, "text", text, "time", time),
                      NULL);
}

void nara_handle_mute(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  const char *kind = json_string_value(json_object_get(msg, "kind"));
  gboolean muted = json_is_true(json_object_get(msg, "muted"));

  if (g_str_equal(kind, "audio"))
    p->audio_muted = muted;
  else
    p->video_muted = muted;
  nara_session_send_ok(session, id);
  nara_room_broadcast(p->room,
                      json_pack("{s:s, s:s, s:s, s:b}", "type", "mute-changed", "participant",
                                p->id, "kind", kind, "muted", muted),
                      NULL);
}
