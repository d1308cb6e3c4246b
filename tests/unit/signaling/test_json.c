/* test_json.c — the JSON helpers of json.c.
 *
 * Parsing hostile frames (bad UTF-8, NUL, deep nesting, non-objects,
 * duplicate keys), request ids, outgoing frames and the UTC timestamp.
 * Does not run a server.
 */
#include <string.h>

#include "signaling-private.h"
#include "validate.h"

static json_t *parse(const char *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  json_t *root = nara_json_parse(data, len, NARA_MAX_JSON_DEPTH, &error);
  g_assert_true((root == NULL) == (error != NULL));
  return root;
}

static void test_parse(void)
{
  json_t *ok = parse("{\"type\":\"hello\"}", 16);
  g_assert_nonnull(ok);
  json_decref(ok);
  g_assert_null(parse("", 0));
  g_assert_null(parse("{", 1));
  g_assert_null(parse("[]", 2));
  g_assert_null(parse("\"x\"", 3));
  g_assert_null(parse("{\"a\":1,\"a\":2}", 13));
  g_assert_null(parse("{\"a\":\"\xff\"}", 9));
  g_assert_null(parse("{\"a\":1}\0", 8));
  g_assert_null(parse("{\"a\":1} {\"b\":2}", 15));
}

static void test_depth(void)
{
  GString *deep = g_string_new("{\"a\":");
  json_t *root;
  for (int i = 0; i < 7; i++)
    g_string_append(deep, "[");
  g_string_append(deep, "1");
  for (int i = 0; i < 7; i++)
    g_string_append(deep, "]");
  g_string_append(deep, "}");
  root = parse(deep->str, deep->len); /* 8 levels: allowed */
  g_assert_nonnull(root);
  json_decref(root);
  g_string_insert(deep, 5, "[");
  g_string_insert(deep, deep->len - 1, "]");
  g_assert_null(parse(deep->str, deep->len));
  /* Brackets inside strings do not count, escaped quotes do not end them. */
  {
    const char *text = "{\"a\":\"[[[[[[[[[[[[\\\"[[[[[[\"}";
    root = parse(text, strlen(text));
  }
  g_assert_nonnull(root);
  json_decref(root);
  g_string_free(deep, TRUE);
}

static void test_request_id(void)
{
  json_t *a = json_pack("{s:i}", "id", 7), *b = json_pack("{s:i}", "id", -1),
         *c = json_pack("{s:s}", "id", "7"), *d = json_pack("{s:I}", "id", (json_int_t)1 << 31);
  g_assert_nonnull(nara_json_request_id(a));
  g_assert_null(nara_json_request_id(b));
  g_assert_null(nara_json_request_id(c));
  g_assert_null(nara_json_request_id(d));
  json_decref(a);
  json_decref(b);
  json_decref(c);
  json_decref(d);
}

static void test_frame(void)
{
  json_t *msg = json_pack("{s:s, s:s}", "type", "chat", "text", "å \"q\"");
  NaraOutMsg *out = nara_json_frame(msg);
  const char *expect = "{\"type\":\"chat\",\"text\":\"å \\\"q\\\"\"}";
  g_assert_cmpuint(out->len, ==, strlen(expect));
  g_assert_cmpint(memcmp(out->data + LWS_PRE, expect, out->len), ==, 0);
  g_assert_true(nara_out_msg_ref(out) == out);
  nara_out_msg_unref(out);
  nara_out_msg_unref(out);
  json_decref(msg);
}

static void test_time(void)
{
  g_autofree char *now = nara_json_now_iso8601();
  g_assert_cmpuint(strlen(now), ==, 20);
  g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", now, 0, 0));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/json/parse", test_parse);
  g_test_add_func("/json/depth", test_depth);
  g_test_add_func("/json/request-id", test_request_id);
  g_test_add_func("/json/frame", test_frame);
  g_test_add_func("/json/time", test_time);
  return g_test_run();
}
