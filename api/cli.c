/* cli.c — the table of commands and what every command shares.
 *
 * Owns the table of commands (`nara audit verify`, …) run by the cli_*.c
 * files, each command's --state-dir and --set options (handed back to the
 * program that owns the configuration) and opening the services for it.
 * It does not parse the options before the command word
 * (server/options.c) or interpret configuration values.
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
  { "consultation", "erase", "ID",
    "Erase a consultation's title, names and identity levels now (audited).",
    nara_cli_consultation_erase },
  { "apikey", "create", "--label L --scope S... [--expires WHEN]",
    "Make a REST API key with these scopes and print it (shown only this once).",
    nara_cli_apikey_create },
  { "apikey", "list", "", "List API keys: id, state, expiry, scopes, label (never the key).",
    nara_cli_apikey_list },
  { "apikey", "revoke", "ID", "Revoke an API key at once.", nara_cli_apikey_revoke },
  { "audit", "export", "[--consultation C] [--since SEQ]",
    "Print audit records as JSON lines, oldest first.", nara_cli_audit_export },
  { "audit", "verify", "[--anchor SEQ:HASH]",
    "Check the audit log's hash chain, its MACs (with audit.hmac_key) and a kept anchor: exit 0 "
    "if intact, 1 if not.",
    nara_cli_audit_verify },
  { "audit", "anchor", "", "Print the chain's head (SEQ:HASH) to keep somewhere else.",
    nara_cli_audit_anchor },
};

static const NaraCliCommand *find_command(char **words)
{
  for (guint i = 0; words[0] && words[1] && i < G_N_ELEMENTS(commands); i++)
    if (g_str_equal(words[0], commands[i].group) && g_str_equal(words[1], commands[i].verb))
      return &commands[i];
  return NULL;
}

gboolean nara_cli_is_command(char **words)
{
  return find_command(words) != NULL;
}

char *nara_cli_help(void)
{
  GString *out = g_string_new("Commands (no running server needed; they use the same "
                              "--config/--state-dir):\n");
  for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
    g_string_append_printf(out, "  nara %s %s %s\n      %s\n", commands[i].group, commands[i].verb,
                           commands[i].usage, commands[i].summary);
  return g_string_free(out, FALSE);
}

int nara_cli_run_command(char **command, NaraCliConfigure configure, gpointer data)
{
  const NaraCliCommand *c = find_command(command);
  NaraCli cli = { .configure = configure, .data = data };
  int status;

  if (!c) {
    fprintf(stderr, "nara: unknown command (see nara --help)\n");
    return 2;
  }
  status = c->run(&cli, c, command + 2);
  nara_services_config_clear(&cli.services);
  return status;
}

/* GOption converts a G_OPTION_ARG_STRING from the locale's character set,
 * which is ASCII unless the program called setlocale() under a UTF-8
 * locale: "--participant 'Åsa Öberg:patient'" then failed with "Invalid
 * byte sequence in conversion input". A command's texts are UTF-8 whatever
 * LANG says (what a booking script or a terminal sends today), so they are
 * taken as bytes (the FILENAME types convert nothing on POSIX) and checked
 * here instead. (transfer full) entries, string types made byte types. */
static GOptionEntry *bytes_entries(const GOptionEntry *entries)
{
  guint n = 0;
  GOptionEntry *copy;

  while (entries[n].long_name)
    n++;
  copy = g_memdup2(entries, (n + 1) * sizeof *entries);
  for (guint i = 0; i < n; i++)
    if (copy[i].arg == G_OPTION_ARG_STRING)
      copy[i].arg = G_OPTION_ARG_FILENAME;
    else if (copy[i].arg == G_OPTION_ARG_STRING_ARRAY)
      copy[i].arg = G_OPTION_ARG_FILENAME_ARRAY;
  return copy;
}

/* FALSE (and error) if a text option given as bytes is not UTF-8. */
static gboolean texts_valid(const GOptionEntry *entries, GError **error)
{
  for (guint i = 0; entries[i].long_name; i++) {
    gboolean ok = TRUE;
    if (entries[i].arg == G_OPTION_ARG_STRING) {
      const char *value = *(char **)entries[i].arg_data;
      ok = !value || g_utf8_validate(value, -1, NULL);
    } else if (entries[i].arg == G_OPTION_ARG_STRING_ARRAY) {
      char **values = *(char ***)entries[i].arg_data;
      for (guint k = 0; ok && values && values[k]; k++)
        ok = g_utf8_validate(values[k], -1, NULL);
    }
    if (!ok) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s is not valid UTF-8 text",
                  entries[i].long_name);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean nara_cli_command_options(NaraCli *cli, const NaraCliCommand *command,
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
  g_autofree GOptionEntry *own = bytes_entries(entries);
  g_autofree GOptionEntry *common_bytes = bytes_entries(common);

  g_strv_builder_add(builder, g_get_prgname() ? g_get_prgname() : "nara");
  g_strv_builder_addv(builder, (const char **)args);
  argv = g_strv_builder_end(builder);
  g_option_context_set_summary(context, command->summary);
  g_option_context_add_main_entries(context, own, NULL);
  g_option_context_add_main_entries(context, common_bytes, NULL);
  if (!g_option_context_parse_strv(context, &argv, &error) || !texts_valid(entries, &error)
      || !texts_valid(common, &error))
    goto fail;
  if (argv[1]) {
    g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unexpected argument '%s'",
                argv[1]);
    goto fail;
  }
  nara_services_config_clear(&cli->services);
  if (!cli->configure(cli->data, state_dir, sets, &cli->services, &error))
    goto fail;
  return TRUE;
fail:
  fprintf(stderr, "nara %s: %s\n", words, error->message);
  return FALSE;
}

NaraServices *nara_cli_services(const NaraCli *cli)
{
  g_autoptr(GError) error = NULL;
  NaraServices *services = nara_services_open(&cli->services, &error);

  if (!services)
    fprintf(stderr, "nara: %s\n", error->message);
  return services;
}
