/* cli_apikey.c — `nara apikey create --label L`.
 *
 * Prints the new key once on stdout (so `KEY=$(nara apikey create …)`
 * works) and its id on stderr; only the key's SHA-256 is stored, so a
 * lost key is replaced, never recovered. The creation is an audit record
 * naming the key id, never the key.
 *
 * Threading: main thread; no main loop runs.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli-private.h"

#define MAX_LABEL_CHARS 100

int nara_cli_apikey_create(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  g_autofree char *label = NULL, *key = NULL, *key_id = NULL;
  GOptionEntry entries[] = {
    { "label", 0, 0, G_OPTION_ARG_STRING, &label,
      "What the key is for, e.g. the booking system's name (1-100 characters)", "L" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GError) error = NULL;
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
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  nara_apikey_generate(&key, &key_id, hash);
  if (!nara_store_apikey_add(services->store, key_id, hash, label, &error)) {
    fprintf(stderr, "nara apikey create: %s\n", error->message);
    OPENSSL_cleanse(key, strlen(key));
    return 1;
  }
  if (!nara_store_audit_append(
          services->store,
          &(NaraAuditRecord){
              .event = "apikey-created", .actor = "cli", .outcome = "ok", .detail = key_id },
          &error))
    fprintf(stderr, "nara apikey create: audit record not written: %s\n", error->message);
  printf("%s\n", key);
  fflush(stdout);
  fprintf(stderr, "API key %s (\"%s\"): shown once, keep it in a secret store\n", key_id, label);
  OPENSSL_cleanse(key, strlen(key));
  return 0;
}
