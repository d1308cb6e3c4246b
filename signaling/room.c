/* room.c — rooms, their participants and who receives which track.
 *
 * Owns room creation within the node's limits, each participant's two
 * media peers, the published-track lists and the subscription rule
 * (everyone receives every track of everyone else), and the events that
 * tell the room about changes. A room with nobody in it (and, for a
 * consultation, nobody waiting) is freed at once. It does not parse
 * messages nor talk to sockets directly (session.c does); the waiting room
 * and roles are in consultation.c.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "placement.h"
#include "validate.h"

#include <string.h>

gboolean nara_room_name_valid(const char *name)
{
  return nara_validate_room_name(name);
}

static NaraRoom *room_new(NaraSignaling *sig, const char *name)
{
  NaraRoom *room = g_new0(NaraRoom, 1);
  room->sig = sig;
  room->name = g_strdup(name);
  room->media_room = nara_media_room_new(sig->media, name);
  room->participants = g_ptr_array_new();
  g_hash_table_insert(sig->rooms, room->name, room);
  g_message("room %s: created", room->name);
  return room;
}

static guint count_open_rooms(NaraSignaling *sig)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init(&iter, sig->rooms);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    n += ((NaraRoom *)value)->consultation == NULL;
  return n;
}

gboolean nara_room_is_full(NaraRoom *room)
{
  return room->participants->len >= room->sig->config.max_participants;
}

NaraRoom *nara_room_lookup_or_create(NaraSignaling *sig, const char *name, const char **code)
{
  NaraRoom *room;

  /* Rooms without a booking exist only when open rooms are allowed. */
  if (!sig->config.open_rooms) {
    *code = "room-closed";
    return NULL;
  }
  room = g_hash_table_lookup(sig->rooms, name);
  if (room) {
    if (nara_room_is_full(room)) {
      *code = "room-full";
      return NULL;
    }
    return room;
  }
  if (sig->draining) {
    *code = "draining";
    return NULL;
  }
  /* Open rooms have a cap of their own, so links anyone can make cannot
   * use up the rooms booked consultations need. */
  if (g_hash_table_size(sig->rooms) >= sig->config.max_rooms
      || (sig->config.max_open_rooms && count_open_rooms(sig) >= sig->config.max_open_rooms)) {
    *code = "too-many-rooms";
    return NULL;
  }
  return room_new(sig, name);
}

NaraRoom *nara_room_lookup_consultation(NaraSignaling *sig, const char *consultation_id)
{
  g_autofree char *key = g_strconcat("c:", consultation_id, NULL);
  return g_hash_table_lookup(sig->rooms, key);
}

NaraRoom *nara_room_lookup_or_create_consultation(NaraSignaling *sig,
                                                  const NaraStoreConsultation *stored,
                                                  const char **code)
{
  /* ':' is not allowed in open room names, so no /r/NAME reaches this key. */
  g_autofree char *key = g_strconcat("c:", stored->id, NULL);
  NaraRoom *room = g_hash_table_lookup(sig->rooms, key);

  if (room) {
    nara_consultation_refresh(room->consultation, stored);
    return room;
  }
  if (sig->draining) {
    *code = "draining";
    return NULL;
  }
  if (g_hash_table_size(sig->rooms) >= sig->config.max_rooms) {
    *code = "too-many-rooms";
    return NULL;
  }
  room = room_new(sig, key);
  room->consultation = nara_consultation_new(stored);
  return room;
}

NaraParticipant *nara_room_add(NaraRoom *room, NaraSession *session, const char *name,
                               NaraMember *member)
{
  NaraParticipant *p = g_new0(NaraParticipant, 1);
  const NaraMediaPeerCallbacks *cb = nara_media_glue_callbacks();

  if (member)
    g_strlcpy(p->id, member->id, sizeof p->id);
  else
    g_snprintf(p->id, sizeof p->id, "p%" G_GUINT64_FORMAT, ++room->sig->next_participant);
  p->member = member;
  p->name = g_strdup(name);
  p->room = room;
  p->session = session;
  p->tracks = g_array_new(FALSE, TRUE, sizeof(NaraMediaTrack));
  p->subscribed = g_array_new(FALSE, TRUE, sizeof(NaraMediaTrack));
  p->publish_id = -1;
  p->answer_id = -1;
  p->publish = nara_media_peer_new(room->media_room, NARA_PEER_PUBLISH, p->id, cb, p);
  p->subscribe = nara_media_peer_new(room->media_room, NARA_PEER_SUBSCRIBE, p->id, cb, p);
  g_ptr_array_add(room->participants, p);
  session->participant = p;
  session->state = NARA_SESSION_JOINED;
  g_message("room %s: %s joined (s%" G_GUINT64_FORMAT ", %u in the room)", room->name, p->id,
            session->serial, room->participants->len);
  /* A host mute outlives a reconnection: the new publish peer starts muted. */
  for (guint k = NARA_TRACK_AUDIO; member && k <= NARA_TRACK_VIDEO; k++)
    if (member->host_muted[k])
      nara_consultation_apply_forwarding(member, (NaraTrackKind)k);
  if (member && member->signing)
    nara_interp_apply_signing(p);
  /* Tracks already published reach the newcomer through its first offer. */
  nara_participant_set_tracks(p, NULL, 0);
  return p;
}

NaraParticipant *nara_room_enter(NaraRoom *room, NaraSession *session, json_t *id, const char *name,
                                 NaraMember *member)
{
  NaraParticipant *p;
  json_t *others = json_array(), *you, *msg;

  /* Reply first with everyone already there, then tell them. */
  for (guint i = 0; i < room->participants->len; i++)
    json_array_append_new(others, nara_participant_to_json(room->participants->pdata[i]));
  p = nara_room_add(room, session, name, member);
  you = nara_participant_to_json(p);
  /* "you" is who you are, not your media: the client knows its own tracks. */
  json_object_del(you, "tracks");
  json_object_del(you, "audioMuted");
  json_object_del(you, "videoMuted");
  json_object_set_new(you, "mayShare", json_boolean(nara_participant_may_share(p)));
  msg = nara_out_joined(id, room->name, you, others,
                        room->consultation ? nara_consultation_to_json(room->consultation) : NULL);
  /* The secret that takes this participant back after a drop (resume.c). */
  json_object_set_new(msg, "resume", json_string(nara_resume_issue(p)));
  /* The TURN credential comes only with admission (handlers_session.c). */
  json_object_set_new(msg, "iceServers", nara_session_ice_servers(session, room));
  nara_session_send_new(session, msg);
  nara_telemetry_join_answered(session);
  nara_room_broadcast(room, nara_out_participant_joined(nara_participant_to_json(p)), p);
  if (room->consultation)
    nara_consultation_send_waiting_list(room, p);
  return p;
}

void nara_room_broadcast(NaraRoom *room, json_t *msg, NaraParticipant *except)
{
  NaraOutMsg *out = nara_json_frame(msg);
  for (guint i = 0; i < room->participants->len; i++) {
    NaraParticipant *p = room->participants->pdata[i];
    if (p != except)
      nara_session_send_out(p->session, out);
  }
  nara_out_msg_unref(out);
  json_decref(msg);
}

json_t *nara_track_to_json(const NaraMediaTrack *track)
{
  return json_pack("{s:s, s:s}", "id", track->id, "kind",
                   track->kind == NARA_TRACK_AUDIO ? "audio" : "video");
}

json_t *nara_participant_to_json(NaraParticipant *p)
{
  NaraMember *m = p->member;
  json_t *tracks = json_array(), *json;

  for (guint i = 0; i < p->tracks->len; i++) {
    const NaraMediaTrack *t = &g_array_index(p->tracks, NaraMediaTrack, i);
    if (nara_track_forwarded(p, t))
      json_array_append_new(tracks, nara_participant_track_json(p, t));
  }
  json = json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:b, s:o}", "id", p->id, "name", p->name, "role",
                   m ? nara_role_to_string(m->role) : NULL, "assurance", m ? m->assurance : NULL,
                   "audioMuted", p->audio_muted, "videoMuted", p->video_muted, "tracks", tracks);
  /* s? packs NULL as null: open rooms say so explicitly (docs/protocol.md). */
  json_object_set_new(json, "lang",
                      p->session && p->session->lang ? json_string(p->session->lang) : json_null());
  if (m) {
    json_object_set_new(json, "audioMutedByHost", json_boolean(m->host_muted[NARA_TRACK_AUDIO]));
    json_object_set_new(json, "videoMutedByHost", json_boolean(m->host_muted[NARA_TRACK_VIDEO]));
  }
  nara_interp_add_json(m, p, json);
  nara_status_add_json(p->session, json);
  return json;
}

static gboolean track_in(const GArray *tracks, const NaraMediaTrack *t)
{
  for (guint i = 0; i < tracks->len; i++)
    if (g_str_equal(g_array_index(tracks, NaraMediaTrack, i).id, t->id))
      return TRUE;
  return FALSE;
}

static gboolean same_tracks(const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!track_in(b, &g_array_index(a, NaraMediaTrack, i)))
      return FALSE;
  return TRUE;
}

/* Everyone receives every track of everyone else; media is told only when
 * a participant's set really changed, since each change costs an offer. */
static void update_subscriptions(NaraRoom *room)
{
  for (guint i = 0; i < room->participants->len; i++) {
    NaraParticipant *p = room->participants->pdata[i];
    g_autoptr(GArray) want = g_array_new(FALSE, TRUE, sizeof(NaraMediaTrack));
    for (guint j = 0; j < room->participants->len; j++) {
      NaraParticipant *other = room->participants->pdata[j];
      for (guint k = 0; other != p && k < other->tracks->len; k++) {
        const NaraMediaTrack *t = &g_array_index(other->tracks, NaraMediaTrack, k);
        if (nara_track_forwarded(other, t)) /* a withdrawn screen share: screenshare.c */
          g_array_append_vals(want, t, 1);
      }
    }
    if (same_tracks(want, p->subscribed))
      continue;
    g_array_set_size(p->subscribed, 0);
    g_array_append_vals(p->subscribed, want->data, want->len);
    nara_media_peer_set_subscriptions(p->subscribe, (const NaraMediaTrack *)want->data, want->len);
  }
}

void nara_participant_set_tracks(NaraParticipant *p, const NaraMediaTrack *tracks, guint n)
{
  g_autoptr(GArray) next = g_array_new(FALSE, TRUE, sizeof(NaraMediaTrack));
  guint limit = MIN(n, NARA_MEDIA_MAX_TRACKS);

  if (tracks)
    g_array_append_vals(next, tracks, limit);
  for (guint i = 0; i < p->tracks->len; i++) {
    NaraMediaTrack *t = &g_array_index(p->tracks, NaraMediaTrack, i);
    if (!track_in(next, t) && nara_track_forwarded(p, t))
      nara_room_broadcast(p->room, nara_out_track_removed(p->id, t->id), p);
  }
  for (guint i = 0; i < next->len; i++) {
    NaraMediaTrack *t = &g_array_index(next, NaraMediaTrack, i);
    if (!track_in(p->tracks, t) && nara_track_forwarded(p, t))
      nara_room_broadcast(p->room, nara_out_track_added(p->id, nara_participant_track_json(p, t)),
                          p);
  }
  g_array_set_size(p->tracks, 0);
  g_array_append_vals(p->tracks, next->data, next->len);
  update_subscriptions(p->room);
}

static void participant_free(NaraParticipant *p)
{
  nara_resume_forget(p);
  g_free(p->last_offer);
  g_array_unref(p->tracks);
  g_array_unref(p->subscribed);
  g_free(p->name);
  g_free(p);
}

void nara_room_free(NaraRoom *room)
{
  /* Only called for idle rooms or at shutdown, when sessions are gone. */
  nara_placement_room_freed(room);
  for (guint i = 0; i < room->participants->len; i++) {
    NaraParticipant *p = room->participants->pdata[i];
    nara_media_peer_close(p->publish);
    nara_media_peer_close(p->subscribe);
    if (p->session)
      p->session->participant = NULL;
    participant_free(p);
  }
  g_ptr_array_unref(room->participants);
  g_clear_pointer(&room->consultation, nara_consultation_free);
  nara_media_room_free(room->media_room);
  g_free(room->name);
  g_free(room);
}

void nara_room_remove(NaraParticipant *p, const char *reason)
{
  NaraRoom *room = p->room;

  /* Peers first: no media callback may arrive for p from here on. */
  nara_media_peer_close(p->publish);
  nara_media_peer_close(p->subscribe);
  p->publish = p->subscribe = NULL;
  g_ptr_array_remove(room->participants, p);
  p->session->participant = NULL;
  p->session->state = NARA_SESSION_DONE;
  if (p->member) {
    p->member->session = NULL;
    p->session->member = NULL;
  }
  g_message("room %s: %s left (%s, %u in the room)", room->name, p->id, reason,
            room->participants->len);

  for (guint i = 0; i < p->tracks->len; i++)
    nara_room_broadcast(
        room, nara_out_track_removed(p->id, g_array_index(p->tracks, NaraMediaTrack, i).id), NULL);
  nara_room_broadcast(room, nara_out_participant_left(p->id, reason), NULL);
  g_array_set_size(p->tracks, 0);
  update_subscriptions(room);
  participant_free(p);
  nara_room_free_if_idle(room);
}

gboolean nara_room_free_if_idle(NaraRoom *room)
{
  if (room->participants->len > 0 || (room->consultation && room->consultation->waiting->len > 0))
    return FALSE;
  g_message("room %s: empty, freed", room->name);
  g_hash_table_remove(room->sig->rooms, room->name);
  nara_room_free(room);
  return TRUE;
}
