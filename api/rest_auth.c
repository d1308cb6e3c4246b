/* rest_auth.c — who is calling the REST API: "Authorization: Bearer <…>",
 * and what they may do.
 *
 * API keys ("nara_…", made by `nara apikey create`) are looked up by their
 * SHA-256 in the store and carry their own scopes, expiry and revocation.
 * Anything else must be an access token (JWT) from the configured identity
 * provider: signed with a JWKS key, never the server secret, with aud =
 * auth.api_audience and never the join audience, from a client on
 * auth.api_clients, with scopes in auth.api_scope_claim; its sub names the
 * caller. Keys and tokens are never logged. The key lookup runs on the
 * store's thread; the caller hears of it in a callback.
 *
 * Threading: control thread.
 */
#include "rest-private.h"

#include <string.h>

#include <openssl/crypto.h>

#include "token.h"

void nara_rest_caller_clear(NaraRestCaller *caller)
{
  g_clear_pointer(&caller->key_id, g_free);
  g_clear_pointer(&caller->who, g_free);
  caller->scopes = 0;
  caller->refusal = NULL;
}

void nara_rest_caller_from_key(NaraRestCaller *caller, const NaraStoreApiKey *key, gint64 now)
{
  guint scopes = 0;

  nara_rest_caller_clear(caller);
  if (!key) {
    caller->refusal = "apikey-unknown";
    return;
  }
  if (key->revoked_at) {
    caller->refusal = "apikey-revoked";
    caller->who = g_strconcat("api:", key->id, NULL);
    return;
  }
  if (key->expires_at && now >= key->expires_at) {
    caller->refusal = "apikey-expired";
    caller->who = g_strconcat("api:", key->id, NULL);
    return;
  }
  /* A scope name this build does not know (written by a newer one) is
   * not granted; the known ones still are. */
  nara_scopes_parse(key->scopes, TRUE, &scopes, NULL);
  caller->key_id = g_strdup(key->id);
  caller->scopes = scopes;
}

gboolean nara_rest_authenticate(NaraRest *rest, const char *authorization, NaraRestCaller *caller,
                                NaraStoreCallback found, gpointer data)
{
  guint8 hash[32];
  const char *token;

  nara_rest_caller_clear(caller);
  /* RFC 6750 §2.1: "Bearer" (case-insensitive auth-scheme, RFC 9110
   * §11.1), one or more spaces, the token. */
  caller->refusal = "credentials-malformed";
  if (!authorization || g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
    return TRUE;
  token = authorization + 7;
  while (*token == ' ')
    token++;
  if (strchr(token, ' '))
    return TRUE;
  if (!g_str_has_prefix(token, "nara_")) {
    g_autofree char *subject = NULL;
    g_autoptr(GError) error = NULL;
    guint scopes = 0;

    if (!nara_token_verify_access(rest->services->tokens, token, &rest->services->access,
                                  g_get_real_time() / G_USEC_PER_SEC, &subject, &scopes, &error)) {
      caller->refusal = nara_token_error_code(error);
      return TRUE;
    }
    caller->refusal = NULL;
    caller->key_id = g_strconcat("idp:", subject, NULL);
    caller->scopes = scopes;
    return TRUE;
  }
  caller->refusal = NULL;
  /* Only the hash leaves this function (the store's copy is wiped too). */
  nara_apikey_hash(token, hash);
  nara_store_apikey_find_async(rest->services->store, hash, found, data);
  OPENSSL_cleanse(hash, sizeof hash);
  return FALSE;
}
