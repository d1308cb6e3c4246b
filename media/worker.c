/* worker.c — the media worker threads.
 *
 * Owns each worker's thread, GMainContext and main loop, the in-order work
 * queue into it, its ICE-lite mux (made before the thread starts, so a port
 * in use fails nara_media_new()) and the once-a-second tick that drives its
 * rooms' periodic RTCP and ICE-lite consent. It knows nothing of peers or
 * packets beyond calling the room and mux ticks.
 * nara_worker_new/free/post run on the control thread; the loop, the tick
 * and everything posted run on the worker thread.
 */
#include "worker.h"

#include "media.h"
#include "mux.h"
#include "room.h"

#define TICK_MS 1000

void nara_post(GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  /* An idle source, not g_main_context_invoke_full(): that one runs func in
   * the caller when nobody owns the context at that moment, which would put
   * worker work on the control thread or callbacks on a worker. Sources of
   * one priority are dispatched in the order they were attached. */
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, func, data, destroy);
  g_source_attach(source, context);
  g_source_unref(source);
}

void nara_worker_post(NaraWorker *worker, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  nara_post(worker->context, func, data, destroy);
  /* The worker may sleep in recvmmsg, deaf to GLib's own wake-up. */
  if (worker->mux)
    nara_mux_ring(worker->mux);
}

/* The worker this thread runs; GPollFunc has no user data. */
static _Thread_local NaraWorker *this_worker;

/* GLib's poll, except that an ICE-lite worker sleeps in recvmmsg on its
 * socket: at fan-out 1 a wake-up carries two or three datagrams, and the
 * poll() before each recvmmsg was a tenth of the worker's CPU. */
static gint worker_poll(GPollFD *fds, guint n_fds, gint timeout)
{
  NaraWorker *worker = this_worker;
  if (worker && worker->mux && nara_mux_wait(worker->mux, fds, n_fds, timeout))
    return 0;
  return g_poll(fds, n_fds, timeout);
}

static gboolean on_tick(gpointer user_data)
{
  NaraWorker *worker = user_data;
  atomic_fetch_add_explicit(&worker->ticks, 1, memory_order_relaxed);
  for (guint i = 0; i < worker->rooms->len; i++)
    nara_room_core_tick(g_ptr_array_index(worker->rooms, i));
  if (worker->mux)
    nara_mux_tick(worker->mux, g_get_monotonic_time());
  return G_SOURCE_CONTINUE;
}

static gpointer worker_main(gpointer user_data)
{
  NaraWorker *worker = user_data;
  g_main_context_push_thread_default(worker->context);
  /* Owning the context before anyone posts keeps every posted function on
   * this thread (see nara_post). */
  g_main_context_acquire(worker->context);
  this_worker = worker;
  g_main_context_set_poll_func(worker->context, worker_poll);
  worker->tick = g_timeout_source_new(TICK_MS);
  g_source_set_callback(worker->tick, on_tick, worker, NULL);
  g_source_attach(worker->tick, worker->context);

  g_mutex_lock(&worker->ready_lock);
  worker->ready = TRUE;
  g_cond_signal(&worker->ready_cond);
  g_mutex_unlock(&worker->ready_lock);

  g_main_loop_run(worker->loop);

  g_source_destroy(worker->tick);
  g_clear_pointer(&worker->tick, g_source_unref);
  /* Datagrams still arriving would keep the loop below busy for ever. */
  if (worker->mux)
    nara_mux_detach(worker->mux);
  /* Let libnice's pending socket and timer clean-ups run before we go. */
  while (g_main_context_iteration(worker->context, FALSE))
    ;
  g_main_context_release(worker->context);
  g_main_context_pop_thread_default(worker->context);
  return NULL;
}

NaraWorker *nara_worker_new(guint index, const NaraMediaShared *shared, GError **error)
{
  NaraWorker *worker = g_new0(NaraWorker, 1);
  worker->index = index;
  worker->shared = shared;
  worker->context = g_main_context_new();
  worker->loop = g_main_loop_new(worker->context, FALSE);
  worker->rooms = g_ptr_array_new();
  g_mutex_init(&worker->ready_lock);
  g_cond_init(&worker->ready_cond);
  if (shared->ice_lite) {
    worker->mux = nara_mux_new(worker, error);
    if (!worker->mux) {
      nara_worker_free(worker);
      return NULL;
    }
  }

  char name[16];
  g_snprintf(name, sizeof name, "nara-media-%u", index);
  worker->thread = g_thread_try_new(name, worker_main, worker, error);
  if (!worker->thread) {
    g_prefix_error(error, "media worker: ");
    nara_worker_free(worker);
    return NULL;
  }
  g_mutex_lock(&worker->ready_lock);
  while (!worker->ready)
    g_cond_wait(&worker->ready_cond, &worker->ready_lock);
  g_mutex_unlock(&worker->ready_lock);
  return worker;
}

static gboolean quit_loop(gpointer user_data)
{
  NaraWorker *worker = user_data;
  g_main_loop_quit(worker->loop);
  return G_SOURCE_REMOVE;
}

void nara_worker_free(NaraWorker *worker)
{
  if (!worker)
    return;
  if (worker->thread) {
    nara_worker_post(worker, quit_loop, worker, NULL);
    g_thread_join(worker->thread);
  }
  g_warn_if_fail(worker->rooms->len == 0);
  nara_mux_free(worker->mux);
  g_ptr_array_unref(worker->rooms);
  g_main_loop_unref(worker->loop);
  g_main_context_unref(worker->context);
  g_mutex_clear(&worker->ready_lock);
  g_cond_clear(&worker->ready_cond);
  g_free(worker);
}
