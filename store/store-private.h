/* store-private.h — the table of functions behind store.h, and helpers
 * shared by the backends (ids, audit record hashing).
 *
 * store.c dispatches every public call through NaraStoreOps, so a second
 * backend (PostgreSQL) only fills in another table. Nothing here touches
 * SQLite; the SQLite backend's own internals are in sqlite-private.h.
 *
 * Threading: control thread only, like store.h.
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
  gboolean (*apikey_add)(NaraStore *store, const char *key_id, const guint8 hash[32],
                         const char *label, GError **error);
  gboolean (*apikey_find)(NaraStore *store, const guint8 hash[32], char **key_id);
  gboolean (*audit_append)(NaraStore *store, const NaraAuditRecord *record, GError **error);
  gboolean (*audit_export)(NaraStore *store, gint64 since_seq, const char *consultation,
                           void (*emit)(const char *line, gpointer user_data), gpointer user_data,
                           GError **error);
  gboolean (*audit_verify)(NaraStore *store, guint64 *n_records, GError **error);
  gboolean (*audit_prune)(NaraStore *store, gint64 older_than_us, GError **error);
} NaraStoreOps;

/* Every backend's struct starts with this. */
struct _NaraStore {
  const NaraStoreOps *ops;
};

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
