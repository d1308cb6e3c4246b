/* token.h — join tokens (JWT, compact JWS) and API keys.
 *
 * Verifies HS256 tokens with the server secret and RS256/ES256 tokens with
 * configured public keys (a JWKS file or inline JSON; never fetched), each
 * key bound to one algorithm. Signs Nara's own HS256 join links. No I/O
 * beyond reading the configured key files at load time; tokens are never
 * logged.
 *
 * Threading: control thread only (REST API, signaling, CLI).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_TOKEN_ERROR (nara_token_error_quark())
GQuark nara_token_error_quark(void);

/* Each code has a stable string (nara_token_error_code) used in protocol
 * errors and audit records. */
typedef enum {
  NARA_TOKEN_ERROR_MALFORMED,     /* "token-malformed": not three base64url parts of JSON */
  NARA_TOKEN_ERROR_TOO_LARGE,     /* "token-too-large" */
  NARA_TOKEN_ERROR_ALGORITHM,     /* "token-algorithm": none, unknown, or not the key's */
  NARA_TOKEN_ERROR_UNKNOWN_KEY,   /* "token-unknown-key": no key with that kid */
  NARA_TOKEN_ERROR_SIGNATURE,     /* "token-signature" */
  NARA_TOKEN_ERROR_EXPIRED,       /* "token-expired" */
  NARA_TOKEN_ERROR_NOT_YET_VALID, /* "token-not-yet-valid" */
  NARA_TOKEN_ERROR_ISSUER,        /* "token-issuer" */
  NARA_TOKEN_ERROR_AUDIENCE,      /* "token-audience" */
  NARA_TOKEN_ERROR_CLAIMS,        /* "token-claims": a required claim missing or of bad type */
  NARA_TOKEN_ERROR_CONFIG,        /* key material unusable (at load time) */
  NARA_TOKEN_ERROR_CLIENT,        /* "token-client": azp/client_id not on the allow-list */
  NARA_TOKEN_ERROR_SCOPE,         /* "token-scope": no Nara scope granted */
  NARA_TOKEN_ERROR_LIFETIME,      /* "token-lifetime": exp further ahead than allowed */
} NaraTokenError;

const char *nara_token_error_code(const GError *error);

#define NARA_TOKEN_MAX_BYTES 8192
#define NARA_TOKEN_CLOCK_SKEW_S 60

typedef struct {
  const char *issuer;         /* expected iss of Nara's own tokens and the IdP's (see below) */
  const char *audience;       /* expected aud */
  const guint8 *hs256_secret; /* server secret, at least 32 bytes */
  gsize hs256_secret_len;
  const char *jwks_json;  /* {"keys":[...]} RSA/EC public keys with kid and alg, or NULL */
  const char *idp_issuer; /* iss required of RS256/ES256 tokens, or NULL = issuer */
  gint64 max_lifetime_s;  /* a token whose exp is further ahead is refused; 0: no bound */
} NaraTokenConfig;

typedef struct _NaraTokenVerifier NaraTokenVerifier;

/* (transfer full) */
NaraTokenVerifier *nara_token_verifier_new(const NaraTokenConfig *config, GError **error);
void nara_token_verifier_free(NaraTokenVerifier *verifier);

typedef struct {
  char *consultation; /* cid */
  char *participant;  /* sub */
  char *role;         /* role, as written: the caller maps and checks it */
  char *name;
  char *assurance; /* acr, or NULL */
  char *jti;
  gint64 nbf, exp, iat;
} NaraTokenClaims;

void nara_token_claims_clear(NaraTokenClaims *claims);

/* Verifies signature, algorithm, time window (now = unix seconds), iss and
 * aud, and that cid, sub and role are present strings. name and acr are
 * optional: Nara's own links carry identifiers only (the store has the
 * name and identity level); older links and an identity provider's may
 * carry them. */
gboolean nara_token_verify(NaraTokenVerifier *verifier, const char *token, gint64 now,
                           NaraTokenClaims *out, GError **error);

/* What REST API scopes a caller holds: a bit set of NaraScope. The names
 * ("consultations:read", ...) are what API keys store and what an identity
 * provider's scope claim must carry. */
typedef enum {
  NARA_SCOPE_CONSULTATIONS_READ = 1 << 0,  /* "consultations:read" */
  NARA_SCOPE_CONSULTATIONS_WRITE = 1 << 1, /* "consultations:write": book, change, cancel, links */
  NARA_SCOPE_AUDIT_READ = 1 << 2,          /* "audit:read" */
  NARA_SCOPE_CONSULTATIONS_ERASE = 1 << 3, /* "consultations:erase": a data subject's erasure */
} NaraScope;
#define NARA_SCOPE_ALL 0xfu

/* (transfer none) The name of one scope bit, or NULL. */
const char *nara_scope_name(guint scope);
/* Scope names separated by spaces or commas into *scopes; "all" is every
 * scope. FALSE naming the first unknown name; unknown_ok skips those
 * instead (an identity provider's claim holds other scopes too). */
gboolean nara_scopes_parse(const char *text, gboolean unknown_ok, guint *scopes, GError **error);
/* (transfer full) "consultations:read audit:read", in bit order; "" for none. */
char *nara_scopes_to_string(guint scopes);

/* What an identity provider's access token must show to open the REST API. */
typedef struct {
  const char *audience;       /* aud must contain this (auth.api_audience) */
  const char *join_audience;  /* and must not contain this: a join link is no credential */
  const char *const *clients; /* azp or client_id must be one of these; NULL/empty: none is */
  const char *scope_claim;    /* claim naming the scopes: a space-separated string or an array */
} NaraAccessPolicy;

/* Verifies an identity provider's access token for the REST API: signed
 * with a JWKS key (never the server secret), iss = idp_issuer, aud contains
 * policy->audience and not policy->join_audience, exp in the future, sub a
 * string (*subject, transfer full), azp/client_id allowed, at least one
 * Nara scope in the scope claim (*scopes). */
gboolean nara_token_verify_access(NaraTokenVerifier *verifier, const char *token,
                                  const NaraAccessPolicy *policy, gint64 now, char **subject,
                                  guint *scopes, GError **error);

/* (transfer full) An HS256 token for claims (jti generated when NULL). */
char *nara_token_sign_hs256(NaraTokenVerifier *verifier, const NaraTokenClaims *claims);

/* API keys: "nara_" + 43 base64url characters. key (transfer full) is shown
 * once; only hash (SHA-256 of the whole key) is stored. */
void nara_apikey_generate(char **key, char **key_id, guint8 hash[32]);
void nara_apikey_hash(const char *key, guint8 hash[32]);

G_END_DECLS
