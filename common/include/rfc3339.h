/* rfc3339.h — timestamps as RFC 3339 date-time strings in UTC: the REST
 * API, the protocol, the audit log and the server's log lines.
 *
 * Strict parsing ("2026-11-23T19:30:00Z", "2026-11-23T20:30:00.5+01:00"):
 * what ISO 8601 parsers also accept (week dates, no offset, a space for
 * "T") is refused, so a booking system learns early that a time it sends
 * is ambiguous. Formatting is always UTC with "Z", in whole seconds or
 * milliseconds.
 *
 * Threading: pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* FALSE if text is not an RFC 3339 date-time (§5.6) with an offset, or
 * names a day that does not exist. Fractions of a second are dropped; a
 * leap second (:60) is refused. *unix_s: seconds since the epoch. */
gboolean nara_rfc3339_parse(const char *text, gint64 *unix_s);
/* (transfer full) "YYYY-MM-DDTHH:MM:SSZ" */
char *nara_rfc3339_format(gint64 unix_s);
/* (transfer full) "YYYY-MM-DDTHH:MM:SS.mmmZ" for time_us (microseconds
 * since the epoch, rounded down to the millisecond); NULL outside the
 * years 1 to 9999. */
char *nara_rfc3339_format_ms(gint64 time_us);

G_END_DECLS
