/* claims.c — the claims of a verified join token (RFC 7519 §4, and
 * docs/consultations.md "Tokens").
 *
 * Runs only after the signature checked out (RFC 8725 §3.3: verify before
 * trusting anything in the payload). Checks types, time window with
 * NARA_TOKEN_CLOCK_SKEW_S, iss and aud; it does not decide whether the
 * consultation, participant or role match the store (the caller does).
 *
 * Threading: pure function, control thread.
 */
#include "auth-private.h"

#include <string.h>

static gboolean fail(GError **error, NaraTokenError code, const char *msg)
{
  g_set_error_literal(error, NARA_TOKEN_ERROR, code, msg);
  return FALSE;
}

/* RFC 7519 §2 NumericDate: seconds, possibly fractional. Integers only
 * here: no issuer we know sends fractions, and doubles invite overflow. */
static gboolean numeric_date(json_t *payload, const char *name, gboolean required, gint64 *out,
                             GError **error)
{
  json_t *v = json_object_get(payload, name);

  *out = 0;
  if (v == NULL)
    return required ? fail(error, NARA_TOKEN_ERROR_CLAIMS, "a time claim is missing") : TRUE;
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return fail(error, NARA_TOKEN_ERROR_CLAIMS, "a time claim is not a non-negative integer");
  *out = json_integer_value(v);
  return TRUE;
}

/* (transfer full) into *out; missing is an error only when required. */
static gboolean string_claim(json_t *payload, const char *name, gboolean required, char **out,
                             GError **error)
{
  json_t *v = json_object_get(payload, name);

  if (v == NULL && !required)
    return TRUE;
  if (!json_is_string(v) || json_string_length(v) == 0)
    return fail(error, NARA_TOKEN_ERROR_CLAIMS, "a required claim is missing or not a string");
  *out = g_strdup(json_string_value(v));
  return TRUE;
}

/* RFC 7519 §4.1.3: aud is one string or an array of strings; ours must be
 * among them. */
gboolean nara_claims_audience_contains(json_t *aud, const char *audience)
{
  if (json_is_string(aud))
    return strcmp(json_string_value(aud), audience) == 0;
  if (json_is_array(aud)) {
    gsize i;
    json_t *v;
    json_array_foreach(aud, i, v)
    {
      if (json_is_string(v) && strcmp(json_string_value(v), audience) == 0)
        return TRUE;
    }
  }
  return FALSE;
}

gboolean nara_claims_check(json_t *payload, const char *issuer, const char *audience, gint64 now,
                           gboolean join, gint64 max_lifetime_s, NaraTokenClaims *out,
                           GError **error)
{
  json_t *iss = json_object_get(payload, "iss");
  NaraTokenClaims c = { 0 };

  if (!json_is_object(payload))
    return fail(error, NARA_TOKEN_ERROR_MALFORMED, "the payload is not a JSON object");
  /* exp is required (RFC 8725 §3.10 wants bounded lifetimes); nbf, iat not. */
  if (!numeric_date(payload, "exp", TRUE, &c.exp, error)
      || !numeric_date(payload, "nbf", FALSE, &c.nbf, error)
      || !numeric_date(payload, "iat", FALSE, &c.iat, error))
    goto fail;
  /* RFC 7519 §4.1.4: now must be before exp; §4.1.5: not before nbf; both
   * "MAY provide for some small leeway", which is NARA_TOKEN_CLOCK_SKEW_S. */
  if (now - NARA_TOKEN_CLOCK_SKEW_S >= c.exp) {
    fail(error, NARA_TOKEN_ERROR_EXPIRED, "the token has expired");
    goto fail;
  }
  /* RFC 8725 §3.10: a leaked link must not stay good for years, whoever
   * minted it (the IdP's links too). */
  if (max_lifetime_s > 0 && c.exp - now > max_lifetime_s + NARA_TOKEN_CLOCK_SKEW_S) {
    fail(error, NARA_TOKEN_ERROR_LIFETIME, "the token is valid for longer than allowed");
    goto fail;
  }
  if (c.nbf != 0 && now + NARA_TOKEN_CLOCK_SKEW_S < c.nbf) {
    fail(error, NARA_TOKEN_ERROR_NOT_YET_VALID, "the token is not valid yet");
    goto fail;
  }
  if (!json_is_string(iss) || strcmp(json_string_value(iss), issuer) != 0) {
    fail(error, NARA_TOKEN_ERROR_ISSUER, "the token is from another issuer");
    goto fail;
  }
  if (!nara_claims_audience_contains(json_object_get(payload, "aud"), audience)) {
    fail(error, NARA_TOKEN_ERROR_AUDIENCE, "the token is for another audience");
    goto fail;
  }
  /* An access token for the REST API names only its subject (the booking
   * system or person the identity provider vouches for). */
  if (!string_claim(payload, "sub", TRUE, &c.participant, error)
      || !string_claim(payload, "cid", join, &c.consultation, error)
      || !string_claim(payload, "role", join, &c.role, error)
      || !string_claim(payload, "name", FALSE, &c.name, error)
      || !string_claim(payload, "acr", FALSE, &c.assurance, error)
      || !string_claim(payload, "jti", FALSE, &c.jti, error))
    goto fail;
  if (out != NULL)
    *out = c;
  else
    nara_token_claims_clear(&c);
  return TRUE;

fail:
  nara_token_claims_clear(&c);
  return FALSE;
}
