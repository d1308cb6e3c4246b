/* test_srtp_session.c — Nara's SRTP sessions: round trips, and packets
 * exchanged both ways with libsrtp2 (linked into this test only) for every
 * profile: sequence rollover and ROC > 0, several SSRCs, SRTCP, replays and
 * packets too old for the window, tampering, wrong keys, truncation at every
 * length, the SSRC bound, repeated sends. Single-threaded. */
#include "srtp_session.h"
#include "srtp-private.h"

#include <string.h>
#include <srtp2/srtp.h>

static const guint8 key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const guint8 salt[14] = { 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34 };

#define BUF (1500 + NARA_SRTP_MAX_TAIL)

static const NaraSrtpProfile profiles[] = {
  NARA_SRTP_AES128_CM_SHA1_80,
  NARA_SRTP_AEAD_AES_128_GCM,
  NARA_SRTP_AES128_CM_SHA1_32,
};

/* ---- packets ---- */

/* An RTP packet with cc CSRCs, an optional one-byte-header extension and a
 * payload that depends on ssrc and seq. */
static gsize make_rtp_full(guint8 *buf, guint32 ssrc, guint16 seq, gsize payload, guint cc,
                           gboolean ext)
{
  gsize n = 0;
  buf[n++] = (guint8)(0x80 | (ext ? 0x10 : 0) | cc);
  buf[n++] = 96;
  buf[n++] = seq >> 8, buf[n++] = seq & 0xff;
  for (guint i = 0; i < 4; i++) /* timestamp */
    buf[n++] = (guint8)(seq * 3 + i);
  for (int i = 3; i >= 0; i--)
    buf[n++] = (guint8)(ssrc >> (8 * i));
  for (guint i = 0; i < cc * 4; i++)
    buf[n++] = (guint8)(0xc0 + i);
  if (ext) {
    static const guint8 e[] = { 0xbe, 0xde, 0, 1, 0x10, 0x42, 0, 0 };
    memcpy(buf + n, e, sizeof e);
    n += sizeof e;
  }
  for (gsize i = 0; i < payload; i++)
    buf[n++] = (guint8)(i * 7 + seq + ssrc);
  return n;
}

static gsize make_rtp(guint8 *buf, guint16 seq)
{
  return make_rtp_full(buf, 0x12345678, seq, 160, 0, FALSE);
}

/* A receiver report from ssrc with n report blocks of varying content. */
static gsize make_rtcp(guint8 *buf, guint32 ssrc, guint blocks, guint salt_byte)
{
  gsize n = 8 + 24 * blocks;
  memset(buf, 0, n);
  buf[0] = (guint8)(0x80 | blocks);
  buf[1] = 201;
  buf[3] = (guint8)(n / 4 - 1);
  for (int i = 3; i >= 0; i--)
    buf[4 + (3 - i)] = (guint8)(ssrc >> (8 * i));
  for (gsize i = 8; i < n; i++)
    buf[i] = (guint8)(i + salt_byte);
  return n;
}

/* ---- libsrtp2 ---- */

static srtp_t lib_session_keyed(NaraSrtpProfile profile, const guint8 *k, const guint8 *s,
                                gboolean inbound, gboolean rtcp_auth_only)
{
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  switch (profile) {
  case NARA_SRTP_AEAD_AES_128_GCM:
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    break;
  case NARA_SRTP_AES128_CM_SHA1_32:
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    break;
  case NARA_SRTP_AES128_CM_SHA1_80:
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    break;
  }
  if (rtcp_auth_only)
    policy.rtcp.sec_serv = sec_serv_auth;
  guint8 master[16 + 14 + 2] = { 0 };
  memcpy(master, k, 16);
  memcpy(master + 16, s, nara_srtp_profile_salt_len(profile));
  policy.key = master;
  policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;
  srtp_t session = NULL;
  g_assert_cmpint(srtp_create(&session, &policy), ==, srtp_err_status_ok);
  return session;
}

static srtp_t lib_session(NaraSrtpProfile profile, gboolean inbound)
{
  return lib_session_keyed(profile, key, salt, inbound, FALSE);
}

static NaraSrtpSession *nara_session(NaraSrtpProfile profile, gboolean inbound)
{
  g_autoptr(GError) error = NULL;
  NaraSrtpSession *s = nara_srtp_session_new(profile, key, salt, inbound, &error);
  g_assert_no_error(error);
  return s;
}

static void lib_protect(srtp_t lib, guint8 *buf, gsize *len, gboolean rtcp)
{
  int n = (int)*len;
  g_assert_cmpint(rtcp ? srtp_protect_rtcp(lib, buf, &n) : srtp_protect(lib, buf, &n), ==,
                  srtp_err_status_ok);
  *len = (gsize)n;
}

static gboolean lib_unprotect(srtp_t lib, guint8 *buf, gsize *len, gboolean rtcp)
{
  int n = (int)*len;
  if ((rtcp ? srtp_unprotect_rtcp(lib, buf, &n) : srtp_unprotect(lib, buf, &n))
      != srtp_err_status_ok)
    return FALSE;
  *len = (gsize)n;
  return TRUE;
}

static gboolean nara_unprotect(NaraSrtpSession *s, guint8 *buf, gsize *len, gboolean rtcp)
{
  return rtcp ? nara_srtp_unprotect_rtcp(s, buf, len) : nara_srtp_unprotect(s, buf, len);
}

static gboolean nara_protect(NaraSrtpSession *s, guint8 *buf, gsize *len, gboolean rtcp)
{
  return rtcp ? nara_srtp_protect_rtcp(s, buf, len, BUF) : nara_srtp_protect(s, buf, len, BUF);
}

/* The traffic both interop directions send: three SSRCs interleaved, each
 * starting at 65530 so it wraps; varied sizes (across the ECB/CTR switch),
 * CSRCs and extensions; then steps of 30000 that take the ROC to ~10. */
typedef struct {
  guint32 ssrc;
  guint16 seq;
  gsize payload;
  guint cc;
  gboolean ext;
} Spec;

static guint traffic(Spec *out, guint cap)
{
  static const gsize sizes[] = { 0, 1, 15, 16, 17, 160, 511, 512, 513, 1000, 1200, 1400 };
  static const guint32 ssrcs[] = { 0x11111111, 0xdeadbeef, 1 };
  guint n = 0;
  for (guint i = 0; i < 20; i++)
    for (guint s = 0; s < G_N_ELEMENTS(ssrcs) && n < cap; s++, n++)
      out[n] = (Spec){ ssrcs[s], (guint16)(65530 + i), sizes[(i + s) % G_N_ELEMENTS(sizes)],
                       (i + s) % 3, (i + s) % 2 == 0 };
  guint16 seq = 14;
  for (guint i = 0; i < 20 && n < cap; i++, n++) {
    seq = (guint16)(seq + 30000);
    out[n] = (Spec){ 0x11111111, seq, sizes[i % G_N_ELEMENTS(sizes)], 0, FALSE };
  }
  return n;
}

/* Send direction lib_to_nara, else nara_to_lib; RTP then RTCP. */
static void interop(NaraSrtpProfile profile, gboolean lib_sends)
{
  srtp_t lib = lib_session(profile, !lib_sends);
  NaraSrtpSession *nara = nara_session(profile, lib_sends);
  Spec specs[100];
  guint n = traffic(specs, G_N_ELEMENTS(specs));
  guint8 buf[BUF], plain[BUF];
  for (guint i = 0; i < n; i++) {
    gsize len = make_rtp_full(buf, specs[i].ssrc, specs[i].seq, specs[i].payload, specs[i].cc,
                              specs[i].ext);
    gsize plain_len = len;
    memcpy(plain, buf, len);
    if (lib_sends) {
      lib_protect(lib, buf, &len, FALSE);
      g_assert_true(nara_srtp_unprotect(nara, buf, &len));
    } else {
      g_assert_true(nara_srtp_protect(nara, buf, &len, sizeof buf));
      g_assert_true(lib_unprotect(lib, buf, &len, FALSE));
    }
    g_assert_cmpmem(buf, len, plain, plain_len);
  }
  for (guint i = 0; i < 40; i++) {
    gsize len = make_rtcp(buf, i % 2 ? 0x11111111 : 0x2222, i % 4, i);
    gsize plain_len = len;
    memcpy(plain, buf, len);
    if (lib_sends) {
      lib_protect(lib, buf, &len, TRUE);
      g_assert_true(nara_srtp_unprotect_rtcp(nara, buf, &len));
    } else {
      g_assert_true(nara_srtp_protect_rtcp(nara, buf, &len, sizeof buf));
      g_assert_true(lib_unprotect(lib, buf, &len, TRUE));
    }
    g_assert_cmpmem(buf, len, plain, plain_len);
  }
  srtp_dealloc(lib);
  nara_srtp_session_free(nara);
}

static void lib_to_nara(gconstpointer data)
{
  interop(GPOINTER_TO_INT(data), TRUE);
}

static void nara_to_lib(gconstpointer data)
{
  interop(GPOINTER_TO_INT(data), FALSE);
}

/* SRTCP sent authenticated but not encrypted (E = 0, RFC 3711 §3.4). */
static void rtcp_auth_only(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  srtp_t lib = lib_session_keyed(profile, key, salt, FALSE, TRUE);
  NaraSrtpSession *rx = nara_session(profile, TRUE);
  guint8 buf[BUF], plain[BUF];
  for (guint i = 0; i < 5; i++) {
    gsize len = make_rtcp(buf, 0x4242, 1, i), plain_len = len;
    memcpy(plain, buf, len);
    lib_protect(lib, buf, &len, TRUE);
    g_assert_cmpmem(buf, plain_len, plain, plain_len); /* really not encrypted */
    g_assert_true(nara_srtp_unprotect_rtcp(rx, buf, &len));
    g_assert_cmpmem(buf, len, plain, plain_len);
  }
  srtp_dealloc(lib);
  nara_srtp_session_free(rx);
}

/* A window of 1024: late packets inside it pass once, older ones never;
 * the RTP sequence wraps on the way. */
static void replay(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  for (guint rtcp = 0; rtcp < 2; rtcp++) {
    srtp_t lib = lib_session(profile, FALSE);
    NaraSrtpSession *rx = nara_session(profile, TRUE);
    enum { N = 1200, HELD_LATE = 1100, HELD_OLD = 50 };
    guint8(*saved)[64] = g_malloc_n(N, 64);
    gsize saved_len[N];
    for (guint i = 0; i < N; i++) {
      guint8 buf[BUF];
      gsize len = rtcp ? make_rtcp(buf, 0x77, 0, i)
                       : make_rtp_full(buf, 0x77, (guint16)(64800 + i), 8, 0, FALSE);
      lib_protect(lib, buf, &len, rtcp);
      g_assert_cmpuint(len, <=, 64);
      memcpy(saved[i], buf, len);
      saved_len[i] = len;
      if (i == HELD_LATE || i == HELD_OLD)
        continue;
      g_assert_true(nara_unprotect(rx, buf, &len, rtcp));
      if (i % 97 == 0) { /* an immediate duplicate */
        memcpy(buf, saved[i], len = saved_len[i]);
        g_assert_false(nara_unprotect(rx, buf, &len, rtcp));
      }
    }
    guint8 buf[BUF];
    gsize len;
    /* 100 behind the newest: late but inside the window, accepted once. */
    memcpy(buf, saved[HELD_LATE], len = saved_len[HELD_LATE]);
    g_assert_true(nara_unprotect(rx, buf, &len, rtcp));
    memcpy(buf, saved[HELD_LATE], len = saved_len[HELD_LATE]);
    g_assert_false(nara_unprotect(rx, buf, &len, rtcp));
    /* 1150 behind: outside the window, refused though never seen. */
    memcpy(buf, saved[HELD_OLD], len = saved_len[HELD_OLD]);
    g_assert_false(nara_unprotect(rx, buf, &len, rtcp));
    /* Every other packet again: all replays. */
    for (guint i = 0; i < N; i += 7) {
      memcpy(buf, saved[i], len = saved_len[i]);
      g_assert_false(nara_unprotect(rx, buf, &len, rtcp));
    }
    g_free(saved);
    srtp_dealloc(lib);
    nara_srtp_session_free(rx);
  }
}

/* Any flipped bit anywhere (header, payload, tag, SRTCP trailer) is refused,
 * and the untouched packet still passes afterwards: refusals change nothing. */
static void tampered(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  for (guint rtcp = 0; rtcp < 2; rtcp++) {
    srtp_t lib = lib_session(profile, FALSE);
    NaraSrtpSession *rx = nara_session(profile, TRUE);
    guint8 good[BUF], buf[BUF], plain[BUF];
    gsize good_len = rtcp ? make_rtcp(good, 0x99, 2, 0) : make_rtp_full(good, 0x99, 7, 40, 1, TRUE);
    gsize plain_len = good_len;
    memcpy(plain, good, good_len);
    lib_protect(lib, good, &good_len, rtcp);
    for (gsize pos = 0; pos < good_len; pos++) {
      for (guint bit = 0; bit < 8; bit += 3) {
        gsize len = good_len;
        memcpy(buf, good, len);
        buf[pos] ^= (guint8)(1 << bit);
        g_assert_false(nara_unprotect(rx, buf, &len, rtcp));
      }
    }
    gsize len = good_len;
    memcpy(buf, good, len);
    g_assert_true(nara_unprotect(rx, buf, &len, rtcp));
    g_assert_cmpmem(buf, len, plain, plain_len);
    srtp_dealloc(lib);
    nara_srtp_session_free(rx);
  }
}

static void wrong_key_interop(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  guint8 other_key[16], other_salt[14];
  memcpy(other_key, key, 16);
  memcpy(other_salt, salt, 14);
  other_key[15] ^= 1;
  other_salt[0] ^= 0x80;
  for (guint which = 0; which < 2; which++) {
    srtp_t lib = which ? lib_session_keyed(profile, key, other_salt, FALSE, FALSE)
                       : lib_session_keyed(profile, other_key, salt, FALSE, FALSE);
    NaraSrtpSession *rx = nara_session(profile, TRUE);
    guint8 buf[BUF];
    gsize len = make_rtp(buf, 1);
    lib_protect(lib, buf, &len, FALSE);
    g_assert_false(nara_srtp_unprotect(rx, buf, &len));
    len = make_rtcp(buf, 5, 1, 0);
    lib_protect(lib, buf, &len, TRUE);
    g_assert_false(nara_srtp_unprotect_rtcp(rx, buf, &len));
    srtp_dealloc(lib);
    nara_srtp_session_free(rx);
  }
}

/* Every prefix of a valid packet is refused without reading past it (each
 * is copied to a heap block of exactly its length, for ASan), and so are
 * malformed headers. */
static void truncated(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  NaraSrtpSession *rx = nara_session(profile, TRUE);
  NaraSrtpSession *tx = nara_session(profile, FALSE);
  for (guint rtcp = 0; rtcp < 2; rtcp++) {
    guint8 buf[BUF];
    gsize full = rtcp ? make_rtcp(buf, 3, 1, 0) : make_rtp_full(buf, 3, 9, 30, 2, TRUE);
    g_assert_true(nara_protect(tx, buf, &full, rtcp));
    for (gsize len = 0; len < full; len++) {
      guint8 *cut = g_memdup2(buf, MAX(len, 1));
      gsize n = len;
      g_assert_false(nara_unprotect(rx, cut, &n, rtcp));
      g_free(cut);
    }
  }
  /* Plaintext too short for its own header is refused by protect too. */
  guint8 buf[BUF];
  gsize full = make_rtp_full(buf, 3, 10, 0, 3, TRUE);
  for (gsize len = 0; len < full; len++) {
    gsize n = len;
    g_assert_false(nara_srtp_protect(tx, buf, &n, sizeof buf));
  }
  gsize n = 7;
  g_assert_false(nara_srtp_protect_rtcp(tx, buf, &n, sizeof buf));
  /* An extension length pointing far past the end; a wrong version. */
  n = make_rtp_full(buf, 3, 11, 4, 0, TRUE);
  buf[14] = buf[15] = 0xff;
  g_assert_false(nara_srtp_protect(tx, buf, &n, sizeof buf));
  n = make_rtp(buf, 12);
  buf[0] = 0x40;
  g_assert_false(nara_srtp_protect(tx, buf, &n, sizeof buf));
  n = 70000;
  g_assert_false(nara_srtp_unprotect(rx, buf, &n));
  nara_srtp_session_free(rx);
  nara_srtp_session_free(tx);
}

/* NARA_SRTP_MAX_SSRCS per session; forged packets take no slot. */
static void ssrc_limit(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  srtp_t lib = lib_session(profile, FALSE);
  NaraSrtpSession *rx = nara_session(profile, TRUE);
  NaraSrtpSession *tx = nara_session(profile, FALSE);
  guint8 buf[BUF];
  gsize len;
  for (guint i = 0; i < 500; i++) {
    len = make_rtp_full(buf, 0x50000000 + i, 1, 20, 0, FALSE);
    len += 16;
    g_assert_false(nara_srtp_unprotect(rx, buf, &len));
  }
  for (guint32 ssrc = 1; ssrc <= NARA_SRTP_MAX_SSRCS + 1; ssrc++) {
    gboolean fits = ssrc <= NARA_SRTP_MAX_SSRCS;
    len = make_rtp_full(buf, ssrc * 0x01010101u, 1, 20, 0, FALSE);
    lib_protect(lib, buf, &len, FALSE);
    g_assert_cmpint(nara_srtp_unprotect(rx, buf, &len), ==, fits);
    len = make_rtp_full(buf, ssrc * 0x01010101u, 1, 20, 0, FALSE);
    g_assert_cmpint(nara_srtp_protect(tx, buf, &len, sizeof buf), ==, fits);
  }
  /* The tracked ones carry on, RTCP included (the same table). */
  len = make_rtp_full(buf, 0x01010101u, 2, 20, 0, FALSE);
  lib_protect(lib, buf, &len, FALSE);
  g_assert_true(nara_srtp_unprotect(rx, buf, &len));
  len = make_rtcp(buf, 0x02020202u, 0, 0);
  lib_protect(lib, buf, &len, TRUE);
  g_assert_true(nara_srtp_unprotect_rtcp(rx, buf, &len));
  len = make_rtcp(buf, 0x77777777u, 0, 0);
  lib_protect(lib, buf, &len, TRUE);
  g_assert_false(nara_srtp_unprotect_rtcp(rx, buf, &len));
  srtp_dealloc(lib);
  nara_srtp_session_free(rx);
  nara_srtp_session_free(tx);
}

/* Protect allows what a forwarder does: the same packet again (identical
 * bytes, which the receiver then drops as a replay) and a late one. */
static void repeated_tx(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  srtp_t lib = lib_session(profile, TRUE);
  NaraSrtpSession *tx = nara_session(profile, FALSE);
  guint8 a[BUF], b[BUF];
  gsize alen = make_rtp(a, 65535), blen = make_rtp(b, 65535);
  g_assert_true(nara_srtp_protect(tx, a, &alen, sizeof a));
  g_assert_true(nara_srtp_protect(tx, b, &blen, sizeof b));
  g_assert_cmpmem(a, alen, b, blen);
  g_assert_true(lib_unprotect(lib, a, &alen, FALSE));
  g_assert_false(lib_unprotect(lib, b, &blen, FALSE));
  /* 1 then 0 then 65534: ROC 1, 1, then back to 0 for the late one. */
  const guint16 seqs[] = { 1, 0, 65534 };
  for (guint i = 0; i < G_N_ELEMENTS(seqs); i++) {
    gsize len = make_rtp(a, seqs[i]);
    g_assert_true(nara_srtp_protect(tx, a, &len, sizeof a));
    g_assert_true(lib_unprotect(lib, a, &len, FALSE));
  }
  srtp_dealloc(lib);
  nara_srtp_session_free(tx);
}

/* The AES-ECB counter-block path and the AES-CTR path give the same bytes
 * at every size, including past 256 blocks where the counter's high octet
 * moves. */
static void cm_paths_agree(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  NaraSrtpSession *ecb = nara_session(profile, FALSE), *ctr = nara_session(profile, FALSE);
  nara_srtp_session_set_ecb_limit(ecb, G_MAXSIZE);
  nara_srtp_session_set_ecb_limit(ctr, 0);
  static guint8 a[5000 + NARA_SRTP_MAX_TAIL], b[sizeof a];
  for (gsize payload = 0; payload <= 5000; payload += payload < 600 ? 1 : 97) {
    gsize alen = make_rtp_full(a, 0xabc, (guint16)payload, payload, 0, FALSE);
    gsize blen = make_rtp_full(b, 0xabc, (guint16)payload, payload, 0, FALSE);
    g_assert_true(nara_srtp_protect(ecb, a, &alen, sizeof a));
    g_assert_true(nara_srtp_protect(ctr, b, &blen, sizeof b));
    g_assert_cmpmem(a, alen, b, blen);
  }
  nara_srtp_session_free(ecb);
  nara_srtp_session_free(ctr);
}

/* The EVP_MAC HMAC kind interoperates as well as the default one. */
static void evp_mac_kind(void)
{
  NaraSrtpSession *tx = nara_session(NARA_SRTP_AES128_CM_SHA1_80, FALSE);
  g_assert_true(nara_srtp_session_set_hmac_kind(tx, NARA_SRTP_HMAC_EVP_MAC, NULL));
  srtp_t lib = lib_session(NARA_SRTP_AES128_CM_SHA1_80, TRUE);
  guint8 buf[BUF];
  for (guint16 seq = 1; seq < 5; seq++) {
    gsize len = make_rtp(buf, seq);
    g_assert_true(nara_srtp_protect(tx, buf, &len, sizeof buf));
    g_assert_true(lib_unprotect(lib, buf, &len, FALSE));
    len = make_rtcp(buf, 9, 1, seq);
    g_assert_true(nara_srtp_protect_rtcp(tx, buf, &len, sizeof buf));
    g_assert_true(lib_unprotect(lib, buf, &len, TRUE));
  }
  srtp_dealloc(lib);
  nara_srtp_session_free(tx);
}

static void round_trip(gconstpointer data)
{
  NaraSrtpProfile profile = GPOINTER_TO_INT(data);
  g_autoptr(GError) error = NULL;
  g_assert_true(nara_srtp_library_ref(&error));
  NaraSrtpSession *tx = nara_srtp_session_new(profile, key, salt, FALSE, &error);
  NaraSrtpSession *rx = nara_srtp_session_new(profile, key, salt, TRUE, &error);
  g_assert_no_error(error);

  guint8 buf[200 + NARA_SRTP_MAX_TAIL], plain[200];
  for (guint16 seq = 1; seq < 50; seq++) {
    gsize len = make_rtp(buf, seq);
    memcpy(plain, buf, len);
    gsize plain_len = len;
    g_assert_true(nara_srtp_protect(tx, buf, &len, sizeof buf));
    g_assert_cmpuint(len, >, plain_len);
    g_assert_true(memcmp(buf + 12, plain + 12, plain_len - 12) != 0);
    g_assert_true(nara_srtp_unprotect(rx, buf, &len));
    g_assert_cmpmem(buf, len, plain, plain_len);
  }

  /* RTCP: a receiver report with no blocks. */
  guint8 rtcp[64 + NARA_SRTP_MAX_TAIL] = { 0x80, 201, 0, 1, 0xde, 0xad, 0xbe, 0xef };
  gsize rlen = 8;
  g_assert_true(nara_srtp_protect_rtcp(tx, rtcp, &rlen, sizeof rtcp));
  g_assert_true(nara_srtp_unprotect_rtcp(rx, rtcp, &rlen));
  g_assert_cmpuint(rlen, ==, 8);
  g_assert_cmpuint(rtcp[1], ==, 201);

  /* Wrong direction and short tail room are refused, not crashed on. */
  gsize len = make_rtp(buf, 200);
  g_assert_false(nara_srtp_protect(rx, buf, &len, sizeof buf));
  g_assert_false(nara_srtp_protect(tx, buf, &len, len + 4));
  g_assert_false(nara_srtp_unprotect(tx, buf, &len));
  g_assert_false(nara_srtp_protect_rtcp(rx, rtcp, &rlen, sizeof rtcp));
  g_assert_false(nara_srtp_unprotect_rtcp(tx, rtcp, &rlen));

  nara_srtp_session_free(tx);
  nara_srtp_session_free(rx);
  nara_srtp_library_unref();
}

static void add_per_profile(const char *name, GTestDataFunc func, gboolean cm_only)
{
  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    if (cm_only && profiles[i] == NARA_SRTP_AEAD_AES_128_GCM)
      continue;
    g_autofree char *path
        = g_strdup_printf("/media/srtp/%s/%s", nara_srtp_profile_name(profiles[i]), name);
    g_test_add_data_func(path, GINT_TO_POINTER(profiles[i]), func);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert_cmpint(srtp_init(), ==, srtp_err_status_ok);
  add_per_profile("round-trip", round_trip, FALSE);
  add_per_profile("libsrtp2-to-nara", lib_to_nara, FALSE);
  add_per_profile("nara-to-libsrtp2", nara_to_lib, FALSE);
  add_per_profile("rtcp-auth-only", rtcp_auth_only, FALSE);
  add_per_profile("replay", replay, FALSE);
  add_per_profile("tampered", tampered, FALSE);
  add_per_profile("wrong-key", wrong_key_interop, FALSE);
  add_per_profile("truncated", truncated, FALSE);
  add_per_profile("ssrc-limit", ssrc_limit, FALSE);
  add_per_profile("repeated-tx", repeated_tx, FALSE);
  add_per_profile("ecb-ctr-agree", cm_paths_agree, TRUE);
  g_test_add_func("/media/srtp/evp-mac-hmac", evp_mac_kind);
  int rc = g_test_run();
  srtp_shutdown();
  return rc;
}
