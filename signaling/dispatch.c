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

static const char *const pc_values[] = { "publish", "subscribe", NULL };
static const char *const kind_values[] = { "audio", "video", NULL };

#define ID_FIELD                                                                                   \
  {                                                                                                \
    "id", NARA_FIELD_INT, TRUE, 0, NARA_LIMIT_NONE, NULL                                           \
  }
#define OPTIONAL_ID_FIELD                                                                          \
  {                                                                                                \
    "id", NARA_FIELD_INT, FALSE, 0, NARA_LIMIT_NONE, NULL                                          \
  }
#define END_FIELDS                                                                                 \
  {                                                                                                \
    NULL, 0, FALSE, 0, NARA_LIMIT_NONE, NULL                                                       \
  }

static const NaraField hello_fields[] = {
  ID_FIELD,
  { "version", NARA_FIELD_INT, TRUE, 0, NARA_LIMIT_NONE, NULL },
  END_FIELDS,
};
/* Names are bounded in characters after trimming (handler); the byte bound
 * here keeps padding from costing more than a few KiB. */
/* Either room and name (open rooms) or token (consultations): the handler
 * checks which. A token is bounded by the message size only, so that an
 * oversized one reaches the verifier and gets its own code, token-too-large. */
static const NaraField join_fields[] = {
  ID_FIELD,
  { "room", NARA_FIELD_STRING, FALSE, 64, NARA_LIMIT_NONE, NULL },
  { "name", NARA_FIELD_STRING, FALSE, 4096, NARA_LIMIT_NONE, NULL },
  { "token", NARA_FIELD_STRING, FALSE, 0, NARA_LIMIT_NONE, NULL },
  END_FIELDS,
};
static const NaraField id_only_fields[] = { ID_FIELD, END_FIELDS };
static const NaraField chat_fields[] = {
  ID_FIELD,
  { "text", NARA_FIELD_STRING, TRUE, 0, NARA_LIMIT_CHAT_CHARS, NULL },
  END_FIELDS,
};
static const NaraField mute_fields[] = {
  ID_FIELD,
  { "kind", NARA_FIELD_STRING, TRUE, 16, NARA_LIMIT_NONE, kind_values },
  { "muted", NARA_FIELD_BOOL, TRUE, 0, NARA_LIMIT_NONE, NULL },
  END_FIELDS,
};
static const NaraField publish_fields[] = {
  ID_FIELD,
  { "sdp", NARA_FIELD_STRING, TRUE, NARA_MAX_SDP_BYTES, NARA_LIMIT_NONE, NULL },
  END_FIELDS,
};
static const NaraField answer_fields[] = {
  OPTIONAL_ID_FIELD,
  { "pc", NARA_FIELD_STRING, TRUE, 16, NARA_LIMIT_NONE, pc_values },
  { "revision", NARA_FIELD_INT, FALSE, 0, NARA_LIMIT_NONE, NULL },
  { "sdp", NARA_FIELD_STRING, TRUE, NARA_MAX_SDP_BYTES, NARA_LIMIT_NONE, NULL },
  END_FIELDS,
};
static const NaraField candidate_fields[] = {
  OPTIONAL_ID_FIELD,
  { "pc", NARA_FIELD_STRING, TRUE, 16, NARA_LIMIT_NONE, pc_values },
  { "candidate", NARA_FIELD_OBJECT_OR_NULL, TRUE, 0, NARA_LIMIT_NONE, NULL },
  END_FIELDS,
};

/* Host requests. A participant id is the store's (at most 39 bytes). */
#define PARTICIPANT_FIELD                                                                          \
  {                                                                                                \
    "participant", NARA_FIELD_STRING, TRUE, 64, NARA_LIMIT_NONE, NULL                              \
  }
static const NaraField participant_fields[] = { ID_FIELD, PARTICIPANT_FIELD, END_FIELDS };
static const NaraField host_mute_fields[] = {
  ID_FIELD,
  PARTICIPANT_FIELD,
  { "kind", NARA_FIELD_STRING, TRUE, 16, NARA_LIMIT_NONE, kind_values },
  { "muted", NARA_FIELD_BOOL, TRUE, 0, NARA_LIMIT_NONE, NULL },
  END_FIELDS,
};
static const NaraField lock_fields[] = {
  ID_FIELD,
  { "locked", NARA_FIELD_BOOL, TRUE, 0, NARA_LIMIT_NONE, NULL },
  END_FIELDS,
};

static const struct {
  const char *type;
  const NaraField *fields;
  NaraNeed need;
  NaraHandler handler;
} messages[] = {
  { "hello", hello_fields, NEED_NOTHING, nara_handle_hello },
  { "join", join_fields, NEED_HELLO, nara_handle_join },
  { "ping", id_only_fields, NEED_HELLO, nara_handle_ping },
  { "leave", id_only_fields, NEED_IN, nara_handle_leave },
  { "chat", chat_fields, NEED_JOINED, nara_handle_chat },
  { "mute", mute_fields, NEED_JOINED, nara_handle_mute },
  { "publish", publish_fields, NEED_JOINED, nara_handle_publish },
  { "answer", answer_fields, NEED_JOINED, nara_handle_answer },
  { "candidate", candidate_fields, NEED_JOINED, nara_handle_candidate },
  { "admit", participant_fields, NEED_JOINED, nara_handle_admit },
  { "decline", participant_fields, NEED_JOINED, nara_handle_decline },
  { "admit-all", id_only_fields, NEED_JOINED, nara_handle_admit_all },
  { "host-mute", host_mute_fields, NEED_JOINED, nara_handle_host_mute },
  { "remove", participant_fields, NEED_JOINED, nara_handle_remove },
  { "readmit", participant_fields, NEED_JOINED, nara_handle_readmit },
  { "lock", lock_fields, NEED_JOINED, nara_handle_lock },
  { "end", id_only_fields, NEED_JOINED, nara_handle_end },
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
  if (!nara_validate(msg, messages[i].fields, &session->sig->config, &error)) {
    nara_session_send_error(session, id, "bad-message", error->message);
    goto out;
  }
  messages[i].handler(session, msg, id);
out:
  json_decref(msg);
}
