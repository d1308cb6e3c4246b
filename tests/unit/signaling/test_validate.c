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
static const NaraField point_fields[] = {
  { .name = "x", .type = NARA_FIELD_INT, .required = TRUE },
  { .name = "label", .type = NARA_FIELD_STRING, .nullable = TRUE, .max_bytes = 4 },
  { .name = NULL },
};
static const NaraField fields[] = {
  { .name = "id", .type = NARA_FIELD_INT, .required = TRUE },
  { .name = "kind", .type = NARA_FIELD_STRING, .max_bytes = 16, .one_of = kinds },
  { .name = "text", .type = NARA_FIELD_STRING, .limit = NARA_LIMIT_CHAT_CHARS },
  { .name = "sdp", .type = NARA_FIELD_STRING, .max_bytes = 8 },
  { .name = "muted", .type = NARA_FIELD_BOOL },
  { .name = "candidate", .type = NARA_FIELD_OBJECT, .nullable = TRUE },
  { .name = "point", .type = NARA_FIELD_OBJECT, .nested = point_fields, .code = "bad-point" },
  { .name = NULL },
};

/* expect_code: the code a failure must have (NULL: any). */
static gboolean check_code(const char *text, const char *expect_in_message, const char *expect_code)
{
  g_autoptr(GError) error = NULL;
  json_error_t jerr;
  json_t *msg = json_loads(text, JSON_ALLOW_NUL, &jerr);
  const char *code = NULL;
  gboolean ok;

  g_assert_nonnull(msg);
  ok = nara_validate(msg, fields, &config, &code, &error);
  json_decref(msg);
  if (expect_in_message) {
    g_assert_false(ok);
    g_assert_nonnull(strstr(error->message, expect_in_message));
    g_assert_nonnull(code);
    if (expect_code)
      g_assert_cmpstr(code, ==, expect_code);
  } else {
    g_assert_no_error(error);
  }
  return ok;
}

static gboolean check(const char *text, const char *expect_in_message)
{
  return check_code(text, expect_in_message, expect_in_message ? "bad-message" : NULL);
}

/* A nested object is checked by its own table; a failure inside it (or a
 * value of the wrong type where it belongs) takes the field's code. */
static void test_nested(void)
{
  g_assert_true(check("{\"id\": 1, \"point\": {\"x\": 3}}", NULL));
  g_assert_true(check("{\"id\": 1, \"point\": {\"x\": 3, \"label\": null, \"y\": []}}", NULL));
  check_code("{\"id\": 1, \"point\": \"3,4\"}", "'point' must be an object", "bad-point");
  check_code("{\"id\": 1, \"point\": null}", "'point' must be an object", "bad-point");
  check_code("{\"id\": 1, \"point\": {}}", "'point.x' is missing", "bad-point");
  check_code("{\"id\": 1, \"point\": {\"x\": -1}}", "'point.x' must be an integer", "bad-point");
  check_code("{\"id\": 1, \"point\": {\"x\": 1, \"label\": \"toolong\"}}",
             "'point.label' is longer than 4 bytes", "bad-point");
  check_code("{\"id\": 1, \"point\": {\"x\": 1, \"label\": 7}}",
             "'point.label' must be a string or null", "bad-point");
  /* Fields before the object keep their own code; a missing object is the
   * message's fault, not the object's. */
  check_code("{\"point\": \"x\"}", "'id' is missing", "bad-message");
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

/* A join's "lang": the shape of a BCP 47 tag, nothing more. */
static void test_language_tags(void)
{
  static const char *const good[]
      = { "sv", "ar", "fil", "pt-BR", "zh-Hant-TW", "sr-Latn", "de-CH-1901", "en-US-x-twain" };
  static const char *const bad[]
      = { "",    "s",     "svse",   "sv_SE",
          "sv-", "-sv",   "sv--SE", "ar-SY-toolongsub",
          "ä",   "sv SE", "12",     "sv-SE-aaaaaaaa-bbbbbbbb-cccccccc-ddd" };

  for (guint i = 0; i < G_N_ELEMENTS(good); i++)
    g_assert_true(nara_validate_language_tag(good[i]));
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    if (nara_validate_language_tag(bad[i]))
      g_test_message("accepted '%s'", bad[i]);
    g_assert_false(nara_validate_language_tag(bad[i]));
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/validate/types", test_types);
  g_test_add_func("/validate/strings", test_strings);
  g_test_add_func("/validate/nested", test_nested);
  g_test_add_func("/validate/room-names", test_room_names);
  g_test_add_func("/validate/display-names", test_display_names);
  g_test_add_func("/validate/chat-text", test_chat_text);
  g_test_add_func("/validate/language-tags", test_language_tags);
  return g_test_run();
}
