/* consultation_json.c — consultations and participants to and from JSON.
 *
 * The field tables here are the REST contract for request bodies; the
 * cross-field rules (end after start, end in the future) follow the table
 * check. Times go out as RFC 3339 UTC. It does not talk HTTP, store
 * anything or mint links (links.c).
 *
 * Threading: pure functions; control thread.
 */
#include "consultation_json.h"

#include "language_list.h"
#include "rfc3339.h"

static const NaraRestField participant_fields[] = {
  { "name", NARA_REST_FIELD_NAME, TRUE, 0, 0, NULL },
  { "role", NARA_REST_FIELD_ROLE, TRUE, 0, 0, NULL },
  { "assurance", NARA_REST_FIELD_TOKEN, FALSE, 1, NARA_ASSURANCE_MAX_BYTES, NULL },
  { "languages", NARA_REST_FIELD_LANGUAGES, FALSE, 0, 0, NULL },
  { "signing", NARA_REST_FIELD_BOOL, FALSE, 0, 0, NULL },
  { NULL, 0, FALSE, 0, 0, NULL },
};

static const NaraRestField create_fields[] = {
  { "title", NARA_REST_FIELD_TEXT, TRUE, 1, NARA_TITLE_MAX_CHARS, NULL },
  { "startsAt", NARA_REST_FIELD_TIME, TRUE, 0, 0, NULL },
  { "endsAt", NARA_REST_FIELD_TIME, TRUE, 0, 0, NULL },
  { "autoAdmit", NARA_REST_FIELD_ROLES, FALSE, 0, 0, NULL },
  { "participants", NARA_REST_FIELD_OBJECTS, TRUE, 1, NARA_STORE_MAX_PARTICIPANTS,
    participant_fields },
  { NULL, 0, FALSE, 0, 0, NULL },
};

static const NaraRestField patch_fields[] = {
  { "title", NARA_REST_FIELD_TEXT, FALSE, 1, NARA_TITLE_MAX_CHARS, NULL },
  { "startsAt", NARA_REST_FIELD_TIME, FALSE, 0, 0, NULL },
  { "endsAt", NARA_REST_FIELD_TIME, FALSE, 0, 0, NULL },
  { "autoAdmit", NARA_REST_FIELD_ROLES, FALSE, 0, 0, NULL },
  { NULL, 0, FALSE, 0, 0, NULL },
};

static const char *const status_names[] = {
  [NARA_CONSULTATION_SCHEDULED] = "scheduled",
  [NARA_CONSULTATION_ENDED] = "ended",
  [NARA_CONSULTATION_CANCELLED] = "cancelled",
};

const char *nara_consultation_status_to_string(NaraConsultationStatus status)
{
  return (guint)status < G_N_ELEMENTS(status_names) ? status_names[status] : "cancelled";
}

gboolean nara_consultation_status_from_string(const char *s, NaraConsultationStatus *out)
{
  for (guint i = 0; s && i < G_N_ELEMENTS(status_names); i++)
    if (g_str_equal(s, status_names[i])) {
      *out = (NaraConsultationStatus)i;
      return TRUE;
    }
  return FALSE;
}

/* The host role is always let in (docs/consultations.md). */
static guint auto_admit_mask(json_t *roles)
{
  return (roles ? nara_rest_field_roles(roles) : 0) | (1u << NARA_ROLE_HOST);
}

static gint64 time_field(json_t *body, const char *name, gint64 fallback)
{
  gint64 t;
  const char *s = json_string_value(json_object_get(body, name));
  return s && nara_rfc3339_parse(s, &t) ? t : fallback;
}

/* The window rules every write must keep. */
static gboolean check_window(gint64 starts_at, gint64 ends_at, gboolean ends_given, gint64 now,
                             NaraRestErrors *errors)
{
  if (ends_at <= starts_at) {
    nara_rest_errors_add(errors, FALSE, "endsAt", "must be after the start (startsAt)");
    return FALSE;
  }
  /* Links expire after the end: a window in the past mints dead links. */
  if (ends_given && ends_at <= now) {
    nara_rest_errors_add(errors, FALSE, "endsAt", "must be in the future");
    return FALSE;
  }
  return TRUE;
}

static NaraStoreParticipant *participant_from(json_t *obj, const char *consultation_id)
{
  NaraStoreParticipant *p = g_new0(NaraStoreParticipant, 1);
  const char *assurance = json_string_value(json_object_get(obj, "assurance"));
  const char *languages = json_string_value(json_object_get(obj, "languages")), *problem;

  if (consultation_id)
    g_strlcpy(p->consultation_id, consultation_id, sizeof p->consultation_id);
  p->name = nara_rest_field_text(obj, "name");
  nara_role_from_string(json_string_value(json_object_get(obj, "role")), &p->role);
  /* "none" rather than absent: tokens, audit records and the waiting room
   * then all say the same thing. */
  p->assurance = g_strdup(assurance ? assurance : "none");
  if (languages)
    p->languages = nara_language_list_clean(languages, &problem);
  p->signing = json_is_true(json_object_get(obj, "signing"));
  return p;
}

NaraStoreConsultation *nara_consultation_json_parse(json_t *body, guint max_name_chars, gint64 now,
                                                    NaraRestErrors *errors)
{
  g_autoptr(NaraStoreConsultation) c = NULL;
  json_t *list, *item;
  gsize i;

  if (!nara_rest_fields_check(body, create_fields, "", max_name_chars, errors))
    return NULL;
  c = g_new0(NaraStoreConsultation, 1);
  c->title = nara_rest_field_text(body, "title");
  c->starts_at = time_field(body, "startsAt", 0);
  c->ends_at = time_field(body, "endsAt", 0);
  if (!check_window(c->starts_at, c->ends_at, TRUE, now, errors))
    return NULL;
  c->status = NARA_CONSULTATION_SCHEDULED;
  c->auto_admit = auto_admit_mask(json_object_get(body, "autoAdmit"));
  c->participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  list = json_object_get(body, "participants");
  json_array_foreach(list, i, item)
  {
    g_ptr_array_add(c->participants, participant_from(item, NULL));
  }
  return g_steal_pointer(&c);
}

NaraStoreParticipant *nara_participant_json_parse(json_t *body, const char *consultation_id,
                                                  guint max_name_chars, NaraRestErrors *errors)
{
  if (!nara_rest_fields_check(body, participant_fields, "", max_name_chars, errors))
    return NULL;
  return participant_from(body, consultation_id);
}

static void note_change(GString *changed, const char *name)
{
  if (changed->len)
    g_string_append_c(changed, ',');
  g_string_append(changed, name);
}

gboolean nara_consultation_json_patch(json_t *body, NaraStoreConsultation *c, gint64 now,
                                      GString *changed, NaraRestErrors *errors)
{
  g_autofree char *title = NULL;
  json_t *roles = json_object_get(body, "autoAdmit");
  gint64 starts_at, ends_at;
  guint auto_admit;

  if (!nara_rest_fields_check(body, patch_fields, "", 1, errors))
    return FALSE;
  starts_at = time_field(body, "startsAt", c->starts_at);
  ends_at = time_field(body, "endsAt", c->ends_at);
  if (!check_window(starts_at, ends_at, json_object_get(body, "endsAt") != NULL, now, errors))
    return FALSE;
  title = nara_rest_field_text(body, "title");
  auto_admit = roles ? auto_admit_mask(roles) : c->auto_admit;
  if (title && g_strcmp0(title, c->title) != 0) {
    note_change(changed, "title");
    g_free(c->title);
    c->title = g_steal_pointer(&title);
  }
  if (starts_at != c->starts_at)
    note_change(changed, "startsAt");
  if (ends_at != c->ends_at)
    note_change(changed, "endsAt");
  if (auto_admit != c->auto_admit)
    note_change(changed, "autoAdmit");
  c->starts_at = starts_at;
  c->ends_at = ends_at;
  c->auto_admit = auto_admit;
  return TRUE;
}

json_t *nara_roles_json(guint mask)
{
  json_t *list = json_array();
  for (int r = 0; r < NARA_ROLE_COUNT; r++)
    if (mask & (1u << r))
      json_array_append_new(list, json_string(nara_role_to_string((NaraRole)r)));
  return list;
}

static json_t *time_json(gint64 t)
{
  g_autofree char *s = nara_rfc3339_format(t);
  return json_string(s);
}

json_t *nara_participant_json(const NaraStoreParticipant *p)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s?, s:b}", "id", p->id, "name",
                   p->name ? p->name : "", "role", nara_role_to_string(p->role), "assurance",
                   p->assurance ? p->assurance : "none", "removed", p->removed, "languages",
                   p->languages, "signing", p->signing);
}

json_t *nara_consultation_json(const NaraStoreConsultation *c)
{
  json_t *o = json_object(), *list = json_array();

  json_object_set_new(o, "id", json_string(c->id));
  json_object_set_new(o, "title", json_string(c->title ? c->title : ""));
  json_object_set_new(o, "startsAt", time_json(c->starts_at));
  json_object_set_new(o, "endsAt", time_json(c->ends_at));
  json_object_set_new(o, "status", json_string(nara_consultation_status_to_string(c->status)));
  json_object_set_new(o, "autoAdmit", nara_roles_json(c->auto_admit | (1u << NARA_ROLE_HOST)));
  json_object_set_new(o, "locked", json_boolean(c->locked));
  json_object_set_new(o, "createdAt", time_json(c->created_at));
  json_object_set_new(o, "updatedAt", time_json(c->updated_at));
  for (guint i = 0; c->participants && i < c->participants->len; i++)
    json_array_append_new(list, nara_participant_json(c->participants->pdata[i]));
  json_object_set_new(o, "participants", list);
  return o;
}
