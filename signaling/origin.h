/* origin.h — may a browser page from this Origin open the WebSocket?
 *
 * The check against cross-site WebSocket hijacking (OWASP WebSocket
 * cheat sheet, CWE-1385): CORS does not cover WebSockets, so a page on
 * any site could otherwise open wss://nara/ws with the user's network
 * position. It only decides; signaling.c answers 403.
 *
 * Threading: pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when origin (the Origin header, e.g. "https://video.example.org",
 * or NULL when absent) may upgrade. Absent: allowed, only browsers are
 * protected by the check and they always send it; a non-browser could
 * forge any value anyway. Same origin (the authority of origin equals
 * host, the Host header, ignoring case, and its scheme is scheme: "https"
 * on a TLS listener; NULL: http or https, when a proxy in front decides)
 * is allowed; so is an origin in allowed (exact, scheme included,
 * ignoring case and a trailing "/"), or anything when allowed holds "*".
 * "null" (sandboxed pages, file:) only with "*". All arguments (transfer
 * none); host, scheme and allowed may be NULL. */
gboolean nara_origin_allowed(const char *origin, const char *host, const char *scheme,
                             const char *const *allowed);

G_END_DECLS
