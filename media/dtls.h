/* dtls.h — private: the DTLS-SRTP handshake (RFC 5763/5764) on OpenSSL.
 *
 * NaraDtlsContext holds Nara's certificate and the shared SSL_CTX; NaraDtls is
 * one handshake over memory BIOs: the caller feeds it received datagrams and
 * it hands back datagrams to send, then the SRTP keys. It does no I/O.
 *
 * Threading: a context is made once (any thread) and is read-only after;
 * each NaraDtls runs on the GMainContext given to it (a media worker), and
 * its callbacks run there.
 */
#pragma once

#include <glib.h>

#include "srtp_session.h"

G_BEGIN_DECLS

typedef struct _NaraDtlsContext NaraDtlsContext;
typedef struct _NaraDtls NaraDtls;

/* (transfer full) A fresh self-signed ECDSA P-256 certificate, CN=nara, 30 days. */
NaraDtlsContext *nara_dtls_context_new(GError **error);
void nara_dtls_context_free(NaraDtlsContext *ctx);
/* "AB:CD:…" SHA-256 of the certificate (transfer none). */
const char *nara_dtls_context_fingerprint(NaraDtlsContext *ctx);
/* The SRTP profiles offered (client) or accepted (server), OpenSSL's names
 * joined by ':' in order of preference, instead of the default
 * "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80". For the load tool, to
 * stand in for a browser that offers no GCM. Before any connection. */
gboolean nara_dtls_context_set_srtp_profiles(NaraDtlsContext *ctx, const char *profiles,
                                             GError **error);

/* Keys for this side, as seen from this side. */
typedef struct {
  NaraSrtpProfile profile;
  guint8 local_key[NARA_SRTP_KEY_LEN];
  guint8 local_salt[NARA_SRTP_MAX_SALT_LEN];
  guint8 remote_key[NARA_SRTP_KEY_LEN];
  guint8 remote_salt[NARA_SRTP_MAX_SALT_LEN];
} NaraDtlsKeys;

typedef struct {
  /* A DTLS record to put on the wire. */
  void (*send)(const guint8 *data, gsize len, gpointer user_data);
  /* Handshake done and the remote fingerprint matched. */
  void (*connected)(const NaraDtlsKeys *keys, gpointer user_data);
  /* Handshake failed, the peer sent an alert or the fingerprint did not match. */
  void (*failed)(const char *reason, gpointer user_data);
} NaraDtlsCallbacks;

typedef enum {
  NARA_DTLS_ROLE_UNKNOWN, /* becomes server if a ClientHello arrives first */
  NARA_DTLS_ROLE_CLIENT,
  NARA_DTLS_ROLE_SERVER,
} NaraDtlsRole;

/* (transfer full) callbacks is copied. context: where the retransmit timer runs. */
NaraDtls *nara_dtls_new(NaraDtlsContext *ctx, GMainContext *context,
                        const NaraDtlsCallbacks *callbacks, gpointer user_data);
/* Cancels timers; no callback runs after this. */
void nara_dtls_free(NaraDtls *dtls);

/* Sets the role once; FALSE if it conflicts with the role already taken. */
gboolean nara_dtls_set_role(NaraDtls *dtls, NaraDtlsRole role);
NaraDtlsRole nara_dtls_get_role(NaraDtls *dtls);
/* "AB:CD:…" from the remote a=fingerprint (sha-256); checked once the
 * handshake is done, so it may come before or after. */
void nara_dtls_set_remote_fingerprint(NaraDtls *dtls, const char *fingerprint);
/* The transport is up: a client sends its ClientHello. Harmless to repeat. */
void nara_dtls_start(NaraDtls *dtls);
/* One received DTLS datagram. */
void nara_dtls_receive(NaraDtls *dtls, const guint8 *data, gsize len);
gboolean nara_dtls_is_connected(NaraDtls *dtls);

G_END_DECLS
