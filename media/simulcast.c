/* simulcast.c — a publisher's layers and each subscriber's choice of them.
 *
 * Owns the layer list of a published m-line (one NaraPubTrack per rid,
 * made and freed with the publish peer's tracks), each layer's measured
 * bitrate, and applying the layer chooser (layers.c) to a subscriber: its
 * downlink estimate minus its audio is the budget, the sizes its client
 * shows each video at cap the layers, and the choice becomes each slot's
 * wanted layer and temporal limit, which the packet path (room.c) switches
 * to at that layer's next keyframe (the limit at a frame's start). Each
 * layer's temporal layers' shares of its rate are measured here too. A
 * video that pauses or resumes for bandwidth is told to the control thread
 * from the once-a-second tick, and so is which layers a publisher should
 * send: a layer nobody has taken, nor asked for by a tile's size, for a
 * while is paused at its source (the publisher's client stops encoding
 * it), the smallest never, and it is asked back as soon as a subscriber's
 * choice falls on it. Runs on the room's worker.
 */
#include "room.h"

#include "peer.h"

#include <string.h>

/* A downlink that loses this much of 256 gets no video's largest layer
 * until its loss falls under the second: at 3 % (the loss3 profile) the
 * largest layer still plays at its full frame rate, at 8 % it does not. */
#define LOSSY_FROM 15
#define LOSSY_UNTIL 10
/* A layer is live while packets came this recently: a browser drops its
 * top layers when its own uplink or CPU cannot carry them. */
#define LAYER_LIVE_US (2 * G_USEC_PER_SEC)
/* A wanted layer's keyframe is asked for again after this. */
#define KEYFRAME_RETRY_US G_USEC_PER_SEC
/* A single-layer video is never stepped down here: its publisher's
 * encoder follows the REMB Nara sends it (room.c). It pauses only when the
 * link cannot carry a picture at all, about this much. */
#define SINGLE_LAYER_BPS 120000
/* A layer nobody takes for this long is paused at the publisher: its
 * encoding costs a patient's phone battery and uplink for nothing. Long
 * enough that a tile resized back and forth does not toggle it. */
#define PAUSE_UNTAKEN_US (5 * G_USEC_PER_SEC)
/* A layer asked back counts as there for this long before its packets
 * come; then as one the publisher's browser dropped on its own. */
#define RESUME_WAIT_US (3 * G_USEC_PER_SEC)

void nara_simulcast_group_init(NaraPubTrack *group, const NaraSdpMedia *m)
{
  guint n = m->kind == NARA_TRACK_VIDEO && m->n_rids > 1 ? m->n_rids : 1;
  group->group = group;
  group->n_layers = (guint8)n;
  group->layer[0] = group;
  /* Nothing told yet: the first tick says "all", so a client whose
   * encodings were paused for an earlier track of this m-line sends again. */
  group->told_send = 0;
  g_strlcpy(group->rid, n > 1 ? m->rids[0] : "", sizeof group->rid);
  if (n == 1)
    return;
  /* Which SSRC is which rid is learnt from the rid extension. */
  group->ssrc = group->rtx_ssrc = 0;
  group->extra = g_new0(NaraPubTrack, n - 1);
  for (guint k = 1; k < n; k++) {
    NaraPubTrack *l = &group->extra[k - 1];
    l->group = group;
    l->publisher = group->publisher;
    l->mline = group->mline;
    l->info = group->info;
    l->codec = group->codec;
    memcpy(l->mid, group->mid, sizeof l->mid);
    memcpy(l->ext_ids, group->ext_ids, sizeof l->ext_ids);
    g_strlcpy(l->rid, m->rids[k], sizeof l->rid);
    l->n_layers = 0;
    nara_room_core_track_init(l);
    group->layer[k] = l;
  }
}

void nara_simulcast_group_free(NaraRoomCore *room, NaraPubTrack *group)
{
  /* Unroute first: slots point at the layers. */
  nara_room_core_track_free(room, group);
  for (guint k = 1; k < group->n_layers; k++)
    nara_room_core_track_free(room, group->layer[k]);
  g_clear_pointer(&group->extra, g_free);
  group->n_layers = 0;
}

NaraPubTrack *nara_simulcast_layer_by_rid(NaraPubTrack *group, const guint8 *rid, gsize len)
{
  for (guint k = 0; k < group->n_layers; k++) {
    NaraPubTrack *l = group->layer[k];
    if (strlen(l->rid) == len && memcmp(l->rid, rid, len) == 0)
      return l;
  }
  return NULL;
}

gboolean nara_simulcast_taken(const NaraPubTrack *layer)
{
  const GPtrArray *outputs = layer->group->outputs;
  for (guint i = 0; i < outputs->len; i++) {
    const NaraSubSlot *slot = g_ptr_array_index(outputs, i);
    if (slot->src == layer || slot->want == layer)
      return TRUE;
  }
  return FALSE;
}

static gboolean live(const NaraPubTrack *l, gint64 now)
{
  return l->last_packet_us && now - l->last_packet_us < LAYER_LIVE_US;
}

/* Asked back and not come yet: counted as there for a while. */
static gboolean resuming(const NaraPubTrack *l, gint64 now)
{
  return l->resumed_us && now - l->resumed_us < RESUME_WAIT_US && !live(l, now);
}

/* The publisher's client hears which of the group's layers to send, when
 * that changes. */
static void tell_publisher(NaraPubTrack *g)
{
  guint8 send = 0;
  for (guint k = 0; k < g->n_layers; k++)
    send |= g->layer[k]->send_paused ? 0 : (guint8)(1u << k);
  if (send == g->told_send)
    return;
  g->told_send = send;
  char rids[NARA_LAYERS_MAX * NARA_SDP_RID_LEN] = "";
  for (guint k = 0; k < g->n_layers; k++) {
    if (!(send & (1u << k)))
      continue;
    if (rids[0])
      g_strlcat(rids, " ", sizeof rids);
    g_strlcat(rids, g->layer[k]->rid, sizeof rids);
  }
  nara_media_peer_emit_send_layers(g->publisher->handle, g->info.id, g->mid, rids);
}

static void resume(NaraPubTrack *l, gint64 now)
{
  l->send_paused = FALSE;
  l->resumed_us = now;
  l->untaken_since_us = 0;
  tell_publisher(l->group);
}

static void sort_layers(const NaraPubTrack *g, NaraPubTrack **sorted);

/* TRUE if some subscriber's tile asks for the group's layer of rank k (its
 * link may not carry it yet: a link that starts, or that shrank for a
 * while). */
static gboolean tile_needs(const NaraPubTrack *g, guint k)
{
  for (guint i = 0; i < g->outputs->len; i++) {
    const NaraSubSlot *slot = g_ptr_array_index(g->outputs, i);
    if (slot->tile_rank == (gint)k)
      return TRUE;
  }
  return FALSE;
}

/* Every layer but the smallest that has flowed for PAUSE_UNTAKEN_US with
 * nobody taking it nor a tile's size asking for it is paused at the
 * source. A layer a tile asks for and the link cannot carry yet stays: a
 * link that starts grows to it in seconds, and a paused layer takes a
 * second or more to come back (its keyframe), rated by what it sent
 * before (in CI, a layer paused after its first keyframe was rated by
 * that burst and never came back). The smallest always flows: a
 * subscriber whose link collapses steps down to it at once, and one who
 * joins starts on it while a larger layer comes back. */
static void pause_untaken(NaraPubTrack *g, gint64 now)
{
  NaraPubTrack *sorted[NARA_LAYERS_MAX];
  sort_layers(g, sorted);
  for (guint k = 1; k < g->n_layers; k++) {
    NaraPubTrack *l = sorted[k];
    /* Counted only while it flows: a paused layer is rated by what it sent
     * before, and a layer that has just come on is rated by its keyframe. */
    if (nara_simulcast_taken(l) || tile_needs(g, k) || !live(l, now))
      l->untaken_since_us = 0;
    else if (!l->untaken_since_us)
      l->untaken_since_us = now;
    else if (!l->send_paused && now - l->untaken_since_us >= PAUSE_UNTAKEN_US)
      l->send_paused = TRUE;
  }
  tell_publisher(g);
}

void nara_simulcast_tick_publisher(NaraPeerCore *pub, gint64 now)
{
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA; i++) {
    if (!pub->track_used[i])
      continue;
    NaraPubTrack *g = &pub->tracks[i];
    if (g->n_layers > 1)
      pause_untaken(g, now);
    for (guint k = 0; k < g->n_layers; k++) {
      NaraPubTrack *l = g->layer[k];
      if (l->send_paused || resuming(l, now)) {
        /* Its rate is what it was when it flowed: the chooser weighs
         * asking it back by that. */
        l->octets = 0;
        memset(l->tid_octets, 0, sizeof l->tid_octets);
        continue;
      }
      guint32 bps = (guint32)MIN(l->octets * 8, G_MAXUINT32);
      /* Half the last second, half the history: a keyframe's burst does
       * not make a layer look twice as costly. */
      l->bitrate_bps = l->bitrate_bps ? l->bitrate_bps / 2 + bps / 2 : bps;
      l->octets = 0;
      for (guint t = 0; t < l->n_temporal; t++) {
        guint32 tbps = (guint32)MIN(l->tid_octets[t] * 8, G_MAXUINT32);
        l->tid_bps[t] = l->tid_bps[t] ? l->tid_bps[t] / 2 + tbps / 2 : tbps;
        l->tid_octets[t] = 0;
      }
    }
  }
}

/* Before any layer's rate is known: what the web client asks of each. */
static guint32 nominal_bps(guint n, guint rank)
{
  static const guint32 three[] = { 150000, 500000, 1500000 };
  static const guint32 two[] = { 250000, 1000000 };
  if (n == 3)
    return three[rank];
  if (n == 2)
    return two[rank];
  return SINGLE_LAYER_BPS;
}

/* The group's layers smallest first: by the size their keyframes showed
 * once all are known, else in the offer's order (the web client's q, h, f). */
static void sort_layers(const NaraPubTrack *g, NaraPubTrack **sorted)
{
  gboolean known = TRUE;
  for (guint k = 0; k < g->n_layers; k++) {
    sorted[k] = g->layer[k];
    known &= g->layer[k]->width > 0;
  }
  if (!known)
    return;
  for (guint a = 1; a < g->n_layers; a++)
    for (guint b = a; b > 0 && sorted[b]->width < sorted[b - 1]->width; b--) {
      NaraPubTrack *t = sorted[b];
      sorted[b] = sorted[b - 1];
      sorted[b - 1] = t;
    }
}

/* Layer l's temporal rates for the chooser: each temporal layer's share
 * of what l measured, applied to rate (measured or nominal). */
static void temporal_info(const NaraPubTrack *l, guint32 rate, NaraLayerInfo *info)
{
  guint64 total = 0, sum = 0;
  for (guint t = 0; t < l->n_temporal; t++)
    total += l->tid_bps[t];
  info->n_temporal = total ? l->n_temporal : 0;
  for (guint t = 0; t < info->n_temporal; t++) {
    sum += l->tid_bps[t];
    info->temporal_bps[t] = (guint32)(sum * rate / total);
  }
}

static const NaraView *find_view(const NaraPeerCore *sub, const char *track_id)
{
  for (guint i = 0; i < G_N_ELEMENTS(sub->views); i++)
    if (sub->views[i].track_id[0] && strcmp(sub->views[i].track_id, track_id) == 0)
      return &sub->views[i];
  return NULL;
}

static void apply(NaraSubSlot *slot, NaraPubTrack *want, guint8 tmax, NaraLayerState state,
                  gint64 now)
{
  if (want != slot->want || state != slot->state || tmax != slot->tmax_want) {
    const NaraDownlink *d = slot->subscriber->downlink;
    char frames[24] = "";
    if (tmax != NARA_TEMPORAL_ALL)
      g_snprintf(frames, sizeof frames, " temporal 0-%u", tmax);
    g_info("room %s participant %s: track %s layer %s%s%s (estimate %" G_GUINT64_FORMAT
           " bit/s, sending %" G_GUINT64_FORMAT ", feedback %s)",
           slot->subscriber->room->id, slot->subscriber->participant_id, slot->track_id,
           want ? want->rid : "none", frames,
           state == NARA_LAYER_PAUSED_BANDWIDTH ? " paused"
           : state == NARA_LAYER_PAUSED_HIDDEN  ? " hidden"
                                                : "",
           nara_downlink_estimate(d), d->sent_bps, d->feedback_seen ? "yes" : "no");
  }
  slot->state = state;
  slot->tmax_want = tmax;
  if (!want) {
    /* Paused: nothing more is sent for it, from this packet on. */
    slot->want = slot->src = NULL;
    return;
  }
  gboolean changed = slot->want != want;
  slot->want = want;
  if (want->send_paused)
    resume(want, now);
  if (want == slot->src)
    return;
  /* Until want's keyframe comes the old layer goes on (no freeze). Ask
   * again now and then: a keyframe request can be lost too. */
  if (changed || now - want->last_pli_us >= KEYFRAME_RETRY_US)
    nara_room_core_slot_keyframe(slot, changed);
}

/* Heavy loss on the downlink, with hysteresis: no flapping between sizes. */
static void judge_loss(NaraPeerCore *sub)
{
  gboolean was = sub->layers_lossy;
  sub->layers_lossy = nara_downlink_lossy(sub->downlink, was, LOSSY_FROM, LOSSY_UNTIL);
  if (sub->layers_lossy != was)
    g_info("room %s participant %s: downlink loses %u of 256: %s", sub->room->id,
           sub->participant_id, nara_downlink_loss(sub->downlink),
           sub->layers_lossy ? "no largest layers" : "largest layers again");
}

/* When a tile asks for more than its video gets and the estimate is what
 * holds it back, the downlink is probed for what all of them would need:
 * growth alone never gets there when one layer up costs several times
 * what is sent now (a camera's full layer against its half). */
static void probe_for_tiles(NaraPeerCore *sub, NaraSubSlot *const *video,
                            const NaraLayerChoice *choice, guint n, guint64 audio, gint64 now)
{
  guint64 need = audio;
  gboolean short_of = FALSE, can_copy = FALSE;
  for (guint i = 0; i < n; i++) {
    const NaraLayerChoice *c = &choice[i];
    /* Copies go as RTX, of a video that flows. */
    can_copy |= video[i]->rtx_pt && video[i]->src && c->chosen >= 0;
    if (c->wanted < 0)
      continue;
    gint take = c->chosen;
    if (c->wanted > c->chosen && c->layers[c->wanted].active) {
      take = c->wanted;
      short_of = TRUE;
    }
    if (take < 0)
      continue;
    guint64 rate = c->layers[take].bitrate_bps;
    /* Stepping up asks a quarter more than the rate (layers.c's cost). */
    need += take == c->chosen && c->chosen_tmax == NARA_TEMPORAL_ALL ? rate : rate + rate / 4;
  }
  if (short_of && can_copy && nara_downlink_probe(sub->downlink, need + need / 10, now))
    g_debug("room %s participant %s: probing the downlink for %" G_GUINT64_FORMAT " bit/s",
            sub->room->id, sub->participant_id, sub->downlink->probe_target_bps);
}

void nara_simulcast_choose(NaraPeerCore *sub, gint64 now)
{
  judge_loss(sub);
  NaraLayerChoice choice[NARA_SDP_MAX_MEDIA];
  NaraLayerInfo info[NARA_SDP_MAX_MEDIA][NARA_LAYERS_MAX];
  NaraPubTrack *sorted[NARA_SDP_MAX_MEDIA][NARA_LAYERS_MAX];
  NaraSubSlot *video[NARA_SDP_MAX_MEDIA];
  guint n = 0, n_audio = 0;
  for (guint i = 0; i < sub->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(sub->slots, i);
    NaraPubTrack *g = slot->track;
    if (!g)
      continue;
    if (slot->kind == NARA_TRACK_AUDIO) {
      n_audio++;
      if (!slot->want)
        apply(slot, g, NARA_TEMPORAL_ALL, NARA_LAYER_SENDING, now);
      continue;
    }
    if (n == G_N_ELEMENTS(video))
      break;
    NaraLayerChoice *c = &choice[n];
    memset(c, 0, sizeof *c);
    sort_layers(g, sorted[n]);
    gboolean any_live = FALSE;
    for (guint k = 0; k < g->n_layers; k++) {
      NaraPubTrack *l = sorted[n][k];
      info[n][k] = (NaraLayerInfo){
        .width = l->width,
        .height = l->height,
        .bitrate_bps
        = l->bitrate_bps && g->n_layers > 1 ? l->bitrate_bps : nominal_bps(g->n_layers, k),
        /* A layer paused at the source (or on its way back) is there to
         * switch to, not to start on: the layer the slot has goes on
         * until its keyframe comes. */
        .active = live(l, now) || (slot->src && (l->send_paused || resuming(l, now))),
      };
      temporal_info(l, info[n][k].bitrate_bps, &info[n][k]);
      any_live |= info[n][k].active;
      if (slot->src == l)
        c->current = (gint)k;
    }
    if (!slot->src)
      c->current = -1;
    c->current_tmax = slot->tmax_want;
    c->was_paused = slot->state == NARA_LAYER_PAUSED_BANDWIDTH;
    /* Before the publisher's media flows: aim where the tile says. */
    for (guint k = 0; k < g->n_layers && !any_live; k++)
      info[n][k].active = TRUE;
    c->layers = info[n];
    c->n_layers = g->n_layers;
    const NaraView *view = find_view(sub, slot->track_id);
    c->view_known = view != NULL;
    c->view_width = view ? view->width : 0;
    c->view_height = view ? view->height : 0;
    c->signing = g->publisher->signing;
    c->lossy = sub->layers_lossy;
    video[n++] = slot;
  }
  guint64 est = nara_downlink_estimate(sub->downlink);
  guint64 audio = (guint64)n_audio * NARA_LAYERS_AUDIO_BPS;
  nara_layers_choose(choice, n, est > audio ? est - audio : 0);
  probe_for_tiles(sub, video, choice, n, audio, now);
  for (guint i = 0; i < n; i++) {
    video[i]->tile_rank = (gint8)choice[i].wanted;
    apply(video[i], choice[i].chosen >= 0 ? sorted[i][choice[i].chosen] : NULL,
          choice[i].chosen_tmax, choice[i].state, now);
  }
}

void nara_simulcast_notify(NaraPeerCore *sub)
{
  for (guint i = 0; i < sub->slots->len; i++) {
    NaraSubSlot *slot = g_ptr_array_index(sub->slots, i);
    gboolean paused = slot->track && slot->state == NARA_LAYER_PAUSED_BANDWIDTH;
    if (paused == slot->told_paused)
      continue;
    slot->told_paused = paused;
    nara_media_peer_emit_video_paused(sub->handle, slot->track_id, paused);
  }
}
