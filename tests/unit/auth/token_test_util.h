/* token_test_util.h — JWT building blocks for the auth tests: base64url,
 * claims, signing with HS256/RS256/ES256 (or a DER ECDSA signature, or
 * none), JWKS JSON of generated keys, and verify expectations.
 */
#pragma once

#include <jansson.h>
#include <openssl/evp.h>

#include "auth-private.h"
#include "token.h"

#define ISSUER "nara"
#define IDP "https://idp.region.example"
#define AUDIENCE "nara-join"
#define NOW ((gint64)1795462200)

extern const guint8 secret[32];
/* rsa_key (kid "rsa-1", alg RS256), ec_key ("ec-1", no alg), rsa_key2
 * ("rsa-2", 3072 bits, no alg) are in jwks; attacker_rsa is not. */
extern EVP_PKEY *rsa_key, *rsa_key2, *ec_key, *attacker_rsa;
extern char *jwks;

void token_test_keys_init(void);
void token_test_keys_free(void);

typedef enum { SIGN_HS, SIGN_RSA, SIGN_EC, SIGN_EC_DER, SIGN_NONE } SignWith;

/* (transfer full) */
char *b64url(const guint8 *data, gsize len);
guint8 *unb64url(const char *s, gsize *len);
char *b64url_json(json_t *j);
/* (transfer full) Valid claims for Nara's own issuer / for the IdP. */
json_t *claims(void);
json_t *idp_claims(void);
/* (transfer full) header.payload.signature; hs_key only for SIGN_HS. */
char *sign_parts(const char *h, const char *p, SignWith how, EVP_PKEY *key, const guint8 *hs_key,
                 gsize hs_len);
/* Steal header and payload. */
char *make(json_t *header, json_t *payload, SignWith how, EVP_PKEY *key);
char *hs_token(json_t *payload);
char *rs_token(json_t *payload, const char *kid);
char *es_token(json_t *payload, const char *kid);

/* JWK JSON of a generated key; alg NULL leaves it out. */
char *bn_b64url(EVP_PKEY *key, const char *param, int pad);
json_t *rsa_jwk(EVP_PKEY *key, const char *kid, const char *alg);
json_t *ec_jwk(EVP_PKEY *key, const char *kid, const char *alg);
/* (transfer full) {"keys":[k1, k2?, k3?]}; steals the keys. */
char *jwks_of(json_t *k1, json_t *k2, json_t *k3);

NaraTokenVerifier *verifier_with(const char *jwks_json, gboolean with_secret);
NaraTokenVerifier *verifier(void); /* secret and jwks */
void expect_ok(NaraTokenVerifier *v, const char *token);
void expect_fail(NaraTokenVerifier *v, const char *token, NaraTokenError code);
/* Steals token. */
void fail_and_free(NaraTokenVerifier *v, char *token, NaraTokenError code);
