/* session.c — one WebSocket connection: input assembly, output queue, limits.
 *
 * Owns a session's bounded outgoing queue (written one frame per
 * SERVER_WRITEABLE), message reassembly up to the size limit (close 1009
 * beyond it), the token-bucket rate limit (close 1008 on sustained abuse),
 * the hello deadline (close 1008), the keepalive (ping after ws_ping_secs
 * of silence, drop after ws_timeout_secs) and closing with a code after
 * the queue drains. It does not interpret messages (dispatch.c) nor hold
 * room state (room.c).
 *
 * Threading: control thread (libwebsockets callbacks on the GLib loop).
 */
#include "signaling-private.h"
#include "outgoing.h"

#include <string.h>

/* Dropped messages leak away at the allowed rate; when more than this many
 * (scaled by the rate, at least 20) pile up the client is flooding, not
 * just bursting, and is closed with 1008. */
#define ABUSE_PER_RATE 2
#define MIN_ABUSE 20

NaraSession *nara_session_new(NaraSignaling *sig, struct lws *wsi)
{
  NaraSession *s = g_new0(NaraSession, 1);
  s->sig = sig;
  s->wsi = wsi;
  s->serial = ++sig->next_session;
  s->rx = g_byte_array_new();
  g_queue_init(&s->out);
  s->tokens = 2.0 * sig->config.messages_per_second;
  s->refill_us = g_get_monotonic_time();
  s->opened_us = s->last_rx_us = s->refill_us;
  g_hash_table_add(sig->sessions, s);
  g_debug("s%" G_GUINT64_FORMAT ": connected", s->serial);
  return s;
}

void nara_session_free(NaraSession *s)
{
  if (!s)
    return;
  if (s->grace_source)
    g_source_remove(s->grace_source);
  nara_check_forget(s);
  g_queue_clear_full(&s->out, (GDestroyNotify)nara_out_msg_unref);
  g_byte_array_unref(s->rx);
  g_free(s->peer_ip);
  g_free(s->lang);
  g_free(s);
}

void nara_session_closed(NaraSession *s)
{
  g_debug("s%" G_GUINT64_FORMAT ": closed", s->serial);
  /* A participant whose socket dropped may come back (resume.c). */
  if (nara_resume_detach(s))
    return;
  nara_consultation_session_gone(s, "disconnected");
  nara_signaling_uncount_session(s->sig, s);
  g_hash_table_remove(s->sig->sessions, s);
  nara_session_free(s);
}

const char *nara_session_log_id(NaraSession *s)
{
  return s->participant ? s->participant->id : s->member ? s->member->id : "-";
}

/* A session without a socket (wsi NULL: tests/fuzz/fuzz_dispatch.c) keeps
 * its frames in `out` for its owner to take; close and kill only mark it. */
static void want_write(NaraSession *s)
{
  if (s->wsi)
    lws_callback_on_writable(s->wsi);
}

static void kill_session(NaraSession *s, const char *why)
{
  if (s->killed)
    return;
  g_message("s%" G_GUINT64_FORMAT " (%s): dropped: %s", s->serial, nara_session_log_id(s), why);
  s->killed = TRUE;
  s->state = NARA_SESSION_DONE;
  /* The client is not reading, so a close frame would queue too: cut it. */
  if (s->wsi)
    lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void nara_session_send_out(NaraSession *s, NaraOutMsg *out)
{
  if (s->killed || s->close_code)
    return;
  if (g_queue_get_length(&s->out) >= s->sig->config.max_queued_messages) {
    s->no_resume = TRUE;
    kill_session(s, "outgoing queue full");
    return;
  }
  g_queue_push_tail(&s->out, nara_out_msg_ref(out));
  want_write(s);
}

void nara_session_send(NaraSession *s, json_t *msg)
{
  NaraOutMsg *out = nara_json_frame(msg);
  nara_session_send_out(s, out);
  nara_out_msg_unref(out);
}

void nara_session_send_new(NaraSession *s, json_t *msg)
{
  nara_session_send(s, msg);
  json_decref(msg);
}

void nara_session_send_error(NaraSession *s, json_t *id, const char *code, const char *message)
{
  nara_session_send_new(s, nara_out_error(id, code, message));
}

void nara_session_send_ok(NaraSession *s, json_t *id)
{
  nara_session_send_new(s, nara_out_ok(id));
}

void nara_session_close(NaraSession *s, int code, const char *reason)
{
  if (s->close_code || s->killed)
    return;
  s->close_code = code;
  s->close_reason = reason;
  s->state = NARA_SESSION_DONE;
  want_write(s);
}

/* The keepalive is ours, not libwebsockets' validity ping: lws 4.1 writes
 * its ping's payload into the buffer holding the payload of a client's
 * ping it has yet to answer, so a client that pings on the same period
 * (Python websockets: 20 s) gets a pong it cannot match and hangs up. */
static gint64 earliest(gint64 a, gint64 b)
{
  return a == 0 || (b != 0 && b < a) ? b : a;
}

gint64 nara_session_timer(NaraSession *s)
{
  const NaraSignalingConfig *c = &s->sig->config;
  gint64 now = g_get_monotonic_time(), next = 0;

  if (s->killed || s->close_code)
    return 0;
  if (s->state == NARA_SESSION_NEW) {
    gint64 deadline = s->opened_us + (gint64)c->hello_timeout_secs * G_USEC_PER_SEC;
    if (now >= deadline) {
      g_message("s%" G_GUINT64_FORMAT ": closing: no hello within %u s", s->serial,
                c->hello_timeout_secs);
      nara_session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "no hello");
      return 0;
    }
    next = deadline;
  }
  if (c->ws_timeout_secs) {
    gint64 deadline = s->last_rx_us + (gint64)c->ws_timeout_secs * G_USEC_PER_SEC;
    if (now >= deadline) {
      g_autofree char *why = g_strdup_printf("silent for %u s", c->ws_timeout_secs);
      kill_session(s, why);
      return 0;
    }
    next = earliest(next, deadline);
  }
  if (c->ws_ping_secs && !s->pinged) {
    gint64 due = s->last_rx_us + (gint64)c->ws_ping_secs * G_USEC_PER_SEC;
    if (now >= due) {
      s->pinged = s->ping_due = TRUE;
      want_write(s);
    } else {
      next = earliest(next, due);
    }
  }
  return next ? MAX(next - now, G_USEC_PER_SEC / 10) : 0;
}

void nara_session_alive(NaraSession *s)
{
  s->last_rx_us = g_get_monotonic_time();
  s->pinged = FALSE;
}

gboolean nara_session_take_token(NaraSession *s)
{
  double rate = s->sig->config.messages_per_second;
  gint64 now = g_get_monotonic_time();
  double elapsed = (double)(now - s->refill_us) / G_USEC_PER_SEC;
  double max_abuse = MAX(MIN_ABUSE, ABUSE_PER_RATE * rate);

  s->tokens = MIN(2.0 * rate, s->tokens + rate * elapsed);
  s->abuse = MAX(0.0, s->abuse - rate * elapsed);
  s->refill_us = now;
  if (s->tokens >= 1.0) {
    s->tokens -= 1.0;
    s->strikes = 0;
    return TRUE;
  }
  s->strikes++;
  s->abuse += 1.0;
  if (s->abuse >= max_abuse) {
    g_message("s%" G_GUINT64_FORMAT " (%s): closing: sustained message flood", s->serial,
              nara_session_log_id(s));
    s->no_resume = TRUE;
    nara_session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "rate limit");
  }
  return FALSE;
}

static int close_now(struct lws *wsi, int code, const char *reason)
{
  lws_close_reason(wsi, (enum lws_close_status)code, (unsigned char *)reason, strlen(reason));
  return -1;
}

int nara_session_receive(NaraSession *s, struct lws *wsi, const void *in, gsize len)
{
  if (lws_is_first_fragment(wsi))
    g_byte_array_set_size(s->rx, 0);
  /* Accumulate only up to the limit: a bigger message never gets buffered. */
  if (s->rx->len + len > s->sig->config.max_message_bytes) {
    g_message("s%" G_GUINT64_FORMAT " (%s): closing: message over %zu bytes", s->serial,
              nara_session_log_id(s), s->sig->config.max_message_bytes);
    g_byte_array_set_size(s->rx, 0);
    s->state = NARA_SESSION_DONE;
    s->no_resume = TRUE;
    return close_now(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
  }
  g_byte_array_append(s->rx, in, (guint)len);
  if (!lws_is_final_fragment(wsi))
    return 0;

  if (s->state != NARA_SESSION_DONE) {
    if (lws_frame_is_binary(wsi))
      nara_session_send_error(s, NULL, "bad-json", "binary frames are not JSON text");
    else
      nara_dispatch(s, (const char *)s->rx->data, s->rx->len);
  }
  /* Keep one large message from holding its buffer for the connection's lifetime. */
  if (s->rx->len > 65536) {
    g_byte_array_unref(s->rx);
    s->rx = g_byte_array_new();
  }
  g_byte_array_set_size(s->rx, 0);
  return 0;
}

int nara_session_writeable(NaraSession *s)
{
  NaraOutMsg *out = g_queue_pop_head(&s->out);

  if (s->killed)
    return -1;
  if (s->ping_due) {
    /* A payload, because lws 4.1 does not report an empty pong. */
    unsigned char ping[LWS_PRE + 4] = { [LWS_PRE] = 'n', 'a', 'r', 'a' };
    s->ping_due = FALSE;
    if (out)
      g_queue_push_head(&s->out, out);
    if (lws_write(s->wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0)
      return -1;
    if (!g_queue_is_empty(&s->out) || s->close_code)
      lws_callback_on_writable(s->wsi);
    return 0;
  }
  if (out) {
    int n = lws_write(s->wsi, out->data + LWS_PRE, out->len, LWS_WRITE_TEXT);
    gboolean ok = n >= 0 && (gsize)n >= out->len;
    nara_out_msg_unref(out);
    if (!ok)
      return -1;
    if (!g_queue_is_empty(&s->out) || s->close_code)
      lws_callback_on_writable(s->wsi);
    return 0;
  }
  if (s->close_code)
    return close_now(s->wsi, s->close_code, s->close_reason ? s->close_reason : "");
  return 0;
}
