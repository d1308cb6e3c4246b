/* handlers_join_token.c — join a consultation with a token (JWT).
 *
 * Checks the token (auth/token.h), then the store (consultation on, the
 * participant in it with the token's role, not removed; the lock), replaces
 * an older session of the same participant, then enters the call or waits.
 * Every attempt is one "join-attempt" audit record, a wait one "waiting".
 * Tokens are never logged. Open-room joins are in handlers_session.c.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"
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
  nara_audit(session->sig, &record);
  nara_session_send_error(session, id, code, message);
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
}

/* Verified, allowed by the store: replace an older session, then enter or wait. */
static void admit_or_wait(NaraSession *session, json_t *id, const NaraStoreConsultation *stored,
                          const NaraTokenClaims *claims, const char *name, NaraRole role)
{
  NaraSignaling *sig = session->sig;
  NaraRoom *room = nara_room_lookup_consultation(sig, stored->id);
  NaraMember *old
      = room ? g_hash_table_lookup(room->consultation->members, claims->participant) : NULL;
  gboolean live = old && old->session;
  gboolean in_call = live && old->session->participant;
  gboolean now
      = in_call
        || nara_permission_allowed(role, NARA_PERMISSION_JOIN_WITHOUT_WAITING, stored->auto_admit);
  Asker who = { stored->id, claims->participant, claims->role, claims->assurance };
  const char *code = NULL;
  NaraMember *m;

  /* A locked consultation takes nobody new but hosts; someone already
   * there (waiting or in the call) reconnecting is not new. */
  if (stored->locked && role != NARA_ROLE_HOST && !live) {
    refuse(session, id, &who, "locked", "the consultation is locked");
    return;
  }
  /* A replacement frees its own seat; anyone else needs one. */
  if (now && !in_call && room && nara_room_is_full(room)) {
    refuse(session, id, &who, "room-full", "the consultation is full");
    return;
  }
  if (!room && g_hash_table_size(sig->rooms) >= sig->config.max_rooms) {
    refuse(session, id, &who, "too-many-rooms", "this server has too many rooms");
    return;
  }
  nara_audit(sig, &(NaraAuditRecord){ .event = "join-attempt",
                                      .consultation = stored->id,
                                      .actor = claims->participant,
                                      .actor_role = claims->role,
                                      .assurance = claims->assurance,
                                      .outcome = "ok" });
  if (live) {
    /* One live session per participant: the newest wins (a reload, a
     * second device). Someone in the call stays in the call. */
    if (in_call)
      nara_audit_members(sig, "leave", stored->id, old, NULL, "ok", "replaced");
    nara_consultation_kick(old, "replaced", "replaced");
  }
  /* The kick may have freed an idle room: look again. */
  room = nara_room_lookup_or_create_consultation(sig, stored, &code);
  if (!room) {
    nara_session_send_error(session, id, code, "this server has too many rooms");
    return;
  }
  m = nara_consultation_member(room, claims->participant, name, role, claims->assurance);
  m->session = session;
  session->member = m;
  if (now) {
    nara_room_enter(room, session, id, name, m);
    return;
  }
  nara_consultation_wait(m);
  send_waiting(session, id, m);
  nara_audit_members(sig, "waiting", stored->id, m, NULL, "ok", NULL);
}

void nara_handle_join_token(NaraSession *session, json_t *msg, json_t *id)
{
  NaraSignaling *sig = session->sig;
  const char *token = json_string_value(json_object_get(msg, "token"));
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) stored = NULL;
  g_autofree char *name = NULL;
  NaraTokenClaims claims = { 0 };
  const char *code, *message = NULL;
  NaraRole role;
  Asker who;

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
  name = nara_validate_display_name(claims.name, sig->config.max_name_chars);
  if (!nara_role_from_string(claims.role, &role) || !name) {
    refuse(session, id, &who, "token-claims", "the join link's role or name is not usable");
    goto out;
  }
  who.role = claims.role;
  stored = nara_store_consultation_get(sig->store, claims.consultation, &error);
  if (!stored) {
    gboolean missing = g_error_matches(error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND);
    if (!missing)
      g_warning("store: cannot read consultation %s: %s", claims.consultation, error->message);
    refuse(session, id, &who, missing ? "consultation-not-found" : "internal",
           missing ? "no such consultation" : "the consultation could not be read");
    goto out;
  }
  code = check_store(stored, find_participant(stored, claims.participant), role, &message);
  if (code) {
    refuse(session, id, &who, code, message);
    goto out;
  }
  admit_or_wait(session, id, stored, &claims, name, role);
out:
  nara_token_claims_clear(&claims);
}
