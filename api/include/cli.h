/* cli.h — the commands of the nara binary (`nara consultation create …`,
 * `nara audit verify`, …), run by their runners in the cli_*.c files.
 *
 * The options before the command word and the configuration they build
 * are the program's (server/options.c); a command parses its own options,
 * hands its --state-dir and --set words back to the program through
 * NaraCliConfigure, and opens the same services the server opens. It does
 * not start the server.
 *
 * Threading: main thread, before (or instead of) the main loop.
 */
#pragma once

#include <glib.h>

#include "services.h"

G_BEGIN_DECLS

/* Turns a command's own --state-dir DIR (NULL when not given) and then its
 * --set KEY=VALUE words (NULL-terminated, or NULL) into the settings its
 * services open with. FALSE with error set for a bad key or value (the
 * command exits 2). data: what nara_cli_run_command() was given. */
typedef gboolean (*NaraCliConfigure)(gpointer data, const char *state_dir, char **sets,
                                     NaraServicesConfig *config, GError **error);

/* TRUE when words (NULL-terminated) start with a command's two words. */
gboolean nara_cli_is_command(char **words);
/* (transfer full) The list of commands with their options, for --help. */
char *nara_cli_help(void);

/* Runs the command in command (the words from the command word on).
 * Returns the process exit status: 0 done, 1 failed, 2 bad usage. */
int nara_cli_run_command(char **command, NaraCliConfigure configure, gpointer data);

G_END_DECLS
