/* handlers_host.c — admit, decline, admit-all, host-mute, remove, readmit, lock, end.
 *
 * One function per message type. Each checks the sender's role against the
 * permission table (forbidden), then its target (no-such-participant),
 * then changes the store where the change must outlive the call, replies
 * ok, applies it to the live sessions and writes one audit record. A
 * refused request changes nothing. Host mutes are enforced in media.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"

/* The sender, if its role may do perm here; else an error reply and NULL. */
static NaraMember *sender_may(NaraSession *session, json_t *id, NaraPermission perm)
{
  NaraParticipant *p = session->participant;

  if (!p->member
      || !nara_permission_allowed(p->member->role, perm, p->room->consultation->auto_admit)) {
    g_autofree char *m = g_strdup_printf("your role may not %s", nara_permission_name(perm));
    nara_session_send_error(session, id, "forbidden", m);
    return NULL;
  }
  return p->member;
}

static void no_such(NaraSession *session, json_t *id, const char *what)
{
  g_autofree char *m = g_strdup_printf("no %s with that id", what);
  nara_session_send_error(session, id, "no-such-participant", m);
}

/* The member named by the request's "participant" who is waiting (or, with
 * in_call, in the call); else an error reply and NULL. */
static NaraMember *live_target(NaraSession *session, json_t *msg, json_t *id, gboolean in_call)
{
  NaraConsultation *c = session->participant->room->consultation;
  const char *pid = json_string_value(json_object_get(msg, "participant"));
  NaraMember *m = g_hash_table_lookup(c->members, pid);

  if (!m || !m->session || (in_call ? m->session->participant == NULL : m->waiting_since == 0)) {
    no_such(session, id, in_call ? "participant in the call" : "waiting participant");
    return NULL;
  }
  return m;
}

static void audit_store_subject(NaraSignaling *sig, const char *event, const char *consultation,
                                const NaraMember *actor, const NaraStoreParticipant *subject)
{
  NaraAuditRecord record = {
    .event = event,
    .consultation = consultation,
    .actor = actor->id,
    .actor_role = nara_role_to_string(actor->role),
    .subject = subject->id,
    .subject_role = nara_role_to_string(subject->role),
    .assurance = subject->assurance,
    .outcome = "ok",
  };
  nara_audit(sig, &record);
}

/* (transfer full) The consultation as stored, or NULL after an error reply. */
static NaraStoreConsultation *load(NaraSession *session, json_t *id)
{
  g_autoptr(GError) error = NULL;
  NaraStoreConsultation *c = nara_store_consultation_get(
      session->sig->store, session->participant->room->consultation->id, &error);

  if (!c) {
    g_warning("store: cannot read consultation %s: %s",
              session->participant->room->consultation->id, error->message);
    nara_session_send_error(session, id, "internal", "the consultation could not be read");
  }
  return c;
}

static gboolean store_failed(NaraSession *session, json_t *id, GError *error)
{
  g_warning("store: %s: %s", session->participant->room->name, error->message);
  nara_session_send_error(session, id, "internal", "the change could not be stored");
  return FALSE;
}

void nara_handle_admit(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_ADMIT), *m;
  NaraRoom *room = session->participant->room;

  if (!host || !(m = live_target(session, msg, id, FALSE)))
    return;
  if (nara_room_is_full(room)) {
    nara_session_send_error(session, id, "room-full", "the consultation is full");
    return;
  }
  nara_session_send_ok(session, id);
  nara_audit_members(session->sig, "admit", room->consultation->id, host, m, "ok", NULL);
  nara_consultation_admit(m);
}

void nara_handle_decline(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_ADMIT), *m;
  NaraRoom *room = session->participant->room;

  if (!host || !(m = live_target(session, msg, id, FALSE)))
    return;
  nara_session_send_ok(session, id);
  nara_audit_members(session->sig, "decline", room->consultation->id, host, m, "ok", NULL);
  nara_consultation_kick(m, "declined", "declined");
}

void nara_handle_admit_all(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_ADMIT);
  NaraRoom *room = session->participant->room;
  g_autoptr(GPtrArray) waiting = NULL;

  (void)msg;
  if (!host)
    return;
  /* All or nothing, so that a refused request changes nothing. */
  if (room->participants->len + room->consultation->waiting->len
      > room->sig->config.max_participants) {
    nara_session_send_error(session, id, "room-full", "not everyone waiting fits in the call");
    return;
  }
  waiting = g_ptr_array_copy(room->consultation->waiting, NULL, NULL);
  nara_session_send_ok(session, id);
  for (guint i = 0; i < waiting->len; i++) {
    nara_audit_members(session->sig, "admit", room->consultation->id, host, waiting->pdata[i], "ok",
                       "all");
    nara_consultation_admit(waiting->pdata[i]);
  }
}

void nara_handle_host_mute(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_MUTE_OTHERS), *m;
  NaraRoom *room = session->participant->room;
  const char *kind = json_string_value(json_object_get(msg, "kind"));
  NaraTrackKind k = g_str_equal(kind, "audio") ? NARA_TRACK_AUDIO : NARA_TRACK_VIDEO;
  gboolean muted = json_is_true(json_object_get(msg, "muted"));
  g_autofree char *detail = NULL;

  if (!host || !(m = live_target(session, msg, id, TRUE)))
    return;
  /* Enforced in media: what the target's client does no longer matters.
   * Media asks for a keyframe itself when video forwarding resumes. */
  m->host_muted[k] = muted;
  nara_consultation_apply_forwarding(m, k);
  nara_session_send_ok(session, id);
  nara_session_send_new(m->session, nara_out_muted_by_host(kind, muted));
  nara_room_broadcast(room, nara_out_mute_changed(m->id, kind, muted, NARA_MUTE_HOST), NULL);
  detail = g_strdup_printf("%s %s", kind, muted ? "muted" : "unmuted");
  nara_audit_members(session->sig, "mute", room->consultation->id, host, m, "ok", detail);
}

/* remove and readmit: the target is any participant of the consultation
 * in the store (a removed one has no session). */
static void set_removed(NaraSession *session, json_t *msg, json_t *id, gboolean removed)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_REMOVE), *m;
  NaraRoom *room = session->participant->room;
  const char *pid = json_string_value(json_object_get(msg, "participant"));
  g_autoptr(NaraStoreConsultation) stored = NULL;
  g_autoptr(GError) error = NULL;
  const NaraStoreParticipant *target = NULL;

  if (!host || !(stored = load(session, id)))
    return;
  for (guint i = 0; stored->participants && i < stored->participants->len; i++)
    if (g_str_equal(((NaraStoreParticipant *)stored->participants->pdata[i])->id, pid))
      target = stored->participants->pdata[i];
  if (!target) {
    no_such(session, id, "participant of this consultation");
    return;
  }
  if (removed && g_str_equal(pid, host->id)) {
    nara_session_send_error(session, id, "bad-message", "to go, send leave");
    return;
  }
  if (!nara_store_participant_set_removed(session->sig->store, stored->id, pid, removed, &error)) {
    store_failed(session, id, error);
    return;
  }
  nara_session_send_ok(session, id);
  audit_store_subject(session->sig, removed ? "remove" : "readmit", stored->id, host, target);
  m = g_hash_table_lookup(room->consultation->members, pid);
  if (removed && m)
    nara_consultation_kick(m, "removed", "removed");
}

void nara_handle_remove(NaraSession *session, json_t *msg, json_t *id)
{
  set_removed(session, msg, id, TRUE);
}

void nara_handle_readmit(NaraSession *session, json_t *msg, json_t *id)
{
  set_removed(session, msg, id, FALSE);
}

void nara_handle_lock(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_LOCK);
  NaraRoom *room = session->participant->room;
  gboolean locked = json_is_true(json_object_get(msg, "locked"));
  g_autoptr(NaraStoreConsultation) stored = NULL;
  g_autoptr(GError) error = NULL;

  if (!host || !(stored = load(session, id)))
    return;
  stored->locked = locked;
  if (!nara_store_consultation_update(session->sig->store, stored, &error)) {
    store_failed(session, id, error);
    return;
  }
  room->consultation->locked = locked;
  nara_session_send_ok(session, id);
  nara_room_broadcast(room, nara_out_consultation_changed(locked, room->consultation->title), NULL);
  nara_audit_members(session->sig, locked ? "lock" : "unlock", stored->id, host, NULL, "ok", NULL);
}

void nara_handle_end(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_END);
  NaraRoom *room = session->participant->room;
  g_autoptr(NaraStoreConsultation) stored = NULL;
  g_autoptr(GError) error = NULL;

  (void)msg;
  if (!host || !(stored = load(session, id)))
    return;
  stored->status = NARA_CONSULTATION_ENDED;
  if (!nara_store_consultation_update(session->sig->store, stored, &error)) {
    store_failed(session, id, error);
    return;
  }
  nara_session_send_ok(session, id);
  nara_audit_members(session->sig, "end", stored->id, host, NULL, "ok", NULL);
  /* Last: this frees the room (and the host's member). */
  nara_consultation_close_all(room, "ended");
}
