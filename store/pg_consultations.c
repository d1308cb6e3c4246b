/* pg_consultations.c — consultations, their participants and API keys in
 * PostgreSQL, with the same rules as sqlite_consultations.c.
 *
 * Enforces what the data itself requires (ids, roles, at most
 * NARA_STORE_MAX_PARTICIPANTS, no changes to a cancelled consultation);
 * who may change what is decided by the callers. Several nodes may write
 * at once: a participant change locks its consultation's row (FOR UPDATE)
 * so the count check and the insert cannot interleave with another node's.
 * Writes no audit records: callers record the event they performed.
 *
 * Threading: whoever holds NaraStore.lock (the store's thread in the server).
 */
#include "pg-private.h"

#include <string.h>

#define CONSULTATION_COLUMNS                                                                       \
  "id, title, starts_at, ends_at, status, auto_admit, locked, created_at, updated_at"

/* Status of consultation id, its row locked until the transaction ends. */
static gboolean lookup_status(NaraPgStore *s, const char *id, NaraConsultationStatus *out,
                              GError **error)
{
  NaraPgParams p = { 0 };
  PGresult *res;
  gboolean found;

  if (!nara_store_id_valid(id)) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such consultation");
    return FALSE;
  }
  nara_pg_text(&p, id);
  res = nara_pg_query(s, "SELECT status FROM consultations WHERE id = $1 FOR UPDATE", &p,
                      "reading a consultation", NULL, error);
  if (res == NULL)
    return FALSE;
  found = PQntuples(res) == 1;
  if (found)
    *out = nara_store_status_from_name(PQgetvalue(res, 0, 0));
  else
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such consultation");
  PQclear(res);
  return found;
}

/* Participants can change only while the consultation is scheduled. */
static gboolean check_open(NaraPgStore *s, const char *id, GError **error)
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

static gboolean touch(NaraPgStore *s, const char *id, GError **error)
{
  NaraPgParams p = { 0 };

  nara_pg_text(&p, id);
  nara_pg_int(&p, nara_store_now_s());
  return nara_pg_exec(s, "UPDATE consultations SET updated_at = $2 WHERE id = $1", &p,
                      "updating a consultation", NULL, NULL, error);
}

/* Inserts p into its consultation (no transaction, no status check). */
static gboolean insert_participant(NaraPgStore *s, NaraStoreParticipant *p, GError **error)
{
  NaraPgParams q = { 0 };

  if (!nara_store_check_participant(p, error))
    return FALSE;
  nara_pg_text(&q, p->consultation_id);
  nara_pg_text(&q, p->id);
  nara_pg_text(&q, p->name != NULL ? p->name : "");
  nara_pg_text(&q, nara_role_to_string(p->role));
  nara_pg_text(&q, p->assurance);
  nara_pg_bool(&q, p->removed);
  nara_pg_int(&q, p->created_at);
  nara_pg_text(&q, p->languages); /* NULL: SQL NULL */
  nara_pg_bool(&q, p->signing);
  return nara_pg_exec(s,
                      "INSERT INTO participants (consultation_id, id, name, role, assurance,"
                      " removed, created_at, languages, signing)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      &q, "adding a participant", "a participant with this id already exists", NULL,
                      error);
}

/* $1-$7: the consultation's columns up to locked, as both create and
 * update write them. */
static void bind_consultation(NaraPgParams *q, const NaraStoreConsultation *c)
{
  nara_pg_text(q, c->id);
  nara_pg_text(q, c->title != NULL ? c->title : "");
  nara_pg_int(q, c->starts_at);
  nara_pg_int(q, c->ends_at);
  nara_pg_text(q, nara_store_status_names[c->status]);
  nara_pg_int(q, c->auto_admit);
  nara_pg_bool(q, c->locked);
}

gboolean nara_pg_consultation_create(NaraStore *store, NaraStoreConsultation *c, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  guint n = c->participants != NULL ? c->participants->len : 0;
  NaraPgParams q = { 0 };

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
  if (!nara_pg_begin(s, error))
    return FALSE;
  bind_consultation(&q, c);
  nara_pg_int(&q, c->created_at);
  nara_pg_int(&q, c->updated_at);
  if (!nara_pg_exec(s,
                    "INSERT INTO consultations (" CONSULTATION_COLUMNS
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &q, "creating a consultation", "a consultation with this id already exists",
                    NULL, error))
    goto fail;
  for (guint i = 0; i < n; i++) {
    NaraStoreParticipant *p = g_ptr_array_index(c->participants, i);

    memcpy(p->consultation_id, c->id, NARA_STORE_ID_LEN);
    if (!insert_participant(s, p, error))
      goto fail;
  }
  return nara_pg_commit(s, error);

fail:
  nara_pg_rollback(s);
  return FALSE;
}

static gboolean load_participants(NaraPgStore *s, NaraStoreConsultation *c, GError **error)
{
  NaraPgParams q = { 0 };
  PGresult *res;

  nara_pg_text(&q, c->id);
  res = nara_pg_query(s,
                      "SELECT id, name, role, assurance, removed, created_at, languages, signing"
                      " FROM participants WHERE consultation_id = $1 ORDER BY created_at, ord",
                      &q, "reading participants", NULL, error);
  if (res == NULL)
    return FALSE;
  for (int row = 0; row < PQntuples(res); row++) {
    NaraStoreParticipant *p = g_new0(NaraStoreParticipant, 1);

    g_strlcpy(p->id, PQgetvalue(res, row, 0), NARA_STORE_ID_LEN);
    memcpy(p->consultation_id, c->id, NARA_STORE_ID_LEN);
    p->name = nara_pg_dup(res, row, 1);
    if (!nara_role_from_string(PQgetvalue(res, row, 2), &p->role))
      p->role = NARA_ROLE_RELATIVE; /* CHECK constraint makes this unreachable */
    p->assurance = nara_pg_dup(res, row, 3);
    p->removed = nara_pg_bool_at(res, row, 4);
    p->created_at = nara_pg_int_at(res, row, 5);
    p->languages = nara_pg_dup(res, row, 6);
    p->signing = nara_pg_bool_at(res, row, 7);
    g_ptr_array_add(c->participants, p);
  }
  PQclear(res);
  return TRUE;
}

static NaraStoreConsultation *consultation_from_row(const PGresult *res, int row)
{
  NaraStoreConsultation *c = g_new0(NaraStoreConsultation, 1);

  g_strlcpy(c->id, PQgetvalue(res, row, 0), NARA_STORE_ID_LEN);
  c->title = nara_pg_dup(res, row, 1);
  c->starts_at = nara_pg_int_at(res, row, 2);
  c->ends_at = nara_pg_int_at(res, row, 3);
  c->status = nara_store_status_from_name(PQgetvalue(res, row, 4));
  c->auto_admit = (guint)nara_pg_int_at(res, row, 5);
  c->locked = nara_pg_bool_at(res, row, 6);
  c->created_at = nara_pg_int_at(res, row, 7);
  c->updated_at = nara_pg_int_at(res, row, 8);
  c->participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  return c;
}

NaraStoreConsultation *nara_pg_consultation_get(NaraStore *store, const char *id, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  g_autoptr(NaraStoreConsultation) c = NULL;
  NaraPgParams q = { 0 };
  PGresult *res;

  if (!nara_store_id_valid(id)) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such consultation");
    return NULL;
  }
  nara_pg_text(&q, id);
  res = nara_pg_query(s, "SELECT " CONSULTATION_COLUMNS " FROM consultations WHERE id = $1", &q,
                      "reading a consultation", NULL, error);
  if (res == NULL)
    return NULL;
  if (PQntuples(res) == 1)
    c = consultation_from_row(res, 0);
  PQclear(res);
  if (c == NULL) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such consultation");
    return NULL;
  }
  if (!load_participants(s, c, error))
    return NULL;
  return g_steal_pointer(&c);
}

GPtrArray *nara_pg_consultation_list(NaraStore *store, int status, guint limit, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  g_autoptr(GPtrArray) list
      = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_consultation_free);
  NaraPgParams q = { 0 };
  PGresult *res;

  if (status >= 0 && !nara_store_status_valid(status)) {
    nara_store_invalid(error, "unknown consultation status");
    return NULL;
  }
  nara_pg_text(&q, status >= 0 ? nara_store_status_names[status] : NULL);
  /* limit 0: no limit (LIMIT NULL is none). */
  if (limit > 0)
    nara_pg_int(&q, limit);
  else
    nara_pg_text(&q, NULL);
  res = nara_pg_query(s,
                      "SELECT " CONSULTATION_COLUMNS " FROM consultations"
                      " WHERE $1::text IS NULL OR status = $1"
                      " ORDER BY created_at DESC, ord DESC LIMIT $2::bigint",
                      &q, "listing consultations", NULL, error);
  if (res == NULL)
    return NULL;
  for (int row = 0; row < PQntuples(res); row++)
    g_ptr_array_add(list, consultation_from_row(res, row));
  PQclear(res);
  for (guint i = 0; i < list->len; i++)
    if (!load_participants(s, g_ptr_array_index(list, i), error))
      return NULL;
  return g_steal_pointer(&list);
}

/* Writes c in the open transaction, its row locked; never a cancelled one. */
static gboolean update_row(NaraPgStore *s, const NaraStoreConsultation *c, GError **error)
{
  NaraConsultationStatus current;
  NaraPgParams q = { 0 };

  if (!nara_store_check_consultation(c, error) || !lookup_status(s, c->id, &current, error))
    return FALSE;
  if (current == NARA_CONSULTATION_CANCELLED) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT,
                "a cancelled consultation cannot be changed");
    return FALSE;
  }
  bind_consultation(&q, c);
  nara_pg_int(&q, nara_store_now_s());
  return nara_pg_exec(s,
                      "UPDATE consultations SET title = $2, starts_at = $3, ends_at = $4,"
                      " status = $5, auto_admit = $6, locked = $7, updated_at = $8 WHERE id = $1",
                      &q, "updating a consultation", NULL, NULL, error);
}

gboolean nara_pg_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                     GError **error)
{
  NaraPgStore *s = NARA_PG(store);

  if (!nara_store_check_consultation(c, error))
    return FALSE;
  if (!nara_pg_begin(s, error))
    return FALSE;
  if (!update_row(s, c, error)) {
    nara_pg_rollback(s);
    return FALSE;
  }
  return nara_pg_commit(s, error);
}

/* The row is locked before it is read, so a change another node makes
 * waits for this one and then reads its result: no update is lost. */
NaraStoreConsultation *nara_pg_consultation_modify(NaraStore *store, const char *id,
                                                   NaraStoreModifyFunc modify, gpointer modify_data,
                                                   GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  g_autoptr(NaraStoreConsultation) c = NULL;
  NaraConsultationStatus status;
  GError *declined = NULL;

  if (!nara_pg_begin(s, error))
    return NULL;
  if (!lookup_status(s, id, &status, error) || !(c = nara_pg_consultation_get(store, id, error)))
    goto fail;
  if (!modify(c, modify_data, &declined)) {
    nara_pg_rollback(s);
    if (declined == NULL)
      return g_steal_pointer(&c); /* nothing to change: as read */
    g_propagate_error(error, declined);
    return NULL;
  }
  if (!update_row(s, c, error) || !nara_pg_commit(s, error))
    goto fail;
  /* as written, updated_at aside (the row has the time of the write) */
  return g_steal_pointer(&c);

fail:
  nara_pg_rollback(s);
  return NULL;
}

gboolean nara_pg_participant_add(NaraStore *store, NaraStoreParticipant *p, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  NaraPgParams q = { 0 };
  PGresult *res;
  gint64 count;

  if (!nara_pg_begin(s, error))
    return FALSE;
  if (!check_open(s, p->consultation_id, error))
    goto fail;
  nara_pg_text(&q, p->consultation_id);
  res = nara_pg_query(s, "SELECT count(*) FROM participants WHERE consultation_id = $1", &q,
                      "counting participants", NULL, error);
  if (res == NULL)
    goto fail;
  count = nara_pg_int_at(res, 0, 0);
  PQclear(res);
  if (count >= NARA_STORE_MAX_PARTICIPANTS) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT,
                "the consultation has %d participants already", NARA_STORE_MAX_PARTICIPANTS);
    goto fail;
  }
  if (!insert_participant(s, p, error) || !touch(s, p->consultation_id, error))
    goto fail;
  return nara_pg_commit(s, error);

fail:
  nara_pg_rollback(s);
  return FALSE;
}

/* Runs sql ($1 consultation, $2 participant, $3 optional flag) on one
 * participant of an open consultation. */
static gboolean change_participant(NaraPgStore *s, const char *sql, const char *consultation_id,
                                   const char *participant_id, int flag, GError **error)
{
  NaraPgParams q = { 0 };
  gint64 changed = 0;

  if (!nara_pg_begin(s, error))
    return FALSE;
  if (!check_open(s, consultation_id, error))
    goto fail;
  nara_pg_text(&q, consultation_id);
  nara_pg_text(&q, participant_id != NULL ? participant_id : "");
  if (flag >= 0)
    nara_pg_bool(&q, flag);
  if (!nara_pg_exec(s, sql, &q, "changing a participant", NULL, &changed, error))
    goto fail;
  if (changed == 0) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no such participant");
    goto fail;
  }
  if (!touch(s, consultation_id, error))
    goto fail;
  return nara_pg_commit(s, error);

fail:
  nara_pg_rollback(s);
  return FALSE;
}

gboolean nara_pg_participant_delete(NaraStore *store, const char *consultation_id,
                                    const char *participant_id, GError **error)
{
  return change_participant(NARA_PG(store),
                            "DELETE FROM participants WHERE consultation_id = $1 AND id = $2",
                            consultation_id, participant_id, -1, error);
}

gboolean nara_pg_participant_set_removed(NaraStore *store, const char *consultation_id,
                                         const char *participant_id, gboolean removed,
                                         GError **error)
{
  return change_participant(NARA_PG(store),
                            "UPDATE participants SET removed = $3"
                            " WHERE consultation_id = $1 AND id = $2",
                            consultation_id, participant_id, removed ? 1 : 0, error);
}

gboolean nara_pg_apikey_add(NaraStore *store, const NaraStoreApiKey *key, const guint8 hash[32],
                            GError **error)
{
  NaraPgParams q = { 0 };

  if (!nara_store_id_valid(key->id))
    return nara_store_invalid(error, "bad API key id");
  if (!nara_store_text_ok(key->label) || !nara_store_text_ok(key->scopes))
    return nara_store_invalid(error, "label or scopes are not UTF-8");
  nara_pg_text(&q, key->id);
  nara_pg_bytes(&q, hash, 32);
  nara_pg_text(&q, key->label);
  nara_pg_int(&q, nara_store_now_s());
  nara_pg_text(&q, key->scopes ? key->scopes : "");
  if (key->expires_at > 0)
    nara_pg_int(&q, key->expires_at);
  else
    nara_pg_text(&q, NULL);
  return nara_pg_exec(NARA_PG(store),
                      "INSERT INTO api_keys (id, hash, label, created_at, scopes, expires_at)"
                      " VALUES ($1, $2, $3, $4, $5, $6::bigint)",
                      &q, "adding an API key", "this API key exists already", NULL, error);
}

#define APIKEY_COLUMNS "id, label, scopes, created_at, expires_at, revoked_at"

static NaraStoreApiKey *apikey_from_row(const PGresult *res, int row)
{
  NaraStoreApiKey *k = g_new0(NaraStoreApiKey, 1);

  g_strlcpy(k->id, PQgetvalue(res, row, 0), sizeof k->id);
  k->label = nara_pg_dup(res, row, 1);
  k->scopes = nara_pg_dup(res, row, 2);
  k->created_at = nara_pg_int_at(res, row, 3);
  k->expires_at = nara_pg_int_at(res, row, 4); /* NULL reads as 0: never */
  k->revoked_at = nara_pg_int_at(res, row, 5);
  return k;
}

NaraStoreApiKey *nara_pg_apikey_find(NaraStore *store, const guint8 hash[32])
{
  g_autoptr(GError) error = NULL;
  NaraPgParams q = { 0 };
  NaraStoreApiKey *k = NULL;
  PGresult *res;

  nara_pg_bytes(&q, hash, 32);
  res = nara_pg_query(NARA_PG(store), "SELECT " APIKEY_COLUMNS " FROM api_keys WHERE hash = $1", &q,
                      "looking up an API key", NULL, &error);
  if (res == NULL) {
    /* Unreachable: /readyz says so, and its probes come this way. */
    if (g_atomic_int_get(&store->unreachable))
      g_message("API key lookup: %s", error->message);
    else
      g_warning("API key lookup: %s", error->message);
    return NULL;
  }
  if (PQntuples(res) == 1)
    k = apikey_from_row(res, 0);
  PQclear(res);
  return k;
}

GPtrArray *nara_pg_apikey_list(NaraStore *store, GError **error)
{
  PGresult *res = nara_pg_query(NARA_PG(store),
                                "SELECT " APIKEY_COLUMNS " FROM api_keys ORDER BY created_at, id",
                                NULL, "listing API keys", NULL, error);
  GPtrArray *keys;

  if (res == NULL)
    return NULL;
  keys = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_apikey_free);
  for (int row = 0; row < PQntuples(res); row++)
    g_ptr_array_add(keys, apikey_from_row(res, row));
  PQclear(res);
  return keys;
}

gboolean nara_pg_apikey_revoke(NaraStore *store, const char *key_id, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  NaraPgParams q = { 0 }, e = { 0 };
  gint64 changed = 0;
  PGresult *res;
  gboolean found;

  nara_pg_text(&q, key_id);
  nara_pg_int(&q, nara_store_now_s());
  if (!nara_pg_exec(s, "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                    &q, "revoking an API key", NULL, &changed, error))
    return FALSE;
  if (changed == 1)
    return TRUE;
  nara_pg_text(&e, key_id);
  res = nara_pg_query(s, "SELECT 1 FROM api_keys WHERE id = $1", &e, "revoking an API key", NULL,
                      error);
  if (res == NULL)
    return FALSE;
  found = PQntuples(res) == 1;
  PQclear(res);
  g_set_error(error, NARA_STORE_ERROR,
              found ? NARA_STORE_ERROR_CONFLICT : NARA_STORE_ERROR_NOT_FOUND,
              found ? "API key %s is revoked already" : "no API key %s", key_id);
  return FALSE;
}
