/* consultation_json.h — the JSON shape of consultations in the REST API
 * and the CLI (docs/openapi.yaml: Consultation, Participant, the create
 * and update bodies).
 *
 * Turns checked request bodies into store structs and store structs into
 * response objects. The CLI builds the same create body from its options,
 * so both paths share one set of rules. It neither stores nor mints links.
 *
 * Threading: pure functions; control thread (REST and CLI).
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "rest_fields.h"
#include "store.h"

G_BEGIN_DECLS

#define NARA_TITLE_MAX_CHARS 200
#define NARA_ASSURANCE_MAX_BYTES 128

/* (transfer full) A new consultation (id empty, status scheduled, host
 * always auto-admitted) from a POST /api/v1/consultations body, or NULL
 * with what is wrong in errors. now: unix seconds (endsAt must be later). */
NaraStoreConsultation *nara_consultation_json_parse(json_t *body, guint max_name_chars, gint64 now,
                                                    NaraRestErrors *errors);
/* (transfer full) A participant of consultation_id from a POST
 * …/participants body (assurance defaults to "none"), or NULL. */
NaraStoreParticipant *nara_participant_json_parse(json_t *body, const char *consultation_id,
                                                  guint max_name_chars, NaraRestErrors *errors);
/* Applies a PATCH body to c. changed (transfer none) gets the names of
 * the fields whose value changed, comma-separated. FALSE: errors says why
 * and c is unchanged. */
gboolean nara_consultation_json_patch(json_t *body, NaraStoreConsultation *c, gint64 now,
                                      GString *changed, NaraRestErrors *errors);

/* (transfer full) A response object; participants without links. */
json_t *nara_consultation_json(const NaraStoreConsultation *c);
/* (transfer full) */
json_t *nara_participant_json(const NaraStoreParticipant *p);
/* (transfer full) ["host", ...] in role order. */
json_t *nara_roles_json(guint mask);

/* "scheduled", "ended", "cancelled"; FALSE for anything else. */
const char *nara_consultation_status_to_string(NaraConsultationStatus status);
gboolean nara_consultation_status_from_string(const char *s, NaraConsultationStatus *out);

G_END_DECLS
