/* downlink.c — the per-subscriber downlink estimate (see downlink.h).
 *
 * Owns the arithmetic: what was sent when, what the feedback says arrived,
 * and the estimate that follows. It sends nothing and chooses no layer
 * (layers.c). Runs on the subscriber's media worker.
 */
#include "downlink.h"

#include "twcc.h"

#include <string.h>

#define TICK_US 250
/* A queue this much above the delay floor is congestion, not jitter (a
 * loaded machine's browser stalls tens of milliseconds now and then). */
#define OVERUSE_US (100 * G_TIME_SPAN_MILLISECOND)
/* Any queue at all: loss that comes with one may be the link filling up;
 * loss without one is the radio's, and sending less does not lessen it. */
#define QUEUE_US (25 * G_TIME_SPAN_MILLISECOND)
#define DRAIN_US (5 * G_TIME_SPAN_MILLISECOND)
#define OVERUSE_FEEDBACKS 3
#define RATE_WINDOW_US (500 * G_TIME_SPAN_MILLISECOND)
#define FLOOR_HALF_US (5 * G_USEC_PER_SEC)
#define CUT_INTERVAL_US (300 * G_TIME_SPAN_MILLISECOND)
#define BASE_HALF_US (30 * G_USEC_PER_SEC)
/* A queue that stands this far above base this long is a full link that
 * GCC's floor has learnt as normal: a tail-dropping router's few percent
 * of loss sit in the loss rule's hold band, and the call would keep a
 * second of delay (measured at 600 kbit/s with a 30-packet queue). */
#define STANDING_US (150 * G_TIME_SPAN_MILLISECOND)
#define STANDING_FOR_US (2 * G_USEC_PER_SEC)
#define STANDING_CUT_INTERVAL_US G_USEC_PER_SEC
/* No feedback for this long: nothing got through (an outage). The loss the
 * feedback after it reports, in however many packets, is the outage's. */
#define SILENCE_US (G_USEC_PER_SEC)
#define AFTER_SILENCE_US (300 * G_TIME_SPAN_MILLISECOND)
/* Headroom over what is sent: enough to reach the next layer up. */
#define STEP_BPS 500000
/* A probe: this long, at most this many copies of each video packet and
 * at most twice the estimate; judged once the feedback covers a packet
 * sent after it, or failed if none does this soon. */
#define PROBE_US (500 * G_TIME_SPAN_MILLISECOND)
#define PROBE_MAX_COPIES 6
#define PROBE_JUDGE_WITHIN_US (2 * G_USEC_PER_SEC)
/* A probe passes with under 10 % of it lost and a queue under QUEUE_US
 * on average; the next waits this long, doubling after each failure up to
 * the longest (a narrow link pays a short burst now and then). */
#define PROBE_AFTER_US (2 * G_USEC_PER_SEC)
#define PROBE_BACKOFF_US (5 * G_USEC_PER_SEC)
#define PROBE_BACKOFF_MAX_US (60 * G_USEC_PER_SEC)

void nara_downlink_init(NaraDownlink *d, gint64 now_us)
{
  memset(d, 0, sizeof *d);
  d->next_seq = (guint16)g_random_int();
  d->estimate_bps = NARA_DOWNLINK_START_BPS;
  d->sent_window_us = now_us;
  d->floor_us = d->floor_next_us = d->base_us = d->base_next_us = G_MAXINT64;
  d->floor_since_us = d->base_since_us = now_us;
}

guint16 nara_downlink_sent(NaraDownlink *d, gsize len, gboolean stamp, gint64 now_us)
{
  d->sent_octets += len;
  if (now_us - d->sent_window_us >= G_USEC_PER_SEC) {
    d->sent_bps = d->sent_octets * 8 * G_USEC_PER_SEC / (guint64)(now_us - d->sent_window_us);
    d->sent_octets = 0;
    d->sent_window_us = now_us;
  }
  if (!stamp)
    return 0;
  guint16 seq = d->next_seq++;
  guint i = seq % NARA_DOWNLINK_WINDOW;
  d->sent_us[i] = now_us;
  d->sent_seq[i] = seq;
  d->sent_len[i] = (guint16)MIN(len, G_MAXUINT16);
  return seq;
}

static void clamp(NaraDownlink *d)
{
  guint64 top = NARA_DOWNLINK_MAX_BPS;
  if (d->remb_bps)
    top = MIN(top, d->remb_bps);
  d->estimate_bps = CLAMP(d->estimate_bps, NARA_DOWNLINK_MIN_BPS, top);
}

/* GCC's loss rule (loss in 1/256): above 10 % cut by half the loss, below
 * 2 % grow, in between hold. GCC holds there because its delay-based half
 * keeps growing; with `queued` FALSE the feedback shows no queue at all,
 * which is that half saying "room to grow", so the bands move up: random
 * loss (a phone's radio, a busy Wi-Fi) of up to 10 % then lets the
 * estimate grow, and only above 20 % is it cut. Without it, 8 % random
 * loss stepped a viewer down to the smallest layer and kept it there. */
static void on_loss(NaraDownlink *d, guint loss, gboolean queued, gint64 now_us)
{
  /* Sixteen times the mean of about the last sixteen judgements: a
   * judgement covers ten packets or more, so 3 % loss is mostly 0 and now
   * and then 26 of 256, and only a mean kept this finely stays near 8. */
  d->loss_x16 = d->loss_x16 - d->loss_x16 / 16 + loss;
  guint cut_above = queued ? 26 : 51; /* 10 %, 20 % */
  guint grow_below = queued ? 5 : 26; /* 2 %, 10 % */
  if (loss > cut_above) {
    if (now_us - d->decreased_us >= CUT_INTERVAL_US) {
      d->estimate_bps -= d->estimate_bps * loss / 512;
      d->decreased_us = now_us;
    }
  } else if (loss < grow_below && now_us - d->increased_us >= G_USEC_PER_SEC
             && now_us - d->decreased_us >= G_USEC_PER_SEC) {
    /* Probe carefully: never far above what the link was shown to carry. */
    guint64 grown = d->estimate_bps + d->estimate_bps * 8 / 100;
    guint64 ceiling = 2 * d->sent_bps + STEP_BPS;
    if (grown > ceiling)
      grown = MAX(d->estimate_bps, ceiling);
    d->estimate_bps = grown;
    d->increased_us = now_us;
  }
  clamp(d);
}

static gboolean in_probe(const NaraDownlink *d, gint64 sent_us)
{
  return d->probe_target_bps && sent_us >= d->probe_start_us && sent_us < d->probe_end_us;
}

static void probe_arrived(NaraDownlink *d, guint16 len, gint64 rx, gint64 owd)
{
  if (!d->probe_received || rx < d->probe_rx_first_us)
    d->probe_rx_first_us = rx;
  d->probe_rx_last_us = MAX(d->probe_rx_last_us, rx);
  d->probe_received++;
  d->probe_octets += len;
  if (d->base_us != G_MAXINT64)
    d->probe_queue_sum_us += MAX(owd - d->base_us, 0);
}

static void probe_over(NaraDownlink *d, gboolean passed, gint64 now_us)
{
  d->probe_target_bps = 0;
  if (passed) {
    d->probe_failures = 0;
    d->probe_next_us = now_us + PROBE_AFTER_US;
    return;
  }
  d->probe_failures = MIN(d->probe_failures + 1, 8);
  d->probe_next_us
      = now_us + MIN(PROBE_BACKOFF_US << (d->probe_failures - 1), PROBE_BACKOFF_MAX_US);
}

/* A probe whose feedback has not come PROBE_JUDGE_WITHIN_US after it
 * failed: the feedback never came, or what it would show is stale. */
static gboolean probe_expired(NaraDownlink *d, gint64 now_us)
{
  if (!d->probe_target_bps || now_us - d->probe_end_us <= PROBE_JUDGE_WITHIN_US)
    return FALSE;
  probe_over(d, FALSE, now_us);
  return TRUE;
}

/* What the probe's packets show: arrived whole and without a queue, the
 * link carries what arrived (at most the target), and the estimate is
 * at least that. A probe that shows no more than the estimate already
 * says (too few copies got out) fails too: it backs off, not repeats. */
static void judge_probe(NaraDownlink *d, gint64 now_us)
{
  guint n = d->probe_received + d->probe_lost;
  gint64 span = d->probe_rx_last_us - d->probe_rx_first_us;
  gboolean passed = d->probe_received >= 10 && d->probe_lost * 10 <= n
                    && d->probe_queue_sum_us / d->probe_received <= QUEUE_US
                    && span >= PROBE_US / 2;
  if (passed) {
    guint64 carried = d->probe_octets * 8 * G_USEC_PER_SEC / (guint64)span;
    guint64 shown = MIN(carried, d->probe_target_bps);
    passed = shown > d->estimate_bps;
    if (passed) {
      d->estimate_bps = shown;
      d->increased_us = now_us;
      clamp(d);
    }
  }
  probe_over(d, passed, now_us);
}

gboolean nara_downlink_probe(NaraDownlink *d, guint64 need_bps, gint64 now_us)
{
  probe_expired(d, now_us);
  if (d->probe_target_bps || !d->feedback_seen || now_us < d->probe_next_us || !d->sent_bps
      || now_us - d->decreased_us < PROBE_AFTER_US || d->standing_since_us
      || nara_downlink_loss(d) >= 5 || (d->remb_bps && d->remb_bps <= d->estimate_bps))
    return FALSE;
  guint64 target = MIN(need_bps, MIN(2 * d->estimate_bps, NARA_DOWNLINK_MAX_BPS));
  if (target <= d->sent_bps || target <= d->estimate_bps)
    return FALSE; /* nothing a probe could show: no more needed, or at the ceiling */
  guint copies_x16 = (guint)MIN((target - d->sent_bps) * 16 / d->sent_bps, PROBE_MAX_COPIES * 16);
  if (!copies_x16)
    return FALSE;
  d->probe_copies_x16 = copies_x16;
  d->probe_credit_x16 = 0;
  d->probe_target_bps = target;
  d->probe_start_us = now_us;
  d->probe_end_us = now_us + PROBE_US;
  d->probe_octets = 0;
  d->probe_rx_first_us = d->probe_rx_last_us = d->probe_queue_sum_us = 0;
  d->probe_received = d->probe_lost = 0;
  return TRUE;
}

guint nara_downlink_probe_copies(NaraDownlink *d, gint64 now_us)
{
  if (G_LIKELY(!d->probe_target_bps) || now_us >= d->probe_end_us)
    return 0;
  d->probe_credit_x16 += d->probe_copies_x16;
  guint n = d->probe_credit_x16 / 16;
  d->probe_credit_x16 %= 16;
  return n;
}

void nara_downlink_feedback(NaraDownlink *d, const guint8 *packet, gsize len, gint64 now_us)
{
  NaraTwccFeedback fb;
  if (!nara_twcc_parse(packet, len, &fb, d->ticks, NARA_DOWNLINK_WINDOW))
    return;
  d->feedback_seen = TRUE;
  if (d->last_feedback_us && now_us - d->last_feedback_us > SILENCE_US)
    d->outage_end_us = now_us + AFTER_SILENCE_US;
  d->last_feedback_us = now_us;
  guint received = 0, lost = 0;
  gboolean covered_probe = FALSE;
  guint64 octets = 0;
  gint64 first_rx = G_MAXINT64, last_rx = G_MININT64, delay_sum = 0;
  for (guint i = 0; i < fb.status_count; i++) {
    guint16 seq = (guint16)(fb.base_seq + i);
    guint w = seq % NARA_DOWNLINK_WINDOW;
    if (d->sent_seq[w] != seq || d->sent_us[w] == 0)
      continue; /* not ours, or too old */
    if (d->sent_us[w] >= d->probe_end_us)
      covered_probe = TRUE;
    if (d->ticks[i] == NARA_TWCC_NONE) {
      lost++;
      d->probe_lost += in_probe(d, d->sent_us[w]);
      continue;
    }
    gint64 rx = d->ticks[i] * TICK_US;
    gint64 owd = rx - d->sent_us[w];
    if (in_probe(d, d->sent_us[w]))
      probe_arrived(d, d->sent_len[w], rx, owd);
    received++;
    octets += d->sent_len[w];
    first_rx = MIN(first_rx, rx);
    last_rx = MAX(last_rx, rx);
    d->floor_us = MIN(d->floor_us, owd);
    d->base_us = MIN(d->base_us, owd);
    d->base_next_us = MIN(d->base_next_us, owd);
    d->floor_next_us = MIN(d->floor_next_us, owd);
    delay_sum += owd;
  }
  if (now_us - d->floor_since_us >= FLOOR_HALF_US) {
    /* The floor forgets what is older than two half windows (a route change). */
    d->floor_us = d->floor_next_us;
    d->floor_next_us = G_MAXINT64;
    d->floor_since_us = now_us;
  }
  if (now_us - d->base_since_us >= BASE_HALF_US) {
    d->base_us = d->base_next_us;
    d->base_next_us = G_MAXINT64;
    d->base_since_us = now_us;
  }
  if (!probe_expired(d, now_us) && d->probe_target_bps && covered_probe)
    judge_probe(d, now_us);
  if (received + lost == 0)
    return;
  /* What arrives, over at least RATE_WINDOW_US of arrivals. */
  if (received) {
    if (!d->rate_octets)
      d->rate_first_rx_us = first_rx;
    d->rate_octets += octets;
    if (last_rx - d->rate_first_rx_us >= RATE_WINDOW_US) {
      d->arriving_bps
          = d->rate_octets * 8 * G_USEC_PER_SEC / (guint64)(last_rx - d->rate_first_rx_us);
      d->rate_octets = 0;
    }
  }
  gint64 delay = received ? delay_sum / received : d->last_delay_us;
  /* Overuse: a queue well above the floor that has not begun to drain,
   * in several feedbacks in a row (a browser stalled by its machine's
   * load delays one feedback, not three). */
  gboolean over = received && d->floor_us != G_MAXINT64 && delay - d->floor_us > OVERUSE_US
                  && delay >= d->last_delay_us - DRAIN_US;
  /* ... and less arrives than leaves: a browser starved of CPU delays
   * what it reports but takes in everything, a narrow link does not. */
  over = over && d->arriving_bps && d->arriving_bps < d->sent_bps * 8 / 10;
  d->overuse_count = over ? d->overuse_count + 1 : 0;
  d->last_delay_us = delay;
  gboolean standing = received && d->base_us != G_MAXINT64 && delay - d->base_us > STANDING_US;
  if (!standing)
    d->standing_since_us = 0;
  else if (!d->standing_since_us)
    d->standing_since_us = now_us;
  if (standing && now_us - d->standing_since_us >= STANDING_FOR_US
      && now_us - d->decreased_us >= STANDING_CUT_INTERVAL_US)
    d->overuse_count = OVERUSE_FEEDBACKS; /* drain it, as an overuse */
  if (d->overuse_count >= OVERUSE_FEEDBACKS && now_us - d->decreased_us >= CUT_INTERVAL_US) {
    /* GCC's reaction (85 % of what arrives), at most halving at once: when
     * Nara sends little, what arrives says little about the link. */
    guint64 cut = MAX(d->arriving_bps * 85 / 100, d->estimate_bps / 2);
    if (cut < d->estimate_bps) {
      d->estimate_bps = cut;
      d->decreased_us = now_us;
      clamp(d);
    }
    return;
  }
  /* Nothing at all got through (an outage: a tunnel, a lift), or this
   * reports the loss of one: not a full link, which still delivers what it
   * carries. Cutting for it left the estimate at the floor for seconds
   * after the network came back. */
  if (received == 0 || now_us < d->outage_end_us)
    return;
  /* Against the least delay of the last minute, not the floor: a queue
   * that stands for ten seconds becomes the floor, and must still count as
   * a queue (clock drift only ever makes this say "queued", the safe side). */
  gboolean queued = d->base_us == G_MAXINT64 || delay - d->base_us > QUEUE_US;
  /* Over at least ten packets: a subscriber of one small video gets
   * feedback on five or so at a time, whose loss alone says little. */
  d->loss_received += received;
  d->loss_lost += lost;
  if (d->loss_received + d->loss_lost >= 10) {
    on_loss(d, d->loss_lost * 256 / (d->loss_received + d->loss_lost), queued, now_us);
    d->loss_received = d->loss_lost = 0;
  }
}

void nara_downlink_report_loss(NaraDownlink *d, guint8 fraction_lost, gint64 now_us)
{
  /* Report blocks say nothing of queues: GCC's bands as they are. */
  if (!d->feedback_seen)
    on_loss(d, fraction_lost, TRUE, now_us);
}

void nara_downlink_remb(NaraDownlink *d, guint64 bitrate_bps)
{
  d->remb_bps = bitrate_bps;
  clamp(d);
}

guint nara_downlink_loss(const NaraDownlink *d)
{
  return d->loss_x16 / 16;
}

gboolean nara_downlink_lossy(const NaraDownlink *d, gboolean was, guint from, guint until)
{
  guint loss = nara_downlink_loss(d);
  return loss >= from || (was && loss >= until);
}

guint64 nara_downlink_estimate(const NaraDownlink *d)
{
  return d->estimate_bps;
}
