/* handlers_status.c — precheck and quality: what a participant's pre-call
 * check found (camera, microphone, network) and how their connection is
 * now (good, poor, reconnecting), as the client measured them.
 *
 * The words are kept on the session and shown to the room: in the
 * participant objects (joined, participant-joined), in the waiting list
 * for a waiting person, and as participant-status when they change, so a
 * host can say "Astrid's connection is poor". Nara measures nothing
 * itself here and stores nothing: a new session starts unsaid.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"

/* (transfer none) The catalogue's own string equal to s: the session keeps
 * a pointer to constant data, never a copy of client input. */
static const char *canonical(const char *const *values, const char *s)
{
  for (const char *const *v = values; *v; v++)
    if (g_str_equal(*v, s))
      return *v;
  return NULL; /* dispatch.c checked one_of: unreachable */
}

void nara_status_add_json(const NaraSession *session, json_t *obj)
{
  if (!session)
    return;
  if (session->precheck[0])
    json_object_set_new(obj, "precheck",
                        json_pack("{s:s, s:s, s:s}", "camera", session->precheck[0], "microphone",
                                  session->precheck[1], "network", session->precheck[2]));
  if (session->quality)
    json_object_set_new(obj, "quality", json_string(session->quality));
}

/* Tells the room what changed: everyone but the sender when joined; the
 * hosts and staff, through the waiting list, while waiting. */
static void tell_room(NaraSession *session)
{
  NaraParticipant *p = session->participant;
  json_t *status;

  if (session->state == NARA_SESSION_WAITING) {
    if (session->member)
      nara_consultation_send_waiting_list(session->member->room, NULL);
    return;
  }
  if (!p)
    return;
  status = json_object();
  nara_status_add_json(session, status);
  nara_room_broadcast(p->room, nara_out_participant_status(p->id, status), p);
}

void nara_handle_precheck(NaraSession *session, json_t *msg, json_t *id)
{
  static const char *const fields[] = { "camera", "microphone", "network" };

  for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
    const char *const *values = i < 2 ? nara_precheck_device_values : nara_precheck_network_values;
    session->precheck[i] = canonical(values, json_string_value(json_object_get(msg, fields[i])));
  }
  nara_session_send_ok(session, id);
  tell_room(session);
}

void nara_handle_quality(NaraSession *session, json_t *msg, json_t *id)
{
  const char *level
      = canonical(nara_quality_values, json_string_value(json_object_get(msg, "level")));
  gboolean changed = level != session->quality;

  session->quality = level;
  nara_session_send_ok(session, id);
  /* Clients send on change; a repeat costs the room nothing. */
  if (changed)
    tell_room(session);
}
