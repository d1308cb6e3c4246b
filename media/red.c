/* red.c — RFC 2198 redundant audio: finding and keeping the primary block.
 *
 * Owns the parsing of RED block headers; where RED is negotiated is sdp.c's
 * and which subscriber gets what is room.c's. Runs on a media worker's
 * packet path: no allocation, nothing but reads of the packet and one copy.
 */
#include "red.h"

#include <string.h>

/* RFC 2198 §3: every block but the last has a 4-octet header: F (1), block
 * PT (7), timestamp offset (14), block length (10); the last (the primary)
 * has 1: F = 0 and its PT. The blocks follow the headers in the same
 * order, the primary last, running to the end of the payload. */
gboolean nara_red_primary(const guint8 *payload, gsize payload_len, guint8 *pt, gsize *offset,
                          gsize *len)
{
  gsize pos = 0, redundant = 0;
  while (pos < payload_len && (payload[pos] & 0x80)) {
    if (payload_len - pos < 4)
      return FALSE;
    redundant += ((gsize)(payload[pos + 2] & 0x03) << 8) | payload[pos + 3];
    pos += 4;
  }
  if (pos >= payload_len)
    return FALSE; /* no primary header */
  *pt = payload[pos] & 0x7f;
  pos += 1;
  /* The redundant blocks, then at least one octet of primary. */
  if (redundant >= payload_len - pos)
    return FALSE;
  *offset = pos + redundant;
  *len = payload_len - *offset;
  return TRUE;
}

gsize nara_red_strip(guint8 *out, gsize cap, const guint8 *in, gsize len, const NaraRtpHeader *h,
                     guint8 primary_pt)
{
  if (h->header_len > len || h->payload_len > len - h->header_len)
    return 0;
  guint8 pt;
  gsize offset, primary_len;
  if (!nara_red_primary(in + h->header_len, h->payload_len, &pt, &offset, &primary_len)
      || pt != primary_pt || h->header_len + primary_len > cap)
    return 0;
  memcpy(out, in, h->header_len);
  memcpy(out + h->header_len, in + h->header_len + offset, primary_len);
  out[0] &= (guint8)~0x20; /* no padding */
  out[1] = (guint8)((out[1] & 0x80) | pt);
  return h->header_len + primary_len;
}
