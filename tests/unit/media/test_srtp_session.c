/* test_srtp_session.c — SRTP sessions: round trips for both profiles,
 * tampering and replays refused. Single-threaded. */
#include "srtp_session.h"

#include <string.h>

static const guint8 key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const guint8 salt[14] = { 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34 };

static gsize make_rtp(guint8 *buf, guint16 seq)
{
  memset(buf, 0, 200);
  buf[0] = 0x80;
  buf[1] = 96;
  buf[2] = seq >> 8;
  buf[3] = seq & 0xff;
  buf[8] = 0x12, buf[9] = 0x34, buf[10] = 0x56, buf[11] = 0x78;
  for (guint i = 12; i < 172; i++)
    buf[i] = (guint8)i;
  return 172;
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

  /* Tampering: one flipped payload bit fails authentication. */
  gsize len = make_rtp(buf, 100);
  g_assert_true(nara_srtp_protect(tx, buf, &len, sizeof buf));
  guint8 copy[sizeof buf];
  memcpy(copy, buf, len);
  gsize copy_len = len;
  buf[20] ^= 1;
  g_assert_false(nara_srtp_unprotect(rx, buf, &len));
  /* The untouched packet still passes, once; the replay does not. */
  memcpy(buf, copy, copy_len);
  len = copy_len;
  g_assert_true(nara_srtp_unprotect(rx, buf, &len));
  memcpy(buf, copy, copy_len);
  len = copy_len;
  g_assert_false(nara_srtp_unprotect(rx, buf, &len));

  /* RTCP: a receiver report with no blocks. */
  guint8 rtcp[64 + NARA_SRTP_MAX_TAIL] = { 0x80, 201, 0, 1, 0xde, 0xad, 0xbe, 0xef };
  gsize rlen = 8;
  g_assert_true(nara_srtp_protect_rtcp(tx, rtcp, &rlen, sizeof rtcp));
  g_assert_true(nara_srtp_unprotect_rtcp(rx, rtcp, &rlen));
  g_assert_cmpuint(rlen, ==, 8);
  g_assert_cmpuint(rtcp[1], ==, 201);

  /* Wrong direction and short tail room are refused, not crashed on. */
  len = make_rtp(buf, 200);
  g_assert_false(nara_srtp_protect(rx, buf, &len, sizeof buf));
  g_assert_false(nara_srtp_protect(tx, buf, &len, len + 4));

  nara_srtp_session_free(tx);
  nara_srtp_session_free(rx);
  nara_srtp_library_unref();
}

static void wrong_key(void)
{
  g_assert_true(nara_srtp_library_ref(NULL));
  guint8 other[16];
  memcpy(other, key, 16);
  other[0] ^= 0xff;
  NaraSrtpSession *tx = nara_srtp_session_new(NARA_SRTP_AEAD_AES_128_GCM, key, salt, FALSE, NULL);
  NaraSrtpSession *rx = nara_srtp_session_new(NARA_SRTP_AEAD_AES_128_GCM, other, salt, TRUE, NULL);
  guint8 buf[200 + NARA_SRTP_MAX_TAIL];
  gsize len = make_rtp(buf, 1);
  g_assert_true(nara_srtp_protect(tx, buf, &len, sizeof buf));
  g_assert_false(nara_srtp_unprotect(rx, buf, &len));
  nara_srtp_session_free(tx);
  nara_srtp_session_free(rx);
  nara_srtp_library_unref();
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/media/srtp/aes-cm", GINT_TO_POINTER(NARA_SRTP_AES128_CM_SHA1_80),
                       round_trip);
  g_test_add_data_func("/media/srtp/aes-gcm", GINT_TO_POINTER(NARA_SRTP_AEAD_AES_128_GCM),
                       round_trip);
  g_test_add_func("/media/srtp/wrong-key", wrong_key);
  return g_test_run();
}
