/* repair.c — packet ring, receive statistics and the missing list.
 *
 * Owns the state loss repair keeps per published stream: a byte ring of
 * recent packets at their real length, indexed by sequence number, RFC 3550's sequence, loss and
 * jitter accounting, and the bounded list of sequence numbers being asked
 * for upstream. It writes no RTCP and sends nothing (room.c does). Runs on
 * the publisher's media worker; no allocation after nara_rtp_ring_new() (a
 * ring grows inside the address space it reserved).
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

/* The arena holds records in arrival order, each a Record and the packet,
 * rounded up to RECORD_ALIGN; at its end the next record goes to the start,
 * over the oldest. The address space is mapped once with the ring, not
 * taken from the heap: a page costs memory only once a packet is written
 * into it, and all of them go back to the kernel when the track ends.
 * (From malloc, freed rings stayed in the worker's arena: 500 short calls
 * left the process 9 MiB larger, tests/integration/test_churn.py.) */
typedef struct {
  guint32 ext_seq;
  guint16 len;
  guint16 reserved;
} Record;

#define RECORD_ALIGN 16
#define RING_MASK (NARA_RING_SLOTS - 1)
#define GROW_ROUND (16 * 1024)

G_STATIC_ASSERT(sizeof(Record) == 8);
G_STATIC_ASSERT(NARA_RING_MIN_BYTES >= GROW_ROUND && NARA_RING_MIN_BYTES % GROW_ROUND == 0);
G_STATIC_ASSERT(NARA_RING_MAX_BYTES % GROW_ROUND == 0 && NARA_RING_MAX_BYTES <= G_MAXINT32);
G_STATIC_ASSERT(GROW_ROUND > sizeof(Record) + NARA_RING_PACKET + RECORD_ALIGN);

static guint32 record_size(gsize len)
{
  return (guint32)((sizeof(Record) + len + RECORD_ALIGN - 1) & ~(gsize)(RECORD_ALIGN - 1));
}

static guint32 rtp_timestamp(const guint8 *data, gsize len)
{
  if (len < 8)
    return 0;
  return ((guint32)data[4] << 24) | ((guint32)data[5] << 16) | ((guint32)data[6] << 8) | data[7];
}

NaraRtpRing *nara_rtp_ring_new(void)
{
  NaraRtpRing *ring = g_new0(NaraRtpRing, 1);
  void *arena = mmap(NULL, NARA_RING_MAX_BYTES, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

  if (arena == MAP_FAILED) /* out of memory, as g_new0 would be */
    g_error("media: cannot map a packet ring of %d bytes", NARA_RING_MAX_BYTES);
#ifdef MADV_NOHUGEPAGE
  /* A huge page would make the first packet cost the whole reservation. */
  madvise(arena, NARA_RING_MAX_BYTES, MADV_NOHUGEPAGE);
#endif
  ring->arena = arena; /* zero-filled by the kernel */
  ring->size = NARA_RING_MIN_BYTES;
  return ring;
}

void nara_rtp_ring_free(NaraRtpRing *ring)
{
  if (!ring)
    return;
  munmap(ring->arena, NARA_RING_MAX_BYTES);
  g_free(ring);
}

/* At the end of the arena: TRUE if the round's first record, the oldest
 * one kept, is still worth keeping, so the arena should grow rather than
 * come round over it; *age is how old it is in RTP time. */
static gboolean holds_too_little(const NaraRtpRing *ring, guint32 ext_seq, guint32 ts, gint32 *age)
{
  const Record *oldest = (const Record *)ring->arena;
  if (ring->size >= NARA_RING_MAX_BYTES || ext_seq - oldest->ext_seq >= NARA_RING_SLOTS)
    return FALSE;
  *age = (gint32)(ts - rtp_timestamp((const guint8 *)(oldest + 1), oldest->len));
  return *age < NARA_RING_KEEP_TICKS;
}

/* To what the arena would have needed at the rate it filled at, at least
 * GROW_ROUND more and at most twice the size. */
static void grow(NaraRtpRing *ring, gint32 age)
{
  guint64 want = age > 0 ? (guint64)ring->size * NARA_RING_KEEP_TICKS / (guint32)age
                         : 2 * (guint64)ring->size;
  want = CLAMP(want, (guint64)ring->size + GROW_ROUND, 2 * (guint64)ring->size);
  want = (want + GROW_ROUND - 1) / GROW_ROUND * GROW_ROUND;
  ring->size = (guint32)MIN(want, NARA_RING_MAX_BYTES);
}

void nara_rtp_ring_put(NaraRtpRing *ring, guint32 ext_seq, const guint8 *data, gsize len)
{
  NaraRingEntry *e = &ring->index[ext_seq & RING_MASK];
  e->len = 0; /* whatever the entry held is older than this packet */
  if (len == 0 || len > NARA_RING_PACKET)
    return;
  guint32 need = record_size(len);
  gint32 age;
  if (G_UNLIKELY(ring->head + need > ring->size)) {
    if (holds_too_little(ring, ext_seq, rtp_timestamp(data, len), &age))
      grow(ring, age);
    if (ring->head + need > ring->size) { /* round to the start */
      ring->lap_start += ring->size;
      ring->last_lap = ring->size;
      ring->head = 0;
    }
  }
  Record *r = (Record *)(ring->arena + ring->head);
  r->ext_seq = ext_seq;
  r->len = (guint16)len;
  memcpy(r + 1, data, len);
  *e = (NaraRingEntry){ ext_seq, ring->head, ring->lap_start + ring->head, (guint16)len };
  ring->head += need;
}

void nara_rtp_ring_clear(NaraRtpRing *ring)
{
  memset(ring->index, 0, sizeof ring->index);
  ring->lap_start += ring->size;
  ring->last_lap = 0;
  ring->head = 0;
}

const guint8 *nara_rtp_ring_get(const NaraRtpRing *ring, guint32 ext_seq, gsize *len)
{
  const NaraRingEntry *e = &ring->index[ext_seq & RING_MASK];
  if (e->len == 0 || e->ext_seq != ext_seq)
    return NULL;
  /* Written this round, or in the previous one where this round has not
   * come yet (its offset at or past the head); the positions wrap at
   * 4 GiB, which an entry never lives to see (it is reused every
   * NARA_RING_SLOTS packets). */
  guint32 since = ring->lap_start + ring->head - e->pos;
  if (since > MAX(ring->head, ring->last_lap))
    return NULL;
  *len = e->len;
  return ring->arena + e->offset + sizeof(Record);
}

gsize nara_rtp_ring_bytes(const NaraRtpRing *ring)
{
  return ring->size;
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

/* ---- round trip ---- */

void nara_rtt_sample(NaraRtt *rtt, gint64 sample_us)
{
  if (sample_us < 0)
    return;
  sample_us = MAX(sample_us, 1);
  if (!rtt->srtt_us) { /* RFC 6298 §2.2 */
    rtt->srtt_us = sample_us;
    rtt->rttvar_us = sample_us / 2;
    return;
  }
  /* §2.3: RTTVAR first, with the SRTT before this sample; beta 1/4, alpha 1/8. */
  gint64 dev = ABS(rtt->srtt_us - sample_us);
  rtt->rttvar_us += (dev - rtt->rttvar_us) / 4;
  rtt->srtt_us += (sample_us - rtt->srtt_us) / 8;
  rtt->srtt_us = MAX(rtt->srtt_us, 1);
}

gint64 nara_rtt_retry_us(const NaraRtt *rtt)
{
  if (!rtt->srtt_us)
    return NARA_RETRY_DEFAULT_US;
  gint64 retry = rtt->srtt_us + MAX(4 * rtt->rttvar_us, NARA_RTT_MARGIN_US);
  return CLAMP(retry, NARA_RETRY_MIN_US, NARA_RETRY_MAX_US);
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
  m->seqs[m->n++] = (NaraMissingSeq){ ext_seq, 0, 0, 0 };
}

void nara_missing_arrived(NaraMissing *m, guint32 ext_seq, gint64 now_us)
{
  gint i = find_missing(m, ext_seq);
  if (i < 0)
    return;
  if (m->seqs[i].first_us)
    nara_rtt_sample(&m->rtt, now_us - m->seqs[i].first_us);
  remove_at(m, (guint)i);
}

gint64 nara_missing_retry_us(const NaraMissing *m)
{
  return nara_rtt_retry_us(&m->rtt);
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
      if (!e->first_us)
        e->first_us = now_us;
    }
    i++;
  }
  return n;
}
