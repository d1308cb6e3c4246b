/* audit.c — signaling's audit records (join attempts, waiting, host actions, leaves).
 *
 * Fills a NaraAuditRecord from members or plain values and appends it to
 * the store, which chains and keeps it. Never records tokens, chat text,
 * names or addresses: ids, roles, assurance, outcome and a short detail.
 * It decides nothing: callers write exactly one record per event.
 *
 * Threading: control thread (the store is used from there only).
 */
#include "signaling-private.h"

void nara_audit(NaraSignaling *sig, const NaraAuditRecord *record)
{
  g_autoptr(GError) error = NULL;

  if (!sig->store)
    return;
  /* The action itself has happened (or been refused) already; losing its
   * record is logged loudly, but does not undo it or stop the call. */
  if (!nara_store_audit_append(sig->store, record, &error))
    g_warning("audit: %s record for consultation %s not written: %s", record->event,
              record->consultation ? record->consultation : "-", error->message);
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
