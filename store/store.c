/* store.c — the public face of store.h: roles, freeing values, and
 * dispatch of every call to the backend's table of functions.
 *
 * Holds no storage logic itself (sqlite_*.c does); it checks arguments
 * that are programmer errors and forwards the rest.
 *
 * Threading: control thread only.
 */
#include "store-private.h"

#include <string.h>

G_DEFINE_QUARK(nara - store - error - quark, nara_store_error)

/* The same strings appear in tokens ("role" claim), the API and the audit
 * log (docs/consultations.md), so they are part of the wire format. */
static const char *const role_names[NARA_ROLE_COUNT] = {
  [NARA_ROLE_HOST] = "host",
  [NARA_ROLE_STAFF] = "staff",
  [NARA_ROLE_INTERPRETER] = "interpreter",
  [NARA_ROLE_PATIENT] = "patient",
  [NARA_ROLE_RELATIVE] = "relative",
};

const char *nara_role_to_string(NaraRole role)
{
  if ((int)role < 0 || role >= NARA_ROLE_COUNT)
    return NULL;
  return role_names[role];
}

gboolean nara_role_from_string(const char *s, NaraRole *out)
{
  if (s == NULL)
    return FALSE;
  for (int i = 0; i < NARA_ROLE_COUNT; i++) {
    if (strcmp(s, role_names[i]) == 0) {
      if (out != NULL)
        *out = (NaraRole)i;
      return TRUE;
    }
  }
  return FALSE;
}

void nara_store_participant_free(NaraStoreParticipant *p)
{
  if (p == NULL)
    return;
  g_free(p->name);
  g_free(p->assurance);
  g_free(p);
}

void nara_store_consultation_free(NaraStoreConsultation *c)
{
  if (c == NULL)
    return;
  g_free(c->title);
  g_clear_pointer(&c->participants, g_ptr_array_unref);
  g_free(c);
}

void nara_store_close(NaraStore *store)
{
  if (store != NULL)
    store->ops->close(store);
}

gboolean nara_store_consultation_create(NaraStore *store, NaraStoreConsultation *c, GError **error)
{
  g_return_val_if_fail(store != NULL && c != NULL, FALSE);
  return store->ops->consultation_create(store, c, error);
}

NaraStoreConsultation *nara_store_consultation_get(NaraStore *store, const char *id, GError **error)
{
  g_return_val_if_fail(store != NULL, NULL);
  return store->ops->consultation_get(store, id, error);
}

GPtrArray *nara_store_consultation_list(NaraStore *store, int status, guint limit, GError **error)
{
  g_return_val_if_fail(store != NULL, NULL);
  return store->ops->consultation_list(store, status, limit, error);
}

gboolean nara_store_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                        GError **error)
{
  g_return_val_if_fail(store != NULL && c != NULL, FALSE);
  return store->ops->consultation_update(store, c, error);
}

gboolean nara_store_participant_add(NaraStore *store, NaraStoreParticipant *p, GError **error)
{
  g_return_val_if_fail(store != NULL && p != NULL, FALSE);
  return store->ops->participant_add(store, p, error);
}

gboolean nara_store_participant_delete(NaraStore *store, const char *consultation_id,
                                       const char *participant_id, GError **error)
{
  g_return_val_if_fail(store != NULL, FALSE);
  return store->ops->participant_delete(store, consultation_id, participant_id, error);
}

gboolean nara_store_participant_set_removed(NaraStore *store, const char *consultation_id,
                                            const char *participant_id, gboolean removed,
                                            GError **error)
{
  g_return_val_if_fail(store != NULL, FALSE);
  return store->ops->participant_set_removed(store, consultation_id, participant_id, removed,
                                             error);
}

gboolean nara_store_apikey_add(NaraStore *store, const char *key_id, const guint8 hash[32],
                               const char *label, GError **error)
{
  g_return_val_if_fail(store != NULL && hash != NULL, FALSE);
  return store->ops->apikey_add(store, key_id, hash, label, error);
}

gboolean nara_store_apikey_find(NaraStore *store, const guint8 hash[32], char **key_id)
{
  g_return_val_if_fail(store != NULL && hash != NULL, FALSE);
  return store->ops->apikey_find(store, hash, key_id);
}

gboolean nara_store_audit_append(NaraStore *store, const NaraAuditRecord *record, GError **error)
{
  g_return_val_if_fail(store != NULL && record != NULL, FALSE);
  return store->ops->audit_append(store, record, error);
}

gboolean nara_store_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                                 void (*emit)(const char *line, gpointer user_data),
                                 gpointer user_data, GError **error)
{
  g_return_val_if_fail(store != NULL && emit != NULL, FALSE);
  return store->ops->audit_export(store, since_seq, consultation, emit, user_data, error);
}

gboolean nara_store_audit_verify(NaraStore *store, guint64 *n_records, GError **error)
{
  g_return_val_if_fail(store != NULL, FALSE);
  return store->ops->audit_verify(store, n_records, error);
}

gboolean nara_store_audit_prune(NaraStore *store, gint64 older_than_us, GError **error)
{
  g_return_val_if_fail(store != NULL, FALSE);
  return store->ops->audit_prune(store, older_than_us, error);
}
