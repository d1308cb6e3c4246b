/* pg_db.c — opening the PostgreSQL store: the connection and its
 * reconnection, query helpers, schema migrations and the meta table.
 *
 * Several nodes may share one database and start at once: each migration
 * step runs in a transaction that first takes an advisory lock, then reads
 * schema_version, so exactly one node applies a step and the others find
 * it done. A database newer than this build is refused rather than
 * guessed at. The conninfo is never logged (it may hold a password).
 * Does not hold consultation or audit logic.
 *
 * Threading: whoever holds NaraStore.lock: the store's thread in the
 * server, the main thread in the CLI.
 */
#include "pg-private.h"

#include <string.h>

static const NaraStoreOps pg_ops;

void nara_pg_text(NaraPgParams *p, const char *text)
{
  g_assert(p->n < NARA_PG_MAX_PARAMS);
  p->values[p->n] = text;
  p->lengths[p->n] = 0;
  p->formats[p->n] = 0;
  p->n++;
}

void nara_pg_int(NaraPgParams *p, gint64 value)
{
  g_assert(p->n < NARA_PG_MAX_PARAMS);
  g_snprintf(p->ints[p->n], sizeof p->ints[p->n], "%" G_GINT64_FORMAT, value);
  nara_pg_text(p, p->ints[p->n]);
}

void nara_pg_bool(NaraPgParams *p, gboolean value)
{
  nara_pg_text(p, value ? "true" : "false");
}

void nara_pg_bytes(NaraPgParams *p, const guint8 *bytes, int len)
{
  g_assert(p->n < NARA_PG_MAX_PARAMS);
  p->values[p->n] = (const char *)bytes;
  p->lengths[p->n] = len;
  p->formats[p->n] = 1;
  p->n++;
}

static void set_reachable(NaraPgStore *s, gboolean reachable)
{
  g_atomic_int_set(&s->parent.unreachable, !reachable);
}

/* libpq's notices (e.g. "relation exists, skipping") are not ours to print. */
static void ignore_notice(void *arg, const PGresult *res)
{
  (void)arg;
  (void)res;
}

/* The connection, made or remade when there is none. */
static gboolean connected(NaraPgStore *s, GError **error)
{
  static const char *const keys[] = { "dbname", "fallback_application_name", NULL };
  const char *values[] = { s->conninfo, "nara", NULL };
  PGresult *res;

  if (s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK)
    return TRUE;
  g_clear_pointer(&s->conn, PQfinish);
  /* expand_dbname: the conninfo string is parsed as a whole. */
  s->conn = PQconnectdbParams(keys, values, 1);
  if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
    g_autofree char *msg = g_strdup(s->conn ? PQerrorMessage(s->conn) : "out of memory");

    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO, "cannot reach PostgreSQL: %s",
                g_strchomp(msg));
    g_clear_pointer(&s->conn, PQfinish);
    set_reachable(s, FALSE);
    return FALSE;
  }
  PQsetNoticeReceiver(s->conn, ignore_notice, NULL);
  /* Times are integers Nara computes; the session's settings must not
   * change how text compares or what a statement may wait for. */
  res = PQexec(s->conn, "SET client_min_messages = warning; SET lock_timeout = '30s'");
  PQclear(res);
  set_reachable(s, TRUE);
  return TRUE;
}

static gboolean query_failed(NaraPgStore *s, PGresult *res, const char *what,
                             const char *conflict_msg, GError **error)
{
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  /* The primary message only: DETAIL may quote values (a key's hash). */
  const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

  if (state != NULL && g_str_has_prefix(state, "23") && conflict_msg != NULL) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT, "%s", conflict_msg);
  } else {
    g_autofree char *msg = g_strdup(primary   ? primary
                                    : s->conn ? PQerrorMessage(s->conn)
                                              : "no connection");
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO, "%s: %s", what, g_strchomp(msg));
  }
  if (s->conn != NULL && PQstatus(s->conn) != CONNECTION_OK) {
    g_message("store: lost the PostgreSQL connection; the next call reconnects");
    g_clear_pointer(&s->conn, PQfinish);
    set_reachable(s, FALSE);
  }
  return FALSE;
}

static PGresult *run(NaraPgStore *s, const char *sql, const NaraPgParams *params)
{
  /* Without parameters PQexec, which also takes several statements (the schema). */
  return params == NULL ? PQexec(s->conn, sql)
                        : PQexecParams(s->conn, sql, params->n, NULL, params->values,
                                       params->lengths, params->formats, 0);
}

static gboolean succeeded(const PGresult *res)
{
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

  return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

/* A connection found broken when a call starts (the server restarted or
 * ended an idle session) is remade and the statement sent again, when
 * sending it twice cannot do anything twice: a BEGIN, or a lone SELECT. */
static gboolean worth_retrying(NaraPgStore *s, gboolean was_idle, const char *sql)
{
  return was_idle && s->conn != NULL && PQstatus(s->conn) != CONNECTION_OK
         && (g_str_has_prefix(sql, "BEGIN") || g_str_has_prefix(sql, "SELECT"));
}

PGresult *nara_pg_query(NaraPgStore *s, const char *sql, const NaraPgParams *params,
                        const char *what, const char *conflict_msg, GError **error)
{
  PGresult *res;
  gboolean was_idle;

  if (!connected(s, error)) {
    g_prefix_error(error, "%s: ", what);
    return NULL;
  }
  was_idle = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
  res = run(s, sql, params);
  if (!succeeded(res) && worth_retrying(s, was_idle, sql)) {
    PQclear(res);
    g_message("store: the PostgreSQL connection had dropped; reconnecting");
    g_clear_pointer(&s->conn, PQfinish);
    if (!connected(s, error)) {
      g_prefix_error(error, "%s: ", what);
      return NULL;
    }
    res = run(s, sql, params);
  }
  if (succeeded(res))
    return res;
  query_failed(s, res, what, conflict_msg, error);
  PQclear(res);
  return NULL;
}

gboolean nara_pg_exec(NaraPgStore *s, const char *sql, const NaraPgParams *params, const char *what,
                      const char *conflict_msg, gint64 *changed, GError **error)
{
  PGresult *res = nara_pg_query(s, sql, params, what, conflict_msg, error);

  if (res == NULL)
    return FALSE;
  if (changed != NULL)
    *changed = g_ascii_strtoll(PQcmdTuples(res), NULL, 10);
  PQclear(res);
  return TRUE;
}

gboolean nara_pg_begin(NaraPgStore *s, GError **error)
{
  /* A connection left inside a transaction by a failed call starts clean. */
  nara_pg_rollback(s);
  return nara_pg_exec(s, "BEGIN", NULL, "starting a transaction", NULL, NULL, error);
}

gboolean nara_pg_commit(NaraPgStore *s, GError **error)
{
  if (!nara_pg_exec(s, "COMMIT", NULL, "committing", NULL, NULL, error)) {
    nara_pg_rollback(s);
    return FALSE;
  }
  return TRUE;
}

void nara_pg_rollback(NaraPgStore *s)
{
  if (s->conn != NULL && PQtransactionStatus(s->conn) != PQTRANS_IDLE
      && PQtransactionStatus(s->conn) != PQTRANS_UNKNOWN)
    PQclear(PQexec(s->conn, "ROLLBACK"));
}

gboolean nara_pg_xact_lock(NaraPgStore *s, gint64 key, GError **error)
{
  NaraPgParams p = { 0 };

  nara_pg_int(&p, key);
  return nara_pg_exec(s, "SELECT pg_advisory_xact_lock($1::bigint)", &p, "taking a lock", NULL,
                      NULL, error);
}

char *nara_pg_dup(const PGresult *res, int row, int col)
{
  return PQgetisnull(res, row, col) ? NULL : g_strdup(PQgetvalue(res, row, col));
}

gint64 nara_pg_int_at(const PGresult *res, int row, int col)
{
  /* SQL NULL reads as 0, as in SQLite. */
  return g_ascii_strtoll(PQgetvalue(res, row, col), NULL, 10);
}

gboolean nara_pg_bool_at(const PGresult *res, int row, int col)
{
  return PQgetvalue(res, row, col)[0] == 't';
}

gboolean nara_pg_meta_get(NaraPgStore *s, const char *key, gint64 *int_out, char **text_out,
                          gboolean *found, GError **error)
{
  NaraPgParams p = { 0 };
  PGresult *res;

  nara_pg_text(&p, key);
  res = nara_pg_query(s, "SELECT value FROM meta WHERE key = $1", &p, "reading meta", NULL, error);
  if (res == NULL)
    return FALSE;
  *found = PQntuples(res) == 1;
  if (*found && int_out != NULL)
    *int_out = nara_pg_int_at(res, 0, 0);
  if (*found && text_out != NULL)
    *text_out = nara_pg_dup(res, 0, 0);
  PQclear(res);
  return TRUE;
}

gboolean nara_pg_meta_set(NaraPgStore *s, const char *key, gint64 int_value, const char *text_value,
                          GError **error)
{
  NaraPgParams p = { 0 };

  nara_pg_text(&p, key);
  if (text_value != NULL)
    nara_pg_text(&p, text_value);
  else
    nara_pg_int(&p, int_value);
  return nara_pg_exec(s,
                      "INSERT INTO meta (key, value) VALUES ($1, $2)"
                      " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                      &p, "writing meta", NULL, NULL, error);
}

/* ---- schema ---- */

/* Version 1: the schema SQLite reached in its version 3, so both backends
 * hold the same data, plus the participants' languages (comma-separated
 * BCP 47 tags) and signing columns, read once the structs carry them.
 * ord keeps insertion order where SQLite uses its rowid. The audit table
 * refuses UPDATE (a trigger); DELETE stays possible for pruning. */
static const char schema_1[]
    = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
      "CREATE TABLE consultations ("
      "  id TEXT PRIMARY KEY,"
      "  title TEXT NOT NULL,"
      "  starts_at BIGINT NOT NULL,"
      "  ends_at BIGINT NOT NULL,"
      "  status TEXT NOT NULL CHECK (status IN ('scheduled', 'ended', 'cancelled')),"
      "  auto_admit BIGINT NOT NULL,"
      "  locked BOOLEAN NOT NULL,"
      "  created_at BIGINT NOT NULL,"
      "  updated_at BIGINT NOT NULL,"
      "  ord BIGINT GENERATED ALWAYS AS IDENTITY);"
      "CREATE INDEX consultations_created ON consultations (created_at);"
      "CREATE TABLE participants ("
      "  consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,"
      "  id TEXT NOT NULL,"
      "  name TEXT NOT NULL,"
      "  role TEXT NOT NULL"
      "    CHECK (role IN ('host', 'staff', 'interpreter', 'patient', 'relative')),"
      "  assurance TEXT,"
      "  removed BOOLEAN NOT NULL DEFAULT false,"
      "  created_at BIGINT NOT NULL,"
      "  languages TEXT,"
      "  signing BOOLEAN NOT NULL DEFAULT false,"
      "  ord BIGINT GENERATED ALWAYS AS IDENTITY,"
      "  PRIMARY KEY (consultation_id, id));"
      "CREATE TABLE api_keys ("
      "  id TEXT PRIMARY KEY,"
      "  hash BYTEA NOT NULL UNIQUE CHECK (length(hash) = 32),"
      "  label TEXT,"
      "  created_at BIGINT NOT NULL,"
      "  scopes TEXT NOT NULL DEFAULT '',"
      "  expires_at BIGINT,"
      "  revoked_at BIGINT);"
      "CREATE TABLE audit ("
      "  seq BIGINT PRIMARY KEY,"
      "  time_us BIGINT NOT NULL,"
      "  event TEXT NOT NULL,"
      "  consultation TEXT,"
      "  actor TEXT,"
      "  actor_role TEXT,"
      "  subject TEXT,"
      "  subject_role TEXT,"
      "  assurance TEXT,"
      "  outcome TEXT,"
      "  detail TEXT,"
      "  prev TEXT NOT NULL,"
      "  hash TEXT NOT NULL,"
      "  mac TEXT);"
      "CREATE INDEX audit_consultation ON audit (consultation, seq);"
      "CREATE INDEX audit_time ON audit (time_us);"
      "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
      "  $$BEGIN RAISE EXCEPTION 'audit records are append-only'; END$$;"
      "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit"
      "  FOR EACH ROW EXECUTE FUNCTION audit_append_only();";

/* steps[i] migrates version i to i + 1. Append new steps; never edit one. */
static const char *const steps[] = {
  schema_1,
};
#define SCHEMA_VERSION ((gint64)G_N_ELEMENTS(steps))

/* One step, if still due, in one transaction under the schema lock.
 * *version: the version found (and left) by this transaction. */
static gboolean migrate_step(NaraPgStore *s, gint64 *version, GError **error)
{
  PGresult *res;
  NaraPgParams p = { 0 };

  if (!nara_pg_begin(s, error) || !nara_pg_xact_lock(s, NARA_PG_LOCK_SCHEMA, error)
      || !nara_pg_exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
                       NULL, "creating schema_version", NULL, NULL, error))
    goto fail;
  res = nara_pg_query(s, "SELECT max(version) FROM schema_version", NULL, "reading the version",
                      NULL, error);
  if (res == NULL)
    goto fail;
  *version = nara_pg_int_at(res, 0, 0);
  PQclear(res);
  if (*version > SCHEMA_VERSION) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO,
                "database schema version %" G_GINT64_FORMAT
                " is newer than this Nara understands (%" G_GINT64_FORMAT ")",
                *version, SCHEMA_VERSION);
    goto fail;
  }
  if (*version == SCHEMA_VERSION) {
    nara_pg_rollback(s);
    return TRUE;
  }
  nara_pg_int(&p, *version + 1);
  if (!nara_pg_exec(s, steps[*version], NULL, "migrating", NULL, NULL, error)
      || !nara_pg_exec(s, "DELETE FROM schema_version", NULL, "migrating", NULL, NULL, error)
      || !nara_pg_exec(s, "INSERT INTO schema_version (version) VALUES ($1::integer)", &p,
                       "migrating", NULL, NULL, error)
      || !nara_pg_commit(s, error)) {
    g_prefix_error(error, "migrating schema to version %" G_GINT64_FORMAT ": ", *version + 1);
    goto fail;
  }
  g_info("store schema migrated to version %" G_GINT64_FORMAT, *version + 1);
  (*version)++;
  return TRUE;

fail:
  nara_pg_rollback(s);
  return FALSE;
}

static gboolean migrate(NaraPgStore *s, GError **error)
{
  gint64 version = 0;

  do {
    if (!migrate_step(s, &version, error))
      return FALSE;
  } while (version < SCHEMA_VERSION);
  return TRUE;
}

NaraStore *nara_store_open_postgresql(const char *conninfo, GError **error)
{
  NaraPgStore *s;

  if (conninfo == NULL || conninfo[0] == '\0') {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO,
                "store.postgresql: no connection string");
    return NULL;
  }
  s = g_new0(NaraPgStore, 1);
  nara_store_init(&s->parent, &pg_ops);
  s->conninfo = g_strdup(conninfo);
  if (!connected(s, error) || !migrate(s, error)) {
    nara_store_close(&s->parent);
    return NULL;
  }
  return &s->parent;
}

static void pg_close(NaraStore *store)
{
  NaraPgStore *s = NARA_PG(store);

  g_clear_pointer(&s->conn, PQfinish);
  if (s->conninfo != NULL)
    memset(s->conninfo, 0, strlen(s->conninfo));
  g_free(s->conninfo);
  g_free(s);
}

static const NaraStoreOps pg_ops = {
  .close = pg_close,
  .consultation_create = nara_pg_consultation_create,
  .consultation_get = nara_pg_consultation_get,
  .consultation_list = nara_pg_consultation_list,
  .consultation_update = nara_pg_consultation_update,
  .participant_add = nara_pg_participant_add,
  .participant_delete = nara_pg_participant_delete,
  .participant_set_removed = nara_pg_participant_set_removed,
  .apikey_add = nara_pg_apikey_add,
  .apikey_find = nara_pg_apikey_find,
  .apikey_list = nara_pg_apikey_list,
  .apikey_revoke = nara_pg_apikey_revoke,
  .consultation_erase = nara_pg_consultation_erase,
  .consultations_expire = nara_pg_consultations_expire,
  .consultation_erase_async = nara_store_thread_consultation_erase,
  .consultations_expire_async = nara_store_thread_consultations_expire,
  .audit_append = nara_pg_audit_append,
  .audit_export = nara_pg_audit_export,
  .audit_verify = nara_pg_audit_verify,
  .audit_anchor = nara_pg_audit_anchor,
  .audit_prune = nara_pg_audit_prune,
  .audit_append_batch = nara_pg_audit_append_batch,
  /* libpq's synchronous calls, on the store's own thread like SQLite's:
   * one connection, one job at a time, group commit of audit appends. */
  .consultation_create_async = nara_store_thread_consultation_create,
  .consultation_get_async = nara_store_thread_consultation_get,
  .consultation_list_async = nara_store_thread_consultation_list,
  .consultation_update_async = nara_store_thread_consultation_update,
  .consultation_modify_async = nara_store_thread_consultation_modify,
  .participant_add_async = nara_store_thread_participant_add,
  .participant_delete_async = nara_store_thread_participant_delete,
  .participant_set_removed_async = nara_store_thread_participant_set_removed,
  .apikey_find_async = nara_store_thread_apikey_find,
  .audit_append_async = nara_store_thread_audit_append,
  .audit_export_async = nara_store_thread_audit_export,
  .audit_prune_async = nara_store_thread_audit_prune,
  .flush = nara_store_thread_flush,
};
