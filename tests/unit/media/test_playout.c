/* test_playout.c — unit tests for media/playout.c: the playout delay a
 * lossy downlink asks of its receiver.
 *
 * A subscriber's downlink estimate is fed crafted transport-cc feedback
 * (clean, then 4 % lost, then clean again): the target must come on with
 * the loss, cover a round trip, and go off again only once the link is
 * clean. Forwarded video packets must carry the extension on a frame's
 * first packet only, while there is something to say. Single-threaded.
 */
#include <string.h>

#include "peer.h"
#include "room.h"
#include "twcc.h"

/* n packets, the lost_every-th never arriving (0: none), feedback every 20. */
static void feed(NaraDownlink *d, gint64 *now, guint n, guint lost_every)
{
  NaraTwcc *rx = nara_twcc_new();
  guint8 fb[NARA_TWCC_MAX_FEEDBACK];
  for (guint i = 1; i <= n; i++) {
    guint16 seq = nara_downlink_sent(d, 1000, TRUE, *now);
    if (!lost_every || i % lost_every)
      nara_twcc_record(rx, seq, *now + 10000);
    *now += 8000;
    if (i % 20 == 0) {
      gsize len;
      while ((len = nara_twcc_write_feedback(rx, fb, sizeof fb, 1, 2)) > 0)
        nara_downlink_feedback(d, fb, len, *now);
    }
  }
  nara_twcc_free(rx);
}

static void test_held_while_lossy(void)
{
  NaraRoomCore room = { .id = (char *)"r" };
  NaraPeerCore sub = { .room = &room };
  NaraDownlink d;
  gint64 now = 1000000000;
  nara_downlink_init(&d, now);
  sub.downlink = &d;
  feed(&d, &now, 500, 0);
  nara_playout_tick(&sub);
  g_assert_cmpuint(sub.playout_min_10ms, ==, 0);
  /* 4 % lost: held a round trip and two frames (the default 100 ms). */
  feed(&d, &now, 1000, 25);
  nara_playout_tick(&sub);
  g_assert_cmpuint(sub.playout_min_10ms, ==, 20);
  /* A longer round trip holds longer, within 400 ms. */
  nara_playout_rtt(&sub, 150000);
  nara_playout_tick(&sub);
  g_assert_cmpuint(sub.playout_min_10ms, ==, 25);
  for (guint i = 0; i < 50; i++)
    nara_playout_rtt(&sub, 2000000);
  nara_playout_tick(&sub);
  g_assert_cmpuint(sub.playout_min_10ms, ==, 40);
  /* Clean again: no longer held. */
  feed(&d, &now, 2000, 0);
  nara_playout_tick(&sub);
  g_assert_cmpuint(sub.playout_min_10ms, ==, 0);
}

static gsize packet(guint8 *buf, gboolean marker)
{
  static const guint8 p[] = { 0x80, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x10, 0x20 };
  memcpy(buf, p, sizeof p);
  if (marker)
    buf[1] |= 0x80;
  return sizeof p;
}

static gboolean stamped(const guint8 *buf, gsize len, guint16 *min)
{
  const guint8 *v;
  gsize vlen;
  if (!nara_rtp_find_extension(buf, len, NARA_SUB_EXT_ID_PLAYOUT_DELAY, &v, &vlen))
    return FALSE;
  g_assert_cmpuint(vlen, ==, 3);
  *min = (guint16)((v[0] << 4) | (v[1] >> 4));
  return TRUE;
}

static void test_first_packet_of_a_frame(void)
{
  NaraPeerCore sub = { 0 };
  NaraSubSlot slot = { .subscriber = &sub, .frame_next = TRUE };
  slot.sub_ext_ids[NARA_EXT_PLAYOUT_DELAY] = NARA_SUB_EXT_ID_PLAYOUT_DELAY;
  guint8 buf[64];
  guint16 min;
  /* Nothing to say on a clean link. */
  gsize len = nara_playout_stamp(&slot, buf, packet(buf, TRUE), sizeof buf);
  g_assert_false(stamped(buf, len, &min));
  /* Held: a frame's first packet carries it, its others do not. */
  sub.playout_min_10ms = 20;
  len = nara_playout_stamp(&slot, buf, packet(buf, FALSE), sizeof buf);
  g_assert_true(stamped(buf, len, &min));
  g_assert_cmpuint(min, ==, 20);
  len = nara_playout_stamp(&slot, buf, packet(buf, TRUE), sizeof buf);
  g_assert_false(stamped(buf, len, &min));
  /* Released: the next frame says so once (minimum 0), then nothing. */
  sub.playout_min_10ms = 0;
  len = nara_playout_stamp(&slot, buf, packet(buf, TRUE), sizeof buf);
  g_assert_true(stamped(buf, len, &min));
  g_assert_cmpuint(min, ==, 0);
  len = nara_playout_stamp(&slot, buf, packet(buf, TRUE), sizeof buf);
  g_assert_false(stamped(buf, len, &min));
  /* Not negotiated: never. */
  slot.sub_ext_ids[NARA_EXT_PLAYOUT_DELAY] = 0;
  sub.playout_min_10ms = 20;
  len = nara_playout_stamp(&slot, buf, packet(buf, TRUE), sizeof buf);
  g_assert_false(stamped(buf, len, &min));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/playout/held-while-lossy", test_held_while_lossy);
  g_test_add_func("/playout/first-packet-of-a-frame", test_first_packet_of_a_frame);
  return g_test_run();
}
