/* sandbox.h — the server confines its own file system access (Landlock).
 *
 * Media never touches the disk by design; this makes it enforced. Before
 * the server starts any thread it sets no_new_privs and restricts itself
 * with a Landlock ruleset: read-write beneath the state directory, read
 * only where it still reads (libraries, /etc, /proc, the web client, the
 * certificate and key files), nothing else, and no exec at all. Landlock
 * binds the calling thread and the threads it creates afterwards, so it
 * must run while the process has one thread; nara_sandbox_apply() checks.
 * The CLI commands (short processes of their own) are not confined.
 *
 * Threading: main thread, before any other thread exists.
 */
#pragma once

#include <glib.h>

#include "config.h"

G_BEGIN_DECLS

#define NARA_SANDBOX_ERROR (nara_sandbox_error_quark())
GQuark nara_sandbox_error_quark(void);

typedef struct _NaraSandbox NaraSandbox;

/* The highest Landlock ABI the kernel offers; 0 when it has none (or it
 * is disabled at boot). */
int nara_sandbox_abi(void);

/* (transfer full) An empty rule list: applied as is, nothing is reachable. */
NaraSandbox *nara_sandbox_new(void);
void nara_sandbox_free(NaraSandbox *sandbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NaraSandbox, nara_sandbox_free)

/* Adds a rule for path (a directory: everything beneath it; a file: that
 * file). write: create, write, remove, rename beneath it; else read only.
 * required: a path that cannot be opened makes nara_sandbox_apply() fail;
 * otherwise it is skipped (a /sys a container lacks). */
void nara_sandbox_allow(NaraSandbox *sandbox, const char *path, gboolean write, gboolean required);

/* Sets no_new_privs and restricts this process (this thread and every one
 * it starts later) to the rules, with the best ABI the kernel has. FALSE
 * with error when the kernel has no Landlock, another thread is already
 * running, or a required path is missing; the process is then unchanged
 * but for no_new_privs. *summary (transfer full, may be NULL): what was
 * applied, for the start-up line. */
gboolean nara_sandbox_apply(NaraSandbox *sandbox, char **summary, GError **error);

/* The server's sandbox from server.sandbox (auto, on, off) and the paths
 * the configuration names; makes the state directory (0700) first. Logs
 * one line saying what was applied. FALSE only when server.sandbox=on and
 * it could not be applied (or the state directory cannot be made). */
gboolean nara_sandbox_apply_config(const NaraConfig *config, GError **error);

G_END_DECLS
