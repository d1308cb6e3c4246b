/* downlink.h — private: how much a subscriber's link carries.
 *
 * A send-side estimate per subscribe connection. Nara numbers every RTP
 * packet it sends the subscriber with the transport-wide sequence number
 * (when the subscriber negotiated transport-cc and the packet has room for
 * it), remembers when and how large each was, and reads the subscriber's
 * transport-cc feedback: packets reported lost drive GCC's loss rule (RFC
 * 8836 §5 / draft-ietf-rmcat-gcc §6: above 10 % the estimate falls by half
 * the loss, below 2 % it grows 8 % a second; when the feedback shows no
 * queue at all, the loss is the radio's and the bands move to 20 % and
 * 10 %), and a one-way delay that
 * stays well above its floor (a queue building on the link) sets it to
 * 85 % of what the feedback shows arriving (GCC's overuse reaction), at
 * most halving it at once. Without
 * feedback, Receiver Reports' loss drives the same rule; a REMB from the
 * subscriber caps it. Growth is held to twice what is really sent plus
 * one layer's step, so the estimate never runs far ahead of what was
 * tried; a probe (copies of what is sent, for half a second) tries more
 * when a tile asks for a layer beyond that.
 *
 * Fixed arrays only: nothing allocates after the struct is made.
 * Threading: one media worker owns each (the subscriber's).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_DOWNLINK_WINDOW 1024
#define NARA_DOWNLINK_MIN_BPS 50000
#define NARA_DOWNLINK_MAX_BPS 5000000
#define NARA_DOWNLINK_START_BPS 1000000

typedef struct {
  guint16 next_seq;
  gint64 sent_us[NARA_DOWNLINK_WINDOW]; /* by sequence number modulo the window */
  guint16 sent_seq[NARA_DOWNLINK_WINDOW];
  guint16 sent_len[NARA_DOWNLINK_WINDOW];
  gint64 ticks[NARA_DOWNLINK_WINDOW]; /* scratch for one feedback */

  guint64 estimate_bps;
  gint64 increased_us; /* last growth (loss rule: once a second) */
  gint64 decreased_us; /* last cut: a queue takes a while to drain */
  guint64 remb_bps;    /* 0: none */
  /* What is sent, for the growth cap: octets in the current second. */
  guint64 sent_octets, sent_bps;
  gint64 sent_window_us;
  /* One-way delay floor (arbitrary origin: arrival ticks minus send time)
   * over the last few seconds, kept as the minimum of two half windows. */
  gint64 floor_us, floor_next_us, floor_since_us;
  gint64 last_delay_us; /* mean one-way delay of the last feedback */
  guint overuse_count;  /* feedbacks in a row that showed a growing queue */
  /* What arrives at the subscriber, from the feedback's arrival times. */
  guint64 rate_octets, arriving_bps;
  gint64 rate_first_rx_us;
  gboolean feedback_seen;
  gint64 last_feedback_us; /* when the last feedback arrived */
  /* Least one-way delay of the last minute (two half windows): no queue
   * at all. A minute, not ever: the two clocks drift apart. */
  gint64 base_us, base_next_us, base_since_us;
  gint64 standing_since_us;       /* the delay has stood well above base since, 0: not */
  guint loss_x16;                 /* recent loss (of 256) times 16, smoothed */
  guint loss_received, loss_lost; /* feedback not yet judged (under ten packets) */
  gint64 outage_end_us;           /* feedback until then reports an outage's loss */
  /* A probe: for a moment each video packet goes with copies (RTX), so
   * the feedback shows whether the link carries a larger layer before the
   * chooser steps up to it. Growth alone cannot show it: it is held to
   * what is sent, and one layer up can cost four times the one below. */
  guint64 probe_target_bps; /* 0: none running or waiting to be judged */
  gint64 probe_start_us, probe_end_us;
  guint probe_copies_x16, probe_credit_x16; /* copies per video packet, times 16 */
  guint64 probe_octets;                     /* of the probe's packets that arrived */
  gint64 probe_rx_first_us, probe_rx_last_us, probe_queue_sum_us;
  guint probe_received, probe_lost;
  guint probe_failures;
  gint64 probe_next_us; /* no probe before this */
} NaraDownlink;

void nara_downlink_init(NaraDownlink *d, gint64 now_us);
/* A packet of len octets leaves now: returns the transport sequence number
 * to stamp into it (when stamp is TRUE; unstamped packets are only counted). */
guint16 nara_downlink_sent(NaraDownlink *d, gsize len, gboolean stamp, gint64 now_us);
/* A transport-cc feedback packet (whole RTCP packet) from the subscriber. */
void nara_downlink_feedback(NaraDownlink *d, const guint8 *packet, gsize len, gint64 now_us);
/* A report block's fraction lost (of 256), used while no feedback comes. */
void nara_downlink_report_loss(NaraDownlink *d, guint8 fraction_lost, gint64 now_us);
void nara_downlink_remb(NaraDownlink *d, guint64 bitrate_bps);
guint64 nara_downlink_estimate(const NaraDownlink *d);
/* Recent loss on the downlink, of 256 (transport-cc feedback, else RRs). */
guint nara_downlink_loss(const NaraDownlink *d);
/* Whether the downlink counts as lossy now, with hysteresis: it becomes so
 * at from (of 256) and stays so until the loss falls under until. */
gboolean nara_downlink_lossy(const NaraDownlink *d, gboolean was, guint from, guint until);
/* The chooser would step up if the link carried need_bps: starts a probe
 * towards it when the link is calm (feedback, no recent cut, no loss to
 * speak of, no standing queue) and none failed lately; TRUE if it did. */
gboolean nara_downlink_probe(NaraDownlink *d, guint64 need_bps, gint64 now_us);
/* How many copies to send of the video packet just sent (0 but during a
 * probe). */
guint nara_downlink_probe_copies(NaraDownlink *d, gint64 now_us);

G_END_DECLS
