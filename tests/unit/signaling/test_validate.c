/* test_validate.c — the field table checks and value rules of validate.c.
 *
 * Checks types, required fields, byte and character bounds, allowed values
 * and the room/name/chat rules, including hostile input (NUL, bidi
 * overrides, control characters). Does not run a server.
 */
#include <string.h>

#include "validate.h"

static const NaraSignalingConfig config = {
  .max_message_bytes = 262144,
  .max_name_chars = 64,
  .max_chat_chars = 10,
  .max_rooms = 10,
  .max_participants = 4,
  .max_queued_messages = 16,
  .messages_per_second = 50,
  .open_rooms = TRUE,
};

static const char *const kinds[] = { "audio", "video", NULL };
static const NaraField fields[] = {
  { "id", NARA_FIELD_INT, TRUE, 0, NARA_LIMIT_NONE, NULL },
  { "kind", NARA_FIELD_STRING, FALSE, 16, NARA_LIMIT_NONE, kinds },
  { "text", NARA_FIELD_STRING, FALSE, 0, NARA_LIMIT_CHAT_CHARS, NULL },
  { "sdp", NARA_FIELD_STRING, FALSE, 8, NARA_LIMIT_NONE, NULL },
  { "muted", NARA_FIELD_BOOL, FALSE, 0, NARA_LIMIT_NONE, NULL },
  { "candidate", NARA_FIELD_OBJECT_OR_NULL, FALSE, 0, NARA_LIMIT_NONE, NULL },
  { NULL, 0, FALSE, 0, NARA_LIMIT_NONE, NULL },
};

static gboolean check(const char *text, const char *expect_in_message)
{
  g_autoptr(GError) error = NULL;
  json_error_t jerr;
  json_t *msg = json_loads(text, JSON_ALLOW_NUL, &jerr);
  gboolean ok;

  g_assert_nonnull(msg);
  ok = nara_validate(msg, fields, &config, &error);
  json_decref(msg);
  if (expect_in_message) {
    g_assert_false(ok);
    g_assert_nonnull(strstr(error->message, expect_in_message));
  } else {
    g_assert_no_error(error);
  }
  return ok;
}

static void test_types(void)
{
  g_assert_true(check("{\"id\": 1}", NULL));
  g_assert_true(check("{\"id\": 2147483647, \"unknown\": [1,2]}", NULL));
  check("{}", "'id' is missing");
  check("{\"id\": \"1\"}", "'id' must be an integer");
  check("{\"id\": -1}", "'id' must be an integer");
  check("{\"id\": 2147483648}", "'id' must be an integer");
  check("{\"id\": 1.5}", "'id' must be an integer");
  check("{\"id\": 1, \"muted\": 1}", "'muted' must be a boolean");
  check("{\"id\": 1, \"candidate\": []}", "'candidate' must be an object or null");
  g_assert_true(check("{\"id\": 1, \"candidate\": null}", NULL));
  g_assert_true(check("{\"id\": 1, \"candidate\": {}}", NULL));
}

static void test_strings(void)
{
  g_assert_true(check("{\"id\": 1, \"kind\": \"audio\"}", NULL));
  check("{\"id\": 1, \"kind\": \"smell\"}", "one of: audio, video");
  check("{\"id\": 1, \"kind\": 3}", "'kind' must be a string");
  g_assert_true(check("{\"id\": 1, \"sdp\": \"12345678\"}", NULL));
  check("{\"id\": 1, \"sdp\": \"123456789\"}", "longer than 8 bytes");
  /* 10 characters of 2 bytes each: within the character bound. */
  g_assert_true(check("{\"id\": 1, \"text\": \"ääääääääää\"}", NULL));
  check("{\"id\": 1, \"text\": \"ääääääääääa\"}", "longer than 10 characters");
  check("{\"id\": 1, \"kind\": \"au\\u0000dio\"}", "NUL");
}

static void test_room_names(void)
{
  g_assert_true(nara_validate_room_name("demo"));
  g_assert_true(nara_validate_room_name("A-z_09"));
  g_assert_false(nara_validate_room_name(""));
  g_assert_false(nara_validate_room_name("a b"));
  g_assert_false(nara_validate_room_name("../x"));
  g_assert_false(nara_validate_room_name("rüm"));
  g_assert_true(
      nara_validate_room_name("0123456789012345678901234567890123456789012345678901234567890123"));
  g_assert_false(
      nara_validate_room_name("01234567890123456789012345678901234567890123456789012345678901234"));
}

static void test_display_names(void)
{
  g_autofree char *a = nara_validate_display_name("  Astrid \t", 64);
  g_autofree char *b = nara_validate_display_name("Dr Lind 👩‍⚕️", 64);
  g_assert_cmpstr(a, ==, "Astrid");
  g_assert_nonnull(b);
  g_assert_null(nara_validate_display_name("   ", 64));
  g_assert_null(nara_validate_display_name("", 64));
  g_assert_null(nara_validate_display_name("a\x01b", 64));
  g_assert_null(nara_validate_display_name("evil\u202Egnp.exe", 64));
  g_assert_null(nara_validate_display_name("a\nb", 64));
  g_assert_null(nara_validate_display_name("ééééé", 4));
  g_autofree char *c = nara_validate_display_name("éééé", 4);
  g_assert_cmpstr(c, ==, "éééé");
}

static void test_chat_text(void)
{
  g_assert_true(nara_validate_chat_text("Hej!\nCan you hear me?", 100));
  g_assert_false(nara_validate_chat_text("", 100));
  g_assert_false(nara_validate_chat_text(" \n ", 100));
  g_assert_false(nara_validate_chat_text("bell\a", 100));
  g_assert_false(nara_validate_chat_text("tab\there", 100));
  g_assert_true(nara_validate_chat_text("ääää", 4));
  g_assert_false(nara_validate_chat_text("äääää", 4));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/validate/types", test_types);
  g_test_add_func("/validate/strings", test_strings);
  g_test_add_func("/validate/room-names", test_room_names);
  g_test_add_func("/validate/display-names", test_display_names);
  g_test_add_func("/validate/chat-text", test_chat_text);
  return g_test_run();
}
