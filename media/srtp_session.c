/* srtp_session.c — SRTP/SRTCP (RFC 3711, RFC 7714) on OpenSSL EVP.
 *
 * Owns a session's cipher contexts, keyed once, and its per-SSRC state (ROC,
 * highest index, replay windows, SRTCP index) in a bounded table; does the
 * per-packet transforms for AES-CM + HMAC-SHA1 and AES-GCM, allocating
 * nothing per packet. Key derivation, HMAC and replay arithmetic live in
 * srtp_kdf.c, srtp_hmac.c and srtp_replay.c. It does no MKI, no kdr > 0, no
 * header-extension encryption (RFC 6904) and never logs. Runs on the media
 * worker that owns the session; only the library refcount takes a lock.
 */
#include "srtp_session.h"

#include "media.h"
#include "srtp-private.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define RTP_FIXED_LEN 12
#define RTCP_HEADER_LEN 8
#define CM_IV_LEN 16
#define GCM_IV_LEN 12
#define SRTCP_E_BIT 0x80000000u
#define SRTCP_MAX_INDEX 0x7fffffffu
#define ECB_CHUNK 512 /* keystream octets per AES-ECB call, on the stack */
#define SLOT_BITS 7
#define SLOTS (1u << SLOT_BITS)

G_STATIC_ASSERT(SLOTS >= 2 * NARA_SRTP_MAX_SSRCS); /* probes stay short */
G_STATIC_ASSERT(NARA_SRTP_MAX_SSRCS < 255);
G_STATIC_ASSERT(NARA_SRTP_MAX_TAIL >= NARA_SRTP_GCM_TAG_LEN + NARA_SRTP_SRTCP_TRAILER_LEN);

/* One SSRC's counters. For RTP, top is the highest index (ROC || SEQ) sent or
 * authenticated; for SRTCP, the last index sent or the highest authenticated. */
typedef struct {
  guint32 ssrc;
  gboolean rtp_started, rtcp_started;
  guint64 rtp_top, rtcp_top;
} Stream;

/* The keyed contexts of RTP or of RTCP. */
typedef struct {
  EVP_CIPHER_CTX *cipher; /* AES-CM: AES-128-CTR; key set once */
  EVP_CIPHER_CTX *ecb;    /* AES-CM: AES-128-ECB over counter blocks, short payloads */
  NaraSrtpGcm *gcm;       /* AES-GCM */
  NaraSrtpHmac *hmac;     /* AES-CM */
  guint8 salt[NARA_SRTP_MAX_SALT_LEN];
  guint8 auth_key[NARA_SRTP_AUTH_KEY_LEN]; /* kept to re-key in tests */
} Crypto;

struct _NaraSrtpSession {
  NaraSrtpProfile profile;
  gboolean inbound;
  gsize rtp_tag_len, rtcp_tag_len;
  gsize ecb_max_payload;
  Crypto rtp, rtcp;
  guint n_streams;
  Stream streams[NARA_SRTP_MAX_SSRCS];
  guint8 slots[SLOTS];    /* open addressing on the SSRC: 0 empty, else stream + 1 */
  NaraSrtpReplay *replay; /* inbound: [2i] RTP and [2i + 1] SRTCP of streams[i] */
};

G_LOCK_DEFINE_STATIC(library);
static guint library_refs; /* {library} */

/* ---- profiles and library ---- */

gsize nara_srtp_profile_salt_len(NaraSrtpProfile profile)
{
  /* RFC 7714 §12: 96-bit master salt for GCM; RFC 5764 §4.1.2: 112 for AES-CM. */
  return profile == NARA_SRTP_AEAD_AES_128_GCM ? 12 : 14;
}

const char *nara_srtp_profile_name(NaraSrtpProfile profile)
{
  switch (profile) {
  case NARA_SRTP_AEAD_AES_128_GCM:
    return "SRTP_AEAD_AES_128_GCM";
  case NARA_SRTP_AES128_CM_SHA1_32:
    return "SRTP_AES128_CM_SHA1_32";
  case NARA_SRTP_AES128_CM_SHA1_80:
    break;
  }
  return "SRTP_AES128_CM_SHA1_80";
}

static gboolean have_cipher(const char *name)
{
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
  EVP_CIPHER_free(cipher);
  return cipher != NULL;
}

gboolean nara_srtp_library_ref(GError **error)
{
  /* OpenSSL needs no global set-up; the first reference checks that the
   * provider has every cipher, so a restricted build fails at start-up
   * rather than at the first call. */
  gboolean ok = TRUE;
  G_LOCK(library);
  if (library_refs == 0
      && !(have_cipher("AES-128-CTR") && have_cipher("AES-128-ECB")
           && have_cipher("AES-128-GCM"))) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL,
                "OpenSSL lacks AES-128-CTR, -ECB or -GCM, which SRTP needs");
    ok = FALSE;
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
  library_refs--;
  G_UNLOCK(library);
}

/* ---- set-up ---- */

static gboolean crypto_init(Crypto *c, NaraSrtpProfile profile, const NaraSrtpSessionKeys *keys,
                            GError **error)
{
  memcpy(c->salt, keys->salt, sizeof c->salt);
  gboolean ok;
  if (profile == NARA_SRTP_AEAD_AES_128_GCM) {
    c->gcm = nara_srtp_gcm_new(keys->cipher_key);
    ok = c->gcm != NULL;
  } else {
    c->cipher = EVP_CIPHER_CTX_new();
    c->ecb = EVP_CIPHER_CTX_new();
    ok = c->cipher && c->ecb
         && EVP_EncryptInit_ex(c->cipher, EVP_aes_128_ctr(), NULL, keys->cipher_key, NULL) == 1
         && EVP_EncryptInit_ex(c->ecb, EVP_aes_128_ecb(), NULL, keys->cipher_key, NULL) == 1
         && EVP_CIPHER_CTX_set_padding(c->ecb, 0) == 1;
    memcpy(c->auth_key, keys->auth_key, sizeof c->auth_key);
    if (ok) {
      c->hmac = nara_srtp_hmac_new(nara_srtp_hmac_default_kind(), keys->auth_key,
                                   NARA_SRTP_AUTH_KEY_LEN, error);
      return c->hmac != NULL;
    }
  }
  if (!ok)
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL,
                "SRTP: OpenSSL refused the session key");
  return ok;
}

static void crypto_clear(Crypto *c)
{
  EVP_CIPHER_CTX_free(c->cipher);
  EVP_CIPHER_CTX_free(c->ecb);
  nara_srtp_gcm_free(c->gcm);
  nara_srtp_hmac_free(c->hmac);
  OPENSSL_cleanse(c, sizeof *c);
}

NaraSrtpSession *nara_srtp_session_new_from_keys(NaraSrtpProfile profile,
                                                 const NaraSrtpSessionKeys *rtp,
                                                 const NaraSrtpSessionKeys *rtcp, gboolean inbound,
                                                 GError **error)
{
  NaraSrtpSession *session = g_new0(NaraSrtpSession, 1);
  session->profile = profile;
  session->inbound = inbound;
  session->ecb_max_payload = NARA_SRTP_ECB_MAX_PAYLOAD;
  switch (profile) {
  case NARA_SRTP_AEAD_AES_128_GCM:
    session->rtp_tag_len = session->rtcp_tag_len = NARA_SRTP_GCM_TAG_LEN;
    break;
  case NARA_SRTP_AES128_CM_SHA1_32:
    session->rtp_tag_len = 4;
    session->rtcp_tag_len = NARA_SRTP_CM_SRTCP_TAG_LEN;
    break;
  case NARA_SRTP_AES128_CM_SHA1_80:
    session->rtp_tag_len = session->rtcp_tag_len = NARA_SRTP_CM_SRTCP_TAG_LEN;
    break;
  }
  if (inbound)
    session->replay = g_new0(NaraSrtpReplay, 2 * NARA_SRTP_MAX_SSRCS);
  if (!crypto_init(&session->rtp, profile, rtp, error)
      || !crypto_init(&session->rtcp, profile, rtcp, error)) {
    nara_srtp_session_free(session);
    return NULL;
  }
  return session;
}

NaraSrtpSession *nara_srtp_session_new(NaraSrtpProfile profile, const guint8 *key,
                                       const guint8 *salt, gboolean inbound, GError **error)
{
  NaraSrtpSessionKeys rtp, rtcp;
  if (!nara_srtp_derive_session_keys(profile, key, salt, &rtp, &rtcp, error))
    return NULL;
  NaraSrtpSession *session = nara_srtp_session_new_from_keys(profile, &rtp, &rtcp, inbound, error);
  OPENSSL_cleanse(&rtp, sizeof rtp);
  OPENSSL_cleanse(&rtcp, sizeof rtcp);
  return session;
}

void nara_srtp_session_free(NaraSrtpSession *session)
{
  if (!session)
    return;
  crypto_clear(&session->rtp);
  crypto_clear(&session->rtcp);
  g_free(session->replay);
  g_free(session);
}

void nara_srtp_session_set_ecb_limit(NaraSrtpSession *session, gsize ecb_max_payload)
{
  session->ecb_max_payload = ecb_max_payload;
}

gboolean nara_srtp_session_set_hmac_kind(NaraSrtpSession *session, NaraSrtpHmacKind kind,
                                         GError **error)
{
  Crypto *all[] = { &session->rtp, &session->rtcp };
  for (guint i = 0; i < G_N_ELEMENTS(all); i++) {
    if (!all[i]->hmac)
      continue;
    NaraSrtpHmac *h = nara_srtp_hmac_new(kind, all[i]->auth_key, NARA_SRTP_AUTH_KEY_LEN, error);
    if (!h)
      return FALSE;
    nara_srtp_hmac_free(all[i]->hmac);
    all[i]->hmac = h;
  }
  return TRUE;
}

/* ---- the SSRC table ---- */

static guint slot_of(guint32 ssrc)
{
  /* Fibonacci hashing: peers pick SSRCs at random, but a hostile one may
   * not; probing is bounded by the table size either way. */
  return (guint)((ssrc * 2654435761u) >> (32 - SLOT_BITS));
}

/* The stream of ssrc, its number in *index; NULL if not tracked yet. */
static Stream *find_stream(NaraSrtpSession *session, guint32 ssrc, guint *index)
{
  for (guint i = 0, s = slot_of(ssrc); i < SLOTS; i++, s = (s + 1) % SLOTS) {
    guint8 v = session->slots[s];
    if (v == 0)
      return NULL;
    if (session->streams[v - 1].ssrc == ssrc) {
      *index = v - 1u;
      return &session->streams[v - 1];
    }
  }
  return NULL;
}

static Stream *add_stream(NaraSrtpSession *session, guint32 ssrc, guint *index)
{
  if (session->n_streams >= NARA_SRTP_MAX_SSRCS)
    return NULL;
  guint s = slot_of(ssrc);
  while (session->slots[s] != 0)
    s = (s + 1) % SLOTS;
  guint i = session->n_streams++;
  session->slots[s] = (guint8)(i + 1);
  memset(&session->streams[i], 0, sizeof session->streams[i]);
  session->streams[i].ssrc = ssrc;
  *index = i;
  return &session->streams[i];
}

static Stream *find_or_add_stream(NaraSrtpSession *session, guint32 ssrc)
{
  guint index;
  Stream *stream = find_stream(session, ssrc, &index);
  return stream ? stream : add_stream(session, ssrc, &index);
}

/* ---- byte helpers ---- */

static guint32 read32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static void write32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24), p[1] = (guint8)(v >> 16), p[2] = (guint8)(v >> 8), p[3] = (guint8)v;
}

/* XOR the 48-bit value v into p[0..5], big-endian. */
static void xor48(guint8 *p, guint64 v)
{
  for (int i = 5; i >= 0; i--, v >>= 8)
    p[i] ^= (guint8)v;
}

static void xor_bytes(guint8 *dst, const guint8 *src, gsize n)
{
  gsize i = 0;
  for (; i + 8 <= n; i += 8) {
    guint64 a, b;
    memcpy(&a, dst + i, 8);
    memcpy(&b, src + i, 8);
    a ^= b;
    memcpy(dst + i, &a, 8);
  }
  for (; i < n; i++)
    dst[i] ^= src[i];
}

/* The datagram bound; the EVP calls take int lengths. */
static gboolean len_ok(gsize len)
{
  return len > 0 && len <= 65535;
}

/* RFC 3550 §5.1 and §5.3.1: fixed header, CSRCs, then the extension whose
 * length counts 32-bit words after its 4-octet header. */
static gboolean rtp_header_len(const guint8 *data, gsize len, gsize *header_len)
{
  if (len < RTP_FIXED_LEN || data[0] >> 6 != 2)
    return FALSE;
  gsize h = RTP_FIXED_LEN + 4u * (data[0] & 0x0f);
  if (data[0] & 0x10) {
    if (h + 4 > len)
      return FALSE;
    h += 4 + 4u * (((gsize)data[h + 2] << 8) | data[h + 3]);
  }
  if (h > len)
    return FALSE;
  *header_len = h;
  return TRUE;
}

/* ---- ciphers ---- */

/* RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16). */
static void cm_iv(const Crypto *c, guint32 ssrc, guint64 index, guint8 *iv)
{
  memcpy(iv, c->salt, 14);
  iv[14] = iv[15] = 0;
  iv[4] ^= (guint8)(ssrc >> 24), iv[5] ^= (guint8)(ssrc >> 16);
  iv[6] ^= (guint8)(ssrc >> 8), iv[7] ^= (guint8)ssrc;
  xor48(iv + 8, index);
}

/* RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt; §9.1 for SRTCP
 * puts 00 00 || 31-bit index where ROC || SEQ was, which the same 48-bit
 * XOR gives for an index below 2^31. */
static void gcm_iv(const Crypto *c, guint32 ssrc, guint64 index, guint8 *iv)
{
  memcpy(iv, c->salt, GCM_IV_LEN);
  iv[2] ^= (guint8)(ssrc >> 24), iv[3] ^= (guint8)(ssrc >> 16);
  iv[4] ^= (guint8)(ssrc >> 8), iv[5] ^= (guint8)ssrc;
  xor48(iv + 6, index);
}

/* AES-CM keystream XORed over data (RFC 3711 §4.1.1). The IV's low 16 bits
 * are zero and a packet is under 2^16 blocks, so block b's counter is the IV
 * with b in its last two octets. Short payloads are cheaper as counter blocks
 * through AES-ECB (no IV re-init, ~0.1 µs in OpenSSL 3.0); long ones go
 * through AES-CTR, whose fused XOR catches up near 1000 octets
 * (docs/performance.md). */
static gboolean cm_apply(const NaraSrtpSession *session, const Crypto *c, const guint8 *iv,
                         guint8 *data, gsize len)
{
  int out = 0;
  if (len == 0)
    return TRUE;
  if (len > session->ecb_max_payload)
    return EVP_CipherInit_ex(c->cipher, NULL, NULL, NULL, iv, -1) == 1
           && EVP_CipherUpdate(c->cipher, data, &out, data, (int)len) == 1 && (gsize)out == len;
  guint8 ks[ECB_CHUNK];
  guint block = 0;
  for (gsize off = 0; off < len;) {
    gsize n = MIN(len - off, sizeof ks);
    gsize blocks = (n + 15) / 16;
    for (gsize b = 0; b < blocks; b++, block++) {
      memcpy(ks + 16 * b, iv, 14);
      ks[16 * b + 14] = (guint8)(block >> 8);
      ks[16 * b + 15] = (guint8)block;
    }
    if (EVP_EncryptUpdate(c->ecb, ks, &out, ks, (int)(blocks * 16)) != 1
        || (gsize)out != blocks * 16)
      return FALSE;
    xor_bytes(data + off, ks, n);
    off += n;
  }
  return TRUE;
}

/* HMAC-SHA1 over data (and tail) compared with the tag_len-octet tag. */
static gboolean cm_auth_ok(const Crypto *c, const guint8 *data, gsize len, const guint8 *tail,
                           gsize tail_len, const guint8 *tag, gsize tag_len)
{
  guint8 mac[NARA_SRTP_HMAC_LEN];
  return nara_srtp_hmac_sha1(c->hmac, data, len, tail, tail_len, mac)
         && CRYPTO_memcmp(mac, tag, tag_len) == 0;
}

/* ---- SRTP ---- */

gboolean nara_srtp_protect(NaraSrtpSession *session, guint8 *data, gsize *len, gsize cap)
{
  gsize header_len;
  if (session->inbound || !len_ok(*len) || cap < *len + NARA_SRTP_MAX_TAIL
      || !rtp_header_len(data, *len, &header_len))
    return FALSE;
  Stream *stream = find_or_add_stream(session, read32(data + 8));
  if (!stream)
    return FALSE;
  guint16 seq = (guint16)((data[2] << 8) | data[3]);
  /* RFC 3711 §3.3.1: the sender's ROC counts its wraps; estimating it from
   * the highest index sent also places a late (forwarded) packet in the ROC
   * it belongs to, exactly as the receiver will. */
  guint64 index = stream->rtp_started ? nara_srtp_estimate_index(stream->rtp_top, seq) : seq;
  if (index > NARA_SRTP_MAX_INDEX) /* §9.2: 2^48 packets, re-keying required */
    return FALSE;

  const Crypto *c = &session->rtp;
  guint8 *payload = data + header_len;
  gsize payload_len = *len - header_len;
  if (session->profile == NARA_SRTP_AEAD_AES_128_GCM) {
    /* RFC 7714 §8.2: the whole header is AAD; the tag follows the payload. */
    guint8 iv[GCM_IV_LEN];
    gcm_iv(c, stream->ssrc, index, iv);
    if (!nara_srtp_gcm_apply(c->gcm, iv, data, header_len, NULL, 0, payload, payload_len,
                             data + *len, TRUE))
      return FALSE;
  } else {
    /* §4.2: the tag covers the header, the encrypted payload and the ROC. */
    guint8 iv[CM_IV_LEN], roc[4], mac[NARA_SRTP_HMAC_LEN];
    cm_iv(c, stream->ssrc, index, iv);
    write32(roc, (guint32)(index >> 16));
    if (!cm_apply(session, c, iv, payload, payload_len)
        || !nara_srtp_hmac_sha1(c->hmac, data, *len, roc, sizeof roc, mac))
      return FALSE;
    memcpy(data + *len, mac, session->rtp_tag_len);
  }
  *len += session->rtp_tag_len;
  if (stream->rtp_started) {
    nara_srtp_replay_add(NULL, &stream->rtp_top, index);
  } else {
    stream->rtp_started = TRUE;
    stream->rtp_top = index;
  }
  return TRUE;
}

/* An inbound packet's stream: the tracked one, or a fresh one in *scratch
 * that is added only once the packet authenticates, so forged packets can
 * neither fill the table nor move a window. NULL if the table is full. */
static Stream *inbound_stream(NaraSrtpSession *session, guint32 ssrc, Stream *scratch, guint *index)
{
  Stream *stream = find_stream(session, ssrc, index);
  if (stream)
    return stream;
  if (session->n_streams >= NARA_SRTP_MAX_SSRCS)
    return NULL;
  memset(scratch, 0, sizeof *scratch);
  scratch->ssrc = ssrc;
  *index = G_MAXUINT;
  return scratch;
}

/* Make a fresh stream permanent; returns the tracked copy (NULL cannot
 * happen: inbound_stream checked for room on this same thread). */
static Stream *keep_stream(NaraSrtpSession *session, Stream *stream, guint *index)
{
  return *index != G_MAXUINT ? stream : add_stream(session, stream->ssrc, index);
}

gboolean nara_srtp_unprotect(NaraSrtpSession *session, guint8 *data, gsize *len)
{
  gsize tag_len = session->rtp_tag_len, header_len;
  if (!session->inbound || !len_ok(*len) || *len < RTP_FIXED_LEN + tag_len)
    return FALSE;
  gsize body_len = *len - tag_len; /* header and payload */
  if (!rtp_header_len(data, body_len, &header_len))
    return FALSE;
  Stream scratch;
  guint si;
  Stream *stream = inbound_stream(session, read32(data + 8), &scratch, &si);
  if (!stream)
    return FALSE;
  guint16 seq = (guint16)((data[2] << 8) | data[3]);
  /* RFC 3711 §3.3.1: the first packet sets s_l with ROC 0; later ones are
   * placed near the highest authenticated index. */
  guint64 index = stream->rtp_started ? nara_srtp_estimate_index(stream->rtp_top, seq) : seq;
  if (index > NARA_SRTP_MAX_INDEX)
    return FALSE;
  /* §3.3.2: check the window before paying for authentication. */
  if (stream->rtp_started
      && !nara_srtp_replay_check(&session->replay[2 * si], stream->rtp_top, index))
    return FALSE;

  const Crypto *c = &session->rtp;
  guint8 *payload = data + header_len;
  gsize payload_len = body_len - header_len;
  if (session->profile == NARA_SRTP_AEAD_AES_128_GCM) {
    guint8 iv[GCM_IV_LEN];
    gcm_iv(c, stream->ssrc, index, iv);
    if (!nara_srtp_gcm_apply(c->gcm, iv, data, header_len, NULL, 0, payload, payload_len,
                             data + body_len, FALSE))
      return FALSE;
  } else {
    /* §3.3: authenticate first, then decrypt. */
    guint8 iv[CM_IV_LEN], roc[4];
    write32(roc, (guint32)(index >> 16));
    if (!cm_auth_ok(c, data, body_len, roc, sizeof roc, data + body_len, tag_len))
      return FALSE;
    cm_iv(c, stream->ssrc, index, iv);
    if (!cm_apply(session, c, iv, payload, payload_len))
      return FALSE;
  }
  /* §3.3.1: ROC and s_l move only for authenticated packets. */
  stream = keep_stream(session, stream, &si);
  if (!stream)
    return FALSE;
  if (stream->rtp_started) {
    nara_srtp_replay_add(&session->replay[2 * si], &stream->rtp_top, index);
  } else {
    stream->rtp_started = TRUE;
    nara_srtp_replay_start(&session->replay[2 * si], &stream->rtp_top, index);
  }
  *len = body_len;
  return TRUE;
}

/* ---- SRTCP ---- */

/* RFC 3711 §3.4 (AES-CM): header || encrypted rest || E+index || tag, the tag
 * over everything before it. RFC 7714 §9: header || encrypted rest || tag ||
 * E+index, with the header and the E+index word as AAD. */
gboolean nara_srtp_protect_rtcp(NaraSrtpSession *session, guint8 *data, gsize *len, gsize cap)
{
  if (session->inbound || !len_ok(*len) || cap < *len + NARA_SRTP_MAX_TAIL || *len < RTCP_HEADER_LEN
      || data[0] >> 6 != 2)
    return FALSE;
  Stream *stream = find_or_add_stream(session, read32(data + 4));
  if (!stream)
    return FALSE;
  /* §3.4: the index starts at 0 and counts every SRTCP packet of the SSRC;
   * after 2^31 the keys must change, so refuse rather than wrap. */
  guint64 index = stream->rtcp_started ? stream->rtcp_top + 1 : 0;
  if (index > SRTCP_MAX_INDEX)
    return FALSE;
  guint8 trailer[NARA_SRTP_SRTCP_TRAILER_LEN];
  write32(trailer, SRTCP_E_BIT | (guint32)index);

  const Crypto *c = &session->rtcp;
  guint8 *body = data + RTCP_HEADER_LEN;
  gsize body_len = *len - RTCP_HEADER_LEN;
  if (session->profile == NARA_SRTP_AEAD_AES_128_GCM) {
    guint8 iv[GCM_IV_LEN];
    gcm_iv(c, stream->ssrc, index, iv);
    if (!nara_srtp_gcm_apply(c->gcm, iv, data, RTCP_HEADER_LEN, trailer, sizeof trailer, body,
                             body_len, data + *len, TRUE))
      return FALSE;
    memcpy(data + *len + NARA_SRTP_GCM_TAG_LEN, trailer, sizeof trailer);
  } else {
    guint8 iv[CM_IV_LEN], mac[NARA_SRTP_HMAC_LEN];
    cm_iv(c, stream->ssrc, index, iv);
    if (!cm_apply(session, c, iv, body, body_len))
      return FALSE;
    memcpy(data + *len, trailer, sizeof trailer);
    if (!nara_srtp_hmac_sha1(c->hmac, data, *len + sizeof trailer, NULL, 0, mac))
      return FALSE;
    memcpy(data + *len + sizeof trailer, mac, session->rtcp_tag_len);
  }
  *len += NARA_SRTP_SRTCP_TRAILER_LEN + session->rtcp_tag_len;
  stream->rtcp_started = TRUE;
  stream->rtcp_top = index;
  return TRUE;
}

gboolean nara_srtp_unprotect_rtcp(NaraSrtpSession *session, guint8 *data, gsize *len)
{
  gsize tag_len = session->rtcp_tag_len;
  gsize overhead = tag_len + NARA_SRTP_SRTCP_TRAILER_LEN;
  if (!session->inbound || !len_ok(*len) || *len < RTCP_HEADER_LEN + overhead || data[0] >> 6 != 2)
    return FALSE;
  gsize plain_len = *len - overhead; /* what the packet will be */
  gboolean gcm = session->profile == NARA_SRTP_AEAD_AES_128_GCM;
  /* AES-CM: E+index then tag; GCM: tag then E+index. */
  guint8 *trailer = gcm ? data + *len - NARA_SRTP_SRTCP_TRAILER_LEN : data + plain_len;
  guint8 *tag = gcm ? data + plain_len : data + plain_len + NARA_SRTP_SRTCP_TRAILER_LEN;
  guint32 word = read32(trailer);
  gboolean encrypted = (word & SRTCP_E_BIT) != 0;
  guint64 index = word & SRTCP_MAX_INDEX;

  Stream scratch;
  guint si;
  Stream *stream = inbound_stream(session, read32(data + 4), &scratch, &si);
  if (!stream)
    return FALSE;
  if (stream->rtcp_started
      && !nara_srtp_replay_check(&session->replay[2 * si + 1], stream->rtcp_top, index))
    return FALSE;

  const Crypto *c = &session->rtcp;
  guint8 *body = data + RTCP_HEADER_LEN;
  gsize body_len = plain_len - RTCP_HEADER_LEN;
  if (gcm) {
    guint8 iv[GCM_IV_LEN];
    gcm_iv(c, stream->ssrc, index, iv);
    /* RFC 7714 §9.3: unencrypted SRTCP authenticates the whole packet as AAD. */
    gboolean ok = encrypted
                      ? nara_srtp_gcm_apply(c->gcm, iv, data, RTCP_HEADER_LEN, trailer,
                                            NARA_SRTP_SRTCP_TRAILER_LEN, body, body_len, tag, FALSE)
                      : nara_srtp_gcm_apply(c->gcm, iv, data, plain_len, trailer,
                                            NARA_SRTP_SRTCP_TRAILER_LEN, NULL, 0, tag, FALSE);
    if (!ok)
      return FALSE;
  } else {
    if (!cm_auth_ok(c, data, plain_len + NARA_SRTP_SRTCP_TRAILER_LEN, NULL, 0, tag, tag_len))
      return FALSE;
    guint8 iv[CM_IV_LEN];
    cm_iv(c, stream->ssrc, index, iv);
    if (encrypted && !cm_apply(session, c, iv, body, body_len))
      return FALSE;
  }
  stream = keep_stream(session, stream, &si);
  if (!stream)
    return FALSE;
  if (stream->rtcp_started) {
    nara_srtp_replay_add(&session->replay[2 * si + 1], &stream->rtcp_top, index);
  } else {
    stream->rtcp_started = TRUE;
    nara_srtp_replay_start(&session->replay[2 * si + 1], &stream->rtcp_top, index);
  }
  *len = plain_len;
  return TRUE;
}
