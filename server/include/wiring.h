/* wiring.h — from configuration keys to each module's config struct.
 *
 * Owns the checks that span keys (port range, cert without key, two JWKS)
 * and the defaults that depend on the machine (state and web directories,
 * the public host and URL). It does not create any module.
 *
 * Threading: main thread, before the main loop runs.
 */
#pragma once

#include "config.h"
#include "media.h"
#include "services.h"
#include "signaling.h"

G_BEGIN_DECLS

/* Checks what no single key can; a failure is a configuration error (exit 2). */
gboolean nara_wiring_check(const NaraConfig *config, GError **error);

/* Fills media_config; its strings point into config and into *storage
 * and *networks (transfer full: free with g_strfreev after nara_media_new()). */
void nara_wiring_media_config(const NaraConfig *config, NaraMediaConfig *media_config,
                              char ***storage, char ***networks);
void nara_wiring_signaling_config(const NaraConfig *config, NaraSignalingConfig *sig_config);
/* Fills services_config with copies (free with nara_services_config_clear()). */
void nara_wiring_services_config(const NaraConfig *config, NaraServicesConfig *services_config);

/* (transfer full) server.state_dir, or its default for this user. */
char *nara_wiring_state_dir(const NaraConfig *config);
/* (transfer full) server.web_dir, or the web/ folder baked in at build time. */
char *nara_wiring_web_dir(const NaraConfig *config);

/* (transfer full) server.public_host, else the listen address, else (for a
 * wildcard listen address) the first non-loopback IPv4 address. */
char *nara_wiring_public_host(const NaraConfig *config);
/* (transfer full) Base of join links, without a trailing slash:
 * server.public_url, else scheme://public_host:port. */
char *nara_wiring_public_url(const NaraConfig *config);
/* (transfer full) cluster.node_url, else the public URL with ws(s) and /ws. */
char *nara_wiring_node_url(const NaraConfig *config);

G_END_DECLS
