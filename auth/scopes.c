/* scopes.c — the REST API's scopes: names and bit sets.
 *
 * One table: the stable name of each NaraScope bit, as API keys store it,
 * `nara apikey create --scope` takes it and an identity provider's scope
 * claim carries it. It decides nothing about routes (api/rest.c does).
 *
 * Threading: pure functions, any thread.
 */
#include "auth-private.h"

#include <string.h>

static const struct {
  guint bit;
  const char *name;
} scopes[] = {
  { NARA_SCOPE_CONSULTATIONS_READ, "consultations:read" },
  { NARA_SCOPE_CONSULTATIONS_WRITE, "consultations:write" },
  { NARA_SCOPE_AUDIT_READ, "audit:read" },
  { NARA_SCOPE_CONSULTATIONS_ERASE, "consultations:erase" },
};

const char *nara_scope_name(guint scope)
{
  for (guint i = 0; i < G_N_ELEMENTS(scopes); i++)
    if (scopes[i].bit == scope)
      return scopes[i].name;
  return NULL;
}

gboolean nara_scopes_parse(const char *text, gboolean unknown_ok, guint *out, GError **error)
{
  g_auto(GStrv) words = g_strsplit_set(text ? text : "", " ,", -1);
  guint set = 0;

  for (guint w = 0; words[w]; w++) {
    gboolean known = FALSE;

    if (!words[w][0])
      continue;
    if (g_str_equal(words[w], "all")) {
      set |= NARA_SCOPE_ALL;
      continue;
    }
    for (guint i = 0; i < G_N_ELEMENTS(scopes) && !known; i++)
      if (g_str_equal(words[w], scopes[i].name)) {
        set |= scopes[i].bit;
        known = TRUE;
      }
    if (!known && !unknown_ok) {
      g_set_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_SCOPE, "unknown scope '%s'", words[w]);
      return FALSE;
    }
  }
  *out = set;
  return TRUE;
}

char *nara_scopes_to_string(guint set)
{
  GString *s = g_string_new(NULL);

  for (guint i = 0; i < G_N_ELEMENTS(scopes); i++)
    if (set & scopes[i].bit)
      g_string_append_printf(s, "%s%s", s->len ? " " : "", scopes[i].name);
  return g_string_free(s, FALSE);
}
