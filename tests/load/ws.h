/* ws.h — JSON over WebSocket client connections for the load tool, on
 * libwebsockets' client API running on the tool's GLib main loop.
 *
 * One LoadWsContext per tool; one LoadWs per simulated participant (or Janus
 * session). TLS certificates are not verified: the servers under test use
 * self-signed ones on 127.0.0.1. It knows nothing of either protocol.
 *
 * Threading: the tool's only thread; callbacks run from the main loop.
 */
#pragma once

#include "load.h"

#include <jansson.h>

G_BEGIN_DECLS

typedef struct _LoadWs LoadWs;

typedef struct {
  void (*opened)(LoadWs *ws, gpointer user_data);
  /* msg is borrowed: the callee takes a reference to keep it. */
  void (*message)(LoadWs *ws, json_t *msg, gpointer user_data);
  /* The connection failed or closed; ws stays valid until load_ws_free. */
  void (*closed)(LoadWs *ws, const char *reason, gpointer user_data);
} LoadWsCallbacks;

/* (transfer full) */
LoadWsContext *load_ws_context_new(GMainLoop *loop, GError **error);
void load_ws_context_free(LoadWsContext *ctx);

/* (transfer full) url: ws:// or wss://HOST:PORT/PATH. subprotocol may be NULL. */
LoadWs *load_ws_connect(LoadWsContext *ctx, const char *url, const char *subprotocol,
                        const LoadWsCallbacks *callbacks, gpointer user_data, GError **error);
/* Queues msg (stolen) for sending. */
void load_ws_send(LoadWs *ws, json_t *msg);
/* Closes after the queue is written (bounded by a 2 s timeout); no callback after. */
void load_ws_free(LoadWs *ws);

G_END_DECLS
