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

/* (transfer full) message with control characters, DEL and bytes that are
 * not UTF-8 written as \xNN (and "\" as "\\"), so a header value a
 * client sent (an Origin with an escape sequence or a newline) cannot
 * forge log lines or drive the terminal that shows them. */
char *nara_log_escape(const char *message);

G_END_DECLS
