/* http.h — the plain HTTP side of the listener.
 *
 * Serves the web client's static files, /r/NAME (the client page for room
 * NAME), /c/ID (the same page, for a consultation's join link), /healthz
 * and /metrics (metrics.h), and passes /api/ to the REST API (rest.h). It
 * does not handle the WebSocket (signaling does) nor TLS (the
 * libwebsockets vhost does).
 *
 * Threading: control thread (the GLib main loop libwebsockets runs on).
 */
#pragma once

#include <glib.h>
#include <libwebsockets.h>

#include "rest.h"
#include "signaling.h"

G_BEGIN_DECLS

#define NARA_HTTP_PROTOCOL_NAME "nara-http"

typedef struct _NaraHttp NaraHttp;

typedef enum {
  NARA_HTTP_METRICS_HERE,      /* /metrics among everything else (the default) */
  NARA_HTTP_METRICS_ELSEWHERE, /* /metrics is 404: a listener of its own serves it */
  NARA_HTTP_METRICS_ONLY,      /* that listener: /metrics and /healthz, all else 404 */
} NaraHttpMetrics;

/* (transfer full) web_dir is copied; signaling, media and rest (transfer
 * none) must outlive it; rest NULL: /api/ is 404 like any missing file. */
NaraHttp *nara_http_new(const char *web_dir, gboolean tls, NaraSignaling *signaling,
                        NaraMedia *media, NaraRest *rest);
void nara_http_free(NaraHttp *http);
/* (transfer none) Its `user` points at http. */
const struct lws_protocols *nara_http_lws_protocol(NaraHttp *http);

/* (transfer none) The security headers for the vhost's `headers`: lws
 * puts them on every answer, its own included. Valid until the next
 * nara_http_set_connect_src() or nara_http_free(). */
const struct lws_protocol_vhost_options *nara_http_vhost_headers(NaraHttp *http);
void nara_http_set_metrics(NaraHttp *http, NaraHttpMetrics metrics);
/* Extra origins for the pages' CSP connect-src after 'self'
 * (server.csp_connect_src), each checked with nara_http_connect_src_valid();
 * NULL-terminated, may be NULL (transfer none, copied). */
void nara_http_set_connect_src(NaraHttp *http, const char *const *sources);
/* TRUE for wss://, ws:// or https:// with a host ("*." allowed in front),
 * an optional port and nothing else: no "*" alone, no quote, semicolon or
 * space that could break out of the directive. */
gboolean nara_http_connect_src_valid(const char *source);

/* TRUE for what a consultation id can be in /c/ID: 1-39 of A-Z a-z 0-9 - _. */
gboolean nara_http_consultation_id_valid(const char *id);

G_END_DECLS
