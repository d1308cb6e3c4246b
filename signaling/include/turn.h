/* turn.h — time-limited TURN credentials for the joined message.
 *
 * Nara hands every joined session its own TURN username and password in
 * the "TURN REST API" scheme coturn implements with `use-auth-secret`:
 * username = "<expiry unix time>:<opaque tag>", password =
 * base64(HMAC-SHA1(shared secret, username)). Nara and the TURN server share
 * only the secret; nothing is stored, and a leaked password stops working
 * at its expiry, which is why it is short: the consultation's scheduled end
 * (capped), or ttl_secs in an open room. Pure functions; any thread.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

/* A consultation that runs over its scheduled end keeps its relay this
 * long; a later join or rejoin gets a fresh credential anyway. */
#define NARA_TURN_OVERRUN_SECS (30 * 60)

typedef struct {
  const char *const *urls; /* turn:/turns: URLs, NULL-terminated; NULL or empty: no TURN */
  const char *secret;      /* the TURN server's static-auth-secret */
  guint ttl_secs;          /* open rooms: how long a credential stays valid */
  guint max_ttl_secs;      /* consultations: the longest a credential may live (0: ttl_secs) */
} NaraTurnConfig;

/* The password for `username` under `secret`. (transfer full) */
char *nara_turn_password(const char *secret, const char *username);

/* When a credential minted at now_unix expires: ends_at_unix <= 0 (an open
 * room) gives now + ttl_secs; a consultation gets its scheduled end plus
 * NARA_TURN_OVERRUN_SECS (counted from now once the end has passed), at
 * most now + max_ttl_secs. */
gint64 nara_turn_expiry(const NaraTurnConfig *turn, gint64 now_unix, gint64 ends_at_unix);

/* The joined message's iceServers list: empty without TURN, else one
 * RTCIceServer {urls, username, credential} valid until expires_unix.
 * `tag` goes into the username: opaque, never a person's name (the TURN
 * server logs usernames). (transfer full) */
json_t *nara_turn_ice_servers(const NaraTurnConfig *turn, gint64 expires_unix, const char *tag);
