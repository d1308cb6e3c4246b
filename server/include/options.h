/* options.h — the command line of the nara binary, up to a command word.
 *
 * Turns argv, the environment and the optional config file into one
 * NaraConfig with the documented precedence, and tells main what to do:
 * run the server, print the version or the configuration, or run a
 * command (`nara consultation create …`, api/cli.c). It does not start
 * the server or run a command.
 *
 * Threading: main thread, before (or instead of) the main loop.
 */
#pragma once

#include "config.h"
#include "services.h"

G_BEGIN_DECLS

typedef enum {
  NARA_OPTIONS_RUN,
  NARA_OPTIONS_VERSION,
  NARA_OPTIONS_PRINT_CONFIG,
  NARA_OPTIONS_COMMAND, /* a command word followed: see nara_cli_run_command() */
} NaraOptionsAction;

/* (transfer full) NULL with error set on any bad option, file or key:
 * the caller exits with code 2. envp: the process environment.
 * Options end at the first word that is not an option; if that word names
 * a command, *action is NARA_OPTIONS_COMMAND and *command (transfer full)
 * holds the words from there on, for nara_cli_run_command(). command may
 * be NULL where no command is accepted. */
NaraConfig *nara_options_parse(int argc, char **argv, char **envp, NaraOptionsAction *action,
                               char ***command, GError **error);

/* A NaraCliConfigure (cli.h) for data, a NaraConfig: applies a command's
 * --state-dir, then its --set words, to it and fills services_config from
 * the result (nara_wiring_services_config()). */
gboolean nara_options_configure_command(gpointer data, const char *state_dir, char **sets,
                                        NaraServicesConfig *services_config, GError **error);

G_END_DECLS
