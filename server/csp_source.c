/* csp_source.c — whether a configured origin may go into the pages'
 * Content-Security-Policy connect-src (server.csp_connect_src).
 *
 * A string check of its own, apart from http.c, so the configuration
 * check (wiring.c) and its fuzz target need no libwebsockets.
 *
 * Threading: any; it keeps no state.
 */
#include "http.h"

#include <string.h>

gboolean nara_http_connect_src_valid(const char *source)
{
  const char *p = NULL;

  for (const char *const *s = (const char *const[]){ "wss://", "ws://", "https://", NULL }; *s; s++)
    if (g_str_has_prefix(source, *s))
      p = source + strlen(*s);
  if (!p)
    return FALSE;
  /* A host with an optional "*." for its subdomains and port: no path,
   * quote, semicolon or space that could end the directive or add one. */
  if (g_str_has_prefix(p, "*."))
    p += 2;
  if (!g_ascii_isalnum(*p))
    return FALSE;
  while (g_ascii_isalnum(*p) || *p == '-' || *p == '.')
    p++;
  if (*p == ':') {
    const char *digits = ++p;
    while (g_ascii_isdigit(*p))
      p++;
    if (p == digits || p - digits > 5)
      return FALSE;
  }
  return *p == '\0' || (p[0] == '/' && p[1] == '\0');
}
