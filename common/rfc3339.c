/* rfc3339.c — strict RFC 3339 date-time parsing and UTC formatting.
 *
 * Hand-written rather than g_date_time_new_from_iso8601(), which takes
 * the much wider ISO 8601 (and local time when the offset is missing).
 * GLib still checks the calendar (no 30 February).
 *
 * Threading: pure functions, any thread.
 */
#include "rfc3339.h"

/* n ASCII digits at s; stops at the first non-digit (so never reads past
 * a terminating NUL). */
static gboolean digits(const char *s, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!g_ascii_isdigit(s[i]))
      return FALSE;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return TRUE;
}

gboolean nara_rfc3339_parse(const char *text, gint64 *unix_s)
{
  int year, month, day, hour, minute, second, off_h = 0, off_m = 0, sign = 0;
  const char *p = text;
  g_autoptr(GDateTime) dt = NULL;

  /* full-date "T" partial-time: 2026-11-23T19:30:00 */
  if (!p || !digits(p, 4, &year) || p[4] != '-' || !digits(p + 5, 2, &month) || p[7] != '-'
      || !digits(p + 8, 2, &day) || (p[10] != 'T' && p[10] != 't') || !digits(p + 11, 2, &hour)
      || p[13] != ':' || !digits(p + 14, 2, &minute) || p[16] != ':' || !digits(p + 17, 2, &second))
    return FALSE;
  p += 19;
  if (*p == '.') { /* time-secfrac = "." 1*DIGIT */
    if (!g_ascii_isdigit(*++p))
      return FALSE;
    while (g_ascii_isdigit(*p))
      p++;
  }
  /* time-offset = "Z" / ("+" / "-") time-hour ":" time-minute */
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    sign = *p == '-' ? -1 : 1;
    if (!digits(p + 1, 2, &off_h) || p[3] != ':' || !digits(p + 4, 2, &off_m))
      return FALSE;
    p += 6;
  } else {
    return FALSE;
  }
  if (*p != '\0' || year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23
      || minute > 59 || second > 59 || off_h > 23 || off_m > 59)
    return FALSE;
  dt = g_date_time_new_utc(year, month, day, hour, minute, second);
  if (!dt)
    return FALSE;
  /* 19:30+01:00 is 18:30Z: subtract the offset. */
  *unix_s = g_date_time_to_unix(dt) - sign * (off_h * 3600 + off_m * 60);
  return TRUE;
}

char *nara_rfc3339_format(gint64 unix_s)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_s);
  return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("1970-01-01T00:00:00Z");
}

char *nara_rfc3339_format_ms(gint64 time_us)
{
  /* Floor division, so a time before the epoch rounds down as well. */
  gint64 ms = time_us >= 0 ? time_us / 1000 : -((-time_us + 999) / 1000);
  gint64 secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(secs);
  g_autofree char *base = NULL;

  if (dt == NULL)
    return NULL;
  base = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf("%s.%03dZ", base, (int)(ms - secs * 1000));
}
