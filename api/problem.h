/* problem.h — REST error bodies: RFC 9457 "Problem Details for HTTP APIs".
 *
 * One table of problem kinds, each with a stable type URI
 * ("urn:nara:problem:<slug>"), a title and an HTTP status, so that clients
 * can branch on the type and the docs (docs/openapi.yaml) list the same
 * set. It writes nothing to the network (rest.c does).
 *
 * Threading: any thread (pure functions); used on the control thread.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

#define NARA_PROBLEM_CONTENT_TYPE "application/problem+json"

typedef enum {
  NARA_PROBLEM_BAD_JSON,               /* 400: the body is not a JSON object */
  NARA_PROBLEM_VALIDATION,             /* 400: fields with bad values ("errors" names them) */
  NARA_PROBLEM_UNKNOWN_FIELD,          /* 400: fields the API does not know ("errors") */
  NARA_PROBLEM_BAD_QUERY,              /* 400: a query parameter is unknown or bad */
  NARA_PROBLEM_UNAUTHORIZED,           /* 401: no or bad credentials */
  NARA_PROBLEM_NOT_FOUND,              /* 404 */
  NARA_PROBLEM_METHOD_NOT_ALLOWED,     /* 405: with an Allow header */
  NARA_PROBLEM_CONFLICT,               /* 409: not in this state (cancelled, ended, full) */
  NARA_PROBLEM_LENGTH_REQUIRED,        /* 411: a body without Content-Length */
  NARA_PROBLEM_TOO_LARGE,              /* 413: body over NARA_REST_MAX_BODY_BYTES */
  NARA_PROBLEM_UNSUPPORTED_MEDIA_TYPE, /* 415: a body that is not application/json */
  NARA_PROBLEM_INTERNAL,               /* 500: the store failed */
  NARA_PROBLEM_FORBIDDEN,              /* 403: the credentials lack the route's scope */
  NARA_PROBLEM_COUNT
} NaraProblemKind;

guint nara_problem_status(NaraProblemKind kind);
/* (transfer none) "urn:nara:problem:bad-json", ... */
const char *nara_problem_type(NaraProblemKind kind);

/* (transfer full) {"type","title","status","detail"} and, when errors is
 * non-NULL, "errors" (errors: (transfer full), an array of
 * {"field","detail"}). detail: for people, never secret or personal data. */
json_t *nara_problem_new(NaraProblemKind kind, const char *detail, json_t *errors);

G_END_DECLS
