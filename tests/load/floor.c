/* floor.c — nara-floor: what forwarding costs on this machine with no SFU
 * around it, so that Nara's and Janus' figures can be read against it.
 *
 * `nara-floor forward` is the least a forwarder can do: one UDP socket, a
 * blocking recvmmsg, a copy of each datagram per receiver and one sendmmsg
 * per batch, with UDP GSO for a receiver's run of equal sizes, exactly as
 * Nara's ICE-lite worker sends. No ICE, DTLS, RTP parsing or signalling:
 * members register with a datagram ('R', group, receives). With --crypt it
 * also does what SRTP with AES-128-GCM costs an SFU: one AEAD pass over each
 * received datagram and one per copy, each receiver with its own context,
 * through the same OpenSSL EVP calls as media/srtp_session.c (the datagrams
 * are not really SRTP: the pass that stands in for decryption encrypts).
 *
 * `nara-floor generate` replays the load tool's clip through it in the
 * bench's scenarios (rooms × publishers × subscribers, or a mesh), sleeps
 * in poll between packets as the load tool does, and prints the
 * forwarder's CPU per forwarded packet over a window, from /proc.
 *
 * Threading: one thread per process. Test tooling, not part of nara.
 */
#include "load.h" /* the clip, and proc.c's /proc reader */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#define BATCH 32
#define TX_MAX 256
#define BUF 1500
#define MAX_MEMBERS 128
#define GSO_MAX_BYTES 60000

typedef struct {
  struct sockaddr_in addr;
  guint group;
  gboolean receives;
  EVP_CIPHER_CTX *gcm; /* --crypt: this member's outbound context */
} Member;

/* ---- forward ---- */

typedef struct {
  guint member;
  guint len;
} TxSlot;

static Member members[MAX_MEMBERS];
static guint n_members;

static int find_member(const struct sockaddr_in *a)
{
  for (guint i = 0; i < n_members; i++)
    if (members[i].addr.sin_port == a->sin_port
        && members[i].addr.sin_addr.s_addr == a->sin_addr.s_addr)
      return (int)i;
  return -1;
}

#define GCM_TAG 16
#define RTP_HEADER 12

static EVP_CIPHER_CTX *gcm_new(void)
{
  guint8 key[16];
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8)g_random_int();
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  if (EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, NULL) != 1) {
    fprintf(stderr, "nara-floor: AES-128-GCM unavailable\n");
    exit(1);
  }
  return c;
}

/* One AEAD pass as srtp_session.c's gcm_apply() makes it: IV, the RTP
 * header as AAD, the payload in place, the tag over the last 16 octets. */
static void gcm_pass(EVP_CIPHER_CTX *c, guint8 *d, gsize len)
{
  guint8 iv[12] = { 0 }, final[16];
  int out;
  if (len < RTP_HEADER + GCM_TAG)
    return;
  memcpy(iv + 8, d + 2, 2); /* the sequence number, so every IV differs */
  EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, -1);
  EVP_CipherUpdate(c, NULL, &out, d, RTP_HEADER);
  EVP_CipherUpdate(c, d + RTP_HEADER, &out, d + RTP_HEADER, (int)(len - RTP_HEADER - GCM_TAG));
  EVP_CipherFinal_ex(c, final, &out);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, GCM_TAG, d + len - GCM_TAG);
}

static void add_member(const struct sockaddr_in *a, const guint8 *d, gsize len, gboolean crypt)
{
  if (len < 3 || find_member(a) >= 0 || n_members == MAX_MEMBERS)
    return;
  members[n_members++] = (Member){ *a, d[1], d[2] != 0, crypt ? gcm_new() : NULL };
}

static int forward(guint16 port, gboolean crypt)
{
  EVP_CIPHER_CTX *inbound = crypt ? gcm_new() : NULL;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in self = { .sin_family = AF_INET, .sin_port = htons(port) };
  self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&self, sizeof self) < 0) {
    perror("bind");
    return 1;
  }
  static guint8 rx[BATCH][BUF], tx[TX_MAX][BUF];
  struct mmsghdr rmsg[BATCH];
  struct iovec riov[BATCH];
  struct sockaddr_in from[BATCH];
  TxSlot slots[TX_MAX];
  struct mmsghdr smsg[TX_MAX];
  struct iovec siov[TX_MAX];
  union {
    char buf[CMSG_SPACE(sizeof(guint16))];
    struct cmsghdr align;
  } ctl[TX_MAX];
  fprintf(stderr, "nara-floor: forwarding on 127.0.0.1:%u\n", port);
  for (;;) {
    for (guint i = 0; i < BATCH; i++) {
      riov[i] = (struct iovec){ rx[i], BUF };
      rmsg[i].msg_hdr = (struct msghdr){
        .msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &riov[i], .msg_iovlen = 1
      };
    }
    int n = recvmmsg(fd, rmsg, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      perror("recvmmsg");
      return 1;
    }
    guint n_tx = 0;
    for (int i = 0; i < n; i++) {
      guint len = rmsg[i].msg_len;
      if (len > 0 && rx[i][0] == 'R') {
        add_member(&from[i], rx[i], len, crypt);
        continue;
      }
      int src = find_member(&from[i]);
      if (src < 0)
        continue;
      if (inbound)
        gcm_pass(inbound, rx[i], len);
      for (guint m = 0; m < n_members && n_tx < TX_MAX; m++) {
        if ((int)m == src || !members[m].receives || members[m].group != members[src].group)
          continue;
        memcpy(tx[n_tx], rx[i], len);
        if (members[m].gcm)
          gcm_pass(members[m].gcm, tx[n_tx], len);
        slots[n_tx++] = (TxSlot){ m, len };
      }
    }
    /* A receiver's datagrams of this batch together, in order; one GSO
     * message per run of equal sizes (the last may be shorter). */
    guint n_msgs = 0, k = 0;
    gboolean taken[TX_MAX] = { FALSE };
    for (guint i = 0; i < n_tx; i++) {
      if (taken[i])
        continue;
      guint first = k, total = 0;
      for (guint j = i; j < n_tx; j++) {
        if (taken[j] || slots[j].member != slots[i].member)
          continue;
        gboolean fits = k == first
                        || (slots[j].len <= slots[i].len && total + slots[j].len <= GSO_MAX_BYTES
                            && siov[k - 1].iov_len == slots[i].len);
        if (!fits)
          break;
        taken[j] = TRUE;
        siov[k++] = (struct iovec){ tx[j], slots[j].len };
        total += slots[j].len;
      }
      struct msghdr *h = &smsg[n_msgs].msg_hdr;
      *h = (struct msghdr){ .msg_name = &members[slots[i].member].addr,
                            .msg_namelen = sizeof(struct sockaddr_in),
                            .msg_iov = &siov[first],
                            .msg_iovlen = k - first };
      if (k - first > 1) {
        memset(&ctl[n_msgs], 0, sizeof ctl[n_msgs]);
        h->msg_control = ctl[n_msgs].buf;
        h->msg_controllen = sizeof ctl[n_msgs].buf;
        struct cmsghdr *cm = CMSG_FIRSTHDR(h);
        cm->cmsg_level = SOL_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(guint16));
        guint16 seg = (guint16)slots[i].len;
        memcpy(CMSG_DATA(cm), &seg, sizeof seg);
      }
      /* What did not fit starts its own message when the loop reaches it. */
      n_msgs++;
    }
    for (guint sent = 0; sent < n_msgs;) {
      int r = sendmmsg(fd, smsg + sent, n_msgs - sent, MSG_DONTWAIT);
      sent += r > 0 ? (guint)r : 1; /* a refused message is skipped */
    }
  }
}

/* ---- generate ---- */

typedef struct {
  int fd;
  gboolean publishes;
  guint cursor;
  gint64 epoch_us;
  guint64 received;
} Peer;

static guint64 cpu_ticks(int pid)
{
  LoadProcSample s;
  return load_proc_sample(pid, &s) ? s.cpu_ticks : 0;
}

static int peer_socket(guint16 port, guint group, gboolean receives)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0)
    return -1;
  guint8 hello[3] = { 'R', (guint8)group, receives };
  if (send(fd, hello, sizeof hello, 0) < 0)
    return -1;
  return fd;
}

static int generate(guint16 port, const char *clip_path, guint rooms, guint pubs, guint subs,
                    gboolean mesh, gboolean busy_poll, guint warmup_s, guint duration_s, int pid)
{
  g_autoptr(GError) error = NULL;
  LoadClip *clip = load_clip_read(clip_path, &error);
  if (!clip) {
    fprintf(stderr, "nara-floor: %s\n", error->message);
    return 1;
  }
  guint per_room = pubs + subs, n = rooms * per_room;
  Peer *peers = g_new0(Peer, n);
  struct pollfd *pfd = g_new0(struct pollfd, n);
  gint64 start = g_get_monotonic_time();
  for (guint r = 0; r < rooms; r++) {
    for (guint s = 0; s < per_room; s++) {
      Peer *p = &peers[r * per_room + s];
      p->publishes = s < pubs;
      p->fd = peer_socket(port, r, !p->publishes || mesh);
      if (p->fd < 0) {
        perror("nara-floor: socket");
        return 1;
      }
      /* Publishers start apart, as they would join one after another. */
      p->epoch_us = start + 200000 + g_random_int_range(0, 1000000);
      pfd[r * per_room + s] = (struct pollfd){ .fd = p->fd, .events = POLLIN };
    }
  }
  gint64 window_start = start + (gint64)warmup_s * G_USEC_PER_SEC;
  gint64 end = window_start + (gint64)duration_s * G_USEC_PER_SEC;
  guint64 ticks0 = 0, rx0 = 0, rx = 0, sent = 0, sent0 = 0;
  gboolean in_window = FALSE;
  guint8 buf[BUF];
  for (;;) {
    gint64 now = g_get_monotonic_time();
    if (!in_window && now >= window_start) {
      in_window = TRUE;
      ticks0 = cpu_ticks(pid);
      rx0 = rx;
      sent0 = sent;
    }
    if (now >= end)
      break;
    gint64 next = end;
    for (guint i = 0; i < n; i++) {
      Peer *p = &peers[i];
      if (!p->publishes)
        continue;
      for (;;) {
        const LoadClipPacket *c = &clip->packets[p->cursor];
        if (p->epoch_us + c->offset_us > now) {
          next = MIN(next, p->epoch_us + c->offset_us);
          break;
        }
        if (send(p->fd, c->data, c->len, 0) == (ssize_t)c->len)
          sent++;
        if (++p->cursor == clip->n_packets) {
          p->cursor = 0;
          p->epoch_us += clip->duration_us;
        }
      }
    }
    int timeout = (int)MAX(0, (next - g_get_monotonic_time() + 999) / 1000);
    if (busy_poll) {
      timeout = 0;
      sched_yield();
    }
    if (poll(pfd, n, timeout) > 0) {
      for (guint i = 0; i < n; i++) {
        if (!(pfd[i].revents & POLLIN))
          continue;
        while (recv(pfd[i].fd, buf, sizeof buf, 0) > 0)
          rx++;
      }
    }
  }
  guint64 ticks = cpu_ticks(pid) - ticks0;
  guint64 fwd = rx - rx0;
  guint expected_fanout = mesh ? pubs - 1 : subs;
  double cpu_us = (double)ticks * G_USEC_PER_SEC / (double)sysconf(_SC_CLK_TCK);
  printf("floor forwarder: %.1f µs CPU per forwarded packet, %.1f %% of one core, "
         "%.0f forwarded packets/s (%" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT
         " expected at the receivers, %" G_GUINT64_FORMAT " received)\n",
         fwd ? cpu_us / (double)fwd : 0.0, cpu_us / duration_s / 1e4, (double)fwd / duration_s,
         sent - sent0, (sent - sent0) * expected_fanout, fwd);
  for (guint i = 0; i < n; i++)
    close(peers[i].fd);
  g_free(peers);
  g_free(pfd);
  load_clip_free(clip);
  return 0;
}

int main(int argc, char **argv)
{
  guint port = 0, rooms = 1, pubs = 1, subs = 10, warmup = 10, duration = 30, pid = 0;
  gboolean mesh = FALSE, crypt = FALSE, busy_poll = FALSE;
  const char *clip = NULL;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "forwarder's UDP port on 127.0.0.1", "P" },
    { "clip", 0, 0, G_OPTION_ARG_FILENAME, &clip, "the load tool's clip (generate)", "FILE" },
    { "rooms", 'r', 0, G_OPTION_ARG_INT, &rooms, "rooms (generate)", "N" },
    { "publishers", 'p', 0, G_OPTION_ARG_INT, &pubs, "publishers per room (generate)", "N" },
    { "subscribers", 's', 0, G_OPTION_ARG_INT, &subs, "subscribers per room (generate)", "N" },
    { "mesh", 0, 0, G_OPTION_ARG_NONE, &mesh, "publishers receive each other (generate)", NULL },
    { "busy-poll", 0, 0, G_OPTION_ARG_NONE, &busy_poll, "never sleep (generate)", NULL },
    { "crypt", 0, 0, G_OPTION_ARG_NONE, &crypt, "an AES-128-GCM pass in and per copy (forward)",
      NULL },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "seconds before the window", "S" },
    { "duration", 'd', 0, G_OPTION_ARG_INT, &duration, "window in seconds", "S" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &pid, "the forwarder's pid (generate)", "PID" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("forward|generate");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2 || port == 0 || port > 65535
      || rooms * (pubs + subs) > MAX_MEMBERS || rooms > 255 || duration == 0) {
    fprintf(stderr, "usage: nara-floor forward|generate --port P [options] (--help)\n");
    return 2;
  }
  if (strcmp(argv[1], "forward") == 0)
    return forward((guint16)port, crypt);
  if (strcmp(argv[1], "generate") == 0 && clip && pid)
    return generate((guint16)port, clip, rooms, pubs, subs, mesh, busy_poll, warmup, duration,
                    (int)pid);
  fprintf(stderr, "usage: nara-floor forward|generate --port P [options] (--help)\n");
  return 2;
}
