/* test_red.c — unit tests for media/red.c on hand-built RED packets
 * (RFC 2198): the primary block found behind zero, one and two redundant
 * blocks, every malformed header refused, and the stripped packet a plain
 * Opus packet with the header, extensions, numbering and marker kept.
 * Truncated payloads are copied into buffers of exactly their length so a
 * sanitizer build catches any over-read. Single-threaded.
 */
#include <string.h>

#include "red.h"
#include "rtp.h"

/* V=2 X=1 P=1, M=1 PT=63 (RED), seq 0x0102, ts 0x00001000, SSRC 0x11223344,
 * one-byte extension (id 1 len 1: audio level); RED payload: one redundant
 * Opus block (PT 111, ts offset 960, 3 octets), the primary (PT 111, 4
 * octets); then 2 octets of padding. */
static const guint8 red_packet[] = {
  0xB0, 0xBF, 0x01, 0x02, 0x00, 0x00, 0x10, 0x00, 0x11, 0x22, 0x33, 0x44, /* header */
  0xBE, 0xDE, 0x00, 0x01, 0x10, 0x7F, 0x00, 0x00,                         /* extension */
  0xEF, 0x0F, 0x00, 0x03, /* F=1 PT 111, offset 960 (0x3C0 << 2), length 3 */
  0x6F,                   /* F=0 PT 111: the primary */
  0xA1, 0xA2, 0xA3,       /* redundant block */
  0xB1, 0xB2, 0xB3, 0xB4, /* primary block */
  0x00, 0x02,             /* padding */
};

static void primary(void)
{
  NaraRtpHeader h;
  g_assert_true(nara_rtp_parse(red_packet, sizeof red_packet, &h));
  g_assert_cmpuint(h.pt, ==, 63);
  const guint8 *payload = red_packet + h.header_len;
  guint8 pt;
  gsize offset, len;
  g_assert_true(nara_red_primary(payload, h.payload_len, &pt, &offset, &len));
  g_assert_cmpuint(pt, ==, 111);
  g_assert_cmpuint(offset, ==, 8);
  g_assert_cmpuint(len, ==, 4);
  g_assert_cmpuint(payload[offset], ==, 0xB1);

  /* No redundancy: a one-octet header and the primary. */
  const guint8 bare[] = { 0x6F, 0x01, 0x02 };
  g_assert_true(nara_red_primary(bare, sizeof bare, &pt, &offset, &len));
  g_assert_cmpuint(offset, ==, 1);
  g_assert_cmpuint(len, ==, 2);

  /* Two redundant blocks (lengths 1 and 2, the second with a 10-bit
   * length's high bits clear) and a primary of 1. */
  const guint8 two[]
      = { 0xEF, 0x1E, 0x00, 0x01, 0xEF, 0x0F, 0x00, 0x02, 0x6F, 0xC1, 0xC2, 0xC3, 0xD1 };
  g_assert_true(nara_red_primary(two, sizeof two, &pt, &offset, &len));
  g_assert_cmpuint(offset, ==, 12);
  g_assert_cmpuint(len, ==, 1);
  g_assert_cmpuint(two[offset], ==, 0xD1);
}

static gboolean primary_of_copy(const guint8 *data, gsize n)
{
  guint8 *copy = g_memdup2(data, n);
  guint8 pt;
  gsize offset, len;
  gboolean ok = nara_red_primary(copy, n, &pt, &offset, &len);
  g_free(copy);
  return ok;
}

static void malformed(void)
{
  /* Every truncation of a valid payload: refused, never read past. */
  const guint8 two[]
      = { 0xEF, 0x1E, 0x00, 0x01, 0xEF, 0x0F, 0x00, 0x02, 0x6F, 0xC1, 0xC2, 0xC3, 0xD1 };
  for (gsize n = 0; n < sizeof two; n++)
    g_assert_false(primary_of_copy(two, n));
  g_assert_true(primary_of_copy(two, sizeof two));
  /* Block lengths that run past the payload, or leave no primary. */
  const guint8 too_long[] = { 0xEF, 0x0F, 0x03, 0xFF, 0x6F, 0x01, 0x02 };
  g_assert_false(primary_of_copy(too_long, sizeof too_long));
  const guint8 empty_primary[] = { 0xEF, 0x0F, 0x00, 0x02, 0x6F, 0x01, 0x02 };
  g_assert_false(primary_of_copy(empty_primary, sizeof empty_primary));
  /* Only F=1 headers: no primary header at all. */
  const guint8 no_primary[] = { 0xEF, 0x0F, 0x00, 0x00, 0xEF, 0x0F, 0x00, 0x00 };
  g_assert_false(primary_of_copy(no_primary, sizeof no_primary));
}

static void strip(void)
{
  NaraRtpHeader h;
  g_assert_true(nara_rtp_parse(red_packet, sizeof red_packet, &h));
  guint8 out[64];
  gsize n = nara_red_strip(out, sizeof out, red_packet, sizeof red_packet, &h, 111);
  g_assert_cmpuint(n, ==, h.header_len + 4);
  NaraRtpHeader o;
  g_assert_true(nara_rtp_parse(out, n, &o));
  g_assert_cmpuint(o.pt, ==, 111);
  g_assert_true(o.marker);
  g_assert_cmpuint(o.seq, ==, 0x0102);
  g_assert_cmpuint(o.timestamp, ==, 0x1000);
  g_assert_cmpuint(o.ssrc, ==, 0x11223344);
  g_assert_cmpuint(o.header_len, ==, h.header_len);
  g_assert_cmpuint(o.payload_len, ==, 4);
  g_assert_cmpuint(out[0] & 0x20, ==, 0); /* padding gone */
  const guint8 want[] = { 0xB1, 0xB2, 0xB3, 0xB4 };
  g_assert_cmpmem(out + o.header_len, o.payload_len, want, sizeof want);
  /* The extension block is the publisher's, unchanged. */
  g_assert_cmpmem(out + 12, 8, red_packet + 12, 8);

  /* A primary of another payload type than the negotiated Opus, or an
   * output buffer too small: nothing written. */
  g_assert_cmpuint(nara_red_strip(out, sizeof out, red_packet, sizeof red_packet, &h, 96), ==, 0);
  g_assert_cmpuint(nara_red_strip(out, h.header_len + 3, red_packet, sizeof red_packet, &h, 111),
                   ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/red/primary", primary);
  g_test_add_func("/red/malformed", malformed);
  g_test_add_func("/red/strip", strip);
  return g_test_run();
}
