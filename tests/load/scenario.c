/* scenario.c — the run of one scenario: N rooms × P publishers × S
 * subscribers (or a mesh), from first join to the report.
 *
 * Owns the tool and its participants and the order of joins: rooms start
 * together; within a room participants join one after another, each once the
 * previous one is live (publishing, and receiving every publisher that was
 * live when it joined), so that join times measure the server, not a crowd
 * at the door. Then warm-up, the measurement window, the report and a
 * bounded teardown. Every phase has a deadline. The protocol is the
 * adapter's; the counting is receive.c's.
 *
 * Threading: the tool's only thread.
 */
#include "load.h"
#include "ws.h"

#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>

#define POLL_MS 20
/* Receiver Reports from every subscribe connection: Nara's estimate grows
 * at most once a second, so reports must come more often than that. */
#define REPORT_MS 500

G_DEFINE_QUARK(load - error - quark, load_error)
#define TEARDOWN_MS 700

static LoadParticipant *participant_new(LoadTool *tool, guint room, guint slot, gboolean pub)
{
  LoadParticipant *p = g_new0(LoadParticipant, 1);
  guint n = tool->opt.rooms * (tool->opt.publishers + tool->opt.subscribers);
  p->tool = tool;
  p->index = tool->participants->len;
  p->room = room;
  p->slot = slot;
  p->publishes = pub;
  p->subscribes = !pub || tool->opt.mesh;
  g_snprintf(p->name, sizeof p->name, "r%u-%c%u", room, pub ? 'p' : 's',
             pub ? slot : slot - tool->opt.publishers);
  p->sub_peers = g_ptr_array_new();
  p->first_rtp_us = g_new0(gint64, n);
  p->first_key_us = g_new0(gint64, n);
  p->subscribed = g_new0(gboolean, n);
  p->n_video = tool->opt.simulcast ? LOAD_LAYERS : 1;
  for (guint k = 0; pub && k < 1 + p->n_video; k++) {
    LoadOutStream os = { .participant = p->index,
                         .kind = k == 0 ? LOAD_KIND_AUDIO : LOAD_KIND_VIDEO,
                         .layer = k > 0 && p->n_video > 1 ? (gint)k - 1 : -1,
                         .ssrc = g_random_int() | 1 };
    p->ssrcs[k] = os.ssrc;
    p->out_streams[k] = tool->out_streams->len;
    g_array_append_val(tool->out_streams, os);
  }
  return p;
}

static void sub_peer_free(LoadSubPeer *sp)
{
  load_peer_free(sp->peer);
  g_array_unref(sp->streams);
  g_free(sp);
}

static void participant_free(LoadParticipant *p)
{
  load_publisher_free(p->publisher);
  load_peer_free(p->pub_peer);
  g_ptr_array_free(p->sub_peers, TRUE);
  g_free(p->first_rtp_us);
  g_free(p->first_key_us);
  g_free(p->subscribed);
  g_free(p);
}

LoadParticipant *load_tool_participant(LoadTool *tool, guint index)
{
  return index < tool->participants->len ? g_ptr_array_index(tool->participants, index) : NULL;
}

void load_tool_log(LoadTool *tool, const char *fmt, ...)
{
  va_list ap;
  if (!tool->opt.verbose)
    return;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "[%7.3f] %s\n", (g_get_monotonic_time() - tool->start_us) / 1e6, msg);
}

/* Each layer's share of the clip; a simulcast layer's packets get header
 * extensions written after the fixed header, which needs the clip's video
 * without CSRCs or extensions of its own (rtpvp8pay writes none). */
static gboolean select_layers(LoadTool *tool, GError **error)
{
  LoadClip *clip = tool->clip;
  for (guint i = 0; tool->opt.simulcast && i < clip->n_packets; i++) {
    const LoadClipPacket *c = &clip->packets[i];
    if (c->kind == LOAD_KIND_VIDEO && (c->data[0] & 0x1f) != 0) {
      g_set_error(error, LOAD_ERROR, 0,
                  "--simulcast: the clip's video packets carry CSRCs or header extensions");
      return FALSE;
    }
  }
  for (guint i = 0; i < LOAD_LAYERS; i++)
    tool->layer_packets[i] = load_clip_select(clip, i == LOAD_LAYERS - 1, load_layer_every[i],
                                              &tool->layer_n_packets[i]);
  return TRUE;
}

LoadTool *load_tool_new(const LoadOptions *opt, GError **error)
{
  LoadTool *tool = g_new0(LoadTool, 1);
  tool->opt = *opt;
  tool->adapter = g_str_equal(opt->server, "janus") ? &load_adapter_janus : &load_adapter_nara;
  /* Running from the start when busy polling: load_tool_run() then iterates
   * by hand until something quits the loop. */
  tool->loop = g_main_loop_new(NULL, opt->busy_poll);
  tool->participants = g_ptr_array_new_with_free_func((GDestroyNotify)participant_free);
  tool->out_streams = g_array_new(FALSE, TRUE, sizeof(LoadOutStream));
  tool->ring = g_new0(LoadSent, LOAD_RING_SIZE);
  tool->latency_us = g_array_new(FALSE, FALSE, sizeof(guint32));
  tool->start_us = g_get_monotonic_time();
  if (!(tool->clip = load_clip_read(opt->clip_path, error)) || !select_layers(tool, error)
      || !(tool->dtls_ctx = nara_dtls_context_new(error))
      || (g_str_equal(opt->srtp, "aes-cm")
          && !nara_dtls_context_set_srtp_profiles(tool->dtls_ctx, "SRTP_AES128_CM_SHA1_80", error))
      || !(tool->ws = load_ws_context_new(tool->loop, error))) {
    load_tool_free(tool);
    return NULL;
  }
  for (guint r = 0; r < opt->rooms; r++)
    for (guint s = 0; s < opt->publishers + opt->subscribers; s++)
      g_ptr_array_add(tool->participants, participant_new(tool, r, s, s < opt->publishers));
  return tool;
}

void load_tool_free(LoadTool *tool)
{
  if (!tool)
    return;
  if (tool->timer)
    g_source_remove(tool->timer);
  if (tool->report_timer)
    g_source_remove(tool->report_timer);
  /* Peers before the WebSocket context: nothing may call back into them. */
  for (guint i = 0; i < tool->participants->len; i++) {
    LoadParticipant *p = g_ptr_array_index(tool->participants, i);
    if (p->signaling)
      tool->adapter->stop(p);
    p->signaling = NULL;
    for (guint j = 0; j < p->sub_peers->len; j++)
      sub_peer_free(g_ptr_array_index(p->sub_peers, j));
    g_ptr_array_set_size(p->sub_peers, 0);
  }
  g_ptr_array_unref(tool->participants);
  load_ws_context_free(tool->ws);
  if (tool->dtls_ctx)
    nara_dtls_context_free(tool->dtls_ctx);
  load_clip_free(tool->clip);
  for (guint i = 0; i < LOAD_LAYERS; i++)
    g_free(tool->layer_packets[i]);
  g_array_unref(tool->out_streams);
  g_array_unref(tool->latency_us);
  g_free(tool->ring);
  g_free(tool->failure);
  g_main_loop_unref(tool->loop);
  g_free(tool);
}

/* ---- peers ---- */

static void pub_connected(LoadPeer *peer, gpointer user_data)
{
  LoadParticipant *p = user_data;
  (void)peer;
  load_tool_log(p->tool, "%s: publish connection up", p->name);
  load_publisher_start(p->publisher);
}

static void peer_failed(LoadPeer *peer, const char *reason, gpointer user_data)
{
  (void)peer;
  load_participant_fail(user_data, "media connection failed: %s", reason);
}

static void pub_keyframe_request(LoadPeer *peer, guint32 media_ssrc, gpointer user_data)
{
  LoadParticipant *p = user_data;
  (void)peer;
  load_publisher_keyframe_request(p->publisher, media_ssrc);
}

static void sub_connected(LoadPeer *peer, gpointer user_data)
{
  LoadSubPeer *sp = user_data;
  (void)peer;
  load_tool_log(sp->participant->tool, "%s: subscribe connection up", sp->participant->name);
}

static void sub_failed(LoadPeer *peer, const char *reason, gpointer user_data)
{
  LoadSubPeer *sp = user_data;
  peer_failed(peer, reason, sp->participant);
}

static void sub_rtp(LoadPeer *peer, guint8 *data, gsize len, const NaraRtpHeader *h,
                    gpointer user_data)
{
  (void)peer;
  load_receive_rtp(user_data, data, len, h);
}

char *load_participant_publish_offer(LoadParticipant *p, GError **error)
{
  static const LoadPeerCallbacks cb = { pub_connected, peer_failed, NULL, pub_keyframe_request };
  if (p->pub_peer) {
    g_set_error(error, LOAD_ERROR, 0, "already publishing");
    return NULL;
  }
  p->pub_peer = load_peer_new(p->tool->dtls_ctx, p->tool->opt.ice_address, TRUE, &cb, p, error);
  if (!p->pub_peer)
    return NULL;
  p->publisher = load_publisher_new(p);
  return load_peer_create_offer(p->pub_peer, p->name, p->ssrcs, p->n_video > 1);
}

LoadSubPeer *load_participant_add_sub_peer(LoadParticipant *p, GError **error)
{
  static const LoadPeerCallbacks cb = { sub_connected, sub_failed, sub_rtp, NULL };
  LoadSubPeer *sp = g_new0(LoadSubPeer, 1);
  sp->participant = p;
  sp->rr_ssrc = g_random_int() | 1;
  sp->streams = g_array_new(FALSE, TRUE, sizeof(LoadInStream));
  sp->peer = load_peer_new(p->tool->dtls_ctx, p->tool->opt.ice_address, FALSE, &cb, sp, error);
  if (!sp->peer) {
    sub_peer_free(sp);
    return NULL;
  }
  g_ptr_array_add(p->sub_peers, sp);
  return sp;
}

/* ---- progress ---- */

void load_participant_join_sent(LoadParticipant *p)
{
  p->join_sent_us = g_get_monotonic_time();
  load_tool_log(p->tool, "%s: join sent", p->name);
}

void load_participant_joined(LoadParticipant *p)
{
  p->joined_us = g_get_monotonic_time();
  load_tool_log(p->tool, "%s: joined", p->name);
}

static gboolean send_reports(gpointer data)
{
  LoadTool *tool = data;
  for (guint i = 0; i < tool->participants->len; i++) {
    LoadParticipant *p = g_ptr_array_index(tool->participants, i);
    for (guint j = 0; j < p->sub_peers->len; j++) {
      LoadSubPeer *sp = g_ptr_array_index(p->sub_peers, j);
      if (load_peer_is_connected(sp->peer))
        load_receive_send_report(sp);
    }
  }
  return G_SOURCE_CONTINUE;
}

static void stop_all(LoadTool *tool)
{
  if (tool->report_timer)
    g_source_remove(tool->report_timer);
  tool->report_timer = 0;
  for (guint i = 0; i < tool->participants->len; i++) {
    LoadParticipant *p = g_ptr_array_index(tool->participants, i);
    load_publisher_free(p->publisher);
    p->publisher = NULL;
    if (p->signaling)
      tool->adapter->stop(p);
    p->signaling = NULL;
  }
}

static gboolean quit(gpointer data)
{
  LoadTool *tool = data;
  tool->timer = 0;
  g_main_loop_quit(tool->loop);
  return G_SOURCE_REMOVE;
}

/* Report, leave, and quit after a short grace for the leave messages. */
static void finish(LoadTool *tool)
{
  tool->phase = LOAD_PHASE_DONE;
  if (tool->timer)
    g_source_remove(tool->timer);
  load_report(tool);
  stop_all(tool);
  tool->timer = g_timeout_add(TEARDOWN_MS, quit, tool);
}

void load_participant_fail(LoadParticipant *p, const char *fmt, ...)
{
  LoadTool *tool = p->tool;
  va_list ap;
  if (tool->phase == LOAD_PHASE_DONE)
    return;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  tool->failure = g_strdup_printf("%s: %s", p->name, msg);
  tool->exit_code = 1;
  fprintf(stderr, "nara-load: %s\n", tool->failure);
  finish(tool);
}

static gboolean window_end(gpointer data)
{
  LoadTool *tool = data;
  tool->timer = 0;
  tool->window_end_us = g_get_monotonic_time();
  load_proc_sample(tool->opt.server_pid, &tool->server1);
  load_proc_sample(getpid(), &tool->self1);
  finish(tool);
  return G_SOURCE_REMOVE;
}

static gboolean window_start(gpointer data)
{
  LoadTool *tool = data;
  tool->phase = LOAD_PHASE_WINDOW;
  tool->window_start_us = g_get_monotonic_time();
  load_proc_sample(tool->opt.server_pid, &tool->server0);
  load_proc_sample(getpid(), &tool->self0);
  load_receive_window_start(tool);
  load_tool_log(tool, "measuring for %u s", tool->opt.duration_s);
  tool->timer = g_timeout_add_seconds(tool->opt.duration_s, window_end, tool);
  return G_SOURCE_REMOVE;
}

/* p receives every live publisher of its room it should, and publishes if it should. */
static gboolean participant_ready(LoadTool *tool, LoadParticipant *p)
{
  if (!p->joined_us || (p->publishes && !p->sending_us))
    return FALSE;
  for (guint i = 0; p->subscribes && i < tool->participants->len; i++) {
    LoadParticipant *q = g_ptr_array_index(tool->participants, i);
    if (q != p && q->room == p->room && q->sending_us && !p->first_rtp_us[q->index])
      return FALSE;
  }
  return TRUE;
}

static void start_participant(LoadTool *tool, LoadParticipant *p)
{
  g_autoptr(GError) error = NULL;
  p->started = TRUE;
  p->signaling = tool->adapter->start(p, &error);
  if (!p->signaling)
    load_participant_fail(p, "%s", error->message);
}

static gboolean poll_setup(gpointer data)
{
  LoadTool *tool = data;
  guint ready = 0, n = tool->participants->len;

  if (tool->phase != LOAD_PHASE_SETUP)
    return G_SOURCE_REMOVE;
  for (guint i = 0; i < n && tool->phase == LOAD_PHASE_SETUP; i++) {
    LoadParticipant *p = g_ptr_array_index(tool->participants, i);
    if (!p->started || !p->joined_us)
      continue;
    /* Janus needs to be told; Nara offers by itself. */
    for (guint j = 0; p->subscribes && j < n; j++) {
      LoadParticipant *q = g_ptr_array_index(tool->participants, j);
      if (q != p && q->room == p->room && q->sending_us && !p->subscribed[j]) {
        p->subscribed[j] = TRUE;
        tool->adapter->subscribe(p, q);
      }
    }
    if (!participant_ready(tool, p))
      continue;
    ready++;
    if (!p->ready) {
      p->ready = TRUE;
      load_tool_log(tool, "%s: live", p->name);
      LoadParticipant *next = load_tool_participant(tool, i + 1);
      if (next && next->room == p->room && !next->started)
        start_participant(tool, next);
    }
  }
  if (tool->phase != LOAD_PHASE_SETUP)
    return G_SOURCE_REMOVE;
  if (ready == n) {
    tool->phase = LOAD_PHASE_WARMUP;
    tool->setup_done_us = g_get_monotonic_time();
    load_tool_log(tool, "all %u participants live; warming up for %u s", n, tool->opt.warmup_s);
    g_source_remove(tool->timer);
    tool->timer = g_timeout_add_seconds(tool->opt.warmup_s, window_start, tool);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean setup_timeout(gpointer data)
{
  LoadTool *tool = data;
  guint ready = 0;
  tool->timer = 0;
  for (guint i = 0; i < tool->participants->len; i++)
    ready += ((LoadParticipant *)g_ptr_array_index(tool->participants, i))->ready;
  load_participant_fail(g_ptr_array_index(tool->participants, 0),
                        "set-up did not finish in %u s (%u of %u participants live)",
                        tool->opt.setup_timeout_s, ready, tool->participants->len);
  return G_SOURCE_REMOVE;
}

int load_tool_run(LoadTool *tool)
{
  load_proc_sample(tool->opt.server_pid, &tool->server_idle);
  tool->timer = g_timeout_add_seconds(tool->opt.setup_timeout_s, setup_timeout, tool);
  g_timeout_add(POLL_MS, poll_setup, tool);
  tool->report_timer = g_timeout_add(REPORT_MS, send_reports, tool);
  for (guint i = 0; i < tool->participants->len; i++) {
    LoadParticipant *p = g_ptr_array_index(tool->participants, i);
    if (p->slot == 0 && tool->phase == LOAD_PHASE_SETUP)
      start_participant(tool, p);
  }
  if (!tool->opt.busy_poll)
    g_main_loop_run(tool->loop);
  while (tool->opt.busy_poll && g_main_loop_is_running(tool->loop)) {
    g_main_context_iteration(NULL, FALSE);
    sched_yield();
  }
  return tool->exit_code;
}
