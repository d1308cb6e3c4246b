/* histogram.c — fixed-bucket histograms rendered for Prometheus.
 *
 * Owns nothing but the arithmetic and the text; the histograms live in the
 * module that observes (signaling). Threading: the owner's thread.
 */
#include "histogram.h"

const double nara_histogram_wait_bounds[]
    = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
const guint nara_histogram_n_wait_bounds = G_N_ELEMENTS(nara_histogram_wait_bounds);

void nara_histogram_init(NaraHistogram *h, const double *bounds, guint n_bounds)
{
  g_return_if_fail(n_bounds <= NARA_HISTOGRAM_MAX_BUCKETS);
  *h = (NaraHistogram){ .bounds = bounds, .n_bounds = n_bounds };
}

void nara_histogram_observe(NaraHistogram *h, double value)
{
  guint i = 0;
  while (i < h->n_bounds && value > h->bounds[i])
    i++;
  h->counts[i]++;
  h->sum += value;
  h->count++;
}

void nara_histogram_render(const NaraHistogram *h, const char *name, const char *help, GString *out)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  guint64 cumulative = 0;

  g_string_append_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
  for (guint i = 0; i < h->n_bounds; i++) {
    cumulative += h->counts[i];
    /* %g in the C locale: "0.005", "1", "30", never "0,005". */
    g_ascii_formatd(number, sizeof number, "%g", h->bounds[i]);
    g_string_append_printf(out, "%s_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n", name, number,
                           cumulative);
  }
  g_string_append_printf(out, "%s_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", name, h->count);
  g_ascii_formatd(number, sizeof number, "%.6f", h->sum);
  g_string_append_printf(out, "%s_sum %s\n%s_count %" G_GUINT64_FORMAT "\n", name, number, name,
                         h->count);
}
