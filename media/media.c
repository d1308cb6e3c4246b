/* media.c — the public media API (media.h) on the control thread.
 *
 * Owns NaraMedia (workers, certificate, shared config), the room and peer
 * handles, room placement, and the two directions of posting: commands to a
 * room's worker and events back, dispatched only while a handle is open.
 * It does no ICE, DTLS or packet work (peer.c and room.c on the workers).
 * Everything here runs on the control thread, except the emit functions,
 * which workers call to post events.
 */
#include "media.h"

#include "dtls.h"
#include "peer.h"
#include "room.h"
#include "srtp_session.h"
#include "worker.h"

#include <sched.h>
#include <string.h>

G_DEFINE_QUARK(nara - media - error - quark, nara_media_error)

struct _NaraMedia {
  NaraMediaShared shared;
  GPtrArray *workers; /* NaraWorker* */
  GPtrArray *rooms;   /* NaraMediaRoom* */
  guint n_peers;
  gboolean srtp_ref;
  /* {control} per worker: the tick count last seen and when it changed */
  guint *seen_ticks;
  gint64 *seen_at_us;
};

struct _NaraMediaRoom {
  NaraMedia *media;
  NaraWorker *worker;
  NaraRoomCore *core;
  GPtrArray *peers; /* open NaraMediaPeer* */
};

/* ---- NaraMedia ---- */

/* One worker per CPU this process may run on: a server pinned to fewer
 * cores (taskset, cpuset, a container's CPU limit by affinity) gains
 * nothing from more workers than it has cores, and every extra worker on
 * a core is another thread to wake and switch to for the same packets. */
static guint default_workers(void)
{
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return (guint)CPU_COUNT(&set);
  return g_get_num_processors();
}

NaraMedia *nara_media_new(const NaraMediaConfig *config, GMainContext *control, GError **error)
{
  g_return_val_if_fail(config != NULL && control != NULL, NULL);
  if (config->port_min > config->port_max || config->port_max > 65535) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG, "bad ICE port range %u-%u",
                config->port_min, config->port_max);
    return NULL;
  }
  guint n = config->workers ? config->workers : default_workers();
  if (config->ice_lite && config->udp_port && config->udp_port + n - 1 > 65535) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG,
                "ICE-lite UDP ports %u-%u (one per worker) pass 65535", config->udp_port,
                config->udp_port + n - 1);
    return NULL;
  }

  NaraMedia *media = g_new0(NaraMedia, 1);
  media->workers = g_ptr_array_new();
  media->rooms = g_ptr_array_new();
  media->shared.control = g_main_context_ref(control);
  if (config->ice_addresses && config->ice_addresses[0])
    media->shared.ice_addresses = g_strdupv(config->ice_addresses);
  media->shared.port_min = config->port_min;
  media->shared.port_max = config->port_max;
  media->shared.announced_address = g_strdup(config->announced_address);
  media->shared.ice_lite = config->ice_lite;
  media->shared.udp_port = config->udp_port;
  media->shared.remote_filter = nara_ice_filter_new(config->ice_remote_networks, error);
  if (!media->shared.remote_filter)
    goto fail;

  if (!nara_srtp_library_ref(error))
    goto fail;
  media->srtp_ref = TRUE;
  media->shared.dtls = nara_dtls_context_new(error);
  if (!media->shared.dtls)
    goto fail;

  for (guint i = 0; i < n; i++) {
    NaraWorker *worker = nara_worker_new(i, &media->shared, error);
    if (!worker)
      goto fail;
    g_ptr_array_add(media->workers, worker);
  }
  g_info("media started: %u workers, %s, fingerprint %s", n,
         config->ice_lite ? "ICE-lite" : "full ICE (libnice)",
         nara_dtls_context_fingerprint(media->shared.dtls));
  return media;
fail:
  nara_media_free(media);
  return NULL;
}

void nara_media_free(NaraMedia *media)
{
  if (!media)
    return;
  while (media->rooms->len > 0)
    nara_media_room_free(g_ptr_array_index(media->rooms, media->rooms->len - 1));
  for (guint i = 0; i < media->workers->len; i++)
    nara_worker_free(g_ptr_array_index(media->workers, i));
  g_ptr_array_unref(media->workers);
  g_free(media->seen_ticks);
  g_free(media->seen_at_us);
  g_ptr_array_unref(media->rooms);
  nara_dtls_context_free(media->shared.dtls);
  if (media->srtp_ref)
    nara_srtp_library_unref();
  g_strfreev(media->shared.ice_addresses);
  g_free(media->shared.announced_address);
  nara_ice_filter_free(media->shared.remote_filter);
  g_main_context_unref(media->shared.control);
  g_free(media);
}

gboolean nara_media_workers_alive(NaraMedia *media)
{
  gint64 now_us = g_get_monotonic_time();
  gboolean alive = TRUE;

  if (!media->seen_ticks) {
    media->seen_ticks = g_new0(guint, media->workers->len);
    media->seen_at_us = g_new0(gint64, media->workers->len);
  }
  for (guint i = 0; i < media->workers->len; i++) {
    NaraWorker *w = g_ptr_array_index(media->workers, i);
    guint ticks = atomic_load_explicit(&w->ticks, memory_order_relaxed);
    if (ticks != media->seen_ticks[i] || !media->seen_at_us[i]) {
      media->seen_ticks[i] = ticks;
      media->seen_at_us[i] = now_us;
    } else if (now_us - media->seen_at_us[i] > NARA_MEDIA_WORKER_STALL_US) {
      alive = FALSE;
    }
  }
  return alive;
}

void nara_media_get_stats(NaraMedia *media, NaraMediaStats *stats)
{
  memset(stats, 0, sizeof *stats);
  for (guint i = 0; i < media->workers->len; i++) {
    NaraWorker *w = g_ptr_array_index(media->workers, i);
    stats->packets_in += atomic_load_explicit(&w->packets_in, memory_order_relaxed);
    stats->packets_forwarded += atomic_load_explicit(&w->packets_forwarded, memory_order_relaxed);
    stats->bytes_forwarded += atomic_load_explicit(&w->bytes_forwarded, memory_order_relaxed);
    stats->packets_dropped += atomic_load_explicit(&w->packets_dropped, memory_order_relaxed);
    stats->srtp_failures += atomic_load_explicit(&w->srtp_failures, memory_order_relaxed);
    stats->nacks_received += atomic_load_explicit(&w->nacks_received, memory_order_relaxed);
    stats->rtx_sent += atomic_load_explicit(&w->rtx_sent, memory_order_relaxed);
    stats->probe_packets += atomic_load_explicit(&w->probe_packets, memory_order_relaxed);
    stats->nacks_sent += atomic_load_explicit(&w->nacks_sent, memory_order_relaxed);
    stats->plis_sent += atomic_load_explicit(&w->plis_sent, memory_order_relaxed);
    stats->keyframe_requests_received
        += atomic_load_explicit(&w->keyframe_requests_received, memory_order_relaxed);
    stats->layer_switches += atomic_load_explicit(&w->layer_switches, memory_order_relaxed);
    stats->temporal_dropped += atomic_load_explicit(&w->temporal_dropped, memory_order_relaxed);
    stats->lost_upstream += atomic_load_explicit(&w->lost_upstream, memory_order_relaxed);
    stats->lost_downstream += atomic_load_explicit(&w->lost_downstream, memory_order_relaxed);
    for (guint b = 0; b <= NARA_RTT_N_BUCKETS; b++)
      stats->rtt_buckets[b] += atomic_load_explicit(&w->rtt_buckets[b], memory_order_relaxed);
    stats->rtt_sum_us += atomic_load_explicit(&w->rtt_sum_us, memory_order_relaxed);
    stats->live_rooms += atomic_load_explicit(&w->live_rooms, memory_order_relaxed);
    stats->live_peers += atomic_load_explicit(&w->live_peers, memory_order_relaxed);
  }
  stats->peers = media->n_peers;
  stats->rooms = media->rooms->len;
  stats->workers = media->workers->len;
}

const char *nara_media_fingerprint(NaraMedia *media)
{
  return nara_dtls_context_fingerprint(media->shared.dtls);
}

/* ---- commands to a worker ---- */

typedef struct {
  NaraRoomCore *room;
  NaraPeerCore *core;
  char *type;
  char *text;
  NaraMediaTrack *tracks;
  guint n_tracks;
  NaraTrackKind kind;
  gboolean flag;
  guint width, height;
} Command;

static Command *command_new(NaraPeerCore *core)
{
  Command *cmd = g_new0(Command, 1);
  cmd->core = core;
  return cmd;
}

static void command_free(gpointer data)
{
  Command *cmd = data;
  g_free(cmd->type);
  g_free(cmd->text);
  g_free(cmd->tracks);
  g_free(cmd);
}

static void post(NaraWorker *worker, GSourceFunc func, Command *cmd)
{
  nara_worker_post(worker, func, cmd, command_free);
}

static gboolean run_room_start(gpointer data)
{
  nara_room_core_start(((Command *)data)->room);
  return G_SOURCE_REMOVE;
}

static gboolean run_room_free(gpointer data)
{
  nara_room_core_free(((Command *)data)->room);
  return G_SOURCE_REMOVE;
}

static gboolean run_peer_start(gpointer data)
{
  nara_peer_core_start(((Command *)data)->core);
  return G_SOURCE_REMOVE;
}

static gboolean run_peer_close(gpointer data)
{
  nara_peer_core_close(((Command *)data)->core);
  return G_SOURCE_REMOVE;
}

static gboolean run_remote_description(gpointer data)
{
  Command *cmd = data;
  nara_peer_core_set_remote_description(cmd->core, cmd->type, cmd->text);
  return G_SOURCE_REMOVE;
}

static gboolean run_remote_candidate(gpointer data)
{
  Command *cmd = data;
  nara_peer_core_add_remote_candidate(cmd->core, cmd->text);
  return G_SOURCE_REMOVE;
}

static gboolean run_subscriptions(gpointer data)
{
  Command *cmd = data;
  nara_peer_core_set_subscriptions(cmd->core, cmd->tracks, cmd->n_tracks);
  return G_SOURCE_REMOVE;
}

static gboolean run_forwarding(gpointer data)
{
  Command *cmd = data;
  nara_peer_core_set_forwarding(cmd->core, cmd->kind, cmd->flag);
  return G_SOURCE_REMOVE;
}

static gboolean run_restart_ice(gpointer data)
{
  nara_peer_core_restart_ice(((Command *)data)->core);
  return G_SOURCE_REMOVE;
}

static gboolean run_view(gpointer data)
{
  Command *cmd = data;
  nara_peer_core_set_view(cmd->core, cmd->text, cmd->width, cmd->height);
  return G_SOURCE_REMOVE;
}

static gboolean run_signing(gpointer data)
{
  Command *cmd = data;
  nara_peer_core_set_signing(cmd->core, cmd->flag);
  return G_SOURCE_REMOVE;
}

/* ---- rooms ---- */

NaraMediaRoom *nara_media_room_new(NaraMedia *media, const char *room_id)
{
  g_return_val_if_fail(media != NULL && media->workers->len > 0, NULL);
  NaraWorker *best = g_ptr_array_index(media->workers, 0);
  for (guint i = 1; i < media->workers->len; i++) {
    NaraWorker *w = g_ptr_array_index(media->workers, i);
    if (w->load < best->load)
      best = w;
  }
  NaraMediaRoom *room = g_new0(NaraMediaRoom, 1);
  room->media = media;
  room->worker = best;
  room->peers = g_ptr_array_new();
  room->core = nara_room_core_new(best, room_id ? room_id : "");
  best->load++;
  g_ptr_array_add(media->rooms, room);
  Command *cmd = command_new(NULL);
  cmd->room = room->core;
  post(best, run_room_start, cmd);
  g_debug("room %s on worker %u", room_id, best->index);
  return room;
}

void nara_media_room_free(NaraMediaRoom *room)
{
  if (!room)
    return;
  while (room->peers->len > 0)
    nara_media_peer_close(g_ptr_array_index(room->peers, room->peers->len - 1));
  Command *cmd = command_new(NULL);
  cmd->room = room->core;
  post(room->worker, run_room_free, cmd);
  room->worker->load--;
  g_ptr_array_remove(room->media->rooms, room);
  g_ptr_array_unref(room->peers);
  g_free(room);
}

/* ---- peers ---- */

NaraMediaPeer *nara_media_peer_ref(NaraMediaPeer *peer)
{
  return g_atomic_rc_box_acquire(peer);
}

void nara_media_peer_unref(NaraMediaPeer *peer)
{
  g_atomic_rc_box_release(peer);
}

NaraMediaPeer *nara_media_peer_new(NaraMediaRoom *room, NaraPeerRole role,
                                   const char *participant_id,
                                   const NaraMediaPeerCallbacks *callbacks, gpointer user_data)
{
  g_return_val_if_fail(room != NULL && callbacks != NULL, NULL);
  NaraMediaPeer *peer = g_atomic_rc_box_new0(NaraMediaPeer);
  peer->media = room->media;
  peer->room = room;
  peer->role = role;
  g_strlcpy(peer->participant_id, participant_id ? participant_id : "",
            sizeof peer->participant_id);
  peer->callbacks = *callbacks;
  peer->user_data = user_data;
  peer->control = room->media->shared.control;
  peer->core = nara_peer_core_new(room->core, peer);
  g_ptr_array_add(room->peers, peer);
  room->media->n_peers++;
  room->worker->load++;
  post(room->worker, run_peer_start, command_new(peer->core));
  return peer;
}

void nara_media_peer_close(NaraMediaPeer *peer)
{
  if (!peer || peer->closed)
    return;
  peer->closed = TRUE;
  g_ptr_array_remove(peer->room->peers, peer);
  peer->media->n_peers--;
  peer->room->worker->load--;
  post(peer->room->worker, run_peer_close, command_new(peer->core));
  peer->core = NULL;
  nara_media_peer_unref(peer);
}

void nara_media_peer_set_remote_description(NaraMediaPeer *peer, const char *type, const char *sdp)
{
  g_return_if_fail(peer != NULL && !peer->closed);
  Command *cmd = command_new(peer->core);
  cmd->type = g_strdup(type ? type : "");
  cmd->text = g_strndup(sdp ? sdp : "", NARA_SDP_MAX_BYTES + 1);
  post(peer->room->worker, run_remote_description, cmd);
}

void nara_media_peer_add_remote_candidate(NaraMediaPeer *peer, const char *candidate)
{
  g_return_if_fail(peer != NULL && !peer->closed);
  Command *cmd = command_new(peer->core);
  cmd->text = candidate && *candidate ? g_strndup(candidate, 1024) : NULL;
  post(peer->room->worker, run_remote_candidate, cmd);
}

void nara_media_peer_set_subscriptions(NaraMediaPeer *peer, const NaraMediaTrack *tracks,
                                       guint n_tracks)
{
  g_return_if_fail(peer != NULL && !peer->closed);
  g_return_if_fail(n_tracks == 0 || tracks != NULL);
  Command *cmd = command_new(peer->core);
  cmd->n_tracks = MIN(n_tracks, NARA_MEDIA_MAX_TRACKS);
  cmd->tracks = g_memdup2(tracks, sizeof *tracks * cmd->n_tracks);
  post(peer->room->worker, run_subscriptions, cmd);
}

void nara_media_peer_set_forwarding(NaraMediaPeer *peer, NaraTrackKind kind, gboolean forward)
{
  g_return_if_fail(peer != NULL && !peer->closed);
  Command *cmd = command_new(peer->core);
  cmd->kind = kind;
  cmd->flag = forward;
  post(peer->room->worker, run_forwarding, cmd);
}

void nara_media_peer_restart_ice(NaraMediaPeer *peer)
{
  g_return_if_fail(peer != NULL && !peer->closed);
  post(peer->room->worker, run_restart_ice, command_new(peer->core));
}

void nara_media_peer_set_view(NaraMediaPeer *peer, const char *track_id, guint width, guint height)
{
  g_return_if_fail(peer != NULL && !peer->closed && track_id != NULL);
  Command *cmd = command_new(peer->core);
  cmd->text = g_strndup(track_id, NARA_MEDIA_ID_LEN - 1);
  cmd->width = width;
  cmd->height = height;
  post(peer->room->worker, run_view, cmd);
}

void nara_media_peer_set_signing(NaraMediaPeer *peer, gboolean signing)
{
  g_return_if_fail(peer != NULL && !peer->closed);
  Command *cmd = command_new(peer->core);
  cmd->flag = signing;
  post(peer->room->worker, run_signing, cmd);
}

/* ---- events to the control thread ---- */

typedef enum {
  EV_DESCRIPTION,
  EV_CANDIDATE,
  EV_TRACKS,
  EV_STATE,
  EV_ERROR,
  EV_VIDEO_PAUSED,
  EV_TRACK_UNPLAYABLE,
  EV_SEND_LAYERS
} EventKind;

typedef struct {
  EventKind kind;
  NaraMediaPeer *peer;
  char *type;
  char *text;
  char *list;
  NaraMediaTrack *tracks;
  guint n_tracks;
  NaraPeerState state;
  GError *error;
} Event;

static void event_free(gpointer data)
{
  Event *ev = data;
  nara_media_peer_unref(ev->peer);
  g_free(ev->type);
  g_free(ev->text);
  g_free(ev->list);
  g_free(ev->tracks);
  g_clear_error(&ev->error);
  g_free(ev);
}

static gboolean dispatch_event(gpointer data)
{
  Event *ev = data;
  NaraMediaPeer *peer = ev->peer;
  const NaraMediaPeerCallbacks *cb = &peer->callbacks;
  if (peer->closed)
    return G_SOURCE_REMOVE;
  switch (ev->kind) {
  case EV_DESCRIPTION:
    if (cb->local_description)
      cb->local_description(peer, ev->type, ev->text, peer->user_data);
    break;
  case EV_CANDIDATE:
    if (cb->local_candidate)
      cb->local_candidate(peer, ev->text, peer->user_data);
    break;
  case EV_TRACKS:
    if (cb->tracks_published)
      cb->tracks_published(peer, ev->tracks, ev->n_tracks, peer->user_data);
    break;
  case EV_STATE:
    if (cb->state_changed)
      cb->state_changed(peer, ev->state, peer->user_data);
    break;
  case EV_ERROR:
    if (cb->error)
      cb->error(peer, ev->error, peer->user_data);
    break;
  case EV_VIDEO_PAUSED:
    if (cb->video_paused)
      cb->video_paused(peer, ev->text, ev->state != 0, peer->user_data);
    break;
  case EV_TRACK_UNPLAYABLE:
    if (cb->track_unplayable)
      cb->track_unplayable(peer, ev->text, ev->type, peer->user_data);
    break;
  case EV_SEND_LAYERS:
    if (cb->send_layers)
      cb->send_layers(peer, ev->text, ev->type, ev->list, peer->user_data);
    break;
  }
  return G_SOURCE_REMOVE;
}

static Event *event_new(NaraMediaPeer *peer, EventKind kind)
{
  Event *ev = g_new0(Event, 1);
  ev->kind = kind;
  ev->peer = nara_media_peer_ref(peer);
  return ev;
}

static void emit(Event *ev)
{
  nara_post(ev->peer->control, dispatch_event, ev, event_free);
}

void nara_media_peer_emit_description(NaraMediaPeer *peer, const char *type, const char *sdp)
{
  Event *ev = event_new(peer, EV_DESCRIPTION);
  ev->type = g_strdup(type);
  ev->text = g_strdup(sdp);
  emit(ev);
}

void nara_media_peer_emit_candidate(NaraMediaPeer *peer, const char *candidate)
{
  Event *ev = event_new(peer, EV_CANDIDATE);
  ev->text = g_strdup(candidate);
  emit(ev);
}

void nara_media_peer_emit_tracks(NaraMediaPeer *peer, const NaraMediaTrack *tracks, guint n)
{
  Event *ev = event_new(peer, EV_TRACKS);
  ev->tracks = g_memdup2(tracks, sizeof *tracks * n);
  ev->n_tracks = n;
  emit(ev);
}

void nara_media_peer_emit_state(NaraMediaPeer *peer, NaraPeerState state)
{
  Event *ev = event_new(peer, EV_STATE);
  ev->state = state;
  emit(ev);
}

void nara_media_peer_emit_error(NaraMediaPeer *peer, const GError *error)
{
  Event *ev = event_new(peer, EV_ERROR);
  ev->error = g_error_copy(error);
  emit(ev);
}

void nara_media_peer_emit_video_paused(NaraMediaPeer *peer, const char *track_id, gboolean paused)
{
  Event *ev = event_new(peer, EV_VIDEO_PAUSED);
  ev->text = g_strdup(track_id);
  ev->state = paused ? 1 : 0;
  emit(ev);
}

void nara_media_peer_emit_track_unplayable(NaraMediaPeer *peer, const char *track_id,
                                           const char *codec)
{
  Event *ev = event_new(peer, EV_TRACK_UNPLAYABLE);
  ev->text = g_strdup(track_id);
  ev->type = g_strdup(codec);
  emit(ev);
}

void nara_media_peer_emit_send_layers(NaraMediaPeer *peer, const char *track_id, const char *mid,
                                      const char *rids)
{
  Event *ev = event_new(peer, EV_SEND_LAYERS);
  ev->text = g_strdup(track_id);
  ev->type = g_strdup(mid);
  ev->list = g_strdup(rids);
  emit(ev);
}
