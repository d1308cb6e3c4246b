/* pg_audit.c — the audit log in PostgreSQL: append, export, verify, prune.
 *
 * The same chain as sqlite_audit.c (audit_record.c hashes, audit_key.c
 * MACs, meta's anchor and head), so `nara audit verify` answers the same on
 * both backends. Several nodes append to one chain: each append or batch
 * takes a transaction-wide advisory lock before reading the head, so the
 * appends of all nodes are serialised and no two take the same seq. Verify
 * reads one REPEATABLE READ snapshot; long walks go through a cursor, a
 * thousand rows at a time, so a large log is never held in memory whole.
 *
 * Threading: whoever holds NaraStore.lock (the store's thread in the server).
 */
#include "pg-private.h"

#include <string.h>

#define AUDIT_COLUMNS                                                                              \
  "seq, time_us, event, consultation, actor, actor_role, subject, subject_role, assurance,"        \
  " outcome, detail, prev, hash, mac"
#define N_TEXT 9 /* event .. detail */
#define FETCH_ROWS 1000

#define META_ANCHOR_SEQ "audit_anchor_seq"
#define META_ANCHOR_HASH "audit_anchor_hash"
#define META_HEAD_SEQ "audit_head_seq"
#define META_HEAD_HASH "audit_head_hash"

typedef struct {
  gint64 seq;
  char hash[NARA_AUDIT_HASH_HEX_LEN + 1];
} ChainPoint;

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

static gboolean read_point(NaraPgStore *s, const char *seq_key, const char *hash_key,
                           const ChainPoint *fallback, ChainPoint *out, GError **error)
{
  g_autofree char *hash = NULL;
  gboolean have_seq = FALSE, have_hash = FALSE;
  gint64 seq = 0;

  if (!nara_pg_meta_get(s, seq_key, &seq, NULL, &have_seq, error)
      || !nara_pg_meta_get(s, hash_key, NULL, &hash, &have_hash, error))
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

static gboolean read_anchor_head(NaraPgStore *s, ChainPoint *anchor, ChainPoint *head,
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

/* Inserts record after *head in the open transaction and moves *head. */
static gboolean insert_record(NaraPgStore *s, const NaraAuditRecord *record, ChainPoint *head,
                              GError **error)
{
  NaraAuditRecord r = *record;
  const char **fields[N_TEXT];
  char *made_valid[N_TEXT] = { NULL };
  char hash[NARA_AUDIT_HASH_HEX_LEN + 1];
  const NaraAuditKey *key = nara_audit_key_current(&s->parent);
  g_autofree char *mac = NULL;
  NaraPgParams q = { 0 };
  gboolean ok;

  /* Stored text is exactly what gets hashed and exported (UTF-8). */
  text_fields(&r, fields);
  for (int i = 0; i < N_TEXT; i++) {
    if (*fields[i] != NULL && !g_utf8_validate(*fields[i], -1, NULL)) {
      made_valid[i] = g_utf8_make_valid(*fields[i], -1);
      *fields[i] = made_valid[i];
    }
  }
  r.time_us = floor_ms_us(record->time_us != 0 ? record->time_us : g_get_real_time());
  r.seq = head->seq + 1;
  nara_audit_record_hash(&r, head->hash, hash);
  mac = key ? nara_audit_key_mac(key, hash) : NULL;
  nara_pg_int(&q, r.seq);
  nara_pg_int(&q, r.time_us);
  for (int i = 0; i < N_TEXT; i++)
    nara_pg_text(&q, *fields[i]);
  nara_pg_text(&q, head->hash);
  nara_pg_text(&q, hash);
  nara_pg_text(&q, mac);
  ok = nara_pg_exec(s,
                    "INSERT INTO audit (" AUDIT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                    " $9, $10, $11, $12, $13, $14)",
                    &q, "appending an audit record",
                    "audit sequence taken: the chain head is damaged", NULL, error);
  if (ok) {
    head->seq = r.seq;
    memcpy(head->hash, hash, sizeof head->hash);
  }
  for (int i = 0; i < N_TEXT; i++)
    g_free(made_valid[i]);
  return ok;
}

static gboolean write_head(NaraPgStore *s, const ChainPoint *head, GError **error)
{
  return nara_pg_meta_set(s, META_HEAD_SEQ, head->seq, NULL, error)
         && nara_pg_meta_set(s, META_HEAD_HASH, 0, head->hash, error);
}

/* A transaction holding the chain: no other node appends or prunes until
 * it ends, and every read after the lock sees their last commit. */
static gboolean begin_chain(NaraPgStore *s, ChainPoint *anchor, ChainPoint *head, GError **error)
{
  if (!nara_pg_begin(s, error))
    return FALSE;
  if (nara_pg_xact_lock(s, NARA_PG_LOCK_AUDIT, error) && read_anchor_head(s, anchor, head, error))
    return TRUE;
  nara_pg_rollback(s);
  return FALSE;
}

gboolean nara_pg_audit_append(NaraStore *store, const NaraAuditRecord *record, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  ChainPoint anchor, head;

  if (event_missing(record, error))
    return FALSE;
  if (!begin_chain(s, &anchor, &head, error))
    return FALSE;
  if (!insert_record(s, record, &head, error) || !write_head(s, &head, error)) {
    nara_pg_rollback(s);
    return FALSE;
  }
  return nara_pg_commit(s, error);
}

/* Group commit, as nara_sqlite_audit_append_batch: one transaction for
 * the lot; if it fails, each record on its own. */
void nara_pg_audit_append_batch(NaraStore *store, const NaraAuditRecord *const *records, guint n,
                                GError **errors)
{
  NaraPgStore *s = NARA_PG(store);
  g_autoptr(GError) error = NULL;
  ChainPoint anchor, head;
  guint i;

  if (!begin_chain(s, &anchor, &head, &error))
    goto one_by_one;
  for (i = 0; i < n; i++) {
    if (event_missing(records[i], &errors[i]))
      continue;
    if (!insert_record(s, records[i], &head, &error))
      goto fail;
  }
  if (!write_head(s, &head, &error))
    goto fail;
  if (nara_pg_commit(s, &error))
    return;
  goto one_by_one;

fail:
  nara_pg_rollback(s);
one_by_one:
  g_debug("audit batch of %u failed (%s): writing one by one", n, error->message);
  for (i = 0; i < n; i++) {
    g_clear_error(&errors[i]);
    nara_pg_audit_append(store, records[i], &errors[i]);
  }
}

/* Fills r from a row of AUDIT_COLUMNS; strings point into res. */
static void record_from_row(const PGresult *res, int row, NaraAuditRecord *r, const char **prev,
                            const char **hash, const char **mac)
{
  const char **fields[N_TEXT];

#define COL(c) (PQgetisnull(res, row, (c)) ? NULL : PQgetvalue(res, row, (c)))
  memset(r, 0, sizeof *r);
  text_fields(r, fields);
  r->seq = nara_pg_int_at(res, row, 0);
  r->time_us = nara_pg_int_at(res, row, 1);
  for (int i = 0; i < N_TEXT; i++)
    *fields[i] = COL(2 + i);
  *prev = COL(11);
  *hash = COL(12);
  *mac = COL(13);
#undef COL
}

/* Calls row() for each row of select (in an open transaction) through a
 * cursor; row() returns FALSE, with error set, to stop. */
static gboolean walk(NaraPgStore *s, const char *select, const NaraPgParams *params,
                     gboolean (*row)(const PGresult *res, int i, gpointer data, GError **error),
                     gpointer data, const char *what, GError **error)
{
  g_autofree char *declare = g_strconcat("DECLARE nara_walk NO SCROLL CURSOR FOR ", select, NULL);
  gboolean ok = TRUE;
  int n;

  if (!nara_pg_exec(s, declare, params, what, NULL, NULL, error))
    return FALSE;
  do {
    PGresult *res = nara_pg_query(s, "FETCH " G_STRINGIFY(FETCH_ROWS) " FROM nara_walk", NULL, what,
                                  NULL, error);

    if (res == NULL)
      return FALSE;
    n = PQntuples(res);
    for (int i = 0; ok && i < n; i++)
      ok = row(res, i, data, error);
    PQclear(res);
  } while (ok && n == FETCH_ROWS);
  return ok && nara_pg_exec(s, "CLOSE nara_walk", NULL, what, NULL, NULL, error);
}

typedef struct {
  void (*emit)(const char *line, gpointer user_data);
  gpointer user_data;
} Export;

static gboolean export_row(const PGresult *res, int i, gpointer data, GError **error)
{
  Export *e = data;
  NaraAuditRecord r;
  const char *prev, *hash, *mac;
  g_autofree char *line = NULL;

  (void)error;
  record_from_row(res, i, &r, &prev, &hash, &mac);
  line = nara_audit_record_export_line(&r, prev, hash);
  e->emit(line, e->user_data);
  return TRUE;
}

gboolean nara_pg_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                              guint limit, void (*emit)(const char *line, gpointer user_data),
                              gpointer user_data, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  Export e = { emit, user_data };
  NaraPgParams q = { 0 };
  gboolean ok;

  nara_pg_int(&q, since_seq);
  nara_pg_text(&q, consultation);
  if (limit)
    nara_pg_int(&q, limit);
  else
    nara_pg_text(&q, NULL);
  if (!nara_pg_exec(s, "BEGIN READ ONLY", NULL, "exporting the audit log", NULL, NULL, error))
    return FALSE;
  ok = walk(s,
            "SELECT " AUDIT_COLUMNS " FROM audit WHERE seq > $1::bigint"
            " AND ($2::text IS NULL OR consultation = $2) ORDER BY seq LIMIT $3::bigint",
            &q, export_row, &e, "exporting the audit log", error);
  nara_pg_rollback(s);
  return ok;
}

static gboolean corrupt(GError **error, gint64 seq, const char *why)
{
  g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CORRUPT,
              "audit chain broken at seq %" G_GINT64_FORMAT ": %s", seq, why);
  return FALSE;
}

typedef struct {
  NaraPgStore *s;
  ChainPoint anchor, at;
  guint64 n, keyed;
  gboolean keys, head_keyed;
} Verify;

/* One record against the one before: the rules of sqlite_audit.c. */
static gboolean verify_row(const PGresult *res, int i, gpointer data, GError **error)
{
  Verify *v = data;
  NaraAuditRecord r;
  const char *prev, *hash, *mac, *why = NULL;
  char expect[NARA_AUDIT_HASH_HEX_LEN + 1];

  record_from_row(res, i, &r, &prev, &hash, &mac);
  if (r.seq <= v->anchor.seq)
    return corrupt(error, r.seq, "record older than the chain anchor");
  if (r.seq != v->at.seq + 1)
    return corrupt(error, r.seq, "the record before it is missing");
  if (prev == NULL || strcmp(prev, v->at.hash) != 0)
    return corrupt(error, r.seq, "prev is not the previous record's hash");
  if (r.event == NULL)
    return corrupt(error, r.seq, "record without event");
  nara_audit_record_hash(&r, v->at.hash, expect);
  if (hash == NULL || strcmp(hash, expect) != 0)
    return corrupt(error, r.seq, "record changed since it was written");
  if (v->keys) {
    if (mac == NULL && v->keyed > 0)
      return corrupt(error, r.seq, "no MAC after records that had one");
    if (mac != NULL && !nara_audit_key_check(&v->s->parent, mac, expect, &why))
      return corrupt(error, r.seq, why);
    v->keyed += mac != NULL;
    v->head_keyed = mac != NULL;
  }
  v->at.seq = r.seq;
  memcpy(v->at.hash, expect, sizeof v->at.hash);
  v->n++;
  return TRUE;
}

/* Walks the chain from the anchor to the head, in the open transaction. */
static gboolean verify_chain(NaraPgStore *s, guint64 *n_records, guint64 *n_keyed, GError **error)
{
  Verify v = { .s = s, .keys = s->parent.audit_keys != NULL };
  ChainPoint head;

  if (!read_anchor_head(s, &v.anchor, &head, error))
    return FALSE;
  v.at = v.anchor;
  if (!walk(s, "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq", NULL, verify_row, &v,
            "reading the audit log", error))
    return FALSE;
  if (v.at.seq != head.seq || strcmp(v.at.hash, head.hash) != 0)
    return corrupt(error, v.at.seq + 1, "records after it are missing (the head is elsewhere)");
  if (v.keyed > 0 && !v.head_keyed)
    return corrupt(error, v.at.seq, "the newest record has no MAC");
  if (n_records != NULL)
    *n_records = v.n;
  if (n_keyed != NULL)
    *n_keyed = v.keyed;
  return TRUE;
}

static gboolean check_anchor(NaraPgStore *s, const char *text, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(text, ":", 2);
  ChainPoint anchor, head;
  guint64 seq = 0;
  g_autofree char *hash = NULL;

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
  if ((gint64)seq == anchor.seq) {
    hash = g_strdup(anchor.hash);
  } else if ((gint64)seq < anchor.seq) {
    return corrupt(error, (gint64)seq, "the kept anchor was pruned; keep a newer one");
  } else {
    NaraPgParams q = { 0 };
    PGresult *res;

    nara_pg_int(&q, (gint64)seq);
    res = nara_pg_query(s, "SELECT hash FROM audit WHERE seq = $1", &q, "reading the audit log",
                        NULL, error);
    if (res == NULL)
      return FALSE;
    if (PQntuples(res) == 1)
      hash = nara_pg_dup(res, 0, 0);
    PQclear(res);
  }
  if (hash == NULL || strcmp(hash, parts[1]) != 0)
    return corrupt(error, (gint64)seq,
                   "it is not the record the kept anchor names: the history "
                   "was rewritten");
  return TRUE;
}

char *nara_pg_audit_anchor(NaraStore *store, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  ChainPoint anchor, head;

  if (!read_anchor_head(s, &anchor, &head, error))
    return NULL;
  return g_strdup_printf("%" G_GINT64_FORMAT ":%s", head.seq, head.hash);
}

gboolean nara_pg_audit_verify(NaraStore *store, const char *anchor, guint64 *n_records,
                              guint64 *n_keyed, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  gboolean ok;

  /* One snapshot: another node's append cannot move the head between
   * reading meta and walking the rows. */
  if (!nara_pg_begin(s, error)
      || !nara_pg_exec(s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", NULL,
                       "verifying the audit log", NULL, NULL, error))
    return FALSE;
  ok = verify_chain(s, n_records, n_keyed, error) && (!anchor || check_anchor(s, anchor, error));
  nara_pg_rollback(s);
  return ok;
}

gboolean nara_pg_audit_prune(NaraStore *store, gint64 older_than_us, GError **error)
{
  NaraPgStore *s = NARA_PG(store);
  ChainPoint anchor, head, cut;
  NaraPgParams q = { 0 }, c = { 0 };
  PGresult *res;

  if (!begin_chain(s, &anchor, &head, error))
    return FALSE;
  /* Prune only a chain that verifies: pruning a tampered stretch would
   * destroy the evidence of the tampering. */
  if (!verify_chain(s, NULL, NULL, error))
    goto fail;
  nara_pg_int(&q, older_than_us);
  res = nara_pg_query(s, "SELECT min(seq) FROM audit WHERE time_us >= $1", &q,
                      "pruning the audit log", NULL, error);
  if (res == NULL)
    goto fail;
  cut.seq = PQgetisnull(res, 0, 0) ? head.seq : nara_pg_int_at(res, 0, 0) - 1;
  PQclear(res);
  if (cut.seq <= anchor.seq) {
    nara_pg_rollback(s);
    return TRUE;
  }
  nara_pg_int(&c, cut.seq);
  res = nara_pg_query(s, "SELECT hash FROM audit WHERE seq = $1", &c, "pruning the audit log", NULL,
                      error);
  if (res == NULL)
    goto fail;
  if (PQntuples(res) != 1) {
    PQclear(res);
    corrupt(error, cut.seq, "record missing");
    goto fail;
  }
  g_strlcpy(cut.hash, PQgetvalue(res, 0, 0), sizeof cut.hash);
  PQclear(res);
  if (!nara_pg_exec(s, "DELETE FROM audit WHERE seq <= $1", &c, "pruning the audit log", NULL, NULL,
                    error)
      || !nara_pg_meta_set(s, META_ANCHOR_SEQ, cut.seq, NULL, error)
      || !nara_pg_meta_set(s, META_ANCHOR_HASH, 0, cut.hash, error))
    goto fail;
  g_info("audit log pruned up to seq %" G_GINT64_FORMAT, cut.seq);
  return nara_pg_commit(s, error);

fail:
  nara_pg_rollback(s);
  return FALSE;
}
