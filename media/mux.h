/* mux.h — private: a media worker's shared UDP sockets for ICE-lite.
 *
 * With media.ice_lite, every peer connection on a worker uses the same
 * socket (one per configured address), so a burst of datagrams for many
 * peers costs one wake-up, one recvmmsg and one sendmmsg. The mux owns the
 * sockets, the receive and send batches, and the two demultiplexing tables:
 * remote transport address → peer (learned from valid checks) and local
 * ufrag → peer (for a peer's first check). What a check means for a peer is
 * lite.c's business.
 *
 * Threading: nara_mux_new() and nara_mux_free() on the control thread
 * (before the worker starts, after it is joined); everything else on the
 * worker thread.
 */
#pragma once

#include <glib.h>

#include "stun.h"
#include "worker.h"

G_BEGIN_DECLS

typedef struct _NaraMux NaraMux;
typedef struct _NaraLite NaraLite;

#define NARA_MUX_MAX_SOCKETS 16

/* A remote transport address as seen on one local socket: the 5-tuple
 * (UDP is implied) packed for hashing. */
typedef struct {
  guint8 socket; /* index of the mux socket it came in on */
  guint8 family; /* AF_INET or AF_INET6 */
  guint16 port;  /* network order */
  guint8 ip[16];
} NaraMuxKey;

void nara_mux_key_init(NaraMuxKey *key, guint socket, const NaraSockAddr *addr);

/* (transfer full) Binds one socket per address in shared->ice_addresses
 * (every non-loopback interface when empty), on shared->udp_port + index,
 * or an ephemeral port when udp_port is 0, and attaches one GSource for
 * all of them to worker->context. */
NaraMux *nara_mux_new(NaraWorker *worker, GError **error);
/* Worker thread, when it stops: no more receiving. */
void nara_mux_detach(NaraMux *mux);
void nara_mux_free(NaraMux *mux);

/* Once a second: consent and connection timeouts of every peer. */
void nara_mux_tick(NaraMux *mux, gint64 now_us);

/* Host candidates of this worker's sockets ("candidate:…", announced
 * address applied) and the first one's address and port. */
const char *const *nara_mux_get_candidates(NaraMux *mux, guint *n);
const char *nara_mux_get_default_address(NaraMux *mux, guint16 *port);

/* For lite.c. ufrag and key point into the lite transport, which keeps
 * them unchanged until it unregisters or unmaps them. */
gboolean nara_mux_register(NaraMux *mux, const char *ufrag, NaraLite *lite);
void nara_mux_unregister(NaraMux *mux, const char *ufrag);
/* Maps a remote address to lite; a peer that held it before forgets it. */
void nara_mux_map(NaraMux *mux, const NaraMuxKey *key, NaraLite *lite);
void nara_mux_unmap(NaraMux *mux, const NaraMuxKey *key);

/* One datagram now (STUN, DTLS, RTCP). */
gboolean nara_mux_send(NaraMux *mux, guint socket, const NaraSockAddr *to, const guint8 *data,
                       gsize len);
/* The next free send-batch buffer (NARA_WORKER_BUF octets), flushing a full
 * batch first. */
guint8 *nara_mux_batch_buffer(NaraMux *mux);
/* Queues what was written into that buffer. owner groups datagrams of one
 * peer for UDP GSO; the batch leaves before the worker polls again. */
gboolean nara_mux_batch_commit(NaraMux *mux, gconstpointer owner, guint socket,
                               const NaraSockAddr *to, gsize len);

/* Between these two, committed datagrams wait in the batch (the receive
 * path brackets each recvmmsg batch with them); end flushes. Outside,
 * commit sends at once. */
void nara_mux_begin_batch(NaraMux *mux);
void nara_mux_end_batch(NaraMux *mux);
/* sendmsg/sendmmsg messages that carried several datagrams with UDP GSO. */
guint64 nara_mux_gso_messages(NaraMux *mux);

/* The worker's poll function (worker.c) when ICE-lite has one socket: waits
 * in recvmmsg instead of poll() (one syscall less per wake-up), up to
 * timeout ms (GLib's next timer, within WAIT_SLACK_MS; 0 = do not wait; -1
 * = no timer) and handles what came. FALSE when fds hold more than the
 * socket and GLib's wake-up fd: then the caller polls. */
gboolean nara_mux_wait(NaraMux *mux, GPollFD *fds, guint n_fds, gint timeout);
/* Any thread: wakes a worker waiting in nara_mux_wait() with an empty
 * datagram to its own socket. */
void nara_mux_ring(NaraMux *mux);

/* Counts one datagram dropped, with a rate-limited debug line. */
void nara_mux_drop(NaraMux *mux, const char *why);

G_END_DECLS
