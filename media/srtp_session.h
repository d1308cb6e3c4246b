/* srtp_session.h — private: one direction of SRTP/SRTCP for one peer connection.
 *
 * Hides the SRTP library (libsrtp2 today, maybe OpenSSL EVP later) behind a
 * small interface so the packet path never sees it. A session is either
 * inbound (unprotect) or outbound (protect) and covers every SSRC of the
 * connection, RTP and RTCP alike.
 *
 * Threading: a session is used by one media worker only; the library's
 * global set-up (nara_srtp_library_ref/unref) may run on any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NARA_SRTP_AES128_CM_SHA1_80, /* RFC 5764 SRTP_AES128_CM_HMAC_SHA1_80 */
  NARA_SRTP_AEAD_AES_128_GCM,  /* RFC 7714 */
} NaraSrtpProfile;

#define NARA_SRTP_KEY_LEN 16
#define NARA_SRTP_MAX_SALT_LEN 14
/* Room a buffer needs after the packet for protect: libsrtp2 documents
 * SRTP_MAX_TRAILER_LEN (tag + largest MKI) plus the SRTCP index. */
#define NARA_SRTP_MAX_TAIL (16 + 128 + 4)

typedef struct _NaraSrtpSession NaraSrtpSession;

/* Master key and salt lengths of a profile (RFC 5764 §4.1.2, RFC 7714 §12). */
gsize nara_srtp_profile_salt_len(NaraSrtpProfile profile);
const char *nara_srtp_profile_name(NaraSrtpProfile profile);

/* Initialise / shut down the library; counted, so several NaraMedia may coexist. */
gboolean nara_srtp_library_ref(GError **error);
void nara_srtp_library_unref(void);

/* (transfer full) key is NARA_SRTP_KEY_LEN bytes, salt nara_srtp_profile_salt_len(). */
NaraSrtpSession *nara_srtp_session_new(NaraSrtpProfile profile, const guint8 *key,
                                       const guint8 *salt, gboolean inbound, GError **error);
void nara_srtp_session_free(NaraSrtpSession *session);

/* In place. Protect needs cap >= *len + NARA_SRTP_MAX_TAIL; all update *len.
 * FALSE on a failed authentication, a replay or a malformed packet. */
gboolean nara_srtp_protect(NaraSrtpSession *session, guint8 *data, gsize *len, gsize cap);
gboolean nara_srtp_unprotect(NaraSrtpSession *session, guint8 *data, gsize *len);
gboolean nara_srtp_protect_rtcp(NaraSrtpSession *session, guint8 *data, gsize *len, gsize cap);
gboolean nara_srtp_unprotect_rtcp(NaraSrtpSession *session, guint8 *data, gsize *len);

G_END_DECLS
