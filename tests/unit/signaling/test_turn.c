/* test_turn.c — TURN REST API credentials (turn.c).
 *
 * The password is base64(HMAC-SHA1(secret, username)) as coturn checks it
 * (the expected values were computed independently with Python's hmac);
 * the username carries the expiry; no URLs or no secret means no TURN.
 */
#include <string.h>

#include "turn.h"

static void test_password_vector(void)
{
  g_autofree char *p = nara_turn_password("north-secret", "1700000000:abc");
  g_assert_cmpstr(p, ==, "HuaB4U45p3Z02OCn9m4Hk4LiEqI=");
}

static void test_ice_servers(void)
{
  const char *const urls[] = { "turn:turn.example.org:3478?transport=udp",
                               "turns:turn.example.org:5349?transport=tcp", NULL };
  NaraTurnConfig turn = { urls, "s3cr3t-turn-for-check", 600, 0 };
  json_t *servers = nara_turn_ice_servers(&turn, 1795558292 + 600, "f225232d");
  json_t *server = json_array_get(servers, 0);

  g_assert_cmpuint(json_array_size(servers), ==, 1);
  g_assert_cmpuint(json_array_size(json_object_get(server, "urls")), ==, 2);
  g_assert_cmpstr(json_string_value(json_array_get(json_object_get(server, "urls"), 1)), ==,
                  urls[1]);
  g_assert_cmpstr(json_string_value(json_object_get(server, "username")), ==,
                  "1795558892:f225232d");
  g_assert_cmpstr(json_string_value(json_object_get(server, "credential")), ==,
                  "oY5NJVoxRgrymaWdyq1Rknk6Hi8=");
  json_decref(servers);
}

static void test_no_turn(void)
{
  const char *const none[] = { NULL };
  const char *const urls[] = { "turn:t:3478", NULL };
  NaraTurnConfig no_urls = { none, "secret", 600, 0 }, no_secret = { urls, "", 600, 0 },
                 null_urls = { NULL, "secret", 600, 0 };
  const NaraTurnConfig *cases[] = { &no_urls, &no_secret, &null_urls };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    json_t *servers = nara_turn_ice_servers(cases[i], 1, "x");
    g_assert_true(json_is_array(servers));
    g_assert_cmpuint(json_array_size(servers), ==, 0);
    json_decref(servers);
  }
}

/* Open rooms: ttl_secs. Consultations: their end plus the overrun
 * allowance, counted from now once the end has passed, capped. */
static void test_expiry(void)
{
  NaraTurnConfig turn = { NULL, "s", 3600, 14400 };
  const gint64 now = 1800000000, overrun = NARA_TURN_OVERRUN_SECS;

  g_assert_cmpint(nara_turn_expiry(&turn, now, 0), ==, now + 3600);
  g_assert_cmpint(nara_turn_expiry(&turn, now, now + 1200), ==, now + 1200 + overrun);
  g_assert_cmpint(nara_turn_expiry(&turn, now, now - 7200), ==, now + overrun);
  g_assert_cmpint(nara_turn_expiry(&turn, now, now + 30 * 86400), ==, now + 14400);
  turn.max_ttl_secs = 0;
  g_assert_cmpint(nara_turn_expiry(&turn, now, now + 86400), ==, now + 3600);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/turn/password-vector", test_password_vector);
  g_test_add_func("/turn/ice-servers", test_ice_servers);
  g_test_add_func("/turn/no-turn", test_no_turn);
  g_test_add_func("/turn/expiry", test_expiry);
  return g_test_run();
}
