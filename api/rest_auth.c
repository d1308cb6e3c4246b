/* rest_auth.c — who is calling the REST API: "Authorization: Bearer <…>".
 *
 * API keys ("nara_…", made by `nara apikey create`) are looked up by their
 * SHA-256 in the store. Anything else must be an access token (JWT) from
 * the configured identity provider: signed with a JWKS key, never the
 * server secret, with aud = auth.api_audience; its sub names the caller.
 * Keys and tokens are never logged. The key lookup runs on the store's
 * thread; the caller hears of it in a callback.
 *
 * Threading: control thread.
 */
#include "rest-private.h"

#include <string.h>

#include <openssl/crypto.h>

#include "token.h"

gboolean nara_rest_authenticate(NaraRest *rest, const char *authorization, char **key_id,
                                NaraStoreCallback found, gpointer data)
{
  guint8 hash[32];
  const char *token;

  *key_id = NULL;
  /* RFC 6750 §2.1: "Bearer" (case-insensitive auth-scheme, RFC 9110
   * §11.1), one or more spaces, the token. */
  if (!authorization || g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
    return TRUE;
  token = authorization + 7;
  while (*token == ' ')
    token++;
  if (strchr(token, ' '))
    return TRUE;
  if (!g_str_has_prefix(token, "nara_")) {
    g_autofree char *subject = NULL;
    if (!nara_token_verify_access(rest->services->tokens, token, rest->services->api_audience,
                                  g_get_real_time() / G_USEC_PER_SEC, &subject, NULL))
      return TRUE;
    *key_id = g_strconcat("idp:", subject, NULL);
    return TRUE;
  }
  /* Only the hash leaves this function (the store's copy is wiped too). */
  nara_apikey_hash(token, hash);
  nara_store_apikey_find_async(rest->services->store, hash, found, data);
  OPENSSL_cleanse(hash, sizeof hash);
  return FALSE;
}
