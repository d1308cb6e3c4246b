/* test_http.c — the page paths the listener serves index.html for:
 * /c/ID takes 1-39 of A-Z a-z 0-9 - _ (the room-name characters,
 * common/room_name.c, with the bound of a consultation id).
 */
#include "http.h"

static void test_consultation_id(void)
{
  g_assert_true(nara_http_consultation_id_valid("c-Ab_9-x"));
  g_assert_false(nara_http_consultation_id_valid(""));
  g_assert_false(nara_http_consultation_id_valid("c-a/b"));
  g_assert_false(nara_http_consultation_id_valid("c-0123456789012345678901234567890123456789"));
}

static void test_connect_src(void)
{
  static const char *const good[]
      = { "wss://node2.example.org:8443", "wss://*.example.org",      "https://video.example.org",
          "ws://10.0.0.5:8080",           "wss://node2.example.org/", NULL };
  static const char *const bad[] = { "*",
                                     "wss://*",
                                     "wss:",
                                     "wss://",
                                     "http://a.example",
                                     "'self'",
                                     "wss://a.example; script-src *",
                                     "wss://a.example'",
                                     "wss://a.example/path",
                                     "wss://a.example:",
                                     "wss://a.example:123456",
                                     "data:",
                                     "wss://a b",
                                     "wss://a.example,b",
                                     NULL };
  for (guint i = 0; good[i]; i++)
    g_assert_true(nara_http_connect_src_valid(good[i]));
  for (guint i = 0; bad[i]; i++)
    g_assert_false(nara_http_connect_src_valid(bad[i]));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/http/consultation-id", test_consultation_id);
  g_test_add_func("/http/connect-src", test_connect_src);
  return g_test_run();
}
