/* ws.c — WebSocket client connections on libwebsockets' GLib event library.
 *
 * Owns the lws context (a foreign GLib loop, no listening vhost) and each
 * connection's outgoing queue, written one message per WRITEABLE callback as
 * libwebsockets requires. Incoming fragments are joined and parsed with
 * jansson. Connecting is deferred to an idle callback so that every failure,
 * even an immediate one, reaches the caller through `closed`. It does not
 * reconnect.
 *
 * Threading: the tool's only thread.
 */
#include "ws.h"

#include <libwebsockets.h>
#include <string.h>

#define MAX_MESSAGE (1024 * 1024)
#define CLOSE_TIMEOUT_S 2

struct _LoadWsContext {
  struct lws_context *context;
  void *loops[1];
  struct lws_protocols protocols[2];
};

struct _LoadWs {
  LoadWsContext *ctx;
  struct lws *wsi;
  char *host, *path, *subprotocol;
  int port;
  gboolean tls, closing, gone;
  guint connect_idle;
  LoadWsCallbacks cb;
  gpointer user_data;
  GQueue out; /* GBytes with LWS_PRE bytes of head room */
  GString *in;
};

static void ws_destroy(LoadWs *ws)
{
  GBytes *b;
  if (ws->connect_idle)
    g_source_remove(ws->connect_idle);
  while ((b = g_queue_pop_head(&ws->out)))
    g_bytes_unref(b);
  g_string_free(ws->in, TRUE);
  g_free(ws->host);
  g_free(ws->path);
  g_free(ws->subprotocol);
  g_free(ws);
}

/* The wsi is gone: tell the owner, or finish a close it asked for. */
static void ws_gone(LoadWs *ws, struct lws *wsi, const char *reason)
{
  if (wsi) /* later callbacks of this wsi must not find ws */
    lws_set_opaque_user_data(wsi, NULL);
  ws->wsi = NULL;
  if (ws->gone)
    return;
  ws->gone = TRUE;
  if (ws->closing)
    ws_destroy(ws);
  else if (ws->cb.closed)
    ws->cb.closed(ws, reason, ws->user_data);
}

static void on_receive(LoadWs *ws, struct lws *wsi, const void *in, size_t len)
{
  if (ws->in->len + len > MAX_MESSAGE) {
    g_string_truncate(ws->in, 0);
    return;
  }
  g_string_append_len(ws->in, in, (gssize)len);
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
    return;
  json_error_t jerr;
  json_t *msg = json_loadb(ws->in->str, ws->in->len, 0, &jerr);
  g_string_truncate(ws->in, 0);
  if (msg && json_is_object(msg) && !ws->closing && ws->cb.message)
    ws->cb.message(ws, msg, ws->user_data);
  json_decref(msg);
}

static int on_writeable(LoadWs *ws, struct lws *wsi)
{
  GBytes *b = g_queue_pop_head(&ws->out);
  if (b) {
    gsize size;
    guint8 *data = (guint8 *)g_bytes_get_data(b, &size);
    int n = lws_write(wsi, data + LWS_PRE, size - LWS_PRE, LWS_WRITE_TEXT);
    g_bytes_unref(b);
    if (n < (int)(size - LWS_PRE))
      return -1;
  }
  if (!g_queue_is_empty(&ws->out))
    lws_callback_on_writable(wsi);
  else if (ws->closing) {
    lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
    return -1;
  }
  return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
  LoadWs *ws = wsi ? lws_get_opaque_user_data(wsi) : NULL;
  (void)user;
  if (!ws)
    return 0;
  switch (reason) {
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
    g_autofree char *why = in ? g_strndup(in, len) : g_strdup("connection failed");
    ws_gone(ws, wsi, why);
    break;
  }
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    if (ws->cb.opened && !ws->closing)
      ws->cb.opened(ws, ws->user_data);
    if (!g_queue_is_empty(&ws->out) || ws->closing)
      lws_callback_on_writable(wsi);
    break;
  case LWS_CALLBACK_CLIENT_RECEIVE:
    on_receive(ws, wsi, in, len);
    break;
  case LWS_CALLBACK_CLIENT_WRITEABLE:
    return on_writeable(ws, wsi);
  case LWS_CALLBACK_CLIENT_CLOSED:
    ws_gone(ws, wsi, "closed by the server");
    break;
  default:
    break;
  }
  return 0;
}

LoadWsContext *load_ws_context_new(GMainLoop *loop, GError **error)
{
  LoadWsContext *ctx = g_new0(LoadWsContext, 1);
  struct lws_context_creation_info info = { 0 };

  lws_set_log_level(LLL_ERR, NULL); /* its notices would drown the summary */
  ctx->loops[0] = loop;
  ctx->protocols[0] = (struct lws_protocols){ "nara-load", callback, 0, 65536, 0, NULL, 0 };
  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.foreign_loops = ctx->loops;
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = ctx->protocols;
  ctx->context = lws_create_context(&info);
  if (!ctx->context) {
    g_set_error(error, LOAD_ERROR, 0, "libwebsockets context creation failed");
    g_free(ctx);
    return NULL;
  }
  return ctx;
}

void load_ws_context_free(LoadWsContext *ctx)
{
  if (!ctx)
    return;
  lws_context_destroy(ctx->context);
  g_free(ctx);
}

static gboolean do_connect(gpointer data)
{
  LoadWs *ws = data;
  struct lws_client_connect_info ci = { 0 };
  ws->connect_idle = 0;
  ci.context = ws->ctx->context;
  ci.address = ws->host;
  ci.port = ws->port;
  ci.path = ws->path;
  ci.host = ws->host;
  /* No Origin: not a browser (Nara lets such clients in; a bare host is
   * no origin at all, and the scheme-aware check refuses it). */
  ci.origin = NULL;
  /* Self-signed certificates on 127.0.0.1: nothing to verify against. */
  ci.ssl_connection = ws->tls ? LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED
                                    | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_EXPIRED
                                    | LCCSCF_ALLOW_INSECURE
                              : 0;
  ci.protocol = ws->subprotocol;
  ci.local_protocol_name = "nara-load";
  ci.opaque_user_data = ws;
  ci.pwsi = &ws->wsi;
  if (!lws_client_connect_via_info(&ci) && !ws->gone)
    ws_gone(ws, NULL, "connect failed");
  return G_SOURCE_REMOVE;
}

LoadWs *load_ws_connect(LoadWsContext *ctx, const char *url, const char *subprotocol,
                        const LoadWsCallbacks *callbacks, gpointer user_data, GError **error)
{
  g_autofree char *copy = g_strdup(url);
  const char *scheme, *host, *path;
  int port;
  if (lws_parse_uri(copy, &scheme, &host, &port, &path)
      || (strcmp(scheme, "ws") != 0 && strcmp(scheme, "wss") != 0)) {
    g_set_error(error, LOAD_ERROR, 0, "bad WebSocket URL %s", url);
    return NULL;
  }
  LoadWs *ws = g_new0(LoadWs, 1);
  ws->ctx = ctx;
  ws->tls = strcmp(scheme, "wss") == 0;
  ws->host = g_strdup(host);
  ws->port = port;
  ws->path = g_strconcat("/", path, NULL); /* lws_parse_uri drops the leading '/' */
  ws->subprotocol = g_strdup(subprotocol);
  ws->cb = *callbacks;
  ws->user_data = user_data;
  ws->in = g_string_new(NULL);
  g_queue_init(&ws->out);
  ws->connect_idle = g_idle_add(do_connect, ws);
  return ws;
}

void load_ws_send(LoadWs *ws, json_t *msg)
{
  char *text = json_dumps(msg, JSON_COMPACT);
  gsize n = strlen(text);
  guint8 *buf = g_malloc(LWS_PRE + n);
  memcpy(buf + LWS_PRE, text, n);
  free(text);
  json_decref(msg);
  if (ws->gone || ws->closing) {
    g_free(buf);
    return;
  }
  g_queue_push_tail(&ws->out, g_bytes_new_take(buf, LWS_PRE + n));
  if (ws->wsi)
    lws_callback_on_writable(ws->wsi);
}

void load_ws_free(LoadWs *ws)
{
  if (!ws)
    return;
  if (!ws->wsi || ws->gone) {
    ws_destroy(ws);
    return;
  }
  ws->closing = TRUE;
  lws_set_timeout(ws->wsi, PENDING_TIMEOUT_CLOSE_SEND, CLOSE_TIMEOUT_S);
  lws_callback_on_writable(ws->wsi);
}
