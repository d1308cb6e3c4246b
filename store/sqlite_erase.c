/* sqlite_erase.c — erasing consultations: on request (a data subject's,
 * GDPR Art. 17) and when their retention is over (Art. 5(1)(e)).
 *
 * The consultation row goes, and its participants with it (ON DELETE
 * CASCADE): title, names, identity levels. Links are never stored. With
 * PRAGMA secure_delete (sqlite_db.c) the freed cells are zeroed in place,
 * and a TRUNCATE checkpoint copies the change into the database file and
 * empties the write-ahead log, so neither file keeps the old text. The
 * audit log is not touched: it holds ids, roles and assurance levels only
 * and has its own retention. Writes no audit records (callers do).
 *
 * Threading: whoever holds NaraStore.lock (the store's thread in the server).
 */
#include "sqlite-private.h"

/* Moves every committed page into the file and truncates the WAL to
 * nothing. A reader holding an old snapshot (a CLI export) makes it
 * partial: the WAL is then emptied at the next checkpoint, logged here. */
static void checkpoint(NaraSqliteStore *s)
{
  int log = 0, done = 0;
  int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);

  if (rc != SQLITE_OK || log != done)
    g_message("store: erase checkpoint incomplete (%s); the write-ahead log is emptied later",
              sqlite3_errstr(rc));
}

static gboolean delete_one(NaraSqliteStore *s, const char *id, GError **error)
{
  sqlite3_stmt *st = nara_sqlite_stmt(s, "DELETE FROM consultations WHERE id = ?1", error);

  if (st == NULL)
    return FALSE;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  if (!nara_sqlite_step_done(s, st, "erasing a consultation", NULL, error))
    return FALSE;
  if (sqlite3_changes(s->db) == 0) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND, "no consultation %s", id);
    return FALSE;
  }
  return TRUE;
}

gboolean nara_sqlite_consultation_erase(NaraStore *store, const char *id, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);

  if (!nara_sqlite_begin(s, error))
    return FALSE;
  if (!delete_one(s, id, error)) {
    nara_sqlite_rollback(s);
    return FALSE;
  }
  if (!nara_sqlite_commit(s, error))
    return FALSE;
  checkpoint(s);
  return TRUE;
}

/* Over: ended or cancelled and unchanged since the cut-off, or whatever
 * its status, its end before the cut-off (one nobody ended). */
GPtrArray *nara_sqlite_consultations_expire(NaraStore *store, gint64 cutoff_s, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  sqlite3_stmt *st;
  int rc;

  if (!nara_sqlite_begin(s, error))
    return NULL;
  st = nara_sqlite_stmt(s,
                        "SELECT id FROM consultations WHERE ends_at < ?1"
                        " OR (status != 'scheduled' AND updated_at < ?1)",
                        error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_int64(st, 1, cutoff_s);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    g_ptr_array_add(ids, nara_sqlite_column_dup(st, 0));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    nara_sqlite_set_error(s, error, "finding consultations past retention");
    goto fail;
  }
  for (guint i = 0; i < ids->len; i++)
    if (!delete_one(s, ids->pdata[i], error))
      goto fail;
  if (!nara_sqlite_commit(s, error))
    return NULL;
  if (ids->len > 0)
    checkpoint(s);
  return g_steal_pointer(&ids);
fail:
  nara_sqlite_rollback(s);
  return NULL;
}
