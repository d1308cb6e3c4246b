/* telemetry.c — what signaling measures for /metrics.
 *
 * Owns the join-time histogram (a join request to its `joined` or
 * `waiting` answer: token check, store round trips, room entry) and
 * renders it with the store-latency histogram (observed in store_wait.c)
 * and the draining gauge. Nothing here is per participant or labelled by
 * room: a scrape tells how the node is doing, not who is on it.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "registry.h"

void nara_telemetry_join_started(NaraSession *session)
{
  session->join_started_us = g_get_monotonic_time();
}

void nara_telemetry_join_answered(NaraSession *session)
{
  if (!session->join_started_us)
    return; /* admitted from the waiting room: its join was answered already */
  nara_histogram_observe(&session->sig->join_seconds,
                         (double)(g_get_monotonic_time() - session->join_started_us)
                             / G_USEC_PER_SEC);
  session->join_started_us = 0;
}

void nara_signaling_render_metrics(NaraSignaling *sig, GString *out)
{
  nara_histogram_render(&sig->join_seconds, "nara_join_seconds",
                        "Seconds from a join request to its joined or waiting answer.", out);
  nara_histogram_render(&sig->store_seconds, "nara_store_seconds",
                        "Seconds from a store call made for a session to its answer.", out);
  g_string_append_printf(out,
                         "# HELP nara_draining 1 after SIGTERM: no new calls start here.\n"
                         "# TYPE nara_draining gauge\nnara_draining %d\n",
                         sig->draining ? 1 : 0);
  if (sig->registry)
    nara_registry_render_metrics(sig->registry, out);
}
