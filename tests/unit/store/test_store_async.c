/* test_store_async.c — the store's thread: asynchronous calls, where and
 * when their callbacks run, group commit of audit appends, and the chain
 * they leave (it must verify exactly as appends one by one would); on
 * PostgreSQL, two nodes changing one consultation at once.
 */
#include <stdlib.h>
#include <string.h>

#include "store_test_util.h"

typedef struct {
  GThread *thread; /* where the callback ran */
  guint calls;
  GError *error;
  NaraStoreResult copy; /* stolen members */
} Seen;

static void seen(NaraStoreResult *result, gpointer data)
{
  Seen *s = data;

  s->thread = g_thread_self();
  s->calls++;
  g_clear_error(&s->error);
  s->error = g_steal_pointer(&result->error);
  s->copy.consultation = g_steal_pointer(&result->consultation);
  s->copy.participant = g_steal_pointer(&result->participant);
  s->copy.consultations = g_steal_pointer(&result->consultations);
  s->copy.key_id = g_steal_pointer(&result->key_id);
  s->copy.lines = g_steal_pointer(&result->lines);
  s->copy.more = result->more;
}

static void seen_clear(Seen *s)
{
  g_clear_error(&s->error);
  g_clear_pointer(&s->copy.consultation, nara_store_consultation_free);
  g_clear_pointer(&s->copy.participant, nara_store_participant_free);
  g_clear_pointer(&s->copy.consultations, g_ptr_array_unref);
  g_clear_pointer(&s->copy.key_id, g_free);
  g_clear_pointer(&s->copy.lines, g_ptr_array_unref);
  memset(s, 0, sizeof *s);
}

static NaraStoreConsultation *booking(void)
{
  NaraStoreConsultation *c = g_new0(NaraStoreConsultation, 1);
  NaraStoreParticipant *p = g_new0(NaraStoreParticipant, 1);

  c->title = g_strdup("Follow-up");
  c->starts_at = 1795462200;
  c->ends_at = c->starts_at + 1800;
  c->participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  p->name = g_strdup("Dr. A");
  p->role = NARA_ROLE_HOST;
  g_ptr_array_add(c->participants, p);
  return c;
}

/* Callbacks come from the main loop of the calling thread, never inside
 * the _async call. */
static void test_callback_on_main_loop(StoreFixture *f, gconstpointer data)
{
  Seen s = { 0 };
  g_autoptr(NaraStoreConsultation) c = booking();

  (void)data;
  nara_store_consultation_create_async(f->store, c, seen, &s);
  g_assert_cmpuint(s.calls, ==, 0);
  for (guint i = 0; s.calls == 0 && i < 10000; i++)
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpuint(s.calls, ==, 1);
  g_assert_true(s.thread == g_thread_self());
  g_assert_no_error(s.error);
  g_assert_nonnull(s.copy.consultation);
  g_assert_cmpuint(strlen(s.copy.consultation->id), >, 2);
  g_assert_cmpstr(((NaraStoreParticipant *)s.copy.consultation->participants->pdata[0])->name, ==,
                  "Dr. A");
  /* The argument was copied: the caller's stays without an id. */
  g_assert_cmpstr(c->id, ==, "");
  seen_clear(&s);
}

static gboolean lock_it(NaraStoreConsultation *c, gpointer data, GError **error)
{
  (void)data;
  (void)error;
  c->locked = TRUE;
  return TRUE;
}

static gboolean refuse_it(NaraStoreConsultation *c, gpointer data, GError **error)
{
  (void)c;
  (void)data;
  g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT, "no");
  return FALSE;
}

static void test_calls(StoreFixture *f, gconstpointer data)
{
  g_autoptr(NaraStoreConsultation) c = booking();
  g_autofree char *id = NULL, *pid = NULL;
  NaraStoreParticipant p = { .role = NARA_ROLE_PATIENT, .name = (char *)"Pat" };
  guint8 hash[32] = { 1, 2, 3 }, other[32] = { 9 };
  Seen s = { 0 };

  (void)data;
  g_assert_true(nara_store_apikey_add(
      f->store, &(NaraStoreApiKey){ .id = "k-1", .label = (char *)"test", .scopes = (char *)"all" },
      hash, NULL));
  nara_store_consultation_create_async(f->store, c, seen, &s);
  nara_store_flush(f->store);
  id = g_strdup(s.copy.consultation->id);
  seen_clear(&s);

  nara_store_consultation_modify_async(f->store, id, lock_it, NULL, seen, &s);
  nara_store_flush(f->store);
  g_assert_no_error(s.error);
  g_assert_true(s.copy.consultation->locked);
  seen_clear(&s);
  nara_store_consultation_modify_async(f->store, id, refuse_it, NULL, seen, &s);
  nara_store_flush(f->store);
  g_assert_error(s.error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
  seen_clear(&s);

  memcpy(p.consultation_id, id, strlen(id) + 1);
  nara_store_participant_add_async(f->store, &p, seen, &s);
  nara_store_flush(f->store);
  g_assert_no_error(s.error);
  pid = g_strdup(s.copy.participant->id);
  seen_clear(&s);
  nara_store_participant_set_removed_async(f->store, id, pid, TRUE, seen, &s);
  nara_store_flush(f->store);
  g_assert_no_error(s.error);
  seen_clear(&s);

  nara_store_consultation_get_async(f->store, id, seen, &s);
  nara_store_flush(f->store);
  g_assert_true(s.copy.consultation->locked);
  g_assert_cmpuint(s.copy.consultation->participants->len, ==, 2);
  g_assert_true(((NaraStoreParticipant *)s.copy.consultation->participants->pdata[1])->removed);
  seen_clear(&s);

  nara_store_participant_delete_async(f->store, id, pid, seen, &s);
  nara_store_flush(f->store);
  g_assert_no_error(s.error);
  seen_clear(&s);
  nara_store_consultation_get_async(f->store, "c-none", seen, &s);
  nara_store_flush(f->store);
  g_assert_error(s.error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
  seen_clear(&s);
  nara_store_consultation_list_async(f->store, -1, 10, seen, &s);
  nara_store_flush(f->store);
  g_assert_cmpuint(s.copy.consultations->len, ==, 1);
  seen_clear(&s);

  nara_store_apikey_find_async(f->store, hash, seen, &s);
  nara_store_flush(f->store);
  g_assert_cmpstr(s.copy.key_id, ==, "k-1");
  seen_clear(&s);
  nara_store_apikey_find_async(f->store, other, seen, &s);
  nara_store_flush(f->store);
  g_assert_cmpuint(s.calls, ==, 1);
  g_assert_null(s.copy.key_id);
  seen_clear(&s);
}

typedef struct {
  guint done;
  guint order[64];
  GError *errors[64];
} Appends;

typedef struct {
  Appends *all;
  guint index;
} One;

static void appended(NaraStoreResult *result, gpointer data)
{
  One *one = data;

  one->all->errors[one->index] = g_steal_pointer(&result->error);
  one->all->order[one->all->done++] = one->index;
  g_free(one);
}

/* Appends queued together: each completes once written, in queue order,
 * a bad one alone fails, and the chain is the same as one by one. */
static void test_group_commit(StoreFixture *f, gconstpointer data)
{
  Appends all = { 0 };
  Seen s = { 0 };
  guint64 n = 0;

  (void)data;
  for (guint i = 0; i < 64; i++) {
    g_autofree char *detail = g_strdup_printf("n=%u", i);
    NaraAuditRecord r = { .event = i == 17 ? NULL : "join-attempt",
                          .consultation = "c-x",
                          .outcome = "token-malformed",
                          .detail = detail };
    One *one = g_new0(One, 1);

    one->all = &all;
    one->index = i;
    nara_store_audit_append_async(f->store, &r, appended, one);
  }
  g_assert_cmpuint(all.done, ==, 0);
  nara_store_flush(f->store);
  g_assert_cmpuint(all.done, ==, 64);
  for (guint i = 0; i < 64; i++) {
    g_assert_cmpuint(all.order[i], ==, i);
    if (i == 17)
      g_assert_error(all.errors[i], NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
    else
      g_assert_no_error(all.errors[i]);
    g_clear_error(&all.errors[i]);
  }
  g_assert_true(nara_store_audit_verify(f->store, &n, NULL));
  g_assert_cmpuint(n, ==, 63);

  nara_store_audit_export_async(f->store, 0, "c-x", 10, seen, &s);
  nara_store_flush(f->store);
  g_assert_cmpuint(s.copy.lines->len, ==, 10);
  g_assert_true(s.copy.more);
  g_assert_nonnull(strstr(s.copy.lines->pdata[9], "\"n=9\""));
  seen_clear(&s);

  /* After a restart the chain goes on from the batch's head. */
  store_fixture_reopen(f);
  nara_store_audit_append_async(f->store, &(NaraAuditRecord){ .event = "admit" }, NULL, NULL);
  nara_store_flush(f->store);
  g_assert_true(nara_store_audit_verify(f->store, &n, NULL));
  g_assert_cmpuint(n, ==, 64);
}

/* Closing runs what is still queued, callbacks included. */
static void test_close_runs_queued(StoreFixture *f, gconstpointer data)
{
  Seen s = { 0 };

  (void)data;
  nara_store_audit_append_async(f->store, &(NaraAuditRecord){ .event = "end" }, seen, &s);
  nara_store_close(f->store);
  f->store = NULL;
  g_assert_cmpuint(s.calls, ==, 1);
  g_assert_no_error(s.error);
  seen_clear(&s);
  store_fixture_reopen(f);
  g_assert_true(nara_store_audit_verify(f->store, NULL, NULL));
}

#define N_MODIFY 25

/* Adds one to the count in the title. */
static gboolean count_up(NaraStoreConsultation *c, gpointer data, GError **error)
{
  int n = atoi(c->title ? c->title : "0");

  (void)data;
  (void)error;
  g_free(c->title);
  c->title = g_strdup_printf("%d", n + 1);
  return TRUE;
}

static void counted(NaraStoreResult *result, gpointer data)
{
  g_assert_no_error(result->error);
  (*(guint *)data)++;
}

/* Two nodes (two stores, each its own thread and connection) each add one
 * to the same consultation's count N_MODIFY times, interleaved: the row
 * lock makes each read-change-write whole, so no addition is lost. */
static void test_two_nodes_modify(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = booking();
  g_autoptr(NaraStoreConsultation) got = NULL;
  NaraStore *other;
  guint done = 0;

  (void)data;
  if (!store_test_pg()) {
    g_test_skip("PostgreSQL only: one SQLite file is one node's");
    return;
  }
  other = store_fixture_open_another(f);
  g_free(c->title);
  c->title = g_strdup("0");
  g_assert_true(nara_store_consultation_create(f->store, c, &error));
  for (int i = 0; i < N_MODIFY; i++) {
    nara_store_consultation_modify_async(f->store, c->id, count_up, NULL, counted, &done);
    nara_store_consultation_modify_async(other, c->id, count_up, NULL, counted, &done);
  }
  while (done < 2 * N_MODIFY)
    g_main_context_iteration(NULL, TRUE);
  nara_store_close(other);
  got = nara_store_consultation_get(f->store, c->id, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(got->title, ==, G_STRINGIFY(50));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn)                                                                              \
  g_test_add(name, StoreFixture, NULL, store_fixture_setup, fn, store_fixture_teardown)
  ADD("/store/async/callback-on-main-loop", test_callback_on_main_loop);
  ADD("/store/async/calls", test_calls);
  ADD("/store/async/group-commit", test_group_commit);
  ADD("/store/async/close-runs-queued", test_close_runs_queued);
  ADD("/store/async/postgresql/two-nodes-modify", test_two_nodes_modify);
  return g_test_run();
}
