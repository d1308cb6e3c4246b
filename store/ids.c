/* ids.c — random ids for consultations ("c-"), participants ("p-") and
 * API keys ("k-").
 *
 * 12 bytes from OpenSSL's CSPRNG give 16 base64url characters (96 bits):
 * ids appear in join links, so they must not be guessable or sequential.
 * Does not check uniqueness (the database's primary keys do).
 *
 * Threading: any thread (RAND_bytes is thread-safe); used on the control thread.
 */
#include "store-private.h"

#include <string.h>

#include <openssl/rand.h>

#define ID_RANDOM_BYTES 12

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void nara_store_id_generate(const char *prefix, char out[NARA_STORE_ID_LEN])
{
  guint8 raw[ID_RANDOM_BYTES];
  gsize n = strlen(prefix);
  char *p;

  g_assert(n + ID_RANDOM_BYTES / 3 * 4 < NARA_STORE_ID_LEN);
  /* A CSPRNG that cannot be seeded leaves us nothing safe to hand out. */
  if (RAND_bytes(raw, sizeof raw) != 1)
    g_error("RAND_bytes failed: no secure random source");
  memcpy(out, prefix, n);
  p = out + n;
  /* 12 bytes are four whole 3-byte groups: no padding question arises. */
  for (gsize i = 0; i < sizeof raw; i += 3) {
    guint32 v = ((guint32)raw[i] << 16) | ((guint32)raw[i + 1] << 8) | raw[i + 2];
    *p++ = b64url[(v >> 18) & 63];
    *p++ = b64url[(v >> 12) & 63];
    *p++ = b64url[(v >> 6) & 63];
    *p++ = b64url[v & 63];
  }
  *p = '\0';
}

gboolean nara_store_id_valid(const char *id)
{
  if (id == NULL || id[0] == '\0')
    return FALSE;
  return memchr(id, '\0', NARA_STORE_ID_LEN) != NULL;
}
