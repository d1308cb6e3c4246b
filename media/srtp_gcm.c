/* srtp_gcm.c — AES-128-GCM for SRTP (RFC 7714) on OpenSSL's GCM mode.
 *
 * Owns one key's GCM state: OpenSSL's GCM128 context (GHASH with the
 * CPU's carry-less multiply, chosen by OpenSSL) over a keyed AES-128-ECB
 * EVP context as its block cipher, the counter blocks encrypted through
 * it in batches. Through EVP_aes_128_gcm() every packet paid for OpenSSL
 * 3.0's parameter machinery: setting the IV queries the IV length by name,
 * and the tag goes through a control call turned into a parameter array,
 * each lookup a string comparison against every name GCM knows. That was
 * 4-5 % of a media worker's CPU at fan-out 10 (docs/performance.md). The
 * ECB context is keyed once and never re-initialised, so no call here
 * looks anything up. Pure over its own state: runs on whichever media
 * worker owns the session.
 */
#include "srtp-private.h"

#include <string.h>
#include <openssl/evp.h>
#include <openssl/modes.h>

/* Counter blocks encrypted per AES-ECB call, on the stack. */
#define CHUNK_BLOCKS 32

struct _NaraSrtpGcm {
  EVP_CIPHER_CTX *ecb; /* AES-128-ECB, the key set once */
  GCM128_CONTEXT *gcm;
};

static void aes_block(const unsigned char in[16], unsigned char out[16], const void *key)
{
  int len;
  /* Keyed ECB without padding on one block: nothing can fail. */
  (void)EVP_EncryptUpdate((EVP_CIPHER_CTX *)key, out, &len, in, 16);
}

/* OpenSSL's ctr128_f: blocks whole blocks of keystream from the counter
 * block ivec (its last 32 bits counting, big-endian) XORed over in. */
static void aes_ctr32(const unsigned char *in, unsigned char *out, size_t blocks, const void *key,
                      const unsigned char ivec[16])
{
  guint8 ks[CHUNK_BLOCKS * 16];
  guint32 ctr
      = ((guint32)ivec[12] << 24) | ((guint32)ivec[13] << 16) | ((guint32)ivec[14] << 8) | ivec[15];
  while (blocks) {
    gsize n = MIN(blocks, (gsize)CHUNK_BLOCKS);
    for (gsize b = 0; b < n; b++, ctr++) {
      guint8 *k = ks + 16 * b;
      memcpy(k, ivec, 12);
      k[12] = (guint8)(ctr >> 24), k[13] = (guint8)(ctr >> 16);
      k[14] = (guint8)(ctr >> 8), k[15] = (guint8)ctr;
    }
    int len;
    (void)EVP_EncryptUpdate((EVP_CIPHER_CTX *)key, ks, &len, ks, (int)(n * 16));
    for (gsize i = 0; i < n * 16; i += 8) {
      guint64 a, b;
      memcpy(&a, in + i, 8);
      memcpy(&b, ks + i, 8);
      a ^= b;
      memcpy(out + i, &a, 8);
    }
    in += n * 16;
    out += n * 16;
    blocks -= n;
  }
}

NaraSrtpGcm *nara_srtp_gcm_new(const guint8 *key)
{
  NaraSrtpGcm *g = g_new0(NaraSrtpGcm, 1);
  g->ecb = EVP_CIPHER_CTX_new();
  if (!g->ecb || EVP_EncryptInit_ex(g->ecb, EVP_aes_128_ecb(), NULL, key, NULL) != 1
      || EVP_CIPHER_CTX_set_padding(g->ecb, 0) != 1
      || !(g->gcm = CRYPTO_gcm128_new(g->ecb, aes_block))) {
    nara_srtp_gcm_free(g);
    return NULL;
  }
  return g;
}

void nara_srtp_gcm_free(NaraSrtpGcm *g)
{
  if (!g)
    return;
  if (g->gcm)
    CRYPTO_gcm128_release(g->gcm); /* cleanses the hash key */
  EVP_CIPHER_CTX_free(g->ecb);
  g_free(g);
}

gboolean nara_srtp_gcm_apply(NaraSrtpGcm *g, const guint8 *iv, const guint8 *aad, gsize aad_len,
                             const guint8 *aad2, gsize aad2_len, guint8 *data, gsize len,
                             guint8 *tag, gboolean encrypt)
{
  CRYPTO_gcm128_setiv(g->gcm, iv, 12);
  if (CRYPTO_gcm128_aad(g->gcm, aad, aad_len) != 0
      || (aad2_len && CRYPTO_gcm128_aad(g->gcm, aad2, aad2_len) != 0))
    return FALSE;
  if (len
      && (encrypt ? CRYPTO_gcm128_encrypt_ctr32(g->gcm, data, data, len, aes_ctr32)
                  : CRYPTO_gcm128_decrypt_ctr32(g->gcm, data, data, len, aes_ctr32))
             != 0)
    return FALSE;
  if (encrypt) {
    CRYPTO_gcm128_tag(g->gcm, tag, NARA_SRTP_GCM_TAG_LEN);
    return TRUE;
  }
  /* Compared in constant time by OpenSSL. */
  return CRYPTO_gcm128_finish(g->gcm, tag, NARA_SRTP_GCM_TAG_LEN) == 0;
}
