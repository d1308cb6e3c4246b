/* main.c — the nara binary: options, then a command or the server.
 *
 * Parses the command line (options.c); runs a command (`nara
 * consultation create`, …, api/cli.c) or builds the server (server.c),
 * runs the GLib main loop and tears it down. SIGINT stops at once; SIGTERM
 * drains first (live calls finish, server.c) and a second SIGTERM stops.
 * Everything else lives in the modules; there is no global state.
 *
 * Threading: the main thread is the control thread.
 */
#define G_LOG_DOMAIN "nara-server"

#include <glib-unix.h>
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "options.h"
#include "server.h"
#include "wiring.h"

typedef struct {
  GMainLoop *loop;
  NaraServer *server;
} Running;

static gboolean on_sigint(gpointer data)
{
  Running *r = data;
  g_main_loop_quit(r->loop);
  return G_SOURCE_CONTINUE;
}

/* What systemd, Docker and Kubernetes send to stop a service: drain. */
static gboolean on_sigterm(gpointer data)
{
  Running *r = data;
  if (!nara_server_drain(r->server)) {
    g_message("second SIGTERM: stopping now");
    g_main_loop_quit(r->loop);
  }
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ();
  g_auto(GStrv) command = NULL;
  NaraOptionsAction action = NARA_OPTIONS_RUN;
  NaraServer *server;
  GMainLoop *loop;
  Running running;
  guint sigint, sigterm;
  g_autoptr(NaraConfig) config = nara_options_parse(argc, argv, env, &action, &command, &error);

  if (!config || !nara_wiring_check(config, &error)) {
    fprintf(stderr, "nara: %s\n", error->message);
    return 2;
  }
  if (action == NARA_OPTIONS_VERSION) {
    printf("nara %s\n", NARA_VERSION);
    return 0;
  }
  if (action == NARA_OPTIONS_PRINT_CONFIG) {
    g_autofree char *ini = nara_config_to_ini(config);
    fputs(ini, stdout);
    return 0;
  }
  /* Commands log warnings only: their output is for people and scripts. */
  nara_log_setup(action == NARA_OPTIONS_COMMAND ? "warning"
                                                : nara_config_get_string(config, "log.level"));
  if (action == NARA_OPTIONS_COMMAND)
    return nara_cli_run_command(command, nara_options_configure_command, config);

  loop = g_main_loop_new(NULL, FALSE);
  server = nara_server_new(config, loop, &error);
  if (!server) {
    g_critical("%s", error->message);
    g_main_loop_unref(loop);
    return 1;
  }
  running = (Running){ loop, server };
  sigint = g_unix_signal_add(SIGINT, on_sigint, &running);
  sigterm = g_unix_signal_add(SIGTERM, on_sigterm, &running);
  g_main_loop_run(loop);
  g_message("shutting down: %u sessions, %u rooms", nara_server_n_sessions(server),
            nara_server_n_rooms(server));

  g_source_remove(sigint);
  g_source_remove(sigterm);
  nara_server_free(server);
  g_main_loop_unref(loop);
  return 0;
}
