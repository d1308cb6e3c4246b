/* test_http.c — the page paths the listener serves index.html for:
 * /c/ID takes 1-39 of A-Z a-z 0-9 - _ (the room-name characters,
 * common/room_name.c, with the bound of a consultation id).
 */
#include "http.h"

static void test_consultation_id(void)
{
  g_assert_true(nara_http_consultation_id_valid("c-Ab_9-x"));
  g_assert_false(nara_http_consultation_id_valid(""));
  g_assert_false(nara_http_consultation_id_valid("c-a/b"));
  g_assert_false(nara_http_consultation_id_valid("c-0123456789012345678901234567890123456789"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/http/consultation-id", test_consultation_id);
  return g_test_run();
}
