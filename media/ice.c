/* ice.c — ICE for one peer connection on libnice.
 *
 * Owns the NiceAgent (full ICE, trickle, consent freshness), its one
 * stream/component, the local candidate strings and the remote candidate
 * filtering. It does not demultiplex DTLS from SRTP (the caller classifies
 * what it receives) and does not read SDP. Runs on one media worker: the
 * agent is created on that worker's context and all its signals fire there.
 */
#include "ice.h"

#include "media.h"

#include <string.h>
#include <nice/agent.h>

#define MAX_LOCAL_CANDIDATES 16

struct _NaraIce {
  NaraTransport base; /* first: the peer transport interface */
  NiceAgent *agent;
  guint stream_id;
  NaraIceCallbacks callbacks;
  gpointer user_data;
  char *ufrag, *pwd;
  char *candidates[MAX_LOCAL_CANDIDATES + 1];
  guint n_candidates;
  char default_address[NICE_ADDRESS_STRING_LEN];
  guint16 default_port;
  gulong state_handler;
  NaraIceState state;
  const NaraIceFilter *remote_filter;
};

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
                    gpointer user_data)
{
  (void)agent;
  (void)stream_id;
  (void)component_id;
  NaraIce *ice = user_data;
  /* Consent is libnice's own (RFC 7675 checks it sends): what authenticated
   * does not matter here. */
  (void)ice->callbacks.receive((guint8 *)buf, len, ice->user_data);
}

static void on_component_state(NiceAgent *agent, guint stream_id, guint component_id, guint state,
                               gpointer user_data)
{
  (void)agent;
  (void)stream_id;
  (void)component_id;
  NaraIce *ice = user_data;
  NaraIceState next = ice->state;
  switch (state) {
  case NICE_COMPONENT_STATE_CONNECTED:
  case NICE_COMPONENT_STATE_READY:
    next = NARA_ICE_CONNECTED;
    break;
  case NICE_COMPONENT_STATE_FAILED:
    next = NARA_ICE_FAILED;
    break;
  default:
    break;
  }
  g_debug("ICE component state %s", nice_component_state_to_string(state));
  if (next == ice->state || ice->state == NARA_ICE_FAILED)
    return;
  ice->state = next;
  ice->callbacks.state_changed(next, ice->user_data);
}

static gboolean add_local_addresses(NaraIce *ice, const char *const *addresses, GError **error)
{
  for (guint i = 0; addresses && addresses[i]; i++) {
    NiceAddress addr;
    nice_address_init(&addr);
    if (!nice_address_set_from_string(&addr, addresses[i])) {
      g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG, "bad ICE address \"%s\"",
                  addresses[i]);
      return FALSE;
    }
    /* Explicit addresses, loopback included: libnice skips `lo` only while
     * discovering interfaces on its own. */
    nice_agent_add_local_address(ice->agent, &addr);
  }
  return TRUE;
}

static void collect_local_candidates(NaraIce *ice, const char *announced)
{
  GSList *cands = nice_agent_get_local_candidates(ice->agent, ice->stream_id, 1);
  for (GSList *l = cands; l && ice->n_candidates < MAX_LOCAL_CANDIDATES; l = l->next) {
    NiceCandidate *c = l->data;
    if (c->transport != NICE_CANDIDATE_TRANSPORT_UDP)
      continue;
    char addr[NICE_ADDRESS_STRING_LEN];
    nice_address_to_string(&c->addr, addr);
    const char *shown = announced ? announced : addr;
    guint port = nice_address_get_port(&c->addr);
    ice->candidates[ice->n_candidates++] = g_strdup_printf("candidate:%s 1 udp %u %s %u typ host",
                                                           c->foundation, c->priority, shown, port);
    if (!ice->default_address[0]) {
      g_strlcpy(ice->default_address, shown, sizeof ice->default_address);
      ice->default_port = (guint16)port;
    }
  }
  g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
}

static const NaraTransportOps ice_ops;

NaraIce *nara_ice_new(GMainContext *context, const NaraIceConfig *config,
                      const NaraIceCallbacks *callbacks, gpointer user_data, GError **error)
{
  NaraIce *ice = g_new0(NaraIce, 1);
  ice->base.ops = &ice_ops;
  ice->callbacks = *callbacks;
  ice->user_data = user_data;
  ice->state = NARA_ICE_CHECKING;
  ice->remote_filter = config->remote_filter;
  ice->agent
      = nice_agent_new_full(context, NICE_COMPATIBILITY_RFC5245,
                            NICE_AGENT_OPTION_ICE_TRICKLE | NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  /* A server has no NAT to open with UPnP, and gupnp would start SSDP
   * discovery on every interface for every peer. */
  g_object_set(ice->agent, "controlling-mode", config->controlling, "ice-tcp", FALSE, "upnp", FALSE,
               NULL);
  if (!add_local_addresses(ice, config->addresses, error))
    goto fail;
  ice->stream_id = nice_agent_add_stream(ice->agent, 1);
  if (ice->stream_id == 0) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "nice_agent_add_stream failed");
    goto fail;
  }
  if (config->port_min || config->port_max)
    nice_agent_set_port_range(ice->agent, ice->stream_id, 1, config->port_min, config->port_max);
  ice->state_handler = g_signal_connect(ice->agent, "component-state-changed",
                                        G_CALLBACK(on_component_state), ice);
  nice_agent_attach_recv(ice->agent, ice->stream_id, 1, context, on_recv, ice);
  if (!nice_agent_gather_candidates(ice->agent, ice->stream_id)) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL,
                "ICE gathering failed (no usable address or port)");
    goto fail;
  }
  nice_agent_get_local_credentials(ice->agent, ice->stream_id, &ice->ufrag, &ice->pwd);
  collect_local_candidates(ice, config->announced_address);
  if (ice->n_candidates == 0) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG, "no ICE host candidate");
    goto fail;
  }
  return ice;
fail:
  nara_ice_free(ice);
  return NULL;
}

void nara_ice_free(NaraIce *ice)
{
  if (!ice)
    return;
  if (ice->agent) {
    if (ice->stream_id) {
      nice_agent_attach_recv(ice->agent, ice->stream_id, 1, NULL, NULL, NULL);
      nice_agent_remove_stream(ice->agent, ice->stream_id);
    }
    if (ice->state_handler)
      g_signal_handler_disconnect(ice->agent, ice->state_handler);
    nice_agent_close_async(ice->agent, NULL, NULL);
    g_object_unref(ice->agent);
  }
  for (guint i = 0; i < ice->n_candidates; i++)
    g_free(ice->candidates[i]);
  g_free(ice->ufrag);
  g_free(ice->pwd);
  g_free(ice);
}

const char *nara_ice_get_ufrag(NaraIce *ice)
{
  return ice->ufrag;
}

const char *nara_ice_get_pwd(NaraIce *ice)
{
  return ice->pwd;
}

const char *const *nara_ice_get_local_candidates(NaraIce *ice, guint *n)
{
  *n = ice->n_candidates;
  return (const char *const *)ice->candidates;
}

const char *nara_ice_get_default_address(NaraIce *ice, guint16 *port)
{
  *port = ice->default_port;
  return ice->default_address;
}

gboolean nara_ice_set_remote_credentials(NaraIce *ice, const char *ufrag, const char *pwd,
                                         GError **error)
{
  if (!ufrag || !pwd || !*ufrag || !*pwd
      || !nice_agent_set_remote_credentials(ice->agent, ice->stream_id, ufrag, pwd)) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "unusable ICE credentials");
    return FALSE;
  }
  return TRUE;
}

/* RFC 8445 §9: libnice makes new credentials, drops the remote candidates
 * and checks again; the local candidates (and our SDP's) stay. */
gboolean nara_ice_restart(NaraIce *ice, GError **error)
{
  if (!nice_agent_restart_stream(ice->agent, ice->stream_id)) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "ICE restart failed");
    return FALSE;
  }
  g_clear_pointer(&ice->ufrag, g_free);
  g_clear_pointer(&ice->pwd, g_free);
  nice_agent_get_local_credentials(ice->agent, ice->stream_id, &ice->ufrag, &ice->pwd);
  /* A failed agent may come back: its next READY is reported again. */
  if (ice->state == NARA_ICE_FAILED)
    ice->state = NARA_ICE_CHECKING;
  return TRUE;
}

/* "candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …"
 * (RFC 8839 §5.1). */
gboolean nara_ice_add_remote_candidate(NaraIce *ice, const char *candidate, GError **error)
{
  if (g_str_has_prefix(candidate, "a="))
    candidate += 2;
  if (!g_str_has_prefix(candidate, "candidate:") || strlen(candidate) > 512) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "not an ICE candidate");
    return FALSE;
  }
  g_auto(GStrv) fields = g_strsplit(candidate, " ", 9);
  if (g_strv_length(fields) < 8) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "malformed ICE candidate");
    return FALSE;
  }
  /* Only UDP is gathered here; mDNS names would need a resolver the SFU
   * does not have, and the browser's prflx pair covers those hosts. */
  if (g_ascii_strcasecmp(fields[2], "udp") != 0 || g_str_has_suffix(fields[4], ".local"))
    return TRUE;
  if (g_strcmp0(fields[1], "1") != 0)
    return TRUE; /* an RTCP component: rtcp-mux makes it useless */
  g_autofree char *line = g_strconcat("a=", candidate, NULL);
  NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream_id, line);
  if (!c) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "malformed ICE candidate");
    return FALSE;
  }
  /* Checks go where a candidate says: not to our own loopback, the
   * metadata service or a multicast group because a browser said so. */
  struct sockaddr_storage where;
  nice_address_copy_to_sockaddr(&c->addr, (struct sockaddr *)&where);
  if (ice->remote_filter
      && !nara_ice_filter_allows(ice->remote_filter, (struct sockaddr *)&where)) {
    g_debug("remote candidate skipped: its address is refused (media.ice_remote_networks)");
    nice_candidate_free(c);
    return TRUE;
  }
  GSList one = { c, NULL };
  int added = nice_agent_set_remote_candidates(ice->agent, ice->stream_id, 1, &one);
  nice_candidate_free(c);
  if (added < 0) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "ICE candidate refused");
    return FALSE;
  }
  return TRUE;
}

void nara_ice_remote_candidates_done(NaraIce *ice)
{
  nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream_id);
}

gboolean nara_ice_send(NaraIce *ice, const guint8 *data, gsize len)
{
  if (ice->state == NARA_ICE_FAILED || len > G_MAXUINT)
    return FALSE;
  return nice_agent_send(ice->agent, ice->stream_id, 1, (guint)len, (const gchar *)data) >= 0;
}

/* ---- the peer transport interface (transport.h) ---- */

NaraTransport *nara_ice_transport(NaraIce *ice)
{
  return &ice->base;
}

static const char *t_get_ufrag(NaraTransport *t)
{
  return nara_ice_get_ufrag((NaraIce *)t);
}

static const char *t_get_pwd(NaraTransport *t)
{
  return nara_ice_get_pwd((NaraIce *)t);
}

static const char *const *t_get_local_candidates(NaraTransport *t, guint *n)
{
  return nara_ice_get_local_candidates((NaraIce *)t, n);
}

static const char *t_get_default_address(NaraTransport *t, guint16 *port)
{
  return nara_ice_get_default_address((NaraIce *)t, port);
}

static gboolean t_set_remote_credentials(NaraTransport *t, const char *ufrag, const char *pwd,
                                         GError **error)
{
  return nara_ice_set_remote_credentials((NaraIce *)t, ufrag, pwd, error);
}

static gboolean t_restart(NaraTransport *t, GError **error)
{
  return nara_ice_restart((NaraIce *)t, error);
}

static gboolean t_add_remote_candidate(NaraTransport *t, const char *candidate, GError **error)
{
  return nara_ice_add_remote_candidate((NaraIce *)t, candidate, error);
}

static void t_remote_candidates_done(NaraTransport *t)
{
  nara_ice_remote_candidates_done((NaraIce *)t);
}

static gboolean t_send(NaraTransport *t, const guint8 *data, gsize len)
{
  return nara_ice_send((NaraIce *)t, data, len);
}

static void t_free(NaraTransport *t)
{
  nara_ice_free((NaraIce *)t);
}

/* No batching: libnice sends each datagram as it is handed over. */
static const NaraTransportOps ice_ops = {
  .get_ufrag = t_get_ufrag,
  .get_pwd = t_get_pwd,
  .get_local_candidates = t_get_local_candidates,
  .get_default_address = t_get_default_address,
  .set_remote_credentials = t_set_remote_credentials,
  .restart = t_restart,
  .add_remote_candidate = t_add_remote_candidate,
  .remote_candidates_done = t_remote_candidates_done,
  .send = t_send,
  .free = t_free,
};
