/* repair.c — packet ring, receive statistics and the missing list.
 *
 * Owns the state loss repair keeps per published stream: a fixed ring of
 * recent packets indexed by sequence number, RFC 3550's sequence, loss and
 * jitter accounting, and the bounded list of sequence numbers being asked
 * for upstream. It writes no RTCP and sends nothing (room.c does). Runs on
 * the publisher's media worker; no allocation after nara_rtp_ring_new().
 */
#include "repair.h"

#include <string.h>
#include <sys/mman.h>

/* RFC 3550 A.1: a jump ahead of more than this is taken as a restart only
 * when confirmed by the next packet; behind by more than MISORDER too.
 * A.1's MISORDER is 100; retransmissions come from up to a ring back. */
#define MAX_DROPOUT 3000
#define MAX_MISORDER (2 * NARA_RING_SLOTS)
#define SEQ_MOD (1u << 16)

G_STATIC_ASSERT((NARA_RING_SLOTS & (NARA_RING_SLOTS - 1)) == 0);

/* ---- ring ---- */

/* The slots (768 KiB) are mapped, not taken from the heap: a page costs
 * memory only once a packet is written into it, and all of them go back to
 * the kernel when the track ends. From malloc, calloc touched every page at
 * once and the freed blocks stayed in the worker's arena, so 500 short calls
 * left the process 9 MiB larger (tests/integration/test_churn.py). */
#define RING_BYTES (sizeof(NaraRingSlot) * NARA_RING_SLOTS)

NaraRtpRing *nara_rtp_ring_new(void)
{
  NaraRtpRing *ring = g_new0(NaraRtpRing, 1);
  void *slots = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (slots == MAP_FAILED) /* out of memory, as g_new0 would be */
    g_error("media: cannot map a packet ring of %zu bytes", (size_t)RING_BYTES);
  ring->slots = slots; /* zero-filled by the kernel */
  return ring;
}

void nara_rtp_ring_free(NaraRtpRing *ring)
{
  if (!ring)
    return;
  munmap(ring->slots, RING_BYTES);
  g_free(ring);
}

void nara_rtp_ring_put(NaraRtpRing *ring, guint32 ext_seq, const guint8 *data, gsize len)
{
  NaraRingSlot *slot = &ring->slots[ext_seq & (NARA_RING_SLOTS - 1)];
  if (len == 0 || len > NARA_RING_PACKET) {
    /* Whatever the slot held is older than this packet: forget it too. */
    slot->len = 0;
    return;
  }
  slot->ext_seq = ext_seq;
  slot->len = (guint16)len;
  memcpy(slot->data, data, len);
}

void nara_rtp_ring_clear(NaraRtpRing *ring)
{
  for (guint i = 0; i < NARA_RING_SLOTS; i++)
    ring->slots[i].len = 0;
}

const guint8 *nara_rtp_ring_get(const NaraRtpRing *ring, guint32 ext_seq, gsize *len)
{
  const NaraRingSlot *slot = &ring->slots[ext_seq & (NARA_RING_SLOTS - 1)];
  if (slot->len == 0 || slot->ext_seq != ext_seq)
    return NULL;
  *len = slot->len;
  return slot->data;
}

/* ---- receive statistics ---- */

void nara_recv_stats_init(NaraRecvStats *s, guint32 ssrc, guint32 clock_rate)
{
  memset(s, 0, sizeof *s);
  s->ssrc = ssrc;
  s->clock_rate = clock_rate ? clock_rate : 90000;
}

static void restart(NaraRecvStats *s, guint16 seq)
{
  s->started = TRUE;
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
  s->cycles = 0;
  s->received = 0;
  s->expected_prior = 0;
  s->received_prior = 0;
}

/* RFC 3550 A.8, in integer form: jitter is kept scaled by 16. */
static void update_jitter(NaraRecvStats *s, guint32 rtp_ts, gint64 arrival_us)
{
  guint32 arrival = (guint32)(((guint64)arrival_us * s->clock_rate) / G_USEC_PER_SEC);
  guint32 transit = arrival - rtp_ts;
  if (s->received > 1) {
    gint32 d = (gint32)(transit - s->transit);
    guint32 ad = d < 0 ? (guint32) - (gint64)d : (guint32)d;
    s->jitter += ad - ((s->jitter + 8) >> 4);
  }
  s->transit = transit;
}

NaraSeqResult nara_recv_stats_update(NaraRecvStats *s, guint16 seq, guint32 rtp_ts,
                                     gint64 arrival_us, gboolean retransmitted, guint32 *ext_seq,
                                     guint32 *gap)
{
  NaraSeqResult result;
  *gap = 0;
  if (!s->started) {
    restart(s, seq);
    result = NARA_SEQ_NEXT;
  } else {
    guint16 udelta = (guint16)(seq - s->max_seq);
    if (udelta == 0) {
      *ext_seq = s->cycles + seq;
      return NARA_SEQ_DUPLICATE;
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < s->max_seq)
        s->cycles += SEQ_MOD;
      s->max_seq = seq;
      *gap = udelta - 1u;
      result = *gap ? NARA_SEQ_GAP : NARA_SEQ_NEXT;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER && !(retransmitted && udelta >= SEQ_MOD / 2)) {
      /* A very large jump: a restarted sender, or garbage. The second
       * packet in a row that agrees starts the count again. Never for a
       * retransmission of something old: a sender's payload padding
       * repeats old packets in order, which must not restart the count. */
      if (seq == s->bad_seq) {
        restart(s, seq);
        result = NARA_SEQ_RESET;
      } else {
        s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
        *ext_seq = s->cycles + seq;
        return NARA_SEQ_BAD;
      }
    } else {
      *ext_seq = nara_recv_stats_extend(s, seq);
      s->received++;
      return NARA_SEQ_LATE; /* out of order: no jitter sample */
    }
  }
  s->received++;
  *ext_seq = s->cycles + seq;
  if (!retransmitted)
    update_jitter(s, rtp_ts, arrival_us);
  return result;
}

guint32 nara_recv_stats_extend(const NaraRecvStats *s, guint16 seq)
{
  guint32 ext = s->cycles + seq;
  gint32 delta = (gint16)(guint16)(seq - s->max_seq);
  /* seq lies within half the space of the highest: place it there. */
  if (delta < 0 && seq > s->max_seq && s->cycles >= SEQ_MOD)
    ext -= SEQ_MOD;
  else if (delta > 0 && seq < s->max_seq)
    ext += SEQ_MOD;
  return ext;
}

void nara_recv_stats_report(NaraRecvStats *s, gint64 now_us, NaraReportBlock *out)
{
  memset(out, 0, sizeof *out);
  out->ssrc = s->ssrc;
  if (!s->started)
    return;
  guint32 extended_max = s->cycles + s->max_seq;
  guint32 expected = extended_max - s->base_seq + 1;
  gint64 lost = (gint64)expected - s->received;
  /* 24-bit signed: duplicates can make it negative. */
  out->cumulative_lost = (gint32)CLAMP(lost, -0x800000, 0x7fffff);
  guint32 expected_interval = expected - s->expected_prior;
  guint32 received_interval = s->received - s->received_prior;
  s->expected_prior = expected;
  s->received_prior = s->received;
  gint64 lost_interval = (gint64)expected_interval - received_interval;
  if (expected_interval != 0 && lost_interval > 0)
    out->fraction_lost = (guint8)MIN(255, (lost_interval << 8) / expected_interval);
  out->highest_seq = extended_max;
  out->jitter = s->jitter >> 4;
  if (s->sr_arrival_us) {
    out->lsr = (guint32)(s->sr_ntp >> 16);
    gint64 since = MAX(0, now_us - s->sr_arrival_us);
    out->dlsr = (guint32)(((guint64)since << 16) / G_USEC_PER_SEC);
  }
}

void nara_recv_stats_sender_report(NaraRecvStats *s, guint64 ntp, guint32 rtp_ts, gint64 arrival_us)
{
  s->sr_ntp = ntp;
  s->sr_rtp = rtp_ts;
  s->sr_arrival_us = arrival_us ? arrival_us : 1;
}

/* ---- missing list ---- */

static gint find_missing(const NaraMissing *m, guint32 ext_seq)
{
  for (guint i = 0; i < m->n; i++)
    if (m->seqs[i].ext_seq == ext_seq)
      return (gint)i;
  return -1;
}

static void remove_at(NaraMissing *m, guint i)
{
  memmove(&m->seqs[i], &m->seqs[i + 1], (m->n - i - 1) * sizeof m->seqs[0]);
  m->n--;
}

void nara_missing_add(NaraMissing *m, guint32 ext_seq)
{
  if (find_missing(m, ext_seq) >= 0)
    return;
  if (m->n == NARA_MISSING_MAX)
    remove_at(m, 0);
  m->seqs[m->n++] = (NaraMissingSeq){ ext_seq, 0, 0 };
}

void nara_missing_remove(NaraMissing *m, guint32 ext_seq)
{
  gint i = find_missing(m, ext_seq);
  if (i >= 0)
    remove_at(m, (guint)i);
}

guint nara_missing_due(NaraMissing *m, gint64 now_us, gint64 retry_us, guint32 oldest_ext_seq,
                       guint16 *seqs, guint cap)
{
  guint n = 0;
  for (guint i = 0; i < m->n;) {
    NaraMissingSeq *e = &m->seqs[i];
    gboolean due = e->asked_us == 0 || now_us - e->asked_us >= retry_us;
    if ((gint32)(e->ext_seq - oldest_ext_seq) < 0 || (due && e->tries >= NARA_MISSING_TRIES)) {
      remove_at(m, i);
      continue;
    }
    if (due && n < cap) {
      seqs[n++] = (guint16)e->ext_seq;
      e->tries++;
      e->asked_us = now_us;
    }
    i++;
  }
  return n;
}
