/* test_histogram.c — buckets are cumulative in the text, a value on a
 * bound falls into that bound's bucket (Prometheus' `le`), values above
 * every bound only into +Inf, and the numbers are C-locale.
 */
#include "histogram.h"

#include <string.h>

static void test_histogram(void)
{
  static const double bounds[] = { 0.1, 1, 2.5 };
  NaraHistogram h;
  g_autoptr(GString) out = g_string_new(NULL);

  nara_histogram_init(&h, bounds, G_N_ELEMENTS(bounds));
  nara_histogram_observe(&h, 0.05);
  nara_histogram_observe(&h, 0.1);
  nara_histogram_observe(&h, 0.7);
  nara_histogram_observe(&h, 9);
  nara_histogram_render(&h, "nara_x_seconds", "An example.", out);
  g_assert_cmpstr(out->str, ==,
                  "# HELP nara_x_seconds An example.\n"
                  "# TYPE nara_x_seconds histogram\n"
                  "nara_x_seconds_bucket{le=\"0.1\"} 2\n"
                  "nara_x_seconds_bucket{le=\"1\"} 3\n"
                  "nara_x_seconds_bucket{le=\"2.5\"} 3\n"
                  "nara_x_seconds_bucket{le=\"+Inf\"} 4\n"
                  "nara_x_seconds_sum 9.850000\n"
                  "nara_x_seconds_count 4\n");
}

static void test_empty(void)
{
  NaraHistogram h;
  g_autoptr(GString) out = g_string_new(NULL);

  nara_histogram_init(&h, nara_histogram_wait_bounds, nara_histogram_n_wait_bounds);
  nara_histogram_render(&h, "nara_y_seconds", "Empty.", out);
  g_assert_nonnull(strstr(out->str, "nara_y_seconds_bucket{le=\"0.005\"} 0\n"));
  g_assert_nonnull(strstr(out->str, "nara_y_seconds_bucket{le=\"30\"} 0\n"));
  g_assert_nonnull(strstr(out->str, "nara_y_seconds_count 0\n"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/histogram/buckets", test_histogram);
  g_test_add_func("/histogram/empty", test_empty);
  return g_test_run();
}
