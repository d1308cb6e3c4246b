/* rest_participants.c — /api/v1/consultations/{id}/participants[/{pid}[/link]].
 *
 * Adding a participant answers with their join link; a new link for an
 * existing participant is minted on request (the old one stays valid
 * until it expires: tokens are not stored, so they cannot be revoked one
 * by one; removing the participant is what shuts a link out). Each call
 * writes one audit record; deletions are passed on to signaling. Each
 * goes on in store callbacks (rest-private.h), a Step carrying what the
 * next one needs.
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

/* FALSE after a reply unless c (the path's consultation as read, or NULL
 * with error) is scheduled and its links still alive. */
static gboolean open_consultation(NaraRestCall *call, const NaraStoreConsultation *c,
                                  const GError *error, gint64 now)
{
  NaraServices *services = call->rest->services;

  if (!c) {
    nara_rest_reply_store_error(call, error);
    return FALSE;
  }
  if (c->status != NARA_CONSULTATION_SCHEDULED) {
    g_autofree char *detail
        = g_strdup_printf("the consultation is %s", nara_consultation_status_to_string(c->status));
    nara_rest_reply_problem(call, NARA_PROBLEM_CONFLICT, detail);
    return FALSE;
  }
  if (nara_link_expiry(services->link_validity_hours, c->ends_at, now) <= now) {
    nara_rest_reply_problem(call, NARA_PROBLEM_CONFLICT,
                            "the consultation's window is over: move endsAt (PATCH) first");
    return FALSE;
  }
  return TRUE;
}

/* A participant call between two store calls (owned). */
typedef struct {
  NaraRestCall *call;
  gint64 now;
  NaraStoreConsultation *c;
  NaraStoreParticipant *p;
} Step;

static Step *step_new(NaraRestCall *call)
{
  Step *st = g_new0(Step, 1);

  st->call = nara_rest_hold(call);
  st->now = g_get_real_time() / G_USEC_PER_SEC;
  return st;
}

static void step_done(Step *st)
{
  NaraRestCall *call = st->call;

  nara_store_consultation_free(st->c);
  nara_store_participant_free(st->p);
  g_free(st);
  nara_rest_release(call);
}

static void participant_added(NaraStoreResult *result, gpointer data)
{
  Step *st = data;
  NaraRestCall *call = st->call;
  const NaraStoreParticipant *p = result->participant;

  if (!p) {
    nara_rest_reply_store_error(call, result->error);
    goto out;
  }
  nara_rest_audit(call, &(NaraAuditRecord){ .event = "participant-added",
                                            .consultation = st->c->id,
                                            .subject = p->id,
                                            .subject_role = nara_role_to_string(p->role),
                                            .assurance = p->assurance,
                                            .outcome = "ok" });
  nara_rest_reply_json(call, 201, nara_rest_participant_with_link(call, st->c, p, st->now));
out:
  step_done(st);
}

static void add_read(NaraStoreResult *result, gpointer data)
{
  Step *st = data;

  if (!open_consultation(st->call, result->consultation, result->error, st->now)) {
    step_done(st);
    return;
  }
  st->c = g_steal_pointer(&result->consultation);
  nara_store_participant_add_async(st->call->rest->services->store, st->p, participant_added, st);
}

void nara_rest_participant_add(NaraRestCall *call)
{
  NaraServices *services = call->rest->services;
  g_auto(NaraRestErrors) errors = { 0 };
  NaraStoreParticipant *p;
  Step *st;

  nara_rest_errors_init(&errors);
  /* Body first: a bad body is a 400 whatever state the consultation is in. */
  p = nara_participant_json_parse(call->body, call->params[0], services->max_name_chars, &errors);
  if (!p) {
    nara_rest_reply_problem_json(call, nara_rest_errors_problem(&errors));
    return;
  }
  st = step_new(call);
  st->p = p;
  nara_store_consultation_get_async(services->store, call->params[0], add_read, st);
}

static void participant_deleted(NaraStoreResult *result, gpointer data)
{
  Step *st = data;
  NaraRestCall *call = st->call;
  const NaraStoreParticipant *p = find(st->c, call->params[1]);

  if (result->error) {
    nara_rest_reply_store_error(call, result->error);
    goto out;
  }
  nara_rest_audit(call, &(NaraAuditRecord){ .event = "participant-removed-by-api",
                                            .consultation = st->c->id,
                                            .subject = p->id,
                                            .subject_role = nara_role_to_string(p->role),
                                            .assurance = p->assurance,
                                            .outcome = "ok" });
  if (call->rest->signaling)
    nara_signaling_consultation_changed(call->rest->signaling, st->c->id);
  nara_rest_reply_no_content(call);
out:
  step_done(st);
}

static void delete_read(NaraStoreResult *result, gpointer data)
{
  Step *st = data;
  NaraRestCall *call = st->call;

  if (!result->consultation) {
    nara_rest_reply_store_error(call, result->error);
    step_done(st);
    return;
  }
  st->c = g_steal_pointer(&result->consultation);
  if (!find(st->c, call->params[1])) {
    nara_rest_reply_problem(call, NARA_PROBLEM_NOT_FOUND, "no such participant");
    step_done(st);
    return;
  }
  nara_store_participant_delete_async(call->rest->services->store, st->c->id, call->params[1],
                                      participant_deleted, st);
}

void nara_rest_participant_delete(NaraRestCall *call)
{
  nara_store_consultation_get_async(call->rest->services->store, call->params[0], delete_read,
                                    step_new(call));
}

static void link_read(NaraStoreResult *result, gpointer data)
{
  Step *st = data;
  NaraRestCall *call = st->call;
  const NaraStoreParticipant *p;

  if (!open_consultation(call, result->consultation, result->error, st->now))
    goto out;
  p = find(result->consultation, call->params[1]);
  if (!p) {
    nara_rest_reply_problem(call, NARA_PROBLEM_NOT_FOUND, "no such participant");
    goto out;
  }
  if (p->removed) {
    nara_rest_reply_problem(call, NARA_PROBLEM_CONFLICT,
                            "a host removed this participant: a link would not admit them");
    goto out;
  }
  nara_rest_audit(call, &(NaraAuditRecord){ .event = "link-issued",
                                            .consultation = result->consultation->id,
                                            .subject = p->id,
                                            .subject_role = nara_role_to_string(p->role),
                                            .assurance = p->assurance,
                                            .outcome = "ok" });
  nara_rest_reply_json(call, 200,
                       nara_rest_participant_with_link(call, result->consultation, p, st->now));
out:
  step_done(st);
}

void nara_rest_participant_link(NaraRestCall *call)
{
  g_auto(NaraRestErrors) errors = { 0 };

  nara_rest_errors_init(&errors);
  if (call->body && !nara_rest_fields_check(call->body, no_fields, "", 1, &errors)) {
    nara_rest_reply_problem_json(call, nara_rest_errors_problem(&errors));
    return;
  }
  nara_store_consultation_get_async(call->rest->services->store, call->params[0], link_read,
                                    step_new(call));
}
