/* signal_janus.c — placeholder, replaced by the Janus adapter. */
#include "load.h"

static gpointer janus_start(LoadParticipant *p, GError **error)
{
  (void)p;
  g_set_error(error, LOAD_ERROR, 0, "janus: not yet");
  return NULL;
}

static void janus_subscribe(LoadParticipant *p, LoadParticipant *publisher)
{
  (void)p, (void)publisher;
}

static void janus_stop(LoadParticipant *p)
{
  (void)p;
}

const LoadAdapter load_adapter_janus = { "janus", janus_start, janus_subscribe, janus_stop };
