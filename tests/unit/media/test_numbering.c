/* test_numbering.c — unit tests for media/numbering.c: a subscriber's
 * output sequence numbers across dropped temporal frames, layer switches,
 * late packets and NACK lookups.
 *
 * A slot is fed crafted headers (sequence number, temporal layer, frame
 * start) the way room.c's packet path does: what is sent must be numbered
 * without gaps, what arrives late must land where its frame was sent, and
 * every number sent must lead back to the packet it came from.
 * Single-threaded.
 */
#include <string.h>

#include "room.h"

typedef struct {
  NaraSubSlot slot;
  NaraPubTrack a, b;
} Fixture;

static gboolean feed(NaraSubSlot *slot, guint16 seq, gint tid, gboolean start, guint16 *out)
{
  NaraRtpHeader h = { .seq = seq };
  return nara_numbering_number(slot, &h, tid, start, out);
}

static guint16 sent(NaraSubSlot *slot, guint16 seq, gint tid, gboolean start)
{
  guint16 out = 0;
  g_assert_true(feed(slot, seq, tid, start, &out));
  return out;
}

static void dropped(NaraSubSlot *slot, guint16 seq, gint tid, gboolean start)
{
  guint16 out;
  g_assert_false(feed(slot, seq, tid, start, &out));
}

/* What out_seq was sent from: its source and input number. */
static void assert_maps(const NaraSubSlot *slot, guint16 out_seq, const NaraPubTrack *src,
                        guint16 in)
{
  const NaraSeqSpan *sp = nara_numbering_lookup(slot, out_seq);
  g_assert_nonnull(sp);
  g_assert_true(sp->src == src);
  g_assert_cmpuint((guint16)(out_seq - sp->seq_delta), ==, in);
}

static void start(Fixture *f, NaraPubTrack *src, guint16 first)
{
  memset(f, 0, sizeof *f);
  f->slot.tmax = f->slot.tmax_want = NARA_TEMPORAL_ALL;
  nara_numbering_reset(&f->slot);
  f->slot.src = src == &f->b ? &f->b : &f->a;
  NaraRtpHeader h = { .seq = first };
  nara_numbering_switched(&f->slot, &h);
}

static void test_thinned_frames_leave_no_gap(void)
{
  Fixture f;
  start(&f, &f.a, 65530); /* across the wrap */
  /* Every frame (L1T3 pattern 0 2 1 2), one packet each. */
  g_assert_cmpuint(sent(&f.slot, 65530, 0, TRUE), ==, 65530);
  g_assert_cmpuint(sent(&f.slot, 65531, 2, TRUE), ==, 65531);
  g_assert_cmpuint(sent(&f.slot, 65532, 1, TRUE), ==, 65532);
  g_assert_cmpuint(sent(&f.slot, 65533, 2, TRUE), ==, 65533);
  /* The link shrinks: base layer only, from the next frame on. */
  f.slot.tmax_want = 0;
  g_assert_cmpuint(sent(&f.slot, 65534, 0, TRUE), ==, 65534);
  g_assert_cmpuint(sent(&f.slot, 65535, 0, FALSE), ==, 65535); /* same frame */
  dropped(&f.slot, 0, 2, TRUE);
  dropped(&f.slot, 1, 1, TRUE);
  dropped(&f.slot, 2, 1, FALSE);
  dropped(&f.slot, 3, 2, TRUE);
  g_assert_cmpuint(sent(&f.slot, 4, 0, TRUE), ==, 0);
  g_assert_cmpuint(sent(&f.slot, 5, 0, FALSE), ==, 1);
  /* Every number sent leads back to its packet, for NACKs. */
  assert_maps(&f.slot, 65531, &f.a, 65531);
  assert_maps(&f.slot, 65535, &f.a, 65535);
  assert_maps(&f.slot, 0, &f.a, 4);
  assert_maps(&f.slot, 1, &f.a, 5);

  /* Up again only at a base-layer frame: a layer-2 frame now could refer
   * to a layer-1 frame the subscriber never got. */
  f.slot.tmax_want = NARA_TEMPORAL_ALL;
  dropped(&f.slot, 6, 2, TRUE);
  dropped(&f.slot, 7, 1, TRUE);
  dropped(&f.slot, 8, 2, TRUE);
  g_assert_cmpuint(sent(&f.slot, 9, 0, TRUE), ==, 2);
  g_assert_cmpuint(sent(&f.slot, 10, 2, TRUE), ==, 3);
  g_assert_cmpuint(nara_numbering_lookup(&f.slot, 3)->src == &f.a, ==, TRUE);
  assert_maps(&f.slot, 3, &f.a, 10);
}

static void test_late_packets_land_where_they_belong(void)
{
  Fixture f;
  start(&f, &f.a, 100);
  f.slot.tmax_want = 0;
  g_assert_cmpuint(sent(&f.slot, 100, 0, TRUE), ==, 100);
  dropped(&f.slot, 101, 2, TRUE);
  /* 102 (layer 1) and 103 (the next base frame's first packet) are lost
   * upstream; 104 ends that frame. */
  g_assert_cmpuint(sent(&f.slot, 104, 0, FALSE), ==, 103);
  /* Repaired upstream, they come late: the base-layer one in its place
   * (right after what was sent before the drop), the other not at all. */
  g_assert_cmpuint(sent(&f.slot, 103, 0, TRUE), ==, 102);
  dropped(&f.slot, 102, 1, TRUE);
  assert_maps(&f.slot, 102, &f.a, 103);
  /* A copy of something sent keeps its number. */
  g_assert_cmpuint(sent(&f.slot, 100, 0, TRUE), ==, 100);
}

static void test_switch_keeps_numbers_running(void)
{
  Fixture f;
  start(&f, &f.a, 1000);
  g_assert_cmpuint(sent(&f.slot, 1000, -1, TRUE), ==, 1000);
  g_assert_cmpuint(sent(&f.slot, 1001, -1, FALSE), ==, 1001);
  /* To layer b at its keyframe (room.c sets the delta so numbers run on). */
  f.slot.src = &f.b;
  f.slot.seq_delta = (guint16)(1002 - 7000);
  NaraRtpHeader h = { .seq = 7000 };
  nara_numbering_switched(&f.slot, &h);
  g_assert_cmpuint(sent(&f.slot, 7000, -1, TRUE), ==, 1002);
  g_assert_cmpuint(sent(&f.slot, 7001, -1, FALSE), ==, 1003);
  assert_maps(&f.slot, 1001, &f.a, 1001);
  assert_maps(&f.slot, 1002, &f.b, 7000);
  /* b's packets from before its keyframe are not sent. */
  dropped(&f.slot, 6999, -1, FALSE);
  /* Nothing before the first span. */
  g_assert_null(nara_numbering_lookup(&f.slot, 999));
}

static void test_span_ring_wraps(void)
{
  Fixture f;
  start(&f, &f.a, 0);
  f.slot.tmax_want = 0;
  guint16 in = 0, out = 0;
  /* Many more thinned frames than spans: the newest stay mapped. */
  for (guint i = 0; i < 5 * NARA_SEQ_SPANS; i++) {
    g_assert_cmpuint(sent(&f.slot, in++, 0, TRUE), ==, out);
    out++;
    dropped(&f.slot, in++, 1, TRUE);
  }
  assert_maps(&f.slot, (guint16)(out - 1), &f.a, (guint16)(in - 2));
  assert_maps(&f.slot, (guint16)(out - NARA_SEQ_SPANS + 1), &f.a,
              (guint16)(in - 2 * NARA_SEQ_SPANS + 2));
  g_assert_null(nara_numbering_lookup(&f.slot, 0));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/numbering/thinned-frames-leave-no-gap", test_thinned_frames_leave_no_gap);
  g_test_add_func("/numbering/late-packets-land-where-they-belong",
                  test_late_packets_land_where_they_belong);
  g_test_add_func("/numbering/switch-keeps-numbers-running", test_switch_keeps_numbers_running);
  g_test_add_func("/numbering/span-ring-wraps", test_span_ring_wraps);
  return g_test_run();
}
