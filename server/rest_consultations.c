/* rest_consultations.c — /api/v1/consultations and /api/v1/consultations/{id}.
 *
 * List, create (answering with every participant's join link), read,
 * update and cancel. Each change writes one audit record and tells
 * signaling, which applies it to live sessions. Links are shown at
 * creation only; reads never include them. Participants are in
 * rest_participants.c.
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

void nara_rest_consultations_list(NaraRestCall *call)
{
  static const char *const allowed[] = { "status", "limit", NULL };
  const char *status_text = g_hash_table_lookup(call->query, "status");
  const char *limit_text = g_hash_table_lookup(call->query, "limit");
  NaraConsultationStatus status;
  guint64 limit = DEFAULT_LIST_LIMIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  json_t *items;

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
  list = nara_store_consultation_list(store_of(call), status_text ? (int)status : -1, (guint)limit,
                                      &error);
  if (!list) {
    nara_rest_reply_store_error(call, error);
    return;
  }
  items = json_array();
  for (guint i = 0; i < list->len; i++)
    json_array_append_new(items, nara_consultation_json(list->pdata[i]));
  nara_rest_reply_json(call, 200, json_pack("{s:o}", "consultations", items));
}

void nara_rest_consultations_create(NaraRestCall *call)
{
  NaraServices *services = call->rest->services;
  g_auto(NaraRestErrors) errors = { 0 };
  g_autoptr(NaraStoreConsultation) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *location = NULL, *detail = NULL;
  gint64 now = now_s();
  json_t *body, *people;

  nara_rest_errors_init(&errors);
  c = nara_consultation_json_parse(call->body, services->max_name_chars, now, &errors);
  if (!c) {
    nara_rest_reply_problem_json(call, nara_rest_errors_problem(&errors));
    return;
  }
  if (!nara_store_consultation_create(services->store, c, &error)) {
    nara_rest_reply_store_error(call, error);
    return;
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
}

/* (transfer full) The consultation of the path, or NULL when it has replied. */
static NaraStoreConsultation *path_consultation(NaraRestCall *call)
{
  g_autoptr(GError) error = NULL;
  NaraStoreConsultation *c = nara_store_consultation_get(store_of(call), call->params[0], &error);

  if (!c)
    nara_rest_reply_store_error(call, error);
  return c;
}

void nara_rest_consultation_get(NaraRestCall *call)
{
  g_autoptr(NaraStoreConsultation) c = path_consultation(call);

  if (c)
    nara_rest_reply_json(call, 200, nara_consultation_json(c));
}

static gboolean refuse_unless_scheduled(NaraRestCall *call, const NaraStoreConsultation *c)
{
  g_autofree char *detail = NULL;

  if (c->status == NARA_CONSULTATION_SCHEDULED)
    return FALSE;
  detail = g_strdup_printf("the consultation is %s", nara_consultation_status_to_string(c->status));
  nara_rest_reply_problem(call, NARA_PROBLEM_CONFLICT, detail);
  return TRUE;
}

void nara_rest_consultation_patch(NaraRestCall *call)
{
  g_autoptr(NaraStoreConsultation) c = path_consultation(call);
  g_autoptr(NaraStoreConsultation) after = NULL;
  g_auto(NaraRestErrors) errors = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) fields = g_string_new(NULL);

  if (!c || refuse_unless_scheduled(call, c))
    return;
  nara_rest_errors_init(&errors);
  if (!nara_consultation_json_patch(call->body, c, now_s(), fields, &errors)) {
    nara_rest_reply_problem_json(call, nara_rest_errors_problem(&errors));
    return;
  }
  if (fields->len) {
    if (!nara_store_consultation_update(store_of(call), c, &error)) {
      nara_rest_reply_store_error(call, error);
      return;
    }
    /* The names of the changed fields, not their values: titles may say
     * more about a patient than the log needs. */
    nara_rest_audit(call, &(NaraAuditRecord){ .event = "consultation-updated",
                                              .consultation = c->id,
                                              .outcome = "ok",
                                              .detail = fields->str });
    changed(call, c->id);
  }
  after = path_consultation(call);
  if (after)
    nara_rest_reply_json(call, 200, nara_consultation_json(after));
}

void nara_rest_consultation_cancel(NaraRestCall *call)
{
  g_autoptr(NaraStoreConsultation) c = path_consultation(call);
  g_autoptr(GError) error = NULL;

  if (!c)
    return;
  /* DELETE is idempotent (RFC 9110 §9.2.2): cancelling twice is fine. */
  if (c->status == NARA_CONSULTATION_CANCELLED) {
    nara_rest_reply_no_content(call);
    return;
  }
  if (refuse_unless_scheduled(call, c))
    return;
  c->status = NARA_CONSULTATION_CANCELLED;
  if (!nara_store_consultation_update(store_of(call), c, &error)) {
    nara_rest_reply_store_error(call, error);
    return;
  }
  nara_rest_audit(call, &(NaraAuditRecord){ .event = "consultation-cancelled",
                                            .consultation = c->id,
                                            .outcome = "ok" });
  changed(call, c->id);
  nara_rest_reply_no_content(call);
}
