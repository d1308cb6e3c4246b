/* config.c — the key table and how each source sets it.
 *
 * Owns the list of every configuration key (the one place a key is
 * defined), value checking, and the ini/env/--set parsers. It does not
 * parse the command line itself (options.c) nor apply values to modules.
 *
 * Threading: main thread only, before the main loop runs.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(nara - config - error - quark, nara_config_error)

/* Defaults of the signaling limits follow docs/protocol.md's limits table. */
static const NaraConfigKey keys[] = {
  { "server.listen", NARA_CONFIG_ADDRESS, "0.0.0.0:8443", 0, 0,
    "Address and TCP port of the HTTPS and WebSocket listener (HOST:PORT, [IPv6]:PORT)." },
  { "server.tls", NARA_CONFIG_BOOL, "true", 0, 0,
    "Serve HTTPS/WSS. Set false only behind a TLS-terminating reverse proxy." },
  { "server.cert", NARA_CONFIG_STRING, "", 0, 0,
    "PEM certificate (chain) file. Empty: a self-signed certificate is created in the state "
    "directory at first start and reused (browsers will warn)." },
  { "server.key", NARA_CONFIG_STRING, "", 0, 0,
    "PEM private key of server.cert. Empty when server.cert is empty." },
  { "server.state_dir", NARA_CONFIG_STRING, "", 0, 0,
    "Directory for state (the self-signed certificate). Empty: /var/lib/nara when run as root, "
    "else $XDG_STATE_HOME/nara." },
  { "server.web_dir", NARA_CONFIG_STRING, "", 0, 0,
    "Directory of the web client (index.html, js/, css/). Empty: the web/ folder of the source "
    "tree Nara was built from." },
  { "server.public_host", NARA_CONFIG_STRING, "", 0, 0,
    "Host name shown in the start-up URL and added to the self-signed certificate. Empty: the "
    "first non-loopback address." },
  { "server.public_url", NARA_CONFIG_STRING, "", 0, 0,
    "Base URL of join links (https://video.example.org, or with a path prefix behind a proxy). "
    "Empty: https://<server.public_host>:<port of server.listen>." },
  { "server.allowed_origins", NARA_CONFIG_LIST, "", 0, 0,
    "Comma-separated origins (https://video.example.org) whose pages may open the WebSocket "
    "besides Nara's own. Empty: same origin only (Origin host:port equal to the Host header); "
    "*: any. Clients that send no Origin (not browsers) are always let in." },
  { "server.ws_ping_secs", NARA_CONFIG_UINT, "10", 5, 3600,
    "Seconds of WebSocket silence before the server sends a ping." },
  { "server.ws_timeout_secs", NARA_CONFIG_UINT, "25", 10, 7200,
    "Seconds of WebSocket silence (no pong either) before the connection is dropped and its "
    "participant leaves the room." },
  { "server.handshake_timeout_secs", NARA_CONFIG_UINT, "10", 1, 300,
    "Seconds a new connection has to finish TLS and send a whole HTTP request (headers sent a "
    "byte at a time do not extend it); then it is closed." },
  { "server.drain_secs", NARA_CONFIG_UINT, "1800", 0, 86400,
    "After SIGTERM: seconds live calls may go on before their sockets close with 1012 (clients "
    "reconnect, through a load balancer to a ready node). Meanwhile /readyz answers 503 and no "
    "new call starts here; the process exits as soon as no call is left. A second SIGTERM "
    "stops at once." },
  { "server.drain_warning_secs", NARA_CONFIG_UINT, "120", 0, 3600,
    "Seconds before the drain deadline when those in a call are told (message draining)." },
  { "server.sandbox", NARA_CONFIG_STRING, "auto", 0, 0,
    "Confine the server's file system access with Landlock before it starts any thread: "
    "read-write beneath server.state_dir only, read-only where it still reads (libraries, /etc, "
    "the web client, certificate and key files), no exec. auto: when the kernel has Landlock, "
    "else a warning; on: refuse to start without it; off: not at all. Commands (nara "
    "consultation ...) are not confined." },
  { "server.csp_connect_src", NARA_CONFIG_LIST, "", 0, 0,
    "Comma-separated origins the web client may connect to besides its own, appended to the "
    "pages' Content-Security-Policy connect-src after 'self': other nodes' wss://HOST:PORT "
    "when clients are sent from node to node. wss://, ws:// or https:// origins only." },
  { "server.metrics_listen", NARA_CONFIG_STRING, "", 0, 0,
    "HOST:PORT of a plain-HTTP listener serving only /metrics and /healthz (e.g. "
    "127.0.0.1:9464, or a private address the scraper reaches); the main listener then "
    "answers 404 for /metrics. Empty: /metrics on the main listener." },
  { "media.workers", NARA_CONFIG_UINT, "0", 0, 256, "Media worker threads. 0: one per CPU core." },
  { "media.ice_addresses", NARA_CONFIG_LIST, "", 0, 0,
    "Comma-separated local addresses for ICE host candidates. Empty: every non-loopback "
    "interface." },
  { "media.ice_lite", NARA_CONFIG_BOOL, "true", 0, 0,
    "ICE-lite: one UDP port per media worker shared by every peer, answering the browsers' "
    "checks (the fast path). Needs media.ice_addresses (or media.announced_address) reachable "
    "from browsers; false: full ICE on libnice, one port per peer connection." },
  { "media.udp_port", NARA_CONFIG_UINT, "0", 0, 65535,
    "ICE-lite: UDP port of media worker 0; worker i uses udp_port + i. 0: ephemeral ports. "
    "Suggested with a firewall: 40000 (open 40000 to 40000 + media.workers - 1)." },
  { "media.port_min", NARA_CONFIG_UINT, "0", 0, 65535,
    "Full ICE (media.ice_lite=false): lowest UDP port for media. 0 with port_max 0: any port. "
    "Suggested with a firewall: 40000." },
  { "media.port_max", NARA_CONFIG_UINT, "0", 0, 65535,
    "Full ICE: highest UDP port for media. Suggested with a firewall: 40999." },
  { "media.announced_address", NARA_CONFIG_STRING, "", 0, 0,
    "Public address announced in candidates when the server sits behind 1:1 NAT. Empty: none." },
  { "media.ice_remote_networks", NARA_CONFIG_LIST, "", 0, 0,
    "Full ICE: comma-separated networks (10.0.0.0/8, 2001:db8::/32, or one address) the "
    "clients' candidates may be in; checks are sent to no other. Loopback, link-local "
    "(169.254.0.0/16, the cloud metadata service; fe80::/10), multicast and unspecified "
    "addresses are always refused. Empty: every other address, private ranges included." },
  { "signaling.max_message_bytes", NARA_CONFIG_UINT, "262144", 1024, 16777216,
    "Largest WebSocket message in bytes; a larger one closes the socket with code 1009." },
  { "signaling.max_name_chars", NARA_CONFIG_UINT, "64", 1, 256, "Longest display name." },
  { "signaling.max_chat_chars", NARA_CONFIG_UINT, "2000", 1, 20000, "Longest chat message." },
  { "signaling.max_rooms", NARA_CONFIG_UINT, "1000", 1, 1000000, "Rooms on this node." },
  { "signaling.max_participants", NARA_CONFIG_UINT, "16", 1, 1000, "Participants per room." },
  { "signaling.max_connections_per_ip", NARA_CONFIG_UINT, "20", 0, 100000,
    "WebSockets open at once from one client address; more get HTTP 429 before the upgrade. "
    "0: no limit. Behind a reverse proxy every client has the proxy's address: set 0 there and "
    "limit per client in the proxy." },
  { "signaling.hello_timeout_secs", NARA_CONFIG_UINT, "10", 1, 600,
    "Seconds a new WebSocket has to send hello; then it is closed with 1008." },
  { "signaling.max_candidates", NARA_CONFIG_UINT, "50", 1, 10000,
    "ICE candidates a client may trickle per peer connection; more get too-many-candidates." },
  { "signaling.resume_grace_seconds", NARA_CONFIG_UINT, "30", 0, 3600,
    "Seconds a participant whose WebSocket dropped stays in the room (media up, the others told "
    "it is reconnecting) for the client to resume with its secret. 0: no resume, a drop is a "
    "leave." },
  { "signaling.max_queued_messages", NARA_CONFIG_UINT, "256", 8, 100000,
    "Outgoing messages queued per session; a client that does not read is disconnected." },
  { "signaling.messages_per_second", NARA_CONFIG_UINT, "50", 1, 100000,
    "Messages per second per connection (burst: twice that) before rate-limited errors." },
  { "signaling.max_open_rooms", NARA_CONFIG_UINT, "500", 0, 1000000,
    "Open rooms (/r/NAME, rooms.open) among signaling.max_rooms, so links anyone can make "
    "cannot use up the rooms consultations need. 0: no cap of their own." },
  { "rooms.open", NARA_CONFIG_BOOL, "false", 0, 0,
    "Let anyone with a /r/NAME link join room NAME. Convenient for trials, not for patients. "
    "Default: false when Nara reads a config file (--config), true without one (a trial "
    "start); set it explicitly to override either." },
  { "auth.issuer", NARA_CONFIG_STRING, "nara", 0, 0,
    "iss of the join links Nara signs itself (HS256, secret in <state_dir>/token-secret)." },
  { "auth.audience", NARA_CONFIG_STRING, "nara-join", 0, 0,
    "aud every join token must carry, Nara's own and the identity provider's." },
  { "auth.jwks_file", NARA_CONFIG_STRING, "", 0, 0,
    "JWKS file ({\"keys\":[...]}) with the identity provider's public keys (RS256/ES256, each "
    "with kid and alg) for join links it mints. Read at start; never fetched from a URL." },
  { "auth.jwks", NARA_CONFIG_STRING, "", 0, 0,
    "The same JWKS inline as JSON; give auth.jwks_file or auth.jwks, not both." },
  { "auth.idp_issuer", NARA_CONFIG_STRING, "", 0, 0,
    "iss required of RS256/ES256 join tokens. Empty: auth.issuer." },
  { "auth.api_audience", NARA_CONFIG_STRING, "nara-api", 0, 0,
    "aud of an identity provider's access token (RS256/ES256 from auth.jwks, iss "
    "auth.idp_issuer) that the REST API accepts besides API keys." },
  { "auth.link_validity_hours", NARA_CONFIG_UINT, "0", 0, 8760,
    "Hours a join link minted by Nara stays valid. 0: until the consultation's end plus 2 "
    "hours." },
  { "auth.api_clients", NARA_CONFIG_LIST, "", 0, 0,
    "Clients (the access token's azp or client_id) whose identity provider tokens may call the "
    "REST API. Empty: no identity provider token is accepted, only API keys." },
  { "auth.api_scope_claim", NARA_CONFIG_STRING, "scope", 0, 0,
    "Claim of an identity provider's access token naming its Nara scopes "
    "(consultations:read, consultations:write, audit:read, consultations:erase): a "
    "space-separated string (scope) or an array (e.g. roles). A token with none is refused." },
  { "auth.max_token_lifetime_hours", NARA_CONFIG_UINT, "8760", 1, 87600,
    "Longest a join or access token may still be valid when used (exp minus now); longer ones "
    "are refused (token-lifetime), Nara's own links included, so keep "
    "auth.link_validity_hours and the consultations' ends within it." },
  { "audit.hmac_key", NARA_CONFIG_STRING, "", 0, 0,
    "Key(s) for the audit chain's MAC, kid:hex (32-64 bytes), several separated by spaces, the "
    "last one current (rotation: append a new one, keep the old). Keep it out of the state "
    "directory: set it by environment (NARA_AUDIT_HMAC_KEY) or use audit.hmac_key_file. Empty: "
    "records carry no MAC, and rewriting the database with a rebuilt chain goes unnoticed." },
  { "audit.hmac_key_file", NARA_CONFIG_STRING, "", 0, 0,
    "A file holding audit.hmac_key's value (readable by nara only, outside the state "
    "directory); give one or neither." },
  { "audit.retention_days", NARA_CONFIG_UINT, "1826", 1, 36600,
    "Days audit records are kept; older ones are pruned at start and daily (the chain's "
    "anchor is kept)." },
  { "turn.urls", NARA_CONFIG_LIST, "", 0, 0,
    "TURN server URLs handed to clients, e.g. turn:turn.example.org:3478?transport=udp, "
    "turn:turn.example.org:3478?transport=tcp, turns:turn.example.org:443?transport=tcp. "
    "Empty: no TURN." },
  { "turn.secret", NARA_CONFIG_STRING, "", 0, 0,
    "The TURN server's shared secret (coturn: static-auth-secret with use-auth-secret); each "
    "session gets its own credential derived from it. Set it by environment (NARA_TURN_SECRET) "
    "or a file readable only by nara." },
  { "turn.ttl_secs", NARA_CONFIG_UINT, "3600", 60, 86400,
    "Seconds the TURN credential of a session in an open room stays valid (handed out in "
    "joined; a longer call loses its relay)." },
  { "turn.max_ttl_secs", NARA_CONFIG_UINT, "14400", 600, 86400,
    "Most seconds a consultation's TURN credential stays valid: it lasts until the "
    "consultation's scheduled end plus 30 minutes, but never longer than this." },
  { "log.level", NARA_CONFIG_LEVEL, "info", 0, 0, "Log level: error, warning, info or debug." },
  { "consultations.retention_days", NARA_CONFIG_UINT, "30", 1, 36600,
    "Days an ended or cancelled consultation (or one whose end has passed) is kept; then its "
    "title, participants' names and identity levels are erased, at start and daily. The audit "
    "log keeps its own period (audit.retention_days)." },
  { "store.backend", NARA_CONFIG_STRING, "sqlite", 0, 0,
    "Where consultations, participants, API keys and the audit log are kept: sqlite (a file "
    "in the state directory, one node) or postgresql (a database several nodes share; "
    "store.postgresql says which). The nara CLI uses the same." },
  { "store.postgresql", NARA_CONFIG_STRING, "", 0, 0,
    "libpq connection string when store.backend is postgresql, e.g. host=/run/postgresql "
    "dbname=nara user=nara. Never logged; keep passwords out of it (peer authentication over "
    "the Unix socket, or a passfile=FILE readable by nara only)." },
  { "cluster.redis", NARA_CONFIG_STRING, "", 0, 0,
    "Many nodes: the Redis that holds which node runs each consultation, as "
    "unix:/run/redis/redis.sock or IP:PORT (an IP literal: no DNS). Empty: a single node. All "
    "nodes share it, the store (store.backend) and the join-link secret." },
  { "cluster.node_id", NARA_CONFIG_STRING, "", 0, 0,
    "This node's name in the cluster (letters, digits, - _ .). Empty: a random one at each "
    "start." },
  { "cluster.node_url", NARA_CONFIG_STRING, "", 0, 0,
    "The wss:// URL at which clients reach this node's WebSocket (wss://node1.example.org/ws); "
    "other nodes send clients there with redirect. Empty: server.public_url with wss and /ws." },
  { NULL, 0, NULL, 0, 0, NULL },
};

/* Keys whose default differs when no config file is read: a bare `nara`
 * is a trial on one machine, a config file means a deployment, where open
 * rooms must be switched on on purpose. */
static const struct {
  const char *name, *value;
} embedded_defaults[] = {
  { "rooms.open", "true" },
};

struct _NaraConfig {
  char *values[G_N_ELEMENTS(keys)];
};

const NaraConfigKey *nara_config_keys(void)
{
  return keys;
}

static int key_index(const char *name)
{
  for (int i = 0; keys[i].name; i++)
    if (g_str_equal(keys[i].name, name))
      return i;
  return -1;
}

static int key_index_checked(const char *name)
{
  int i = key_index(name);
  if (i < 0)
    g_error("config: no key %s in the table", name);
  return i;
}

NaraConfig *nara_config_new(void)
{
  NaraConfig *config = g_new0(NaraConfig, 1);
  for (int i = 0; keys[i].name; i++)
    config->values[i] = g_strdup(keys[i].default_value);
  return config;
}

void nara_config_apply_embedded_defaults(NaraConfig *config)
{
  for (guint i = 0; i < G_N_ELEMENTS(embedded_defaults); i++) {
    int k = key_index_checked(embedded_defaults[i].name);
    g_free(config->values[k]);
    config->values[k] = g_strdup(embedded_defaults[i].value);
  }
}

static const char *embedded_default(const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS(embedded_defaults); i++)
    if (g_str_equal(embedded_defaults[i].name, name))
      return embedded_defaults[i].value;
  return NULL;
}

void nara_config_free(NaraConfig *config)
{
  if (!config)
    return;
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
    g_free(config->values[i]);
  g_free(config);
}

static gboolean parse_bool(const char *text, gboolean *out)
{
  static const char *const yes[] = { "true", "yes", "on", "1", NULL };
  static const char *const no[] = { "false", "no", "off", "0", NULL };
  if (g_strv_contains(yes, text))
    *out = TRUE;
  else if (g_strv_contains(no, text))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean parse_uint(const char *text, guint64 *out)
{
  char *end = NULL;
  if (!g_ascii_isdigit(text[0]))
    return FALSE;
  errno = 0;
  *out = g_ascii_strtoull(text, &end, 10);
  return errno == 0 && *end == '\0';
}

gboolean nara_config_parse_address(const char *text, char **host, guint *port, GError **error)
{
  const char *colon = strrchr(text, ':');
  g_autofree char *h = NULL;
  guint64 p;

  if (!colon || colon == text || !parse_uint(colon + 1, &p) || p == 0 || p > 65535)
    goto bad;
  if (text[0] == '[') {
    if (colon[-1] != ']' || colon - text < 3)
      goto bad;
    h = g_strndup(text + 1, colon - text - 2);
  } else {
    h = g_strndup(text, colon - text);
    if (strchr(h, ':'))
      goto bad; /* IPv6 needs brackets, or the port is ambiguous */
  }
  if (host)
    *host = g_steal_pointer(&h);
  if (port)
    *port = (guint)p;
  return TRUE;
bad:
  g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
              "'%s' is not HOST:PORT (port 1-65535, IPv6 as [ADDR]:PORT)", text);
  return FALSE;
}

static gboolean check_value(const NaraConfigKey *key, const char *value, GError **error)
{
  static const char *const levels[] = { "error", "warning", "info", "debug", NULL };
  gboolean b;
  guint64 u;
  g_autoptr(GError) local = NULL;

  switch (key->type) {
  case NARA_CONFIG_STRING:
  case NARA_CONFIG_LIST:
    return TRUE;
  case NARA_CONFIG_BOOL:
    if (parse_bool(value, &b))
      return TRUE;
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "%s: '%s' is not a boolean (true or false)", key->name, value);
    return FALSE;
  case NARA_CONFIG_UINT:
    if (parse_uint(value, &u) && u >= key->min && u <= key->max)
      return TRUE;
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "%s: '%s' is not a whole number from %u to %u", key->name, value, key->min,
                key->max);
    return FALSE;
  case NARA_CONFIG_ADDRESS:
    if (nara_config_parse_address(value, NULL, NULL, &local))
      return TRUE;
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE, "%s: %s", key->name,
                local->message);
    return FALSE;
  case NARA_CONFIG_LEVEL:
    if (g_strv_contains(levels, value))
      return TRUE;
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "%s: '%s' is not one of error, warning, info, debug", key->name, value);
    return FALSE;
  }
  return FALSE;
}

gboolean nara_config_set(NaraConfig *config, const char *name, const char *value, GError **error)
{
  int i = key_index(name);
  g_autofree char *stripped = g_strstrip(g_strdup(value));

  if (i < 0) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_UNKNOWN_KEY,
                "unknown configuration key '%s' (see nara --help)", name);
    return FALSE;
  }
  if (!check_value(&keys[i], stripped, error))
    return FALSE;
  g_free(config->values[i]);
  config->values[i] = g_steal_pointer(&stripped);
  return TRUE;
}

gboolean nara_config_set_assignment(NaraConfig *config, const char *assignment, GError **error)
{
  const char *eq = strchr(assignment, '=');
  g_autofree char *name = NULL;

  if (!eq) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "--set '%s': expected section.key=value", assignment);
    return FALSE;
  }
  name = g_strstrip(g_strndup(assignment, eq - assignment));
  return nara_config_set(config, name, eq + 1, error);
}

gboolean nara_config_load_file(NaraConfig *config, const char *path, GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new();
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_FILE, "%s: %s", path, local->message);
    return FALSE;
  }
  groups = g_key_file_get_groups(file, NULL);
  for (guint g = 0; groups[g]; g++) {
    g_auto(GStrv) names = g_key_file_get_keys(file, groups[g], NULL, NULL);
    for (guint k = 0; names && names[k]; k++) {
      g_autofree char *name = g_strdup_printf("%s.%s", groups[g], names[k]);
      g_autofree char *value = g_key_file_get_value(file, groups[g], names[k], NULL);
      if (!nara_config_set(config, name, value ? value : "", &local)) {
        g_set_error(error, NARA_CONFIG_ERROR, local->code, "%s: %s", path, local->message);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* "server.state_dir" -> "NARA_SERVER_STATE_DIR" */
static char *env_name(const char *name)
{
  g_autofree char *upper = g_ascii_strup(name, -1);
  g_strdelimit(upper, ".", '_');
  return g_strconcat("NARA_", upper, NULL);
}

gboolean nara_config_load_env(NaraConfig *config, char **envp, GError **error)
{
  g_autoptr(GError) local = NULL;

  for (int i = 0; keys[i].name; i++) {
    g_autofree char *var = env_name(keys[i].name);
    const char *value = g_environ_getenv(envp, var);
    if (value && !nara_config_set(config, keys[i].name, value, &local)) {
      g_set_error(error, NARA_CONFIG_ERROR, local->code, "environment %s: %s", var, local->message);
      return FALSE;
    }
  }
  return TRUE;
}

const char *nara_config_get_string(const NaraConfig *config, const char *name)
{
  return config->values[key_index_checked(name)];
}

gboolean nara_config_get_bool(const NaraConfig *config, const char *name)
{
  gboolean b = FALSE;
  parse_bool(config->values[key_index_checked(name)], &b);
  return b;
}

guint nara_config_get_uint(const NaraConfig *config, const char *name)
{
  guint64 u = 0;
  parse_uint(config->values[key_index_checked(name)], &u);
  return (guint)u;
}

char **nara_config_get_list(const NaraConfig *config, const char *name)
{
  g_auto(GStrv) parts = g_strsplit(config->values[key_index_checked(name)], ",", -1);
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; parts[i]; i++) {
    g_strstrip(parts[i]);
    if (parts[i][0])
      g_ptr_array_add(out, g_strdup(parts[i]));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

static void append_wrapped(GString *out, const char *prefix, const char *text, guint width)
{
  g_auto(GStrv) words = g_strsplit(text, " ", -1);
  gsize line_start = out->len;
  g_string_append(out, prefix);
  for (guint i = 0; words[i]; i++) {
    if (out->len - line_start + strlen(words[i]) + 1 > width
        && out->len - line_start > strlen(prefix)) {
      g_string_append_c(out, '\n');
      line_start = out->len;
      g_string_append(out, prefix);
    } else if (out->len - line_start > strlen(prefix)) {
      g_string_append_c(out, ' ');
    }
    g_string_append(out, words[i]);
  }
  g_string_append_c(out, '\n');
}

char *nara_config_to_ini(const NaraConfig *config)
{
  GString *out = g_string_new("# Nara configuration (nara --config FILE).\n"
                              "# Every key can also be set with the environment variable\n"
                              "# NARA_<SECTION>_<KEY> or on the command line with\n"
                              "# --set section.key=value; precedence: command line >\n"
                              "# environment > this file > default. Lines starting with # are\n"
                              "# comments; a commented-out key keeps its default.\n");
  g_autofree char *section = NULL;

  for (int i = 0; keys[i].name; i++) {
    const char *dot = strchr(keys[i].name, '.');
    g_autofree char *sec = g_strndup(keys[i].name, dot - keys[i].name);
    gboolean is_default = g_str_equal(config->values[i], keys[i].default_value);
    if (!section || !g_str_equal(sec, section)) {
      g_string_append_printf(out, "\n[%s]\n", sec);
      g_free(section);
      section = g_steal_pointer(&sec);
    }
    g_string_append_c(out, '\n');
    append_wrapped(out, "# ", keys[i].doc, 78);
    g_string_append_printf(out, "%s%s =%s%s\n", is_default ? "#" : "", dot + 1,
                           config->values[i][0] ? " " : "", config->values[i]);
  }
  return g_string_free(out, FALSE);
}

char *nara_config_help(void)
{
  GString *out = g_string_new("Configuration keys (file [section] key, env NARA_SECTION_KEY, "
                              "--set section.key=value):\n");
  for (int i = 0; keys[i].name; i++) {
    const char *embedded = embedded_default(keys[i].name);
    g_string_append_printf(out, "  %-30s default '%s'", keys[i].name, keys[i].default_value);
    if (embedded)
      g_string_append_printf(out, " ('%s' without --config)", embedded);
    g_string_append_c(out, '\n');
    append_wrapped(out, "      ", keys[i].doc, 78);
  }
  return g_string_free(out, FALSE);
}
