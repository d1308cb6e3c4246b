/* sandbox.c — Landlock and no_new_privs for the server process (sandbox.h).
 *
 * The rule list is built from the configuration, then applied in one go
 * with the best Landlock ABI the kernel offers: each ABI adds access rights
 * the ruleset must name as handled to deny them (REFER in 2, TRUNCATE in 3,
 * IOCTL_DEV in 5, the abstract-socket and signal scopes in 6), and a
 * ruleset naming a right the kernel does not know is refused, so the masks
 * follow the ABI. Debian 12's <linux/landlock.h> stops at ABI 2: the later
 * constants are defined here, with the kernel's values. Network access is
 * not restricted (media, TURN, a PostgreSQL or Redis over TCP need it).
 * landlock_restrict_self() binds the calling thread and those it starts
 * later; up to ABI 7 there is no flag to bind the other threads of the
 * process at once, hence the one-thread check before applying.
 * GStreamer serves SDP parsing only (no gst_init(), no plugin registry), so
 * nothing loads a plugin or runs gst-plugin-scanner later.
 * No seccomp filter: libnice, OpenSSL, GLib and the sanitizers need a wide
 * and changing set of system calls, and what is to be proven is that no
 * file is written outside the state directory, which Landlock says exactly.
 *
 * Threading: main thread, while it is the process's only thread.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "wiring.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* struct landlock_ruleset_attr as of ABI 6; the kernel takes a longer
 * struct than it knows as long as the fields it does not know are 0. */
typedef struct {
  guint64 handled_access_fs;
  guint64 handled_access_net;
  guint64 scoped;
} RulesetAttr;

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* Everything a database in a directory needs (SQLite's WAL, -shm, its
 * journal and temp files; the secret's write-then-link), not devices,
 * pipes, sockets or links. */
#define FS_WRITE                                                                                   \
  (FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR                         \
   | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG    \
   | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)
/* Rights a rule on a file (not a directory) may carry. */
#define FS_FILE_RIGHTS                                                                             \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE       \
   | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* A sanitizer build (tests only) runs its symbolizer at a report. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

typedef struct {
  char *path;
  gboolean write, required;
} Rule;

struct _NaraSandbox {
  GArray *rules; /* of Rule */
};

G_DEFINE_QUARK(nara - sandbox - error - quark, nara_sandbox_error)

int nara_sandbox_abi(void)
{
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : (int)abi;
}

/* Every right this ABI knows (ABI 1: bits 0-12). */
static guint64 handled_fs(int abi)
{
  guint64 mask = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
  if (abi >= 2)
    mask |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    mask |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5)
    mask |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return mask;
}

static void clear_rule(gpointer p)
{
  g_free(((Rule *)p)->path);
}

NaraSandbox *nara_sandbox_new(void)
{
  NaraSandbox *s = g_new0(NaraSandbox, 1);
  s->rules = g_array_new(FALSE, TRUE, sizeof(Rule));
  g_array_set_clear_func(s->rules, clear_rule);
  return s;
}

void nara_sandbox_free(NaraSandbox *sandbox)
{
  if (!sandbox)
    return;
  g_array_unref(sandbox->rules);
  g_free(sandbox);
}

void nara_sandbox_allow(NaraSandbox *sandbox, const char *path, gboolean write, gboolean required)
{
  Rule rule = { g_strdup(path), write, required };
  g_return_if_fail(path && path[0]);
  g_array_append_val(sandbox->rules, rule);
}

/* Threads of this process: Landlock binds only the caller and its later
 * children, so a thread already running would stay free. */
static guint count_threads(void)
{
  g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
  guint n = 0;
  if (!dir)
    return 0; /* no /proc: unknown */
  while (g_dir_read_name(dir))
    n++;
  return n;
}

static gboolean add_rule(int ruleset, const Rule *rule, int abi, GString *ro, GString *rw,
                         GError **error)
{
  struct landlock_path_beneath_attr attr = { 0 };
  int fd = open(rule->path, O_PATH | O_CLOEXEC);
  GStatBuf st;
  int e;

  if (fd < 0 || fstat(fd, &st) != 0) {
    e = errno;
    if (fd >= 0)
      close(fd);
    if (!rule->required)
      return TRUE;
    g_set_error(error, NARA_SANDBOX_ERROR, 0, "%s: %s", rule->path, g_strerror(e));
    return FALSE;
  }
  attr.parent_fd = fd;
  attr.allowed_access = (rule->write ? FS_WRITE : FS_READ) & handled_fs(abi);
#ifdef SANITIZED
  attr.allowed_access |= LANDLOCK_ACCESS_FS_EXECUTE;
#endif
  if (!S_ISDIR(st.st_mode))
    attr.allowed_access &= FS_FILE_RIGHTS;
  if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) != 0) {
    e = errno;
    close(fd);
    g_set_error(error, NARA_SANDBOX_ERROR, 0, "Landlock rule for %s: %s", rule->path,
                g_strerror(e));
    return FALSE;
  }
  close(fd);
  g_string_append_printf(rule->write ? rw : ro, "%s%s", (rule->write ? rw : ro)->len ? " " : "",
                         rule->path);
  return TRUE;
}

gboolean nara_sandbox_apply(NaraSandbox *sandbox, char **summary, GError **error)
{
  int abi = nara_sandbox_abi();
  RulesetAttr attr = { 0 };
  g_autoptr(GString) ro = g_string_new(NULL), rw = g_string_new(NULL);
  guint threads;
  int ruleset;

  /* Needed by landlock_restrict_self() without CAP_SYS_ADMIN, and worth
   * having anyway: no setuid or file capability can raise us again. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    g_set_error(error, NARA_SANDBOX_ERROR, 0, "no_new_privs: %s", g_strerror(errno));
    return FALSE;
  }
  if (abi < 1) {
    g_set_error(error, NARA_SANDBOX_ERROR, 0,
                "the kernel offers no Landlock (Linux 5.13 or later, with landlock in the lsm= "
                "boot list)");
    return FALSE;
  }
  threads = count_threads();
  if (threads > 1) {
    g_set_error(error, NARA_SANDBOX_ERROR, 0,
                "%u threads are running: Landlock must be applied before any other starts",
                threads);
    return FALSE;
  }
  attr.handled_access_fs = handled_fs(abi);
  if (abi >= 6)
    attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
  ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (ruleset < 0) {
    g_set_error(error, NARA_SANDBOX_ERROR, 0, "Landlock ruleset: %s", g_strerror(errno));
    return FALSE;
  }
  for (guint i = 0; i < sandbox->rules->len; i++) {
    if (!add_rule(ruleset, &g_array_index(sandbox->rules, Rule, i), abi, ro, rw, error)) {
      close(ruleset);
      return FALSE;
    }
  }
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
    int e = errno;
    close(ruleset);
    g_set_error(error, NARA_SANDBOX_ERROR, 0, "Landlock restrict_self: %s", g_strerror(e));
    return FALSE;
  }
  close(ruleset);
  if (summary)
    *summary = g_strdup_printf("Landlock ABI %d: read-write %s; read-only %s; %s%s", abi,
                               rw->len ? rw->str : "nothing", ro->len ? ro->str : "nothing",
#ifdef SANITIZED
                               "exec allowed (sanitizer build)",
#else
                               "no exec",
#endif
                               abi >= 6 ? ", no signals or abstract sockets outside" : "");
  return TRUE;
}

/* A key another part of Nara may add (store.postgresql, cluster.redis):
 * "" while the table does not have it. */
static const char *optional_string(const NaraConfig *config, const char *name)
{
  for (const NaraConfigKey *k = nara_config_keys(); k->name; k++)
    if (g_str_equal(k->name, name))
      return nara_config_get_string(config, name);
  return "";
}

static void allow_file_key(NaraSandbox *s, const NaraConfig *config, const char *name)
{
  const char *path = optional_string(config, name);
  if (path[0])
    nara_sandbox_allow(s, path, FALSE, TRUE);
}

/* Unix sockets of a PostgreSQL (conninfo host=/dir) or Redis (unix:/path).
 * Landlock up to ABI 7 does not restrict connect() on them; the read rule
 * on the directory keeps libpq's look at the socket file working and is
 * where a later ABI's connect right would go. */
static void allow_sockets(NaraSandbox *s, const NaraConfig *config)
{
  const char *redis = optional_string(config, "cluster.redis");
  g_auto(GStrv) words = NULL;

  if (g_str_has_prefix(redis, "unix:/")) {
    g_autofree char *dir = g_path_get_dirname(redis + 5);
    nara_sandbox_allow(s, dir, FALSE, FALSE);
  }
  if (!g_str_equal(optional_string(config, "store.backend"), "postgresql"))
    return;
  words = g_strsplit_set(optional_string(config, "store.postgresql"), " \t", -1);
  /* libpq reads these files again at every reconnect, long after start-up:
   * a passfile handed over as a systemd credential (docs/ops/deploy.md),
   * TLS roots, client certificates and revocation lists. */
  static const char *const file_words[]
      = { "passfile=/", "sslrootcert=/", "sslcert=/", "sslkey=/", "sslcrl=/", NULL };
  for (guint i = 0; words[i]; i++) {
    if (g_str_has_prefix(words[i], "host=/"))
      nara_sandbox_allow(s, words[i] + 5, FALSE, FALSE);
    for (guint w = 0; file_words[w]; w++)
      if (g_str_has_prefix(words[i], file_words[w]))
        nara_sandbox_allow(s, strchr(words[i], '=') + 1, FALSE, FALSE);
  }
  if (g_getenv("CREDENTIALS_DIRECTORY"))
    nara_sandbox_allow(s, g_getenv("CREDENTIALS_DIRECTORY"), FALSE, FALSE);
  /* libpq's password file and TLS roots in the home directory. */
  if (g_getenv("PGPASSFILE"))
    nara_sandbox_allow(s, g_getenv("PGPASSFILE"), FALSE, FALSE);
  {
    g_autofree char *pgpass = g_build_filename(g_get_home_dir(), ".pgpass", NULL);
    g_autofree char *pgdir = g_build_filename(g_get_home_dir(), ".postgresql", NULL);
    nara_sandbox_allow(s, pgpass, FALSE, FALSE);
    nara_sandbox_allow(s, pgdir, FALSE, FALSE);
  }
}

/* A sanitizer build reads its suppression files when it checks for leaks,
 * at exit. */
static void allow_sanitizer_files(NaraSandbox *s)
{
  static const char *const vars[] = { "LSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS", NULL };
  for (guint v = 0; vars[v]; v++) {
    g_auto(GStrv) options = g_strsplit_set(g_getenv(vars[v]) ? g_getenv(vars[v]) : "", ": ", -1);
    for (guint i = 0; options[i]; i++)
      if (g_str_has_prefix(options[i], "suppressions=") && options[i][13])
        nara_sandbox_allow(s, options[i] + 13, FALSE, FALSE);
  }
}

gboolean nara_sandbox_apply_config(const NaraConfig *config, GError **error)
{
  static const char *const system_dirs[]
      = { "/usr", "/etc", "/lib", "/lib64", "/proc", "/sys", "/dev/urandom", "/dev/random", NULL };
  const char *mode = nara_config_get_string(config, "server.sandbox");
  g_autofree char *state_dir = nara_wiring_state_dir(config);
  g_autofree char *web_dir = nara_wiring_web_dir(config);
  g_autofree char *summary = NULL;
  g_autoptr(NaraSandbox) s = NULL;
  g_autoptr(GError) local = NULL;

  if (g_str_equal(mode, "off")) {
    g_message("sandbox: off (server.sandbox=off): file system access is not restricted");
    return TRUE;
  }
  /* Made here, with the mode the listener and the store would give it:
   * under the sandbox its parent is out of reach. */
  if (g_mkdir_with_parents(state_dir, 0700) != 0) {
    g_set_error(error, NARA_SANDBOX_ERROR, 0, "state directory %s: %s", state_dir,
                g_strerror(errno));
    return FALSE;
  }
  s = nara_sandbox_new();
  nara_sandbox_allow(s, state_dir, TRUE, TRUE);
  for (guint i = 0; system_dirs[i]; i++)
    nara_sandbox_allow(s, system_dirs[i], FALSE, FALSE);
  nara_sandbox_allow(s, "/dev/null", TRUE, FALSE);
  nara_sandbox_allow(s, web_dir, FALSE, FALSE);
  allow_file_key(s, config, "server.cert");
  allow_file_key(s, config, "server.key");
  allow_file_key(s, config, "auth.jwks_file");
  allow_file_key(s, config, "audit.hmac_key_file");
  allow_sockets(s, config);
  allow_sanitizer_files(s);
  /* SQLite's temp files (large sorts, VACUUM) go to SQLITE_TMPDIR, else
   * /var/tmp or /tmp, which are out of reach: into the state directory
   * instead. Set while the process has one thread (setenv is not
   * thread-safe). */
  g_setenv("SQLITE_TMPDIR", state_dir, TRUE);

  if (!nara_sandbox_apply(s, &summary, &local)) {
    if (g_str_equal(mode, "on")) {
      g_set_error(error, NARA_SANDBOX_ERROR, 0, "server.sandbox=on: %s", local->message);
      return FALSE;
    }
    g_warning("sandbox: not applied (%s): file system access is not restricted", local->message);
    return TRUE;
  }
  g_message("sandbox: %s", summary);
  return TRUE;
}
