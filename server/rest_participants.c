/* rest_participants.c — /api/v1/consultations/{id}/participants[/{pid}[/link]].
 *
 * Adding a participant answers with their join link; a new link for an
 * existing participant is minted on request (the old one stays valid
 * until it expires: tokens are not stored, so they cannot be revoked one
 * by one; removing the participant is what shuts a link out). Each call
 * writes one audit record; deletions are passed on to signaling.
 *
 * Threading: control thread.
 */
#include "rest-private.h"

#include "consultation_json.h"
#include "links.h"
#include "rfc3339.h"

static const NaraRestField no_fields[] = {
  { NULL, 0, FALSE, 0, 0, NULL },
};

json_t *nara_rest_participant_with_link(NaraRestCall *call, const NaraStoreConsultation *c,
                                        const NaraStoreParticipant *p, gint64 now)
{
  json_t *o = nara_participant_json(p);
  gint64 expires_at = 0;
  g_autofree char *link = nara_link_mint(call->rest->services, c, p, now, &expires_at);
  g_autofree char *when = link ? nara_rfc3339_format(expires_at) : NULL;

  json_object_set_new(o, "link", link ? json_string(link) : json_null());
  json_object_set_new(o, "linkExpiresAt", when ? json_string(when) : json_null());
  return o;
}

static const NaraStoreParticipant *find(const NaraStoreConsultation *c, const char *id)
{
  for (guint i = 0; c->participants && i < c->participants->len; i++) {
    const NaraStoreParticipant *p = c->participants->pdata[i];
    if (g_str_equal(p->id, id))
      return p;
  }
  return NULL;
}

/* (transfer full) The scheduled consultation of the path whose links are
 * still alive, or NULL when it has replied. */
static NaraStoreConsultation *open_consultation(NaraRestCall *call, gint64 now)
{
  NaraServices *services = call->rest->services;
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c
      = nara_store_consultation_get(services->store, call->params[0], &error);

  if (!c) {
    nara_rest_reply_store_error(call, error);
    return NULL;
  }
  if (c->status != NARA_CONSULTATION_SCHEDULED) {
    g_autofree char *detail
        = g_strdup_printf("the consultation is %s", nara_consultation_status_to_string(c->status));
    nara_rest_reply_problem(call, NARA_PROBLEM_CONFLICT, detail);
    return NULL;
  }
  if (nara_link_expiry(services->link_validity_hours, c->ends_at, now) <= now) {
    nara_rest_reply_problem(call, NARA_PROBLEM_CONFLICT,
                            "the consultation's window is over: move endsAt (PATCH) first");
    return NULL;
  }
  return g_steal_pointer(&c);
}

void nara_rest_participant_add(NaraRestCall *call)
{
  NaraServices *services = call->rest->services;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  g_autoptr(NaraStoreConsultation) c = NULL;
  g_autoptr(NaraStoreParticipant) p = NULL;
  g_auto(NaraRestErrors) errors = { 0 };
  g_autoptr(GError) error = NULL;

  nara_rest_errors_init(&errors);
  /* Body first: a bad body is a 400 whatever state the consultation is in. */
  p = nara_participant_json_parse(call->body, call->params[0], services->max_name_chars, &errors);
  if (!p) {
    nara_rest_reply_problem_json(call, nara_rest_errors_problem(&errors));
    return;
  }
  c = open_consultation(call, now);
  if (!c)
    return;
  if (!nara_store_participant_add(services->store, p, &error)) {
    nara_rest_reply_store_error(call, error);
    return;
  }
  nara_rest_audit(call, &(NaraAuditRecord){ .event = "participant-added",
                                            .consultation = c->id,
                                            .subject = p->id,
                                            .subject_role = nara_role_to_string(p->role),
                                            .assurance = p->assurance,
                                            .outcome = "ok" });
  nara_rest_reply_json(call, 201, nara_rest_participant_with_link(call, c, p, now));
}

void nara_rest_participant_delete(NaraRestCall *call)
{
  NaraServices *services = call->rest->services;
  g_autoptr(NaraStoreConsultation) c = NULL;
  g_autoptr(GError) error = NULL;
  const NaraStoreParticipant *p;
  NaraAuditRecord record = { .event = "participant-removed-by-api", .outcome = "ok" };

  c = nara_store_consultation_get(services->store, call->params[0], &error);
  if (!c) {
    nara_rest_reply_store_error(call, error);
    return;
  }
  p = find(c, call->params[1]);
  if (!p) {
    nara_rest_reply_problem(call, NARA_PROBLEM_NOT_FOUND, "no such participant");
    return;
  }
  record.consultation = c->id;
  record.subject = p->id;
  record.subject_role = nara_role_to_string(p->role);
  record.assurance = p->assurance;
  if (!nara_store_participant_delete(services->store, c->id, p->id, &error)) {
    nara_rest_reply_store_error(call, error);
    return;
  }
  nara_rest_audit(call, &record);
  if (call->rest->signaling)
    nara_signaling_consultation_changed(call->rest->signaling, c->id);
  nara_rest_reply_no_content(call);
}

void nara_rest_participant_link(NaraRestCall *call)
{
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  g_autoptr(NaraStoreConsultation) c = NULL;
  g_auto(NaraRestErrors) errors = { 0 };
  const NaraStoreParticipant *p;

  nara_rest_errors_init(&errors);
  if (call->body && !nara_rest_fields_check(call->body, no_fields, "", 1, &errors)) {
    nara_rest_reply_problem_json(call, nara_rest_errors_problem(&errors));
    return;
  }
  c = open_consultation(call, now);
  if (!c)
    return;
  p = find(c, call->params[1]);
  if (!p) {
    nara_rest_reply_problem(call, NARA_PROBLEM_NOT_FOUND, "no such participant");
    return;
  }
  if (p->removed) {
    nara_rest_reply_problem(call, NARA_PROBLEM_CONFLICT,
                            "a host removed this participant: a link would not admit them");
    return;
  }
  nara_rest_audit(call, &(NaraAuditRecord){ .event = "link-issued",
                                            .consultation = c->id,
                                            .subject = p->id,
                                            .subject_role = nara_role_to_string(p->role),
                                            .assurance = p->assurance,
                                            .outcome = "ok" });
  nara_rest_reply_json(call, 200, nara_rest_participant_with_link(call, c, p, now));
}
