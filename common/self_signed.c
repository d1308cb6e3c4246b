/* self_signed.c — builds a self-signed X.509 certificate on OpenSSL.
 *
 * Fills in serial, validity, names and the optional extensions, then signs
 * with the certificate's own key. Failures are left on OpenSSL's error
 * queue so each caller reports them in its own error domain.
 *
 * Threading: any thread.
 */
#include "self_signed.h"

#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "random_id.h"

static gboolean add_ext(X509 *cert, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;
  gboolean ok;

  X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  ok = ext != NULL && X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok;
}

static gboolean set_serial(X509 *cert)
{
  unsigned char serial[16];
  BIGNUM *bn;
  gboolean ok;

  nara_random_bytes(serial, sizeof serial);
  serial[0] &= 0x7f; /* positive */
  bn = BN_bin2bn(serial, sizeof serial, NULL);
  ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
  BN_free(bn);
  return ok;
}

X509 *nara_self_signed_cert(EVP_PKEY *key, const NaraCertSpec *spec)
{
  X509 *cert = X509_new();
  X509_NAME *name;

  if (!cert || !X509_set_version(cert, 2) || !set_serial(cert)
      || !X509_gmtime_adj(X509_getm_notBefore(cert), -spec->slack_s)
      || !X509_time_adj_ex(X509_getm_notAfter(cert), spec->days, 0, NULL)
      || !X509_set_pubkey(cert, key))
    goto fail;
  name = X509_get_subject_name(cert);
  if (spec->organization
      && !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                     (const unsigned char *)spec->organization, -1, -1, 0))
    goto fail;
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  (const unsigned char *)spec->common_name, -1, -1, 0)
      || !X509_set_issuer_name(cert, name))
    goto fail;
  if (spec->subject_alt_name && !add_ext(cert, NID_subject_alt_name, spec->subject_alt_name))
    goto fail;
  if (spec->not_a_ca && !add_ext(cert, NID_basic_constraints, "critical,CA:FALSE"))
    goto fail;
  if (!X509_sign(cert, key, EVP_sha256()))
    goto fail;
  return cert;
fail:
  X509_free(cert);
  return NULL;
}
