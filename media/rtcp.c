/* rtcp.c — reading and writing the RTCP Nara terminates.
 *
 * Owns the byte layout of SR and RR (RFC 3550 §6.4), generic NACK (RFC 4585
 * §6.2.1), PLI/FIR as found in a walk (RFC 4585 §6.3.1, RFC 5104 §4.3.1)
 * and REMB (draft-alvestrand-rmcat-remb). Every read is checked against the
 * packet's stated and real length first. It keeps no state and decides
 * nothing (room.c does). Safe on any thread; used on the media workers.
 */
#include "rtcp.h"

#include "bytes-private.h"

#include <string.h>

#define PT_SR 200
#define PT_RR 201
#define PT_RTPFB 205
#define PT_PSFB 206
#define RTPFB_FMT_NACK 1
#define RTPFB_FMT_TWCC 15
#define PSFB_FMT_PLI 1
#define PSFB_FMT_FIR 4
#define PSFB_FMT_AFB 15
#define REPORT_BLOCK_LEN 24
#define MAX_BLOCKS 31
/* 1900-01-01 to 1970-01-01 in seconds. */
#define NTP_UNIX_OFFSET G_GUINT64_CONSTANT(2208988800)

guint64 nara_ntp_from_unix_us(gint64 unix_us)
{
  guint64 us = (guint64)MAX(unix_us, 0);
  guint64 sec = us / G_USEC_PER_SEC + NTP_UNIX_OFFSET;
  guint64 frac = ((us % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  return (sec << 32) | frac;
}

/* ---- reading ---- */

static void read_block(const guint8 *b, NaraReportBlock *out)
{
  out->ssrc = rd32(b);
  out->fraction_lost = b[4];
  guint32 lost = ((guint32)b[5] << 16) | ((guint32)b[6] << 8) | b[7];
  out->cumulative_lost = (gint32)(lost & 0x800000 ? lost | 0xff000000u : lost);
  out->highest_seq = rd32(b + 8);
  out->jitter = rd32(b + 12);
  out->lsr = rd32(b + 16);
  out->dlsr = rd32(b + 20);
}

/* SR or RR at p (plen bytes, count in the header). */
static gboolean walk_report(const guint8 *p, gsize plen, const NaraRtcpVisitor *v, gpointer user)
{
  gboolean sr = p[1] == PT_SR;
  gsize fixed = sr ? 28 : 8;
  guint count = p[0] & 0x1f;
  if (G_UNLIKELY(plen < fixed + (gsize)count * REPORT_BLOCK_LEN))
    return FALSE;
  guint32 reporter = rd32(p + 4);
  if (sr && v->sender_report) {
    NaraSenderInfo info = {
      .ssrc = reporter,
      .ntp = ((guint64)rd32(p + 8) << 32) | rd32(p + 12),
      .rtp_ts = rd32(p + 16),
      .packets = rd32(p + 20),
      .octets = rd32(p + 24),
    };
    v->sender_report(&info, user);
  }
  for (guint i = 0; v->report_block && i < count; i++) {
    NaraReportBlock block;
    read_block(p + fixed + (gsize)i * REPORT_BLOCK_LEN, &block);
    v->report_block(reporter, &block, user);
  }
  return TRUE;
}

static gboolean walk_psfb(const guint8 *p, gsize plen, const NaraRtcpVisitor *v, gpointer user)
{
  guint8 fmt = p[0] & 0x1f;
  if (fmt == PSFB_FMT_PLI) {
    if (v->keyframe)
      v->keyframe(rd32(p + 8), user);
  } else if (fmt == PSFB_FMT_FIR) {
    if (G_UNLIKELY((plen - 12) % 8 != 0))
      return FALSE;
    for (gsize e = 12; v->keyframe && e < plen; e += 8)
      v->keyframe(rd32(p + e), user);
  } else if (fmt == PSFB_FMT_AFB && plen >= 20 && memcmp(p + 12, "REMB", 4) == 0) {
    guint n = p[16];
    if (G_UNLIKELY(plen < 20 + 4 * (gsize)n))
      return FALSE;
    guint exp = p[17] >> 2;
    guint64 mantissa = ((guint64)(p[17] & 3) << 16) | rd16(p + 18);
    /* 18 + 63 bits would overflow: such a value means "no limit". */
    guint64 bitrate = exp > 46 ? G_MAXUINT64 : mantissa << exp;
    if (v->remb)
      v->remb(bitrate, n, user);
  }
  return TRUE;
}

gboolean nara_rtcp_walk(const guint8 *data, gsize len, const NaraRtcpVisitor *v, gpointer user)
{
  if (len < 4)
    return FALSE;
  for (gsize off = 0; off < len;) {
    const guint8 *p = data + off;
    if (G_UNLIKELY(len - off < 4 || (p[0] >> 6) != 2))
      return FALSE;
    /* RFC 3550 §6.4.1: length in 32-bit words minus one, header included. */
    gsize plen = ((gsize)rd16(p + 2) + 1) * 4;
    if (G_UNLIKELY(plen > len - off))
      return FALSE;
    switch (p[1]) {
    case PT_SR:
    case PT_RR:
      if (G_UNLIKELY(plen < 8 || !walk_report(p, plen, v, user)))
        return FALSE;
      break;
    case PT_RTPFB:
      /* RFC 4585 §6.1: header, sender SSRC, media SSRC, then the FCI. */
      if (G_UNLIKELY(plen < 12))
        return FALSE;
      if ((p[0] & 0x1f) == RTPFB_FMT_NACK)
        for (gsize e = 12; v->nack && e + 4 <= plen; e += 4)
          v->nack(rd32(p + 8), rd16(p + e), rd16(p + e + 2), user);
      else if ((p[0] & 0x1f) == RTPFB_FMT_TWCC && v->twcc)
        v->twcc(p, plen, user);
      break;
    case PT_PSFB:
      if (G_UNLIKELY(plen < 12 || !walk_psfb(p, plen, v, user)))
        return FALSE;
      break;
    default:
      break; /* SDES, BYE, XR, APP: nothing Nara uses */
    }
    off += plen;
  }
  return TRUE;
}

/* ---- writing ---- */

static void write_block(guint8 *b, const NaraReportBlock *r)
{
  wr32(b, r->ssrc);
  b[4] = r->fraction_lost;
  guint32 lost = (guint32)CLAMP(r->cumulative_lost, -0x800000, 0x7fffff) & 0xffffff;
  b[5] = (guint8)(lost >> 16);
  b[6] = (guint8)(lost >> 8);
  b[7] = (guint8)lost;
  wr32(b + 8, r->highest_seq);
  wr32(b + 12, r->jitter);
  wr32(b + 16, r->lsr);
  wr32(b + 20, r->dlsr);
}

gsize nara_rtcp_write_rr(guint8 *out, gsize cap, guint32 sender_ssrc, const NaraReportBlock *blocks,
                         guint n_blocks)
{
  gsize len = 8 + (gsize)n_blocks * REPORT_BLOCK_LEN;
  if (n_blocks > MAX_BLOCKS || cap < len)
    return 0;
  out[0] = (guint8)(0x80 | n_blocks);
  out[1] = PT_RR;
  wr16(out + 2, (guint16)(len / 4 - 1));
  wr32(out + 4, sender_ssrc);
  for (guint i = 0; i < n_blocks; i++)
    write_block(out + 8 + (gsize)i * REPORT_BLOCK_LEN, &blocks[i]);
  return len;
}

gsize nara_rtcp_write_sr(guint8 *out, gsize cap, const NaraSenderInfo *info,
                         const NaraReportBlock *blocks, guint n_blocks)
{
  gsize len = 28 + (gsize)n_blocks * REPORT_BLOCK_LEN;
  if (n_blocks > MAX_BLOCKS || cap < len)
    return 0;
  out[0] = (guint8)(0x80 | n_blocks);
  out[1] = PT_SR;
  wr16(out + 2, (guint16)(len / 4 - 1));
  wr32(out + 4, info->ssrc);
  wr32(out + 8, (guint32)(info->ntp >> 32));
  wr32(out + 12, (guint32)info->ntp);
  wr32(out + 16, info->rtp_ts);
  wr32(out + 20, info->packets);
  wr32(out + 24, info->octets);
  for (guint i = 0; i < n_blocks; i++)
    write_block(out + 28 + (gsize)i * REPORT_BLOCK_LEN, &blocks[i]);
  return len;
}

gsize nara_rtcp_write_nack(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                           const guint16 *seqs, guint n_seqs)
{
  if (n_seqs == 0 || cap < 16)
    return 0;
  gsize len = 12;
  guint8 *fci = NULL;
  guint16 pid = 0;
  for (guint i = 0; i < n_seqs; i++) {
    guint16 d = (guint16)(seqs[i] - pid);
    if (fci && d == 0)
      continue;
    if (fci && d <= 16) {
      guint16 blp = rd16(fci + 2) | (guint16)(1u << (d - 1));
      wr16(fci + 2, blp);
      continue;
    }
    if (len + 4 > cap || len + 4 > 4 * 65536)
      return 0;
    fci = out + len;
    pid = seqs[i];
    wr16(fci, pid);
    wr16(fci + 2, 0);
    len += 4;
  }
  out[0] = 0x80 | RTPFB_FMT_NACK;
  out[1] = PT_RTPFB;
  wr16(out + 2, (guint16)(len / 4 - 1));
  wr32(out + 4, sender_ssrc);
  wr32(out + 8, media_ssrc);
  return len;
}

gsize nara_rtcp_write_remb_fb(guint8 *out, gsize cap, guint32 sender_ssrc, guint64 bitrate_bps,
                              const guint32 *ssrcs, guint n_ssrcs)
{
  /* Num SSRC is one octet in the REMB FCI. */
  gsize len = 20 + 4 * (gsize)n_ssrcs;
  if (n_ssrcs > 255 || cap < len)
    return 0;
  /* §2.2: bitrate = mantissa (18 bits) << exp (6 bits). */
  guint bits = bitrate_bps ? 64u - (guint)__builtin_clzll(bitrate_bps) : 0u;
  guint exp = bits > 18 ? bits - 18 : 0;
  guint32 mantissa = (guint32)(bitrate_bps >> exp);
  out[0] = 0x80 | PSFB_FMT_AFB;
  out[1] = PT_PSFB;
  wr16(out + 2, (guint16)(len / 4 - 1));
  wr32(out + 4, sender_ssrc);
  wr32(out + 8, 0); /* media SSRC: unused, SHALL be 0 */
  memcpy(out + 12, "REMB", 4);
  out[16] = (guint8)n_ssrcs;
  out[17] = (guint8)((exp << 2) | (mantissa >> 16));
  wr16(out + 18, (guint16)mantissa);
  for (guint i = 0; i < n_ssrcs; i++)
    wr32(out + 20 + 4 * i, ssrcs[i]);
  return len;
}
