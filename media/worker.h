/* worker.h — private: one media worker thread and what the module shares with it.
 *
 * A worker is a GThread running its own GMainContext; it hosts whole rooms
 * (their libnice agents or, with ICE-lite, its UDP mux; DTLS timers; the
 * packet path). Work reaches it only through nara_worker_post(), which
 * queues in order.
 *
 * Threading: nara_worker_new/free/post and `load` belong to the control
 * thread; everything marked {worker} only to the worker thread; the packet
 * counters are relaxed atomics read by anyone.
 */
#pragma once

#include <glib.h>
#include <stdatomic.h>

#include "dtls.h"
#include "media.h"
#include "ice_filter.h"
#include "srtp_session.h"

G_BEGIN_DECLS

/* Read-only configuration every worker uses, owned by NaraMedia and alive
 * until all workers are joined. */
typedef struct {
  char **ice_addresses; /* NULL or NULL-terminated */
  guint port_min, port_max;
  char *announced_address;
  gboolean ice_lite; /* one UDP mux per worker instead of a libnice agent per peer */
  guint16 udp_port;  /* ICE-lite: worker i binds udp_port + i; 0 = ephemeral */
  NaraDtlsContext *dtls;
  GMainContext *control;
  NaraIceFilter *remote_filter; /* full ICE: remote candidates checks may go to */
} NaraMediaShared;

/* One datagram plus SRTP's trailer: RTP above the path MTU is not forwarded. */
#define NARA_WORKER_MTU 1500
#define NARA_WORKER_BUF (NARA_WORKER_MTU + NARA_SRTP_MAX_TAIL)

typedef struct _NaraWorker NaraWorker;
typedef struct _NaraMux NaraMux;
struct _NaraWorker {
  guint index;
  const NaraMediaShared *shared;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  guint load; /* rooms + peers placed here; control thread only */
  /* {worker} the clock when the current receive batch was read (ICE-lite),
   * 0 outside one: the packet path's arrival time without a clock read
   * per packet. Beside the counters every packet writes. */
  gint64 batch_us;

  atomic_uint_fast64_t packets_in;
  atomic_uint_fast64_t packets_forwarded;
  atomic_uint_fast64_t bytes_forwarded;
  atomic_uint_fast64_t packets_dropped;
  atomic_uint_fast64_t srtp_failures;              /* SRTP/SRTCP unprotect failed (also dropped) */
  atomic_uint_fast64_t nacks_received;             /* sequence numbers subscribers asked for */
  atomic_uint_fast64_t rtx_sent;                   /* retransmissions sent to subscribers */
  atomic_uint_fast64_t probe_packets;              /* copies sent to show a downlink carries more */
  atomic_uint_fast64_t nacks_sent;                 /* sequence numbers asked of publishers */
  atomic_uint_fast64_t plis_sent;                  /* keyframe requests sent to publishers */
  atomic_uint_fast64_t keyframe_requests_received; /* PLI/FIR from subscribers */
  atomic_uint_fast64_t layer_switches;             /* a subscriber moved to another layer */
  atomic_uint_fast64_t temporal_dropped; /* frames of a temporal layer a subscriber does not take */
  atomic_uint_fast64_t lost_upstream;    /* publishers' packets that never reached Nara */
  atomic_uint_fast64_t lost_downstream;  /* packets subscribers report lost */
  /* Subscribers' round trip from their Receiver Reports (RFC 3550 §6.4.1):
   * counts per NARA_RTT_BUCKETS_MS bucket (cumulative when read), sum in µs. */
  atomic_uint_fast64_t rtt_buckets[NARA_RTT_N_BUCKETS + 1];
  atomic_uint_fast64_t rtt_sum_us;
  /* Room and peer cores alive on this worker: made on the control thread,
   * freed here, so a count back at its baseline means nothing leaked. */
  atomic_uint live_rooms;
  atomic_uint live_peers;
  /* Once-a-second ticks run: a count that stops means the worker's loop
   * is stuck (the control thread's /readyz looks). */
  atomic_uint ticks;

  NaraMux *mux;               /* ICE-lite only; its sockets and batches are {worker} */
  GPtrArray *rooms;           /* NaraRoomCore*, {worker} */
  GSource *tick;              /* {worker} once a second: REMB and housekeeping */
  guint8 rx[NARA_WORKER_BUF]; /* {worker} received packet, unprotected in place */
  guint8 tx[NARA_WORKER_BUF]; /* {worker} one subscriber's copy at a time */
  GMutex ready_lock;
  GCond ready_cond;
  gboolean ready;
};

/* (transfer full) Starts the thread; returns once it owns its context. */
NaraWorker *nara_worker_new(guint index, const NaraMediaShared *shared, GError **error);
/* Runs the queued work, stops the loop, joins the thread, frees. */
void nara_worker_free(NaraWorker *worker);
/* Queues func(data) on the worker, after everything posted before; destroy
 * runs after it (on the worker), or when the worker context goes away. */
void nara_worker_post(NaraWorker *worker, GSourceFunc func, gpointer data, GDestroyNotify destroy);
/* Same for any context: never runs func in the caller, unlike g_main_context_invoke. */
void nara_post(GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify destroy);

static inline void nara_worker_count(atomic_uint_fast64_t *counter, guint64 n)
{
  atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

G_END_DECLS
