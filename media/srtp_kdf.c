/* srtp_kdf.c — SRTP session key derivation (RFC 3711 §4.3, RFC 7714 §11).
 *
 * Turns the master key and salt that DTLS exports into the session keys of
 * one direction, once per session: key derivation rate 0, so no re-keying
 * and no per-packet work here. It does not handle MKIs or kdr > 0 (DTLS-SRTP
 * uses neither, RFC 5764 §4.1.2). Runs on the media worker creating the
 * session; pure apart from the OpenSSL cipher context it makes and frees.
 */
#include "srtp-private.h"

#include "media.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define PRF_SALT_LEN 14 /* the PRF input x is 112 bits */

gboolean nara_srtp_kdf(const guint8 *master_key, const guint8 *master_salt, gsize salt_len,
                       guint8 label, guint8 *out, gsize out_len, GError **error)
{
  g_return_val_if_fail(salt_len <= PRF_SALT_LEN, FALSE);
  g_return_val_if_fail(out_len <= 256, FALSE);

  /* §4.3.1: key_id = label || (index DIV kdr), 56 bits, is 0 below the label
   * when kdr is 0; x = key_id XOR master_salt, right-aligned in 112 bits, so
   * the label lands in octet 7. §4.3.3: the PRF is AES-CM keyed with the
   * master key, IV = x * 2^16, run over zeros for as many octets as needed. */
  guint8 iv[16] = { 0 };
  memcpy(iv, master_salt, salt_len);
  iv[7] ^= label;

  guint8 zeros[256] = { 0 };
  gboolean ok = FALSE;
  int n = 0;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, master_key, iv) == 1
      && EVP_EncryptUpdate(ctx, out, &n, zeros, (int)out_len) == 1 && (gsize)n == out_len)
    ok = TRUE;
  EVP_CIPHER_CTX_free(ctx);
  OPENSSL_cleanse(iv, sizeof iv);
  if (!ok) {
    OPENSSL_cleanse(out, out_len);
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL,
                "SRTP key derivation: AES-128-CTR failed in OpenSSL");
  }
  return ok;
}

static gboolean derive_one(NaraSrtpProfile profile, const guint8 *master_key,
                           const guint8 *master_salt, guint8 first_label, NaraSrtpSessionKeys *keys,
                           GError **error)
{
  gsize salt_len = nara_srtp_profile_salt_len(profile);
  memset(keys, 0, sizeof *keys);
  /* RTP labels are 0, 1, 2 and RTCP 3, 4, 5: encryption, auth, salt. */
  if (!nara_srtp_kdf(master_key, master_salt, salt_len, first_label, keys->cipher_key,
                     NARA_SRTP_KEY_LEN, error)
      || !nara_srtp_kdf(master_key, master_salt, salt_len, first_label + 2, keys->salt, salt_len,
                        error))
    return FALSE;
  /* RFC 7714 §11: AEAD needs no authentication key. */
  if (profile != NARA_SRTP_AEAD_AES_128_GCM
      && !nara_srtp_kdf(master_key, master_salt, salt_len, first_label + 1, keys->auth_key,
                        NARA_SRTP_AUTH_KEY_LEN, error))
    return FALSE;
  return TRUE;
}

gboolean nara_srtp_derive_session_keys(NaraSrtpProfile profile, const guint8 *master_key,
                                       const guint8 *master_salt, NaraSrtpSessionKeys *rtp,
                                       NaraSrtpSessionKeys *rtcp, GError **error)
{
  if (derive_one(profile, master_key, master_salt, NARA_SRTP_LABEL_RTP_ENCRYPTION, rtp, error)
      && derive_one(profile, master_key, master_salt, NARA_SRTP_LABEL_RTCP_ENCRYPTION, rtcp, error))
    return TRUE;
  OPENSSL_cleanse(rtp, sizeof *rtp);
  OPENSSL_cleanse(rtcp, sizeof *rtcp);
  return FALSE;
}
