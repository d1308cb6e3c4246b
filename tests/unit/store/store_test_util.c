/* store_test_util.c — a fresh store per test on SQLite or PostgreSQL.
 *
 * SQLite: a private directory per test (g_dir_make_tmp), the database and
 * its -wal and -shm files deleted afterwards. PostgreSQL: a schema named
 * after the test binary, dropped and made again for each test, reached
 * through search_path in the conninfo; so the test binaries can share one
 * server without seeing each other's tables.
 */
#include "store_test_util.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <sqlite3.h>

gboolean store_test_pg(void)
{
  const char *pg = g_getenv("NARA_TEST_PG");

  return pg != NULL && pg[0] != '\0';
}

static char *schema_name(void)
{
  g_autofree char *name = g_ascii_strdown(g_get_prgname() ? g_get_prgname() : "store", -1);

  g_strcanon(name, "abcdefghijklmnopqrstuvwxyz0123456789", '_');
  return g_strconcat("t_", name, NULL);
}

/* Runs sql on NARA_TEST_PG (no search_path); 0 when it worked. */
static int pg_exec(const char *conninfo, const char *sql)
{
  PGconn *conn = PQconnectdb(conninfo);
  PGresult *res;
  int rc = 1;

  if (PQstatus(conn) != CONNECTION_OK)
    g_error("test PostgreSQL: %s", PQerrorMessage(conn));
  PQclear(PQexec(conn, "SET client_min_messages = warning"));
  res = PQexec(conn, sql);
  if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
    rc = 0;
  else
    g_test_message("SQL refused: %s", PQresultErrorMessage(res));
  PQclear(res);
  PQfinish(conn);
  return rc;
}

static void open_store(StoreFixture *f)
{
  g_autoptr(GError) error = NULL;

  f->store = f->conninfo ? nara_store_open_postgresql(f->conninfo, &error)
                         : nara_store_open_sqlite(f->path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->store);
}

void store_fixture_setup(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void)data;
  memset(f, 0, sizeof *f);
  if (store_test_pg()) {
    g_autofree char *schema = schema_name();
    g_autofree char *sql
        = g_strdup_printf("DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);

    g_assert_cmpint(pg_exec(g_getenv("NARA_TEST_PG"), sql), ==, 0);
    f->conninfo
        = g_strdup_printf("%s options='-csearch_path=%s'", g_getenv("NARA_TEST_PG"), schema);
  } else {
    f->dir = g_dir_make_tmp("nara-store-XXXXXX", &error);
    g_assert_no_error(error);
    f->path = g_build_filename(f->dir, "nara.db", NULL);
  }
  open_store(f);
}

void store_fixture_reopen(StoreFixture *f)
{
  nara_store_close(f->store);
  open_store(f);
}

NaraStore *store_fixture_open_another(StoreFixture *f)
{
  NaraStore *saved = f->store, *other;

  open_store(f);
  other = f->store;
  f->store = saved;
  return other;
}

int store_fixture_sql(StoreFixture *f, const char *sql)
{
  sqlite3 *db = NULL;
  int rc;

  if (f->conninfo) {
    g_autofree char *pg = NULL;
    g_auto(GStrv) parts = g_strsplit(sql, "DROP TRIGGER audit_append_only;", -1);

    pg = g_strjoinv("DROP TRIGGER audit_append_only ON audit;", parts);
    return pg_exec(f->conninfo, pg);
  }
  g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
  rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_close(db);
  return rc;
}

void store_fixture_teardown(StoreFixture *f, gconstpointer data)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  (void)data;
  g_clear_pointer(&f->store, nara_store_close);
  for (guint i = 0; f->path && i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *p = g_strconcat(f->path, suffixes[i], NULL);
    g_remove(p);
  }
  if (f->dir)
    g_rmdir(f->dir);
  g_clear_pointer(&f->path, g_free);
  g_clear_pointer(&f->dir, g_free);
  g_clear_pointer(&f->conninfo, g_free);
}
