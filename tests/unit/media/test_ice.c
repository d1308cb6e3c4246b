/* test_ice.c — two ICE transports on 127.0.0.1 connect and carry a datagram;
 * remote candidate filtering. One thread, one GMainContext. */
#include "ice.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static gboolean allows(const NaraIceFilter *f, const char *text)
{
  struct sockaddr_storage ss = { 0 };
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1)
    v4->sin_family = AF_INET;
  else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1)
    v6->sin6_family = AF_INET6;
  else
    g_assert_not_reached();
  return nara_ice_filter_allows(f, (struct sockaddr *)&ss);
}

static void filter_ranges(void)
{
  static const char *const refused[] = { "127.0.0.1",
                                         "127.255.0.9",
                                         "0.0.0.0",
                                         "0.1.2.3",
                                         "169.254.169.254",
                                         "169.254.0.1",
                                         "224.0.0.251",
                                         "239.255.255.250",
                                         "255.255.255.255",
                                         "::",
                                         "::1",
                                         "fe80::1",
                                         "febf::1",
                                         "ff02::1",
                                         "::ffff:127.0.0.1",
                                         "::ffff:169.254.169.254",
                                         "fd00:ec2::254",
                                         NULL };
  static const char *const open[]
      = { "10.1.2.3",    "192.168.0.10", "172.16.5.5", "100.64.0.1", "203.0.113.7",
          "2001:db8::1", "fd12::1",      "fec0::1",    NULL };
  const char *const nets[] = { "10.0.0.0/8", "2001:db8::/32", "198.51.100.7", "127.0.0.0/8", NULL };
  const char *const bad[]
      = { "10.0.0.0/33", "10.0.0/8", "::/129", "x", "10.0.0.0/8/1", "10.0.0.0/", NULL };
  NaraIceFilter *any = nara_ice_filter_new(NULL, NULL);
  NaraIceFilter *some = nara_ice_filter_new(nets, NULL);

  for (guint i = 0; refused[i]; i++) {
    g_assert_false(allows(any, refused[i]));
    g_assert_false(allows(some, refused[i])); /* an allow-list cannot open them */
  }
  for (guint i = 0; open[i]; i++)
    g_assert_true(allows(any, open[i]));
  g_assert_true(allows(some, "10.200.0.1"));
  g_assert_true(allows(some, "::ffff:10.0.0.1"));
  g_assert_true(allows(some, "2001:db8:ffff::1"));
  g_assert_true(allows(some, "198.51.100.7"));
  g_assert_false(allows(some, "198.51.100.8"));
  g_assert_false(allows(some, "192.168.0.10"));
  g_assert_false(allows(some, "2001:db9::1"));
  for (guint i = 0; bad[i]; i++) {
    const char *const one[] = { bad[i], NULL };
    g_autoptr(GError) error = NULL;
    g_assert_null(nara_ice_filter_new(one, &error));
    g_assert_nonnull(error);
  }
  nara_ice_filter_free(any);
  nara_ice_filter_free(some);
}

/* Iterates context until sock has a datagram (TRUE) or about `ms` passed. */
static gboolean wait_datagram(GMainContext *context, int sock, guint ms)
{
  guint8 buf[1500];
  for (guint waited = 0; waited < ms; waited += 10) {
    while (g_main_context_iteration(context, FALSE))
      ;
    ssize_t n = recv(sock, buf, sizeof buf, MSG_DONTWAIT);
    if (n >= 20 && buf[0] == 0x00 && buf[1] == 0x01) /* a STUN Binding request */
      return TRUE;
    g_usleep(10 * 1000);
  }
  return FALSE;
}

/* A loopback UDP socket stands in for what a hostile candidate names:
 * with the filter no check reaches it, from SDP or trickle alike (both go
 * through nara_ice_add_remote_candidate); without, one does at once. */
static void filter_stops_checks(void)
{
  GMainContext *context = g_main_context_new();
  NaraIceCallbacks cb = { on_receive, on_state };
  NaraIceFilter *filter = nara_ice_filter_new(NULL, NULL);
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t len = sizeof sin;
  int sock = socket(AF_INET, SOCK_DGRAM, 0);
  Side s = { 0 };

  g_main_context_push_thread_default(context);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  g_assert_cmpint(bind(sock, (struct sockaddr *)&sin, sizeof sin), ==, 0);
  g_assert_cmpint(getsockname(sock, (struct sockaddr *)&sin, &len), ==, 0);
  g_autofree char *target
      = g_strdup_printf("candidate:1 1 udp 2122260223 127.0.0.1 %u typ host", ntohs(sin.sin_port));

  for (guint round = 0; round < 2; round++) {
    NaraIceConfig c
        = { .addresses = loopback, .controlling = TRUE, .remote_filter = round ? NULL : filter };
    NaraIce *ice = nara_ice_new(context, &c, &cb, &s, NULL);
    g_assert_nonnull(ice);
    g_assert_true(nara_ice_set_remote_credentials(ice, "rmte", "0123456789abcdef012345", NULL));
    g_assert_true(nara_ice_add_remote_candidate(ice, target, NULL));
    g_assert_true(nara_ice_add_remote_candidate(
        ice, "a=candidate:2 1 udp 2122260223 169.254.169.254 80 typ host", NULL));
    g_assert_true(nara_ice_add_remote_candidate(
        ice, "candidate:3 1 udp 2122260223 224.0.0.251 5353 typ host", NULL));
    if (round == 0)
      g_assert_false(wait_datagram(context, sock, 1500));
    else
      g_assert_true(wait_datagram(context, sock, 10000));
    nara_ice_free(ice);
    while (g_main_context_iteration(context, FALSE))
      ;
  }
  close(sock);
  nara_ice_filter_free(filter);
  g_main_context_pop_thread_default(context);
  g_main_context_unref(context);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/ice/loopback", connect_loopback);
  g_test_add_func("/media/ice/announced-address", announced);
  g_test_add_func("/media/ice/bad-address", bad_address);
  g_test_add_func("/media/ice/filter-ranges", filter_ranges);
  g_test_add_func("/media/ice/filter-stops-checks", filter_stops_checks);
  return g_test_run();
}
