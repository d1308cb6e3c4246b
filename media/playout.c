/* playout.c — the playout delay a lossy downlink asks of its receiver.
 *
 * On a downlink that loses packets, a repaired frame arrives a round trip
 * (and a frame interval, before the gap is seen) late; a receiver that
 * plays frames as soon as it can shows that as a freeze. Where the
 * subscriber negotiated the playout-delay extension (Chromium does), Nara
 * asks it to hold video at least that long while the link loses 2 % or
 * more (one repair fits), and to stop once it loses under 1 %: the
 * receiver delays sound as much to keep lips in sync, so a clean link
 * keeps its low delay. Owns each subscriber's target and the stamping of
 * each frame's first packet. Runs on the room's worker (tick and packet
 * path; no allocation).
 */
#include "room.h"

#include "peer.h"

/* Loss (of 256) from which frames are held, and under which they no
 * longer are. */
#define HOLD_FROM_LOSS 5
#define HOLD_UNTIL_LOSS 2
/* A round trip and two frame intervals at 20 frames/s, within bounds:
 * less does not cover a repair, more is felt in conversation. */
#define HOLD_EXTRA_US (100 * G_TIME_SPAN_MILLISECOND)
#define HOLD_MIN_US (100 * G_TIME_SPAN_MILLISECOND)
#define HOLD_MAX_US (400 * G_TIME_SPAN_MILLISECOND)
/* Until the first round trip is measured. */
#define DEFAULT_RTT_US (100 * G_TIME_SPAN_MILLISECOND)
/* The largest delay the receiver may use: Chromium's own default, 10 s. */
#define MAX_DELAY_10MS 1000

void nara_playout_rtt(NaraPeerCore *sub, gint64 rtt_us)
{
  sub->rtt_us = sub->rtt_us ? (sub->rtt_us * 7 + rtt_us) / 8 : rtt_us;
}

void nara_playout_tick(NaraPeerCore *sub)
{
  gboolean was = sub->playout_lossy;
  sub->playout_lossy = nara_downlink_lossy(sub->downlink, was, HOLD_FROM_LOSS, HOLD_UNTIL_LOSS);
  gint64 hold = (sub->rtt_us ? sub->rtt_us : DEFAULT_RTT_US) + HOLD_EXTRA_US;
  sub->playout_min_10ms
      = sub->playout_lossy ? (guint16)(CLAMP(hold, HOLD_MIN_US, HOLD_MAX_US) / 10000) : 0;
  if (sub->playout_lossy != was)
    g_info("room %s participant %s: downlink loses %u of 256: video %s (%u ms)", sub->room->id,
           sub->participant_id, nara_downlink_loss(sub->downlink),
           sub->playout_lossy ? "held for repairs" : "no longer held", sub->playout_min_10ms * 10);
}

gsize nara_playout_stamp(NaraSubSlot *slot, guint8 *out, gsize len, gsize cap)
{
  guint8 id = slot->sub_ext_ids[NARA_EXT_PLAYOUT_DELAY];
  gboolean starts = slot->frame_next;
  slot->frame_next = len > 1 && (out[1] & 0x80); /* the marker ends a frame */
  guint16 min = slot->subscriber->playout_min_10ms;
  /* Nothing to say on a clean link, once it was said. */
  if (!id || !starts || (min == 0 && slot->playout_sent_10ms == 0))
    return len;
  /* RFC-less but stable (webrtc.org): 12 bits of minimum, 12 of maximum,
   * in 10 ms. */
  guint8 v[3] = { (guint8)(min >> 4), (guint8)(((min & 0x0f) << 4) | (MAX_DELAY_10MS >> 8)),
                  (guint8)(MAX_DELAY_10MS & 0xff) };
  gsize grown = nara_rtp_add_extension(out, len, cap, id, v, sizeof v);
  if (!grown)
    return len;
  slot->playout_sent_10ms = min;
  return grown;
}
