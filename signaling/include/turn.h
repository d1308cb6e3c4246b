/* turn.h — time-limited TURN credentials for the welcome message.
 *
 * Nara hands every session its own TURN username and password in the
 * "TURN REST API" scheme coturn implements with `use-auth-secret`:
 * username = "<expiry unix time>:<opaque tag>", password =
 * base64(HMAC-SHA1(shared secret, username)). Nara and the TURN server share
 * only the secret; nothing is stored, and a leaked password stops working
 * at its expiry. Pure functions; any thread.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

typedef struct {
  const char *const *urls; /* turn:/turns: URLs, NULL-terminated; NULL or empty: no TURN */
  const char *secret;      /* the TURN server's static-auth-secret */
  guint ttl_secs;          /* how long a credential stays valid */
} NaraTurnConfig;

/* The password for `username` under `secret`. (transfer full) */
char *nara_turn_password(const char *secret, const char *username);

/* The welcome message's iceServers list: empty without TURN, else one
 * RTCIceServer {urls, username, credential} valid from `now_unix` for
 * ttl_secs. `tag` goes into the username: opaque, never a person's name
 * (the TURN server logs usernames). (transfer full) */
json_t *nara_turn_ice_servers(const NaraTurnConfig *turn, gint64 now_unix, const char *tag);
