/* resume.c — sessions that outlive their socket, and ICE restarts asked for.
 *
 * Owns the resume secrets (one per participant, random, handed out in
 * `joined` and `resumed`, never logged), the grace window of a participant
 * whose WebSocket dropped (its media peers stay up, its frames queue, the
 * others get participant-reconnecting), the `resume` request that moves the
 * participant onto a new socket, and `restart-ice`. A join link never
 * reclaims a live participant: only its secret does (handlers_join_token.c
 * sends the link's second device to the waiting room instead).
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"
#include "placement.h"

#include <string.h>
#include <openssl/rand.h>

#include "b64url.h"

#define SECRET_BYTES 32

const char *nara_resume_issue(NaraParticipant *p)
{
  NaraSignaling *sig = p->room->sig;
  guint8 bytes[SECRET_BYTES];

  nara_resume_forget(p);
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    /* No secret, no resume: the session still works as before. */
    g_warning("room %s: %s: no random bytes for a resume secret", p->room->name, p->id);
    return NULL;
  }
  nara_b64url_encode_to(bytes, sizeof bytes, p->resume_secret);
  OPENSSL_cleanse(bytes, sizeof bytes);
  g_hash_table_insert(sig->resumable, p->resume_secret, p);
  nara_placement_secret_issued(p);
  return p->resume_secret;
}

void nara_resume_forget(NaraParticipant *p)
{
  if (p->resume_secret[0]) {
    nara_placement_secret_forgotten(p);
    g_hash_table_remove(p->room->sig->resumable, p->resume_secret);
  }
  OPENSSL_cleanse(p->resume_secret, sizeof p->resume_secret);
  p->resume_secret[0] = '\0';
}

void nara_resume_end(NaraSession *s)
{
  NaraSignaling *sig = s->sig;

  nara_consultation_session_gone(s, "disconnected");
  nara_signaling_uncount_session(sig, s);
  g_hash_table_remove(sig->sessions, s);
  nara_session_free(s);
}

static gboolean grace_over(gpointer data)
{
  NaraSession *s = data;

  s->grace_source = 0;
  g_message("s%" G_GUINT64_FORMAT " (%s): not resumed within %u s", s->serial,
            nara_session_log_id(s), s->sig->config.resume_grace_secs);
  nara_resume_end(s);
  return G_SOURCE_REMOVE;
}

gboolean nara_resume_detach(NaraSession *s)
{
  NaraParticipant *p = s->participant;
  guint grace = s->sig->config.resume_grace_secs;

  if (!p || !s->wsi || s->close_code || s->no_resume || !grace || !p->resume_secret[0])
    return FALSE;
  nara_signaling_uncount_session(s->sig, s);
  s->wsi = NULL;
  s->detached = TRUE;
  /* A keepalive drop killed it: it may queue again until it is resumed. */
  s->killed = FALSE;
  s->ping_due = FALSE;
  s->state = NARA_SESSION_JOINED;
  g_byte_array_set_size(s->rx, 0);
  s->grace_source = g_timeout_add_seconds(grace, grace_over, s);
  g_message("room %s: %s reconnecting (s%" G_GUINT64_FORMAT ", %u s to resume)", p->room->name,
            p->id, s->serial, grace);
  nara_room_broadcast(p->room, nara_out_participant_reconnecting(p->id), p);
  return TRUE;
}

/* What `joined` says, for the session that takes the participant over. */
static json_t *resumed_json(NaraParticipant *p, json_t *id, const char *secret)
{
  NaraRoom *room = p->room;
  json_t *others = json_array(), *you = nara_participant_to_json(p);

  for (guint i = 0; i < room->participants->len; i++)
    if (room->participants->pdata[i] != p)
      json_array_append_new(others, nara_participant_to_json(room->participants->pdata[i]));
  json_object_del(you, "tracks");
  json_object_del(you, "audioMuted");
  json_object_del(you, "videoMuted");
  return nara_out_resumed(id, room->name, you, others,
                          room->consultation ? nara_consultation_to_json(room->consultation) : NULL,
                          secret);
}

/* The new socket's session takes over participant, member and the frames
 * the old one could not send; the old session is freed. */
static void take_over(NaraSession *s, NaraSession *old)
{
  NaraParticipant *p = old->participant;
  NaraOutMsg *out;

  s->participant = p;
  p->session = s;
  s->member = old->member;
  if (s->member)
    s->member->session = s;
  s->state = NARA_SESSION_JOINED;
  old->participant = NULL;
  old->member = NULL;
  while ((out = g_queue_pop_head(&old->out))) {
    nara_session_send_out(s, out);
    nara_out_msg_unref(out);
  }
  g_hash_table_remove(s->sig->sessions, old);
  nara_session_free(old);
}

void nara_handle_resume(NaraSession *session, json_t *msg, json_t *id)
{
  NaraSignaling *sig = session->sig;
  const char *secret = json_string_value(json_object_get(msg, "secret"));
  NaraParticipant *p = secret ? g_hash_table_lookup(sig->resumable, secret) : NULL;
  NaraSession *old;
  gboolean was_detached;

  if (session->state != NARA_SESSION_HELLO) {
    nara_session_send_error(session, id, "already-joined", "this session is in a room already");
    return;
  }
  old = p ? p->session : NULL;
  if (old && old->killed) {
    /* Its queue overflowed while it was away: what it missed is lost. */
    nara_resume_end(old);
    old = NULL;
  }
  if (!old && secret && sig->registry) {
    /* Another node's participant (a client back at the URL it started
     * from): it is sent there, or told to join again. */
    nara_placement_resume(session, id, secret);
    return;
  }
  if (!old) {
    g_message("s%" G_GUINT64_FORMAT ": resume refused", session->serial);
    nara_session_send_error(session, id, "resume-expired",
                            "there is no session to resume (it ended, or the secret is wrong); "
                            "join again");
    return;
  }
  was_detached = old->detached;
  /* The client knows its old socket is dead before the server does. */
  nara_signaling_release_socket(sig, old);
  g_message("room %s: %s resumed (s%" G_GUINT64_FORMAT " after s%" G_GUINT64_FORMAT ")",
            p->room->name, p->id, session->serial, old->serial);
  /* The reply first, with a new secret, then what queued meanwhile. */
  nara_session_send_new(session, resumed_json(p, id, nara_resume_issue(p)));
  take_over(session, old);
  /* An offer lost with the old socket would hold the subscribe connection
   * forever (one offer at a time): send the latest again while unanswered. */
  if (p->revision && !p->answer_pending && p->last_offer)
    nara_session_send_new(session, nara_out_subscribe_offer(p->revision, p->last_offer));
  if (was_detached)
    nara_room_broadcast(p->room, nara_out_participant_reconnected(p->id), p);
  if (p->room->consultation)
    nara_consultation_send_waiting_list(p->room, p);
}

void nara_handle_restart_ice(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  gboolean publish = g_str_equal(json_string_value(json_object_get(msg, "pc")), "publish");

  /* A restart gathers anew: the trickle budget starts again. */
  p->candidates[publish ? 0 : 1] = 0;
  if (!publish) {
    if (p->revision == 0) {
      nara_session_send_error(session, id, "no-peer-connection",
                              "there is no subscribe connection to restart yet");
      return;
    }
    nara_media_peer_restart_ice(p->subscribe);
  }
  nara_session_send_ok(session, id);
}
