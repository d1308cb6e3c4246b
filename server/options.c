/* options.c — option parsing for the nara binary.
 *
 * Owns the option list (--config, --listen, --state-dir, --set, --version,
 * --print-config) and the order in which sources are applied (defaults,
 * file, environment, command line). Options end at the first command
 * word; the commands themselves are api/cli.c's, and their own --state-dir
 * and --set come back here to be applied to the configuration. It does
 * not interpret values (config.c checks them).
 *
 * Threading: main thread, before (or instead of) the main loop.
 */
#include "options.h"

#include "cli.h"
#include "wiring.h"

/* GOption converts G_OPTION_ARG_STRING values from the locale's charset,
 * ASCII under LANG=C (or without setlocale): `nara --set 'x=Åsa' …` then
 * failed with "Invalid byte sequence in conversion input". Text options
 * are taken as bytes (the FILENAME types convert nothing on POSIX) and
 * checked for UTF-8 here, as api/cli.c does after the command word. */
static gboolean utf8_option(const char *name, const char *const *values, GError **error)
{
  for (guint i = 0; values && values[i]; i++)
    if (!g_utf8_validate(values[i], -1, NULL)) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s is not valid UTF-8 text",
                  name);
      return FALSE;
    }
  return TRUE;
}

static char *help_text(void)
{
  g_autofree char *commands = nara_cli_help();
  g_autofree char *keys = nara_config_help();

  return g_strdup_printf("%s\n%s", commands, keys);
}

NaraConfig *nara_options_parse(int argc, char **argv, char **envp, NaraOptionsAction *action,
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
    { "listen", 'l', 0, G_OPTION_ARG_FILENAME, &listen, "Same as --set server.listen=ADDR:PORT",
      "ADDR:PORT" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Same as --set server.state_dir=DIR",
      "DIR" },
    { "set", 's', 0, G_OPTION_ARG_FILENAME_ARRAY, &sets, "Set a configuration key (repeatable)",
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
  if (!utf8_option("listen", (const char *const[]){ listen, NULL }, error)
      || !utf8_option("set", (const char *const *)sets, error))
    return NULL;
  if (args[0] && args[1]) {
    if (!command || !nara_cli_is_command(args + 1)) {
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

  *action = version              ? NARA_OPTIONS_VERSION
            : print_config       ? NARA_OPTIONS_PRINT_CONFIG
            : args[0] && args[1] ? NARA_OPTIONS_COMMAND
                                 : NARA_OPTIONS_RUN;
  return g_steal_pointer(&config);
}

gboolean nara_options_configure_command(gpointer data, const char *state_dir, char **sets,
                                        NaraServicesConfig *services_config, GError **error)
{
  NaraConfig *config = data;

  if (state_dir && !nara_config_set(config, "server.state_dir", state_dir, error))
    return FALSE;
  for (guint i = 0; sets && sets[i]; i++)
    if (!nara_config_set_assignment(config, sets[i], error))
      return FALSE;
  nara_wiring_services_config(config, services_config);
  return TRUE;
}
