/* test_ice.c — two ICE transports on 127.0.0.1 connect and carry a datagram;
 * remote candidate filtering. One thread, one GMainContext. */
#include "ice.h"

#include <string.h>

typedef struct {
  NaraIceState state;
  guint received;
  guint8 last[64];
} Side;

static gboolean on_receive(guint8 *data, gsize len, gpointer user_data)
{
  Side *side = user_data;
  side->received++;
  memcpy(side->last, data, MIN(len, sizeof side->last));
  return FALSE; /* libnice keeps consent itself */
}

static void on_state(NaraIceState state, gpointer user_data)
{
  ((Side *)user_data)->state = state;
}

static const char *const loopback[] = { "127.0.0.1", NULL };

static void connect_loopback(void)
{
  GMainContext *context = g_main_context_new();
  g_main_context_push_thread_default(context);
  NaraIceCallbacks cb = { on_receive, on_state };
  Side sa = { 0 }, sb = { 0 };
  NaraIceConfig ca = { .addresses = loopback, .controlling = TRUE };
  NaraIceConfig cbc
      = { .addresses = loopback, .controlling = FALSE, .port_min = 40000, .port_max = 40100 };
  g_autoptr(GError) error = NULL;
  NaraIce *a = nara_ice_new(context, &ca, &cb, &sa, &error);
  g_assert_no_error(error);
  NaraIce *b = nara_ice_new(context, &cbc, &cb, &sb, &error);
  g_assert_no_error(error);

  guint na, nb;
  const char *const *la = nara_ice_get_local_candidates(a, &na);
  const char *const *lb = nara_ice_get_local_candidates(b, &nb);
  g_assert_cmpuint(na, >=, 1);
  g_assert_cmpuint(nb, >=, 1);
  g_assert_nonnull(strstr(la[0], " 127.0.0.1 "));
  guint16 port;
  g_assert_cmpstr(nara_ice_get_default_address(b, &port), ==, "127.0.0.1");
  g_assert_cmpuint(port, >=, 40000);
  g_assert_cmpuint(port, <=, 40100);

  g_assert_true(
      nara_ice_set_remote_credentials(a, nara_ice_get_ufrag(b), nara_ice_get_pwd(b), NULL));
  g_assert_true(
      nara_ice_set_remote_credentials(b, nara_ice_get_ufrag(a), nara_ice_get_pwd(a), NULL));
  /* Filtered, not refused: mDNS, TCP, RTCP component. */
  g_assert_true(nara_ice_add_remote_candidate(
      a, "candidate:1 1 udp 2122260223 abcd-1234.local 50000 typ host", NULL));
  g_assert_true(nara_ice_add_remote_candidate(
      a, "candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active", NULL));
  g_assert_true(nara_ice_add_remote_candidate(
      a, "candidate:3 2 udp 2122260222 127.0.0.1 50001 typ host", NULL));
  g_assert_false(nara_ice_add_remote_candidate(a, "candidate:garbage", NULL));
  g_assert_false(nara_ice_add_remote_candidate(a, "hello", NULL));
  for (guint i = 0; i < nb; i++) {
    g_autofree char *line = g_strconcat("a=", lb[i], NULL);
    g_assert_true(nara_ice_add_remote_candidate(a, line, NULL));
  }
  for (guint i = 0; i < na; i++)
    g_assert_true(nara_ice_add_remote_candidate(b, la[i], NULL));
  nara_ice_remote_candidates_done(a);
  nara_ice_remote_candidates_done(b);

  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while ((sa.state != NARA_ICE_CONNECTED || sb.state != NARA_ICE_CONNECTED)
         && g_get_monotonic_time() < deadline)
    g_main_context_iteration(context, TRUE);
  g_assert_cmpint(sa.state, ==, NARA_ICE_CONNECTED);
  g_assert_cmpint(sb.state, ==, NARA_ICE_CONNECTED);

  const guint8 msg[] = { 0x80, 0x60, 0, 1, 'h', 'i' };
  g_assert_true(nara_ice_send(a, msg, sizeof msg));
  deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (sb.received == 0 && g_get_monotonic_time() < deadline)
    g_main_context_iteration(context, TRUE);
  g_assert_cmpuint(sb.received, ==, 1);
  g_assert_cmpmem(sb.last, sizeof msg, msg, sizeof msg);

  nara_ice_free(a);
  nara_ice_free(b);
  while (g_main_context_iteration(context, FALSE))
    ;
  g_main_context_pop_thread_default(context);
  g_main_context_unref(context);
}

static void announced(void)
{
  GMainContext *context = g_main_context_new();
  NaraIceCallbacks cb = { on_receive, on_state };
  Side s = { 0 };
  NaraIceConfig c = { .addresses = loopback, .announced_address = "203.0.113.7" };
  NaraIce *ice = nara_ice_new(context, &c, &cb, &s, NULL);
  g_assert_nonnull(ice);
  guint n;
  const char *const *l = nara_ice_get_local_candidates(ice, &n);
  g_assert_nonnull(strstr(l[0], " 203.0.113.7 "));
  nara_ice_free(ice);
  while (g_main_context_iteration(context, FALSE))
    ;
  g_main_context_unref(context);
}

static void bad_address(void)
{
  GMainContext *context = g_main_context_new();
  NaraIceCallbacks cb = { on_receive, on_state };
  const char *const bad[] = { "not-an-address", NULL };
  NaraIceConfig c = { .addresses = bad };
  g_autoptr(GError) error = NULL;
  g_assert_null(nara_ice_new(context, &c, &cb, NULL, &error));
  g_assert_nonnull(error);
  g_main_context_unref(context);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/ice/loopback", connect_loopback);
  g_test_add_func("/media/ice/announced-address", announced);
  g_test_add_func("/media/ice/bad-address", bad_address);
  return g_test_run();
}
