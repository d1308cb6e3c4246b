/* fuzz_srtp_unprotect.c — libFuzzer target: arbitrary bytes into SRTP/SRTCP
 * unprotect, every profile. Input: records [flags][len:2][pos:2][len bytes].
 * Each record goes to unprotect (flags bit 0: SRTCP) of a fresh inbound
 * session as it is, then through a sender with the same keys and a second
 * receiver, reaching the code behind authentication (ROC, windows, the SSRC
 * table): that must give the plaintext back or fail (replay, full table);
 * with flags bit 1 one byte (pos) is flipped first and it must fail. Any
 * other outcome aborts. Single-threaded.
 */
#include "srtp_session.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PACKET 1500

static const guint8 key[16] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static const guint8 salt[14]
    = { 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a, 0xa5, 0x5a };

static void one_record(NaraSrtpSession *rx, NaraSrtpSession *tx, NaraSrtpSession *rx2, guint8 flags,
                       guint16 pos, const guint8 *data, gsize len)
{
  gboolean rtcp = flags & 1, flip = flags & 2;
  /* Raw: the exact length on the heap, so a read past it is caught. */
  guint8 *raw = malloc(len ? len : 1);
  memcpy(raw, data, len);
  gsize n = len;
  if (rtcp)
    nara_srtp_unprotect_rtcp(rx, raw, &n);
  else
    nara_srtp_unprotect(rx, raw, &n);
  free(raw);

  guint8 buf[MAX_PACKET + NARA_SRTP_MAX_TAIL];
  n = len;
  memcpy(buf, data, len);
  if (!(rtcp ? nara_srtp_protect_rtcp(tx, buf, &n, sizeof buf)
             : nara_srtp_protect(tx, buf, &n, sizeof buf)))
    return;
  if (flip)
    buf[pos % n] ^= 0x01 | (pos >> 8);
  gboolean ok = rtcp ? nara_srtp_unprotect_rtcp(rx2, buf, &n) : nara_srtp_unprotect(rx2, buf, &n);
  if (ok && (flip || n != len || memcmp(buf, data, len) != 0))
    abort(); /* a forgery passed, or the round trip changed the packet */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const NaraSrtpProfile profiles[] = {
    NARA_SRTP_AES128_CM_SHA1_80,
    NARA_SRTP_AEAD_AES_128_GCM,
    NARA_SRTP_AES128_CM_SHA1_32,
  };
  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    NaraSrtpSession *rx = nara_srtp_session_new(profiles[p], key, salt, TRUE, NULL);
    NaraSrtpSession *tx = nara_srtp_session_new(profiles[p], key, salt, FALSE, NULL);
    NaraSrtpSession *rx2 = nara_srtp_session_new(profiles[p], key, salt, TRUE, NULL);
    if (!rx || !tx || !rx2)
      abort();
    for (gsize off = 0; off + 5 <= size;) {
      guint8 flags = data[off];
      gsize len = MIN((gsize)((data[off + 1] << 8) | data[off + 2]), (gsize)MAX_PACKET);
      guint16 pos = (guint16)((data[off + 3] << 8) | data[off + 4]);
      off += 5;
      len = MIN(len, size - off);
      one_record(rx, tx, rx2, flags, pos, data + off, len);
      off += len;
    }
    /* The whole input as one packet, too. */
    one_record(rx, tx, rx2, 0, 0, data, MIN(size, (gsize)MAX_PACKET));
    one_record(rx, tx, rx2, 1, 0, data, MIN(size, (gsize)MAX_PACKET));
    nara_srtp_session_free(rx);
    nara_srtp_session_free(tx);
    nara_srtp_session_free(rx2);
  }
  return 0;
}
