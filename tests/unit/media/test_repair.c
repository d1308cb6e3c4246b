/* test_repair.c — unit tests for media/repair.c and the RTX helpers of rtp.c.
 *
 * The packet ring (store, replace, miss; wrap-around over packets of
 * varying length, growth to a second of media and its limits, evicted
 * numbers), RFC 3550 sequence accounting
 * (gaps, reordering, wrap-around, restarts), loss and jitter in the report
 * block, the missing list's retries and expiry, the NACK round trip
 * (RFC 6298 smoothing, retry bounds), and RTX wrap/unwrap on
 * crafted packets, truncated ones included (copied into buffers of exactly
 * their length so a sanitizer build catches any over-read). Single-threaded.
 */
#include <string.h>

#include "repair.h"
#include "rtp.h"
#include "sdp.h"

/* V=2 X=1, PT=96, seq 0x1234, ts 0x01020304, SSRC 0xAABBCCDD, a one-byte
 * extension block (id 3 len 1), 4 payload bytes. */
static const guint8 rtp_ext[] = {
  0x90, 0x60, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xAA, 0xBB, 0xCC, 0xDD,
  0xBE, 0xDE, 0x00, 0x01, 0x30, 0x7F, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF,
};

/* V=2 P=1, PT=96, seq 7, 2 payload bytes and 2 bytes of padding. */
static const guint8 rtp_padded[] = {
  0xA0, 0x60, 0x00, 0x07, 0x00, 0x00, 0x00, 0x10, 0x01, 0x02, 0x03, 0x04, 0x55, 0x66, 0x00, 0x02,
};

static guint16 rd16(const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

static guint32 rd32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static void test_ring(void)
{
  NaraRtpRing *ring = nara_rtp_ring_new();
  gsize len = 0;
  g_assert_null(nara_rtp_ring_get(ring, 0, &len));
  nara_rtp_ring_put(ring, 100, rtp_ext, sizeof rtp_ext);
  const guint8 *p = nara_rtp_ring_get(ring, 100, &len);
  g_assert_nonnull(p);
  g_assert_cmpmem(p, len, rtp_ext, sizeof rtp_ext);
  /* Another number in the same slot replaces it. */
  nara_rtp_ring_put(ring, 100 + NARA_RING_SLOTS, rtp_padded, sizeof rtp_padded);
  g_assert_null(nara_rtp_ring_get(ring, 100, &len));
  p = nara_rtp_ring_get(ring, 100 + NARA_RING_SLOTS, &len);
  g_assert_cmpmem(p, len, rtp_padded, sizeof rtp_padded);
  /* Too large for a slot: not stored, and the slot's older packet goes. */
  guint8 big[NARA_RING_PACKET + 1] = { 0 };
  nara_rtp_ring_put(ring, 100 + 2 * NARA_RING_SLOTS, big, sizeof big);
  g_assert_null(nara_rtp_ring_get(ring, 100 + NARA_RING_SLOTS, &len));
  g_assert_null(nara_rtp_ring_get(ring, 100 + 2 * NARA_RING_SLOTS, &len));
  nara_rtp_ring_put(ring, 5, rtp_ext, sizeof rtp_ext);
  nara_rtp_ring_clear(ring);
  g_assert_null(nara_rtp_ring_get(ring, 5, &len));
  nara_rtp_ring_free(ring);
  nara_rtp_ring_free(NULL);
}

/* A packet whose every octet follows from its number, timestamp and length. */
static gsize make_packet(guint8 *buf, guint32 ext, guint32 ts, gsize len)
{
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8)(ext * 31 + i);
  if (len >= 8) {
    buf[4] = (guint8)(ts >> 24);
    buf[5] = (guint8)(ts >> 16);
    buf[6] = (guint8)(ts >> 8);
    buf[7] = (guint8)ts;
  }
  return len;
}

static gboolean ring_holds(const NaraRtpRing *ring, guint32 ext, guint32 ts, gsize want_len)
{
  guint8 want[NARA_RING_PACKET];
  gsize len = 0;
  const guint8 *p = nara_rtp_ring_get(ring, ext, &len);
  if (!p)
    return FALSE;
  make_packet(want, ext, ts, want_len);
  g_assert_cmpmem(p, len, want, want_len);
  return TRUE;
}

/* What a record of len octets takes of the arena (header, rounding). */
static gsize record_bytes(gsize len)
{
  return (8 + len + 15) & ~(gsize)15;
}

static gsize varied_len(guint32 ext)
{
  return 12 + (ext * 7919u) % (NARA_RING_PACKET - 11);
}

/* Packets a second apart never make the arena grow: it comes round many
 * times, over packets of every length, and always holds the newest ones
 * it has room for, whole, and nothing older. */
static void test_ring_wrap(void)
{
  NaraRtpRing *ring = nara_rtp_ring_new();
  guint8 buf[NARA_RING_PACKET];
  const guint32 first = 65000, count = 3000; /* across a 16-bit wrap, too */
  for (guint32 ext = first; ext < first + count; ext++) {
    nara_rtp_ring_put(ring, ext, buf, make_packet(buf, ext, ext * 90000u, varied_len(ext)));
    g_assert_true(ring_holds(ring, ext, ext * 90000u, varied_len(ext)));
    g_assert_cmpuint(nara_rtp_ring_bytes(ring), ==, NARA_RING_MIN_BYTES);
  }
  guint32 last = first + count - 1, ext = last;
  gsize held = 0;
  while (ring_holds(ring, ext, ext * 90000u, varied_len(ext))) {
    held += record_bytes(varied_len(ext));
    ext--;
  }
  /* Full but for what the end of the arena and the next record leave. */
  g_assert_cmpuint(held, <=, NARA_RING_MIN_BYTES);
  g_assert_cmpuint(held, >=, NARA_RING_MIN_BYTES - 2 * record_bytes(NARA_RING_PACKET));
  g_assert_cmpuint(last - ext, <, NARA_RING_SLOTS);
  /* Everything older is gone, including what its index entries last held. */
  gsize len;
  for (guint32 old = first; old <= ext; old++)
    g_assert_null(nara_rtp_ring_get(ring, old, &len));
  g_assert_null(nara_rtp_ring_get(ring, last + 1, &len));
  g_assert_null(nara_rtp_ring_get(ring, last + NARA_RING_SLOTS, &len));

  nara_rtp_ring_clear(ring);
  g_assert_null(nara_rtp_ring_get(ring, last, &len));
  nara_rtp_ring_put(ring, 7, buf, make_packet(buf, 7, 0, 100));
  g_assert_true(ring_holds(ring, 7, 0, 100));
  nara_rtp_ring_free(ring);
}

/* 300 packets of 1200 octets a second (2.9 Mbit/s): the arena grows until
 * it holds a second of them, and the second before that is let go. */
static void test_ring_grows_to_a_second(void)
{
  NaraRtpRing *ring = nara_rtp_ring_new();
  guint8 buf[NARA_RING_PACKET];
  const guint32 step = 90000 / 300, count = 3000;
  for (guint32 ext = 0; ext < count; ext++)
    nara_rtp_ring_put(ring, ext, buf, make_packet(buf, ext, ext * step, 1200));
  gsize bytes = nara_rtp_ring_bytes(ring);
  g_assert_cmpuint(bytes, >=, 300 * record_bytes(1200));
  g_assert_cmpuint(bytes, <=, NARA_RING_MAX_BYTES);
  for (guint32 ext = count - 300; ext < count; ext++)
    g_assert_true(ring_holds(ring, ext, ext * step, 1200));
  gsize len;
  g_assert_null(nara_rtp_ring_get(ring, count - 2 * 300, &len));

  /* 30 small packets a second never leave the smallest arena. */
  NaraRtpRing *slow = nara_rtp_ring_new();
  for (guint32 ext = 0; ext < count; ext++)
    nara_rtp_ring_put(slow, ext, buf, make_packet(buf, ext, ext * 3000, 600));
  g_assert_cmpuint(nara_rtp_ring_bytes(slow), ==, NARA_RING_MIN_BYTES);
  for (guint32 ext = count - 30; ext < count; ext++)
    g_assert_true(ring_holds(slow, ext, ext * 3000, 600));
  nara_rtp_ring_free(slow);
  nara_rtp_ring_free(ring);
}

/* A burst with one timestamp (a large keyframe) grows the arena to its
 * maximum and no further; small packets stop at NARA_RING_SLOTS numbers. */
static void test_ring_limits(void)
{
  NaraRtpRing *ring = nara_rtp_ring_new();
  guint8 buf[NARA_RING_PACKET];
  for (guint32 ext = 0; ext < 2000; ext++) {
    nara_rtp_ring_put(ring, ext, buf, make_packet(buf, ext, 1234, NARA_RING_PACKET));
    g_assert_cmpuint(nara_rtp_ring_bytes(ring), <=, NARA_RING_MAX_BYTES);
  }
  g_assert_cmpuint(nara_rtp_ring_bytes(ring), ==, NARA_RING_MAX_BYTES);
  guint32 fit = NARA_RING_MAX_BYTES / record_bytes(NARA_RING_PACKET);
  for (guint32 ext = 2000 - (fit - 1); ext < 2000; ext++)
    g_assert_true(ring_holds(ring, ext, 1234, NARA_RING_PACKET));
  gsize len;
  g_assert_null(nara_rtp_ring_get(ring, 2000 - fit - 1, &len));
  nara_rtp_ring_free(ring);

  ring = nara_rtp_ring_new();
  for (guint32 ext = 0; ext < 4000; ext++)
    nara_rtp_ring_put(ring, ext, buf, make_packet(buf, ext, 1234, 200));
  g_assert_cmpuint(nara_rtp_ring_bytes(ring), <=, 2 * NARA_RING_SLOTS * record_bytes(200));
  for (guint32 ext = 4000 - NARA_RING_SLOTS + 16; ext < 4000; ext++)
    g_assert_true(ring_holds(ring, ext, 1234, 200));
  for (guint32 ext = 0; ext < 4000 - NARA_RING_SLOTS; ext++)
    g_assert_null(nara_rtp_ring_get(ring, ext, &len));
  nara_rtp_ring_free(ring);
}

static NaraSeqResult feed(NaraRecvStats *s, guint16 seq, guint32 *ext, guint32 *gap)
{
  return nara_recv_stats_update(s, seq, 0, 0, FALSE, ext, gap);
}

static void test_sequence(void)
{
  NaraRecvStats s;
  guint32 ext, gap;
  nara_recv_stats_init(&s, 0x1111, 90000);
  g_assert_cmpint(feed(&s, 65530, &ext, &gap), ==, NARA_SEQ_NEXT);
  g_assert_cmpuint(ext, ==, 65530);
  g_assert_cmpint(feed(&s, 65531, &ext, &gap), ==, NARA_SEQ_NEXT);
  g_assert_cmpint(feed(&s, 65531, &ext, &gap), ==, NARA_SEQ_DUPLICATE);
  /* Across the wrap, three lost: 65532..65534, then 65535 and 0 ... */
  g_assert_cmpint(feed(&s, 1, &ext, &gap), ==, NARA_SEQ_GAP);
  g_assert_cmpuint(gap, ==, 5);
  g_assert_cmpuint(ext, ==, 65536 + 1);
  /* ... one of which arrives late, extended into the previous cycle. */
  g_assert_cmpint(feed(&s, 65534, &ext, &gap), ==, NARA_SEQ_LATE);
  g_assert_cmpuint(ext, ==, 65534);
  g_assert_cmpuint(nara_recv_stats_extend(&s, 65533), ==, 65533);
  g_assert_cmpuint(nara_recv_stats_extend(&s, 2), ==, 65538);
  /* Old retransmissions, in order, far behind: late, never a restart. */
  g_assert_cmpint(nara_recv_stats_update(&s, 40000, 0, 0, TRUE, &ext, &gap), ==, NARA_SEQ_LATE);
  g_assert_cmpint(nara_recv_stats_update(&s, 40001, 0, 0, TRUE, &ext, &gap), ==, NARA_SEQ_LATE);
  g_assert_cmpint(feed(&s, 2, &ext, &gap), ==, NARA_SEQ_NEXT);
  g_assert_cmpuint(ext, ==, 65538);
  /* A jump of 30000 is taken only when the next packet agrees. */
  g_assert_cmpint(feed(&s, 30001, &ext, &gap), ==, NARA_SEQ_BAD);
  g_assert_cmpint(feed(&s, 30002, &ext, &gap), ==, NARA_SEQ_RESET);
  g_assert_cmpuint(ext, ==, 30002);
  g_assert_cmpint(feed(&s, 30003, &ext, &gap), ==, NARA_SEQ_NEXT);
}

static void test_report(void)
{
  NaraRecvStats s;
  NaraReportBlock rb;
  guint32 ext, gap;
  nara_recv_stats_init(&s, 0xCAFE, 90000);
  nara_recv_stats_report(&s, 0, &rb);
  g_assert_cmpuint(rb.ssrc, ==, 0xCAFE);
  g_assert_cmpuint(rb.highest_seq, ==, 0);
  /* 1000..1100 expected, one in four of 1000..1099 lost: 25 of 101. */
  for (guint seq = 1000; seq <= 1100; seq++)
    if (seq % 4 != 1 || seq == 1100)
      feed(&s, (guint16)seq, &ext, &gap);
  nara_recv_stats_report(&s, 0, &rb);
  g_assert_cmpuint(rb.highest_seq, ==, 1100);
  g_assert_cmpint(rb.cumulative_lost, ==, 25);
  g_assert_cmpuint(rb.fraction_lost, ==, 25 * 256 / 101);
  g_assert_cmpuint(rb.lsr, ==, 0);
  /* The next interval has no loss; the late ones bring cumulative down. */
  for (guint seq = 1101; seq < 1111; seq++)
    feed(&s, (guint16)seq, &ext, &gap);
  feed(&s, 1001, &ext, &gap);
  nara_recv_stats_report(&s, 0, &rb);
  g_assert_cmpuint(rb.fraction_lost, ==, 0);
  g_assert_cmpint(rb.cumulative_lost, ==, 24);

  /* LSR is the middle of the SR's NTP time, DLSR in 1/65536 s. */
  nara_recv_stats_sender_report(&s, G_GUINT64_CONSTANT(0x1122334455667788), 5, 1000000);
  nara_recv_stats_report(&s, 1500000, &rb);
  g_assert_cmpuint(rb.lsr, ==, 0x33445566);
  g_assert_cmpuint(rb.dlsr, ==, 32768);
}

static void test_jitter(void)
{
  NaraRecvStats s;
  NaraReportBlock rb;
  guint32 ext, gap;
  nara_recv_stats_init(&s, 1, 90000);
  /* 30 frames a second, each arriving exactly on time: no jitter. */
  for (guint i = 0; i < 50; i++)
    nara_recv_stats_update(&s, (guint16)i, i * 3000, (gint64)i * 33333 + 7, FALSE, &ext, &gap);
  nara_recv_stats_report(&s, 0, &rb);
  g_assert_cmpuint(rb.jitter, <=, 1);
  /* Every other frame 10 ms late (900 units): J converges towards 900. */
  for (guint i = 50; i < 1000; i++) {
    gint64 at = (gint64)i * 33333 + (i % 2 ? 10000 : 0);
    nara_recv_stats_update(&s, (guint16)i, i * 3000, at, FALSE, &ext, &gap);
  }
  nara_recv_stats_report(&s, 0, &rb);
  g_assert_cmpuint(rb.jitter, >, 800);
  g_assert_cmpuint(rb.jitter, <, 1000);
  /* Retransmissions leave it alone however late they come. */
  guint32 before = s.jitter;
  nara_recv_stats_update(&s, 1000, 1000 * 3000, 99000000, TRUE, &ext, &gap);
  g_assert_cmpuint(s.jitter, ==, before);
}

static void test_missing(void)
{
  NaraMissing m = { 0 };
  guint16 seqs[8];
  nara_missing_add(&m, 10);
  nara_missing_add(&m, 11);
  nara_missing_add(&m, 10);
  nara_missing_add(&m, 70000);
  g_assert_cmpuint(m.n, ==, 3);
  g_assert_cmpuint(nara_missing_due(&m, 1000, 100, 0, seqs, 8), ==, 3);
  g_assert_cmpuint(seqs[0], ==, 10);
  g_assert_cmpuint(seqs[2], ==, (guint16)70000);
  /* Not due again before the retry interval. */
  g_assert_cmpuint(nara_missing_due(&m, 1050, 100, 0, seqs, 8), ==, 0);
  nara_missing_remove(&m, 11);
  g_assert_cmpuint(nara_missing_due(&m, 1100, 100, 0, seqs, 1), ==, 1);
  g_assert_cmpuint(nara_missing_due(&m, 1100, 100, 0, seqs, 8), ==, 1);
  g_assert_cmpuint(nara_missing_due(&m, 1200, 100, 0, seqs, 8), ==, 2);
  /* Three tries each: then they go. */
  g_assert_cmpuint(nara_missing_due(&m, 1300, 100, 0, seqs, 8), ==, 0);
  g_assert_cmpuint(m.n, ==, 0);
  /* Older than the ring: dropped unasked. */
  nara_missing_add(&m, 5);
  nara_missing_add(&m, 500);
  g_assert_cmpuint(nara_missing_due(&m, 1, 100, 100, seqs, 8), ==, 1);
  g_assert_cmpuint(seqs[0], ==, 500);
  /* Full: the oldest makes room. */
  for (guint i = 0; i < NARA_MISSING_MAX + 5; i++)
    nara_missing_add(&m, 1000 + i);
  g_assert_cmpuint(m.n, ==, NARA_MISSING_MAX);
  g_assert_cmpuint(m.seqs[0].ext_seq, ==, 1005);
}

/* RFC 6298 §2: the first sample sets SRTT and RTTVAR = SRTT / 2, later
 * ones move them by 1/8 and 1/4; the retry is SRTT + 4 RTTVAR, at least a
 * pacing margin above SRTT, within bounds, 100 ms without a sample. */
static void test_rtt(void)
{
  NaraRtt rtt = { 0 };
  const gint64 ms = G_TIME_SPAN_MILLISECOND;
  g_assert_cmpint(nara_rtt_retry_us(&rtt), ==, NARA_RETRY_DEFAULT_US);
  nara_rtt_sample(&rtt, -5 * ms); /* a clock gone backwards: no sample */
  g_assert_cmpint(rtt.srtt_us, ==, 0);
  nara_rtt_sample(&rtt, 80 * ms);
  g_assert_cmpint(rtt.srtt_us, ==, 80 * ms);
  g_assert_cmpint(rtt.rttvar_us, ==, 40 * ms);
  g_assert_cmpint(nara_rtt_retry_us(&rtt), ==, 240 * ms);
  nara_rtt_sample(&rtt, 160 * ms);
  g_assert_cmpint(rtt.rttvar_us, ==, 40 * ms + (80 * ms - 40 * ms) / 4);
  g_assert_cmpint(rtt.srtt_us, ==, 80 * ms + 80 * ms / 8);
  /* A steady path: the deviation decays, the margin stays. */
  for (guint i = 0; i < 200; i++)
    nara_rtt_sample(&rtt, 100 * ms);
  g_assert_cmpint(ABS(rtt.srtt_us - 100 * ms), <, ms);
  g_assert_cmpint(nara_rtt_retry_us(&rtt), >=, rtt.srtt_us + NARA_RTT_MARGIN_US);
  g_assert_cmpint(nara_rtt_retry_us(&rtt), <, 115 * ms);
  /* Bounds: loopback, and a satellite link. */
  NaraRtt fast = { 0 }, slow = { 0 };
  for (guint i = 0; i < 50; i++) {
    nara_rtt_sample(&fast, 300);
    nara_rtt_sample(&slow, 900 * ms);
  }
  g_assert_cmpint(nara_rtt_retry_us(&fast), ==, NARA_RETRY_MIN_US);
  g_assert_cmpint(nara_rtt_retry_us(&slow), ==, NARA_RETRY_MAX_US);
}

/* A retransmission's arrival is a sample from its first NACK, retries or
 * not; one never asked for (or arriving twice) is none. */
static void test_missing_rtt(void)
{
  NaraMissing m = { 0 };
  guint16 seqs[8];
  const gint64 ms = G_TIME_SPAN_MILLISECOND;
  nara_missing_add(&m, 40);
  nara_missing_add(&m, 41);
  nara_missing_add(&m, 42);
  g_assert_cmpuint(nara_missing_due(&m, 1000 * ms, nara_missing_retry_us(&m), 0, seqs, 8), ==, 3);
  nara_missing_arrived(&m, 40, 1060 * ms);
  g_assert_cmpint(m.rtt.srtt_us, ==, 60 * ms);
  g_assert_cmpuint(m.n, ==, 2);
  nara_missing_arrived(&m, 40, 1070 * ms);
  g_assert_cmpint(m.rtt.srtt_us, ==, 60 * ms);
  /* Retried after the round trip the first sample set (60 + 4 * 30 ms)... */
  gint64 retry = nara_missing_retry_us(&m);
  g_assert_cmpint(retry, ==, 180 * ms);
  g_assert_cmpuint(nara_missing_due(&m, 1000 * ms + retry - 1, retry, 0, seqs, 8), ==, 0);
  g_assert_cmpuint(nara_missing_due(&m, 1000 * ms + retry, retry, 0, seqs, 8), ==, 2);
  /* ... and the answer to the retry still counts from the first NACK. */
  nara_missing_arrived(&m, 41, 1000 * ms + retry + 60 * ms);
  g_assert_cmpint(m.rtt.srtt_us, ==, 60 * ms + (retry + 60 * ms - 60 * ms) / 8);
  /* Never asked: no sample. */
  NaraMissing fresh = { 0 };
  nara_missing_add(&fresh, 7);
  nara_missing_arrived(&fresh, 7, 5000 * ms);
  g_assert_cmpint(fresh.rtt.srtt_us, ==, 0);
  g_assert_cmpuint(fresh.n, ==, 0);
}

static void identity_rewrite(NaraRtpRewrite *rw, guint32 ssrc, guint8 pt)
{
  rw->ssrc = ssrc;
  rw->pt = pt;
  for (guint i = 0; i < 256; i++)
    rw->ext_map[i] = (guint8)i;
}

static void test_rtx_roundtrip(void)
{
  NaraRtpRewrite rw;
  identity_rewrite(&rw, 0x01020304, 100);
  rw.ext_map[3] = 5;
  guint8 out[64];
  gsize n = nara_rtx_wrap(out, sizeof out, rtp_ext, sizeof rtp_ext, &rw, 101, 0x0A0B0C0D, 777);
  g_assert_cmpuint(n, ==, sizeof rtp_ext + 2);
  g_assert_cmpuint(out[1] & 0x7f, ==, 101);
  g_assert_cmpuint(rd16(out + 2), ==, 777);
  g_assert_cmpuint(rd32(out + 4), ==, 0x01020304); /* timestamp kept */
  g_assert_cmpuint(rd32(out + 8), ==, 0x0A0B0C0D);
  g_assert_cmpuint(out[16] >> 4, ==, 5); /* extension id rewritten */
  g_assert_cmpuint(rd16(out + 20), ==, 0x1234);
  g_assert_cmpmem(out + 22, 4, rtp_ext + 20, 4);

  gsize len = n;
  g_assert_true(nara_rtx_unwrap(out, &len, 100, 0x01020304));
  g_assert_cmpuint(len, ==, sizeof rtp_ext);
  NaraRtpHeader h;
  g_assert_true(nara_rtp_parse(out, len, &h));
  g_assert_cmpuint(h.seq, ==, 0x1234);
  g_assert_cmpuint(h.pt, ==, 100);
  g_assert_cmpuint(h.ssrc, ==, 0x01020304);
  g_assert_cmpmem(out + h.header_len, h.payload_len, rtp_ext + 20, 4);
}

static void test_rtx_padding(void)
{
  NaraRtpRewrite rw;
  identity_rewrite(&rw, 9, 96);
  guint8 out[64];
  /* The padding stays behind and P is cleared. */
  gsize n = nara_rtx_wrap(out, sizeof out, rtp_padded, sizeof rtp_padded, &rw, 97, 8, 1);
  g_assert_cmpuint(n, ==, 12 + 2 + 2);
  g_assert_cmpuint(out[0] & 0x20, ==, 0);
  g_assert_cmpuint(rd16(out + 12), ==, 7);
  /* An RTX packet with padding unwraps with its padding intact. */
  guint8 rtx[]
      = { 0xA0, 0x61, 0x00, 0x01, 0, 0, 0, 0x10, 0, 0, 0, 8, 0x00, 0x07, 0x55, 0x03, 0, 3 };
  gsize len = sizeof rtx;
  g_assert_true(nara_rtx_unwrap(rtx, &len, 96, 9));
  NaraRtpHeader h;
  g_assert_true(nara_rtp_parse(rtx, len, &h));
  g_assert_cmpuint(h.seq, ==, 7);
  g_assert_cmpuint(h.payload_len, ==, 1);
  /* Padding alone (a probe) has no original sequence number. */
  guint8 probe[] = { 0xA0, 0x61, 0x00, 0x02, 0, 0, 0, 0x10, 0, 0, 0, 8, 0, 0, 0, 4 };
  len = sizeof probe;
  guint8 copy[sizeof probe];
  memcpy(copy, probe, sizeof probe);
  g_assert_false(nara_rtx_unwrap(probe, &len, 96, 9));
  g_assert_cmpmem(probe, len, copy, sizeof copy);
}

static void test_rtx_truncated(void)
{
  NaraRtpRewrite rw;
  identity_rewrite(&rw, 9, 96);
  guint8 out[64];
  for (gsize cut = 0; cut < sizeof rtp_ext; cut++) {
    guint8 *p = g_memdup2(rtp_ext, cut ? cut : 1);
    gsize n = nara_rtx_wrap(out, sizeof out, p, cut, &rw, 97, 8, 1);
    /* Cut inside the header: refused; inside the payload: a shorter packet. */
    if (cut < 20)
      g_assert_cmpuint(n, ==, 0);
    else
      g_assert_cmpuint(n, ==, cut + 2);
    gsize len = cut;
    gboolean ok = nara_rtx_unwrap(p, &len, 96, 9);
    g_assert_true(ok == (cut >= 22));
    g_free(p);
  }
  /* No room for the two octets more. */
  g_assert_cmpuint(nara_rtx_wrap(out, sizeof rtp_ext + 1, rtp_ext, sizeof rtp_ext, &rw, 97, 8, 1),
                   ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/repair/ring", test_ring);
  g_test_add_func("/repair/ring/wrap", test_ring_wrap);
  g_test_add_func("/repair/ring/grows-to-a-second", test_ring_grows_to_a_second);
  g_test_add_func("/repair/ring/limits", test_ring_limits);
  g_test_add_func("/repair/sequence", test_sequence);
  g_test_add_func("/repair/report", test_report);
  g_test_add_func("/repair/jitter", test_jitter);
  g_test_add_func("/repair/missing", test_missing);
  g_test_add_func("/repair/rtt", test_rtt);
  g_test_add_func("/repair/missing/rtt", test_missing_rtt);
  g_test_add_func("/repair/rtx/roundtrip", test_rtx_roundtrip);
  g_test_add_func("/repair/rtx/padding", test_rtx_padding);
  g_test_add_func("/repair/rtx/truncated", test_rtx_truncated);
  return g_test_run();
}
