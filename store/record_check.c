/* record_check.c — what every backend checks of a record before it
 * writes it, and the names statuses have in the tables, so SQLite and
 * PostgreSQL refuse and store exactly the same things.
 *
 * Threading: pure functions, any thread (the store's, or a synchronous
 * caller's).
 */
#include "store-private.h"

#include "language_list.h"

#include <string.h>

const char *const nara_store_status_names[NARA_STORE_N_STATUSES] = {
  [NARA_CONSULTATION_SCHEDULED] = "scheduled",
  [NARA_CONSULTATION_ENDED] = "ended",
  [NARA_CONSULTATION_CANCELLED] = "cancelled",
};

gboolean nara_store_status_valid(int status)
{
  return status >= 0 && status < NARA_STORE_N_STATUSES;
}

NaraConsultationStatus nara_store_status_from_name(const char *s)
{
  for (guint i = 0; i < NARA_STORE_N_STATUSES; i++)
    if (s != NULL && strcmp(s, nara_store_status_names[i]) == 0)
      return (NaraConsultationStatus)i;
  return NARA_CONSULTATION_CANCELLED; /* the tables' CHECK makes this unreachable */
}

gint64 nara_store_now_s(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

gboolean nara_store_invalid(GError **error, const char *what)
{
  g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID, "%s", what);
  return FALSE;
}

/* PostgreSQL text holds no NUL and must be valid in the database's
 * encoding; SQLite would keep anything: both refuse what is not UTF-8. */
gboolean nara_store_text_ok(const char *s)
{
  return s == NULL || g_utf8_validate(s, -1, NULL);
}

gboolean nara_store_check_consultation(const NaraStoreConsultation *c, GError **error)
{
  if (!nara_store_status_valid((int)c->status))
    return nara_store_invalid(error, "unknown consultation status");
  if (c->auto_admit >= (1u << NARA_ROLE_COUNT))
    return nara_store_invalid(error, "auto_admit names an unknown role");
  if (!nara_store_text_ok(c->title))
    return nara_store_invalid(error, "title is not UTF-8");
  return TRUE;
}

/* The languages as the API cleans them: the store keeps nothing else. */
static gboolean languages_ok(const char *languages)
{
  const char *problem;
  g_autofree char *clean = nara_language_list_clean(languages, &problem);

  return clean != NULL && g_str_equal(clean, languages);
}

gboolean nara_store_check_participant(NaraStoreParticipant *p, GError **error)
{
  if (nara_role_to_string(p->role) == NULL)
    return nara_store_invalid(error, "unknown participant role");
  if (!nara_store_text_ok(p->name) || !nara_store_text_ok(p->assurance))
    return nara_store_invalid(error, "participant name or assurance is not UTF-8");
  if (p->languages != NULL && !languages_ok(p->languages))
    return nara_store_invalid(error, "participant languages are not a list of language tags");
  if (p->id[0] == '\0')
    nara_store_id_generate("p-", p->id);
  else if (!nara_store_id_valid(p->id))
    return nara_store_invalid(error, "participant id too long");
  if (p->created_at == 0)
    p->created_at = nara_store_now_s();
  return TRUE;
}
