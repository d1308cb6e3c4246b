/* handlers_media.c — publish, answer and candidate, and media's callbacks.
 *
 * Turns SDP and candidate messages into media.h calls on the sender's
 * publish or subscribe peer, and media's callbacks (local description,
 * local candidate, tracks, state, error) into messages to that sender.
 * SDP and candidates are never logged above debug level. Room-wide effects
 * of published tracks are in room.c.
 *
 * Threading: control thread; media invokes the callbacks there too.
 */
#include "signaling-private.h"
#include "permissions.h"
#include "validate.h"

#include <string.h>

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
  p->publish_id = json_integer_value(id);
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

void nara_handle_candidate(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  const char *pc = json_string_value(json_object_get(msg, "pc"));
  json_t *cand = json_object_get(msg, "candidate");
  NaraMediaPeer *peer = g_str_equal(pc, "publish") ? p->publish : p->subscribe;
  json_t *line, *mid;
  const char *text;

  if (json_is_null(cand)) {
    nara_media_peer_add_remote_candidate(peer, NULL);
    return;
  }
  line = json_object_get(cand, "candidate");
  mid = json_object_get(cand, "sdpMid");
  text = json_string_value(line);
  if (!text || json_string_length(line) > NARA_MAX_CANDIDATE_BYTES
      || strlen(text) != json_string_length(line)
      || (mid && !json_is_null(mid)
          && (!json_is_string(mid) || json_string_length(mid) > NARA_MAX_MID_BYTES
              || strlen(json_string_value(mid)) != json_string_length(mid)))) {
    nara_session_send_error(session, id, "bad-candidate",
                            "candidate.candidate must be a string (at most 1024 bytes) and "
                            "candidate.sdpMid a short string or null");
    return;
  }
  if (text[0] && !g_str_has_prefix(text, "candidate:") && !g_str_has_prefix(text, "a=candidate:")) {
    nara_session_send_error(session, id, "bad-candidate", "not an ICE candidate line");
    return;
  }
  if (text[0]) {
    /* With full ICE each remote candidate costs checks sent to its address. */
    guint *count = &p->candidates[peer == p->publish ? 0 : 1];
    if (*count >= session->sig->config.max_candidates) {
      nara_session_send_error(session, id, "too-many-candidates",
                              "this connection has all the candidates it may have");
      return;
    }
    (*count)++;
  }
  nara_media_peer_add_remote_candidate(peer, text[0] ? text : NULL);
}

static void on_local_description(NaraMediaPeer *peer, const char *type, const char *sdp,
                                 gpointer user_data)
{
  NaraParticipant *p = user_data;
  json_t *msg;

  if (peer == p->publish) {
    msg = json_pack("{s:s, s:s, s:s}", "type", "answer", "pc", "publish", "sdp", sdp);
    if (p->publish_id >= 0)
      json_object_set_new(msg, "id", json_integer(p->publish_id));
    p->publish_id = -1;
  } else {
    /* A new offer means media took the previous answer (it sends one at a time). */
    p->answer_pending = FALSE;
    p->answer_id = -1;
    msg = json_pack("{s:s, s:s, s:i, s:s}", "type", "offer", "pc", "subscribe", "revision",
                    ++p->revision, "sdp", sdp);
  }
  g_debug("%s: local %s for %s", p->id, type, pc_name(p, peer));
  nara_session_send_new(p->session, msg);
}

/* Media's candidates belong to its one BUNDLE transport, whose m-line is
 * the first (mid "0"). */
static void on_local_candidate(NaraMediaPeer *peer, const char *candidate, gpointer user_data)
{
  NaraParticipant *p = user_data;
  json_t *msg = json_pack("{s:s, s:s}", "type", "candidate", "pc", pc_name(p, peer));

  if (candidate)
    json_object_set_new(
        msg, "candidate",
        json_pack("{s:s, s:s, s:i}", "candidate", candidate, "sdpMid", "0", "sdpMLineIndex", 0));
  else
    json_object_set_new(msg, "candidate", json_null());
  nara_session_send_new(p->session, msg);
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
  if (state == NARA_PEER_STATE_FAILED) {
    json_t *msg = json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code", "media-failed", "pc",
                            pc_name(p, peer), "message",
                            "the media connection failed (ICE or DTLS); rejoin to retry");
    nara_session_send_new(p->session, msg);
  }
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

static const NaraMediaPeerCallbacks callbacks = {
  .local_description = on_local_description,
  .local_candidate = on_local_candidate,
  .tracks_published = on_tracks_published,
  .state_changed = on_state_changed,
  .error = on_error,
};

const NaraMediaPeerCallbacks *nara_media_glue_callbacks(void)
{
  return &callbacks;
}
