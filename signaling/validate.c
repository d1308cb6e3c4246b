/* validate.c — field tables and value rules for incoming messages.
 *
 * Owns type and bound checks, nested objects included, so handlers only
 * see well-formed input. The GError message names the field and what was
 * wrong (it is sent back to the client, so it never echoes the value); the
 * code is the field's own error code. It does not decide what a valid
 * message means for a room (handlers do).
 *
 * Threading: pure functions, called on the control thread.
 */
#include "validate.h"

#include <string.h>

#include "display_name.h"
#include "language_list.h"
#include "room_name.h"

G_DEFINE_QUARK(nara - validate - error - quark, nara_validate_error)

static const char *type_name(const NaraField *f)
{
  switch (f->type) {
  case NARA_FIELD_STRING:
    return f->nullable ? "a string or null" : "a string";
  case NARA_FIELD_INT:
    return f->nullable ? "an integer from 0 to 2147483647 or null"
                       : "an integer from 0 to 2147483647";
  case NARA_FIELD_BOOL:
    return f->nullable ? "a boolean or null" : "a boolean";
  case NARA_FIELD_OBJECT:
    return f->nullable ? "an object or null" : "an object";
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
  case NARA_FIELD_OBJECT:
    return json_is_object(value);
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

static gboolean string_ok(const NaraField *f, const char *path, json_t *value,
                          const NaraSignalingConfig *config, GError **error)
{
  const char *s = json_string_value(value);
  gsize bytes = json_string_length(value);
  guint max_chars = limit_chars(f->limit, config);

  /* jansson allows \u0000 inside strings; C code would see a shorter one. */
  if (strlen(s) != bytes) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' contains a NUL character", path);
    return FALSE;
  }
  if (f->max_bytes && bytes > f->max_bytes) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' is longer than %zu bytes", path,
                f->max_bytes);
    return FALSE;
  }
  /* A character is at most 4 bytes: check the cheap bound before counting. */
  if (max_chars && bytes > max_chars && g_utf8_strlen(s, bytes) > (glong)max_chars) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' is longer than %u characters", path,
                max_chars);
    return FALSE;
  }
  if (f->one_of && !g_strv_contains(f->one_of, s)) {
    g_autofree char *allowed = g_strjoinv(", ", (char **)f->one_of);
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' must be one of: %s", path, allowed);
    return FALSE;
  }
  return TRUE;
}

/* prefix: the path of the enclosing object ("" at the top), inherited its
 * code; *code is set to the failing field's code (its own or inherited) or,
 * for a missing field, to the enclosing object's. */
static gboolean object_ok(json_t *obj, const NaraField *fields, const char *prefix,
                          const char *inherited, const NaraSignalingConfig *config,
                          const char **code, GError **error)
{
  for (const NaraField *f = fields; f && f->name; f++) {
    json_t *value = json_object_get(obj, f->name);
    g_autofree char *path = g_strconcat(prefix, f->name, NULL);
    const char *fcode = f->code ? f->code : inherited;

    if (!value) {
      /* A missing field is the enclosing object's fault. */
      *code = inherited;
      if (f->required) {
        g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' is missing", path);
        return FALSE;
      }
      continue;
    }
    *code = fcode;
    if (json_is_null(value) && f->nullable)
      continue;
    if (!type_ok(value, f->type)) {
      g_set_error(error, NARA_VALIDATE_ERROR, 0, "field '%s' must be %s", path, type_name(f));
      return FALSE;
    }
    if (f->type == NARA_FIELD_STRING && !string_ok(f, path, value, config, error))
      return FALSE;
    if (f->type == NARA_FIELD_OBJECT && f->nested) {
      g_autofree char *inner = g_strconcat(path, ".", NULL);
      if (!object_ok(value, f->nested, inner, fcode, config, code, error))
        return FALSE;
    }
  }
  return TRUE;
}

gboolean nara_validate(json_t *msg, const NaraField *fields, const NaraSignalingConfig *config,
                       const char **code, GError **error)
{
  const char *failed = NULL;

  if (object_ok(msg, fields, "", "bad-message", config, &failed, error))
    return TRUE;
  if (code)
    *code = failed;
  return FALSE;
}

gboolean nara_validate_room_name(const char *name)
{
  return nara_room_name_is_valid(name);
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

gboolean nara_validate_language_tag(const char *tag)
{
  /* One rule for a join's "lang" and a booking's languages. */
  G_STATIC_ASSERT(NARA_MAX_LANG_BYTES == NARA_LANGUAGE_TAG_MAX);
  return nara_language_tag_valid(tag);
}
