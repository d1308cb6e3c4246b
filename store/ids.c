/* ids.c — random ids for consultations ("c-"), participants ("p-") and
 * API keys ("k-").
 *
 * The id rule itself (96 random bits from OpenSSL's CSPRNG as 16 base64url
 * characters) is common/random_id.c: ids appear in join links, so they must
 * not be guessable or sequential. Does not check uniqueness (the
 * database's primary keys do).
 *
 * Threading: any thread (RAND_bytes is thread-safe); used on the control thread.
 */
#include "store-private.h"

#include <string.h>

#include "random_id.h"

void nara_store_id_generate(const char *prefix, char out[NARA_STORE_ID_LEN])
{
  nara_random_id(prefix, out, NARA_STORE_ID_LEN);
}

gboolean nara_store_id_valid(const char *id)
{
  if (id == NULL || id[0] == '\0')
    return FALSE;
  return memchr(id, '\0', NARA_STORE_ID_LEN) != NULL;
}
