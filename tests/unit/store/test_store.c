/* test_store.c — consultations, participants and API keys in the store:
 * round trips, conflicts, restart and schema migration; on PostgreSQL
 * also nodes migrating at once and a dropped connection.
 *
 * The audit log has its own test (test_audit.c). Each test gets a fresh
 * SQLite file, or a fresh PostgreSQL schema when NARA_TEST_PG is set
 * (store_test_util.c); the SQLite file tests skip there.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "store_test_util.h"

static NaraStoreParticipant *participant(const char *name, NaraRole role, const char *assurance)
{
  NaraStoreParticipant *p = g_new0(NaraStoreParticipant, 1);

  p->name = g_strdup(name);
  p->role = role;
  p->assurance = g_strdup(assurance);
  return p;
}

static NaraStoreConsultation *consultation(const char *title)
{
  NaraStoreConsultation *c = g_new0(NaraStoreConsultation, 1);

  c->title = g_strdup(title);
  c->starts_at = 1795460400;
  c->ends_at = 1795462200;
  c->status = NARA_CONSULTATION_SCHEDULED;
  c->auto_admit = 1u << NARA_ROLE_HOST | 1u << NARA_ROLE_STAFF;
  c->participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  g_ptr_array_add(c->participants, participant("Dr Berg", NARA_ROLE_HOST, "siths"));
  g_ptr_array_add(c->participants, participant("Åsa Öberg", NARA_ROLE_PATIENT, "bankid-se"));
  g_ptr_array_add(c->participants, participant("Tolk", NARA_ROLE_INTERPRETER, NULL));
  return c;
}

static NaraStoreConsultation *create(StoreFixture *f, const char *title)
{
  g_autoptr(GError) error = NULL;
  NaraStoreConsultation *c = consultation(title);

  g_assert_true(nara_store_consultation_create(f->store, c, &error));
  g_assert_no_error(error);
  return c;
}

static void assert_same(const NaraStoreConsultation *a, const NaraStoreConsultation *b)
{
  g_assert_cmpstr(a->id, ==, b->id);
  g_assert_cmpstr(a->title, ==, b->title);
  g_assert_cmpint(a->starts_at, ==, b->starts_at);
  g_assert_cmpint(a->ends_at, ==, b->ends_at);
  g_assert_cmpint(a->status, ==, b->status);
  g_assert_cmpuint(a->auto_admit, ==, b->auto_admit);
  g_assert_cmpint(a->locked, ==, b->locked);
  g_assert_cmpint(a->created_at, ==, b->created_at);
  g_assert_cmpuint(a->participants->len, ==, b->participants->len);
  for (guint i = 0; i < a->participants->len; i++) {
    const NaraStoreParticipant *p = g_ptr_array_index(a->participants, i);
    const NaraStoreParticipant *q = g_ptr_array_index(b->participants, i);

    g_assert_cmpstr(p->id, ==, q->id);
    g_assert_cmpstr(p->consultation_id, ==, q->consultation_id);
    g_assert_cmpstr(p->name, ==, q->name);
    g_assert_cmpint(p->role, ==, q->role);
    g_assert_cmpstr(p->assurance, ==, q->assurance);
    g_assert_cmpint(p->removed, ==, q->removed);
    g_assert_cmpint(p->created_at, ==, q->created_at);
  }
}

static void assert_id(const char *id, const char *prefix)
{
  g_assert_true(g_str_has_prefix(id, prefix));
  g_assert_cmpuint(strlen(id), ==, 18);
  for (const char *p = id + 2; *p; p++)
    g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');
}

static void test_roles(void)
{
  NaraRole r;

  for (int i = 0; i < NARA_ROLE_COUNT; i++) {
    g_assert_true(nara_role_from_string(nara_role_to_string((NaraRole)i), &r));
    g_assert_cmpint(r, ==, i);
  }
  g_assert_cmpstr(nara_role_to_string(NARA_ROLE_PATIENT), ==, "patient");
  g_assert_null(nara_role_to_string(NARA_ROLE_COUNT));
  g_assert_false(nara_role_from_string("Host", &r));
  g_assert_false(nara_role_from_string("", &r));
  g_assert_false(nara_role_from_string(NULL, &r));
}

static void test_round_trip(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = create(f, "Återbesök");
  g_autoptr(NaraStoreConsultation) got = NULL;

  (void)data;
  assert_id(c->id, "c-");
  for (guint i = 0; i < c->participants->len; i++) {
    NaraStoreParticipant *p = g_ptr_array_index(c->participants, i);
    assert_id(p->id, "p-");
    g_assert_cmpstr(p->consultation_id, ==, c->id);
  }
  got = nara_store_consultation_get(f->store, c->id, &error);
  g_assert_no_error(error);
  assert_same(c, got);

  /* ids are random: two consultations never share one */
  {
    g_autoptr(NaraStoreConsultation) d = create(f, "Second");
    g_assert_cmpstr(c->id, !=, d->id);
  }

  /* update writes the fields, not participants */
  got->title = (g_free(got->title), g_strdup("Changed"));
  got->locked = TRUE;
  got->status = NARA_CONSULTATION_ENDED;
  got->auto_admit = 1u << NARA_ROLE_HOST;
  g_assert_true(nara_store_consultation_update(f->store, got, &error));
  g_assert_no_error(error);
  {
    g_autoptr(NaraStoreConsultation) again = nara_store_consultation_get(f->store, c->id, &error);
    g_assert_no_error(error);
    assert_same(got, again);
    g_assert_cmpint(again->updated_at, >=, again->created_at);
  }
}

static void test_given_ids(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = consultation("Given");
  g_autoptr(NaraStoreConsultation) dup = consultation("Duplicate");
  NaraStoreParticipant *p = g_ptr_array_index(c->participants, 0);

  (void)data;
  g_strlcpy(c->id, "c-booking-4711", sizeof c->id);
  g_strlcpy(p->id, "p-host", sizeof p->id);
  g_assert_true(nara_store_consultation_create(f->store, c, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(c->id, ==, "c-booking-4711");
  g_assert_cmpstr(p->id, ==, "p-host");

  g_strlcpy(dup->id, "c-booking-4711", sizeof dup->id);
  g_assert_false(nara_store_consultation_create(f->store, dup, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
}

static void test_not_found(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = consultation("Ghost");

  (void)data;
  g_assert_null(nara_store_consultation_get(f->store, "c-nothing", &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_null(nara_store_consultation_get(f->store, NULL, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_strlcpy(c->id, "c-ghost", sizeof c->id);
  g_assert_false(nara_store_consultation_update(f->store, c, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
}

static void test_invalid(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = consultation("Invalid");
  NaraStoreParticipant *p = g_ptr_array_index(c->participants, 1);
  GPtrArray *list;

  (void)data;
  p->role = NARA_ROLE_COUNT;
  g_assert_false(nara_store_consultation_create(f->store, c, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
  g_clear_error(&error);
  /* the failed create left nothing behind */
  list = nara_store_consultation_list(f->store, -1, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(list->len, ==, 0);
  g_ptr_array_unref(list);

  p->role = NARA_ROLE_PATIENT;
  p->name = (g_free(p->name), g_strdup("bad \xff utf-8"));
  c->id[0] = '\0';
  g_assert_false(nara_store_consultation_create(f->store, c, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
  g_clear_error(&error);

  p->name = (g_free(p->name), g_strdup("ok"));
  memset(c->id, 'x', sizeof c->id); /* no terminator: outside input gone wrong */
  g_assert_false(nara_store_consultation_create(f->store, c, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
  g_clear_error(&error);

  c->id[0] = '\0';
  c->status = 7;
  g_assert_false(nara_store_consultation_create(f->store, c, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
  g_clear_error(&error);

  c->status = NARA_CONSULTATION_SCHEDULED;
  c->auto_admit = 1u << NARA_ROLE_COUNT;
  g_assert_false(nara_store_consultation_create(f->store, c, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
  g_clear_error(&error);

  g_assert_null(nara_store_consultation_list(f->store, 9, 0, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
}

static void test_list(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL, two = NULL, cancelled = NULL;
  char ids[4][NARA_STORE_ID_LEN];

  (void)data;
  for (int i = 0; i < 4; i++) {
    g_autoptr(NaraStoreConsultation) c = create(f, "Listed");
    memcpy(ids[i], c->id, sizeof ids[i]);
    if (i == 1) {
      c->status = NARA_CONSULTATION_CANCELLED;
      g_assert_true(nara_store_consultation_update(f->store, c, &error));
      g_assert_no_error(error);
    }
  }
  all = nara_store_consultation_list(f->store, -1, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(all->len, ==, 4);
  /* newest first (same second: insertion order breaks the tie) */
  for (int i = 0; i < 4; i++) {
    NaraStoreConsultation *c = g_ptr_array_index(all, i);
    g_assert_cmpstr(c->id, ==, ids[3 - i]);
    g_assert_cmpuint(c->participants->len, ==, 3);
  }
  two = nara_store_consultation_list(f->store, -1, 2, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(two->len, ==, 2);
  cancelled = nara_store_consultation_list(f->store, NARA_CONSULTATION_CANCELLED, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(cancelled->len, ==, 1);
  g_assert_cmpstr(((NaraStoreConsultation *)g_ptr_array_index(cancelled, 0))->id, ==, ids[1]);
}

static void test_cancelled(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = create(f, "Cancelled");
  g_autoptr(NaraStoreParticipant) p = participant("Late", NARA_ROLE_RELATIVE, NULL);
  NaraStoreParticipant *first = g_ptr_array_index(c->participants, 0);

  (void)data;
  c->status = NARA_CONSULTATION_CANCELLED;
  g_assert_true(nara_store_consultation_update(f->store, c, &error));
  g_assert_no_error(error);
  c->status = NARA_CONSULTATION_SCHEDULED;
  g_assert_false(nara_store_consultation_update(f->store, c, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
  g_clear_error(&error);

  memcpy(p->consultation_id, c->id, sizeof c->id);
  g_assert_false(nara_store_participant_add(f->store, p, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
  g_clear_error(&error);
  g_assert_false(nara_store_participant_set_removed(f->store, c->id, first->id, TRUE, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
  g_clear_error(&error);
  g_assert_false(nara_store_participant_delete(f->store, c->id, first->id, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
}

static void test_participants(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = create(f, "Participants");
  g_autoptr(NaraStoreConsultation) got = NULL;
  NaraStoreParticipant *pat = g_ptr_array_index(c->participants, 1);

  (void)data;
  /* fill up to the maximum, then one more is refused */
  for (guint i = c->participants->len; i < NARA_STORE_MAX_PARTICIPANTS; i++) {
    g_autoptr(NaraStoreParticipant) p = participant("Anhörig", NARA_ROLE_RELATIVE, "none");
    memcpy(p->consultation_id, c->id, sizeof c->id);
    g_assert_true(nara_store_participant_add(f->store, p, &error));
    g_assert_no_error(error);
    assert_id(p->id, "p-");
  }
  {
    g_autoptr(NaraStoreParticipant) p = participant("One too many", NARA_ROLE_RELATIVE, NULL);
    memcpy(p->consultation_id, c->id, sizeof c->id);
    g_assert_false(nara_store_participant_add(f->store, p, &error));
    g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
    g_clear_error(&error);
  }
  got = nara_store_consultation_get(f->store, c->id, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(got->participants->len, ==, NARA_STORE_MAX_PARTICIPANTS);
  g_clear_pointer(&got, nara_store_consultation_free);

  g_assert_true(nara_store_participant_set_removed(f->store, c->id, pat->id, TRUE, &error));
  g_assert_no_error(error);
  got = nara_store_consultation_get(f->store, c->id, &error);
  g_assert_true(((NaraStoreParticipant *)g_ptr_array_index(got->participants, 1))->removed);
  g_clear_pointer(&got, nara_store_consultation_free);
  g_assert_true(nara_store_participant_set_removed(f->store, c->id, pat->id, FALSE, &error));
  g_assert_no_error(error);

  g_assert_true(nara_store_participant_delete(f->store, c->id, pat->id, &error));
  g_assert_no_error(error);
  g_assert_false(nara_store_participant_delete(f->store, c->id, pat->id, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_false(nara_store_participant_set_removed(f->store, c->id, "p-none", TRUE, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
  g_clear_error(&error);
  got = nara_store_consultation_get(f->store, c->id, &error);
  g_assert_cmpuint(got->participants->len, ==, NARA_STORE_MAX_PARTICIPANTS - 1);

  /* a participant of a consultation that does not exist */
  {
    g_autoptr(NaraStoreParticipant) p = participant("Nowhere", NARA_ROLE_STAFF, NULL);
    g_strlcpy(p->consultation_id, "c-nothing", sizeof p->consultation_id);
    g_assert_false(nara_store_participant_add(f->store, p, &error));
    g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
    g_clear_error(&error);
  }
  /* the same participant id twice in one consultation */
  {
    g_autoptr(NaraStoreParticipant) p = participant("Twin", NARA_ROLE_STAFF, NULL);
    NaraStoreParticipant *host = g_ptr_array_index(c->participants, 0);
    memcpy(p->consultation_id, c->id, sizeof c->id);
    memcpy(p->id, host->id, sizeof p->id);
    g_assert_false(nara_store_participant_add(f->store, p, &error));
    g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
  }
}

static gboolean add_key(NaraStore *store, const char *id, const guint8 hash[32], const char *label,
                        GError **error)
{
  NaraStoreApiKey k = { .label = (char *)label, .scopes = (char *)"consultations:read" };

  if (id && strlen(id) >= sizeof k.id)
    return FALSE;
  g_strlcpy(k.id, id ? id : "", sizeof k.id);
  return nara_store_apikey_add(store, &k, hash, error);
}

static char *find_key(NaraStore *store, const guint8 hash[32])
{
  g_autoptr(NaraStoreApiKey) k = nara_store_apikey_find(store, hash);

  return k ? g_strdup(k->id) : NULL;
}

static void test_apikeys(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint8 hash[32], other[32];
  char *id = NULL;

  (void)data;
  memset(hash, 0xab, sizeof hash);
  memset(other, 0xcd, sizeof other);
  g_assert_true(add_key(f->store, "k-booking", hash, "booking system", &error));
  g_assert_no_error(error);
  id = find_key(f->store, hash);
  g_assert_cmpstr(id, ==, "k-booking");
  g_free(id);
  id = find_key(f->store, other);
  g_assert_null(id);
  g_assert_false(add_key(f->store, "k-again", hash, NULL, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
  g_clear_error(&error);
  g_assert_false(add_key(f->store, "k-booking", other, NULL, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT);
  g_clear_error(&error);
  g_assert_false(add_key(f->store, "", other, NULL, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
}

static void test_restart(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = create(f, "Survives");
  g_autoptr(NaraStoreConsultation) got = NULL;
  guint8 hash[32];
  char *id = NULL;

  (void)data;
  memset(hash, 7, sizeof hash);
  g_assert_true(add_key(f->store, "k-restart", hash, NULL, &error));
  g_assert_true(nara_store_participant_set_removed(
      f->store, c->id, ((NaraStoreParticipant *)g_ptr_array_index(c->participants, 2))->id, TRUE,
      &error));
  g_assert_no_error(error);
  ((NaraStoreParticipant *)g_ptr_array_index(c->participants, 2))->removed = TRUE;

  store_fixture_reopen(f);
  got = nara_store_consultation_get(f->store, c->id, &error);
  g_assert_no_error(error);
  assert_same(c, got);
  id = find_key(f->store, hash);
  g_assert_cmpstr(id, ==, "k-restart");
  g_free(id);
}

static gint64 user_version(const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 v = -1;

  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), ==, SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static void set_user_version(const char *path, int v)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf("PRAGMA user_version = %d", v);

  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
}

/* An empty file (state dir prepared by hand, or a crash before the first
 * write) is migrated from version 0; a file from a newer Nara is refused. */
static void test_migrate(void)
{
  g_autoptr(GError) error = NULL;
  if (store_test_pg()) {
    g_test_skip("SQLite files only");
    return;
  }
  g_autofree char *dir = g_dir_make_tmp("nara-store-XXXXXX", &error);
  g_autofree char *path = g_build_filename(dir, "empty.db", NULL);
  g_autofree char *wal = g_strconcat(path, "-wal", NULL);
  g_autofree char *shm = g_strconcat(path, "-shm", NULL);
  NaraStore *store;

  g_assert_true(g_file_set_contents(path, "", 0, &error));
  g_assert_cmpint(user_version(path), ==, 0);
  store = nara_store_open_sqlite(path, &error);
  g_assert_no_error(error);
  {
    g_autoptr(NaraStoreConsultation) c = consultation("Migrated");
    g_assert_true(nara_store_consultation_create(store, c, &error));
    g_assert_no_error(error);
  }
  nara_store_close(store);
  g_assert_cmpint(user_version(path), >=, 2);

  set_user_version(path, 99);
  g_assert_null(nara_store_open_sqlite(path, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO);
  g_assert_nonnull(strstr(error->message, "newer"));
  g_clear_error(&error);

  g_assert_null(nara_store_open_sqlite(NULL, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO);
  g_clear_error(&error);
  g_remove(path);
  g_remove(wal);
  g_remove(shm);
  g_rmdir(dir);
}

/* Not a database at all: refused with an error, no crash. */
static void test_garbage_file(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("nara-store-XXXXXX", &error);
  g_autofree char *path = g_build_filename(dir, "garbage.db", NULL);
  char junk[4096];

  if (store_test_pg()) {
    g_test_skip("SQLite files only");
    g_rmdir(dir);
    return;
  }
  memset(junk, 'Z', sizeof junk);
  g_assert_true(g_file_set_contents(path, junk, sizeof junk, &error));
  g_assert_null(nara_store_open_sqlite(path, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO);
  g_remove(path);
  g_rmdir(dir);
}

/* Erasure takes the consultation and its participants, and only them. */
static void test_erase(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) gone = create(f, "To be erased");
  g_autoptr(NaraStoreConsultation) kept = create(f, "Kept");
  g_autoptr(NaraStoreConsultation) got = NULL;
  NaraStoreParticipant p = { .role = NARA_ROLE_RELATIVE, .name = "Late" };

  (void)data;
  g_assert_true(nara_store_consultation_erase(f->store, gone->id, &error));
  g_assert_no_error(error);
  g_assert_null(nara_store_consultation_get(f->store, gone->id, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_false(nara_store_consultation_erase(f->store, gone->id, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
  g_clear_error(&error);
  memcpy(p.consultation_id, gone->id, NARA_STORE_ID_LEN);
  g_assert_false(nara_store_participant_add(f->store, &p, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
  g_clear_error(&error);
  got = nara_store_consultation_get(f->store, kept->id, &error);
  g_assert_no_error(error);
  assert_same(kept, got);
}

/* Retention: over (ended before the cut-off, or ended/cancelled and
 * unchanged since) goes; a scheduled one still to come stays. */
static void test_expire(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) past = consultation("Long over");
  g_autoptr(NaraStoreConsultation) coming = create(f, "Still to come");
  g_autoptr(NaraStoreConsultation) cancelled = create(f, "Cancelled just now");
  g_autoptr(GPtrArray) ids = NULL;
  gint64 cutoff = coming->ends_at;

  (void)data;
  past->ends_at = cutoff - 100;
  g_assert_true(nara_store_consultation_create(f->store, past, &error));
  cancelled->status = NARA_CONSULTATION_CANCELLED;
  g_assert_true(nara_store_consultation_update(f->store, cancelled, &error));
  g_assert_no_error(error);
  ids = nara_store_consultations_expire(f->store, cutoff, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ids->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, past->id);
  g_clear_pointer(&ids, g_ptr_array_unref);
  /* cancelled, and unchanged since a cut-off after now: over too */
  ids = nara_store_consultations_expire(f->store, g_get_real_time() / G_USEC_PER_SEC + 10, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ids->len, ==, 2);
}

static gboolean skip_unless_pg(void)
{
  if (store_test_pg())
    return FALSE;
  g_test_skip("PostgreSQL only (tests/pg/with-postgres.sh)");
  return TRUE;
}

static gpointer open_node(gpointer data)
{
  return store_fixture_open_another(data);
}

/* Nodes starting at once on an empty database: the advisory lock lets one
 * migrate, the others find the schema made; all of them work. A database
 * from a newer Nara is refused. */
static void test_pg_migrate(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  GThread *threads[4];

  (void)data;
  if (skip_unless_pg())
    return;
  g_clear_pointer(&f->store, nara_store_close);
  g_assert_cmpint(store_fixture_sql(f, "DROP TABLE audit, api_keys, participants, consultations,"
                                       " meta, schema_version; DROP FUNCTION audit_append_only"),
                  ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
    threads[i] = g_thread_new("node", open_node, f);
  for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
    NaraStore *node = g_thread_join(threads[i]);
    g_autoptr(NaraStoreConsultation) c = consultation("Any node");

    g_assert_true(nara_store_consultation_create(node, c, &error));
    g_assert_no_error(error);
    nara_store_close(node);
  }
  g_assert_cmpint(store_fixture_sql(f, "UPDATE schema_version SET version = 99"), ==, 0);
  g_assert_null(nara_store_open_postgresql(f->conninfo, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO);
  g_assert_nonnull(strstr(error->message, "newer"));
  g_clear_error(&error);
  g_assert_null(nara_store_open_postgresql("", &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO);
  g_clear_error(&error);
  g_assert_cmpint(store_fixture_sql(f, "UPDATE schema_version SET version = 1"), ==, 0);
  store_fixture_reopen(f);
}

static void probe_done(NaraStoreResult *result, gpointer data)
{
  (void)result;
  *(gboolean *)data = TRUE;
}

/* The server ends Nara's session (a restart, a failover): the next call
 * reconnects. While it cannot (here: the role may not log in), calls fail,
 * readiness says so, and asking queues a reconnect; once the database
 * lets it in again, the store is ready and works without a restart. */
static void test_pg_reconnect(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = create(f, "Before the drop");
  g_autoptr(NaraStoreConsultation) got = NULL;
  g_autofree char *as_node = g_strdup_printf("%s user=nara_node", f->conninfo);
  const char *kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE application_name = 'nara'";
  NaraStore *node;
  gboolean done = FALSE;
  int tries = 0;

  (void)data;
  if (skip_unless_pg())
    return;
  store_fixture_sql(f, "DROP ROLE IF EXISTS nara_node");
  g_assert_cmpint(store_fixture_sql(f, "CREATE ROLE nara_node LOGIN SUPERUSER"), ==, 0);
  node = nara_store_open_postgresql(as_node, &error);
  g_assert_no_error(error);
  g_assert_true(nara_store_ready(node));

  g_assert_cmpint(store_fixture_sql(f, kill), ==, 0);
  got = nara_store_consultation_get(node, c->id, &error);
  g_assert_no_error(error);
  assert_same(c, got);
  g_clear_pointer(&got, nara_store_consultation_free);

  g_assert_cmpint(store_fixture_sql(f, "ALTER ROLE nara_node NOLOGIN"), ==, 0);
  g_assert_cmpint(store_fixture_sql(f, kill), ==, 0);
  g_assert_null(nara_store_consultation_get(node, c->id, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_IO);
  g_clear_error(&error);
  g_assert_false(nara_store_ready(node));

  g_assert_cmpint(store_fixture_sql(f, "ALTER ROLE nara_node LOGIN"), ==, 0);
  /* Each unready answer queues one attempt; bounded, and no timing assumed. */
  while (!nara_store_ready(node) && tries++ < 1000) {
    nara_store_flush(node);
  }
  g_assert_true(nara_store_ready(node));
  nara_store_consultation_get_async(node, c->id, probe_done, &done);
  while (!done)
    g_main_context_iteration(NULL, TRUE);
  got = nara_store_consultation_get(node, c->id, &error);
  g_assert_no_error(error);
  assert_same(c, got);
  nara_store_close(node);
  g_assert_cmpint(store_fixture_sql(f, "DROP ROLE nara_node"), ==, 0);
}

#define ADD(name, fn)                                                                              \
  g_test_add(name, StoreFixture, NULL, store_fixture_setup, fn, store_fixture_teardown)

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/store/roles", test_roles);
  ADD("/store/consultation/round-trip", test_round_trip);
  ADD("/store/consultation/given-ids", test_given_ids);
  ADD("/store/consultation/not-found", test_not_found);
  ADD("/store/consultation/invalid", test_invalid);
  ADD("/store/consultation/list", test_list);
  ADD("/store/consultation/cancelled", test_cancelled);
  ADD("/store/participants", test_participants);
  ADD("/store/apikeys", test_apikeys);
  ADD("/store/restart", test_restart);
  ADD("/store/erase", test_erase);
  ADD("/store/expire", test_expire);
  g_test_add_func("/store/migrate/empty-file", test_migrate);
  g_test_add_func("/store/migrate/garbage-file", test_garbage_file);
  ADD("/store/postgresql/migrate", test_pg_migrate);
  ADD("/store/postgresql/reconnect", test_pg_reconnect);
  return g_test_run();
}
