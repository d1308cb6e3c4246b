/* signaling.c — the NaraSignaling object and its libwebsockets protocol.
 *
 * Owns the session set and the room table, and routes lws callbacks for
 * the WebSocket endpoint (/ws only) to sessions. It does not parse or
 * answer messages (dispatch.c and handlers), nor serve HTTP (server/).
 *
 * Threading: control thread (lws runs on the GLib main loop).
 */
#include "signaling-private.h"

#include <string.h>

#define WS_PATH "/ws"

/* What lws keeps per connection: only a pointer, so a session can outlive
 * its slot during teardown and be found from the signaling object. */
typedef struct {
  NaraSession *session;
} NaraSessionSlot;

static int on_filter(struct lws *wsi)
{
  char path[16];
  /* Any other path would be an accident (or a probe): only /ws upgrades. */
  if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0 || !g_str_equal(path, WS_PATH))
    return 1;
  return 0;
}

static int signaling_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                              void *in, size_t len)
{
  const struct lws_protocols *protocol = lws_get_protocol(wsi);
  NaraSignaling *sig = protocol ? protocol->user : NULL;
  NaraSessionSlot *slot = user;

  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    return on_filter(wsi);
  case LWS_CALLBACK_ESTABLISHED:
    if (!sig || !slot)
      return -1;
    slot->session = nara_session_new(sig, wsi);
    return 0;
  case LWS_CALLBACK_RECEIVE:
    return slot && slot->session ? nara_session_receive(slot->session, wsi, in, len) : -1;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    return slot && slot->session ? nara_session_writeable(slot->session) : -1;
  case LWS_CALLBACK_CLOSED:
    if (slot && slot->session) {
      nara_session_closed(slot->session);
      slot->session = NULL;
    }
    return 0;
  default:
    break;
  }
  return 0;
}

NaraSignaling *nara_signaling_new(const NaraSignalingConfig *config, NaraMedia *media)
{
  NaraSignaling *sig = g_new0(NaraSignaling, 1);

  sig->config = *config;
  sig->media = media;
  sig->rooms = g_hash_table_new(g_str_hash, g_str_equal);
  sig->sessions = g_hash_table_new(NULL, NULL);
  sig->protocol.name = NARA_SIGNALING_PROTOCOL_NAME;
  sig->protocol.callback = signaling_callback;
  sig->protocol.per_session_data_size = sizeof(NaraSessionSlot);
  /* Input is reassembled in session.c up to max_message_bytes. */
  sig->protocol.rx_buffer_size = 16384;
  sig->protocol.user = sig;
  return sig;
}

void nara_signaling_free(NaraSignaling *sig)
{
  GHashTableIter iter;
  gpointer key, value;

  if (!sig)
    return;
  /* Normally the listener closed every socket first and this is empty. */
  g_hash_table_iter_init(&iter, sig->sessions);
  while (g_hash_table_iter_next(&iter, &key, NULL)) {
    NaraSession *s = key;
    NaraSessionSlot *slot = lws_wsi_user(s->wsi);
    if (slot)
      slot->session = NULL;
    nara_consultation_session_gone(s, "disconnected");
    g_hash_table_iter_remove(&iter);
    nara_session_free(s);
  }
  g_hash_table_iter_init(&iter, sig->rooms);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    g_hash_table_iter_steal(&iter);
    nara_room_free(value);
  }
  g_hash_table_unref(sig->sessions);
  g_hash_table_unref(sig->rooms);
  g_free(sig);
}

const struct lws_protocols *nara_signaling_lws_protocol(NaraSignaling *sig)
{
  return &sig->protocol;
}

guint nara_signaling_n_sessions(NaraSignaling *sig)
{
  return g_hash_table_size(sig->sessions);
}

guint nara_signaling_n_rooms(NaraSignaling *sig)
{
  return g_hash_table_size(sig->rooms);
}
