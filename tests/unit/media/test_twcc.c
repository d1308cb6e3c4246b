/* test_twcc.c — unit tests for media/twcc.c: the arrival record and the
 * transport-cc feedback written from it, read back by the parser.
 *
 * Crafted arrival sequences (in order, with losses, reordered, across the
 * 16-bit wrap, with gaps of seconds, more than one feedback holds) are
 * recorded, written as feedback and parsed: every status and every arrival
 * tick must come back as recorded. Also the byte layout of a small
 * feedback and the parser's refusals. Single-threaded.
 */
#include <string.h>

#include "twcc.h"

#define TICK 250

/* One arrival of a crafted sequence. */
typedef struct {
  guint16 seq;
  gint64 us;
} Arrival;

/* What the feedbacks written from a record say, per extended sequence
 * number from the first feedback's base. */
typedef struct {
  guint n_feedbacks;
  guint n_status;
  gint64 ticks[8192];
  guint8 fb_count[64];
  guint16 base[64];
  gsize len[64];
} Read;

static void drain(NaraTwcc *twcc, gsize cap, Read *r)
{
  memset(r, 0, sizeof *r);
  guint8 buf[1500];
  gsize len;
  while ((len = nara_twcc_write_feedback(twcc, buf, MIN(cap, sizeof buf), 1, 2)) > 0) {
    g_assert_cmpuint(len % 4, ==, 0);
    g_assert_cmpuint(len, <=, cap);
    g_assert_cmpuint(r->n_feedbacks, <, 64);
    NaraTwccFeedback fb;
    gint64 ticks[8192];
    g_assert_true(nara_twcc_parse(buf, len, &fb, ticks, G_N_ELEMENTS(ticks)));
    g_assert_cmpuint(fb.sender_ssrc, ==, 1);
    g_assert_cmpuint(fb.media_ssrc, ==, 2);
    if (r->n_feedbacks > 0)
      g_assert_cmpuint(fb.base_seq, ==, (guint16)(r->base[0] + r->n_status));
    r->fb_count[r->n_feedbacks] = fb.fb_count;
    r->base[r->n_feedbacks] = fb.base_seq;
    r->len[r->n_feedbacks] = len;
    r->n_feedbacks++;
    g_assert_cmpuint(r->n_status + fb.status_count, <=, G_N_ELEMENTS(r->ticks));
    memcpy(r->ticks + r->n_status, ticks, fb.status_count * sizeof *ticks);
    r->n_status += fb.status_count;
  }
  g_assert_false(nara_twcc_pending(twcc));
}

/* Every arrival comes back in its place, in 250 µs ticks. */
static void assert_arrivals(const Read *r, const Arrival *a, guint n)
{
  for (guint i = 0; i < n; i++) {
    guint16 off = (guint16)(a[i].seq - r->base[0]);
    g_assert_cmpuint(off, <, r->n_status);
    g_assert_cmpint(r->ticks[off], ==, a[i].us / TICK);
  }
}

static guint count_received(const Read *r)
{
  guint n = 0;
  for (guint i = 0; i < r->n_status; i++)
    n += r->ticks[i] != NARA_TWCC_NONE;
  return n;
}

static Read *record_and_read(const Arrival *a, guint n, gsize cap)
{
  NaraTwcc *twcc = nara_twcc_new();
  for (guint i = 0; i < n; i++)
    nara_twcc_record(twcc, a[i].seq, a[i].us);
  Read *r = g_new0(Read, 1);
  drain(twcc, cap, r);
  nara_twcc_free(twcc);
  return r;
}

static void test_in_order(void)
{
  Arrival a[40];
  for (guint i = 0; i < G_N_ELEMENTS(a); i++)
    a[i] = (Arrival){ (guint16)(100 + i), 10000000 + i * 5000 };
  g_autofree Read *r = record_and_read(a, G_N_ELEMENTS(a), 1500);
  g_assert_cmpuint(r->n_feedbacks, ==, 1);
  g_assert_cmpuint(r->base[0], ==, 100);
  g_assert_cmpuint(r->n_status, ==, 40);
  assert_arrivals(r, a, G_N_ELEMENTS(a));
  /* One run-length chunk, 40 one-octet deltas: 20 + 2 + 40 = 62, padded. */
  g_assert_cmpuint(r->len[0], ==, 64);
}

static void test_layout(void)
{
  NaraTwcc *twcc = nara_twcc_new();
  /* 64 ms is the reference unit: 640 ms = reference 10. Seq 5 is lost. */
  nara_twcc_record(twcc, 4, 640000 + 1000);
  nara_twcc_record(twcc, 6, 640000 + 1500);
  guint8 buf[64];
  gsize len = nara_twcc_write_feedback(twcc, buf, sizeof buf, 0x11223344, 0x55667788);
  static const guint8 want[] = {
    0x8f, 205,  0,    5,    /* V=2, FMT 15, RTPFB, 6 words */
    0x11, 0x22, 0x33, 0x44, /* sender */
    0x55, 0x66, 0x77, 0x88, /* media */
    0,    4,    0,    3,    /* base 4, 3 statuses */
    0,    0,    10,   0,    /* reference 10, feedback 0 */
    0xa8, 0x00,             /* one-bit vector: received, lost, received */
    4,    2,                /* deltas: 1 ms, then 0.5 ms */
  };
  g_assert_cmpmem(buf, len, want, sizeof want);
  g_assert_false(nara_twcc_pending(twcc));
  g_assert_cmpuint(nara_twcc_write_feedback(twcc, buf, sizeof buf, 1, 2), ==, 0);
  /* The next one counts on. */
  nara_twcc_record(twcc, 7, 700000);
  len = nara_twcc_write_feedback(twcc, buf, sizeof buf, 1, 2);
  g_assert_cmpuint(len, >, 0);
  g_assert_cmpuint(buf[19], ==, 1);
  /* 20 + one chunk + one delta: one octet of padding, P set. */
  g_assert_cmpuint(len, ==, 24);
  g_assert_cmpuint(buf[0], ==, 0xaf);
  g_assert_cmpuint(buf[23], ==, 1);
  g_assert_cmpuint((buf[12] << 8) | buf[13], ==, 7);
  nara_twcc_free(twcc);
}

static void test_losses(void)
{
  /* Every third lost, then a burst of 300 lost (one run-length chunk). */
  Arrival a[64];
  guint n = 0;
  for (guint seq = 0; seq < 60; seq++)
    if (seq % 3)
      a[n++] = (Arrival){ (guint16)(1000 + seq), 5000000 + seq * 3000 };
  a[n++] = (Arrival){ 1000 + 400, 7000000 };
  g_autofree Read *r = record_and_read(a, n, 1500);
  g_assert_cmpuint(r->n_feedbacks, ==, 1);
  g_assert_cmpuint(r->n_status, ==, 400); /* 1001 to 1400 */
  g_assert_cmpuint(count_received(r), ==, n);
  assert_arrivals(r, a, n);
}

static void test_reordering(void)
{
  /* 12 arrives before 11, 15 long after 16: negative deltas, large. A
   * repeat keeps the first arrival. */
  Arrival a[] = {
    { 10, 1000000 }, { 12, 1002000 }, { 11, 1003000 }, { 13, 1004000 },
    { 14, 1005000 }, { 16, 1006000 }, { 17, 1007000 }, { 15, 1090000 },
  };
  NaraTwcc *twcc = nara_twcc_new();
  for (guint i = 0; i < G_N_ELEMENTS(a); i++)
    nara_twcc_record(twcc, a[i].seq, a[i].us);
  nara_twcc_record(twcc, 12, 1500000);
  Read *r = g_new0(Read, 1);
  drain(twcc, 1500, r);
  g_assert_cmpuint(r->n_status, ==, 8);
  assert_arrivals(r, a, G_N_ELEMENTS(a));
  /* Late after its report: dropped, nothing pending. */
  nara_twcc_record(twcc, 13, 1600000);
  g_assert_false(nara_twcc_pending(twcc));
  g_free(r);
  nara_twcc_free(twcc);
}

static void test_wraparound(void)
{
  Arrival a[30];
  for (guint i = 0; i < G_N_ELEMENTS(a); i++)
    a[i] = (Arrival){ (guint16)(65520 + i), 2000000 + i * 4000 };
  /* One before the first, reordered across the wrap. */
  Arrival b[31];
  memcpy(b, a, sizeof a);
  b[30] = (Arrival){ 65519, 2200000 };
  NaraTwcc *twcc = nara_twcc_new();
  for (guint i = 0; i < 31; i++)
    nara_twcc_record(twcc, b[i].seq, b[i].us);
  Read *r = g_new0(Read, 1);
  drain(twcc, 1500, r);
  /* 65519 came before the first number seen: it is too old to report. */
  g_assert_cmpuint(r->base[0], ==, 65520);
  g_assert_cmpuint(r->n_status, ==, 30);
  assert_arrivals(r, a, 30);
  /* Across the wrap between feedbacks. */
  nara_twcc_record(twcc, 14, 2300000);
  nara_twcc_record(twcc, 16, 2304000);
  drain(twcc, 1500, r);
  g_assert_cmpuint(r->base[0], ==, 14);
  g_assert_cmpuint(r->n_status, ==, 3);
  g_assert_cmpint(r->ticks[1], ==, NARA_TWCC_NONE);
  g_free(r);
  nara_twcc_free(twcc);
}

static void test_large_deltas(void)
{
  /* 70 ms (over 63.75) is a large delta; 10 s does not fit 16 bits, so a
   * new feedback starts there with its own reference time. */
  Arrival a[] = {
    { 1, 3000000 }, { 2, 3070000 }, { 3, 3070250 }, { 4, 13070250 }, { 5, 13071000 },
  };
  g_autofree Read *r = record_and_read(a, G_N_ELEMENTS(a), 1500);
  g_assert_cmpuint(r->n_feedbacks, ==, 2);
  g_assert_cmpuint(r->base[1], ==, 4);
  g_assert_cmpuint(r->fb_count[1], ==, (guint8)(r->fb_count[0] + 1));
  assert_arrivals(r, a, G_N_ELEMENTS(a));
}

static void test_split(void)
{
  /* 900 packets, alternately lost (no run-length), with large deltas:
   * several feedbacks of at most 200 octets, continuous. */
  static Arrival a[450];
  for (guint i = 0; i < G_N_ELEMENTS(a); i++)
    a[i] = (Arrival){ (guint16)(60000 + 2 * i), 1000000 + (gint64)i * 70000 };
  g_autofree Read *r = record_and_read(a, G_N_ELEMENTS(a), 200);
  g_assert_cmpuint(r->n_feedbacks, >, 5);
  g_assert_cmpuint(r->n_status, ==, 899);
  g_assert_cmpuint(count_received(r), ==, 450);
  for (guint i = 1; i < r->n_feedbacks; i++)
    g_assert_cmpuint(r->fb_count[i], ==, (guint8)(r->fb_count[i - 1] + 1));
  assert_arrivals(r, a, G_N_ELEMENTS(a));
}

static void test_window(void)
{
  /* More unreported than the window: the oldest go, the newest stay. */
  NaraTwcc *twcc = nara_twcc_new();
  for (guint i = 0; i < 3 * NARA_TWCC_WINDOW; i++)
    nara_twcc_record(twcc, (guint16)i, 1000000 + i * 100);
  Read *r = g_new0(Read, 1);
  drain(twcc, 1500, r);
  g_assert_cmpuint(r->base[0], ==, 2 * NARA_TWCC_WINDOW);
  g_assert_cmpuint(r->n_status, ==, NARA_TWCC_WINDOW);
  g_assert_cmpuint(count_received(r), ==, NARA_TWCC_WINDOW);
  /* A jump of seconds: only the new one. */
  nara_twcc_record(twcc, 30000, 9000000);
  drain(twcc, 1500, r);
  g_assert_cmpuint(r->base[0], ==, 30000 - NARA_TWCC_WINDOW + 1);
  g_assert_cmpuint(count_received(r), ==, 1);
  g_free(r);
  nara_twcc_free(twcc);
}

static void test_parse_refuses(void)
{
  NaraTwcc *twcc = nara_twcc_new();
  for (guint i = 0; i < 20; i++)
    if (i != 7)
      nara_twcc_record(twcc, (guint16)i, 1000000 + i * 1000);
  guint8 buf[256];
  gsize len = nara_twcc_write_feedback(twcc, buf, sizeof buf, 1, 2);
  nara_twcc_free(twcc);
  NaraTwccFeedback fb;
  gint64 ticks[256];
  g_assert_true(nara_twcc_parse(buf, len, &fb, ticks, 64));
  g_assert_false(nara_twcc_parse(buf, len, &fb, ticks, 19)); /* over cap */
  for (gsize cut = 0; cut < len; cut++) {
    guint8 *copy = g_memdup2(buf, cut);
    g_assert_false(nara_twcc_parse(copy, cut, &fb, ticks, 64));
    g_free(copy);
  }
  guint8 bad[256];
  memcpy(bad, buf, len);
  bad[1] = 206; /* PSFB */
  g_assert_false(nara_twcc_parse(bad, len, &fb, ticks, 64));
  memcpy(bad, buf, len);
  bad[15] = 200; /* more statuses than the chunks hold */
  g_assert_false(nara_twcc_parse(bad, len, &fb, ticks, 256));
  /* A reserved symbol in a run-length chunk. */
  memcpy(bad, buf, len);
  bad[20] = 0x60;
  g_assert_false(nara_twcc_parse(bad, len, &fb, ticks, 64));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/twcc/layout", test_layout);
  g_test_add_func("/twcc/in-order", test_in_order);
  g_test_add_func("/twcc/losses", test_losses);
  g_test_add_func("/twcc/reordering", test_reordering);
  g_test_add_func("/twcc/wraparound", test_wraparound);
  g_test_add_func("/twcc/large-deltas", test_large_deltas);
  g_test_add_func("/twcc/split", test_split);
  g_test_add_func("/twcc/window", test_window);
  g_test_add_func("/twcc/parse-refuses", test_parse_refuses);
  return g_test_run();
}
