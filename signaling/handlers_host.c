/* handlers_host.c — admit, decline, admit-all, host-mute, remove, readmit, lock, end,
 * allow-share.
 *
 * One function per message type. Each checks the sender's role against the
 * permission table (forbidden), then its target (no-such-participant),
 * then changes the store where the change must outlive the call, replies
 * ok, applies it to the live sessions and writes one audit record. A
 * refused request changes nothing. Host mutes are enforced in media.
 * Store changes run on the store's thread; the reply and the rest follow
 * in the callback, on the room found again by id (the host's session may
 * have gone meanwhile: the change stands, is applied and recorded).
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"

#include <string.h>

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

  /* A second device (nara_consultation_wait_second) waits too. */
  if (!m || !m->session
      || (in_call ? m->session->participant == NULL : m->waiting_since == 0 && !m->second)) {
    no_such(session, id, in_call ? "participant in the call" : "waiting participant");
    return NULL;
  }
  return m;
}

/* A host's store change in flight: who asked, what about (owned copies). */
typedef struct {
  NaraSessionWait wait;
  NaraMember host; /* id, role and assurance (owned) of the sender */
  char consultation[NARA_STORE_ID_LEN];
  char *participant; /* remove, readmit: the target */
  NaraStoreParticipant *target;
  gboolean flag; /* removed, locked */
} HostChange;

static HostChange *change_new(NaraSession *session, json_t *id, const NaraMember *host)
{
  HostChange *c = g_new0(HostChange, 1);

  nara_session_wait_init(&c->wait, session, id);
  memcpy(c->host.id, host->id, sizeof c->host.id);
  c->host.role = host->role;
  c->host.assurance = g_strdup(host->assurance);
  g_strlcpy(c->consultation, session->participant->room->consultation->id, sizeof c->consultation);
  return c;
}

static void change_free(HostChange *c)
{
  nara_session_wait_clear(&c->wait);
  g_free(c->host.assurance);
  g_free(c->participant);
  nara_store_participant_free(c->target);
  g_free(c);
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

/* FALSE after an error reply (if the host is still there) when the store
 * call failed; else the host's session, or NULL if it has gone. */
static gboolean change_stored(HostChange *c, const GError *error, NaraSession **session)
{
  *session = nara_session_wait_get(&c->wait);
  if (!error)
    return TRUE;
  g_warning("store: consultation %s: %s", c->consultation, error->message);
  if (*session)
    nara_session_send_error(*session, c->wait.id, "internal", "the change could not be stored");
  return FALSE;
}

void nara_handle_admit(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_ADMIT), *m;
  NaraRoom *room = session->participant->room;

  if (!host || !(m = live_target(session, msg, id, FALSE)))
    return;
  if (!m->second && nara_room_is_full(room)) {
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
  nara_consultation_decline(m);
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

static void removed_stored(NaraStoreResult *result, gpointer data)
{
  HostChange *c = data;
  NaraSession *session;
  NaraRoom *room;
  NaraMember *m;

  if (!change_stored(c, result->error, &session))
    goto out;
  if (session)
    nara_session_send_ok(session, c->wait.id);
  audit_store_subject(c->wait.sig, c->flag ? "remove" : "readmit", c->consultation, &c->host,
                      c->target);
  room = nara_room_lookup_consultation(c->wait.sig, c->consultation);
  m = room ? g_hash_table_lookup(room->consultation->members, c->participant) : NULL;
  if (c->flag && m)
    nara_consultation_kick(m, "removed", "removed");
out:
  change_free(c);
}

static void removed_target_read(NaraStoreResult *result, gpointer data)
{
  HostChange *c = data;
  NaraSession *session = nara_session_wait_get(&c->wait);
  const NaraStoreConsultation *stored = result->consultation;
  const NaraStoreParticipant *target = NULL;

  if (!stored) {
    g_warning("store: cannot read consultation %s: %s", c->consultation, result->error->message);
    if (session)
      nara_session_send_error(session, c->wait.id, "internal",
                              "the consultation could not be read");
    change_free(c);
    return;
  }
  for (guint i = 0; stored->participants && i < stored->participants->len; i++)
    if (g_str_equal(((NaraStoreParticipant *)stored->participants->pdata[i])->id, c->participant))
      target = stored->participants->pdata[i];
  /* Nothing is changed yet: a host who has gone needs no answer. */
  if (!session || !target) {
    if (session)
      no_such(session, c->wait.id, "participant of this consultation");
    change_free(c);
    return;
  }
  c->target = nara_store_participant_copy(target);
  nara_store_participant_set_removed_async(c->wait.sig->store, c->consultation, c->participant,
                                           c->flag, removed_stored, c);
}

/* remove and readmit: the target is any participant of the consultation
 * in the store (a removed one has no session). */
static void set_removed(NaraSession *session, json_t *msg, json_t *id, gboolean removed)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_REMOVE);
  const char *pid = json_string_value(json_object_get(msg, "participant"));
  HostChange *c;

  if (!host)
    return;
  if (removed && g_str_equal(pid, host->id)) {
    nara_session_send_error(session, id, "bad-message", "to go, send leave");
    return;
  }
  c = change_new(session, id, host);
  c->participant = g_strdup(pid);
  c->flag = removed;
  nara_store_consultation_get_async(session->sig->store, c->consultation, removed_target_read, c);
}

void nara_handle_remove(NaraSession *session, json_t *msg, json_t *id)
{
  set_removed(session, msg, id, TRUE);
}

void nara_handle_readmit(NaraSession *session, json_t *msg, json_t *id)
{
  set_removed(session, msg, id, FALSE);
}

/* On the store's thread: the read-modify-write of lock and end. */
static gboolean set_locked(NaraStoreConsultation *stored, gpointer data, GError **error)
{
  (void)error;
  stored->locked = ((HostChange *)data)->flag;
  return TRUE;
}

static gboolean set_ended(NaraStoreConsultation *stored, gpointer data, GError **error)
{
  (void)data;
  (void)error;
  stored->status = NARA_CONSULTATION_ENDED;
  return TRUE;
}

static void lock_stored(NaraStoreResult *result, gpointer data)
{
  HostChange *c = data;
  NaraSession *session;
  NaraRoom *room;

  if (!change_stored(c, result->error, &session))
    goto out;
  room = nara_room_lookup_consultation(c->wait.sig, c->consultation);
  if (room)
    room->consultation->locked = c->flag;
  if (session)
    nara_session_send_ok(session, c->wait.id);
  if (room)
    nara_room_broadcast(room, nara_out_consultation_changed(c->flag, room->consultation->title),
                        NULL);
  nara_audit_members(c->wait.sig, c->flag ? "lock" : "unlock", c->consultation, &c->host, NULL,
                     "ok", NULL);
out:
  change_free(c);
}

void nara_handle_lock(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_LOCK);
  HostChange *c;

  if (!host)
    return;
  c = change_new(session, id, host);
  c->flag = json_is_true(json_object_get(msg, "locked"));
  nara_store_consultation_modify_async(session->sig->store, c->consultation, set_locked, c,
                                       lock_stored, c);
}

static void end_stored(NaraStoreResult *result, gpointer data)
{
  HostChange *c = data;
  NaraSession *session;
  NaraRoom *room;

  if (!change_stored(c, result->error, &session))
    goto out;
  if (session)
    nara_session_send_ok(session, c->wait.id);
  nara_audit_members(c->wait.sig, "end", c->consultation, &c->host, NULL, "ok", NULL);
  /* Last: this frees the room (and the host's member). */
  room = nara_room_lookup_consultation(c->wait.sig, c->consultation);
  if (room)
    nara_consultation_close_all(room, "ended");
out:
  change_free(c);
}

void nara_handle_end(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_END);

  (void)msg;
  if (!host)
    return;
  nara_store_consultation_modify_async(session->sig->store,
                                       session->participant->room->consultation->id, set_ended,
                                       NULL, end_stored, change_new(session, id, host));
}

/* Lasts as long as the room: like a host mute, it survives the member's
 * reconnection but is not stored. Roles that may always share keep that
 * right; a grant to them changes nothing. */
void nara_handle_allow_share(NaraSession *session, json_t *msg, json_t *id)
{
  NaraMember *host = sender_may(session, id, NARA_PERMISSION_ALLOW_SHARE), *m;
  gboolean allowed = json_is_true(json_object_get(msg, "allowed"));

  if (!host || !(m = live_target(session, msg, id, TRUE)))
    return;
  m->share_allowed = allowed;
  nara_session_send_ok(session, id);
  nara_screen_permission_changed(m);
  nara_audit_members(session->sig, "share", session->participant->room->consultation->id, host, m,
                     "ok", allowed ? "allowed" : "withdrawn");
}
