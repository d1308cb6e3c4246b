/* test_audit.c — the audit log's hash chain: append, export format,
 * verification, tampering of each kind, pruning and restart.
 *
 * Tampering is done as an attacker with file access would: raw SQL on the
 * database file through a second SQLite connection. Hashes are recomputed
 * here independently from the export lines, as an auditor would.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "store_test_util.h"

#define T0 1795462200123456 /* 2026-11-23T19:30:00.123456Z */
/* stored times keep milliseconds only */
#define T0_MS (T0 / 1000 * 1000)
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static void append(StoreFixture *f, gint64 time_us, const char *event, const char *consultation,
                   const char *detail)
{
  g_autoptr(GError) error = NULL;
  NaraAuditRecord r = {
    .time_us = time_us,
    .event = event,
    .consultation = consultation,
    .actor = "p-host1",
    .actor_role = "host",
    .subject = "p-pat1",
    .subject_role = "patient",
    .assurance = "bankid-se",
    .outcome = "ok",
    .detail = detail,
  };

  g_assert_true(nara_store_audit_append(f->store, &r, &error));
  g_assert_no_error(error);
}

/* 100 records, one second apart, alternating two consultations. */
static void append_100(StoreFixture *f)
{
  for (int i = 0; i < 100; i++)
    append(f, T0 + (gint64)i * G_USEC_PER_SEC, i % 3 == 0 ? "admit" : "join-attempt",
           i % 2 == 0 ? "c-even" : "c-odd", i % 5 == 0 ? "kind=audio state=muted" : NULL);
}

static void collect(const char *line, gpointer user_data)
{
  g_ptr_array_add(user_data, g_strdup(line));
}

static GPtrArray *export(StoreFixture *f, gint64 since, const char *consultation)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

  g_assert_true(nara_store_audit_export(f->store, since, consultation, collect, lines, &error));
  g_assert_no_error(error);
  return lines;
}

static void assert_verifies(StoreFixture *f, guint64 expect_n)
{
  g_autoptr(GError) error = NULL;
  guint64 n = 0;

  g_assert_true(nara_store_audit_verify(f->store, &n, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(n, ==, expect_n);
}

static void assert_broken_at(StoreFixture *f, gint64 seq)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *needle = g_strdup_printf("seq %" G_GINT64_FORMAT ":", seq);
  guint64 n = 0;

  g_assert_false(nara_store_audit_verify(f->store, &n, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CORRUPT);
  if (strstr(error->message, needle) == NULL)
    g_error("expected \"%s\" in \"%s\"", needle, error->message);
}

/* Raw SQL on the database, as someone editing it by hand. */
static int tamper(StoreFixture *f, const char *sql)
{
  return store_fixture_sql(f, sql);
}

static void sha256_hex(const char *a, const char *b, char out[65])
{
  guint8 d[32];
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();

  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  EVP_DigestUpdate(ctx, a, strlen(a));
  EVP_DigestUpdate(ctx, "\n", 1);
  EVP_DigestUpdate(ctx, b, strlen(b));
  EVP_DigestFinal_ex(ctx, d, NULL);
  EVP_MD_CTX_free(ctx);
  for (int i = 0; i < 32; i++)
    g_snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* An auditor's check of exported lines: each prev is the line before's
 * hash, and each hash is SHA-256(prev + "\n" + canonical JSON). */
static void check_export_chain(GPtrArray *lines, const char *first_prev)
{
  g_autofree char *prev = g_strdup(first_prev);

  for (guint i = 0; i < lines->len; i++) {
    json_error_t jerr;
    json_t *o = json_loads(g_ptr_array_index(lines, i), 0, &jerr);
    g_autofree char *hash = NULL;
    char expect[65];
    char *canonical;

    g_assert_nonnull(o);
    g_assert_cmpstr(json_string_value(json_object_get(o, "prev")), ==, prev);
    hash = g_strdup(json_string_value(json_object_get(o, "hash")));
    json_object_del(o, "prev");
    json_object_del(o, "hash");
    canonical = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    sha256_hex(prev, canonical, expect);
    g_assert_cmpstr(hash, ==, expect);
    free(canonical);
    json_decref(o);
    g_free(prev);
    prev = g_steal_pointer(&hash);
  }
}

static void test_chain_100(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) lines = NULL;

  (void)data;
  assert_verifies(f, 0);
  append_100(f);
  assert_verifies(f, 100);
  lines = export(f, 0, NULL);
  g_assert_cmpuint(lines->len, ==, 100);
  check_export_chain(lines, ZEROS);
}

static void test_export_format(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *expect_prefix = NULL;
  const char *line;

  (void)data;
  append(f, T0, "admit", "c-7Hq", NULL);
  lines = export(f, 0, NULL);
  g_assert_cmpuint(lines->len, ==, 1);
  line = g_ptr_array_index(lines, 0);
  /* key order and time format exactly as in docs/consultations.md */
  expect_prefix = g_strdup("{\"seq\":1,\"time\":\"2026-11-23T19:30:00.123Z\",\"event\":\"admit\","
                           "\"consultation\":\"c-7Hq\",\"actor\":\"p-host1\",\"actorRole\":"
                           "\"host\",\"subject\":\"p-pat1\",\"subjectRole\":\"patient\","
                           "\"assurance\":\"bankid-se\",\"outcome\":\"ok\",\"detail\":null,"
                           "\"prev\":\"" ZEROS "\",\"hash\":\"");
  if (!g_str_has_prefix(line, expect_prefix))
    g_error("unexpected export line %s", line);
  g_assert_cmpuint(strlen(line), ==, strlen(expect_prefix) + 64 + 2);
  g_assert_true(g_str_has_suffix(line, "\"}"));
}

static void test_time_now(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) lines = NULL;
  json_error_t jerr;
  json_t *o;
  gint64 before = g_get_real_time();
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();

  (void)data;
  append(f, 0, "leave", "c-now", "reason=timeout");
  lines = export(f, 0, NULL);
  o = json_loads(g_ptr_array_index(lines, 0), 0, &jerr);
  dt = g_date_time_new_from_iso8601(json_string_value(json_object_get(o, "time")), utc);
  g_assert_nonnull(dt);
  g_assert_cmpint(g_date_time_to_unix(dt), >=, before / G_USEC_PER_SEC);
  g_assert_cmpint(g_date_time_to_unix(dt), <=, g_get_real_time() / G_USEC_PER_SEC);
  json_decref(o);
}

static void test_tamper_update(StoreFixture *f, gconstpointer data)
{
  (void)data;
  append_100(f);
  /* the trigger refuses edits outright ... */
  g_assert_cmpint(tamper(f, "UPDATE audit SET outcome = 'token-expired' WHERE seq = 50"), !=,
                  SQLITE_OK);
  assert_verifies(f, 100);
  /* ... and whoever drops it is caught by the chain */
  g_assert_cmpint(tamper(f, "DROP TRIGGER audit_append_only;"
                            "UPDATE audit SET outcome = 'token-expired' WHERE seq = 50"),
                  ==, SQLITE_OK);
  assert_broken_at(f, 50);
}

static void test_tamper_update_each_field(StoreFixture *f, gconstpointer data)
{
  static const char *const edits[] = {
    "time_us = time_us + 1000",
    "event = 'decline'",
    "consultation = 'c-other'",
    "actor = 'p-other'",
    "actor_role = 'staff'",
    "subject = NULL",
    "subject_role = 'relative'",
    "assurance = 'none'",
    "outcome = 'token-expired'",
    "detail = 'x'",
    "seq = 1000",
  };

  (void)data;
  for (guint i = 0; i < G_N_ELEMENTS(edits); i++) {
    g_autofree char *sql = g_strdup_printf(
        "DROP TRIGGER audit_append_only; UPDATE audit SET %s WHERE seq = 30", edits[i]);

    if (i > 0) { /* a fresh file per edit */
      store_fixture_teardown(f, NULL);
      store_fixture_setup(f, NULL);
    }
    append_100(f);
    g_assert_cmpint(tamper(f, sql), ==, SQLITE_OK);
    /* moving seq 30 to 1000 shows as "31 does not follow 29" */
    assert_broken_at(f, g_str_has_prefix(edits[i], "seq") ? 31 : 30);
    g_test_message("edit %s detected", edits[i]);
  }
}

static void test_tamper_delete_middle(StoreFixture *f, gconstpointer data)
{
  (void)data;
  append_100(f);
  g_assert_cmpint(tamper(f, "DELETE FROM audit WHERE seq = 50"), ==, SQLITE_OK);
  assert_broken_at(f, 51);
}

static void test_tamper_delete_last(StoreFixture *f, gconstpointer data)
{
  (void)data;
  append_100(f);
  g_assert_cmpint(tamper(f, "DELETE FROM audit WHERE seq >= 98"), ==, SQLITE_OK);
  assert_broken_at(f, 98);
}

static void test_tamper_insert(StoreFixture *f, gconstpointer data)
{
  (void)data;
  append_100(f);
  /* a row added after the last one, copying the last hash as prev */
  g_assert_cmpint(tamper(f, "INSERT INTO audit (seq, time_us, event, consultation, outcome, prev,"
                            " hash) SELECT 101, time_us, 'admit', 'c-even', 'ok', hash,"
                            " hash FROM audit WHERE seq = 100"),
                  ==, SQLITE_OK);
  assert_broken_at(f, 101);
}

static void test_tamper_insert_middle(StoreFixture *f, gconstpointer data)
{
  (void)data;
  append_100(f);
  /* replace seq 40 with an invented record that keeps seq and prev */
  g_assert_cmpint(tamper(f, "DELETE FROM audit WHERE seq = 40;"
                            "INSERT INTO audit (seq, time_us, event, prev, hash)"
                            " SELECT 40, time_us, 'end', hash, hash FROM audit WHERE seq = 39"),
                  ==, SQLITE_OK);
  assert_broken_at(f, 40);
}

static void test_prune(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL, after = NULL;
  json_error_t jerr;
  json_t *rec39;

  (void)data;
  append_100(f);
  before = export(f, 0, NULL);
  rec39 = json_loads(g_ptr_array_index(before, 38), 0, &jerr);

  /* older than record 40's time: records 1..39 go */
  g_assert_true(nara_store_audit_prune(f->store, T0_MS + 39 * G_USEC_PER_SEC, &error));
  g_assert_no_error(error);
  assert_verifies(f, 61);
  after = export(f, 0, NULL);
  g_assert_cmpuint(after->len, ==, 61);
  /* the first kept record still links to the pruned one: the anchor */
  check_export_chain(after, json_string_value(json_object_get(rec39, "hash")));
  json_decref(rec39);

  /* pruning again at the same cut-off changes nothing */
  g_assert_true(nara_store_audit_prune(f->store, T0_MS + 39 * G_USEC_PER_SEC, &error));
  assert_verifies(f, 61);

  /* the chain continues after a prune and a restart */
  store_fixture_reopen(f);
  append(f, T0 + 200 * G_USEC_PER_SEC, "end", "c-even", NULL);
  assert_verifies(f, 62);
  {
    g_autoptr(GPtrArray) last = export(f, 100, NULL);
    g_assert_cmpuint(last->len, ==, 1);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(last, 0), "{\"seq\":101,"));
  }

  /* prune everything: the anchor alone carries the chain on */
  g_assert_true(nara_store_audit_prune(f->store, T0 + 1000 * G_USEC_PER_SEC, &error));
  g_assert_no_error(error);
  assert_verifies(f, 0);
  g_ptr_array_unref(export(f, 0, NULL));
  append(f, T0 + 2000 * G_USEC_PER_SEC, "consultation-created", "c-new", NULL);
  assert_verifies(f, 1);
  {
    g_autoptr(GPtrArray) last = export(f, 0, NULL);
    g_assert_cmpuint(last->len, ==, 1);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(last, 0), "{\"seq\":102,"));
  }
  /* a record that reappears before the anchor is caught */
  g_assert_cmpint(tamper(f, "INSERT INTO audit (seq, time_us, event, prev, hash)"
                            " VALUES (5, 0, 'admit', 'x', 'y')"),
                  ==, SQLITE_OK);
  assert_broken_at(f, 5);
}

/* Never prune a broken chain: that would erase the evidence. */
static void test_prune_refuses_corrupt(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void)data;
  append_100(f);
  g_assert_cmpint(tamper(f, "DELETE FROM audit WHERE seq = 10"), ==, SQLITE_OK);
  g_assert_false(nara_store_audit_prune(f->store, T0 + 50 * G_USEC_PER_SEC, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CORRUPT);
  g_clear_error(&error);
  {
    g_autoptr(GPtrArray) lines = export(f, 0, NULL);
    g_assert_cmpuint(lines->len, ==, 99);
  }
}

static void test_export_filter(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) even = NULL, odd = NULL, since = NULL, both = NULL, none = NULL;

  (void)data;
  append_100(f);
  even = export(f, 0, "c-even");
  odd = export(f, 0, "c-odd");
  g_assert_cmpuint(even->len, ==, 50);
  g_assert_cmpuint(odd->len, ==, 50);
  for (guint i = 0; i < even->len; i++) {
    g_assert_nonnull(strstr(g_ptr_array_index(even, i), "\"consultation\":\"c-even\""));
    g_assert_nonnull(strstr(g_ptr_array_index(odd, i), "\"consultation\":\"c-odd\""));
  }
  since = export(f, 90, NULL);
  g_assert_cmpuint(since->len, ==, 10);
  g_assert_true(g_str_has_prefix(g_ptr_array_index(since, 0), "{\"seq\":91,"));
  both = export(f, 90, "c-even");
  g_assert_cmpuint(both->len, ==, 5);
  /* c-even holds the odd seqs (record i has seq i + 1) */
  g_assert_true(g_str_has_prefix(g_ptr_array_index(both, 0), "{\"seq\":91,"));
  none = export(f, 0, "c-nothing");
  g_assert_cmpuint(none->len, ==, 0);
}

static void test_restart(StoreFixture *f, gconstpointer data)
{
  (void)data;
  append_100(f);
  store_fixture_reopen(f);
  assert_verifies(f, 100);
  append(f, T0 + 500 * G_USEC_PER_SEC, "end", "c-odd", NULL);
  assert_verifies(f, 101);
}

static void test_invalid(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  NaraAuditRecord no_event = { .outcome = "ok" };

  (void)data;
  g_assert_false(nara_store_audit_append(f->store, &no_event, &error));
  g_assert_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID);
  /* bytes that are not UTF-8 are stored replaced, and still verify */
  append(f, T0, "leave", "c-\xff\xfe", "reason=\xc3");
  assert_verifies(f, 1);
  lines = export(f, 0, NULL);
  g_assert_nonnull(strstr(g_ptr_array_index(lines, 0), "\"consultation\":\"c-\xef\xbf\xbd"));
  check_export_chain(lines, ZEROS);
}

#define N_EACH 150

/* Two processes on one PostgreSQL database (two nodes) append at once,
 * one record at a time and in group commits: the advisory lock serialises
 * them into one chain that verifies, with every record in it. */
static void test_two_writers(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  pid_t child;
  int status = 0;

  (void)data;
  if (!store_test_pg()) {
    g_test_skip("PostgreSQL only: one SQLite file has one writer");
    return;
  }
  child = fork();
  g_assert_cmpint(child, >=, 0);
  if (child == 0) {
    /* The parent's connection is left alone: closing it here would end it. */
    NaraStore *node = store_fixture_open_another(f);
    gboolean ok = TRUE;

    for (int i = 0; ok && i < N_EACH; i++) {
      NaraAuditRecord r = { .time_us = T0 + i, .event = "admit", .consultation = "c-child" };
      ok = nara_store_audit_append(node, &r, NULL);
    }
    nara_store_close(node);
    _exit(ok ? 0 : 1);
  }
  for (int i = 0; i < N_EACH; i++) {
    NaraAuditRecord r = { .time_us = T0 + i, .event = "leave", .consultation = "c-parent" };

    if (i % 2)
      nara_store_audit_append_async(f->store, &r, NULL, NULL);
    else
      g_assert_true(nara_store_audit_append(f->store, &r, &error));
  }
  nara_store_flush(f->store);
  g_assert_cmpint(waitpid(child, &status, 0), ==, child);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_verifies(f, 2 * N_EACH);
  {
    g_autoptr(GPtrArray) lines = export(f, 0, NULL);
    g_autoptr(GPtrArray) mine = export(f, 0, "c-child");
    g_assert_cmpuint(lines->len, ==, 2 * N_EACH);
    g_assert_cmpuint(mine->len, ==, N_EACH);
    check_export_chain(lines, ZEROS);
  }
}

#define ADD(name, fn)                                                                              \
  g_test_add(name, StoreFixture, NULL, store_fixture_setup, fn, store_fixture_teardown)

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  ADD("/audit/chain-100", test_chain_100);
  ADD("/audit/export-format", test_export_format);
  ADD("/audit/time-now", test_time_now);
  ADD("/audit/tamper/update", test_tamper_update);
  ADD("/audit/tamper/update-each-field", test_tamper_update_each_field);
  ADD("/audit/tamper/delete-middle", test_tamper_delete_middle);
  ADD("/audit/tamper/delete-last", test_tamper_delete_last);
  ADD("/audit/tamper/insert", test_tamper_insert);
  ADD("/audit/tamper/insert-middle", test_tamper_insert_middle);
  ADD("/audit/prune", test_prune);
  ADD("/audit/prune-refuses-corrupt", test_prune_refuses_corrupt);
  ADD("/audit/export-filter", test_export_filter);
  ADD("/audit/restart", test_restart);
  ADD("/audit/invalid", test_invalid);
  ADD("/audit/postgresql/two-writers", test_two_writers);
  return g_test_run();
}
