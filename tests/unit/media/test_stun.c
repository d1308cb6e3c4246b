/* test_stun.c — STUN parsing and writing: the RFC 5769 sample messages,
 * round trips through our own writers, bad MESSAGE-INTEGRITY and
 * FINGERPRINT, every truncation of a request, attribute placement rules.
 * Pure functions, one thread. */
#include "stun.h"

#include <arpa/inet.h>
#include <string.h>

/* RFC 5769 §2: password and the three sample messages. */
static const char rfc5769_pwd[] = "VOkJxbRl1RmTxUk/WvJxBt";

static const guint8 rfc5769_request[] = {
  0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
  0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
  0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
  0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
  0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
  0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
  0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

static const guint8 rfc5769_response_v4[] = {
  0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
  0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
  0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
  0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
  0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

static const guint8 rfc5769_response_v6[] = {
  0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
  0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
  0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
  0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
  0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
  0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

static const guint8 tid[NARA_STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static NaraSrtpHmac *key_for(const char *pwd)
{
  g_autoptr(GError) error = NULL;
  NaraSrtpHmac *key
      = nara_srtp_hmac_new(nara_srtp_hmac_default_kind(), (const guint8 *)pwd, strlen(pwd), &error);
  g_assert_no_error(error);
  return key;
}

/* Parses a heap copy of exactly len octets, so ASan sees any read past
 * the end, then data itself, so msg points into data. */
static gboolean parse_exact(const guint8 *data, gsize len, NaraStunMessage *msg)
{
  guint8 *copy = g_memdup2(data, len ? len : 1);
  gboolean ok = nara_stun_parse(copy, len, msg);
  g_free(copy);
  g_assert_cmpint(ok, ==, nara_stun_parse(data, len, msg));
  return ok;
}

static void crc32_vector(void)
{
  g_assert_cmphex(nara_stun_crc32((const guint8 *)"123456789", 9), ==, 0xCBF43926);
  g_assert_cmphex(nara_stun_crc32(NULL, 0), ==, 0);
}

static void rfc5769_sample_request(void)
{
  NaraStunMessage msg;
  g_assert_true(nara_stun_is_stun(rfc5769_request, sizeof rfc5769_request));
  g_assert_true(nara_stun_parse(rfc5769_request, sizeof rfc5769_request, &msg));
  g_assert_cmpint(msg.klass, ==, NARA_STUN_REQUEST);
  g_assert_cmpuint(msg.method, ==, NARA_STUN_BINDING);
  g_assert_cmpmem(msg.username, msg.username_len, "evtj:h6vY", 9);
  g_assert_true(msg.has_priority);
  g_assert_cmphex(msg.priority, ==, 0x6e0001ff);
  g_assert_cmpint(msg.role, ==, NARA_STUN_ROLE_CONTROLLED);
  g_assert_cmphex(msg.tiebreaker, ==, G_GUINT64_CONSTANT(0x932ff9b151263b36));
  g_assert_true(msg.fingerprint);
  g_assert_false(msg.use_candidate);
  g_assert_cmpuint(msg.n_unknown, ==, 0); /* SOFTWARE is comprehension-optional */
  NaraSrtpHmac *key = key_for(rfc5769_pwd), *other = key_for("VOkJxbRl1RmTxUk/WvJxBT");
  g_assert_true(nara_stun_check_integrity(rfc5769_request, sizeof rfc5769_request, &msg, key));
  g_assert_false(nara_stun_check_integrity(rfc5769_request, sizeof rfc5769_request, &msg, other));
  nara_srtp_hmac_free(key);
  nara_srtp_hmac_free(other);
}

static void rfc5769_sample_responses(void)
{
  NaraSrtpHmac *key = key_for(rfc5769_pwd);
  NaraStunMessage msg;
  g_assert_true(nara_stun_parse(rfc5769_response_v4, sizeof rfc5769_response_v4, &msg));
  g_assert_cmpint(msg.klass, ==, NARA_STUN_SUCCESS);
  g_assert_true(msg.has_mapped);
  g_assert_cmpint(msg.mapped.sa.sa_family, ==, AF_INET);
  g_assert_cmpuint(g_ntohs(msg.mapped.v4.sin_port), ==, 32853);
  g_assert_cmphex(g_ntohl(msg.mapped.v4.sin_addr.s_addr), ==, 0xC0000201); /* 192.0.2.1 */
  g_assert_true(
      nara_stun_check_integrity(rfc5769_response_v4, sizeof rfc5769_response_v4, &msg, key));

  g_assert_true(nara_stun_parse(rfc5769_response_v6, sizeof rfc5769_response_v6, &msg));
  g_assert_cmpint(msg.mapped.sa.sa_family, ==, AF_INET6);
  g_assert_cmpuint(g_ntohs(msg.mapped.v6.sin6_port), ==, 32853);
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &msg.mapped.v6.sin6_addr, text, sizeof text);
  g_assert_cmpstr(text, ==, "2001:db8:1234:5678:11:2233:4455:6677");
  g_assert_true(
      nara_stun_check_integrity(rfc5769_response_v6, sizeof rfc5769_response_v6, &msg, key));

  /* Our writer on the same inputs gives the same XOR-MAPPED-ADDRESS octets. */
  guint8 out[128];
  gsize n
      = nara_stun_write_binding_success(out, sizeof out, rfc5769_response_v6 + 8, &msg.mapped, key);
  g_assert_cmpuint(n, ==, 20 + 24 + 24 + 8);
  g_assert_cmpmem(out + 20, 24, rfc5769_response_v6 + 36, 24);
  nara_srtp_hmac_free(key);
}

static void round_trip(void)
{
  NaraSrtpHmac *key = key_for("server-password-0123456789");
  guint8 req[256];
  gsize n = nara_stun_write_binding_request(req, sizeof req, tid, "abcd:wxyz", 0x7e7fff00,
                                            NARA_STUN_ROLE_CONTROLLING, 42, TRUE, key);
  g_assert_cmpuint(n, >, 20);
  g_assert_cmpuint(n % 4, ==, 0);
  NaraStunMessage msg;
  g_assert_true(parse_exact(req, n, &msg));
  g_assert_cmpint(msg.klass, ==, NARA_STUN_REQUEST);
  g_assert_cmpmem(msg.username, msg.username_len, "abcd:wxyz", 9);
  g_assert_cmpmem(msg.transaction_id, NARA_STUN_TID_LEN, tid, sizeof tid);
  g_assert_true(msg.use_candidate);
  g_assert_cmpint(msg.role, ==, NARA_STUN_ROLE_CONTROLLING);
  g_assert_cmpuint(msg.tiebreaker, ==, 42);
  g_assert_cmphex(msg.priority, ==, 0x7e7fff00);
  g_assert_true(msg.fingerprint);
  g_assert_true(nara_stun_check_integrity(req, n, &msg, key));

  /* The response a lite agent sends to it, for IPv4 and IPv6 sources. */
  NaraSockAddr from = { 0 };
  from.v4.sin_family = AF_INET;
  from.v4.sin_port = g_htons(50000);
  inet_pton(AF_INET, "203.0.113.7", &from.v4.sin_addr);
  guint8 resp[128];
  n = nara_stun_write_binding_success(resp, sizeof resp, msg.transaction_id, &from, key);
  g_assert_true(parse_exact(resp, n, &msg));
  g_assert_cmpint(msg.klass, ==, NARA_STUN_SUCCESS);
  g_assert_cmpuint(msg.method, ==, NARA_STUN_BINDING);
  g_assert_cmpmem(msg.transaction_id, NARA_STUN_TID_LEN, tid, sizeof tid);
  g_assert_true(msg.fingerprint && msg.has_mapped);
  g_assert_cmpmem(&msg.mapped.v4, sizeof msg.mapped.v4, &from.v4, sizeof from.v4);
  g_assert_true(nara_stun_check_integrity(resp, n, &msg, key));

  NaraSockAddr from6 = { 0 };
  from6.v6.sin6_family = AF_INET6;
  from6.v6.sin6_port = g_htons(9);
  inet_pton(AF_INET6, "2001:db8::1", &from6.v6.sin6_addr);
  n = nara_stun_write_binding_success(resp, sizeof resp, tid, &from6, key);
  g_assert_true(parse_exact(resp, n, &msg));
  g_assert_cmpmem(&msg.mapped.v6.sin6_addr, 16, &from6.v6.sin6_addr, 16);
  g_assert_cmpuint(msg.mapped.v6.sin6_port, ==, from6.v6.sin6_port);

  /* Error responses: 487 and 420 with the unknown attributes. */
  const guint16 unknown[] = { 0x001C, 0x7777 };
  n = nara_stun_write_binding_error(resp, sizeof resp, tid, 420, "Unknown Attribute", unknown, 2,
                                    key);
  g_assert_true(parse_exact(resp, n, &msg));
  g_assert_cmpint(msg.klass, ==, NARA_STUN_ERROR);
  g_assert_cmpuint(msg.error_code, ==, 420);
  g_assert_true(nara_stun_check_integrity(resp, n, &msg, key));
  n = nara_stun_write_binding_error(resp, sizeof resp, tid, 487, "Role Conflict", NULL, 0, NULL);
  g_assert_true(parse_exact(resp, n, &msg));
  g_assert_cmpuint(msg.error_code, ==, 487);
  g_assert_cmpuint(msg.integrity_offset, ==, 0);
  g_assert_false(nara_stun_check_integrity(resp, n, &msg, key));

  /* Too small a buffer writes nothing. */
  for (gsize cap = 0; cap < 60; cap++)
    g_assert_cmpuint(nara_stun_write_binding_success(resp, cap, tid, &from, key), ==, 0);
  nara_srtp_hmac_free(key);
}

static void bad_integrity(void)
{
  NaraSrtpHmac *key = key_for("right-password"), *wrong = key_for("wrong-password");
  guint8 req[256];
  NaraStunMessage msg;
  /* Signed with another password: well formed, fingerprint fine, integrity not. */
  gsize n = nara_stun_write_binding_request(req, sizeof req, tid, "a:b", 1,
                                            NARA_STUN_ROLE_CONTROLLING, 1, FALSE, wrong);
  g_assert_true(nara_stun_parse(req, n, &msg));
  g_assert_false(nara_stun_check_integrity(req, n, &msg, key));
  /* Without MESSAGE-INTEGRITY at all. */
  n = nara_stun_write_binding_request(req, sizeof req, tid, "a:b", 1, NARA_STUN_ROLE_CONTROLLING, 1,
                                      FALSE, NULL);
  g_assert_true(nara_stun_parse(req, n, &msg));
  g_assert_cmpuint(msg.integrity_offset, ==, 0);
  g_assert_false(nara_stun_check_integrity(req, n, &msg, key));
  /* A flipped bit in the HMAC, the FINGERPRINT patched to match it. */
  n = nara_stun_write_binding_request(req, sizeof req, tid, "a:b", 1, NARA_STUN_ROLE_CONTROLLING, 1,
                                      FALSE, key);
  g_assert_true(nara_stun_parse(req, n, &msg));
  req[msg.integrity_offset + 4] ^= 0x01;
  guint32 crc = nara_stun_crc32(req, n - 8) ^ 0x5354554e;
  req[n - 4] = crc >> 24, req[n - 3] = crc >> 16, req[n - 2] = crc >> 8, req[n - 1] = crc;
  g_assert_true(nara_stun_parse(req, n, &msg));
  g_assert_false(nara_stun_check_integrity(req, n, &msg, key));
  nara_srtp_hmac_free(key);
  nara_srtp_hmac_free(wrong);
}

static void bad_fingerprint(void)
{
  guint8 req[sizeof rfc5769_request];
  NaraStunMessage msg;
  for (gsize i = 0; i < sizeof req; i++) {
    /* Any flipped bit breaks the CRC or the structure, or (in the
     * FINGERPRINT attribute's type) leaves a message without one, which
     * ICE refuses (RFC 8445 §7.2.2). */
    memcpy(req, rfc5769_request, sizeof req);
    req[i] ^= 0x10;
    if (parse_exact(req, sizeof req, &msg) && msg.fingerprint)
      g_error("flipped bit in octet %" G_GSIZE_FORMAT " accepted", i);
  }
}

static void truncated(void)
{
  NaraSrtpHmac *key = key_for("pw");
  guint8 req[256];
  gsize n = nara_stun_write_binding_request(req, sizeof req, tid, "ufrag1:ufrag2", 7,
                                            NARA_STUN_ROLE_CONTROLLING, 7, TRUE, key);
  NaraStunMessage msg;
  for (gsize len = 0; len < n; len++) {
    /* Cut as received: the header's length no longer matches. */
    g_assert_false(parse_exact(req, len, &msg));
    if (len < NARA_STUN_HEADER_LEN)
      continue;
    /* Cut with the header's length made to match: the attribute walk
     * meets a partial attribute unless the cut is on a boundary. */
    guint8 *cut = g_memdup2(req, len);
    cut[2] = (len - NARA_STUN_HEADER_LEN) >> 8;
    cut[3] = (len - NARA_STUN_HEADER_LEN) & 0xff;
    if (nara_stun_parse(cut, len, &msg)) {
      g_assert_cmpuint(len % 4, ==, 0);
      g_assert_false(msg.fingerprint); /* the last attribute was cut */
      /* Cut just before FINGERPRINT, MESSAGE-INTEGRITY still holds. */
      g_assert_cmpint(nara_stun_check_integrity(cut, len, &msg, key), ==, len == n - 8);
    }
    g_free(cut);
  }
  g_assert_true(parse_exact(req, n, &msg));
  nara_srtp_hmac_free(key);
}

/* Appends an attribute to a message being built by hand. */
static gsize add_attr(guint8 *msg, gsize len, guint16 type, const void *value, guint16 vlen)
{
  msg[len] = type >> 8, msg[len + 1] = type & 0xff, msg[len + 2] = vlen >> 8;
  msg[len + 3] = vlen & 0xff;
  memset(msg + len + 4, 0, (vlen + 3u) & ~3u);
  if (vlen)
    memcpy(msg + len + 4, value, vlen);
  len += 4 + ((vlen + 3u) & ~3u);
  msg[2] = (len - 20) >> 8, msg[3] = (len - 20) & 0xff;
  return len;
}

static gsize header(guint8 *msg, guint16 type)
{
  memset(msg, 0, 20);
  msg[0] = type >> 8, msg[1] = type & 0xff;
  msg[4] = 0x21, msg[5] = 0x12, msg[6] = 0xa4, msg[7] = 0x42;
  return 20;
}

static void attribute_rules(void)
{
  guint8 m[256];
  NaraStunMessage msg;
  guint8 zero[20] = { 0 };
  guint32 prio = g_htonl(5);

  /* Unknown comprehension-required attributes are reported (for a 420),
   * optional ones are not; only the first USERNAME counts. */
  gsize len = header(m, 0x0001);
  len = add_attr(m, len, 0x0006, "one:two", 7);
  len = add_attr(m, len, 0x0006, "three:four", 10);
  len = add_attr(m, len, 0x001C, zero, 4);
  len = add_attr(m, len, 0xC057, zero, 4);
  g_assert_true(parse_exact(m, len, &msg));
  g_assert_cmpmem(msg.username, msg.username_len, "one:two", 7);
  g_assert_cmpuint(msg.n_unknown, ==, 1);
  g_assert_cmphex(msg.unknown[0], ==, 0x001C);

  /* After MESSAGE-INTEGRITY only FINGERPRINT counts (RFC 5389 §15.4). */
  len = header(m, 0x0001);
  len = add_attr(m, len, 0x0008, zero, 20);
  len = add_attr(m, len, 0x0025, NULL, 0);
  len = add_attr(m, len, 0x0024, &prio, 4);
  g_assert_true(parse_exact(m, len, &msg));
  g_assert_false(msg.use_candidate);
  g_assert_false(msg.has_priority);
  g_assert_cmpuint(msg.integrity_offset, ==, 20);

  /* Nothing may follow FINGERPRINT. */
  len = header(m, 0x0001);
  guint32 crc = g_htonl(nara_stun_crc32(m, len) ^ 0x5354554e);
  len = add_attr(m, len, 0x8028, &crc, 4);
  crc = g_htonl(nara_stun_crc32(m, 20) ^ 0x5354554e); /* the header's length changed */
  memcpy(m + 24, &crc, 4);
  g_assert_true(parse_exact(m, len, &msg));
  g_assert_true(msg.fingerprint);
  len = add_attr(m, len, 0x0025, NULL, 0);
  crc = g_htonl(nara_stun_crc32(m, 20) ^ 0x5354554e); /* a right CRC, in the wrong place */
  memcpy(m + 24, &crc, 4);
  g_assert_false(parse_exact(m, len, &msg));

  /* Wrong value lengths. */
  const struct {
    guint16 type;
    guint16 len;
  } bad[] = { { 0x0008, 16 }, { 0x0024, 2 },  { 0x0025, 4 }, { 0x802A, 4 },
              { 0x8028, 8 },  { 0x0020, 12 }, { 0x0009, 2 }, { 0x0006, 513 } };
  guint8 big[600] = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    guint8 buf[700];
    len = header(buf, 0x0001);
    len = add_attr(buf, len, bad[i].type, big, bad[i].len);
    g_assert_false(parse_exact(buf, len, &msg));
  }

  /* Not STUN at all. */
  guint8 rtp[24] = { 0x80, 96 };
  g_assert_false(parse_exact(rtp, sizeof rtp, &msg));
  len = header(m, 0x0001);
  m[4] = 0; /* cookie */
  g_assert_false(parse_exact(m, len, &msg));
  len = header(m, 0x0001);
  m[3] = 2; /* length not a multiple of 4 */
  g_assert_false(parse_exact(m, 22, &msg));
  /* Class and method decoding: a Binding indication, an Allocate request. */
  len = header(m, 0x0011);
  g_assert_true(parse_exact(m, len, &msg));
  g_assert_cmpint(msg.klass, ==, NARA_STUN_INDICATION);
  len = header(m, 0x0003);
  g_assert_true(parse_exact(m, len, &msg));
  g_assert_cmpuint(msg.method, ==, 0x003);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/stun/crc32", crc32_vector);
  g_test_add_func("/stun/rfc5769/request", rfc5769_sample_request);
  g_test_add_func("/stun/rfc5769/responses", rfc5769_sample_responses);
  g_test_add_func("/stun/round-trip", round_trip);
  g_test_add_func("/stun/bad-integrity", bad_integrity);
  g_test_add_func("/stun/bad-fingerprint", bad_fingerprint);
  g_test_add_func("/stun/truncated", truncated);
  g_test_add_func("/stun/attribute-rules", attribute_rules);
  return g_test_run();
}
