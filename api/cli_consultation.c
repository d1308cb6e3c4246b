/* cli_consultation.c — `nara consultation create` and `nara consultation list`.
 *
 * create builds the same JSON body the REST API takes and checks it with
 * the same rules (consultation_json.c), stores it, writes the audit
 * record (actor "cli") and prints the id and one join link per person.
 * It does not tell a running server (a new consultation needs no news).
 *
 * Threading: main thread; no main loop runs.
 */
#include <stdio.h>
#include <string.h>

#include "cli-private.h"
#include "consultation_json.h"
#include "links.h"
#include "rfc3339.h"

/* "participants[1].role" -> "--participant #2: role" and friends. */
static void print_errors(const char *words, json_t *list)
{
  static const struct {
    const char *field, *option;
  } options[] = {
    { "title", "--title" },          { "startsAt", "--start" },           { "endsAt", "--end" },
    { "autoAdmit", "--auto-admit" }, { "participants", "--participant" },
  };
  gsize i;
  json_t *e;

  json_array_foreach(list, i, e)
  {
    const char *field = json_string_value(json_object_get(e, "field"));
    const char *detail = json_string_value(json_object_get(e, "detail"));
    guint index = 0;
    const char *rest = field ? strchr(field, '[') : NULL;
    const char *option = field;

    for (guint k = 0; field && k < G_N_ELEMENTS(options); k++)
      if (g_str_has_prefix(field, options[k].field))
        option = options[k].option;
    if (rest && sscanf(rest, "[%u]", &index) == 1) {
      const char *dot = strchr(rest, '.');
      fprintf(stderr, "nara %s: %s #%u%s%s: %s\n", words, option, index + 1, dot ? " " : "",
              dot ? dot + 1 : "", detail);
    } else {
      fprintf(stderr, "nara %s: %s: %s\n", words, option, detail);
    }
  }
}

/* 'Name:role[:assurance][:lang=TAGS][:signing]' -> {"name","role",
 * "assurance","languages","signing"}; NULL if no role. The two optional
 * words are taken off the end, so an assurance may hold ':' as before
 * ('Tolk:interpreter:lang=sv,sgn-SE:signing', 'Åsa:patient:bankid-se:lang=ar'). */
static json_t *participant_spec(const char *spec)
{
  g_auto(GStrv) parts = g_strsplit(spec, ":", 2);
  g_autofree char *rest = NULL;
  char *colon;
  json_t *o;

  if (!parts[0] || !parts[1])
    return NULL;
  rest = g_strdup(parts[1]);
  o = json_pack("{s:s}", "name", parts[0]);
  if (!o)
    return NULL;
  /* At most one of each, "signing" last if both: 'role:lang=sv:signing'. */
  for (int word = 0; word < 2 && (colon = strrchr(rest, ':')) != NULL; word++) {
    if (g_str_equal(colon + 1, "signing") && !json_object_get(o, "signing"))
      json_object_set_new(o, "signing", json_true());
    else if (g_str_has_prefix(colon + 1, "lang=") && !json_object_get(o, "languages"))
      json_object_set_new(o, "languages", json_string(colon + strlen(":lang=")));
    else
      break;
    *colon = '\0';
  }
  colon = strchr(rest, ':');
  if (colon) {
    *colon = '\0';
    json_object_set_new(o, "assurance", json_string(colon + 1));
  }
  json_object_set_new(o, "role", json_string(rest));
  if (!json_string_value(json_object_get(o, "role"))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* (transfer full) The create body, or NULL (printed) for unreadable options. */
static json_t *create_body(const char *title, const char *start, const char *end,
                           char **participants, const char *auto_admit)
{
  json_t *body = json_object(), *people = json_array();

  if (title)
    json_object_set_new(body, "title", json_string(title));
  if (start)
    json_object_set_new(body, "startsAt", json_string(start));
  if (end)
    json_object_set_new(body, "endsAt", json_string(end));
  for (guint i = 0; participants && participants[i]; i++) {
    json_t *p = participant_spec(participants[i]);
    if (!p) {
      fprintf(stderr,
              "nara consultation create: --participant '%s' is not "
              "'Name:role[:acr][:lang=TAGS][:signing]'\n",
              participants[i]);
      json_decref(people);
      json_decref(body);
      return NULL;
    }
    json_array_append_new(people, p);
  }
  json_object_set_new(body, "participants", people);
  if (auto_admit) {
    g_auto(GStrv) roles = g_strsplit(auto_admit, ",", -1);
    json_t *list = json_array();
    for (guint i = 0; roles[i]; i++)
      if (*g_strstrip(roles[i]))
        json_array_append_new(list, json_string(roles[i]));
    json_object_set_new(body, "autoAdmit", list);
  }
  return body;
}

static void print_links(NaraServices *services, const NaraStoreConsultation *c, gint64 now)
{
  printf("%s\n", c->id);
  for (guint i = 0; i < c->participants->len; i++) {
    const NaraStoreParticipant *p = c->participants->pdata[i];
    g_autofree char *link = nara_link_mint(services, c, p, now, NULL);
    printf("%s\t%s\t%s\t%s\n", p->id, nara_role_to_string(p->role), p->name, link ? link : "-");
  }
}

int nara_cli_consultation_create(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  g_autofree char *title = NULL, *start = NULL, *end = NULL, *auto_admit = NULL;
  g_autofree char *detail = NULL;
  g_auto(GStrv) participants = NULL;
  GOptionEntry entries[] = {
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, "Title, 1-200 characters", "T" },
    { "start", 0, 0, G_OPTION_ARG_STRING, &start, "Start, RFC 3339 (2026-11-23T19:30:00+01:00)",
      "TIME" },
    { "end", 0, 0, G_OPTION_ARG_STRING, &end, "End, RFC 3339, in the future", "TIME" },
    { "participant", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &participants,
      "A person, repeatable (1-32): role host, staff, interpreter, patient or relative",
      "'Name:role[:assurance][:lang=sv,ar][:signing]'" },
    { "auto-admit", 0, 0, G_OPTION_ARG_STRING, &auto_admit,
      "Roles that skip the waiting room (host always does)", "ROLE,..." },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_auto(NaraRestErrors) errors = { 0 };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(NaraStoreConsultation) c = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  json_t *body;

  if (!nara_cli_command_options(cli, command, entries, args))
    return 2;
  body = create_body(title, start, end, participants, auto_admit);
  if (!body)
    return 2;
  nara_rest_errors_init(&errors);
  c = nara_consultation_json_parse(body, cli->services.max_name_chars, now, &errors);
  json_decref(body);
  if (!c) {
    print_errors("consultation create", errors.unknown);
    print_errors("consultation create", errors.invalid);
    return 2;
  }
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  if (!nara_store_consultation_create(services->store, c, &error)) {
    fprintf(stderr, "nara consultation create: %s\n", error->message);
    return 1;
  }
  detail = g_strdup_printf("participants=%u", c->participants->len);
  if (!nara_store_audit_append(services->store,
                               &(NaraAuditRecord){ .event = "consultation-created",
                                                   .consultation = c->id,
                                                   .actor = "cli",
                                                   .outcome = "ok",
                                                   .detail = detail },
                               &error))
    fprintf(stderr, "nara consultation create: audit record not written: %s\n", error->message);
  print_links(services, c, now);
  return 0;
}

int nara_cli_consultation_list(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  g_autofree char *status_text = NULL;
  int limit = 100;
  GOptionEntry entries[] = {
    { "status", 0, 0, G_OPTION_ARG_STRING, &status_text, "Only scheduled, ended or cancelled",
      "S" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "At most N (default 100, 0: all)", "N" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  NaraConsultationStatus status;

  if (!nara_cli_command_options(cli, command, entries, args))
    return 2;
  if ((status_text && !nara_consultation_status_from_string(status_text, &status)) || limit < 0) {
    fprintf(stderr, "nara consultation list: --status is scheduled, ended or cancelled; "
                    "--limit is 0 or more\n");
    return 2;
  }
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  list = nara_store_consultation_list(services->store, status_text ? (int)status : -1, (guint)limit,
                                      &error);
  if (!list) {
    fprintf(stderr, "nara consultation list: %s\n", error->message);
    return 1;
  }
  for (guint i = 0; i < list->len; i++) {
    const NaraStoreConsultation *c = list->pdata[i];
    g_autofree char *starts = nara_rfc3339_format(c->starts_at);
    g_autofree char *ends = nara_rfc3339_format(c->ends_at);
    printf("%s\t%s\t%s\t%s\t%u\t%s\n", c->id, nara_consultation_status_to_string(c->status), starts,
           ends, c->participants ? c->participants->len : 0, c->title);
  }
  return 0;
}

/* `nara consultation erase ID`: a data subject's erasure (GDPR Art. 17).
 * A running server notices at the next join or change; to end a live
 * call at once, use DELETE /api/v1/consultations/ID?erase=true. */
int nara_cli_consultation_erase(NaraCli *cli, const NaraCliCommand *command, char **args)
{
  GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
  g_autoptr(NaraServices) services = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = args[0];

  if (!id || id[0] == '-') {
    fprintf(stderr, "nara consultation erase: give the consultation id\n");
    return 2;
  }
  if (!nara_cli_command_options(cli, command, entries, args + 1))
    return 2;
  services = nara_cli_services(cli);
  if (!services)
    return 1;
  if (!nara_store_consultation_erase(services->store, id, &error)) {
    fprintf(stderr, "nara consultation erase: %s\n", error->message);
    return 1;
  }
  if (!nara_store_audit_append(services->store,
                               &(NaraAuditRecord){ .event = "consultation-erased",
                                                   .consultation = id,
                                                   .actor = "cli",
                                                   .outcome = "ok",
                                                   .detail = "request" },
                               &error))
    fprintf(stderr, "nara consultation erase: audit record not written: %s\n", error->message);
  fprintf(stderr, "consultation %s erased\n", id);
  return 0;
}
