/* test_layers.c — unit tests for media/layers.c and media/downlink.c: the
 * layer chooser, keyframe detection and the per-subscriber downlink
 * estimate.
 *
 * The chooser gets crafted layer lists (sizes, rates, live or not), tiles
 * and budgets: it must fill each tile with the smallest layer that does,
 * fit the sum into the budget (signing first, then large tiles), pause
 * what does not fit at all and not flap at the edge. The estimator gets
 * crafted transport-cc feedback (written by twcc.c from arrivals Nara
 * "sent"): loss and a growing queue must cut it, a clean link let it grow
 * no faster than what is sent allows. Single-threaded.
 */
#include <string.h>

#include "downlink.h"
#include "h264.h"
#include "layers.h"
#include "twcc.h"

/* The web client's three layers of a 640x480 camera. */
static const NaraLayerInfo three[] = {
  { .width = 160, .height = 120, .bitrate_bps = 150000, .active = TRUE },
  { .width = 320, .height = 240, .bitrate_bps = 500000, .active = TRUE },
  { .width = 640, .height = 480, .bitrate_bps = 1500000, .active = TRUE },
};

/* The same with three temporal layers each (Chrome's VP8 simulcast):
 * the base layer 40 % of the rate, the first two 60 %. */
static const NaraLayerInfo three_temporal[] = {
  { .width = 160,
    .height = 120,
    .bitrate_bps = 150000,
    .active = TRUE,
    .n_temporal = 3,
    .temporal_bps = { 60000, 90000, 150000 } },
  { .width = 320,
    .height = 240,
    .bitrate_bps = 500000,
    .active = TRUE,
    .n_temporal = 3,
    .temporal_bps = { 200000, 300000, 500000 } },
  { .width = 640,
    .height = 480,
    .bitrate_bps = 1500000,
    .active = TRUE,
    .n_temporal = 3,
    .temporal_bps = { 600000, 900000, 1500000 } },
};

static NaraLayerChoice video(const NaraLayerInfo *layers, guint n, guint w, guint h)
{
  NaraLayerChoice c = { 0 };
  c.layers = layers;
  c.n_layers = n;
  c.view_known = w || h;
  c.view_width = (guint16)w;
  c.view_height = (guint16)h;
  c.current = -1;
  c.current_tmax = NARA_TEMPORAL_ALL;
  return c;
}

static void test_tile_caps_the_layer(void)
{
  NaraLayerChoice c = video(three, 3, 0, 0);
  c.view_known = FALSE; /* the client never said: no cap */
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 2);
  g_assert_cmpint(c.state, ==, NARA_LAYER_SENDING);

  /* A 96x72 tile: the quarter layer fills it. */
  c = video(three, 3, 96, 72);
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 0);
  /* 300x225: half size (within a tenth) is enough; 400x300 needs full. */
  c = video(three, 3, 300, 225);
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 1);
  c = video(three, 3, 400, 300);
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 2);
  /* Larger than any layer: the largest. */
  c = video(three, 3, 1920, 1080);
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 2);
  /* Hidden: nothing, and no bandwidth pause to tell. */
  c = video(three, 3, 0, 0);
  c.view_known = TRUE;
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, -1);
  g_assert_cmpint(c.state, ==, NARA_LAYER_PAUSED_HIDDEN);
}

/* A link that loses heavily never gets the largest of several layers,
 * whatever the tile; a tile the smaller ones fill is not affected. */
static void test_lossy_link_not_largest(void)
{
  NaraLayerChoice c = video(three, 3, 1920, 1080);
  c.lossy = TRUE;
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 1);
  c = video(three, 3, 96, 72);
  c.lossy = TRUE;
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 0);
  /* Two layers (a 640x480 camera): the half-size one. */
  c = video(three + 1, 2, 0, 0);
  c.view_known = FALSE;
  c.lossy = TRUE;
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 0);
  /* One layer: nothing smaller to go to. */
  c = video(three + 2, 1, 640, 480);
  c.lossy = TRUE;
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 0);
}

static void test_budget_steps_down_then_pauses(void)
{
  NaraLayerChoice c = video(three, 3, 1280, 720);
  /* Full needs 1.5 M plus a quarter to step up to. */
  nara_layers_choose(&c, 1, 1900000);
  g_assert_cmpint(c.chosen, ==, 2);
  nara_layers_choose(&c, 1, 1000000);
  g_assert_cmpint(c.chosen, ==, 1);
  nara_layers_choose(&c, 1, 300000);
  g_assert_cmpint(c.chosen, ==, 0);
  /* Not even the lowest fits: paused for bandwidth (audio first). */
  nara_layers_choose(&c, 1, 100000);
  g_assert_cmpint(c.chosen, ==, -1);
  g_assert_cmpint(c.state, ==, NARA_LAYER_PAUSED_BANDWIDTH);
  /* All along the tile asks for the full layer: the publisher keeps it. */
  g_assert_cmpint(c.wanted, ==, 2);
  c.view_width = c.view_height = 0;
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.wanted, ==, -1);
}

static void test_no_flapping(void)
{
  NaraLayerChoice c = video(three, 3, 1280, 720);
  /* Staying on full needs only its rate; stepping up to it a quarter more. */
  c.current = 2;
  nara_layers_choose(&c, 1, 1600000);
  g_assert_cmpint(c.chosen, ==, 2);
  c.current = 1;
  nara_layers_choose(&c, 1, 1600000);
  g_assert_cmpint(c.chosen, ==, 1);
  /* Resuming after a pause needs half as much again as the layer. */
  c.current = -1;
  c.was_paused = TRUE;
  nara_layers_choose(&c, 1, 200000);
  g_assert_cmpint(c.chosen, ==, -1);
  nara_layers_choose(&c, 1, 230000);
  g_assert_cmpint(c.chosen, ==, 0);
}

static void test_dead_layers_skipped(void)
{
  /* The browser stopped sending its top layer (CPU, uplink). */
  NaraLayerInfo layers[3];
  memcpy(layers, three, sizeof layers);
  layers[2].active = FALSE;
  NaraLayerChoice c = video(layers, 3, 1280, 720);
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 1);
  /* Only the top one alive: that one, or a pause. */
  layers[0].active = layers[1].active = FALSE;
  layers[2].active = TRUE;
  c = video(layers, 3, 96, 72);
  nara_layers_choose(&c, 1, 10000000);
  g_assert_cmpint(c.chosen, ==, 2);
  nara_layers_choose(&c, 1, 1000000);
  g_assert_cmpint(c.chosen, ==, -1);
}

static void test_shared_budget_and_signing(void)
{
  /* Two large tiles, 1 M: both get their lowest first, then the first
   * in order steps up as far as the rest allows. */
  NaraLayerChoice v[2] = { video(three, 3, 640, 480), video(three, 3, 1280, 720) };
  nara_layers_choose(v, 2, 1000000);
  g_assert_cmpint(v[1].chosen, ==, 1); /* the larger tile first */
  g_assert_cmpint(v[0].chosen, ==, 0);

  /* The signer comes first, even in the smaller tile. */
  v[0] = video(three, 3, 640, 480);
  v[1] = video(three, 3, 1280, 720);
  v[0].signing = TRUE;
  nara_layers_choose(v, 2, 1000000);
  g_assert_cmpint(v[0].chosen, ==, 1);
  g_assert_cmpint(v[1].chosen, ==, 0);

  /* Room for one lowest layer only: the signer keeps video. */
  nara_layers_choose(v, 2, 200000);
  g_assert_cmpint(v[0].chosen, ==, 0);
  g_assert_cmpint(v[1].chosen, ==, -1);
  g_assert_cmpint(v[1].state, ==, NARA_LAYER_PAUSED_BANDWIDTH);

  /* A signer's small tile still gets QVGA (EN 301 549), room permitting. */
  NaraLayerChoice s = video(three, 3, 96, 72);
  s.signing = TRUE;
  nara_layers_choose(&s, 1, 10000000);
  g_assert_cmpint(s.chosen, ==, 1);
}

/* Keeps what was chosen as what is sent, as simulcast.c does. */
static void choose_and_keep(NaraLayerChoice *c, guint64 budget)
{
  nara_layers_choose(c, 1, budget);
  c->current = c->chosen;
  c->current_tmax = c->chosen_tmax;
  c->was_paused = c->chosen < 0;
}

static void test_frames_thinned_before_pausing(void)
{
  NaraLayerChoice c = video(three_temporal, 3, 1280, 720);
  /* Room for the smallest layer at every frame: as without layers. */
  choose_and_keep(&c, 160000);
  g_assert_cmpint(c.chosen, ==, 0);
  g_assert_cmpuint(c.chosen_tmax, ==, NARA_TEMPORAL_ALL);
  /* Less: fewer frames of it, not a pause. */
  choose_and_keep(&c, 100000);
  g_assert_cmpint(c.chosen, ==, 0);
  g_assert_cmpuint(c.chosen_tmax, ==, 1);
  choose_and_keep(&c, 70000);
  g_assert_cmpuint(c.chosen_tmax, ==, 0);
  g_assert_cmpint(c.state, ==, NARA_LAYER_SENDING);
  /* Back up only with a quarter to spare (90 k + 25 %). */
  choose_and_keep(&c, 100000);
  g_assert_cmpuint(c.chosen_tmax, ==, 0);
  choose_and_keep(&c, 115000);
  g_assert_cmpuint(c.chosen_tmax, ==, 1);
  /* Not even the base layer: paused, audio first. */
  choose_and_keep(&c, 50000);
  g_assert_cmpint(c.chosen, ==, -1);
  g_assert_cmpint(c.state, ==, NARA_LAYER_PAUSED_BANDWIDTH);
  /* Frames come back before size does. */
  choose_and_keep(&c, 95000);
  g_assert_cmpint(c.chosen, ==, 0);
  g_assert_cmpuint(c.chosen_tmax, ==, 0);
  choose_and_keep(&c, 400000);
  g_assert_cmpint(c.chosen, ==, 0);
  g_assert_cmpuint(c.chosen_tmax, ==, NARA_TEMPORAL_ALL);
}

static void test_large_tile_keeps_its_size_at_half_frames(void)
{
  /* A 640x480 tile and 1.2 M: the full layer at every frame does not fit
   * (1.5 M), at half its frames it does (0.9 M + 25 %): sharp rather than
   * the half layer stretched twice over. */
  NaraLayerChoice c = video(three_temporal, 3, 640, 480);
  choose_and_keep(&c, 1200000);
  g_assert_cmpint(c.chosen, ==, 2);
  g_assert_cmpuint(c.chosen_tmax, ==, 1);
  /* More room: every frame of it. */
  choose_and_keep(&c, 2000000);
  g_assert_cmpint(c.chosen, ==, 2);
  g_assert_cmpuint(c.chosen_tmax, ==, NARA_TEMPORAL_ALL);
  /* Someone signing keeps the frames and gives up the size. */
  NaraLayerChoice s = video(three_temporal, 3, 640, 480);
  s.signing = TRUE;
  choose_and_keep(&s, 1200000);
  g_assert_cmpint(s.chosen, ==, 1);
  g_assert_cmpuint(s.chosen_tmax, ==, NARA_TEMPORAL_ALL);
  /* A layer below the tile's own is taken whole, never thinned. */
  NaraLayerChoice m = video(three_temporal, 3, 640, 480);
  choose_and_keep(&m, 700000);
  g_assert_cmpint(m.chosen, ==, 1);
  g_assert_cmpuint(m.chosen_tmax, ==, NARA_TEMPORAL_ALL);
}

static void test_vp8_temporal(void)
{
  gboolean start;
  /* X; I (15-bit picture id), L (TL0PICIDX), T: TID 2, Y; S, partition 0. */
  const guint8 p[] = { 0x90, 0xe0, 0x81, 0x23, 0x07, 0xa0, 0x00 };
  g_assert_cmpint(nara_layers_temporal("VP8", p, sizeof p, &start), ==, 2);
  g_assert_true(start);
  guint8 q[sizeof p];
  memcpy(q, p, sizeof p);
  q[0] = 0x80; /* a later packet of the frame */
  q[5] = 0x00;
  g_assert_cmpint(nara_layers_temporal("VP8", q, sizeof q, &start), ==, 0);
  g_assert_false(start);
  /* No T bit, another codec, or cut short: none. */
  memcpy(q, p, sizeof p);
  q[1] = 0xc0;
  g_assert_cmpint(nara_layers_temporal("VP8", q, sizeof q, &start), ==, -1);
  g_assert_cmpint(nara_layers_temporal("H264", p, sizeof p, &start), ==, -1);
  for (gsize n = 0; n < 6; n++)
    g_assert_cmpint(nara_layers_temporal("VP8", p, n, &start), ==, -1);
}

static void test_vp8_keyframe(void)
{
  guint16 w = 0, h = 0;
  /* Descriptor with X, I (15-bit picture id), then a key frame header:
   * frame tag (P = 0), start code, 640x480. */
  const guint8 key[]
      = { 0x90, 0x80, 0x81, 0x23, 0x50, 0x1d, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01 };
  g_assert_true(nara_layers_keyframe("VP8", key, sizeof key, &w, &h));
  g_assert_cmpuint(w, ==, 640);
  g_assert_cmpuint(h, ==, 480);
  /* An inter frame, and a key frame's second packet (S = 0). */
  guint8 inter[sizeof key];
  memcpy(inter, key, sizeof key);
  inter[4] |= 0x01;
  g_assert_false(nara_layers_keyframe("VP8", inter, sizeof inter, &w, &h));
  memcpy(inter, key, sizeof key);
  inter[0] &= (guint8)~0x10;
  g_assert_false(nara_layers_keyframe("VP8", inter, sizeof inter, &w, &h));
  /* Truncated descriptors are no keyframe and read nothing past the end. */
  for (gsize n = 0; n < 5; n++)
    g_assert_false(nara_layers_keyframe("VP8", key, n, &w, &h));
}

static void test_h264_keyframe(void)
{
  guint16 w = 0, h = 0;
  const guint8 idr[] = { 0x65, 0x88 };
  const guint8 slice[] = { 0x41, 0x9a };
  const guint8 stap[] = { 0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce };
  const guint8 fu_start[] = { 0x7c, 0x85, 0x00 };
  const guint8 fu_middle[] = { 0x7c, 0x05, 0x00 };
  g_assert_true(nara_layers_keyframe("H264", idr, sizeof idr, &w, &h));
  g_assert_false(nara_layers_keyframe("H264", slice, sizeof slice, &w, &h));
  g_assert_true(nara_layers_keyframe("H264", stap, sizeof stap, &w, &h));
  g_assert_false(nara_layers_keyframe("H264", stap, 4, &w, &h)); /* size past the end */
  g_assert_true(nara_layers_keyframe("H264", fu_start, sizeof fu_start, &w, &h));
  g_assert_false(nara_layers_keyframe("H264", fu_middle, sizeof fu_middle, &w, &h));
  g_assert_false(nara_layers_keyframe("opus", idr, sizeof idr, &w, &h));
}

/* SPSs written by x264: Baseline 320x180 and 640x360 (cropped from
 * 12 and 23 macroblock rows, with emulation prevention bytes), High
 * 1280x720 and 1920x1080 (chroma format and bit depths read), and
 * interlaced High 1280x720 (field pairs, frame_mbs_only 0). */
static void test_h264_sps_size(void)
{
  static const struct {
    const char *hex;
    guint16 w, h;
  } sps[] = {
    { "6742c00dd901419f9e10000003001000000303c8f142a480", 320, 180 },
    { "6742c01ed900a02ff9610000030001000003003c8f162e48", 640, 360 },
    { "6764001facb200a00b7420000003002000000791e30649", 1280, 720 },
    { "67640028acb200f0044fcb08000003000800000301e478c19240", 1920, 1080 },
    { "67640020ace401402efcb080000003008000001e4f8b1724", 1280, 720 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(sps); i++) {
    guint8 nal[64];
    gsize n = strlen(sps[i].hex) / 2;
    for (gsize k = 0; k < n; k++)
      nal[k] = (guint8)g_ascii_strtoull((char[]){ sps[i].hex[2 * k], sps[i].hex[2 * k + 1], 0 },
                                        NULL, 16);
    guint16 w = 0, h = 0;
    g_assert_true(nara_h264_sps_size(nal, n, &w, &h));
    g_assert_cmpuint(w, ==, sps[i].w);
    g_assert_cmpuint(h, ==, sps[i].h);
    /* Cut short anywhere before the size: no size, nothing read past the end. */
    for (gsize k = 0; k < 8; k++) {
      guint16 w2 = 7, h2 = 7;
      g_assert_false(nara_h264_sps_size(nal, k, &w2, &h2));
      g_assert_cmpuint(w2, ==, 7);
    }
    /* In a STAP-A before its PPS, as browsers send a keyframe's start. */
    guint8 stap[80] = { 0x18, 0, (guint8)n };
    memcpy(stap + 3, nal, n);
    const guint8 pps[] = { 0x00, 0x02, 0x68, 0xce };
    memcpy(stap + 3 + n, pps, sizeof pps);
    w = h = 0;
    g_assert_true(nara_layers_keyframe("H264", stap, 3 + n + sizeof pps, &w, &h));
    g_assert_cmpuint(w, ==, sps[i].w);
    g_assert_cmpuint(h, ==, sps[i].h);
  }
  const guint8 pps[] = { 0x68, 0xce, 0x3c, 0x80 };
  guint16 w = 0, h = 0;
  g_assert_false(nara_h264_sps_size(pps, sizeof pps, &w, &h));
}

/* ---- the downlink estimate ---- */

/* Sends n packets of len octets every interval_us from *now, each with
 * the copies a running probe asks for; the ones lost_every-th (0: none)
 * never arrive, the others after base + queue_us (queue_us growing by
 * grow_us per packet). Feeds back every 20 packets. */
static void run_link(NaraDownlink *d, gint64 *now, guint n, gsize len, gint64 interval_us,
                     guint lost_every, gint64 queue_us, gint64 grow_us)
{
  NaraTwcc *rx = nara_twcc_new();
  guint8 fb[NARA_TWCC_MAX_FEEDBACK];
  for (guint i = 1; i <= n; i++) {
    for (guint c = 0, copies = nara_downlink_probe_copies(d, *now); c <= copies; c++) {
      guint16 seq = nara_downlink_sent(d, len, TRUE, *now);
      if (!lost_every || i % lost_every)
        nara_twcc_record(rx, seq, *now + 10000 + queue_us);
      queue_us += grow_us;
    }
    *now += interval_us;
    if (i % 20 == 0) {
      gsize fb_len;
      while ((fb_len = nara_twcc_write_feedback(rx, fb, sizeof fb, 1, 2)) > 0)
        nara_downlink_feedback(d, fb, fb_len, *now + queue_us);
    }
  }
  nara_twcc_free(rx);
}

/* 100 packets that arrive, 500 (2 s) that do not, 40 that arrive again,
 * to one receiver, which then reports the gap as lost (as Chrome does). */
static void run_outage(NaraDownlink *d, gint64 *now)
{
  NaraTwcc *rx = nara_twcc_new();
  guint8 fb[NARA_TWCC_MAX_FEEDBACK];
  for (guint i = 1; i <= 640; i++) {
    guint16 seq = nara_downlink_sent(d, 1000, TRUE, *now);
    gboolean arrives = i <= 100 || i > 600;
    if (arrives)
      nara_twcc_record(rx, seq, *now + 10000);
    *now += 4000;
    if (arrives && i % 20 == 0) {
      gsize fb_len;
      while ((fb_len = nara_twcc_write_feedback(rx, fb, sizeof fb, 1, 2)) > 0)
        nara_downlink_feedback(d, fb, fb_len, *now);
    }
  }
  nara_twcc_free(rx);
}

static void test_downlink_clean_link_grows_with_what_is_sent(void)
{
  NaraDownlink *d = g_new(NaraDownlink, 1);
  gint64 now = 1000000000;
  nara_downlink_init(d, now);
  g_assert_cmpuint(nara_downlink_estimate(d), ==, NARA_DOWNLINK_START_BPS);
  /* 10 s at ~1 Mbit/s (1000-octet packets every 8 ms), no loss, no queue. */
  run_link(d, &now, 1250, 1000, 8000, 0, 0, 0);
  guint64 est = nara_downlink_estimate(d);
  g_assert_cmpuint(est, >, NARA_DOWNLINK_START_BPS);
  /* Never far above what was tried: twice what is sent plus a step. */
  g_assert_cmpuint(est, <=, 2 * 1000000 + 500000 + 100000);
  /* Sending little: the estimate stops rising far above it. */
  nara_downlink_init(d, now);
  run_link(d, &now, 500, 200, 20000, 0, 0, 0); /* 80 kbit/s for 10 s */
  g_assert_cmpuint(nara_downlink_estimate(d), <=, NARA_DOWNLINK_START_BPS);
  g_free(d);
}

/* Sending a camera's half-size layer (300 kbit/s), the estimate cannot
 * grow to its full one (1.5 Mbit/s and more): a probe shows the link
 * carries it. A link whose queue grows under the probe fails it, and the
 * next probe waits. */
static void test_downlink_probe_shows_a_larger_layer(void)
{
  NaraDownlink *d = g_new(NaraDownlink, 1);
  gint64 now = 1000000000;
  nara_downlink_init(d, now);
  run_link(d, &now, 300, 1000, 26667, 0, 0, 0); /* 300 kbit/s for 8 s */
  guint64 before = nara_downlink_estimate(d);
  g_assert_cmpuint(before, <, 1200000);
  g_assert_false(nara_downlink_probe(d, before / 2, now)); /* nothing to probe for */
  g_assert_true(nara_downlink_probe(d, 2000000, now));
  g_assert_false(nara_downlink_probe(d, 2000000, now)); /* one at a time */
  /* The probe's 500 ms and after. */
  run_link(d, &now, 60, 1000, 26667, 0, 0, 0);
  guint64 after = nara_downlink_estimate(d);
  g_assert_cmpuint(after, >, before * 3 / 2);
  g_assert_cmpuint(after, <=, 2000000 + 2000000 / 10); /* and a growth step */

  nara_downlink_init(d, now);
  run_link(d, &now, 300, 1000, 26667, 0, 0, 0);
  before = nara_downlink_estimate(d);
  g_assert_true(nara_downlink_probe(d, 2000000, now));
  run_link(d, &now, 60, 1000, 26667, 0, 0, 3000); /* a narrow link's queue */
  /* Failed: at most the growth step the feedback before the queue gave. */
  g_assert_cmpuint(nara_downlink_estimate(d), <=, before + before / 10);
  g_assert_cmpuint(d->probe_target_bps, ==, 0);
  g_assert_false(nara_downlink_probe(d, 2000000, now)); /* backing off */
  now += 6 * G_USEC_PER_SEC;
  run_link(d, &now, 40, 1000, 26667, 0, 0, 0); /* calm again */
  g_assert_true(nara_downlink_probe(d, 2000000, now));
  /* At the ceiling a probe could show nothing more: none starts (they
   * would repeat every 2 s for nothing). */
  d->probe_target_bps = 0;
  d->estimate_bps = NARA_DOWNLINK_MAX_BPS;
  g_assert_false(nara_downlink_probe(d, 2 * NARA_DOWNLINK_MAX_BPS, now));
  g_free(d);
}

static void test_downlink_loss_cuts(void)
{
  NaraDownlink *d = g_new(NaraDownlink, 1);
  gint64 now = 1000000000;
  nara_downlink_init(d, now);
  /* One packet in four lost for 3 s: the estimate falls by an eighth at a
   * time, at most every 300 ms, to well below where it started. */
  run_link(d, &now, 375, 1000, 8000, 4, 0, 0);
  g_assert_cmpuint(nara_downlink_estimate(d), <, NARA_DOWNLINK_START_BPS / 2);
  g_assert_cmpuint(nara_downlink_estimate(d), >=, NARA_DOWNLINK_MIN_BPS);
  /* Moderate loss (5 %) with a queue holds it. */
  guint64 held = nara_downlink_estimate(d);
  run_link(d, &now, 375, 1000, 8000, 20, 40000, 0);
  g_assert_cmpuint(nara_downlink_estimate(d), ==, held);
  g_free(d);
}

/* Random loss without any queue (a phone's radio): 8 % for 10 s does not
 * step the viewer down; it may grow, never far above what is sent. */
static void test_downlink_radio_loss_and_outages_do_not_cut(void)
{
  NaraDownlink *d = g_new(NaraDownlink, 1);
  gint64 now = 1000000000;
  nara_downlink_init(d, now);
  for (guint s = 0; s < 10; s++)
    for (guint k = 0; k < 5; k++) /* 250 packets a second, 1 in 12.5 lost */
      run_link(d, &now, 50, 1000, 4000, k % 2 ? 12 : 13, 0, 0);
  g_assert_cmpuint(nara_downlink_estimate(d), >=, NARA_DOWNLINK_START_BPS);
  g_assert_cmpuint(nara_downlink_estimate(d), <=, 2 * 2000000 + 500000 + 100000);
  /* The same loss over a queue (40 ms above the floor the first packets
   * showed) is GCC's hold band, or a cut: no growth. */
  nara_downlink_init(d, now);
  run_link(d, &now, 100, 1000, 4000, 0, 0, 0);
  guint64 before = nara_downlink_estimate(d);
  run_link(d, &now, 500, 1000, 4000, 12, 40000, 0);
  g_assert_cmpuint(nara_downlink_estimate(d), <=, before);
  /* An outage (every packet of 2 s lost) is not congestion: no cut. */
  nara_downlink_init(d, now);
  run_link(d, &now, 100, 1000, 4000, 0, 0, 0);
  before = nara_downlink_estimate(d);
  run_outage(d, &now);
  g_assert_cmpuint(nara_downlink_estimate(d), >=, before);
  g_free(d);
}

static void test_downlink_queue_cuts_to_what_arrives(void)
{
  NaraDownlink *d = g_new(NaraDownlink, 1);
  gint64 now = 1000000000;
  nara_downlink_init(d, now);
  /* Sending 1 Mbit/s into a 500 kbit/s link: each 1000-octet packet waits
   * 8 ms longer than the one before (16 ms to drain, sent every 8 ms). */
  run_link(d, &now, 200, 1000, 8000, 0, 0, 8000);
  guint64 est = nara_downlink_estimate(d);
  g_assert_cmpuint(est, <, NARA_DOWNLINK_START_BPS);
  /* A one-off stall of one feedback (a loaded browser) does not cut. */
  nara_downlink_init(d, now);
  run_link(d, &now, 20, 1000, 8000, 0, 0, 0);
  run_link(d, &now, 20, 1000, 8000, 0, 200000, 0);
  run_link(d, &now, 40, 1000, 8000, 0, 0, 0);
  g_assert_cmpuint(nara_downlink_estimate(d), >=, NARA_DOWNLINK_START_BPS);
  g_free(d);
}

static void test_downlink_standing_queue_drains(void)
{
  NaraDownlink *d = g_new(NaraDownlink, 1);
  gint64 now = 1000000000;
  nara_downlink_init(d, now);
  /* 2 s clean, then a queue of 300 ms that stands: everything sent
   * arrives (a full router's queue, rate in = rate out) and the floor will
   * learn it. After 2 s of it the estimate is cut to drain it. */
  run_link(d, &now, 250, 1000, 8000, 0, 0, 0);
  guint64 before = nara_downlink_estimate(d);
  run_link(d, &now, 200, 1000, 8000, 0, 300000, 0);
  g_assert_cmpuint(nara_downlink_estimate(d), >=, before); /* 1.6 s: not yet */
  run_link(d, &now, 200, 1000, 8000, 0, 300000, 0);
  g_assert_cmpuint(nara_downlink_estimate(d), <, before);
  /* Jitter of 100 ms that stands cuts nothing. */
  nara_downlink_init(d, now);
  run_link(d, &now, 250, 1000, 8000, 0, 0, 0);
  before = nara_downlink_estimate(d);
  run_link(d, &now, 500, 1000, 8000, 0, 100000, 0);
  g_assert_cmpuint(nara_downlink_estimate(d), >=, before);
  g_free(d);
}

static void test_downlink_remb_caps_and_rr_loss(void)
{
  NaraDownlink *d = g_new(NaraDownlink, 1);
  gint64 now = 1000000000;
  nara_downlink_init(d, now);
  nara_downlink_remb(d, 300000);
  g_assert_cmpuint(nara_downlink_estimate(d), ==, 300000);
  /* Without feedback, report blocks' loss drives the same rule. */
  nara_downlink_init(d, now);
  nara_downlink_report_loss(d, 128, now); /* 50 % */
  g_assert_cmpuint(nara_downlink_estimate(d), ==, NARA_DOWNLINK_START_BPS * 3 / 4);
  /* With feedback, report blocks are not counted twice. */
  run_link(d, &now, 20, 1000, 8000, 0, 0, 0);
  guint64 est = nara_downlink_estimate(d);
  nara_downlink_report_loss(d, 128, now + G_USEC_PER_SEC);
  g_assert_cmpuint(nara_downlink_estimate(d), ==, est);
  /* Garbage feedback changes nothing. */
  guint8 junk[40] = { 0x8f, 205, 0, 9 };
  nara_downlink_feedback(d, junk, sizeof junk, now);
  g_assert_cmpuint(nara_downlink_estimate(d), ==, est);
  g_free(d);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/layers/tile-caps-the-layer", test_tile_caps_the_layer);
  g_test_add_func("/layers/lossy-link-not-largest", test_lossy_link_not_largest);
  g_test_add_func("/downlink/radio-loss-and-outages-do-not-cut",
                  test_downlink_radio_loss_and_outages_do_not_cut);
  g_test_add_func("/layers/budget-steps-down-then-pauses", test_budget_steps_down_then_pauses);
  g_test_add_func("/layers/no-flapping", test_no_flapping);
  g_test_add_func("/layers/dead-layers-skipped", test_dead_layers_skipped);
  g_test_add_func("/layers/shared-budget-and-signing", test_shared_budget_and_signing);
  g_test_add_func("/layers/vp8-keyframe", test_vp8_keyframe);
  g_test_add_func("/layers/vp8-temporal", test_vp8_temporal);
  g_test_add_func("/layers/frames-thinned-before-pausing", test_frames_thinned_before_pausing);
  g_test_add_func("/layers/large-tile-keeps-its-size-at-half-frames",
                  test_large_tile_keeps_its_size_at_half_frames);
  g_test_add_func("/layers/h264-keyframe", test_h264_keyframe);
  g_test_add_func("/layers/h264-sps-size", test_h264_sps_size);
  g_test_add_func("/downlink/clean-link-grows-with-what-is-sent",
                  test_downlink_clean_link_grows_with_what_is_sent);
  g_test_add_func("/downlink/loss-cuts", test_downlink_loss_cuts);
  g_test_add_func("/downlink/probe-shows-a-larger-layer", test_downlink_probe_shows_a_larger_layer);
  g_test_add_func("/downlink/queue-cuts-to-what-arrives", test_downlink_queue_cuts_to_what_arrives);
  g_test_add_func("/downlink/remb-caps-and-rr-loss", test_downlink_remb_caps_and_rr_loss);
  g_test_add_func("/downlink/standing-queue-drains", test_downlink_standing_queue_drains);
  return g_test_run();
}
