/* pg_erase.c — erasing consultations in PostgreSQL: on request (GDPR
 * Art. 17) and when their retention is over (Art. 5(1)(e)).
 *
 * The consultation row goes, and its participants with it (ON DELETE
 * CASCADE). PostgreSQL keeps a deleted row's bytes as a dead tuple until
 * VACUUM frees its space, so each erasure ends with a plain VACUUM of the
 * two tables (cheap, no lock that stops readers or writers); the freed
 * space is overwritten when reused. What VACUUM cannot reach (the WAL
 * until its segments are recycled, base backups, replicas' lag) is the
 * operator's part: docs/privacy.md. The audit log is not touched.
 *
 * Threading: whoever holds NaraStore.lock (the store's thread in the server).
 */
#include "pg-private.h"

static void vacuum(NaraPgStore *s)
{
  g_autoptr(GError) error = NULL;

  /* Outside any transaction, as VACUUM must be. A failure (another
   * role owns the tables) leaves the dead tuples to autovacuum. */
  if (!nara_pg_exec(s, "VACUUM participants, consultations", NULL, "vacuum after erasure", NULL,
                    NULL, &error))
    g_message("store: %s; autovacuum frees the erased rows later", error->message);
}

static gboolean delete_one(NaraPgStore *s, const char *id, GError **error)
{
  NaraPgParams q = { 0 };
  gint64 changed = 0;

  nara_pg_text(&q, id);
  if (!nara_pg_exec(s, "DELETE FROM consultations WHERE id = $1", &q, "erasing a consultation",
                    NULL, &changed, error))
    return FALSE;
  if (changed == 0) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no consultation %s", id);
    return FALSE;
  }
  return TRUE;
}

gboolean nara_pg_consultation_erase(NaraStore *store, const char *id, GError **error)
{
  NaraPgStore *s = NARA_PG(store);

  if (!nara_pg_begin(s, error))
    return FALSE;
  if (!delete_one(s, id, error)) {
    nara_pg_rollback(s);
    return FALSE;
  }
  if (!nara_pg_commit(s, error))
    return FALSE;
  vacuum(s);
  return TRUE;
}

/* Over: ended or cancelled and unchanged since the cut-off, or whatever
 * its status, its end before the cut-off. Several nodes may expire at
 * once: SKIP LOCKED leaves a row another node is erasing to that node. */
GPtrArray *nara_pg_consultations_expire(NaraStore *store, gint64 cutoff_s, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  NaraPgParams q = { 0 };
  PGresult *res;

  nara_pg_int(&q, cutoff_s);
  if (!nara_pg_begin(s, error))
    return NULL;
  res = nara_pg_query(s,
                      "DELETE FROM consultations WHERE id IN (SELECT id FROM consultations"
                      " WHERE ends_at < $1 OR (status != 'scheduled' AND updated_at < $1)"
                      " FOR UPDATE SKIP LOCKED) RETURNING id",
                      &q, "erasing consultations past retention", NULL, error);
  if (res == NULL)
    goto fail;
  for (int row = 0; row < PQntuples(res); row++)
    g_ptr_array_add(ids, nara_pg_dup(res, row, 0));
  PQclear(res);
  if (!nara_pg_commit(s, error))
    return NULL;
  if (ids->len > 0)
    vacuum(s);
  return g_steal_pointer(&ids);

fail:
  nara_pg_rollback(s);
  return NULL;
}
