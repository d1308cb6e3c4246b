/* store_test_util.h — a fresh store file in a temporary directory per
 * test, removed afterwards. Test-only; no Nara logic.
 */
#pragma once

#include "store.h"

typedef struct {
  char *dir;
  char *path;
  NaraStore *store;
} StoreFixture;

void store_fixture_setup(StoreFixture *f, gconstpointer data);
void store_fixture_teardown(StoreFixture *f, gconstpointer data);
/* Closes and reopens f->store on the same file (a server restart). */
void store_fixture_reopen(StoreFixture *f);
