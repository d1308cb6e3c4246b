/* srtp_hmac.c — HMAC-SHA1 (RFC 2104) for the AES-CM SRTP profiles, keyed once.
 *
 * HMAC over SHA-1 is most of an AES-CM packet's cost, and OpenSSL 3.0's keyed
 * re-init (HMAC_Init_ex or EVP_MAC_init with a NULL key) duplicates two
 * digest contexts per message, allocation included. Absorbing key^ipad and
 * key^opad once and copying those SHA-1 states per message is ~0.2 µs
 * cheaper per packet at 200 and 1200 octets (docs/performance.md). It does
 * not truncate or compare tags (srtp_session.c does). Runs on the media
 * worker that owns the session.
 */

/* SHA1_Init/Update/Final are deprecated in OpenSSL 3.0 but still built by
 * default; builds configured without them fall back to EVP_MAC. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "srtp-private.h"

#include "media.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#if !defined(OPENSSL_NO_DEPRECATED_3_0)
#define HAVE_SHA1_PADS 1
#endif

#define SHA1_BLOCK 64

struct _NaraSrtpHmac {
  NaraSrtpHmacKind kind;
#ifdef HAVE_SHA1_PADS
  SHA_CTX inner, outer; /* after absorbing key^ipad, key^opad */
#endif
  EVP_MAC_CTX *mac; /* keyed template, NARA_SRTP_HMAC_EVP_MAC only */
};

NaraSrtpHmacKind nara_srtp_hmac_default_kind(void)
{
#ifdef HAVE_SHA1_PADS
  return NARA_SRTP_HMAC_SHA1_PADS;
#else
  return NARA_SRTP_HMAC_EVP_MAC;
#endif
}

static void set_error(GError **error, const char *what)
{
  g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "SRTP HMAC-SHA1: %s", what);
}

#ifdef HAVE_SHA1_PADS
static gboolean init_pads(NaraSrtpHmac *hmac, const guint8 *key, gsize key_len)
{
  /* RFC 2104 §2: keys longer than a block would be hashed first; SRTP's are
   * 20 octets, so that branch never runs here and is refused instead. */
  if (key_len > SHA1_BLOCK)
    return FALSE;
  guint8 pad[SHA1_BLOCK];
  memset(pad, 0x36, sizeof pad);
  for (gsize i = 0; i < key_len; i++)
    pad[i] ^= key[i];
  gboolean ok = SHA1_Init(&hmac->inner) == 1 && SHA1_Update(&hmac->inner, pad, sizeof pad) == 1;
  memset(pad, 0x5c, sizeof pad);
  for (gsize i = 0; i < key_len; i++)
    pad[i] ^= key[i];
  ok = ok && SHA1_Init(&hmac->outer) == 1 && SHA1_Update(&hmac->outer, pad, sizeof pad) == 1;
  OPENSSL_cleanse(pad, sizeof pad);
  return ok;
}
#endif

static gboolean init_mac(NaraSrtpHmac *hmac, const guint8 *key, gsize key_len)
{
  EVP_MAC *mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
  if (!mac)
    return FALSE;
  hmac->mac = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  char digest[] = OSSL_DIGEST_NAME_SHA1;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
    OSSL_PARAM_construct_end(),
  };
  return hmac->mac && EVP_MAC_init(hmac->mac, key, key_len, params) == 1;
}

NaraSrtpHmac *nara_srtp_hmac_new(NaraSrtpHmacKind kind, const guint8 *key, gsize key_len,
                                 GError **error)
{
  NaraSrtpHmac *hmac = g_new0(NaraSrtpHmac, 1);
  hmac->kind = kind;
  gboolean ok = FALSE;
  switch (kind) {
  case NARA_SRTP_HMAC_SHA1_PADS:
#ifdef HAVE_SHA1_PADS
    ok = init_pads(hmac, key, key_len);
#endif
    break;
  case NARA_SRTP_HMAC_EVP_MAC:
    ok = init_mac(hmac, key, key_len);
    break;
  }
  if (!ok) {
    set_error(error, "this OpenSSL cannot key it");
    nara_srtp_hmac_free(hmac);
    return NULL;
  }
  return hmac;
}

void nara_srtp_hmac_free(NaraSrtpHmac *hmac)
{
  if (!hmac)
    return;
  EVP_MAC_CTX_free(hmac->mac);
  OPENSSL_cleanse(hmac, sizeof *hmac);
  g_free(hmac);
}

#ifdef HAVE_SHA1_PADS
static gboolean sha1_pads(const NaraSrtpHmac *hmac, const guint8 *data, gsize len,
                          const guint8 *tail, gsize tail_len, guint8 *out)
{
  /* RFC 2104 §2: H(K^opad, H(K^ipad, text)), both prefixes already absorbed. */
  SHA_CTX ctx = hmac->inner;
  guint8 inner[SHA_DIGEST_LENGTH];
  gboolean ok = SHA1_Update(&ctx, data, len) == 1
                && (tail_len == 0 || SHA1_Update(&ctx, tail, tail_len) == 1)
                && SHA1_Final(inner, &ctx) == 1;
  ctx = hmac->outer;
  ok = ok && SHA1_Update(&ctx, inner, sizeof inner) == 1 && SHA1_Final(out, &ctx) == 1;
  return ok;
}
#endif

static gboolean evp_mac(NaraSrtpHmac *hmac, const guint8 *data, gsize len, const guint8 *tail,
                        gsize tail_len, guint8 *out)
{
  gsize out_len = 0;
  return EVP_MAC_init(hmac->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(hmac->mac, data, len) == 1
         && (tail_len == 0 || EVP_MAC_update(hmac->mac, tail, tail_len) == 1)
         && EVP_MAC_final(hmac->mac, out, &out_len, NARA_SRTP_HMAC_LEN) == 1
         && out_len == NARA_SRTP_HMAC_LEN;
}

gboolean nara_srtp_hmac_sha1(NaraSrtpHmac *hmac, const guint8 *data, gsize len, const guint8 *tail,
                             gsize tail_len, guint8 *out)
{
#ifdef HAVE_SHA1_PADS
  if (hmac->kind == NARA_SRTP_HMAC_SHA1_PADS)
    return sha1_pads(hmac, data, len, tail, tail_len, out);
#endif
  return evp_mac(hmac, data, len, tail, tail_len, out);
}
