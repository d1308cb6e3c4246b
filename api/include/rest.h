/* rest.h — the REST API v1 (/api/v1/…, docs/openapi.yaml) on the listener.
 *
 * http.c hands every request under /api/ to these entry points from its
 * libwebsockets callback: headers, body chunks (bounded at
 * NARA_REST_MAX_BODY_BYTES), body end, writeable, close. REST owns the
 * per-request state behind the connection's slot. It does not serve files
 * or WebSockets.
 *
 * Threading: control thread (libwebsockets callbacks on the GLib loop).
 */
#pragma once

#include <glib.h>
#include <libwebsockets.h>

#include "services.h"
#include "signaling.h"

G_BEGIN_DECLS

#define NARA_REST_MAX_BODY_BYTES (64 * 1024)

typedef struct _NaraRest NaraRest;
typedef struct _NaraRestRequest NaraRestRequest;

/* (transfer full) services and signaling (transfer none) must outlive it.
 * tls: add Strict-Transport-Security. */
NaraRest *nara_rest_new(NaraServices *services, NaraSignaling *signaling, gboolean tls);
void nara_rest_free(NaraRest *rest);
/* For /readyz: the store answers (nara_store_ready; never waits). */
gboolean nara_rest_store_ready(NaraRest *rest);

/* libwebsockets callbacks, each returning what the callback returns (-1
 * closes the connection). slot: the connection's request pointer, NULL
 * between requests; REST fills and frees it. method: "GET", "POST", …;
 * path: the decoded path without the query. */
int nara_rest_on_http(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot, const char *method,
                      const char *path);
int nara_rest_on_body(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot, const void *data,
                      size_t len);
int nara_rest_on_body_complete(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot);
int nara_rest_on_writeable(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot);
/* The connection closed: frees *slot. */
void nara_rest_on_close(NaraRestRequest **slot);

G_END_DECLS
