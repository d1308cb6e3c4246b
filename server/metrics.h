/* metrics.h — the body of GET /metrics.
 *
 * Counts only (sessions, rooms, live media objects, packet counters, the
 * process's fds, threads and resident memory), in the Prometheus text
 * exposition format 0.0.4. No names, ids or addresses: nothing a viewer
 * could tie to a person. Serving it is http.c's job.
 *
 * Threading: control thread (it reads signaling, and media's counters
 * through nara_media_get_stats()).
 */
#pragma once

#include <glib.h>

#include "media.h"
#include "signaling.h"

G_BEGIN_DECLS

#define NARA_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* (transfer full) The exposition text. signaling and media (transfer none). */
GString *nara_metrics_render(NaraSignaling *signaling, NaraMedia *media);

G_END_DECLS
