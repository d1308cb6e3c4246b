/* cli.c — option parsing and command dispatch for the nara binary.
 *
 * Owns the option list (--config, --listen, --state-dir, --set, --version,
 * --print-config), the order in which sources are applied (defaults, file,
 * environment, command line) and the table of commands (`nara audit
 * verify`, …) run by the cli_*.c files. Options end at the first command
 * word. It does not interpret values (config.c checks them).
 *
 * Threading: main thread, before (or instead of) the main loop.
 */
#include "cli.h"

#include <stdio.h>

#include "cli-private.h"

static const NaraCliCommand commands[] = {
  { "consultation", "create",
    "--title T --start TIME --end TIME --participant 'Name:role[:acr]'...",
    "Book a consultation; print its id and one join link per participant.",
    nara_cli_consultation_create },
  { "consultation", "list", "[--status S] [--limit N]", "List consultations, newest first.",
    nara_cli_consultation_list },
  { "apikey", "create", "--label L", "Make a REST API key and print it (shown only this once).",
    nara_cli_apikey_create },
  { "audit", "export", "[--consultation C] [--since SEQ]",
    "Print audit records as JSON lines, oldest first.", nara_cli_audit_export },
  { "audit", "verify", "", "Check the audit log's hash chain: exit 0 if intact, 1 if not.",
    nara_cli_audit_verify },
};

static const NaraCliCommand *find_command(char **words)
{
  for (guint i = 0; words[0] && words[1] && i < G_N_ELEMENTS(commands); i++)
    if (g_str_equal(words[0], commands[i].group) && g_str_equal(words[1], commands[i].verb))
      return &commands[i];
  return NULL;
}

static char *help_text(void)
{
  g_autofree char *keys = nara_config_help();
  GString *out = g_string_new("Commands (no running server needed; they use the same "
                              "--config/--state-dir):\n");
  for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
    g_string_append_printf(out, "  nara %s %s %s\n      %s\n", commands[i].group, commands[i].verb,
                           commands[i].usage, commands[i].summary);
  g_string_append_printf(out, "\n%s", keys);
  return g_string_free(out, FALSE);
}

NaraConfig *nara_cli_parse(int argc, char **argv, char **envp, NaraCliAction *action,
                           char ***command, GError **error)
{
  g_autofree char *config_file = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *state_dir = NULL;
  g_auto(GStrv) sets = NULL;
  gboolean version = FALSE, print_config = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "Read configuration from FILE",
      "FILE" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Same as --set server.listen=ADDR:PORT",
      "ADDR:PORT" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Same as --set server.state_dir=DIR",
      "DIR" },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Set a configuration key (repeatable)",
      "KEY=VALUE" },
    { "print-config", 0, 0, G_OPTION_ARG_NONE, &print_config,
      "Print the effective configuration as a commented config file and exit", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) context
      = g_option_context_new("[COMMAND ...] - Nara video consultation server");
  g_autofree char *help = help_text();
  g_autoptr(NaraConfig) config = nara_config_new();
  g_auto(GStrv) args = g_new0(char *, argc + 1);

  for (int i = 0; i < argc; i++)
    args[i] = g_strdup(argv[i]);

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(context, help);
  /* Options stop at the first command word: the rest is the command's. */
  g_option_context_set_strict_posix(context, TRUE);
  /* g_option_context_parse_strv would free argv entries it consumes; work on a copy. */
  if (!g_option_context_parse_strv(context, &args, error))
    return NULL;
  if (args[0] && args[1]) {
    if (!command || !find_command(args + 1)) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "unknown command '%s' (see nara --help)", args[1]);
      return NULL;
    }
    *command = g_strdupv(args + 1);
  }

  if (config_file && !nara_config_load_file(config, config_file, error))
    return NULL;
  /* No file: a trial start on one machine (config.c, embedded_defaults). */
  if (!config_file)
    nara_config_apply_embedded_defaults(config);
  if (!nara_config_load_env(config, envp, error))
    return NULL;
  if (listen && !nara_config_set(config, "server.listen", listen, error))
    return NULL;
  if (state_dir && !nara_config_set(config, "server.state_dir", state_dir, error))
    return NULL;
  for (guint i = 0; sets && sets[i]; i++)
    if (!nara_config_set_assignment(config, sets[i], error))
      return NULL;

  *action = version              ? NARA_CLI_VERSION
            : print_config       ? NARA_CLI_PRINT_CONFIG
            : args[0] && args[1] ? NARA_CLI_COMMAND
                                 : NARA_CLI_RUN;
  return g_steal_pointer(&config);
}

int nara_cli_run_command(NaraConfig *config, char **command)
{
  const NaraCliCommand *c = find_command(command);

  if (!c) {
    fprintf(stderr, "nara: unknown command (see nara --help)\n");
    return 2;
  }
  return c->run(config, c, command + 2);
}

gboolean nara_cli_command_options(NaraConfig *config, const NaraCliCommand *command,
                                  const GOptionEntry *entries, char **args)
{
  g_autofree char *state_dir = NULL;
  g_auto(GStrv) sets = NULL;
  GOptionEntry common[] = {
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Same as --set server.state_dir=DIR",
      "DIR" },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Set a configuration key (repeatable)",
      "KEY=VALUE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autofree char *words = g_strdup_printf("%s %s", command->group, command->verb);
  g_autoptr(GOptionContext) context = g_option_context_new(words);
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
  g_auto(GStrv) argv = NULL;

  g_strv_builder_add(builder, g_get_prgname() ? g_get_prgname() : "nara");
  g_strv_builder_addv(builder, (const char **)args);
  argv = g_strv_builder_end(builder);
  g_option_context_set_summary(context, command->summary);
  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_add_main_entries(context, common, NULL);
  if (!g_option_context_parse_strv(context, &argv, &error))
    goto fail;
  if (argv[1]) {
    g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unexpected argument '%s'",
                argv[1]);
    goto fail;
  }
  if (state_dir && !nara_config_set(config, "server.state_dir", state_dir, &error))
    goto fail;
  for (guint i = 0; sets && sets[i]; i++)
    if (!nara_config_set_assignment(config, sets[i], &error))
      goto fail;
  return TRUE;
fail:
  fprintf(stderr, "nara %s: %s\n", words, error->message);
  return FALSE;
}

NaraServices *nara_cli_services(const NaraConfig *config)
{
  g_autoptr(GError) error = NULL;
  NaraServices *services = nara_services_open(config, &error);

  if (!services)
    fprintf(stderr, "nara: %s\n", error->message);
  return services;
}
