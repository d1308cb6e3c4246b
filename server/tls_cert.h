/* tls_cert.h — a self-signed certificate for first runs.
 *
 * When no certificate is configured, the server makes one in its state
 * directory and reuses it at later starts until it expires. It does not
 * configure TLS itself (server.c hands the paths to libwebsockets).
 *
 * Threading: main thread, at start-up.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_TLS_ERROR (nara_tls_error_quark())
GQuark nara_tls_error_quark(void);

/* Makes state_dir/cert.pem and state_dir/key.pem (ECDSA P-256, 1 year,
 * SAN localhost, 127.0.0.1, ::1, `hostname` and every extra name) unless a
 * valid pair is there. extra_names: NULL-terminated DNS names or IP
 * addresses, may be NULL. (transfer full) *cert_path, *key_path. */
gboolean nara_tls_cert_ensure(const char *state_dir, const char *const *extra_names,
                              char **cert_path, char **key_path, GError **error);

G_END_DECLS
