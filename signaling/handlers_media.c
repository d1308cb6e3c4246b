/* handlers_media.c — publish, answer and candidate, and media's callbacks.
 *
 * Turns SDP, candidate and view messages into media.h calls on the sender's
 * publish or subscribe peer, and media's callbacks (local description,
 * local candidate, tracks, state, error, video paused) into messages to
 * that sender.
 * SDP and candidates are never logged above debug level. Room-wide effects
 * of published tracks are in room.c.
 *
 * Threading: control thread; media invokes the callbacks there too.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"

static const char *pc_name(NaraParticipant *p, NaraMediaPeer *peer)
{
  return peer == p->publish ? "publish" : "subscribe";
}

void nara_handle_publish(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  const char *sdp = json_string_value(json_object_get(msg, "sdp"));

  if (p->member
      && !nara_permission_allowed(p->member->role, NARA_PERMISSION_PUBLISH,
                                  p->room->consultation->auto_admit)) {
    nara_session_send_error(session, id, "forbidden", "your role may not publish here");
    return;
  }
  /* One publish at a time: the answer is matched to the request by order. */
  if (p->publish_id >= 0) {
    nara_session_send_error(session, id, "bad-sdp", "the previous publish is not answered yet");
    return;
  }
  if (!nara_screen_check_publish(session, msg, id))
    return;
  p->publish_id = json_integer_value(id);
  p->offered = TRUE;
  nara_media_peer_set_remote_description(p->publish, "offer", sdp);
}

void nara_handle_answer(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  json_t *revision = json_object_get(msg, "revision");

  if (!g_str_equal(json_string_value(json_object_get(msg, "pc")), "subscribe")) {
    nara_session_send_error(session, id, "bad-message",
                            "answers are for pc 'subscribe' (publish answers come from Nara)");
    return;
  }
  if (p->revision == 0 || (revision && json_integer_value(revision) != (json_int_t)p->revision)
      || p->answer_pending) {
    nara_session_send_error(session, id, "stale-answer",
                            "this answers no current offer; wait for the next one");
    return;
  }
  p->answer_pending = TRUE;
  p->answer_id = id ? json_integer_value(id) : -1;
  nara_media_peer_set_remote_description(p->subscribe, "answer",
                                         json_string_value(json_object_get(msg, "sdp")));
}

/* "candidate:<foundation> <component> <transport> ..." (RFC 8839 §5.1):
 * TRUE when the transport is TCP. */
static gboolean is_tcp(const char *line)
{
  g_auto(GStrv) fields = g_strsplit(line, " ", 4);
  return g_strv_length(fields) >= 3 && g_ascii_strcasecmp(fields[2], "tcp") == 0;
}

/* The catalogue checked the shape (candidate.candidate a string of at most
 * 1024 bytes, sdpMid and sdpMLineIndex in bounds or null): what is left
 * is whether the connection can take it. */
void nara_handle_candidate(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  gboolean publish = g_str_equal(json_string_value(json_object_get(msg, "pc")), "publish");
  json_t *cand = json_object_get(msg, "candidate");
  NaraMediaPeer *peer = publish ? p->publish : p->subscribe;
  const char *text;

  /* A connection has something to trickle into only once it has a
   * description: publish after the client's publish, subscribe after
   * Nara's first offer. Earlier candidates would be dropped unseen. */
  if (publish ? !p->offered : p->revision == 0) {
    nara_session_send_error(session, id, "no-peer-connection",
                            publish ? "send publish before its candidates"
                                    : "there is no subscribe offer yet to trickle candidates for");
    return;
  }
  if (json_is_null(cand)) {
    nara_media_peer_add_remote_candidate(peer, NULL);
    return;
  }
  text = json_string_value(json_object_get(cand, "candidate"));
  if (text[0] && !g_str_has_prefix(text, "candidate:") && !g_str_has_prefix(text, "a=candidate:")) {
    nara_session_send_error(session, id, "bad-candidate", "not an ICE candidate line");
    return;
  }
  /* Nara's ICE is UDP only. Browsers trickle their TCP host candidates as
   * a matter of course, so refusing them would answer every client with
   * errors: they are accepted and dropped here, without counting against
   * the connection's candidates. */
  if (text[0] && is_tcp(g_str_has_prefix(text, "a=") ? text + 2 : text))
    return;
  if (text[0]) {
    /* With full ICE each remote candidate costs checks sent to its address. */
    guint *count = &p->candidates[publish ? 0 : 1];
    if (*count >= session->sig->config.max_candidates) {
      nara_session_send_error(session, id, "too-many-candidates",
                              "this connection has all the candidates it may have");
      return;
    }
    (*count)++;
  }
  nara_media_peer_add_remote_candidate(peer, text[0] ? text : NULL);
}

/* Larger than any screen: a bound, so the worker never sees nonsense. */
#define MAX_VIEW_PIXELS 16384

void nara_handle_view(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  json_int_t w = json_integer_value(json_object_get(msg, "width"));
  json_int_t h = json_integer_value(json_object_get(msg, "height"));

  if (w > MAX_VIEW_PIXELS || h > MAX_VIEW_PIXELS) {
    nara_session_send_error(session, id, "bad-message", "width and height are at most 16384");
    return;
  }
  if (p->subscribe)
    nara_media_peer_set_view(p->subscribe, json_string_value(json_object_get(msg, "track")),
                             (guint)w, (guint)h);
  if (id)
    nara_session_send_ok(session, id);
}

static void on_local_description(NaraMediaPeer *peer, const char *type, const char *sdp,
                                 gpointer user_data)
{
  NaraParticipant *p = user_data;
  json_t *msg;

  if (peer == p->publish) {
    msg = nara_out_publish_answer(p->publish_id, sdp);
    p->publish_id = -1;
  } else {
    /* A new offer means media took the previous answer (it sends one at a time). */
    p->answer_pending = FALSE;
    p->answer_id = -1;
    /* Kept to send again after a resume (resume.c). */
    g_free(p->last_offer);
    p->last_offer = g_strdup(sdp);
    msg = nara_out_subscribe_offer(++p->revision, sdp);
  }
  g_debug("%s: local %s for %s", p->id, type, pc_name(p, peer));
  nara_session_send_new(p->session, msg);
}

/* Media's candidates belong to its one BUNDLE transport, whose m-line is
 * the first (mid "0"). */
static void on_local_candidate(NaraMediaPeer *peer, const char *candidate, gpointer user_data)
{
  NaraParticipant *p = user_data;

  nara_session_send_new(p->session, nara_out_candidate(pc_name(p, peer), candidate, "0", 0));
}

static void on_tracks_published(NaraMediaPeer *peer, const NaraMediaTrack *tracks, guint n_tracks,
                                gpointer user_data)
{
  NaraParticipant *p = user_data;
  (void)peer;
  g_message("room %s: %s publishes %u tracks", p->room->name, p->id, n_tracks);
  nara_participant_set_tracks(p, tracks, n_tracks);
}

static void on_state_changed(NaraMediaPeer *peer, NaraPeerState state, gpointer user_data)
{
  NaraParticipant *p = user_data;
  static const char *const names[] = { "new", "connecting", "connected", "failed" };

  g_message("room %s: %s %s peer %s", p->room->name, p->id, pc_name(p, peer),
            state < G_N_ELEMENTS(names) ? names[state] : "?");
  if (state == NARA_PEER_STATE_FAILED)
    nara_session_send_new(p->session, nara_out_media_failed(pc_name(p, peer)));
}

static void on_error(NaraMediaPeer *peer, const GError *error, gpointer user_data)
{
  NaraParticipant *p = user_data;
  json_t *id = NULL;
  const char *code = "bad-candidate";

  /* A failed description is reported against the request that carried it;
   * anything else the peer rejects was a candidate. */
  if (peer == p->publish && p->publish_id >= 0) {
    code = "bad-sdp";
    id = json_integer(p->publish_id);
    p->publish_id = -1;
  } else if (peer == p->subscribe && p->answer_pending) {
    code = error->code == NARA_MEDIA_ERROR_STATE ? "stale-answer" : "bad-sdp";
    id = p->answer_id >= 0 ? json_integer(p->answer_id) : NULL;
    p->answer_pending = FALSE;
    p->answer_id = -1;
  }
  g_message("room %s: %s %s peer rejected input (%s)", p->room->name, p->id, pc_name(p, peer),
            code);
  nara_session_send_error(p->session, id, code, error->message);
  json_decref(id);
}

/* Audio first: the subscriber's link cannot carry this video now. */
static void on_video_paused(NaraMediaPeer *peer, const char *track_id, gboolean paused,
                            gpointer user_data)
{
  NaraParticipant *p = user_data;
  (void)peer;
  g_info("room %s: %s video %s %s", p->room->name, p->id, track_id,
         paused ? "paused (bandwidth)" : "resumed");
  nara_session_send_new(p->session, nara_out_video_paused(track_id, paused));
}

/* The subscriber's answer refused a track's codec: its client says so on
 * that person's tile; the rest of the call goes on. */
static void on_track_unplayable(NaraMediaPeer *peer, const char *track_id, const char *codec,
                                gpointer user_data)
{
  NaraParticipant *p = user_data;
  (void)peer;
  g_message("room %s: %s cannot decode %s of track %s", p->room->name, p->id, codec, track_id);
  nara_session_send_new(p->session, nara_out_track_unplayable(track_id, codec));
}

/* Layers of the participant's own video that nobody takes: its client
 * stops encoding them until Nara asks for them again. */
static void on_send_layers(NaraMediaPeer *peer, const char *track_id, const char *mid,
                           const char *rids, gpointer user_data)
{
  NaraParticipant *p = user_data;
  (void)peer;
  g_info("room %s: %s sends layers \"%s\" of %s", p->room->name, p->id, rids, track_id);
  nara_session_send_new(p->session, nara_out_send_layers(track_id, mid, rids));
}

static const NaraMediaPeerCallbacks callbacks = {
  .local_description = on_local_description,
  .local_candidate = on_local_candidate,
  .tracks_published = on_tracks_published,
  .state_changed = on_state_changed,
  .error = on_error,
  .video_paused = on_video_paused,
  .track_unplayable = on_track_unplayable,
  .send_layers = on_send_layers,
};

const NaraMediaPeerCallbacks *nara_media_glue_callbacks(void)
{
  return &callbacks;
}
