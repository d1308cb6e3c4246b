/* links.h — join links: <public_url>/c/<consultation id>#t=<token>.
 *
 * The token is an HS256 JWT with the claims of docs/consultations.md,
 * signed with the server secret; it sits in the fragment so browsers never
 * send it in a request line, a log or a Referer. Used by the REST API
 * (at creation and on demand) and by `nara consultation create`. Links
 * are never stored or logged: a lost link is replaced by minting another.
 *
 * Threading: control thread (the main thread in the CLI).
 */
#pragma once

#include <glib.h>

#include "services.h"

G_BEGIN_DECLS

/* Hours a link outlives its consultation when auth.link_validity_hours is 0. */
#define NARA_LINK_GRACE_S (2 * 3600)

/* When a link minted at now expires: now + validity_hours, or (0) the
 * consultation's end + NARA_LINK_GRACE_S. */
gint64 nara_link_expiry(guint validity_hours, gint64 ends_at, gint64 now);

/* (transfer full) The join link for p in c, or NULL when it would be
 * expired already (the consultation ended long ago). *expires_at: its exp. */
char *nara_link_mint(NaraServices *services, const NaraStoreConsultation *c,
                     const NaraStoreParticipant *p, gint64 now, gint64 *expires_at);

G_END_DECLS
