/* rest_auth.c — who is calling the REST API: "Authorization: Bearer <key>".
 *
 * API keys ("nara_…", made by `nara apikey create`) are looked up by their
 * SHA-256 in the store. Bearer JWTs from an identity provider are not
 * accepted yet: auth/token.h verifies join tokens only (it requires the
 * cid/sub/role/name claims), so an API access token cannot pass it. Keys
 * are never logged.
 *
 * Threading: control thread.
 */
#include "rest-private.h"

#include <string.h>

#include <openssl/crypto.h>

#include "token.h"

gboolean nara_rest_authenticate(NaraRest *rest, const char *authorization, char **key_id)
{
  guint8 hash[32];
  const char *token;
  gboolean found;

  *key_id = NULL;
  /* RFC 6750 §2.1: "Bearer" (case-insensitive auth-scheme, RFC 9110
   * §11.1), one or more spaces, the token. */
  if (!authorization || g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
    return FALSE;
  token = authorization + 7;
  while (*token == ' ')
    token++;
  if (!g_str_has_prefix(token, "nara_") || strchr(token, ' '))
    return FALSE;
  nara_apikey_hash(token, hash);
  found = nara_store_apikey_find(rest->services->store, hash, key_id);
  OPENSSL_cleanse(hash, sizeof hash);
  return found;
}
