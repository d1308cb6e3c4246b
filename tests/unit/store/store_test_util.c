/* store_test_util.c — temporary store files for the store tests.
 *
 * Creates a private directory per test with g_dir_make_tmp and deletes the
 * database, its -wal and -shm files and the directory afterwards.
 */
#include "store_test_util.h"

#include <glib/gstdio.h>

void store_fixture_setup(StoreFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void)data;
  f->dir = g_dir_make_tmp("nara-store-XXXXXX", &error);
  g_assert_no_error(error);
  f->path = g_build_filename(f->dir, "nara.db", NULL);
  f->store = nara_store_open_sqlite(f->path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->store);
}

void store_fixture_reopen(StoreFixture *f)
{
  g_autoptr(GError) error = NULL;

  nara_store_close(f->store);
  f->store = nara_store_open_sqlite(f->path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->store);
}

void store_fixture_teardown(StoreFixture *f, gconstpointer data)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  (void)data;
  g_clear_pointer(&f->store, nara_store_close);
  for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    g_autofree char *p = g_strconcat(f->path, suffixes[i], NULL);
    g_remove(p);
  }
  g_rmdir(f->dir);
  g_free(f->path);
  g_free(f->dir);
}
