/* fuzz_rtp.c — libFuzzer target: one received datagram through the RTP
 * reading and rewriting the forwarder does (media/rtp.c): classify, parse,
 * look up every extension id, then rewrite a copy for a subscriber and parse
 * it again; its payload is also read as a keyframe and an H.264 SPS. The
 * rewrite must keep the header and payload lengths, sequence, timestamp,
 * marker, payload and the extension element boundaries (only ids, payload
 * type and SSRC change), and must leave a packet it refuses as it was.
 * Inputs are cut at 1500 bytes, as peer.c drops anything longer. A broken
 * invariant traps. Single-threaded.
 */
#include "h264.h"
#include "layers.h"
#include "rtp.h"
#include "sdp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PACKET 1500 /* NARA_WORKER_MTU: longer datagrams never reach the parser */
#define MAX_ELEMENTS 1024

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_rtp: %s:%d: %s\n", __FILE__, __LINE__, #cond);                         \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

/* An extension element as the harness sees it: where its value starts and
 * how long it is. Kept independent of rtp.c so a rewrite that turns an
 * element into padding or into the one-byte terminator shows up. */
typedef struct {
  gsize off, len;
} Element;

/* RFC 8285 §4.2/§4.3 element walk over the extension block of a packet
 * nara_rtp_parse accepted; returns the element count, or -1 when an element
 * runs past the block (rtp.c refuses such packets in the rewrite). */
static int elements(const guint8 *p, gsize len, Element *out)
{
  gsize off = 12 + 4u * (p[0] & 0x0f);
  if (!(p[0] & 0x10))
    return 0;
  guint16 profile = (guint16)((p[off] << 8) | p[off + 1]);
  gsize end = off + 4 + 4u * (gsize)((p[off + 2] << 8) | p[off + 3]);
  gboolean two = (profile & 0xfff0) == 0x1000;
  int n = 0;
  if (profile != 0xBEDE && !two)
    return 0;
  CHECK(end <= len);
  for (gsize i = off + 4; i < end;) {
    if (p[i] == 0) {
      i++;
      continue;
    }
    if (!two && p[i] >> 4 == 15)
      break;
    gsize hdr = two ? 2 : 1;
    if (two && i + 2 > end)
      return -1;
    gsize vlen = two ? p[i + 1] : (gsize)(p[i] & 0x0f) + 1;
    if (i + hdr + vlen > end)
      return -1;
    if (n < MAX_ELEMENTS)
      out[n] = (Element){ i + hdr, vlen };
    n++;
    i += hdr + vlen;
  }
  return MIN(n, MAX_ELEMENTS);
}

/* A subscriber's ext map with every kind of target: its own ids, 0 (not
 * negotiated), 15 and above (invalid in the one-byte form). */
static void fill_rewrite(NaraRtpRewrite *rw)
{
  rw->ssrc = 0x5EB5C21Bu;
  rw->pt = 0xE0; /* the high bit must not reach the marker */
  for (guint i = 0; i < 256; i++)
    rw->ext_map[i] = (guint8)((i * 7u + 3u) & 0xff);
  rw->ext_map[1] = NARA_SUB_EXT_ID_AUDIO_LEVEL;
  rw->ext_map[2] = 0;
  rw->ext_map[3] = 15;
  rw->ext_map[4] = NARA_SUB_EXT_ID_VIDEO_ORIENTATION;
  rw->ext_map[5] = 255;
}

static void check_extensions(const guint8 *pkt, gsize len, gboolean parsed, const NaraRtpHeader *h)
{
  for (guint id = 0; id < 256; id++) {
    const guint8 *value = NULL;
    gsize value_len = 0;
    if (!nara_rtp_find_extension(pkt, len, (guint8)id, &value, &value_len))
      continue;
    /* A packet whose padding is bad still has a readable header block. */
    CHECK(id != 0);
    CHECK(value >= pkt + 12 && value + value_len <= pkt + len);
    if (parsed)
      CHECK(value + value_len <= pkt + h->header_len);
  }
}

static void check_rewrite(const guint8 *pkt, gsize len, gboolean parsed, const NaraRtpHeader *h)
{
  static NaraRtpRewrite rw;
  static Element before[MAX_ELEMENTS], after[MAX_ELEMENTS];
  NaraRtpHeader h2;

  if (rw.ssrc == 0)
    fill_rewrite(&rw);
  guint8 *copy = malloc(len ? len : 1);
  memcpy(copy, pkt, len);
  gboolean ok = nara_rtp_rewrite(copy, len, &rw);
  if (!ok) {
    CHECK(memcmp(copy, pkt, len) == 0);
    free(copy);
    return;
  }
  CHECK(parsed);
  CHECK(nara_rtp_parse(copy, len, &h2));
  CHECK(h2.header_len == h->header_len && h2.payload_len == h->payload_len);
  CHECK(h2.seq == h->seq && h2.timestamp == h->timestamp && h2.marker == h->marker);
  CHECK(h2.pt == (rw.pt & 0x7f) && h2.ssrc == rw.ssrc);
  CHECK(copy[0] == pkt[0] && memcmp(copy + 2, pkt + 2, 6) == 0);
  CHECK(memcmp(copy + h->header_len, pkt + h->header_len, len - h->header_len) == 0);
  int nb = elements(pkt, len, before), na = elements(copy, len, after);
  CHECK(nb >= 0 && na == nb);
  for (int i = 0; i < nb; i++) {
    CHECK(before[i].off == after[i].off && before[i].len == after[i].len);
    CHECK(memcmp(copy + after[i].off, pkt + before[i].off, before[i].len) == 0);
  }
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  gsize len = MIN(size, (gsize)MAX_PACKET);
  /* Exactly len bytes on the heap, so a read past the packet is caught. */
  guint8 *pkt = malloc(len ? len : 1);
  NaraRtpHeader h;

  memcpy(pkt, data, len);
  NaraPacketKind kind = nara_packet_classify(pkt, len);
  CHECK(kind <= NARA_PACKET_RTCP);
  gboolean parsed = nara_rtp_parse(pkt, len, &h);
  if (parsed) {
    CHECK(h.header_len >= 12 && h.header_len <= len);
    CHECK(h.payload_len <= len - h.header_len);
    CHECK(h.pt < 128);
  }
  if (parsed) {
    /* The keyframe and SPS readers run on every simulcast packet's
     * payload (layers.c, h264.c): they must stay inside it. */
    guint16 w = 0, ht = 0;
    nara_layers_keyframe("VP8", pkt + h.header_len, h.payload_len, &w, &ht);
    nara_layers_keyframe("H264", pkt + h.header_len, h.payload_len, &w, &ht);
    nara_h264_sps_size(pkt + h.header_len, h.payload_len, &w, &ht);
  }
  check_extensions(pkt, len, parsed, &h);
  check_rewrite(pkt, len, parsed, &h);
  free(pkt);
  return 0;
}
