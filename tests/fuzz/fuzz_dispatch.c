/* fuzz_dispatch.c — libFuzzer target: conversations of up to four
 * WebSocket sessions through the real dispatcher and every handler
 * (signaling/), against the fake media module of the unit tests and a
 * fresh in-memory store holding one consultation with five people.
 *
 * An input is lines; the first byte of a line says who acts:
 *   '0'..'3'  that session sends the rest of the line as one text frame
 *             (a session opens with its first frame; "$T0".."$T7" in it
 *             become join tokens, see tokens[] below)
 *   'w'       media delivers what it has queued (answers, tracks, offers)
 *   'x' N     session N's socket closes
 *   's' N     session N's client stops reading (until its socket closes)
 *   'c' OP K  the REST API or the CLI changes the consultation (see change())
 *   other     session (byte % 4) sends the rest of the line
 * Sessions have no socket (wsi NULL, session.c): frames stay in their queue
 * and are read back here; a session that closes itself is then closed as
 * libwebsockets would after writing its queue.
 *
 * What must hold besides "no crash, no leak": every frame is a JSON object
 * with a string type, every error has a documented code and none is
 * "internal"; a frame with an id answers an earlier request of that session
 * with that id and a fitting type (or error), and no request is answered
 * twice; when media has delivered everything, each request of an open
 * session has had its answer (answer and candidate only when they fail);
 * rooms are never empty, sessions and rooms go back to zero when every
 * socket has closed, and no media event is left behind. Single-threaded.
 */
#include "catalogue.h"
#include "config.h"
#include "wiring.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_dispatch: %s:%d: %s\n", __FILE__, __LINE__, #cond);                    \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

#define N_SLOTS 4
/* More lines than that are not a new state, only a slower input. */
#define MAX_LINES 256
#define CONSULTATION "c-fuzz"
#define TITLE "Follow-up"
#define AUTO_ADMIT (1u << NARA_ROLE_HOST | 1u << NARA_ROLE_STAFF)

static const struct {
  const char *id, *name;
  NaraRole role;
} people[] = {
  { "pt-host", "Dr Lind", NARA_ROLE_HOST },       { "pt-staff", "Nurse Berg", NARA_ROLE_STAFF },
  { "pt-interp", "Tolk", NARA_ROLE_INTERPRETER }, { "pt-patient", "Astrid", NARA_ROLE_PATIENT },
  { "pt-relative", "Erik", NARA_ROLE_RELATIVE },
};
#define N_PEOPLE G_N_ELEMENTS(people)

/* $T0..$T4: the five people; $T5 someone not in the consultation; $T6 the
 * patient claiming to be host; $T7 a consultation that does not exist. */
#define N_TOKENS 8
static char *tokens[N_TOKENS];

static NaraMedia *media;
static NaraStore *store;
static NaraTokenVerifier *verifier;
static NaraSignalingConfig sig_config;
static gboolean verbose; /* NARA_FUZZ_VERBOSE set: print what each session receives */
static const char *const turn_urls[] = { "turn:turn.example.org:3478?transport=udp", NULL };

/* A request whose outcome media reports later (catalogue: deferred): a
 * publish, a subscribe answer. */
typedef struct {
  json_int_t id;
  const NaraMessage *request; /* reply NULL: it hears only of failure */
  gboolean ambiguous;         /* another one has the same id: which is answered is unknown */
} Pending;

typedef struct {
  NaraSession *s;
  GArray *pending;    /* Pending, oldest first */
  guint n;            /* its index, for NARA_FUZZ_VERBOSE */
  gboolean stalled;   /* its client reads nothing: frames pile up in the queue */
  gboolean unchecked; /* was stalled: answers are no longer counted */
} Slot;

/* The request being dispatched: handlers answer it before they return. */
typedef struct {
  gboolean active;
  guint slot;
  json_int_t id; /* -1: none readable */
  char type[16]; /* its "type", cut short; "" if none */
  guint replies;
} Current;

typedef struct {
  NaraSignaling *sig;
  NaraStore *store;
  Slot slots[N_SLOTS];
  Current current;
} Run;

/* GLib messages are the server's log: dropped. A warning or critical is
 * a store failure or a programmer error, which no input may cause. */
static void log_handler(const char *domain, GLogLevelFlags level, const char *message,
                        gpointer data)
{
  (void)data;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
    fprintf(stderr, "fuzz_dispatch: %s: %s\n", domain ? domain : "-", message);
    __builtin_trap();
  }
}

static char *sign(const char *consultation, const char *participant, const char *role,
                  const char *name, gint64 now)
{
  NaraTokenClaims claims = {
    .consultation = (char *)consultation,
    .participant = (char *)participant,
    .role = (char *)role,
    .name = (char *)name,
    .assurance = "none",
    .iat = now,
    .exp = now + 30 * 24 * 3600,
  };
  return nara_token_sign_hs256(verifier, &claims);
}

static NaraStoreParticipant *person_new(guint i)
{
  NaraStoreParticipant *p = g_new0(NaraStoreParticipant, 1);

  g_strlcpy(p->id, people[i].id, sizeof p->id);
  g_strlcpy(p->consultation_id, CONSULTATION, sizeof p->consultation_id);
  p->name = g_strdup(people[i].name);
  p->role = people[i].role;
  p->assurance = g_strdup("none");
  return p;
}

/* One store for the whole run (opening one costs more than most inputs),
 * put back before each input as store_new() made it. */
static NaraStore *store_new(void)
{
  g_autoptr(NaraStoreConsultation) c = g_new0(NaraStoreConsultation, 1);
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  NaraStore *store = nara_store_open_sqlite(":memory:", NULL);

  CHECK(store != NULL);
  g_strlcpy(c->id, CONSULTATION, sizeof c->id);
  c->title = g_strdup(TITLE);
  c->starts_at = now - 600;
  c->ends_at = now + 30 * 24 * 3600;
  c->auto_admit = AUTO_ADMIT;
  c->participants = g_ptr_array_new_with_free_func((GDestroyNotify)nara_store_participant_free);
  for (guint i = 0; i < N_PEOPLE; i++)
    g_ptr_array_add(c->participants, person_new(i));
  CHECK(nara_store_consultation_create(store, c, NULL));
  return store;
}

static void store_reset(NaraStore **storep)
{
  NaraStore *store = *storep;
  g_autoptr(NaraStoreConsultation) c = nara_store_consultation_get(store, CONSULTATION, NULL);

  CHECK(c != NULL);
  c->status = NARA_CONSULTATION_SCHEDULED;
  c->locked = FALSE;
  c->auto_admit = AUTO_ADMIT;
  g_free(c->title);
  c->title = g_strdup(TITLE);
  if (!nara_store_consultation_update(store, c, NULL)) {
    /* A cancelled consultation stays cancelled: start over. */
    nara_store_close(store);
    *storep = store_new();
    return;
  }
  for (guint i = 0; i < N_PEOPLE; i++) {
    const NaraStoreParticipant *found = NULL;
    for (guint j = 0; j < c->participants->len; j++)
      if (g_str_equal(((NaraStoreParticipant *)c->participants->pdata[j])->id, people[i].id))
        found = c->participants->pdata[j];
    if (!found) {
      g_autoptr(NaraStoreParticipant) p = person_new(i);
      CHECK(nara_store_participant_add(store, p, NULL));
    } else if (found->removed) {
      CHECK(nara_store_participant_set_removed(store, CONSULTATION, found->id, FALSE, NULL));
    }
  }
  /* What signaling wrote kept the chain whole (prune verifies it first);
   * then it goes. */
  CHECK(nara_store_audit_prune(store, g_get_real_time() + G_USEC_PER_SEC, NULL));
}

static void setup(void)
{
  static const guint8 secret[32] = "fuzz-dispatch-secret-0123456789";
  NaraTokenConfig tc = {
    .issuer = "nara",
    .audience = "nara-join",
    .hs256_secret = secret,
    .hs256_secret_len = sizeof secret,
  };
  g_autoptr(NaraConfig) config = nara_config_new();
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  GError *error = NULL;

  g_log_set_default_handler(log_handler, NULL);
  verbose = g_getenv("NARA_FUZZ_VERBOSE") != NULL;
  /* The server's defaults, with small rooms, few of them and short queues
   * so that the limits are reachable, and TURN so that welcomes carry
   * credentials. */
  CHECK(nara_config_set(config, "rooms.open", "true", &error));
  CHECK(nara_config_set(config, "signaling.max_participants", "3", &error));
  CHECK(nara_config_set(config, "signaling.max_rooms", "2", &error));
  CHECK(nara_config_set(config, "signaling.max_queued_messages", "8", &error));
  CHECK(nara_config_set(config, "turn.secret", "fuzz-turn-secret", &error));
  nara_wiring_signaling_config(config, &sig_config);
  sig_config.turn.urls = turn_urls;
  sig_config.turn.secret = "fuzz-turn-secret"; /* config's string dies with config */
  media = nara_media_new(NULL, NULL, NULL);
  store = store_new();
  verifier = nara_token_verifier_new(&tc, &error);
  CHECK(verifier != NULL);
  for (guint i = 0; i < N_PEOPLE; i++)
    tokens[i] = sign(CONSULTATION, people[i].id, nara_role_to_string(people[i].role),
                     people[i].name, now);
  tokens[5] = sign(CONSULTATION, "pt-ghost", "patient", "Ghost", now);
  tokens[6] = sign(CONSULTATION, "pt-patient", "host", "Astrid", now);
  tokens[7] = sign("c-none", "pt-host", "host", "Dr Lind", now);
}

/* What a request is answered with when it succeeds (the catalogue's
 * reply); NULL: nothing (answer and candidate, or a type the protocol
 * does not have). */
static const char *success_reply(const char *request)
{
  const NaraMessage *m = nara_catalogue_lookup(request);
  return m ? m->reply : NULL;
}

static gboolean reply_fits(const char *request, const char *reply)
{
  const char *success = success_reply(request);

  if (g_str_equal(reply, "error"))
    return TRUE;
  if (g_str_equal(request, "join") && g_str_equal(reply, "waiting"))
    return TRUE;
  return success && g_str_equal(success, reply);
}

/* docs/protocol.md, "error": the stable codes. */
static gboolean documented_code(const char *code)
{
  static const char *const codes[] = {
    "bad-json",
    "bad-message",
    "unknown-type",
    "bad-version",
    "not-hello",
    "not-joined",
    "already-joined",
    "room-full",
    "too-many-rooms",
    "room-closed",
    "forbidden",
    "no-such-participant",
    "locked",
    "role-mismatch",
    "bad-sdp",
    "stale-answer",
    "bad-candidate",
    "rate-limited",
    "media-failed",
    "too-many-candidates",
    "no-peer-connection",
    NULL,
  };
  return g_strv_contains(codes, code) || g_str_has_prefix(code, "consultation-")
         || g_str_has_prefix(code, "participant-") || g_str_has_prefix(code, "token-");
}

/* During a dispatch: the one answer to the request, on its session. */
static void check_sync_reply(Run *r, Slot *slot, const char *type, json_int_t id)
{
  Current *c = &r->current;

  if (slot->n != c->slot || c->id != id || !reply_fits(c->type, type) || c->replies > 0) {
    fprintf(stderr,
            "fuzz_dispatch: %s with id %" JSON_INTEGER_FORMAT " to session %u answers no request\n",
            type, id, slot->n);
    __builtin_trap();
  }
  c->replies++;
}

/* Between dispatches (media, REST changes): a publish's answer or error,
 * a subscribe answer's error. */
static void check_async_reply(Slot *slot, const char *type, json_int_t id)
{
  guint i;

  for (i = 0; i < slot->pending->len; i++) {
    Pending *p = &g_array_index(slot->pending, Pending, i);
    if (p->id == id && reply_fits(p->request->type, type))
      break;
  }
  if (i == slot->pending->len) {
    fprintf(stderr,
            "fuzz_dispatch: %s with id %" JSON_INTEGER_FORMAT " to session %u answers no request\n",
            type, id, slot->n);
    __builtin_trap();
  }
  g_array_remove_index(slot->pending, i);
}

static void check_frame(Run *r, Slot *slot, const NaraOutMsg *out)
{
  json_t *msg = json_loadb((const char *)out->data + LWS_PRE, out->len, 0, NULL);
  const char *type = json_string_value(json_object_get(msg, "type"));
  json_t *id = json_object_get(msg, "id");

  if (verbose)
    fprintf(stderr, "  <- %u: %.*s\n", slot->n, (int)MIN(out->len, 300), out->data + LWS_PRE);
  CHECK(json_is_object(msg) && type != NULL);
  if (g_str_equal(type, "error")) {
    const char *code = json_string_value(json_object_get(msg, "code"));
    CHECK(code != NULL && json_is_string(json_object_get(msg, "message")));
    if (!documented_code(code) || g_str_equal(code, "internal")) {
      fprintf(stderr, "fuzz_dispatch: error code %s\n", code);
      __builtin_trap();
    }
  }
  if (id && !slot->unchecked) {
    CHECK(json_is_integer(id));
    if (r->current.active)
      check_sync_reply(r, slot, type, json_integer_value(id));
    else
      check_async_reply(slot, type, json_integer_value(id));
  }
  json_decref(msg);
}

static void slot_closed(Slot *slot)
{
  nara_session_closed(slot->s);
  slot->s = NULL;
  slot->stalled = slot->unchecked = FALSE;
  g_array_set_size(slot->pending, 0);
}

/* What libwebsockets would do next: write every queued frame, then close
 * sockets whose session asked to be closed. Until nothing changes. */
static void settle(Run *r)
{
  gboolean again = TRUE;

  while (again) {
    again = FALSE;
    for (guint i = 0; i < N_SLOTS; i++) {
      Slot *slot = &r->slots[i];
      NaraOutMsg *out;
      if (!slot->s || slot->stalled)
        continue;
      while ((out = g_queue_pop_head(&slot->s->out))) {
        check_frame(r, slot, out);
        nara_out_msg_unref(out);
      }
    }
    for (guint i = 0; i < N_SLOTS; i++) {
      Slot *slot = &r->slots[i];
      if (slot->s && (slot->s->close_code || slot->s->killed)) {
        slot_closed(slot);
        again = TRUE;
      }
    }
  }
}

/* Clients read between two media events, as they would between two
 * iterations of the main loop. */
static void run_media(Run *r)
{
  do
    settle(r);
  while (g_main_context_iteration(NULL, FALSE));
}

/* What must hold between any two steps. */
static void check_state(Run *r)
{
  GHashTableIter iter;
  gpointer value;
  guint live = 0;

  for (guint i = 0; i < N_SLOTS; i++) {
    NaraSession *s = r->slots[i].s;
    if (!s)
      continue;
    live++;
    CHECK(g_hash_table_contains(r->sig->sessions, s));
    CHECK((s->state == NARA_SESSION_JOINED) == (s->participant != NULL));
    CHECK(!s->participant || s->participant->session == s);
    /* Waiting: as a member, or as a second device of one in the call. */
    CHECK(s->state != NARA_SESSION_WAITING || (s->member && s->member->waiting_since)
          || (s->second_of && s->second_of->second == s));
    CHECK(!s->member || s->member->session == s);
  }
  CHECK(g_hash_table_size(r->sig->sessions) == live);
  g_hash_table_iter_init(&iter, r->sig->rooms);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    NaraRoom *room = value;
    CHECK(room->participants->len > 0
          || (room->consultation && room->consultation->waiting->len > 0));
    CHECK(room->participants->len <= sig_config.max_participants);
  }
}

/* The frame with "$T<n>" replaced by token n. (transfer full) */
static GString *expand_tokens(const guint8 *data, gsize len)
{
  GString *text = g_string_sized_new(len);

  for (gsize i = 0; i < len; i++) {
    if (data[i] == '$' && i + 2 < len && data[i + 1] == 'T' && data[i + 2] >= '0'
        && data[i + 2] < '0' + N_TOKENS) {
      g_string_append(text, tokens[data[i + 2] - '0']);
      i += 2;
    } else {
      g_string_append_c(text, (char)data[i]);
    }
  }
  return text;
}

/* One text frame from slot n, as nara_session_receive hands it on. */
static void send_frame(Run *r, guint n, const guint8 *data, gsize len)
{
  Slot *slot = &r->slots[n];
  g_autoptr(GString) text = expand_tokens(data, len);
  const char *type;
  const NaraMessage *m;
  gboolean limited;
  json_t *msg, *id;

  if (!slot->s)
    slot->s = nara_session_new(r->sig, NULL);
  if (text->len > sig_config.max_message_bytes) {
    /* session.c closes with 1009 before dispatch sees it. */
    slot_closed(slot);
    return;
  }
  if (slot->s->state == NARA_SESSION_DONE)
    return;
  /* The request the server is about to see, read as it will read it. */
  msg = nara_json_parse(text->str, text->len, NARA_MAX_JSON_DEPTH, NULL);
  id = msg ? nara_json_request_id(msg) : NULL;
  type = msg ? json_string_value(json_object_get(msg, "type")) : NULL;
  r->current = (Current){ .active = TRUE, .slot = n, .id = id ? json_integer_value(id) : -1 };
  g_strlcpy(r->current.type, type ? type : "", sizeof r->current.type);
  json_decref(msg);

  nara_dispatch(slot->s, text->str, text->len);
  /* Store calls (joins with a token, host changes, audit records) finish
   * on the store's thread: their answers count as this request's. */
  nara_store_flush(r->store);
  /* A rate-limited message is dropped unanswered (the first drop gets an
   * error without id): it was never a request. */
  limited = slot->s->strikes > 0;
  settle(r);
  r->current.active = FALSE;
  if (r->current.id < 0 || limited || !slot->s || slot->unchecked)
    return;
  m = nara_catalogue_lookup(r->current.type);
  if (r->current.replies == 0 && m && m->deferred) {
    Pending p = { .id = r->current.id, .request = m };
    for (guint i = 0; i < slot->pending->len; i++) {
      Pending *other = &g_array_index(slot->pending, Pending, i);
      if (other->id == p.id)
        other->ambiguous = p.ambiguous = TRUE;
    }
    g_array_append_val(slot->pending, p);
    return;
  }
  /* Everything else is answered at once (a candidate only when refused). */
  if (r->current.replies == 0 && (!m || m->reply)) {
    fprintf(stderr, "fuzz_dispatch: session %u: %s %" JSON_INTEGER_FORMAT " unanswered\n", n,
            r->current.type, r->current.id);
    __builtin_trap();
  }
}

/* A change made outside the call, through the store (as the REST API and
 * the CLI make it), then announced to signaling. op: x cancel, e end,
 * l lock/unlock, a flip auto-admit of role k, t retitle, r remove/readmit
 * person k, d delete person k. */
static void change(Run *r, const guint8 *arg, gsize len)
{
  g_autoptr(NaraStoreConsultation) c = nara_store_consultation_get(r->store, CONSULTATION, NULL);
  char op = len > 0 ? (char)arg[0] : 'x';
  guint k = len > 1 ? arg[1] % N_PEOPLE : 0;
  const NaraStoreParticipant *p = NULL;

  CHECK(c != NULL);
  for (guint i = 0; i < c->participants->len; i++)
    if (g_str_equal(((NaraStoreParticipant *)c->participants->pdata[i])->id, people[k].id))
      p = c->participants->pdata[i];
  /* The store refuses some (a cancelled consultation stays as it is):
   * then the REST API answers 409 and signaling hears nothing. */
  switch (op) {
  case 'x':
  case 'e':
    c->status = op == 'x' ? NARA_CONSULTATION_CANCELLED : NARA_CONSULTATION_ENDED;
    break;
  case 'l':
    c->locked = !c->locked;
    break;
  case 'a': /* the host always comes in (consultation_json.c) */
    c->auto_admit = (c->auto_admit ^ 1u << (k % NARA_ROLE_COUNT)) | 1u << NARA_ROLE_HOST;
    break;
  case 't':
    c->title[0] = c->title[0] == 'F' ? 'f' : 'F';
    break;
  case 'r':
  case 'd':
    if (!p)
      return;
    break;
  default:
    return;
  }
  if (op == 'r'
          ? !nara_store_participant_set_removed(r->store, CONSULTATION, p->id, !p->removed, NULL)
      : op == 'd' ? !nara_store_participant_delete(r->store, CONSULTATION, p->id, NULL)
                  : !nara_store_consultation_update(r->store, c, NULL))
    return;
  nara_signaling_consultation_changed(r->sig, CONSULTATION);
}

static void step(Run *r, const guint8 *line, gsize len)
{
  guint8 op = len ? line[0] : '0';

  if (verbose)
    fprintf(stderr, "%.*s\n", (int)MIN(len, 200), line);
  if (op == 'w') {
    run_media(r);
  } else if (op == 'x') {
    Slot *slot = &r->slots[len > 1 ? line[1] % N_SLOTS : 0];
    if (slot->s)
      slot_closed(slot);
  } else if (op == 's') {
    Slot *slot = &r->slots[len > 1 ? line[1] % N_SLOTS : 0];
    if (slot->s)
      slot->stalled = slot->unchecked = TRUE;
  } else if (op == 'c') {
    change(r, line + 1, len ? len - 1 : 0);
  } else {
    send_frame(r, op % N_SLOTS, line + 1, len ? len - 1 : 0);
  }
  /* Whatever the step queued on the store's thread completes now. */
  nara_store_flush(r->store);
  settle(r);
  check_state(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Run r = { 0 };
  const guint8 *p = data, *end = data + size;
  guint lines = 0;

  if (!media)
    setup();
  store_reset(&store);
  r.store = store;
  r.sig = nara_signaling_new(&sig_config, media);
  nara_signaling_set_consultations(r.sig, r.store, verifier);
  for (guint i = 0; i < N_SLOTS; i++) {
    r.slots[i].pending = g_array_new(FALSE, FALSE, sizeof(Pending));
    r.slots[i].n = i;
  }

  while (p < end && lines++ < MAX_LINES) {
    const guint8 *nl = memchr(p, '\n', (size_t)(end - p));
    const guint8 *stop = nl ? nl : end;
    step(&r, p, (gsize)(stop - p));
    p = nl ? nl + 1 : end;
  }

  /* Clients read again; media delivers everything: then every publish of
   * an open session has had its answer or error. */
  for (guint i = 0; i < N_SLOTS; i++)
    r.slots[i].stalled = FALSE;
  run_media(&r);
  for (guint i = 0; i < N_SLOTS; i++) {
    Slot *slot = &r.slots[i];
    for (guint j = 0; slot->s && j < slot->pending->len; j++) {
      Pending *pending = &g_array_index(slot->pending, Pending, j);
      if (pending->request->reply && !pending->ambiguous && !slot->unchecked) {
        fprintf(stderr, "fuzz_dispatch: session %u: publish %" JSON_INTEGER_FORMAT " unanswered\n",
                i, pending->id);
        __builtin_trap();
      }
    }
  }
  /* Every socket closes: nothing may be left. */
  for (guint i = 0; i < N_SLOTS; i++)
    if (r.slots[i].s)
      slot_closed(&r.slots[i]);
  run_media(&r);
  nara_store_flush(r.store);
  CHECK(nara_signaling_n_sessions(r.sig) == 0);
  CHECK(nara_signaling_n_rooms(r.sig) == 0);
  CHECK(!g_main_context_pending(NULL));

  nara_signaling_free(r.sig);
  for (guint i = 0; i < N_SLOTS; i++)
    g_array_unref(r.slots[i].pending);
  return 0;
}
