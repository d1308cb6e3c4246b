/* srtp_session.c — SRTP/SRTCP sessions on libsrtp2.
 *
 * Owns the libsrtp2 policies for the two DTLS-SRTP profiles Nara offers and
 * the library's global init. It does not derive keys (dtls.c exports them)
 * and keeps no per-packet state of its own. Runs on the media worker that
 * owns the peer connection; the library refcount is guarded by a lock.
 */
#include "srtp_session.h"

#include "media.h"

#include <limits.h>
#include <string.h>
#include <srtp2/srtp.h>

G_STATIC_ASSERT(NARA_SRTP_MAX_TAIL >= SRTP_MAX_TRAILER_LEN + 4);

/* Forwarded retransmissions reuse sequence numbers; a window well above the
 * 128 default keeps late packets of a bursty video frame acceptable. */
#define REPLAY_WINDOW 1024

struct _NaraSrtpSession {
  srtp_t srtp;
  gboolean inbound;
};

G_LOCK_DEFINE_STATIC(library);
static guint library_refs; /* {library} */

gsize nara_srtp_profile_salt_len(NaraSrtpProfile profile)
{
  return profile == NARA_SRTP_AEAD_AES_128_GCM ? 12 : 14;
}

const char *nara_srtp_profile_name(NaraSrtpProfile profile)
{
  return profile == NARA_SRTP_AEAD_AES_128_GCM ? "SRTP_AEAD_AES_128_GCM" : "SRTP_AES128_CM_SHA1_80";
}

gboolean nara_srtp_library_ref(GError **error)
{
  gboolean ok = TRUE;
  G_LOCK(library);
  if (library_refs == 0) {
    srtp_err_status_t st = srtp_init();
    if (st != srtp_err_status_ok) {
      g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "srtp_init failed (%d)", st);
      ok = FALSE;
    }
  }
  if (ok)
    library_refs++;
  G_UNLOCK(library);
  return ok;
}

void nara_srtp_library_unref(void)
{
  G_LOCK(library);
  g_assert(library_refs > 0);
  if (--library_refs == 0)
    srtp_shutdown();
  G_UNLOCK(library);
}

NaraSrtpSession *nara_srtp_session_new(NaraSrtpProfile profile, const guint8 *key,
                                       const guint8 *salt, gboolean inbound, GError **error)
{
  srtp_policy_t policy;
  guint8 master[NARA_SRTP_KEY_LEN + NARA_SRTP_MAX_SALT_LEN];
  gsize salt_len = nara_srtp_profile_salt_len(profile);

  memset(&policy, 0, sizeof policy);
  if (profile == NARA_SRTP_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
  }
  memcpy(master, key, NARA_SRTP_KEY_LEN);
  memcpy(master + NARA_SRTP_KEY_LEN, salt, salt_len);
  policy.key = master;
  policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.window_size = REPLAY_WINDOW;
  policy.allow_repeat_tx = 1;
  policy.next = NULL;

  NaraSrtpSession *session = g_new0(NaraSrtpSession, 1);
  session->inbound = inbound;
  srtp_err_status_t st = srtp_create(&session->srtp, &policy);
  memset(master, 0, sizeof master);
  if (st != srtp_err_status_ok) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "srtp_create failed (%d)", st);
    g_free(session);
    return NULL;
  }
  return session;
}

void nara_srtp_session_free(NaraSrtpSession *session)
{
  if (!session)
    return;
  srtp_dealloc(session->srtp);
  g_free(session);
}

/* libsrtp2 takes int lengths; packets beyond a datagram are refused before the cast. */
static gboolean len_ok(gsize len)
{
  return len > 0 && len <= 65535;
}

gboolean nara_srtp_protect(NaraSrtpSession *session, guint8 *data, gsize *len, gsize cap)
{
  if (session->inbound || !len_ok(*len) || cap < *len + NARA_SRTP_MAX_TAIL)
    return FALSE;
  int n = (int)*len;
  if (srtp_protect(session->srtp, data, &n) != srtp_err_status_ok)
    return FALSE;
  *len = (gsize)n;
  return TRUE;
}

gboolean nara_srtp_unprotect(NaraSrtpSession *session, guint8 *data, gsize *len)
{
  if (!session->inbound || !len_ok(*len))
    return FALSE;
  int n = (int)*len;
  if (srtp_unprotect(session->srtp, data, &n) != srtp_err_status_ok)
    return FALSE;
  *len = (gsize)n;
  return TRUE;
}

gboolean nara_srtp_protect_rtcp(NaraSrtpSession *session, guint8 *data, gsize *len, gsize cap)
{
  if (session->inbound || !len_ok(*len) || cap < *len + NARA_SRTP_MAX_TAIL)
    return FALSE;
  int n = (int)*len;
  if (srtp_protect_rtcp(session->srtp, data, &n) != srtp_err_status_ok)
    return FALSE;
  *len = (gsize)n;
  return TRUE;
}

gboolean nara_srtp_unprotect_rtcp(NaraSrtpSession *session, guint8 *data, gsize *len)
{
  if (!session->inbound || !len_ok(*len))
    return FALSE;
  int n = (int)*len;
  if (srtp_unprotect_rtcp(session->srtp, data, &n) != srtp_err_status_ok)
    return FALSE;
  *len = (gsize)n;
  return TRUE;
}
