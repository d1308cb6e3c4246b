/* test_language_list.c — a booked participant's languages: BCP 47 tags
 * separated by commas, bounded in number and length, no repeats.
 */
#include "language_list.h"

static void test_tags(void)
{
  static const struct {
    const char *tag;
    gboolean valid;
  } cases[] = {
    { "sv", TRUE },
    { "ar-SY", TRUE },
    { "sgn-SE", TRUE },
    { "zh-Hant-TW", TRUE },
    { "ti", TRUE },
    { "x", FALSE },
    { "", FALSE },
    { "sv-", FALSE },
    { "-sv", FALSE },
    { "sv--SE", FALSE },
    { "svenska", FALSE },
    { "s1", FALSE },
    { "sv SE", FALSE },
    { "sv-abcdefghi", FALSE },
    { "sv_SE", FALSE },
    { "en-aaaaaaaa-bbbbbbbb-cccccccc-ddddd", TRUE }, /* 35 bytes */
    { "en-aaaaaaaa-bbbbbbbb-cccccccc-dddddd", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpint(nara_language_tag_valid(cases[i].tag), ==, cases[i].valid);
}

static void test_lists(void)
{
  const char *problem = NULL;
  g_autofree char *a = nara_language_list_clean("sv", &problem);
  g_autofree char *b = nara_language_list_clean(" sv , ar ", &problem);
  g_autofree char *c = nara_language_list_clean("sv,sgn-SE", &problem);

  g_assert_cmpstr(a, ==, "sv");
  g_assert_cmpstr(b, ==, "sv,ar");
  g_assert_cmpstr(c, ==, "sv,sgn-SE");
  static const char *const bad[] = {
    "", ",", "sv,", "sv,,ar", "sv,SV", "a,b", "sv;ar", "sv,ar,fi,da,nb,en,de,fr,es",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    problem = NULL;
    g_assert_null(nara_language_list_clean(bad[i], &problem));
    g_assert_nonnull(problem);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/language-list/tags", test_tags);
  g_test_add_func("/language-list/lists", test_lists);
  return g_test_run();
}
