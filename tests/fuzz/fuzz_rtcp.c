/* fuzz_rtcp.c — libFuzzer target: the RTCP Nara reads and writes
 * (media/rtp.c, media/rtcp.c). The input, cut at 1500 bytes, goes to the
 * keyframe-request walker and to the full walk (reports, NACK, PLI/FIR,
 * REMB) as a subscriber's or publisher's compound packet: where the full
 * walk accepts a packet, the keyframe walker must too and find the same
 * requests. Its first 18 bytes also give values for the writers: sender and
 * media SSRC, a REMB bitrate, an SSRC count and a buffer size. The PLI and
 * REMB written from them are walked again (alone, and ahead of the input
 * as one compound packet): exactly the written PLI must be found, the REMB
 * must decode to its values. RR, SR and NACK written from the input's
 * bytes must read back to what was written (the NACK as the same set of
 * sequence numbers). The input also goes to the transport-cc parser, and
 * read as (sequence number, arrival delta) pairs it is recorded and
 * written as transport-cc feedback in packets of a size it picks: every
 * packet must parse, continue the last one's sequence numbers, end at the
 * highest recorded, and give each received status an arrival that was
 * recorded for its number, in 250 µs ticks. A broken
 * invariant traps. Single-threaded.
 */
#include "rtcp.h"
#include "rtp.h"
#include "twcc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PACKET 1500 /* NARA_WORKER_MTU */
#define MAX_FOUND 512

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_rtcp: %s:%d: %s\n", __FILE__, __LINE__, #cond);                        \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

typedef struct {
  guint n;
  guint32 ssrc[MAX_FOUND];
} Found;

static void on_found(guint32 media_ssrc, gpointer user_data)
{
  Found *f = user_data;
  if (f->n < MAX_FOUND)
    f->ssrc[f->n] = media_ssrc;
  f->n++;
}

static guint32 rd32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* Walks len bytes copied to a buffer of exactly that size. */
static gboolean walk(const guint8 *data, gsize len, Found *f)
{
  guint8 *copy = malloc(len ? len : 1);
  memcpy(copy, data, len);
  memset(f, 0, sizeof *f);
  gboolean ok = nara_rtcp_for_each_keyframe_request(copy, len, on_found, f);
  free(copy);
  return ok;
}

static void check_pli(guint32 sender, guint32 media, gsize cap)
{
  guint8 *buf = malloc(cap ? cap : 1);
  Found f;
  gsize n = nara_rtcp_write_pli(buf, cap, sender, media);
  if (cap < 12) {
    CHECK(n == 0);
  } else {
    CHECK(n == 12);
    CHECK(walk(buf, n, &f) && f.n == 1 && f.ssrc[0] == media);
    CHECK(rd32(buf + 4) == sender);
  }
  free(buf);
}

/* draft-alvestrand-rmcat-remb §2.2: the sent value is mantissa << exp, the
 * bitrate with its low bits cut, never more than asked for. */
static void check_remb(guint32 sender, guint64 bitrate, const guint32 *ssrcs, guint n_ssrcs,
                       gsize cap)
{
  guint8 *buf = malloc(cap ? cap : 1);
  Found f;
  gsize want = 28 + 4 * (gsize)n_ssrcs;
  gsize n = nara_rtcp_write_remb(buf, cap, sender, bitrate, ssrcs, n_ssrcs);
  if (n_ssrcs > 255 || cap < want) {
    CHECK(n == 0);
    free(buf);
    return;
  }
  CHECK(n == want);
  CHECK(walk(buf, n, &f) && f.n == 0);
  const guint8 *r = buf + 8;
  CHECK(rd32(buf + 4) == sender && rd32(r + 4) == sender && memcmp(r + 12, "REMB", 4) == 0);
  CHECK(r[16] == n_ssrcs);
  guint exp = r[17] >> 2;
  guint64 mantissa = ((guint64)(r[17] & 3) << 16) | ((guint64)r[18] << 8) | r[19];
  guint64 sent = mantissa << exp;
  CHECK(sent <= bitrate && bitrate - sent < (G_GUINT64_CONSTANT(1) << exp));
  for (guint i = 0; i < n_ssrcs; i++)
    CHECK(rd32(r + 20 + 4 * i) == ssrcs[i]);
  free(buf);
}

/* A PLI Nara wrote, then the input: the PLI is reported first whatever
 * follows, as entries before a fault are (rtp.h). */
static void check_compound(guint32 sender, guint32 media, const guint8 *data, gsize len)
{
  guint8 buf[12 + MAX_PACKET];
  Found f;
  gsize n = nara_rtcp_write_pli(buf, sizeof buf, sender, media);
  memcpy(buf + n, data, len);
  walk(buf, n + len, &f);
  CHECK(f.n >= 1 && f.ssrc[0] == media);
}

/* What the full walk reported. */
typedef struct {
  guint keyframes, blocks, nacks, srs, rembs;
  guint32 keyframe[MAX_FOUND];
  NaraReportBlock block[32];
  NaraSenderInfo sr;
  guint8 nacked[65536 / 8]; /* bit per sequence number */
} Walked;

static void w_sr(const NaraSenderInfo *info, gpointer user)
{
  Walked *w = user;
  w->sr = *info;
  w->srs++;
}

static void w_block(guint32 reporter, const NaraReportBlock *b, gpointer user)
{
  (void)reporter;
  Walked *w = user;
  if (w->blocks < G_N_ELEMENTS(w->block))
    w->block[w->blocks] = *b;
  w->blocks++;
}

static void w_nack(guint32 ssrc, guint16 pid, guint16 blp, gpointer user)
{
  (void)ssrc;
  Walked *w = user;
  w->nacks++;
  for (guint i = 0; i <= 16; i++) {
    if (i > 0 && !(blp & (1u << (i - 1))))
      continue;
    guint16 seq = (guint16)(pid + i);
    w->nacked[seq / 8] |= (guint8)(1u << (seq % 8));
  }
}

static void w_keyframe(guint32 ssrc, gpointer user)
{
  Walked *w = user;
  if (w->keyframes < MAX_FOUND)
    w->keyframe[w->keyframes] = ssrc;
  w->keyframes++;
}

static void w_remb(guint64 bitrate, guint n, gpointer user)
{
  (void)bitrate;
  Walked *w = user;
  CHECK(n <= 255);
  w->rembs++;
}

static const NaraRtcpVisitor visitor = { w_sr, w_block, w_nack, w_keyframe, w_remb, NULL };

static Walked walked; /* 8 KiB: not on the stack */

static gboolean full_walk(const guint8 *data, gsize len)
{
  guint8 *copy = malloc(len ? len : 1);
  memcpy(copy, data, len);
  memset(&walked, 0, sizeof walked);
  gboolean ok = nara_rtcp_walk(copy, len, &visitor, &walked);
  free(copy);
  return ok;
}

/* The full walk is the stricter one: what it accepts, the keyframe walker
 * accepts too, with the same requests in the same order. */
static void check_walks_agree(const guint8 *data, gsize len)
{
  Found f;
  if (!full_walk(data, len))
    return;
  CHECK(walk(data, len, &f));
  CHECK(f.n == walked.keyframes);
  for (guint i = 0; i < MIN(f.n, (guint)MAX_FOUND); i++)
    CHECK(f.ssrc[i] == walked.keyframe[i]);
}

/* Report blocks and sender info from the input's bytes, written and read. */
static void check_reports(const guint8 *data, gsize len)
{
  NaraReportBlock blocks[31];
  guint n = MIN((guint)(len / 24), 31u);
  for (guint i = 0; i < n; i++) {
    const guint8 *b = data + 24 * i;
    blocks[i] = (NaraReportBlock){
      .ssrc = rd32(b),
      .fraction_lost = b[4],
      /* What fits 24 bits signed, as the wire holds it. */
      .cumulative_lost = ((gint32)(rd32(b + 4) << 8)) >> 8,
      .highest_seq = rd32(b + 8),
      .jitter = rd32(b + 12),
      .lsr = rd32(b + 16),
      .dlsr = rd32(b + 20),
    };
  }
  guint8 buf[28 + 31 * 24];
  gsize w = nara_rtcp_write_rr(buf, sizeof buf, 7, blocks, n);
  CHECK(w == 8 + 24 * (gsize)n);
  CHECK(full_walk(buf, w) && walked.blocks == n && walked.srs == 0);
  for (guint i = 0; i < n; i++) {
    const NaraReportBlock *a = &walked.block[i], *b = &blocks[i];
    CHECK(a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost
          && a->cumulative_lost == b->cumulative_lost && a->highest_seq == b->highest_seq
          && a->jitter == b->jitter && a->lsr == b->lsr && a->dlsr == b->dlsr);
  }
  if (len < 24)
    return;
  NaraSenderInfo info = { rd32(data), ((guint64)rd32(data + 4) << 32) | rd32(data + 8),
                          rd32(data + 12), rd32(data + 16), rd32(data + 20) };
  w = nara_rtcp_write_sr(buf, sizeof buf, &info, blocks, n);
  CHECK(w == 28 + 24 * (gsize)n);
  CHECK(full_walk(buf, w) && walked.srs == 1 && walked.blocks == n);
  CHECK(walked.sr.ssrc == info.ssrc && walked.sr.ntp == info.ntp && walked.sr.rtp_ts == info.rtp_ts
        && walked.sr.packets == info.packets && walked.sr.octets == info.octets);
}

/* Sequence numbers from the input: the NACK written for them names exactly
 * that set. */
static void check_nack(const guint8 *data, gsize len)
{
  guint16 seqs[MAX_PACKET / 2];
  guint n = (guint)(len / 2);
  static guint8 want[65536 / 8];
  memset(want, 0, sizeof want);
  for (guint i = 0; i < n; i++) {
    seqs[i] = (guint16)((data[2 * i] << 8) | data[2 * i + 1]);
    want[seqs[i] / 8] |= (guint8)(1u << (seqs[i] % 8));
  }
  static guint8 buf[12 + 4 * (MAX_PACKET / 2)];
  gsize w = nara_rtcp_write_nack(buf, sizeof buf, 1, 2, seqs, n);
  if (n == 0) {
    CHECK(w == 0);
    return;
  }
  CHECK(w >= 16 && w <= 12 + 4 * (gsize)n);
  CHECK(full_walk(buf, w) && walked.nacks == (w - 12) / 4);
  CHECK(memcmp(walked.nacked, want, sizeof want) == 0);
}

/* Input as 4-octet records: transport sequence number, arrival step in
 * µs (signed: reordering). Written in packets of at least 24 octets. */
static void check_twcc(const guint8 *data, gsize len)
{
  static gint64 ticks[65536];
  static gint64 lo[65536], hi[65536]; /* arrivals recorded per number */
  static guint8 seen[65536];
  NaraTwccFeedback fb;
  guint8 *copy = malloc(len ? len : 1);
  memcpy(copy, data, len);
  nara_twcc_parse(copy, len, &fb, ticks, G_N_ELEMENTS(ticks));
  free(copy);
  if (len < 5)
    return;

  NaraTwcc *twcc = nara_twcc_new();
  gsize cap = MIN(24 + (gsize)data[0] * 4, (gsize)MAX_PACKET);
  gint64 t = 1000000000; /* steps of at most 32 ms stay far from 0 and the 24-bit wrap */
  memset(seen, 0, sizeof seen);
  guint records = 0;
  for (gsize i = 1; i + 4 <= len; i += 4, records++) {
    guint16 seq = (guint16)((data[i] << 8) | data[i + 1]);
    t += (gint16)((data[i + 2] << 8) | data[i + 3]);
    lo[seq] = seen[seq] ? MIN(lo[seq], t) : t;
    hi[seq] = seen[seq] ? MAX(hi[seq], t) : t;
    seen[seq] = 1;
    nara_twcc_record(twcc, seq, t);
  }
  guint8 *buf = malloc(cap);
  gsize wlen;
  guint packets = 0, received = 0;
  gint64 next = twcc->next_ext, max = twcc->max_ext;
  gboolean pending = nara_twcc_pending(twcc);
  while ((wlen = nara_twcc_write_feedback(twcc, buf, cap, 7, 9)) > 0) {
    CHECK(wlen <= cap && wlen % 4 == 0);
    CHECK(nara_twcc_parse(buf, wlen, &fb, ticks, G_N_ELEMENTS(ticks)));
    CHECK(fb.base_seq == (guint16)next && fb.status_count > 0);
    CHECK(fb.sender_ssrc == 7 && fb.media_ssrc == 9 && fb.fb_count == (guint8)packets);
    for (guint k = 0; k < fb.status_count; k++) {
      guint16 s = (guint16)(next + k);
      if (ticks[k] == NARA_TWCC_NONE)
        continue;
      received++;
      CHECK(seen[s] && ticks[k] >= lo[s] / 250 && ticks[k] <= hi[s] / 250);
    }
    next += fb.status_count;
    CHECK(++packets <= NARA_TWCC_WINDOW);
  }
  free(buf);
  CHECK(!nara_twcc_pending(twcc));
  CHECK(!pending || next == max + 1);
  CHECK(received <= records);
  nara_twcc_free(twcc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  gsize len = MIN(size, (gsize)MAX_PACKET);
  guint32 ssrcs[300];
  Found f;

  walk(data, len, &f);
  check_walks_agree(data, len);
  check_reports(data, len);
  check_nack(data, len);
  check_twcc(data, len);
  if (len < 18)
    return 0;

  guint32 sender = rd32(data), media = rd32(data + 4);
  guint64 bitrate = ((guint64)rd32(data + 8) << 32) | rd32(data + 12);
  /* Counts past 255 must be refused (the field is one octet). */
  guint n_ssrcs = data[16] == 0xff ? 256 + data[17] % 40 : data[16];
  gsize cap = (gsize)data[17] * 8;
  for (guint i = 0; i < G_N_ELEMENTS(ssrcs); i++)
    ssrcs[i] = rd32(data + (4 * i) % (len - 3));

  check_pli(sender, media, data[17] < 16 ? data[17] : cap);
  check_remb(sender, bitrate, ssrcs, n_ssrcs, cap);
  check_remb(sender, bitrate, ssrcs, n_ssrcs % 256, MAX_PACKET);
  check_compound(sender, media, data, len);
  return 0;
}
