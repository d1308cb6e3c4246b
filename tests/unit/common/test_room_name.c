/* test_room_name.c — the room-name rule the HTTP listener and signaling
 * share: 1-64 of A-Z a-z 0-9 - _, nothing that needs escaping or climbs
 * out of a folder; and the same characters with another bound (ids).
 */
#include "room_name.h"

static void test_room_name(void)
{
  static const struct {
    const char *name;
    gboolean valid;
  } cases[] = {
    { "demo", TRUE },
    { "A-z_09", TRUE },
    { "0123456789012345678901234567890123456789012345678901234567890123", TRUE }, /* 64 */
    { "01234567890123456789012345678901234567890123456789012345678901234", FALSE },
    { "", FALSE },
    { "a b", FALSE },
    { "../x", FALSE },
    { "a/b", FALSE },
    { "a.b", FALSE },
    { "rüm", FALSE },
    { "a%20b", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpint(nara_room_name_is_valid(cases[i].name), ==, cases[i].valid);
}

static void test_bound(void)
{
  g_assert_true(nara_url_word_valid("x", 1));
  g_assert_false(nara_url_word_valid("xy", 1));
  g_assert_true(nara_url_word_valid("abc-DEF_123", 39));
  g_assert_false(nara_url_word_valid("", 39));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/room-name/rule", test_room_name);
  g_test_add_func("/common/room-name/bound", test_bound);
  return g_test_run();
}
