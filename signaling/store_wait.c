/* store_wait.c — the handle a store call keeps of its session.
 *
 * Store calls complete later, on the control thread; by then the session
 * may have closed and been freed, and another allocated at its address.
 * The handle keeps the pointer only to compare it: it is dereferenced once
 * found among the open sessions with the same serial (serials are never
 * reused). No reference count on sessions, so their life is unchanged.
 *
 * Threading: control thread.
 */
#include "signaling-private.h"

void nara_session_wait_init(NaraSessionWait *w, NaraSession *session, json_t *id)
{
  w->sig = session->sig;
  w->session = session;
  w->serial = session->serial;
  w->id = id ? json_incref(id) : NULL;
  w->started_us = g_get_monotonic_time();
}

NaraSession *nara_session_wait_get(NaraSessionWait *w)
{
  /* The first look is the store's answer arriving: how long it took. */
  if (w->started_us) {
    nara_histogram_observe(&w->sig->store_seconds,
                           (double)(g_get_monotonic_time() - w->started_us) / G_USEC_PER_SEC);
    w->started_us = 0;
  }
  if (!g_hash_table_contains(w->sig->sessions, w->session) || w->session->serial != w->serial)
    return NULL;
  return w->session;
}

void nara_session_wait_clear(NaraSessionWait *w)
{
  g_clear_pointer(&w->id, json_decref);
  w->session = NULL;
}
