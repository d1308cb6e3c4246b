/* test_rest_helpers.c — the REST API's pure helpers (api/problem.c,
 * rest_fields.c, consultation_json.c, links.c, services.c).
 *
 * Problem documents and their stable type URIs, the field-table check
 * (unknown fields, paths, bounds, roles), create and patch bodies, link
 * expiry and the token secret file. Starts no server.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "consultation_json.h"
#include "links.h"
#include "problem.h"
#include "rest_fields.h"
#include "services.h"

static json_t *parse(const char *text)
{
  json_error_t err;
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
  if (!j)
    g_error("test JSON: %s", err.text);
  return j;
}

static void test_problem(void)
{
  for (int k = 0; k < NARA_PROBLEM_COUNT; k++) {
    json_t *p = nara_problem_new((NaraProblemKind)k, NULL, NULL);
    g_assert_true(g_str_has_prefix(nara_problem_type((NaraProblemKind)k), "urn:nara:problem:"));
    g_assert_cmpstr(json_string_value(json_object_get(p, "type")), ==,
                    nara_problem_type((NaraProblemKind)k));
    g_assert_cmpint(json_integer_value(json_object_get(p, "status")), ==,
                    nara_problem_status((NaraProblemKind)k));
    g_assert_nonnull(json_string_value(json_object_get(p, "title")));
    g_assert_nonnull(json_string_value(json_object_get(p, "detail")));
    g_assert_null(json_object_get(p, "errors"));
    json_decref(p);
  }
  g_assert_cmpstr(nara_problem_type(NARA_PROBLEM_BAD_JSON), ==, "urn:nara:problem:bad-json");
  g_assert_cmpuint(nara_problem_status(NARA_PROBLEM_TOO_LARGE), ==, 413);
  g_assert_cmpuint(nara_problem_status(NARA_PROBLEM_UNSUPPORTED_MEDIA_TYPE), ==, 415);
  g_assert_cmpuint(nara_problem_status(NARA_PROBLEM_METHOD_NOT_ALLOWED), ==, 405);
  g_assert_cmpuint(nara_problem_status(NARA_PROBLEM_UNAUTHORIZED), ==, 401);
  g_assert_cmpuint(nara_problem_status(NARA_PROBLEM_CONFLICT), ==, 409);
  {
    json_t *p = nara_problem_new(NARA_PROBLEM_VALIDATION, "why", parse("[{\"field\":\"x\"}]"));
    g_assert_cmpstr(json_string_value(json_object_get(p, "detail")), ==, "why");
    g_assert_cmpuint(json_array_size(json_object_get(p, "errors")), ==, 1);
    json_decref(p);
  }
}

static const NaraRestField person[] = {
  { "name", NARA_REST_FIELD_NAME, TRUE, 0, 0, NULL },
  { "role", NARA_REST_FIELD_ROLE, TRUE, 0, 0, NULL },
  { "acr", NARA_REST_FIELD_TOKEN, FALSE, 1, 8, NULL },
  { NULL, 0, FALSE, 0, 0, NULL },
};

static const NaraRestField table[] = {
  { "title", NARA_REST_FIELD_TEXT, TRUE, 2, 5, NULL },
  { "at", NARA_REST_FIELD_TIME, FALSE, 0, 0, NULL },
  { "roles", NARA_REST_FIELD_ROLES, FALSE, 0, 0, NULL },
  { "people", NARA_REST_FIELD_OBJECTS, FALSE, 1, 2, person },
  { NULL, 0, FALSE, 0, 0, NULL },
};

/* The "field" names of errors, comma-joined. */
static char *fields_of(json_t *list)
{
  GString *out = g_string_new(NULL);
  gsize i;
  json_t *e;

  json_array_foreach(list, i, e)
  {
    g_string_append_printf(out, "%s%s", out->len ? "," : "",
                           json_string_value(json_object_get(e, "field")));
  }
  return g_string_free(out, FALSE);
}

/* Checks text against table; returns "unknown|invalid" field lists. */
static char *check(const char *text)
{
  json_t *body = parse(text);
  g_auto(NaraRestErrors) errors = { 0 };
  g_autofree char *unknown = NULL, *invalid = NULL;
  gboolean ok;

  nara_rest_errors_init(&errors);
  ok = nara_rest_fields_check(body, table, "", 4, &errors);
  g_assert_cmpint(ok, ==, nara_rest_errors_empty(&errors));
  json_decref(body);
  unknown = fields_of(errors.unknown);
  invalid = fields_of(errors.invalid);
  return g_strdup_printf("%s|%s", unknown, invalid);
}

static void expect_check(const char *text, const char *expected)
{
  g_autofree char *got = check(text);
  g_assert_cmpstr(got, ==, expected);
}

static void test_fields(void)
{
  expect_check("{\"title\":\"abc\"}", "|");
  expect_check("{}", "|title");
  expect_check("{\"title\":\"abc\",\"x\":1,\"y\":null}", "x,y|");
  expect_check("{\"title\":\"  a  \"}", "|title");            /* trimmed: 1 < 2 */
  expect_check("{\"title\":\"abcdef\"}", "|title");           /* 6 > 5 */
  expect_check("{\"title\":\"\\u00e5\\u00e4\\u00f6\"}", "|"); /* characters, not bytes */
  expect_check("{\"title\":\"a\\u0007b\"}", "|title");        /* control */
  expect_check("{\"title\":\"a\\u202eb\"}", "|title");        /* bidi override */
  expect_check("{\"title\":7}", "|title");
  expect_check("{\"title\":\"abc\",\"at\":\"2026-11-23T19:30:00Z\"}", "|");
  expect_check("{\"title\":\"abc\",\"at\":\"tomorrow\"}", "|at");
  expect_check("{\"title\":\"abc\",\"roles\":[\"staff\",\"patient\"]}", "|");
  expect_check("{\"title\":\"abc\",\"roles\":[\"staff\",\"king\",\"staff\",3]}",
               "|roles[1],roles[2],roles[3]");
  expect_check("{\"title\":\"abc\",\"roles\":\"staff\"}", "|roles");
  expect_check("{\"title\":\"abc\",\"people\":[]}", "|people");
  expect_check("{\"title\":\"abc\",\"people\":[{},{},{}]}", "|people");
  expect_check("{\"title\":\"abc\",\"people\":[{\"name\":\"Ann\",\"role\":\"host\"},"
               "{\"name\":\"Bertil\",\"role\":\"nurse\",\"acr\":\"a b\",\"z\":0}]}",
               "people[1].z|people[1].name,people[1].role,people[1].acr");
  expect_check("{\"title\":\"abc\",\"people\":[5]}", "|people[0]");
}

static void test_errors_problem(void)
{
  g_auto(NaraRestErrors) errors = { 0 };
  json_t *p;

  nara_rest_errors_init(&errors);
  g_assert_null(nara_rest_errors_problem(&errors));
  nara_rest_errors_add(&errors, FALSE, "title", "is too long");
  p = nara_rest_errors_problem(&errors);
  g_assert_cmpstr(json_string_value(json_object_get(p, "type")), ==, "urn:nara:problem:validation");
  g_assert_cmpuint(json_array_size(json_object_get(p, "errors")), ==, 1);
  json_decref(p);
  /* Unknown fields win: fix the names first, then the values. */
  nara_rest_errors_add(&errors, TRUE, "startAt", "is not a field of this request");
  p = nara_rest_errors_problem(&errors);
  g_assert_cmpstr(json_string_value(json_object_get(p, "type")), ==,
                  "urn:nara:problem:unknown-field");
  g_assert_cmpstr(
      json_string_value(json_object_get(json_array_get(json_object_get(p, "errors"), 0), "field")),
      ==, "startAt");
  json_decref(p);
}

#define NOW 1795462200 /* 2026-11-23T19:30:00Z */

static NaraStoreConsultation *create(const char *text, char **invalid)
{
  json_t *body = parse(text);
  g_auto(NaraRestErrors) errors = { 0 };
  NaraStoreConsultation *c;

  nara_rest_errors_init(&errors);
  c = nara_consultation_json_parse(body, 8, NOW, &errors);
  json_decref(body);
  g_assert_true((c != NULL) == nara_rest_errors_empty(&errors));
  if (invalid)
    *invalid = fields_of(json_array_size(errors.unknown) ? errors.unknown : errors.invalid);
  return c;
}

static void test_consultation_create(void)
{
  g_autoptr(NaraStoreConsultation) c = NULL;
  g_autofree char *why = NULL;
  const NaraStoreParticipant *p;

  c = create("{\"title\":\" Follow-up \",\"startsAt\":\"2026-11-23T20:00:00+01:00\","
             "\"endsAt\":\"2026-11-23T20:00:00Z\",\"autoAdmit\":[\"interpreter\"],"
             "\"participants\":[{\"name\":\"Dr Berg\",\"role\":\"host\"},"
             "{\"name\":\"Astrid\",\"role\":\"patient\",\"assurance\":\"bankid-se\"}]}",
             NULL);
  g_assert_nonnull(c);
  g_assert_cmpstr(c->title, ==, "Follow-up");
  g_assert_cmpint(c->starts_at, ==, NOW - 1800);
  g_assert_cmpint(c->ends_at, ==, NOW + 1800);
  g_assert_cmpint(c->status, ==, NARA_CONSULTATION_SCHEDULED);
  g_assert_cmpuint(c->auto_admit, ==, (1u << NARA_ROLE_HOST) | (1u << NARA_ROLE_INTERPRETER));
  g_assert_cmpuint(c->participants->len, ==, 2);
  p = c->participants->pdata[0];
  g_assert_cmpstr(p->assurance, ==, "none");
  g_assert_cmpint(p->role, ==, NARA_ROLE_HOST);
  p = c->participants->pdata[1];
  g_assert_cmpstr(p->assurance, ==, "bankid-se");
  g_clear_pointer(&c, nara_store_consultation_free);

  /* End before start; a window in the past; names over the configured 8. */
  c = create("{\"title\":\"x\",\"startsAt\":\"2026-11-23T20:00:00Z\","
             "\"endsAt\":\"2026-11-23T19:59:59Z\",\"participants\":[{\"name\":\"A\",\"role\":"
             "\"host\"}]}",
             &why);
  g_assert_null(c);
  g_assert_cmpstr(why, ==, "endsAt");
  g_clear_pointer(&why, g_free);
  c = create("{\"title\":\"x\",\"startsAt\":\"2026-11-23T18:00:00Z\","
             "\"endsAt\":\"2026-11-23T19:00:00Z\",\"participants\":[{\"name\":\"A\",\"role\":"
             "\"host\"}]}",
             &why);
  g_assert_null(c);
  g_assert_cmpstr(why, ==, "endsAt");
  g_clear_pointer(&why, g_free);
  c = create("{\"title\":\"x\",\"startsAt\":\"2026-11-23T20:00:00Z\",\"endsAt\":"
             "\"2026-11-23T21:00:00Z\",\"participants\":[{\"name\":\"Much too long\",\"role\":"
             "\"host\"}],\"locked\":true}",
             &why);
  g_assert_null(c);
  g_assert_cmpstr(why, ==, "locked");
  g_clear_pointer(&why, g_free);
  c = create("{\"startsAt\":\"2026-11-23T20:00:00Z\",\"endsAt\":\"2026-11-23T21:00:00Z\","
             "\"participants\":[{\"name\":\"Much too long\",\"role\":\"host\"}]}",
             &why);
  g_assert_null(c);
  g_assert_cmpstr(why, ==, "title,participants[0].name");
}

static void test_consultation_patch(void)
{
  g_autoptr(NaraStoreConsultation) c = g_new0(NaraStoreConsultation, 1);
  g_autoptr(GString) changed = g_string_new(NULL);
  g_auto(NaraRestErrors) errors = { 0 };
  json_t *body;

  c->title = g_strdup("Old");
  c->starts_at = NOW + 3600;
  c->ends_at = NOW + 7200;
  c->auto_admit = 1u << NARA_ROLE_HOST;
  nara_rest_errors_init(&errors);

  body = parse("{\"title\":\"Old\",\"autoAdmit\":[]}");
  g_assert_true(nara_consultation_json_patch(body, c, NOW, changed, &errors));
  g_assert_cmpstr(changed->str, ==, ""); /* host is always in: nothing changed */
  json_decref(body);

  body = parse("{\"title\":\"New\",\"endsAt\":\"2026-11-23T22:30:00Z\"}");
  g_assert_true(nara_consultation_json_patch(body, c, NOW, changed, &errors));
  g_assert_cmpstr(changed->str, ==, "title,endsAt");
  g_assert_cmpstr(c->title, ==, "New");
  g_assert_cmpint(c->ends_at, ==, NOW + 3 * 3600);
  json_decref(body);

  /* A start after the stored end is refused, and nothing is applied. */
  g_string_truncate(changed, 0);
  body = parse("{\"title\":\"Newer\",\"startsAt\":\"2026-11-24T00:00:00Z\"}");
  g_assert_false(nara_consultation_json_patch(body, c, NOW, changed, &errors));
  g_assert_cmpstr(c->title, ==, "New");
  g_assert_cmpint(c->starts_at, ==, NOW + 3600);
  json_decref(body);

  body = parse("{\"status\":\"cancelled\"}");
  g_assert_false(nara_consultation_json_patch(body, c, NOW, changed, &errors));
  g_assert_cmpuint(json_array_size(errors.unknown), ==, 1);
  json_decref(body);
}

static void test_json_out(void)
{
  g_autoptr(NaraStoreConsultation) c = g_new0(NaraStoreConsultation, 1);
  NaraStoreParticipant *p = g_new0(NaraStoreParticipant, 1);
  json_t *o;
  g_autofree char *text = NULL;

  g_strlcpy(c->id, "c-1", sizeof c->id);
  c->title = g_strdup("T");
  c->starts_at = NOW;
  c->ends_at = NOW + 60;
  c->status = NARA_CONSULTATION_CANCELLED;
  c->participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  g_strlcpy(p->id, "p-1", sizeof p->id);
  p->name = g_strdup("Ann");
  p->role = NARA_ROLE_RELATIVE;
  g_ptr_array_add(c->participants, p);
  o = nara_consultation_json(c);
  text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  g_assert_cmpstr(
      text, ==,
      "{\"autoAdmit\":[\"host\"],\"createdAt\":\"1970-01-01T00:00:00Z\",\"endsAt\":"
      "\"2026-11-23T19:31:00Z\",\"id\":\"c-1\",\"locked\":false,\"participants\":[{"
      "\"assurance\":\"none\",\"id\":\"p-1\",\"languages\":null,\"name\":\"Ann\",\"removed\":"
      "false,\"role\":\"relative\",\"signing\":false}],\"startsAt\":\"2026-11-23T19:30:00Z\","
      "\"status\":\"cancelled\",\"title\":"
      "\"T\",\"updatedAt\":\"1970-01-01T00:00:00Z\"}");
  json_decref(o);
}

static void test_link_expiry(void)
{
  g_assert_cmpint(nara_link_expiry(0, NOW, NOW - 100), ==, NOW + NARA_LINK_GRACE_S);
  g_assert_cmpint(nara_link_expiry(24, NOW, NOW - 100), ==, NOW - 100 + 24 * 3600);
}

static void test_secret(void)
{
  g_autofree char *dir = g_dir_make_tmp("nara-secret-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, NARA_SECRET_FILE, NULL);
  g_autoptr(GBytes) first = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_true(nara_services_load_secret(path, &first, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(g_bytes_get_size(first), ==, NARA_SECRET_BYTES);
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_true(nara_services_load_secret(path, &again, NULL));
  g_assert_true(g_bytes_equal(first, again));

  /* Readable by others: anyone could mint links. Refused. */
  g_chmod(path, 0644);
  g_clear_pointer(&again, g_bytes_unref);
  g_assert_false(nara_services_load_secret(path, &again, &error));
  g_assert_nonnull(strstr(error->message, "600"));
  g_clear_error(&error);
  /* Too short to be an HS256 key. */
  g_unlink(path);
  g_assert_true(g_file_set_contents(path, "short", -1, NULL));
  g_chmod(path, 0600);
  g_assert_false(nara_services_load_secret(path, &again, &error));
  g_clear_error(&error);
  g_unlink(path);
  g_rmdir(dir);
}

/* Processes starting at once on a fresh state dir (a server and a CLI):
 * every one gets the same whole secret, none a half-written file. Threads
 * stand in for the processes; the file system calls are the same. */
#define RACERS 8

static gpointer load_in_thread(gpointer path)
{
  GBytes *secret = NULL;
  return nara_services_load_secret(path, &secret, NULL) ? secret : NULL;
}

static void test_secret_race(void)
{
  for (int round = 0; round < 20; round++) {
    g_autofree char *dir = g_dir_make_tmp("nara-secret-race-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, NARA_SECRET_FILE, NULL);
    GThread *threads[RACERS];
    GBytes *got[RACERS];

    for (int i = 0; i < RACERS; i++)
      threads[i] = g_thread_new("racer", load_in_thread, path);
    for (int i = 0; i < RACERS; i++)
      got[i] = g_thread_join(threads[i]);
    for (int i = 0; i < RACERS; i++) {
      g_assert_nonnull(got[i]);
      g_assert_cmpuint(g_bytes_get_size(got[i]), ==, NARA_SECRET_BYTES);
      g_assert_true(g_bytes_equal(got[0], got[i]));
    }
    for (int i = 0; i < RACERS; i++)
      g_bytes_unref(got[i]);
    g_unlink(path);
    g_assert_cmpint(g_rmdir(dir), ==, 0); /* no temporary file left behind */
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rest/problem", test_problem);
  g_test_add_func("/rest/fields", test_fields);
  g_test_add_func("/rest/errors-problem", test_errors_problem);
  g_test_add_func("/rest/consultation-create", test_consultation_create);
  g_test_add_func("/rest/consultation-patch", test_consultation_patch);
  g_test_add_func("/rest/json-out", test_json_out);
  g_test_add_func("/rest/link-expiry", test_link_expiry);
  g_test_add_func("/rest/secret", test_secret);
  g_test_add_func("/rest/secret-race", test_secret_race);
  return g_test_run();
}
