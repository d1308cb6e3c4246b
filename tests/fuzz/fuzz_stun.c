/* fuzz_stun.c — libFuzzer target: STUN as ICE-lite receives it. Input:
 * [mode][bytes], cut at 1500 octets like a datagram. Mode bit 0 clear: a
 * datagram for nara_stun_parse()/check_integrity(); what parses must point
 * inside it, and a request's success, 487 and 420 answers must parse back
 * with its transaction id, FINGERPRINT and MESSAGE-INTEGRITY. Bit 0 set:
 * the attributes of a Binding request (bit 1: response) that we frame and
 * sign, so the walk is reached behind valid checks; if it parses with our
 * MESSAGE-INTEGRITY, that must verify. Anything else aborts. One thread.
 */
#include "stun.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DATAGRAM 1500

static NaraSrtpHmac *the_key(void)
{
  static NaraSrtpHmac *key;
  if (!key) {
    static const char pwd[] = "fuzz-ice-password-0123";
    key = nara_srtp_hmac_new(nara_srtp_hmac_default_kind(), (const guint8 *)pwd, strlen(pwd), NULL);
    if (!key)
      abort();
  }
  return key;
}

static void check_inside(const guint8 *data, gsize len, const NaraStunMessage *msg)
{
  if (msg->username
      && (msg->username < data || msg->username + msg->username_len > data + len
          || msg->username_len > NARA_STUN_MAX_USERNAME))
    abort();
  if (msg->integrity_offset && msg->integrity_offset + 24 > len)
    abort();
  if (msg->transaction_id != data + 8 || msg->n_unknown > NARA_STUN_MAX_UNKNOWN)
    abort();
}

/* Answers the way lite.c does and reads them back. */
static void answer(const NaraStunMessage *req, const guint8 *data, gsize len)
{
  NaraSrtpHmac *key = the_key();
  NaraSockAddr from = { 0 };
  guint16 port = (guint16)(data[len - 1] * 257u);
  if (data[len - 1] & 1) {
    from.v6.sin6_family = AF_INET6;
    from.v6.sin6_port = port;
    memcpy(&from.v6.sin6_addr, data + 4, 16);
  } else {
    from.v4.sin_family = AF_INET;
    from.v4.sin_port = port;
    memcpy(&from.v4.sin_addr, data + 4, 4);
  }
  guint8 out[256];
  for (guint code = 0; code <= 2; code++) {
    gsize n
        = code == 0
              ? nara_stun_write_binding_success(out, sizeof out, req->transaction_id, &from, key)
              : nara_stun_write_binding_error(out, sizeof out, req->transaction_id,
                                              code == 1 ? 487 : 420,
                                              code == 1 ? "Role Conflict" : "Unknown Attribute",
                                              req->unknown, code == 1 ? 0 : req->n_unknown, key);
    NaraStunMessage msg;
    if (!n || !nara_stun_parse(out, n, &msg) || !msg.fingerprint
        || !nara_stun_check_integrity(out, n, &msg, key)
        || memcmp(msg.transaction_id, req->transaction_id, NARA_STUN_TID_LEN) != 0)
      abort();
    if (code == 0
        && (!msg.has_mapped || msg.klass != NARA_STUN_SUCCESS
            || msg.mapped.sa.sa_family != from.sa.sa_family
            || (from.sa.sa_family == AF_INET ? memcmp(&msg.mapped.v4, &from.v4, sizeof from.v4)
                                             : memcmp(&msg.mapped.v6, &from.v6, sizeof from.v6))
                   != 0))
      abort();
    if (code && msg.error_code != (code == 1 ? 487u : 420u))
      abort();
  }
}

static void raw_datagram(const guint8 *bytes, gsize len)
{
  /* The exact length on the heap, so a read past it is caught. */
  guint8 *data = malloc(len ? len : 1);
  memcpy(data, bytes, len);
  NaraStunMessage msg;
  if (nara_stun_parse(data, len, &msg)) {
    check_inside(data, len, &msg);
    nara_stun_check_integrity(data, len, &msg, the_key());
    if (msg.klass == NARA_STUN_REQUEST)
      answer(&msg, data, len);
  }
  free(data);
}

static void signed_attributes(const guint8 *bytes, gsize len, gboolean response)
{
  guint8 data[MAX_DATAGRAM + 64];
  gsize attrs = len & ~(gsize)3;
  gsize mi = 20 + attrs;
  gsize total = mi + 24 + 8;
  /* Header: a Binding request, or a success response (mode bit 1). */
  data[0] = response ? 0x01 : 0x00;
  data[1] = 0x01;
  data[2] = (guint8)((total - 20) >> 8);
  data[3] = (guint8)(total - 20);
  data[4] = 0x21, data[5] = 0x12, data[6] = 0xa4, data[7] = 0x42;
  memset(data + 8, 0x5a, 12);
  memcpy(data + 20, bytes, attrs);
  /* MESSAGE-INTEGRITY over everything before it (RFC 5389 §15.4). */
  data[mi] = 0x00, data[mi + 1] = 0x08, data[mi + 2] = 0x00, data[mi + 3] = 20;
  guint8 header[20];
  memcpy(header, data, 20);
  header[2] = (guint8)((mi + 24 - 20) >> 8);
  header[3] = (guint8)(mi + 24 - 20);
  if (!nara_srtp_hmac_sha1(the_key(), header, 20, data + 20, attrs, data + mi + 4))
    abort();
  guint32 crc = nara_stun_crc32(data, mi + 24) ^ 0x5354554eu;
  guint8 *fp = data + mi + 24;
  fp[0] = 0x80, fp[1] = 0x28, fp[2] = 0x00, fp[3] = 4;
  fp[4] = (guint8)(crc >> 24), fp[5] = (guint8)(crc >> 16), fp[6] = (guint8)(crc >> 8);
  fp[7] = (guint8)crc;

  guint8 *exact = malloc(total);
  memcpy(exact, data, total);
  NaraStunMessage msg;
  if (nara_stun_parse(exact, total, &msg)) {
    check_inside(exact, total, &msg);
    gboolean ours = msg.integrity_offset == mi;
    if (ours && (!msg.fingerprint || !nara_stun_check_integrity(exact, total, &msg, the_key())))
      abort();
    if (msg.klass == NARA_STUN_REQUEST)
      answer(&msg, exact, total);
  }
  free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  gsize len = MIN(size - 1, MAX_DATAGRAM);
  if (data[0] & 1)
    signed_attributes(data + 1, len, (data[0] & 2) != 0);
  else
    raw_datagram(data + 1, len);
  return 0;
}
