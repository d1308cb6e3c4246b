/* transport.h — private: what a peer connection needs from its ICE transport.
 *
 * Two implementations: ice.c (libnice, full ICE, one socket per peer) and
 * lite.c (ICE-lite on the worker's shared UDP socket, mux.c). peer.c and
 * room.c see only this table, so SDP, DTLS, SRTP, routing and forwarding
 * are the same code whichever transport carries the datagrams. Both report
 * through NaraIceCallbacks (ice.h).
 *
 * Threading: a transport lives on one media worker; every call and callback
 * runs there.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NaraTransport NaraTransport;

typedef struct {
  const char *(*get_ufrag)(NaraTransport *t);
  const char *(*get_pwd)(NaraTransport *t);
  /* "candidate:…" strings, announced address applied. */
  const char *const *(*get_local_candidates)(NaraTransport *t, guint *n);
  /* The first candidate's address and port, for c= and m=. */
  const char *(*get_default_address)(NaraTransport *t, guint16 *port);
  gboolean (*set_remote_credentials)(NaraTransport *t, const char *ufrag, const char *pwd,
                                     GError **error);
  /* ICE restart (RFC 8445 §9): new local ufrag and password, remote ones
   * and candidates forgotten; the path in use keeps carrying data until
   * checks with the new credentials prove another, and a failed transport
   * may come back. */
  gboolean (*restart)(NaraTransport *t, GError **error);
  gboolean (*add_remote_candidate)(NaraTransport *t, const char *candidate, GError **error);
  void (*remote_candidates_done)(NaraTransport *t);
  /* One datagram now (DTLS, RTCP); FALSE while there is nowhere to send. */
  gboolean (*send)(NaraTransport *t, const guint8 *data, gsize len);
  /* Forwarding, optional: a buffer of NARA_WORKER_BUF octets for the next
   * datagram, then commit queues it; it leaves before the worker goes back
   * to poll. Without these, the caller builds in its own buffer and calls
   * send. Nothing may be sent on the transport between the two calls. */
  guint8 *(*batch_buffer)(NaraTransport *t);
  gboolean (*batch_commit)(NaraTransport *t, gsize len);
  void (*free)(NaraTransport *t);
} NaraTransportOps;

/* Embedded first in each implementation's struct. */
struct _NaraTransport {
  const NaraTransportOps *ops;
  gboolean ice_lite; /* say a=ice-lite in SDP */
};

static inline void nara_transport_free(NaraTransport *t)
{
  if (t)
    t->ops->free(t);
}

static inline const char *nara_transport_get_ufrag(NaraTransport *t)
{
  return t->ops->get_ufrag(t);
}

static inline const char *nara_transport_get_pwd(NaraTransport *t)
{
  return t->ops->get_pwd(t);
}

static inline const char *const *nara_transport_get_local_candidates(NaraTransport *t, guint *n)
{
  return t->ops->get_local_candidates(t, n);
}

static inline const char *nara_transport_get_default_address(NaraTransport *t, guint16 *port)
{
  return t->ops->get_default_address(t, port);
}

static inline gboolean nara_transport_set_remote_credentials(NaraTransport *t, const char *ufrag,
                                                             const char *pwd, GError **error)
{
  return t->ops->set_remote_credentials(t, ufrag, pwd, error);
}

static inline gboolean nara_transport_restart(NaraTransport *t, GError **error)
{
  return t->ops->restart(t, error);
}

static inline gboolean nara_transport_add_remote_candidate(NaraTransport *t, const char *candidate,
                                                           GError **error)
{
  return t->ops->add_remote_candidate(t, candidate, error);
}

static inline void nara_transport_remote_candidates_done(NaraTransport *t)
{
  t->ops->remote_candidates_done(t);
}

static inline gboolean nara_transport_send(NaraTransport *t, const guint8 *data, gsize len)
{
  return t->ops->send(t, data, len);
}

/* scratch: the caller's buffer, used when the transport does not batch. */
static inline guint8 *nara_transport_batch_buffer(NaraTransport *t, guint8 *scratch)
{
  return t->ops->batch_buffer ? t->ops->batch_buffer(t) : scratch;
}

/* buf: what nara_transport_batch_buffer() returned. */
static inline gboolean nara_transport_batch_commit(NaraTransport *t, const guint8 *buf, gsize len)
{
  return t->ops->batch_commit ? t->ops->batch_commit(t, len) : t->ops->send(t, buf, len);
}

G_END_DECLS
