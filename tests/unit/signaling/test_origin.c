/* test_origin.c — the WebSocket Origin check (signaling/origin.c). */
#include "origin.h"

static void test_same_origin_scheme(void)
{
  /* A TLS listener: only an https page of the same host:port. */
  g_assert_true(
      nara_origin_allowed("https://video.example.org", "video.example.org", "https", NULL));
  g_assert_true(nara_origin_allowed("HTTPS://Video.Example.org:8443", "video.example.org:8443",
                                    "https", NULL));
  g_assert_false(
      nara_origin_allowed("http://video.example.org", "video.example.org", "https", NULL));
  g_assert_false(nara_origin_allowed("ws://video.example.org", "video.example.org", "https", NULL));
  g_assert_false(nara_origin_allowed("https://evil.example", "video.example.org", "https", NULL));
  /* Behind a proxy that does not say: http or https, nothing else. */
  g_assert_true(nara_origin_allowed("http://a.example", "a.example", NULL, NULL));
  g_assert_true(nara_origin_allowed("https://a.example", "a.example", NULL, NULL));
  g_assert_false(nara_origin_allowed("ftp://a.example", "a.example", NULL, NULL));
  g_assert_false(nara_origin_allowed("https://a.example", "a.example", "http", NULL));
}

static void test_allowed_list_scheme(void)
{
  const char *const allowed[] = { "https://portal.example.org", NULL };
  const char *const any[] = { "*", NULL };

  g_assert_true(nara_origin_allowed("https://portal.example.org/", "nara:8443", "https", allowed));
  g_assert_false(nara_origin_allowed("http://portal.example.org", "nara:8443", "https", allowed));
  g_assert_false(
      nara_origin_allowed("https://portal.example.org:444", "nara:8443", "https", allowed));
  g_assert_true(nara_origin_allowed("http://anything", "nara:8443", "https", any));
  g_assert_true(nara_origin_allowed("null", "nara:8443", "https", any));
  g_assert_false(nara_origin_allowed("null", "nara:8443", "https", allowed));
  g_assert_true(nara_origin_allowed(NULL, "nara:8443", "https", allowed));
  g_assert_false(nara_origin_allowed("https://user@nara:8443", "nara:8443", "https", NULL));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/origin/same-origin-scheme", test_same_origin_scheme);
  g_test_add_func("/origin/allowed-list-scheme", test_allowed_list_scheme);
  return g_test_run();
}
