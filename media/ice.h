/* ice.h — private: one ICE transport (one libnice stream, one component:
 * BUNDLE and rtcp-mux only).
 *
 * Wraps a NiceAgent running on a media worker's context: host candidates as
 * SDP strings, remote credentials and candidates, sending and a receive
 * callback. It never parses SDP as a whole and knows nothing of DTLS.
 *
 * Threading: everything, callbacks included, on the worker whose context
 * the transport was made with.
 */
#pragma once

#include <glib.h>

#include "ice_filter.h"
#include "transport.h"

G_BEGIN_DECLS

typedef struct _NaraIce NaraIce;

typedef enum {
  NARA_ICE_CHECKING,
  NARA_ICE_CONNECTED,
  NARA_ICE_FAILED, /* checks failed or consent (RFC 7675) was lost */
} NaraIceState;

typedef struct {
  const char *const *addresses; /* host candidate addresses; NULL/empty = discover */
  guint port_min, port_max;
  const char *announced_address; /* replaces the address in every candidate, or NULL */
  gboolean controlling;
  /* Remote candidates it refuses are dropped (ice_filter.h); NULL: none
   * (tests on loopback; media always gives one). (transfer none) must
   * outlive the transport. */
  const NaraIceFilter *remote_filter;
} NaraIceConfig;

typedef struct {
  /* A datagram that is not STUN; data may be modified by the callee.
   * TRUE: it was SRTP or SRTCP that authenticated (and was no replay), so
   * the peer holding the keys sent it; ICE-lite counts that as consent
   * (lite.c). */
  gboolean (*receive)(guint8 *data, gsize len, gpointer user_data);
  void (*state_changed)(NaraIceState state, gpointer user_data);
} NaraIceCallbacks;

/* (transfer full) Creates the agent on context and gathers host candidates
 * (ready on return). */
NaraIce *nara_ice_new(GMainContext *context, const NaraIceConfig *config,
                      const NaraIceCallbacks *callbacks, gpointer user_data, GError **error);
/* No callback runs after this. */
void nara_ice_free(NaraIce *ice);
/* The same agent behind the peer transport interface (transport.h); it
 * stays owned by ice (nara_transport_free() frees it). */
NaraTransport *nara_ice_transport(NaraIce *ice);

const char *nara_ice_get_ufrag(NaraIce *ice);
const char *nara_ice_get_pwd(NaraIce *ice);
/* "candidate:…" strings of the local candidates, announced address applied. */
const char *const *nara_ice_get_local_candidates(NaraIce *ice, guint *n);
/* The first candidate's address and port, for the SDP c= and m= lines. */
const char *nara_ice_get_default_address(NaraIce *ice, guint16 *port);

/* ICE restart: new local credentials, remote ones forgotten. */
gboolean nara_ice_restart(NaraIce *ice, GError **error);
gboolean nara_ice_set_remote_credentials(NaraIce *ice, const char *ufrag, const char *pwd,
                                         GError **error);
/* candidate: "candidate:…" with or without "a=". TCP and mDNS (".local")
 * candidates, and those whose address the remote filter refuses (no check
 * is ever sent there), are skipped and still return TRUE; malformed ones
 * fail. */
gboolean nara_ice_add_remote_candidate(NaraIce *ice, const char *candidate, GError **error);
/* The remote said end-of-candidates: ICE may now conclude it failed. */
void nara_ice_remote_candidates_done(NaraIce *ice);
/* FALSE while there is no pair to send on. */
gboolean nara_ice_send(NaraIce *ice, const guint8 *data, gsize len);

G_END_DECLS
