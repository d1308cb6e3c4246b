/* test_self_signed.c — the self-signed certificate maker: names, validity
 * window, a positive serial, the optional SAN and CA:FALSE, and a
 * signature that verifies with the certificate's own key.
 */
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "self_signed.h"

static void test_dtls_like(void)
{
  EVP_PKEY *key = EVP_EC_gen("P-256");
  NaraCertSpec spec = { .common_name = "nara", .slack_s = 24 * 3600, .days = 30 };
  X509 *cert = nara_self_signed_cert(key, &spec);
  char cn[64] = "";
  time_t t;

  g_assert_nonnull(cert);
  g_assert_cmpint(X509_get_version(cert), ==, 2);
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  g_assert_cmpstr(cn, ==, "nara");
  g_assert_cmpint(X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)), ==, 0);
  g_assert_cmpint(X509_verify(cert, key), ==, 1);
  g_assert_false(ASN1_STRING_type(X509_get0_serialNumber(cert)) == V_ASN1_NEG_INTEGER);
  /* valid from a day ago (minus a minute's margin) to 30 days ahead */
  t = time(NULL) - 24 * 3600 + 60;
  g_assert_cmpint(X509_cmp_time(X509_get0_notBefore(cert), &t), <, 0);
  t = time(NULL) + 29 * 24 * 3600;
  g_assert_cmpint(X509_cmp_time(X509_get0_notAfter(cert), &t), >, 0);
  t = time(NULL) + 31 * 24 * 3600;
  g_assert_cmpint(X509_cmp_time(X509_get0_notAfter(cert), &t), <, 0);
  g_assert_cmpint(X509_get_ext_count(cert), ==, 0);
  X509_free(cert);
  EVP_PKEY_free(key);
}

static void test_tls_like(void)
{
  EVP_PKEY *key = EVP_EC_gen("P-256");
  NaraCertSpec spec = { .organization = "Nara",
                        .common_name = "Nara self-signed",
                        .slack_s = 3600,
                        .days = 365,
                        .subject_alt_name = "DNS:localhost,IP:127.0.0.1,IP:::1",
                        .not_a_ca = TRUE };
  X509 *cert = nara_self_signed_cert(key, &spec);
  char org[64] = "";
  GENERAL_NAMES *san;
  BASIC_CONSTRAINTS *bc;
  int crit = -1;

  g_assert_nonnull(cert);
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_organizationName, org, sizeof org);
  g_assert_cmpstr(org, ==, "Nara");
  san = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
  g_assert_nonnull(san);
  g_assert_cmpint(sk_GENERAL_NAME_num(san), ==, 3);
  GENERAL_NAMES_free(san);
  bc = X509_get_ext_d2i(cert, NID_basic_constraints, &crit, NULL);
  g_assert_nonnull(bc);
  g_assert_false(bc->ca);
  g_assert_cmpint(crit, ==, 1);
  BASIC_CONSTRAINTS_free(bc);
  g_assert_cmpint(X509_verify(cert, key), ==, 1);
  X509_free(cert);

  /* a SAN OpenSSL cannot parse fails with its error queue set */
  spec.subject_alt_name = "nonsense";
  g_assert_null(nara_self_signed_cert(key, &spec));
  g_assert_cmpuint(ERR_peek_error(), !=, 0);
  ERR_clear_error();
  EVP_PKEY_free(key);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/self-signed/dtls", test_dtls_like);
  g_test_add_func("/common/self-signed/tls", test_tls_like);
  return g_test_run();
}
