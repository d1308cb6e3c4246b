/* histogram.h — a fixed-bucket histogram in the Prometheus shape.
 *
 * For latencies an operator watches (join time, store round trips): the
 * bucket bounds are fixed at compile time, an observation is a few
 * comparisons and additions, and rendering writes the cumulative
 * `_bucket{le=…}`, `_sum` and `_count` lines of the text format 0.0.4.
 *
 * Threading: not thread-safe; each histogram belongs to one thread (the
 * control thread for every one Nara has), which also renders it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_HISTOGRAM_MAX_BUCKETS 16

typedef struct {
  const double *bounds;                           /* ascending upper bounds, without +Inf */
  guint n_bounds;                                 /* at most NARA_HISTOGRAM_MAX_BUCKETS */
  guint64 counts[NARA_HISTOGRAM_MAX_BUCKETS + 1]; /* per bucket, not cumulative; last: +Inf */
  double sum;
  guint64 count;
} NaraHistogram;

/* bounds: (transfer none) must outlive the histogram (a static array). */
void nara_histogram_init(NaraHistogram *h, const double *bounds, guint n_bounds);
void nara_histogram_observe(NaraHistogram *h, double value);
/* Appends HELP, TYPE and every sample line of name to out. */
void nara_histogram_render(const NaraHistogram *h, const char *name, const char *help,
                           GString *out);

/* Bounds in seconds for things people wait for: 5 ms to 30 s. */
extern const double nara_histogram_wait_bounds[];
extern const guint nara_histogram_n_wait_bounds;

G_END_DECLS
