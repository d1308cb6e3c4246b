/* srtp_session.h — private: one direction of SRTP/SRTCP for one peer connection.
 *
 * Hides the SRTP implementation (Nara's own, on OpenSSL EVP, see
 * srtp_session.c) behind a small interface so the packet path never sees it.
 * A session is either inbound (unprotect) or outbound (protect) and covers
 * every SSRC of the connection, RTP and RTCP alike, up to NARA_SRTP_MAX_SSRCS.
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
  NARA_SRTP_AES128_CM_SHA1_32, /* RFC 5764; 32-bit RTP tag, 80-bit SRTCP tag */
} NaraSrtpProfile;

#define NARA_SRTP_KEY_LEN 16
#define NARA_SRTP_MAX_SALT_LEN 14
/* Room a buffer needs after the packet for protect: the largest tag (GCM's
 * 16 bytes) and the SRTCP index. DTLS-SRTP negotiates no MKI (RFC 5764
 * §4.1.2 sends an empty srtp_mki), so none is ever appended. */
#define NARA_SRTP_MAX_TAIL (16 + 4)
/* SSRCs one session tracks (RTP and RTCP senders). Beyond this, packets of a
 * new SSRC are refused: forgetting one would reopen replays inbound and
 * reuse keystream outbound. */
#define NARA_SRTP_MAX_SSRCS 64

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
 * FALSE on a failed authentication, a replay or a malformed packet, or a new
 * SSRC beyond NARA_SRTP_MAX_SSRCS; the session's state is then unchanged.
 * Unprotect keeps a 1024-packet replay window per SSRC (RTP and SRTCP).
 * Protect allows repeats: a sequence number may be protected again (a
 * forwarded retransmission) and may go back (reordering upstream); its ROC
 * is estimated from the highest sent, as a receiver would (RFC 3711 §3.3.1).
 * On failure of unprotect the buffer's contents are unspecified. */
gboolean nara_srtp_protect(NaraSrtpSession *session, guint8 *data, gsize *len, gsize cap);
gboolean nara_srtp_unprotect(NaraSrtpSession *session, guint8 *data, gsize *len);
gboolean nara_srtp_protect_rtcp(NaraSrtpSession *session, guint8 *data, gsize *len, gsize cap);
gboolean nara_srtp_unprotect_rtcp(NaraSrtpSession *session, guint8 *data, gsize *len);

G_END_DECLS
