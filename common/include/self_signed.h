/* self_signed.h — the one maker of Nara's self-signed certificates: the
 * DTLS certificate media makes at start (its trust is the fingerprint in
 * the SDP, RFC 8827 §6.5) and the TLS certificate for first runs.
 *
 * X.509 v3, SHA-256 signature, a random positive 127-bit serial (RFC 5280
 * §4.1.2.2), subject = issuer. It does not make keys, write files or
 * decide names and lifetimes: the callers do.
 *
 * Threading: any thread.
 */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef struct {
  const char *organization;     /* O=, or NULL for none */
  const char *common_name;      /* CN= */
  long slack_s;                 /* valid from this many seconds ago: clocks that run behind */
  int days;                     /* valid until this many days from now */
  const char *subject_alt_name; /* OpenSSL syntax ("DNS:localhost,IP:::1"), or NULL */
  gboolean not_a_ca;            /* basicConstraints critical, CA:FALSE */
} NaraCertSpec;

/* (transfer full) A certificate for key signed by key, or NULL with
 * OpenSSL's error queue saying why. */
X509 *nara_self_signed_cert(EVP_PKEY *key, const NaraCertSpec *spec);

G_END_DECLS
