/* handlers_check.c — the pre-call media check of a consultation's link.
 *
 * A person holding a valid join link may, before joining, publish a test
 * picture to Nara and read round trip and loss from the RTCP Nara sends
 * back, and try the TURN relay: the media test of the pre-call check where
 * open rooms are off (docs/protocol.md, media-check). The token is checked
 * as a join checks it (signature, time, consultation not ended or
 * cancelled, participant there with that role and not removed), but
 * nothing joins: no waiting room, no member, no audit record, nobody is
 * told. The session gets a room of its own that no name reaches and no
 * limit counts as a room, for at most CHECK_SECS, then is back to hello
 * and may join. Only link holders may do it, so that the server is no
 * free media reflector for strangers; each check holds a socket (so
 * max_connections_per_ip bounds them per address), a node runs at most
 * MAX_LIVE_CHECKS at once and a session CHECKS_PER_SESSION in its life.
 * Nothing is stored; the log says a check started and ended.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"

/* Long enough to connect on a slow network and measure for a few seconds. */
#define CHECK_SECS 20
#define CHECKS_PER_SESSION 3
#define MAX_LIVE_CHECKS 16
/* The relay credential of a check: a few minutes, never the call's. */
#define CHECK_TURN_SECS 300

static const char *refusal(const NaraStoreConsultation *c, const NaraTokenClaims *claims,
                           const char **message)
{
  const NaraStoreParticipant *p = NULL;
  NaraRole role;

  if (c->status == NARA_CONSULTATION_CANCELLED) {
    *message = "this consultation was cancelled";
    return "consultation-cancelled";
  }
  if (c->status == NARA_CONSULTATION_ENDED) {
    *message = "this consultation has ended";
    return "consultation-ended";
  }
  for (guint i = 0; c->participants && i < c->participants->len && !p; i++)
    if (g_str_equal(((NaraStoreParticipant *)c->participants->pdata[i])->id, claims->participant))
      p = c->participants->pdata[i];
  if (!p || p->removed || !nara_role_from_string(claims->role, &role) || p->role != role) {
    *message = "this link's participant may not join the consultation";
    return "participant-not-found";
  }
  return NULL;
}

/* Why the node cannot run one more check for session, or NULL. */
static const char *limit_refusal(NaraSession *session, const char **message)
{
  NaraSignaling *sig = session->sig;

  if (sig->draining) {
    *message = "this server is about to restart: try again in a minute";
    return "draining";
  }
  if (session->checks >= CHECKS_PER_SESSION) {
    *message = "this session has run all the checks it may run";
    return "too-many-checks";
  }
  if (sig->checks_live >= MAX_LIVE_CHECKS) {
    *message = "this server is running as many checks as it may: try again shortly";
    return "too-many-checks";
  }
  return NULL;
}

static gboolean check_over(gpointer data)
{
  NaraSession *session = data;
  NaraParticipant *p = session->participant;

  session->check_source = 0;
  session->sig->checks_live--;
  g_message("s%" G_GUINT64_FORMAT ": media check over", session->serial);
  if (p && !p->member && session->state == NARA_SESSION_JOINED) {
    nara_session_send_new(session, nara_out_media_check_ended("time"));
    /* Frees the room too: it has nobody else. */
    nara_room_remove(p, "check-ended");
    session->state = NARA_SESSION_HELLO;
  }
  return G_SOURCE_REMOVE;
}

void nara_check_forget(NaraSession *session)
{
  if (!session->check_source)
    return;
  g_source_remove(session->check_source);
  session->check_source = 0;
  session->sig->checks_live--;
}

/* A room no name reaches ("k:" is no open room's, "c:" a consultation's)
 * and not in sig->rooms: nobody can join it, it takes no room of the
 * node's max_rooms, and nara_room_remove frees it with its one person. */
static NaraRoom *check_room_new(NaraSession *session)
{
  NaraRoom *room = g_new0(NaraRoom, 1);

  room->sig = session->sig;
  room->name = g_strdup_printf("k:%" G_GUINT64_FORMAT, session->serial);
  room->media_room = nara_media_room_new(session->sig->media, room->name);
  room->participants = g_ptr_array_new();
  return room;
}

static void start(NaraSession *session, json_t *id)
{
  NaraSignaling *sig = session->sig;
  const NaraTurnConfig *turn = &sig->config.turn;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  char tag[9];

  session->checks++;
  sig->checks_live++;
  nara_room_add(check_room_new(session), session, "check", NULL);
  session->check_source = g_timeout_add_seconds(CHECK_SECS, check_over, session);
  g_message("s%" G_GUINT64_FORMAT ": media check started (%u running)", session->serial,
            sig->checks_live);
  /* A random tag, as for a call's credential (handlers_session.c). */
  g_snprintf(tag, sizeof tag, "%08x", g_random_int());
  nara_session_send_new(
      session, nara_out_media_check_ready(
                   id, nara_turn_ice_servers(turn, now + MIN(turn->ttl_secs, CHECK_TURN_SECS), tag),
                   CHECK_SECS));
}

typedef struct {
  NaraSessionWait wait;
  NaraTokenClaims claims;
} Check;

static void consultation_read(NaraStoreResult *result, gpointer data)
{
  Check *c = data;
  NaraSession *session = nara_session_wait_get(&c->wait);
  const char *code = NULL, *message = NULL;

  if (!session)
    goto out;
  if (session->state != NARA_SESSION_HELLO) {
    nara_session_send_error(session, c->wait.id, "already-joined",
                            "this session is in a room already");
    goto out;
  }
  if (!result->consultation) {
    gboolean missing = g_error_matches(result->error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
    if (!missing)
      g_warning("store: cannot read consultation %s: %s", c->claims.consultation,
                result->error->message);
    code = missing ? "consultation-not-found" : "internal";
    message = missing ? "no such consultation" : "the consultation could not be read";
  }
  if (!code)
    code = refusal(result->consultation, &c->claims, &message);
  if (!code)
    code = limit_refusal(session, &message);
  if (code) {
    g_message("s%" G_GUINT64_FORMAT ": media check refused (%s)", session->serial, code);
    nara_session_send_error(session, c->wait.id, code, message);
    goto out;
  }
  start(session, c->wait.id);
out:
  nara_session_wait_clear(&c->wait);
  nara_token_claims_clear(&c->claims);
  g_free(c);
}

void nara_handle_media_check(NaraSession *session, json_t *msg, json_t *id)
{
  NaraSignaling *sig = session->sig;
  const char *token = json_string_value(json_object_get(msg, "token"));
  g_autoptr(GError) error = NULL;
  const char *code, *message = NULL;
  Check *c;

  if (session->state != NARA_SESSION_HELLO) {
    nara_session_send_error(session, id, "already-joined", "this session is in a room already");
    return;
  }
  if (!sig->store || !sig->tokens) {
    nara_session_send_error(session, id, "room-closed",
                            "consultations are not enabled on this server");
    return;
  }
  /* The cheap refusals before the store is asked. */
  code = limit_refusal(session, &message);
  if (code) {
    nara_session_send_error(session, id, code, message);
    return;
  }
  c = g_new0(Check, 1);
  if (!nara_token_verify(sig->tokens, token, g_get_real_time() / G_USEC_PER_SEC, &c->claims,
                         &error)) {
    code = nara_token_error_code(error);
    g_message("s%" G_GUINT64_FORMAT ": media check refused (%s)", session->serial,
              code ? code : "token-malformed");
    nara_session_send_error(session, id, code ? code : "token-malformed",
                            "the join link is not valid");
    nara_token_claims_clear(&c->claims);
    g_free(c);
    return;
  }
  nara_session_wait_init(&c->wait, session, id);
  nara_store_consultation_get_async(sig->store, c->claims.consultation, consultation_read, c);
}
