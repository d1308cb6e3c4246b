/* rest.c — REST requests on libwebsockets: routing, bodies, answers.
 *
 * Owns one request's life on a connection: headers are copied on arrival
 * (the key is checked and dropped at once), the body is collected up to
 * NARA_REST_MAX_BODY_BYTES, the route table picks a handler, and the answer
 * goes out in 16 KiB pieces from WRITEABLE. Checks: auth (401), route
 * (404), method (405), size (413), media type (415), JSON (400). Handlers
 * are in rest_*.c; nothing here knows what a consultation is.
 *
 * A handler's store calls complete later: the request holds the answer
 * back until the last of them is done (nara_rest_hold/release), then asks
 * for WRITEABLE. If the client goes first, the request outlives the
 * connection until then, so a change still gets its record, and is freed
 * without answering.
 * Threading: control thread (libwebsockets callbacks on the GLib loop).
 */
#include "rest-private.h"

#include <string.h>

#include <openssl/crypto.h>

#define MAX_PATH_LEN 512
#define MAX_QUERY_ARG 1024
#define MAX_QUERY_ARGS 16
#define MAX_AUTH_HEADER 8192
/* A too-large body up to this size is read and dropped, so the client
 * sees the 413 instead of a connection reset; larger ones close at once. */
#define MAX_DRAIN_BYTES (1024 * 1024)
#define CHUNK_BYTES 16384
#define MAX_PARAMS 2
#define MAX_PARAM_LEN 39 /* NARA_STORE_ID_LEN - 1 */

typedef enum {
  BODY_NONE,     /* any body is ignored */
  BODY_JSON,     /* a JSON object is required */
  BODY_OPTIONAL, /* empty, or a JSON object */
} BodyRule;

typedef struct {
  const char *pattern; /* "*" matches one id segment */
  const char *method;
  BodyRule body;
  guint scope; /* NaraScope the caller needs (docs/openapi.yaml says the same) */
  NaraRestHandler handler;
} Route;

#define READ NARA_SCOPE_CONSULTATIONS_READ
#define WRITE NARA_SCOPE_CONSULTATIONS_WRITE

static const Route routes[] = {
  { "/api/v1/consultations", "GET", BODY_NONE, READ, nara_rest_consultations_list },
  { "/api/v1/consultations", "POST", BODY_JSON, WRITE, nara_rest_consultations_create },
  { "/api/v1/consultations/*", "GET", BODY_NONE, READ, nara_rest_consultation_get },
  { "/api/v1/consultations/*", "PATCH", BODY_JSON, WRITE, nara_rest_consultation_patch },
  /* ?erase=true needs consultations:erase too (rest_consultations.c). */
  { "/api/v1/consultations/*", "DELETE", BODY_NONE, WRITE, nara_rest_consultation_cancel },
  { "/api/v1/consultations/*/participants", "POST", BODY_JSON, WRITE, nara_rest_participant_add },
  { "/api/v1/consultations/*/participants/*", "DELETE", BODY_NONE, WRITE,
    nara_rest_participant_delete },
  { "/api/v1/consultations/*/participants/*/link", "POST", BODY_OPTIONAL, WRITE,
    nara_rest_participant_link },
  { "/api/v1/audit", "GET", BODY_NONE, NARA_SCOPE_AUDIT_READ, nara_rest_audit_export },
};

struct _NaraRestRequest {
  char method[8];
  char path[MAX_PATH_LEN + 1];
  char params[MAX_PARAMS][MAX_PARAM_LEN + 1];
  char *content_type;
  NaraRestCaller caller; /* key_id NULL: not authenticated */
  char address[64];      /* the client's, for refusal records */
  gboolean auth_given;
  GHashTable *query; /* name -> value, decoded */
  gboolean query_bad;
  GByteArray *body;
  gboolean too_large, length_missing, close_after;
  NaraRestCall call; /* the answer being written */
  gsize sent;
  guint8 *scratch;       /* LWS_PRE + CHUNK_BYTES */
  struct lws *wsi;       /* NULL once the connection closed (or never had one) */
  gboolean sync;         /* nara_rest_answer_request(): no connection, flushes the store */
  gboolean auth_pending; /* an API key lookup is on the store's thread */
  gboolean answer_due;   /* the request is complete: route it once auth is known */
  gboolean routed;       /* the handler ran */
  guint holds;           /* the handler's store calls in flight */
  gboolean deferred;     /* the answer goes out from WRITEABLE */
  gboolean headers_sent;
  char *actor; /* "api:<key id>" */
};

static NaraRestRequest *request_of(NaraRestCall *call)
{
  return (NaraRestRequest *)((char *)call - G_STRUCT_OFFSET(NaraRestRequest, call));
}

static void request_free(NaraRestRequest *req)
{
  g_free(req->content_type);
  nara_rest_caller_clear(&req->caller);
  g_free(req->actor);
  g_clear_pointer(&req->query, g_hash_table_unref);
  g_clear_pointer(&req->body, g_byte_array_unref);
  g_clear_pointer(&req->call.body, json_decref);
  if (req->call.out)
    g_string_free(req->call.out, TRUE);
  g_clear_pointer(&req->call.headers, g_ptr_array_unref);
  g_free(req->scratch);
  g_free(req);
}

NaraRest *nara_rest_new(NaraServices *services, NaraSignaling *signaling, gboolean tls)
{
  NaraRest *rest = g_new0(NaraRest, 1);
  rest->services = services;
  rest->signaling = signaling;
  rest->tls = tls;
  if (services && services->store)
    rest->refusals = nara_audit_summary_new(services->store);
  return rest;
}

gboolean nara_rest_store_ready(NaraRest *rest)
{
  return nara_store_ready(rest->services->store);
}

void nara_rest_free(NaraRest *rest)
{
  if (!rest)
    return;
  g_clear_pointer(&rest->refusals, nara_audit_summary_free);
  g_free(rest);
}

void nara_rest_on_close(NaraRestRequest **slot)
{
  NaraRestRequest *req = *slot;

  if (!req)
    return;
  *slot = NULL;
  req->wsi = NULL;
  /* Store calls in flight: the last callback frees it (proceed()). */
  if (req->auth_pending || req->holds)
    return;
  request_free(req);
}

static char *copy_header(struct lws *wsi, enum lws_token_indexes token, int max)
{
  int len = lws_hdr_total_length(wsi, token);
  char *value;

  if (len <= 0 || len > max)
    return NULL;
  value = g_malloc(len + 1);
  if (lws_hdr_copy(wsi, value, len + 1, token) < 0) {
    g_free(value);
    return NULL;
  }
  return value;
}

static void proceed(NaraRestRequest *req);

static void key_found(NaraStoreResult *result, gpointer data)
{
  NaraRestRequest *req = data;

  nara_rest_caller_from_key(&req->caller, result->apikey, g_get_real_time() / G_USEC_PER_SEC);
  req->auth_pending = FALSE;
  proceed(req);
}

static void authenticate(NaraRest *rest, struct lws *wsi, NaraRestRequest *req)
{
  char *auth = copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, MAX_AUTH_HEADER);

  req->auth_given = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0;
  lws_get_peer_simple(wsi, req->address, sizeof req->address);
  if (auth) {
    req->auth_pending = !nara_rest_authenticate(rest, auth, &req->caller, key_found, req);
    /* The key is a credential: no copy of it outlives this function. */
    OPENSSL_cleanse(auth, strlen(auth));
    g_free(auth);
  }
}

/* ?status=ended&limit=5: lws splits at '&' and decodes each fragment. */
static void read_query(struct lws *wsi, NaraRestRequest *req)
{
  char arg[MAX_QUERY_ARG + 1];

  req->query = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 0; i < MAX_QUERY_ARGS; i++) {
    int n, len = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
    const char *eq;
    char *name;

    if (len >= (int)sizeof arg) {
      req->query_bad = TRUE;
      continue;
    }
    n = lws_hdr_copy_fragment(wsi, arg, sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n < 0)
      break; /* no more */
    if (n == 0)
      continue;
    eq = strchr(arg, '=');
    name = eq && eq != arg ? g_strndup(arg, eq - arg) : NULL;
    if (!name || g_hash_table_contains(req->query, name)) {
      req->query_bad = TRUE; /* "?a", "?=1", "?a=1&a=2" */
      g_free(name);
      continue;
    }
    g_hash_table_insert(req->query, name, g_strdup(eq + 1));
  }
}

/* "a-Z09_-", 1..39: what store ids are made of; anything else is no id. */
static gboolean id_segment(const char *s, gsize n)
{
  if (n == 0 || n > MAX_PARAM_LEN)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
      return FALSE;
  return TRUE;
}

static gboolean match(const char *pattern, const char *path,
                      char params[MAX_PARAMS][MAX_PARAM_LEN + 1])
{
  guint n_params = 0;

  while (*pattern && *path) {
    if (*pattern == '*') {
      gsize n = strcspn(path, "/");
      if (!id_segment(path, n) || n_params == MAX_PARAMS)
        return FALSE;
      memcpy(params[n_params], path, n);
      params[n_params++][n] = '\0';
      pattern++;
      path += n;
    } else if (*pattern++ != *path++) {
      return FALSE;
    }
  }
  return *pattern == '\0' && *path == '\0';
}

/* The route for method and path; NULL with *allow set (transfer full) to
 * the methods the path takes, or NULL when no route has the path. */
static const Route *find_route(NaraRestRequest *req, char **allow)
{
  char params[MAX_PARAMS][MAX_PARAM_LEN + 1];
  GString *methods = NULL;
  const Route *found = NULL;

  for (guint i = 0; i < G_N_ELEMENTS(routes) && !found; i++) {
    if (!match(routes[i].pattern, req->path, params))
      continue;
    if (g_str_equal(routes[i].method, req->method)) {
      found = &routes[i];
      memcpy(req->params, params, sizeof params);
    } else {
      if (!methods)
        methods = g_string_new(NULL);
      g_string_append_printf(methods, "%s%s", methods->len ? ", " : "", routes[i].method);
    }
  }
  *allow = found || !methods ? NULL : g_string_free(methods, FALSE);
  if (found && methods)
    g_string_free(methods, TRUE);
  return found;
}

static gboolean json_media_type(const char *content_type)
{
  g_autofree char *type = NULL;

  if (!content_type)
    return FALSE;
  type = g_strstrip(g_strndup(content_type, strcspn(content_type, ";")));
  /* RFC 9110 §8.3.1: the type and subtype are case-insensitive. */
  return g_ascii_strcasecmp(type, "application/json") == 0
         || g_ascii_strcasecmp(type, "application/merge-patch+json") == 0;
}

/* Puts the body into call->body per the route's rule; FALSE when it has replied. */
static gboolean take_body(NaraRestRequest *req, const Route *route)
{
  NaraRestCall *call = &req->call;
  gsize len = req->body ? req->body->len : 0;
  json_error_t err;
  json_t *body;

  if (route->body == BODY_NONE || (route->body == BODY_OPTIONAL && len == 0))
    return TRUE;
  if (!json_media_type(req->content_type)) {
    nara_rest_reply_problem(call, NARA_PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                            "send the body with Content-Type: application/json");
    return FALSE;
  }
  if (len == 0) {
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_JSON, "this request needs a JSON object body");
    return FALSE;
  }
  /* Duplicate names are refused: which of two "endsAt" counts is a guess. */
  body = json_loadb((const char *)req->body->data, len, JSON_REJECT_DUPLICATES, &err);
  if (!body || !json_is_object(body)) {
    g_autofree char *detail
        = body ? g_strdup("the body must be a JSON object")
               : g_strdup_printf("line %d, column %d: %s", err.line, err.column, err.text);
    json_decref(body);
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_JSON, detail);
    return FALSE;
  }
  call->body = body;
  return TRUE;
}

/* One "api-refused" record per source (key or address) and minute,
 * however many requests a client retries (audit_summary.c). */
static void audit_refusal(NaraRest *rest, NaraRestRequest *req, const char *outcome)
{
  g_autofree char *detail = g_strdup_printf("%s %s", req->method, req->path);
  const char *actor = req->caller.key_id ? NULL : req->caller.who;
  g_autofree char *key_actor
      = req->caller.key_id ? g_strconcat("api:", req->caller.key_id, NULL) : NULL;
  NaraAuditRecord record = {
    .event = "api-refused",
    .actor = key_actor ? key_actor : actor,
    .outcome = outcome,
    .detail = detail,
  };

  if (!rest->refusals)
    return;
  nara_audit_summary_note(rest->refusals, &record,
                          record.actor ? record.actor : (req->address[0] ? req->address : NULL),
                          g_get_real_time(), NULL, NULL);
}

static void route(NaraRest *rest, NaraRestRequest *req)
{
  NaraRestCall *call = &req->call;
  g_autofree char *allow = NULL;
  const Route *r;

  req->routed = TRUE;
  call->rest = rest;
  if (!req->caller.key_id) {
    audit_refusal(rest, req,
                  req->auth_given && req->caller.refusal ? req->caller.refusal : "no-credentials");
    /* RFC 6750 §3: a challenge, and invalid_token when one was sent. */
    nara_rest_add_header(call, "www-authenticate:",
                         req->auth_given ? "Bearer realm=\"nara\", error=\"invalid_token\""
                                         : "Bearer realm=\"nara\"");
    nara_rest_reply_problem(call, NARA_PROBLEM_UNAUTHORIZED,
                            req->auth_given ? "the bearer token is not a valid API key"
                                            : "send Authorization: Bearer <API key>");
    return;
  }
  r = find_route(req, &allow);
  if (!r && allow) {
    nara_rest_add_header(call, "allow:", allow);
    nara_rest_reply_problem(call, NARA_PROBLEM_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  if (!r) {
    nara_rest_reply_problem(call, NARA_PROBLEM_NOT_FOUND, "no such resource in API v1");
    return;
  }
  if (req->length_missing) {
    nara_rest_reply_problem(call, NARA_PROBLEM_LENGTH_REQUIRED,
                            "send the body with a valid Content-Length");
    return;
  }
  if (req->too_large) {
    g_autofree char *detail
        = g_strdup_printf("bodies are limited to %d bytes", NARA_REST_MAX_BODY_BYTES);
    nara_rest_reply_problem(call, NARA_PROBLEM_TOO_LARGE, detail);
    return;
  }
  if (req->query_bad) {
    nara_rest_reply_problem(call, NARA_PROBLEM_BAD_QUERY, "a query parameter is malformed");
    return;
  }
  if ((r->scope & req->caller.scopes) != r->scope) {
    g_autofree char *challenge
        = g_strdup_printf("Bearer realm=\"nara\", error=\"insufficient_scope\", scope=\"%s\"",
                          nara_scope_name(r->scope));
    g_autofree char *detail
        = g_strdup_printf("this request needs the scope %s", nara_scope_name(r->scope));
    /* RFC 6750 §3.1: 403 with insufficient_scope and the scope needed. */
    nara_rest_add_header(call, "www-authenticate:", challenge);
    audit_refusal(rest, req, "insufficient-scope");
    nara_rest_reply_problem(call, NARA_PROBLEM_FORBIDDEN, detail);
    return;
  }
  if (!take_body(req, r))
    return;
  call->scopes = req->caller.scopes;
  req->actor = g_strconcat("api:", req->caller.key_id, NULL);
  call->actor = req->actor;
  call->params[0] = req->params[0];
  call->params[1] = req->params[1];
  call->query = req->query;
  r->handler(call);
}

/* The handler and its store calls are done: the answer is final. */
static void route_done(NaraRestRequest *req)
{
  NaraRestCall *call = &req->call;

  g_clear_pointer(&call->body, json_decref);
  call->actor = NULL;
  if (!call->status) /* every handler replies; a path that forgot is a bug */
    nara_rest_reply_problem(call, NARA_PROBLEM_INTERNAL, NULL);
  g_info("api: %s %s -> %u%s%s", req->method, req->path, call->status,
         req->caller.key_id ? " by api:" : "", req->caller.key_id ? req->caller.key_id : "");
}

/* A store call the answer waited for is done: route, or answer, or (the
 * client has gone) free, once nothing is in flight any more. */
static void proceed(NaraRestRequest *req)
{
  if (req->auth_pending || req->holds)
    return;
  if (!req->wsi && !req->sync) {
    /* The whole request had arrived (its key was still being looked up):
     * carry it out and record it as if the client had waited, as for one
     * that leaves later; only the answer goes nowhere. */
    if (!req->routed && req->answer_due) {
      route(req->call.rest, req);
      if (req->holds)
        return;
    }
    g_info("api: %s %s: the client left before the answer%s", req->method, req->path,
           req->routed ? "" : " (not routed: it left before its body arrived)");
    request_free(req);
    return;
  }
  if (!req->answer_due)
    return; /* the body is still on its way: on_body_complete answers */
  if (!req->routed) {
    route(req->call.rest, req);
    if (req->holds)
      return;
  }
  route_done(req);
  if (req->sync)
    return;
  req->deferred = TRUE;
  lws_callback_on_writable(req->wsi);
}

gpointer nara_rest_hold(NaraRestCall *call)
{
  request_of(call)->holds++;
  return call;
}

void nara_rest_release(NaraRestCall *call)
{
  NaraRestRequest *req = request_of(call);

  g_return_if_fail(req->holds > 0);
  req->holds--;
  proceed(req);
}

void nara_rest_answer_request(NaraRest *rest, const char *method, const char *path,
                              const char *content_type, const char *key_id, guint scopes,
                              GHashTable *query, const void *body, gsize len, NaraRestCall *call)
{
  NaraRestRequest *req = g_new0(NaraRestRequest, 1);

  g_strlcpy(req->method, method, sizeof req->method);
  g_strlcpy(req->path, path, sizeof req->path);
  req->content_type = g_strdup(content_type);
  req->caller.key_id = g_strdup(key_id);
  req->caller.scopes = scopes;
  req->auth_given = key_id != NULL;
  req->query = g_hash_table_ref(query);
  req->too_large = len > NARA_REST_MAX_BODY_BYTES;
  req->body = g_byte_array_new();
  if (!req->too_large)
    g_byte_array_append(req->body, body, (guint)len);
  req->sync = req->answer_due = TRUE;
  route(rest, req);
  /* Deterministic for the fuzzer: the store's callbacks run here. */
  if (req->holds)
    nara_store_flush(rest->services->store);
  g_assert(req->holds == 0);
  route_done(req);
  /* The answer only: params and query die with req. */
  *call = (NaraRestCall){ .rest = rest,
                          .status = req->call.status,
                          .content_type = req->call.content_type,
                          .out = req->call.out,
                          .headers = req->call.headers };
  req->call.out = NULL;
  req->call.headers = NULL;
  nara_rest_on_close(&req);
}

static int finish(struct lws *wsi, NaraRestRequest **slot)
{
  gboolean close = (*slot)->close_after;

  nara_rest_on_close(slot);
  if (close)
    return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static gboolean add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                           unsigned char *end)
{
  return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
                                     (int)strlen(value), p, end)
         == 0;
}

/* Writes the status and headers of req->call; the body follows from
 * WRITEABLE, or at once when the connection closes after it (the body
 * is then one short problem document). */
static int send_answer(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot)
{
  NaraRestRequest *req = *slot;
  NaraRestCall *call = &req->call;
  unsigned char headers[LWS_PRE + 4096], *start = headers + LWS_PRE, *p = start,
                                         *end = headers + sizeof headers - 1;
  gsize len = call->out ? call->out->len : 0;
  gboolean ok;

  ok = lws_add_http_common_headers(wsi, call->status, len ? call->content_type : NULL,
                                   (lws_filepos_t)len, &p, end)
       == 0;
  ok = ok && add_header(wsi, "cache-control:", "no-store", &p, end)
       && add_header(wsi, "x-content-type-options:", "nosniff", &p, end)
       && add_header(wsi, "referrer-policy:", "no-referrer", &p, end);
  if (rest->tls)
    ok = ok && add_header(wsi, "strict-transport-security:", "max-age=63072000", &p, end);
  if (req->close_after)
    ok = ok && add_header(wsi, "connection:", "close", &p, end);
  for (guint i = 0; call->headers && i + 1 < call->headers->len; i += 2)
    ok = ok && add_header(wsi, call->headers->pdata[i], call->headers->pdata[i + 1], &p, end);
  if (!ok || lws_finalize_write_http_header(wsi, start, &p, end))
    return -1;
  if (len == 0)
    return finish(wsi, slot);
  req->scratch = g_malloc(LWS_PRE + CHUNK_BYTES);
  if (req->close_after && len <= CHUNK_BYTES) {
    memcpy(req->scratch + LWS_PRE, call->out->str, len);
    lws_write(wsi, req->scratch + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    return finish(wsi, slot);
  }
  lws_callback_on_writable(wsi);
  return 0;
}

int nara_rest_on_writeable(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot)
{
  NaraRestRequest *req = *slot;
  GString *out;
  gsize n;
  gboolean last;

  (void)rest;
  if (!req)
    return 0;
  if (req->deferred && !req->headers_sent) {
    req->headers_sent = TRUE;
    return send_answer(rest, wsi, slot);
  }
  if (!req->scratch || !req->call.out)
    return 0;
  out = req->call.out;
  n = MIN(out->len - req->sent, CHUNK_BYTES);
  last = req->sent + n == out->len;
  memcpy(req->scratch + LWS_PRE, out->str + req->sent, n);
  if (lws_write(wsi, req->scratch + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP)
      != (int)n)
    return -1;
  req->sent += n;
  if (!last) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  return finish(wsi, slot);
}

static int answer(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot)
{
  NaraRestRequest *req = *slot;

  req->answer_due = TRUE;
  if (req->auth_pending)
    return 0; /* key_found() goes on */
  route(rest, req);
  if (req->holds)
    return 0; /* the last nara_rest_release() goes on */
  route_done(req);
  req->headers_sent = TRUE;
  return send_answer(rest, wsi, slot);
}

/* Answers without reading the body, then closes: the client sent more
 * than we will read, or did not say how much. Auth, route and method
 * still come first, so a PUT is a 405 whatever its length. */
static int refuse_body(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot,
                       gboolean length_missing)
{
  NaraRestRequest *req = *slot;

  req->close_after = TRUE;
  req->length_missing = length_missing;
  req->too_large = !length_missing;
  return answer(rest, wsi, slot);
}

int nara_rest_on_http(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot, const char *method,
                      const char *path)
{
  g_autofree char *length = NULL;
  gboolean has_length, bodied = g_str_equal(method, "POST") || g_str_equal(method, "PATCH")
                                || g_str_equal(method, "PUT");
  guint64 n = 0;
  NaraRestRequest *req;

  nara_rest_on_close(slot); /* keep-alive: the previous request is done */
  req = *slot = g_new0(NaraRestRequest, 1);
  req->wsi = wsi;
  req->call.rest = rest;
  g_strlcpy(req->method, method, sizeof req->method);
  g_strlcpy(req->path, path, sizeof req->path);
  req->content_type = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, 256);
  req->body = g_byte_array_new();
  authenticate(rest, wsi, req);
  read_query(wsi, req);

  length = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, 20);
  has_length = length != NULL;
  if (has_length && !g_ascii_string_to_unsigned(length, 10, 0, G_MAXUINT64, &n, NULL))
    return refuse_body(rest, wsi, slot, TRUE);
  if (n > MAX_DRAIN_BYTES)
    return refuse_body(rest, wsi, slot, FALSE);
  if (n > 0) {
    /* libwebsockets delivers it in HTTP_BODY, then HTTP_BODY_COMPLETION. */
    req->too_large = n > NARA_REST_MAX_BODY_BYTES;
    return 0;
  }
  if (!has_length && bodied)
    return refuse_body(rest, wsi, slot, TRUE);
  /* An explicit "Content-Length: 0" POST still gets HTTP_BODY_COMPLETION. */
  if (has_length && g_str_equal(method, "POST"))
    return 0;
  return answer(rest, wsi, slot);
}

int nara_rest_on_body(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot, const void *data,
                      size_t len)
{
  NaraRestRequest *req = *slot;

  (void)rest;
  (void)wsi;
  if (!req)
    return 0;
  if (req->body->len + len > NARA_REST_MAX_BODY_BYTES)
    req->too_large = TRUE;
  if (!req->too_large && len)
    g_byte_array_append(req->body, data, (guint)len);
  return 0;
}

int nara_rest_on_body_complete(NaraRest *rest, struct lws *wsi, NaraRestRequest **slot)
{
  if (!*slot)
    return -1;
  return answer(rest, wsi, slot);
}
