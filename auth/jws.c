/* jws.c — JWS signature checks for the three algorithms Nara accepts
 * (RFC 7518 §3.2 HS256, §3.3 RS256, §3.4 ES256).
 *
 * Each function checks one algorithm with one kind of key; which one runs
 * is decided by the key, never by the token alone (token.c). MACs are
 * compared with CRYPTO_memcmp. Does not parse JSON.
 *
 * Threading: pure functions, control thread.
 */
#include "auth-private.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>

gboolean nara_jws_alg_from_string(const char *s, NaraJwsAlg *out)
{
  /* RFC 7518 §3.1 names are case-sensitive: "hs256" is not HS256. */
  if (g_strcmp0(s, "HS256") == 0)
    *out = NARA_JWS_HS256;
  else if (g_strcmp0(s, "RS256") == 0)
    *out = NARA_JWS_RS256;
  else if (g_strcmp0(s, "ES256") == 0)
    *out = NARA_JWS_ES256;
  else
    return FALSE;
  return TRUE;
}

void nara_jws_hs256(const guint8 *secret, gsize secret_len, const char *data, gsize len,
                    guint8 out[32])
{
  unsigned int out_len = 32;

  if (HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)data, len, out, &out_len)
          == NULL
      || out_len != 32)
    g_error("HMAC-SHA256 unavailable in OpenSSL");
}

gboolean nara_jws_verify_hs256(const guint8 *secret, gsize secret_len, const char *signing_input,
                               gsize input_len, const guint8 *sig, gsize sig_len)
{
  guint8 mac[32];
  gboolean ok;

  /* RFC 7518 §3.2: the whole 256-bit MAC, no truncation accepted. */
  if (sig_len != sizeof mac)
    return FALSE;
  nara_jws_hs256(secret, secret_len, signing_input, input_len, mac);
  /* Constant time: a byte-wise early exit leaks how much of a forged MAC is
   * right (libjwt CVE-2024-25189). */
  ok = CRYPTO_memcmp(mac, sig, sizeof mac) == 0;
  OPENSSL_cleanse(mac, sizeof mac);
  return ok;
}

/* RFC 7518 §3.4: an ES256 signature is R || S, each 32 bytes big-endian;
 * OpenSSL verifies the DER SEQUENCE of two INTEGERs (SEC 1), so convert.
 * A DER signature sent as is has the wrong length and fails here. */
static guint8 *es256_raw_to_der(const guint8 *sig, gsize sig_len, gsize *der_len)
{
  ECDSA_SIG *es;
  BIGNUM *r, *s;
  unsigned char *der = NULL;
  int n;
  guint8 *copy;

  if (sig_len != 64)
    return NULL;
  es = ECDSA_SIG_new();
  r = BN_bin2bn(sig, 32, NULL);
  s = BN_bin2bn(sig + 32, 32, NULL);
  if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return NULL;
  }
  n = i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es);
  if (n <= 0)
    return NULL;
  copy = g_memdup2(der, (gsize)n);
  OPENSSL_free(der);
  *der_len = (gsize)n;
  return copy;
}

gboolean nara_jws_verify_pkey(const NaraJwk *key, const char *signing_input, gsize input_len,
                              const guint8 *sig, gsize sig_len)
{
  g_autofree guint8 *der = NULL;
  EVP_MD_CTX *md = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  gboolean ok = FALSE;

  if (key->alg == NARA_JWS_ES256) {
    der = es256_raw_to_der(sig, sig_len, &sig_len);
    if (der == NULL)
      return FALSE;
    sig = der;
  } else if (key->alg == NARA_JWS_RS256) {
    /* RFC 8017 §8.2.2 step 1: the signature is exactly k octets. */
    if (sig_len != (gsize)EVP_PKEY_get_size(key->pkey))
      return FALSE;
  } else {
    return FALSE; /* HS256 never runs against a public key */
  }
  md = EVP_MD_CTX_new();
  if (md != NULL && EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key->pkey) == 1 &&
      /* RS256 is RSASSA-PKCS1-v1_5, never PSS (RFC 7518 §3.3). */
      (key->alg != NARA_JWS_RS256 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1)
      && EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)signing_input, input_len) == 1)
    ok = TRUE;
  EVP_MD_CTX_free(md);
  /* A refused signature leaves errors on this thread's OpenSSL queue; the
   * TLS code on the same thread reads that queue, so leave it empty. */
  ERR_clear_error();
  return ok;
}
