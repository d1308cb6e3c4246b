/* sqlite_consultations.c — consultations, their participants and API keys
 * in SQLite.
 *
 * Enforces what the data itself requires (ids, roles, at most
 * NARA_STORE_MAX_PARTICIPANTS, no changes to a cancelled consultation);
 * who may change what is decided by the callers (REST API, signaling).
 * Writes no audit records: callers record the event they performed.
 *
 * Threading: whoever holds NaraStore.lock (the store's thread in the server).
 */
#include "sqlite-private.h"

#include <string.h>

#define CONSULTATION_COLUMNS                                                                       \
  "id, title, starts_at, ends_at, status, auto_admit, locked, created_at, updated_at"

/* Status of consultation id inside the current transaction. */
static gboolean lookup_status(NaraSqliteStore *s, const char *id, NaraConsultationStatus *out,
                              GError **error)
{
  sqlite3_stmt *st;
  int rc;

  if (!nara_store_id_valid(id)) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such consultation");
    return FALSE;
  }
  st = nara_sqlite_stmt(s, "SELECT status FROM consultations WHERE id = ?1", error);
  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *out = nara_store_status_from_name((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return TRUE;
  }
  if (rc == SQLITE_DONE)
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such consultation");
  else
    nara_sqlite_set_error(s, error, "reading a consultation");
  sqlite3_reset(st);
  return FALSE;
}

/* Participants can change only while the consultation is scheduled: an
 * ended or cancelled one admits nobody, so its roster is history. */
static gboolean check_open(NaraSqliteStore *s, const char *id, GError **error)
{
  NaraConsultationStatus status;

  if (!lookup_status(s, id, &status, error))
    return FALSE;
  if (status != NARA_CONSULTATION_SCHEDULED) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT, "consultation is %s",
                nara_store_status_names[status]);
    return FALSE;
  }
  return TRUE;
}

static gboolean touch(NaraSqliteStore *s, const char *id, GError **error)
{
  sqlite3_stmt *st
      = nara_sqlite_stmt(s, "UPDATE consultations SET updated_at = ?2 WHERE id = ?1", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, nara_store_now_s());
  return nara_sqlite_step_done(s, st, "updating a consultation", NULL, error);
}

/* Inserts p into its consultation (no transaction, no status check). */
static gboolean insert_participant(NaraSqliteStore *s, NaraStoreParticipant *p, GError **error)
{
  sqlite3_stmt *st;

  if (!nara_store_check_participant(p, error))
    return FALSE;
  st = nara_sqlite_stmt(s,
                        "INSERT INTO participants (consultation_id, id, name, role, assurance,"
                        " removed, created_at, languages, signing)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        error);
  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, p->consultation_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, p->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, p->name != NULL ? p->name : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, nara_role_to_string(p->role), -1, SQLITE_STATIC);
  if (p->assurance != NULL)
    sqlite3_bind_text(st, 5, p->assurance, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, p->removed ? 1 : 0);
  sqlite3_bind_int64(st, 7, p->created_at);
  if (p->languages != NULL)
    sqlite3_bind_text(st, 8, p->languages, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 9, p->signing ? 1 : 0);
  return nara_sqlite_step_done(s, st, "adding a participant",
                               "a participant with this id already exists", error);
}

gboolean nara_sqlite_consultation_create(NaraStore *store, NaraStoreConsultation *c, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  guint n = c->participants != NULL ? c->participants->len : 0;
  sqlite3_stmt *st;

  if (!nara_store_check_consultation(c, error))
    return FALSE;
  if (n > NARA_STORE_MAX_PARTICIPANTS)
    return nara_store_invalid(error, "too many participants");
  if (c->id[0] == '\0')
    nara_store_id_generate("c-", c->id);
  else if (!nara_store_id_valid(c->id))
    return nara_store_invalid(error, "consultation id too long");
  if (c->created_at == 0)
    c->created_at = nara_store_now_s();
  if (c->updated_at == 0)
    c->updated_at = c->created_at;
  if (!nara_sqlite_begin(s, error))
    return FALSE;
  st = nara_sqlite_stmt(s,
                        "INSERT INTO consultations (" CONSULTATION_COLUMNS
                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->title != NULL ? c->title : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, c->starts_at);
  sqlite3_bind_int64(st, 4, c->ends_at);
  sqlite3_bind_text(st, 5, nara_store_status_names[c->status], -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, c->auto_admit);
  sqlite3_bind_int(st, 7, c->locked ? 1 : 0);
  sqlite3_bind_int64(st, 8, c->created_at);
  sqlite3_bind_int64(st, 9, c->updated_at);
  if (!nara_sqlite_step_done(s, st, "creating a consultation",
                             "a consultation with this id already exists", error))
    goto fail;
  for (guint i = 0; i < n; i++) {
    NaraStoreParticipant *p = g_ptr_array_index(c->participants, i);

    memcpy(p->consultation_id, c->id, NARA_STORE_ID_LEN);
    if (!insert_participant(s, p, error))
      goto fail;
  }
  return nara_sqlite_commit(s, error);

fail:
  nara_sqlite_rollback(s);
  return FALSE;
}

static gboolean load_participants(NaraSqliteStore *s, NaraStoreConsultation *c, GError **error)
{
  sqlite3_stmt *st
      = nara_sqlite_stmt(s,
                         "SELECT id, name, role, assurance, removed, created_at,"
                         " languages, signing FROM participants WHERE consultation_id = ?1"
                         " ORDER BY created_at, rowid",
                         error);
  int rc;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    NaraStoreParticipant *p = g_new0(NaraStoreParticipant, 1);

    g_strlcpy(p->id, (const char *)sqlite3_column_text(st, 0), NARA_STORE_ID_LEN);
    memcpy(p->consultation_id, c->id, NARA_STORE_ID_LEN);
    p->name = nara_sqlite_column_dup(st, 1);
    if (!nara_role_from_string((const char *)sqlite3_column_text(st, 2), &p->role))
      p->role = NARA_ROLE_RELATIVE; /* CHECK constraint makes this unreachable */
    p->assurance = nara_sqlite_column_dup(st, 3);
    p->removed = sqlite3_column_int(st, 4) != 0;
    p->created_at = sqlite3_column_int64(st, 5);
    p->languages = nara_sqlite_column_dup(st, 6);
    p->signing = sqlite3_column_int(st, 7) != 0;
    g_ptr_array_add(c->participants, p);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    nara_sqlite_set_error(s, error, "reading participants");
    return FALSE;
  }
  return TRUE;
}

static NaraStoreConsultation *consultation_from_row(sqlite3_stmt *st)
{
  NaraStoreConsultation *c = g_new0(NaraStoreConsultation, 1);

  g_strlcpy(c->id, (const char *)sqlite3_column_text(st, 0), NARA_STORE_ID_LEN);
  c->title = nara_sqlite_column_dup(st, 1);
  c->starts_at = sqlite3_column_int64(st, 2);
  c->ends_at = sqlite3_column_int64(st, 3);
  c->status = nara_store_status_from_name((const char *)sqlite3_column_text(st, 4));
  c->auto_admit = (guint)sqlite3_column_int64(st, 5);
  c->locked = sqlite3_column_int(st, 6) != 0;
  c->created_at = sqlite3_column_int64(st, 7);
  c->updated_at = sqlite3_column_int64(st, 8);
  c->participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  return c;
}

NaraStoreConsultation *nara_sqlite_consultation_get(NaraStore *store, const char *id,
                                                    GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  g_autoptr(NaraStoreConsultation) c = NULL;
  sqlite3_stmt *st;
  int rc;

  if (!nara_store_id_valid(id)) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such consultation");
    return NULL;
  }
  st = nara_sqlite_stmt(s, "SELECT " CONSULTATION_COLUMNS " FROM consultations WHERE id = ?1",
                        error);
  if (st == NULL)
    return NULL;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    c = consultation_from_row(st);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such consultation");
    return NULL;
  }
  if (c == NULL) {
    nara_sqlite_set_error(s, error, "reading a consultation");
    return NULL;
  }
  if (!load_participants(s, c, error))
    return NULL;
  return g_steal_pointer(&c);
}

GPtrArray *nara_sqlite_consultation_list(NaraStore *store, int status, guint limit, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  g_autoptr(GPtrArray) list
      = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_consultation_free);
  sqlite3_stmt *st;
  int rc;

  if (status >= 0 && !nara_store_status_valid(status)) {
    nara_store_invalid(error, "unknown consultation status");
    return NULL;
  }
  st = nara_sqlite_stmt(s,
                        "SELECT " CONSULTATION_COLUMNS " FROM consultations"
                        " WHERE ?1 IS NULL OR status = ?1"
                        " ORDER BY created_at DESC, rowid DESC LIMIT ?2",
                        error);
  if (st == NULL)
    return NULL;
  if (status >= 0)
    sqlite3_bind_text(st, 1, nara_store_status_names[status], -1, SQLITE_STATIC);
  /* limit 0: no limit (SQLite reads a negative LIMIT as none). */
  sqlite3_bind_int64(st, 2, limit > 0 ? (gint64)limit : -1);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    g_ptr_array_add(list, consultation_from_row(st));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    nara_sqlite_set_error(s, error, "listing consultations");
    return NULL;
  }
  for (guint i = 0; i < list->len; i++)
    if (!load_participants(s, g_ptr_array_index(list, i), error))
      return NULL;
  return g_steal_pointer(&list);
}

gboolean nara_sqlite_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                         GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  NaraConsultationStatus current;
  sqlite3_stmt *st;

  if (!nara_store_check_consultation(c, error))
    return FALSE;
  if (!nara_sqlite_begin(s, error))
    return FALSE;
  if (!lookup_status(s, c->id, &current, error))
    goto fail;
  if (current == NARA_CONSULTATION_CANCELLED) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT,
                "a cancelled consultation cannot be changed");
    goto fail;
  }
  st = nara_sqlite_stmt(s,
                        "UPDATE consultations SET title = ?2, starts_at = ?3, ends_at = ?4,"
                        " status = ?5, auto_admit = ?6, locked = ?7, updated_at = ?8"
                        " WHERE id = ?1",
                        error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->title != NULL ? c->title : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, c->starts_at);
  sqlite3_bind_int64(st, 4, c->ends_at);
  sqlite3_bind_text(st, 5, nara_store_status_names[c->status], -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, c->auto_admit);
  sqlite3_bind_int(st, 7, c->locked ? 1 : 0);
  sqlite3_bind_int64(st, 8, nara_store_now_s());
  if (!nara_sqlite_step_done(s, st, "updating a consultation", NULL, error))
    goto fail;
  return nara_sqlite_commit(s, error);

fail:
  nara_sqlite_rollback(s);
  return FALSE;
}

gboolean nara_sqlite_participant_add(NaraStore *store, NaraStoreParticipant *p, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  sqlite3_stmt *st;

  if (!nara_sqlite_begin(s, error))
    return FALSE;
  if (!check_open(s, p->consultation_id, error))
    goto fail;
  st = nara_sqlite_stmt(s, "SELECT count(*) FROM participants WHERE consultation_id = ?1", error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_text(st, 1, p->consultation_id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW) {
    nara_sqlite_set_error(s, error, "counting participants");
    sqlite3_reset(st);
    goto fail;
  }
  if (sqlite3_column_int64(st, 0) >= NARA_STORE_MAX_PARTICIPANTS) {
    sqlite3_reset(st);
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT,
                "the consultation has %d participants already", NARA_STORE_MAX_PARTICIPANTS);
    goto fail;
  }
  sqlite3_reset(st);
  if (!insert_participant(s, p, error) || !touch(s, p->consultation_id, error))
    goto fail;
  return nara_sqlite_commit(s, error);

fail:
  nara_sqlite_rollback(s);
  return FALSE;
}

/* Runs sql (?1 consultation, ?2 participant, ?3 optional value) on one
 * participant of an open consultation. */
static gboolean change_participant(NaraSqliteStore *s, const char *sql, const char *consultation_id,
                                   const char *participant_id, int value, GError **error)
{
  sqlite3_stmt *st;

  if (!nara_sqlite_begin(s, error))
    return FALSE;
  if (!check_open(s, consultation_id, error))
    goto fail;
  st = nara_sqlite_stmt(s, sql, error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_text(st, 1, consultation_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, participant_id != NULL ? participant_id : "", -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count(st) >= 3)
    sqlite3_bind_int(st, 3, value);
  if (!nara_sqlite_step_done(s, st, "changing a participant", NULL, error))
    goto fail;
  if (sqlite3_changes(s->db) == 0) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such participant");
    goto fail;
  }
  if (!touch(s, consultation_id, error))
    goto fail;
  return nara_sqlite_commit(s, error);

fail:
  nara_sqlite_rollback(s);
  return FALSE;
}

gboolean nara_sqlite_participant_delete(NaraStore *store, const char *consultation_id,
                                        const char *participant_id, GError **error)
{
  return change_participant(NARA_SQLITE(store),
                            "DELETE FROM participants WHERE consultation_id = ?1 AND id = ?2",
                            consultation_id, participant_id, 0, error);
}

gboolean nara_sqlite_participant_set_removed(NaraStore *store, const char *consultation_id,
                                             const char *participant_id, gboolean removed,
                                             GError **error)
{
  return change_participant(NARA_SQLITE(store),
                            "UPDATE participants SET removed = ?3"
                            " WHERE consultation_id = ?1 AND id = ?2",
                            consultation_id, participant_id, removed ? 1 : 0, error);
}

gboolean nara_sqlite_apikey_add(NaraStore *store, const NaraStoreApiKey *key, const guint8 hash[32],
                                GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  sqlite3_stmt *st;

  if (!nara_store_id_valid(key->id))
    return nara_store_invalid(error, "bad API key id");
  if (!nara_store_text_ok(key->label) || !nara_store_text_ok(key->scopes))
    return nara_store_invalid(error, "label or scopes are not UTF-8");
  st = nara_sqlite_stmt(s,
                        "INSERT INTO api_keys (id, hash, label, created_at, scopes, expires_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        error);
  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, key->id, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
  if (key->label != NULL)
    sqlite3_bind_text(st, 3, key->label, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, nara_store_now_s());
  sqlite3_bind_text(st, 5, key->scopes ? key->scopes : "", -1, SQLITE_STATIC);
  if (key->expires_at > 0)
    sqlite3_bind_int64(st, 6, key->expires_at);
  return nara_sqlite_step_done(s, st, "adding an API key", "this API key exists already", error);
}

#define APIKEY_COLUMNS "id, label, scopes, created_at, expires_at, revoked_at"

static NaraStoreApiKey *apikey_from_row(sqlite3_stmt *st)
{
  NaraStoreApiKey *k = g_new0(NaraStoreApiKey, 1);

  g_strlcpy(k->id, (const char *)sqlite3_column_text(st, 0), sizeof k->id);
  k->label = nara_sqlite_column_dup(st, 1);
  k->scopes = nara_sqlite_column_dup(st, 2);
  k->created_at = sqlite3_column_int64(st, 3);
  k->expires_at = sqlite3_column_int64(st, 4); /* NULL reads as 0: never */
  k->revoked_at = sqlite3_column_int64(st, 5);
  return k;
}

NaraStoreApiKey *nara_sqlite_apikey_find(NaraStore *store, const guint8 hash[32])
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *st
      = nara_sqlite_stmt(s, "SELECT " APIKEY_COLUMNS " FROM api_keys WHERE hash = ?1", &error);
  NaraStoreApiKey *k = NULL;

  if (st == NULL) {
    g_warning("API key lookup: %s", error->message);
    return NULL;
  }
  /* Looked up by SHA-256 of a 256-bit random key: timing of the index
   * walk reveals nothing an attacker can steer towards a valid key. */
  sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW)
    k = apikey_from_row(st);
  sqlite3_reset(st);
  return k;
}

GPtrArray *nara_sqlite_apikey_list(NaraStore *store, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  sqlite3_stmt *st = nara_sqlite_stmt(
      s, "SELECT " APIKEY_COLUMNS " FROM api_keys ORDER BY created_at, id", error);
  GPtrArray *keys;
  int rc;

  if (st == NULL)
    return NULL;
  keys = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_apikey_free);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    g_ptr_array_add(keys, apikey_from_row(st));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    nara_sqlite_set_error(s, error, "listing API keys");
    g_ptr_array_unref(keys);
    return NULL;
  }
  return keys;
}

gboolean nara_sqlite_apikey_revoke(NaraStore *store, const char *key_id, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  sqlite3_stmt *st = nara_sqlite_stmt(
      s, "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", error);
  sqlite3_stmt *exists;
  gboolean found;

  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, key_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, nara_store_now_s());
  if (!nara_sqlite_step_done(s, st, "revoking an API key", NULL, error))
    return FALSE;
  if (sqlite3_changes(s->db) == 1)
    return TRUE;
  exists = nara_sqlite_stmt(s, "SELECT 1 FROM api_keys WHERE id = ?1", error);
  if (exists == NULL)
    return FALSE;
  sqlite3_bind_text(exists, 1, key_id, -1, SQLITE_STATIC);
  found = sqlite3_step(exists) == SQLITE_ROW;
  sqlite3_reset(exists);
  g_set_error(error, NARA_STORE_ERROR,
              found ? NARA_STORE_ERROR_CONFLICT : NARA_STORE_ERROR_NOT_FOUND,
              found ? "API key %s is revoked already" : "no API key %s", key_id);
  return FALSE;
}
