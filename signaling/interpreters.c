/* interpreters.c — languages, signing and raised hands: what a host needs
 * to run a consultation with an interpreter or a care conference.
 *
 * A member carries the languages they were booked with and whether they
 * sign (store); the roster and the waiting list show both beside the
 * language their client chose. A signing member's published video keeps
 * frame rate and gives up resolution first (media's layer chooser,
 * nara_media_peer_set_signing); a host may mark or unmark someone in the
 * call (set-signing), for the rest of the room's life, never stored.
 * Anyone in a room may raise or lower their own hand (raise-hand); a host
 * may lower anyone's. Nothing here blocks admission: interpreters first is
 * the order of the waiting list and a prompt on the host's screen.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"

void nara_interp_booked(NaraMember *m, const NaraStoreParticipant *sp)
{
  /* Once per member: a host's set-signing outlives a reconnection. */
  if (m->booked || !sp)
    return;
  m->booked = TRUE;
  g_strfreev(m->languages);
  m->languages = sp->languages ? g_strsplit(sp->languages, ",", -1) : NULL;
  m->signing = sp->signing;
}

void nara_interp_add_json(const NaraMember *m, const NaraParticipant *p, json_t *obj)
{
  json_t *list = json_array();

  for (guint i = 0; m && m->languages && m->languages[i]; i++)
    json_array_append_new(list, json_string(m->languages[i]));
  json_object_set_new(obj, "languages", list);
  json_object_set_new(obj, "signing", json_boolean(m && m->signing));
  if (p)
    json_object_set_new(obj, "handRaised", json_boolean(p->hand_raised));
}

void nara_interp_apply_signing(NaraParticipant *p)
{
  if (p->member && p->publish)
    nara_media_peer_set_signing(p->publish, p->member->signing);
}

gboolean nara_interp_waits_first(const NaraMember *m)
{
  return m->role == NARA_ROLE_INTERPRETER;
}

static NaraParticipant *participant_by_id(NaraRoom *room, const char *id)
{
  for (guint i = 0; i < room->participants->len; i++) {
    NaraParticipant *p = room->participants->pdata[i];
    if (g_str_equal(p->id, id))
      return p;
  }
  return NULL;
}

/* raise-hand {raised[, participant]}: one's own hand, or (a host) anyone's
 * down. Said again, it changes nothing and tells nobody. */
void nara_handle_raise_hand(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *me = session->participant, *p = me;
  NaraRoom *room = me->room;
  const char *pid = json_string_value(json_object_get(msg, "participant"));
  gboolean raised = json_is_true(json_object_get(msg, "raised"));

  if (pid && !g_str_equal(pid, me->id)) {
    if (raised) {
      nara_session_send_error(session, id, "forbidden", "only your own hand can be raised");
      return;
    }
    if (!me->member
        || !nara_permission_allowed(me->member->role, NARA_PERMISSION_LOWER_HANDS,
                                    room->consultation->auto_admit)) {
      nara_session_send_error(session, id, "forbidden", "your role may not lower others' hands");
      return;
    }
    if (!(p = participant_by_id(room, pid))) {
      nara_session_send_error(session, id, "no-such-participant",
                              "no participant in the call with that id");
      return;
    }
  }
  nara_session_send_ok(session, id);
  if (p->hand_raised == raised)
    return;
  p->hand_raised = raised;
  nara_room_broadcast(room, nara_out_hand_raised(p->id, raised, p != me ? me->id : NULL), NULL);
  if (p != me)
    nara_audit_members(session->sig, "lower-hand", room->consultation->id, me->member, p->member,
                       "ok", NULL);
}

/* set-signing {participant, signing}: a host marks someone in the call as
 * signing (or not); media serves their video frame rate first. */
void nara_handle_set_signing(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *me = session->participant, *p;
  NaraRoom *room = me->room;
  const char *pid = json_string_value(json_object_get(msg, "participant"));
  gboolean signing = json_is_true(json_object_get(msg, "signing"));

  if (!me->member
      || !nara_permission_allowed(me->member->role, NARA_PERMISSION_SET_SIGNING,
                                  room->consultation->auto_admit)) {
    nara_session_send_error(session, id, "forbidden",
                            "your role may not mark a participant as signing");
    return;
  }
  p = participant_by_id(room, pid);
  if (!p || !p->member) {
    nara_session_send_error(session, id, "no-such-participant",
                            "no participant in the call with that id");
    return;
  }
  nara_session_send_ok(session, id);
  if (p->member->signing == signing)
    return;
  p->member->signing = signing;
  nara_interp_apply_signing(p);
  nara_room_broadcast(room, nara_out_signing_changed(p->id, signing), NULL);
  nara_audit_members(session->sig, "signing", room->consultation->id, me->member, p->member, "ok",
                     signing ? "on" : "off");
}
