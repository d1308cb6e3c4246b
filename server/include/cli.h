/* cli.h — the command line of the nara binary.
 *
 * Turns argv, the environment and the optional config file into one
 * NaraConfig with the documented precedence, and hands commands
 * (`nara consultation create …`, `nara audit verify`, …) to their runners
 * in the cli_*.c files. It does not start the server.
 *
 * Threading: main thread, before (or instead of) the main loop.
 */
#pragma once

#include "config.h"

G_BEGIN_DECLS

typedef enum {
  NARA_CLI_RUN,
  NARA_CLI_VERSION,
  NARA_CLI_PRINT_CONFIG,
  NARA_CLI_COMMAND, /* a command word followed: see nara_cli_run_command() */
} NaraCliAction;

/* (transfer full) NULL with error set on any bad option, file or key:
 * the caller exits with code 2. envp: the process environment.
 * Options end at the first word that is not an option; if that word names
 * a command, *action is NARA_CLI_COMMAND and *command (transfer full) holds
 * the words from there on, for nara_cli_run_command(). command may be NULL
 * where no command is accepted. */
NaraConfig *nara_cli_parse(int argc, char **argv, char **envp, NaraCliAction *action,
                           char ***command, GError **error);

/* Runs the command in `command` (from nara_cli_parse) with config
 * (transfer none; the command's own --set/--state-dir are applied to it).
 * Returns the process exit status: 0 done, 1 failed, 2 bad usage. */
int nara_cli_run_command(NaraConfig *config, char **command);

G_END_DECLS
