/* test_srtp_vectors.c — Nara's SRTP pieces against published vectors: RFC 3711
 * B.2 (AES-CM keystream) and B.3 (key derivation), RFC 7714 §16.1.1 and
 * §17.1/§17.3 (AES-GCM SRTP and SRTCP), RFC 2202 (HMAC-SHA1, both kinds),
 * plus the index-estimation and replay-window arithmetic on its own. No
 * libsrtp2 here (test_srtp_session cross-checks with it). Single-threaded. */
#include "srtp-private.h"

#include <string.h>

static gsize unhex(const char *hex, guint8 *out, gsize cap)
{
  gsize n = 0;
  for (const char *p = hex; *p;) {
    if (g_ascii_isspace(*p)) {
      p++;
      continue;
    }
    g_assert_true(g_ascii_isxdigit(p[0]) && g_ascii_isxdigit(p[1]));
    g_assert_cmpuint(n, <, cap);
    out[n++] = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
    p += 2;
  }
  return n;
}

#define HEX(name, str)                                                                             \
  guint8 name[256];                                                                                \
  gsize name##_len = unhex(str, name, sizeof name)

/* RFC 3711 B.3 */
static void key_derivation(void)
{
  HEX(master_key, "E1F97A0D3E018BE0D64FA32C06DE4139");
  HEX(master_salt, "0EC675AD498AFEEBB6960B3AABE6");
  HEX(cipher_key, "C61E7A93744F39EE10734AFE3FF7A087");
  HEX(cipher_salt, "30CBBC08863D8C85D49DB34A9AE1");
  HEX(auth_key, "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE"
                "E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25"
                "6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2");
  g_assert_cmpuint(master_key_len, ==, 16);
  g_assert_cmpuint(auth_key_len, ==, 94);

  guint8 out[94];
  g_assert_true(nara_srtp_kdf(master_key, master_salt, master_salt_len, 0x00, out, 16, NULL));
  g_assert_cmpmem(out, 16, cipher_key, cipher_key_len);
  g_assert_true(nara_srtp_kdf(master_key, master_salt, master_salt_len, 0x02, out, 14, NULL));
  g_assert_cmpmem(out, 14, cipher_salt, cipher_salt_len);
  g_assert_true(nara_srtp_kdf(master_key, master_salt, master_salt_len, 0x01, out, 94, NULL));
  g_assert_cmpmem(out, 94, auth_key, auth_key_len);

  /* The session keys SRTP uses are the first 16/14/20 octets of those. */
  NaraSrtpSessionKeys rtp, rtcp;
  g_assert_true(nara_srtp_derive_session_keys(NARA_SRTP_AES128_CM_SHA1_80, master_key, master_salt,
                                              &rtp, &rtcp, NULL));
  g_assert_cmpmem(rtp.cipher_key, 16, cipher_key, 16);
  g_assert_cmpmem(rtp.salt, 14, cipher_salt, 14);
  g_assert_cmpmem(rtp.auth_key, 20, auth_key, 20);
  g_assert_true(memcmp(rtcp.cipher_key, rtp.cipher_key, 16) != 0);
}

/* RFC 3711 B.2: session key and salt, SSRC 0, ROC 0, SEQ 0; a zero payload
 * encrypts to the keystream itself. Both AES-CM code paths. */
static void aes_cm_keystream(void)
{
  HEX(keystream, "E03EAD0935C95E80E166B16DD92B4EB4"
                 "D23513162B02D0F72A43A2FE4A5F97AB"
                 "41E95B3BB0A2E8DD477901E4FCA894C0");
  NaraSrtpSessionKeys keys = { 0 };
  unhex("2B7E151628AED2A6ABF7158809CF4F3C", keys.cipher_key, 16);
  unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", keys.salt, 14);
  const gsize limits[] = { 0, G_MAXSIZE };
  for (guint i = 0; i < G_N_ELEMENTS(limits); i++) {
    NaraSrtpSession *tx
        = nara_srtp_session_new_from_keys(NARA_SRTP_AES128_CM_SHA1_80, &keys, &keys, FALSE, NULL);
    g_assert_nonnull(tx);
    nara_srtp_session_set_ecb_limit(tx, limits[i]);
    guint8 pkt[12 + 48 + NARA_SRTP_MAX_TAIL] = { 0x80, 0 };
    gsize len = 12 + 48;
    g_assert_true(nara_srtp_protect(tx, pkt, &len, sizeof pkt));
    g_assert_cmpuint(len, ==, 12 + 48 + 10);
    g_assert_cmpmem(pkt + 12, 48, keystream, keystream_len);
    nara_srtp_session_free(tx);
  }
}

static const char rfc7714_key[] = "000102030405060708090a0b0c0d0e0f";
static const char rfc7714_salt[] = "517569642070726f2071756f";

static NaraSrtpSession *rfc7714_session(gboolean inbound)
{
  NaraSrtpSessionKeys keys = { 0 };
  unhex(rfc7714_key, keys.cipher_key, 16);
  unhex(rfc7714_salt, keys.salt, 12);
  NaraSrtpSession *s
      = nara_srtp_session_new_from_keys(NARA_SRTP_AEAD_AES_128_GCM, &keys, &keys, inbound, NULL);
  g_assert_nonnull(s);
  return s;
}

/* RFC 7714 §16.1.1 */
static void gcm_rtp(void)
{
  HEX(plain, "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973"
             "20646976 69736120 696e2070 61727465 73207472 6573");
  HEX(protected, "8040f17b 8041f8d3 5501a0b2"
                 "f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a"
                 "51c7d19b 36de3adf 8833"
                 "899d7f27 beb16a91 52cf765e e4390cce");
  NaraSrtpSession *tx = rfc7714_session(FALSE), *rx = rfc7714_session(TRUE);
  guint8 buf[256 + NARA_SRTP_MAX_TAIL];
  gsize len = plain_len;
  memcpy(buf, plain, len);
  g_assert_true(nara_srtp_protect(tx, buf, &len, sizeof buf));
  g_assert_cmpmem(buf, len, protected, protected_len);
  g_assert_true(nara_srtp_unprotect(rx, buf, &len));
  g_assert_cmpmem(buf, len, plain, plain_len);
  nara_srtp_session_free(tx);
  nara_srtp_session_free(rx);
}

/* RFC 7714 §17.1 (encrypted) and §17.3 (authenticated only, E = 0), SRTCP
 * index 0x5d4. Nara's sender starts at index 0, so it sends 0x5d4 packets
 * before the one the RFC shows. */
static void gcm_rtcp(void)
{
  HEX(plain, "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
             "deadbeef deadbeef deadbeef deadbeef deadbeef");
  HEX(encrypted, "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d"
                 "c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872"
                 "45d9eade 800005d4");
  HEX(tag_only, "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
                "deadbeef deadbeef deadbeef deadbeef deadbeef"
                "841dd968 3dd78ec9 2ae58790 125f62b3 000005d4");
  guint8 buf[256 + NARA_SRTP_MAX_TAIL];
  gsize len;

  NaraSrtpSession *rx = rfc7714_session(TRUE);
  memcpy(buf, encrypted, len = encrypted_len);
  g_assert_true(nara_srtp_unprotect_rtcp(rx, buf, &len));
  g_assert_cmpmem(buf, len, plain, plain_len);
  nara_srtp_session_free(rx);

  rx = rfc7714_session(TRUE);
  memcpy(buf, tag_only, len = tag_only_len);
  g_assert_true(nara_srtp_unprotect_rtcp(rx, buf, &len));
  g_assert_cmpmem(buf, len, plain, plain_len);
  /* The same index again is a replay. */
  memcpy(buf, tag_only, len = tag_only_len);
  g_assert_false(nara_srtp_unprotect_rtcp(rx, buf, &len));
  nara_srtp_session_free(rx);

  NaraSrtpSession *tx = rfc7714_session(FALSE);
  for (guint i = 0; i <= 0x5d4; i++) {
    memcpy(buf, plain, len = plain_len);
    g_assert_true(nara_srtp_protect_rtcp(tx, buf, &len, sizeof buf));
  }
  g_assert_cmpmem(buf, len, encrypted, encrypted_len);
  nara_srtp_session_free(tx);
}

/* RFC 2202 §3, test cases 1-3 and 6 (a key longer than a block is refused:
 * SRTP keys are 20 octets). Both HMAC kinds, and data split with a tail. */
static void hmac_sha1(void)
{
  static const struct {
    const char *key, *data, *mac;
  } cases[] = {
    { "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
      "b617318655057264e28bc0b6fb378c8ef146be00" },
    { "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
      "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
      "dddddddddddd",
      "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
  };
  const NaraSrtpHmacKind kinds[] = { NARA_SRTP_HMAC_SHA1_PADS, NARA_SRTP_HMAC_EVP_MAC };
  for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
    g_autoptr(GError) error = NULL;
    guint8 probe_key[20] = { 0 };
    NaraSrtpHmac *probe = nara_srtp_hmac_new(kinds[k], probe_key, 20, &error);
    if (!probe) {
      g_test_message("HMAC kind %u not in this OpenSSL: %s", kinds[k], error->message);
      g_assert_cmpint(kinds[k], !=, nara_srtp_hmac_default_kind());
      continue;
    }
    nara_srtp_hmac_free(probe);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
      HEX(key, cases[i].key);
      HEX(data, cases[i].data);
      HEX(mac, cases[i].mac);
      guint8 out[NARA_SRTP_HMAC_LEN];
      NaraSrtpHmac *h = nara_srtp_hmac_new(kinds[k], key, key_len, NULL);
      g_assert_nonnull(h);
      for (guint rep = 0; rep < 2; rep++) { /* re-use is what the packet path does */
        g_assert_true(nara_srtp_hmac_sha1(h, data, data_len, NULL, 0, out));
        g_assert_cmpmem(out, sizeof out, mac, mac_len);
        g_assert_true(nara_srtp_hmac_sha1(h, data, data_len - 4, data + data_len - 4, 4, out));
        g_assert_cmpmem(out, sizeof out, mac, mac_len);
      }
      nara_srtp_hmac_free(h);
    }
  }
}

/* RFC 3711 §3.3.1, with libsrtp2's choice of keeping ROC 0 at the start. */
static void index_estimation(void)
{
  static const struct {
    guint64 top;
    guint16 seq;
    guint64 index;
  } cases[] = {
    { 0, 1, 1 },
    { 100, 65000, 65000 },                        /* would be ROC -1: stays 0 */
    { 65530, 3, 0x10003 },                        /* wrap forward */
    { 0x10003, 65534, 0xfffe },                   /* late packet from before the wrap */
    { 0x10003, 30000, 0x17530 },                  /* big step forward, same ROC */
    { 0x5ffff, 0, 0x60000 },                      /* ROC 5 -> 6 */
    { 0x60010, 0xfff0, 0x5fff0 },                 /* ROC 6 -> 5 for a late one */
    { 0x48000, 0x0000, 0x40000 },                 /* s_l = 2^15 exactly: same ROC */
    { 0x48001, 0x0000, 0x50000 },                 /* just past half: next ROC */
    { 0xffffffffffffULL, 2, 0x1000000000002ULL }, /* past 2^48: caller refuses */
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmphex(nara_srtp_estimate_index(cases[i].top, cases[i].seq), ==, cases[i].index);
}

static void replay_window(void)
{
  NaraSrtpReplay r;
  guint64 top;
  nara_srtp_replay_start(&r, &top, 5000);
  g_assert_false(nara_srtp_replay_check(&r, top, 5000));
  g_assert_true(nara_srtp_replay_check(&r, top, 5001));
  g_assert_true(nara_srtp_replay_check(&r, top, 4999));        /* late, unseen */
  g_assert_true(nara_srtp_replay_check(&r, top, 5000 - 1023)); /* oldest in the window */
  g_assert_false(nara_srtp_replay_check(&r, top, 5000 - 1024));
  nara_srtp_replay_add(&r, &top, 4999);
  g_assert_false(nara_srtp_replay_check(&r, top, 4999));
  g_assert_cmpuint(top, ==, 5000);

  /* Forward by less than the window: what was seen and still inside stays
   * seen, the positions reused for new indices are clear. */
  nara_srtp_replay_add(&r, &top, 5700);
  g_assert_false(nara_srtp_replay_check(&r, top, 5000));
  g_assert_false(nara_srtp_replay_check(&r, top, 4999));
  for (guint64 i = 5001; i < 5700; i++)
    g_assert_true(nara_srtp_replay_check(&r, top, i));
  g_assert_false(nara_srtp_replay_check(&r, top, 5700));
  /* Sliding on one by one: every index seen once, none twice. */
  for (guint64 i = 5701; i < 9000; i++) {
    g_assert_true(nara_srtp_replay_check(&r, top, i));
    nara_srtp_replay_add(&r, &top, i);
    g_assert_false(nara_srtp_replay_check(&r, top, i));
    g_assert_false(nara_srtp_replay_check(&r, top, i - 1));
  }
  g_assert_false(nara_srtp_replay_check(&r, top, 8999 - 1023));
  /* Forward by more than the window: everything before is too old. */
  nara_srtp_replay_add(&r, &top, 20000);
  g_assert_true(nara_srtp_replay_check(&r, top, 19999));
  g_assert_true(nara_srtp_replay_check(&r, top, 20000 - 1023));
  g_assert_false(nara_srtp_replay_check(&r, top, 20000));

  /* The sending side keeps only its top. */
  guint64 tx_top = 7;
  nara_srtp_replay_add(NULL, &tx_top, 3);
  g_assert_cmpuint(tx_top, ==, 7);
  nara_srtp_replay_add(NULL, &tx_top, 9);
  g_assert_cmpuint(tx_top, ==, 9);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/srtp-vectors/rfc3711-b3-key-derivation", key_derivation);
  g_test_add_func("/media/srtp-vectors/rfc3711-b2-aes-cm", aes_cm_keystream);
  g_test_add_func("/media/srtp-vectors/rfc7714-16-gcm-rtp", gcm_rtp);
  g_test_add_func("/media/srtp-vectors/rfc7714-17-gcm-rtcp", gcm_rtcp);
  g_test_add_func("/media/srtp-vectors/rfc2202-hmac-sha1", hmac_sha1);
  g_test_add_func("/media/srtp-vectors/index-estimation", index_estimation);
  g_test_add_func("/media/srtp-vectors/replay-window", replay_window);
  return g_test_run();
}
