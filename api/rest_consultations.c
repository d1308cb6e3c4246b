/* rest_consultations.c — /api/v1/consultations and /api/v1/consultations/{id}.
 *
 * List, create (answering with every participant's join link), read,
 * update and cancel. Each change writes one audit record and tells
 * signaling, which applies it to live sessions. Links are shown at
 * creation only; reads never include them. Participants are in
 * rest_participants.c. The store works on its thread: each handler goes
 * on in a callback (rest-private.h), and PATCH and DELETE merge on that
 * thread, so no other change lands between their read and their write.
 *
 * Threading: control thread.
 */
#include "rest-private.h"

#include "consultation_json.h"
#include "links.h"

#define DEFAULT_LIST_LIMIT 100
#define MAX_LIST_LIMIT 500

static gint64 now_s(void)
{
  return g_get_real_time() / G_USEC_PER_SEC;
}

static NaraStore *store_of(NaraRestCall *call)
{
  return call->rest->services->store;
}

static void changed(NaraRestCall *call, const char *consultation_id)
{
  if (call->rest->signaling)
    nara_signaling_consultation_changed(call->rest->signaling, consultation_id);
}

static void listed(NaraStoreResult *result, gpointer data)
{
  NaraRestCall *call = data;
  json_t *items;

  if (!result->consultations) {
    nara_rest_reply_store_error(call, result->error);
  } else {
    items = json_array();
    for (guint i = 0; i < result->consultations->len; i++)
      json_array_append_new(items, nara_consultation_json(result->consultations->pdata[i]));
    nara_rest_reply_json(call, 200, json_pack("{s:o}", "consultations", items));
  }
  nara_rest_release(call);
}

void nara_rest_consultations_list(NaraRestCall *call)
{
  static const char *const allowed[] = { "status", "limit", NULL };
  const char *status_text = g_hash_table_lookup(call->query, "status");
  const char *limit_text = g_hash_table_lookup(call->query, "limit");
  NaraConsultationStatus status;
  guint64 limit = DEFAULT_LIST_LIMIT;

  if (!nara_rest_query_allowed(call, allowed))
    return;
  if (status_text && !nara_consultation_status_from_string(status_text, &status)) {
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_QUERY,
                            "status must be scheduled, ended or cancelled");
    return;
  }
  if (limit_text && !g_ascii_string_to_unsigned(limit_text, 10, 1, MAX_LIST_LIMIT, &limit, NULL)) {
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_QUERY, "limit must be 1 to 500");
    return;
  }
  nara_store_consultation_list_async(store_of(call), status_text ? (int)status : -1, (guint)limit,
                                     listed, nara_rest_hold(call));
}

static void created(NaraStoreResult *result, gpointer data)
{
  NaraRestCall *call = data;
  NaraStoreConsultation *c = result->consultation;
  g_autofree char *location = NULL, *detail = NULL;
  gint64 now = now_s();
  json_t *body, *people;

  if (!c) {
    nara_rest_reply_store_error(call, result->error);
    goto out;
  }
  detail = g_strdup_printf("participants=%u", c->participants->len);
  nara_rest_audit(call, &(NaraAuditRecord){ .event = "consultation-created",
                                            .consultation = c->id,
                                            .outcome = "ok",
                                            .detail = detail });
  body = nara_consultation_json(c);
  people = json_array();
  for (guint i = 0; i < c->participants->len; i++)
    json_array_append_new(people,
                          nara_rest_participant_with_link(call, c, c->participants->pdata[i], now));
  json_object_set_new(body, "participants", people);
  location = g_strconcat("/api/v1/consultations/", c->id, NULL);
  nara_rest_add_header(call, "location:", location);
  nara_rest_reply_json(call, 201, body);
out:
  nara_rest_release(call);
}

void nara_rest_consultations_create(NaraRestCall *call)
{
  NaraServices *services = call->rest->services;
  g_auto(NaraRestErrors) errors = { 0 };
  g_autoptr(NaraStoreConsultation) c = NULL;

  nara_rest_errors_init(&errors);
  c = nara_consultation_json_parse(call->body, services->max_name_chars, now_s(), &errors);
  if (!c) {
    nara_rest_reply_problem_json(call, nara_rest_errors_problem(&errors));
    return;
  }
  nara_store_consultation_create_async(services->store, c, created, nara_rest_hold(call));
}

/* Answers with the consultation of the path as stored now. */
static void reply_consultation(NaraStoreResult *result, gpointer data)
{
  NaraRestCall *call = data;

  if (result->consultation)
    nara_rest_reply_json(call, 200, nara_consultation_json(result->consultation));
  else
    nara_rest_reply_store_error(call, result->error);
  nara_rest_release(call);
}

void nara_rest_consultation_get(NaraRestCall *call)
{
  nara_store_consultation_get_async(store_of(call), call->params[0], reply_consultation,
                                    nara_rest_hold(call));
}

/* On the store's thread: CONFLICT unless c is scheduled. */
static gboolean scheduled(const NaraStoreConsultation *c, GError **error)
{
  if (c->status == NARA_CONSULTATION_SCHEDULED)
    return TRUE;
  g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_CONFLICT, "the consultation is %s",
              nara_consultation_status_to_string(c->status));
  return FALSE;
}

/* A PATCH between the store's thread (the merge, read-modify-write) and
 * the control thread (the answer). */
typedef struct {
  NaraRestCall *call;
  GString *fields; /* names of the changed fields */
  NaraRestErrors errors;
  gboolean invalid;
} Patch;

static gboolean apply_patch(NaraStoreConsultation *c, gpointer data, GError **error)
{
  Patch *p = data;

  if (!scheduled(c, error))
    return FALSE;
  if (!nara_consultation_json_patch(p->call->body, c, now_s(), p->fields, &p->errors)) {
    p->invalid = TRUE;
    return FALSE;
  }
  return p->fields->len > 0;
}

static void patched(NaraStoreResult *result, gpointer data)
{
  Patch *p = data;
  NaraRestCall *call = p->call;

  if (p->invalid) {
    nara_rest_reply_problem_json(call, nara_rest_errors_problem(&p->errors));
  } else if (!result->consultation) {
    nara_rest_reply_store_error(call, result->error);
  } else {
    if (p->fields->len) {
      /* The names of the changed fields, not their values: titles may say
       * more about a patient than the log needs. */
      nara_rest_audit(call, &(NaraAuditRecord){ .event = "consultation-updated",
                                                .consultation = result->consultation->id,
                                                .outcome = "ok",
                                                .detail = p->fields->str });
      changed(call, result->consultation->id);
    }
    /* Read again: the store sets updated_at as it writes. */
    nara_store_consultation_get_async(store_of(call), call->params[0], reply_consultation,
                                      nara_rest_hold(call));
  }
  g_string_free(p->fields, TRUE);
  nara_rest_errors_clear(&p->errors);
  g_free(p);
  nara_rest_release(call);
}

void nara_rest_consultation_patch(NaraRestCall *call)
{
  Patch *p = g_new0(Patch, 1);

  p->call = nara_rest_hold(call);
  p->fields = g_string_new(NULL);
  nara_rest_errors_init(&p->errors);
  nara_store_consultation_modify_async(store_of(call), call->params[0], apply_patch, p, patched, p);
}

typedef struct {
  NaraRestCall *call;
  gboolean already; /* cancelled before: nothing to do */
} Cancel;

static gboolean apply_cancel(NaraStoreConsultation *c, gpointer data, GError **error)
{
  Cancel *k = data;

  /* DELETE is idempotent (RFC 9110 §9.2.2): cancelling twice is fine. */
  if (c->status == NARA_CONSULTATION_CANCELLED) {
    k->already = TRUE;
    return FALSE;
  }
  if (!scheduled(c, error))
    return FALSE;
  c->status = NARA_CONSULTATION_CANCELLED;
  return TRUE;
}

static void cancelled(NaraStoreResult *result, gpointer data)
{
  Cancel *k = data;
  NaraRestCall *call = k->call;

  if (!result->consultation) {
    nara_rest_reply_store_error(call, result->error);
  } else {
    if (!k->already) {
      nara_rest_audit(call, &(NaraAuditRecord){ .event = "consultation-cancelled",
                                                .consultation = result->consultation->id,
                                                .outcome = "ok" });
      changed(call, result->consultation->id);
    }
    nara_rest_reply_no_content(call);
  }
  g_free(k);
  nara_rest_release(call);
}

static void erased(NaraStoreResult *result, gpointer data)
{
  NaraRestCall *call = data;

  if (result->error) {
    nara_rest_reply_store_error(call, result->error);
  } else {
    nara_rest_audit(call, &(NaraAuditRecord){ .event = "consultation-erased",
                                              .consultation = call->params[0],
                                              .outcome = "ok",
                                              .detail = "request" });
    /* Gone from the store: signaling ends a live call with "ended". */
    changed(call, call->params[0]);
    nara_rest_reply_no_content(call);
  }
  nara_rest_release(call);
}

/* DELETE …?erase=true: a data subject's erasure (GDPR Art. 17). Needs
 * consultations:erase besides the route's consultations:write. */
static void erase(NaraRestCall *call)
{
  if (!(call->scopes & NARA_SCOPE_CONSULTATIONS_ERASE)) {
    nara_rest_add_header(call, "www-authenticate:",
                         "Bearer realm=\"nara\", error=\"insufficient_scope\", "
                         "scope=\"consultations:erase\"");
    nara_rest_reply_problem(call, NARA_PROBLEM_FORBIDDEN,
                            "erasing needs the scope consultations:erase");
    return;
  }
  nara_store_consultation_erase_async(store_of(call), call->params[0], erased,
                                      nara_rest_hold(call));
}

void nara_rest_consultation_cancel(NaraRestCall *call)
{
  static const char *const allowed[] = { "erase", NULL };
  const char *erase_text;
  Cancel *k;

  if (!nara_rest_query_allowed(call, allowed))
    return;
  erase_text = g_hash_table_lookup(call->query, "erase");
  if (erase_text && !g_str_equal(erase_text, "true") && !g_str_equal(erase_text, "false")) {
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_QUERY, "erase must be true or false");
    return;
  }
  if (erase_text && g_str_equal(erase_text, "true")) {
    erase(call);
    return;
  }
  k = g_new0(Cancel, 1);

  k->call = nara_rest_hold(call);
  nara_store_consultation_modify_async(store_of(call), call->params[0], apply_cancel, k, cancelled,
                                       k);
}
