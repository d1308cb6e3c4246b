/* rest_audit.c — GET /api/v1/audit: the audit log as JSON lines.
 *
 * application/x-ndjson, one record per line, oldest first, filtered by
 * consultation and by seq (since). At most `limit` records per answer so
 * that five years of records never sit in memory at once; when more
 * follow, a Link header (RFC 8288, rel="next") says where to continue.
 * Reading the log changes nothing, so it writes no record itself.
 *
 * Threading: control thread.
 */
#include "rest-private.h"

#include <string.h>

#define DEFAULT_LIMIT 10000
#define MAX_LIMIT 100000

typedef struct {
  GString *out;
  guint n, limit;
  gint64 last_seq;
  gboolean more;
} Export;

static void emit(const char *line, gpointer data)
{
  Export *e = data;
  json_t *record;

  if (e->n == e->limit) {
    e->more = TRUE;
    return;
  }
  g_string_append(e->out, line);
  g_string_append_c(e->out, '\n');
  e->n++;
  record = json_loads(line, 0, NULL);
  e->last_seq = json_integer_value(json_object_get(record, "seq"));
  json_decref(record);
}

static gboolean id_like(const char *s)
{
  gsize n = strlen(s);
  if (n == 0 || n >= NARA_STORE_ID_LEN)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
      return FALSE;
  return TRUE;
}

void nara_rest_audit_export(NaraRestCall *call)
{
  static const char *const allowed[] = { "consultation", "since", "limit", NULL };
  const char *consultation = g_hash_table_lookup(call->query, "consultation");
  const char *since_text = g_hash_table_lookup(call->query, "since");
  const char *limit_text = g_hash_table_lookup(call->query, "limit");
  guint64 since = 0, limit = DEFAULT_LIMIT;
  g_autoptr(GError) error = NULL;
  Export e = { 0 };

  if (!nara_rest_query_allowed(call, allowed))
    return;
  if (consultation && !id_like(consultation)) {
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_QUERY, "consultation is not a consultation id");
    return;
  }
  if (since_text && !g_ascii_string_to_unsigned(since_text, 10, 0, G_MAXINT64, &since, NULL)) {
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_QUERY, "since must be a record seq (0 or more)");
    return;
  }
  if (limit_text && !g_ascii_string_to_unsigned(limit_text, 10, 1, MAX_LIMIT, &limit, NULL)) {
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_QUERY, "limit must be 1 to 100000");
    return;
  }
  e.out = g_string_new(NULL);
  e.limit = (guint)limit;
  if (!nara_store_audit_export(call->rest->services->store, (gint64)since, consultation, emit, &e,
                               &error)) {
    g_string_free(e.out, TRUE);
    nara_rest_reply_store_error(call, error);
    return;
  }
  if (e.more) {
    g_autofree char *next = g_strdup_printf(
        "</api/v1/audit?since=%" G_GINT64_FORMAT "&limit=%u%s%s>; rel=\"next\"", e.last_seq,
        e.limit, consultation ? "&consultation=" : "", consultation ? consultation : "");
    nara_rest_add_header(call, "link:", next);
  }
  nara_rest_reply_text(call, 200, "application/x-ndjson", e.out);
}
