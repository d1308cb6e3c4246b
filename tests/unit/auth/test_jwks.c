/* test_jwks.c — loading keys (JWKS and the HS256 secret), error codes,
 * and API keys.
 *
 * Every unusable configuration must fail at load with
 * NARA_TOKEN_ERROR_CONFIG, never later at a join.
 */
#include <string.h>

#include <openssl/rsa.h>

#include "token_test_util.h"

static void config_fails(const char *jwks_json, const guint8 *key, gsize key_len,
                         const char *issuer)
{
  g_autoptr(GError) error = NULL;
  NaraTokenConfig config = { .issuer = issuer,
                             .audience = AUDIENCE,
                             .hs256_secret = key,
                             .hs256_secret_len = key_len,
                             .jwks_json = jwks_json };

  g_assert_null(nara_token_verifier_new(&config, &error));
  g_assert_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_CONFIG);
  g_assert_cmpstr(nara_token_error_code(error), ==, "token-config");
}

static void test_config(void)
{
  EVP_PKEY *small = EVP_RSA_gen(1024);
  char *j = NULL; /* freed after each use */

  config_fails(NULL, secret, 31, ISSUER); /* short secret */
  config_fails(NULL, NULL, 0, ISSUER);    /* nothing to verify with */
  config_fails(NULL, secret, 32, NULL);
  config_fails(NULL, secret, 32, "");
  config_fails("not json", NULL, 0, ISSUER);
  config_fails("{\"keys\":[]}", NULL, 0, ISSUER);
  config_fails("{\"keys\":{}}", NULL, 0, ISSUER);
  config_fails("{\"keys\":[1]}", NULL, 0, ISSUER);
  config_fails("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}", NULL, 0, ISSUER);
  j = jwks_of(rsa_jwk(small, "small", "RS256"), NULL, NULL);
  config_fails(j, NULL, 0, ISSUER);
  g_free(j);
  j = jwks_of(rsa_jwk(rsa_key, "k", "RS512"), NULL, NULL);
  config_fails(j, NULL, 0, ISSUER);
  g_free(j);
  j = jwks_of(rsa_jwk(rsa_key, "k", "HS256"), NULL, NULL); /* the confusion, in config */
  config_fails(j, NULL, 0, ISSUER);
  g_free(j);
  j = jwks_of(ec_jwk(ec_key, "k", "RS256"), NULL, NULL);
  config_fails(j, NULL, 0, ISSUER);
  g_free(j);
  j = jwks_of(rsa_jwk(rsa_key, "same", NULL), ec_jwk(ec_key, "same", NULL), NULL);
  config_fails(j, NULL, 0, ISSUER);
  g_free(j);
  {
    json_t *k = ec_jwk(ec_key, "k", NULL), *k2 = ec_jwk(ec_key, "k2", NULL);
    json_object_set_new(k, "d", json_string("AAAA")); /* private key */
    j = jwks_of(k, NULL, NULL);
    config_fails(j, NULL, 0, ISSUER);
    g_free(j);
    json_object_set_new(k2, "crv", json_string("P-384"));
    j = jwks_of(k2, NULL, NULL);
    config_fails(j, NULL, 0, ISSUER);
    g_free(j);
  }
  {
    json_t *k = ec_jwk(ec_key, "k", NULL), *k2 = rsa_jwk(rsa_key, "dropped", NULL);
    /* a point off the curve */
    json_object_set_new(k, "y", json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    j = jwks_of(k, NULL, NULL);
    config_fails(j, NULL, 0, ISSUER);
    g_free(j);
    /* several keys, one without kid */
    json_object_del(k2, "kid");
    j = jwks_of(k2, ec_jwk(ec_key, "k", NULL), NULL);
    config_fails(j, NULL, 0, ISSUER);
    g_free(j);
  }
  {
    json_t *k = ec_jwk(ec_key, "k", NULL);
    json_object_set_new(k, "use", json_string("enc"));
    j = jwks_of(k, NULL, NULL);
    config_fails(j, NULL, 0, ISSUER);
    g_free(j);
  }
  EVP_PKEY_free(small);
}

static void test_error_codes(void)
{
  static const char *const codes[] = {
    "token-malformed", "token-too-large", "token-algorithm",     "token-unknown-key",
    "token-signature", "token-expired",   "token-not-yet-valid", "token-issuer",
    "token-audience",  "token-claims",    "token-config",
  };

  for (guint i = 0; i < G_N_ELEMENTS(codes); i++) {
    g_autoptr(GError) e = g_error_new_literal(NARA_TOKEN_ERROR, (int)i, "x");
    g_assert_cmpstr(nara_token_error_code(e), ==, codes[i]);
  }
  g_assert_cmpstr(nara_token_error_code(NULL), ==, "token-invalid");
}

static void test_apikeys(void)
{
  char *key = NULL, *id = NULL, *key2 = NULL, *id2 = NULL;
  guint8 hash[32], again[32], hash2[32];

  nara_apikey_generate(&key, &id, hash);
  nara_apikey_generate(&key2, &id2, hash2);
  g_assert_true(g_str_has_prefix(key, "nara_"));
  g_assert_cmpuint(strlen(key), ==, 5 + 43);
  for (const char *p = key + 5; *p; p++)
    g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');
  g_assert_true(g_str_has_prefix(id, "k-"));
  g_assert_cmpuint(strlen(id), ==, 18);
  g_assert_null(strstr(key, id + 2));
  nara_apikey_hash(key, again);
  g_assert_cmpmem(hash, 32, again, 32);
  g_assert_cmpstr(key, !=, key2);
  g_assert_cmpstr(id, !=, id2);
  g_assert_true(memcmp(hash, hash2, 32) != 0);
  /* SHA-256 of the whole key string */
  {
    guint8 expect[32];
    unsigned int n = 32;
    EVP_Digest(key, strlen(key), expect, &n, EVP_sha256(), NULL);
    g_assert_cmpmem(hash, 32, expect, 32);
  }
  g_free(key);
  g_free(id);
  g_free(key2);
  g_free(id2);
}

int main(int argc, char **argv)
{
  int rc;

  g_test_init(&argc, &argv, NULL);
  token_test_keys_init();
  g_test_add_func("/token/jwks/config", test_config);
  g_test_add_func("/token/error-codes", test_error_codes);
  g_test_add_func("/token/apikeys", test_apikeys);
  rc = g_test_run();
  token_test_keys_free();
  return rc;
}
