/* store.c — the public face of store.h: roles, freeing values, and
 * dispatch of every call to the backend's table of functions.
 *
 * Holds no storage logic itself (sqlite_*.c does); it checks arguments
 * that are programmer errors and forwards the rest. Synchronous calls hold
 * the store's lock, so they never run while the store's thread has a job.
 *
 * Threading: the caller's thread (control thread, or the CLI's main).
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

NaraStoreParticipant *nara_store_participant_copy(const NaraStoreParticipant *p)
{
  NaraStoreParticipant *copy = g_new(NaraStoreParticipant, 1);

  *copy = *p;
  copy->name = g_strdup(p->name);
  copy->assurance = g_strdup(p->assurance);
  return copy;
}

NaraStoreConsultation *nara_store_consultation_copy(const NaraStoreConsultation *c)
{
  NaraStoreConsultation *copy = g_new(NaraStoreConsultation, 1);

  *copy = *c;
  copy->title = g_strdup(c->title);
  copy->participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  for (guint i = 0; c->participants != NULL && i < c->participants->len; i++)
    g_ptr_array_add(copy->participants, nara_store_participant_copy(c->participants->pdata[i]));
  return copy;
}

void nara_store_init(NaraStore *store, const NaraStoreOps *ops)
{
  store->ops = ops;
  g_rec_mutex_init(&store->lock);
}

void nara_store_close(NaraStore *store)
{
  if (store == NULL)
    return;
  /* Queued work finishes and its callbacks run before the connection goes. */
  nara_store_flush(store);
  nara_store_thread_stop(store);
  g_clear_pointer(&store->audit_keys, g_ptr_array_unref);
  g_rec_mutex_clear(&store->lock);
  store->ops->close(store);
}

gboolean nara_store_consultation_create(NaraStore *store, NaraStoreConsultation *c, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL && c != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->consultation_create(store, c, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

NaraStoreConsultation *nara_store_consultation_get(NaraStore *store, const char *id, GError **error)
{
  NaraStoreConsultation *ret;

  g_return_val_if_fail(store != NULL, NULL);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->consultation_get(store, id, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

GPtrArray *nara_store_consultation_list(NaraStore *store, int status, guint limit, GError **error)
{
  GPtrArray *ret;

  g_return_val_if_fail(store != NULL, NULL);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->consultation_list(store, status, limit, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                        GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL && c != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->consultation_update(store, c, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_participant_add(NaraStore *store, NaraStoreParticipant *p, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL && p != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->participant_add(store, p, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_participant_delete(NaraStore *store, const char *consultation_id,
                                       const char *participant_id, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->participant_delete(store, consultation_id, participant_id, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_participant_set_removed(NaraStore *store, const char *consultation_id,
                                            const char *participant_id, gboolean removed,
                                            GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->participant_set_removed(store, consultation_id, participant_id, removed, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

void nara_store_apikey_free(NaraStoreApiKey *key)
{
  if (key == NULL)
    return;
  g_free(key->label);
  g_free(key->scopes);
  g_free(key);
}

gboolean nara_store_apikey_add(NaraStore *store, const NaraStoreApiKey *key, const guint8 hash[32],
                               GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL && key != NULL && hash != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->apikey_add(store, key, hash, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

NaraStoreApiKey *nara_store_apikey_find(NaraStore *store, const guint8 hash[32])
{
  NaraStoreApiKey *ret;

  g_return_val_if_fail(store != NULL && hash != NULL, NULL);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->apikey_find(store, hash);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

GPtrArray *nara_store_apikey_list(NaraStore *store, GError **error)
{
  GPtrArray *ret;

  g_return_val_if_fail(store != NULL, NULL);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->apikey_list(store, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_apikey_revoke(NaraStore *store, const char *key_id, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->apikey_revoke(store, key_id, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_audit_append(NaraStore *store, const NaraAuditRecord *record, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL && record != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->audit_append(store, record, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                                 void (*emit)(const char *line, gpointer user_data),
                                 gpointer user_data, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL && emit != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->audit_export(store, since_seq, consultation, 0, emit, user_data, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_audit_verify(NaraStore *store, guint64 *n_records, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->audit_verify(store, NULL, n_records, NULL, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_audit_prune(NaraStore *store, gint64 older_than_us, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->audit_prune(store, older_than_us, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

void nara_store_consultation_create_async(NaraStore *store, const NaraStoreConsultation *c,
                                          NaraStoreCallback cb, gpointer user_data)
{
  g_return_if_fail(store != NULL && c != NULL);
  store->ops->consultation_create_async(store, c, cb, user_data);
}

void nara_store_consultation_get_async(NaraStore *store, const char *id, NaraStoreCallback cb,
                                       gpointer user_data)
{
  g_return_if_fail(store != NULL);
  store->ops->consultation_get_async(store, id, cb, user_data);
}

void nara_store_consultation_list_async(NaraStore *store, int status, guint limit,
                                        NaraStoreCallback cb, gpointer user_data)
{
  g_return_if_fail(store != NULL);
  store->ops->consultation_list_async(store, status, limit, cb, user_data);
}

void nara_store_consultation_update_async(NaraStore *store, const NaraStoreConsultation *c,
                                          NaraStoreCallback cb, gpointer user_data)
{
  g_return_if_fail(store != NULL && c != NULL);
  store->ops->consultation_update_async(store, c, cb, user_data);
}

void nara_store_consultation_modify_async(NaraStore *store, const char *id,
                                          NaraStoreModifyFunc modify, gpointer modify_data,
                                          NaraStoreCallback cb, gpointer user_data)
{
  g_return_if_fail(store != NULL && modify != NULL);
  store->ops->consultation_modify_async(store, id, modify, modify_data, cb, user_data);
}

void nara_store_participant_add_async(NaraStore *store, const NaraStoreParticipant *p,
                                      NaraStoreCallback cb, gpointer user_data)
{
  g_return_if_fail(store != NULL && p != NULL);
  store->ops->participant_add_async(store, p, cb, user_data);
}

void nara_store_participant_delete_async(NaraStore *store, const char *consultation_id,
                                         const char *participant_id, NaraStoreCallback cb,
                                         gpointer user_data)
{
  g_return_if_fail(store != NULL);
  store->ops->participant_delete_async(store, consultation_id, participant_id, cb, user_data);
}

void nara_store_participant_set_removed_async(NaraStore *store, const char *consultation_id,
                                              const char *participant_id, gboolean removed,
                                              NaraStoreCallback cb, gpointer user_data)
{
  g_return_if_fail(store != NULL);
  store->ops->participant_set_removed_async(store, consultation_id, participant_id, removed, cb,
                                            user_data);
}

void nara_store_apikey_find_async(NaraStore *store, const guint8 hash[32], NaraStoreCallback cb,
                                  gpointer user_data)
{
  g_return_if_fail(store != NULL && hash != NULL);
  store->ops->apikey_find_async(store, hash, cb, user_data);
}

void nara_store_audit_append_async(NaraStore *store, const NaraAuditRecord *record,
                                   NaraStoreCallback cb, gpointer user_data)
{
  g_return_if_fail(store != NULL && record != NULL);
  store->ops->audit_append_async(store, record, cb, user_data);
}

void nara_store_audit_export_async(NaraStore *store, gint64 since_seq, const char *consultation,
                                   guint limit, NaraStoreCallback cb, gpointer user_data)
{
  g_return_if_fail(store != NULL);
  store->ops->audit_export_async(store, since_seq, consultation, limit, cb, user_data);
}

void nara_store_audit_prune_async(NaraStore *store, gint64 older_than_us, NaraStoreCallback cb,
                                  gpointer user_data)
{
  g_return_if_fail(store != NULL);
  store->ops->audit_prune_async(store, older_than_us, cb, user_data);
}

void nara_store_flush(NaraStore *store)
{
  g_return_if_fail(store != NULL);
  store->ops->flush(store);
}

gboolean nara_store_consultation_erase(NaraStore *store, const char *id, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL && id != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->consultation_erase(store, id, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

GPtrArray *nara_store_consultations_expire(NaraStore *store, gint64 cutoff_s, GError **error)
{
  GPtrArray *ret;

  g_return_val_if_fail(store != NULL, NULL);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->consultations_expire(store, cutoff_s, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

void nara_store_consultation_erase_async(NaraStore *store, const char *id, NaraStoreCallback cb,
                                         gpointer user_data)
{
  g_return_if_fail(store != NULL && id != NULL);
  store->ops->consultation_erase_async(store, id, cb, user_data);
}

void nara_store_consultations_expire_async(NaraStore *store, gint64 cutoff_s, NaraStoreCallback cb,
                                           gpointer user_data)
{
  g_return_if_fail(store != NULL);
  store->ops->consultations_expire_async(store, cutoff_s, cb, user_data);
}

char *nara_store_audit_anchor(NaraStore *store, GError **error)
{
  char *ret;

  g_return_val_if_fail(store != NULL, NULL);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->audit_anchor(store, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

gboolean nara_store_audit_verify_anchor(NaraStore *store, const char *anchor, guint64 *n_records,
                                        guint64 *n_keyed, GError **error)
{
  gboolean ret;

  g_return_val_if_fail(store != NULL, FALSE);
  g_rec_mutex_lock(&store->lock);
  ret = store->ops->audit_verify(store, anchor, n_records, n_keyed, error);
  g_rec_mutex_unlock(&store->lock);
  return ret;
}

static void probed(NaraStoreResult *result, gpointer user_data)
{
  NaraStore *store = user_data;

  (void)result;
  g_atomic_int_set(&store->probing, 0);
}

gboolean nara_store_ready(NaraStore *store)
{
  static const guint8 no_key[32];

  g_return_val_if_fail(store != NULL, FALSE);
  if (!g_atomic_int_get(&store->unreachable))
    return TRUE;
  /* A lookup no key matches: its only effect is that the store's thread
   * tries the connection again. One at a time, however often asked. */
  if (g_atomic_int_compare_and_exchange(&store->probing, 0, 1))
    nara_store_apikey_find_async(store, no_key, probed, store);
  return FALSE;
}
