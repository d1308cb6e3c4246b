/* sqlite_audit.c — the audit log in SQLite: append, export, verify, prune.
 *
 * Append-only in practice: besides prune there is no function that changes
 * or deletes a record, and a trigger refuses UPDATE. meta holds the chain
 * anchor (seq and hash of the last pruned record) and head (the last
 * appended), so deleting the newest records is caught too. The chain shows
 * edits; it cannot stop someone who rewrites the whole file and meta, which
 * is why exports carry the hashes (kept elsewhere, they pin the history).
 *
 * Threading: whoever holds NaraStore.lock (the store's thread in the server).
 */
#include "sqlite-private.h"

#include <string.h>

#define AUDIT_COLUMNS                                                                              \
  "seq, time_us, event, consultation, actor, actor_role, subject, subject_role, assurance,"        \
  " outcome, detail, prev, hash"
#define N_TEXT 9 /* event .. detail */

#define META_ANCHOR_SEQ "audit_anchor_seq"
#define META_ANCHOR_HASH "audit_anchor_hash"
#define META_HEAD_SEQ "audit_head_seq"
#define META_HEAD_HASH "audit_head_hash"

typedef struct {
  gint64 seq;
  char hash[NARA_AUDIT_HASH_HEX_LEN + 1];
} ChainPoint;

/* Pointers to the record's text members, in column order. */
static void text_fields(NaraAuditRecord *r, const char **fields[N_TEXT])
{
  fields[0] = &r->event;
  fields[1] = &r->consultation;
  fields[2] = &r->actor;
  fields[3] = &r->actor_role;
  fields[4] = &r->subject;
  fields[5] = &r->subject_role;
  fields[6] = &r->assurance;
  fields[7] = &r->outcome;
  fields[8] = &r->detail;
}

/* Reads a chain point from meta; missing = (0, zeros) or fallback. */
static gboolean read_point(NaraSqliteStore *s, const char *seq_key, const char *hash_key,
                           const ChainPoint *fallback, ChainPoint *out, GError **error)
{
  g_autofree char *hash = NULL;
  gboolean have_seq = FALSE, have_hash = FALSE;
  gint64 seq = 0;

  if (!nara_sqlite_meta_get(s, seq_key, &seq, NULL, &have_seq, error)
      || !nara_sqlite_meta_get(s, hash_key, NULL, &hash, &have_hash, error))
    return FALSE;
  if (!have_seq && !have_hash) {
    if (fallback != NULL) {
      *out = *fallback;
    } else {
      out->seq = 0;
      memcpy(out->hash, NARA_AUDIT_ZERO_HASH, sizeof out->hash);
    }
    return TRUE;
  }
  if (!have_seq || !have_hash || hash == NULL || strlen(hash) != NARA_AUDIT_HASH_HEX_LEN) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CORRUPT, "audit %s is damaged", seq_key);
    return FALSE;
  }
  out->seq = seq;
  memcpy(out->hash, hash, sizeof out->hash);
  return TRUE;
}

static gboolean read_anchor_head(NaraSqliteStore *s, ChainPoint *anchor, ChainPoint *head,
                                 GError **error)
{
  return read_point(s, META_ANCHOR_SEQ, META_ANCHOR_HASH, NULL, anchor, error)
         && read_point(s, META_HEAD_SEQ, META_HEAD_HASH, anchor, head, error);
}

static gint64 floor_ms_us(gint64 us)
{
  gint64 ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
  return ms * 1000;
}

static gboolean event_missing(const NaraAuditRecord *record, GError **error)
{
  if (record->event != NULL && record->event[0] != '\0')
    return FALSE;
  g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID, "audit record without event");
  return TRUE;
}

/* Inserts record after *head in the open transaction and moves *head to
 * it; meta's head is written by the caller, once per transaction. */
static gboolean insert_record(NaraSqliteStore *s, const NaraAuditRecord *record, ChainPoint *head,
                              GError **error)
{
  NaraAuditRecord r = *record;
  const char **fields[N_TEXT];
  char *made_valid[N_TEXT] = { NULL };
  char hash[NARA_AUDIT_HASH_HEX_LEN + 1];
  const NaraAuditKey *key = nara_audit_key_current(&s->parent);
  g_autofree char *mac = NULL;
  sqlite3_stmt *st;
  gboolean ok = FALSE;

  /* Stored text is exactly what gets hashed and exported, so it must be
   * valid UTF-8 (JSON strings are); a broken byte becomes U+FFFD. */
  text_fields(&r, fields);
  for (int i = 0; i < N_TEXT; i++) {
    if (*fields[i] != NULL && !g_utf8_validate(*fields[i], -1, NULL)) {
      made_valid[i] = g_utf8_make_valid(*fields[i], -1);
      *fields[i] = made_valid[i];
    }
  }
  /* Exports show milliseconds; keeping only those makes the stored row and
   * the hashed JSON the same, so no digit of the time is outside the hash. */
  r.time_us = floor_ms_us(record->time_us != 0 ? record->time_us : g_get_real_time());
  r.seq = head->seq + 1;
  nara_audit_record_hash(&r, head->hash, hash);
  mac = key ? nara_audit_key_mac(key, hash) : NULL;
  st = nara_sqlite_stmt(s,
                        "INSERT INTO audit (" AUDIT_COLUMNS ", mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                        " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                        error);
  if (st == NULL)
    goto out;
  sqlite3_bind_int64(st, 1, r.seq);
  sqlite3_bind_int64(st, 2, r.time_us);
  for (int i = 0; i < N_TEXT; i++)
    if (*fields[i] != NULL)
      sqlite3_bind_text(st, 3 + i, *fields[i], -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 12, head->hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 13, hash, -1, SQLITE_STATIC);
  if (mac)
    sqlite3_bind_text(st, 14, mac, -1, SQLITE_STATIC);
  if (!nara_sqlite_step_done(s, st, "appending an audit record",
                             "audit sequence taken: the chain head is damaged", error))
    goto out;
  head->seq = r.seq;
  memcpy(head->hash, hash, sizeof head->hash);
  ok = TRUE;
out:
  for (int i = 0; i < N_TEXT; i++)
    g_free(made_valid[i]);
  return ok;
}

static gboolean write_head(NaraSqliteStore *s, const ChainPoint *head, GError **error)
{
  return nara_sqlite_meta_set(s, META_HEAD_SEQ, head->seq, NULL, error)
         && nara_sqlite_meta_set(s, META_HEAD_HASH, 0, head->hash, error);
}

gboolean nara_sqlite_audit_append(NaraStore *store, const NaraAuditRecord *record, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  ChainPoint anchor, head;

  if (event_missing(record, error))
    return FALSE;
  if (!nara_sqlite_begin(s, error))
    return FALSE;
  if (!read_anchor_head(s, &anchor, &head, error) || !insert_record(s, record, &head, error)
      || !write_head(s, &head, error)) {
    nara_sqlite_rollback(s);
    return FALSE;
  }
  return nara_sqlite_commit(s, error);
}

/* Group commit: one transaction, one fsync for the lot, the chain exactly
 * as n appends one by one would make it. If the transaction fails, each
 * record is tried on its own, so one bad record cannot lose the others. */
void nara_sqlite_audit_append_batch(NaraStore *store, const NaraAuditRecord *const *records,
                                    guint n, GError **errors)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  g_autoptr(GError) error = NULL;
  ChainPoint anchor, head;
  guint i;

  if (!nara_sqlite_begin(s, &error))
    goto one_by_one;
  if (!read_anchor_head(s, &anchor, &head, &error))
    goto fail;
  for (i = 0; i < n; i++) {
    if (event_missing(records[i], &errors[i]))
      continue;
    if (!insert_record(s, records[i], &head, &error))
      goto fail;
  }
  if (!write_head(s, &head, &error))
    goto fail;
  if (nara_sqlite_commit(s, &error))
    return;
  goto one_by_one;

fail:
  nara_sqlite_rollback(s);
one_by_one:
  g_debug("audit batch of %u failed (%s): writing one by one", n, error->message);
  for (i = 0; i < n; i++) {
    g_clear_error(&errors[i]);
    nara_sqlite_audit_append(store, records[i], &errors[i]);
  }
}

/* Fills r from a row of AUDIT_COLUMNS; strings point into the statement. */
static void record_from_row(sqlite3_stmt *st, NaraAuditRecord *r, const char **prev,
                            const char **hash)
{
  const char **fields[N_TEXT];

  memset(r, 0, sizeof *r);
  text_fields(r, fields);
  r->seq = sqlite3_column_int64(st, 0);
  r->time_us = sqlite3_column_int64(st, 1);
  for (int i = 0; i < N_TEXT; i++)
    *fields[i] = (const char *)sqlite3_column_text(st, 2 + i);
  *prev = (const char *)sqlite3_column_text(st, 11);
  *hash = (const char *)sqlite3_column_text(st, 12);
}

gboolean nara_sqlite_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                                  guint limit, void (*emit)(const char *line, gpointer user_data),
                                  gpointer user_data, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  sqlite3_stmt *st;
  int rc;

  /* Not cached: emit may call back into the store (it must not append
   * while exporting, but reading is fine) and a cached statement would be
   * reset under us. */
  if (sqlite3_prepare_v2(s->db,
                         "SELECT " AUDIT_COLUMNS " FROM audit WHERE seq > ?1"
                         " AND (?2 IS NULL OR consultation = ?2) ORDER BY seq LIMIT ?3",
                         -1, &st, NULL)
      != SQLITE_OK) {
    nara_sqlite_set_error(s, error, "exporting the audit log");
    return FALSE;
  }
  sqlite3_bind_int64(st, 1, since_seq);
  /* A negative LIMIT is none (SQLite's lang_select). */
  sqlite3_bind_int64(st, 3, limit ? (gint64)limit : -1);
  if (consultation != NULL)
    sqlite3_bind_text(st, 2, consultation, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    NaraAuditRecord r;
    const char *prev, *hash;
    g_autofree char *line = NULL;

    record_from_row(st, &r, &prev, &hash);
    line = nara_audit_record_export_line(&r, prev, hash);
    emit(line, user_data);
  }
  if (rc != SQLITE_DONE)
    nara_sqlite_set_error(s, error, "exporting the audit log");
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

static gboolean corrupt(GError **error, gint64 seq, const char *why)
{
  g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CORRUPT,
              "audit chain broken at seq %" G_GINT64_FORMAT ": %s", seq, why);
  return FALSE;
}

/* Walks the chain from the anchor to the head; names the first bad seq.
 * With keys, MACs are checked too: once a record has one, every later
 * record must (keys are only ever added), and so must the head. */
static gboolean verify_chain(NaraSqliteStore *s, guint64 *n_records, guint64 *n_keyed,
                             GError **error)
{
  ChainPoint anchor, head, at;
  sqlite3_stmt *st;
  guint64 n = 0, keyed = 0;
  gboolean ok = TRUE, keys = s->parent.audit_keys != NULL, head_keyed = FALSE;
  const char *why = NULL;
  int rc;

  if (!read_anchor_head(s, &anchor, &head, error))
    return FALSE;
  at = anchor;
  st = nara_sqlite_stmt(s, "SELECT " AUDIT_COLUMNS ", mac FROM audit ORDER BY seq", error);
  if (st == NULL)
    return FALSE;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    NaraAuditRecord r;
    const char *prev, *hash;
    char expect[NARA_AUDIT_HASH_HEX_LEN + 1];

    record_from_row(st, &r, &prev, &hash);
    if (r.seq <= anchor.seq)
      ok = corrupt(error, r.seq, "record older than the chain anchor");
    else if (r.seq != at.seq + 1)
      ok = corrupt(error, r.seq, "the record before it is missing");
    else if (prev == NULL || strcmp(prev, at.hash) != 0)
      ok = corrupt(error, r.seq, "prev is not the previous record's hash");
    else if (r.event == NULL)
      ok = corrupt(error, r.seq, "record without event");
    if (!ok)
      break;
    nara_audit_record_hash(&r, at.hash, expect);
    if (hash == NULL || strcmp(hash, expect) != 0) {
      ok = corrupt(error, r.seq, "record changed since it was written");
      break;
    }
    if (keys) {
      const char *mac = (const char *)sqlite3_column_text(st, 13);
      if (mac == NULL && keyed > 0) {
        ok = corrupt(error, r.seq, "no MAC after records that had one");
        break;
      }
      if (mac != NULL && !nara_audit_key_check(&s->parent, mac, expect, &why)) {
        ok = corrupt(error, r.seq, why);
        break;
      }
      keyed += mac != NULL;
      head_keyed = mac != NULL;
    }
    at.seq = r.seq;
    memcpy(at.hash, expect, sizeof at.hash);
    n++;
  }
  if (ok && rc != SQLITE_DONE) {
    nara_sqlite_set_error(s, error, "reading the audit log");
    ok = FALSE;
  }
  sqlite3_reset(st);
  if (ok && (at.seq != head.seq || strcmp(at.hash, head.hash) != 0))
    ok = corrupt(error, at.seq + 1, "records after it are missing (the head is elsewhere)");
  if (ok && keyed > 0 && !head_keyed)
    ok = corrupt(error, at.seq, "the newest record has no MAC");
  if (ok && n_records != NULL)
    *n_records = n;
  if (ok && n_keyed != NULL)
    *n_keyed = keyed;
  return ok;
}

/* The anchor kept elsewhere still holds: the record SEQ (or the pruned
 * anchor at SEQ) has HASH, so nothing up to it was rebuilt or removed. */
static gboolean check_anchor(NaraSqliteStore *s, const char *text, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(text, ":", 2);
  ChainPoint anchor, head;
  guint64 seq = 0;
  g_autofree char *hash = NULL;
  sqlite3_stmt *st;

  if (!parts[0] || !parts[1] || !g_ascii_string_to_unsigned(parts[0], 10, 1, G_MAXINT64, &seq, NULL)
      || strlen(parts[1]) != NARA_AUDIT_HASH_HEX_LEN) {
    g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID,
                "an anchor is SEQ:HASH as printed by nara audit anchor");
    return FALSE;
  }
  if (!read_anchor_head(s, &anchor, &head, error))
    return FALSE;
  if ((gint64)seq > head.seq)
    return corrupt(error, (gint64)seq, "the kept anchor is past the head: records were removed");
  if ((gint64)seq == anchor.seq)
    hash = g_strdup(anchor.hash);
  else if ((gint64)seq < anchor.seq)
    return corrupt(error, (gint64)seq, "the kept anchor was pruned; keep a newer one");
  st = hash ? NULL : nara_sqlite_stmt(s, "SELECT hash FROM audit WHERE seq = ?1", error);
  if (st) {
    sqlite3_bind_int64(st, 1, (gint64)seq);
    if (sqlite3_step(st) == SQLITE_ROW)
      hash = nara_sqlite_column_dup(st, 0);
    sqlite3_reset(st);
  }
  if (hash == NULL || strcmp(hash, parts[1]) != 0)
    return corrupt(error, (gint64)seq,
                   "it is not the record the kept anchor names: the history "
                   "was rewritten");
  return TRUE;
}

char *nara_sqlite_audit_anchor(NaraStore *store, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  ChainPoint anchor, head;

  if (!read_anchor_head(s, &anchor, &head, error))
    return NULL;
  return g_strdup_printf("%" G_GINT64_FORMAT ":%s", head.seq, head.hash);
}

gboolean nara_sqlite_audit_verify(NaraStore *store, const char *anchor, guint64 *n_records,
                                  guint64 *n_keyed, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  gboolean ok;

  /* One read transaction: a concurrent append cannot move the head between
   * reading meta and walking the rows. */
  if (!nara_sqlite_exec(s, "BEGIN", error))
    return FALSE;
  ok = verify_chain(s, n_records, n_keyed, error) && (!anchor || check_anchor(s, anchor, error));
  nara_sqlite_rollback(s);
  return ok;
}

gboolean nara_sqlite_audit_prune(NaraStore *store, gint64 older_than_us, GError **error)
{
  NaraSqliteStore *s = NARA_SQLITE(store);
  ChainPoint anchor, head, cut;
  sqlite3_stmt *st;
  int rc;

  if (!nara_sqlite_begin(s, error))
    return FALSE;
  /* Prune only a chain that verifies: pruning a tampered stretch would
   * destroy the evidence of the tampering. */
  if (!verify_chain(s, NULL, NULL, error) || !read_anchor_head(s, &anchor, &head, error))
    goto fail;
  /* Cut before the first record at or after the cut-off, so a clock that
   * once went backwards never loses a record younger than the retention. */
  st = nara_sqlite_stmt(s, "SELECT min(seq) FROM audit WHERE time_us >= ?1", error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_int64(st, 1, older_than_us);
  rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    nara_sqlite_set_error(s, error, "pruning the audit log");
    sqlite3_reset(st);
    goto fail;
  }
  cut.seq = sqlite3_column_type(st, 0) == SQLITE_NULL ? head.seq : sqlite3_column_int64(st, 0) - 1;
  sqlite3_reset(st);
  if (cut.seq <= anchor.seq) {
    nara_sqlite_rollback(s);
    return TRUE;
  }
  st = nara_sqlite_stmt(s, "SELECT hash FROM audit WHERE seq = ?1", error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_int64(st, 1, cut.seq);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    corrupt(error, cut.seq, "record missing");
    goto fail;
  }
  g_strlcpy(cut.hash, (const char *)sqlite3_column_text(st, 0), sizeof cut.hash);
  sqlite3_reset(st);
  st = nara_sqlite_stmt(s, "DELETE FROM audit WHERE seq <= ?1", error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_int64(st, 1, cut.seq);
  if (!nara_sqlite_step_done(s, st, "pruning the audit log", NULL, error)
      || !nara_sqlite_meta_set(s, META_ANCHOR_SEQ, cut.seq, NULL, error)
      || !nara_sqlite_meta_set(s, META_ANCHOR_HASH, 0, cut.hash, error))
    goto fail;
  g_info("audit log pruned up to seq %" G_GINT64_FORMAT, cut.seq);
  return nara_sqlite_commit(s, error);

fail:
  nara_sqlite_rollback(s);
  return FALSE;
}
