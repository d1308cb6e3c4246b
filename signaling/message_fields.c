/* message_fields.c — the fields of every protocol v1 message: name, JSON
 * type, required, bounds and allowed values (docs/protocol.md).
 *
 * One table, read by dispatch.c before any handler runs and by the
 * signaling fuzzer, so the two cannot drift apart. No handler code here.
 *
 * Threading: constant data, any thread.
 */
#include "validate.h"

#include <string.h>

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
} message_fields[] = {
  { "hello", hello_fields },         { "join", join_fields },
  { "ping", id_only_fields },        { "leave", id_only_fields },
  { "chat", chat_fields },           { "mute", mute_fields },
  { "publish", publish_fields },     { "answer", answer_fields },
  { "candidate", candidate_fields }, { "admit", participant_fields },
  { "decline", participant_fields }, { "admit-all", id_only_fields },
  { "host-mute", host_mute_fields }, { "remove", participant_fields },
  { "readmit", participant_fields }, { "lock", lock_fields },
  { "end", id_only_fields },
};

const char *const nara_message_types[] = {
  "hello",     "join",   "ping",      "leave", "chat",    "mute",
  "publish",   "answer", "candidate", "admit", "decline", "admit-all",
  "host-mute", "remove", "readmit",   "lock",  "end",     NULL,
};

const NaraField *nara_message_fields(const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS(message_fields); i++)
    if (strcmp(message_fields[i].type, type) == 0)
      return message_fields[i].fields;
  return NULL;
}
