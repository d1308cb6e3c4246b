/* fuzz_rest.c — libFuzzer target: REST API requests (docs/openapi.yaml)
 * through the real router, body checks and handlers (api/rest*.c,
 * rest_fields.c, consultation_json.c, links.c) against a fresh in-memory
 * store, without libwebsockets (nara_rest_answer_request).
 *
 * An input is lines, one request each:
 *   [flags]METHOD PATH[?QUERY][ BODY]
 * flags: '-' no credentials, '!' no Content-Type, '~' Content-Type
 * text/plain (else application/json). QUERY is split at '&' and
 * percent-decoded as libwebsockets does. In PATH and BODY, "$C" is the id of
 * the last consultation created and "$P" its first participant's id.
 * A line "A VALUE" is an Authorization header for nara_rest_authenticate.
 *
 * What must hold besides "no crash, no leak": every request gets one
 * answer and never a 500 (the store cannot fail here); every refusal is a
 * problem document (RFC 9457) whose type is one of problem.c's with that
 * type's status, listing its fields when it is about fields; 401 carries a
 * challenge, 405 the allowed methods, a new consultation its location; a
 * success is JSON (or NDJSON for the audit log) and writes at most one
 * audit record, a refusal none; each join link of a created consultation
 * or participant verifies as a token for that person. Single-threaded.
 */
#include "rest-private.h"

#include "consultation_json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_rest: %s:%d: %s\n", __FILE__, __LINE__, #cond);                        \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

/* More lines than that are not a new state, only a slower input. */
#define MAX_LINES 64
#define PUBLIC_URL "https://nara.example"

static NaraMedia *media;
static NaraTokenVerifier *verifier;
static char *api_key, *api_key_id;
static guint8 api_key_hash[32];
static gboolean verbose; /* NARA_FUZZ_VERBOSE set: print each answer */

typedef struct {
  NaraServices services;
  NaraSignaling *signaling;
  NaraRest *rest;
  char consultation[NARA_STORE_ID_LEN]; /* "$C" */
  char participant[NARA_STORE_ID_LEN];  /* "$P" */
} Run;

/* A warning or critical is a store failure or a programmer error. */
static void log_handler(const char *domain, GLogLevelFlags level, const char *message,
                        gpointer data)
{
  (void)data;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
    fprintf(stderr, "fuzz_rest: %s: %s\n", domain ? domain : "-", message);
    __builtin_trap();
  }
}

static void setup(void)
{
  static const guint8 secret[32] = "fuzz-rest-secret-0123456789abcd";
  NaraTokenConfig tc = {
    .issuer = "nara",
    .audience = "nara-join",
    .hs256_secret = secret,
    .hs256_secret_len = sizeof secret,
  };
  g_log_set_default_handler(log_handler, NULL);
  verbose = g_getenv("NARA_FUZZ_VERBOSE") != NULL;
  media = nara_media_new(NULL, NULL, NULL);
  verifier = nara_token_verifier_new(&tc, NULL);
  CHECK(verifier != NULL);
  nara_apikey_generate(&api_key, &api_key_id, api_key_hash);
}

static void run_init(Run *r)
{
  /* Signaling only hears of changes here: no session ever joins. */
  NaraSignalingConfig sc = { .max_rooms = 1, .max_participants = 1 };

  memset(r, 0, sizeof *r);
  r->services.store = nara_store_open_sqlite(":memory:", NULL);
  CHECK(r->services.store != NULL);
  {
    NaraStoreApiKey k = { .label = (char *)"fuzz", .scopes = (char *)"all" };
    g_strlcpy(k.id, api_key_id, sizeof k.id);
    CHECK(nara_store_apikey_add(r->services.store, &k, api_key_hash, NULL));
  }
  r->services.tokens = verifier;
  r->services.public_url = (char *)PUBLIC_URL;
  r->services.api_audience = (char *)"nara-api";
  /* What services.c makes of the same settings: an IdP token needs this
   * audience and a scope; no client is allowed, so every one is refused. */
  r->services.access = (NaraAccessPolicy){ .audience = "nara-api", .scope_claim = "scope" };
  r->services.max_name_chars = 64;
  r->signaling = nara_signaling_new(&sc, media);
  nara_signaling_set_consultations(r->signaling, r->services.store, verifier);
  r->rest = nara_rest_new(&r->services, r->signaling, TRUE);
  /* Refusal records would land a turn later and blur "a refusal writes
   * nothing else"; their bound is tested in test_rest_scopes.py. */
  g_clear_pointer(&r->rest->refusals, nara_audit_summary_free);
}

static void run_clear(Run *r)
{
  nara_rest_free(r->rest);
  nara_signaling_free(r->signaling);
  nara_store_close(r->services.store);
}

static guint64 audit_records(Run *r)
{
  guint64 n = 0;
  CHECK(nara_store_audit_verify(r->services.store, &n, NULL));
  return n;
}

static const char *header(NaraRestCall *call, const char *name)
{
  for (guint i = 0; call->headers && i + 1 < call->headers->len; i += 2)
    if (g_str_equal(call->headers->pdata[i], name))
      return call->headers->pdata[i + 1];
  return NULL;
}

/* RFC 9457 with problem.c's types: the status is the type's own. */
static void check_problem(NaraRestCall *call)
{
  json_t *doc, *errors, *item;
  const char *type;
  NaraProblemKind kind;
  gsize i;

  CHECK(g_strcmp0(call->content_type, NARA_PROBLEM_CONTENT_TYPE) == 0 && call->out);
  doc = json_loadb(call->out->str, call->out->len, 0, NULL);
  CHECK(json_is_object(doc));
  type = json_string_value(json_object_get(doc, "type"));
  CHECK(type != NULL);
  for (kind = 0; kind < NARA_PROBLEM_COUNT; kind++)
    if (g_str_equal(nara_problem_type(kind), type))
      break;
  if (kind == NARA_PROBLEM_COUNT || nara_problem_status(kind) != call->status) {
    fprintf(stderr, "fuzz_rest: %u with problem type %s\n", call->status, type);
    __builtin_trap();
  }
  CHECK(json_integer_value(json_object_get(doc, "status")) == call->status);
  CHECK(json_is_string(json_object_get(doc, "title")));
  CHECK(!json_object_get(doc, "detail") || json_is_string(json_object_get(doc, "detail")));
  errors = json_object_get(doc, "errors");
  if (kind == NARA_PROBLEM_VALIDATION || kind == NARA_PROBLEM_UNKNOWN_FIELD)
    CHECK(json_array_size(errors) > 0);
  CHECK(!errors || json_is_array(errors));
  json_array_foreach(errors, i, item)
  {
    CHECK(json_is_string(json_object_get(item, "field")));
    CHECK(json_is_string(json_object_get(item, "detail")));
  }
  if (call->status == 401)
    CHECK(header(call, "www-authenticate:") != NULL);
  if (call->status == 405)
    CHECK(header(call, "allow:") != NULL);
  json_decref(doc);
}

/* A join link is <public_url>/c/<consultation>#t=<token> for this person. */
static void check_link(json_t *person, const char *consultation)
{
  const char *link = json_string_value(json_object_get(person, "link"));
  g_autofree char *prefix = g_strconcat(PUBLIC_URL "/c/", consultation, "#t=", NULL);
  NaraTokenClaims claims = { 0 };

  if (!link)
    return;
  CHECK(g_str_has_prefix(link, prefix));
  CHECK(nara_token_verify(verifier, link + strlen(prefix), g_get_real_time() / G_USEC_PER_SEC,
                          &claims, NULL));
  CHECK(g_str_equal(claims.consultation, consultation));
  CHECK(g_strcmp0(claims.participant, json_string_value(json_object_get(person, "id"))) == 0);
  CHECK(g_strcmp0(claims.role, json_string_value(json_object_get(person, "role"))) == 0);
  /* Opaque links: the token names nobody; the name stays in the store. */
  CHECK(claims.name == NULL);
  nara_token_claims_clear(&claims);
}

static void check_success(Run *r, NaraRestCall *call, const char *method, const char *path)
{
  json_t *doc, *people, *person;
  gsize i;

  if (call->status == 204) {
    CHECK(!call->out || call->out->len == 0);
    return;
  }
  CHECK(call->out != NULL);
  if (g_strcmp0(call->content_type, "application/x-ndjson") == 0) {
    g_auto(GStrv) lines = g_strsplit(call->out->str, "\n", -1);
    for (guint k = 0; lines[k]; k++) {
      json_t *line;
      if (!lines[k][0])
        continue;
      line = json_loads(lines[k], 0, NULL);
      CHECK(json_is_object(line));
      json_decref(line);
    }
    return;
  }
  CHECK(g_strcmp0(call->content_type, "application/json") == 0);
  doc = json_loadb(call->out->str, call->out->len, 0, NULL);
  CHECK(json_is_object(doc));
  if (call->status == 201) {
    const char *id;
    if (g_str_equal(path, "/api/v1/consultations")) {
      /* A new consultation: every participant with a link. */
      id = json_string_value(json_object_get(doc, "id"));
      people = json_object_get(doc, "participants");
      CHECK(id != NULL && strlen(id) < sizeof r->consultation && json_array_size(people) > 0);
      g_autofree char *location = g_strconcat("/api/v1/consultations/", id, NULL);
      CHECK(g_strcmp0(header(call, "location:"), location) == 0);
      g_strlcpy(r->consultation, id, sizeof r->consultation);
      g_strlcpy(r->participant, json_string_value(json_object_get(json_array_get(people, 0), "id")),
                sizeof r->participant);
      json_array_foreach(people, i, person)
      {
        CHECK(json_is_string(json_object_get(person, "link")));
        check_link(person, id);
      }
    } else {
      /* A new participant of /api/v1/consultations/{id}/participants. */
      g_auto(GStrv) parts = g_strsplit(path, "/", -1);
      CHECK(g_strv_length(parts) == 6);
      check_link(doc, parts[4]);
    }
  }
  if (g_str_has_suffix(path, "/link")) {
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    CHECK(g_strv_length(parts) == 8);
    check_link(doc, parts[4]);
  }
  (void)method;
  json_decref(doc);
}

/* s with "$C" and "$P" replaced. (transfer full) */
static GString *expand(Run *r, const char *s, gsize len)
{
  GString *out = g_string_sized_new(len);

  for (gsize i = 0; i < len; i++) {
    if (s[i] == '$' && i + 1 < len && (s[i + 1] == 'C' || s[i + 1] == 'P')) {
      g_string_append(out, s[i + 1] == 'C' ? r->consultation : r->participant);
      i++;
    } else {
      g_string_append_c(out, s[i]);
    }
  }
  return out;
}

/* "a=1&b=%20" as libwebsockets hands it to rest.c: decoded name -> value;
 * what rest.c would call malformed (no name, twice) is left out. */
static GHashTable *parse_query(const char *query)
{
  GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) args = g_strsplit(query ? query : "", "&", 16);

  for (guint i = 0; query && args[i]; i++) {
    g_autofree char *arg = g_uri_unescape_string(args[i], NULL);
    const char *eq = arg ? strchr(arg, '=') : NULL;
    if (!eq || eq == arg)
      continue;
    char *name = g_strndup(arg, eq - arg);
    if (g_hash_table_contains(table, name)) {
      g_free(name);
      continue;
    }
    g_hash_table_insert(table, name, g_strdup(eq + 1));
  }
  return table;
}

static void key_found(NaraStoreResult *result, gpointer data)
{
  nara_rest_caller_from_key(data, result->apikey, g_get_real_time() / G_USEC_PER_SEC);
}

static void authenticate(Run *r, const char *value)
{
  NaraRestCaller caller = { 0 };
  gboolean ok;
  g_autofree char *right = g_strconcat("Bearer ", api_key, NULL);

  /* An API key is looked up on the store's thread: drain it here. */
  if (!nara_rest_authenticate(r->rest, value, &caller, key_found, &caller))
    nara_store_flush(r->services.store);
  ok = caller.key_id != NULL;
  CHECK(!ok || g_str_equal(caller.key_id, api_key_id));
  nara_rest_caller_clear(&caller);
  if (g_str_equal(value, right))
    CHECK(ok);
}

static void request(Run *r, const char *line, gsize len)
{
  const char *content_type = "application/json", *end = line + len, *sp;
  gboolean anonymous = FALSE;
  g_autofree char *method = NULL;
  g_autoptr(GString) target = NULL, body = NULL;
  g_autoptr(GHashTable) query = NULL;
  NaraRestCall call = { 0 };
  char *q;
  guint64 before, after;

  for (; line < end && strchr("-!~", *line); line++) {
    if (*line == '-')
      anonymous = TRUE;
    else
      content_type = *line == '!' ? NULL : "text/plain";
  }
  sp = memchr(line, ' ', (size_t)(end - line));
  if (!sp)
    return;
  method = g_strndup(line, (gsize)(sp - line));
  line = sp + 1;
  sp = memchr(line, ' ', (size_t)(end - line));
  target = expand(r, line, (gsize)((sp ? sp : end) - line));
  body = sp ? expand(r, sp + 1, (gsize)(end - sp - 1)) : g_string_new(NULL);
  /* A NUL ends the path as it would end lws' copy of the URI. */
  q = strchr(target->str, '?');
  query = parse_query(q ? q + 1 : NULL);
  if (q)
    *q = '\0';

  before = audit_records(r);
  nara_rest_answer_request(r->rest, method, target->str, content_type,
                           anonymous ? NULL : api_key_id, NARA_SCOPE_ALL, query, body->str,
                           body->len, &call);
  after = audit_records(r);
  if (verbose)
    fprintf(stderr, "%s %s -> %u %.*s\n", method, target->str, call.status,
            call.out ? (int)MIN(call.out->len, 300) : 0, call.out ? call.out->str : "");
  if (call.status >= 200 && call.status < 300) {
    CHECK(after <= before + 1);
    check_success(r, &call, method, target->str);
  } else {
    if (call.status == 500 || after != before)
      fprintf(stderr, "fuzz_rest: %s %s -> %u, %" G_GUINT64_FORMAT " audit records\n", method,
              target->str, call.status, after - before);
    CHECK(call.status >= 400 && call.status < 500);
    CHECK(after == before);
    check_problem(&call);
  }
  if (call.out)
    g_string_free(call.out, TRUE);
  g_clear_pointer(&call.headers, g_ptr_array_unref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data, *end = p + size;
  guint lines = 0;
  Run r;

  if (!verifier)
    setup();
  run_init(&r);
  while (p < end && lines++ < MAX_LINES) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    gsize len = (gsize)(stop - p);
    g_autofree char *line = g_malloc(len + 1);

    memcpy(line, p, len);
    line[len] = '\0';
    if (len > 2 && line[0] == 'A' && line[1] == ' ')
      authenticate(&r, line + 2); /* up to a NUL, as a header would be */
    else
      request(&r, line, len);
    p = nl ? nl + 1 : end;
  }
  while (g_main_context_iteration(NULL, FALSE))
    ;
  run_clear(&r);
  return 0;
}
