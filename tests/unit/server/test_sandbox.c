/* test_sandbox.c — the server's Landlock sandbox (server/sandbox.c).
 *
 * Each case runs in a subprocess of its own (a sandbox cannot be undone):
 * after nara_sandbox_apply() or nara_sandbox_apply_config(), files are
 * created, written, renamed and removed beneath the allowed directory;
 * creating a file anywhere else, opening an older one for writing there,
 * and exec fail with EACCES, in the applying thread and in a thread started
 * later. With a thread already running, applying is refused. Skipped when
 * the kernel has no Landlock.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

/* A sanitizer build may exec its symbolizer (sandbox.c). */
#if defined(__SANITIZE_ADDRESS__)
#define EXEC_ALLOWED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXEC_ALLOWED 1
#endif
#endif
#ifndef EXEC_ALLOWED
#define EXEC_ALLOWED 0
#endif

/* Made by the parent, used by its subprocesses, removed by the parent;
 * each case has a directory of its own beneath it. */
static char *base_dir;
static const char *case_name;

static char *in_base(const char *name)
{
  return g_build_filename(base_dir, case_name, name, NULL);
}

/* 0 when path could be created and written, else errno. */
static int try_create(const char *path)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int e = errno;
  if (fd < 0)
    return e;
  if (write(fd, "x", 1) != 1)
    e = errno;
  else
    e = 0;
  close(fd);
  return e;
}

static gboolean skip_without_landlock(void)
{
  if (nara_sandbox_abi() > 0)
    return FALSE;
  g_test_skip("the kernel offers no Landlock");
  return TRUE;
}

static gpointer write_outside_from_thread(gpointer data)
{
  g_autofree char *inside = in_base("inside/from-thread");
  g_autofree char *outside = in_base("outside/from-thread");
  (void)data;
  g_assert_cmpint(try_create(inside), ==, 0);
  g_assert_cmpint(try_create(outside), ==, EACCES);
  return NULL;
}

/* The checks every sandboxed case makes: `inside` is the writable
 * directory, `outside` holds old.txt, written before the sandbox. */
static void check_confined(const char *inside, const char *outside)
{
  g_autofree char *a = g_build_filename(inside, "a.db", NULL);
  g_autofree char *b = g_build_filename(inside, "b.db", NULL);
  g_autofree char *sub = g_build_filename(inside, "sub", NULL);
  g_autofree char *escape = g_build_filename(outside, "escape.txt", NULL);
  g_autofree char *old = g_build_filename(outside, "old.txt", NULL);
  g_autofree char *contents = NULL;
  GThread *thread;
  pid_t child;
  int status = 0;

  g_assert_cmpint(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), ==, 1);
  /* What the store does beneath its directory. */
  g_assert_cmpint(try_create(a), ==, 0);
  g_assert_cmpint(g_rename(a, b), ==, 0);
  g_assert_cmpint(truncate(b, 0), ==, 0);
  g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
  g_assert_cmpint(g_rmdir(sub), ==, 0);
  g_assert_cmpint(g_unlink(b), ==, 0);
  /* Anywhere else: no new file, no writing an old one, reading is fine. */
  g_assert_cmpint(try_create(escape), ==, EACCES);
  g_assert_false(g_file_test(escape, G_FILE_TEST_EXISTS));
  g_assert_cmpint(open(old, O_WRONLY | O_CLOEXEC), ==, -1);
  g_assert_cmpint(errno, ==, EACCES);
  g_assert_cmpint(try_create("/proc/self/comm-nara"), !=, 0);
  g_assert_true(g_file_get_contents("/proc/self/status", &contents, NULL, NULL));
  /* No exec, not even of what it may read (a sanitizer build may run its
   * symbolizer from /usr). */
  if (!EXEC_ALLOWED) {
    child = fork();
    g_assert_cmpint(child, >=, 0);
    if (child == 0) {
      execl("/bin/true", "true", (char *)NULL);
      _exit(errno == EACCES ? 42 : 1);
    }
    g_assert_cmpint(waitpid(child, &status, 0), ==, child);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 42);
  }
  /* A thread started afterwards (a media worker, the store) is bound too. */
  thread = g_thread_new("after", write_outside_from_thread, NULL);
  g_thread_join(thread);
}

/* A unix socket at path, listening. */
static int listen_unix(const char *path, struct sockaddr_un *addr)
{
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  *addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
  g_strlcpy(addr->sun_path, path, sizeof addr->sun_path);
  g_assert_cmpint(bind(fd, (struct sockaddr *)addr, sizeof *addr), ==, 0);
  g_assert_cmpint(listen(fd, 1), ==, 0);
  return fd;
}

static void confined_subprocess(void)
{
  g_autofree char *inside = in_base("inside"), *outside = in_base("outside");
  g_autofree char *socket_path = in_base("outside/db.sock");
  g_autoptr(NaraSandbox) s = nara_sandbox_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  struct sockaddr_un addr;
  int server = listen_unix(socket_path, &addr), client;

  nara_sandbox_allow(s, inside, TRUE, TRUE);
  nara_sandbox_allow(s, outside, FALSE, TRUE);
  nara_sandbox_allow(s, "/proc", FALSE, TRUE);
  nara_sandbox_allow(s, "/nonexistent-optional", FALSE, FALSE);
  g_assert_true(nara_sandbox_apply(s, &summary, &error));
  g_assert_no_error(error);
  g_assert_nonnull(strstr(summary, inside));
  check_confined(inside, outside);
  /* A PostgreSQL or Redis on a unix socket: Landlock up to ABI 7 leaves
   * connect() alone (sandbox.c), wherever the socket is. */
  client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(connect(client, (struct sockaddr *)&addr, sizeof addr), ==, 0);
  close(client);
  close(server);
}

static void config_subprocess(void)
{
  g_autofree char *state = in_base("inside"), *outside = in_base("outside");
  g_autofree char *web = in_base("web");
  g_autoptr(NaraConfig) config = nara_config_new();
  g_autoptr(GError) error = NULL;

  g_assert_true(nara_config_set(config, "server.state_dir", state, NULL));
  g_assert_true(nara_config_set(config, "server.web_dir", web, NULL));
  g_assert_true(nara_config_set(config, "server.sandbox", "on", NULL));
  g_assert_true(nara_sandbox_apply_config(config, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(g_getenv("SQLITE_TMPDIR"), ==, state);
  check_confined(state, outside);
}

static void off_subprocess(void)
{
  g_autofree char *state = in_base("inside"), *escape = in_base("outside/escape.txt");
  g_autoptr(NaraConfig) config = nara_config_new();
  g_autoptr(GError) error = NULL;

  g_assert_true(nara_config_set(config, "server.state_dir", state, NULL));
  g_assert_true(nara_config_set(config, "server.sandbox", "off", NULL));
  g_assert_true(nara_sandbox_apply_config(config, &error));
  g_assert_cmpint(try_create(escape), ==, 0);
}

static gpointer wait_on(gpointer data)
{
  GAsyncQueue *queue = data;
  g_async_queue_pop(queue);
  return NULL;
}

/* Landlock would bind this thread only, not one already running: refused,
 * and with server.sandbox=on the server does not start. */
static void thread_running_subprocess(void)
{
  g_autoptr(GAsyncQueue) queue = g_async_queue_new();
  g_autofree char *inside = in_base("inside"), *escape = in_base("outside/escape.txt");
  g_autoptr(NaraSandbox) s = nara_sandbox_new();
  g_autoptr(NaraConfig) config = nara_config_new();
  g_autoptr(GError) error = NULL;
  GThread *thread = g_thread_new("before", wait_on, queue);

  nara_sandbox_allow(s, inside, TRUE, TRUE);
  g_assert_false(nara_sandbox_apply(s, NULL, &error));
  g_assert_nonnull(strstr(error->message, "threads are running"));
  g_clear_error(&error);
  g_assert_true(nara_config_set(config, "server.state_dir", inside, NULL));
  g_assert_true(nara_config_set(config, "server.sandbox", "on", NULL));
  g_assert_false(nara_sandbox_apply_config(config, &error));
  g_assert_nonnull(error);
  g_clear_error(&error);
  /* auto: a warning, and the server goes on unconfined. */
  g_assert_true(nara_config_set(config, "server.sandbox", "auto", NULL));
  g_test_expect_message("nara-server", G_LOG_LEVEL_WARNING, "sandbox: not applied*");
  g_assert_true(nara_sandbox_apply_config(config, &error));
  g_test_assert_expected_messages();
  g_assert_cmpint(try_create(escape), ==, 0);
  g_async_queue_push(queue, GINT_TO_POINTER(1));
  g_thread_join(thread);
}

static void missing_required_subprocess(void)
{
  g_autoptr(NaraSandbox) s = nara_sandbox_new();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = in_base("no-such-dir");

  nara_sandbox_allow(s, missing, TRUE, TRUE);
  g_assert_false(nara_sandbox_apply(s, NULL, &error));
  g_assert_nonnull(strstr(error->message, "no-such-dir"));
}

typedef struct {
  const char *name;
  GTestFunc func;
} Case;

static void run_case(gconstpointer data)
{
  const Case *c = data;
  g_autofree char *outside = NULL, *old = NULL, *inside = NULL;

  case_name = c->name;
  if (g_test_subprocess()) {
    c->func();
    return;
  }
  if (skip_without_landlock())
    return;
  outside = in_base("outside");
  old = in_base("outside/old.txt");
  inside = in_base("inside");
  g_assert_cmpint(g_mkdir_with_parents(inside, 0700), ==, 0);
  g_assert_cmpint(g_mkdir_with_parents(outside, 0700), ==, 0);
  g_assert_true(g_file_set_contents(old, "before", -1, NULL));
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed();
}

static void remove_tree(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *child = g_build_filename(path, name, NULL);
    if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
      remove_tree(child);
    else
      g_unlink(child);
  }
  g_rmdir(path);
}

int main(int argc, char **argv)
{
  static const Case cases[] = {
    { "confined", confined_subprocess },
    { "config", config_subprocess },
    { "off", off_subprocess },
    { "thread-running", thread_running_subprocess },
    { "missing-required", missing_required_subprocess },
  };
  int result;
  gboolean parent;

  g_test_init(&argc, &argv, NULL);
  /* The parent makes the directory and names it to its subprocesses. */
  parent = !g_getenv("NARA_TEST_SANDBOX_DIR");
  if (parent) {
    base_dir = g_dir_make_tmp("nara-sandbox-XXXXXX", NULL);
    g_assert_nonnull(base_dir);
    g_setenv("NARA_TEST_SANDBOX_DIR", base_dir, TRUE);
  } else {
    base_dir = g_strdup(g_getenv("NARA_TEST_SANDBOX_DIR"));
  }
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("/sandbox/%s", cases[i].name);
    g_test_add_data_func(name, &cases[i], run_case);
  }
  result = g_test_run();
  if (parent)
    remove_tree(base_dir);
  g_free(base_dir);
  return result;
}
