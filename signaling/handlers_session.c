/* handlers_session.c — hello, join, leave, ping, chat and mute.
 *
 * One function per message type, called by dispatch.c after the field
 * table check, so each handler only applies protocol rules (version, room
 * limits, name rules) and replies. Chat text and names are relayed, never
 * logged or stored. Media messages are in handlers_media.c, a join with a
 * token in handlers_join_token.c, the host's requests in handlers_host.c.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"
#include "validate.h"

void nara_handle_hello(NaraSession *session, json_t *msg, json_t *id)
{
  json_int_t version = json_integer_value(json_object_get(msg, "version"));

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
  /* No TURN credential yet: anyone may open a socket and say hello, and a
   * relay is only for those who are let into a call (joined). */
  nara_session_send_new(session, nara_out_welcome(id, NARA_PROTOCOL_VERSION, "nara/" NARA_VERSION));
}

json_t *nara_session_ice_servers(NaraSession *session, NaraRoom *room)
{
  const NaraTurnConfig *turn = &session->sig->config.turn;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  char tag[9];

  /* A random tag, not the session's serial: the TURN server logs
   * usernames, and they should not be linkable to this server's log. */
  g_snprintf(tag, sizeof tag, "%08x", g_random_int());
  return nara_turn_ice_servers(
      turn, nara_turn_expiry(turn, now, room->consultation ? room->consultation->ends_at : 0), tag);
}

void nara_handle_join(NaraSession *session, json_t *msg, json_t *id)
{
  const char *room_name = json_string_value(json_object_get(msg, "room"));
  const char *raw_name = json_string_value(json_object_get(msg, "name"));
  const char *lang = json_string_value(json_object_get(msg, "lang"));
  g_autofree char *name = NULL;
  const char *code = NULL;
  NaraRoom *room;

  if (session->state == NARA_SESSION_JOINED || session->state == NARA_SESSION_WAITING) {
    nara_session_send_error(session, id, "already-joined", "this session is in a room already");
    return;
  }
  /* The person's language, for the host's roster (an interpreter needed?). */
  if (lang && !nara_validate_language_tag(lang)) {
    nara_session_send_error(
        session, id, "bad-message",
        "field 'lang' must be a BCP 47 language tag such as \"sv\" or \"ar-SY\"");
    return;
  }
  g_free(session->lang);
  session->lang = g_strdup(lang);
  if (json_object_get(msg, "token")) {
    /* The token says which consultation and who: a room or name beside it
     * would be a second, unchecked answer to the same question. */
    if (room_name || raw_name) {
      nara_session_send_error(session, id, "bad-message",
                              "a join with 'token' takes no 'room' or 'name'");
      return;
    }
    nara_handle_join_token(session, msg, id);
    return;
  }
  if (!room_name || !raw_name) {
    nara_session_send_error(session, id, "bad-message", "join needs 'token', or 'room' and 'name'");
    return;
  }
  if (!nara_validate_room_name(room_name)) {
    nara_session_send_error(session, id, "bad-message",
                            "field 'room' must be 1-64 characters of A-Z a-z 0-9 - _");
    return;
  }
  name = nara_validate_display_name(raw_name, session->sig->config.max_name_chars);
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
                            : g_str_equal(code, "draining")
                                ? "this server is about to restart: try again in a minute"
                                : "this server has too many rooms");
    return;
  }
  nara_room_enter(room, session, id, name, NULL);
}

void nara_handle_leave(NaraSession *session, json_t *msg, json_t *id)
{
  (void)msg;
  nara_session_send_ok(session, id);
  nara_consultation_session_gone(session, "left");
  nara_session_close(session, LWS_CLOSE_STATUS_NORMAL, "left");
}

void nara_handle_ping(NaraSession *session, json_t *msg, json_t *id)
{
  (void)msg;
  nara_session_send_new(session, nara_out_pong(id));
}

void nara_handle_chat(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  json_t *text = json_object_get(msg, "text");
  g_autofree char *time = NULL;

  if (p->member
      && !nara_permission_allowed(p->member->role, NARA_PERMISSION_CHAT,
                                  p->room->consultation->auto_admit)) {
    nara_session_send_error(session, id, "forbidden", "your role may not chat here");
    return;
  }
  if (!nara_validate_chat_text(json_string_value(text), session->sig->config.max_chat_chars)) {
    nara_session_send_error(session, id, "bad-message",
                            "field 'text' must be non-empty, without control characters but "
                            "newline");
    return;
  }
  nara_session_send_ok(session, id);
  time = nara_json_now_iso8601();
  nara_room_broadcast(p->room, nara_out_chat(p->id, p->name, json_string_value(text), time), NULL);
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
  /* In a consultation this is the client's own mute: a host mute stays in
   * force either way. */
  nara_room_broadcast(
      p->room,
      nara_out_mute_changed(p->id, kind, muted, p->member ? NARA_MUTE_SELF : NARA_MUTE_OPEN_ROOM),
      NULL);
}
