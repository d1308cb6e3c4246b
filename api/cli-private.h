/* cli-private.h — what the command runners (cli_*.c) share with cli.c.
 *
 * A runner gets the command's own arguments; it parses those with
 * nara_cli_command_options() (which also fills cli->services from the
 * command's --state-dir and --set), opens the store with
 * nara_cli_services(), prints results on stdout and problems on stderr,
 * and returns the exit status (0 done, 1 failed, 2 bad usage).
 *
 * Threading: main thread; no main loop runs.
 */
#pragma once

#include "cli.h"
#include "services.h"

G_BEGIN_DECLS

typedef struct _NaraCliCommand NaraCliCommand;

/* One command's run: how to reach the program's configuration, and the
 * settings its services open with once its options are parsed. */
typedef struct {
  NaraCliConfigure configure;
  gpointer data;
  NaraServicesConfig services;
} NaraCli;

/* args: (transfer none) the words after the command's two. */
typedef int (*NaraCliRunner)(NaraCli *cli, const NaraCliCommand *command, char **args);

struct _NaraCliCommand {
  const char *group, *verb; /* "consultation", "create" */
  const char *usage;        /* options, for --help */
  const char *summary;
  NaraCliRunner run;
};

/* Parses args against entries plus --state-dir and --set, and fills
 * cli->services. Prints what is wrong; FALSE means exit 2. */
gboolean nara_cli_command_options(NaraCli *cli, const NaraCliCommand *command,
                                  const GOptionEntry *entries, char **args);
/* (transfer full) The services of cli->services, or NULL (printed). */
NaraServices *nara_cli_services(const NaraCli *cli);

int nara_cli_consultation_create(NaraCli *cli, const NaraCliCommand *command, char **args);
int nara_cli_consultation_list(NaraCli *cli, const NaraCliCommand *command, char **args);
int nara_cli_consultation_erase(NaraCli *cli, const NaraCliCommand *command, char **args);
int nara_cli_apikey_create(NaraCli *cli, const NaraCliCommand *command, char **args);
int nara_cli_apikey_list(NaraCli *cli, const NaraCliCommand *command, char **args);
int nara_cli_apikey_revoke(NaraCli *cli, const NaraCliCommand *command, char **args);
int nara_cli_audit_export(NaraCli *cli, const NaraCliCommand *command, char **args);
int nara_cli_audit_verify(NaraCli *cli, const NaraCliCommand *command, char **args);
int nara_cli_audit_anchor(NaraCli *cli, const NaraCliCommand *command, char **args);

G_END_DECLS
