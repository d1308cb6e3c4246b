/* test_config.c — the key table and its three sources (config.c, options.c).
 *
 * Value checks per type, ini files (unknown keys are errors), the
 * environment, --set, precedence CLI > env > file > default, the
 * rooms.open default that depends on a config file, command words, the
 * public URL and the generated sample. Does not start a server.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include "options.h"
#include "config.h"
#include "wiring.h"

static void test_defaults(void)
{
  g_autoptr(NaraConfig) c = nara_config_new();
  g_auto(GStrv) list = nara_config_get_list(c, "media.ice_addresses");
  g_assert_cmpstr(nara_config_get_string(c, "server.listen"), ==, "0.0.0.0:8443");
  g_assert_true(nara_config_get_bool(c, "server.tls"));
  /* The table holds the deployment default; a bare start turns rooms on
   * (test_open_rooms_default). */
  g_assert_false(nara_config_get_bool(c, "rooms.open"));
  g_assert_cmpstr(nara_config_get_string(c, "auth.issuer"), ==, "nara");
  g_assert_cmpstr(nara_config_get_string(c, "auth.audience"), ==, "nara-join");
  g_assert_cmpstr(nara_config_get_string(c, "auth.api_audience"), ==, "nara-api");
  g_assert_cmpuint(nara_config_get_uint(c, "auth.link_validity_hours"), ==, 0);
  g_assert_cmpuint(nara_config_get_uint(c, "audit.retention_days"), ==, 1826);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_message_bytes"), ==, 262144);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_participants"), ==, 16);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_rooms"), ==, 1000);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.messages_per_second"), ==, 50);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_queued_messages"), ==, 256);
  g_assert_cmpuint(g_strv_length(list), ==, 0);
}

static void test_values(void)
{
  g_autoptr(NaraConfig) c = nara_config_new();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) list = NULL;

  g_assert_true(nara_config_set(c, "server.tls", " off ", NULL));
  g_assert_false(nara_config_get_bool(c, "server.tls"));
  g_assert_false(nara_config_set(c, "server.tls", "maybe", &error));
  g_assert_nonnull(strstr(error->message, "server.tls"));
  g_clear_error(&error);
  g_assert_false(nara_config_set(c, "media.port_min", "65536", &error));
  g_clear_error(&error);
  g_assert_false(nara_config_set(c, "media.workers", "-1", &error));
  g_clear_error(&error);
  g_assert_false(nara_config_set(c, "media.workers", "4x", &error));
  g_clear_error(&error);
  g_assert_false(nara_config_set(c, "no.key", "1", &error));
  g_assert_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_UNKNOWN_KEY);
  g_clear_error(&error);
  g_assert_false(nara_config_set(c, "log.level", "loud", &error));
  g_clear_error(&error);
  g_assert_true(nara_config_set(c, "server.listen", "[::1]:443", NULL));
  g_assert_false(nara_config_set(c, "server.listen", "::1:443", &error));
  g_clear_error(&error);
  g_assert_false(nara_config_set(c, "server.listen", "host:0", &error));
  g_clear_error(&error);
  g_assert_true(nara_config_set(c, "media.ice_addresses", " 10.0.0.1, ,192.0.2.7 ", NULL));
  list = nara_config_get_list(c, "media.ice_addresses");
  g_assert_cmpuint(g_strv_length(list), ==, 2);
  g_assert_cmpstr(list[1], ==, "192.0.2.7");
  g_assert_false(nara_config_set_assignment(c, "server.tls", &error));
  g_clear_error(&error);
  g_assert_true(nara_config_set_assignment(c, "server.tls = yes", NULL));
  g_assert_true(nara_config_get_bool(c, "server.tls"));
}

static void test_address(void)
{
  g_autofree char *host = NULL;
  guint port = 0;
  g_assert_true(nara_config_parse_address("0.0.0.0:8443", &host, &port, NULL));
  g_assert_cmpstr(host, ==, "0.0.0.0");
  g_assert_cmpuint(port, ==, 8443);
  g_clear_pointer(&host, g_free);
  g_assert_true(nara_config_parse_address("[2001:db8::1]:1", &host, &port, NULL));
  g_assert_cmpstr(host, ==, "2001:db8::1");
  g_assert_false(nara_config_parse_address(":8443", NULL, NULL, NULL));
  g_assert_false(nara_config_parse_address("[]:8443", NULL, NULL, NULL));
  g_assert_false(nara_config_parse_address("a:", NULL, NULL, NULL));
}

static char *write_file(const char *text)
{
  char *path = NULL;
  int fd = g_file_open_tmp("nara-test-XXXXXX.conf", &path, NULL);
  g_assert_cmpint(fd, >=, 0);
  close(fd);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void test_file(void)
{
  g_autoptr(NaraConfig) c = nara_config_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *good = write_file("# comment\n[server]\nlisten = 127.0.0.1:9000\n"
                                     "[signaling]\nmax_rooms=3\n");
  g_autofree char *typo = write_file("[server]\nlisten_on = 1.2.3.4:5\n");
  g_autofree char *junk = write_file("this is not ini\n");

  g_assert_true(nara_config_load_file(c, good, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(nara_config_get_string(c, "server.listen"), ==, "127.0.0.1:9000");
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_rooms"), ==, 3);
  g_assert_false(nara_config_load_file(c, typo, &error));
  g_assert_nonnull(strstr(error->message, "server.listen_on"));
  g_clear_error(&error);
  g_assert_false(nara_config_load_file(c, junk, &error));
  g_clear_error(&error);
  g_unlink(good);
  g_unlink(typo);
  g_unlink(junk);
}

static void test_precedence(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = write_file("[signaling]\nmax_rooms = 7\nmax_participants = 5\n"
                                     "max_name_chars = 9\n");
  char *env[]
      = { "NARA_SIGNALING_MAX_PARTICIPANTS=6", "NARA_SIGNALING_MAX_ROOMS=8", "OTHER=1", NULL };
  char *argv[] = { "nara",     "--config",       file, "--set", "signaling.max_rooms=9",
                   "--listen", "127.0.0.1:1234", NULL };
  NaraOptionsAction action = NARA_OPTIONS_VERSION;
  g_autoptr(NaraConfig) c = nara_options_parse(7, argv, env, &action, NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpint(action, ==, NARA_OPTIONS_RUN);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_rooms"), ==, 9);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_participants"), ==, 6);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_name_chars"), ==, 9);
  g_assert_cmpuint(nara_config_get_uint(c, "signaling.max_chat_chars"), ==, 2000);
  g_assert_cmpstr(nara_config_get_string(c, "server.listen"), ==, "127.0.0.1:1234");
  g_unlink(file);
}

static void test_cli_errors(void)
{
  char *env[] = { "NARA_SERVER_TLS=sometimes", NULL };
  char *argv1[] = { "nara", NULL };
  char *argv2[] = { "nara", "--set", "x", NULL };
  char *argv3[] = { "nara", "stray", NULL };
  char *empty_env[] = { NULL };
  NaraOptionsAction action;
  GError *error = NULL;

  g_assert_null(nara_options_parse(1, argv1, env, &action, NULL, &error));
  g_assert_nonnull(strstr(error->message, "NARA_SERVER_TLS"));
  g_clear_error(&error);
  g_assert_null(nara_options_parse(3, argv2, empty_env, &action, NULL, &error));
  g_clear_error(&error);
  g_assert_null(nara_options_parse(2, argv3, empty_env, &action, NULL, &error));
  g_clear_error(&error);
}

static void test_wiring(void)
{
  g_autoptr(NaraConfig) c = nara_config_new();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) storage = NULL, networks = NULL;
  NaraMediaConfig media;
  NaraSignalingConfig sig;

  g_assert_true(nara_wiring_check(c, NULL));
  nara_config_set(c, "media.port_min", "40000", NULL);
  g_assert_false(nara_wiring_check(c, &error));
  g_clear_error(&error);
  nara_config_set(c, "media.port_max", "40999", NULL);
  g_assert_true(nara_wiring_check(c, NULL));
  nara_config_set(c, "server.cert", "cert.pem", NULL);
  g_assert_false(nara_wiring_check(c, &error));
  g_clear_error(&error);

  nara_wiring_media_config(c, &media, &storage, &networks);
  g_assert_null(media.ice_remote_networks[0]);
  g_assert_null(media.ice_addresses);
  g_assert_null(media.announced_address);
  g_assert_cmpuint(media.port_max, ==, 40999);
  nara_wiring_signaling_config(c, &sig);
  g_assert_cmpuint(sig.max_message_bytes, ==, 262144);
  g_assert_cmpuint(sig.hello_timeout_secs, ==, 10);
  g_assert_cmpuint(sig.max_candidates, ==, 50);
  g_assert_false(sig.open_rooms);

  nara_config_set(c, "server.cert", "", NULL);
  nara_config_set(c, "auth.jwks", "{\"keys\":[]}", NULL);
  nara_config_set(c, "auth.jwks_file", "keys.json", NULL);
  g_assert_false(nara_wiring_check(c, &error));
  g_assert_nonnull(strstr(error->message, "auth.jwks"));
}

/* cluster.*: addresses only (no DNS on the control thread), a plain node
 * name, a ws(s) URL; the node URL defaults from the public URL. */
static void test_cluster_keys(void)
{
  g_autoptr(NaraConfig) c = nara_config_new();
  const char *good[] = { "unix:/run/redis/redis.sock", "10.0.0.5:6379", "[::1]:6379" };
  const char *bad[] = { "redis.internal:6379", "10.0.0.5", "unix:relative.sock" };
  g_autofree char *url = NULL, *configured = NULL;

  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    nara_config_set(c, "cluster.redis", good[i], NULL);
    g_assert_true(nara_wiring_check(c, NULL));
  }
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    nara_config_set(c, "cluster.redis", bad[i], NULL);
    g_assert_false(nara_wiring_check(c, &error));
    g_assert_nonnull(strstr(error->message, "cluster.redis"));
  }
  nara_config_set(c, "cluster.redis", "", NULL);
  nara_config_set(c, "cluster.node_id", "node 1", NULL);
  g_assert_false(nara_wiring_check(c, NULL));
  nara_config_set(c, "cluster.node_id", "node-1.eu_north", NULL);
  g_assert_true(nara_wiring_check(c, NULL));
  nara_config_set(c, "cluster.node_url", "https://node1.example.org", NULL);
  g_assert_false(nara_wiring_check(c, NULL));

  nara_config_set(c, "cluster.node_url", "", NULL);
  nara_config_set(c, "server.public_url", "https://node1.example.org:8443/", NULL);
  url = nara_wiring_node_url(c);
  g_assert_cmpstr(url, ==, "wss://node1.example.org:8443/ws");
  nara_config_set(c, "cluster.node_url", "wss://n1.example.org/ws", NULL);
  configured = nara_wiring_node_url(c);
  g_assert_cmpstr(configured, ==, "wss://n1.example.org/ws");
}

static void test_public_url(void)
{
  g_autoptr(NaraConfig) c = nara_config_new();
  g_autofree char *a = NULL, *b = NULL, *d = NULL;

  nara_config_set(c, "server.listen", "127.0.0.1:9443", NULL);
  a = nara_wiring_public_url(c);
  g_assert_cmpstr(a, ==, "https://127.0.0.1:9443");
  nara_config_set(c, "server.public_host", "video.example.org", NULL);
  nara_config_set(c, "server.tls", "false", NULL);
  b = nara_wiring_public_url(c);
  g_assert_cmpstr(b, ==, "http://video.example.org:9443");
  nara_config_set(c, "server.public_url", "https://example.org/nara//", NULL);
  d = nara_wiring_public_url(c);
  g_assert_cmpstr(d, ==, "https://example.org/nara");
}

/* rooms.open: on for a bare start, off with a config file unless the
 * file, the environment or the command line turns it on. */
static void test_open_rooms_default(void)
{
  g_autofree char *plain = write_file("[log]\nlevel = info\n");
  g_autofree char *on = write_file("[rooms]\nopen = true\n");
  char *bare[] = { "nara", NULL };
  char *with_file[] = { "nara", "--config", plain, NULL };
  char *with_file_on[] = { "nara", "--config", on, NULL };
  char *with_file_set[] = { "nara", "--config", plain, "--set", "rooms.open=yes", NULL };
  char *env_on[] = { "NARA_ROOMS_OPEN=true", NULL };
  char *empty_env[] = { NULL };
  NaraOptionsAction action;
  NaraConfig *c;

  c = nara_options_parse(1, bare, empty_env, &action, NULL, NULL);
  g_assert_true(nara_config_get_bool(c, "rooms.open"));
  nara_config_free(c);
  c = nara_options_parse(3, with_file, empty_env, &action, NULL, NULL);
  g_assert_false(nara_config_get_bool(c, "rooms.open"));
  nara_config_free(c);
  c = nara_options_parse(3, with_file_on, empty_env, &action, NULL, NULL);
  g_assert_true(nara_config_get_bool(c, "rooms.open"));
  nara_config_free(c);
  c = nara_options_parse(5, with_file_set, empty_env, &action, NULL, NULL);
  g_assert_true(nara_config_get_bool(c, "rooms.open"));
  nara_config_free(c);
  c = nara_options_parse(3, with_file, env_on, &action, NULL, NULL);
  g_assert_true(nara_config_get_bool(c, "rooms.open"));
  nara_config_free(c);
  g_unlink(plain);
  g_unlink(on);
}

/* Options stop at a command word; the command keeps its own options. */
static void test_commands(void)
{
  char *argv[]
      = { "nara", "--state-dir", "state", "audit", "verify", "--set", "log.level=debug", NULL };
  char *unknown[] = { "nara", "audit", "shred", NULL };
  char *half[] = { "nara", "consultation", NULL };
  char *empty_env[] = { NULL };
  g_auto(GStrv) command = NULL;
  NaraOptionsAction action = NARA_OPTIONS_RUN;
  GError *error = NULL;
  NaraConfig *c = nara_options_parse(7, argv, empty_env, &action, &command, &error);

  g_assert_no_error(error);
  g_assert_cmpint(action, ==, NARA_OPTIONS_COMMAND);
  g_assert_cmpstr(nara_config_get_string(c, "server.state_dir"), ==, "state");
  g_assert_cmpuint(g_strv_length(command), ==, 4);
  g_assert_cmpstr(command[0], ==, "audit");
  g_assert_cmpstr(command[2], ==, "--set");
  nara_config_free(c);
  g_clear_pointer(&command, g_strfreev);
  g_assert_null(nara_options_parse(3, unknown, empty_env, &action, &command, &error));
  g_assert_nonnull(strstr(error->message, "unknown command"));
  g_clear_error(&error);
  g_assert_null(nara_options_parse(2, half, empty_env, &action, &command, &error));
  g_clear_error(&error);
}

/* Options before the command word are UTF-8 whatever the locale (this
 * test never calls setlocale: its charset is ASCII, as under LANG=C). */
static void test_utf8_options(void)
{
  char *argv[] = { "nara", "--set", "auth.issuer=Åsa Öberg", "--set", "auth.audience=محمد", NULL };
  char *bad[] = { "nara", "--set", "auth.issuer=\xff", NULL };
  char *empty_env[] = { NULL };
  NaraOptionsAction action;
  GError *error = NULL;
  NaraConfig *c = nara_options_parse(5, argv, empty_env, &action, NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(nara_config_get_string(c, "auth.issuer"), ==, "Åsa Öberg");
  g_assert_cmpstr(nara_config_get_string(c, "auth.audience"), ==, "محمد");
  nara_config_free(c);
  g_assert_null(nara_options_parse(3, bad, empty_env, &action, NULL, &error));
  g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_nonnull(strstr(error->message, "UTF-8"));
  g_clear_error(&error);
}

static void test_sample(void)
{
  g_autoptr(NaraConfig) c = nara_config_new();
  g_autofree char *ini = nara_config_to_ini(c);
  g_autofree char *path = write_file(ini);
  g_autoptr(NaraConfig) back = nara_config_new();
  g_autoptr(GError) error = NULL;

  /* Every key is in the sample, commented out at its default. */
  for (const NaraConfigKey *k = nara_config_keys(); k->name; k++) {
    g_autofree char *line = g_strdup_printf("\n#%s =", strchr(k->name, '.') + 1);
    g_assert_nonnull(strstr(ini, line));
  }
  g_assert_true(nara_config_load_file(back, path, &error));
  g_assert_no_error(error);
  nara_config_set(c, "server.tls", "false", NULL);
  g_free(ini);
  ini = nara_config_to_ini(c);
  g_assert_nonnull(strstr(ini, "\ntls = false\n"));
  g_unlink(path);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/values", test_values);
  g_test_add_func("/config/address", test_address);
  g_test_add_func("/config/file", test_file);
  g_test_add_func("/config/precedence", test_precedence);
  g_test_add_func("/config/cli-errors", test_cli_errors);
  g_test_add_func("/config/wiring", test_wiring);
  g_test_add_func("/config/public-url", test_public_url);
  g_test_add_func("/config/open-rooms-default", test_open_rooms_default);
  g_test_add_func("/config/commands", test_commands);
  g_test_add_func("/config/sample", test_sample);
  g_test_add_func("/config/utf8-options", test_utf8_options);
  g_test_add_func("/config/cluster", test_cluster_keys);
  return g_test_run();
}
