/* links.c — minting join links for participants.
 *
 * One token per link, with its own jti, so links can be told apart in
 * audit records; nbf is left out because people join the waiting room
 * before the start. It does not check who may ask for a link (REST does).
 *
 * Threading: control thread (the main thread in the CLI).
 */
#include "links.h"

#include <openssl/crypto.h>
#include <string.h>

gint64 nara_link_expiry(guint validity_hours, gint64 ends_at, gint64 now)
{
  if (validity_hours > 0)
    return now + (gint64)validity_hours * 3600;
  return ends_at + NARA_LINK_GRACE_S;
}

char *nara_link_mint(NaraServices *services, const NaraStoreConsultation *c,
                     const NaraStoreParticipant *p, gint64 now, gint64 *expires_at)
{
  gint64 exp = nara_link_expiry(services->link_validity_hours, c->ends_at, now);
  NaraTokenClaims claims = {
    .consultation = (char *)c->id,
    .participant = (char *)p->id,
    .role = (char *)nara_role_to_string(p->role),
    .iat = now,
    .exp = exp,
  };
  g_autofree char *token = NULL;
  char *link;

  if (exp <= now)
    return NULL;
  token = nara_token_sign_hs256(services->tokens, &claims);
  link = g_strconcat(services->public_url, "/c/", c->id, "#t=", token, NULL);
  /* The link is the credential: leave no copy of it in freed memory. */
  OPENSSL_cleanse(token, strlen(token));
  if (expires_at)
    *expires_at = exp;
  return link;
}
