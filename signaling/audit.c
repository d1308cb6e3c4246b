/* audit.c — signaling's audit records (join attempts, waiting, host actions, leaves).
 *
 * Fills a NaraAuditRecord from members or plain values and hands it to the
 * store's thread, which chains it and writes it with the others queued at
 * the same moment. Never records tokens, chat text, names or addresses:
 * ids, roles, assurance, outcome and a short detail. It decides nothing:
 * callers write exactly one record per event, except join attempts with a
 * token that did not verify (nothing in it is evidence): those are
 * summarised per client address and minute (store.h NaraAuditSummary), so
 * a flood of bad links writes a bounded number of records, each with the
 * address it came from.
 *
 * Threading: control thread; the store calls back there.
 */
#include "signaling-private.h"

typedef struct {
  char *what; /* "<event> record for consultation <id>", for the warning */
  NaraSessionWait wait;
  char *code, *message; /* the refusal to send once the record is kept, or NULL */
} Pending;

static Pending *pending_new(const NaraAuditRecord *record)
{
  Pending *p = g_new0(Pending, 1);

  p->what = g_strdup_printf("%s record for consultation %s", record->event,
                            record->consultation ? record->consultation : "-");
  return p;
}

static void written(NaraStoreResult *result, gpointer data)
{
  Pending *p = data;
  NaraSession *session;

  /* The action itself has happened (or been refused) already; losing its
   * record is logged loudly, but does not undo it or stop the call. */
  if (result->error)
    g_warning("audit: %s not written: %s", p->what, result->error->message);
  if (p->code && (session = nara_session_wait_get(&p->wait)))
    nara_session_send_error(session, p->wait.id, p->code, p->message);
  if (p->code)
    nara_session_wait_clear(&p->wait);
  g_free(p->what);
  g_free(p->code);
  g_free(p->message);
  g_free(p);
}

void nara_audit(NaraSignaling *sig, const NaraAuditRecord *record)
{
  if (!sig->store)
    return;
  nara_store_audit_append_async(sig->store, record, written, pending_new(record));
}

void nara_audit_then_error(NaraSession *session, json_t *id, const NaraAuditRecord *record,
                           const char *code, const char *message)
{
  Pending *p;

  if (!session->sig->store) {
    nara_session_send_error(session, id, code, message);
    return;
  }
  if (g_strcmp0(record->event, "join-attempt") == 0 && record->consultation == NULL
      && record->actor == NULL) {
    NaraSignaling *sig = session->sig;

    if (!sig->refusals)
      sig->refusals = nara_audit_summary_new(sig->store);
    p = pending_new(record);
    nara_session_wait_init(&p->wait, session, id);
    p->code = g_strdup(code);
    p->message = g_strdup(message);
    if (nara_audit_summary_note(sig->refusals, record, session->peer_ip, g_get_real_time(), written,
                                p))
      return;
    /* Counted, not written: the refusal goes out at once. */
    nara_session_send_error(session, id, code, message);
    nara_session_wait_clear(&p->wait);
    g_free(p->what);
    g_free(p->code);
    g_free(p->message);
    g_free(p);
    return;
  }
  p = pending_new(record);
  nara_session_wait_init(&p->wait, session, id);
  p->code = g_strdup(code);
  p->message = g_strdup(message);
  nara_store_audit_append_async(session->sig->store, record, written, p);
}

void nara_audit_members(NaraSignaling *sig, const char *event, const char *consultation,
                        const NaraMember *actor, const NaraMember *subject, const char *outcome,
                        const char *detail)
{
  const NaraMember *whose = subject ? subject : actor;
  NaraAuditRecord record = {
    .event = event,
    .consultation = consultation,
    .actor = actor ? actor->id : NULL,
    .actor_role = actor ? nara_role_to_string(actor->role) : NULL,
    .subject = subject ? subject->id : NULL,
    .subject_role = subject ? nara_role_to_string(subject->role) : NULL,
    .assurance = whose ? whose->assurance : NULL,
    .outcome = outcome,
    .detail = detail,
  };
  nara_audit(sig, &record);
}
