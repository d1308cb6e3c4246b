/* store-private.h — the table of functions behind store.h, and helpers
 * shared by the backends (ids, audit record hashing).
 *
 * store.c dispatches every public call through NaraStoreOps, so a second
 * backend (PostgreSQL) only fills in another table. Nothing here touches
 * SQLite; the SQLite backend's own internals are in sqlite-private.h.
 *
 * Threading: the synchronous entries run with NaraStore.lock held, on the
 * caller's thread or the store's thread (store_thread.c); the _async
 * entries are called on the control thread and complete there.
 */
#pragma once

#include "store.h"

#include <jansson.h>

G_BEGIN_DECLS

typedef struct {
  void (*close)(NaraStore *store);
  gboolean (*consultation_create)(NaraStore *store, NaraStoreConsultation *c, GError **error);
  NaraStoreConsultation *(*consultation_get)(NaraStore *store, const char *id, GError **error);
  GPtrArray *(*consultation_list)(NaraStore *store, int status, guint limit, GError **error);
  gboolean (*consultation_update)(NaraStore *store, const NaraStoreConsultation *c, GError **error);
  gboolean (*participant_add)(NaraStore *store, NaraStoreParticipant *p, GError **error);
  gboolean (*participant_delete)(NaraStore *store, const char *consultation_id,
                                 const char *participant_id, GError **error);
  gboolean (*participant_set_removed)(NaraStore *store, const char *consultation_id,
                                      const char *participant_id, gboolean removed, GError **error);
  gboolean (*apikey_add)(NaraStore *store, const NaraStoreApiKey *key, const guint8 hash[32],
                         GError **error);
  NaraStoreApiKey *(*apikey_find)(NaraStore *store, const guint8 hash[32]);
  GPtrArray *(*apikey_list)(NaraStore *store, GError **error);
  gboolean (*apikey_revoke)(NaraStore *store, const char *key_id, GError **error);
  gboolean (*consultation_erase)(NaraStore *store, const char *id, GError **error);
  GPtrArray *(*consultations_expire)(NaraStore *store, gint64 cutoff_s, GError **error);
  void (*consultation_erase_async)(NaraStore *store, const char *id, NaraStoreCallback cb,
                                   gpointer user_data);
  void (*consultations_expire_async)(NaraStore *store, gint64 cutoff_s, NaraStoreCallback cb,
                                     gpointer user_data);
  gboolean (*audit_append)(NaraStore *store, const NaraAuditRecord *record, GError **error);
  /* limit 0: every record; else at most limit, stopped in SQL. */
  gboolean (*audit_export)(NaraStore *store, gint64 since_seq, const char *consultation,
                           guint limit, void (*emit)(const char *line, gpointer user_data),
                           gpointer user_data, GError **error);
  /* anchor "SEQ:HASH" or NULL; *n_keyed: records whose MAC was checked. */
  gboolean (*audit_verify)(NaraStore *store, const char *anchor, guint64 *n_records,
                           guint64 *n_keyed, GError **error);
  char *(*audit_anchor)(NaraStore *store, GError **error);
  gboolean (*audit_prune)(NaraStore *store, gint64 older_than_us, GError **error);
  /* n records in one transaction; errors[i] set for each record not written. */
  void (*audit_append_batch)(NaraStore *store, const NaraAuditRecord *const *records, guint n,
                             GError **errors);

  /* Asynchronous, as in store.h. A backend that does its synchronous work
   * on a thread of its own points these at nara_store_thread_*(); one with
   * an asynchronous client library (libpq) may fill in its own. */
  void (*consultation_create_async)(NaraStore *store, const NaraStoreConsultation *c,
                                    NaraStoreCallback cb, gpointer user_data);
  void (*consultation_get_async)(NaraStore *store, const char *id, NaraStoreCallback cb,
                                 gpointer user_data);
  void (*consultation_list_async)(NaraStore *store, int status, guint limit, NaraStoreCallback cb,
                                  gpointer user_data);
  void (*consultation_update_async)(NaraStore *store, const NaraStoreConsultation *c,
                                    NaraStoreCallback cb, gpointer user_data);
  void (*consultation_modify_async)(NaraStore *store, const char *id, NaraStoreModifyFunc modify,
                                    gpointer modify_data, NaraStoreCallback cb, gpointer user_data);
  void (*participant_add_async)(NaraStore *store, const NaraStoreParticipant *p,
                                NaraStoreCallback cb, gpointer user_data);
  void (*participant_delete_async)(NaraStore *store, const char *consultation_id,
                                   const char *participant_id, NaraStoreCallback cb,
                                   gpointer user_data);
  void (*participant_set_removed_async)(NaraStore *store, const char *consultation_id,
                                        const char *participant_id, gboolean removed,
                                        NaraStoreCallback cb, gpointer user_data);
  void (*apikey_find_async)(NaraStore *store, const guint8 hash[32], NaraStoreCallback cb,
                            gpointer user_data);
  void (*audit_append_async)(NaraStore *store, const NaraAuditRecord *record, NaraStoreCallback cb,
                             gpointer user_data);
  void (*audit_export_async)(NaraStore *store, gint64 since_seq, const char *consultation,
                             guint limit, NaraStoreCallback cb, gpointer user_data);
  void (*audit_prune_async)(NaraStore *store, gint64 older_than_us, NaraStoreCallback cb,
                            gpointer user_data);
  void (*flush)(NaraStore *store);
  /* Optional: read consultation id, let modify change it, write it back,
   * as one step no other writer (another node) can come between; NULL:
   * store_thread.c reads then writes, which is one step in one process.
   * Returns the consultation as written, or as read when modify declined
   * without an error; NULL + error otherwise. */
  NaraStoreConsultation *(*consultation_modify)(NaraStore *store, const char *id,
                                                NaraStoreModifyFunc modify, gpointer modify_data,
                                                GError **error);
} NaraStoreOps;

typedef struct _NaraStoreThread NaraStoreThread;

/* Every backend's struct starts with this. */
struct _NaraStore {
  const NaraStoreOps *ops;
  /* Held while the backend's connection is in use: by the store's thread
   * for each job, by a synchronous call for its length. Recursive, since
   * an export's emit may read the store. */
  GRecMutex lock;
  NaraStoreThread *thread; /* store_thread.c: made at the first _async call */
  GPtrArray *audit_keys;   /* NaraAuditKey*, the last current; NULL: no MACs (audit_key.c) */
  gint unreachable;        /* (atomic) the last attempt to reach a database server failed */
  gint probing;            /* (atomic) a reconnect attempt for nara_store_ready() is queued */
};

/* audit_key.c */
typedef struct {
  char kid[33];
  guint8 key[64];
  gsize len;
} NaraAuditKey;

/* (transfer none) The key new records are MACed with, or NULL. */
const NaraAuditKey *nara_audit_key_current(NaraStore *store);
/* (transfer full) "kid:hex HMAC-SHA256(key, hash_hex)". */
char *nara_audit_key_mac(const NaraAuditKey *key, const char *hash_hex);
/* TRUE when mac is right for hash_hex under one of the keys; else *why. */
gboolean nara_audit_key_check(NaraStore *store, const char *mac, const char *hash_hex,
                              const char **why);

/* store.c: sets up the shared part of a backend's struct. */
void nara_store_init(NaraStore *store, const NaraStoreOps *ops);

/* store_thread.c: the asynchronous calls as jobs run by one thread of the
 * store's own against its synchronous entries, completions posted to the
 * control thread's main context. */
void nara_store_thread_consultation_create(NaraStore *store, const NaraStoreConsultation *c,
                                           NaraStoreCallback cb, gpointer user_data);
void nara_store_thread_consultation_get(NaraStore *store, const char *id, NaraStoreCallback cb,
                                        gpointer user_data);
void nara_store_thread_consultation_list(NaraStore *store, int status, guint limit,
                                         NaraStoreCallback cb, gpointer user_data);
void nara_store_thread_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                           NaraStoreCallback cb, gpointer user_data);
void nara_store_thread_consultation_modify(NaraStore *store, const char *id,
                                           NaraStoreModifyFunc modify, gpointer modify_data,
                                           NaraStoreCallback cb, gpointer user_data);
void nara_store_thread_participant_add(NaraStore *store, const NaraStoreParticipant *p,
                                       NaraStoreCallback cb, gpointer user_data);
void nara_store_thread_participant_delete(NaraStore *store, const char *consultation_id,
                                          const char *participant_id, NaraStoreCallback cb,
                                          gpointer user_data);
void nara_store_thread_participant_set_removed(NaraStore *store, const char *consultation_id,
                                               const char *participant_id, gboolean removed,
                                               NaraStoreCallback cb, gpointer user_data);
void nara_store_thread_apikey_find(NaraStore *store, const guint8 hash[32], NaraStoreCallback cb,
                                   gpointer user_data);
void nara_store_thread_audit_append(NaraStore *store, const NaraAuditRecord *record,
                                    NaraStoreCallback cb, gpointer user_data);
void nara_store_thread_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                                    guint limit, NaraStoreCallback cb, gpointer user_data);
void nara_store_thread_audit_prune(NaraStore *store, gint64 older_than_us, NaraStoreCallback cb,
                                   gpointer user_data);
void nara_store_thread_consultation_erase(NaraStore *store, const char *id, NaraStoreCallback cb,
                                          gpointer user_data);
void nara_store_thread_consultations_expire(NaraStore *store, gint64 cutoff_s, NaraStoreCallback cb,
                                            gpointer user_data);
void nara_store_thread_flush(NaraStore *store);
/* Finishes the queued jobs, runs their callbacks, ends the thread. */
void nara_store_thread_stop(NaraStore *store);

/* record_check.c: what both backends check before they write, and the
 * statuses' names in their tables. */
#define NARA_STORE_N_STATUSES 3
extern const char *const nara_store_status_names[NARA_STORE_N_STATUSES];
gboolean nara_store_status_valid(int status);
NaraConsultationStatus nara_store_status_from_name(const char *s);
gint64 nara_store_now_s(void);
/* Sets a NARA_STORE_ERROR_INVALID error saying what; FALSE. */
gboolean nara_store_invalid(GError **error, const char *what);
/* NULL or UTF-8. */
gboolean nara_store_text_ok(const char *s);
gboolean nara_store_check_consultation(const NaraStoreConsultation *c, GError **error);
/* Checks p and fills in its id (if empty) and created_at (if 0). */
gboolean nara_store_check_participant(NaraStoreParticipant *p, GError **error);

/* ids.c: writes prefix + 16 base64url characters from RAND_bytes into out. */
void nara_store_id_generate(const char *prefix, char out[NARA_STORE_ID_LEN]);
/* TRUE if id is a non-empty NUL-terminated string that fits the id field. */
gboolean nara_store_id_valid(const char *id);

/* audit_record.c: the chain's starting point before any record or anchor. */
#define NARA_AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define NARA_AUDIT_HASH_HEX_LEN 64

/* (transfer full) The record as exported, without "prev" and "hash", keys in
 * export order. record->seq and record->time_us must be set. */
json_t *nara_audit_record_to_json(const NaraAuditRecord *record);
/* hex SHA-256 over prev_hex + "\n" + canonical JSON of record. */
void nara_audit_record_hash(const NaraAuditRecord *record, const char *prev_hex,
                            char out[NARA_AUDIT_HASH_HEX_LEN + 1]);
/* (transfer full) One export line: the record with prev and hash appended. */
char *nara_audit_record_export_line(const NaraAuditRecord *record, const char *prev_hex,
                                    const char *hash_hex);

G_END_DECLS
