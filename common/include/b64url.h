/* b64url.h — base64url (RFC 4648 §5, padding omitted as in RFC 7515 §2).
 *
 * One alphabet and one encoder for tokens, API keys and the random ids in
 * join links. Decoding is strict: '=' or any character outside the
 * alphabet, a length of 4n+1 and non-zero unused trailing bits are all
 * refused, so every value has exactly one encoding.
 *
 * Threading: pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Characters nara_b64url_encode_to() writes for len bytes (no NUL). */
#define NARA_B64URL_LEN(len) ((len) / 3 * 4 + ((len) % 3 == 0 ? 0 : (len) % 3 + 1))

/* (transfer full) NULL if in is not strict base64url. */
guint8 *nara_b64url_decode(const char *in, gsize in_len, gsize *out_len);
/* (transfer full) */
char *nara_b64url_encode(const guint8 *data, gsize len);
/* Writes NARA_B64URL_LEN(len) characters and a NUL into out, which the
 * caller sized for them: allocates nothing. Returns the NUL's position. */
char *nara_b64url_encode_to(const guint8 *data, gsize len, char *out);

G_END_DECLS
