/* screenshare.c — screen sharing: who may, which track is the screen, and
 * what a host's allow-share changes.
 *
 * A screen share is one more video track on the sharer's publish
 * connection; the client names its m-line with the publish message's
 * "screen" field (its mid). Nara tags that track "screen": true wherever it
 * describes tracks, so the others' clients show it large. The right to
 * share is the permission table's (permissions.c): host and staff always,
 * the other roles only while a host allows it. It is enforced here, not by
 * the client: a publish that shares (or sends a second video) without the
 * right is refused, and a screen whose right a host withdraws is no longer
 * forwarded to anyone (room.c asks nara_track_forwarded()). Open rooms have
 * no roles: anyone may share there, as anyone may publish.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"

#include <string.h>

gboolean nara_participant_may_share(NaraParticipant *p)
{
  NaraMember *m = p->member;

  if (!m)
    return TRUE;
  switch (nara_permission_grant(m->role, NARA_PERMISSION_SHARE_SCREEN)) {
  case NARA_GRANT_YES:
    return TRUE;
  case NARA_GRANT_BY_HOST:
    return m->share_allowed;
  default:
    return nara_permission_allowed(m->role, NARA_PERMISSION_SHARE_SCREEN,
                                   p->room->consultation->auto_admit);
  }
}

/* What the offer says of its m-lines: the index of the one whose mid is
 * `mid` (-1: none) and whether it is video, and how many video m-lines send. */
typedef struct {
  int screen_index;
  gboolean screen_is_video;
  guint sending_video;
} OfferShape;

static void count_section(OfferShape *shape, gboolean video, gboolean port_zero, gboolean sending)
{
  if (video && !port_zero && sending)
    shape->sending_video++;
}

static OfferShape offer_shape(const char *sdp, const char *mid)
{
  OfferShape shape = { -1, FALSE, 0 };
  g_auto(GStrv) lines = g_strsplit(sdp, "\n", -1);
  int index = -1;
  gboolean video = FALSE, port_zero = FALSE, sending = TRUE;

  for (guint i = 0; lines[i]; i++) {
    char *line = g_strchomp(lines[i]); /* drops the \r */
    if (g_str_has_prefix(line, "m=")) {
      if (index >= 0)
        count_section(&shape, video, port_zero, sending);
      index++;
      video = g_str_has_prefix(line, "m=video ");
      port_zero = g_str_has_prefix(line + 2 + strcspn(line + 2, " "), " 0 ");
      sending = TRUE; /* sendrecv unless said otherwise */
    } else if (index >= 0 && (g_str_equal(line, "a=recvonly") || g_str_equal(line, "a=inactive"))) {
      sending = FALSE;
    } else if (index >= 0 && mid && g_str_has_prefix(line, "a=mid:")
               && g_str_equal(line + 6, mid)) {
      shape.screen_index = index;
      shape.screen_is_video = video;
    }
  }
  if (index >= 0)
    count_section(&shape, video, port_zero, sending);
  return shape;
}

gboolean nara_screen_check_publish(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  json_t *screen = json_object_get(msg, "screen");
  const char *mid = json_is_string(screen) ? json_string_value(screen) : NULL;
  OfferShape shape = offer_shape(json_string_value(json_object_get(msg, "sdp")), mid);

  /* A second sending video m-line is a screen share by another name. */
  if ((mid || shape.sending_video > 1) && !nara_participant_may_share(p)) {
    nara_session_send_error(session, id, "forbidden",
                            mid ? "you may not share your screen here unless a host allows it"
                                : "only one video track may be published without the right to "
                                  "share a screen");
    return FALSE;
  }
  if (mid && (shape.screen_index < 0 || !shape.screen_is_video)) {
    nara_session_send_error(session, id, "bad-message",
                            "field 'screen' must be the mid of a video m-line of the offer");
    return FALSE;
  }
  /* media names tracks "<participant>-<m-line index>" (media.h). */
  if (mid)
    g_snprintf(p->screen_track, sizeof p->screen_track, "%s-%d", p->id, shape.screen_index);
  else
    p->screen_track[0] = '\0';
  return TRUE;
}

static gboolean is_screen(NaraParticipant *p, const NaraMediaTrack *track)
{
  return p->screen_track[0] && g_str_equal(track->id, p->screen_track);
}

gboolean nara_track_forwarded(NaraParticipant *p, const NaraMediaTrack *track)
{
  return !is_screen(p, track) || nara_participant_may_share(p);
}

json_t *nara_participant_track_json(NaraParticipant *p, const NaraMediaTrack *track)
{
  json_t *json = nara_track_to_json(track);

  if (is_screen(p, track))
    json_object_set_new(json, "screen", json_true());
  return json;
}

void nara_screen_permission_changed(NaraMember *m)
{
  NaraParticipant *p = m->session ? m->session->participant : NULL;
  gboolean allowed = m->share_allowed;
  g_autoptr(GArray) tracks = NULL;

  if (!p)
    return;
  nara_session_send_new(m->session, nara_out_share_allowed(nara_participant_may_share(p)));
  for (guint i = 0; i < p->tracks->len; i++) {
    const NaraMediaTrack *t = &g_array_index(p->tracks, NaraMediaTrack, i);
    if (!is_screen(p, t))
      continue;
    /* The others learn of the change as if it were published anew or
     * unpublished; their subscriptions follow (room.c). */
    nara_room_broadcast(p->room,
                        allowed ? nara_out_track_added(p->id, nara_participant_track_json(p, t))
                                : nara_out_track_removed(p->id, t->id),
                        p);
  }
  tracks = g_array_copy(p->tracks);
  nara_participant_set_tracks(p, (const NaraMediaTrack *)tracks->data, tracks->len);
}
