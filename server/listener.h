/* listener.h — the one HTTPS/WSS listener, on the GLib main loop.
 *
 * Creates the libwebsockets context (GLib event library, foreign loop),
 * the vhost with TLS (configured or self-signed certificate), the HTTP
 * protocol (http.c, which hands /api/ to api/rest.c) and signaling's WebSocket
 * protocol, then prints the URL to open. It does not own the signaling or media objects.
 *
 * Threading: control thread (the thread running `loop`).
 */
#pragma once

#include <glib.h>

#include "config.h"
#include "rest.h"
#include "signaling.h"

G_BEGIN_DECLS

typedef struct _NaraListener NaraListener;

/* (transfer full) signaling, media (read by /metrics), rest and loop
 * (transfer none) must outlive it; rest may be NULL (no /api/). */
NaraListener *nara_listener_new(const NaraConfig *config, NaraSignaling *signaling,
                                NaraMedia *media, NaraRest *rest, GMainLoop *loop, GError **error);
/* Closes every connection (sessions end as if disconnected) and the socket. */
void nara_listener_free(NaraListener *listener);

G_END_DECLS
