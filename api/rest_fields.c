/* rest_fields.c — checking REST bodies against field tables.
 *
 * Outside input: every value is checked for type and bounds before a
 * handler reads it, and nothing here asserts on it. Names and titles
 * follow the display-name rule signaling uses (common/display_name.c), so
 * a name the API accepts is a name a join link can carry. It does not
 * talk HTTP or touch the store.
 *
 * Threading: pure functions; control thread.
 */
#include "rest_fields.h"

#include <string.h>

#include "display_name.h"
#include "language_list.h"
#include "problem.h"
#include "rfc3339.h"
#include "store.h"

void nara_rest_errors_init(NaraRestErrors *errors)
{
  errors->unknown = json_array();
  errors->invalid = json_array();
}

void nara_rest_errors_clear(NaraRestErrors *errors)
{
  g_clear_pointer(&errors->unknown, json_decref);
  g_clear_pointer(&errors->invalid, json_decref);
}

void nara_rest_errors_add(NaraRestErrors *errors, gboolean unknown, const char *field,
                          const char *detail)
{
  json_array_append_new(unknown ? errors->unknown : errors->invalid,
                        json_pack("{s:s, s:s}", "field", field, "detail", detail));
}

gboolean nara_rest_errors_empty(const NaraRestErrors *errors)
{
  return json_array_size(errors->unknown) == 0 && json_array_size(errors->invalid) == 0;
}

json_t *nara_rest_errors_problem(const NaraRestErrors *errors)
{
  if (json_array_size(errors->unknown) > 0)
    return nara_problem_new(NARA_PROBLEM_UNKNOWN_FIELD,
                            "the body has fields this API does not know (see errors)",
                            json_deep_copy(errors->unknown));
  if (json_array_size(errors->invalid) > 0)
    return nara_problem_new(NARA_PROBLEM_VALIDATION, "some fields have bad values (see errors)",
                            json_deep_copy(errors->invalid));
  return NULL;
}

static gboolean token_ok(const char *s, guint min, guint max)
{
  gsize n = strlen(s);
  if (n < min || n > max)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(s[i]) && !strchr("._:/-", s[i]))
      return FALSE;
  return TRUE;
}

static void add(NaraRestErrors *errors, const char *path, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void add(NaraRestErrors *errors, const char *path, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *detail = NULL;

  va_start(ap, fmt);
  detail = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  nara_rest_errors_add(errors, FALSE, path, detail);
}

static void check_roles(json_t *v, const char *path, NaraRestErrors *errors)
{
  guint seen = 0;
  gsize i;
  json_t *item;

  if (!json_is_array(v)) {
    add(errors, path, "must be an array of roles");
    return;
  }
  json_array_foreach(v, i, item)
  {
    g_autofree char *item_path = g_strdup_printf("%s[%zu]", path, i);
    NaraRole role;
    if (!json_is_string(item) || !nara_role_from_string(json_string_value(item), &role))
      add(errors, item_path, "must be one of host, staff, interpreter, patient, relative");
    else if (seen & (1u << role))
      add(errors, item_path, "is listed twice");
    else
      seen |= 1u << role;
  }
}

static void check_objects(json_t *v, const NaraRestField *f, const char *path, guint max_name_chars,
                          NaraRestErrors *errors)
{
  gsize i;
  json_t *item;

  if (!json_is_array(v)) {
    add(errors, path, "must be an array of objects");
    return;
  }
  if (json_array_size(v) < f->min || json_array_size(v) > f->max) {
    add(errors, path, "must have %u to %u elements", f->min, f->max);
    return;
  }
  json_array_foreach(v, i, item)
  {
    g_autofree char *item_path = g_strdup_printf("%s[%zu]", path, i);
    if (!json_is_object(item))
      add(errors, item_path, "must be an object");
    else
      nara_rest_fields_check(item, f->items, item_path, max_name_chars, errors);
  }
}

static void check_value(json_t *v, const NaraRestField *f, const char *path, guint max_name_chars,
                        NaraRestErrors *errors)
{
  const char *problem = NULL;
  gint64 t;
  NaraRole role;

  switch (f->type) {
  case NARA_REST_FIELD_TEXT:
  case NARA_REST_FIELD_NAME:
    if (!json_is_string(v)) {
      add(errors, path, "must be a string");
      return;
    }
    problem = f->type == NARA_REST_FIELD_NAME
                  ? nara_display_name_problem(json_string_value(v), 1, max_name_chars)
                  : nara_display_name_problem(json_string_value(v), f->min, f->max);
    if (problem)
      add(errors, path, "%s (%u to %u characters)", problem,
          f->type == NARA_REST_FIELD_NAME ? 1 : f->min,
          f->type == NARA_REST_FIELD_NAME ? max_name_chars : f->max);
    return;
  case NARA_REST_FIELD_TIME:
    if (!json_is_string(v) || !nara_rfc3339_parse(json_string_value(v), &t))
      add(errors, path, "must be an RFC 3339 date-time with an offset, e.g. 2026-11-23T19:30:00Z");
    return;
  case NARA_REST_FIELD_ROLE:
    if (!json_is_string(v) || !nara_role_from_string(json_string_value(v), &role))
      add(errors, path, "must be one of host, staff, interpreter, patient, relative");
    return;
  case NARA_REST_FIELD_ROLES:
    check_roles(v, path, errors);
    return;
  case NARA_REST_FIELD_TOKEN:
    if (!json_is_string(v) || !token_ok(json_string_value(v), f->min, f->max))
      add(errors, path, "must be %u to %u of A-Z a-z 0-9 . _ : / -", f->min, f->max);
    return;
  case NARA_REST_FIELD_OBJECTS:
    check_objects(v, f, path, max_name_chars, errors);
    return;
  case NARA_REST_FIELD_LANGUAGES:
    if (!json_is_string(v)) {
      add(errors, path, "must be a string of language tags joined by commas, e.g. \"sv,ar\"");
      return;
    }
    g_free(nara_language_list_clean(json_string_value(v), &problem));
    if (problem)
      add(errors, path, "%s", problem);
    return;
  case NARA_REST_FIELD_BOOL:
    if (!json_is_boolean(v))
      add(errors, path, "must be true or false");
    return;
  }
}

static const NaraRestField *find_field(const NaraRestField *fields, const char *name)
{
  for (const NaraRestField *f = fields; f->name; f++)
    if (g_str_equal(f->name, name))
      return f;
  return NULL;
}

static char *join_path(const char *prefix, const char *name)
{
  return prefix[0] ? g_strconcat(prefix, ".", name, NULL) : g_strdup(name);
}

gboolean nara_rest_fields_check(json_t *obj, const NaraRestField *fields, const char *prefix,
                                guint max_name_chars, NaraRestErrors *errors)
{
  gsize before = json_array_size(errors->unknown) + json_array_size(errors->invalid);
  const char *key;
  json_t *v;

  /* A typo ("startAt") silently ignored would book the wrong thing. */
  json_object_foreach(obj, key, v)
  {
    if (!find_field(fields, key)) {
      g_autofree char *path = join_path(prefix, key);
      nara_rest_errors_add(errors, TRUE, path, "is not a field of this request");
    }
  }
  for (const NaraRestField *f = fields; f->name; f++) {
    g_autofree char *path = join_path(prefix, f->name);
    v = json_object_get(obj, f->name);
    if (!v) {
      if (f->required)
        add(errors, path, "is required");
      continue;
    }
    check_value(v, f, path, max_name_chars, errors);
  }
  return json_array_size(errors->unknown) + json_array_size(errors->invalid) == before;
}

char *nara_rest_field_text(json_t *obj, const char *name)
{
  const char *s = json_string_value(json_object_get(obj, name));
  return s ? g_strstrip(g_strdup(s)) : NULL;
}

guint nara_rest_field_roles(json_t *array)
{
  guint mask = 0;
  gsize i;
  json_t *item;
  NaraRole role;

  json_array_foreach(array, i, item)
  {
    if (json_is_string(item) && nara_role_from_string(json_string_value(item), &role))
      mask |= 1u << role;
  }
  return mask;
}
