/* drain.c — taking this node out of service without dropping a call.
 *
 * Owns the drain state: after nara_signaling_drain() no new room or
 * consultation starts here (joins that would create one get `draining`),
 * while live calls go on. Everyone in a call or waiting room is told the
 * deadline (`draining`) when it comes near, and at the deadline their
 * sockets close with 1012 (service restart), which clients take as "come
 * back in a moment", not as the end of the visit. When no one is left in
 * a room or waiting, the on_empty callback runs (the server then exits).
 * It does not place calls elsewhere: a load balancer that reads /readyz
 * sends the reconnecting clients to a node that is ready; in a cluster the
 * registry is told the node is not ready, and at the deadline the rooms'
 * leases are given up before the closes (placement.c), so a rejoin is
 * placed on another node.
 *
 * Threading: control thread (GLib timeouts on the main context).
 */
#include "signaling-private.h"

#include "outgoing.h"
#include "placement.h"
#include "rfc3339.h"

/* Emptiness is looked at this often: cheaper and simpler than a hook in
 * every path that ends a session (a walk over the session table). */
#define EMPTY_CHECK_MS 200
/* RFC 6455 registry: "Service Restart", the client should reconnect. */
#define CLOSE_SERVICE_RESTART 1012
/* After the deadline's closes: how long their close frames may take before
 * the server stops regardless (drain_secs 0: stop at once). */
#define FINAL_MS 2000
#define FINAL_ZERO_MS 100

static gboolean in_service(const NaraSession *s)
{
  return s->state == NARA_SESSION_WAITING || s->state == NARA_SESSION_JOINED;
}

static guint sessions_in_service(NaraSignaling *sig)
{
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  g_hash_table_iter_init(&iter, sig->sessions);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    n += in_service(key);
  return n;
}

static json_t *draining_message(NaraSignaling *sig)
{
  gint64 left_us = MAX(sig->drain_deadline_us - g_get_monotonic_time(), 0);
  g_autofree char *at
      = nara_rfc3339_format(g_get_real_time() / G_USEC_PER_SEC + left_us / G_USEC_PER_SEC);
  return nara_out_draining(at, (guint)(left_us / G_USEC_PER_SEC));
}

/* Everyone in service who does not know the deadline yet: at the warning
 * and then, once a second, whoever joined since. */
static void tell_new(NaraSignaling *sig)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init(&iter, sig->sessions);
  while (g_hash_table_iter_next(&iter, &key, NULL)) {
    NaraSession *s = key;
    if (in_service(s) && !s->drain_told) {
      s->drain_told = TRUE;
      nara_session_send_new(s, draining_message(sig));
    }
  }
}

static gboolean on_warning(gpointer data)
{
  NaraSignaling *sig = data;

  sig->drain_warning_source = 0;
  sig->drain_warned = TRUE;
  tell_new(sig);
  return G_SOURCE_REMOVE;
}

static void done(NaraSignaling *sig)
{
  nara_drain_stop(sig);
  sig->drain_on_empty(sig->drain_on_empty_data);
}

static gboolean on_final(gpointer data)
{
  NaraSignaling *sig = data;

  sig->drain_final_source = 0;
  g_message("drain: stopping with %u sessions still closing", sessions_in_service(sig));
  done(sig);
  return G_SOURCE_REMOVE;
}

static gboolean on_deadline(gpointer data)
{
  NaraSignaling *sig = data;
  g_autoptr(GPtrArray) closing = g_ptr_array_new();
  GHashTableIter iter;
  gpointer key;

  sig->drain_deadline_source = 0;
  /* Many nodes: the rooms are given up first, so that the clients the
   * closes send back land on a ready node, which takes the rooms over. */
  nara_placement_release_all(sig);
  g_hash_table_iter_init(&iter, sig->sessions);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    if (in_service(key))
      g_ptr_array_add(closing, key);
  g_message("drain deadline reached: closing %u sessions", closing->len);
  for (guint i = 0; i < closing->len; i++) {
    NaraSession *session = closing->pdata[i];
    if (session->detached) { /* no socket to close: its grace window ends now */
      g_clear_handle_id(&session->grace_source, g_source_remove);
      nara_resume_end(session);
    } else {
      nara_session_close(session, CLOSE_SERVICE_RESTART, "server restarting");
    }
  }
  /* A peer that does not answer the close (a frozen process, a dead
   * network) must not hold the exit: past this, the server stops anyway. */
  sig->drain_final_source
      = g_timeout_add(sig->drain_zero ? FINAL_ZERO_MS : FINAL_MS, on_final, sig);
  return G_SOURCE_REMOVE;
}

static gboolean on_empty_check(gpointer data)
{
  NaraSignaling *sig = data;

  if (sig->drain_warned)
    tell_new(sig);
  if (sessions_in_service(sig) > 0 || g_hash_table_size(sig->rooms) > 0)
    return G_SOURCE_CONTINUE;
  sig->drain_empty_source = 0;
  g_message("drained: no calls left");
  done(sig);
  return G_SOURCE_REMOVE;
}

void nara_signaling_drain(NaraSignaling *sig, guint deadline_secs, guint warning_secs,
                          GSourceFunc on_empty, gpointer data)
{
  guint warn_in;

  g_return_if_fail(!sig->draining);
  sig->draining = TRUE;
  sig->drain_zero = deadline_secs == 0;
  sig->drain_deadline_us = g_get_monotonic_time() + (gint64)deadline_secs * G_USEC_PER_SEC;
  sig->drain_on_empty = on_empty;
  sig->drain_on_empty_data = data;
  g_message("draining: %u sessions in %u rooms; deadline in %u s", sessions_in_service(sig),
            g_hash_table_size(sig->rooms), deadline_secs);
  /* The registry hears at once that nothing new should come here. */
  nara_placement_refresh(sig);
  warn_in = deadline_secs > warning_secs ? deadline_secs - warning_secs : 0;
  /* Milliseconds, not g_timeout_add_seconds: a deadline of 0 (stop now,
   * closing calls with 1012) must not wait for the next whole second. */
  sig->drain_warning_source = g_timeout_add(warn_in * 1000, on_warning, sig);
  sig->drain_deadline_source = g_timeout_add(deadline_secs * 1000, on_deadline, sig);
  sig->drain_empty_source = g_timeout_add(EMPTY_CHECK_MS, on_empty_check, sig);
}

gboolean nara_signaling_is_draining(NaraSignaling *sig)
{
  return sig->draining;
}

void nara_drain_stop(NaraSignaling *sig)
{
  g_clear_handle_id(&sig->drain_warning_source, g_source_remove);
  g_clear_handle_id(&sig->drain_deadline_source, g_source_remove);
  g_clear_handle_id(&sig->drain_empty_source, g_source_remove);
  g_clear_handle_id(&sig->drain_final_source, g_source_remove);
}
