/* token_test_util.c — building and signing JWTs for the auth tests with
 * OpenSSL EVP and GLib's base64, independently of auth/.
 *
 * Keys are generated once per test binary (token_test_keys_init). No
 * network, no files.
 */
#include "token_test_util.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

const guint8 secret[32] = "0123456789abcdef0123456789abcdef";

EVP_PKEY *rsa_key, *rsa_key2, *ec_key, *attacker_rsa;
char *jwks;

/* ---- building tokens, independently of auth/ ---- */

char *b64url(const guint8 *data, gsize len)
{
  g_autofree char *b = g_base64_encode(data, len);
  GString *s = g_string_new(NULL);

  for (char *p = b; *p && *p != '='; p++)
    g_string_append_c(s, *p == '+' ? '-' : *p == '/' ? '_' : *p);
  return g_string_free(s, FALSE);
}

guint8 *unb64url(const char *s, gsize *len)
{
  g_autoptr(GString) t = g_string_new(s);

  for (gsize i = 0; i < t->len; i++)
    t->str[i] = t->str[i] == '-' ? '+' : t->str[i] == '_' ? '/' : t->str[i];
  while (t->len % 4)
    g_string_append_c(t, '=');
  return g_base64_decode(t->str, len);
}

char *b64url_json(json_t *j)
{
  char *text = json_dumps(j, JSON_COMPACT);
  char *b = b64url((const guint8 *)text, strlen(text));

  free(text);
  return b;
}

json_t *claims(void)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "iss", ISSUER, "aud",
                   AUDIENCE, "cid", "c-7HqXk2", "sub", "p-pat1", "role", "patient", "name",
                   "Åsa Öberg", "acr", "bankid-se", "iat", (json_int_t)NOW - 10, "nbf",
                   (json_int_t)NOW - 10, "exp", (json_int_t)NOW + 600, "jti", "j-1");
}

guint8 *evp_sign(EVP_PKEY *key, const char *input, gsize *len)
{
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  guint8 *sig;

  g_assert_cmpint(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), ==, 1);
  g_assert_cmpint(EVP_DigestSign(md, NULL, len, (const guint8 *)input, strlen(input)), ==, 1);
  sig = g_malloc(*len);
  g_assert_cmpint(EVP_DigestSign(md, sig, len, (const guint8 *)input, strlen(input)), ==, 1);
  EVP_MD_CTX_free(md);
  return sig;
}

/* DER ECDSA-Sig-Value -> JWS R || S (RFC 7518 §3.4). */
guint8 *der_to_raw(const guint8 *der, gsize der_len)
{
  const guint8 *p = der;
  ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  guint8 *raw = g_malloc(64);

  g_assert_nonnull(es);
  BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
  ECDSA_SIG_free(es);
  return raw;
}

/* header.payload.signature with the header and payload as given. */
char *sign_parts(const char *h, const char *p, SignWith how, EVP_PKEY *key, const guint8 *hs_key,
                 gsize hs_len)
{
  g_autofree char *input = g_strconcat(h, ".", p, NULL);
  g_autofree guint8 *sig = NULL;
  g_autofree char *s = NULL;
  gsize len = 0;

  switch (how) {
  case SIGN_HS: {
    unsigned int n = 32;
    sig = g_malloc(32);
    HMAC(EVP_sha256(), hs_key, (int)hs_len, (const guint8 *)input, strlen(input), sig, &n);
    len = n;
    break;
  }
  case SIGN_RSA:
  case SIGN_EC_DER:
    sig = evp_sign(key, input, &len);
    break;
  case SIGN_EC: {
    g_autofree guint8 *der = evp_sign(key, input, &len);
    sig = der_to_raw(der, len);
    len = 64;
    break;
  }
  case SIGN_NONE:
    return g_strconcat(input, ".", NULL);
  }
  s = b64url(sig, len);
  return g_strconcat(input, ".", s, NULL);
}

/* Steals header and payload. */
char *make(json_t *header, json_t *payload, SignWith how, EVP_PKEY *key)
{
  g_autofree char *h = b64url_json(header);
  g_autofree char *p = b64url_json(payload);

  json_decref(header);
  json_decref(payload);
  return sign_parts(h, p, how, key, secret, sizeof secret);
}

char *hs_token(json_t *payload)
{
  return make(json_pack("{s:s, s:s}", "alg", "HS256", "typ", "JWT"), payload, SIGN_HS, NULL);
}

json_t *idp_claims(void)
{
  json_t *c = claims();
  json_object_set_new(c, "iss", json_string(IDP));
  return c;
}

char *rs_token(json_t *payload, const char *kid)
{
  return make(json_pack("{s:s, s:s}", "alg", "RS256", "kid", kid), payload, SIGN_RSA, rsa_key);
}

char *es_token(json_t *payload, const char *kid)
{
  return make(json_pack("{s:s, s:s}", "alg", "ES256", "kid", kid), payload, SIGN_EC, ec_key);
}

/* ---- keys and the JWKS ---- */

char *bn_b64url(EVP_PKEY *key, const char *param, int pad)
{
  BIGNUM *bn = NULL;
  guint8 buf[1024];
  int n;

  g_assert_cmpint(EVP_PKEY_get_bn_param(key, param, &bn), ==, 1);
  n = pad > 0 ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
  BN_free(bn);
  return b64url(buf, (gsize)n);
}

json_t *rsa_jwk(EVP_PKEY *key, const char *kid, const char *alg)
{
  g_autofree char *n = bn_b64url(key, OSSL_PKEY_PARAM_RSA_N, 0);
  g_autofree char *e = bn_b64url(key, OSSL_PKEY_PARAM_RSA_E, 0);
  json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "kty", "RSA", "kid", kid, "n", n, "e", e);

  if (alg != NULL)
    json_object_set_new(j, "alg", json_string(alg));
  return j;
}

json_t *ec_jwk(EVP_PKEY *key, const char *kid, const char *alg)
{
  g_autofree char *x = bn_b64url(key, OSSL_PKEY_PARAM_EC_PUB_X, 32);
  g_autofree char *y = bn_b64url(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
  json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "kid", kid,
                        "x", x, "y", y, "use", "sig");

  if (alg != NULL)
    json_object_set_new(j, "alg", json_string(alg));
  return j;
}

/* Steals the keys. */
char *jwks_of(json_t *k1, json_t *k2, json_t *k3)
{
  json_t *arr = json_array();
  json_t *set;
  char *text;

  json_array_append_new(arr, k1);
  if (k2 != NULL)
    json_array_append_new(arr, k2);
  if (k3 != NULL)
    json_array_append_new(arr, k3);
  set = json_pack("{s:o}", "keys", arr);
  text = json_dumps(set, JSON_COMPACT);
  json_decref(set);
  return text;
}

NaraTokenVerifier *verifier_with(const char *jwks_json, gboolean with_secret)
{
  g_autoptr(GError) error = NULL;
  NaraTokenConfig config = {
    .issuer = ISSUER,
    .audience = AUDIENCE,
    .hs256_secret = with_secret ? secret : NULL,
    .hs256_secret_len = with_secret ? sizeof secret : 0,
    .jwks_json = jwks_json,
    .idp_issuer = IDP,
  };
  NaraTokenVerifier *v = nara_token_verifier_new(&config, &error);

  g_assert_no_error(error);
  g_assert_nonnull(v);
  return v;
}

NaraTokenVerifier *verifier(void)
{
  return verifier_with(jwks, TRUE);
}

/* ---- checking ---- */

void expect_ok(NaraTokenVerifier *v, const char *token)
{
  g_autoptr(GError) error = NULL;
  NaraTokenClaims c = { 0 };

  g_assert_true(nara_token_verify(v, token, NOW, &c, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(c.consultation, ==, "c-7HqXk2");
  g_assert_cmpstr(c.participant, ==, "p-pat1");
  nara_token_claims_clear(&c);
}

void expect_fail(NaraTokenVerifier *v, const char *token, NaraTokenError code)
{
  g_autoptr(GError) error = NULL;
  NaraTokenClaims c = { 0 };

  g_assert_false(nara_token_verify(v, token, NOW, &c, &error));
  g_assert_error(error, NARA_TOKEN_ERROR, (int)code);
  /* nothing half-filled on failure */
  g_assert_null(c.consultation);
  g_assert_null(c.participant);
}

/* Steals token. */
void fail_and_free(NaraTokenVerifier *v, char *token, NaraTokenError code)
{
  expect_fail(v, token, code);
  g_free(token);
}

/* ---- tests ---- */

void token_test_keys_init(void)
{
  rsa_key = EVP_RSA_gen(2048);
  rsa_key2 = EVP_RSA_gen(3072);
  attacker_rsa = EVP_RSA_gen(2048);
  ec_key = EVP_EC_gen("P-256");
  g_assert_nonnull(rsa_key);
  g_assert_nonnull(rsa_key2);
  g_assert_nonnull(attacker_rsa);
  g_assert_nonnull(ec_key);
  /* rsa-1 states its alg, ec-1 and rsa-2 are bound by their kty */
  jwks = jwks_of(rsa_jwk(rsa_key, "rsa-1", "RS256"), ec_jwk(ec_key, "ec-1", NULL),
                 rsa_jwk(rsa_key2, "rsa-2", NULL));
}

void token_test_keys_free(void)
{
  g_free(jwks);
  EVP_PKEY_free(rsa_key);
  EVP_PKEY_free(rsa_key2);
  EVP_PKEY_free(attacker_rsa);
  EVP_PKEY_free(ec_key);
}
