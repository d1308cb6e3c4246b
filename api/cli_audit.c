/* cli_audit.c — `nara audit export` and `nara audit verify`.
 *
 * export streams JSON lines straight from the store to stdout (the same
 * lines as GET /api/v1/audit); verify recomputes the hash chain and names
 * the first bad record. Both only read; they work while the server runs
 * (SQLite WAL lets readers and the writer go on together).
 *
 * Threading: main thread; no main loop runs.
 */
#include <stdio.h>

#include "cli-private.h"

static void print_line(const char *line, gpointer user_data)
{
  (void)user_data;
  fputs(line, stdout);
  fputc('\n', stdout);
}

int nara_cli_audit_export(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  g_autofree char *consultation = NULL, *since_text = NULL;
  GOptionEntry entries[] = {
    { "consultation", 0, 0, G_OPTION_ARG_STRING, &consultation, "Only this consultation's records",
      "ID" },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text, "Only records after this seq", "SEQ" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GError) error = NULL;
  guint64 since = 0;

  if (!nara_cli_command_options(cli, command, entries, args))
    return 2;
  if (since_text && !g_ascii_string_to_unsigned(since_text, 10, 0, G_MAXINT64, &since, NULL)) {
    fprintf(stderr, "nara audit export: --since is a record seq (0 or more)\n");
    return 2;
  }
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  if (!nara_store_audit_export(services->store, (gint64)since, consultation, print_line, NULL,
                               &error)) {
    fprintf(stderr, "nara audit export: %s\n", error->message);
    return 1;
  }
  return fflush(stdout) == 0 ? 0 : 1;
}

int nara_cli_audit_verify(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  g_autofree char *anchor = NULL;
  GOptionEntry entries[] = {
    { "anchor", 0, 0, G_OPTION_ARG_STRING, &anchor,
      "Also check the history up to this head, as printed by nara audit anchor", "SEQ:HASH" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n = 0, keyed = 0;

  if (!nara_cli_command_options(cli, command, entries, args))
    return 2;
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  if (!nara_store_audit_verify_anchor(services->store, anchor, &n, &keyed, &error)) {
    printf("bad: %s\n", error->message);
    return g_error_matches(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID) ? 2 : 1;
  }
  printf("ok: %" G_GUINT64_FORMAT " records\n", n);
  if (keyed)
    printf("%" G_GUINT64_FORMAT " with a verified MAC\n", keyed);
  if (anchor)
    printf("the anchor holds\n");
  return 0;
}

/* The head to keep elsewhere (a ticket, a second system, paper): with it,
 * verify --anchor notices a history rebuilt or cut short up to there. */
int nara_cli_audit_anchor(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *anchor = NULL;

  if (!nara_cli_command_options(cli, command, entries, args))
    return 2;
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  anchor = nara_store_audit_anchor(services->store, &error);
  if (!anchor) {
    fprintf(stderr, "nara audit anchor: %s\n", error->message);
    return 1;
  }
  printf("%s\n", anchor);
  return 0;
}
