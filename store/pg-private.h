/* pg-private.h — the PostgreSQL backend's handle and query helpers, shared
 * by pg_db.c (connection, schema), pg_consultations.c and pg_audit.c.
 *
 * Every query goes through nara_pg_query(): parameters as text (bytea as
 * binary), results as text. A query that fails because the connection
 * broke drops the connection; the next call reconnects (one job fails,
 * the next one works once the database is back).
 *
 * Threading: whoever holds NaraStore.lock (the store's thread in the
 * server, main in the CLI). libpq's synchronous calls block that thread
 * only; never the control thread or a media worker.
 */
#pragma once

#include "store-private.h"

#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct {
  NaraStore parent;
  char *conninfo; /* may hold a password: never logged */
  PGconn *conn;   /* NULL: not connected (reconnected at the next query) */
} NaraPgStore;

#define NARA_PG(store) ((NaraPgStore *)(store))

/* Advisory lock keys ("nara" in the high half): the schema migration and
 * the audit chain's head, both database-wide, taken per transaction. */
#define NARA_PG_LOCK_SCHEMA G_GINT64_CONSTANT(0x6e61726100000001)
#define NARA_PG_LOCK_AUDIT G_GINT64_CONSTANT(0x6e61726100000002)

#define NARA_PG_MAX_PARAMS 16

/* Query parameters; text values are borrowed, integers formatted here. */
typedef struct {
  const char *values[NARA_PG_MAX_PARAMS];
  int lengths[NARA_PG_MAX_PARAMS];
  int formats[NARA_PG_MAX_PARAMS];
  char ints[NARA_PG_MAX_PARAMS][24];
  int n;
} NaraPgParams;

/* Appends $n: text (NULL: SQL NULL), an integer, a boolean, or bytes. */
void nara_pg_text(NaraPgParams *p, const char *text);
void nara_pg_int(NaraPgParams *p, gint64 value);
void nara_pg_bool(NaraPgParams *p, gboolean value);
void nara_pg_bytes(NaraPgParams *p, const guint8 *bytes, int len);

/* (transfer full) Runs sql with params (may be NULL); NULL + error unless
 * it returned rows or a command status. A unique or foreign-key violation
 * becomes NARA_STORE_ERROR_CONFLICT with conflict_msg when given. */
PGresult *nara_pg_query(NaraPgStore *s, const char *sql, const NaraPgParams *params,
                        const char *what, const char *conflict_msg, GError **error);
/* The same without rows wanted; *changed (may be NULL): rows affected. */
gboolean nara_pg_exec(NaraPgStore *s, const char *sql, const NaraPgParams *params, const char *what,
                      const char *conflict_msg, gint64 *changed, GError **error);
gboolean nara_pg_begin(NaraPgStore *s, GError **error);
gboolean nara_pg_commit(NaraPgStore *s, GError **error);
/* Ends an open transaction, if any, discarding it. */
void nara_pg_rollback(NaraPgStore *s);
/* Waits for the advisory lock key until the transaction ends. */
gboolean nara_pg_xact_lock(NaraPgStore *s, gint64 key, GError **error);

/* (transfer full) The value or NULL (SQL NULL). */
char *nara_pg_dup(const PGresult *res, int row, int col);
gint64 nara_pg_int_at(const PGresult *res, int row, int col);
gboolean nara_pg_bool_at(const PGresult *res, int row, int col);

/* meta table: key -> text; integers as their decimal text. */
gboolean nara_pg_meta_get(NaraPgStore *s, const char *key, gint64 *int_out, char **text_out,
                          gboolean *found, GError **error);
gboolean nara_pg_meta_set(NaraPgStore *s, const char *key, gint64 int_value, const char *text_value,
                          GError **error);

/* The op tables' halves, filled in by their files. */
gboolean nara_pg_consultation_create(NaraStore *store, NaraStoreConsultation *c, GError **error);
NaraStoreConsultation *nara_pg_consultation_get(NaraStore *store, const char *id, GError **error);
GPtrArray *nara_pg_consultation_list(NaraStore *store, int status, guint limit, GError **error);
gboolean nara_pg_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                     GError **error);
gboolean nara_pg_participant_add(NaraStore *store, NaraStoreParticipant *p, GError **error);
gboolean nara_pg_participant_delete(NaraStore *store, const char *consultation_id,
                                    const char *participant_id, GError **error);
gboolean nara_pg_participant_set_removed(NaraStore *store, const char *consultation_id,
                                         const char *participant_id, gboolean removed,
                                         GError **error);
gboolean nara_pg_apikey_add(NaraStore *store, const NaraStoreApiKey *key, const guint8 hash[32],
                            GError **error);
NaraStoreApiKey *nara_pg_apikey_find(NaraStore *store, const guint8 hash[32]);
GPtrArray *nara_pg_apikey_list(NaraStore *store, GError **error);
gboolean nara_pg_apikey_revoke(NaraStore *store, const char *key_id, GError **error);
gboolean nara_pg_consultation_erase(NaraStore *store, const char *id, GError **error);
GPtrArray *nara_pg_consultations_expire(NaraStore *store, gint64 cutoff_s, GError **error);
gboolean nara_pg_audit_append(NaraStore *store, const NaraAuditRecord *record, GError **error);
void nara_pg_audit_append_batch(NaraStore *store, const NaraAuditRecord *const *records, guint n,
                                GError **errors);
gboolean nara_pg_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                              guint limit, void (*emit)(const char *line, gpointer user_data),
                              gpointer user_data, GError **error);
gboolean nara_pg_audit_verify(NaraStore *store, const char *anchor, guint64 *n_records,
                              guint64 *n_keyed, GError **error);
char *nara_pg_audit_anchor(NaraStore *store, GError **error);
gboolean nara_pg_audit_prune(NaraStore *store, gint64 older_than_us, GError **error);

G_END_DECLS
