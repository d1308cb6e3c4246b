/* twcc.c — transport-cc feedback: the arrival record, its writer, a parser.
 *
 * Owns the byte layout of transport-wide congestion control feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1, RTCP RTPFB
 * FMT 15) and the per-peer record of arrivals it is written from. Recording
 * is one array write per packet; writing walks the unreported arrivals once.
 * It decides neither when to send nor to whom (room.c does). Runs on the
 * publisher's media worker; the parser on any thread.
 */
#include "twcc.h"

#include "bytes-private.h"

#include <string.h>

#define PT_RTPFB 205
#define FMT_TWCC 15
#define HEADER_LEN 20 /* RTCP header, two SSRCs, base, count, reference, fb count */
#define TICK_US 250   /* receive delta unit */
#define REF_US 64000  /* reference time unit: 256 ticks */
#define MAX_RUN 8191  /* 13-bit run length */

/* A status symbol is also the size of its receive delta in octets. */
enum { SYM_NONE, SYM_SMALL, SYM_LARGE };

/* Division rounding towards minus infinity: arrival times before the
 * clock's origin (only in tests) still land in the right tick. */
static inline gint64 floor_div(gint64 a, gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

NaraTwcc *nara_twcc_new(void)
{
  NaraTwcc *twcc = g_new0(NaraTwcc, 1);
  for (guint i = 0; i < NARA_TWCC_WINDOW; i++)
    twcc->arrival_us[i] = NARA_TWCC_NONE;
  return twcc;
}

void nara_twcc_free(NaraTwcc *twcc)
{
  g_free(twcc);
}

static inline gint64 *slot(NaraTwcc *twcc, gint64 ext)
{
  return &twcc->arrival_us[ext % NARA_TWCC_WINDOW];
}

void nara_twcc_record(NaraTwcc *twcc, guint16 seq, gint64 now_us)
{
  if (G_UNLIKELY(!twcc->started)) {
    /* One cycle up, so a reordered packet before the first stays positive. */
    twcc->started = TRUE;
    twcc->next_ext = twcc->max_ext = 65536 + seq;
    *slot(twcc, twcc->max_ext) = now_us;
    return;
  }
  gint64 ext = twcc->max_ext + (gint16)(guint16)(seq - (guint16)twcc->max_ext);
  if (ext < twcc->next_ext)
    return; /* reported as lost already, or older than the first */
  if (ext <= twcc->max_ext) {
    if (*slot(twcc, ext) == NARA_TWCC_NONE)
      *slot(twcc, ext) = now_us;
    return;
  }
  if (ext - twcc->next_ext >= NARA_TWCC_WINDOW)
    twcc->next_ext = ext - NARA_TWCC_WINDOW + 1;
  for (gint64 k = MAX(twcc->max_ext + 1, twcc->next_ext); k < ext; k++)
    *slot(twcc, k) = NARA_TWCC_NONE;
  twcc->max_ext = ext;
  *slot(twcc, ext) = now_us;
}

gboolean nara_twcc_pending(const NaraTwcc *twcc)
{
  return twcc->started && twcc->next_ext <= twcc->max_ext;
}

/* Packet status chunks for sym[0..n): a run-length chunk for a run of 14
 * or more (or 7 or more that a one-bit vector could not take), else a
 * status vector, one bit a symbol when none is a large delta, else two.
 * Every chunk but the last covers at least 7 statuses. */
static gsize write_chunks(guint8 *out, const guint8 *sym, guint n)
{
  gsize len = 0;
  for (guint i = 0; i < n;) {
    guint run = 1;
    while (i + run < n && sym[i + run] == sym[i] && run < MAX_RUN)
      run++;
    guint k14 = MIN(14u, n - i);
    gboolean one_bit = TRUE;
    for (guint j = 0; j < k14; j++)
      one_bit &= sym[i + j] != SYM_LARGE;
    guint16 chunk;
    if (run >= 14 || (run >= 7 && !one_bit)) {
      chunk = (guint16)((sym[i] << 13) | run);
      i += run;
    } else if (one_bit) {
      chunk = 0x8000;
      for (guint j = 0; j < k14; j++)
        chunk |= (guint16)(sym[i + j] << (13 - j));
      i += k14;
    } else {
      guint k7 = MIN(7u, n - i);
      chunk = 0xc000;
      for (guint j = 0; j < k7; j++)
        chunk |= (guint16)(sym[i + j] << (12 - 2 * j));
      i += k7;
    }
    wr16(out + len, chunk);
    len += 2;
  }
  return len;
}

gsize nara_twcc_write_feedback(NaraTwcc *twcc, guint8 *out, gsize cap, guint32 sender_ssrc,
                               guint32 media_ssrc)
{
  if (!nara_twcc_pending(twcc) || cap < HEADER_LEN + 4)
    return 0;
  guint8 sym[NARA_TWCC_WINDOW];
  gint16 delta[NARA_TWCC_WINDOW];
  gint64 first = twcc->next_ext;
  guint avail = (guint)(twcc->max_ext - first + 1);

  /* The reference time is the first received arrival's, rounded down to
   * 64 ms: its delta is then within one byte. */
  gint64 ref = 0;
  for (guint i = 0; i < avail; i++) {
    gint64 t = *slot(twcc, first + i);
    if (t != NARA_TWCC_NONE) {
      ref = floor_div(t, REF_US);
      break;
    }
  }

  /* As many statuses as fit in cap with the worst case of one chunk per 7,
   * stopping before a delta 16 bits cannot hold: the next feedback starts
   * there with its own reference time. */
  gint64 prev = ref * (REF_US / TICK_US);
  gsize delta_len = 0;
  guint n = 0;
  for (; n < avail; n++) {
    gint64 t = *slot(twcc, first + n);
    gint64 d = 0;
    guint8 s = SYM_NONE;
    if (t != NARA_TWCC_NONE) {
      gint64 tick = floor_div(t, TICK_US);
      d = tick - prev;
      if (d >= 0 && d <= 255)
        s = SYM_SMALL;
      else if (d >= G_MININT16 && d <= G_MAXINT16)
        s = SYM_LARGE;
      else
        break;
    }
    gsize need = HEADER_LEN + 2 * ((n + 1 + 6) / 7) + delta_len + s;
    if (((need + 3) & ~(gsize)3) > cap)
      break;
    sym[n] = s;
    delta[n] = (gint16)d;
    delta_len += s;
    if (s != SYM_NONE)
      prev += d;
  }
  if (n == 0)
    return 0;

  gsize len = HEADER_LEN;
  len += write_chunks(out + len, sym, n);
  for (guint i = 0; i < n; i++) {
    if (sym[i] == SYM_SMALL)
      out[len++] = (guint8)delta[i];
    else if (sym[i] == SYM_LARGE) {
      wr16(out + len, (guint16)delta[i]);
      len += 2;
    }
  }
  /* RFC 3550 §6.4.1 padding, as libwebrtc writes it: the P bit and the
   * count in the last octet. */
  guint pad = (guint)((4 - len % 4) % 4);
  if (pad) {
    memset(out + len, 0, pad);
    len += pad;
    out[len - 1] = (guint8)pad;
  }
  out[0] = (guint8)(0x80 | (pad ? 0x20 : 0) | FMT_TWCC);
  out[1] = PT_RTPFB;
  wr16(out + 2, (guint16)(len / 4 - 1));
  wr32(out + 4, sender_ssrc);
  wr32(out + 8, media_ssrc);
  wr16(out + 12, (guint16)first);
  wr16(out + 14, (guint16)n);
  out[16] = (guint8)(ref >> 16);
  out[17] = (guint8)(ref >> 8);
  out[18] = (guint8)ref;
  out[19] = twcc->fb_count++;
  twcc->next_ext = first + n;
  return len;
}

gboolean nara_twcc_parse(const guint8 *data, gsize len, NaraTwccFeedback *out, gint64 *ticks,
                         guint cap)
{
  if (len < HEADER_LEN || (data[0] >> 6) != 2 || (data[0] & 0x1f) != FMT_TWCC
      || data[1] != PT_RTPFB)
    return FALSE;
  gsize plen = 4 * ((gsize)rd16(data + 2) + 1);
  if (plen > len || plen < HEADER_LEN)
    return FALSE;
  if (data[0] & 0x20) {
    guint8 pad = data[plen - 1];
    if (pad == 0 || pad > plen - HEADER_LEN)
      return FALSE;
    plen -= pad;
  }
  out->sender_ssrc = rd32(data + 4);
  out->media_ssrc = rd32(data + 8);
  out->base_seq = rd16(data + 12);
  out->status_count = rd16(data + 14);
  out->reference_time = rd32(data + 16) >> 8;
  out->fb_count = data[19];
  guint n = out->status_count;
  if (n > cap)
    return FALSE;

  /* Chunks until every status is known; symbols go to ticks for now. */
  gsize pos = HEADER_LEN;
  guint i = 0;
  while (i < n) {
    if (pos + 2 > plen)
      return FALSE;
    guint16 c = rd16(data + pos);
    pos += 2;
    if (!(c & 0x8000)) {
      guint s = (c >> 13) & 3, run = c & 0x1fff;
      if (s == 3 || run == 0)
        return FALSE;
      for (guint j = 0; j < run && i < n; j++)
        ticks[i++] = s;
    } else if (!(c & 0x4000)) {
      for (guint j = 0; j < 14 && i < n; j++)
        ticks[i++] = (c >> (13 - j)) & 1;
    } else {
      for (guint j = 0; j < 7 && i < n; j++) {
        guint s = (c >> (12 - 2 * j)) & 3;
        if (s == 3)
          return FALSE;
        ticks[i++] = s;
      }
    }
  }
  gint64 t = (gint64)out->reference_time * (REF_US / TICK_US);
  for (i = 0; i < n; i++) {
    gint64 s = ticks[i];
    if (s == SYM_NONE) {
      ticks[i] = NARA_TWCC_NONE;
      continue;
    }
    if (pos + (gsize)s > plen)
      return FALSE;
    t += s == SYM_SMALL ? data[pos] : (gint16)rd16(data + pos);
    pos += (gsize)s;
    ticks[i] = t;
  }
  return TRUE;
}
