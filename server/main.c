/* main.c — the nara binary: options, modules, main loop, teardown.
 *
 * Builds the modules in dependency order (media, signaling, listener), runs
 * the GLib main loop until SIGINT or SIGTERM, then frees them in reverse.
 * Everything else lives in the modules; there is no global state.
 *
 * Threading: the main thread is the control thread.
 */
#define G_LOG_DOMAIN "nara-server"

#include <glib-unix.h>
#include <stdio.h>

#include "cli.h"
#include "listener.h"
#include "log.h"
#include "wiring.h"

static gboolean on_signal(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ();
  g_auto(GStrv) ice_addresses = NULL;
  NaraCliAction action = NARA_CLI_RUN;
  NaraMediaConfig media_config;
  NaraSignalingConfig sig_config;
  NaraMedia *media;
  NaraSignaling *signaling;
  NaraListener *listener;
  GMainLoop *loop;
  guint sigint, sigterm;
  g_autoptr(NaraConfig) config = nara_cli_parse(argc, argv, env, &action, &error);

  if (!config || !nara_wiring_check(config, &error)) {
    fprintf(stderr, "nara: %s\n", error->message);
    return 2;
  }
  if (action == NARA_CLI_VERSION) {
    printf("nara %s\n", NARA_VERSION);
    return 0;
  }
  if (action == NARA_CLI_PRINT_CONFIG) {
    g_autofree char *ini = nara_config_to_ini(config);
    fputs(ini, stdout);
    return 0;
  }

  nara_log_setup(nara_config_get_string(config, "log.level"));
  nara_wiring_media_config(config, &media_config, &ice_addresses);
  nara_wiring_signaling_config(config, &sig_config);
  loop = g_main_loop_new(NULL, FALSE);

  media = nara_media_new(&media_config, g_main_context_default(), &error);
  if (!media) {
    g_critical("media: %s", error->message);
    g_main_loop_unref(loop);
    return 1;
  }
  signaling = nara_signaling_new(&sig_config, media);
  listener = nara_listener_new(config, signaling, loop, &error);
  if (!listener) {
    g_critical("%s", error->message);
    nara_signaling_free(signaling);
    nara_media_free(media);
    g_main_loop_unref(loop);
    return 1;
  }

  sigint = g_unix_signal_add(SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add(SIGTERM, on_signal, loop);
  g_main_loop_run(loop);
  g_message("shutting down: %u sessions, %u rooms", nara_signaling_n_sessions(signaling),
            nara_signaling_n_rooms(signaling));

  g_source_remove(sigint);
  g_source_remove(sigterm);
  /* Listener first: closing sockets ends sessions while signaling still exists. */
  nara_listener_free(listener);
  nara_signaling_free(signaling);
  nara_media_free(media);
  g_main_loop_unref(loop);
  return 0;
}
