/* metrics.c — GET /metrics in the Prometheus text format (0.0.4).
 *
 * Gathers signaling's session and room counts, media's counters (a
 * snapshot of relaxed atomics, nothing locked on the packet path) and the
 * process's open fds, threads and resident memory from /proc/self, and
 * writes one HELP, TYPE and sample line each; signaling adds its latency
 * histograms, and /proc/self/task the CPU seconds of Nara's own threads.
 * It keeps no state between scrapes; the only labels are histogram
 * buckets and thread names, never rooms or people.
 * Threading: control thread.
 */
#include "metrics.h"

#include <string.h>
#include <unistd.h>

typedef struct {
  const char *name;
  const char *type; /* "gauge" or "counter" */
  const char *help;
  guint64 value;
  gboolean known; /* FALSE: /proc did not say; the sample is left out */
} Metric;

/* Entries of /proc/self/fd, less the one this read opens. */
static gboolean open_fds(guint64 *n)
{
  GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
  if (!dir)
    return FALSE;
  *n = 0;
  while (g_dir_read_name(dir))
    (*n)++;
  g_dir_close(dir);
  *n = *n > 0 ? *n - 1 : 0;
  return TRUE;
}

/* "Threads:\t12" in /proc/self/status. */
static gboolean threads(guint64 *n)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents("/proc/self/status", &text, NULL, NULL))
    return FALSE;
  const char *line = strstr(text, "\nThreads:");
  if (!line)
    return FALSE;
  *n = g_ascii_strtoull(line + strlen("\nThreads:"), NULL, 10);
  return *n > 0;
}

/* /proc/self/statm: "size resident shared ..." in pages. */
static gboolean resident_bytes(guint64 *n)
{
  g_autofree char *text = NULL;
  char *end = NULL;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0 || !g_file_get_contents("/proc/self/statm", &text, NULL, NULL))
    return FALSE;
  g_ascii_strtoull(text, &end, 10);
  if (!end || *end != ' ')
    return FALSE;
  *n = g_ascii_strtoull(end + 1, NULL, 10) * (guint64)page;
  return TRUE;
}

/* CPU seconds of the threads that matter, from /proc/self/task/TID/stat
 * ("tid (comm) state ... utime stime ..."; comm may hold spaces and
 * parentheses, so fields are counted from its last ')'). The media workers
 * are "nara-media-N", the store's writer "nara-store"; the thread whose id
 * is the process id is the control thread. */
static void thread_cpu(GString *out)
{
  long ticks = sysconf(_SC_CLK_TCK);
  GDir *dir = g_dir_open("/proc/self/task", 0, NULL);
  const char *tid;
  gboolean any = FALSE;

  if (!dir || ticks <= 0) {
    g_clear_pointer(&dir, g_dir_close);
    return;
  }
  while ((tid = g_dir_read_name(dir))) {
    g_autofree char *path = g_strdup_printf("/proc/self/task/%s/stat", tid);
    g_autofree char *text = NULL;
    char *open, *close, *end;
    if (!g_file_get_contents(path, &text, NULL, NULL) || !(open = strchr(text, '('))
        || !(close = strrchr(text, ')')))
      continue;
    *close = '\0';
    const char *comm = open + 1;
    gboolean control = g_ascii_strtoull(tid, NULL, 10) == (guint64)getpid();
    if (!control && !g_str_has_prefix(comm, "nara-media-") && !g_str_equal(comm, "nara-store"))
      continue;
    /* After ')': state is field 3, utime 14, stime 15. */
    char *p = close + 1;
    for (int field = 3; field < 14 && p; field++)
      p = strchr(p + 1, ' ');
    if (!p)
      continue;
    guint64 utime = g_ascii_strtoull(p + 1, &end, 10);
    guint64 stime = g_ascii_strtoull(end, NULL, 10);
    if (!any)
      g_string_append(out, "# HELP nara_thread_cpu_seconds_total CPU time of the control thread, "
                           "each media worker and the store thread.\n"
                           "# TYPE nara_thread_cpu_seconds_total counter\n");
    any = TRUE;
    char seconds[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(seconds, sizeof seconds, "%.2f", (double)(utime + stime) / (double)ticks);
    g_string_append_printf(out, "nara_thread_cpu_seconds_total{thread=\"%s\"} %s\n",
                           control ? "control" : comm, seconds);
  }
  g_dir_close(dir);
}

/* Subscribers' round trips, one sample per Receiver Report that answers a
 * Sender Report, as a Prometheus histogram (cumulative buckets). */
static void rtt_histogram(GString *out, const NaraMediaStats *stats)
{
  static const guint bounds_ms[NARA_RTT_N_BUCKETS] = NARA_RTT_BUCKETS_MS;
  guint64 count = 0;
  char value[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append(out, "# HELP nara_media_rtt_seconds Round trip to subscribers, from their "
                       "Receiver Reports.\n# TYPE nara_media_rtt_seconds histogram\n");
  for (guint b = 0; b < NARA_RTT_N_BUCKETS; b++) {
    count += stats->rtt_buckets[b];
    g_ascii_formatd(value, sizeof value, "%g", bounds_ms[b] / 1000.0);
    g_string_append_printf(out, "nara_media_rtt_seconds_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n",
                           value, count);
  }
  count += stats->rtt_buckets[NARA_RTT_N_BUCKETS];
  g_ascii_formatd(value, sizeof value, "%.6f", (double)stats->rtt_sum_us / G_USEC_PER_SEC);
  g_string_append_printf(out,
                         "nara_media_rtt_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n"
                         "nara_media_rtt_seconds_sum %s\n"
                         "nara_media_rtt_seconds_count %" G_GUINT64_FORMAT "\n",
                         count, value, count);
}

GString *nara_metrics_render(NaraSignaling *signaling, NaraMedia *media)
{
  NaraMediaStats stats;
  guint64 fds = 0, n_threads = 0, rss = 0;
  gboolean have_fds = open_fds(&fds), have_threads = threads(&n_threads),
           have_rss = resident_bytes(&rss);

  nara_media_get_stats(media, &stats);
  const Metric metrics[] = {
    { "nara_sessions", "gauge", "WebSocket sessions open.", nara_signaling_n_sessions(signaling),
      TRUE },
    { "nara_rooms", "gauge", "Rooms in signaling (open rooms and live consultations).",
      nara_signaling_n_rooms(signaling), TRUE },
    { "nara_media_rooms", "gauge", "Media rooms alive on the workers, not yet freed.",
      stats.live_rooms, TRUE },
    { "nara_media_peers", "gauge",
      "Peer connections alive on the workers, not yet freed (two per participant).",
      stats.live_peers, TRUE },
    { "nara_media_workers", "gauge", "Media worker threads.", stats.workers, TRUE },
    { "nara_media_packets_received_total", "counter", "RTP packets received from publishers.",
      stats.packets_in, TRUE },
    { "nara_media_packets_forwarded_total", "counter", "RTP packets sent to subscribers.",
      stats.packets_forwarded, TRUE },
    { "nara_media_bytes_forwarded_total", "counter", "Bytes of SRTP sent to subscribers.",
      stats.bytes_forwarded, TRUE },
    { "nara_media_packets_dropped_total", "counter",
      "Packets dropped: malformed, failed SRTP, unknown source or no route.", stats.packets_dropped,
      TRUE },
    { "nara_media_srtp_failures_total", "counter",
      "SRTP and SRTCP packets that failed to unprotect.", stats.srtp_failures, TRUE },
    { "nara_media_nacks_received_total", "counter",
      "Sequence numbers subscribers asked to have retransmitted.", stats.nacks_received, TRUE },
    { "nara_media_rtx_sent_total", "counter", "Retransmissions sent to subscribers.",
      stats.rtx_sent, TRUE },
    { "nara_media_probe_packets_total", "counter",
      "Copies sent to show that a subscriber's downlink carries a larger layer.",
      stats.probe_packets, TRUE },
    { "nara_media_nacks_sent_total", "counter", "Sequence numbers asked of publishers (NACK).",
      stats.nacks_sent, TRUE },
    { "nara_media_plis_sent_total", "counter", "Keyframe requests (PLI) sent to publishers.",
      stats.plis_sent, TRUE },
    { "nara_media_keyframe_requests_received_total", "counter",
      "Keyframe requests (PLI, FIR) received from subscribers.", stats.keyframe_requests_received,
      TRUE },
    { "nara_media_layer_switches_total", "counter",
      "Simulcast layer switches made for subscribers.", stats.layer_switches, TRUE },
    { "nara_media_temporal_dropped_total", "counter",
      "Video packets of temporal layers not sent to subscribers whose link takes fewer frames.",
      stats.temporal_dropped, TRUE },
    { "nara_media_packets_lost_upstream_total", "counter",
      "Publishers' RTP packets that never reached Nara (as its Receiver Reports count them).",
      stats.lost_upstream, TRUE },
    { "nara_media_packets_lost_downstream_total", "counter",
      "RTP packets subscribers report lost in their Receiver Reports.", stats.lost_downstream,
      TRUE },
    { "nara_process_open_fds", "gauge", "Open file descriptors.", fds, have_fds },
    { "nara_process_threads", "gauge", "Threads of the process.", n_threads, have_threads },
    { "nara_process_resident_bytes", "gauge", "Resident memory size in bytes.", rss, have_rss },
  };

  GString *out = g_string_sized_new(2048);
  for (guint i = 0; i < G_N_ELEMENTS(metrics); i++) {
    const Metric *m = &metrics[i];
    if (!m->known)
      continue;
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n", m->name,
                           m->help, m->name, m->type, m->name, m->value);
  }
  rtt_histogram(out, &stats);
  nara_signaling_render_metrics(signaling, out);
  thread_cpu(out);
  return out;
}
