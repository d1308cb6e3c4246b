/* test_random_id.c — random ids: the prefix, 16 base64url characters, no
 * two alike in a few thousand; random bytes fill the whole buffer.
 */
#include <string.h>

#include "random_id.h"

static void test_id(void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 4096; i++) {
    char id[NARA_RANDOM_ID_SIZE(2)];

    nara_random_id("c-", id, sizeof id);
    g_assert_cmpuint(strlen(id), ==, 2 + 16);
    g_assert_true(g_str_has_prefix(id, "c-"));
    for (const char *p = id + 2; *p; p++)
      g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');
    g_assert_true(g_hash_table_add(seen, g_strdup(id)));
  }
  {
    char bare[NARA_RANDOM_ID_SIZE(0)];
    nara_random_id("", bare, sizeof bare);
    g_assert_cmpuint(strlen(bare), ==, 16);
  }
}

static void test_bytes(void)
{
  guint8 a[64] = { 0 }, b[64] = { 0 };

  nara_random_bytes(a, sizeof a);
  nara_random_bytes(b, sizeof b);
  /* 2^-512 of failing by chance */
  g_assert_true(memcmp(a, b, sizeof a) != 0);
  nara_random_bytes(a, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/random-id", test_id);
  g_test_add_func("/common/random-bytes", test_bytes);
  return g_test_run();
}
