/* stun.h — private: the STUN messages ICE-lite needs (RFC 5389 / RFC 8489,
 * RFC 8445 §7), read and written in place.
 *
 * Parses one datagram into a view of its attributes, checks FINGERPRINT and
 * MESSAGE-INTEGRITY (short-term credentials: HMAC-SHA1 keyed with the ICE
 * password), and writes Binding requests, success and error responses. No
 * sockets, no state, no allocation: pure functions any thread may call (the
 * media workers do, on the packet path). Every length is checked against
 * the datagram before it is read.
 */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "srtp-private.h"

G_BEGIN_DECLS

#define NARA_STUN_HEADER_LEN 20
#define NARA_STUN_TID_LEN 12
#define NARA_STUN_MAGIC_COOKIE 0x2112A442u
#define NARA_STUN_BINDING 0x001
/* RFC 5389 §15.3: USERNAME is less than 513 octets. */
#define NARA_STUN_MAX_USERNAME 512
/* Unknown comprehension-required attributes reported in a 420 (RFC 5389 §7.3.1). */
#define NARA_STUN_MAX_UNKNOWN 4

typedef enum {
  NARA_STUN_REQUEST,
  NARA_STUN_INDICATION,
  NARA_STUN_SUCCESS,
  NARA_STUN_ERROR,
} NaraStunClass;

/* ICE-CONTROLLING / ICE-CONTROLLED (RFC 8445 §16.1), or neither. */
typedef enum {
  NARA_STUN_ROLE_NONE,
  NARA_STUN_ROLE_CONTROLLING,
  NARA_STUN_ROLE_CONTROLLED,
} NaraStunRole;

/* A transport address as the socket calls see it. */
typedef union {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} NaraSockAddr;

/* A parsed message: pointers into the datagram, valid while it is. Only the
 * first occurrence of an attribute counts (RFC 5389 §15); attributes after
 * MESSAGE-INTEGRITY other than FINGERPRINT are ignored (§15.4). */
typedef struct {
  guint16 method;
  NaraStunClass klass;
  const guint8 *transaction_id; /* NARA_STUN_TID_LEN octets */
  const guint8 *username;       /* NULL if absent; not NUL-terminated */
  gsize username_len;
  gsize integrity_offset; /* of the MESSAGE-INTEGRITY attribute; 0 if absent */
  gboolean fingerprint;   /* present (and correct: a wrong one fails the parse) */
  gboolean use_candidate;
  gboolean has_priority;
  guint32 priority;
  NaraStunRole role;
  guint64 tiebreaker;
  guint error_code; /* ERROR-CODE of an error response, 0 if absent */
  gboolean has_mapped;
  NaraSockAddr mapped; /* XOR-MAPPED-ADDRESS, decoded */
  guint16 unknown[NARA_STUN_MAX_UNKNOWN];
  guint n_unknown; /* comprehension-required attributes not understood */
} NaraStunMessage;

/* TRUE if the first octet says STUN (RFC 7983: 0-3) and the magic cookie is there. */
gboolean nara_stun_is_stun(const guint8 *data, gsize len);
/* Fills msg from one whole datagram; FALSE if anything is malformed or a
 * FINGERPRINT is present and wrong. */
gboolean nara_stun_parse(const guint8 *data, gsize len, NaraStunMessage *msg);
/* TRUE if msg has MESSAGE-INTEGRITY and it matches key (RFC 5389 §15.4). */
gboolean nara_stun_check_integrity(const guint8 *data, gsize len, const NaraStunMessage *msg,
                                   NaraSrtpHmac *key);

/* Writers: return the message length, 0 if cap is too small. key NULL
 * leaves MESSAGE-INTEGRITY out; FINGERPRINT is always last (RFC 8445 §7.2.2). */
gsize nara_stun_write_binding_success(guint8 *out, gsize cap, const guint8 *transaction_id,
                                      const NaraSockAddr *mapped, NaraSrtpHmac *key);
/* code: 400, 401, 420 (with unknown[]), 487; reason is ASCII. */
gsize nara_stun_write_binding_error(guint8 *out, gsize cap, const guint8 *transaction_id,
                                    guint code, const char *reason, const guint16 *unknown,
                                    guint n_unknown, NaraSrtpHmac *key);
/* A connectivity check (RFC 8445 §7.2.2), for tests and fuzz seeds. */
gsize nara_stun_write_binding_request(guint8 *out, gsize cap, const guint8 *transaction_id,
                                      const char *username, guint32 priority, NaraStunRole role,
                                      guint64 tiebreaker, gboolean use_candidate,
                                      NaraSrtpHmac *key);

/* CRC-32 (ISO-HDLC, as zlib's crc32()) of data, for FINGERPRINT. */
guint32 nara_stun_crc32(const guint8 *data, gsize len);

G_END_DECLS
