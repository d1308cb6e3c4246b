/* consultation.c — the consultation side of signaling as the server sees it.
 *
 * Holds the store and token verifier handed over by the server and applies
 * changes the REST API made to a consultation to its live sessions. It does
 * not parse messages (handlers) nor write the store's schema (store/).
 *
 * Threading: control thread.
 */
#include "signaling-private.h"

void nara_signaling_set_consultations(NaraSignaling *sig, NaraStore *store,
                                      NaraTokenVerifier *tokens)
{
  g_return_if_fail(sig != NULL);
  sig->store = store;
  sig->tokens = tokens;
}

void nara_signaling_consultation_changed(NaraSignaling *sig, const char *consultation_id)
{
  g_return_if_fail(sig != NULL && consultation_id != NULL);
  /* Nothing live to update until token joins exist. */
}
