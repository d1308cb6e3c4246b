/* services.c — opening the store, the token secret and the JWKS.
 *
 * The secret is written under a temporary name and linked into place, so a
 * CLI and a server starting at the same moment end up with one whole
 * secret, never two or a half-written one. A secret readable by
 * others is refused: anyone with it can mint a link into any consultation.
 * It does not decide who may do what (REST, signaling do).
 *
 * Threading: control thread (the main thread in the CLI).
 */
#include "services.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/crypto.h>

#include "random_id.h"

#define PRUNE_INTERVAL_S (24 * 3600)
#define MAX_SECRET_BYTES 1024

G_DEFINE_QUARK(nara - services - error - quark, nara_services_error)

static gboolean fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean fail(GError **error, const char *fmt, ...)
{
  va_list ap;
  GError *e;

  va_start(ap, fmt);
  e = g_error_new_valist(nara_services_error_quark(), 0, fmt, ap);
  va_end(ap);
  g_propagate_error(error, e);
  return FALSE;
}

static gboolean create_secret(const char *path, GError **error)
{
  guint8 raw[NARA_SECRET_BYTES];
  g_autofree char *tmp = g_strconcat(path, ".XXXXXX", NULL);
  int fd, saved;
  gboolean ok;

  if (g_file_test(path, G_FILE_TEST_EXISTS))
    return TRUE;
  /* Written whole under a temporary name, then linked into place: link()
   * never replaces, so of two processes starting at once one secret wins
   * and neither can read the other's half-written file. */
  fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(error, "%s: %s", tmp, g_strerror(errno));
  nara_random_bytes(raw, sizeof raw);
  ok = write(fd, raw, sizeof raw) == (ssize_t)sizeof raw && fsync(fd) == 0;
  saved = errno;
  OPENSSL_cleanse(raw, sizeof raw);
  if (close(fd) != 0 && ok) {
    ok = FALSE;
    saved = errno;
  }
  if (ok && link(tmp, path) != 0 && errno != EEXIST) {
    ok = FALSE;
    saved = errno;
  }
  g_unlink(tmp);
  if (!ok)
    return fail(error, "%s: %s", path, g_strerror(saved));
  g_message("created the join-link secret %s", path);
  return TRUE;
}

gboolean nara_services_load_secret(const char *path, GBytes **secret, GError **error)
{
  g_autoptr(GError) local = NULL;
  GStatBuf st;
  char *data = NULL;
  gsize len = 0;

  if (!create_secret(path, error))
    return FALSE;
  if (g_stat(path, &st) != 0)
    return fail(error, "%s: %s", path, g_strerror(errno));
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0077))
    return fail(error, "%s: must be a regular file readable by its owner only (chmod 600)", path);
  if (st.st_size < NARA_SECRET_BYTES || st.st_size > MAX_SECRET_BYTES)
    return fail(error, "%s: must hold %d to %d bytes", path, NARA_SECRET_BYTES, MAX_SECRET_BYTES);
  if (!g_file_get_contents(path, &data, &len, &local))
    return fail(error, "%s", local->message);
  if (len < NARA_SECRET_BYTES) {
    OPENSSL_cleanse(data, len);
    g_free(data);
    return fail(error, "%s: must hold at least %d bytes", path, NARA_SECRET_BYTES);
  }
  *secret = g_bytes_new_take(data, len);
  return TRUE;
}

void nara_services_config_clear(NaraServicesConfig *c)
{
  g_clear_pointer(&c->state_dir, g_free);
  g_clear_pointer(&c->public_url, g_free);
  g_clear_pointer(&c->issuer, g_free);
  g_clear_pointer(&c->audience, g_free);
  g_clear_pointer(&c->idp_issuer, g_free);
  g_clear_pointer(&c->jwks, g_free);
  g_clear_pointer(&c->jwks_file, g_free);
  g_clear_pointer(&c->api_audience, g_free);
  g_clear_pointer(&c->api_clients, g_strfreev);
  g_clear_pointer(&c->api_scope_claim, g_free);
  g_clear_pointer(&c->audit_hmac_key, g_free);
  g_clear_pointer(&c->audit_hmac_key_file, g_free);
  g_clear_pointer(&c->store_backend, g_free);
  if (c->store_postgresql)
    OPENSSL_cleanse(c->store_postgresql, strlen(c->store_postgresql));
  g_clear_pointer(&c->store_postgresql, g_free);
}

static gboolean given(const char *s)
{
  return s && s[0];
}

/* (transfer full) The JWKS text, NULL when none is configured. */
static gboolean load_jwks(const NaraServicesConfig *config, char **jwks, GError **error)
{
  g_autoptr(GError) local = NULL;

  *jwks = NULL;
  if (given(config->jwks))
    *jwks = g_strdup(config->jwks);
  else if (given(config->jwks_file) && !g_file_get_contents(config->jwks_file, jwks, NULL, &local))
    return fail(error, "auth.jwks_file: %s", local->message);
  return TRUE;
}

static NaraTokenVerifier *open_tokens(const NaraServicesConfig *config, GError **error)
{
  g_autofree char *path = g_build_filename(config->state_dir, NARA_SECRET_FILE, NULL);
  g_autofree char *jwks = NULL;
  g_autoptr(GBytes) secret = NULL;
  NaraTokenConfig tc;
  NaraTokenVerifier *v;
  g_autoptr(GError) local = NULL;
  gsize len;

  if (!nara_services_load_secret(path, &secret, error) || !load_jwks(config, &jwks, error))
    return NULL;
  tc = (NaraTokenConfig){
    .issuer = config->issuer ? config->issuer : "",
    .audience = config->audience ? config->audience : "",
    .hs256_secret = g_bytes_get_data(secret, &len),
    .jwks_json = jwks,
    .idp_issuer = given(config->idp_issuer) ? config->idp_issuer : NULL,
    .max_lifetime_s = (gint64)config->max_token_lifetime_hours * 3600,
  };
  tc.hs256_secret_len = len;
  v = nara_token_verifier_new(&tc, &local);
  OPENSSL_cleanse((void *)tc.hs256_secret, len);
  if (!v)
    fail(error, "auth: %s", local->message);
  return v;
}

/* The audit chain's key, from the configuration or its file; the text
 * is wiped once the store has its copy. */
static gboolean audit_keys(NaraStore *store, const NaraServicesConfig *config, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  gboolean ok;

  if (given(config->audit_hmac_key) && given(config->audit_hmac_key_file))
    return fail(error, "audit.hmac_key and audit.hmac_key_file: give one or neither");
  if (given(config->audit_hmac_key_file)
      && !g_file_get_contents(config->audit_hmac_key_file, &text, &len, error)) {
    g_prefix_error(error, "audit.hmac_key_file: ");
    return FALSE;
  }
  if (!given(config->audit_hmac_key) && !text) {
    g_message("audit: no audit.hmac_key: the chain shows edits, but not a rewritten database");
    return TRUE;
  }
  ok = nara_store_set_audit_keys(store, text ? text : config->audit_hmac_key, error);
  if (text)
    OPENSSL_cleanse(text, len);
  return ok;
}

/* store.backend: SQLite in the state directory, or a PostgreSQL database
 * shared by several nodes (the CLI opens the same one as the server). */
static NaraStore *open_store(const NaraServicesConfig *config, GError **error)
{
  g_autofree char *db = NULL;
  NaraStore *store;

  if (given(config->store_backend) && g_str_equal(config->store_backend, "postgresql")) {
    store = nara_store_open_postgresql(config->store_postgresql, error);
    if (!store)
      g_prefix_error(error, "store (PostgreSQL): ");
    return store;
  }
  if (given(config->store_backend) && !g_str_equal(config->store_backend, "sqlite")) {
    fail(error, "store.backend: '%s' is neither sqlite nor postgresql", config->store_backend);
    return NULL;
  }
  db = g_build_filename(config->state_dir, NARA_STORE_FILE, NULL);
  return nara_store_open_sqlite(db, error);
}

NaraServices *nara_services_open(const NaraServicesConfig *config, GError **error)
{
  g_autoptr(NaraServices) s = g_new0(NaraServices, 1);

  g_return_val_if_fail(given(config->state_dir), NULL);
  if (g_mkdir_with_parents(config->state_dir, 0700) != 0) {
    fail(error, "state directory %s: %s", config->state_dir, g_strerror(errno));
    return NULL;
  }
  s->store = open_store(config, error);
  if (!s->store)
    return NULL;
  if (!audit_keys(s->store, config, error))
    return NULL;
  s->tokens = open_tokens(config, error);
  if (!s->tokens)
    return NULL;
  s->public_url = g_strdup(config->public_url ? config->public_url : "");
  s->api_audience = g_strdup(config->api_audience ? config->api_audience : "");
  s->link_validity_hours = config->link_validity_hours;
  s->max_name_chars = config->max_name_chars;
  s->retention_days = config->retention_days;
  s->consultation_retention_days
      = config->consultation_retention_days ? config->consultation_retention_days : 30;
  s->api_clients = g_strdupv(config->api_clients);
  s->api_scope_claim = g_strdup(
      config->api_scope_claim && config->api_scope_claim[0] ? config->api_scope_claim : "scope");
  s->access = (NaraAccessPolicy){ .audience = s->api_audience,
                                  .join_audience = NULL, /* the verifier's: auth.audience */
                                  .clients = (const char *const *)s->api_clients,
                                  .scope_claim = s->api_scope_claim };
  return g_steal_pointer(&s);
}

void nara_services_free(NaraServices *s)
{
  if (!s)
    return;
  if (s->prune_source)
    g_source_remove(s->prune_source);
  g_clear_pointer(&s->tokens, nara_token_verifier_free);
  g_clear_pointer(&s->store, nara_store_close);
  g_free(s->public_url);
  g_free(s->api_audience);
  g_strfreev(s->api_clients);
  g_free(s->api_scope_claim);
  g_free(s);
}

static void pruned(NaraStoreResult *result, gpointer data)
{
  NaraServices *s = data;

  /* A failed prune keeps records longer than promised: loud, not fatal. */
  if (result->error)
    g_warning("audit: pruning records older than %u days failed: %s", s->retention_days,
              result->error->message);
}

static void expired(NaraStoreResult *result, gpointer data)
{
  NaraServices *s = data;

  if (result->error) {
    g_warning("retention: erasing consultations over %u days ago failed: %s",
              s->consultation_retention_days, result->error->message);
    return;
  }
  for (guint i = 0; i < result->ids->len; i++)
    nara_store_audit_append_async(s->store,
                                  &(NaraAuditRecord){ .event = "consultation-erased",
                                                      .consultation = result->ids->pdata[i],
                                                      .actor = "system",
                                                      .outcome = "ok",
                                                      .detail = "retention" },
                                  NULL, NULL);
  if (result->ids->len)
    g_info("retention: %u consultations erased", result->ids->len);
}

/* Verifying the chain before pruning reads every record: on the store's
 * thread. The store is closed (and this callback run) before s is freed. */
static gboolean prune(gpointer data)
{
  NaraServices *s = data;
  gint64 cutoff = g_get_real_time() - (gint64)s->retention_days * 86400 * G_USEC_PER_SEC;

  nara_store_audit_prune_async(s->store, cutoff, pruned, s);
  nara_store_consultations_expire_async(
      s->store, g_get_real_time() / G_USEC_PER_SEC - (gint64)s->consultation_retention_days * 86400,
      expired, s);
  return G_SOURCE_CONTINUE;
}

void nara_services_start_pruning(NaraServices *s)
{
  g_return_if_fail(s->prune_source == 0);
  prune(s);
  s->prune_source = g_timeout_add_seconds(PRUNE_INTERVAL_S, prune, s);
}
