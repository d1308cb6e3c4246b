/* cli.c — option parsing for the nara binary.
 *
 * Owns the option list (--config, --listen, --state-dir, --set, --version,
 * --print-config) and the order in which sources are applied: defaults,
 * file, environment, then command line. --help lists every config key from
 * the table. It does not interpret values (config.c checks them).
 *
 * Threading: main thread, before the main loop runs.
 */
#include "cli.h"

NaraConfig *nara_cli_parse(int argc, char **argv, char **envp, NaraCliAction *action,
                           GError **error)
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
  g_autoptr(GOptionContext) context = g_option_context_new("- Nara video consultation server");
  g_autofree char *keys_help = nara_config_help();
  g_autoptr(NaraConfig) config = nara_config_new();
  g_auto(GStrv) args = g_new0(char *, argc + 1);

  for (int i = 0; i < argc; i++)
    args[i] = g_strdup(argv[i]);

  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_description(context, keys_help);
  /* g_option_context_parse_strv would free argv entries it consumes; work on a copy. */
  if (!g_option_context_parse_strv(context, &args, error))
    return NULL;
  if (args[0] && args[1]) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unexpected argument '%s'",
                args[1]);
    return NULL;
  }

  if (config_file && !nara_config_load_file(config, config_file, error))
    return NULL;
  if (!nara_config_load_env(config, envp, error))
    return NULL;
  if (listen && !nara_config_set(config, "server.listen", listen, error))
    return NULL;
  if (state_dir && !nara_config_set(config, "server.state_dir", state_dir, error))
    return NULL;
  for (guint i = 0; sets && sets[i]; i++)
    if (!nara_config_set_assignment(config, sets[i], error))
      return NULL;

  *action = version ? NARA_CLI_VERSION : print_config ? NARA_CLI_PRINT_CONFIG : NARA_CLI_RUN;
  return g_steal_pointer(&config);
}
