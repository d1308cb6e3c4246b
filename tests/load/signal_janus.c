/* signal_janus.c — the load tool's adapter for Janus' WebSocket API
 * (subprotocol "janus-protocol") and its VideoRoom plugin.
 *
 * Per participant: one Janus session with a keepalive every 25 s; one
 * publisher handle (the room's first participant creates the room, then
 * join + configure with the offer, trickle) and one subscriber handle per
 * remote feed (join as subscriber, answer Janus' offer with "start",
 * trickle): one subscribe connection per feed, as Janus' classic clients
 * do, so 1×10 and two-person meshes have as many connections as on Nara.
 * Simulcast goes as rid layers in the publisher's offer, smallest first
 * (jsep "rid_order": "lmh"); each subscriber gets Janus' default layer.
 * It does not renegotiate, use multistream "update" or reconnect.
 *
 * Threading: the tool's only thread.
 */
#include "load.h"
#include "ws.h"

#include <string.h>

#define KEEPALIVE_S 25
#define JANUS_ROOM_EXISTS 427

typedef enum {
  TX_CREATE,
  TX_ATTACH,
  TX_ROOM,
  TX_JOIN_PUB,
  TX_CONFIGURE,
  TX_JOIN_SUB,
  TX_START,
  TX_OTHER,
} TxKind;

typedef struct JanusSig JanusSig;

typedef struct {
  JanusSig *s;
  gboolean publisher;
  json_int_t id;
  LoadParticipant *feed; /* subscriber handles: whose feed */
  LoadSubPeer *sp;
} Handle;

typedef struct {
  TxKind kind;
  Handle *handle;
} Tx;

struct JanusSig {
  LoadParticipant *p;
  LoadWs *ws;
  json_int_t session, feed_id;
  guint next_tx, keepalive;
  GHashTable *tx;     /* transaction → Tx */
  GPtrArray *handles; /* Handle*, owned */
  GPtrArray *waiting; /* LoadParticipant* to subscribe to once the session exists */
  Handle *pub;
};

static json_int_t room_id(JanusSig *s)
{
  return (json_int_t)s->p->tool->opt.janus_room_base + s->p->room;
}

/* Sends msg (stolen) as a Janus request with a fresh transaction. */
static void send_janus(JanusSig *s, json_t *msg, TxKind kind, Handle *h)
{
  g_autofree char *id = g_strdup_printf("t%u", ++s->next_tx);
  Tx *tx = g_new0(Tx, 1);
  tx->kind = kind;
  tx->handle = h;
  g_hash_table_insert(s->tx, g_strdup(id), tx);
  json_object_set_new(msg, "transaction", json_string(id));
  if (s->session)
    json_object_set_new(msg, "session_id", json_integer(s->session));
  if (h && h->id)
    json_object_set_new(msg, "handle_id", json_integer(h->id));
  load_ws_send(s->ws, msg);
}

/* body (stolen), jsep (stolen, may be NULL) to a plugin handle. */
static void send_message(JanusSig *s, Handle *h, TxKind kind, json_t *body, json_t *jsep)
{
  json_t *msg = json_pack("{s:s, s:o}", "janus", "message", "body", body);
  if (jsep)
    json_object_set_new(msg, "jsep", jsep);
  send_janus(s, msg, kind, h);
}

static void trickle(JanusSig *s, Handle *h, LoadPeer *peer)
{
  guint n;
  const char *const *cands = load_peer_local_candidates(peer, &n);
  for (guint i = 0; i <= n; i++) {
    json_t *c = i < n ? json_pack("{s:s, s:s, s:i}", "candidate", cands[i], "sdpMid", "0",
                                  "sdpMLineIndex", 0)
                      : json_pack("{s:b}", "completed", TRUE);
    send_janus(s, json_pack("{s:s, s:o}", "janus", "trickle", "candidate", c), TX_OTHER, h);
  }
}

static Handle *attach(JanusSig *s, gboolean publisher, LoadParticipant *feed)
{
  Handle *h = g_new0(Handle, 1);
  h->s = s;
  h->publisher = publisher;
  h->feed = feed;
  g_ptr_array_add(s->handles, h);
  send_janus(s, json_pack("{s:s, s:s}", "janus", "attach", "plugin", "janus.plugin.videoroom"),
             TX_ATTACH, h);
  return h;
}

static void subscribe_now(JanusSig *s, LoadParticipant *publisher)
{
  attach(s, FALSE, publisher);
}

static gboolean keepalive(gpointer data)
{
  JanusSig *s = data;
  send_janus(s, json_pack("{s:s}", "janus", "keepalive"), TX_OTHER, NULL);
  return G_SOURCE_CONTINUE;
}

/* ---- replies, by what they answer ---- */

static void on_created(JanusSig *s, Handle *h, json_t *msg)
{
  (void)h;
  s->session = json_integer_value(json_object_get(json_object_get(msg, "data"), "id"));
  s->keepalive = g_timeout_add_seconds(KEEPALIVE_S, keepalive, s);
  if (s->p->publishes) {
    s->pub = attach(s, TRUE, NULL);
    return;
  }
  /* A pure subscriber is "in" once it has a session; its join is per feed. */
  load_participant_joined(s->p);
  for (guint i = 0; i < s->waiting->len; i++)
    subscribe_now(s, g_ptr_array_index(s->waiting, i));
  g_ptr_array_set_size(s->waiting, 0);
}

static void join_publisher(JanusSig *s)
{
  send_message(s, s->pub, TX_JOIN_PUB,
               json_pack("{s:s, s:s, s:I, s:s}", "request", "join", "ptype", "publisher", "room",
                         room_id(s), "display", s->p->name),
               NULL);
  load_participant_join_sent(s->p);
}

static void on_attached(JanusSig *s, Handle *h, json_t *msg)
{
  h->id = json_integer_value(json_object_get(json_object_get(msg, "data"), "id"));
  if (h->publisher && s->p->slot == 0) {
    send_message(s, h, TX_ROOM,
                 json_pack("{s:s, s:I, s:i, s:s, s:s, s:b}", "request", "create", "room",
                           room_id(s), "publishers", s->p->tool->opt.publishers + 1, "audiocodec",
                           "opus", "videocodec", "vp8", "permanent", FALSE),
                 NULL);
  } else if (h->publisher) {
    join_publisher(s);
  } else {
    JanusSig *fs = h->feed->signaling;
    if (!s->p->join_sent_us)
      load_participant_join_sent(s->p);
    send_message(s, h, TX_JOIN_SUB,
                 json_pack("{s:s, s:s, s:I, s:[{s:I}]}", "request", "join", "ptype", "subscriber",
                           "room", room_id(s), "streams", "feed", fs ? fs->feed_id : 0),
                 NULL);
  }
}

static void on_room(JanusSig *s, Handle *h, json_t *data)
{
  (void)h, (void)data;
  join_publisher(s);
}

static void on_joined_publisher(JanusSig *s, Handle *h, json_t *data)
{
  g_autoptr(GError) error = NULL;
  s->feed_id = json_integer_value(json_object_get(data, "id"));
  load_participant_joined(s->p);
  g_autofree char *offer = load_participant_publish_offer(s->p, &error);
  if (!offer) {
    load_participant_fail(s->p, "publish offer: %s", error->message);
    return;
  }
  json_t *jsep = json_pack("{s:s, s:s}", "type", "offer", "sdp", offer);
  /* Janus reads a=simulcast as high to low unless told; ours lists the
   * smallest first, as Nara's web client does. */
  if (s->p->n_video > 1)
    json_object_set_new(jsep, "rid_order", json_string("lmh"));
  send_message(s, h, TX_CONFIGURE,
               json_pack("{s:s, s:b, s:b}", "request", "configure", "audio", TRUE, "video", TRUE),
               jsep);
  trickle(s, h, s->p->pub_peer);
}

static void on_configured(JanusSig *s, Handle *h, json_t *data, json_t *jsep)
{
  g_autoptr(GError) error = NULL;
  const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
  (void)h, (void)data;
  if (!sdp || !load_peer_apply_answer(s->p->pub_peer, sdp, &error))
    load_participant_fail(s->p, "publish answer: %s", error ? error->message : "none");
}

static void on_joined_subscriber(JanusSig *s, Handle *h, json_t *data, json_t *jsep)
{
  g_autoptr(GError) error = NULL;
  const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
  (void)data;
  if (!sdp) {
    load_participant_fail(s->p, "subscriber join without an offer");
    return;
  }
  if (!(h->sp = load_participant_add_sub_peer(s->p, &error))) {
    load_participant_fail(s->p, "subscribe connection: %s", error->message);
    return;
  }
  g_autofree char *answer = load_peer_answer_offer(h->sp->peer, sdp, &error);
  if (!answer) {
    load_participant_fail(s->p, "subscribe offer: %s", error->message);
    return;
  }
  send_message(s, h, TX_START, json_pack("{s:s}", "request", "start"),
               json_pack("{s:s, s:s}", "type", "answer", "sdp", answer));
  trickle(s, h, h->sp->peer);
}

/* A reply of the plugin: synchronous ("success") or the event after "ack". */
static void on_plugin_reply(JanusSig *s, Tx *tx, json_t *msg)
{
  json_t *data = json_object_get(json_object_get(msg, "plugindata"), "data");
  json_t *jsep = json_object_get(msg, "jsep");
  json_int_t code = json_integer_value(json_object_get(data, "error_code"));
  if (code && !(tx->kind == TX_ROOM && code == JANUS_ROOM_EXISTS)) {
    load_participant_fail(s->p, "videoroom error %" JSON_INTEGER_FORMAT ": %s", code,
                          json_string_value(json_object_get(data, "error")));
    return;
  }
  switch (tx->kind) {
  case TX_ROOM:
    on_room(s, tx->handle, data);
    break;
  case TX_JOIN_PUB:
    on_joined_publisher(s, tx->handle, data);
    break;
  case TX_CONFIGURE:
    on_configured(s, tx->handle, data, jsep);
    break;
  case TX_JOIN_SUB:
    on_joined_subscriber(s, tx->handle, data, jsep);
    break;
  default:
    break;
  }
}

static Handle *find_handle(JanusSig *s, json_int_t id)
{
  for (guint i = 0; i < s->handles->len; i++) {
    Handle *h = g_ptr_array_index(s->handles, i);
    if (h->id == id)
      return h;
  }
  return NULL;
}

static void on_trickle(JanusSig *s, json_t *msg)
{
  g_autoptr(GError) error = NULL;
  Handle *h = find_handle(s, json_integer_value(json_object_get(msg, "sender")));
  json_t *c = json_object_get(msg, "candidate");
  LoadPeer *peer = !h ? NULL : h->publisher ? s->p->pub_peer : h->sp ? h->sp->peer : NULL;
  const char *line = json_is_true(json_object_get(c, "completed"))
                         ? NULL
                         : json_string_value(json_object_get(c, "candidate"));
  if (peer && !load_peer_add_remote_candidate(peer, line, &error))
    load_tool_log(s->p->tool, "%s: candidate ignored: %s", s->p->name, error->message);
}

static void on_message(LoadWs *ws, json_t *msg, gpointer user_data)
{
  JanusSig *s = user_data;
  const char *janus = json_string_value(json_object_get(msg, "janus"));
  const char *id = json_string_value(json_object_get(msg, "transaction"));
  Tx *tx = id ? g_hash_table_lookup(s->tx, id) : NULL;
  (void)ws;
  if (!janus)
    return;
  if (g_str_equal(janus, "trickle")) {
    on_trickle(s, msg);
  } else if (g_str_equal(janus, "hangup") || g_str_equal(janus, "timeout")
             || g_str_equal(janus, "detached")) {
    load_participant_fail(s->p, "janus said %s (%s)", janus,
                          json_string_value(json_object_get(msg, "reason")));
  } else if (tx && g_str_equal(janus, "error")) {
    json_t *e = json_object_get(msg, "error");
    load_participant_fail(s->p, "janus error %" JSON_INTEGER_FORMAT ": %s",
                          json_integer_value(json_object_get(e, "code")),
                          json_string_value(json_object_get(e, "reason")));
  } else if (tx && g_str_equal(janus, "ack") && tx->kind == TX_OTHER) {
    g_hash_table_remove(s->tx, id); /* keepalive, trickle: nothing follows */
  } else if (tx && (g_str_equal(janus, "success") || g_str_equal(janus, "event"))) {
    gpointer key;
    /* Out of the table first: handlers send, and so insert. */
    g_hash_table_steal_extended(s->tx, id, &key, NULL);
    if (tx->kind == TX_CREATE)
      on_created(s, tx->handle, msg);
    else if (tx->kind == TX_ATTACH)
      on_attached(s, tx->handle, msg);
    else
      on_plugin_reply(s, tx, msg);
    g_free(key);
    g_free(tx);
  }
}

static void on_opened(LoadWs *ws, gpointer user_data)
{
  JanusSig *s = user_data;
  (void)ws;
  send_janus(s, json_pack("{s:s}", "janus", "create"), TX_CREATE, NULL);
}

static void on_closed(LoadWs *ws, const char *reason, gpointer user_data)
{
  JanusSig *s = user_data;
  (void)ws;
  load_participant_fail(s->p, "signaling connection: %s", reason);
}

static gpointer janus_start(LoadParticipant *p, GError **error)
{
  static const LoadWsCallbacks cb = { on_opened, on_message, on_closed };
  JanusSig *s = g_new0(JanusSig, 1);
  s->p = p;
  s->tx = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->handles = g_ptr_array_new_with_free_func(g_free);
  s->waiting = g_ptr_array_new();
  s->ws = load_ws_connect(p->tool->ws, p->tool->opt.url, "janus-protocol", &cb, s, error);
  if (!s->ws) {
    g_hash_table_unref(s->tx);
    g_ptr_array_unref(s->handles);
    g_ptr_array_unref(s->waiting);
    g_free(s);
    return NULL;
  }
  return s;
}

static void janus_subscribe(LoadParticipant *p, LoadParticipant *publisher)
{
  JanusSig *s = p->signaling;
  if (s->session)
    subscribe_now(s, publisher);
  else
    g_ptr_array_add(s->waiting, publisher);
}

static void janus_stop(LoadParticipant *p)
{
  JanusSig *s = p->signaling;
  if (s->session)
    send_janus(s, json_pack("{s:s}", "janus", "destroy"), TX_OTHER, NULL);
  if (s->keepalive)
    g_source_remove(s->keepalive);
  load_ws_free(s->ws);
  g_hash_table_unref(s->tx);
  g_ptr_array_unref(s->handles);
  g_ptr_array_unref(s->waiting);
  g_free(s);
}

const LoadAdapter load_adapter_janus = { "janus", janus_start, janus_subscribe, janus_stop };
