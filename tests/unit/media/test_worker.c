/* test_worker.c — the ring: work posted to an ICE-lite worker that sleeps in
 * its socket's recvmmsg wakes it through the empty datagram nara_mux_ring()
 * sends. The test first takes away the worker's tick, its only timer, so
 * the worker then waits with no timeout at all: posted work can only run if
 * a datagram wakes it, and no assertion is about how long anything took.
 * The worker is a real thread; the test watches it through
 * /proc/self/task/<tid>/syscall (Linux) and skips where that file is missing.
 *
 * It also checks the once-a-second tick count /readyz reads: it stands
 * still while something holds the loop.
 */
#include "media.h"
#include "worker.h"

#include <sys/syscall.h>
#include <unistd.h>

static const char *const loopback[] = { "127.0.0.1", NULL };

/* Generous: a wait that reaches it fails the test, it is never a measure. */
#define DEADLINE_US (10 * G_USEC_PER_SEC)

typedef struct {
  NaraWorker *worker;
  GMutex lock;
  GCond cond;
  guint runs;      /* {lock} posted functions run */
  pid_t tid;       /* {lock} the worker thread's id, from the first run */
  GThread *thread; /* {lock} where the last run ran */
  gboolean owner;  /* {lock} the last run owned the worker's context */
} Ring;

/* On the worker. */
static void note_run(Ring *r)
{
  g_mutex_lock(&r->lock);
  r->runs++;
  r->thread = g_thread_self();
  r->owner = g_main_context_is_owner(r->worker->context);
  g_cond_signal(&r->cond);
  g_mutex_unlock(&r->lock);
}

/* On the worker: with the tick gone, GLib has no timer to wait for and the
 * worker's next nara_mux_wait() is a recvmmsg with no SO_RCVTIMEO. The
 * worker still holds its reference; destroying it again when it stops is
 * harmless. */
static gboolean remove_tick(gpointer user_data)
{
  Ring *r = user_data;
  g_source_destroy(r->worker->tick);
  g_mutex_lock(&r->lock);
  r->tid = gettid();
  g_mutex_unlock(&r->lock);
  note_run(r);
  return G_SOURCE_REMOVE;
}

static gboolean posted(gpointer user_data)
{
  note_run(user_data);
  return G_SOURCE_REMOVE;
}

static void wait_for_runs(Ring *r, guint n)
{
  gint64 deadline = g_get_monotonic_time() + DEADLINE_US;
  g_mutex_lock(&r->lock);
  while (r->runs < n && g_cond_wait_until(&r->cond, &r->lock, deadline))
    ;
  guint runs = r->runs;
  GThread *thread = r->thread;
  gboolean owner = r->owner;
  g_mutex_unlock(&r->lock);
  /* Fewer runs: nothing woke the worker, so the ring did not. */
  g_assert_cmpuint(runs, ==, n);
  g_assert_true(thread == r->worker->thread);
  g_assert_true(thread != g_thread_self());
  g_assert_true(owner);
}

/* The system call a thread sleeps in, -1 while it runs ("running"). */
static glong sleeping_in(pid_t tid)
{
  g_autofree char *path = g_strdup_printf("/proc/self/task/%d/syscall", (int)tid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return -1;
  char *end;
  gint64 nr = g_ascii_strtoll(text, &end, 10);
  return end == text ? -1 : (glong)nr;
}

static gboolean is_recvmmsg(glong nr)
{
#ifdef SYS_recvmmsg_time64
  if (nr == SYS_recvmmsg_time64)
    return TRUE;
#endif
  return nr == SYS_recvmmsg;
}

/* Until the worker sleeps in recvmmsg: in it, and not in poll(), GLib's
 * own wake-up cannot reach it. The kernel names the call only while the
 * thread sleeps, so a MSG_DONTWAIT drain never matches. */
static void wait_until_asleep(pid_t tid)
{
  gint64 deadline = g_get_monotonic_time() + DEADLINE_US;
  glong nr;
  while (!is_recvmmsg(nr = sleeping_in(tid)) && g_get_monotonic_time() < deadline)
    g_usleep(1000);
  if (!is_recvmmsg(nr))
    g_test_message("worker never slept in recvmmsg (last seen in system call %ld)", nr);
  g_assert_true(is_recvmmsg(nr));
}

static void ring_wakes_sleeping_worker(void)
{
  g_autofree char *own = g_strdup_printf("/proc/self/task/%d/syscall", (int)gettid());
  if (!g_file_test(own, G_FILE_TEST_EXISTS)) {
    g_test_skip("no /proc/self/task/<tid>/syscall to see where the worker sleeps");
    return;
  }
  NaraMediaShared shared = { .ice_addresses = (char **)loopback, .ice_lite = TRUE };
  Ring r = { 0 };
  g_mutex_init(&r.lock);
  g_cond_init(&r.cond);
  g_autoptr(GError) error = NULL;
  r.worker = nara_worker_new(0, &shared, &error);
  g_assert_no_error(error);
  /* One socket (one address): the worker waits in recvmmsg, not poll(). */
  g_assert_nonnull(r.worker->mux);

  nara_worker_post(r.worker, remove_tick, &r, NULL);
  wait_for_runs(&r, 1);
  g_mutex_lock(&r.lock);
  pid_t tid = r.tid;
  g_mutex_unlock(&r.lock);
  g_assert_cmpint(tid, !=, gettid());

  /* Two rounds: after the first ring the worker goes back to sleep, and
   * the next post wakes it again. Nothing else knows the socket's port, and
   * no timer is left, so only the ring's datagram can end each sleep. */
  for (guint round = 1; round <= 2; round++) {
    wait_until_asleep(tid);
    nara_worker_post(r.worker, posted, &r, NULL);
    wait_for_runs(&r, 1 + round);
  }

  /* Stopping rings once more. */
  nara_worker_free(r.worker);
  g_mutex_clear(&r.lock);
  g_cond_clear(&r.cond);
}

/* On the worker: holds it until the test lets go, as a stuck loop would. */
static gboolean hold_worker(gpointer data)
{
  Ring *r = data;
  g_mutex_lock(&r->lock);
  r->runs++;
  r->thread = g_thread_self();
  r->owner = g_main_context_is_owner(r->worker->context);
  g_cond_broadcast(&r->cond);
  while (r->runs < 2)
    g_cond_wait(&r->cond, &r->lock);
  g_mutex_unlock(&r->lock);
  return G_SOURCE_REMOVE;
}

static guint ticks_of(NaraWorker *worker)
{
  return atomic_load(&worker->ticks);
}

/* /readyz's view of a worker: its tick count moves while the loop runs and
 * stands still while the loop is held, then moves again. */
static void ticks_show_a_stuck_loop(void)
{
  NaraMediaShared shared = { .ice_addresses = (char **)loopback, .ice_lite = TRUE };
  Ring r = { 0 };
  g_mutex_init(&r.lock);
  g_cond_init(&r.cond);
  g_autoptr(GError) error = NULL;
  r.worker = nara_worker_new(0, &shared, &error);
  g_assert_no_error(error);

  gint64 deadline = g_get_monotonic_time() + DEADLINE_US;
  while (ticks_of(r.worker) < 1 && g_get_monotonic_time() < deadline)
    g_usleep(10000);
  g_assert_cmpuint(ticks_of(r.worker), >=, 1);

  nara_worker_post(r.worker, hold_worker, &r, NULL);
  wait_for_runs(&r, 1);
  guint held = ticks_of(r.worker);
  g_usleep(2500000); /* more than two ticks' time: none may run */
  g_assert_cmpuint(ticks_of(r.worker), ==, held);

  g_mutex_lock(&r.lock);
  r.runs = 2;
  g_cond_broadcast(&r.cond);
  g_mutex_unlock(&r.lock);
  deadline = g_get_monotonic_time() + DEADLINE_US;
  while (ticks_of(r.worker) == held && g_get_monotonic_time() < deadline)
    g_usleep(10000);
  g_assert_cmpuint(ticks_of(r.worker), >, held);

  nara_worker_free(r.worker);
  g_mutex_clear(&r.lock);
  g_cond_clear(&r.cond);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/worker/ring-wakes-sleeping-worker", ring_wakes_sleeping_worker);
  g_test_add_func("/worker/ticks-show-a-stuck-loop", ticks_show_a_stuck_loop);
  return g_test_run();
}
