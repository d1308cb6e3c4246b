/* report.c — the load tool's results: one JSON object (stdout, and the
 * --json file) and a short human summary (stderr).
 *
 * Everything is computed over the measurement window from the counters the
 * other files keep; "forwarded packets" are the RTP packets all subscribers
 * received in the window, and the server's CPU per forwarded packet is its
 * utime + stime over the window divided by them. It measures nothing itself.
 *
 * Threading: the tool's only thread, once, at the end of a run.
 */
#include "load.h"

#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

typedef struct {
  guint64 forwarded, sent, paused, lost, bytes;
  guint64 by_layer[LOAD_LAYERS];
  guint mixed; /* video subscriptions that got more than one layer in the window */
  double jitter_sum_ms, jitter_max_ms;
  guint n_streams, pcs;
} Totals;

static int cmp_u32(gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
  return x < y ? -1 : x > y;
}

static int cmp_i64(gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

/* {p50, p99, max, samples} in ms of sorted µs values. */
static json_t *percentiles_u32(GArray *v)
{
  if (v->len == 0)
    return json_pack("{s:i}", "samples", 0);
  g_array_sort(v, cmp_u32);
  guint32 *a = (guint32 *)v->data;
  return json_pack("{s:f, s:f, s:f, s:i}", "p50", a[v->len / 2] / 1000.0, "p99",
                   a[MIN(v->len - 1, (guint)(v->len * 0.99))] / 1000.0, "max",
                   a[v->len - 1] / 1000.0, "samples", (json_int_t)v->len);
}

static json_t *percentiles_i64(GArray *v)
{
  if (v->len == 0)
    return json_pack("{s:i}", "samples", 0);
  g_array_sort(v, cmp_i64);
  gint64 *a = (gint64 *)v->data;
  return json_pack("{s:f, s:f, s:f, s:i}", "p50", a[v->len / 2] / 1000.0, "min", a[0] / 1000.0,
                   "max", a[v->len - 1] / 1000.0, "samples", (json_int_t)v->len);
}

static json_t *in_stream_json(LoadTool *tool, LoadParticipant *p, LoadInStream *s, Totals *t)
{
  guint64 received = s->window_seen ? s->received - s->received_at_window : 0;
  guint64 expected = s->window_seen ? (guint64)s->cycles + s->max_seq - s->ext_max_at_window : 0;
  guint64 lost = expected > received ? expected - received : 0;
  double jitter_ms = s->jitter * 1000.0 / (s->kind == LOAD_KIND_AUDIO ? 48000.0 : 90000.0);
  const char *from = "?";
  if (s->out_stream >= 0) {
    LoadOutStream *os = &g_array_index(tool->out_streams, LoadOutStream, s->out_stream);
    from = load_tool_participant(tool, os->participant)->name;
  }
  t->forwarded += received;
  t->lost += lost;
  t->bytes += s->bytes;
  t->jitter_sum_ms += jitter_ms;
  t->jitter_max_ms = MAX(t->jitter_max_ms, jitter_ms);
  t->n_streams++;
  json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:f}", "subscriber", p->name, "publisher",
                        from, "kind", s->kind == LOAD_KIND_AUDIO ? "audio" : "video", "ssrc",
                        (json_int_t)s->ssrc, "received", (json_int_t)received, "lost",
                        (json_int_t)lost, "jitter_ms", jitter_ms);
  if (tool->opt.simulcast && s->kind == LOAD_KIND_VIDEO) {
    json_t *layers = json_object();
    guint n = 0;
    for (guint i = 0; i < LOAD_LAYERS; i++) {
      json_object_set_new(layers, load_layer_rids[i], json_integer((json_int_t)s->by_layer[i]));
      t->by_layer[i] += s->by_layer[i];
      n += s->by_layer[i] > 0;
    }
    t->mixed += n > 1;
    json_object_set_new(j, "layers", layers);
  }
  return j;
}

static json_t *streams_json(LoadTool *tool, Totals *t, json_t **out)
{
  json_t *in = json_array();
  *out = json_array();
  for (guint i = 0; i < tool->out_streams->len; i++) {
    LoadOutStream *os = &g_array_index(tool->out_streams, LoadOutStream, i);
    guint64 sent = os->sent - os->sent_at_window;
    t->sent += sent;
    t->paused += os->paused - os->paused_at_window;
    json_t *j = json_pack("{s:s, s:s, s:I, s:I}", "publisher",
                          load_tool_participant(tool, os->participant)->name, "kind",
                          os->kind == LOAD_KIND_AUDIO ? "audio" : "video", "ssrc",
                          (json_int_t)os->ssrc, "sent", (json_int_t)sent);
    if (os->layer >= 0)
      json_object_set_new(j, "rid", json_string(load_layer_rids[os->layer]));
    json_array_append_new(*out, j);
  }
  for (guint i = 0; i < tool->participants->len; i++) {
    LoadParticipant *p = g_ptr_array_index(tool->participants, i);
    t->pcs += (p->pub_peer != NULL) + p->sub_peers->len;
    for (guint j = 0; j < p->sub_peers->len; j++) {
      LoadSubPeer *sp = g_ptr_array_index(p->sub_peers, j);
      for (guint k = 0; k < sp->streams->len; k++)
        json_array_append_new(
            in, in_stream_json(tool, p, &g_array_index(sp->streams, LoadInStream, k), t));
    }
  }
  return in;
}

/* Join → first RTP and → first keyframe, for every subscription to a
 * publisher that was already live when the subscriber sent its join. */
static json_t *join_json(LoadTool *tool)
{
  GArray *rtp = g_array_new(FALSE, FALSE, sizeof(gint64));
  GArray *key = g_array_new(FALSE, FALSE, sizeof(gint64));
  for (guint i = 0; i < tool->participants->len; i++) {
    LoadParticipant *p = g_ptr_array_index(tool->participants, i);
    for (guint j = 0; p->subscribes && j < tool->participants->len; j++) {
      LoadParticipant *q = g_ptr_array_index(tool->participants, j);
      if (q == p || q->room != p->room || !q->sending_us || q->sending_us > p->join_sent_us)
        continue;
      gint64 d;
      if (p->first_rtp_us[j] && (d = p->first_rtp_us[j] - p->join_sent_us, TRUE))
        g_array_append_val(rtp, d);
      if (p->first_key_us[j] && (d = p->first_key_us[j] - p->join_sent_us, TRUE))
        g_array_append_val(key, d);
    }
  }
  json_t *j = json_pack("{s:o, s:o}", "first_rtp_ms", percentiles_i64(rtp), "first_keyframe_ms",
                        percentiles_i64(key));
  g_array_unref(rtp);
  g_array_unref(key);
  return j;
}

static json_t *process_json(const LoadProcSample *idle, const LoadProcSample *a,
                            const LoadProcSample *b, double window_s, guint64 forwarded, guint pcs)
{
  if (!a->ok || !b->ok)
    return json_null();
  double cpu_s = (double)(b->cpu_ticks - a->cpu_ticks) / (double)sysconf(_SC_CLK_TCK);
  json_t *j = json_pack("{s:f, s:f, s:I, s:i}", "cpu_s", cpu_s, "cpu_percent_of_core",
                        window_s > 0 ? 100.0 * cpu_s / window_s : 0.0, "rss_kib",
                        (json_int_t)b->rss_kib, "threads", (int)b->threads);
  if (forwarded)
    json_object_set_new(j, "cpu_us_per_forwarded_packet", json_real(cpu_s * 1e6 / forwarded));
  if (idle && idle->ok) {
    json_object_set_new(j, "rss_idle_kib", json_integer((json_int_t)idle->rss_kib));
    json_object_set_new(j, "threads_idle", json_integer(idle->threads));
    if (pcs)
      json_object_set_new(j, "rss_per_pc_kib",
                          json_real(((double)b->rss_kib - (double)idle->rss_kib) / pcs));
  }
  return j;
}

static void summary(json_t *r)
{
  json_t *srv = json_object_get(r, "server_process");
  json_t *lat = json_object_get(r, "latency_ms");
  json_t *join = json_object_get(json_object_get(r, "join"), "first_rtp_ms");
  fprintf(stderr, "nara-load %s %s: %s\n", json_string_value(json_object_get(r, "server")),
          json_string_value(json_object_get(r, "scenario_name")),
          json_string_value(json_object_get(r, "error")) ?: "ok");
  fprintf(stderr,
          "  window %.1f s: forwarded %" JSON_INTEGER_FORMAT
          " pkt (%.0f/s), loss %" JSON_INTEGER_FORMAT ", sent %" JSON_INTEGER_FORMAT "\n",
          json_real_value(json_object_get(r, "window_s")),
          json_integer_value(json_object_get(r, "forwarded_packets")),
          json_real_value(json_object_get(r, "forwarded_per_s")),
          json_integer_value(json_object_get(json_object_get(r, "loss"), "packets")),
          json_integer_value(json_object_get(r, "sent_packets")));
  if (json_is_object(srv))
    fprintf(stderr,
            "  server: %.1f µs CPU/forwarded pkt, %.1f %% of a core, RSS %" JSON_INTEGER_FORMAT
            " KiB, %" JSON_INTEGER_FORMAT " threads\n",
            json_real_value(json_object_get(srv, "cpu_us_per_forwarded_packet")),
            json_real_value(json_object_get(srv, "cpu_percent_of_core")),
            json_integer_value(json_object_get(srv, "rss_kib")),
            json_integer_value(json_object_get(srv, "threads")));
  json_t *layers = json_object_get(r, "simulcast");
  if (json_is_object(layers)) {
    json_t *f = json_object_get(layers, "forwarded_by_layer");
    fprintf(stderr,
            "  simulcast: video forwarded by layer q %" JSON_INTEGER_FORMAT
            ", h %" JSON_INTEGER_FORMAT ", f %" JSON_INTEGER_FORMAT " pkt; %" JSON_INTEGER_FORMAT
            " subscriptions got more than one layer\n",
            json_integer_value(json_object_get(f, "q")),
            json_integer_value(json_object_get(f, "h")),
            json_integer_value(json_object_get(f, "f")),
            json_integer_value(json_object_get(layers, "mixed_subscriptions")));
  }
  fprintf(stderr, "  added latency p50 %.2f ms p99 %.2f ms; join → first RTP p50 %.0f ms\n",
          json_real_value(json_object_get(lat, "p50")),
          json_real_value(json_object_get(lat, "p99")),
          json_real_value(json_object_get(join, "p50")));
}

void load_report(LoadTool *tool)
{
  const LoadOptions *o = &tool->opt;
  Totals t = { 0 };
  json_t *out_streams;
  json_t *in_streams = streams_json(tool, &t, &out_streams);
  gboolean measured = tool->window_end_us > 0;
  double window_s = measured ? (tool->window_end_us - tool->window_start_us) / 1e6 : 0;
  g_autofree char *name = g_strdup_printf("%ux%ux%u%s", o->rooms, o->publishers, o->subscribers,
                                          o->mesh ? "-mesh" : "");
  json_t *r = json_pack(
      "{s:s, s:s, s:s, s:{s:i, s:i, s:i, s:b, s:i, s:i}, s:f, s:i, s:I, s:f, s:I, s:{s:I, s:f}}",
      "server", o->server, "srtp", o->srtp, "scenario_name", name, "scenario", "rooms", o->rooms,
      "publishers", o->publishers, "subscribers", o->subscribers, "mesh", o->mesh, "warmup_s",
      o->warmup_s, "duration_s", o->duration_s, "window_s", window_s, "peer_connections", t.pcs,
      "forwarded_packets", (json_int_t)t.forwarded, "forwarded_per_s",
      window_s > 0 ? t.forwarded / window_s : 0.0, "sent_packets", (json_int_t)t.sent, "loss",
      "packets", (json_int_t)t.lost, "percent",
      t.forwarded + t.lost ? 100.0 * t.lost / (t.forwarded + t.lost) : 0.0);
  /* Packets a publisher did not send because Nara paused their layer. */
  json_object_set_new(r, "paused_packets", json_integer((json_int_t)t.paused));
  json_object_set_new(
      r, "setup_s",
      json_real(tool->setup_done_us ? (tool->setup_done_us - tool->start_us) / 1e6 : 0.0));
  json_object_set_new(r, "server_process",
                      process_json(&tool->server_idle, &tool->server0, &tool->server1, window_s,
                                   t.forwarded, t.pcs));
  json_object_set_new(r, "load_tool_process",
                      process_json(NULL, &tool->self0, &tool->self1, window_s, 0, 0));
  json_object_set_new(r, "latency_ms", percentiles_u32(tool->latency_us));
  json_object_set_new(r, "join", join_json(tool));
  json_object_set_new(r, "jitter_ms",
                      json_pack("{s:f, s:f}", "mean",
                                t.n_streams ? t.jitter_sum_ms / t.n_streams : 0.0, "max",
                                t.jitter_max_ms));
  if (o->simulcast) {
    json_t *f = json_object();
    for (guint i = 0; i < LOAD_LAYERS; i++)
      json_object_set_new(f, load_layer_rids[i], json_integer((json_int_t)t.by_layer[i]));
    json_object_set_new(
        r, "simulcast",
        json_pack("{s:o, s:i}", "forwarded_by_layer", f, "mixed_subscriptions", (int)t.mixed));
  }
  json_object_set_new(r, "untagged_packets", json_integer((json_int_t)tool->untagged));
  json_object_set_new(r, "publishers", out_streams);
  json_object_set_new(r, "subscriptions", in_streams);
  if (tool->failure)
    json_object_set_new(r, "error", json_string(tool->failure));
  else if (!measured)
    json_object_set_new(r, "error", json_string("no measurement window"));

  char *text = json_dumps(r, JSON_INDENT(2));
  printf("%s\n", text);
  fflush(stdout);
  if (o->json_path) {
    g_autoptr(GError) error = NULL;
    if (!g_file_set_contents(o->json_path, text, -1, &error))
      fprintf(stderr, "nara-load: %s\n", error->message);
  }
  free(text);
  summary(r);
  json_decref(r);
}
