/* signaling.h — Nara's WebSocket protocol (v1) as the server wires it in.
 *
 * Owns sessions (one per WebSocket), rooms and participants, and drives the
 * media module through media.h. It speaks JSON over libwebsockets; it never
 * includes GStreamer or libnice. The wire protocol is docs/protocol.md.
 *
 * Threading: everything here runs on the control thread, the GLib main
 * loop that libwebsockets runs on. Media callbacks arrive on it too.
 */
#pragma once

#include <glib.h>
#include <libwebsockets.h>

#include "media.h"
#include "turn.h"

G_BEGIN_DECLS

#define NARA_PROTOCOL_VERSION 1
#define NARA_SIGNALING_PROTOCOL_NAME "nara.v1"

typedef struct {
  gsize max_message_bytes;      /* a WebSocket message larger than this closes with 1009 */
  guint max_name_chars;         /* display name */
  guint max_chat_chars;         /* one chat message */
  guint max_rooms;              /* rooms on this node */
  guint max_participants;       /* per room */
  guint max_queued_messages;    /* outgoing queue per session before it is dropped */
  guint messages_per_second;    /* per connection, burst of twice that */
  gboolean open_rooms;          /* /r/NAME rooms anyone with the link can join */
  guint max_connections_per_ip; /* WebSockets open at once per client address; 0: no limit */
  guint hello_timeout_secs;     /* a WebSocket without hello is closed (1008) after this */
  guint ws_ping_secs;           /* silence before nara pings the client; 0: never */
  guint ws_timeout_secs;        /* silence (no message, no pong) before it is dropped; 0: never */
  guint max_candidates;         /* trickled by the client per peer connection */
  guint resume_grace_secs;      /* a participant outlives its socket this long; 0: no resume */
  /* Origins whose pages may open the WebSocket besides the same origin;
   * "*": any (origin.h). NULL-terminated, may be NULL; copied by
   * nara_signaling_new (transfer none). */
  const char *const *allowed_origins;
  NaraTurnConfig turn;  /* TURN credentials in each joined; copied by nara_signaling_new */
  guint max_open_rooms; /* open rooms (/r/NAME) among max_rooms; 0: no cap of their own */
  /* Scheme a same-origin page has ("https", "http"); NULL: either (a
   * TLS-terminating proxy in front). A static string (transfer none). */
  const char *same_origin_scheme;
} NaraSignalingConfig;

typedef struct _NaraSignaling NaraSignaling;

/* Declared in store.h and token.h; repeated here so that users
 * of this header need not include them (C11 allows the same typedef twice). */
typedef struct _NaraStore NaraStore;
typedef struct _NaraTokenVerifier NaraTokenVerifier;

/* (transfer full) media: (transfer none), must outlive the signaling. */
NaraSignaling *nara_signaling_new(const NaraSignalingConfig *config, NaraMedia *media);
/* Closes every session and room (peers closed through media), frees all. */
void nara_signaling_free(NaraSignaling *signaling);

/* The libwebsockets protocol entry for the WebSocket endpoint; its `user`
 * field points at the signaling object. (transfer none) */
const struct lws_protocols *nara_signaling_lws_protocol(NaraSignaling *signaling);

/* Turns consultations on: `join` with a token, waiting room, roles, host
 * controls and audit records (docs/consultations.md). store and tokens:
 * (transfer none), must outlive the signaling. store NULL: consultations
 * disabled (a token join gets `room-closed`); tokens may then be NULL too.
 * Call once, before the listener accepts sockets. */
void nara_signaling_set_consultations(NaraSignaling *signaling, NaraStore *store,
                                      NaraTokenVerifier *tokens);

/* The REST API or the CLI changed a consultation in the store (updated,
 * cancelled, a participant deleted): signaling reloads it and applies the
 * change to the live sessions. Cancelled: everyone gets status "ended" and
 * is closed. A deleted (or removed) participant who is in the call or
 * waiting is removed. Lock and auto-admit changes apply to later joins.
 * consultation_id: (transfer none). Unknown or idle consultations: no-op.
 * The reload runs on the store's thread: the change applies in a later
 * turn of the main loop (nara_store_flush() runs it at once). */
void nara_signaling_consultation_changed(NaraSignaling *signaling, const char *consultation_id);

/* Takes the node out of service (SIGTERM): no new room or consultation
 * starts here (`draining` errors), live calls go on; those in them are
 * told the deadline warning_secs before it and closed with 1012 at
 * deadline_secs. on_empty(data) runs once, when no one is in a call or
 * waiting room any more. Call once. (drain.c) */
void nara_signaling_drain(NaraSignaling *signaling, guint deadline_secs, guint warning_secs,
                          GSourceFunc on_empty, gpointer data);
/* For /readyz: TRUE once nara_signaling_drain ran. */
gboolean nara_signaling_is_draining(NaraSignaling *signaling);

/* Many nodes (docs/design.md, "Many nodes"): the registry in Redis. */
typedef struct {
  const char *redis;    /* "unix:/path/redis.sock", "IP:PORT" or "[IPv6]:PORT" */
  const char *node_id;  /* this node's name in the registry; NULL or "": random */
  const char *node_url; /* the wss:// URL clients reach this node's WebSocket at */
} NaraClusterConfig;

/* Joins the cluster: each room runs on one node, a join reaching another
 * node gets `redirect`. Strings are copied. FALSE with error for an
 * address that is not a unix socket or an IP literal with a port. Call
 * once, before the listener accepts sockets. (placement.c, registry.c) */
gboolean nara_signaling_set_cluster(NaraSignaling *signaling, const NaraClusterConfig *config,
                                    GError **error);
/* For /readyz: FALSE while a configured registry does not answer. */
gboolean nara_signaling_registry_ok(NaraSignaling *signaling);

/* Appends signaling's own /metrics lines (join and store latency
 * histograms, the draining gauge) to out. (telemetry.c) */
void nara_signaling_render_metrics(NaraSignaling *signaling, GString *out);

/* For /healthz and logs. */
guint nara_signaling_n_sessions(NaraSignaling *signaling);
guint nara_signaling_n_rooms(NaraSignaling *signaling);

G_END_DECLS
