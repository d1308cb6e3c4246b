/* cli.h — the command line of the nara binary.
 *
 * Turns argv, the environment and the optional config file into one
 * NaraConfig with the documented precedence. It does not start anything.
 *
 * Threading: main thread, before the main loop runs.
 */
#pragma once

#include "config.h"

G_BEGIN_DECLS

typedef enum {
  NARA_CLI_RUN,
  NARA_CLI_VERSION,
  NARA_CLI_PRINT_CONFIG,
} NaraCliAction;

/* (transfer full) NULL with error set on any bad option, file or key:
 * the caller exits with code 2. envp: the process environment. */
NaraConfig *nara_cli_parse(int argc, char **argv, char **envp, NaraCliAction *action,
                           GError **error);

G_END_DECLS
