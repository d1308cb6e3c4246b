/* dtls.c — DTLS-SRTP handshake on OpenSSL with an in-process transport.
 *
 * Owns Nara's certificate, the shared SSL_CTX and one SSL per peer
 * connection. Outgoing records leave through a tiny BIO that hands each
 * datagram to the caller; incoming ones are pushed into a memory BIO. It
 * never carries application data and never touches sockets or SRTP
 * sessions: it only exports keys. Runs on the peer's media worker; the
 * context is built once by nara_media_new() and only read afterwards.
 */
#include "dtls.h"

#include "media.h"
#include "self_signed.h"

#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Browsers' DTLS records stay below this to avoid IP fragmentation. */
#define DTLS_MTU 1200
#define CERT_DAYS 30
#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
#define FINGERPRINT_LEN (32 * 3)

struct _NaraDtlsContext {
  SSL_CTX *ssl_ctx;
  BIO_METHOD *send_method;
  char fingerprint[FINGERPRINT_LEN];
};

struct _NaraDtls {
  NaraDtlsContext *ctx;
  GMainContext *context;
  NaraDtlsCallbacks callbacks;
  gpointer user_data;
  SSL *ssl;
  NaraDtlsRole role;
  gboolean started;
  gboolean handshake_done;
  gboolean connected;
  gboolean failed;
  GSource *timer;
  char remote_fingerprint[160];
};

static void fingerprint_hex(const guint8 *md, guint n, char *out, gsize cap)
{
  gsize pos = 0;
  for (guint i = 0; i < n && pos + 3 < cap; i++)
    pos += (gsize)g_snprintf(out + pos, cap - pos, i ? ":%02X" : "%02X", md[i]);
}

static gboolean cert_fingerprint(X509 *cert, char *out, gsize cap)
{
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest(cert, EVP_sha256(), md, &n))
    return FALSE;
  fingerprint_hex(md, n, out, cap);
  return TRUE;
}

static gboolean set_ssl_error(GError **error, const char *what)
{
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "%s: %s", what, buf);
  return FALSE;
}

static X509 *make_certificate(EVP_PKEY *pkey, GError **error)
{
  /* A day of slack before now tolerates peers with a clock running behind. */
  static const NaraCertSpec spec = {
    .common_name = "nara",
    .slack_s = 24 * 3600,
    .days = CERT_DAYS,
  };
  X509 *x = nara_self_signed_cert(pkey, &spec);

  if (!x)
    set_ssl_error(error, "certificate");
  return x;
}

/* The certificate is self-signed by design (RFC 8827 §6.5): trust comes from
 * the fingerprint in the signalled SDP, checked after the handshake. */
static int accept_any_certificate(int preverify_ok, X509_STORE_CTX *store)
{
  (void)preverify_ok;
  (void)store;
  return 1;
}

/* Send BIO: every write OpenSSL makes on a DTLS connection is one datagram. */
static int send_bio_write(BIO *bio, const char *data, int len)
{
  NaraDtls *dtls = BIO_get_data(bio);
  if (dtls && len > 0)
    dtls->callbacks.send((const guint8 *)data, (gsize)len, dtls->user_data);
  return len;
}

static long send_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
  (void)bio;
  (void)num;
  (void)ptr;
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1;
  case BIO_CTRL_DGRAM_QUERY_MTU:
  case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
    return DTLS_MTU;
  default:
    return 0;
  }
}

static int send_bio_create(BIO *bio)
{
  BIO_set_init(bio, 1);
  return 1;
}

NaraDtlsContext *nara_dtls_context_new(GError **error)
{
  NaraDtlsContext *ctx = g_new0(NaraDtlsContext, 1);
  EVP_PKEY *pkey = EVP_EC_gen("P-256");
  X509 *cert = NULL;

  if (!pkey) {
    set_ssl_error(error, "P-256 key");
    goto fail;
  }
  cert = make_certificate(pkey, error);
  if (!cert)
    goto fail;
  if (!cert_fingerprint(cert, ctx->fingerprint, sizeof ctx->fingerprint)) {
    set_ssl_error(error, "fingerprint");
    goto fail;
  }
  ctx->ssl_ctx = SSL_CTX_new(DTLS_method());
  if (!ctx->ssl_ctx || !SSL_CTX_set_min_proto_version(ctx->ssl_ctx, DTLS1_2_VERSION)
      || !SSL_CTX_use_certificate(ctx->ssl_ctx, cert) || !SSL_CTX_use_PrivateKey(ctx->ssl_ctx, pkey)
      || !SSL_CTX_check_private_key(ctx->ssl_ctx)) {
    set_ssl_error(error, "SSL_CTX");
    goto fail;
  }
  /* Note the inverted convention: 0 means success here. */
  if (SSL_CTX_set_tlsext_use_srtp(ctx->ssl_ctx, SRTP_PROFILES) != 0) {
    set_ssl_error(error, "use_srtp");
    goto fail;
  }
  SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     accept_any_certificate);
  SSL_CTX_set_options(ctx->ssl_ctx, SSL_OP_NO_QUERY_MTU);

  ctx->send_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "nara dtls send");
  BIO_meth_set_write(ctx->send_method, send_bio_write);
  BIO_meth_set_ctrl(ctx->send_method, send_bio_ctrl);
  BIO_meth_set_create(ctx->send_method, send_bio_create);

  X509_free(cert);
  EVP_PKEY_free(pkey);
  return ctx;
fail:
  X509_free(cert);
  EVP_PKEY_free(pkey);
  nara_dtls_context_free(ctx);
  return NULL;
}

void nara_dtls_context_free(NaraDtlsContext *ctx)
{
  if (!ctx)
    return;
  SSL_CTX_free(ctx->ssl_ctx);
  if (ctx->send_method)
    BIO_meth_free(ctx->send_method);
  g_free(ctx);
}

gboolean nara_dtls_context_set_srtp_profiles(NaraDtlsContext *ctx, const char *profiles,
                                             GError **error)
{
  /* Note the inverted convention: 0 means success here. */
  if (SSL_CTX_set_tlsext_use_srtp(ctx->ssl_ctx, profiles) != 0) {
    set_ssl_error(error, "use_srtp");
    return FALSE;
  }
  return TRUE;
}

const char *nara_dtls_context_fingerprint(NaraDtlsContext *ctx)
{
  return ctx->fingerprint;
}

NaraDtls *nara_dtls_new(NaraDtlsContext *ctx, GMainContext *context,
                        const NaraDtlsCallbacks *callbacks, gpointer user_data)
{
  NaraDtls *dtls = g_new0(NaraDtls, 1);
  dtls->ctx = ctx;
  dtls->context = g_main_context_ref(context);
  dtls->callbacks = *callbacks;
  dtls->user_data = user_data;
  dtls->ssl = SSL_new(ctx->ssl_ctx);
  BIO *rbio = BIO_new(BIO_s_mem());
  BIO *wbio = BIO_new(ctx->send_method);
  BIO_set_mem_eof_return(rbio, -1);
  BIO_set_data(wbio, dtls);
  SSL_set_bio(dtls->ssl, rbio, wbio);
  SSL_set_mtu(dtls->ssl, DTLS_MTU);
  DTLS_set_link_mtu(dtls->ssl, DTLS_MTU);
  return dtls;
}

static void cancel_timer(NaraDtls *dtls)
{
  if (dtls->timer) {
    g_source_destroy(dtls->timer);
    g_source_unref(dtls->timer);
    dtls->timer = NULL;
  }
}

void nara_dtls_free(NaraDtls *dtls)
{
  if (!dtls)
    return;
  cancel_timer(dtls);
  /* A close_notify would run the send callback while the owner is tearing
   * down; the peer learns of the end from ICE consent instead. */
  BIO_set_data(SSL_get_wbio(dtls->ssl), NULL);
  SSL_free(dtls->ssl);
  g_main_context_unref(dtls->context);
  g_free(dtls);
}

static void fail(NaraDtls *dtls, const char *reason)
{
  if (dtls->failed)
    return;
  dtls->failed = TRUE;
  cancel_timer(dtls);
  ERR_clear_error();
  dtls->callbacks.failed(reason, dtls->user_data);
}

gboolean nara_dtls_set_role(NaraDtls *dtls, NaraDtlsRole role)
{
  if (role == NARA_DTLS_ROLE_UNKNOWN || dtls->role == role)
    return TRUE;
  if (dtls->role != NARA_DTLS_ROLE_UNKNOWN)
    return FALSE;
  dtls->role = role;
  if (role == NARA_DTLS_ROLE_CLIENT)
    SSL_set_connect_state(dtls->ssl);
  else
    SSL_set_accept_state(dtls->ssl);
  return TRUE;
}

NaraDtlsRole nara_dtls_get_role(NaraDtls *dtls)
{
  return dtls->role;
}

gboolean nara_dtls_is_connected(NaraDtls *dtls)
{
  return dtls->connected;
}

/* RFC 5764 §4.2: client key, server key, client salt, server salt. */
static gboolean export_keys(NaraDtls *dtls, NaraDtlsKeys *keys)
{
  const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(dtls->ssl);
  if (!p)
    return FALSE;
  if (p->id == SRTP_AEAD_AES_128_GCM)
    keys->profile = NARA_SRTP_AEAD_AES_128_GCM;
  else if (p->id == SRTP_AES128_CM_SHA1_80)
    keys->profile = NARA_SRTP_AES128_CM_SHA1_80;
  else
    return FALSE;
  gsize kl = NARA_SRTP_KEY_LEN, sl = nara_srtp_profile_salt_len(keys->profile);
  guint8 m[2 * (NARA_SRTP_KEY_LEN + NARA_SRTP_MAX_SALT_LEN)];
  static const char label[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(dtls->ssl, m, 2 * (kl + sl), label, sizeof label - 1, NULL, 0, 0)
      != 1)
    return FALSE;
  const guint8 *client_key = m, *server_key = m + kl;
  const guint8 *client_salt = m + 2 * kl, *server_salt = m + 2 * kl + sl;
  gboolean client = dtls->role == NARA_DTLS_ROLE_CLIENT;
  memcpy(keys->local_key, client ? client_key : server_key, kl);
  memcpy(keys->local_salt, client ? client_salt : server_salt, sl);
  memcpy(keys->remote_key, client ? server_key : client_key, kl);
  memcpy(keys->remote_salt, client ? server_salt : client_salt, sl);
  OPENSSL_cleanse(m, sizeof m);
  return TRUE;
}

/* Runs once both the handshake is done and the remote fingerprint is known. */
static void maybe_connect(NaraDtls *dtls)
{
  if (dtls->connected || dtls->failed || !dtls->handshake_done || !dtls->remote_fingerprint[0])
    return;
  X509 *cert = SSL_get1_peer_certificate(dtls->ssl);
  char fp[FINGERPRINT_LEN];
  gboolean ok = cert && cert_fingerprint(cert, fp, sizeof fp);
  X509_free(cert);
  if (!ok) {
    fail(dtls, "no peer certificate");
    return;
  }
  if (g_ascii_strcasecmp(fp, dtls->remote_fingerprint) != 0) {
    fail(dtls, "certificate fingerprint does not match the SDP");
    return;
  }
  NaraDtlsKeys keys;
  if (!export_keys(dtls, &keys)) {
    fail(dtls, "no SRTP profile negotiated");
    return;
  }
  dtls->connected = TRUE;
  g_debug("DTLS %s connected, %s, SRTP profile %s",
          dtls->role == NARA_DTLS_ROLE_CLIENT ? "client" : "server", SSL_get_version(dtls->ssl),
          nara_srtp_profile_name(keys.profile));
  dtls->callbacks.connected(&keys, dtls->user_data);
  OPENSSL_cleanse(&keys, sizeof keys);
}

void nara_dtls_set_remote_fingerprint(NaraDtls *dtls, const char *fingerprint)
{
  g_strlcpy(dtls->remote_fingerprint, fingerprint ? fingerprint : "",
            sizeof dtls->remote_fingerprint);
  maybe_connect(dtls);
}

static void arm_timer(NaraDtls *dtls);

static gboolean on_timer(gpointer user_data)
{
  NaraDtls *dtls = user_data;
  g_source_unref(dtls->timer);
  dtls->timer = NULL;
  if (DTLSv1_handle_timeout(dtls->ssl) < 0) {
    fail(dtls, "handshake timed out");
    return G_SOURCE_REMOVE;
  }
  arm_timer(dtls);
  return G_SOURCE_REMOVE;
}

static void arm_timer(NaraDtls *dtls)
{
  struct timeval tv;
  cancel_timer(dtls);
  if (dtls->handshake_done || dtls->failed || !DTLSv1_get_timeout(dtls->ssl, &tv))
    return;
  guint ms = (guint)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
  dtls->timer = g_timeout_source_new(MAX(ms, 1));
  g_source_set_callback(dtls->timer, on_timer, dtls, NULL);
  g_source_attach(dtls->timer, dtls->context);
}

static void step_handshake(NaraDtls *dtls)
{
  int r = SSL_do_handshake(dtls->ssl);
  if (r == 1) {
    dtls->handshake_done = TRUE;
    cancel_timer(dtls);
    maybe_connect(dtls);
    return;
  }
  int err = SSL_get_error(dtls->ssl, r);
  if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
    char buf[160];
    ERR_error_string_n(ERR_peek_error(), buf, sizeof buf);
    g_debug("DTLS handshake failed: %s", buf);
    fail(dtls, "handshake failed");
    return;
  }
  arm_timer(dtls);
}

void nara_dtls_start(NaraDtls *dtls)
{
  if (dtls->started || dtls->failed || dtls->role != NARA_DTLS_ROLE_CLIENT)
    return;
  dtls->started = TRUE;
  step_handshake(dtls);
}

/* A ClientHello: content type handshake (22), msg_type client_hello (1) at
 * byte 13 of the record (RFC 6347 §4.1, §4.2.2). */
static gboolean is_client_hello(const guint8 *data, gsize len)
{
  return len > 13 && data[0] == 22 && data[13] == 1;
}

void nara_dtls_receive(NaraDtls *dtls, const guint8 *data, gsize len)
{
  if (dtls->failed || len == 0 || len > G_MAXINT)
    return;
  if (dtls->role == NARA_DTLS_ROLE_UNKNOWN) {
    if (!is_client_hello(data, len))
      return;
    nara_dtls_set_role(dtls, NARA_DTLS_ROLE_SERVER);
  }
  if (BIO_write(SSL_get_rbio(dtls->ssl), data, (int)len) != (int)len)
    return;
  if (!dtls->handshake_done) {
    if (dtls->role == NARA_DTLS_ROLE_CLIENT && !dtls->started)
      dtls->started = TRUE;
    step_handshake(dtls);
    return;
  }
  /* After the handshake only a retransmitted flight or an alert can come:
   * SSL_read answers the first and reports a close_notify. */
  guint8 sink[256];
  int r = SSL_read(dtls->ssl, sink, sizeof sink);
  if (r <= 0) {
    int err = SSL_get_error(dtls->ssl, r);
    if (err == SSL_ERROR_ZERO_RETURN)
      fail(dtls, "peer closed DTLS");
    else if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
      fail(dtls, "DTLS error");
  }
}
