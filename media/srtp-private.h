/* srtp-private.h — private: the parts of Nara's SRTP that sessions are built from.
 *
 * Key derivation (RFC 3711 §4.3), HMAC-SHA1 with the key absorbed once,
 * AES-GCM without OpenSSL's per-call parameter lookups,
 * packet-index estimation and replay windows (RFC 3711 §3.3), and a session
 * constructor that takes session keys directly so tests can replay the RFC
 * vectors. Only srtp_*.c, stun.h (HMAC-SHA1 for MESSAGE-INTEGRITY), the unit
 * tests and the benchmark include it.
 *
 * Threading: everything here is pure or works on state owned by one session,
 * so it runs on whichever media worker owns that session.
 */
#pragma once

#include <glib.h>

#include "srtp_session.h"

G_BEGIN_DECLS

#define NARA_SRTP_AUTH_KEY_LEN 20 /* RFC 3711 §8.2: n_a = 160 for HMAC-SHA1 */
#define NARA_SRTP_HMAC_LEN 20
#define NARA_SRTP_GCM_TAG_LEN 16      /* RFC 7714 §12: AEAD_AES_128_GCM, 16-octet tag */
#define NARA_SRTP_CM_SRTCP_TAG_LEN 10 /* RFC 5764 §4.1.2: SRTCP keeps 80 bits even for _32 */
#define NARA_SRTP_SRTCP_TRAILER_LEN 4 /* E flag and 31-bit SRTCP index */

/* RFC 3711 §4.3.1 key derivation labels (kdr 0: derived once per session). */
enum {
  NARA_SRTP_LABEL_RTP_ENCRYPTION = 0x00,
  NARA_SRTP_LABEL_RTP_AUTH = 0x01,
  NARA_SRTP_LABEL_RTP_SALT = 0x02,
  NARA_SRTP_LABEL_RTCP_ENCRYPTION = 0x03,
  NARA_SRTP_LABEL_RTCP_AUTH = 0x04,
  NARA_SRTP_LABEL_RTCP_SALT = 0x05,
};

/* Session keys for one of RTP or RTCP in one direction. salt holds 14 octets
 * for AES-CM and 12 (then zeros) for AES-GCM; auth_key is unused by GCM. */
typedef struct {
  guint8 cipher_key[NARA_SRTP_KEY_LEN];
  guint8 salt[NARA_SRTP_MAX_SALT_LEN];
  guint8 auth_key[NARA_SRTP_AUTH_KEY_LEN];
} NaraSrtpSessionKeys;

/* ---- srtp_kdf.c ---- */

/* AES-CM PRF of RFC 3711 §4.3.3 with kdr 0: out_len octets for one label.
 * master_salt is salt_len (12 or 14) octets; a 12-octet salt is zero-padded
 * on the right to the 112 bits the PRF takes, as RFC 7714 §11 requires. */
gboolean nara_srtp_kdf(const guint8 *master_key, const guint8 *master_salt, gsize salt_len,
                       guint8 label, guint8 *out, gsize out_len, GError **error);
/* All session keys a profile needs, RTP and RTCP. */
gboolean nara_srtp_derive_session_keys(NaraSrtpProfile profile, const guint8 *master_key,
                                       const guint8 *master_salt, NaraSrtpSessionKeys *rtp,
                                       NaraSrtpSessionKeys *rtcp, GError **error);

/* ---- srtp_hmac.c ---- */

typedef enum {
  /* Inner and outer SHA-1 states precomputed from the key; per message one
   * 96-octet struct copy. Fastest, but uses OpenSSL's deprecated SHA1_*. */
  NARA_SRTP_HMAC_SHA1_PADS,
  /* EVP_MAC "HMAC" keyed once, EVP_MAC_init(ctx, NULL, …) per message. */
  NARA_SRTP_HMAC_EVP_MAC,
} NaraSrtpHmacKind;

typedef struct _NaraSrtpHmac NaraSrtpHmac;

/* The kind sessions use: SHA1_PADS where the OpenSSL build still has it. */
NaraSrtpHmacKind nara_srtp_hmac_default_kind(void);
/* (transfer full) NULL if this OpenSSL lacks the kind. */
NaraSrtpHmac *nara_srtp_hmac_new(NaraSrtpHmacKind kind, const guint8 *key, gsize key_len,
                                 GError **error);
void nara_srtp_hmac_free(NaraSrtpHmac *hmac);
/* HMAC-SHA1(key, data || tail) into out[NARA_SRTP_HMAC_LEN]; tail may be
 * NULL. No allocation. FALSE only if OpenSSL fails internally. */
gboolean nara_srtp_hmac_sha1(NaraSrtpHmac *hmac, const guint8 *data, gsize len, const guint8 *tail,
                             gsize tail_len, guint8 *out);

/* ---- srtp_gcm.c ---- */

typedef struct _NaraSrtpGcm NaraSrtpGcm;

/* (transfer full) One AES-128 key's GCM state; NULL if OpenSSL refuses it. */
NaraSrtpGcm *nara_srtp_gcm_new(const guint8 *key);
void nara_srtp_gcm_free(NaraSrtpGcm *gcm);
/* AES-GCM over data in place, with aad (and aad2, may be empty)
 * authenticated ahead of it, under the 12-octet iv. Encrypting writes the
 * NARA_SRTP_GCM_TAG_LEN-octet tag; decrypting checks it in constant time
 * (FALSE: forged or damaged, and data is garbage). No allocation. */
gboolean nara_srtp_gcm_apply(NaraSrtpGcm *gcm, const guint8 *iv, const guint8 *aad, gsize aad_len,
                             const guint8 *aad2, gsize aad2_len, guint8 *data, gsize len,
                             guint8 *tag, gboolean encrypt);

/* ---- srtp_replay.c ---- */

#define NARA_SRTP_REPLAY_WINDOW 1024
#define NARA_SRTP_MAX_INDEX ((G_GUINT64_CONSTANT(1) << 48) - 1)

/* Bit (i mod 1024) is set when index i, top - 1024 < i <= top, was accepted. */
typedef struct {
  guint64 bits[NARA_SRTP_REPLAY_WINDOW / 64];
} NaraSrtpReplay;

/* RFC 3711 §3.3.1 / Appendix A: the 48-bit index ROC||SEQ a sequence number
 * most likely has, given the highest index top seen so far. Where the RFC
 * would take ROC - 1 below zero it keeps ROC 0, as libsrtp2 does, so both
 * ends agree while a stream's first sequence numbers are still settling. */
guint64 nara_srtp_estimate_index(guint64 top, guint16 seq);
/* TRUE if index is newer than top, or inside the window and not seen yet. */
gboolean nara_srtp_replay_check(const NaraSrtpReplay *replay, guint64 top, guint64 index);
/* Record index as accepted; moves *top forward if it is newer. replay may be
 * NULL (the sending side keeps only its highest index). */
void nara_srtp_replay_add(NaraSrtpReplay *replay, guint64 *top, guint64 index);
/* Start a stream at its first index. */
void nara_srtp_replay_start(NaraSrtpReplay *replay, guint64 *top, guint64 index);

/* ---- srtp_session.c ---- */

/* (transfer full) A session from session keys, skipping key derivation:
 * for the RFC 3711 B.2 and RFC 7714 §16-17 vectors. */
NaraSrtpSession *nara_srtp_session_new_from_keys(NaraSrtpProfile profile,
                                                 const NaraSrtpSessionKeys *rtp,
                                                 const NaraSrtpSessionKeys *rtcp, gboolean inbound,
                                                 GError **error);
/* Payloads up to this many octets take the AES-ECB-over-counter-blocks path
 * (no per-packet IV re-init); longer ones AES-CTR with its IV re-set. */
#define NARA_SRTP_ECB_MAX_PAYLOAD 512
/* For tests and the benchmark: force one AES-CM path (0 = CTR for every
 * size, G_MAXSIZE = ECB for every size), and the HMAC kind. */
void nara_srtp_session_set_ecb_limit(NaraSrtpSession *session, gsize ecb_max_payload);
gboolean nara_srtp_session_set_hmac_kind(NaraSrtpSession *session, NaraSrtpHmacKind kind,
                                         GError **error);

G_END_DECLS
