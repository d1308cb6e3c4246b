/* auth-private.h — pieces of the token verifier shared between its files:
 * the JWKS key list, JWS signature checks and claims.
 *
 * Nothing here logs or keeps a token. Keys are bound to exactly one
 * algorithm when they are loaded; the verifier never asks a token which
 * key type to use.
 *
 * Threading: control thread only, like token.h.
 */
#pragma once

#include "b64url.h"
#include "token.h"

#include <jansson.h>
#include <openssl/evp.h>

G_BEGIN_DECLS

typedef enum {
  NARA_JWS_HS256,
  NARA_JWS_RS256,
  NARA_JWS_ES256,
} NaraJwsAlg;

/* FALSE for "none", unknown and unsupported algorithms. */
gboolean nara_jws_alg_from_string(const char *s, NaraJwsAlg *out);

/* One public key from the JWKS, usable with alg only. */
typedef struct {
  char *kid; /* may be NULL when the set holds one key */
  NaraJwsAlg alg;
  EVP_PKEY *pkey;
} NaraJwk;

void nara_jwk_free(NaraJwk *jwk);
/* jwks.c: (transfer full) NaraJwk* list from {"keys":[...]}; FALSE +
 * NARA_TOKEN_ERROR_CONFIG for anything unusable. */
GPtrArray *nara_jwks_parse(const char *json, GError **error);

/* jws.c: checks sig over signing_input ("header.payload" as sent). */
gboolean nara_jws_verify_hs256(const guint8 *secret, gsize secret_len, const char *signing_input,
                               gsize input_len, const guint8 *sig, gsize sig_len);
gboolean nara_jws_verify_pkey(const NaraJwk *key, const char *signing_input, gsize input_len,
                              const guint8 *sig, gsize sig_len);
/* HMAC-SHA256 into out[32]. */
void nara_jws_hs256(const guint8 *secret, gsize secret_len, const char *data, gsize len,
                    guint8 out[32]);

/* claims.c: checks the payload's registered and Nara claims (RFC 7519 §4)
 * and fills out; iss must equal issuer, aud be or contain audience. join:
 * cid and role are required too (a join token, not an access token). */
gboolean nara_claims_check(json_t *payload, const char *issuer, const char *audience, gint64 now,
                           gboolean join, gint64 max_lifetime_s, NaraTokenClaims *out,
                           GError **error);

/* claims.c: aud (a string or an array of strings) is or contains audience. */
gboolean nara_claims_audience_contains(json_t *aud, const char *audience);

/* token.c: the whole check; audience NULL: a join token (the verifier's
 * audience, join claims, any key); else an access token for that audience,
 * from the IdP's keys only. *payload_out (transfer full) when wanted. */
gboolean nara_token_verify_payload(NaraTokenVerifier *v, const char *token, const char *audience,
                                   gint64 now, NaraTokenClaims *out, json_t **payload_out,
                                   GError **error);
/* (transfer none) The join audience (auth.audience). */
const char *nara_token_verifier_audience(NaraTokenVerifier *v);

G_END_DECLS
