/* random_id.c — random bytes and prefixed base64url ids from RAND_bytes.
 *
 * 12 bytes give 16 base64url characters (96 bits) with no padding
 * question. Allocates nothing.
 *
 * Threading: any thread (RAND_bytes is thread-safe).
 */
#include "random_id.h"

#include <string.h>

#include <openssl/rand.h>

void nara_random_bytes(guint8 *buf, gsize len)
{
  /* A CSPRNG that cannot be seeded leaves us nothing safe to hand out. */
  if (len > G_MAXINT || RAND_bytes(buf, (int)len) != 1)
    g_error("RAND_bytes failed: no secure random source");
}

void nara_random_id(const char *prefix, char *out, gsize out_size)
{
  guint8 raw[NARA_RANDOM_ID_BYTES];
  gsize n = strlen(prefix);

  g_assert(out_size >= NARA_RANDOM_ID_SIZE(n));
  nara_random_bytes(raw, sizeof raw);
  memcpy(out, prefix, n);
  nara_b64url_encode_to(raw, sizeof raw, out + n);
}
