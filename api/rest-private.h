/* rest-private.h — what the REST handlers (rest_*.c) share with rest.c.
 *
 * A handler gets one NaraRestCall: the caller already authenticated, the
 * route matched, the body parsed into a JSON object when the route takes
 * one. It answers with exactly one nara_rest_reply_*() and writes one
 * audit record per change. Handlers never touch libwebsockets.
 *
 * The store answers on a later turn of the loop: a handler passes
 * nara_rest_hold(call) as the user data of each store call and calls
 * nara_rest_release(call) at the end of its callback. The answer goes out
 * when the last hold is released, so after every audit record is durable;
 * the call (body, params, query, actor) stays valid until then.
 *
 * Threading: control thread.
 */
#pragma once

#include <jansson.h>

#include "problem.h"
#include "rest.h"
#include "rest_fields.h"
#include "services.h"

G_BEGIN_DECLS

struct _NaraRest {
  NaraServices *services;   /* (transfer none) */
  NaraSignaling *signaling; /* (transfer none) */
  gboolean tls;
  NaraAuditSummary *refusals; /* (owned) refused requests, one record per source and minute */
};

/* Who a request's credentials name and what they allow. */
typedef struct {
  char *key_id;        /* "k-…" or "idp:<sub>"; NULL: refused (owned) */
  guint scopes;        /* NaraScope bits */
  const char *refusal; /* why key_id is NULL: "apikey-revoked", a token error code, ... */
  char *who;           /* a refused key's "api:k-…", for the record (owned) */
} NaraRestCaller;

typedef struct _NaraRestCall NaraRestCall;

struct _NaraRestCall {
  NaraRest *rest;
  const char *params[2]; /* path parameters in order: consultation id, participant id */
  json_t *body;          /* (transfer none) the JSON object, or NULL */
  GHashTable *query;     /* (transfer none) decoded name -> value */
  const char *actor;     /* "api:<key id>" for audit records */
  guint scopes;          /* NaraScope bits the caller holds */
  /* The answer, filled by nara_rest_reply_*(). */
  guint status;
  const char *content_type;
  GString *out;
  GPtrArray *headers; /* "name:", "value" pairs (owned strings) */
};

typedef void (*NaraRestHandler)(NaraRestCall *call);

/* (transfer none) call, as the user data of a store call: the answer waits. */
gpointer nara_rest_hold(NaraRestCall *call);
/* In the store callback, after replying or holding for the next store call. */
void nara_rest_release(NaraRestCall *call);

/* body (transfer full). */
void nara_rest_reply_json(NaraRestCall *call, guint status, json_t *body);
void nara_rest_reply_problem(NaraRestCall *call, NaraProblemKind kind, const char *detail);
/* problem (transfer full), a body from nara_problem_new()/nara_rest_errors_problem(). */
void nara_rest_reply_problem_json(NaraRestCall *call, json_t *problem);
/* NOT_FOUND -> 404, CONFLICT -> 409, INVALID -> validation, else 500 (logged). */
void nara_rest_reply_store_error(NaraRestCall *call, const GError *error);
void nara_rest_reply_no_content(NaraRestCall *call);
/* text (transfer full): an already formatted body, e.g. NDJSON. */
void nara_rest_reply_text(NaraRestCall *call, guint status, const char *content_type,
                          GString *text);
/* name ("location:"), value: copied. */
void nara_rest_add_header(NaraRestCall *call, const char *name, const char *value);

/* Writes record with actor = call->actor; the answer waits until it is
 * durable. A failure is logged, not fatal. */
void nara_rest_audit(NaraRestCall *call, NaraAuditRecord *record);
/* Refuses (400 bad-query) any query parameter not in allowed
 * (NULL-terminated); FALSE when it has replied. */
gboolean nara_rest_query_allowed(NaraRestCall *call, const char *const *allowed);

/* rest.c: the answer nara_rest_on_http .. on_body_complete would give,
 * without libwebsockets (tests/fuzz/fuzz_rest.c): the request as lws hands
 * it over, from the caller key_id (NULL: no Authorization). query:
 * (transfer none) decoded name -> value. Fills call (transfer full): the
 * caller frees call->out and call->headers. */
void nara_rest_answer_request(NaraRest *rest, const char *method, const char *path,
                              const char *content_type, const char *key_id, guint scopes,
                              GHashTable *query, const void *body, gsize len, NaraRestCall *call);

/* rest_auth.c: who authorization (the Authorization header, may be NULL)
 * names. TRUE when known at once: caller filled (key_id NULL: refused, and
 * why). FALSE when an API key is being looked up in the store: found runs
 * later with result->apikey (NULL: no such key) and data, and hands it to
 * nara_rest_caller_from_key(). */
gboolean nara_rest_authenticate(NaraRest *rest, const char *authorization, NaraRestCaller *caller,
                                NaraStoreCallback found, gpointer data);
/* Fills caller from a stored key (NULL: none): refused when revoked or
 * expired at now (unix seconds). */
void nara_rest_caller_from_key(NaraRestCaller *caller, const NaraStoreApiKey *key, gint64 now);
void nara_rest_caller_clear(NaraRestCaller *caller);

/* rest_consultations.c */
void nara_rest_consultations_list(NaraRestCall *call);
void nara_rest_consultations_create(NaraRestCall *call);
void nara_rest_consultation_get(NaraRestCall *call);
void nara_rest_consultation_patch(NaraRestCall *call);
void nara_rest_consultation_cancel(NaraRestCall *call);
/* rest_participants.c */
/* (transfer full) nara_participant_json() plus a fresh "link" and
 * "linkExpiresAt" (null when the link would be dead already). */
json_t *nara_rest_participant_with_link(NaraRestCall *call, const NaraStoreConsultation *c,
                                        const NaraStoreParticipant *p, gint64 now);
void nara_rest_participant_add(NaraRestCall *call);
void nara_rest_participant_delete(NaraRestCall *call);
void nara_rest_participant_link(NaraRestCall *call);
/* rest_audit.c */
void nara_rest_audit_export(NaraRestCall *call);

G_END_DECLS
