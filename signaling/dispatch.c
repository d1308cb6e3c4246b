/* dispatch.c — from a received frame to one handler, through the catalogue.
 *
 * Owns the checks every message passes in order: rate limit, JSON, type,
 * session state, fields (the catalogue's table for the type, catalogue.c).
 * A message failing any check gets an error reply and changes nothing
 * else. It does not implement any message (handlers_*.c).
 *
 * Threading: control thread.
 */
#include "catalogue.h"

#include <string.h>

void nara_dispatch(NaraSession *session, const char *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  json_t *msg, *id;
  const char *type, *code = NULL;
  const NaraMessage *m;

  if (!nara_session_take_token(session)) {
    if (session->strikes == 1)
      nara_session_send_error(session, NULL, "rate-limited", "too many messages; slow down");
    return;
  }
  msg = nara_json_parse(data, len, NARA_MAX_JSON_DEPTH, &error);
  if (!msg) {
    nara_session_send_error(session, NULL, "bad-json", error->message);
    return;
  }
  id = nara_json_request_id(msg);
  type = json_string_value(json_object_get(msg, "type"));
  if (!type || strlen(type) != json_string_length(json_object_get(msg, "type"))) {
    nara_session_send_error(session, id, "bad-message", "field 'type' must be a string");
    goto out;
  }
  m = nara_catalogue_lookup(type);
  if (!m) {
    nara_session_send_error(session, id, "unknown-type", "no such message type in version 1");
    goto out;
  }
  if (m->need != NARA_NEED_NONE && session->state == NARA_SESSION_NEW) {
    nara_session_send_error(session, id, "not-hello", "send hello first");
    goto out;
  }
  if ((m->need == NARA_NEED_ROOM && session->state != NARA_SESSION_JOINED)
      || (m->need == NARA_NEED_IN && session->state != NARA_SESSION_JOINED
          && session->state != NARA_SESSION_WAITING)) {
    nara_session_send_error(session, id, "not-joined",
                            session->state == NARA_SESSION_WAITING
                                ? "you are in the waiting room until a host admits you"
                                : "join a room first");
    goto out;
  }
  if (!nara_validate(msg, m->fields, &session->sig->config, &code, &error)) {
    nara_session_send_error(session, id, code, error->message);
    goto out;
  }
  if (g_str_equal(type, "join"))
    nara_telemetry_join_started(session);
  m->handler(session, msg, id);
out:
  json_decref(msg);
}
