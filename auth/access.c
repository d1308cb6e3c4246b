/* access.c — an identity provider's access tokens for the REST API.
 *
 * A token the IdP signed for Nara's API audience is not enough on its own:
 * any client of that IdP could ask for one. It must also come from an
 * allowed client (azp, or client_id of RFC 9068 §2.2) and name at least one
 * Nara scope in the configured claim (RFC 8693 "scope", or an array such as
 * "roles"); it opens only what those scopes allow. A token whose aud also
 * holds the join audience is refused: one token must not be a join link
 * and an admin credential at once.
 *
 * Threading: control thread, like token.c.
 */
#include "auth-private.h"

#include <string.h>

static gboolean fail(GError **error, NaraTokenError code, const char *msg)
{
  g_set_error_literal(error, NARA_TOKEN_ERROR, code, msg);
  return FALSE;
}

static gboolean client_allowed(json_t *payload, const char *const *clients)
{
  json_t *azp = json_object_get(payload, "azp");
  json_t *client = json_object_get(payload, "client_id");
  const char *who = json_is_string(azp) ? json_string_value(azp) : json_string_value(client);

  return who != NULL && clients != NULL && g_strv_contains(clients, who);
}

/* Nara scopes named in one word list; "all" is a convenience of the
 * command line, never something an identity provider grants. */
static guint scopes_in(const char *text)
{
  g_auto(GStrv) words = g_strsplit(text, " ", -1);
  guint set = 0, one;

  for (guint i = 0; words[i]; i++)
    if (!g_str_equal(words[i], "all") && nara_scopes_parse(words[i], TRUE, &one, NULL))
      set |= one;
  return set;
}

/* The Nara scopes in claim: a space-separated string or an array of strings. */
static guint granted_scopes(json_t *claim)
{
  guint set = 0;
  gsize i;
  json_t *v;

  if (json_is_string(claim))
    return scopes_in(json_string_value(claim));
  json_array_foreach(claim, i, v)
  {
    if (json_is_string(v) && !strchr(json_string_value(v), ' '))
      set |= scopes_in(json_string_value(v));
  }
  return set;
}

gboolean nara_token_verify_access(NaraTokenVerifier *v, const char *token,
                                  const NaraAccessPolicy *policy, gint64 now, char **subject,
                                  guint *scopes, GError **error)
{
  NaraTokenClaims c = { 0 };
  json_t *payload = NULL;
  const char *join_audience;
  gboolean ok = FALSE;

  g_return_val_if_fail(policy != NULL && policy->audience != NULL && subject != NULL, FALSE);
  *subject = NULL;
  *scopes = 0;
  if (!nara_token_verify_payload(v, token, policy->audience, now, &c, &payload, error))
    return FALSE;
  join_audience = policy->join_audience ? policy->join_audience : nara_token_verifier_audience(v);
  if (nara_claims_audience_contains(json_object_get(payload, "aud"), join_audience)) {
    fail(error, NARA_TOKEN_ERROR_AUDIENCE, "an access token must not be a join token too");
    goto out;
  }
  if (!client_allowed(payload, policy->clients)) {
    fail(error, NARA_TOKEN_ERROR_CLIENT, "the token's client is not allowed");
    goto out;
  }
  *scopes = granted_scopes(
      json_object_get(payload, policy->scope_claim ? policy->scope_claim : "scope"));
  if (*scopes == 0) {
    fail(error, NARA_TOKEN_ERROR_SCOPE, "the token grants no Nara scope");
    goto out;
  }
  *subject = g_steal_pointer(&c.participant);
  ok = TRUE;
out:
  json_decref(payload);
  nara_token_claims_clear(&c);
  return ok;
}
