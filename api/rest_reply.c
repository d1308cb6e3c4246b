/* rest_reply.c — how REST handlers answer and keep records.
 *
 * Each reply helper fills the call's status, media type and body exactly
 * once; rest.c writes them out. Store errors map onto problem kinds here,
 * in one place. Audit records get the caller as actor, and the answer
 * waits for them to be durable. It does not write to the network.
 *
 * Threading: control thread.
 */
#include "rest-private.h"

static void set_body(NaraRestCall *call, guint status, const char *content_type, GString *out)
{
  if (call->status) {
    /* Two answers to one request is a handler bug; the first one stands. */
    g_critical("api: second reply (%u after %u) ignored", status, call->status);
    if (out)
      g_string_free(out, TRUE);
    return;
  }
  call->status = status;
  call->content_type = content_type;
  call->out = out;
}

void nara_rest_reply_json(NaraRestCall *call, guint status, json_t *body)
{
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  set_body(call, status, "application/json", g_string_new(text ? text : "{}"));
  free(text);
}

void nara_rest_reply_problem_json(NaraRestCall *call, json_t *problem)
{
  char *text = json_dumps(problem, JSON_COMPACT);
  guint status = (guint)json_integer_value(json_object_get(problem, "status"));
  json_decref(problem);
  set_body(call, status ? status : 500, NARA_PROBLEM_CONTENT_TYPE,
           g_string_new(text ? text : "{}"));
  free(text);
}

void nara_rest_reply_problem(NaraRestCall *call, NaraProblemKind kind, const char *detail)
{
  nara_rest_reply_problem_json(call, nara_problem_new(kind, detail, NULL));
}

void nara_rest_reply_store_error(NaraRestCall *call, const GError *error)
{
  if (error && error->domain == NARA_STORE_ERROR) {
    switch ((NaraStoreError)error->code) {
    case NARA_STORE_ERROR_NOT_FOUND:
      nara_rest_reply_problem(call, NARA_PROBLEM_NOT_FOUND, error->message);
      return;
    case NARA_STORE_ERROR_CONFLICT:
      nara_rest_reply_problem(call, NARA_PROBLEM_CONFLICT, error->message);
      return;
    case NARA_STORE_ERROR_INVALID:
      nara_rest_reply_problem(call, NARA_PROBLEM_VALIDATION, error->message);
      return;
    case NARA_STORE_ERROR_IO:
    case NARA_STORE_ERROR_CORRUPT:
      break;
    }
  }
  g_warning("api: store: %s", error ? error->message : "unknown error");
  nara_rest_reply_problem(call, NARA_PROBLEM_INTERNAL, "the store could not be read or written");
}

void nara_rest_reply_no_content(NaraRestCall *call)
{
  set_body(call, 204, NULL, NULL);
}

void nara_rest_reply_text(NaraRestCall *call, guint status, const char *content_type, GString *text)
{
  set_body(call, status, content_type, text);
}

void nara_rest_add_header(NaraRestCall *call, const char *name, const char *value)
{
  if (!call->headers)
    call->headers = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(call->headers, g_strdup(name));
  g_ptr_array_add(call->headers, g_strdup(value));
}

typedef struct {
  NaraRestCall *call;
  char *what; /* "<event> record for consultation <id>", for the warning */
} Audit;

static void audited(NaraStoreResult *result, gpointer data)
{
  Audit *a = data;

  /* The change has happened; a lost record is loud but does not undo it. */
  if (result->error)
    g_warning("audit: %s not written: %s", a->what, result->error->message);
  nara_rest_release(a->call);
  g_free(a->what);
  g_free(a);
}

void nara_rest_audit(NaraRestCall *call, NaraAuditRecord *record)
{
  Audit *a = g_new0(Audit, 1);

  record->actor = call->actor;
  a->call = nara_rest_hold(call);
  a->what = g_strdup_printf("%s record for consultation %s", record->event,
                            record->consultation ? record->consultation : "-");
  nara_store_audit_append_async(call->rest->services->store, record, audited, a);
}

gboolean nara_rest_query_allowed(NaraRestCall *call, const char *const *allowed)
{
  GHashTableIter iter;
  const char *name;

  g_hash_table_iter_init(&iter, call->query);
  while (g_hash_table_iter_next(&iter, (gpointer *)&name, NULL)) {
    if (!g_strv_contains(allowed, name)) {
      g_autofree char *detail = g_strdup_printf("unknown query parameter '%s'", name);
      nara_rest_reply_problem(call, NARA_PROBLEM_BAD_QUERY, detail);
      return FALSE;
    }
  }
  return TRUE;
}
