/* display_name.c — trimming and checking display names and titles.
 *
 * Shared by signaling (names in join and hello messages, join tokens) and
 * the REST API (names and titles it stores), so a name the API accepts is
 * a name a join link can carry. It does not decide how long a name may be
 * (the callers' configuration does).
 *
 * Threading: pure functions, any thread.
 */
#include "display_name.h"

/* Cc and the invisible format characters; ZWJ/ZWNJ are allowed. */
static gboolean is_control(gunichar c)
{
  GUnicodeType t = g_unichar_type(c);
  if (c == 0x200C || c == 0x200D)
    return FALSE;
  return t == G_UNICODE_CONTROL || t == G_UNICODE_FORMAT || t == G_UNICODE_LINE_SEPARATOR
         || t == G_UNICODE_PARAGRAPH_SEPARATOR;
}

const char *nara_display_name_problem(const char *text, guint min_chars, guint max_chars)
{
  g_autofree char *trimmed = g_strstrip(g_strdup(text));
  guint n = 0;

  for (const char *p = trimmed; *p; p = g_utf8_next_char(p), n++)
    if (is_control(g_utf8_get_char(p)))
      return "must not contain control or invisible formatting characters";
  if (n < min_chars)
    return n == 0 ? "must not be empty" : "is too short";
  if (n > max_chars)
    return "is too long";
  return NULL;
}

char *nara_display_name_clean(const char *name, guint max_chars)
{
  if (nara_display_name_problem(name, 1, max_chars) != NULL)
    return NULL;
  return g_strstrip(g_strdup(name));
}
