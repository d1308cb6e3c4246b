/* listener.c — libwebsockets context, vhost and start-up line.
 *
 * Owns the lws context: it runs on the caller's GMainLoop (foreign loop of
 * the GLib event library) so HTTP, WebSocket and timers share the control
 * thread with rooms and media callbacks. WebSockets without a subprotocol
 * header go to signaling (it is the vhost's default protocol). TLS is
 * Mozilla "intermediate": 1.2 and 1.3 only, AEAD suites with forward
 * secrecy. It does not handle requests itself (http.c, signaling/).
 *
 * Threading: control thread.
 */
#include "listener.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <stdio.h>

#include "http.h"
#include "tls_cert.h"
#include "wiring.h"

struct _NaraListener {
  struct lws_context *context;
  NaraHttp *http;
  NaraHttp *metrics_http; /* server.metrics_listen, else NULL */
  const struct lws_protocols *metrics_protocols[2];
  void *loops[1];
  const struct lws_protocols *protocols[3];
  struct lws_protocol_vhost_options pvo_default, pvo;
  lws_retry_bo_t retry;
};

G_DEFINE_QUARK(nara - listener - error - quark, nara_listener_error)

/* Mozilla "intermediate" (server-side TLS guideline 5.7) without DHE, for
 * which no parameters are configured: forward secrecy and AEAD only, so
 * the CBC and static-RSA suites (AES128-SHA, ...) are refused. */
static const char tls12_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
static const char tls13_ciphers[] = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                    "TLS_CHACHA20_POLY1305_SHA256";
/* TLS 1.2 and 1.3 only; no compression (CRIME); no renegotiation (its
 * DoS and injection history); no session tickets, whose single long-lived
 * key would undo forward secrecy; the client's suite order (all suites
 * above are strong, and clients without AES hardware prefer ChaCha). */
#define TLS_OPTIONS_SET                                                                            \
  (SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION \
   | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET)
#define TLS_OPTIONS_CLEAR SSL_OP_CIPHER_SERVER_PREFERENCE

/* Cert and key paths: configured, or self-signed in the state directory. */
static gboolean tls_files(const NaraConfig *config, const char *public_host, char **cert,
                          char **key, GError **error)
{
  g_autofree char *state_dir = NULL;
  const char *names[] = { public_host, NULL };

  if (nara_config_get_string(config, "server.cert")[0]) {
    *cert = g_strdup(nara_config_get_string(config, "server.cert"));
    *key = g_strdup(nara_config_get_string(config, "server.key"));
    return TRUE;
  }
  state_dir = nara_wiring_state_dir(config);
  if (g_mkdir_with_parents(state_dir, 0700) != 0) {
    g_set_error(error, nara_listener_error_quark(), 0, "state directory %s: %s", state_dir,
                g_strerror(errno));
    return FALSE;
  }
  return nara_tls_cert_ensure(state_dir, names, cert, key, error);
}

/* server.metrics_listen: plain HTTP with /metrics and /healthz only, for a
 * scraper on a private or loopback address; the main listener's /metrics
 * then answers 404. */
static gboolean metrics_vhost(NaraListener *l, const NaraConfig *config, NaraSignaling *signaling,
                              NaraMedia *media, GError **error)
{
  const char *address = nara_config_get_string(config, "server.metrics_listen");
  struct lws_context_creation_info info = { 0 };
  g_autofree char *host = NULL;
  guint port;

  if (!address[0])
    return TRUE;
  if (!nara_config_parse_address(address, &host, &port, error))
    return FALSE;
  l->metrics_http = nara_http_new("", FALSE, signaling, media, NULL);
  nara_http_set_metrics(l->metrics_http, NARA_HTTP_METRICS_ONLY);
  nara_http_set_metrics(l->http, NARA_HTTP_METRICS_ELSEWHERE);
  l->metrics_protocols[0] = nara_http_lws_protocol(l->metrics_http);
  info.vhost_name = "nara-metrics";
  info.port = (int)port;
  info.iface = !host[0] || g_str_equal(host, "0.0.0.0") || g_str_equal(host, "::") ? NULL : host;
  info.pprotocols = l->metrics_protocols;
  info.retry_and_idle_policy = &l->retry;
  info.timeout_secs_ah_idle = nara_config_get_uint(config, "server.handshake_timeout_secs");
  if (!lws_create_vhost(l->context, &info)) {
    g_set_error(error, nara_listener_error_quark(), 0,
                "cannot listen on %s (server.metrics_listen: port in use or bad address)", address);
    return FALSE;
  }
  g_message("metrics on http://%s/metrics (server.metrics_listen); not on the main listener",
            address);
  return TRUE;
}

NaraListener *nara_listener_new(const NaraConfig *config, NaraSignaling *signaling,
                                NaraMedia *media, NaraRest *rest, GMainLoop *loop, GError **error)
{
  g_autofree char *host = NULL, *public_host = nara_wiring_public_host(config);
  g_autofree char *cert = NULL, *key = NULL, *public_url = NULL;
  g_autofree char *web_dir = nara_wiring_web_dir(config);
  g_auto(GStrv) connect_src = nara_config_get_list(config, "server.csp_connect_src");
  gboolean tls = nara_config_get_bool(config, "server.tls");
  struct lws_context_creation_info info = { 0 };
  NaraListener *l;
  guint port;

  if (!nara_config_parse_address(nara_config_get_string(config, "server.listen"), &host, &port,
                                 error))
    return NULL;
  if (tls && !tls_files(config, public_host, &cert, &key, error))
    return NULL;
  if (!g_file_test(web_dir, G_FILE_TEST_IS_DIR))
    g_warning("web directory %s does not exist: only /healthz, /metrics and /ws will work",
              web_dir);

  l = g_new0(NaraListener, 1);
  l->http = nara_http_new(web_dir, tls, signaling, media, rest);
  nara_http_set_connect_src(l->http, (const char *const *)connect_src);
  l->loops[0] = loop;
  l->protocols[0] = nara_http_lws_protocol(l->http);
  l->protocols[1] = nara_signaling_lws_protocol(signaling);
  /* Plain WebSocket clients send no subprotocol: make signaling the default. */
  l->pvo_default = (struct lws_protocol_vhost_options){ NULL, NULL, "default", "1" };
  l->pvo = (struct lws_protocol_vhost_options){ NULL, &l->pvo_default, l->protocols[1]->name, "" };
  /* No validity pings from lws: signaling pings and drops silent sockets
   * itself (server.ws_ping_secs, ws_timeout_secs; see session.c for why). */
  l->retry = (lws_retry_bo_t){ 0 };

  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND
                 | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  if (tls)
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.foreign_loops = l->loops;
  /* Half-open connections: lws closes one that has not finished TLS
   * (context timeout_secs) or sent its whole HTTP request (vhost
   * timeout_secs_ah_idle, armed when the header buffer is taken and not
   * re-armed per byte, so a slowloris client is cut on time). */
  info.timeout_secs = nara_config_get_uint(config, "server.handshake_timeout_secs");
  info.timeout_secs_ah_idle = info.timeout_secs;
  info.port = CONTEXT_PORT_NO_LISTEN;
  l->context = lws_create_context(&info);
  if (!l->context) {
    g_set_error(error, nara_listener_error_quark(), 0, "libwebsockets context creation failed");
    goto fail;
  }

  info.vhost_name = "nara";
  info.port = (int)port;
  info.iface = !host[0] || g_str_equal(host, "0.0.0.0") || g_str_equal(host, "::") ? NULL : host;
  info.pprotocols = l->protocols;
  info.pvo = &l->pvo;
  info.headers = nara_http_vhost_headers(l->http);
  info.retry_and_idle_policy = &l->retry;
  info.alpn = "http/1.1"; /* WebSocket over HTTP/2 is not needed and less tested */
  info.ssl_cert_filepath = cert;
  info.ssl_private_key_filepath = key;
  info.ssl_cipher_list = tls12_ciphers;
  info.tls1_3_plus_cipher_list = tls13_ciphers;
  info.ssl_options_set = (long)TLS_OPTIONS_SET;
  info.ssl_options_clear = (long)TLS_OPTIONS_CLEAR;
  if (!lws_create_vhost(l->context, &info)) {
    g_set_error(error, nara_listener_error_quark(), 0,
                "cannot listen on %s (port in use, bad address or unusable certificate)",
                nara_config_get_string(config, "server.listen"));
    goto fail;
  }

  if (!metrics_vhost(l, config, signaling, media, error))
    goto fail;
  public_url = nara_wiring_public_url(config);
  /* stdout, unbuffered by line: scripts wait for this line; the dash is UTF-8. */
  if (nara_config_get_bool(config, "rooms.open")) {
    g_warning("rooms.open is true: anyone with a /r/NAME link can join room NAME");
    fprintf(stdout, "nara %s listening on %s/ — open %s/r/demo\n", NARA_VERSION, public_url,
            public_url);
  } else {
    fprintf(stdout, "nara %s listening on %s/ — join links: nara consultation create\n",
            NARA_VERSION, public_url);
  }
  fflush(stdout);
  return l;
fail:
  nara_listener_free(l);
  return NULL;
}

void nara_listener_free(NaraListener *listener)
{
  if (!listener)
    return;
  if (listener->context)
    lws_context_destroy(listener->context);
  nara_http_free(listener->http);
  nara_http_free(listener->metrics_http);
  g_free(listener);
}
