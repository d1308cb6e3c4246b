/* sqlite_db.c — opening the SQLite store: file mode, pragmas, schema
 * migrations, the statement cache and the meta table.
 *
 * Migrations: PRAGMA user_version is the schema version; each step from
 * version N to N+1 is one function run in its own transaction, so a later
 * Nara can open any older file. A file newer than this build is refused
 * rather than guessed at. Does not hold consultation or audit logic.
 *
 * Threading: whoever holds NaraStore.lock: the store's thread in the
 * server, the main thread in the CLI.
 */
#include "sqlite-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* Long enough to ride out a CLI (`nara audit export`) holding the write
 * lock on the same file. The server waits on the store's thread, so a
 * busy file delays store answers, not signaling. */
#define BUSY_TIMEOUT_MS 2000

static const NaraStoreOps sqlite_ops;

void nara_sqlite_set_error(NaraSqliteStore *s, GError **error, const char *what)
{
  g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO, "%s: %s", what,
              s->db != NULL ? sqlite3_errmsg(s->db) : "no database");
}

sqlite3_stmt *nara_sqlite_stmt(NaraSqliteStore *s, const char *sql, GError **error)
{
  sqlite3_stmt *st = g_hash_table_lookup(s->stmts, sql);

  if (st != NULL) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
  }
  if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    nara_sqlite_set_error(s, error, "preparing a statement");
    return NULL;
  }
  g_hash_table_insert(s->stmts, (gpointer)sql, st);
  return st;
}

gboolean nara_sqlite_exec(NaraSqliteStore *s, const char *sql, GError **error)
{
  char *msg = NULL;

  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO, "%s",
                msg != NULL ? msg : "sqlite3_exec failed");
    sqlite3_free(msg);
    return FALSE;
  }
  return TRUE;
}

gboolean nara_sqlite_begin(NaraSqliteStore *s, GError **error)
{
  return nara_sqlite_exec(s, "BEGIN IMMEDIATE", error);
}

gboolean nara_sqlite_commit(NaraSqliteStore *s, GError **error)
{
  if (!nara_sqlite_exec(s, "COMMIT", error)) {
    nara_sqlite_rollback(s);
    return FALSE;
  }
  return TRUE;
}

void nara_sqlite_rollback(NaraSqliteStore *s)
{
  if (!sqlite3_get_autocommit(s->db))
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

gboolean nara_sqlite_step_done(NaraSqliteStore *s, sqlite3_stmt *st, const char *what,
                               const char *conflict_msg, GError **error)
{
  int rc = sqlite3_step(st);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
    sqlite3_reset(st);
    return TRUE;
  }
  if ((rc & 0xff) == SQLITE_CONSTRAINT && conflict_msg != NULL)
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT, "%s", conflict_msg);
  else
    nara_sqlite_set_error(s, error, what);
  sqlite3_reset(st);
  return FALSE;
}

char *nara_sqlite_column_dup(sqlite3_stmt *st, int col)
{
  const unsigned char *t = sqlite3_column_text(st, col);

  return t != NULL ? g_strdup((const char *)t) : NULL;
}

gboolean nara_sqlite_meta_get(NaraSqliteStore *s, const char *key, gint64 *int_out, char **text_out,
                              gboolean *found, GError **error)
{
  sqlite3_stmt *st = nara_sqlite_stmt(s, "SELECT value FROM meta WHERE key = ?1", error);
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW) {
    if (int_out != NULL)
      *int_out = sqlite3_column_int64(st, 0);
    if (text_out != NULL)
      *text_out = nara_sqlite_column_dup(st, 0);
  } else if (rc != SQLITE_DONE) {
    nara_sqlite_set_error(s, error, "reading meta");
    sqlite3_reset(st);
    return FALSE;
  }
  sqlite3_reset(st);
  return TRUE;
}

gboolean nara_sqlite_meta_set(NaraSqliteStore *s, const char *key, gint64 int_value,
                              const char *text_value, GError **error)
{
  sqlite3_stmt *st = nara_sqlite_stmt(
      s, "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
      error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (text_value != NULL)
    sqlite3_bind_text(st, 2, text_value, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64(st, 2, int_value);
  return nara_sqlite_step_done(s, st, "writing meta", NULL, error);
}

/* ---- schema ---- */

/* Version 1: the first schema. Roles and statuses are stored as their
 * wire strings, not enum numbers, so reordering an enum cannot silently
 * change stored data. The audit table refuses UPDATE outright (a trigger);
 * DELETE stays possible for pruning, and the hash chain catches the rest. */
static gboolean migrate_to_1(NaraSqliteStore *s, GError **error)
{
  return nara_sqlite_exec(
      s,
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value);"
      "CREATE TABLE consultations ("
      "  id TEXT PRIMARY KEY,"
      "  title TEXT NOT NULL,"
      "  starts_at INTEGER NOT NULL,"
      "  ends_at INTEGER NOT NULL,"
      "  status TEXT NOT NULL CHECK (status IN ('scheduled', 'ended', 'cancelled')),"
      "  auto_admit INTEGER NOT NULL,"
      "  locked INTEGER NOT NULL,"
      "  created_at INTEGER NOT NULL,"
      "  updated_at INTEGER NOT NULL);"
      "CREATE INDEX consultations_created ON consultations (created_at);"
      "CREATE TABLE participants ("
      "  consultation_id TEXT NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,"
      "  id TEXT NOT NULL,"
      "  name TEXT NOT NULL,"
      "  role TEXT NOT NULL"
      "    CHECK (role IN ('host', 'staff', 'interpreter', 'patient', 'relative')),"
      "  assurance TEXT,"
      "  removed INTEGER NOT NULL DEFAULT 0,"
      "  created_at INTEGER NOT NULL,"
      "  PRIMARY KEY (consultation_id, id));"
      "CREATE TABLE api_keys ("
      "  id TEXT PRIMARY KEY,"
      "  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
      "  label TEXT,"
      "  created_at INTEGER NOT NULL);"
      "CREATE TABLE audit ("
      "  seq INTEGER PRIMARY KEY,"
      "  time_us INTEGER NOT NULL,"
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
      "  hash TEXT NOT NULL);"
      "CREATE INDEX audit_consultation ON audit (consultation, seq);"
      "CREATE INDEX audit_time ON audit (time_us);"
      "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit"
      "  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;",
      error);
}

/* Version 2: API keys get scopes, an expiry and a revocation time. Keys
 * made before scopes existed could do everything, and still can: they get
 * every scope there is today, written out, so a scope added later is not
 * granted to them silently. */
static gboolean migrate_to_2(NaraSqliteStore *s, GError **error)
{
  return nara_sqlite_exec(
      s,
      "ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';"
      "ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;"
      "ALTER TABLE api_keys ADD COLUMN revoked_at INTEGER;"
      "UPDATE api_keys SET scopes ="
      "  'consultations:read consultations:write audit:read consultations:erase';",
      error);
}

/* Version 3: each audit record may carry a MAC of its hash under a key
 * kept outside the database (audit_key.c). Records from before have none. */
static gboolean migrate_to_3(NaraSqliteStore *s, GError **error)
{
  return nara_sqlite_exec(s, "ALTER TABLE audit ADD COLUMN mac TEXT;", error);
}

/* Version 4: a participant is booked with the languages they speak or
 * interpret (BCP 47 tags joined by commas; NULL: not said) and whether
 * they sign, which media serves frame rate before resolution. */
static gboolean migrate_to_4(NaraSqliteStore *s, GError **error)
{
  return nara_sqlite_exec(s,
                          "ALTER TABLE participants ADD COLUMN languages TEXT;"
                          "ALTER TABLE participants ADD COLUMN signing INTEGER NOT NULL DEFAULT 0;",
                          error);
}

/* steps[i] migrates version i to i + 1. Append new steps; never edit one. */
static gboolean (*const steps[])(NaraSqliteStore *s, GError **error) = {
  migrate_to_1,
  migrate_to_2,
  migrate_to_3,
  migrate_to_4,
};
#define SCHEMA_VERSION ((gint64)G_N_ELEMENTS(steps))

static gboolean pragma_int(NaraSqliteStore *s, const char *sql, gint64 *out, GError **error)
{
  sqlite3_stmt *st = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK
      && sqlite3_step(st) == SQLITE_ROW) {
    *out = sqlite3_column_int64(st, 0);
    ok = TRUE;
  } else {
    nara_sqlite_set_error(s, error, sql);
  }
  sqlite3_finalize(st);
  return ok;
}

static gboolean migrate(NaraSqliteStore *s, GError **error)
{
  gint64 version;

  if (!pragma_int(s, "PRAGMA user_version", &version, error))
    return FALSE;
  if (version > SCHEMA_VERSION) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO,
                "database schema version %" G_GINT64_FORMAT
                " is newer than this Nara understands (%" G_GINT64_FORMAT ")",
                version, SCHEMA_VERSION);
    return FALSE;
  }
  for (; version < SCHEMA_VERSION; version++) {
    g_autofree char *set = g_strdup_printf("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);

    if (!nara_sqlite_begin(s, error))
      return FALSE;
    if (!steps[version](s, error) || !nara_sqlite_exec(s, set, error)) {
      nara_sqlite_rollback(s);
      g_prefix_error(error, "migrating schema to version %" G_GINT64_FORMAT ": ", version + 1);
      return FALSE;
    }
    if (!nara_sqlite_commit(s, error))
      return FALSE;
    g_info("store schema migrated to version %" G_GINT64_FORMAT, version + 1);
  }
  return TRUE;
}

static gboolean configure(NaraSqliteStore *s, GError **error)
{
  sqlite3_stmt *st = NULL;
  gboolean wal = FALSE;
  gint64 fk = 0;

  sqlite3_extended_result_codes(s->db, 1);
  sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
  /* WAL: readers (a CLI export) never block the server's writes. */
  if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK
      && sqlite3_step(st) == SQLITE_ROW) {
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    wal = mode != NULL
          && (g_ascii_strcasecmp(mode, "wal") == 0 || g_ascii_strcasecmp(mode, "memory") == 0);
  }
  sqlite3_finalize(st);
  if (!wal) {
    nara_sqlite_set_error(s, error, "cannot switch to WAL journal mode");
    return FALSE;
  }
  /* synchronous=FULL: an audit record acknowledged is on disk even after a
   * power cut. secure_delete: pruned records and deleted participants are
   * overwritten, not left in free pages of a file holding patient data. */
  if (!nara_sqlite_exec(s,
                        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
                        "PRAGMA secure_delete = ON;",
                        error))
    return FALSE;
  if (!pragma_int(s, "PRAGMA foreign_keys", &fk, error))
    return FALSE;
  if (fk != 1) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO,
                "this SQLite does not enforce foreign keys");
    return FALSE;
  }
  return TRUE;
}

/* The file holds patient names and the audit log: owner-only from the
 * start (SQLite gives its -wal and -shm files the same mode). */
static gboolean create_private(const char *path, GError **error)
{
  int fd = g_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0) {
    int e = errno;
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO, "cannot open %s: %s", path,
                g_strerror(e));
    return FALSE;
  }
  close(fd);
  return TRUE;
}

static void finalize_stmt(gpointer st)
{
  sqlite3_finalize(st);
}

NaraStore *nara_store_open_sqlite(const char *path, GError **error)
{
  NaraSqliteStore *s;

  if (path == NULL || path[0] == '\0') {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO, "no database path");
    return NULL;
  }
  if (strcmp(path, ":memory:") != 0 && !create_private(path, error))
    return NULL;
  s = g_new0(NaraSqliteStore, 1);
  nara_store_init(&s->parent, &sqlite_ops);
  s->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, finalize_stmt);
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK) {
    nara_sqlite_set_error(s, error, "opening the database");
    g_prefix_error(error, "%s: ", path);
    nara_store_close(&s->parent);
    return NULL;
  }
  if (!configure(s, error) || !migrate(s, error)) {
    g_prefix_error(error, "%s: ", path);
    nara_store_close(&s->parent);
    return NULL;
  }
  return &s->parent;
}

static void sqlite_close(NaraStore *store)
{
  NaraSqliteStore *s = NARA_SQLITE(store);

  g_clear_pointer(&s->stmts, g_hash_table_unref);
  if (s->db != NULL) {
    sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
    sqlite3_close(s->db);
  }
  g_free(s);
}

static const NaraStoreOps sqlite_ops = {
  .close = sqlite_close,
  .consultation_create = nara_sqlite_consultation_create,
  .consultation_get = nara_sqlite_consultation_get,
  .consultation_list = nara_sqlite_consultation_list,
  .consultation_update = nara_sqlite_consultation_update,
  .participant_add = nara_sqlite_participant_add,
  .participant_delete = nara_sqlite_participant_delete,
  .participant_set_removed = nara_sqlite_participant_set_removed,
  .apikey_add = nara_sqlite_apikey_add,
  .apikey_find = nara_sqlite_apikey_find,
  .apikey_list = nara_sqlite_apikey_list,
  .consultation_erase = nara_sqlite_consultation_erase,
  .consultations_expire = nara_sqlite_consultations_expire,
  .consultation_erase_async = nara_store_thread_consultation_erase,
  .consultations_expire_async = nara_store_thread_consultations_expire,
  .apikey_revoke = nara_sqlite_apikey_revoke,
  .audit_append = nara_sqlite_audit_append,
  .audit_export = nara_sqlite_audit_export,
  .audit_verify = nara_sqlite_audit_verify,
  .audit_anchor = nara_sqlite_audit_anchor,
  .audit_prune = nara_sqlite_audit_prune,
  .audit_append_batch = nara_sqlite_audit_append_batch,
  /* SQLite has no asynchronous interface: its calls run on the store's thread. */
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
