/* signaling.c — the NaraSignaling object and its libwebsockets protocol.
 *
 * Owns the session set, the room table and the count of sockets per
 * client address, and routes lws callbacks for the WebSocket endpoint
 * (/ws only) to sessions. Before the upgrade it refuses foreign browser
 * origins (403) and addresses over their socket limit (429), so a refused
 * peer costs no session. It does not parse or answer messages
 * (dispatch.c and handlers), nor serve HTTP (server/).
 *
 * Threading: control thread (lws runs on the GLib main loop).
 */
#include "signaling-private.h"
#include "registry.h"

#include <string.h>

#include "origin.h"

#define WS_PATH "/ws"
/* Longer Origin or Host headers are no browser's: refused. */
#define MAX_HEADER_LEN 256
/* Room for an IPv6 address in text. */
#define MAX_IP_LEN 64

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

/* Header token into buf; NULL when absent; "" (refused) when too long. */
static const char *header(struct lws *wsi, enum lws_token_indexes token, char *buf, int size)
{
  if (lws_hdr_total_length(wsi, token) <= 0)
    return NULL;
  if (lws_hdr_copy(wsi, buf, size, token) < 0)
    buf[0] = '\0';
  return buf;
}

static void peer_ip(struct lws *wsi, char *buf, size_t size)
{
  if (!lws_get_peer_simple(wsi, buf, size))
    g_strlcpy(buf, "?", size);
}

static guint ip_count(NaraSignaling *sig, const char *ip)
{
  return GPOINTER_TO_UINT(g_hash_table_lookup(sig->per_ip, ip));
}

/* Refuses with an HTTP/1.1 status line of our own (lws would write
 * "HTTP/1.0 429 " with no reason, which some clients cannot parse) and
 * hangs up (-1) rather than keeping the connection for more requests
 * (> 0): the refused peer gets nothing more, and lws' upgrade-refusal
 * path has had a use-after-free (CVE-2025-11677). */
static int refuse(struct lws *wsi, unsigned int status, const char *reason)
{
  unsigned char buf[LWS_PRE + 256];
  int n = g_snprintf((char *)buf + LWS_PRE, sizeof buf - LWS_PRE,
                     "HTTP/1.1 %u %s\r\ncontent-type: text/plain\r\ncontent-length: %zu\r\n"
                     "connection: close\r\n\r\n%s\n",
                     status, reason, strlen(reason) + 1, reason);
  lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_HEADERS);
  return -1;
}

/* Before the upgrade, while it is still HTTP. A page from another site
 * gets 403: CORS does not cover WebSockets, so without this any site
 * could open a socket from the user's browser and network (cross-site
 * WebSocket hijacking). A client without Origin is not a browser and
 * could send any Origin, so it passes. Then the per-address limit: 429. */
static int on_confirm_upgrade(NaraSignaling *sig, struct lws *wsi)
{
  char origin_buf[MAX_HEADER_LEN + 1], host_buf[MAX_HEADER_LEN + 1], ip[MAX_IP_LEN];
  const char *origin = header(wsi, WSI_TOKEN_ORIGIN, origin_buf, sizeof origin_buf);
  const char *host = header(wsi, WSI_TOKEN_HOST, host_buf, sizeof host_buf);
  guint limit = sig->config.max_connections_per_ip;

  if (!nara_origin_allowed(origin, host, sig->config.same_origin_scheme,
                           (const char *const *)sig->allowed_origins)) {
    g_info("WebSocket refused (403): Origin not allowed (server.allowed_origins): %s", origin);
    return refuse(wsi, HTTP_STATUS_FORBIDDEN, "Forbidden");
  }
  peer_ip(wsi, ip, sizeof ip);
  if (limit && ip_count(sig, ip) >= limit) {
    /* Logged at info, not warning: a flood must not flood the log too. */
    g_info("WebSocket refused (429): %u open from one address "
           "(signaling.max_connections_per_ip)",
           limit);
    return refuse(wsi, 429, "Too Many Requests");
  }
  return 0;
}

static void count_session(NaraSignaling *sig, NaraSession *s, struct lws *wsi)
{
  char ip[MAX_IP_LEN];
  peer_ip(wsi, ip, sizeof ip);
  s->peer_ip = g_strdup(ip);
  g_hash_table_insert(sig->per_ip, g_strdup(ip), GUINT_TO_POINTER(ip_count(sig, ip) + 1));
}

void nara_signaling_uncount_session(NaraSignaling *sig, NaraSession *s)
{
  guint n;
  if (!s->peer_ip)
    return;
  n = ip_count(sig, s->peer_ip);
  if (n <= 1)
    g_hash_table_remove(sig->per_ip, s->peer_ip);
  else
    g_hash_table_insert(sig->per_ip, g_strdup(s->peer_ip), GUINT_TO_POINTER(n - 1));
  g_clear_pointer(&s->peer_ip, g_free);
}

void nara_signaling_release_socket(NaraSignaling *sig, NaraSession *s)
{
  NaraSessionSlot *slot;

  if (!s->wsi)
    return;
  slot = lws_wsi_user(s->wsi);
  if (slot)
    slot->session = NULL;
  /* The client left it for a new one: no close frame, it may be dead. */
  lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  s->wsi = NULL;
  nara_signaling_uncount_session(sig, s);
}

/* The session's next deadline: hello, ping or drop (session.c). */
static void arm_timer(struct lws *wsi, NaraSession *s)
{
  gint64 next = nara_session_timer(s);
  if (next)
    lws_set_timer_usecs(wsi, next);
}

static int signaling_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                              void *in, size_t len)
{
  const struct lws_protocols *protocol = lws_get_protocol(wsi);
  NaraSignaling *sig = protocol ? protocol->user : NULL;
  NaraSessionSlot *slot = user;

  switch (reason) {
  case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
    return sig ? on_confirm_upgrade(sig, wsi) : -1;
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    return on_filter(wsi);
  case LWS_CALLBACK_ESTABLISHED:
    if (!sig || !slot)
      return -1;
    slot->session = nara_session_new(sig, wsi);
    count_session(sig, slot->session, wsi);
    arm_timer(wsi, slot->session);
    return 0;
  case LWS_CALLBACK_TIMER:
    if (slot && slot->session)
      arm_timer(wsi, slot->session);
    return 0;
  case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    /* 1000 or 1001 (a tab closed, a page left): the client meant to go,
     * so its session is not kept for a resume. Any other end (no close
     * frame at all, as when a network goes away) may be resumed. */
    if (slot && slot->session && len >= 2) {
      const unsigned char *code = in;
      guint status = (guint)code[0] << 8 | code[1];
      if (status == LWS_CLOSE_STATUS_NORMAL || status == LWS_CLOSE_STATUS_GOINGAWAY)
        slot->session->no_resume = TRUE;
    }
    return 0;
  case LWS_CALLBACK_RECEIVE_PONG:
    if (slot && slot->session)
      nara_session_alive(slot->session);
    return 0;
  case LWS_CALLBACK_RECEIVE:
    if (slot && slot->session)
      nara_session_alive(slot->session);
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
  sig->allowed_origins = g_strdupv((char **)config->allowed_origins);
  sig->config.allowed_origins = (const char *const *)sig->allowed_origins;
  sig->turn_urls = g_strdupv((char **)config->turn.urls);
  sig->turn_secret = g_strdup(config->turn.secret);
  sig->config.turn.urls = (const char *const *)sig->turn_urls;
  sig->config.turn.secret = sig->turn_secret;
  sig->per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  sig->media = media;
  sig->rooms = g_hash_table_new(g_str_hash, g_str_equal);
  nara_histogram_init(&sig->join_seconds, nara_histogram_wait_bounds, nara_histogram_n_wait_bounds);
  nara_histogram_init(&sig->store_seconds, nara_histogram_wait_bounds,
                      nara_histogram_n_wait_bounds);
  sig->sessions = g_hash_table_new(NULL, NULL);
  sig->resumable = g_hash_table_new(g_str_hash, g_str_equal);
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
  nara_drain_stop(sig);
  g_clear_pointer(&sig->refusals, nara_audit_summary_free);
  /* Normally the listener closed every socket first and this is empty. */
  g_hash_table_iter_init(&iter, sig->sessions);
  while (g_hash_table_iter_next(&iter, &key, NULL)) {
    NaraSession *s = key;
    NaraSessionSlot *slot = s->wsi ? lws_wsi_user(s->wsi) : NULL;
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
  /* After the rooms: their leases are given up as they go. */
  g_clear_pointer(&sig->registry, nara_registry_free);
  g_hash_table_unref(sig->sessions);
  g_hash_table_unref(sig->rooms);
  g_hash_table_unref(sig->resumable);
  g_hash_table_unref(sig->per_ip);
  g_strfreev(sig->allowed_origins);
  g_strfreev(sig->turn_urls);
  g_free(sig->turn_secret);
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
