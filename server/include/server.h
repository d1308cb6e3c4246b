/* server.h — the running server: its modules, built and torn down in order.
 *
 * Builds media, the services (store, token verifier), signaling with
 * consultations on, the REST API and the listener, and starts the daily
 * audit prune; frees them in reverse. main() only parses options and runs
 * the loop around it. It handles no requests itself.
 *
 * Threading: control thread (the main thread running the GLib loop).
 */
#pragma once

#include <glib.h>

#include "config.h"

G_BEGIN_DECLS

typedef struct _NaraServer NaraServer;

/* (transfer full) NULL with error set when a module cannot start.
 * loop (transfer none) must outlive it. */
NaraServer *nara_server_new(const NaraConfig *config, GMainLoop *loop, GError **error);
/* Closes the listener (sessions end as if disconnected), then the rest. */
void nara_server_free(NaraServer *server);

/* SIGTERM: stop taking new calls, let live ones finish (server.drain_secs),
 * then quit the loop. FALSE when already draining (the caller then stops
 * at once). */
gboolean nara_server_drain(NaraServer *server);

/* For the shutdown log line. */
guint nara_server_n_sessions(NaraServer *server);
guint nara_server_n_rooms(NaraServer *server);

G_END_DECLS
