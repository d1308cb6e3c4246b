/* json.c — JSON in and out of the wire format.
 *
 * Owns the checks every incoming frame passes before jansson sees it
 * (UTF-8 without NUL, nesting depth) and the outgoing frame format (compact
 * JSON with LWS_PRE headroom, refcounted so a broadcast is serialized once).
 * It does not know message types (validate.c, dispatch.c).
 *
 * Threading: control thread.
 */
#include "signaling-private.h"
#include "validate.h"

#include <string.h>

#include "rfc3339.h"

/* Nesting of [ and { outside strings. jansson's own limit is 2048 levels:
 * far too many for a protocol whose deepest message has 3. */
static gboolean depth_ok(const char *data, gsize len, guint max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++) {
    char c = data[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth)
        return FALSE;
    } else if ((c == '}' || c == ']') && depth > 0) {
      depth--;
    }
  }
  return TRUE;
}

json_t *nara_json_parse(const char *data, gsize len, guint max_depth, GError **error)
{
  json_error_t jerr;
  json_t *root;

  /* g_utf8_validate_len also refuses NUL bytes, which jansson would accept
   * inside strings only with a flag and C strings would cut short. */
  if (!g_utf8_validate_len(data, len, NULL)) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "not UTF-8 text");
    return NULL;
  }
  if (!depth_ok(data, len, max_depth)) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "nested deeper than %u levels", max_depth);
    return NULL;
  }
  /* \u0000 is valid JSON: accept it here so the field check can answer
   * bad-message naming the field; every string is checked for it. */
  root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
  if (!root) {
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "invalid JSON at position %d", jerr.position);
    return NULL;
  }
  if (!json_is_object(root)) {
    json_decref(root);
    g_set_error(error, NARA_VALIDATE_ERROR, 0, "not a JSON object");
    return NULL;
  }
  return root;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
  g_byte_array_append(data, (const guint8 *)buffer, size);
  return 0;
}

NaraOutMsg *nara_json_frame(json_t *msg)
{
  GByteArray *buf = g_byte_array_new();
  NaraOutMsg *out;

  json_dump_callback(msg, dump_cb, buf, JSON_COMPACT);
  out = g_rc_box_alloc(sizeof(NaraOutMsg) + LWS_PRE + buf->len);
  out->len = buf->len;
  memcpy(out->data + LWS_PRE, buf->data, buf->len);
  g_byte_array_unref(buf);
  return out;
}

NaraOutMsg *nara_out_msg_ref(NaraOutMsg *out)
{
  return g_rc_box_acquire(out);
}

void nara_out_msg_unref(NaraOutMsg *out)
{
  g_rc_box_release(out);
}

char *nara_json_now_iso8601(void)
{
  return nara_rfc3339_format(g_get_real_time() / G_USEC_PER_SEC);
}

json_t *nara_json_request_id(json_t *msg)
{
  json_t *id = json_object_get(msg, "id");
  if (json_is_integer(id) && json_integer_value(id) >= 0 && json_integer_value(id) <= G_MAXINT32)
    return id;
  return NULL;
}
