/* handlers_join_token.c — join a consultation with a token (JWT).
 *
 * Checks the token (auth/token.h), then the store (consultation on, the
 * participant in it with the token's role, not removed; the lock), replaces
 * an older waiting session of the same participant (one in the call is
 * not replaced: the link's second device waits), then enters or waits.
 * Every attempt is one "join-attempt" audit record, a wait one "waiting".
 * The store is read, and the record written, on the store's thread: the
 * join goes on in their callbacks, which find the session again by handle
 * (it may have closed or joined meanwhile). A refusal and an admission go
 * out only once the attempt's record is durable. Tokens are never logged.
 * Open-room joins are in handlers_session.c.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"
#include "placement.h"
#include "validate.h"

/* What is known of the person asking, for refusals' audit records. */
typedef struct {
  const char *consultation, *participant, *role, *assurance;
} Asker;

static void refuse(NaraSession *session, json_t *id, const Asker *who, const char *code,
                   const char *message)
{
  NaraAuditRecord record = {
    .event = "join-attempt",
    .consultation = who ? who->consultation : NULL,
    .actor = who ? who->participant : NULL,
    .actor_role = who ? who->role : NULL,
    .assurance = who ? who->assurance : NULL,
    .outcome = code,
  };

  g_message("s%" G_GUINT64_FORMAT ": join with token refused (%s, participant %s)", session->serial,
            code, who && who->participant ? who->participant : "unknown");
  nara_audit_then_error(session, id, &record, code, message);
}

/* A join between the store's read and its record: all it knows (owned). */
typedef struct {
  NaraSessionWait wait;
  NaraTokenClaims claims;
  char *name;
  NaraRole role;
  NaraStoreConsultation *stored;
  gboolean admitted; /* let into this consultation's call before, on any node */
} Join;

static Join *join_new(NaraSession *session, json_t *id, NaraTokenClaims *claims, char *name,
                      NaraRole role)
{
  Join *j = g_new0(Join, 1);

  nara_session_wait_init(&j->wait, session, id);
  j->claims = *claims; /* stolen */
  *claims = (NaraTokenClaims){ 0 };
  j->name = name;
  j->role = role;
  return j;
}

static void join_free(Join *j)
{
  nara_session_wait_clear(&j->wait);
  nara_token_claims_clear(&j->claims);
  g_free(j->name);
  g_clear_pointer(&j->stored, nara_store_consultation_free);
  g_free(j);
}

/* The session the join is for, if it is open and still not in a room. */
static NaraSession *join_session(Join *j)
{
  NaraSession *session = nara_session_wait_get(&j->wait);

  if (session && session->state == NARA_SESSION_HELLO)
    return session;
  if (session && (session->state == NARA_SESSION_JOINED || session->state == NARA_SESSION_WAITING))
    nara_session_send_error(session, j->wait.id, "already-joined",
                            "this session is in a room already");
  return NULL;
}

static const NaraStoreParticipant *find_participant(const NaraStoreConsultation *c, const char *id)
{
  for (guint i = 0; c->participants && i < c->participants->len; i++) {
    const NaraStoreParticipant *p = c->participants->pdata[i];
    if (g_str_equal(p->id, id))
      return p;
  }
  return NULL;
}

/* The store's verdict on a verified token; NULL = it may come in. */
static const char *check_store(const NaraStoreConsultation *c, const NaraStoreParticipant *p,
                               NaraRole role, const char **message)
{
  if (c->status == NARA_CONSULTATION_CANCELLED) {
    *message = "this consultation was cancelled";
    return "consultation-cancelled";
  }
  if (c->status == NARA_CONSULTATION_ENDED) {
    *message = "this consultation has ended";
    return "consultation-ended";
  }
  if (!p) {
    *message = "this link's participant is not in the consultation";
    return "participant-not-found";
  }
  if (p->role != role) {
    *message = "this link's role does not match the consultation";
    return "role-mismatch";
  }
  if (p->removed) {
    *message = "a host removed you from this consultation";
    return "participant-removed";
  }
  return NULL;
}

static void send_waiting(NaraSession *session, json_t *id, NaraMember *m)
{
  NaraConsultation *c = m->room->consultation;

  nara_session_send_new(session, nara_out_waiting(id, c->id, c->title, m->id, m->name,
                                                  nara_role_to_string(m->role), m->assurance));
  nara_telemetry_join_answered(session);
}

/* Why the room cannot take this join now, or NULL. */
static const char *room_refusal(NaraSignaling *sig, const Join *j, const char **message)
{
  const NaraStoreConsultation *stored = j->stored;
  const NaraTokenClaims *claims = &j->claims;
  NaraRole role = j->role;
  NaraRoom *room = nara_room_lookup_consultation(sig, stored->id);
  NaraMember *old
      = room ? g_hash_table_lookup(room->consultation->members, claims->participant) : NULL;
  gboolean live = old && old->session;
  gboolean in_call = live && old->session->participant;
  gboolean now
      = in_call || j->admitted
        || nara_permission_allowed(role, NARA_PERMISSION_JOIN_WITHOUT_WAITING, stored->auto_admit);

  /* A locked consultation takes nobody new but hosts; someone already
   * there (waiting or in the call) reconnecting is not new. */
  if (stored->locked && role != NARA_ROLE_HOST && !live) {
    *message = "the consultation is locked";
    return "locked";
  }
  /* A replacement frees its own seat; anyone else needs one. */
  if (now && !in_call && room && nara_room_is_full(room)) {
    *message = "the consultation is full";
    return "room-full";
  }
  if (!room && sig->draining) {
    *message = "this server is about to restart: try again in a minute";
    return "draining";
  }
  if (!room && g_hash_table_size(sig->rooms) >= sig->config.max_rooms) {
    *message = "this server has too many rooms";
    return "too-many-rooms";
  }
  return NULL;
}

/* Verified, allowed by the store and the room, recorded: replace an older
 * session, then enter or wait. */
static void admit_or_wait(NaraSession *session, json_t *id, const Join *j)
{
  const NaraStoreConsultation *stored = j->stored;
  const NaraTokenClaims *claims = &j->claims;
  const char *name = j->name;
  NaraRole role = j->role;
  NaraSignaling *sig = session->sig;
  NaraRoom *room = nara_room_lookup_consultation(sig, stored->id);
  NaraMember *old
      = room ? g_hash_table_lookup(room->consultation->members, claims->participant) : NULL;
  gboolean live = old && old->session;
  gboolean in_call = live && old->session->participant;
  /* Admitted before on a node that failed or drained: the person was in
   * the call, and is not sent back to the waiting room. */
  gboolean now
      = in_call || j->admitted
        || nara_permission_allowed(role, NARA_PERMISSION_JOIN_WITHOUT_WAITING, stored->auto_admit);
  const char *code = NULL;
  NaraMember *m;

  if (in_call) {
    /* A link is not a session: while its participant is in the call (or
     * reconnecting), only the resume secret takes that place. The link's
     * second device waits; a host may admit it (it then replaces the
     * first) or decline it. A forwarded link cannot push anyone out. */
    send_waiting(session, id, old);
    nara_consultation_wait_second(old, session);
    nara_audit_members(sig, "waiting", stored->id, old, NULL, "ok", "second device");
    return;
  }
  if (live) {
    /* Someone in the waiting room who comes again (a reload): the newest
     * session waits in their place. */
    nara_consultation_kick(old, "replaced", "replaced");
  }
  /* The kick may have freed an idle room: look again. */
  room = nara_room_lookup_or_create_consultation(sig, stored, &code);
  if (!room) {
    nara_session_send_error(session, id, code,
                            g_str_equal(code, "draining")
                                ? "this server is about to restart: try again in a minute"
                                : "this server has too many rooms");
    return;
  }
  m = nara_consultation_member(room, claims->participant, name, role, claims->assurance);
  nara_interp_booked(m, find_participant(stored, claims->participant));
  m->session = session;
  session->member = m;
  if (now) {
    nara_room_enter(room, session, id, name, m);
    nara_placement_admitted(m);
    return;
  }
  nara_consultation_wait(m);
  send_waiting(session, id, m);
  nara_audit_members(sig, "waiting", stored->id, m, NULL, "ok", NULL);
}

/* The join-attempt record is durable: the join goes on, unless the room
 * changed meanwhile (then a second record says why it did not). */
static void attempt_recorded(Join *j)
{
  NaraSession *session = join_session(j);
  Asker who = { j->stored->id, j->claims.participant, j->claims.role, j->claims.assurance };
  const char *code, *message = NULL;

  if (!session)
    goto out;
  code = room_refusal(session->sig, j, &message);
  if (code)
    refuse(session, j->wait.id, &who, code, message);
  else
    admit_or_wait(session, j->wait.id, j);
out:
  join_free(j);
}

static void attempt_written(NaraStoreResult *result, gpointer data)
{
  Join *j = data;

  if (result->error)
    g_warning("audit: join-attempt record for consultation %s not written: %s", j->stored->id,
              result->error->message);
  attempt_recorded(j);
}

/* A link with identifiers only (docs/consultations.md "Tokens"): the name
 * and identity level are the store's. Older links and an identity
 * provider's may still carry them; then those count, as before. */
static const char *fill_from_store(Join *j, const NaraStoreParticipant *p, guint max_chars,
                                   const char **message)
{
  if (!j->name)
    j->name = nara_validate_display_name(p->name, max_chars);
  if (!j->claims.assurance)
    j->claims.assurance = g_strdup(p->assurance ? p->assurance : "none");
  if (j->name)
    return NULL;
  *message = "the participant's stored name is not usable";
  return "token-claims";
}

/* The consultation as stored (or why not): check it, record, go on. */
static void consultation_read(NaraStoreResult *result, gpointer data)
{
  Join *j = data;
  NaraSession *session = join_session(j);
  Asker who
      = { j->claims.consultation, j->claims.participant, j->claims.role, j->claims.assurance };
  const char *code, *message = NULL;

  if (!session) {
    join_free(j);
    return;
  }
  if (!result->consultation) {
    gboolean missing = g_error_matches(result->error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
    if (!missing)
      g_warning("store: cannot read consultation %s: %s", j->claims.consultation,
                result->error->message);
    refuse(session, j->wait.id, &who, missing ? "consultation-not-found" : "internal",
           missing ? "no such consultation" : "the consultation could not be read");
    join_free(j);
    return;
  }
  j->stored = g_steal_pointer(&result->consultation);
  who.consultation = j->stored->id;
  code = check_store(j->stored, find_participant(j->stored, j->claims.participant), j->role,
                     &message);
  if (!code)
    code = fill_from_store(j, find_participant(j->stored, j->claims.participant),
                           session->sig->config.max_name_chars, &message);
  if (!code)
    code = room_refusal(session->sig, j, &message);
  if (code) {
    refuse(session, j->wait.id, &who, code, message);
    join_free(j);
    return;
  }
  nara_store_audit_append_async(session->sig->store,
                                &(NaraAuditRecord){ .event = "join-attempt",
                                                    .consultation = j->stored->id,
                                                    .actor = j->claims.participant,
                                                    .actor_role = j->claims.role,
                                                    .assurance = j->claims.assurance,
                                                    .outcome = "ok" },
                                attempt_written, j);
}

/* The consultation runs here (placement.c): read it from the store. */
static void placed(NaraSession *session, gboolean admitted, gpointer data)
{
  Join *j = data;

  j->admitted = admitted;
  nara_store_consultation_get_async(session->sig->store, j->claims.consultation, consultation_read,
                                    j);
}

void nara_handle_join_token(NaraSession *session, json_t *msg, json_t *id)
{
  NaraSignaling *sig = session->sig;
  const char *token = json_string_value(json_object_get(msg, "token"));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  NaraTokenClaims claims = { 0 };
  const char *code;
  NaraRole role;
  Asker who;
  Join *join;
  g_autofree char *room_key = NULL;

  if (!sig->store || !sig->tokens) {
    nara_session_send_error(session, id, "room-closed",
                            "consultations are not enabled on this server");
    return;
  }
  if (!nara_token_verify(sig->tokens, token, g_get_real_time() / G_USEC_PER_SEC, &claims, &error)) {
    /* Unverified claims are not evidence of anything: the record has none. */
    code = nara_token_error_code(error);
    refuse(session, id, NULL, code ? code : "token-malformed", "the join link is not valid");
    goto out;
  }
  who = (Asker){ claims.consultation, claims.participant, NULL, claims.assurance };
  /* Nara's links carry no name (the store has it: consultation_read). */
  name = claims.name ? nara_validate_display_name(claims.name, sig->config.max_name_chars) : NULL;
  if (!nara_role_from_string(claims.role, &role) || (claims.name && !name)) {
    refuse(session, id, &who, "token-claims", "the join link's role or name is not usable");
    goto out;
  }
  who.role = claims.role;
  join = join_new(session, id, &claims, g_steal_pointer(&name), role);
  room_key = g_strconcat("c:", join->claims.consultation, NULL);
  nara_placement_join(session, id, room_key, join->claims.participant, placed,
                      (GDestroyNotify)join_free, join);
out:
  nara_token_claims_clear(&claims);
}
