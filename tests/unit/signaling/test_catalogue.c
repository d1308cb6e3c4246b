/* test_catalogue.c — the message catalogue against itself, the protocol
 * document, the fuzzers' dictionary and the validator; the outgoing
 * constructors.
 *
 * Every type a client may send (catalogue.c) is documented in
 * docs/protocol.md (named in a "### " heading or as a "**type**" item) and
 * every client → server message the headings name is in the catalogue;
 * every type the server sends (outgoing.c) has a JSON example there and
 * every server → client message the headings name is one of them. The
 * headings are matched loosely so that rewording the prose does not break
 * the test, only a message missing on one side. Does not run a server.
 */
#include <string.h>

#include "catalogue.h"
#include "outgoing.h"

static const NaraSignalingConfig config = {
  .max_message_bytes = 262144,
  .max_name_chars = 64,
  .max_chat_chars = 2000,
  .max_rooms = 10,
  .max_participants = 4,
  .max_queued_messages = 16,
  .messages_per_second = 50,
  .open_rooms = TRUE,
};

static char *read_source(const char *path)
{
  g_autofree char *full = g_build_filename(NARA_SOURCE_DIR, path, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents(full, &text, NULL, &error);
  g_assert_no_error(error);
  return text;
}

static gboolean is_outgoing(const char *type)
{
  return g_strv_contains(nara_outgoing_types, type);
}

static void test_entries(void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

  for (const NaraMessage *m = nara_catalogue; m->type; m++) {
    g_assert_false(g_hash_table_contains(seen, m->type));
    g_hash_table_add(seen, (gpointer)m->type);
    g_assert_nonnull(m->handler);
    g_assert_nonnull(m->fields);
    /* The request id comes first: a later field's error can echo it. */
    g_assert_cmpstr(m->fields[0].name, ==, "id");
    g_assert_true(nara_catalogue_lookup(m->type) == m);
    g_assert_true(m->reply == NULL || is_outgoing(m->reply));
  }
  g_assert_cmpuint(g_hash_table_size(seen), >=, 17);
  g_assert_null(nara_catalogue_lookup("offer"));
  g_assert_null(nara_catalogue_lookup(""));
}

/* `word` occurs in line as a whole message name (not inside admit-all). */
static gboolean has_word(const char *line, const char *word)
{
  gsize n = strlen(word);

  for (const char *p = strstr(line, word); p; p = strstr(p + 1, word)) {
    gboolean before = p == line || !(g_ascii_isalnum(p[-1]) || p[-1] == '-');
    gboolean after = !(g_ascii_isalnum(p[n]) || p[n] == '-');
    if (before && after)
      return TRUE;
  }
  return FALSE;
}

/* The message names of a "### " heading with their direction:
 * "mute (client → server) and mute-changed (server → client)" gives
 * mute and mute-changed (backquoted or not); prose ("join with a token",
 * "Host requests") and headings without a direction give nothing. */
static void heading_names(const char *raw, GPtrArray *incoming, GPtrArray *outgoing)
{
  g_autoptr(GString) heading = g_string_new(raw);
  g_autoptr(GRegex) re = g_regex_new(
      "([A-Za-z][A-Za-z /-]*?)\\s*\\((client → server|server → client|both directions)\\)", 0, 0,
      NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_string_replace(heading, "`", "", 0);
  g_regex_match(re, heading->str, 0, &match);
  for (; g_match_info_matches(match); g_match_info_next(match, NULL)) {
    g_autofree char *names = g_match_info_fetch(match, 1);
    g_autofree char *dir = g_match_info_fetch(match, 2);
    g_auto(GStrv) parts = NULL;
    const char *list = g_str_has_prefix(names, "and ") ? names + 4 : names;

    parts = g_strsplit(list, " / ", -1);
    for (char **p = parts; *p; p++) {
      g_strstrip(*p);
      if (!g_regex_match_simple("^[a-z][a-z-]*$", *p, 0, 0))
        continue;
      if (!g_str_equal(dir, "server → client"))
        g_ptr_array_add(incoming, g_strdup(*p));
      if (!g_str_equal(dir, "client → server"))
        g_ptr_array_add(outgoing, g_strdup(*p));
    }
  }
}

static void test_documented(void)
{
  g_autofree char *doc = read_source("docs/protocol.md");
  g_auto(GStrv) lines = g_strsplit(doc, "\n", -1);
  g_autoptr(GPtrArray) headings = g_ptr_array_new();
  g_autoptr(GPtrArray) incoming = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) outgoing = g_ptr_array_new_with_free_func(g_free);

  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, "### ")) {
      g_ptr_array_add(headings, *l);
      heading_names(*l + 4, incoming, outgoing);
    }
  g_assert_cmpuint(headings->len, >, 0);

  /* Catalogue → document. */
  for (const NaraMessage *m = nara_catalogue; m->type; m++) {
    g_autofree char *item = g_strdup_printf("**%s**", m->type);
    gboolean found = FALSE;
    for (guint i = 0; i < headings->len && !found; i++)
      found = has_word(headings->pdata[i], m->type);
    for (char **l = lines; *l && !found; l++)
      found = g_str_has_prefix(*l, item);
    if (!found)
      g_test_message("%s: in the catalogue, not in a heading of docs/protocol.md", m->type);
    g_assert_true(found);
  }
  for (const char *const *t = nara_outgoing_types; *t; t++) {
    g_autofree char *pattern = g_strdup_printf("\"type\":\\s*\"%s\"", *t);
    gboolean found = g_regex_match_simple(pattern, doc, 0, 0);
    if (!found)
      g_test_message("%s: sent by the server, no example in docs/protocol.md", *t);
    g_assert_true(found);
  }

  /* Document → catalogue. */
  g_assert_cmpuint(incoming->len, >, 0);
  g_assert_cmpuint(outgoing->len, >, 0);
  for (guint i = 0; i < incoming->len; i++) {
    if (!nara_catalogue_lookup(incoming->pdata[i]))
      g_test_message("%s: documented as client -> server, not in the catalogue",
                     (char *)incoming->pdata[i]);
    g_assert_nonnull(nara_catalogue_lookup(incoming->pdata[i]));
  }
  for (guint i = 0; i < outgoing->len; i++) {
    if (!is_outgoing(outgoing->pdata[i]))
      g_test_message("%s: documented as server -> client, not in outgoing.c",
                     (char *)outgoing->pdata[i]);
    g_assert_true(is_outgoing(outgoing->pdata[i]));
  }
}

static void dict_has_fields(const char *dict, const NaraField *fields)
{
  for (const NaraField *f = fields; f->name; f++) {
    g_autofree char *key = g_strdup_printf("\"\\\"%s\\\":\"", f->name);
    if (!strstr(dict, key))
      g_test_message("signaling_json.dict lacks %s", key);
    g_assert_nonnull(strstr(dict, key));
    for (const char *const *v = f->one_of; v && *v; v++) {
      g_autofree char *value = g_strdup_printf("\"\\\"%s\\\"\"", *v);
      g_assert_nonnull(strstr(dict, value));
    }
    if (f->nested)
      dict_has_fields(dict, f->nested);
  }
}

/* The fuzzers' dictionary knows every type, field and allowed value. */
static void test_dictionary(void)
{
  g_autofree char *dict = read_source("tests/fuzz/signaling_json.dict");

  for (const NaraMessage *m = nara_catalogue; m->type; m++) {
    g_autofree char *type = g_strdup_printf("\"\\\"%s\\\"\"", m->type);
    if (!strstr(dict, type))
      g_test_message("signaling_json.dict lacks %s", type);
    g_assert_nonnull(strstr(dict, type));
    dict_has_fields(dict, m->fields);
  }
}

/* code: the expected error code, NULL: accepted. */
static void check_candidate(const char *text, const char *code)
{
  const NaraMessage *m = nara_catalogue_lookup("candidate");
  g_autoptr(GError) error = NULL;
  json_t *msg = json_loads(text, 0, NULL);
  const char *got = NULL;
  gboolean ok;

  g_assert_nonnull(msg);
  ok = nara_validate(msg, m->fields, &config, &got, &error);
  json_decref(msg);
  if (code) {
    g_assert_false(ok);
    g_assert_cmpstr(got, ==, code);
  } else {
    g_assert_no_error(error);
  }
}

/* The candidate's object is checked by the table, not by its handler. */
static void test_candidate_fields(void)
{
  check_candidate("{\"pc\": \"publish\", \"candidate\": null}", NULL);
  check_candidate("{\"pc\": \"publish\", \"candidate\": {\"candidate\": \"\"}}", NULL);
  check_candidate("{\"pc\": \"subscribe\", \"candidate\": {\"candidate\": \"candidate:1 1 udp 1 "
                  "192.0.2.7 5 typ host\", \"sdpMid\": null, \"sdpMLineIndex\": null, "
                  "\"usernameFragment\": \"abcd\"}}",
                  NULL);
  check_candidate("{\"pc\": \"publish\", \"candidate\": \"candidate:1 1 udp 1 192.0.2.7 5 typ "
                  "host\"}",
                  "bad-candidate");
  check_candidate("{\"pc\": \"publish\", \"candidate\": 5}", "bad-candidate");
  check_candidate("{\"pc\": \"publish\", \"candidate\": {}}", "bad-candidate");
  check_candidate("{\"pc\": \"publish\", \"candidate\": {\"candidate\": 5}}", "bad-candidate");
  check_candidate("{\"pc\": \"publish\", \"candidate\": {\"candidate\": \"\", \"sdpMid\": 0}}",
                  "bad-candidate");
  check_candidate(
      "{\"pc\": \"publish\", \"candidate\": {\"candidate\": \"\", \"sdpMLineIndex\": \"0\"}}",
      "bad-candidate");
  /* The message around the candidate is still bad-message. */
  check_candidate("{\"candidate\": null}", "bad-message");
  check_candidate("{\"pc\": \"sideways\", \"candidate\": null}", "bad-message");
  check_candidate("{\"pc\": \"publish\"}", "bad-message");
}

static void assert_type(json_t *msg, const char *type)
{
  g_assert_cmpstr(json_string_value(json_object_get(msg, "type")), ==, type);
  g_assert_true(is_outgoing(type));
  json_decref(msg);
}

static void test_outgoing(void)
{
  json_t *id = json_integer(7), *msg;

  msg = nara_out_ok(id);
  g_assert_true(json_equal(json_object_get(msg, "id"), id));
  assert_type(msg, "ok");
  msg = nara_out_ok(NULL);
  g_assert_null(json_object_get(msg, "id"));
  assert_type(msg, "ok");
  msg = nara_out_error(json_null(), "bad-message", "x");
  g_assert_null(json_object_get(msg, "id"));
  g_assert_cmpstr(json_string_value(json_object_get(msg, "code")), ==, "bad-message");
  assert_type(msg, "error");

  /* byHost: absent in open rooms, false for one's own mute in a
   * consultation, true for a host's. */
  msg = nara_out_mute_changed("p1", "audio", TRUE, NARA_MUTE_OPEN_ROOM);
  g_assert_null(json_object_get(msg, "byHost"));
  assert_type(msg, "mute-changed");
  msg = nara_out_mute_changed("p1", "audio", TRUE, NARA_MUTE_SELF);
  g_assert_true(json_is_false(json_object_get(msg, "byHost")));
  assert_type(msg, "mute-changed");
  msg = nara_out_mute_changed("p1", "video", FALSE, NARA_MUTE_HOST);
  g_assert_true(json_is_true(json_object_get(msg, "byHost")));
  g_assert_true(json_is_false(json_object_get(msg, "muted")));
  assert_type(msg, "mute-changed");

  msg = nara_out_candidate("publish", NULL, NULL, 0);
  g_assert_true(json_is_null(json_object_get(msg, "candidate")));
  assert_type(msg, "candidate");
  msg = nara_out_candidate("subscribe", "candidate:1 1 udp 1 192.0.2.7 5 typ host", NULL, 1);
  g_assert_true(json_is_null(json_object_get(json_object_get(msg, "candidate"), "sdpMid")));
  assert_type(msg, "candidate");
  msg = nara_out_publish_answer(-1, "v=0\r\n");
  g_assert_null(json_object_get(msg, "id"));
  assert_type(msg, "answer");
  msg = nara_out_subscribe_offer(3, "v=0\r\n");
  g_assert_cmpint(json_integer_value(json_object_get(msg, "revision")), ==, 3);
  assert_type(msg, "offer");

  assert_type(nara_out_welcome(id, 1, "nara/test"), "welcome");
  assert_type(nara_out_pong(id), "pong");
  assert_type(nara_out_joined(id, "demo", json_object(), json_array(), NULL), "joined");
  assert_type(nara_out_waiting(id, "c1", "t", "m1", "n", "patient", NULL), "waiting");
  assert_type(nara_out_media_failed("publish"), "error");
  assert_type(nara_out_participant_joined(json_object()), "participant-joined");
  assert_type(nara_out_participant_left("p1", "left"), "participant-left");
  assert_type(nara_out_track_added("p1", json_object()), "track-added");
  assert_type(nara_out_track_removed("p1", "p1-1"), "track-removed");
  assert_type(nara_out_muted_by_host("audio", TRUE), "muted-by-host");
  assert_type(nara_out_chat("p1", "A", "hi", "2026-11-23T19:30:00Z"), "chat");
  assert_type(nara_out_status("admitted"), "status");
  assert_type(nara_out_waiting_list(json_array()), "waiting-list");
  assert_type(nara_out_consultation_changed(TRUE, "t"), "consultation-changed");
  /* The agreed shape: url and reason, and the request's id. */
  msg = nara_out_redirect(id, "wss://192.0.2.7:8443/ws", "owner");
  g_assert_true(json_equal(json_object_get(msg, "id"), id));
  g_assert_cmpstr(json_string_value(json_object_get(msg, "url")), ==, "wss://192.0.2.7:8443/ws");
  g_assert_cmpstr(json_string_value(json_object_get(msg, "reason")), ==, "owner");
  g_assert_cmpuint(json_object_size(msg), ==, 4);
  assert_type(msg, "redirect");
  json_decref(id);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/catalogue/entries", test_entries);
  g_test_add_func("/catalogue/documented", test_documented);
  g_test_add_func("/catalogue/dictionary", test_dictionary);
  g_test_add_func("/catalogue/candidate-fields", test_candidate_fields);
  g_test_add_func("/catalogue/outgoing", test_outgoing);
  return g_test_run();
}
