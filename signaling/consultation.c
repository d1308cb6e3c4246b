/* consultation.c — a consultation's live state: members, waiting room, kicks.
 *
 * Owns who has a session (members), who waits since when, the waiting list
 * for the roles that may see it, admission, closing sessions with a status,
 * and applying REST changes (nara_signaling_consultation_changed). It does
 * not check tokens or answer requests (handlers_join_token.c,
 * handlers_host.c) and writes to the store only through audit.c.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"
#include "placement.h"

#include <string.h>

#include "rfc3339.h"

void nara_signaling_set_consultations(NaraSignaling *sig, NaraStore *store,
                                      NaraTokenVerifier *tokens)
{
  g_return_if_fail(sig != NULL);
  sig->store = store;
  sig->tokens = tokens;
}

static void member_free(NaraMember *m)
{
  g_free(m->name);
  g_free(m->assurance);
  g_strfreev(m->languages);
  g_free(m);
}

NaraConsultation *nara_consultation_new(const NaraStoreConsultation *stored)
{
  NaraConsultation *c = g_new0(NaraConsultation, 1);

  g_strlcpy(c->id, stored->id, sizeof c->id);
  c->members = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)member_free);
  c->waiting = g_ptr_array_new();
  nara_consultation_refresh(c, stored);
  return c;
}

void nara_consultation_free(NaraConsultation *c)
{
  GHashTableIter iter;
  gpointer value;

  /* Normally nobody is left; at shutdown a session may outlive its room. */
  g_hash_table_iter_init(&iter, c->members);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    NaraMember *m = value;
    if (m->session)
      m->session->member = NULL;
    if (m->second)
      m->second->second_of = NULL;
  }
  g_hash_table_unref(c->members);
  g_ptr_array_unref(c->waiting);
  g_free(c->title);
  g_free(c);
}

void nara_consultation_refresh(NaraConsultation *c, const NaraStoreConsultation *stored)
{
  g_free(c->title);
  c->title = g_strdup(stored->title ? stored->title : "");
  c->locked = stored->locked;
  c->auto_admit = stored->auto_admit;
  c->ends_at = stored->ends_at;
}

NaraMember *nara_consultation_member(NaraRoom *room, const char *id, const char *name,
                                     NaraRole role, const char *assurance)
{
  NaraMember *m = g_hash_table_lookup(room->consultation->members, id);

  if (!m) {
    m = g_new0(NaraMember, 1);
    g_strlcpy(m->id, id, sizeof m->id);
    m->room = room;
    g_hash_table_insert(room->consultation->members, m->id, m);
  }
  g_free(m->name);
  m->name = g_strdup(name);
  g_free(m->assurance);
  m->assurance = g_strdup(assurance);
  m->role = role;
  return m;
}

json_t *nara_consultation_to_json(NaraConsultation *c)
{
  return json_pack("{s:s, s:s, s:b}", "id", c->id, "title", c->title, "locked", c->locked);
}

static json_t *waiting_list_json(NaraConsultation *c)
{
  json_t *list = json_array();

  /* Interpreters first (interpreters.c): a host admits them before the
   * person they interpret for. Otherwise oldest first. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < c->waiting->len; i++) {
      NaraMember *m = c->waiting->pdata[i];
      g_autofree char *since = NULL;
      json_t *item;
      if (nara_interp_waits_first(m) != (pass == 0))
        continue;
      since = nara_rfc3339_format(m->waiting_since / G_USEC_PER_SEC);
      item = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?}", "id", m->id, "name", m->name, "role",
                       nara_role_to_string(m->role), "assurance", m->assurance, "since", since,
                       "lang", m->session ? m->session->lang : NULL);
      nara_status_add_json(m->session, item);
      nara_interp_add_json(m, NULL, item);
      json_array_append_new(list, item);
    }
  return list;
}

/* Second devices (nara_consultation_wait_second) after the people waiting. */
static void add_second_devices(NaraConsultation *c, json_t *list)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, c->members);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    NaraMember *m = value;
    g_autofree char *since = NULL;
    json_t *item;
    if (!m->second)
      continue;
    since = nara_rfc3339_format(m->second_since / G_USEC_PER_SEC);
    item = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:b}", "id", m->id, "name", m->name, "role",
                     nara_role_to_string(m->role), "assurance", m->assurance, "since", since,
                     "secondDevice", 1);
    nara_interp_add_json(m, NULL, item);
    json_array_append_new(list, item);
  }
}

static gboolean may_see_waiting_list(NaraRoom *room, NaraParticipant *p)
{
  return p->member
         && nara_permission_allowed(p->member->role, NARA_PERMISSION_SEE_WAITING_LIST,
                                    room->consultation->auto_admit);
}

void nara_consultation_send_waiting_list(NaraRoom *room, NaraParticipant *to)
{
  json_t *list = waiting_list_json(room->consultation), *msg;
  NaraOutMsg *out;

  add_second_devices(room->consultation, list);
  msg = nara_out_waiting_list(list);
  out = nara_json_frame(msg);

  for (guint i = 0; i < room->participants->len; i++) {
    NaraParticipant *p = room->participants->pdata[i];
    if ((!to || p == to) && may_see_waiting_list(room, p))
      nara_session_send_out(p->session, out);
  }
  nara_out_msg_unref(out);
  json_decref(msg);
}

void nara_consultation_wait(NaraMember *m)
{
  m->waiting_since = g_get_real_time();
  g_ptr_array_add(m->room->consultation->waiting, m);
  m->session->state = NARA_SESSION_WAITING;
  g_message("room %s: %s waits (%u waiting)", m->room->name, m->id,
            m->room->consultation->waiting->len);
  nara_consultation_send_waiting_list(m->room, NULL);
}

void nara_consultation_unwait(NaraMember *m)
{
  if (!m->waiting_since)
    return;
  m->waiting_since = 0;
  g_ptr_array_remove(m->room->consultation->waiting, m);
  nara_consultation_send_waiting_list(m->room, NULL);
}

static void send_status(NaraSession *s, const char *status)
{
  nara_session_send_new(s, nara_out_status(status));
}

void nara_consultation_wait_second(NaraMember *m, NaraSession *session)
{
  if (m->second) {
    /* One second device at a time: the newest. */
    send_status(m->second, "replaced");
    nara_session_close(m->second, LWS_CLOSE_STATUS_NORMAL, "replaced");
    m->second->second_of = NULL;
    m->second->state = NARA_SESSION_DONE;
  }
  m->second = session;
  m->second_since = g_get_real_time();
  session->second_of = m;
  session->state = NARA_SESSION_WAITING;
  g_message("room %s: %s waits on a second device", m->room->name, m->id);
  nara_consultation_send_waiting_list(m->room, NULL);
}

/* Takes the second device off the member; FALSE if there was none. */
static NaraSession *take_second(NaraMember *m)
{
  NaraSession *s2 = m->second;

  if (s2) {
    s2->second_of = NULL;
    m->second = NULL;
  }
  return s2;
}

/* The member's call session goes: its second device will wait in its
 * place. It is on the waiting list before the first leaves the room, so
 * the room is not idle in between. Returns the second device or NULL. */
static NaraSession *promote_second(NaraMember *m)
{
  NaraSession *s2 = take_second(m);

  if (s2) {
    m->waiting_since = g_get_real_time();
    g_ptr_array_add(m->room->consultation->waiting, m);
  }
  return s2;
}

void nara_consultation_decline(NaraMember *m)
{
  NaraSession *s2 = take_second(m);

  if (!s2) {
    nara_consultation_kick(m, "declined", "declined");
    return;
  }
  g_message("room %s: %s's second device declined", m->room->name, m->id);
  send_status(s2, "declined");
  nara_session_close(s2, LWS_CLOSE_STATUS_NORMAL, "declined");
  s2->state = NARA_SESSION_DONE;
  nara_consultation_send_waiting_list(m->room, NULL);
}

static void detach(NaraSession *s, const char *leave_reason);

void nara_consultation_admit(NaraMember *m)
{
  NaraSession *s = m->session;

  if (m->second && s && s->participant) {
    /* The second device replaces the first (handlers_host.c audits the
     * admission; the first's leave is recorded here). */
    nara_audit_members(s->sig, "leave", m->room->consultation->id, m, NULL, "ok", "replaced");
    send_status(s, "replaced");
    nara_session_close(s, LWS_CLOSE_STATUS_NORMAL, "replaced");
    detach(s, "replaced");
    s = m->session;
  }
  nara_consultation_unwait(m);
  g_message("room %s: %s admitted", m->room->name, m->id);
  send_status(s, "admitted");
  /* Media peers are made only now: nobody sees or hears a waiting person. */
  nara_room_enter(m->room, s, NULL, m->name, m);
  nara_placement_admitted(m);
}

/* Takes a waiting or joined session out of the room; may free the room. */
static void detach(NaraSession *s, const char *leave_reason)
{
  NaraMember *m = s->member, *first = s->second_of;
  NaraRoom *room;

  if (first) {
    /* A second device goes: the first stays as it was. */
    take_second(first);
    s->state = NARA_SESSION_DONE;
    nara_consultation_send_waiting_list(first->room, NULL);
    return;
  }
  if (s->participant) {
    NaraSession *s2 = m ? promote_second(m) : NULL;
    nara_room_remove(s->participant, leave_reason);
    if (s2) {
      m->session = s2;
      s2->member = m;
      s2->state = NARA_SESSION_WAITING;
      g_message("room %s: %s's second device waits in its place", m->room->name, m->id);
      nara_consultation_send_waiting_list(m->room, NULL);
    }
    return;
  }
  if (!m)
    return;
  room = m->room;
  nara_consultation_unwait(m);
  m->session = NULL;
  s->member = NULL;
  s->state = NARA_SESSION_DONE;
  nara_room_free_if_idle(room);
}

void nara_consultation_kick(NaraMember *m, const char *status, const char *leave_reason)
{
  NaraSession *s = m->session;

  if (!s)
    return;
  g_message("room %s: %s closed (%s)", m->room->name, m->id, status);
  send_status(s, status);
  nara_session_close(s, LWS_CLOSE_STATUS_NORMAL, status);
  detach(s, leave_reason);
}

void nara_consultation_close_all(NaraRoom *room, const char *status)
{
  g_autoptr(GPtrArray) sessions = g_ptr_array_new();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, room->consultation->members);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    NaraMember *m = value;
    if (m->session)
      g_ptr_array_add(sessions, m->session);
    if (m->second)
      g_ptr_array_add(sessions, m->second);
  }
  g_message("room %s: closing %u sessions (%s)", room->name, sessions->len, status);
  nara_placement_ended(room);
  /* Everyone hears the status before anyone's departure is announced (and
   * a closing session gets nothing more, so nobody sees a stream of
   * participant-left for people who are all going). */
  for (guint i = 0; i < sessions->len; i++) {
    send_status(sessions->pdata[i], status);
    nara_session_close(sessions->pdata[i], LWS_CLOSE_STATUS_NORMAL, status);
  }
  /* The last detach frees the room; later sessions then have no member. */
  for (guint i = 0; i < sessions->len; i++)
    detach(sessions->pdata[i], status);
}

void nara_consultation_session_gone(NaraSession *s, const char *reason)
{
  NaraMember *m = s->member;

  if (m && s->participant)
    nara_audit_members(s->sig, "leave", m->room->consultation->id, m, NULL, "ok", reason);
  detach(s, reason);
}

void nara_consultation_apply_forwarding(NaraMember *m, NaraTrackKind kind)
{
  NaraParticipant *p = m->session ? m->session->participant : NULL;

  if (p && p->publish)
    nara_media_peer_set_forwarding(p->publish, kind, !m->host_muted[kind]);
}

static const NaraStoreParticipant *stored_participant(const NaraStoreConsultation *stored,
                                                      const char *id)
{
  for (guint i = 0; stored->participants && i < stored->participants->len; i++) {
    const NaraStoreParticipant *sp = stored->participants->pdata[i];
    if (g_str_equal(sp->id, id))
      return sp;
  }
  return NULL;
}

typedef struct {
  NaraSignaling *sig;
  char id[NARA_STORE_ID_LEN];
} Reload;

static void apply_stored(NaraRoom *room, const NaraStoreConsultation *stored);

static void reloaded(NaraStoreResult *result, gpointer data)
{
  Reload *r = data;
  NaraRoom *room = nara_room_lookup_consultation(r->sig, r->id);

  if (!room) {
    /* The room emptied meanwhile: nothing live to change. */
  } else if (!result->consultation
             && !g_error_matches(result->error, NARA_STORE_ERROR, NARA_STORE_ERROR_NOT_FOUND)) {
    g_warning("room %s: cannot reload consultation: %s", room->name, result->error->message);
  } else if (!result->consultation || result->consultation->status != NARA_CONSULTATION_SCHEDULED) {
    nara_consultation_close_all(room, "ended");
  } else {
    apply_stored(room, result->consultation);
  }
  g_free(r);
}

/* The REST API (or CLI) changed the consultation: cancelled ends it,
 * deleted or removed participants go, a new lock or title is announced.
 * The store is read on its thread; the change applies in the callback. */
void nara_signaling_consultation_changed(NaraSignaling *sig, const char *consultation_id)
{
  Reload *r;

  g_return_if_fail(sig != NULL && consultation_id != NULL);
  if (!sig->store || !nara_room_lookup_consultation(sig, consultation_id))
    return;
  r = g_new0(Reload, 1);
  r->sig = sig;
  g_strlcpy(r->id, consultation_id, sizeof r->id);
  nara_store_consultation_get_async(sig->store, consultation_id, reloaded, r);
}

static void apply_stored(NaraRoom *room, const NaraStoreConsultation *stored)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new();
  gboolean was_locked;
  g_autofree char *old_title = NULL;
  GHashTableIter iter;
  gpointer value;

  was_locked = room->consultation->locked;
  old_title = g_strdup(room->consultation->title);
  nara_consultation_refresh(room->consultation, stored);
  if (was_locked != stored->locked || g_strcmp0(old_title, room->consultation->title) != 0)
    nara_room_broadcast(
        room, nara_out_consultation_changed(room->consultation->locked, room->consultation->title),
        NULL);

  g_hash_table_iter_init(&iter, room->consultation->members);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    NaraMember *m = value;
    const NaraStoreParticipant *sp = stored_participant(stored, m->id);
    if (m->session && (!sp || sp->removed))
      g_ptr_array_add(gone, m->session);
  }
  /* By session, not member: the last kick may free the room and its members. */
  for (guint i = 0; i < gone->len; i++) {
    NaraSession *s = gone->pdata[i];
    if (s->member)
      nara_consultation_kick(s->member, "removed", "removed");
  }
}
