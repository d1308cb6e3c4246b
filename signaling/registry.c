/* registry.c — the cluster registry in Redis: node records, room leases,
 * admitted sets (registry.h; keys and scripts: docs/design.md).
 *
 * One hiredis async connection driven by a GSource of our own on the
 * control thread's main context (registry_source.c).
 * Redis is reached only by IP literal or unix socket: no DNS here.
 * A tick every NARA_REGISTRY_TICK_MS publishes the node record, renews the
 * leases of the rooms this node owns and checks that Redis answered the
 * previous tick; when it did not, the connection is dropped (its pending
 * callbacks get "unavailable") and made again with backoff. Meanwhile
 * nara_registry_up() is FALSE (/readyz 503) and live calls go on.
 *
 * Threading: control thread only.
 */
#include "registry.h"
#include "placement.h"
#include "registry_source.h"

#include <gio/gio.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <string.h>
#include <sys/un.h>

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000
/* An admitted set outlives any lease: a failover is minutes, a visit hours. */
#define ADMITTED_TTL_SECS "86400"
#define SECRET_TTL_SECS "86400"

/* KEYS[1] owner key, KEYS[2] node set, KEYS[3] admitted set; ARGV[1] this
 * node, ARGV[2] lease ms, ARGV[3] member ("" none), ARGV[4] node key prefix.
 * An owner whose node record has expired is dead: its key is dropped. A
 * free room goes to the least loaded ready node (this one on a tie), which
 * holds it from now on and counts one more load until its next record. */
static const char PLACE_LUA[]
    = "local admitted = 0\n"
      "if ARGV[3] ~= '' then admitted = redis.call('SISMEMBER', KEYS[3], ARGV[3]) end\n"
      "local owner = redis.call('GET', KEYS[1])\n"
      "if owner then\n"
      "  local url = redis.call('HGET', ARGV[4] .. owner, 'url')\n"
      "  if url then return {owner, url, admitted} end\n"
      "  redis.call('DEL', KEYS[1])\n"
      "end\n"
      "local best, best_url, best_load\n"
      "for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do\n"
      "  local r = redis.call('HMGET', ARGV[4] .. id, 'url', 'load', 'ready')\n"
      "  if not r[1] then redis.call('SREM', KEYS[2], id)\n"
      "  elseif r[3] == '1' then\n"
      "    local load = tonumber(r[2]) or 0\n"
      "    if best == nil or load < best_load or (load == best_load and id == ARGV[1]) then\n"
      "      best, best_url, best_load = id, r[1], load\n"
      "    end\n"
      "  end\n"
      "end\n"
      "if not best then return {'', '', admitted} end\n"
      "redis.call('SET', KEYS[1], best, 'PX', ARGV[2])\n"
      "redis.call('HINCRBY', ARGV[4] .. best, 'load', 1)\n"
      "return {best, best_url, admitted}\n";

/* KEYS: owner keys this node holds; ARGV[1] this node, ARGV[2] lease ms.
 * A key that expired meanwhile (Redis restarted, a long pause) is taken
 * again; one held by another node is lost: 0 at its index. */
static const char RENEW_LUA[]
    = "local out = {}\n"
      "for i, k in ipairs(KEYS) do\n"
      "  local v = redis.call('GET', k)\n"
      "  if v == ARGV[1] then redis.call('PEXPIRE', k, ARGV[2]); out[i] = 1\n"
      "  elseif not v then redis.call('SET', k, ARGV[1], 'PX', ARGV[2]); "
      "out[i] = 1\n"
      "  else out[i] = 0 end\n"
      "end\n"
      "return out\n";

/* Compare and delete: only the owner gives a lease up. */
static const char RELEASE_LUA[]
    = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
      "return 0\n";

/* KEYS[1] secret key; ARGV[1] this node, ARGV[2] node key prefix:
 * {owner, url} of the room the secret was issued in, when that is alive
 * and not this node. */
static const char SECRET_LUA[] = "local room = redis.call('GET', KEYS[1])\n"
                                 "if not room then return {'', ''} end\n"
                                 "local owner = redis.call('GET', 'nara:owner:' .. room)\n"
                                 "if not owner or owner == ARGV[1] then return {'', ''} end\n"
                                 "local url = redis.call('HGET', ARGV[2] .. owner, 'url')\n"
                                 "if not url then return {'', ''} end\n"
                                 "return {owner, url}\n";

struct _NaraRegistry {
  NaraSignaling *sig;
  char *unix_path; /* "unix:" addresses, else host and port */
  char *host;
  int port;
  char *node_id, *node_url, *node_key;
  redisAsyncContext *ac; /* the live connection, NULL: none */
  NaraRedisSource *source;
  gboolean connected; /* the connect callback said OK */
  gboolean up;        /* connected, and the last tick was answered */
  gboolean tick_pending;
  gint64 connect_started_us; /* monotonic; a connect older than a tick is given up */
  guint tick_source, reconnect_source;
  guint backoff_ms;
  gboolean closing;
  GHashTable *owned; /* room key (owned) -> ticks without a live room: leases held */
};

/* --- connection ------------------------------------------------------- */

static void connect_now(NaraRegistry *reg);
static void tick(NaraRegistry *reg);

static void destroy_source(NaraRegistry *reg)
{
  if (!reg->source)
    return;
  g_source_destroy((GSource *)reg->source);
  g_source_unref((GSource *)reg->source);
  reg->source = NULL;
}

static gboolean on_reconnect(gpointer data)
{
  NaraRegistry *reg = data;

  reg->reconnect_source = 0;
  connect_now(reg);
  return G_SOURCE_REMOVE;
}

/* The connection is gone (hiredis frees or freed the context). */
static void connection_lost(NaraRegistry *reg, const char *why)
{
  if (reg->up || reg->connected)
    g_warning("cluster: Redis connection lost (%s); retrying, /readyz says 503 meanwhile", why);
  reg->ac = NULL;
  reg->connected = reg->up = FALSE;
  reg->tick_pending = FALSE;
  destroy_source(reg);
  if (reg->closing || reg->reconnect_source)
    return;
  reg->reconnect_source = g_timeout_add(reg->backoff_ms, on_reconnect, reg);
  reg->backoff_ms = MIN(reg->backoff_ms * 2, BACKOFF_MAX_MS);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
  NaraRegistry *reg = ac->data;

  if (reg->ac != ac)
    return;
  if (status != REDIS_OK) {
    g_debug("cluster: cannot connect to Redis: %s", ac->errstr);
    connection_lost(reg, ac->errstr); /* hiredis frees the context next */
    return;
  }
  g_message("cluster: connected to Redis as node %s (%s)", reg->node_id, reg->node_url);
  reg->connected = TRUE;
  reg->backoff_ms = BACKOFF_MIN_MS;
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
  NaraRegistry *reg = ac->data;

  (void)status;
  if (reg->ac == ac)
    connection_lost(reg, ac->errstr[0] ? ac->errstr : "closed");
}

/* Drops the live connection: pending callbacks are called with no reply. */
static void drop(NaraRegistry *reg, const char *why)
{
  redisAsyncContext *ac = reg->ac;

  if (!ac)
    return;
  /* Free first: hiredis' cleanup still uses the source. */
  reg->ac = NULL;
  redisAsyncFree(ac);
  connection_lost(reg, why);
}

static void connect_now(NaraRegistry *reg)
{
  redisAsyncContext *ac = reg->unix_path ? redisAsyncConnectUnix(reg->unix_path)
                                         : redisAsyncConnect(reg->host, reg->port);

  if (!ac || ac->err) {
    g_debug("cluster: cannot connect to Redis: %s", ac ? ac->errstr : "out of memory");
    if (ac)
      redisAsyncFree(ac);
    reg->ac = NULL;
    connection_lost(reg, "connect failed");
    return;
  }
  ac->data = reg;
  reg->ac = ac;
  reg->connect_started_us = g_get_monotonic_time();
  reg->source = nara_redis_source_new(ac);
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  /* The first command also completes the non-blocking connect. */
  tick(reg);
}

/* --- commands --------------------------------------------------------- */

/* Sends args (strings); fn(reply or NULL, priv) follows once, unless this
 * returns FALSE (no connection: nothing was sent, fn will not run). */
static gboolean send_argv(NaraRegistry *reg, redisCallbackFn *fn, void *priv, GPtrArray *args)
{
  if (!reg->ac || !reg->connected || reg->closing)
    return FALSE;
  return redisAsyncCommandArgv(reg->ac, fn, priv, (int)args->len, (const char **)args->pdata, NULL)
         == REDIS_OK;
}

static gboolean send_cmd(NaraRegistry *reg, redisCallbackFn *fn, void *priv, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  va_list ap;
  const char *arg;

  va_start(ap, priv);
  while ((arg = va_arg(ap, const char *)))
    g_ptr_array_add(args, (gpointer)arg);
  va_end(ap);
  return send_argv(reg, fn, priv, args);
}

static char *owner_key(const char *room_key)
{
  return g_strconcat("nara:owner:", room_key, NULL);
}

static char *admitted_key(const char *room_key)
{
  return g_strconcat("nara:admitted:", room_key, NULL);
}

/* Load: what another node's placement compares, sessions plus rooms. */
static guint node_load(NaraRegistry *reg)
{
  return g_hash_table_size(reg->sig->sessions) + g_hash_table_size(reg->sig->rooms);
}

/* --- the tick: node record, leases, liveness --------------------------- */

static void on_tick_answered(redisAsyncContext *ac, void *r, void *priv)
{
  NaraRegistry *reg = priv;
  redisReply *reply = r;

  (void)ac;
  if (!reply || reg->closing)
    return;
  if (reply->type == REDIS_REPLY_ERROR) {
    g_warning("cluster: Redis refused the node record: %s", reply->str);
    return;
  }
  reg->tick_pending = FALSE;
  if (!reg->up)
    g_message("cluster: registry up (node %s, %u rooms owned)", reg->node_id,
              g_hash_table_size(reg->owned));
  reg->up = TRUE;
}

typedef struct {
  NaraRegistry *reg;
  GPtrArray *keys; /* room keys, in the script's KEYS order (owned) */
} Renewal;

static void on_renewed(redisAsyncContext *ac, void *r, void *priv)
{
  Renewal *rn = priv;
  NaraRegistry *reg = rn->reg;
  redisReply *reply = r;

  (void)ac;
  if (reply && !reg->closing && reply->type == REDIS_REPLY_ARRAY) {
    for (gsize i = 0; i < reply->elements && i < rn->keys->len; i++) {
      const char *key = rn->keys->pdata[i];
      if (reply->element[i]->type != REDIS_REPLY_INTEGER || reply->element[i]->integer != 0
          || !g_hash_table_contains(reg->owned, key))
        continue;
      g_warning("cluster: room %s is now owned by another node: its sessions move there", key);
      g_hash_table_remove(reg->owned, key);
      nara_placement_lost(reg->sig, key);
    }
  } else if (reply && reply->type == REDIS_REPLY_ERROR) {
    g_warning("cluster: lease renewal failed: %s", reply->str);
  }
  g_ptr_array_unref(rn->keys);
  g_free(rn);
}

/* A room placed here whose join never made it (refused by the store, the
 * client gone) has no live room: its lease goes after two ticks. */
static void forget_idle(NaraRegistry *reg)
{
  g_autoptr(GPtrArray) idle = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init(&iter, reg->owned);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    guint ticks = GPOINTER_TO_UINT(value);
    if (g_hash_table_contains(reg->sig->rooms, key))
      ticks = 1;
    else if (++ticks > 3)
      g_ptr_array_add(idle, g_strdup(key));
    g_hash_table_iter_replace(&iter, GUINT_TO_POINTER(ticks));
  }
  for (guint i = 0; i < idle->len; i++)
    nara_registry_release(reg, idle->pdata[i]);
}

static void renew_leases(NaraRegistry *reg)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
  Renewal *rn;
  GHashTableIter iter;
  gpointer key;
  char lease[16];

  forget_idle(reg);
  if (g_hash_table_size(reg->owned) == 0)
    return;
  rn = g_new0(Renewal, 1);
  rn->reg = reg;
  rn->keys = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(args, g_strdup("EVAL"));
  g_ptr_array_add(args, g_strdup(RENEW_LUA));
  g_ptr_array_add(args, g_strdup_printf("%u", g_hash_table_size(reg->owned)));
  g_hash_table_iter_init(&iter, reg->owned);
  while (g_hash_table_iter_next(&iter, &key, NULL)) {
    g_ptr_array_add(args, owner_key(key));
    g_ptr_array_add(rn->keys, g_strdup(key));
  }
  g_snprintf(lease, sizeof lease, "%d", NARA_REGISTRY_LEASE_MS);
  g_ptr_array_add(args, g_strdup(reg->node_id));
  g_ptr_array_add(args, g_strdup(lease));
  if (!send_argv(reg, on_renewed, rn, args)) {
    g_ptr_array_unref(rn->keys);
    g_free(rn);
  }
}

static void tick(NaraRegistry *reg)
{
  char load[16], lease[16];
  gboolean ready = !reg->sig->draining;

  if (!reg->ac)
    return;
  g_snprintf(load, sizeof load, "%u", node_load(reg));
  g_snprintf(lease, sizeof lease, "%d", NARA_REGISTRY_LEASE_MS);
  /* hiredis queues commands until the connect completes. */
  redisAsyncCommand(reg->ac, NULL, NULL, "HSET %s url %s load %s ready %s", reg->node_key,
                    reg->node_url, load, ready ? "1" : "0");
  redisAsyncCommand(reg->ac, NULL, NULL, "PEXPIRE %s %s", reg->node_key, lease);
  redisAsyncCommand(reg->ac, on_tick_answered, reg, "SADD nara:nodes %s", reg->node_id);
  reg->tick_pending = TRUE;
  renew_leases(reg);
}

static gboolean on_tick(gpointer data)
{
  NaraRegistry *reg = data;

  if (reg->ac && reg->tick_pending && reg->connected) {
    /* A whole tick without an answer: Redis hangs or the path to it does. */
    drop(reg, "no answer within a tick");
    return G_SOURCE_CONTINUE;
  }
  if (reg->ac && !reg->connected
      && g_get_monotonic_time() - reg->connect_started_us > NARA_REGISTRY_TICK_MS * 1000) {
    drop(reg, "connect timed out");
    return G_SOURCE_CONTINUE;
  }
  tick(reg);
  return G_SOURCE_CONTINUE;
}

/* --- placement -------------------------------------------------------- */

typedef struct {
  NaraRegistry *reg;
  char *room_key;
  NaraPlaceFunc done;
  gpointer data;
} Place;

static void place_answer(Place *pl, NaraPlaceKind kind, const char *url, gboolean admitted)
{
  NaraPlacement placement = { kind, url, admitted };

  pl->done(&placement, pl->data);
  g_free(pl->room_key);
  g_free(pl);
}

static const char *element_str(redisReply *reply, gsize i)
{
  if (reply->type != REDIS_REPLY_ARRAY || i >= reply->elements
      || reply->element[i]->type != REDIS_REPLY_STRING)
    return NULL;
  return reply->element[i]->str;
}

static void on_placed(redisAsyncContext *ac, void *r, void *priv)
{
  Place *pl = priv;
  NaraRegistry *reg = pl->reg;
  redisReply *reply = r;
  const char *owner, *url;
  gboolean admitted;

  (void)ac;
  if (!reply || reg->closing || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
    if (reply && reply->type == REDIS_REPLY_ERROR)
      g_warning("cluster: placement of %s failed: %s", pl->room_key, reply->str);
    place_answer(pl, NARA_PLACE_UNAVAILABLE, NULL, FALSE);
    return;
  }
  owner = element_str(reply, 0);
  url = element_str(reply, 1);
  admitted = reply->element[2]->type == REDIS_REPLY_INTEGER && reply->element[2]->integer == 1;
  if (!owner || !url || !owner[0]) {
    place_answer(pl, NARA_PLACE_NO_NODE, NULL, admitted);
  } else if (g_str_equal(owner, reg->node_id)) {
    if (!g_hash_table_contains(reg->owned, pl->room_key))
      g_message("cluster: room %s placed on this node", pl->room_key);
    g_hash_table_insert(reg->owned, g_strdup(pl->room_key), GUINT_TO_POINTER(1));
    place_answer(pl, NARA_PLACE_HERE, NULL, admitted);
  } else {
    place_answer(pl, NARA_PLACE_THERE, url, admitted);
  }
}

void nara_registry_place(NaraRegistry *reg, const char *room_key, const char *member,
                         NaraPlaceFunc done, gpointer data)
{
  g_autofree char *okey = owner_key(room_key), *akey = admitted_key(room_key);
  Place *pl = g_new0(Place, 1);
  char lease[16];

  pl->reg = reg;
  pl->room_key = g_strdup(room_key);
  pl->done = done;
  pl->data = data;
  g_snprintf(lease, sizeof lease, "%d", NARA_REGISTRY_LEASE_MS);
  if (!reg->up
      || !send_cmd(reg, on_placed, pl, "EVAL", PLACE_LUA, "3", okey, "nara:nodes", akey,
                   reg->node_id, lease, member ? member : "", "nara:node:", NULL))
    place_answer(pl, NARA_PLACE_UNAVAILABLE, NULL, FALSE);
}

void nara_registry_release(NaraRegistry *reg, const char *room_key)
{
  g_autofree char *okey = owner_key(room_key);

  if (!g_hash_table_remove(reg->owned, room_key))
    return;
  g_message("cluster: room %s released", room_key);
  send_cmd(reg, NULL, NULL, "EVAL", RELEASE_LUA, "1", okey, reg->node_id, NULL);
}

void nara_registry_admitted(NaraRegistry *reg, const char *room_key, const char *member)
{
  g_autofree char *akey = admitted_key(room_key);

  send_cmd(reg, NULL, NULL, "SADD", akey, member, NULL);
  send_cmd(reg, NULL, NULL, "EXPIRE", akey, ADMITTED_TTL_SECS, NULL);
}

void nara_registry_ended(NaraRegistry *reg, const char *room_key)
{
  g_autofree char *akey = admitted_key(room_key);

  send_cmd(reg, NULL, NULL, "DEL", akey, NULL);
}

void nara_registry_refresh(NaraRegistry *reg)
{
  if (reg->connected)
    tick(reg);
}

/* --- resume secrets --------------------------------------------------- */

void nara_registry_remember_secret(NaraRegistry *reg, const char *secret_hash, const char *room_key)
{
  g_autofree char *key = g_strconcat("nara:resume:", secret_hash, NULL);

  send_cmd(reg, NULL, NULL, "SET", key, room_key, "EX", SECRET_TTL_SECS, NULL);
}

void nara_registry_forget_secret(NaraRegistry *reg, const char *secret_hash)
{
  g_autofree char *key = g_strconcat("nara:resume:", secret_hash, NULL);

  send_cmd(reg, NULL, NULL, "DEL", key, NULL);
}

static void on_secret_found(redisAsyncContext *ac, void *r, void *priv)
{
  Place *pl = priv;
  redisReply *reply = r;
  const char *owner = reply && !pl->reg->closing ? element_str(reply, 0) : NULL;
  const char *url = reply && !pl->reg->closing ? element_str(reply, 1) : NULL;

  (void)ac;
  if (!reply || pl->reg->closing)
    place_answer(pl, NARA_PLACE_UNAVAILABLE, NULL, FALSE);
  else if (owner && owner[0] && url && url[0])
    place_answer(pl, NARA_PLACE_THERE, url, FALSE);
  else
    place_answer(pl, NARA_PLACE_NO_NODE, NULL, FALSE);
}

void nara_registry_find_secret(NaraRegistry *reg, const char *secret_hash, NaraPlaceFunc done,
                               gpointer data)
{
  g_autofree char *key = g_strconcat("nara:resume:", secret_hash, NULL);
  Place *pl = g_new0(Place, 1);

  pl->reg = reg;
  pl->done = done;
  pl->data = data;
  if (!reg->up
      || !send_cmd(reg, on_secret_found, pl, "EVAL", SECRET_LUA, "1", key, reg->node_id,
                   "nara:node:", NULL))
    place_answer(pl, NARA_PLACE_UNAVAILABLE, NULL, FALSE);
}

/* --- life ------------------------------------------------------------- */

/* "unix:/path", "IP:PORT" or "[IPv6]:PORT"; only literals (no DNS). */
static gboolean parse_address(NaraRegistry *reg, const char *address, GError **error)
{
  const char *colon;
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  guint64 port = 0;

  if (g_str_has_prefix(address, "unix:") && address[5] == '/') {
    /* A longer path would be cut by connect() and reach some other file,
       or nothing, with an error that names neither. */
    if (strlen(address + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "cluster.redis '%s': a unix socket path must be shorter than %zu bytes", address,
                  sizeof(((struct sockaddr_un *)0)->sun_path));
      return FALSE;
    }
    reg->unix_path = g_strdup(address + 5);
    return TRUE;
  }
  colon = strrchr(address, ':');
  if (colon && colon > address) {
    host = address[0] == '[' && colon[-1] == ']' ? g_strndup(address + 1, colon - address - 2)
                                                 : g_strndup(address, colon - address);
    inet = g_inet_address_new_from_string(host);
    if (inet && g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
      reg->host = g_steal_pointer(&host);
      reg->port = (int)port;
      return TRUE;
    }
  }
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              "cluster.redis '%s': give unix:/path/to/redis.sock or an IP address and port "
              "(127.0.0.1:6379, [::1]:6379); host names are not looked up",
              address);
  return FALSE;
}

NaraRegistry *nara_registry_new(NaraSignaling *sig, const NaraClusterConfig *config, GError **error)
{
  NaraRegistry *reg = g_new0(NaraRegistry, 1);

  reg->sig = sig;
  if (!parse_address(reg, config->redis, error)) {
    nara_registry_free(reg);
    return NULL;
  }
  reg->node_id
      = config->node_id && config->node_id[0] ? g_strdup(config->node_id) : g_uuid_string_random();
  reg->node_url = g_strdup(config->node_url);
  reg->node_key = g_strconcat("nara:node:", reg->node_id, NULL);
  reg->owned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  reg->backoff_ms = BACKOFF_MIN_MS;
  reg->tick_source = g_timeout_add(NARA_REGISTRY_TICK_MS, on_tick, reg);
  connect_now(reg);
  return reg;
}

void nara_registry_free(NaraRegistry *reg)
{
  redisAsyncContext *ac;
  GHashTableIter iter;
  gpointer key;
  int done = 0;

  if (!reg)
    return;
  if (reg->ac && reg->connected) {
    /* Leave at once rather than when the record expires: gone from the
     * node set, leases given up (the loop no longer runs: one
     * non-blocking write of what is queued, best effort). */
    g_hash_table_iter_init(&iter, reg->owned);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
      g_autofree char *okey = owner_key(key);
      send_cmd(reg, NULL, NULL, "EVAL", RELEASE_LUA, "1", okey, reg->node_id, NULL);
    }
    send_cmd(reg, NULL, NULL, "DEL", reg->node_key, NULL);
    send_cmd(reg, NULL, NULL, "SREM", "nara:nodes", reg->node_id, NULL);
    for (int i = 0; i < 8 && !done; i++)
      if (redisBufferWrite(&reg->ac->c, &done) != REDIS_OK)
        break;
  }
  reg->closing = TRUE;
  g_clear_handle_id(&reg->tick_source, g_source_remove);
  g_clear_handle_id(&reg->reconnect_source, g_source_remove);
  ac = reg->ac;
  reg->ac = NULL;
  if (ac)
    redisAsyncFree(ac); /* pending callbacks run now, with no reply */
  destroy_source(reg);
  g_clear_pointer(&reg->owned, g_hash_table_unref);
  g_free(reg->unix_path);
  g_free(reg->host);
  g_free(reg->node_id);
  g_free(reg->node_url);
  g_free(reg->node_key);
  g_free(reg);
}

gboolean nara_registry_up(NaraRegistry *reg)
{
  return reg->up;
}

const char *nara_registry_node_id(NaraRegistry *reg)
{
  return reg->node_id;
}

void nara_registry_render_metrics(NaraRegistry *reg, GString *out)
{
  g_string_append_printf(out,
                         "# HELP nara_registry_up 1 while the cluster registry (Redis) answers.\n"
                         "# TYPE nara_registry_up gauge\nnara_registry_up %d\n"
                         "# HELP nara_owned_rooms Rooms (consultations) this node holds the "
                         "lease of.\n"
                         "# TYPE nara_owned_rooms gauge\nnara_owned_rooms %u\n",
                         reg->up ? 1 : 0, g_hash_table_size(reg->owned));
}
