/* test_rtcp.c — unit tests for media/rtcp.c on crafted compound packets.
 *
 * The walk over SR, RR, generic NACK, PLI, FIR and REMB (and what it skips),
 * every truncation of a compound packet, and the RR, SR, NACK and REMB
 * writers read back through the walk. Truncated inputs are copied into
 * buffers of exactly their length so a sanitizer build catches any
 * over-read. Single-threaded.
 */
#include <string.h>

#include "rtcp.h"

typedef struct {
  guint n_sr, n_blocks, n_nacks, n_keyframes, n_remb;
  NaraSenderInfo sr;
  guint32 reporter;
  NaraReportBlock blocks[8];
  guint32 nack_ssrc;
  guint16 pid[8], blp[8];
  guint32 keyframe[8];
  guint64 remb;
  guint remb_n;
} Seen;

static void on_sr(const NaraSenderInfo *info, gpointer user)
{
  Seen *s = user;
  s->sr = *info;
  s->n_sr++;
}

static void on_block(guint32 reporter, const NaraReportBlock *b, gpointer user)
{
  Seen *s = user;
  s->reporter = reporter;
  if (s->n_blocks < 8)
    s->blocks[s->n_blocks] = *b;
  s->n_blocks++;
}

static void on_nack(guint32 ssrc, guint16 pid, guint16 blp, gpointer user)
{
  Seen *s = user;
  s->nack_ssrc = ssrc;
  if (s->n_nacks < 8) {
    s->pid[s->n_nacks] = pid;
    s->blp[s->n_nacks] = blp;
  }
  s->n_nacks++;
}

static void on_keyframe(guint32 ssrc, gpointer user)
{
  Seen *s = user;
  if (s->n_keyframes < 8)
    s->keyframe[s->n_keyframes] = ssrc;
  s->n_keyframes++;
}

static void on_remb(guint64 bitrate, guint n, gpointer user)
{
  Seen *s = user;
  s->remb = bitrate;
  s->remb_n = n;
  s->n_remb++;
}

static const NaraRtcpVisitor visitor = { on_sr, on_block, on_nack, on_keyframe, on_remb, NULL };

static gboolean walk(const guint8 *data, gsize len, Seen *seen)
{
  memset(seen, 0, sizeof *seen);
  guint8 *copy = g_memdup2(data, len ? len : 1);
  gboolean ok = nara_rtcp_walk(copy, len, &visitor, seen);
  g_free(copy);
  return ok;
}

/* SR from 0x11111111 with one block, SDES (skipped), a NACK for 0x22222222
 * (pid 100, blp 0x0005: 100, 101, 103), a PLI for 0x33333333 and a REMB
 * of 2 SSRCs at 1 000 000 bit/s (mantissa 250000 << 2). */
static const guint8 compound[] = {
  /* SR, RC=1, length 12 */
  0x81,
  0xC8,
  0x00,
  0x0C,
  0x11,
  0x11,
  0x11,
  0x11,
  0xE0,
  0x00,
  0x00,
  0x01,
  0x80,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x10,
  0x00,
  0x00,
  0x00,
  0x00,
  0x0A,
  0x00,
  0x00,
  0x04,
  0x00,
  /* block: ssrc, fraction 64, cumulative -2, highest 70000, jitter 33, lsr, dlsr */
  0x44,
  0x44,
  0x44,
  0x44,
  0x40,
  0xFF,
  0xFF,
  0xFE,
  0x00,
  0x01,
  0x11,
  0x70,
  0x00,
  0x00,
  0x00,
  0x21,
  0x12,
  0x34,
  0x56,
  0x78,
  0x00,
  0x01,
  0x00,
  0x00,
  /* SDES, one empty chunk */
  0x81,
  0xCA,
  0x00,
  0x01,
  0x11,
  0x11,
  0x11,
  0x11,
  /* NACK */
  0x81,
  0xCD,
  0x00,
  0x03,
  0x11,
  0x11,
  0x11,
  0x11,
  0x22,
  0x22,
  0x22,
  0x22,
  0x00,
  0x64,
  0x00,
  0x05,
  /* PLI */
  0x81,
  0xCE,
  0x00,
  0x02,
  0x11,
  0x11,
  0x11,
  0x11,
  0x33,
  0x33,
  0x33,
  0x33,
  /* REMB */
  0x8F,
  0xCE,
  0x00,
  0x06,
  0x11,
  0x11,
  0x11,
  0x11,
  0x00,
  0x00,
  0x00,
  0x00,
  'R',
  'E',
  'M',
  'B',
  0x02,
  0x0B,
  0xD0,
  0x90,
  0x22,
  0x22,
  0x22,
  0x22,
  0x55,
  0x55,
  0x55,
  0x55,
};

static void test_walk(void)
{
  Seen s;
  g_assert_true(walk(compound, sizeof compound, &s));
  g_assert_cmpuint(s.n_sr, ==, 1);
  g_assert_cmpuint(s.sr.ssrc, ==, 0x11111111);
  g_assert_cmpuint(s.sr.ntp, ==, G_GUINT64_CONSTANT(0xE000000180000000));
  g_assert_cmpuint(s.sr.rtp_ts, ==, 0x1000);
  g_assert_cmpuint(s.sr.packets, ==, 10);
  g_assert_cmpuint(s.sr.octets, ==, 1024);
  g_assert_cmpuint(s.n_blocks, ==, 1);
  g_assert_cmpuint(s.reporter, ==, 0x11111111);
  g_assert_cmpuint(s.blocks[0].ssrc, ==, 0x44444444);
  g_assert_cmpuint(s.blocks[0].fraction_lost, ==, 64);
  g_assert_cmpint(s.blocks[0].cumulative_lost, ==, -2);
  g_assert_cmpuint(s.blocks[0].highest_seq, ==, 70000);
  g_assert_cmpuint(s.blocks[0].jitter, ==, 33);
  g_assert_cmpuint(s.blocks[0].lsr, ==, 0x12345678);
  g_assert_cmpuint(s.blocks[0].dlsr, ==, 65536);
  g_assert_cmpuint(s.n_nacks, ==, 1);
  g_assert_cmpuint(s.nack_ssrc, ==, 0x22222222);
  g_assert_cmpuint(s.pid[0], ==, 100);
  g_assert_cmpuint(s.blp[0], ==, 5);
  g_assert_cmpuint(s.n_keyframes, ==, 1);
  g_assert_cmpuint(s.keyframe[0], ==, 0x33333333);
  g_assert_cmpuint(s.n_remb, ==, 1);
  g_assert_cmpuint(s.remb, ==, 1000000);
  g_assert_cmpuint(s.remb_n, ==, 2);
}

static void test_walk_truncated(void)
{
  Seen s;
  /* Every cut that is not at a packet boundary is malformed. */
  static const gsize ends[] = { 52, 60, 76, 88, sizeof compound };
  for (gsize cut = 0; cut < sizeof compound; cut++) {
    gboolean boundary = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(ends); i++)
      boundary |= cut == ends[i];
    g_assert_true(walk(compound, cut, &s) == boundary);
  }
  /* A stated length past the end, and a bad version. */
  guint8 bad[sizeof compound];
  memcpy(bad, compound, sizeof bad);
  bad[3] = 0x40;
  g_assert_false(walk(bad, sizeof bad, &s));
  memcpy(bad, compound, sizeof bad);
  bad[52] = 0x41;
  g_assert_false(walk(bad, sizeof bad, &s));
  g_assert_cmpuint(s.n_sr, ==, 1); /* what came before the fault was reported */
  /* An RR whose count promises more blocks than it holds. */
  static const guint8 rr[] = { 0x82, 0xC9, 0x00, 0x07, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0,
                               0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  g_assert_false(walk(rr, sizeof rr, &s));
  g_assert_cmpuint(s.n_blocks, ==, 0);
  /* A REMB whose SSRC count runs past the packet. */
  guint8 remb[28];
  memcpy(remb, compound + 88, sizeof remb);
  remb[16] = 3;
  g_assert_false(walk(remb, sizeof remb, &s));
  /* A FIR whose entries are not whole. */
  static const guint8 fir[] = { 0x84, 0xCE, 0x00, 0x03, 1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8 };
  g_assert_false(walk(fir, sizeof fir, &s));
}

static void assert_block(const NaraReportBlock *a, const NaraReportBlock *b)
{
  g_assert_cmpuint(a->ssrc, ==, b->ssrc);
  g_assert_cmpuint(a->fraction_lost, ==, b->fraction_lost);
  g_assert_cmpint(a->cumulative_lost, ==, b->cumulative_lost);
  g_assert_cmpuint(a->highest_seq, ==, b->highest_seq);
  g_assert_cmpuint(a->jitter, ==, b->jitter);
  g_assert_cmpuint(a->lsr, ==, b->lsr);
  g_assert_cmpuint(a->dlsr, ==, b->dlsr);
}

static void test_write_reports(void)
{
  NaraReportBlock blocks[2] = {
    { 0xAAAA0001, 12, -5, 65540, 90, 0x01020304, 7 },
    { 0xAAAA0002, 255, 0x7fffff, 3, 0, 0, 0 },
  };
  guint8 buf[128];
  Seen s;
  gsize n = nara_rtcp_write_rr(buf, sizeof buf, 0x5151, blocks, 2);
  g_assert_cmpuint(n, ==, 8 + 48);
  g_assert_true(walk(buf, n, &s));
  g_assert_cmpuint(s.n_blocks, ==, 2);
  g_assert_cmpuint(s.reporter, ==, 0x5151);
  assert_block(&s.blocks[0], &blocks[0]);
  assert_block(&s.blocks[1], &blocks[1]);
  g_assert_cmpuint(nara_rtcp_write_rr(buf, n - 1, 0x5151, blocks, 2), ==, 0);
  g_assert_cmpuint(nara_rtcp_write_rr(buf, sizeof buf, 0x5151, NULL, 0), ==, 8);
  g_assert_cmpuint(nara_rtcp_write_rr(buf, sizeof buf, 0x5151, blocks, 32), ==, 0);

  NaraSenderInfo info = { 0x7777, G_GUINT64_CONSTANT(0xDEADBEEF01234567), 90000, 42, 4200 };
  n = nara_rtcp_write_sr(buf, sizeof buf, &info, NULL, 0);
  g_assert_cmpuint(n, ==, 28);
  g_assert_true(walk(buf, n, &s));
  g_assert_cmpuint(s.n_sr, ==, 1);
  g_assert_cmpuint(s.sr.ssrc, ==, info.ssrc);
  g_assert_cmpuint(s.sr.ntp, ==, info.ntp);
  g_assert_cmpuint(s.sr.rtp_ts, ==, info.rtp_ts);
  g_assert_cmpuint(s.sr.packets, ==, info.packets);
  g_assert_cmpuint(s.sr.octets, ==, info.octets);
  g_assert_cmpuint(nara_rtcp_write_sr(buf, 27, &info, NULL, 0), ==, 0);
  /* Two SRs and an RR make one compound packet. */
  gsize m = n + nara_rtcp_write_sr(buf + n, sizeof buf - n, &info, blocks, 1);
  m += nara_rtcp_write_rr(buf + m, sizeof buf - m, 1, blocks, 1);
  g_assert_true(walk(buf, m, &s));
  g_assert_cmpuint(s.n_sr, ==, 2);
  g_assert_cmpuint(s.n_blocks, ==, 2);
}

static void test_write_nack(void)
{
  guint8 buf[64];
  Seen s;
  /* 100..116 fit one FCI; 117 starts the next; 65535 and 0 wrap into one. */
  const guint16 seqs[] = { 100, 101, 116, 101, 117, 65535, 0 };
  gsize n = nara_rtcp_write_nack(buf, sizeof buf, 0x1010, 0x2020, seqs, G_N_ELEMENTS(seqs));
  g_assert_cmpuint(n, ==, 12 + 3 * 4);
  g_assert_true(walk(buf, n, &s));
  g_assert_cmpuint(s.n_nacks, ==, 3);
  g_assert_cmpuint(s.nack_ssrc, ==, 0x2020);
  g_assert_cmpuint(s.pid[0], ==, 100);
  g_assert_cmpuint(s.blp[0], ==, 0x8001);
  g_assert_cmpuint(s.pid[1], ==, 117);
  g_assert_cmpuint(s.blp[1], ==, 0);
  g_assert_cmpuint(s.pid[2], ==, 65535);
  g_assert_cmpuint(s.blp[2], ==, 1);
  g_assert_cmpuint(nara_rtcp_write_nack(buf, 23, 1, 2, seqs, G_N_ELEMENTS(seqs)), ==, 0);
  g_assert_cmpuint(nara_rtcp_write_nack(buf, sizeof buf, 1, 2, seqs, 0), ==, 0);
}

static void test_write_remb(void)
{
  guint8 buf[64];
  Seen s;
  const guint32 ssrcs[] = { 1, 2, 3 };
  gsize n = nara_rtcp_write_remb_fb(buf, sizeof buf, 9, 1500000, ssrcs, 3);
  g_assert_cmpuint(n, ==, 32);
  g_assert_true(walk(buf, n, &s));
  g_assert_cmpuint(s.n_remb, ==, 1);
  g_assert_cmpuint(s.remb_n, ==, 3);
  g_assert_cmpuint(s.remb, <=, 1500000);
  g_assert_cmpuint(s.remb, >, 1500000 - 8);
  g_assert_cmpuint(nara_rtcp_write_remb_fb(buf, 31, 9, 1, ssrcs, 3), ==, 0);
}

static void test_ntp(void)
{
  /* 1970-01-01 is 2208988800 s after the NTP epoch; half a second is 2^31. */
  g_assert_cmpuint(nara_ntp_from_unix_us(0), ==, G_GUINT64_CONSTANT(2208988800) << 32);
  g_assert_cmpuint(nara_ntp_from_unix_us(1500000), ==,
                   ((G_GUINT64_CONSTANT(2208988801)) << 32) | 0x80000000u);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtcp/walk", test_walk);
  g_test_add_func("/rtcp/walk/truncated", test_walk_truncated);
  g_test_add_func("/rtcp/write/reports", test_write_reports);
  g_test_add_func("/rtcp/write/nack", test_write_nack);
  g_test_add_func("/rtcp/write/remb", test_write_remb);
  g_test_add_func("/rtcp/ntp", test_ntp);
  return g_test_run();
}
