/* rtp.c — RTP/RTCP header reading and in-place rewriting for the packet path.
 *
 * Owns the byte-level view of one packet: demultiplexing (RFC 7983), the RTP
 * fixed header and extension block (RFC 3550, RFC 8285), keyframe requests in
 * compound RTCP (RFC 4585, RFC 5104) and the two RTCP messages Nara writes.
 * It does not use GstRTPBuffer: that needs a mapped GstBuffer per packet, and
 * the forwarding path works on the plain receive buffer with no allocation.
 * It keeps no state and never logs. Runs on the media worker that received
 * the packet; safe on any thread.
 */
#include "rtp.h"

#include "bytes-private.h"

#include <string.h>

#include "sdp.h"

#define RTP_FIXED_LEN 12
#define RTCP_PT_RR 201
#define RTCP_PT_PSFB 206
#define PSFB_FMT_PLI 1
#define PSFB_FMT_FIR 4
#define PSFB_FMT_AFB 15

NaraPacketKind nara_packet_classify(const guint8 *data, gsize len)
{
  if (len < 2)
    return NARA_PACKET_UNKNOWN;
  guint8 b0 = data[0];
  if (b0 <= 3)
    return len >= 20 ? NARA_PACKET_STUN : NARA_PACKET_UNKNOWN;
  if (b0 >= 20 && b0 <= 63)
    return len >= 13 ? NARA_PACKET_DTLS : NARA_PACKET_UNKNOWN;
  if (b0 >= 128 && b0 <= 191) {
    /* RFC 5761 §4: with rtcp-mux, a second byte of 192..223 is an RTCP packet
     * type (SR 200, RR 201, ..., PSFB 206, XR 207); RTP payload types 64..95
     * with the marker bit would collide, which is why they are never used. */
    if (data[1] >= 192 && data[1] <= 223)
      return len >= 8 ? NARA_PACKET_RTCP : NARA_PACKET_UNKNOWN;
    return len >= RTP_FIXED_LEN ? NARA_PACKET_RTP : NARA_PACKET_UNKNOWN;
  }
  return NARA_PACKET_UNKNOWN;
}

/* Checks the header up to the end of the extension block. On success, *ext
 * and *ext_end bound the extension elements (equal when there are none),
 * *profile is the RFC 8285 "defined by profile" word and the return value is
 * the header length; 0 means malformed. */
static inline gsize rtp_header_bounds(const guint8 *data, gsize len, gsize *ext, gsize *ext_end,
                                      guint16 *profile)
{
  if (G_UNLIKELY(len < RTP_FIXED_LEN || (data[0] >> 6) != 2))
    return 0;
  gsize off = RTP_FIXED_LEN + 4u * (data[0] & 0x0f);
  *profile = 0;
  *ext = *ext_end = off;
  if (data[0] & 0x10) {
    if (G_UNLIKELY(off + 4 > len))
      return 0;
    *profile = rd16(data + off);
    gsize words = rd16(data + off + 2);
    *ext = off + 4;
    off = *ext + 4 * words;
    *ext_end = off;
  }
  if (G_UNLIKELY(off > len))
    return 0;
  return off;
}

/* The whole header check, padding included, also handing back the
 * extension block bounds so the rewrite need not find them again. */
static inline gboolean rtp_parse_full(const guint8 *data, gsize len, NaraRtpHeader *out, gsize *ext,
                                      gsize *ext_end, guint16 *profile)
{
  gsize hlen = rtp_header_bounds(data, len, ext, ext_end, profile);
  if (hlen == 0)
    return FALSE;
  gsize payload = len - hlen;
  if (data[0] & 0x20) {
    /* RFC 3550 §5.1: the last octet counts the padding, itself included. */
    guint8 pad = payload ? data[len - 1] : 0;
    if (G_UNLIKELY(pad == 0 || pad > payload))
      return FALSE;
    payload -= pad;
  }
  out->marker = (data[1] & 0x80) != 0;
  out->pt = data[1] & 0x7f;
  out->seq = rd16(data + 2);
  out->timestamp = rd32(data + 4);
  out->ssrc = rd32(data + 8);
  out->header_len = hlen;
  out->payload_len = payload;
  return TRUE;
}

gboolean nara_rtp_parse(const guint8 *data, gsize len, NaraRtpHeader *out)
{
  gsize ext, ext_end;
  guint16 profile;
  return rtp_parse_full(data, len, out, &ext, &ext_end, &profile);
}

#define EXT_ONE_BYTE 0xBEDE
#define EXT_TWO_BYTE_MASK 0xFFF0
#define EXT_TWO_BYTE 0x1000

/* Walks the n bytes of extension elements at p (RFC 8285 §4.2 one-byte,
 * §4.3 two-byte form). Stops at element `want` if non-zero (filling *hit),
 * rewrites every element's id through `map` if non-NULL, else only checks
 * that no element runs past the block (-1). One loop for the three uses:
 * inlined with constant arguments, each caller gets its own straight copy. */
typedef struct {
  gboolean found;
  gsize value;
  gsize value_len;
} ExtHit;

static inline gssize ext_walk(guint8 *p, gsize n, gboolean two_byte, guint8 want, const guint8 *map,
                              ExtHit *hit)
{
  gsize i = 0;
  while (i < n) {
    guint8 b = p[i];
    if (b == 0) { /* padding between elements, both forms */
      i++;
      continue;
    }
    guint8 id;
    gsize vlen, hdr;
    if (!two_byte) {
      id = b >> 4;
      if (id == 15) /* RFC 8285 §4.2: stop processing, the rest is not elements */
        return (gssize)n;
      vlen = (gsize)(b & 0x0f) + 1;
      hdr = 1;
    } else {
      if (G_UNLIKELY(i + 2 > n))
        return -1;
      id = b;
      vlen = p[i + 1];
      hdr = 2;
    }
    if (G_UNLIKELY(i + hdr + vlen > n))
      return -1;
    if (want && id == want) {
      hit->found = TRUE;
      hit->value = i + hdr;
      hit->value_len = vlen;
      return (gssize)i;
    }
    if (map) {
      guint8 to = map[id];
      if (!two_byte) {
        /* 0 would turn the element into padding and 15 would end the block:
         * a receiver would then misread everything after it. */
        to = (guint8)(to - 1u) < 14u ? to : NARA_EXT_ID_UNUSED;
        p[i] = (guint8)((to << 4) | (b & 0x0f));
      } else {
        p[i] = to ? to : NARA_EXT_ID_UNUSED;
      }
    }
    i += hdr + vlen;
  }
  return (gssize)n;
}

gboolean nara_rtp_find_extension(const guint8 *data, gsize len, guint8 id, const guint8 **value,
                                 gsize *value_len)
{
  gsize ext, ext_end;
  guint16 profile;
  if (id == 0 || rtp_header_bounds(data, len, &ext, &ext_end, &profile) == 0 || ext == ext_end)
    return FALSE;
  gboolean two_byte;
  if (profile == EXT_ONE_BYTE) {
    if (id > 14)
      return FALSE;
    two_byte = FALSE;
  } else if ((profile & EXT_TWO_BYTE_MASK) == EXT_TWO_BYTE) {
    two_byte = TRUE;
  } else {
    return FALSE;
  }
  ExtHit hit = { FALSE, 0, 0 };
  /* The walk does not write when map is NULL; the cast only shares the loop. */
  gssize r = ext_walk((guint8 *)data + ext, ext_end - ext, two_byte, id, NULL, &hit);
  if (r < 0 || !hit.found)
    return FALSE;
  *value = data + ext + hit.value;
  *value_len = hit.value_len;
  return TRUE;
}

gsize nara_rtp_add_extension(guint8 *data, gsize len, gsize cap, guint8 id, const guint8 *value,
                             gsize value_len)
{
  gsize ext, ext_end;
  guint16 profile;
  NaraRtpHeader h;
  if (id == 0 || id > 14 || value_len == 0 || value_len > 16 || len > cap
      || !rtp_parse_full(data, len, &h, &ext, &ext_end, &profile))
    return 0;
  gboolean has_block = (data[0] & 0x10) != 0;
  if (has_block && profile != EXT_ONE_BYTE)
    return 0;
  /* Where the elements end (trailing zeros are padding, reusable). */
  gsize used = 0;
  for (gsize i = 0; has_block && i < ext_end - ext;) {
    guint8 b = data[ext + i];
    if (b == 0) {
      i++;
      continue;
    }
    if (b >> 4 == 15)
      return 0; /* the rest is not elements: leave it be */
    gsize vlen = (gsize)(b & 0x0f) + 1;
    if (i + 1 + vlen > ext_end - ext)
      return 0;
    if (b >> 4 == id && vlen == value_len) {
      memcpy(data + ext + i + 1, value, value_len);
      return len;
    }
    i += 1 + vlen;
    used = i;
  }
  gsize block = has_block ? ext_end - ext : 0;
  gsize need = (used + 1 + value_len + 3) / 4 * 4;
  gsize grow = (has_block ? 0 : 4) + (need > block ? need - block : 0);
  if (len + grow > cap || need / 4 > G_MAXUINT16)
    return 0;
  gsize header_end = has_block ? ext_end : ext;
  memmove(data + header_end + grow, data + header_end, len - header_end);
  if (!has_block) {
    /* The block's header goes where the payload began. */
    data[0] |= 0x10;
    data[ext] = EXT_ONE_BYTE >> 8;
    data[ext + 1] = EXT_ONE_BYTE & 0xff;
    ext += 4;
  }
  data[ext - 2] = (guint8)((need / 4) >> 8);
  data[ext - 1] = (guint8)(need / 4);
  data[ext + used] = (guint8)((id << 4) | (value_len - 1));
  memcpy(data + ext + used + 1, value, value_len);
  memset(data + ext + used + 1 + value_len, 0, need - used - 1 - value_len);
  return len + grow;
}

gboolean nara_rtp_rewrite(guint8 *data, gsize len, const NaraRtpRewrite *rewrite)
{
  NaraRtpHeader h;
  gsize ext, ext_end;
  guint16 profile;
  if (!rtp_parse_full(data, len, &h, &ext, &ext_end, &profile))
    return FALSE;
  if (ext != ext_end) {
    gboolean two_byte = (profile & EXT_TWO_BYTE_MASK) == EXT_TWO_BYTE;
    if (profile == EXT_ONE_BYTE || two_byte) {
      /* Validate the whole block before the first write, so a malformed
       * packet is left as it came. Blocks are a few dozen bytes. */
      if (ext_walk(data + ext, ext_end - ext, two_byte, 0, NULL, NULL) < 0)
        return FALSE;
      ext_walk(data + ext, ext_end - ext, two_byte, 0, rewrite->ext_map, NULL);
    }
  }
  data[1] = (guint8)((data[1] & 0x80) | (rewrite->pt & 0x7f));
  wr32(data + 8, rewrite->ssrc);
  return TRUE;
}

gsize nara_rtx_wrap(guint8 *out, gsize cap, const guint8 *in, gsize len,
                    const NaraRtpRewrite *rewrite, guint8 rtx_pt, guint32 rtx_ssrc, guint16 rtx_seq)
{
  NaraRtpHeader h;
  if (!nara_rtp_parse(in, len, &h))
    return 0;
  gsize out_len = h.header_len + 2 + h.payload_len;
  if (out_len > cap)
    return 0;
  memcpy(out, in, h.header_len);
  wr16(out + h.header_len, h.seq);
  memcpy(out + h.header_len + 2, in + h.header_len, h.payload_len);
  out[0] &= (guint8)~0x20; /* the padding stayed behind */
  if (!nara_rtp_rewrite(out, out_len, rewrite))
    return 0;
  out[1] = (guint8)((out[1] & 0x80) | (rtx_pt & 0x7f));
  wr16(out + 2, rtx_seq);
  wr32(out + 8, rtx_ssrc);
  return out_len;
}

gboolean nara_rtx_unwrap(guint8 *data, gsize *len, guint8 pt, guint32 ssrc)
{
  NaraRtpHeader h;
  if (!nara_rtp_parse(data, *len, &h) || h.payload_len < 2)
    return FALSE;
  guint16 osn = rd16(data + h.header_len);
  /* Padding, if any, moves along and still ends the packet. */
  memmove(data + h.header_len, data + h.header_len + 2, *len - h.header_len - 2);
  *len -= 2;
  data[1] = (guint8)((data[1] & 0x80) | (pt & 0x7f));
  wr16(data + 2, osn);
  wr32(data + 8, ssrc);
  return TRUE;
}

gboolean nara_rtcp_for_each_keyframe_request(const guint8 *data, gsize len,
                                             void (*found)(guint32 media_ssrc, gpointer user_data),
                                             gpointer user_data)
{
  if (len < 4)
    return FALSE;
  gsize off = 0;
  while (off < len) {
    if (G_UNLIKELY(off + 4 > len || (data[off] >> 6) != 2))
      return FALSE;
    /* RFC 3550 §6.4.1: length in 32-bit words minus one, header included. */
    gsize plen = ((gsize)rd16(data + off + 2) + 1) * 4;
    if (G_UNLIKELY(plen > len - off))
      return FALSE;
    if (data[off + 1] == RTCP_PT_PSFB) {
      guint8 fmt = data[off] & 0x1f;
      /* RFC 4585 §6.1: header, sender SSRC, media SSRC, then the FCI. */
      if (G_UNLIKELY(plen < 12))
        return FALSE;
      if (fmt == PSFB_FMT_PLI) {
        found(rd32(data + off + 8), user_data);
      } else if (fmt == PSFB_FMT_FIR) {
        /* RFC 5104 §4.3.1: the media SSRC field is unused; each 8-byte FCI
         * entry names an SSRC and a command sequence number. */
        if (G_UNLIKELY((plen - 12) % 8 != 0))
          return FALSE;
        for (gsize e = off + 12; e < off + plen; e += 8)
          found(rd32(data + e), user_data);
      }
    }
    off += plen;
  }
  return TRUE;
}

gsize nara_rtcp_write_pli(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc)
{
  if (cap < 12)
    return 0;
  out[0] = 0x80 | PSFB_FMT_PLI;
  out[1] = RTCP_PT_PSFB;
  wr16(out + 2, 2);
  wr32(out + 4, sender_ssrc);
  wr32(out + 8, media_ssrc);
  return 12;
}

gsize nara_rtcp_write_remb(guint8 *out, gsize cap, guint32 sender_ssrc, guint64 bitrate_bps,
                           const guint32 *ssrcs, guint n_ssrcs)
{
  /* Num SSRC is one octet in the REMB FCI. */
  if (n_ssrcs > 255)
    return 0;
  gsize remb_len = 20 + 4 * (gsize)n_ssrcs;
  gsize total = 8 + remb_len;
  if (cap < total)
    return 0;

  /* A receiver report first: RFC 3550 §6.1 wants every compound packet to
   * start with SR or RR, and peers without rtcp-rsize drop bare feedback. */
  out[0] = 0x80;
  out[1] = RTCP_PT_RR;
  wr16(out + 2, 1);
  wr32(out + 4, sender_ssrc);

  /* draft-alvestrand-rmcat-remb §2.2: bitrate = mantissa (18 bits) << exp (6 bits). */
  guint bits = bitrate_bps ? 64u - (guint)__builtin_clzll(bitrate_bps) : 0u;
  guint exp = bits > 18 ? bits - 18 : 0;
  guint32 mantissa = (guint32)(bitrate_bps >> exp);

  guint8 *r = out + 8;
  r[0] = 0x80 | PSFB_FMT_AFB;
  r[1] = RTCP_PT_PSFB;
  wr16(r + 2, (guint16)(remb_len / 4 - 1));
  wr32(r + 4, sender_ssrc);
  wr32(r + 8, 0); /* media SSRC: unused, SHALL be 0 */
  memcpy(r + 12, "REMB", 4);
  r[16] = (guint8)n_ssrcs;
  r[17] = (guint8)((exp << 2) | (mantissa >> 16));
  wr16(r + 18, (guint16)mantissa);
  for (guint i = 0; i < n_ssrcs; i++)
    wr32(r + 20 + 4 * i, ssrcs[i]);
  return total;
}
