/* jwks.c — loads the identity provider's public keys from a JWK Set
 * (RFC 7517 §5) into OpenSSL keys, each bound to one JWS algorithm.
 *
 * Accepts kty "RSA" (n, e; at least 2048 bits) for RS256 and kty "EC" with
 * crv "P-256" (x, y) for ES256 (RFC 7518 §6). A key without "alg" gets the
 * only algorithm Nara allows for its type. Refuses private keys, "use"
 * other than "sig", duplicate kids, and anything else it cannot use: a
 * configuration mistake is reported at start, never at a patient's join.
 * Does no I/O: the caller read the file.
 *
 * Threading: control thread, at verifier creation.
 */
#include "auth-private.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#define MIN_RSA_BITS 2048
#define MAX_KEYS 64

void nara_jwk_free(NaraJwk *jwk)
{
  if (jwk == NULL)
    return;
  g_free(jwk->kid);
  EVP_PKEY_free(jwk->pkey);
  g_free(jwk);
}

static gboolean config_error(GError **error, guint index, const char *why)
{
  g_set_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_CONFIG, "JWKS key %u: %s", index, why);
  return FALSE;
}

/* (transfer full) The base64url member name of key, or NULL. */
static guint8 *member_bytes(json_t *key, const char *name, gsize *len)
{
  const char *s = json_string_value(json_object_get(key, name));

  return s != NULL ? nara_b64url_decode(s, strlen(s), len) : NULL;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
  EVP_PKEY *pkey = NULL;

  if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1
      || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    pkey = NULL;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return pkey;
}

static EVP_PKEY *rsa_key(json_t *key, guint index, GError **error)
{
  g_autofree guint8 *n = NULL, *e = NULL;
  gsize n_len = 0, e_len = 0;
  BIGNUM *bn_n = NULL, *bn_e = NULL;
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  EVP_PKEY *pkey = NULL;

  n = member_bytes(key, "n", &n_len);
  e = member_bytes(key, "e", &e_len);
  if (n == NULL || e == NULL || n_len == 0 || e_len == 0 || e_len > 8) {
    config_error(error, index, "RSA key needs base64url \"n\" and \"e\"");
    goto out;
  }
  bn_n = BN_bin2bn(n, (int)n_len, NULL);
  bn_e = BN_bin2bn(e, (int)e_len, NULL);
  if (BN_num_bits(bn_n) < MIN_RSA_BITS) {
    config_error(error, index, "RSA key shorter than 2048 bits");
    goto out;
  }
  /* e must be odd and > 1, or the key is nonsense (and verification with it
   * trivially forgeable for e = 1). */
  if (!BN_is_odd(bn_e) || BN_is_one(bn_e)) {
    config_error(error, index, "RSA exponent is not usable");
    goto out;
  }
  if (bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n)
      || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e)
      || (pkey = from_params("RSA", bld)) == NULL)
    config_error(error, index, "OpenSSL refused the RSA key");
out:
  BN_free(bn_n);
  BN_free(bn_e);
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

static EVP_PKEY *ec_key(json_t *key, guint index, GError **error)
{
  g_autofree guint8 *x = NULL, *y = NULL;
  gsize x_len = 0, y_len = 0;
  guint8 point[65];
  OSSL_PARAM_BLD *bld = NULL;
  EVP_PKEY *pkey = NULL;
  EVP_PKEY_CTX *check = NULL;

  if (g_strcmp0(json_string_value(json_object_get(key, "crv")), "P-256") != 0) {
    config_error(error, index, "EC key is not on curve P-256");
    return NULL;
  }
  x = member_bytes(key, "x", &x_len);
  y = member_bytes(key, "y", &y_len);
  /* RFC 7518 §6.2.1.2: x and y are exactly the field size, 32 bytes. */
  if (x == NULL || y == NULL || x_len != 32 || y_len != 32) {
    config_error(error, index, "EC key needs 32-byte base64url \"x\" and \"y\"");
    return NULL;
  }
  point[0] = 0x04; /* SEC 1 §2.3.3 uncompressed point */
  memcpy(point + 1, x, 32);
  memcpy(point + 33, y, 32);
  bld = OSSL_PARAM_BLD_new();
  if (bld != NULL && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0)
      && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point))
    pkey = from_params("EC", bld);
  OSSL_PARAM_BLD_free(bld);
  /* A point off the curve enables invalid-curve attacks; check it. */
  if (pkey != NULL) {
    check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (check == NULL || EVP_PKEY_public_check(check) != 1)
      g_clear_pointer(&pkey, EVP_PKEY_free);
    EVP_PKEY_CTX_free(check);
  }
  if (pkey == NULL)
    config_error(error, index, "EC point is not on P-256");
  return pkey;
}

static NaraJwk *parse_key(json_t *key, guint index, GError **error)
{
  const char *kty = json_string_value(json_object_get(key, "kty"));
  json_t *kid = json_object_get(key, "kid"), *alg = json_object_get(key, "alg");
  json_t *use = json_object_get(key, "use");
  NaraJwsAlg want;
  NaraJwk *jwk;

  if (!json_is_object(key))
    return config_error(error, index, "not an object"), NULL;
  if (g_strcmp0(kty, "RSA") == 0)
    want = NARA_JWS_RS256;
  else if (g_strcmp0(kty, "EC") == 0)
    want = NARA_JWS_ES256;
  else
    return config_error(error, index, "kty is not RSA or EC"), NULL;
  /* RFC 7517 §4.2: "sig" is the only use a verification key can have. */
  if (use != NULL && g_strcmp0(json_string_value(use), "sig") != 0)
    return config_error(error, index, "use is not \"sig\""), NULL;
  if (json_object_get(key, "d") != NULL)
    return config_error(error, index, "private key material in the JWKS"), NULL;
  if (kid != NULL && (!json_is_string(kid) || json_string_length(kid) == 0))
    return config_error(error, index, "kid is not a non-empty string"), NULL;
  if (alg != NULL) {
    NaraJwsAlg a;
    /* RFC 8725 §3.1: one algorithm per key; RS256 for RSA, ES256 for EC. */
    if (!nara_jws_alg_from_string(json_string_value(alg), &a) || a != want)
      return config_error(error, index, "alg is not the one Nara allows for this kty"), NULL;
  }
  jwk = g_new0(NaraJwk, 1);
  jwk->alg = want;
  jwk->kid = g_strdup(json_string_value(kid));
  jwk->pkey = want == NARA_JWS_RS256 ? rsa_key(key, index, error) : ec_key(key, index, error);
  if (jwk->pkey == NULL) {
    nara_jwk_free(jwk);
    return NULL;
  }
  return jwk;
}

static GPtrArray *parse(const char *text, GError **error);

GPtrArray *nara_jwks_parse(const char *text, GError **error)
{
  GPtrArray *keys = parse(text, error);

  ERR_clear_error(); /* refused keys leave errors that TLS code would read */
  return keys;
}

static GPtrArray *parse(const char *text, GError **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)nara_jwk_free);
  json_error_t jerr;
  json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  json_t *arr = json_object_get(root, "keys");
  gboolean ok = TRUE;

  if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > MAX_KEYS) {
    if (root == NULL)
      g_set_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_CONFIG,
                  "JWKS is not JSON (line %d: %s)", jerr.line, jerr.text);
    else
      g_set_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_CONFIG,
                  "JWKS needs a \"keys\" array of 1 to %d keys", MAX_KEYS);
    json_decref(root);
    return NULL;
  }
  for (guint i = 0; ok && i < json_array_size(arr); i++) {
    NaraJwk *jwk = parse_key(json_array_get(arr, i), i, error);

    if (jwk == NULL) {
      ok = FALSE;
      break;
    }
    g_ptr_array_add(keys, jwk);
  }
  for (guint i = 0; ok && i < keys->len; i++) {
    NaraJwk *a = g_ptr_array_index(keys, i);
    /* With several keys a token must name one: every key needs a kid. */
    if (a->kid == NULL && keys->len > 1)
      ok = config_error(error, i, "kid missing (required when the set has several keys)");
    for (guint j = i + 1; ok && j < keys->len; j++)
      if (g_strcmp0(a->kid, ((NaraJwk *)g_ptr_array_index(keys, j))->kid) == 0)
        ok = config_error(error, j, "duplicate kid");
  }
  json_decref(root);
  return ok ? g_steal_pointer(&keys) : NULL;
}
