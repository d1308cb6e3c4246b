/* fake_media.c — a stand-in for media.h, linked only into test binaries.
 *
 * Answers publish offers with a fixed SDP, reports one track per m-line,
 * sends subscribe offers one at a time and rejects anything not starting
 * with "v=0" as bad SDP, so signaling can be tested without ICE or DTLS.
 * Like the real module it never calls back synchronously: events are
 * queued and delivered from an idle source, and none after close.
 *
 * Threading: control thread only (there are no workers).
 */
#include <string.h>

#include "media.h"

G_DEFINE_QUARK(nara - media - error - quark, nara_media_error)

struct _NaraMedia {
  char fingerprint[8];
};
struct _NaraMediaRoom {
  NaraMedia *media;
};

typedef enum { EV_DESCRIPTION, EV_TRACKS, EV_ERROR, EV_CANDIDATE } EventKind;

typedef struct {
  EventKind kind;
  char *type, *sdp;
  NaraMediaTrack *tracks;
  guint n_tracks;
  GError *error;
} Event;

struct _NaraMediaPeer {
  NaraPeerRole role;
  char participant[NARA_MEDIA_ID_LEN];
  NaraMediaPeerCallbacks cb;
  gpointer user_data;
  GQueue events;
  guint idle;
  gboolean offer_outstanding, dirty;
  NaraMediaTrack subs[NARA_MEDIA_MAX_TRACKS];
  guint n_subs;
};

static void event_free(Event *ev)
{
  g_free(ev->type);
  g_free(ev->sdp);
  g_free(ev->tracks);
  g_clear_error(&ev->error);
  g_free(ev);
}

static gboolean deliver(gpointer data)
{
  NaraMediaPeer *peer = data;
  Event *ev;
  peer->idle = 0;
  /* A callback may close the peer: take one event at a time and re-check. */
  while (peer->idle == 0 && (ev = g_queue_pop_head(&peer->events))) {
    peer->idle = G_MAXUINT; /* mark "delivering" */
    switch (ev->kind) {
    case EV_DESCRIPTION:
      peer->cb.local_description(peer, ev->type, ev->sdp, peer->user_data);
      break;
    case EV_TRACKS:
      peer->cb.tracks_published(peer, ev->tracks, ev->n_tracks, peer->user_data);
      break;
    case EV_ERROR:
      peer->cb.error(peer, ev->error, peer->user_data);
      break;
    case EV_CANDIDATE:
      peer->cb.local_candidate(peer, ev->sdp, peer->user_data);
      break;
    }
    event_free(ev);
    if (peer->idle == G_MAXUINT - 1) { /* closed from the callback */
      g_free(peer);
      return G_SOURCE_REMOVE;
    }
    peer->idle = 0;
  }
  return G_SOURCE_REMOVE;
}

static void post(NaraMediaPeer *peer, Event *ev)
{
  g_queue_push_tail(&peer->events, ev);
  if (!peer->idle)
    peer->idle = g_idle_add(deliver, peer);
}

static void post_error(NaraMediaPeer *peer, int code, const char *message)
{
  Event *ev = g_new0(Event, 1);
  ev->kind = EV_ERROR;
  ev->error = g_error_new_literal(NARA_MEDIA_ERROR, code, message);
  post(peer, ev);
}

NaraMedia *nara_media_new(const NaraMediaConfig *config, GMainContext *control, GError **error)
{
  (void)config, (void)control, (void)error;
  return g_new0(NaraMedia, 1);
}

void nara_media_free(NaraMedia *media)
{
  g_free(media);
}

void nara_media_get_stats(NaraMedia *media, NaraMediaStats *stats)
{
  (void)media;
  memset(stats, 0, sizeof *stats);
}

gboolean nara_media_workers_alive(NaraMedia *media)
{
  (void)media;
  return TRUE;
}

const char *nara_media_fingerprint(NaraMedia *media)
{
  (void)media;
  return "00:11";
}

NaraMediaRoom *nara_media_room_new(NaraMedia *media, const char *room_id)
{
  NaraMediaRoom *room = g_new0(NaraMediaRoom, 1);
  (void)room_id;
  room->media = media;
  return room;
}

void nara_media_room_free(NaraMediaRoom *room)
{
  g_free(room);
}

NaraMediaPeer *nara_media_peer_new(NaraMediaRoom *room, NaraPeerRole role,
                                   const char *participant_id,
                                   const NaraMediaPeerCallbacks *callbacks, gpointer user_data)
{
  NaraMediaPeer *peer = g_new0(NaraMediaPeer, 1);
  (void)room;
  peer->role = role;
  g_strlcpy(peer->participant, participant_id, sizeof peer->participant);
  peer->cb = *callbacks;
  peer->user_data = user_data;
  g_queue_init(&peer->events);
  return peer;
}

void nara_media_peer_close(NaraMediaPeer *peer)
{
  if (!peer)
    return;
  g_queue_clear_full(&peer->events, (GDestroyNotify)event_free);
  if (peer->idle == G_MAXUINT) { /* inside deliver(): let it free the peer */
    peer->idle = G_MAXUINT - 1;
    return;
  }
  if (peer->idle)
    g_source_remove(peer->idle);
  g_free(peer);
}

static void send_offer(NaraMediaPeer *peer)
{
  GString *sdp = g_string_new("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
  Event *ev = g_new0(Event, 1);
  for (guint i = 0; i < peer->n_subs; i++)
    g_string_append_printf(sdp, "m=%s 9 UDP/TLS/RTP/SAVPF 96\r\na=msid:%s %s\r\n",
                           peer->subs[i].kind == NARA_TRACK_AUDIO ? "audio" : "video",
                           peer->subs[i].stream_id, peer->subs[i].id);
  ev->kind = EV_DESCRIPTION;
  ev->type = g_strdup("offer");
  ev->sdp = g_string_free(sdp, FALSE);
  peer->offer_outstanding = TRUE;
  peer->dirty = FALSE;
  post(peer, ev);
}

static void apply_offer(NaraMediaPeer *peer, const char *sdp)
{
  g_auto(GStrv) lines = g_strsplit(sdp, "\n", -1);
  Event *answer = g_new0(Event, 1), *tracks = g_new0(Event, 1);
  guint mline = 0;

  tracks->kind = EV_TRACKS;
  tracks->tracks = g_new0(NaraMediaTrack, NARA_MEDIA_MAX_TRACKS);
  for (guint i = 0; lines[i] && tracks->n_tracks < NARA_MEDIA_MAX_TRACKS; i++) {
    gboolean audio = g_str_has_prefix(lines[i], "m=audio ");
    if (!audio && !g_str_has_prefix(lines[i], "m=video ")) {
      if (g_str_has_prefix(lines[i], "m="))
        mline++;
      continue;
    }
    NaraMediaTrack *t = &tracks->tracks[tracks->n_tracks++];
    g_snprintf(t->id, sizeof t->id, "%s-%u", peer->participant, mline++);
    g_strlcpy(t->stream_id, peer->participant, sizeof t->stream_id);
    t->kind = audio ? NARA_TRACK_AUDIO : NARA_TRACK_VIDEO;
  }
  answer->kind = EV_DESCRIPTION;
  answer->type = g_strdup("answer");
  answer->sdp = g_strdup("v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
  post(peer, answer);
  post(peer, tracks);
  Event *cand = g_new0(Event, 1);
  cand->kind = EV_CANDIDATE;
  cand->sdp = g_strdup("candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host");
  post(peer, cand);
}

void nara_media_peer_set_remote_description(NaraMediaPeer *peer, const char *type, const char *sdp)
{
  if (!g_str_has_prefix(sdp, "v=0")) {
    post_error(peer, NARA_MEDIA_ERROR_BAD_SDP, "not an SDP description (no v=0 line)");
    return;
  }
  if (peer->role == NARA_PEER_PUBLISH && g_str_equal(type, "offer")) {
    apply_offer(peer, sdp);
  } else if (peer->role == NARA_PEER_SUBSCRIBE && g_str_equal(type, "answer")) {
    if (!peer->offer_outstanding) {
      post_error(peer, NARA_MEDIA_ERROR_STATE, "no offer to answer");
      return;
    }
    peer->offer_outstanding = FALSE;
    if (peer->dirty)
      send_offer(peer);
  } else {
    post_error(peer, NARA_MEDIA_ERROR_STATE, "wrong description type for this peer");
  }
}

void nara_media_peer_add_remote_candidate(NaraMediaPeer *peer, const char *candidate)
{
  if (candidate && !strstr(candidate, " typ "))
    post_error(peer, NARA_MEDIA_ERROR_BAD_SDP, "candidate has no type");
}

void nara_media_peer_set_subscriptions(NaraMediaPeer *peer, const NaraMediaTrack *tracks,
                                       guint n_tracks)
{
  peer->n_subs = MIN(n_tracks, NARA_MEDIA_MAX_TRACKS);
  /* An empty set may come as NULL (an empty GArray's data); memcpy must not see it. */
  if (peer->n_subs)
    memcpy(peer->subs, tracks, peer->n_subs * sizeof *tracks);
  if (peer->offer_outstanding)
    peer->dirty = TRUE;
  else
    send_offer(peer);
}

/* Logged, so that integration tests can see what the server enforced
 * (there is no packet path here to count). */
void nara_media_peer_set_view(NaraMediaPeer *peer, const char *track_id, guint width, guint height)
{
  g_message("fake-media: %s view %s %ux%u", peer->participant, track_id, width, height);
}

void nara_media_peer_set_signing(NaraMediaPeer *peer, gboolean signing)
{
  g_message("fake-media: %s signing %s", peer->participant, signing ? "on" : "off");
}

void nara_media_peer_set_forwarding(NaraMediaPeer *peer, NaraTrackKind kind, gboolean forward)
{
  g_message("fake-media: %s %s forwarding %s", peer->participant,
            kind == NARA_TRACK_AUDIO ? "audio" : "video", forward ? "on" : "off");
}

void nara_media_peer_restart_ice(NaraMediaPeer *peer)
{
  g_message("fake-media: %s ICE restart", peer->participant);
}
