/* server.c — building and tearing down the server's modules.
 *
 * The sandbox comes first (sandbox.h), before any thread starts.
 * Dependency order: media, services (store, tokens), signaling (uses
 * media, store, tokens), REST (uses services, signaling), listener (uses
 * signaling, REST). Teardown is the reverse, listener first, so closing
 * sockets ends sessions while everything they use still exists. It owns
 * no request handling and no global state.
 *
 * Threading: control thread.
 */
#include "server.h"

#include "listener.h"
#include "rest.h"
#include "sandbox.h"
#include "services.h"
#include "wiring.h"

struct _NaraServer {
  NaraMedia *media;
  NaraServices *services;
  NaraSignaling *signaling;
  NaraRest *rest;
  NaraListener *listener;
  GMainLoop *loop;
  guint drain_secs, drain_warning_secs;
};

NaraServer *nara_server_new(const NaraConfig *config, GMainLoop *loop, GError **error)
{
  g_auto(GStrv) ice_addresses = NULL, ice_networks = NULL;
  g_auto(GStrv) origins = nara_config_get_list(config, "server.allowed_origins");
  g_auto(GStrv) turn_urls = nara_config_get_list(config, "turn.urls");
  NaraMediaConfig media_config;
  NaraSignalingConfig sig_config;
  g_auto(NaraServicesConfig) services_config = { 0 };
  NaraServer *s;

  /* First, while this is the only thread: media workers and the store
   * thread start below and inherit the restriction. */
  if (!nara_sandbox_apply_config(config, error))
    return NULL;
  s = g_new0(NaraServer, 1);
  s->loop = loop;
  s->drain_secs = nara_config_get_uint(config, "server.drain_secs");
  s->drain_warning_secs = nara_config_get_uint(config, "server.drain_warning_secs");

  nara_wiring_media_config(config, &media_config, &ice_addresses, &ice_networks);
  nara_wiring_signaling_config(config, &sig_config);
  sig_config.allowed_origins = (const char *const *)origins; /* copied by signaling */
  sig_config.turn.urls = (const char *const *)turn_urls;     /* copied by signaling */
  s->media = nara_media_new(&media_config, g_main_context_default(), error);
  if (!s->media)
    goto fail;
  nara_wiring_services_config(config, &services_config);
  s->services = nara_services_open(&services_config, error);
  if (!s->services)
    goto fail;
  s->signaling = nara_signaling_new(&sig_config, s->media);
  nara_signaling_set_consultations(s->signaling, s->services->store, s->services->tokens);
  if (nara_config_get_string(config, "cluster.redis")[0]) {
    g_autofree char *node_url = nara_wiring_node_url(config);
    NaraClusterConfig cluster = {
      .redis = nara_config_get_string(config, "cluster.redis"),
      .node_id = nara_config_get_string(config, "cluster.node_id"),
      .node_url = node_url,
    };
    if (!nara_signaling_set_cluster(s->signaling, &cluster, error))
      goto fail;
  }
  s->rest = nara_rest_new(s->services, s->signaling, nara_config_get_bool(config, "server.tls"));
  s->listener = nara_listener_new(config, s->signaling, s->media, s->rest, loop, error);
  if (!s->listener)
    goto fail;
  nara_services_start_pruning(s->services);
  return s;
fail:
  nara_server_free(s);
  return NULL;
}

void nara_server_free(NaraServer *s)
{
  if (!s)
    return;
  g_clear_pointer(&s->listener, nara_listener_free);
  /* Store callbacks still due use REST and signaling: they run now. */
  if (s->services)
    nara_store_flush(s->services->store);
  g_clear_pointer(&s->rest, nara_rest_free);
  g_clear_pointer(&s->signaling, nara_signaling_free);
  g_clear_pointer(&s->services, nara_services_free);
  g_clear_pointer(&s->media, nara_media_free);
  g_free(s);
}

static gboolean on_drained(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

gboolean nara_server_drain(NaraServer *s)
{
  if (nara_signaling_is_draining(s->signaling))
    return FALSE;
  nara_signaling_drain(s->signaling, s->drain_secs, s->drain_warning_secs, on_drained, s->loop);
  return TRUE;
}

guint nara_server_n_sessions(NaraServer *s)
{
  return nara_signaling_n_sessions(s->signaling);
}

guint nara_server_n_rooms(NaraServer *s)
{
  return nara_signaling_n_rooms(s->signaling);
}
