/* sandbox_probe.c — test-only LD_PRELOAD shim: can the running server write?
 *
 * Loaded into nara by tests/integration/test_sandbox.py only. It wraps
 * g_main_loop_run(), which main() calls once start-up is over (sandbox
 * applied, workers and store running), and before handing over tries to
 * create $NARA_PROBE_INSIDE (a file in the state directory) and
 * $NARA_PROBE_OUTSIDE (anywhere else), from the main thread and from a
 * thread started there, and prints one line with the errno of each.
 * It is no part of nara: nothing in the server enables it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int try_create(const char *path)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return errno;
  close(fd);
  return 0;
}

static void *from_thread(void *data)
{
  char *path = g_strconcat(getenv("NARA_PROBE_OUTSIDE"), ".thread", NULL);
  *(int *)data = try_create(path);
  g_free(path);
  return NULL;
}

void g_main_loop_run(GMainLoop *loop)
{
  void (*real)(GMainLoop *) = (void (*)(GMainLoop *))dlsym(RTLD_NEXT, "g_main_loop_run");
  const char *inside = getenv("NARA_PROBE_INSIDE"), *outside = getenv("NARA_PROBE_OUTSIDE");
  static int probed;

  if (inside && outside && !probed) {
    pthread_t thread;
    int in = try_create(inside), out = try_create(outside), thread_out = -1;
    probed = 1;
    if (pthread_create(&thread, NULL, from_thread, &thread_out) == 0)
      pthread_join(thread, NULL);
    fprintf(stderr, "sandbox-probe: inside=%s outside=%s thread-outside=%s\n",
            in ? strerrorname_np(in) : "ok", out ? strerrorname_np(out) : "ok",
            thread_out ? (thread_out < 0 ? "none" : strerrorname_np(thread_out)) : "ok");
    fflush(stderr);
  }
  real(loop);
}
