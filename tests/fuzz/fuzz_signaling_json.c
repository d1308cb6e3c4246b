/* fuzz_signaling_json.c — libFuzzer target: one WebSocket text message
 * through the checks dispatch.c runs before any handler: nara_json_parse
 * with the protocol's depth limit, then nara_validate against the field
 * table of every message type of the catalogue (nested objects included),
 * then the value rules handlers apply (room
 * and display names, chat text, request ids). A parsed message must dump
 * and parse back equal; a message a table accepts must give handlers only
 * what the table promises. Rooms and sessions are not involved (no lws).
 * A broken invariant traps. Single-threaded.
 */
#include "catalogue.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_signaling_json: %s:%d: %s\n", __FILE__, __LINE__, #cond);              \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

/* The defaults of server/config.c: what handlers bound names and chat by. */
static const NaraSignalingConfig config = {
  .max_message_bytes = 262144,
  .max_name_chars = 64,
  .max_chat_chars = 2000,
  .max_rooms = 1000,
  .max_participants = 16,
  .max_queued_messages = 256,
  .messages_per_second = 50,
  .open_rooms = TRUE,
};

/* What a handler may rely on after nara_validate said yes. */
static void check_accepted(json_t *msg, const NaraField *fields)
{
  for (const NaraField *f = fields; f->name; f++) {
    json_t *v = json_object_get(msg, f->name);
    CHECK(v != NULL || !f->required);
    if (!v || (f->nullable && json_is_null(v)))
      continue;
    switch (f->type) {
    case NARA_FIELD_STRING: {
      const char *s = json_string_value(v);
      CHECK(s != NULL && strlen(s) == json_string_length(v));
      CHECK(f->max_bytes == 0 || strlen(s) <= f->max_bytes);
      CHECK(g_utf8_validate(s, -1, NULL));
      if (f->limit == NARA_LIMIT_CHAT_CHARS)
        CHECK(g_utf8_strlen(s, -1) <= (glong)config.max_chat_chars);
      if (f->one_of)
        CHECK(g_strv_contains(f->one_of, s));
      break;
    }
    case NARA_FIELD_INT:
      CHECK(json_is_integer(v) && json_integer_value(v) >= 0
            && json_integer_value(v) <= G_MAXINT32);
      break;
    case NARA_FIELD_BOOL:
      CHECK(json_is_boolean(v));
      break;
    case NARA_FIELD_OBJECT:
      CHECK(json_is_object(v));
      if (f->nested)
        check_accepted(v, f->nested);
      break;
    }
  }
}

/* The value rules handlers_session.c applies to what the tables let by. */
static void check_value_rules(json_t *msg, const char *type)
{
  const char *room = json_string_value(json_object_get(msg, "room"));
  const char *name = json_string_value(json_object_get(msg, "name"));
  const char *text = json_string_value(json_object_get(msg, "text"));

  if (g_str_equal(type, "join") && room && nara_validate_room_name(room)) {
    gsize n = strlen(room);
    CHECK(n >= 1 && n <= 64);
    for (gsize i = 0; i < n; i++)
      CHECK(g_ascii_isalnum(room[i]) || room[i] == '-' || room[i] == '_');
  }
  if (g_str_equal(type, "join") && name) {
    g_autofree char *clean = nara_validate_display_name(name, config.max_name_chars);
    if (clean) {
      glong n = g_utf8_strlen(clean, -1);
      CHECK(n >= 1 && n <= (glong)config.max_name_chars);
      CHECK(!g_ascii_isspace(clean[0]) && !g_ascii_isspace(clean[strlen(clean) - 1]));
    }
  }
  if (g_str_equal(type, "chat") && text && nara_validate_chat_text(text, config.max_chat_chars))
    CHECK(text[0] != '\0' && g_utf8_strlen(text, -1) <= (glong)config.max_chat_chars);
}

/* jansson's own output must pass our checks and mean the same. */
static void check_dump(json_t *msg)
{
  g_autoptr(GError) error = NULL;
  char *text = json_dumps(msg, JSON_COMPACT);
  CHECK(text != NULL);
  json_t *again = nara_json_parse(text, strlen(text), NARA_MAX_JSON_DEPTH, &error);
  if (!again) {
    fprintf(stderr, "fuzz_signaling_json: dump does not parse back: %s\n%s\n", error->message,
            text);
    __builtin_trap();
  }
  CHECK(json_equal(msg, again));
  json_decref(again);
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;

  /* session.c never hands dispatch more than max_message_bytes. */
  if (size > config.max_message_bytes)
    return 0;
  json_t *msg = nara_json_parse((const char *)data, size, NARA_MAX_JSON_DEPTH, &error);
  if (!msg) {
    CHECK(error != NULL && error->domain == NARA_VALIDATE_ERROR);
    return 0;
  }
  CHECK(error == NULL && json_is_object(msg));
  check_dump(msg);

  json_t *id = nara_json_request_id(msg);
  CHECK(id == NULL || (json_integer_value(id) >= 0 && json_integer_value(id) <= G_MAXINT32));

  /* Every table, not only the one the "type" names: each must hold on any
   * object, and the fuzzer need not guess the type first. */
  for (const NaraMessage *m = nara_catalogue; m->type; m++) {
    g_autoptr(GError) verror = NULL;
    const char *code = NULL;
    CHECK(m->fields != NULL);
    if (nara_validate(msg, m->fields, &config, &code, &verror)) {
      CHECK(verror == NULL);
      check_accepted(msg, m->fields);
      check_value_rules(msg, m->type);
    } else {
      /* Only the two codes the tables use reach the client. */
      CHECK(verror != NULL && verror->domain == NARA_VALIDATE_ERROR);
      CHECK(code != NULL
            && (g_str_equal(code, "bad-message") || g_str_equal(code, "bad-candidate")));
    }
  }
  json_decref(msg);
  return 0;
}
