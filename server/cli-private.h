/* cli-private.h — what the command runners (cli_*.c) share with cli.c.
 *
 * A runner gets the configuration built from the options before the
 * command and its own arguments; it parses those with
 * nara_cli_command_options(), opens the store with nara_cli_services(),
 * prints results on stdout and problems on stderr, and returns the exit
 * status (0 done, 1 failed, 2 bad usage).
 *
 * Threading: main thread; no main loop runs.
 */
#pragma once

#include "cli.h"
#include "services.h"

G_BEGIN_DECLS

typedef struct _NaraCliCommand NaraCliCommand;

/* args: (transfer none) the words after the command's two. */
typedef int (*NaraCliRunner)(NaraConfig *config, const NaraCliCommand *command, char **args);

struct _NaraCliCommand {
  const char *group, *verb; /* "consultation", "create" */
  const char *usage;        /* options, for --help */
  const char *summary;
  NaraCliRunner run;
};

/* Parses args against entries plus --state-dir and --set (applied to
 * config). Prints what is wrong; FALSE means exit 2. */
gboolean nara_cli_command_options(NaraConfig *config, const NaraCliCommand *command,
                                  const GOptionEntry *entries, char **args);
/* (transfer full) The services of config's state dir, or NULL (printed). */
NaraServices *nara_cli_services(const NaraConfig *config);

int nara_cli_consultation_create(NaraConfig *config, const NaraCliCommand *command, char **args);
int nara_cli_consultation_list(NaraConfig *config, const NaraCliCommand *command, char **args);
int nara_cli_apikey_create(NaraConfig *config, const NaraCliCommand *command, char **args);
int nara_cli_audit_export(NaraConfig *config, const NaraCliCommand *command, char **args);
int nara_cli_audit_verify(NaraConfig *config, const NaraCliCommand *command, char **args);

G_END_DECLS
