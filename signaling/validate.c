/* validate.c — field tables and value rules for incoming messages.
 *
 * Owns type and bound checks so handlers only see well-formed input; the
 * GError message names the field and what was wrong (it is sent back to
 * the client, so it never echoes the value). It does not decide what a
 * valid message means for a room (handlers do).
 *
 * Threading: pure functions, called on the control thread.
 */
#include "validate.h"

#include <string.h>

#include "display_name.h"

G_DEFINE_QUARK(nara - validate - error - quark, nara_validate_error)

static const char *type_name(NaraFieldType type)
{
  switch (type) {
  case NARA_FIELD_STRING:
    return "a string";
  case NARA_FIELD_INT:
    return "an integer from 0 to 2147483647";
  case NARA_FIELD_BOOL:
    return "a boolean";
  case NARA_FIELD_OBJECT_OR_NULL:
    return "an object or null";
  }
  return "?";
}

static gboolean type_ok(json_t *value, NaraFieldType type)
{
  switch (type) {
  case NARA_FIELD_STRING:
    return json_is_string(value);
  case NARA_FIELD_INT:
    return json_is_integer(value) && json_integer_value(value) >= 0
           && json_integer_value(value) <= G_MAXINT32;
  case NARA_FIELD_BOOL:
    return json_is_boolean(value);
  case NARA_FIELD_OBJECT_OR_NULL:
    return json_is_object(value) || json_is_null(value);
  }
  return FALSE;
}

static guint limit_chars(NaraFieldLimit limit, const NaraSignalingConfig *config)
{
  switch (limit) {
  case NARA_LIMIT_NAME_CHARS:
    return config->max_name_chars;
  case NARA_LIMIT_CHAT_CHARS:
    return config->max_chat_chars;
  case NARA_LIMIT_NONE:
    break;
  }
  return 0;
}

static gboolean string_ok(const NaraField *f, json_t *value, const NaraSignalingConfig *config,
                          GError **error)
{
  const char *s = json_string_value(value);
  gsize bytes = json_string_length(value);
  guint max_chars = limit_chars(f->limit, config);

  /* jansson allows \u0000 inside strings; C code would see a shorter one. */
  if (strlen(s) != bytes) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' contains a NUL character", f->name);
    return FALSE;
  }
  if (f->max_bytes && bytes > f->max_bytes) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' is longer than %zu bytes", f->name,
                f->max_bytes);
    return FALSE;
  }
  /* A character is at most 4 bytes: check the cheap bound before counting. */
  if (max_chars && bytes > max_chars && g_utf8_strlen(s, bytes) > (glong)max_chars) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' is longer than %u characters", f->name,
                max_chars);
    return FALSE;
  }
  if (f->one_of && !g_strv_contains(f->one_of, s)) {
    g_autofree char *allowed = g_strjoinv(", ", (char **)f->one_of);
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' must be one of: %s", f->name, allowed);
    return FALSE;
  }
  return TRUE;
}

gboolean nara_validate(json_t *msg, const NaraField *fields, const NaraSignalingConfig *config,
                       GError **error)
{
  for (const NaraField *f = fields; f && f->name; f++) {
    json_t *value = json_object_get(msg, f->name);
    if (!value) {
      if (f->required) {
        g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' is missing", f->name);
        return FALSE;
      }
      continue;
    }
    if (!type_ok(value, f->type)) {
      g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' must be %s", f->name,
                  type_name(f->type));
      return FALSE;
    }
    if (f->type == NARA_FIELD_STRING && !string_ok(f, value, config, error))
      return FALSE;
  }
  return TRUE;
}

gboolean nara_validate_room_name(const char *name)
{
  gsize n = 0;
  for (; name[n]; n++)
    if (!g_ascii_isalnum(name[n]) && name[n] != '-' && name[n] != '_')
      return FALSE;
  return n >= 1 && n <= 64;
}

char *nara_validate_display_name(const char *name, guint max_chars)
{
  return nara_display_name_clean(name, max_chars);
}

gboolean nara_validate_chat_text(const char *text, guint max_chars)
{
  glong n = 0;
  gboolean visible = FALSE;

  for (const char *p = text; *p; p = g_utf8_next_char(p), n++) {
    gunichar c = g_utf8_get_char(p);
    if (c != '\n' && g_unichar_type(c) == G_UNICODE_CONTROL)
      return FALSE;
    if (!g_unichar_isspace(c))
      visible = TRUE;
  }
  return visible && n <= (glong)max_chars;
}
