/* tls_cert.c — makes and reuses the self-signed certificate.
 *
 * Owns the choice of an ECDSA P-256 key and a one-year certificate
 * (made by common/self_signed.c) whose SAN covers localhost, the loopback
 * addresses and this host, written atomically (key mode 0600). It does not check the
 * configured certificate (libwebsockets reports that) nor rotate keys
 * before expiry.
 *
 * Threading: main thread, at start-up.
 */
#include "tls_cert.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include "self_signed.h"

G_DEFINE_QUARK(nara - tls - error - quark, nara_tls_error)

#define CERT_DAYS 365

static gboolean openssl_fail(GError **error, const char *what)
{
  char buf[256] = "unknown error";
  unsigned long e = ERR_get_error();
  if (e)
    ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  g_set_error(error, NARA_TLS_ERROR, 0, "%s: %s", what, buf);
  return FALSE;
}

/* A pair is reused while the certificate has more than a day left. */
static gboolean existing_pair_usable(const char *cert_path, const char *key_path)
{
  FILE *f;
  X509 *cert;
  gboolean ok = FALSE;

  if (!g_file_test(key_path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  f = fopen(cert_path, "r");
  if (!f)
    return FALSE;
  cert = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  if (cert) {
    time_t tomorrow = time(NULL) + 24 * 3600;
    ok = X509_cmp_time(X509_get0_notAfter(cert), &tomorrow) > 0;
    X509_free(cert);
  }
  ERR_clear_error();
  return ok;
}

static char *san_string(const char *const *extra_names)
{
  GString *san = g_string_new("DNS:localhost,IP:127.0.0.1,IP:::1");
  const char *host = g_get_host_name();
  GPtrArray *names = g_ptr_array_new();

  if (host && *host && !g_str_equal(host, "localhost"))
    g_ptr_array_add(names, (gpointer)host);
  for (guint i = 0; extra_names && extra_names[i]; i++)
    g_ptr_array_add(names, (gpointer)extra_names[i]);
  for (guint i = 0; i < names->len; i++) {
    const char *n = names->pdata[i];
    GInetAddress *addr;
    /* The SAN syntax has no quoting: keep only names that cannot break it. */
    if (strpbrk(n, ", \t\r\n") || !*n)
      continue;
    addr = g_inet_address_new_from_string(n);
    g_string_append_printf(san, ",%s:%s", addr ? "IP" : "DNS", n);
    g_clear_object(&addr);
  }
  g_ptr_array_free(names, TRUE);
  return g_string_free(san, FALSE);
}

static X509 *make_cert(EVP_PKEY *key, const char *const *extra_names, GError **error)
{
  g_autofree char *san = san_string(extra_names);
  NaraCertSpec spec = {
    .organization = "Nara",
    .common_name = "Nara self-signed",
    .slack_s = 3600,
    .days = CERT_DAYS,
    .subject_alt_name = san,
    .not_a_ca = TRUE,
  };
  X509 *cert = nara_self_signed_cert(key, &spec);

  if (!cert)
    openssl_fail(error, "creating the self-signed certificate");
  return cert;
}

/* Writes via a temporary file and rename so a crash never leaves half a key. */
static gboolean write_pem(const char *path, int mode, EVP_PKEY *key, X509 *cert, GError **error)
{
  g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
  int fd;
  FILE *f;
  int ok;

  g_unlink(tmp);
  fd = g_open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    g_set_error(error, NARA_TLS_ERROR, 0, "%s: %s", tmp, g_strerror(errno));
    return FALSE;
  }
  f = fdopen(fd, "w");
  ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
  if (fclose(f) != 0 || !ok) {
    g_unlink(tmp);
    return openssl_fail(error, path);
  }
  if (g_rename(tmp, path) != 0) {
    g_set_error(error, NARA_TLS_ERROR, 0, "%s: %s", path, g_strerror(errno));
    g_unlink(tmp);
    return FALSE;
  }
  return TRUE;
}

gboolean nara_tls_cert_ensure(const char *state_dir, const char *const *extra_names,
                              char **cert_path, char **key_path, GError **error)
{
  g_autofree char *cert_file = g_build_filename(state_dir, "cert.pem", NULL);
  g_autofree char *key_file = g_build_filename(state_dir, "key.pem", NULL);
  EVP_PKEY *key;
  X509 *cert;
  gboolean ok;

  if (!existing_pair_usable(cert_file, key_file)) {
    key = EVP_EC_gen("P-256");
    if (!key)
      return openssl_fail(error, "creating the TLS key");
    cert = make_cert(key, extra_names, error);
    ok = cert && write_pem(key_file, 0600, key, NULL, error)
         && write_pem(cert_file, 0644, NULL, cert, error);
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!ok)
      return FALSE;
    g_message("created a self-signed TLS certificate in %s (valid %d days)", state_dir, CERT_DAYS);
  }
  *cert_path = g_steal_pointer(&cert_file);
  *key_path = g_steal_pointer(&key_file);
  return TRUE;
}
