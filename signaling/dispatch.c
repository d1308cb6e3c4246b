/* dispatch.c — from a received frame to one handler, through the tables.
 *
 * Owns the message table (type, fields, state needed, handler) and the
 * checks every message passes in order: rate limit, JSON, type, session
 * state, fields. A message failing any check gets an error reply and
 * changes nothing else. It does not implement any message (handlers_*.c).
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "validate.h"

#include <string.h>

typedef void (*NaraHandler)(NaraSession *session, json_t *msg, json_t *id);

typedef enum {
  NEED_NOTHING, /* hello */
  NEED_HELLO,   /* join, ping */
  NEED_IN,      /* leave: in a room or in a consultation's waiting room */
  NEED_JOINED,  /* everything in a room */
} NaraNeed;

/* Fields of each type: message_fields.c. */
static const struct {
  const char *type;
  NaraNeed need;
  NaraHandler handler;
} messages[] = {
  { "hello", NEED_NOTHING, nara_handle_hello },
  { "join", NEED_HELLO, nara_handle_join },
  { "ping", NEED_HELLO, nara_handle_ping },
  { "leave", NEED_IN, nara_handle_leave },
  { "chat", NEED_JOINED, nara_handle_chat },
  { "mute", NEED_JOINED, nara_handle_mute },
  { "publish", NEED_JOINED, nara_handle_publish },
  { "answer", NEED_JOINED, nara_handle_answer },
  { "candidate", NEED_JOINED, nara_handle_candidate },
  { "admit", NEED_JOINED, nara_handle_admit },
  { "decline", NEED_JOINED, nara_handle_decline },
  { "admit-all", NEED_JOINED, nara_handle_admit_all },
  { "host-mute", NEED_JOINED, nara_handle_host_mute },
  { "remove", NEED_JOINED, nara_handle_remove },
  { "readmit", NEED_JOINED, nara_handle_readmit },
  { "lock", NEED_JOINED, nara_handle_lock },
  { "end", NEED_JOINED, nara_handle_end },
};

void nara_dispatch(NaraSession *session, const char *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  json_t *msg, *id;
  const char *type;
  guint i;

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
  for (i = 0; i < G_N_ELEMENTS(messages); i++)
    if (g_str_equal(messages[i].type, type))
      break;
  if (i == G_N_ELEMENTS(messages)) {
    nara_session_send_error(session, id, "unknown-type", "no such message type in version 1");
    goto out;
  }
  if (messages[i].need != NEED_NOTHING && session->state == NARA_SESSION_NEW) {
    nara_session_send_error(session, id, "not-hello", "send hello first");
    goto out;
  }
  if ((messages[i].need == NEED_JOINED && session->state != NARA_SESSION_JOINED)
      || (messages[i].need == NEED_IN && session->state != NARA_SESSION_JOINED
          && session->state != NARA_SESSION_WAITING)) {
    nara_session_send_error(session, id, "not-joined",
                            session->state == NARA_SESSION_WAITING
                                ? "you are in the waiting room until a host admits you"
                                : "join a room first");
    goto out;
  }
  if (!nara_validate(msg, nara_message_fields(type), &session->sig->config, &error)) {
    nara_session_send_error(session, id, "bad-message", error->message);
    goto out;
  }
  messages[i].handler(session, msg, id);
out:
  json_decref(msg);
}
