/* store_test_util.h — a fresh store per test, removed afterwards, on the
 * backend the run names: SQLite in a temporary directory, or, when
 * NARA_TEST_PG holds a libpq conninfo (tests/pg/with-postgres.sh sets it),
 * a fresh schema in that PostgreSQL database. Test-only; no Nara logic.
 */
#pragma once

#include "store.h"

typedef struct {
  char *dir;
  char *path;     /* SQLite: the file */
  char *conninfo; /* PostgreSQL: NARA_TEST_PG plus this test's search_path */
  NaraStore *store;
} StoreFixture;

void store_fixture_setup(StoreFixture *f, gconstpointer data);
void store_fixture_teardown(StoreFixture *f, gconstpointer data);
/* Closes and reopens f->store on the same database (a server restart). */
void store_fixture_reopen(StoreFixture *f);
/* (transfer full) Another store on the same database: a second node. */
NaraStore *store_fixture_open_another(StoreFixture *f);
/* TRUE when the run is against PostgreSQL. */
gboolean store_test_pg(void);
/* Raw SQL on the database behind the store's back, as someone with access
 * to it would; 0 when it worked. "DROP TRIGGER audit_append_only" is
 * given in SQLite's words and said in PostgreSQL's there. */
int store_fixture_sql(StoreFixture *f, const char *sql);
