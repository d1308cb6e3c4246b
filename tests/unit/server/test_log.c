/* test_log.c — log lines cannot be forged: what a client sent (an Origin
 * header with an escape sequence, a newline, bytes that are not UTF-8) is
 * written escaped; ordinary text and UTF-8 names of rooms pass unchanged. */
#include <glib.h>

#include "log.h"

static void test_escape(void)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    { "room demo: p-1 joined", "room demo: p-1 joined" },
    { "Origin https://evil\x1b[2J\nFAKE INFO ok", "Origin https://evil\\x1b[2J\\x0aFAKE INFO ok" },
    { "tab\there", "tab\\x09here" },
    { "del\x7f", "del\\x7f" },
    { "bad \xff\xfe utf-8", "bad \\xff\\xfe utf-8" },
    { "Åsa back\\slash", "Åsa back\\\\slash" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = nara_log_escape(cases[i].in);
    g_assert_cmpstr(got, ==, cases[i].out);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/log/escape", test_escape);
  return g_test_run();
}
