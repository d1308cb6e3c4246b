/* catalogue.c — the table of every protocol v1 message a client may send:
 * type, session state needed, fields (name, JSON type, required, bounds,
 * allowed values, nested objects), handler, rate class, reply
 * (docs/protocol.md).
 *
 * dispatch.c routes and validates by it; tests/fuzz and tests/unit read it.
 * No handler code and no checks here (validate.c, handlers_*.c).
 *
 * Threading: constant data, any thread.
 */
#include "catalogue.h"

#include <string.h>

static const char *const pc_values[] = { "publish", "subscribe", NULL };
static const char *const kind_values[] = { "audio", "video", NULL };

#define ID_FIELD                                                                                   \
  {                                                                                                \
    .name = "id", .type = NARA_FIELD_INT, .required = TRUE                                         \
  }
#define OPTIONAL_ID_FIELD                                                                          \
  {                                                                                                \
    .name = "id", .type = NARA_FIELD_INT                                                           \
  }
#define END_FIELDS                                                                                 \
  {                                                                                                \
    .name = NULL                                                                                   \
  }

static const NaraField hello_fields[] = {
  ID_FIELD,
  { .name = "version", .type = NARA_FIELD_INT, .required = TRUE },
  END_FIELDS,
};
/* Names are bounded in characters after trimming (handler); the byte bound
 * here keeps padding from costing more than a few KiB. */
/* Either room and name (open rooms) or token (consultations): the handler
 * checks which. A token is bounded by the message size only, so that an
 * oversized one reaches the verifier and gets its own code, token-too-large. */
static const NaraField join_fields[] = {
  ID_FIELD,
  { .name = "room", .type = NARA_FIELD_STRING, .max_bytes = 64 },
  { .name = "name", .type = NARA_FIELD_STRING, .max_bytes = 4096 },
  { .name = "token", .type = NARA_FIELD_STRING },
  { .name = "lang", .type = NARA_FIELD_STRING, .max_bytes = NARA_MAX_LANG_BYTES },
  END_FIELDS,
};
static const NaraField id_only_fields[] = { ID_FIELD, END_FIELDS };
static const NaraField chat_fields[] = {
  ID_FIELD,
  { .name = "text", .type = NARA_FIELD_STRING, .required = TRUE, .limit = NARA_LIMIT_CHAT_CHARS },
  END_FIELDS,
};
static const NaraField mute_fields[] = {
  ID_FIELD,
  { .name = "kind",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = kind_values },
  { .name = "muted", .type = NARA_FIELD_BOOL, .required = TRUE },
  END_FIELDS,
};
static const NaraField publish_fields[] = {
  ID_FIELD,
  { .name = "sdp", .type = NARA_FIELD_STRING, .required = TRUE, .max_bytes = NARA_MAX_SDP_BYTES },
  /* The mid of the m-line that carries a screen share (screenshare.c). */
  { .name = "screen",
    .type = NARA_FIELD_STRING,
    .nullable = TRUE,
    .max_bytes = NARA_MAX_MID_BYTES },
  END_FIELDS,
};
static const NaraField answer_fields[] = {
  OPTIONAL_ID_FIELD,
  { .name = "pc",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = pc_values },
  { .name = "revision", .type = NARA_FIELD_INT },
  { .name = "sdp", .type = NARA_FIELD_STRING, .required = TRUE, .max_bytes = NARA_MAX_SDP_BYTES },
  END_FIELDS,
};
/* An RTCIceCandidate as its toJSON() gives it; usernameFragment (one ICE
 * session per connection) is not needed and not checked. An empty
 * candidate string is the end of candidates. */
static const NaraField ice_candidate_fields[] = {
  { .name = "candidate",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = NARA_MAX_CANDIDATE_BYTES },
  { .name = "sdpMid",
    .type = NARA_FIELD_STRING,
    .nullable = TRUE,
    .max_bytes = NARA_MAX_MID_BYTES },
  { .name = "sdpMLineIndex", .type = NARA_FIELD_INT, .nullable = TRUE },
  END_FIELDS,
};
/* null: end of candidates. Anything wrong inside (or a bare string where
 * the object belongs) is bad-candidate, not bad-message. */
static const NaraField candidate_fields[] = {
  OPTIONAL_ID_FIELD,
  { .name = "pc",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = pc_values },
  { .name = "candidate",
    .type = NARA_FIELD_OBJECT,
    .required = TRUE,
    .nullable = TRUE,
    .nested = ice_candidate_fields,
    .code = "bad-candidate" },
  END_FIELDS,
};

/* Host requests. A participant id is the store's (at most 39 bytes). */
#define PARTICIPANT_FIELD                                                                          \
  {                                                                                                \
    .name = "participant", .type = NARA_FIELD_STRING, .required = TRUE, .max_bytes = 64            \
  }
static const NaraField target_fields[] = { ID_FIELD, PARTICIPANT_FIELD, END_FIELDS };
static const NaraField host_mute_fields[] = {
  ID_FIELD,
  PARTICIPANT_FIELD,
  { .name = "kind",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = kind_values },
  { .name = "muted", .type = NARA_FIELD_BOOL, .required = TRUE },
  END_FIELDS,
};
static const NaraField allow_share_fields[] = {
  ID_FIELD,
  PARTICIPANT_FIELD,
  { .name = "allowed", .type = NARA_FIELD_BOOL, .required = TRUE },
  END_FIELDS,
};
static const NaraField lock_fields[] = {
  ID_FIELD,
  { .name = "locked", .type = NARA_FIELD_BOOL, .required = TRUE },
  END_FIELDS,
};

/* Real-time text: the line being typed. Characters are checked by the
 * handler (handlers_rtt.c), which also bounds how often it relays. */
static const NaraField rtt_fields[] = {
  OPTIONAL_ID_FIELD,
  { .name = "text",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 4 * NARA_RTT_MAX_CHARS },
  { .name = "seq", .type = NARA_FIELD_INT, .required = TRUE },
  { .name = "final", .type = NARA_FIELD_BOOL },
  END_FIELDS,
};

/* A secret is 43 characters; anything much longer is not one. */
static const NaraField resume_fields[] = {
  ID_FIELD,
  { .name = "secret", .type = NARA_FIELD_STRING, .required = TRUE, .max_bytes = 128 },
  END_FIELDS,
};
static const NaraField restart_ice_fields[] = {
  ID_FIELD,
  { .name = "pc",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = pc_values },
  END_FIELDS,
};

/* view: how large the client shows a remote video, in device pixels
 * (0x0: not shown); bounds beyond 16384 are refused by the handler. */
static const NaraField view_fields[] = {
  OPTIONAL_ID_FIELD,
  { .name = "track", .type = NARA_FIELD_STRING, .required = TRUE, .max_bytes = 63 },
  { .name = "width", .type = NARA_FIELD_INT, .required = TRUE },
  { .name = "height", .type = NARA_FIELD_INT, .required = TRUE },
  END_FIELDS,
};

/* What a participant's pre-call check found, and how their connection is
 * now (handlers_status.c): small fixed words, so a host's screen can say
 * them in the host's language. */
const char *const nara_precheck_device_values[] = { "ok", "denied", "missing", "skipped", NULL };
const char *const nara_precheck_network_values[]
    = { "good", "audio-only", "unreachable", "skipped", NULL };
const char *const nara_quality_values[] = { "good", "poor", "reconnecting", NULL };
static const NaraField precheck_fields[] = {
  ID_FIELD,
  { .name = "camera",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = nara_precheck_device_values },
  { .name = "microphone",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = nara_precheck_device_values },
  { .name = "network",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = nara_precheck_network_values },
  END_FIELDS,
};
static const NaraField quality_fields[] = {
  ID_FIELD,
  { .name = "level",
    .type = NARA_FIELD_STRING,
    .required = TRUE,
    .max_bytes = 16,
    .one_of = nara_quality_values },
  END_FIELDS,
};

/* raise-hand: one's own; with another's participant id, a host lowering it. */
static const NaraField raise_hand_fields[] = {
  ID_FIELD,
  { .name = "raised", .type = NARA_FIELD_BOOL, .required = TRUE },
  { .name = "participant", .type = NARA_FIELD_STRING, .max_bytes = 64 },
  END_FIELDS,
};
static const NaraField set_signing_fields[] = {
  ID_FIELD,
  PARTICIPANT_FIELD,
  { .name = "signing", .type = NARA_FIELD_BOOL, .required = TRUE },
  END_FIELDS,
};

/* The consultation's join token, bounded as join's (the message size). */
static const NaraField media_check_fields[] = {
  ID_FIELD,
  { .name = "token", .type = NARA_FIELD_STRING, .required = TRUE },
  END_FIELDS,
};

#define MSG NARA_RATE_MESSAGE
#define CAND NARA_RATE_CANDIDATE

/* clang-format off */
const NaraMessage nara_catalogue[] = {
  /* type, session state needed, fields, handler, rate class, reply, deferred */
  { "hello",     NARA_NEED_NONE,  hello_fields,     nara_handle_hello,     MSG,  "welcome", FALSE },
  /* join with a token, remove, readmit, lock, end: after the store's thread
   * has read or written (and the audit record is durable). */
  { "join",      NARA_NEED_HELLO, join_fields,      nara_handle_join,      MSG,  "joined",  TRUE },
  { "ping",      NARA_NEED_HELLO, id_only_fields,   nara_handle_ping,      MSG,  "pong",    FALSE },
  { "leave",     NARA_NEED_IN,    id_only_fields,   nara_handle_leave,     MSG,  "ok",      FALSE },
  { "chat",      NARA_NEED_ROOM,  chat_fields,      nara_handle_chat,      MSG,  "ok",      FALSE },
  { "mute",      NARA_NEED_ROOM,  mute_fields,      nara_handle_mute,      MSG,  "ok",      FALSE },
  /* Answered when media has the answer (or refused it: bad-sdp). */
  { "publish",   NARA_NEED_ROOM,  publish_fields,   nara_handle_publish,   MSG,  "answer",  TRUE },
  /* Heard of only when it fails, possibly after media tried it. */
  { "answer",    NARA_NEED_ROOM,  answer_fields,    nara_handle_answer,    MSG,  NULL,      TRUE },
  { "candidate", NARA_NEED_ROOM,  candidate_fields, nara_handle_candidate, CAND, NULL,      FALSE },
  { "admit",     NARA_NEED_ROOM,  target_fields,    nara_handle_admit,     MSG,  "ok",      FALSE },
  { "decline",   NARA_NEED_ROOM,  target_fields,    nara_handle_decline,   MSG,  "ok",      FALSE },
  { "admit-all", NARA_NEED_ROOM,  id_only_fields,   nara_handle_admit_all, MSG,  "ok",      FALSE },
  { "host-mute", NARA_NEED_ROOM,  host_mute_fields, nara_handle_host_mute, MSG,  "ok",      FALSE },
  { "remove",    NARA_NEED_ROOM,  target_fields,    nara_handle_remove,    MSG,  "ok",      TRUE },
  { "readmit",   NARA_NEED_ROOM,  target_fields,    nara_handle_readmit,   MSG,  "ok",      TRUE },
  { "lock",      NARA_NEED_ROOM,  lock_fields,      nara_handle_lock,      MSG,  "ok",      TRUE },
  { "end",       NARA_NEED_ROOM,  id_only_fields,   nara_handle_end,       MSG,  "ok",      TRUE },
  /* Relayed to the others; heard of only when refused. */
  { "rtt",       NARA_NEED_ROOM,  rtt_fields,       nara_handle_rtt,       MSG,  NULL,      FALSE },
  { "resume",    NARA_NEED_HELLO, resume_fields,    nara_handle_resume,    MSG,  "resumed", FALSE },
  { "restart-ice", NARA_NEED_ROOM, restart_ice_fields, nara_handle_restart_ice, MSG, "ok",   FALSE },
  /* Sent on every tile resize: no reply, only errors. */
  { "view",      NARA_NEED_ROOM,  view_fields,      nara_handle_view,      MSG,  NULL,      FALSE },
  { "precheck",  NARA_NEED_IN,    precheck_fields,  nara_handle_precheck,  MSG,  "ok",      FALSE },
  { "quality",   NARA_NEED_ROOM,  quality_fields,   nara_handle_quality,   MSG,  "ok",      FALSE },
  { "allow-share", NARA_NEED_ROOM, allow_share_fields, nara_handle_allow_share, MSG, "ok",    FALSE },
  { "raise-hand", NARA_NEED_ROOM, raise_hand_fields, nara_handle_raise_hand, MSG, "ok",     FALSE },
  { "set-signing", NARA_NEED_ROOM, set_signing_fields, nara_handle_set_signing, MSG, "ok",   FALSE },
  /* After the store's read of the consultation. */
  { "media-check", NARA_NEED_HELLO, media_check_fields, nara_handle_media_check, MSG, "media-check-ready", TRUE },
  { NULL, 0, NULL, NULL, 0, NULL, FALSE },
};
/* clang-format on */
#undef MSG
#undef CAND

const NaraMessage *nara_catalogue_lookup(const char *type)
{
  for (const NaraMessage *m = nara_catalogue; m->type; m++)
    if (strcmp(m->type, type) == 0)
      return m;
  return NULL;
}
