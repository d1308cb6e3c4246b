/* test_rtp.c — unit tests for media/rtp.c on hand-built packets.
 *
 * Covers demultiplexing, header parsing with every truncation, extension
 * lookup and rewrite in both RFC 8285 forms, keyframe requests in compound
 * RTCP and the PLI/REMB writers. Truncated inputs are copied into buffers of
 * exactly their length so a sanitizer build catches any over-read.
 * Single-threaded.
 */
#include <string.h>

#include "rtp.h"
#include "sdp.h"

/* V=2 P=1 X=1 CC=2, M=1 PT=96, seq 0x1234, ts 0x01020304, SSRC 0xAABBCCDD,
 * two CSRCs, a one-byte extension block (id 1 len 1, padding, id 3 len 2,
 * id 2 len 4), 4 payload bytes and 3 bytes of padding. */
static const guint8 rtp_full[] = {
  0xB2, 0xE0, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xAA, 0xBB, 0xCC, 0xDD, 0x11, 0x11, 0x11,
  0x11, 0x22, 0x22, 0x22, 0x22, 0xBE, 0xDE, 0x00, 0x03, 0x10, 0x7F, 0x00, 0x31, 0xAA, 0xBB,
  0x23, 0x01, 0x02, 0x03, 0x04, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x03,
};

/* V=2 X=1 (two-byte, appbits 0), PT=111: id 1 len 1, id 200 len 0, padding,
 * id 3 len 3, then 2 payload bytes. */
static const guint8 rtp_two_byte[] = {
  0x90, 0x6F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x01, 0x02, 0x03, 0x04, 0x10, 0x00, 0x00,
  0x03, 0x01, 0x01, 0x55, 0xC8, 0x00, 0x00, 0x03, 0x03, 0x0A, 0x0B, 0x0C, 0x00, 0x99, 0x98,
};

static void test_classify(void)
{
  guint8 buf[32] = { 0 };
  g_assert_cmpint(nara_packet_classify(buf, 0), ==, NARA_PACKET_UNKNOWN);
  buf[0] = 0x00;
  buf[1] = 0x01;
  g_assert_cmpint(nara_packet_classify(buf, 20), ==, NARA_PACKET_STUN);
  g_assert_cmpint(nara_packet_classify(buf, 19), ==, NARA_PACKET_UNKNOWN);
  buf[0] = 22;
  g_assert_cmpint(nara_packet_classify(buf, 13), ==, NARA_PACKET_DTLS);
  buf[0] = 0x80;
  buf[1] = 96;
  g_assert_cmpint(nara_packet_classify(buf, 12), ==, NARA_PACKET_RTP);
  buf[1] = 0x80 | 96; /* marker set */
  g_assert_cmpint(nara_packet_classify(buf, 12), ==, NARA_PACKET_RTP);
  g_assert_cmpint(nara_packet_classify(buf, 11), ==, NARA_PACKET_UNKNOWN);
  for (guint pt = 192; pt <= 223; pt++) {
    buf[1] = (guint8)pt;
    g_assert_cmpint(nara_packet_classify(buf, 8), ==, NARA_PACKET_RTCP);
  }
  buf[1] = 224;
  g_assert_cmpint(nara_packet_classify(buf, 12), ==, NARA_PACKET_RTP);
  buf[0] = 64; /* TURN channel data: not ours */
  g_assert_cmpint(nara_packet_classify(buf, 32), ==, NARA_PACKET_UNKNOWN);
  buf[0] = 0xC0;
  g_assert_cmpint(nara_packet_classify(buf, 32), ==, NARA_PACKET_UNKNOWN);
}

static void test_parse_valid(void)
{
  NaraRtpHeader h;
  g_assert_true(nara_rtp_parse(rtp_full, sizeof rtp_full, &h));
  g_assert_true(h.marker);
  g_assert_cmpuint(h.pt, ==, 96);
  g_assert_cmpuint(h.seq, ==, 0x1234);
  g_assert_cmpuint(h.timestamp, ==, 0x01020304);
  g_assert_cmpuint(h.ssrc, ==, 0xAABBCCDD);
  g_assert_cmpuint(h.header_len, ==, 36);
  g_assert_cmpuint(h.payload_len, ==, 4);

  g_assert_true(nara_rtp_parse(rtp_two_byte, sizeof rtp_two_byte, &h));
  g_assert_false(h.marker);
  g_assert_cmpuint(h.pt, ==, 111);
  g_assert_cmpuint(h.header_len, ==, 28);
  g_assert_cmpuint(h.payload_len, ==, 2);
}

/* Every prefix of a valid packet, in an exact-size heap copy. Prefixes shorter
 * than the header must fail; longer ones cut the padding and must fail too
 * (the last byte is no longer a sane padding count) or parse within bounds. */
static void test_parse_truncated(void)
{
  for (gsize len = 0; len < sizeof rtp_full; len++) {
    guint8 *p = g_memdup2(rtp_full, len ? len : 1);
    NaraRtpHeader h;
    gboolean ok = nara_rtp_parse(p, len, &h);
    if (len < 36)
      g_assert_false(ok);
    if (ok)
      g_assert_cmpuint(h.header_len + h.payload_len, <=, len);
    const guint8 *v;
    gsize vl;
    if (nara_rtp_find_extension(p, len, 2, &v, &vl))
      g_assert_true(v + vl <= p + len);
    NaraRtpRewrite rw = { .ssrc = 1, .pt = 100 };
    for (guint i = 0; i < 256; i++)
      rw.ext_map[i] = (guint8)i;
    gboolean rewritten = nara_rtp_rewrite(p, len, &rw);
    g_assert_true(rewritten == ok);
    g_free(p);
  }
  for (gsize len = 0; len < sizeof rtp_two_byte; len++) {
    guint8 *p = g_memdup2(rtp_two_byte, len ? len : 1);
    NaraRtpHeader h;
    g_assert_true(nara_rtp_parse(p, len, &h) == (len >= 28));
    g_free(p);
  }
}

static void test_parse_malformed(void)
{
  NaraRtpHeader h;
  guint8 p[64];

  /* CSRC count 15 but only 2 CSRCs there. */
  memcpy(p, rtp_full, 20);
  p[0] = 0x8F;
  g_assert_false(nara_rtp_parse(p, 20, &h));

  /* Extension length says 0xFFFF words. */
  memcpy(p, rtp_full, sizeof rtp_full);
  p[22] = 0xFF;
  p[23] = 0xFF;
  g_assert_false(nara_rtp_parse(p, sizeof rtp_full, &h));

  /* Padding larger than the payload. */
  memcpy(p, rtp_full, sizeof rtp_full);
  p[sizeof rtp_full - 1] = 8;
  g_assert_false(nara_rtp_parse(p, sizeof rtp_full, &h));
  /* Padding count zero (must count itself). */
  p[sizeof rtp_full - 1] = 0;
  g_assert_false(nara_rtp_parse(p, sizeof rtp_full, &h));
  /* Padding exactly the whole payload is fine. */
  p[sizeof rtp_full - 1] = 7;
  g_assert_true(nara_rtp_parse(p, sizeof rtp_full, &h));
  g_assert_cmpuint(h.payload_len, ==, 0);
  /* Padding bit with no byte after the header. */
  g_assert_false(nara_rtp_parse(p, 36, &h));

  /* Version 1. */
  memcpy(p, rtp_full, sizeof rtp_full);
  p[0] = (p[0] & 0x3F) | 0x40;
  g_assert_false(nara_rtp_parse(p, sizeof rtp_full, &h));
}

/* What a packet carries after nara_rtp_add_extension: the element, the
 * elements that were there, and the payload unchanged behind them. */
static void assert_added(const guint8 *p, gsize len, const guint8 *payload, gsize payload_len)
{
  NaraRtpHeader h;
  const guint8 *v;
  gsize vlen;
  g_assert_true(nara_rtp_parse(p, len, &h));
  g_assert_true(nara_rtp_find_extension(p, len, 6, &v, &vlen));
  g_assert_cmpuint(vlen, ==, 3);
  g_assert_cmpmem(v, 3, "\x01\x02\x03", 3);
  g_assert_cmpmem(p + h.header_len, h.payload_len, payload, payload_len);
}

static void test_add_extension(void)
{
  static const guint8 value[3] = { 1, 2, 3 };
  static const guint8 payload[5] = { 0x90, 0xe0, 0x12, 0x34, 0x56 };
  guint8 buf[64];
  /* No block: one is made (4 + 4 octets). */
  guint8 bare[12] = { 0x80, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 };
  memcpy(buf, bare, 12);
  memcpy(buf + 12, payload, 5);
  gsize len = nara_rtp_add_extension(buf, 17, sizeof buf, 6, value, 3);
  g_assert_cmpuint(len, ==, 25);
  assert_added(buf, len, payload, 5);
  /* A block with an element and a padding octet: grown by a word. */
  guint8 one[] = { 0x90, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 1, 0x51, 0xaa, 0xbb, 0 };
  memcpy(buf, one, sizeof one);
  memcpy(buf + sizeof one, payload, 5);
  len = nara_rtp_add_extension(buf, sizeof one + 5, sizeof buf, 6, value, 3);
  g_assert_cmpuint(len, ==, sizeof one + 5 + 4);
  assert_added(buf, len, payload, 5);
  const guint8 *v;
  gsize vlen;
  g_assert_true(nara_rtp_find_extension(buf, len, 5, &v, &vlen));
  g_assert_cmpuint(vlen, ==, 2);
  g_assert_cmpuint(v[0], ==, 0xaa);
  /* Again: the element is there, overwritten in place. */
  guint8 other[3] = { 7, 8, 9 };
  g_assert_cmpuint(nara_rtp_add_extension(buf, len, sizeof buf, 6, other, 3), ==, len);
  g_assert_true(nara_rtp_find_extension(buf, len, 6, &v, &vlen));
  g_assert_cmpuint(v[0], ==, 7);
  /* Room in the padding: no growth. */
  guint8 padded[]
      = { 0x90, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 2, 0x50, 0xaa, 0, 0, 0, 0, 0, 0 };
  memcpy(buf, padded, sizeof padded);
  memcpy(buf + sizeof padded, payload, 5);
  len = nara_rtp_add_extension(buf, sizeof padded + 5, sizeof buf, 6, value, 3);
  g_assert_cmpuint(len, ==, sizeof padded + 5);
  assert_added(buf, len, payload, 5);
  /* Too small a buffer, the two-byte form, a bad id: left as it was. */
  memcpy(buf, one, sizeof one);
  memcpy(buf + sizeof one, payload, 5);
  g_assert_cmpuint(nara_rtp_add_extension(buf, sizeof one + 5, sizeof one + 6, 6, value, 3), ==, 0);
  g_assert_cmpmem(buf, sizeof one, one, sizeof one);
  buf[12] = 0x10;
  buf[13] = 0x00;
  g_assert_cmpuint(nara_rtp_add_extension(buf, sizeof one + 5, sizeof buf, 6, value, 3), ==, 0);
  g_assert_cmpuint(nara_rtp_add_extension(bare, 12, 12, 15, value, 3), ==, 0);
  g_assert_cmpuint(nara_rtp_add_extension(bare, 12, 12, 6, value, 17), ==, 0);
}

static void test_find_extension(void)
{
  const guint8 *v;
  gsize vl;
  g_assert_true(nara_rtp_find_extension(rtp_full, sizeof rtp_full, 1, &v, &vl));
  g_assert_cmpuint(vl, ==, 1);
  g_assert_cmpuint(v[0], ==, 0x7F);
  g_assert_true(nara_rtp_find_extension(rtp_full, sizeof rtp_full, 3, &v, &vl));
  g_assert_cmpuint(vl, ==, 2);
  g_assert_cmpuint(v[0], ==, 0xAA);
  g_assert_true(nara_rtp_find_extension(rtp_full, sizeof rtp_full, 2, &v, &vl));
  g_assert_cmpuint(vl, ==, 4);
  g_assert_cmpuint(v[3], ==, 0x04);
  g_assert_false(nara_rtp_find_extension(rtp_full, sizeof rtp_full, 4, &v, &vl));
  g_assert_false(nara_rtp_find_extension(rtp_full, sizeof rtp_full, 0, &v, &vl));
  g_assert_false(nara_rtp_find_extension(rtp_full, sizeof rtp_full, 15, &v, &vl));

  g_assert_true(nara_rtp_find_extension(rtp_two_byte, sizeof rtp_two_byte, 200, &v, &vl));
  g_assert_cmpuint(vl, ==, 0);
  g_assert_true(nara_rtp_find_extension(rtp_two_byte, sizeof rtp_two_byte, 3, &v, &vl));
  g_assert_cmpuint(vl, ==, 3);
  g_assert_cmpuint(v[2], ==, 0x0C);

  /* Id 15 ends the one-byte block: elements after it are not seen. */
  guint8 p[sizeof rtp_full];
  memcpy(p, rtp_full, sizeof p);
  p[24] = 0xF0;
  g_assert_false(nara_rtp_find_extension(p, sizeof p, 3, &v, &vl));

  /* No extension at all. */
  guint8 plain[16] = { 0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4 };
  g_assert_false(nara_rtp_find_extension(plain, sizeof plain, 1, &v, &vl));
}

static void identity_map(NaraRtpRewrite *rw)
{
  for (guint i = 0; i < 256; i++)
    rw->ext_map[i] = (guint8)i;
}

static void test_rewrite_one_byte(void)
{
  guint8 p[sizeof rtp_full];
  memcpy(p, rtp_full, sizeof p);
  NaraRtpRewrite rw = { .ssrc = 0x01020304, .pt = 120 };
  identity_map(&rw);
  rw.ext_map[1] = 5;
  rw.ext_map[3] = 0;  /* not negotiated, forgot to say so: must not become padding */
  rw.ext_map[2] = 20; /* not representable in one-byte form */
  g_assert_true(nara_rtp_rewrite(p, sizeof p, &rw));

  NaraRtpHeader h;
  g_assert_true(nara_rtp_parse(p, sizeof p, &h));
  g_assert_true(h.marker);
  g_assert_cmpuint(h.pt, ==, 120);
  g_assert_cmpuint(h.ssrc, ==, 0x01020304);
  g_assert_cmpuint(h.seq, ==, 0x1234);
  g_assert_cmpuint(p[24], ==, 0x50);
  g_assert_cmpuint(p[26], ==, 0x00); /* padding untouched */
  g_assert_cmpuint(p[27], ==, (NARA_EXT_ID_UNUSED << 4) | 1);
  g_assert_cmpuint(p[30], ==, (NARA_EXT_ID_UNUSED << 4) | 3);
  /* Values and payload unchanged. */
  g_assert_cmpmem(p + 28, 2, rtp_full + 28, 2);
  g_assert_cmpmem(p + 36, sizeof p - 36, rtp_full + 36, sizeof p - 36);

  const guint8 *v;
  gsize vl;
  g_assert_true(nara_rtp_find_extension(p, sizeof p, 5, &v, &vl));
  g_assert_cmpuint(v[0], ==, 0x7F);

  /* Marker clear stays clear. */
  memcpy(p, rtp_full, sizeof p);
  p[1] &= 0x7F;
  g_assert_true(nara_rtp_rewrite(p, sizeof p, &rw));
  g_assert_cmpuint(p[1], ==, 120);
}

static void test_rewrite_two_byte(void)
{
  guint8 p[sizeof rtp_two_byte];
  memcpy(p, rtp_two_byte, sizeof p);
  NaraRtpRewrite rw = { .ssrc = 7, .pt = 109 };
  identity_map(&rw);
  rw.ext_map[1] = 1;
  rw.ext_map[200] = 0;
  rw.ext_map[3] = 250;
  g_assert_true(nara_rtp_rewrite(p, sizeof p, &rw));
  g_assert_cmpuint(p[16], ==, 1);
  g_assert_cmpuint(p[19], ==, NARA_EXT_ID_UNUSED);
  g_assert_cmpuint(p[21], ==, 0);
  g_assert_cmpuint(p[22], ==, 250);
  g_assert_cmpuint(p[23], ==, 3);
  g_assert_cmpuint(p[1], ==, 109);
}

static void test_rewrite_malformed_untouched(void)
{
  /* The last one-byte element claims 16 bytes: the block is invalid and
   * nothing may be written, not even the SSRC. */
  guint8 p[sizeof rtp_full];
  memcpy(p, rtp_full, sizeof p);
  p[30] = 0x2F;
  guint8 before[sizeof p];
  memcpy(before, p, sizeof p);
  NaraRtpRewrite rw = { .ssrc = 9, .pt = 9 };
  identity_map(&rw);
  rw.ext_map[1] = 7;
  g_assert_false(nara_rtp_rewrite(p, sizeof p, &rw));
  g_assert_cmpmem(p, sizeof p, before, sizeof before);

  /* A two-byte element's value runs past the block end. */
  guint8 q[sizeof rtp_two_byte];
  memcpy(q, rtp_two_byte, sizeof q);
  q[23] = 5;
  memcpy(before, q, sizeof q);
  g_assert_false(nara_rtp_rewrite(q, sizeof q, &rw));
  g_assert_cmpmem(q, sizeof q, before, sizeof q);
}

typedef struct {
  guint32 ssrcs[8];
  guint n;
} Found;

static void on_found(guint32 ssrc, gpointer user_data)
{
  Found *f = user_data;
  if (f->n < G_N_ELEMENTS(f->ssrcs))
    f->ssrcs[f->n] = ssrc;
  f->n++;
}

/* RR (no blocks) + PLI for 0x0A0B0C0D + FIR with two entries + SDES-ish APP. */
static const guint8 rtcp_compound[] = {
  0x80, 201,  0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x81, 206,  0x00, 0x02, 0x00, 0x00, 0x00,
  0x01, 0x0A, 0x0B, 0x0C, 0x0D, 0x84, 206,  0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
  0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x05, 0x00, 0x00, 0x00, 0x55, 0x66, 0x77, 0x88, 0x06,
  0x00, 0x00, 0x00, 0x80, 204,  0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 'n',  'a',  'r',  'a',
};

static void test_rtcp_keyframes(void)
{
  Found f = { { 0 }, 0 };
  g_assert_true(
      nara_rtcp_for_each_keyframe_request(rtcp_compound, sizeof rtcp_compound, on_found, &f));
  g_assert_cmpuint(f.n, ==, 3);
  g_assert_cmpuint(f.ssrcs[0], ==, 0x0A0B0C0D);
  g_assert_cmpuint(f.ssrcs[1], ==, 0x11223344);
  g_assert_cmpuint(f.ssrcs[2], ==, 0x55667788);
}

static void test_rtcp_truncated(void)
{
  /* Only prefixes ending on a packet boundary are whole compound packets. */
  for (gsize len = 0; len < sizeof rtcp_compound; len++) {
    guint8 *p = g_memdup2(rtcp_compound, len ? len : 1);
    Found f = { { 0 }, 0 };
    gboolean ok = nara_rtcp_for_each_keyframe_request(p, len, on_found, &f);
    gboolean boundary = len == 8 || len == 20 || len == 48;
    g_assert_true(ok == boundary);
    g_assert_cmpuint(f.n, <=, 3);
    g_free(p);
  }
}

static void test_rtcp_malformed(void)
{
  guint8 p[sizeof rtcp_compound];
  Found f = { { 0 }, 0 };

  /* Length field overflow in the second packet: the PLI is not reported. */
  memcpy(p, rtcp_compound, sizeof p);
  p[10] = 0xFF;
  p[11] = 0xFF;
  g_assert_false(nara_rtcp_for_each_keyframe_request(p, sizeof p, on_found, &f));
  g_assert_cmpuint(f.n, ==, 0);

  /* A PSFB too short for its media SSRC. */
  memcpy(p, rtcp_compound, sizeof p);
  p[11] = 0x01;
  g_assert_false(nara_rtcp_for_each_keyframe_request(p, 16, on_found, &f));

  /* Wrong version in a later packet: entries before it were reported. */
  memcpy(p, rtcp_compound, sizeof p);
  p[20] = 0x44;
  f.n = 0;
  g_assert_false(nara_rtcp_for_each_keyframe_request(p, sizeof p, on_found, &f));
  g_assert_cmpuint(f.n, ==, 1);
}

static void test_write_pli(void)
{
  guint8 buf[12];
  g_assert_cmpuint(nara_rtcp_write_pli(buf, 11, 1, 2), ==, 0);
  g_assert_cmpuint(nara_rtcp_write_pli(buf, sizeof buf, 0x01020304, 0xCAFEBABE), ==, 12);
  g_assert_cmpint(nara_packet_classify(buf, 12), ==, NARA_PACKET_RTCP);
  Found f = { { 0 }, 0 };
  g_assert_true(nara_rtcp_for_each_keyframe_request(buf, 12, on_found, &f));
  g_assert_cmpuint(f.n, ==, 1);
  g_assert_cmpuint(f.ssrcs[0], ==, 0xCAFEBABE);
}

static guint64 remb_decode(const guint8 *remb)
{
  guint exp = remb[17] >> 2;
  guint64 mantissa = ((guint64)(remb[17] & 3) << 16) | ((guint64)remb[18] << 8) | remb[19];
  return mantissa << exp;
}

static void test_write_remb(void)
{
  guint8 buf[64];
  const guint32 ssrcs[] = { 0x11111111, 0x22222222 };
  gsize n = nara_rtcp_write_remb(buf, sizeof buf, 0xABCDEF01, 1500000, ssrcs, 2);
  g_assert_cmpuint(n, ==, 8 + 20 + 8);
  g_assert_cmpuint(nara_rtcp_write_remb(buf, n - 1, 0xABCDEF01, 1500000, ssrcs, 2), ==, 0);
  n = nara_rtcp_write_remb(buf, sizeof buf, 0xABCDEF01, 1500000, ssrcs, 2);

  /* RR with no report blocks. */
  g_assert_cmpuint(buf[0], ==, 0x80);
  g_assert_cmpuint(buf[1], ==, 201);
  g_assert_cmpuint(buf[3], ==, 1);
  const guint8 *r = buf + 8;
  g_assert_cmpuint(r[0], ==, 0x8F);
  g_assert_cmpuint(r[1], ==, 206);
  g_assert_cmpuint((r[2] << 8 | r[3]) * 4 + 4, ==, 28);
  g_assert_cmpmem(r + 12, 4, "REMB", 4);
  g_assert_cmpuint(r[16], ==, 2);
  /* 1,500,000 = 187,500 << 3: exact in 18 bits of mantissa. */
  g_assert_cmpuint(r[17] >> 2, ==, 3);
  g_assert_cmpuint(remb_decode(r), ==, 1500000);
  g_assert_cmpuint(r[20], ==, 0x11);
  g_assert_cmpuint(r[27], ==, 0x22);

  Found f = { { 0 }, 0 };
  g_assert_true(nara_rtcp_for_each_keyframe_request(buf, n, on_found, &f));
  g_assert_cmpuint(f.n, ==, 0);

  /* Small values are exact with exponent 0; large ones lose at most 2^-17. */
  nara_rtcp_write_remb(buf, sizeof buf, 1, 30000, ssrcs, 1);
  g_assert_cmpuint(buf[8 + 17] >> 2, ==, 0);
  g_assert_cmpuint(remb_decode(buf + 8), ==, 30000);
  guint64 big = G_GUINT64_CONSTANT(123456789012);
  nara_rtcp_write_remb(buf, sizeof buf, 1, big, ssrcs, 1);
  guint64 back = remb_decode(buf + 8);
  g_assert_cmpuint(back, <=, big);
  g_assert_cmpuint(big - back, <, big >> 17);
  nara_rtcp_write_remb(buf, sizeof buf, 1, 0, NULL, 0);
  g_assert_cmpuint(remb_decode(buf + 8), ==, 0);
  g_assert_cmpuint(nara_rtcp_write_remb(buf, sizeof buf, 1, 0, ssrcs, 256), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rtp/classify", test_classify);
  g_test_add_func("/rtp/parse/valid", test_parse_valid);
  g_test_add_func("/rtp/parse/truncated", test_parse_truncated);
  g_test_add_func("/rtp/parse/malformed", test_parse_malformed);
  g_test_add_func("/rtp/extension/find", test_find_extension);
  g_test_add_func("/rtp/extension/add", test_add_extension);
  g_test_add_func("/rtp/rewrite/one-byte", test_rewrite_one_byte);
  g_test_add_func("/rtp/rewrite/two-byte", test_rewrite_two_byte);
  g_test_add_func("/rtp/rewrite/malformed-untouched", test_rewrite_malformed_untouched);
  g_test_add_func("/rtcp/keyframe-requests", test_rtcp_keyframes);
  g_test_add_func("/rtcp/truncated", test_rtcp_truncated);
  g_test_add_func("/rtcp/malformed", test_rtcp_malformed);
  g_test_add_func("/rtcp/write-pli", test_write_pli);
  g_test_add_func("/rtcp/write-remb", test_write_remb);
  return g_test_run();
}
