/* sqlite-private.h — the SQLite backend's handle and statement helpers,
 * shared by sqlite_db.c (open, schema), sqlite_consultations.c and
 * sqlite_audit.c.
 *
 * Statements are prepared once and cached per SQL text; callers bind,
 * step and leave them (the next nara_sqlite_stmt() resets them).
 *
 * Threading: whoever holds NaraStore.lock (the store's thread in the
 * server); one connection per NaraStore.
 */
#pragma once

#include "store-private.h"

#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct {
  NaraStore parent;
  sqlite3 *db;
  GHashTable *stmts; /* const char *sql (static) -> sqlite3_stmt* */
} NaraSqliteStore;

#define NARA_SQLITE(store) ((NaraSqliteStore *)(store))

/* (transfer none) The cached statement for sql, reset and unbound. */
sqlite3_stmt *nara_sqlite_stmt(NaraSqliteStore *s, const char *sql, GError **error);
/* Runs sql (no parameters, no rows wanted). */
gboolean nara_sqlite_exec(NaraSqliteStore *s, const char *sql, GError **error);
/* BEGIN IMMEDIATE: takes the write lock up front, so a read-then-write
 * sequence cannot fail half-way with SQLITE_BUSY (a CLI may share the file). */
gboolean nara_sqlite_begin(NaraSqliteStore *s, GError **error);
gboolean nara_sqlite_commit(NaraSqliteStore *s, GError **error);
void nara_sqlite_rollback(NaraSqliteStore *s);
/* Sets error (NARA_STORE_ERROR_IO) from the connection's last error. */
void nara_sqlite_set_error(NaraSqliteStore *s, GError **error, const char *what);
/* Steps a statement that returns no rows; SQLITE_CONSTRAINT becomes
 * NARA_STORE_ERROR_CONFLICT with conflict_msg. */
gboolean nara_sqlite_step_done(NaraSqliteStore *s, sqlite3_stmt *st, const char *what,
                               const char *conflict_msg, GError **error);
/* (transfer full) Column as a string or NULL. */
char *nara_sqlite_column_dup(sqlite3_stmt *st, int col);

/* meta table: key -> integer / text value. */
gboolean nara_sqlite_meta_get(NaraSqliteStore *s, const char *key, gint64 *int_out, char **text_out,
                              gboolean *found, GError **error);
gboolean nara_sqlite_meta_set(NaraSqliteStore *s, const char *key, gint64 int_value,
                              const char *text_value, GError **error);

/* The op tables' halves, filled in by their files. */
gboolean nara_sqlite_consultation_create(NaraStore *store, NaraStoreConsultation *c,
                                         GError **error);
NaraStoreConsultation *nara_sqlite_consultation_get(NaraStore *store, const char *id,
                                                    GError **error);
GPtrArray *nara_sqlite_consultation_list(NaraStore *store, int status, guint limit, GError **error);
gboolean nara_sqlite_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                         GError **error);
gboolean nara_sqlite_participant_add(NaraStore *store, NaraStoreParticipant *p, GError **error);
gboolean nara_sqlite_participant_delete(NaraStore *store, const char *consultation_id,
                                        const char *participant_id, GError **error);
gboolean nara_sqlite_participant_set_removed(NaraStore *store, const char *consultation_id,
                                             const char *participant_id, gboolean removed,
                                             GError **error);
gboolean nara_sqlite_apikey_add(NaraStore *store, const NaraStoreApiKey *key, const guint8 hash[32],
                                GError **error);
NaraStoreApiKey *nara_sqlite_apikey_find(NaraStore *store, const guint8 hash[32]);
GPtrArray *nara_sqlite_apikey_list(NaraStore *store, GError **error);
gboolean nara_sqlite_apikey_revoke(NaraStore *store, const char *key_id, GError **error);
gboolean nara_sqlite_consultation_erase(NaraStore *store, const char *id, GError **error);
GPtrArray *nara_sqlite_consultations_expire(NaraStore *store, gint64 cutoff_s, GError **error);
gboolean nara_sqlite_audit_append(NaraStore *store, const NaraAuditRecord *record, GError **error);
void nara_sqlite_audit_append_batch(NaraStore *store, const NaraAuditRecord *const *records,
                                    guint n, GError **errors);
gboolean nara_sqlite_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                                  guint limit, void (*emit)(const char *line, gpointer user_data),
                                  gpointer user_data, GError **error);
gboolean nara_sqlite_audit_verify(NaraStore *store, const char *anchor, guint64 *n_records,
                                  guint64 *n_keyed, GError **error);
char *nara_sqlite_audit_anchor(NaraStore *store, GError **error);
gboolean nara_sqlite_audit_prune(NaraStore *store, gint64 older_than_us, GError **error);

G_END_DECLS
