/* test_display_name.c — the display-name rule signaling and the REST API
 * share: trimming, counting characters (not bytes), and refusing control
 * and invisible format characters while keeping ZWJ for emoji.
 */
#include "display_name.h"

static void test_clean(void)
{
  static const struct {
    const char *name;
    guint max_chars;
    const char *clean; /* NULL: refused */
  } cases[] = {
    { "  Astrid \t", 64, "Astrid" },
    { "Dr Lind 👩‍⚕️", 64, "Dr Lind 👩‍⚕️" }, /* ZWJ stays */
    { "éééé", 4, "éééé" },                                    /* characters, not bytes */
    { "ééééé", 4, NULL },
    { "   ", 64, NULL },
    { "", 64, NULL },
    { "a\x01b", 64, NULL },
    { "evil\u202Egnp.exe", 64, NULL }, /* bidi override */
    { "a\nb", 64, NULL },
    { "a\u2028b", 64, NULL }, /* line separator */
    /* Any script, combining marks included. */
    { "Åsa Öberg", 64, "Åsa Öberg" },
    { "A\u030Asa O\u0308berg", 64, "A\u030Asa O\u0308berg" }, /* decomposed, as macOS types it */
    { "Søren Ærø", 64, "Søren Ærø" },
    { "محمد", 64, "محمد" },
    { "علی\u200Cرضا", 64, "علی\u200Cرضا" }, /* Persian keeps ZWNJ */
    { "ትግርኛ", 64, "ትግርኛ" },
    { "Олена Коваленко", 64, "Олена Коваленко" },
    { "नमस्ते", 64, "नमस्ते" }, /* virama, vowel signs */
    /* Directional controls could reorder what the others see: refused.
     * Clients render every name isolated (dir=auto), so none is needed. */
    { "\u202Bمحمد\u202C", 64, NULL },    /* embedding */
    { "Dr \u2067محمد\u2069", 64, NULL }, /* isolate */
    { "محمد\u200F", 64, NULL },          /* RLM */
    { "Ali\u061C", 64, NULL },           /* Arabic letter mark */
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *clean = nara_display_name_clean(cases[i].name, cases[i].max_chars);
    g_assert_cmpstr(clean, ==, cases[i].clean);
  }
}

static void test_problem(void)
{
  g_assert_null(nara_display_name_problem(" Follow-up ", 1, 200));
  g_assert_null(nara_display_name_problem("ab", 2, 2));
  g_assert_cmpstr(nara_display_name_problem("  ", 1, 10), ==, "must not be empty");
  g_assert_cmpstr(nara_display_name_problem("a", 2, 10), ==, "is too short");
  g_assert_cmpstr(nara_display_name_problem("abc", 1, 2), ==, "is too long");
  g_assert_cmpstr(nara_display_name_problem("a\u200Bb", 1, 10), ==,
                  "must not contain control or invisible formatting characters");
  /* an empty text is fine where the caller allows zero characters */
  g_assert_null(nara_display_name_problem("", 0, 10));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/display-name/clean", test_clean);
  g_test_add_func("/common/display-name/problem", test_problem);
  return g_test_run();
}
