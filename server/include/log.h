/* log.h — one log format and level for GLib and libwebsockets messages.
 *
 * Threading: nara_log_setup() once on the main thread before other threads
 * start; the handler itself is called from any thread (GLib serialises it).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* level: "error", "warning", "info" or "debug" (checked by config.c). */
void nara_log_setup(const char *level);

G_END_DECLS
