/* token.c — verifying join tokens (compact JWS, RFC 7515 §7.1) and
 * signing Nara's own HS256 links.
 *
 * The key decides the algorithm (RFC 8725 §3.1): HS256 is checked only
 * with the server secret, RS256/ES256 only with a JWKS key bound to that
 * algorithm, so an HS256 token "signed" with a public key finds no key.
 * Header members jku, x5u, jwk and x5c are ignored: keys are never fetched
 * or taken from a token. Tokens are never logged or kept.
 *
 * Threading: control thread only.
 */
#include "auth-private.h"

#include <string.h>

#include <openssl/crypto.h>

#include "random_id.h"

#define MIN_SECRET_BYTES 32 /* RFC 7518 §3.2: key at least the hash size */

G_DEFINE_QUARK(nara - token - error - quark, nara_token_error)

struct _NaraTokenVerifier {
  char *issuer, *audience, *idp_issuer;
  guint8 *secret; /* NULL: HS256 refused */
  gsize secret_len;
  GPtrArray *keys; /* NaraJwk*; may be empty */
  gint64 max_lifetime_s;
};

static const char *const error_codes[] = {
  [NARA_TOKEN_ERROR_MALFORMED] = "token-malformed",
  [NARA_TOKEN_ERROR_TOO_LARGE] = "token-too-large",
  [NARA_TOKEN_ERROR_ALGORITHM] = "token-algorithm",
  [NARA_TOKEN_ERROR_UNKNOWN_KEY] = "token-unknown-key",
  [NARA_TOKEN_ERROR_SIGNATURE] = "token-signature",
  [NARA_TOKEN_ERROR_EXPIRED] = "token-expired",
  [NARA_TOKEN_ERROR_NOT_YET_VALID] = "token-not-yet-valid",
  [NARA_TOKEN_ERROR_ISSUER] = "token-issuer",
  [NARA_TOKEN_ERROR_AUDIENCE] = "token-audience",
  [NARA_TOKEN_ERROR_CLAIMS] = "token-claims",
  [NARA_TOKEN_ERROR_CONFIG] = "token-config",
  [NARA_TOKEN_ERROR_CLIENT] = "token-client",
  [NARA_TOKEN_ERROR_SCOPE] = "token-scope",
  [NARA_TOKEN_ERROR_LIFETIME] = "token-lifetime",
};

const char *nara_token_error_code(const GError *error)
{
  if (error == NULL || error->domain != NARA_TOKEN_ERROR || error->code < 0
      || error->code >= (int)G_N_ELEMENTS(error_codes))
    return "token-invalid";
  return error_codes[error->code];
}

void nara_token_claims_clear(NaraTokenClaims *c)
{
  if (c == NULL)
    return;
  g_clear_pointer(&c->consultation, g_free);
  g_clear_pointer(&c->participant, g_free);
  g_clear_pointer(&c->role, g_free);
  g_clear_pointer(&c->name, g_free);
  g_clear_pointer(&c->assurance, g_free);
  g_clear_pointer(&c->jti, g_free);
  c->nbf = c->exp = c->iat = 0;
}

NaraTokenVerifier *nara_token_verifier_new(const NaraTokenConfig *config, GError **error)
{
  NaraTokenVerifier *v;
  GPtrArray *keys = NULL;

  if (config->issuer == NULL || config->issuer[0] == '\0' || config->audience == NULL
      || config->audience[0] == '\0') {
    g_set_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_CONFIG,
                "issuer and audience are required");
    return NULL;
  }
  if (config->hs256_secret != NULL && config->hs256_secret_len < MIN_SECRET_BYTES) {
    g_set_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_CONFIG,
                "the HS256 secret must be at least %d bytes", MIN_SECRET_BYTES);
    return NULL;
  }
  if (config->hs256_secret == NULL && config->jwks_json == NULL) {
    g_set_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_CONFIG,
                "neither an HS256 secret nor a JWKS: no token could verify");
    return NULL;
  }
  if (config->jwks_json != NULL && (keys = nara_jwks_parse(config->jwks_json, error)) == NULL)
    return NULL;
  v = g_new0(NaraTokenVerifier, 1);
  v->issuer = g_strdup(config->issuer);
  v->audience = g_strdup(config->audience);
  v->idp_issuer = g_strdup(config->idp_issuer != NULL ? config->idp_issuer : config->issuer);
  if (config->hs256_secret != NULL) {
    v->secret = g_memdup2(config->hs256_secret, config->hs256_secret_len);
    v->secret_len = config->hs256_secret_len;
  }
  v->keys = keys != NULL ? keys : g_ptr_array_new_with_free_func((GDestroyNotify)nara_jwk_free);
  v->max_lifetime_s = config->max_lifetime_s;
  return v;
}

void nara_token_verifier_free(NaraTokenVerifier *v)
{
  if (v == NULL)
    return;
  if (v->secret != NULL)
    OPENSSL_cleanse(v->secret, v->secret_len);
  g_free(v->secret);
  g_free(v->issuer);
  g_free(v->audience);
  g_free(v->idp_issuer);
  g_ptr_array_unref(v->keys);
  g_free(v);
}

static gboolean fail(GError **error, NaraTokenError code, const char *msg)
{
  g_set_error_literal(error, NARA_TOKEN_ERROR, code, msg);
  return FALSE;
}

/* (transfer full) The JSON object in one base64url part, or NULL. */
static json_t *decode_json_part(const char *part, gsize len)
{
  gsize n = 0;
  g_autofree guint8 *raw = nara_b64url_decode(part, len, &n);
  json_t *j;

  if (raw == NULL)
    return NULL;
  /* Duplicate names are refused: two parsers reading different "alg" or
   * "sub" values from one token is a known confusion (RFC 7515 §4). */
  j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
  if (j != NULL && !json_is_object(j))
    g_clear_pointer(&j, json_decref);
  return j;
}

/* Picks the key the header asks for, or fails; *key NULL means HS256. */
static gboolean choose_key(NaraTokenVerifier *v, json_t *header, NaraJwsAlg *alg,
                           const NaraJwk **key, GError **error)
{
  json_t *alg_j = json_object_get(header, "alg"), *kid_j = json_object_get(header, "kid");
  json_t *typ = json_object_get(header, "typ");
  const char *kid;

  if (!json_is_string(alg_j))
    return fail(error, NARA_TOKEN_ERROR_MALFORMED, "the header has no alg");
  /* "none" and everything not on the list (RFC 8725 §3.1, §2.1). */
  if (!nara_jws_alg_from_string(json_string_value(alg_j), alg))
    return fail(error, NARA_TOKEN_ERROR_ALGORITHM, "algorithm not accepted");
  /* RFC 7519 §5.1: typ, if present, is "JWT" (case-insensitive). */
  if (typ != NULL && (!json_is_string(typ) || g_ascii_strcasecmp(json_string_value(typ), "JWT")))
    return fail(error, NARA_TOKEN_ERROR_MALFORMED, "the header's typ is not JWT");
  /* RFC 7515 §4.1.11: extensions we do not understand must be refused. */
  if (json_object_get(header, "crit") != NULL)
    return fail(error, NARA_TOKEN_ERROR_MALFORMED, "the header lists critical extensions");
  if (kid_j != NULL && !json_is_string(kid_j))
    return fail(error, NARA_TOKEN_ERROR_MALFORMED, "the header's kid is not a string");
  kid = json_string_value(kid_j);
  *key = NULL;
  if (*alg == NARA_JWS_HS256) {
    /* Only ever the server secret, whatever kid says: never a public key. */
    if (v->secret == NULL)
      return fail(error, NARA_TOKEN_ERROR_ALGORITHM, "HS256 tokens are not accepted here");
    return TRUE;
  }
  if (v->keys->len == 0)
    return fail(error, NARA_TOKEN_ERROR_ALGORITHM, "no public keys configured");
  if (kid == NULL) {
    if (v->keys->len > 1)
      return fail(error, NARA_TOKEN_ERROR_UNKNOWN_KEY, "kid required: several keys configured");
    *key = g_ptr_array_index(v->keys, 0);
  } else {
    for (guint i = 0; i < v->keys->len && *key == NULL; i++) {
      const NaraJwk *k = g_ptr_array_index(v->keys, i);
      if (g_strcmp0(k->kid, kid) == 0)
        *key = k;
    }
    if (*key == NULL)
      return fail(error, NARA_TOKEN_ERROR_UNKNOWN_KEY, "no key with that kid");
  }
  if ((*key)->alg != *alg)
    return fail(error, NARA_TOKEN_ERROR_ALGORITHM, "the key does not allow this algorithm");
  return TRUE;
}

gboolean nara_token_verify_payload(NaraTokenVerifier *v, const char *token, const char *audience,
                                   gint64 now, NaraTokenClaims *out, json_t **payload_out,
                                   GError **error)
{
  const char *dot1, *dot2;
  gsize len, sig_len = 0;
  g_autofree guint8 *sig = NULL;
  json_t *header = NULL, *payload = NULL;
  const NaraJwk *key = NULL;
  NaraJwsAlg alg;
  gboolean ok = FALSE, sig_ok;

  g_return_val_if_fail(v != NULL, FALSE);
  if (token == NULL)
    return fail(error, NARA_TOKEN_ERROR_MALFORMED, "no token");
  /* Bounded before any work: a join link never needs more, and a huge
   * token would only cost base64, JSON and signature work. */
  len = strnlen(token, NARA_TOKEN_MAX_BYTES + 1);
  if (len > NARA_TOKEN_MAX_BYTES)
    return fail(error, NARA_TOKEN_ERROR_TOO_LARGE, "the token is too large");
  /* RFC 7515 §7.1: BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(sig). */
  dot1 = memchr(token, '.', len);
  dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', len - (gsize)(dot1 + 1 - token)) : NULL;
  if (dot2 == NULL || memchr(dot2 + 1, '.', len - (gsize)(dot2 + 1 - token)) != NULL)
    return fail(error, NARA_TOKEN_ERROR_MALFORMED, "not three dot-separated parts");
  header = decode_json_part(token, (gsize)(dot1 - token));
  if (header == NULL) {
    fail(error, NARA_TOKEN_ERROR_MALFORMED, "the header is not base64url JSON");
    goto out;
  }
  if (!choose_key(v, header, &alg, &key, error))
    goto out;
  /* The server secret mints join links; it must never open the REST API. */
  if (audience != NULL && key == NULL) {
    fail(error, NARA_TOKEN_ERROR_ALGORITHM, "access tokens must come from the identity provider");
    goto out;
  }
  sig = nara_b64url_decode(dot2 + 1, len - (gsize)(dot2 + 1 - token), &sig_len);
  if (sig == NULL) {
    fail(error, NARA_TOKEN_ERROR_MALFORMED, "the signature is not base64url");
    goto out;
  }
  /* RFC 8725 §3.3: nothing in the payload is read before this. */
  if (key == NULL)
    sig_ok = nara_jws_verify_hs256(v->secret, v->secret_len, token, (gsize)(dot2 - token), sig,
                                   sig_len);
  else
    sig_ok = nara_jws_verify_pkey(key, token, (gsize)(dot2 - token), sig, sig_len);
  if (!sig_ok) {
    fail(error, NARA_TOKEN_ERROR_SIGNATURE, "bad signature");
    goto out;
  }
  payload = decode_json_part(dot1 + 1, (gsize)(dot2 - dot1 - 1));
  if (payload == NULL) {
    fail(error, NARA_TOKEN_ERROR_MALFORMED, "the payload is not base64url JSON");
    goto out;
  }
  ok = nara_claims_check(payload, key == NULL ? v->issuer : v->idp_issuer,
                         audience != NULL ? audience : v->audience, now, audience == NULL,
                         v->max_lifetime_s, out, error);
  if (ok && payload_out != NULL)
    *payload_out = json_incref(payload);
out:
  json_decref(header);
  json_decref(payload);
  return ok;
}

gboolean nara_token_verify(NaraTokenVerifier *v, const char *token, gint64 now,
                           NaraTokenClaims *out, GError **error)
{
  return nara_token_verify_payload(v, token, NULL, now, out, NULL, error);
}

const char *nara_token_verifier_audience(NaraTokenVerifier *v)
{
  return v->audience;
}

static char *encode_json(json_t *j)
{
  char *text = json_dumps(j, JSON_COMPACT);
  char *b64 = nara_b64url_encode((const guint8 *)text, strlen(text));

  free(text);
  return b64;
}

static void set_string(json_t *o, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_new(o, name, json_string(value));
}

char *nara_token_sign_hs256(NaraTokenVerifier *v, const NaraTokenClaims *c)
{
  json_t *header, *payload;
  g_autofree char *h = NULL, *p = NULL, *s = NULL, *input = NULL, *jti = NULL;
  guint8 mac[32];

  g_return_val_if_fail(v != NULL && c != NULL && v->secret != NULL, NULL);
  header = json_pack("{s:s, s:s}", "alg", "HS256", "typ", "JWT");
  payload = json_object();
  set_string(payload, "iss", v->issuer);
  set_string(payload, "aud", v->audience);
  set_string(payload, "cid", c->consultation);
  set_string(payload, "sub", c->participant);
  set_string(payload, "role", c->role);
  /* Identifiers only: a link travels by SMS and e-mail and stays in browser
   * history, so the name and identity level stay in the store. */
  json_object_set_new(payload, "iat",
                      json_integer(c->iat != 0 ? c->iat : g_get_real_time() / G_USEC_PER_SEC));
  if (c->nbf != 0)
    json_object_set_new(payload, "nbf", json_integer(c->nbf));
  json_object_set_new(payload, "exp", json_integer(c->exp));
  if (c->jti == NULL) {
    guint8 raw[16]; /* 128 random bits: unique without coordination */
    nara_random_bytes(raw, sizeof raw);
    jti = nara_b64url_encode(raw, sizeof raw);
  }
  set_string(payload, "jti", c->jti != NULL ? c->jti : jti);
  h = encode_json(header);
  p = encode_json(payload);
  json_decref(header);
  json_decref(payload);
  input = g_strconcat(h, ".", p, NULL);
  nara_jws_hs256(v->secret, v->secret_len, input, strlen(input), mac);
  s = nara_b64url_encode(mac, sizeof mac);
  return g_strconcat(input, ".", s, NULL);
}
