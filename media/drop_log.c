/* drop_log.c — the module-wide drop line limiter (see drop_log.h). */
#include "drop_log.h"

#include <stdatomic.h>

static _Atomic gint64 last_line_us;
static atomic_uint unlogged_drops;

gboolean nara_drop_log_claim(guint *unlogged)
{
  gint64 now = g_get_monotonic_time();
  gint64 last = atomic_load_explicit(&last_line_us, memory_order_relaxed);

  if (now - last < G_USEC_PER_SEC
      || !atomic_compare_exchange_strong_explicit(&last_line_us, &last, now, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    atomic_fetch_add_explicit(&unlogged_drops, 1, memory_order_relaxed);
    return FALSE;
  }
  *unlogged = atomic_exchange_explicit(&unlogged_drops, 0, memory_order_relaxed);
  return TRUE;
}
