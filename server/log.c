/* log.c — routes GLib and libwebsockets logs to stderr at one level.
 *
 * Owns the level filter and the line format (UTC time, level, domain).
 * It does not decide what is logged: modules log ids, never names, chat
 * text, SDP or tokens at info level.
 *
 * Threading: set up on the main thread; handlers run on any thread.
 */
#include "log.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#include "rfc3339.h"

static GLogLevelFlags enabled_levels;

static const char *level_name(GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "ERROR";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "CRITICAL";
  if (level & G_LOG_LEVEL_WARNING)
    return "WARNING";
  if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return "INFO";
  return "DEBUG";
}

char *nara_log_escape(const char *message)
{
  GString *out = g_string_sized_new(strlen(message));
  const char *p = message;

  while (*p) {
    gunichar c = g_utf8_get_char_validated(p, -1);
    if (c == (gunichar)-1 || c == (gunichar)-2) {
      g_string_append_printf(out, "\\x%02x", (guint8)*p++);
      continue;
    }
    if (c < 0x20 || c == 0x7f)
      g_string_append_printf(out, "\\x%02x", (guint)c);
    else if (c == '\\')
      g_string_append(out, "\\\\");
    else
      g_string_append_len(out, p, g_utf8_next_char(p) - p);
    p = g_utf8_next_char(p);
  }
  return g_string_free(out, FALSE);
}

static void log_handler(const char *domain, GLogLevelFlags level, const char *message,
                        gpointer user_data)
{
  g_autofree char *stamp = NULL, *safe = NULL;

  (void)user_data;
  if (!(level & enabled_levels & G_LOG_LEVEL_MASK))
    return;
  stamp = nara_rfc3339_format_ms(g_get_real_time());
  safe = nara_log_escape(message);
  fprintf(stderr, "%s %s %s: %s\n", stamp ? stamp : "", level_name(level), domain ? domain : "nara",
          safe);
  fflush(stderr);
}

static void lws_emit(int level, const char *line)
{
  g_autofree char *copy = g_strchomp(g_strdup(line));
  GLogLevelFlags flags = level == LLL_ERR    ? G_LOG_LEVEL_WARNING /* lws errors are per peer */
                         : level == LLL_WARN ? G_LOG_LEVEL_WARNING
                                             : G_LOG_LEVEL_DEBUG;
  /* lws prefixes its own timestamp; keep the text after it. */
  const char *text = strstr(copy, "] ");
  g_log("nara-lws", flags, "%s", text ? text + 2 : copy);
}

void nara_log_setup(const char *level)
{
  GLogLevelFlags base = G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL;
  int lws_levels = LLL_ERR;

  if (g_str_equal(level, "debug")) {
    enabled_levels
        = base | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG;
    lws_levels |= LLL_WARN | LLL_NOTICE;
  } else if (g_str_equal(level, "info")) {
    enabled_levels = base | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO;
    lws_levels |= LLL_WARN;
  } else if (g_str_equal(level, "warning")) {
    enabled_levels = base | G_LOG_LEVEL_WARNING;
    lws_levels |= LLL_WARN;
  } else {
    enabled_levels = base;
  }
  g_log_set_default_handler(log_handler, NULL);
  lws_set_log_level(lws_levels, lws_emit);
}
