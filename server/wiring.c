/* wiring.c — maps configuration keys onto the modules' config structs.
 *
 * Owns cross-key checks and machine-dependent defaults; it creates no
 * module and keeps no state.
 *
 * Threading: main thread, before the main loop runs.
 */
#include "wiring.h"

#include "http.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NARA_WEB_DIR_DEFAULT
#define NARA_WEB_DIR_DEFAULT "web"
#endif

/* The node's name goes into Redis keys and logs: a plain word. The URL is
 * what another node's redirect hands to browsers. */
static gboolean check_cluster(const NaraConfig *config, GError **error)
{
  const char *id = nara_config_get_string(config, "cluster.node_id");
  const char *url = nara_config_get_string(config, "cluster.node_url");
  const char *redis = nara_config_get_string(config, "cluster.redis");
  g_autofree char *host = NULL;
  guint port = 0;

  /* An address, never a name: the control thread must not wait on DNS. */
  if (redis[0] && !(g_str_has_prefix(redis, "unix:/"))
      && !(nara_config_parse_address(redis, &host, &port, NULL) && port > 0
           && g_hostname_is_ip_address(host))) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "cluster.redis '%s': unix:/path/to/redis.sock or IP:PORT ([IPv6]:PORT); host "
                "names are not looked up",
                redis);
    return FALSE;
  }

  for (const char *c = id; *c; c++) {
    if (!g_ascii_isalnum(*c) && !strchr("-_.", *c)) {
      g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                  "cluster.node_id '%s': letters, digits, - _ . only", id);
      return FALSE;
    }
  }
  if (strlen(id) > 64) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "cluster.node_id: at most 64 characters");
    return FALSE;
  }
  if (url[0] && !g_str_has_prefix(url, "wss://") && !g_str_has_prefix(url, "ws://")) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "cluster.node_url '%s': a wss:// (or ws://) URL", url);
    return FALSE;
  }
  return TRUE;
}

gboolean nara_wiring_check(const NaraConfig *config, GError **error)
{
  static const char *const sandbox_modes[] = { "auto", "on", "off", NULL };
  g_auto(GStrv) connect_src = nara_config_get_list(config, "server.csp_connect_src");
  g_autoptr(GError) local = NULL;
  guint lo = nara_config_get_uint(config, "media.port_min");
  guint hi = nara_config_get_uint(config, "media.port_max");
  gboolean has_cert = nara_config_get_string(config, "server.cert")[0] != '\0';
  gboolean has_key = nara_config_get_string(config, "server.key")[0] != '\0';

  if ((lo == 0) != (hi == 0) || lo > hi) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "media.port_min (%u) and media.port_max (%u): give both (min <= max) or neither",
                lo, hi);
    return FALSE;
  }
  if (nara_config_get_string(config, "auth.jwks")[0]
      && nara_config_get_string(config, "auth.jwks_file")[0]) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "auth.jwks and auth.jwks_file: give one or neither");
    return FALSE;
  }
  if ((nara_config_get_string(config, "turn.urls")[0] != '\0')
      != (nara_config_get_string(config, "turn.secret")[0] != '\0')) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "turn.urls and turn.secret: give both or neither");
    return FALSE;
  }
  if (!g_strv_contains(sandbox_modes, nara_config_get_string(config, "server.sandbox"))) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "server.sandbox: '%s' is not auto, on or off",
                nara_config_get_string(config, "server.sandbox"));
    return FALSE;
  }
  for (guint i = 0; connect_src[i]; i++) {
    if (!nara_http_connect_src_valid(connect_src[i])) {
      g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                  "server.csp_connect_src: '%s' is not a wss://, ws:// or https:// origin "
                  "(HOST or *.HOST, optional :PORT)",
                  connect_src[i]);
      return FALSE;
    }
  }
  if (nara_config_get_string(config, "server.metrics_listen")[0]
      && !nara_config_parse_address(nara_config_get_string(config, "server.metrics_listen"), NULL,
                                    NULL, &local)) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE, "server.metrics_listen: %s",
                local->message);
    return FALSE;
  }
  if (!check_cluster(config, error))
    return FALSE;
  if (has_cert != has_key) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "server.cert and server.key: give both or neither");
    return FALSE;
  }
  return TRUE;
}

void nara_wiring_media_config(const NaraConfig *config, NaraMediaConfig *media_config,
                              char ***storage, char ***networks)
{
  const char *announced = nara_config_get_string(config, "media.announced_address");

  *storage = nara_config_get_list(config, "media.ice_addresses");
  *networks = nara_config_get_list(config, "media.ice_remote_networks");
  *media_config = (NaraMediaConfig){
    .workers = nara_config_get_uint(config, "media.workers"),
    .ice_addresses = (*storage)[0] ? *storage : NULL,
    .port_min = nara_config_get_uint(config, "media.port_min"),
    .port_max = nara_config_get_uint(config, "media.port_max"),
    .ice_lite = nara_config_get_bool(config, "media.ice_lite"),
    .udp_port = (guint16)nara_config_get_uint(config, "media.udp_port"),
    .announced_address = announced[0] ? announced : NULL,
    .ice_remote_networks = (const char *const *)*networks,
  };
}

/* A TLS listener: https. Behind a TLS-terminating proxy the listener
 * cannot see what the browser used: server.public_url's scheme, else
 * either. */
static const char *same_origin_scheme(const NaraConfig *config)
{
  const char *url = nara_config_get_string(config, "server.public_url");
  if (nara_config_get_bool(config, "server.tls") || g_str_has_prefix(url, "https://"))
    return "https";
  return g_str_has_prefix(url, "http://") ? "http" : NULL;
}

void nara_wiring_signaling_config(const NaraConfig *config, NaraSignalingConfig *sig_config)
{
  *sig_config = (NaraSignalingConfig){
    .max_message_bytes = nara_config_get_uint(config, "signaling.max_message_bytes"),
    .max_name_chars = nara_config_get_uint(config, "signaling.max_name_chars"),
    .max_chat_chars = nara_config_get_uint(config, "signaling.max_chat_chars"),
    .max_rooms = nara_config_get_uint(config, "signaling.max_rooms"),
    .max_participants = nara_config_get_uint(config, "signaling.max_participants"),
    .max_queued_messages = nara_config_get_uint(config, "signaling.max_queued_messages"),
    .messages_per_second = nara_config_get_uint(config, "signaling.messages_per_second"),
    .open_rooms = nara_config_get_bool(config, "rooms.open"),
    .max_connections_per_ip = nara_config_get_uint(config, "signaling.max_connections_per_ip"),
    .hello_timeout_secs = nara_config_get_uint(config, "signaling.hello_timeout_secs"),
    .ws_ping_secs = nara_config_get_uint(config, "server.ws_ping_secs"),
    .ws_timeout_secs = nara_config_get_uint(config, "server.ws_timeout_secs"),
    .max_candidates = nara_config_get_uint(config, "signaling.max_candidates"),
    .resume_grace_secs = nara_config_get_uint(config, "signaling.resume_grace_seconds"),
    .turn = { .secret = nara_config_get_string(config, "turn.secret"),
              .ttl_secs = nara_config_get_uint(config, "turn.ttl_secs"),
              .max_ttl_secs = nara_config_get_uint(config, "turn.max_ttl_secs") },
    .max_open_rooms = nara_config_get_uint(config, "signaling.max_open_rooms"),
    .same_origin_scheme = same_origin_scheme(config),
  };
}

void nara_wiring_services_config(const NaraConfig *config, NaraServicesConfig *services_config)
{
  *services_config = (NaraServicesConfig){
    .state_dir = nara_wiring_state_dir(config),
    .public_url = nara_wiring_public_url(config),
    .issuer = g_strdup(nara_config_get_string(config, "auth.issuer")),
    .audience = g_strdup(nara_config_get_string(config, "auth.audience")),
    .idp_issuer = g_strdup(nara_config_get_string(config, "auth.idp_issuer")),
    .jwks = g_strdup(nara_config_get_string(config, "auth.jwks")),
    .jwks_file = g_strdup(nara_config_get_string(config, "auth.jwks_file")),
    .api_audience = g_strdup(nara_config_get_string(config, "auth.api_audience")),
    .link_validity_hours = nara_config_get_uint(config, "auth.link_validity_hours"),
    .max_name_chars = nara_config_get_uint(config, "signaling.max_name_chars"),
    .retention_days = nara_config_get_uint(config, "audit.retention_days"),
    .api_clients = nara_config_get_list(config, "auth.api_clients"),
    .api_scope_claim = g_strdup(nara_config_get_string(config, "auth.api_scope_claim")),
    .consultation_retention_days = nara_config_get_uint(config, "consultations.retention_days"),
    .max_token_lifetime_hours = nara_config_get_uint(config, "auth.max_token_lifetime_hours"),
    .audit_hmac_key = g_strdup(nara_config_get_string(config, "audit.hmac_key")),
    .audit_hmac_key_file = g_strdup(nara_config_get_string(config, "audit.hmac_key_file")),
    .store_backend = g_strdup(nara_config_get_string(config, "store.backend")),
    .store_postgresql = g_strdup(nara_config_get_string(config, "store.postgresql")),
  };
}

char *nara_wiring_state_dir(const NaraConfig *config)
{
  const char *dir = nara_config_get_string(config, "server.state_dir");
  if (dir[0])
    return g_strdup(dir);
  if (geteuid() == 0)
    return g_strdup("/var/lib/nara");
  return g_build_filename(g_get_user_state_dir(), "nara", NULL);
}

char *nara_wiring_web_dir(const NaraConfig *config)
{
  const char *dir = nara_config_get_string(config, "server.web_dir");
  return g_strdup(dir[0] ? dir : NARA_WEB_DIR_DEFAULT);
}

/* The address a user on another machine would type: the first
 * non-loopback IPv4 address, else "localhost". (transfer full) */
static char *guess_host(void)
{
  struct ifaddrs *list = NULL;
  char buf[INET_ADDRSTRLEN] = "";

  if (getifaddrs(&list) == 0) {
    for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
      const struct sockaddr_in *sin = (const struct sockaddr_in *)ifa->ifa_addr;
      if (!sin || sin->sin_family != AF_INET || (ntohl(sin->sin_addr.s_addr) >> 24) == 127)
        continue;
      inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
      break;
    }
    freeifaddrs(list);
  }
  return g_strdup(buf[0] ? buf : "localhost");
}

static gboolean is_wildcard(const char *host)
{
  return !host[0] || g_str_equal(host, "0.0.0.0") || g_str_equal(host, "::");
}

char *nara_wiring_public_host(const NaraConfig *config)
{
  const char *configured = nara_config_get_string(config, "server.public_host");
  g_autofree char *host = NULL;

  if (configured[0])
    return g_strdup(configured);
  if (!nara_config_parse_address(nara_config_get_string(config, "server.listen"), &host, NULL, NULL)
      || is_wildcard(host))
    return guess_host();
  return g_steal_pointer(&host);
}

char *nara_wiring_public_url(const NaraConfig *config)
{
  const char *configured = nara_config_get_string(config, "server.public_url");
  g_autofree char *host = NULL;
  guint port = 0;
  gsize n;

  if (configured[0]) {
    /* Links append "/c/<id>": one slash, whatever the operator typed. */
    n = strlen(configured);
    while (n > 0 && configured[n - 1] == '/')
      n--;
    return g_strndup(configured, n);
  }
  host = nara_wiring_public_host(config);
  nara_config_parse_address(nara_config_get_string(config, "server.listen"), NULL, &port, NULL);
  return g_strdup_printf("%s://%s%s%s:%u",
                         nara_config_get_bool(config, "server.tls") ? "https" : "http",
                         strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
}

char *nara_wiring_node_url(const NaraConfig *config)
{
  const char *configured = nara_config_get_string(config, "cluster.node_url");
  g_autofree char *base = NULL;

  if (configured[0])
    return g_strdup(configured);
  base = nara_wiring_public_url(config);
  if (g_str_has_prefix(base, "https://"))
    return g_strconcat("wss://", base + 8, "/ws", NULL);
  if (g_str_has_prefix(base, "http://"))
    return g_strconcat("ws://", base + 7, "/ws", NULL);
  return g_strconcat(base, "/ws", NULL);
}
