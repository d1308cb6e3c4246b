/* consultation_helper.c — test-only: consultations and audit records in a store file.
 *
 * The integration tests (test_consultation_*.py) use it to book a
 * consultation directly in the SQLite store a running nara uses, to change
 * it behind the server's back (cancel, delete a participant) and to read
 * the audit log, all through store.h. It mints no tokens (the tests sign
 * their own, good and bad) and is not installed.
 *
 * Threading: one thread; a short-lived command.
 */

/* Usage:
 *   create DB TITLE AUTO_ADMIT LOCKED ROLE:NAME[:ASSURANCE]...   -> JSON
 *       AUTO_ADMIT: roles joined by ',' or '-'; LOCKED: 0 or 1
 *   status DB CONSULTATION scheduled|ended|cancelled
 *   delete DB CONSULTATION PARTICIPANT
 *   audit DB [CONSULTATION]                                       -> JSON lines
 *   verify DB                                                     -> record count
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "store.h"

static int fail(const char *what, const GError *error)
{
  fprintf(stderr, "consultation-helper: %s: %s\n", what, error ? error->message : "bad usage");
  return error ? 1 : 2;
}

static gboolean parse_roles(const char *list, guint *mask)
{
  g_auto(GStrv) names = g_strsplit(list, ",", -1);

  *mask = 0;
  if (g_str_equal(list, "-"))
    return TRUE;
  for (guint i = 0; names[i]; i++) {
    NaraRole role;
    if (!nara_role_from_string(names[i], &role))
      return FALSE;
    *mask |= 1u << role;
  }
  return TRUE;
}

static int create(NaraStore *store, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  NaraStoreConsultation c = { 0 };
  json_t *out, *list;

  if (argc < 4 || !parse_roles(argv[1], &c.auto_admit))
    return fail("create", NULL);
  c.title = argv[0];
  c.locked = g_str_equal(argv[2], "1");
  c.starts_at = g_get_real_time() / G_USEC_PER_SEC;
  c.ends_at = c.starts_at + 3600;
  c.participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  for (int i = 3; i < argc; i++) {
    g_auto(GStrv) f = g_strsplit(argv[i], ":", 3);
    NaraStoreParticipant *p = g_new0(NaraStoreParticipant, 1);
    g_ptr_array_add(c.participants, p);
    if (!f[0] || !f[1] || !nara_role_from_string(f[0], &p->role))
      return fail("create: participant is ROLE:NAME[:ASSURANCE]", NULL);
    p->name = g_strdup(f[1]);
    p->assurance = g_strdup(f[2]);
  }
  if (!nara_store_consultation_create(store, &c, &error)) {
    g_ptr_array_unref(c.participants);
    return fail("create", error);
  }
  list = json_array();
  for (guint i = 0; i < c.participants->len; i++) {
    NaraStoreParticipant *p = c.participants->pdata[i];
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s?}", "id", p->id, "role",
                                          nara_role_to_string(p->role), "name", p->name,
                                          "assurance", p->assurance));
  }
  out = json_pack("{s:s, s:o}", "id", c.id, "participants", list);
  json_dumpf(out, stdout, JSON_COMPACT);
  putchar('\n');
  json_decref(out);
  g_ptr_array_unref(c.participants);
  return 0;
}

static int set_status(NaraStore *store, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NaraStoreConsultation) c = NULL;

  if (argc != 2)
    return fail("status", NULL);
  if (!(c = nara_store_consultation_get(store, argv[0], &error)))
    return fail("status", error);
  c->status = g_str_equal(argv[1], "cancelled") ? NARA_CONSULTATION_CANCELLED
              : g_str_equal(argv[1], "ended")   ? NARA_CONSULTATION_ENDED
                                                : NARA_CONSULTATION_SCHEDULED;
  return nara_store_consultation_update(store, c, &error) ? 0 : fail("status", error);
}

static void emit(const char *line, gpointer user_data)
{
  (void)user_data;
  puts(line);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  NaraStore *store;
  int rc = 0;

  if (argc < 3)
    return fail("usage: create|status|delete|audit|verify DB ...", NULL);
  if (!(store = nara_store_open_sqlite(argv[2], &error)))
    return fail("open", error);
  if (g_str_equal(argv[1], "create")) {
    rc = create(store, argc - 3, argv + 3);
  } else if (g_str_equal(argv[1], "status")) {
    rc = set_status(store, argc - 3, argv + 3);
  } else if (g_str_equal(argv[1], "delete") && argc == 5) {
    if (!nara_store_participant_delete(store, argv[3], argv[4], &error))
      rc = fail("delete", error);
  } else if (g_str_equal(argv[1], "audit")) {
    if (!nara_store_audit_export(store, 0, argc > 3 ? argv[3] : NULL, emit, NULL, &error))
      rc = fail("audit", error);
  } else if (g_str_equal(argv[1], "verify")) {
    guint64 n = 0;
    if (nara_store_audit_verify(store, &n, &error))
      printf("%" G_GUINT64_FORMAT "\n", n);
    else
      rc = fail("verify", error);
  } else {
    rc = fail("unknown command", NULL);
  }
  nara_store_close(store);
  return rc;
}
