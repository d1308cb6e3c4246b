/* apikey.c — REST API keys: "nara_" + 43 base64url characters (256 random
 * bits), shown once; only their SHA-256 is stored.
 *
 * A plain hash (no salt, no slow KDF) is enough for keys this random:
 * there is no dictionary to try. Does not store or look up keys (store/).
 *
 * Threading: any thread; used on the control thread.
 */
#include "auth-private.h"

#include <string.h>

#include <openssl/crypto.h>

#include "random_id.h"

#define KEY_PREFIX "nara_"
#define KEY_RANDOM_BYTES 32

void nara_apikey_hash(const char *key, guint8 hash[32])
{
  unsigned int n = 32;

  if (EVP_Digest(key, strlen(key), hash, &n, EVP_sha256(), NULL) != 1)
    g_error("SHA-256 unavailable in OpenSSL");
}

void nara_apikey_generate(char **key, char **key_id, guint8 hash[32])
{
  guint8 raw[KEY_RANDOM_BYTES];
  char id[NARA_RANDOM_ID_SIZE(2)];
  g_autofree char *b64 = NULL;

  nara_random_bytes(raw, sizeof raw);
  b64 = nara_b64url_encode(raw, sizeof raw);
  OPENSSL_cleanse(raw, sizeof raw);
  nara_random_id("k-", id, sizeof id);
  /* The key id names the key in the audit log ("api:k-…") and carries no
   * part of the secret. */
  *key = g_strconcat(KEY_PREFIX, b64, NULL);
  OPENSSL_cleanse(b64, strlen(b64));
  *key_id = g_strdup(id);
  nara_apikey_hash(*key, hash);
}
