/* store_thread.c — the store's own thread: the asynchronous calls of
 * store.h as jobs run against a backend's synchronous entries.
 *
 * One thread owns the connection while a job runs (NaraStore.lock), so
 * SQLite's fsync never stalls the control thread. Jobs run in the order
 * they were queued, except audit appends: the thread takes every append
 * queued at that moment and writes them in one transaction (one fsync),
 * then completes each. A completion is posted to the control thread's
 * main context as one idle source that runs every callback due, the way
 * media posts its events; no callback ever runs inside an _async call.
 *
 * Threading: the nara_store_thread_*() calls and every callback: the
 * control thread. run_jobs(): the store's thread.
 */
#include "store-private.h"

#include <string.h>

typedef enum {
  JOB_CONSULTATION_CREATE,
  JOB_CONSULTATION_GET,
  JOB_CONSULTATION_LIST,
  JOB_CONSULTATION_UPDATE,
  JOB_CONSULTATION_MODIFY,
  JOB_PARTICIPANT_ADD,
  JOB_PARTICIPANT_DELETE,
  JOB_PARTICIPANT_SET_REMOVED,
  JOB_APIKEY_FIND,
  JOB_AUDIT_APPEND,
  JOB_AUDIT_EXPORT,
  JOB_AUDIT_PRUNE,
  JOB_CONSULTATION_ERASE,
  JOB_CONSULTATIONS_EXPIRE,
} JobKind;

typedef struct {
  JobKind kind;
  NaraStoreCallback cb;
  gpointer user_data;
  /* Arguments, owned copies. */
  NaraStoreConsultation *c;
  NaraStoreParticipant *p;
  char *id, *id2;
  int status;
  guint limit;
  gboolean flag;
  gint64 value; /* since_seq, older_than_us */
  guint8 hash[32];
  NaraAuditRecord record; /* strings owned */
  NaraStoreModifyFunc modify;
  gpointer modify_data;
  NaraStoreResult result;
} Job;

struct _NaraStoreThread {
  NaraStore *store;
  GThread *thread;
  GMainContext *context; /* the control thread's: completions go there */
  GMutex mutex;
  GCond cond;    /* jobs queued, or a batch done (for flush) */
  GQueue jobs;   /* {mutex} Job*, to run */
  GQueue done;   /* {mutex} Job*, to complete */
  guint running; /* {mutex} jobs taken by the thread and not yet in done */
  GSource *idle; /* {mutex} the pending completion source, or NULL */
  gboolean stop; /* {mutex} */
};

static void record_copy(NaraAuditRecord *to, const NaraAuditRecord *from)
{
  *to = (NaraAuditRecord){
    .seq = from->seq,
    .time_us = from->time_us != 0 ? from->time_us : g_get_real_time(),
    .event = g_strdup(from->event),
    .consultation = g_strdup(from->consultation),
    .actor = g_strdup(from->actor),
    .actor_role = g_strdup(from->actor_role),
    .subject = g_strdup(from->subject),
    .subject_role = g_strdup(from->subject_role),
    .assurance = g_strdup(from->assurance),
    .outcome = g_strdup(from->outcome),
    .detail = g_strdup(from->detail),
  };
}

static void record_clear(NaraAuditRecord *r)
{
  g_free((char *)r->event);
  g_free((char *)r->consultation);
  g_free((char *)r->actor);
  g_free((char *)r->actor_role);
  g_free((char *)r->subject);
  g_free((char *)r->subject_role);
  g_free((char *)r->assurance);
  g_free((char *)r->outcome);
  g_free((char *)r->detail);
}

static void result_clear(NaraStoreResult *r)
{
  g_clear_error(&r->error);
  g_clear_pointer(&r->consultation, nara_store_consultation_free);
  g_clear_pointer(&r->participant, nara_store_participant_free);
  g_clear_pointer(&r->consultations, g_ptr_array_unref);
  g_clear_pointer(&r->key_id, g_free);
  g_clear_pointer(&r->apikey, nara_store_apikey_free);
  g_clear_pointer(&r->lines, g_ptr_array_unref);
  g_clear_pointer(&r->ids, g_ptr_array_unref);
}

static void job_free(Job *job)
{
  nara_store_consultation_free(job->c);
  nara_store_participant_free(job->p);
  g_free(job->id);
  g_free(job->id2);
  record_clear(&job->record);
  result_clear(&job->result);
  g_free(job);
}

/* ---- the store's thread ---- */

typedef struct {
  GPtrArray *lines;
  guint limit;
  gboolean more;
} Export;

static void export_line(const char *line, gpointer data)
{
  Export *e = data;

  if (e->limit != 0 && e->lines->len == e->limit) {
    e->more = TRUE;
    return;
  }
  g_ptr_array_add(e->lines, g_strdup(line));
}

static void run_modify(NaraStore *store, Job *job)
{
  NaraStoreResult *r = &job->result;
  g_autoptr(NaraStoreConsultation) c = NULL;

  if (store->ops->consultation_modify != NULL) {
    r->consultation
        = store->ops->consultation_modify(store, job->id, job->modify, job->modify_data, &r->error);
    return;
  }
  c = store->ops->consultation_get(store, job->id, &r->error);
  if (c == NULL)
    return;
  if (!job->modify(c, job->modify_data, &r->error)) {
    /* No error: nothing to change, and the caller hears what was read. */
    if (r->error == NULL)
      r->consultation = g_steal_pointer(&c);
    return;
  }
  if (store->ops->consultation_update(store, c, &r->error))
    r->consultation = g_steal_pointer(&c);
}

/* One job other than an audit append, with the lock held. */
static void run_one(NaraStore *store, Job *job)
{
  const NaraStoreOps *ops = store->ops;
  NaraStoreResult *r = &job->result;

  switch (job->kind) {
  case JOB_CONSULTATION_CREATE:
    if (ops->consultation_create(store, job->c, &r->error))
      r->consultation = g_steal_pointer(&job->c);
    break;
  case JOB_CONSULTATION_GET:
    r->consultation = ops->consultation_get(store, job->id, &r->error);
    break;
  case JOB_CONSULTATION_LIST:
    r->consultations = ops->consultation_list(store, job->status, job->limit, &r->error);
    break;
  case JOB_CONSULTATION_UPDATE:
    ops->consultation_update(store, job->c, &r->error);
    break;
  case JOB_CONSULTATION_MODIFY:
    run_modify(store, job);
    break;
  case JOB_PARTICIPANT_ADD:
    if (ops->participant_add(store, job->p, &r->error))
      r->participant = g_steal_pointer(&job->p);
    break;
  case JOB_PARTICIPANT_DELETE:
    ops->participant_delete(store, job->id, job->id2, &r->error);
    break;
  case JOB_PARTICIPANT_SET_REMOVED:
    ops->participant_set_removed(store, job->id, job->id2, job->flag, &r->error);
    break;
  case JOB_CONSULTATION_ERASE:
    ops->consultation_erase(store, job->id, &r->error);
    break;
  case JOB_CONSULTATIONS_EXPIRE:
    r->ids = ops->consultations_expire(store, job->value, &r->error);
    break;
  case JOB_APIKEY_FIND:
    r->apikey = ops->apikey_find(store, job->hash);
    r->key_id = r->apikey ? g_strdup(r->apikey->id) : NULL;
    memset(job->hash, 0, sizeof job->hash);
    break;
  case JOB_AUDIT_EXPORT: {
    Export e = { g_ptr_array_new_with_free_func(g_free), job->limit, FALSE };

    /* One more than the limit: it says whether more follow, and the
     * walk stops there in SQL instead of reading every later record. */
    if (ops->audit_export(store, job->value, job->id, job->limit ? job->limit + 1 : 0, export_line,
                          &e, &r->error)) {
      r->lines = e.lines;
      r->more = e.more;
    } else {
      g_ptr_array_unref(e.lines);
    }
    break;
  }
  case JOB_AUDIT_PRUNE:
    ops->audit_prune(store, job->value, &r->error);
    break;
  case JOB_AUDIT_APPEND:
    g_assert_not_reached();
  }
}

/* Group commit: the appends, in queue order, one transaction. */
static void run_appends(NaraStore *store, GPtrArray *batch)
{
  g_autofree const NaraAuditRecord **records = g_new(const NaraAuditRecord *, batch->len);
  g_autofree GError **errors = g_new0(GError *, batch->len);

  for (guint i = 0; i < batch->len; i++)
    records[i] = &((Job *)batch->pdata[i])->record;
  store->ops->audit_append_batch(store, records, batch->len, errors);
  for (guint i = 0; i < batch->len; i++)
    ((Job *)batch->pdata[i])->result.error = errors[i];
}

static gboolean complete_due(gpointer data);

/* With t->mutex held: the jobs are done, their callbacks due. */
static void post_done(NaraStoreThread *t, GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    g_queue_push_tail(&t->done, jobs->pdata[i]);
  t->running -= jobs->len;
  if (t->idle == NULL) {
    t->idle = g_idle_source_new();
    g_source_set_callback(t->idle, complete_due, t, NULL);
    g_source_set_name(t->idle, "nara store completion");
    g_source_attach(t->idle, t->context);
  }
  g_cond_broadcast(&t->cond);
}

static gpointer run_jobs(gpointer data)
{
  NaraStoreThread *t = data;

  g_mutex_lock(&t->mutex);
  for (;;) {
    g_autoptr(GPtrArray) batch = g_ptr_array_new();
    Job *first;

    while (g_queue_is_empty(&t->jobs) && !t->stop)
      g_cond_wait(&t->cond, &t->mutex);
    if (g_queue_is_empty(&t->jobs))
      break;
    first = g_queue_pop_head(&t->jobs);
    g_ptr_array_add(batch, first);
    if (first->kind == JOB_AUDIT_APPEND) {
      /* Appends are independent of other jobs: every one queued now
       * joins this transaction, other jobs keep their order. */
      for (GList *l = t->jobs.head, *next; l != NULL; l = next) {
        next = l->next;
        if (((Job *)l->data)->kind == JOB_AUDIT_APPEND) {
          g_ptr_array_add(batch, l->data);
          g_queue_delete_link(&t->jobs, l);
        }
      }
    }
    t->running += batch->len;
    g_mutex_unlock(&t->mutex);

    g_rec_mutex_lock(&t->store->lock);
    if (first->kind == JOB_AUDIT_APPEND)
      run_appends(t->store, batch);
    else
      run_one(t->store, first);
    g_rec_mutex_unlock(&t->store->lock);

    g_mutex_lock(&t->mutex);
    post_done(t, batch);
  }
  g_mutex_unlock(&t->mutex);
  return NULL;
}

/* ---- the control thread ---- */

/* Runs the callbacks due; TRUE if there were any. */
static gboolean run_callbacks(NaraStoreThread *t)
{
  GQueue done = G_QUEUE_INIT;
  Job *job;

  g_mutex_lock(&t->mutex);
  done = t->done;
  g_queue_init(&t->done);
  if (t->idle != NULL) {
    g_source_destroy(t->idle);
    g_clear_pointer(&t->idle, g_source_unref);
  }
  g_mutex_unlock(&t->mutex);
  if (g_queue_is_empty(&done))
    return FALSE;
  while ((job = g_queue_pop_head(&done)) != NULL) {
    if (job->cb != NULL)
      job->cb(&job->result, job->user_data);
    job_free(job);
  }
  return TRUE;
}

static gboolean complete_due(gpointer data)
{
  run_callbacks(data);
  return G_SOURCE_REMOVE;
}

static NaraStoreThread *thread_of(NaraStore *store)
{
  NaraStoreThread *t = store->thread;

  if (t != NULL)
    return t;
  t = store->thread = g_new0(NaraStoreThread, 1);
  t->store = store;
  t->context = g_main_context_ref_thread_default();
  g_mutex_init(&t->mutex);
  g_cond_init(&t->cond);
  g_queue_init(&t->jobs);
  g_queue_init(&t->done);
  t->thread = g_thread_new("nara-store", run_jobs, t);
  return t;
}

static Job *job_new(JobKind kind, NaraStoreCallback cb, gpointer user_data)
{
  Job *job = g_new0(Job, 1);

  job->kind = kind;
  job->cb = cb;
  job->user_data = user_data;
  return job;
}

static void submit(NaraStore *store, Job *job)
{
  NaraStoreThread *t = thread_of(store);

  g_mutex_lock(&t->mutex);
  g_queue_push_tail(&t->jobs, job);
  g_cond_broadcast(&t->cond);
  g_mutex_unlock(&t->mutex);
}

void nara_store_thread_flush(NaraStore *store)
{
  NaraStoreThread *t = store->thread;

  if (t == NULL)
    return;
  do {
    g_mutex_lock(&t->mutex);
    while (!g_queue_is_empty(&t->jobs) || t->running > 0)
      g_cond_wait(&t->cond, &t->mutex);
    g_mutex_unlock(&t->mutex);
  } while (run_callbacks(t));
}

void nara_store_thread_stop(NaraStore *store)
{
  NaraStoreThread *t = store->thread;

  if (t == NULL)
    return;
  nara_store_thread_flush(store);
  g_mutex_lock(&t->mutex);
  t->stop = TRUE;
  g_cond_broadcast(&t->cond);
  g_mutex_unlock(&t->mutex);
  g_thread_join(t->thread);
  run_callbacks(t); /* none: flush ran them; kept for symmetry with queued work */
  g_main_context_unref(t->context);
  g_mutex_clear(&t->mutex);
  g_cond_clear(&t->cond);
  g_free(t);
  store->thread = NULL;
}

void nara_store_thread_consultation_create(NaraStore *store, const NaraStoreConsultation *c,
                                           NaraStoreCallback cb, gpointer user_data)
{
  Job *job = job_new(JOB_CONSULTATION_CREATE, cb, user_data);

  job->c = nara_store_consultation_copy(c);
  submit(store, job);
}

void nara_store_thread_consultation_get(NaraStore *store, const char *id, NaraStoreCallback cb,
                                        gpointer user_data)
{
  Job *job = job_new(JOB_CONSULTATION_GET, cb, user_data);

  job->id = g_strdup(id);
  submit(store, job);
}

void nara_store_thread_consultation_list(NaraStore *store, int status, guint limit,
                                         NaraStoreCallback cb, gpointer user_data)
{
  Job *job = job_new(JOB_CONSULTATION_LIST, cb, user_data);

  job->status = status;
  job->limit = limit;
  submit(store, job);
}

void nara_store_thread_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                           NaraStoreCallback cb, gpointer user_data)
{
  Job *job = job_new(JOB_CONSULTATION_UPDATE, cb, user_data);

  job->c = nara_store_consultation_copy(c);
  submit(store, job);
}

void nara_store_thread_consultation_modify(NaraStore *store, const char *id,
                                           NaraStoreModifyFunc modify, gpointer modify_data,
                                           NaraStoreCallback cb, gpointer user_data)
{
  Job *job = job_new(JOB_CONSULTATION_MODIFY, cb, user_data);

  job->id = g_strdup(id);
  job->modify = modify;
  job->modify_data = modify_data;
  submit(store, job);
}

void nara_store_thread_participant_add(NaraStore *store, const NaraStoreParticipant *p,
                                       NaraStoreCallback cb, gpointer user_data)
{
  Job *job = job_new(JOB_PARTICIPANT_ADD, cb, user_data);

  job->p = nara_store_participant_copy(p);
  submit(store, job);
}

void nara_store_thread_participant_delete(NaraStore *store, const char *consultation_id,
                                          const char *participant_id, NaraStoreCallback cb,
                                          gpointer user_data)
{
  Job *job = job_new(JOB_PARTICIPANT_DELETE, cb, user_data);

  job->id = g_strdup(consultation_id);
  job->id2 = g_strdup(participant_id);
  submit(store, job);
}

void nara_store_thread_participant_set_removed(NaraStore *store, const char *consultation_id,
                                               const char *participant_id, gboolean removed,
                                               NaraStoreCallback cb, gpointer user_data)
{
  Job *job = job_new(JOB_PARTICIPANT_SET_REMOVED, cb, user_data);

  job->id = g_strdup(consultation_id);
  job->id2 = g_strdup(participant_id);
  job->flag = removed;
  submit(store, job);
}

void nara_store_thread_apikey_find(NaraStore *store, const guint8 hash[32], NaraStoreCallback cb,
                                   gpointer user_data)
{
  Job *job = job_new(JOB_APIKEY_FIND, cb, user_data);

  memcpy(job->hash, hash, sizeof job->hash);
  submit(store, job);
}

void nara_store_thread_audit_append(NaraStore *store, const NaraAuditRecord *record,
                                    NaraStoreCallback cb, gpointer user_data)
{
  Job *job = job_new(JOB_AUDIT_APPEND, cb, user_data);

  /* The time is the event's, not the moment the thread gets to it. */
  record_copy(&job->record, record);
  submit(store, job);
}

void nara_store_thread_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                                    guint limit, NaraStoreCallback cb, gpointer user_data)
{
  Job *job = job_new(JOB_AUDIT_EXPORT, cb, user_data);

  job->value = since_seq;
  job->id = g_strdup(consultation);
  job->limit = limit;
  submit(store, job);
}

void nara_store_thread_audit_prune(NaraStore *store, gint64 older_than_us, NaraStoreCallback cb,
                                   gpointer user_data)
{
  Job *job = job_new(JOB_AUDIT_PRUNE, cb, user_data);

  job->value = older_than_us;
  submit(store, job);
}

void nara_store_thread_consultation_erase(NaraStore *store, const char *id, NaraStoreCallback cb,
                                          gpointer user_data)
{
  Job *job = job_new(JOB_CONSULTATION_ERASE, cb, user_data);

  job->id = g_strdup(id);
  submit(store, job);
}

void nara_store_thread_consultations_expire(NaraStore *store, gint64 cutoff_s, NaraStoreCallback cb,
                                            gpointer user_data)
{
  Job *job = job_new(JOB_CONSULTATIONS_EXPIRE, cb, user_data);

  job->value = cutoff_s;
  submit(store, job);
}
