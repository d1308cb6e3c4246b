/* audit_key.c — the audit chain's key: an HMAC over each record's hash.
 *
 * The SHA-256 chain shows an edit, but whoever can write the database can
 * rebuild the whole chain and its head. With a key kept outside the
 * database (audit.hmac_key / audit.hmac_key_file: "kid:hex" words, the
 * last one current), each record also carries "kid:HMAC-SHA256(key,
 * hash)", which nobody without the key can recompute. Rotation: add a new
 * last word, keep the old ones for verification. No I/O; does not read
 * configuration (services.c hands the text over).
 *
 * Threading: set before the store's thread starts; then read-only.
 */
#include "store-private.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MIN_KEY_BYTES 32
#define MAX_KID_CHARS 32

static void key_free(NaraAuditKey *k)
{
  OPENSSL_cleanse(k->key, sizeof k->key);
  g_free(k);
}

static gboolean bad(GError **error, const char *why)
{
  g_set_error(error, NARA_STORE_ERROR, NARA_STORE_ERROR_INVALID, "audit key: %s", why);
  return FALSE;
}

gboolean nara_store_set_audit_keys(NaraStore *store, const char *text, GError **error)
{
  g_auto(GStrv) words = g_strsplit_set(text ? text : "", " \t\r\n", -1);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)key_free);

  for (guint i = 0; words[i]; i++) {
    const char *colon = strchr(words[i], ':');
    NaraAuditKey *k;
    gsize hex_len;

    if (!words[i][0])
      continue;
    if (!colon || colon == words[i] || colon - words[i] > MAX_KID_CHARS)
      return bad(error, "each key is kid:hex (kid 1-32 characters)");
    hex_len = strlen(colon + 1);
    if (hex_len < 2 * MIN_KEY_BYTES || hex_len > 2 * sizeof k->key || hex_len % 2)
      return bad(error, "a key is 32-64 bytes written as hex");
    k = g_new0(NaraAuditKey, 1);
    g_strlcpy(k->kid, words[i], (gsize)(colon - words[i]) + 1);
    for (gsize j = 0; j < hex_len / 2; j++) {
      int hi = g_ascii_xdigit_value(colon[1 + 2 * j]), lo = g_ascii_xdigit_value(colon[2 + 2 * j]);
      if (hi < 0 || lo < 0) {
        key_free(k);
        return bad(error, "a key is not hex");
      }
      k->key[j] = (guint8)(hi << 4 | lo);
    }
    k->len = hex_len / 2;
    g_ptr_array_add(keys, k);
  }
  g_rec_mutex_lock(&store->lock);
  g_clear_pointer(&store->audit_keys, g_ptr_array_unref);
  if (keys->len)
    store->audit_keys = g_steal_pointer(&keys);
  g_rec_mutex_unlock(&store->lock);
  return TRUE;
}

const NaraAuditKey *nara_audit_key_current(NaraStore *store)
{
  return store->audit_keys ? store->audit_keys->pdata[store->audit_keys->len - 1] : NULL;
}

static const NaraAuditKey *find(NaraStore *store, const char *kid, gsize kid_len)
{
  for (guint i = 0; store->audit_keys && i < store->audit_keys->len; i++) {
    const NaraAuditKey *k = store->audit_keys->pdata[i];
    if (strlen(k->kid) == kid_len && strncmp(k->kid, kid, kid_len) == 0)
      return k;
  }
  return NULL;
}

char *nara_audit_key_mac(const NaraAuditKey *key, const char *hash_hex)
{
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  GString *out;

  if (!HMAC(EVP_sha256(), key->key, (int)key->len, (const guint8 *)hash_hex, strlen(hash_hex), mac,
            &n))
    g_error("HMAC-SHA256 unavailable in OpenSSL");
  out = g_string_new(key->kid);
  g_string_append_c(out, ':');
  for (unsigned int i = 0; i < n; i++)
    g_string_append_printf(out, "%02x", mac[i]);
  return g_string_free(out, FALSE);
}

gboolean nara_audit_key_check(NaraStore *store, const char *mac, const char *hash_hex,
                              const char **why)
{
  const char *colon = mac ? strchr(mac, ':') : NULL;
  const NaraAuditKey *k = colon ? find(store, mac, (gsize)(colon - mac)) : NULL;
  g_autofree char *expect = NULL;

  if (!k) {
    *why = "its MAC names a key id that is not configured";
    return FALSE;
  }
  expect = nara_audit_key_mac(k, hash_hex);
  if (strlen(expect) != strlen(mac) || CRYPTO_memcmp(expect, mac, strlen(mac)) != 0) {
    *why = "its MAC does not match: the record or chain was rewritten without the key";
    return FALSE;
  }
  return TRUE;
}
