/* services.h — what the server and the CLI share: the store, the join
 * token verifier and the settings for minting join links.
 * Opens <state_dir>/nara.db, reads (or makes, at first start)
 * <state_dir>/token-secret, loads the identity provider's JWKS, and prunes
 * the audit log past its retention. The server and `nara
 * consultation …` open the same files, so neither needs the other running.
 * It does not serve HTTP or sign anything itself (links.c).
 *
 * Threading: control thread (the main thread in the CLI).
 */
#pragma once

#include <glib.h>

#include "store.h"
#include "token.h"

G_BEGIN_DECLS

#define NARA_STORE_FILE "nara.db"
#define NARA_SECRET_FILE "token-secret"
#define NARA_SECRET_BYTES 32

/* What the services open with, filled by whoever read the configuration
 * (server/wiring.c). All strings owned, freed by
 * nara_services_config_clear(); NULL or "" where a setting is optional. */
typedef struct {
  char *state_dir;           /* nara.db and token-secret; created (0700) if missing */
  char *public_url;          /* base of join links, no trailing slash */
  char *issuer;              /* iss of the join tokens Nara signs and checks */
  char *audience;            /* their aud */
  char *idp_issuer;          /* iss of the identity provider's tokens, "": issuer */
  char *jwks;                /* the identity provider's JWKS text, "": none */
  char *jwks_file;           /* or the file holding it, "": none */
  char *api_audience;        /* aud of the IdP's access tokens for the REST API */
  guint link_validity_hours; /* 0: until the consultation's end + 2 h */
  guint max_name_chars;      /* display names, as signaling enforces them */
  guint retention_days;      /* audit log records older than this are pruned */
  char **api_clients;        /* azp/client_id allowed to call the REST API; NULL/empty: none */
  char *api_scope_claim;     /* claim of an access token naming its scopes, "": "scope" */
  guint consultation_retention_days; /* over consultations are erased after this; 0: 30 */
  guint max_token_lifetime_hours;    /* tokens valid longer than this are refused; 0: no bound */
  char *audit_hmac_key;              /* "kid:hex ..." for the audit chain's MAC, "": none */
  char *audit_hmac_key_file;         /* or the file holding it, "": none */
  char *store_backend;               /* "sqlite" (NULL/"": the same) or "postgresql" */
  char *store_postgresql;            /* libpq conninfo when postgresql; never logged */
} NaraServicesConfig;

void nara_services_config_clear(NaraServicesConfig *config);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NaraServicesConfig, nara_services_config_clear)

typedef struct {
  NaraStore *store;          /* (owned) */
  NaraTokenVerifier *tokens; /* (owned) join tokens: HS256 secret + the IdP's JWKS */
  char *public_url;          /* base of join links, no trailing slash */
  char *api_audience;        /* aud of the IdP's access tokens for the REST API */
  guint link_validity_hours; /* 0: until the consultation's end + 2 h */
  guint max_name_chars;      /* display names, as signaling enforces them */
  guint retention_days;      /* audit records kept this many days */
  guint prune_source;        /* daily prune timer, 0 when not started */
  NaraAccessPolicy access;   /* what an IdP access token must show (strings owned below) */
  char **api_clients;
  char *api_scope_claim;
  guint consultation_retention_days; /* over consultations erased after this many days */
} NaraServices;

/* (transfer full) Creates the state directory (0700) if needed.
 * config: (transfer none), copied where kept. */
NaraServices *nara_services_open(const NaraServicesConfig *config, GError **error);
/* Stops the prune timer, closes the store, frees everything. */
void nara_services_free(NaraServices *services);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NaraServices, nara_services_free)

/* Prunes the audit log and erases consultations past their retention now,
 * then once a day (a timer on the default main context; the work runs on
 * the store's thread). Each erasure is a "consultation-erased" record. */
void nara_services_start_pruning(NaraServices *services);

/* The HS256 secret in path: read it (at least NARA_SECRET_BYTES), or,
 * when the file does not exist, create it with NARA_SECRET_BYTES random
 * bytes, mode 0600. (transfer full) *secret. */
gboolean nara_services_load_secret(const char *path, GBytes **secret, GError **error);

G_END_DECLS
