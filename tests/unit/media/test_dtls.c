/* test_dtls.c — two DTLS engines, client and server, shaking hands through
 * memory on one GMainContext; keys, profile and the fingerprint check. */
#include "dtls.h"

#include <string.h>

typedef struct Side Side;
struct Side {
  NaraDtls *dtls;
  Side *other;
  GQueue *inbox; /* GBytes* waiting for delivery, so no engine re-enters itself */
  gboolean connected, failed;
  NaraDtlsKeys keys;
  guint drop_first; /* datagrams to lose, to exercise retransmission */
};

static void on_send(const guint8 *data, gsize len, gpointer user_data)
{
  Side *side = user_data;
  if (side->drop_first > 0) {
    side->drop_first--;
    return;
  }
  g_queue_push_tail(side->other->inbox, g_bytes_new(data, len));
}

static void on_connected(const NaraDtlsKeys *keys, gpointer user_data)
{
  Side *side = user_data;
  side->connected = TRUE;
  side->keys = *keys;
}

static void on_failed(const char *reason, gpointer user_data)
{
  Side *side = user_data;
  g_test_message("failed: %s", reason);
  side->failed = TRUE;
}

static gboolean pump(Side *a, Side *b)
{
  gboolean moved = FALSE;
  Side *sides[] = { a, b };
  for (guint i = 0; i < 2; i++) {
    GBytes *bytes;
    while ((bytes = g_queue_pop_head(sides[i]->inbox))) {
      gsize n;
      const guint8 *d = g_bytes_get_data(bytes, &n);
      nara_dtls_receive(sides[i]->dtls, d, n);
      g_bytes_unref(bytes);
      moved = TRUE;
    }
  }
  return moved;
}

static void run(NaraDtlsContext *cctx, NaraDtlsContext *sctx, const char *client_expects,
                const char *server_expects, guint drop, Side *client, Side *server)
{
  GMainContext *context = g_main_context_new();
  NaraDtlsCallbacks cb = { on_send, on_connected, on_failed };
  memset(client, 0, sizeof *client);
  memset(server, 0, sizeof *server);
  client->inbox = g_queue_new();
  server->inbox = g_queue_new();
  client->other = server;
  server->other = client;
  client->drop_first = drop;
  client->dtls = nara_dtls_new(cctx, context, &cb, client);
  server->dtls = nara_dtls_new(sctx, context, &cb, server);
  g_assert_true(nara_dtls_set_role(client->dtls, NARA_DTLS_ROLE_CLIENT));
  /* The server learns its role from the ClientHello, as on a subscribe
   * peer whose answer is still on its way. */
  nara_dtls_set_remote_fingerprint(client->dtls, client_expects);
  nara_dtls_start(client->dtls);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    if (!pump(client, server) && !g_main_context_iteration(context, FALSE))
      g_usleep(2000);
    if (nara_dtls_get_role(server->dtls) == NARA_DTLS_ROLE_SERVER)
      nara_dtls_set_remote_fingerprint(server->dtls, server_expects);
    if ((client->connected || client->failed) && (server->connected || server->failed))
      break;
  }
  g_assert_false(nara_dtls_set_role(server->dtls, NARA_DTLS_ROLE_CLIENT));
  nara_dtls_free(client->dtls);
  nara_dtls_free(server->dtls);
  g_queue_free_full(client->inbox, (GDestroyNotify)g_bytes_unref);
  g_queue_free_full(server->inbox, (GDestroyNotify)g_bytes_unref);
  g_main_context_unref(context);
}

static void handshake(gconstpointer data)
{
  guint drop = GPOINTER_TO_UINT(data);
  g_autoptr(GError) error = NULL;
  NaraDtlsContext *a = nara_dtls_context_new(&error);
  NaraDtlsContext *b = nara_dtls_context_new(&error);
  g_assert_no_error(error);
  const char *fa = nara_dtls_context_fingerprint(a), *fb = nara_dtls_context_fingerprint(b);
  g_assert_cmpuint(strlen(fa), ==, 32 * 3 - 1);
  g_assert_cmpstr(fa, !=, fb);

  Side client, server;
  g_autofree char *lower = g_ascii_strdown(fb, -1); /* SDP fingerprints are case-insensitive */
  run(a, b, lower, fa, drop, &client, &server);
  g_assert_true(client.connected);
  g_assert_true(server.connected);
  g_assert_cmpint(client.keys.profile, ==, NARA_SRTP_AEAD_AES_128_GCM);
  g_assert_cmpint(server.keys.profile, ==, client.keys.profile);
  g_assert_cmpmem(client.keys.local_key, 16, server.keys.remote_key, 16);
  g_assert_cmpmem(client.keys.remote_key, 16, server.keys.local_key, 16);
  g_assert_cmpmem(client.keys.local_salt, 12, server.keys.remote_salt, 12);
  g_assert_cmpmem(client.keys.remote_salt, 12, server.keys.local_salt, 12);
  g_assert_true(memcmp(client.keys.local_key, client.keys.remote_key, 16) != 0);

  nara_dtls_context_free(a);
  nara_dtls_context_free(b);
}

static void fingerprint_mismatch(void)
{
  NaraDtlsContext *a = nara_dtls_context_new(NULL);
  NaraDtlsContext *b = nara_dtls_context_new(NULL);
  Side client, server;
  /* The server expects the client to hold b's certificate: it holds a's. */
  run(a, b, nara_dtls_context_fingerprint(b), nara_dtls_context_fingerprint(b), 0, &client,
      &server);
  g_assert_true(server.failed);
  g_assert_false(server.connected);
  nara_dtls_context_free(a);
  nara_dtls_context_free(b);
}

static void garbage(void)
{
  NaraDtlsContext *a = nara_dtls_context_new(NULL);
  GMainContext *context = g_main_context_new();
  Side side = { 0 };
  side.inbox = g_queue_new();
  side.other = &side;
  NaraDtlsCallbacks cb = { on_send, on_connected, on_failed };
  side.dtls = nara_dtls_new(a, context, &cb, &side);
  guint8 junk[300];
  for (guint i = 0; i < 50; i++) {
    for (guint j = 0; j < sizeof junk; j++)
      junk[j] = (guint8)g_random_int();
    junk[0] = 22;
    junk[13] = i % 2;
    nara_dtls_receive(side.dtls, junk, 1 + g_random_int_range(0, sizeof junk));
  }
  g_assert_false(side.connected);
  nara_dtls_free(side.dtls);
  g_queue_free_full(side.inbox, (GDestroyNotify)g_bytes_unref);
  g_main_context_unref(context);
  nara_dtls_context_free(a);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/media/dtls/handshake", GUINT_TO_POINTER(0), handshake);
  g_test_add_data_func("/media/dtls/handshake-lost-hello", GUINT_TO_POINTER(1), handshake);
  g_test_add_func("/media/dtls/fingerprint-mismatch", fingerprint_mismatch);
  g_test_add_func("/media/dtls/garbage", garbage);
  return g_test_run();
}
