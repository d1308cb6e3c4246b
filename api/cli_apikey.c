/* cli_apikey.c — `nara apikey create|list|revoke`.
 *
 * create prints the new key once on stdout (so `KEY=$(nara apikey create …)`
 * works) and its id on stderr; only the key's SHA-256 is stored, so a
 * lost key is replaced, never recovered. A key holds the scopes it was
 * made with and may expire; list shows ids, labels, scopes and state,
 * never a key; revoke stops a key at once (the server looks keys up on
 * every request). Each change is an audit record naming the key id.
 *
 * Threading: main thread; no main loop runs.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli-private.h"
#include "rfc3339.h"

#define MAX_LABEL_CHARS 100

static void audit(NaraServices *services, const char *event, const char *key_id, const char *detail)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = detail ? g_strdup_printf("%s %s", key_id, detail) : g_strdup(key_id);

  if (!nara_store_audit_append(
          services->store,
          &(NaraAuditRecord){ .event = event, .actor = "cli", .outcome = "ok", .detail = text },
          &error))
    fprintf(stderr, "nara apikey: audit record not written: %s\n", error->message);
}

/* "90d", "12h" (from now) or an RFC 3339 time; into unix seconds. */
static gboolean parse_expiry(const char *text, gint64 now, gint64 *out)
{
  guint64 n;
  gsize len = strlen(text);

  if (len >= 2 && (text[len - 1] == 'd' || text[len - 1] == 'h')) {
    g_autofree char *digits = g_strndup(text, len - 1);
    if (!g_ascii_string_to_unsigned(digits, 10, 1, 36600 * 24, &n, NULL))
      return FALSE;
    *out = now + (gint64)n * (text[len - 1] == 'd' ? 86400 : 3600);
    return TRUE;
  }
  return nara_rfc3339_parse(text, out) && *out > now;
}

int nara_cli_apikey_create(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  g_autofree char *label = NULL, *key = NULL, *expires = NULL, *scope_text = NULL;
  g_auto(GStrv) scopes = NULL;
  GOptionEntry entries[] = {
    { "label", 0, 0, G_OPTION_ARG_STRING, &label,
      "What the key is for, e.g. the booking system's name (1-100 characters)", "L" },
    { "scope", 0, 0, G_OPTION_ARG_STRING_ARRAY, &scopes,
      "A scope: consultations:read, consultations:write, audit:read, consultations:erase, or "
      "all (repeatable; required)",
      "S" },
    { "expires", 0, 0, G_OPTION_ARG_STRING, &expires,
      "When the key stops working: 90d, 12h or an RFC 3339 time (default: never)", "WHEN" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *joined = NULL, *key_id = NULL;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC, expires_at = 0;
  NaraStoreApiKey stored = { 0 };
  guint set = 0;
  guint8 hash[32];
  glong n;

  if (!nara_cli_command_options(cli, command, entries, args))
    return 2;
  n = label && g_utf8_validate(label, -1, NULL) ? g_utf8_strlen(g_strstrip(label), -1) : 0;
  if (n < 1 || n > MAX_LABEL_CHARS) {
    fprintf(stderr, "nara apikey create: --label of 1-%d characters is required\n",
            MAX_LABEL_CHARS);
    return 2;
  }
  joined = scopes ? g_strjoinv(" ", scopes) : g_strdup("");
  if (!nara_scopes_parse(joined, FALSE, &set, &error) || set == 0) {
    fprintf(stderr, "nara apikey create: %s\n",
            error ? error->message
                  : "at least one --scope is required (e.g. --scope consultations:write)");
    return 2;
  }
  if (expires && !parse_expiry(expires, now, &expires_at)) {
    fprintf(stderr, "nara apikey create: --expires is 90d, 12h or a future RFC 3339 time\n");
    return 2;
  }
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  nara_apikey_generate(&key, &key_id, hash);
  g_strlcpy(stored.id, key_id, sizeof stored.id);
  stored.label = label;
  stored.scopes = scope_text = nara_scopes_to_string(set);
  stored.expires_at = expires_at;
  if (!nara_store_apikey_add(services->store, &stored, hash, &error)) {
    fprintf(stderr, "nara apikey create: %s\n", error->message);
    OPENSSL_cleanse(key, strlen(key));
    return 1;
  }
  audit(services, "apikey-created", key_id, scope_text);
  printf("%s\n", key);
  fflush(stdout);
  fprintf(stderr, "API key %s (\"%s\", %s): shown once, keep it in a secret store\n", key_id, label,
          scope_text);
  OPENSSL_cleanse(key, strlen(key));
  return 0;
}

int nara_cli_apikey_list(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;

  if (!nara_cli_command_options(cli, command, entries, args))
    return 2;
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  keys = nara_store_apikey_list(services->store, &error);
  if (!keys) {
    fprintf(stderr, "nara apikey list: %s\n", error->message);
    return 1;
  }
  /* One line per key, tab-separated: id, state, expiry, scopes, label. */
  for (guint i = 0; i < keys->len; i++) {
    const NaraStoreApiKey *k = keys->pdata[i];
    g_autofree char *exp = k->expires_at ? nara_rfc3339_format(k->expires_at) : g_strdup("never");
    const char *state = k->revoked_at                           ? "revoked"
                        : k->expires_at && now >= k->expires_at ? "expired"
                                                                : "active";

    printf("%s\t%s\t%s\t%s\t%s\n", k->id, state, exp, k->scopes ? k->scopes : "",
           k->label ? k->label : "");
  }
  return fflush(stdout) == 0 ? 0 : 1;
}

int nara_cli_apikey_revoke(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = args[0];
  char **rest = id ? args + 1 : args;

  /* The id is the one positional word: `nara apikey revoke k-…`. */
  if (!id || id[0] == '-') {
    fprintf(stderr, "nara apikey revoke: give the key id (see nara apikey list)\n");
    return 2;
  }
  if (!nara_cli_command_options(cli, command, entries, rest))
    return 2;
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  if (!nara_store_apikey_revoke(services->store, id, &error)) {
    fprintf(stderr, "nara apikey revoke: %s\n", error->message);
    return 1;
  }
  audit(services, "apikey-revoked", id, NULL);
  fprintf(stderr, "API key %s revoked\n", id);
  return 0;
}
