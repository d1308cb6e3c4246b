/* lite.h — private: one peer connection's ICE-lite transport on the worker mux.
 *
 * The server side of RFC 8445 §2.5: it never sends checks, it answers the
 * browser's, learns from them where the browser is (the selected address
 * follows USE-CANDIDATE, §7.3.1.5), and declares the peer dead when both
 * checks and authenticated media from the selected address stop (consent,
 * RFC 7675 §5.1, widened: see lite.c). Implements NaraTransport
 * (transport.h).
 *
 * Threading: the worker that owns the mux, for every call and callback.
 */
#pragma once

#include <glib.h>

#include "ice.h"
#include "mux.h"
#include "stun.h"
#include "transport.h"

G_BEGIN_DECLS

/* RFC 7675 §5.1: consent expires 30 s after the last valid check (or
 * authenticated SRTP/SRTCP from the selected address); the same bound
 * applies to the first check after the remote description. */
#define NARA_LITE_CONSENT_US (30 * G_USEC_PER_SEC)

/* (transfer full) A transport on mux. callbacks->receive gets datagrams in
 * the mux's receive buffer: writable, NARA_WORKER_BUF octets of room. */
NaraTransport *nara_lite_new(NaraMux *mux, const NaraIceCallbacks *callbacks, gpointer user_data,
                             GError **error);

/* From the mux, for a Binding request whose USERNAME starts with this
 * transport's ufrag; msg has passed nara_stun_parse() with a FINGERPRINT. */
void nara_lite_handle_request(NaraLite *lite, guint socket, const NaraSockAddr *from,
                              const guint8 *data, gsize len, const NaraStunMessage *msg);
/* From the mux: a datagram that is not STUN from one of lite's addresses
 * (from, which the mux mapped to lite). */
void nara_lite_receive(NaraLite *lite, const NaraMuxKey *from, guint8 *data, gsize len);
/* From the mux: key now belongs to another peer; drop it without unmapping. */
void nara_lite_forget(NaraLite *lite, const NaraMuxKey *key);
void nara_lite_tick(NaraLite *lite, gint64 now_us);

G_END_DECLS
