/* handlers_rtt.c — real-time text (EN 301 549 §6.2): the line a person is
 * typing, relayed to everyone else in the room as it grows.
 *
 * The client sends its current line at most every few hundred
 * milliseconds and at each word boundary, numbered by seq, and once more
 * with final: true when the line is done. The server relays each message
 * to the others and forgets it: no store, no audit record, no log line
 * (the text is the person's speech). It bounds the line's length and how
 * many messages a participant may have relayed per second; a message over
 * that is dropped, and the first one dropped in a second gets a
 * rate-limited error, so a stuck client cannot flood a room.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "outgoing.h"
#include "permissions.h"
#include "validate.h"

/* TRUE if text is at most NARA_RTT_MAX_CHARS characters without control
 * characters (a line: no newline either). Empty is fine: all erased. */
static gboolean rtt_text_ok(const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p = g_utf8_next_char(p), n++)
    if (n >= NARA_RTT_MAX_CHARS || g_unichar_type(g_utf8_get_char(p)) == G_UNICODE_CONTROL)
      return FALSE;
  return TRUE;
}

/* TRUE if this participant may have one more message relayed now. */
static gboolean rtt_take(NaraParticipant *p, NaraSession *session, json_t *id)
{
  gint64 now = g_get_monotonic_time();

  if (now - p->rtt_window_us >= G_USEC_PER_SEC) {
    p->rtt_window_us = now;
    p->rtt_in_window = 0;
  }
  if (p->rtt_in_window++ < NARA_RTT_PER_SECOND)
    return TRUE;
  if (p->rtt_in_window == NARA_RTT_PER_SECOND + 1)
    nara_session_send_error(session, id, "rate-limited",
                            "too many rtt messages; send the line at most every 300 ms");
  return FALSE;
}

void nara_handle_rtt(NaraSession *session, json_t *msg, json_t *id)
{
  NaraParticipant *p = session->participant;
  const char *text = json_string_value(json_object_get(msg, "text"));
  json_int_t seq = json_integer_value(json_object_get(msg, "seq"));
  gboolean final = json_is_true(json_object_get(msg, "final"));

  /* Whoever may chat may type live: it is chat, letter by letter. */
  if (p->member
      && !nara_permission_allowed(p->member->role, NARA_PERMISSION_CHAT,
                                  p->room->consultation->auto_admit)) {
    nara_session_send_error(session, id, "forbidden", "your role may not chat here");
    return;
  }
  if (!rtt_text_ok(text)) {
    g_autofree char *m
        = g_strdup_printf("field 'text' must be at most %u characters, without control characters",
                          NARA_RTT_MAX_CHARS);
    nara_session_send_error(session, id, "bad-message", m);
    return;
  }
  if (!rtt_take(p, session, id))
    return;
  nara_room_broadcast(p->room, nara_out_rtt(p->id, p->name, text, seq, final), p);
}
