/* stun.c — STUN Binding messages for ICE-lite, parsed and written in place.
 *
 * Owns the wire format: header and attribute walk with every length checked
 * before it is read, FINGERPRINT (CRC-32) and MESSAGE-INTEGRITY (HMAC-SHA1)
 * on both sides, XOR-MAPPED-ADDRESS. It does not decide whom to answer or
 * keep any state (lite.c does), knows no long-term credentials, TURN or
 * retransmissions. Pure functions: called on the media workers.
 */
#include "stun.h"

#include <string.h>
#include <openssl/crypto.h>

/* RFC 5389 §18.2 attribute types (RFC 8445 §16.1 for the ICE ones). */
enum {
  ATTR_MAPPED_ADDRESS = 0x0001,
  ATTR_USERNAME = 0x0006,
  ATTR_MESSAGE_INTEGRITY = 0x0008,
  ATTR_ERROR_CODE = 0x0009,
  ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
  ATTR_XOR_MAPPED_ADDRESS = 0x0020,
  ATTR_PRIORITY = 0x0024,
  ATTR_USE_CANDIDATE = 0x0025,
  ATTR_FINGERPRINT = 0x8028,
  ATTR_ICE_CONTROLLED = 0x8029,
  ATTR_ICE_CONTROLLING = 0x802A,
};

#define FINGERPRINT_XOR 0x5354554eu /* RFC 5389 §15.5 */
#define INTEGRITY_LEN 20
#define ATTR_HEADER 4

static guint16 get16(const guint8 *p)
{
  return (guint16)(p[0] << 8 | p[1]);
}

static guint32 get32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static void put16(guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void put32(guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

static gsize pad4(gsize n)
{
  return (n + 3) & ~(gsize)3;
}

/* ---- CRC-32 ---- */

static guint32 crc_table[256];

static void crc_init(void)
{
  static gsize once;
  if (!g_once_init_enter(&once))
    return;
  for (guint32 i = 0; i < 256; i++) {
    guint32 c = i;
    for (int k = 0; k < 8; k++)
      c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
  g_once_init_leave(&once, 1);
}

guint32 nara_stun_crc32(const guint8 *data, gsize len)
{
  crc_init();
  guint32 c = 0xFFFFFFFFu;
  for (gsize i = 0; i < len; i++)
    c = crc_table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/* ---- parsing ---- */

gboolean nara_stun_is_stun(const guint8 *data, gsize len)
{
  /* RFC 5389 §6: the two top bits are zero and the cookie is fixed. */
  return len >= NARA_STUN_HEADER_LEN && data[0] < 4 && get32(data + 4) == NARA_STUN_MAGIC_COOKIE;
}

/* RFC 5389 §15.2: family, port ^ top of cookie, address ^ cookie (||tid). */
static gboolean read_xor_address(const guint8 *v, gsize len, const guint8 *header,
                                 NaraSockAddr *out)
{
  if (len < 4)
    return FALSE;
  memset(out, 0, sizeof *out);
  guint16 port = get16(v + 2) ^ (NARA_STUN_MAGIC_COOKIE >> 16);
  if (v[1] == 0x01 && len == 8) {
    out->v4.sin_family = AF_INET;
    out->v4.sin_port = g_htons(port);
    guint32 a = get32(v + 4) ^ NARA_STUN_MAGIC_COOKIE;
    out->v4.sin_addr.s_addr = g_htonl(a);
    return TRUE;
  }
  if (v[1] == 0x02 && len == 20) {
    out->v6.sin6_family = AF_INET6;
    out->v6.sin6_port = g_htons(port);
    for (int i = 0; i < 16; i++)
      out->v6.sin6_addr.s6_addr[i] = v[4 + i] ^ header[4 + i]; /* cookie || transaction id */
    return TRUE;
  }
  return FALSE;
}

/* One attribute before MESSAGE-INTEGRITY. FALSE if its value is malformed. */
static gboolean read_attribute(NaraStunMessage *msg, const guint8 *data, guint16 type,
                               const guint8 *v, gsize vlen)
{
  switch (type) {
  case ATTR_USERNAME:
    if (vlen > NARA_STUN_MAX_USERNAME)
      return FALSE;
    if (!msg->username) {
      msg->username = v;
      msg->username_len = vlen;
    }
    return TRUE;
  case ATTR_PRIORITY:
    if (vlen != 4)
      return FALSE;
    if (!msg->has_priority) {
      msg->has_priority = TRUE;
      msg->priority = get32(v);
    }
    return TRUE;
  case ATTR_USE_CANDIDATE:
    if (vlen != 0)
      return FALSE;
    msg->use_candidate = TRUE;
    return TRUE;
  case ATTR_ICE_CONTROLLING:
  case ATTR_ICE_CONTROLLED:
    if (vlen != 8)
      return FALSE;
    if (msg->role == NARA_STUN_ROLE_NONE) {
      msg->role
          = type == ATTR_ICE_CONTROLLING ? NARA_STUN_ROLE_CONTROLLING : NARA_STUN_ROLE_CONTROLLED;
      msg->tiebreaker = (guint64)get32(v) << 32 | get32(v + 4);
    }
    return TRUE;
  case ATTR_ERROR_CODE:
    /* RFC 5389 §15.6: 21 reserved bits, class (3-6), number (0-99), reason. */
    if (vlen < 4 || (v[2] & 0x07) < 3 || (v[2] & 0x07) > 6 || v[3] > 99)
      return FALSE;
    if (!msg->error_code)
      msg->error_code = (v[2] & 0x07) * 100u + v[3];
    return TRUE;
  case ATTR_XOR_MAPPED_ADDRESS:
    if (!read_xor_address(v, vlen, data, &msg->mapped))
      return FALSE;
    msg->has_mapped = TRUE;
    return TRUE;
  case ATTR_MAPPED_ADDRESS:
  case ATTR_UNKNOWN_ATTRIBUTES:
    return TRUE; /* understood, not used */
  default:
    /* RFC 5389 §15: 0x0000-0x7FFF are comprehension-required. */
    if (type < 0x8000 && msg->n_unknown < NARA_STUN_MAX_UNKNOWN)
      msg->unknown[msg->n_unknown++] = type;
    return TRUE;
  }
}

gboolean nara_stun_parse(const guint8 *data, gsize len, NaraStunMessage *msg)
{
  memset(msg, 0, sizeof *msg);
  if (!nara_stun_is_stun(data, len))
    return FALSE;
  gsize body = get16(data + 2);
  /* One message per datagram, a whole number of 32-bit words (§6). */
  if (body % 4 != 0 || NARA_STUN_HEADER_LEN + body != len)
    return FALSE;
  guint16 type = get16(data);
  /* §6: class bits C1 (0x100) and C0 (0x010) sit among the method bits. */
  msg->klass = (NaraStunClass)(((type >> 7) & 0x2) | ((type >> 4) & 0x1));
  msg->method = (guint16)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  msg->transaction_id = data + 8;

  gsize pos = NARA_STUN_HEADER_LEN;
  while (pos < len) {
    if (len - pos < ATTR_HEADER)
      return FALSE;
    guint16 atype = get16(data + pos);
    gsize vlen = get16(data + pos + 2);
    const guint8 *v = data + pos + ATTR_HEADER;
    if (pad4(vlen) > len - pos - ATTR_HEADER)
      return FALSE;
    if (msg->fingerprint)
      return FALSE; /* §15.5: FINGERPRINT is the last attribute */
    if (atype == ATTR_FINGERPRINT) {
      if (vlen != 4 || (get32(v) ^ FINGERPRINT_XOR) != nara_stun_crc32(data, pos))
        return FALSE;
      msg->fingerprint = TRUE;
    } else if (msg->integrity_offset) {
      /* §15.4: anything else after MESSAGE-INTEGRITY is ignored. */
    } else if (atype == ATTR_MESSAGE_INTEGRITY) {
      if (vlen != INTEGRITY_LEN)
        return FALSE;
      msg->integrity_offset = pos;
    } else if (!read_attribute(msg, data, atype, v, vlen)) {
      return FALSE;
    }
    pos += ATTR_HEADER + pad4(vlen);
  }
  return TRUE;
}

/* HMAC over the message up to MESSAGE-INTEGRITY, the header's length
 * pointing at the end of that attribute (RFC 5389 §15.4). */
static gboolean integrity(const guint8 *data, gsize mi_offset, NaraSrtpHmac *key, guint8 *out)
{
  guint8 header[NARA_STUN_HEADER_LEN];
  memcpy(header, data, sizeof header);
  put16(header + 2, (guint16)(mi_offset + ATTR_HEADER + INTEGRITY_LEN - NARA_STUN_HEADER_LEN));
  return nara_srtp_hmac_sha1(key, header, sizeof header, data + NARA_STUN_HEADER_LEN,
                             mi_offset - NARA_STUN_HEADER_LEN, out);
}

gboolean nara_stun_check_integrity(const guint8 *data, gsize len, const NaraStunMessage *msg,
                                   NaraSrtpHmac *key)
{
  gsize off = msg->integrity_offset;
  guint8 mac[NARA_SRTP_HMAC_LEN];
  if (!off || off < NARA_STUN_HEADER_LEN || off + ATTR_HEADER + INTEGRITY_LEN > len)
    return FALSE;
  if (!integrity(data, off, key, mac))
    return FALSE;
  return CRYPTO_memcmp(mac, data + off + ATTR_HEADER, INTEGRITY_LEN) == 0;
}

/* ---- writing ---- */

typedef struct {
  guint8 *out;
  gsize cap, len;
  gboolean ok;
} Writer;

static void begin(Writer *w, guint8 *out, gsize cap, guint16 type, const guint8 *tid)
{
  *w = (Writer){ out, cap, 0, cap >= NARA_STUN_HEADER_LEN };
  if (!w->ok)
    return;
  put16(out, type);
  put16(out + 2, 0);
  put32(out + 4, NARA_STUN_MAGIC_COOKIE);
  memcpy(out + 8, tid, NARA_STUN_TID_LEN);
  w->len = NARA_STUN_HEADER_LEN;
}

/* Appends an attribute header and returns where its value goes (zero
 * padded), or NULL when out of room. */
static guint8 *attr(Writer *w, guint16 type, gsize vlen)
{
  if (!w->ok || vlen > 0xFFFF || w->cap - w->len < ATTR_HEADER + pad4(vlen)) {
    w->ok = FALSE;
    return NULL;
  }
  guint8 *p = w->out + w->len;
  put16(p, type);
  put16(p + 2, (guint16)vlen);
  memset(p + ATTR_HEADER, 0, pad4(vlen));
  w->len += ATTR_HEADER + pad4(vlen);
  put16(w->out + 2, (guint16)(w->len - NARA_STUN_HEADER_LEN));
  return p + ATTR_HEADER;
}

static void write_xor_address(Writer *w, const NaraSockAddr *a)
{
  gboolean v6 = a->sa.sa_family == AF_INET6;
  guint8 *v = attr(w, ATTR_XOR_MAPPED_ADDRESS, v6 ? 20 : 8);
  if (!v)
    return;
  v[1] = v6 ? 0x02 : 0x01;
  guint16 port = g_ntohs(v6 ? a->v6.sin6_port : a->v4.sin_port);
  put16(v + 2, port ^ (NARA_STUN_MAGIC_COOKIE >> 16));
  if (v6) {
    for (int i = 0; i < 16; i++)
      v[4 + i] = a->v6.sin6_addr.s6_addr[i] ^ w->out[4 + i];
  } else {
    put32(v + 4, g_ntohl(a->v4.sin_addr.s_addr) ^ NARA_STUN_MAGIC_COOKIE);
  }
}

/* MESSAGE-INTEGRITY (if keyed) then FINGERPRINT; returns the length or 0. */
static gsize finish(Writer *w, NaraSrtpHmac *key)
{
  if (key) {
    gsize mi = w->len;
    guint8 *v = attr(w, ATTR_MESSAGE_INTEGRITY, INTEGRITY_LEN);
    if (!v || !integrity(w->out, mi, key, v))
      return 0;
  }
  gsize fp = w->len;
  guint8 *v = attr(w, ATTR_FINGERPRINT, 4);
  if (!v)
    return 0;
  put32(v, nara_stun_crc32(w->out, fp) ^ FINGERPRINT_XOR);
  return w->len;
}

gsize nara_stun_write_binding_success(guint8 *out, gsize cap, const guint8 *transaction_id,
                                      const NaraSockAddr *mapped, NaraSrtpHmac *key)
{
  Writer w;
  begin(&w, out, cap, 0x0101, transaction_id);
  write_xor_address(&w, mapped);
  return finish(&w, key);
}

gsize nara_stun_write_binding_error(guint8 *out, gsize cap, const guint8 *transaction_id,
                                    guint code, const char *reason, const guint16 *unknown,
                                    guint n_unknown, NaraSrtpHmac *key)
{
  Writer w;
  gsize rlen = reason ? strlen(reason) : 0;
  begin(&w, out, cap, 0x0111, transaction_id);
  if (code < 300 || code > 699 || rlen > 127)
    return 0;
  guint8 *v = attr(&w, ATTR_ERROR_CODE, 4 + rlen);
  if (!v)
    return 0;
  v[2] = (guint8)(code / 100);
  v[3] = (guint8)(code % 100);
  if (rlen)
    memcpy(v + 4, reason, rlen);
  if (n_unknown) {
    v = attr(&w, ATTR_UNKNOWN_ATTRIBUTES, 2 * (gsize)n_unknown);
    for (guint i = 0; v && i < n_unknown; i++)
      put16(v + 2 * i, unknown[i]);
  }
  return finish(&w, key);
}

gsize nara_stun_write_binding_request(guint8 *out, gsize cap, const guint8 *transaction_id,
                                      const char *username, guint32 priority, NaraStunRole role,
                                      guint64 tiebreaker, gboolean use_candidate, NaraSrtpHmac *key)
{
  Writer w;
  gsize ulen = username ? strlen(username) : 0;
  begin(&w, out, cap, 0x0001, transaction_id);
  if (ulen > NARA_STUN_MAX_USERNAME)
    return 0;
  guint8 *v;
  if (username && (v = attr(&w, ATTR_USERNAME, ulen)))
    memcpy(v, username, ulen);
  if ((v = attr(&w, ATTR_PRIORITY, 4)))
    put32(v, priority);
  if (use_candidate)
    attr(&w, ATTR_USE_CANDIDATE, 0);
  if (role != NARA_STUN_ROLE_NONE
      && (v = attr(&w,
                   role == NARA_STUN_ROLE_CONTROLLING ? ATTR_ICE_CONTROLLING : ATTR_ICE_CONTROLLED,
                   8))) {
    put32(v, (guint32)(tiebreaker >> 32));
    put32(v + 4, (guint32)tiebreaker);
  }
  return finish(&w, key);
}
