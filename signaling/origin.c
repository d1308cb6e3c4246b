/* origin.c — the WebSocket Origin allowlist (origin.h).
 *
 * Compares strings only, the scheme included: it resolves no names and does not normalise
 * default ports, because browsers already omit them from both Origin and
 * Host (RFC 6454 §6.2, RFC 9110 §7.2), so a same-origin page matches
 * byte for byte. It does not answer the request (signaling.c does).
 *
 * Threading: pure functions, any thread.
 */
#include "origin.h"

#include <string.h>

/* "https://host:port" -> "host:port"; NULL when origin has no scheme. */
static const char *authority(const char *origin)
{
  const char *sep = strstr(origin, "://");
  return sep && sep != origin ? sep + 3 : NULL;
}

/* The scheme of origin is scheme (any case), or, when scheme is NULL,
 * http or https. */
static gboolean scheme_matches(const char *origin, const char *auth, const char *scheme)
{
  gsize n = (gsize)(auth - 3 - origin);
  if (scheme)
    return n == strlen(scheme) && g_ascii_strncasecmp(origin, scheme, n) == 0;
  return (n == 4 && g_ascii_strncasecmp(origin, "http", 4) == 0)
         || (n == 5 && g_ascii_strncasecmp(origin, "https", 5) == 0);
}

static gboolean same_ignoring_slash(const char *a, const char *b)
{
  gsize la = strlen(a), lb = strlen(b);
  if (la && a[la - 1] == '/')
    la--;
  if (lb && b[lb - 1] == '/')
    lb--;
  return la == lb && g_ascii_strncasecmp(a, b, la) == 0;
}

gboolean nara_origin_allowed(const char *origin, const char *host, const char *scheme,
                             const char *const *allowed)
{
  const char *auth;

  if (!origin)
    return TRUE;
  for (guint i = 0; allowed && allowed[i]; i++)
    if (g_str_equal(allowed[i], "*") || same_ignoring_slash(allowed[i], origin))
      return TRUE;
  auth = authority(origin);
  /* An authority with a path or user info is no browser's Origin. */
  if (!auth || !*auth || strpbrk(auth, "/@?#"))
    return FALSE;
  /* http://host:port is another origin than https://host:port (RFC 6454
   * §4): a plain-HTTP page of the same name is not Nara's page. */
  return host && *host && g_ascii_strcasecmp(auth, host) == 0
         && scheme_matches(origin, auth, scheme);
}
