/* problem.c — the table of REST problem kinds and their JSON bodies.
 *
 * Type URIs are URNs, not URLs: they are identifiers that stay stable
 * whether or not docs are hosted anywhere (RFC 9457 §3.1.1 allows any URI;
 * "about:blank" would tell a client nothing). It does not send anything.
 *
 * Threading: pure functions; control thread.
 */
#include "problem.h"

static const struct {
  const char *type, *title;
  guint status;
} kinds[NARA_PROBLEM_COUNT] = {
  [NARA_PROBLEM_BAD_JSON] = { "urn:nara:problem:bad-json", "The body is not a JSON object", 400 },
  [NARA_PROBLEM_VALIDATION] = { "urn:nara:problem:validation", "Some fields have bad values", 400 },
  [NARA_PROBLEM_UNKNOWN_FIELD]
  = { "urn:nara:problem:unknown-field", "The body has fields this API does not know", 400 },
  [NARA_PROBLEM_BAD_QUERY]
  = { "urn:nara:problem:bad-query", "A query parameter is unknown or bad", 400 },
  [NARA_PROBLEM_UNAUTHORIZED]
  = { "urn:nara:problem:unauthorized", "Authentication is required", 401 },
  [NARA_PROBLEM_NOT_FOUND] = { "urn:nara:problem:not-found", "No such resource", 404 },
  [NARA_PROBLEM_METHOD_NOT_ALLOWED]
  = { "urn:nara:problem:method-not-allowed", "The resource does not allow this method", 405 },
  [NARA_PROBLEM_CONFLICT]
  = { "urn:nara:problem:conflict", "Not possible in the resource's current state", 409 },
  [NARA_PROBLEM_LENGTH_REQUIRED]
  = { "urn:nara:problem:length-required", "A body needs a Content-Length", 411 },
  [NARA_PROBLEM_TOO_LARGE] = { "urn:nara:problem:too-large", "The body is too large", 413 },
  [NARA_PROBLEM_UNSUPPORTED_MEDIA_TYPE]
  = { "urn:nara:problem:unsupported-media-type", "The body must be application/json", 415 },
  [NARA_PROBLEM_INTERNAL]
  = { "urn:nara:problem:internal", "The server could not complete the request", 500 },
  [NARA_PROBLEM_FORBIDDEN]
  = { "urn:nara:problem:forbidden", "The credentials do not allow this request", 403 },
};

guint nara_problem_status(NaraProblemKind kind)
{
  g_return_val_if_fail(kind < NARA_PROBLEM_COUNT, 500);
  return kinds[kind].status;
}

const char *nara_problem_type(NaraProblemKind kind)
{
  g_return_val_if_fail(kind < NARA_PROBLEM_COUNT, "urn:nara:problem:internal");
  return kinds[kind].type;
}

json_t *nara_problem_new(NaraProblemKind kind, const char *detail, json_t *errors)
{
  json_t *body;

  g_return_val_if_fail(kind < NARA_PROBLEM_COUNT, NULL);
  body = json_object();
  json_object_set_new(body, "type", json_string(kinds[kind].type));
  json_object_set_new(body, "title", json_string(kinds[kind].title));
  json_object_set_new(body, "status", json_integer(kinds[kind].status));
  json_object_set_new(body, "detail", json_string(detail ? detail : kinds[kind].title));
  if (errors)
    json_object_set_new(body, "errors", errors);
  return body;
}
