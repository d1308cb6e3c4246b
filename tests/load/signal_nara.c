/* signal_nara.c — the load tool's adapter for Nara's protocol v1
 * (docs/protocol.md): hello, join, publish + trickle, and answering every
 * subscribe offer (renegotiations included) on one subscribe connection.
 *
 * One WebSocket per participant, as a browser has. Subscribing needs no
 * request: Nara offers the room's tracks by itself, so subscribe() does
 * nothing. Errors from the server end the run. No chat, mute or reconnects.
 *
 * Threading: the tool's only thread.
 */
#include "load.h"
#include "ws.h"

#include <string.h>

typedef struct {
  LoadParticipant *p;
  LoadWs *ws;
  gint next_id;
  LoadSubPeer *sub;
} NaraSig;

static void send_request(NaraSig *s, json_t *msg)
{
  json_object_set_new(msg, "id", json_integer(++s->next_id));
  load_ws_send(s->ws, msg);
}

/* Our host candidates, then end-of-candidates (a null candidate). */
static void trickle(NaraSig *s, LoadPeer *peer, const char *pc)
{
  guint n;
  const char *const *cands = load_peer_local_candidates(peer, &n);
  for (guint i = 0; i <= n; i++) {
    json_t *c = i < n ? json_pack("{s:s, s:s, s:i}", "candidate", cands[i], "sdpMid", "0",
                                  "sdpMLineIndex", 0)
                      : json_null();
    load_ws_send(s->ws,
                 json_pack("{s:s, s:s, s:o}", "type", "candidate", "pc", pc, "candidate", c));
  }
}

static void on_welcome(NaraSig *s, json_t *msg)
{
  g_autofree char *room = g_strdup_printf("%s-%u", s->p->tool->opt.room_prefix, s->p->room);
  (void)msg;
  send_request(s, json_pack("{s:s, s:s, s:s}", "type", "join", "room", room, "name", s->p->name));
  load_participant_join_sent(s->p);
}

static void on_joined(NaraSig *s, json_t *msg)
{
  g_autoptr(GError) error = NULL;
  (void)msg;
  load_participant_joined(s->p);
  if (!s->p->publishes)
    return;
  g_autofree char *offer = load_participant_publish_offer(s->p, &error);
  if (!offer) {
    load_participant_fail(s->p, "publish offer: %s", error->message);
    return;
  }
  send_request(s, json_pack("{s:s, s:s}", "type", "publish", "sdp", offer));
  trickle(s, s->p->pub_peer, "publish");
}

static void on_answer(NaraSig *s, json_t *msg)
{
  g_autoptr(GError) error = NULL;
  const char *sdp = json_string_value(json_object_get(msg, "sdp"));
  if (!s->p->pub_peer || !sdp || !load_peer_apply_answer(s->p->pub_peer, sdp, &error))
    load_participant_fail(s->p, "publish answer: %s", error ? error->message : "unusable");
}

static void on_offer(NaraSig *s, json_t *msg)
{
  g_autoptr(GError) error = NULL;
  const char *sdp = json_string_value(json_object_get(msg, "sdp"));
  json_t *revision = json_object_get(msg, "revision");
  gboolean first = s->sub == NULL;

  if (!sdp || !json_is_integer(revision)) {
    load_participant_fail(s->p, "subscribe offer without sdp or revision");
    return;
  }
  if (first && !(s->sub = load_participant_add_sub_peer(s->p, &error))) {
    load_participant_fail(s->p, "subscribe connection: %s", error->message);
    return;
  }
  g_autofree char *answer = load_peer_answer_offer(s->sub->peer, sdp, &error);
  if (!answer) {
    load_participant_fail(s->p, "subscribe offer: %s", error->message);
    return;
  }
  load_ws_send(s->ws, json_pack("{s:s, s:s, s:O, s:s}", "type", "answer", "pc", "subscribe",
                                "revision", revision, "sdp", answer));
  if (first)
    trickle(s, s->sub->peer, "subscribe");
}

static void on_candidate(NaraSig *s, json_t *msg)
{
  g_autoptr(GError) error = NULL;
  const char *pc = json_string_value(json_object_get(msg, "pc"));
  json_t *c = json_object_get(msg, "candidate");
  const char *line = json_string_value(json_object_get(c, "candidate"));
  LoadPeer *peer = g_strcmp0(pc, "publish") == 0 ? s->p->pub_peer : s->sub ? s->sub->peer : NULL;
  if (peer && !load_peer_add_remote_candidate(peer, line, &error))
    load_tool_log(s->p->tool, "%s: candidate ignored: %s", s->p->name, error->message);
}

static void on_error(NaraSig *s, json_t *msg)
{
  load_participant_fail(s->p, "server error %s: %s",
                        json_string_value(json_object_get(msg, "code")),
                        json_string_value(json_object_get(msg, "message")));
}

/* The layers nobody takes are paused at the source, as the web client does. */
static void on_send_layers(NaraSig *s, json_t *msg)
{
  gboolean send[LOAD_LAYERS] = { FALSE };
  json_t *rids = json_object_get(msg, "send");
  for (gsize i = 0; i < json_array_size(rids); i++)
    for (guint k = 0; k < LOAD_LAYERS; k++)
      if (g_strcmp0(json_string_value(json_array_get(rids, i)), load_layer_rids[k]) == 0)
        send[k] = TRUE;
  load_publisher_send_layers(s->p->publisher, send);
}

static const struct {
  const char *type;
  void (*handle)(NaraSig *s, json_t *msg);
} handlers[] = {
  { "welcome", on_welcome },         { "joined", on_joined },
  { "answer", on_answer },           { "offer", on_offer },
  { "candidate", on_candidate },     { "error", on_error },
  { "send-layers", on_send_layers },
};

static void on_message(LoadWs *ws, json_t *msg, gpointer user_data)
{
  NaraSig *s = user_data;
  const char *type = json_string_value(json_object_get(msg, "type"));
  (void)ws;
  for (guint i = 0; type && i < G_N_ELEMENTS(handlers); i++) {
    if (strcmp(type, handlers[i].type) == 0) {
      handlers[i].handle(s, msg);
      return;
    }
  }
}

static void on_opened(LoadWs *ws, gpointer user_data)
{
  NaraSig *s = user_data;
  (void)ws;
  send_request(s, json_pack("{s:s, s:i}", "type", "hello", "version", 1));
}

static void on_closed(LoadWs *ws, const char *reason, gpointer user_data)
{
  NaraSig *s = user_data;
  (void)ws;
  load_participant_fail(s->p, "signaling connection: %s", reason);
}

static gpointer nara_start(LoadParticipant *p, GError **error)
{
  static const LoadWsCallbacks cb = { on_opened, on_message, on_closed };
  NaraSig *s = g_new0(NaraSig, 1);
  s->p = p;
  s->ws = load_ws_connect(p->tool->ws, p->tool->opt.url, NULL, &cb, s, error);
  if (!s->ws) {
    g_free(s);
    return NULL;
  }
  return s;
}

static void nara_subscribe(LoadParticipant *p, LoadParticipant *publisher)
{
  (void)p, (void)publisher;
}

static void nara_stop(LoadParticipant *p)
{
  NaraSig *s = p->signaling;
  send_request(s, json_pack("{s:s}", "type", "leave"));
  load_ws_free(s->ws);
  g_free(s);
}

const LoadAdapter load_adapter_nara = { "nara", nara_start, nara_subscribe, nara_stop };
