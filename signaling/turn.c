/* turn.c — TURN REST API credentials (see turn.h). Any thread. */
#include "turn.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

char *nara_turn_password(const char *secret, const char *username)
{
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;

  if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const guint8 *)username, strlen(username),
            mac, &len))
    return NULL;
  return g_base64_encode(mac, len);
}

gint64 nara_turn_expiry(const NaraTurnConfig *turn, gint64 now_unix, gint64 ends_at_unix)
{
  guint cap = turn->max_ttl_secs ? turn->max_ttl_secs : turn->ttl_secs;

  if (ends_at_unix <= 0)
    return now_unix + turn->ttl_secs;
  return MIN(MAX(ends_at_unix, now_unix) + NARA_TURN_OVERRUN_SECS, now_unix + (gint64)cap);
}

json_t *nara_turn_ice_servers(const NaraTurnConfig *turn, gint64 expires_unix, const char *tag)
{
  json_t *servers = json_array(), *urls;
  g_autofree char *username = NULL;
  char *password;

  if (!turn->urls || !turn->urls[0] || !turn->secret || !turn->secret[0])
    return servers;
  username = g_strdup_printf("%" G_GINT64_FORMAT ":%s", expires_unix, tag);
  password = nara_turn_password(turn->secret, username);
  if (!password)
    return servers;
  urls = json_array();
  for (guint i = 0; turn->urls[i]; i++)
    json_array_append_new(urls, json_string(turn->urls[i]));
  json_array_append_new(servers, json_pack("{s:o, s:s, s:s}", "urls", urls, "username", username,
                                           "credential", password));
  g_free(password);
  return servers;
}
