/* mux.c — a media worker's UDP sockets for ICE-lite: receive, demultiplex, send.
 *
 * Owns the worker's non-blocking sockets, one GSource watching them all,
 * the receive batch (recvmmsg) and the send batch (sendmmsg, with UDP GSO
 * where consecutive datagrams to one peer have one size), and the tables
 * from remote address and from ufrag to the peer's lite transport. It does
 * not judge checks (lite.c) nor look inside DTLS or SRTP. Created and freed
 * on the control thread around the worker's life; runs on the worker.
 */
#include "mux.h"

#include "drop_log.h"
#include "lite.h"
#include "media.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>
#include <nice/interfaces.h>

/* Datagrams per recvmmsg; a short batch means the queue was empty, and
 * the level-triggered source wakes again for anything later. */
#define RX_BATCH 32
/* Batches drained per wake-up before other sources (commands, DTLS timers)
 * get their turn. */
#define RX_ROUNDS 8
/* Datagrams queued before a sendmmsg: with ten subscribers, six received
 * packets' worth, enough for GSO to find a subscriber's packets together. */
#define TX_BATCH 64
/* Linux's UDP_MAX_SEGMENTS was 64 for years (newer kernels allow more);
 * the payload of one GSO send stays below the 64 KiB of an IP datagram. */
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 60000
#define SOCKET_BUFFER (4 * 1024 * 1024)
/* How far the socket's receive timeout may drift from GLib's next timer
 * before it is set again: setting it is a syscall, and the next timer moves
 * closer with every wake-up. A timer runs at most this late, and only
 * while no datagram arrives. */
#define WAIT_SLACK_MS 20

typedef struct {
  int fd;
  gpointer tag;
  char address[INET6_ADDRSTRLEN];
  guint16 port;
  NaraSockAddr self; /* where nara_mux_ring() sends its empty datagram */
} MuxSocket;

/* One queued datagram; its octets are tx + index * NARA_WORKER_BUF. */
typedef struct {
  gconstpointer owner;
  guint socket;
  gsize len;
  NaraSockAddr to;
} TxSlot;

typedef union {
  char buf[CMSG_SPACE(sizeof(guint16))];
  struct cmsghdr align;
} GsoControl;

typedef struct {
  GSource base;
  NaraMux *mux;
} MuxSource;

struct _NaraMux {
  NaraWorker *worker;
  MuxSource *source;
  MuxSocket sockets[NARA_MUX_MAX_SOCKETS];
  guint n_sockets;
  char *candidates[NARA_MUX_MAX_SOCKETS + 1];
  char default_address[INET6_ADDRSTRLEN];
  GHashTable *by_ufrag;   /* char* (the lite's) → NaraLite* */
  GHashTable *by_address; /* NaraMuxKey* (the lite's) → NaraLite* */
  gboolean gso;
  guint64 gso_messages;
  gboolean batching;
  gint wait_ms; /* the first socket's SO_RCVTIMEO, -1 for none */
  /* Cleared by anything in a batch but SRTP or SRTCP for a known peer
   * (see handle_datagram) and by a receive that timed out: GLib must then
   * look at its sources before the worker sleeps again. */
  gboolean only_media;

  guint8 *rx; /* RX_BATCH buffers of NARA_WORKER_BUF */
  struct mmsghdr rx_msgs[RX_BATCH];
  guint rx_filled; /* entries the last recvmmsg wrote into */
  struct iovec rx_iov[RX_BATCH];
  NaraSockAddr rx_from[RX_BATCH];

  guint8 *tx; /* TX_BATCH buffers of NARA_WORKER_BUF */
  TxSlot tx_slots[TX_BATCH];
  guint n_tx;
  guint tx_order[TX_BATCH];
  struct iovec tx_iov[TX_BATCH];
  struct mmsghdr tx_msgs[TX_BATCH];
  guint tx_msg_socket[TX_BATCH];
  guint tx_msg_first[TX_BATCH]; /* index into tx_order of a message's first segment */
  GsoControl tx_control[TX_BATCH];
};

/* ---- keys ---- */

void nara_mux_key_init(NaraMuxKey *key, guint socket, const NaraSockAddr *addr)
{
  memset(key, 0, sizeof *key);
  key->socket = (guint8)socket;
  key->family = (guint8)addr->sa.sa_family;
  if (addr->sa.sa_family == AF_INET6) {
    key->port = addr->v6.sin6_port;
    memcpy(key->ip, &addr->v6.sin6_addr, 16);
  } else {
    key->port = addr->v4.sin_port;
    memcpy(key->ip, &addr->v4.sin_addr, 4);
  }
}

static guint key_hash(gconstpointer p)
{
  /* FNV-1a over the 20 octets: cheap, and the table only holds addresses
   * that passed MESSAGE-INTEGRITY, so no one can aim at its buckets. */
  const guint8 *b = p;
  guint32 h = 2166136261u;
  for (gsize i = 0; i < sizeof(NaraMuxKey); i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(NaraMuxKey)) == 0;
}

static socklen_t addr_len(const NaraSockAddr *a)
{
  return a->sa.sa_family == AF_INET6 ? sizeof a->v6 : sizeof a->v4;
}

void nara_mux_drop(NaraMux *mux, const char *why)
{
  guint unlogged;
  nara_worker_count(&mux->worker->packets_dropped, 1);
  if (nara_drop_log_claim(&unlogged))
    g_debug("worker %u: dropped a datagram: %s (+%u drops not logged)", mux->worker->index, why,
            unlogged);
}

/* ---- sending ---- */

gboolean nara_mux_send(NaraMux *mux, guint socket, const NaraSockAddr *to, const guint8 *data,
                       gsize len)
{
  if (socket >= mux->n_sockets)
    return FALSE;
  ssize_t n;
  do
    n = sendto(mux->sockets[socket].fd, data, len, MSG_DONTWAIT, &to->sa, addr_len(to));
  while (n < 0 && errno == EINTR);
  return n == (ssize_t)len;
}

static gboolean same_destination(const TxSlot *a, const TxSlot *b)
{
  return a->owner == b->owner && a->socket == b->socket
         && memcmp(&a->to, &b->to, addr_len(&a->to)) == 0;
}

/* Stable grouping by destination: each peer's datagrams keep their order,
 * and a peer's datagrams from several received packets end up adjacent,
 * which is what UDP GSO needs. */
static void order_by_destination(NaraMux *mux)
{
  gboolean taken[TX_BATCH] = { FALSE };
  guint n = 0;
  for (guint i = 0; i < mux->n_tx; i++) {
    if (taken[i])
      continue;
    for (guint j = i; j < mux->n_tx; j++) {
      if (!taken[j] && (j == i || same_destination(&mux->tx_slots[i], &mux->tx_slots[j]))) {
        taken[j] = TRUE;
        mux->tx_order[n++] = j;
      }
    }
  }
}

/* Builds the messages: one per datagram, or one per run of equal-sized
 * datagrams to one destination with UDP_SEGMENT set to that size (the
 * last of a run may be shorter, as the kernel allows). */
static guint build_messages(NaraMux *mux)
{
  guint n_msgs = 0;
  for (guint k = 0; k < mux->n_tx;) {
    const TxSlot *first = &mux->tx_slots[mux->tx_order[k]];
    guint seg = 1;
    gsize total = first->len;
    while (mux->gso && k + seg < mux->n_tx && seg < GSO_MAX_SEGMENTS) {
      const TxSlot *next = &mux->tx_slots[mux->tx_order[k + seg]];
      if (!same_destination(first, next) || next->len > first->len
          || total + next->len > GSO_MAX_BYTES)
        break;
      total += next->len;
      seg++;
      if (next->len < first->len)
        break;
    }
    for (guint s = 0; s < seg; s++) {
      guint slot = mux->tx_order[k + s];
      mux->tx_iov[k + s].iov_base = mux->tx + (gsize)slot * NARA_WORKER_BUF;
      mux->tx_iov[k + s].iov_len = mux->tx_slots[slot].len;
    }
    struct msghdr *h = &mux->tx_msgs[n_msgs].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = (void *)&first->to;
    h->msg_namelen = addr_len(&first->to);
    h->msg_iov = &mux->tx_iov[k];
    h->msg_iovlen = seg;
    if (seg > 1) {
      GsoControl *c = &mux->tx_control[n_msgs];
      memset(c, 0, sizeof *c);
      h->msg_control = c->buf;
      h->msg_controllen = sizeof c->buf;
      struct cmsghdr *cm = CMSG_FIRSTHDR(h);
      cm->cmsg_level = SOL_UDP;
      cm->cmsg_type = UDP_SEGMENT;
      cm->cmsg_len = CMSG_LEN(sizeof(guint16));
      guint16 size = (guint16)first->len;
      memcpy(CMSG_DATA(cm), &size, sizeof size);
    }
    mux->tx_msg_socket[n_msgs] = first->socket;
    mux->tx_msg_first[n_msgs] = k;
    n_msgs++;
    k += seg;
  }
  return n_msgs;
}

/* Datagrams the batch counted as forwarded that never left. */
static void uncount(NaraMux *mux, const struct msghdr *h)
{
  NaraWorker *w = mux->worker;
  for (gsize i = 0; i < h->msg_iovlen; i++) {
    atomic_fetch_sub_explicit(&w->packets_forwarded, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&w->bytes_forwarded, h->msg_iov[i].iov_len, memory_order_relaxed);
    nara_worker_count(&w->packets_dropped, 1);
  }
}

/* A GSO send refused: send its segments one by one. EIO means the device
 * cannot checksum segments (Linux, udp_send_skb()): build no more GSO
 * messages on this worker. EINVAL is about this message (a segment too
 * large for the route's MTU) and changes nothing else. */
static void gso_fallback(NaraMux *mux, int fd, const struct msghdr *h, int err)
{
  if (err == EIO && mux->gso) {
    g_info("worker %u: UDP GSO refused by the device, sending datagrams one by one",
           mux->worker->index);
    mux->gso = FALSE;
  }
  for (gsize i = 0; i < h->msg_iovlen; i++) {
    struct msghdr one = { .msg_name = h->msg_name,
                          .msg_namelen = h->msg_namelen,
                          .msg_iov = &h->msg_iov[i],
                          .msg_iovlen = 1 };
    if (sendmsg(fd, &one, MSG_DONTWAIT) < 0)
      uncount(mux, &one);
  }
}

static void send_messages(NaraMux *mux, guint from, guint to)
{
  int fd = mux->sockets[mux->tx_msg_socket[from]].fd;
  while (from < to) {
    int n = sendmmsg(fd, &mux->tx_msgs[from], to - from, MSG_DONTWAIT);
    if (n > 0) {
      for (int i = 0; i < n; i++)
        mux->gso_messages += mux->tx_msgs[from + (guint)i].msg_hdr.msg_iovlen > 1;
      from += (guint)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    /* The message at `from` failed (full buffer, unreachable, …): skip it. */
    const struct msghdr *h = &mux->tx_msgs[from].msg_hdr;
    if (h->msg_iovlen > 1 && (errno == EIO || errno == EINVAL))
      gso_fallback(mux, fd, h, errno);
    else
      uncount(mux, h);
    from++;
  }
}

static void flush(NaraMux *mux)
{
  if (mux->n_tx == 0)
    return;
  order_by_destination(mux);
  guint n_msgs = build_messages(mux);
  /* One sendmmsg per run of messages on the same socket. */
  for (guint i = 0; i < n_msgs;) {
    guint j = i + 1;
    while (j < n_msgs && mux->tx_msg_socket[j] == mux->tx_msg_socket[i])
      j++;
    send_messages(mux, i, j);
    i = j;
  }
  mux->n_tx = 0;
}

guint8 *nara_mux_batch_buffer(NaraMux *mux)
{
  if (mux->n_tx == TX_BATCH)
    flush(mux);
  return mux->tx + (gsize)mux->n_tx * NARA_WORKER_BUF;
}

gboolean nara_mux_batch_commit(NaraMux *mux, gconstpointer owner, guint socket,
                               const NaraSockAddr *to, gsize len)
{
  if (socket >= mux->n_sockets || len > NARA_WORKER_BUF || mux->n_tx == TX_BATCH)
    return FALSE;
  TxSlot *slot = &mux->tx_slots[mux->n_tx++];
  slot->owner = owner;
  slot->socket = socket;
  slot->len = len;
  slot->to = *to;
  if (!mux->batching)
    flush(mux);
  return TRUE;
}

void nara_mux_begin_batch(NaraMux *mux)
{
  mux->batching = TRUE;
}

void nara_mux_end_batch(NaraMux *mux)
{
  flush(mux);
  mux->batching = FALSE;
}

guint64 nara_mux_gso_messages(NaraMux *mux)
{
  return mux->gso_messages;
}

/* ---- receiving ---- */

static void handle_stun(NaraMux *mux, guint socket, const NaraSockAddr *from, const guint8 *data,
                        gsize len)
{
  NaraStunMessage msg;
  if (!nara_stun_parse(data, len, &msg) || msg.method != NARA_STUN_BINDING) {
    nara_mux_drop(mux, "not a STUN Binding message");
    return;
  }
  if (msg.klass == NARA_STUN_INDICATION)
    return; /* a keepalive (RFC 8445 §11): nothing to answer */
  /* RFC 8445 §7.2.2: checks carry USERNAME, MESSAGE-INTEGRITY and
   * FINGERPRINT. Unauthenticated requests get no answer at all, so the
   * port reflects nothing to strangers. */
  if (msg.klass != NARA_STUN_REQUEST || !msg.fingerprint || !msg.integrity_offset
      || !msg.username) {
    nara_mux_drop(mux, "STUN request without ICE credentials");
    return;
  }
  const guint8 *colon = memchr(msg.username, ':', msg.username_len);
  char ufrag[NARA_STUN_MAX_USERNAME + 1];
  gsize ulen = colon ? (gsize)(colon - msg.username) : 0;
  memcpy(ufrag, msg.username, ulen);
  ufrag[ulen] = '\0';
  NaraLite *lite = ulen ? g_hash_table_lookup(mux->by_ufrag, ufrag) : NULL;
  if (!lite) {
    nara_mux_drop(mux, "STUN request for an unknown ufrag");
    return;
  }
  nara_lite_handle_request(lite, socket, from, data, len, &msg);
}

/* TRUE if the datagram was SRTP or SRTCP for a known peer: anything else
 * (a ring, STUN, DTLS, a drop) may have changed what GLib watches. */
static gboolean handle_datagram(NaraMux *mux, guint socket, guint i)
{
  struct mmsghdr *m = &mux->rx_msgs[i];
  guint8 *data = mux->rx + (gsize)i * NARA_WORKER_BUF;
  gsize len = m->msg_len;
  /* An empty datagram is nara_mux_ring() (or anyone's): it only woke us. */
  if (len == 0 && !(m->msg_hdr.msg_flags & MSG_TRUNC))
    return FALSE;
  if ((m->msg_hdr.msg_flags & MSG_TRUNC) || len > NARA_WORKER_MTU) {
    nara_mux_drop(mux, "truncated or larger than the MTU");
    return FALSE;
  }
  const NaraSockAddr *from = &mux->rx_from[i];
  if (from->sa.sa_family != AF_INET && from->sa.sa_family != AF_INET6)
    return FALSE;
  /* RFC 7983 §7: a first octet of 0-3 is STUN, 128-191 RTP or RTCP. */
  if (data[0] < 4) {
    handle_stun(mux, socket, from, data, len);
    return FALSE;
  }
  NaraMuxKey key;
  nara_mux_key_init(&key, socket, from);
  NaraLite *lite = g_hash_table_lookup(mux->by_address, &key);
  if (!lite) {
    nara_mux_drop(mux, "from an address no check came from");
    return FALSE;
  }
  nara_lite_receive(lite, &key, data, len);
  return data[0] >= 128 && data[0] <= 191;
}

/* One recvmmsg and what it brought; FALSE when the queue is (or was) empty. */
static gboolean receive_batch(NaraMux *mux, guint socket, int flags)
{
  /* Only the entries the kernel wrote into need their lengths back: a
   * wake-up brings two or three datagrams, and each entry is a cache line. */
  for (guint i = 0; i < mux->rx_filled; i++) {
    mux->rx_msgs[i].msg_hdr.msg_namelen = sizeof mux->rx_from[i];
    mux->rx_msgs[i].msg_hdr.msg_flags = 0;
  }
  int n = recvmmsg(mux->sockets[socket].fd, mux->rx_msgs, RX_BATCH, flags, NULL);
  mux->rx_filled = n > 0 ? (guint)n : 0;
  if (n <= 0 && !(flags & MSG_DONTWAIT))
    mux->only_media = FALSE; /* woken by SO_RCVTIMEO or a signal */
  if (n < 0 && errno == EINTR)
    return TRUE;
  if (n <= 0)
    return FALSE;
  mux->worker->batch_us = g_get_monotonic_time();
  for (int i = 0; i < n; i++)
    if (!handle_datagram(mux, socket, (guint)i))
      mux->only_media = FALSE;
  mux->worker->batch_us = 0;
  /* Nothing waits beyond this batch. */
  flush(mux);
  return n == RX_BATCH;
}

static void drain(NaraMux *mux, guint socket)
{
  for (guint round = 0; round < RX_ROUNDS; round++)
    if (!receive_batch(mux, socket, MSG_DONTWAIT))
      return;
}

/* SO_RCVTIMEO close enough to GLib's timeout (ms, -1 for none). */
static void set_wait_timeout(NaraMux *mux, gint timeout)
{
  if (timeout < 0 ? mux->wait_ms < 0
                  : mux->wait_ms >= 0 && ABS(mux->wait_ms - timeout) <= WAIT_SLACK_MS)
    return;
  struct timeval tv = { 0 };
  if (timeout > 0) {
    tv.tv_sec = timeout / 1000;
    tv.tv_usec = (timeout % 1000) * 1000;
  }
  if (setsockopt(mux->sockets[0].fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0)
    mux->wait_ms = timeout;
}

gboolean nara_mux_wait(NaraMux *mux, GPollFD *fds, guint n_fds, gint timeout)
{
  /* Only when the socket and GLib's own wake-up fd are all there is to
   * watch: work posted from other threads rings the socket instead. */
  if (mux->n_sockets != 1 || !mux->source || n_fds != 2
      || (fds[0].fd != mux->sockets[0].fd && fds[1].fd != mux->sockets[0].fd))
    return FALSE;
  fds[0].revents = fds[1].revents = 0;
  if (timeout == 0) {
    nara_mux_begin_batch(mux);
    if (receive_batch(mux, 0, MSG_DONTWAIT))
      drain(mux, 0);
    nara_mux_end_batch(mux);
    return TRUE;
  }
  /* While only media arrives, GLib has nothing new to look at: its next
   * timer is still `timeout` from entry, and work posted from other threads
   * rings the socket. So the worker goes straight back to sleep instead of
   * walking GLib's sources once per wake-up (about 2 % of its CPU at
   * fan-out 1, where a wake-up carries two or three packets). */
  gint64 deadline = timeout < 0 ? G_MAXINT64 : g_get_monotonic_time() + (gint64)timeout * 1000;
  set_wait_timeout(mux, timeout);
  for (;;) {
    mux->only_media = TRUE;
    nara_mux_begin_batch(mux);
    if (receive_batch(mux, 0, MSG_WAITFORONE))
      drain(mux, 0);
    nara_mux_end_batch(mux);
    if (!mux->only_media)
      return TRUE;
    if (deadline != G_MAXINT64) {
      gint64 left_us = deadline - g_get_monotonic_time();
      if (left_us <= 0)
        return TRUE;
      set_wait_timeout(mux, (gint)((left_us + 999) / 1000));
    }
  }
}

void nara_mux_ring(NaraMux *mux)
{
  const MuxSocket *s = &mux->sockets[0];
  /* Nothing to do if it fails: the once-a-second tick still wakes the worker. */
  (void)sendto(s->fd, NULL, 0, MSG_DONTWAIT, &s->self.sa, addr_len(&s->self));
}

static gboolean mux_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
  (void)callback;
  (void)user_data;
  NaraMux *mux = ((MuxSource *)source)->mux;
  nara_mux_begin_batch(mux);
  for (guint i = 0; i < mux->n_sockets; i++)
    if (g_source_query_unix_fd(source, mux->sockets[i].tag) & (G_IO_IN | G_IO_ERR))
      drain(mux, i);
  nara_mux_end_batch(mux);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs mux_source_funcs = { NULL, NULL, mux_dispatch, NULL, NULL, NULL };

/* ---- tables ---- */

gboolean nara_mux_register(NaraMux *mux, const char *ufrag, NaraLite *lite)
{
  if (g_hash_table_contains(mux->by_ufrag, ufrag))
    return FALSE;
  g_hash_table_insert(mux->by_ufrag, (gpointer)ufrag, lite);
  return TRUE;
}

void nara_mux_unregister(NaraMux *mux, const char *ufrag)
{
  g_hash_table_remove(mux->by_ufrag, ufrag);
}

void nara_mux_map(NaraMux *mux, const NaraMuxKey *key, NaraLite *lite)
{
  NaraLite *prev = g_hash_table_lookup(mux->by_address, key);
  if (prev == lite)
    return;
  if (prev) {
    /* Remove while the previous owner's key is intact, then let it forget. */
    g_hash_table_remove(mux->by_address, key);
    nara_lite_forget(prev, key);
  }
  g_hash_table_insert(mux->by_address, (gpointer)key, lite);
}

void nara_mux_unmap(NaraMux *mux, const NaraMuxKey *key)
{
  g_hash_table_remove(mux->by_address, key);
}

void nara_mux_tick(NaraMux *mux, gint64 now_us)
{
  GHashTableIter iter;
  gpointer lite;
  g_hash_table_iter_init(&iter, mux->by_ufrag);
  while (g_hash_table_iter_next(&iter, NULL, &lite))
    nara_lite_tick(lite, now_us);
}

const char *const *nara_mux_get_candidates(NaraMux *mux, guint *n)
{
  *n = mux->n_sockets;
  return (const char *const *)mux->candidates;
}

const char *nara_mux_get_default_address(NaraMux *mux, guint16 *port)
{
  *port = mux->n_sockets ? mux->sockets[0].port : 0;
  return mux->default_address;
}

/* ---- sockets ---- */

static gboolean parse_address(const char *text, guint16 port, NaraSockAddr *out)
{
  memset(out, 0, sizeof *out);
  if (inet_pton(AF_INET, text, &out->v4.sin_addr) == 1) {
    out->v4.sin_family = AF_INET;
    out->v4.sin_port = g_htons(port);
    return TRUE;
  }
  if (inet_pton(AF_INET6, text, &out->v6.sin6_addr) == 1) {
    out->v6.sin6_family = AF_INET6;
    out->v6.sin6_port = g_htons(port);
    return TRUE;
  }
  return FALSE;
}

static void raise_buffer(int fd, int option)
{
  int size = SOCKET_BUFFER;
  /* The kernel caps this at net.core.[rw]mem_max; it is only a request. */
  setsockopt(fd, SOL_SOCKET, option, &size, sizeof size);
}

static gboolean open_socket(NaraMux *mux, const char *address, guint16 port, GError **error)
{
  NaraSockAddr addr;
  if (!parse_address(address, port, &addr)) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG, "bad ICE address \"%s\"",
                address);
    return FALSE;
  }
  /* Blocking, so nara_mux_wait() can sleep in recvmmsg; every other call
   * on it passes MSG_DONTWAIT. */
  int fd = socket(addr.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "UDP socket: %s",
                g_strerror(errno));
    return FALSE;
  }
  int one = 1;
  if (addr.sa.sa_family == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  /* Don't-fragment on every datagram, whatever path MTU the kernel has
   * learnt: WebRTC keeps media and DTLS near 1200 octets, and a fragment
   * seldom crosses a NAT anyway (QUIC stacks do the same). It also spares
   * each IPv4 send the shared, hashed IP ID generator Linux runs for
   * fragmentable datagrams on unconnected sockets: DF ones carry ID 0. */
  int probe = addr.sa.sa_family == AF_INET6 ? IPV6_PMTUDISC_PROBE : IP_PMTUDISC_PROBE;
  if (addr.sa.sa_family == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe, sizeof probe);
  else
    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe);
  raise_buffer(fd, SO_RCVBUF);
  raise_buffer(fd, SO_SNDBUF);
  NaraSockAddr bound;
  socklen_t bound_len = sizeof bound;
  if (bind(fd, &addr.sa, addr_len(&addr)) < 0 || getsockname(fd, &bound.sa, &bound_len) < 0) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG, "UDP %s port %u: %s", address,
                port, g_strerror(errno));
    close(fd);
    return FALSE;
  }
  MuxSocket *s = &mux->sockets[mux->n_sockets++];
  s->fd = fd;
  s->port = g_ntohs(bound.sa.sa_family == AF_INET6 ? bound.v6.sin6_port : bound.v4.sin_port);
  s->self = bound;
  g_strlcpy(s->address, address, sizeof s->address);
  return TRUE;
}

/* Linux ≥ 4.18 knows UDP_SEGMENT; older kernels refuse the option. */
static gboolean kernel_has_gso(int fd)
{
  int size = 0;
  socklen_t len = sizeof size;
  return getsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, &len) == 0;
}

static GList *host_addresses(const NaraMediaShared *shared)
{
  GList *list = NULL;
  for (guint i = 0; shared->ice_addresses && shared->ice_addresses[i]; i++)
    list = g_list_append(list, g_strdup(shared->ice_addresses[i]));
  if (list)
    return list;
  /* As libnice does when it discovers on its own: every interface but
   * loopback. Link-local IPv6 needs a scope no candidate can carry. */
  GList *found = nice_interfaces_get_local_ips(FALSE);
  for (GList *l = found; l; l = l->next) {
    if (g_str_has_prefix(l->data, "fe80:"))
      g_free(l->data);
    else
      list = g_list_append(list, l->data);
  }
  g_list_free(found);
  return list;
}

NaraMux *nara_mux_new(NaraWorker *worker, GError **error)
{
  const NaraMediaShared *shared = worker->shared;
  NaraMux *mux = g_new0(NaraMux, 1);
  mux->wait_ms = -1;
  mux->worker = worker;
  mux->by_ufrag = g_hash_table_new(g_str_hash, g_str_equal);
  mux->by_address = g_hash_table_new(key_hash, key_equal);
  mux->rx = g_malloc((gsize)RX_BATCH * NARA_WORKER_BUF);
  mux->tx = g_malloc((gsize)TX_BATCH * NARA_WORKER_BUF);
  for (guint i = 0; i < RX_BATCH; i++) {
    mux->rx_iov[i].iov_base = mux->rx + (gsize)i * NARA_WORKER_BUF;
    mux->rx_iov[i].iov_len = NARA_WORKER_BUF;
    mux->rx_msgs[i].msg_hdr.msg_iov = &mux->rx_iov[i];
    mux->rx_msgs[i].msg_hdr.msg_iovlen = 1;
    mux->rx_msgs[i].msg_hdr.msg_name = &mux->rx_from[i];
    mux->rx_msgs[i].msg_hdr.msg_namelen = sizeof mux->rx_from[i];
  }

  guint port = shared->udp_port ? shared->udp_port + worker->index : 0;
  GList *addresses = host_addresses(shared);
  gboolean ok = port <= 65535;
  if (!ok)
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG,
                "media worker %u would need UDP port %u", worker->index, port);
  for (GList *l = addresses; ok && l && mux->n_sockets < NARA_MUX_MAX_SOCKETS; l = l->next)
    ok = open_socket(mux, l->data, (guint16)port, error);
  g_list_free_full(addresses, g_free);
  if (ok && mux->n_sockets == 0) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG, "no address for ICE-lite");
    ok = FALSE;
  }
  if (!ok) {
    nara_mux_free(mux);
    return NULL;
  }
  mux->gso = kernel_has_gso(mux->sockets[0].fd);

  /* RFC 8445 §5.1.2.1: host type preference 126, local preference by
   * address order, component 1. */
  const char *announced = shared->announced_address;
  for (guint i = 0; i < mux->n_sockets; i++) {
    const MuxSocket *s = &mux->sockets[i];
    guint32 priority = (126u << 24) | ((65535u - i) << 8) | 255u;
    mux->candidates[i] = g_strdup_printf("candidate:%u 1 udp %u %s %u typ host", i + 1, priority,
                                         announced ? announced : s->address, s->port);
  }
  g_strlcpy(mux->default_address, announced ? announced : mux->sockets[0].address,
            sizeof mux->default_address);

  mux->source = (MuxSource *)g_source_new(&mux_source_funcs, sizeof(MuxSource));
  mux->source->mux = mux;
  /* GLib blocks a source that cannot recurse while it dispatches, and for a
   * source with fds that means removing them from the poll set and adding
   * them back, each change waking the context through its eventfd: two
   * writes, a read and an extra poll per wake-up. Dispatch never iterates
   * the context, so there is nothing to guard against. */
  g_source_set_can_recurse(&mux->source->base, TRUE);
  for (guint i = 0; i < mux->n_sockets; i++)
    mux->sockets[i].tag = g_source_add_unix_fd(&mux->source->base, mux->sockets[i].fd, G_IO_IN);
  g_source_attach(&mux->source->base, worker->context);
  g_info("worker %u: ICE-lite on %u socket(s), first %s:%u, GSO %s", worker->index, mux->n_sockets,
         mux->sockets[0].address, mux->sockets[0].port, mux->gso ? "on" : "off");
  return mux;
}

void nara_mux_detach(NaraMux *mux)
{
  if (mux->source) {
    g_source_destroy(&mux->source->base);
    g_source_unref(&mux->source->base);
    mux->source = NULL;
  }
}

void nara_mux_free(NaraMux *mux)
{
  if (!mux)
    return;
  g_warn_if_fail(g_hash_table_size(mux->by_ufrag) == 0);
  nara_mux_detach(mux);
  for (guint i = 0; i < mux->n_sockets; i++)
    close(mux->sockets[i].fd);
  for (guint i = 0; i < mux->n_sockets; i++)
    g_free(mux->candidates[i]);
  g_hash_table_unref(mux->by_ufrag);
  g_hash_table_unref(mux->by_address);
  g_free(mux->rx);
  g_free(mux->tx);
  g_free(mux);
}
