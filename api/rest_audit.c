/* rest_audit.c — GET /api/v1/audit: the audit log as JSON lines.
 *
 * application/x-ndjson, one record per line, oldest first, filtered by
 * consultation and by seq (since). At most `limit` records per answer so
 * that five years of records never sit in memory at once; when more
 * follow, a Link header (RFC 8288, rel="next") says where to continue.
 * The records are read on the store's thread.
 * Reading the log changes nothing, so it writes no record itself.
 *
 * Threading: control thread.
 */
#include "rest-private.h"

#include <string.h>

#define DEFAULT_LIMIT 10000
#define MAX_LIMIT 100000

typedef struct {
  NaraRestCall *call;
  char *consultation; /* the filter, for the next link */
  guint limit;
} Export;

static gint64 seq_of(const char *line)
{
  json_t *record = json_loads(line, 0, NULL);
  gint64 seq = json_integer_value(json_object_get(record, "seq"));

  json_decref(record);
  return seq;
}

static void exported(NaraStoreResult *result, gpointer data)
{
  Export *e = data;
  NaraRestCall *call = e->call;
  GString *out;

  if (!result->lines) {
    nara_rest_reply_store_error(call, result->error);
    goto out;
  }
  out = g_string_new(NULL);
  for (guint i = 0; i < result->lines->len; i++) {
    g_string_append(out, result->lines->pdata[i]);
    g_string_append_c(out, '\n');
  }
  if (result->more) {
    gint64 last_seq = result->lines->len ? seq_of(result->lines->pdata[result->lines->len - 1]) : 0;
    g_autofree char *next = g_strdup_printf(
        "</api/v1/audit?since=%" G_GINT64_FORMAT "&limit=%u%s%s>; rel=\"next\"", last_seq, e->limit,
        e->consultation ? "&consultation=" : "", e->consultation ? e->consultation : "");
    nara_rest_add_header(call, "link:", next);
  }
  nara_rest_reply_text(call, 200, "application/x-ndjson", out);
out:
  g_free(e->consultation);
  g_free(e);
  nara_rest_release(call);
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
  Export *e;

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
  e = g_new0(Export, 1);
  e->call = nara_rest_hold(call);
  e->consultation = g_strdup(consultation);
  e->limit = (guint)limit;
  nara_store_audit_export_async(call->rest->services->store, (gint64)since, consultation, e->limit,
                                exported, e);
}
