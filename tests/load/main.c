/* main.c — nara-load: options, the clip, one run, the exit code.
 *
 * `nara-load --make-clip FILE` encodes the clip and exits; a run reads the
 * clip (making it first if FILE does not exist) and plays one scenario
 * against one server. Everything else is in scenario.c and the adapters.
 *
 * Threading: the main thread is the tool's only thread.
 */
#include "load.h"

#include <gst/gst.h>
#include <stdio.h>

#define CLIP_SECONDS 20

static gboolean ensure_clip(const char *path, gboolean force, guint video_bps, GError **error)
{
  if (!force && g_file_test(path, G_FILE_TEST_EXISTS))
    return TRUE;
  fprintf(stderr, "nara-load: encoding %u s of test video (%u bit/s) and audio into %s\n",
          CLIP_SECONDS, video_bps, path);
  return load_clip_make(path, CLIP_SECONDS, video_bps, error);
}

int main(int argc, char **argv)
{
  LoadOptions o = { .server = g_strdup("nara"),
                    .rooms = 1,
                    .publishers = 1,
                    .subscribers = 2,
                    .warmup_s = 5,
                    .duration_s = 10,
                    .setup_timeout_s = 30,
                    .room_prefix = g_strdup("load"),
                    .srtp = g_strdup("gcm"),
                    .ice_address = g_strdup("127.0.0.1"),
                    .janus_room_base = 4200 };
  g_autofree char *make_clip = NULL;
  int pid = 0, base = 4200, clip_bps = LOAD_CLIP_DEFAULT_BPS;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &o.server, "nara (default) or janus", "KIND" },
    { "url", 'u', 0, G_OPTION_ARG_STRING, &o.url, "WebSocket URL of the server", "URL" },
    { "rooms", 'r', 0, G_OPTION_ARG_INT, &o.rooms, "Rooms (1)", "N" },
    { "publishers", 'p', 0, G_OPTION_ARG_INT, &o.publishers, "Publishers per room (1)", "P" },
    { "subscribers", 's', 0, G_OPTION_ARG_INT, &o.subscribers, "Subscribers per room (2)", "S" },
    { "mesh", 'm', 0, G_OPTION_ARG_NONE, &o.mesh, "Publishers also receive each other", NULL },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &o.warmup_s, "Seconds before measuring (5)", "S" },
    { "duration", 'd', 0, G_OPTION_ARG_INT, &o.duration_s, "Seconds measured (10)", "S" },
    { "setup-timeout", 0, 0, G_OPTION_ARG_INT, &o.setup_timeout_s,
      "Seconds allowed for every participant to be live (30)", "S" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &pid, "Measure this process's CPU, RSS, threads",
      "PID" },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &o.json_path, "Also write the report here", "FILE" },
    { "clip", 0, 0, G_OPTION_ARG_FILENAME, &o.clip_path, "The RTP clip (made if missing)", "FILE" },
    { "make-clip", 0, 0, G_OPTION_ARG_FILENAME, &make_clip, "Encode the clip into FILE and exit",
      "FILE" },
    { "clip-bitrate", 0, 0, G_OPTION_ARG_INT, &clip_bps,
      "VP8 target bitrate of a clip this run makes (566000)", "BPS" },
    { "ice-address", 0, 0, G_OPTION_ARG_STRING, &o.ice_address,
      "Address of the tool's ICE candidates (127.0.0.1)", "ADDR" },
    { "srtp", 0, 0, G_OPTION_ARG_STRING, &o.srtp,
      "SRTP offered: gcm (GCM, then AES-CM; default) or aes-cm (AES-CM only)", "P" },
    { "room-prefix", 0, 0, G_OPTION_ARG_STRING, &o.room_prefix, "Nara room names (load)", "S" },
    { "janus-room-base", 0, 0, G_OPTION_ARG_INT, &base, "First Janus room id (4200)", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "Log progress to stderr", NULL },
    { "busy-poll", 0, 0, G_OPTION_ARG_NONE, &o.busy_poll,
      "Never sleep (poll without blocking, yield between rounds), so the server's sends "
      "never wake this tool, as with receivers on other machines",
      NULL },
    { "simulcast", 0, 0, G_OPTION_ARG_NONE, &o.simulcast,
      "Publish video as three rid layers q, h, f (as Chromium): f is the clip, h and q its "
      "keyframes plus every 2nd and 4th frame (no encoder: same size, fewer frames)",
      NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- load generator for nara and janus");
  g_autoptr(GError) error = NULL;
  int rc = 2;

  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    goto out;
  o.server_pid = pid;
  o.janus_room_base = (guint)base;
  if (clip_bps < 50000 || clip_bps > 20000000) {
    g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--clip-bitrate: 50000-20000000 bit/s");
    goto out;
  }
  if (make_clip) {
    rc = ensure_clip(make_clip, TRUE, (guint)clip_bps, &error) ? 0 : 1;
    goto out;
  }
  if (!o.url || !o.clip_path || (!g_str_equal(o.server, "nara") && !g_str_equal(o.server, "janus"))
      || o.rooms < 1 || o.rooms > 500 || o.publishers < 1 || o.publishers > 16
      || o.subscribers > 100 || (!o.mesh && o.subscribers == 0) || o.duration_s < 1
      || o.duration_s > 3600 || o.warmup_s > 600 || o.setup_timeout_s < 1 || o.setup_timeout_s > 600
      || (!g_str_equal(o.srtp, "gcm") && !g_str_equal(o.srtp, "aes-cm"))) {
    g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "need --url and --clip; --server nara|janus; 1-500 rooms, 1-16 publishers, "
                "0-100 subscribers (0 only with --mesh), 1-3600 s measured, --srtp gcm|aes-cm");
    goto out;
  }
  if (!ensure_clip(o.clip_path, FALSE, (guint)clip_bps, &error))
    goto out;
  LoadTool *tool = load_tool_new(&o, &error);
  if (!tool)
    goto out;
  rc = load_tool_run(tool);
  load_tool_free(tool);
out:
  if (error)
    fprintf(stderr, "nara-load: %s\n", error->message);
  g_free(o.server);
  g_free(o.url);
  g_free(o.json_path);
  g_free(o.clip_path);
  g_free(o.room_prefix);
  g_free(o.srtp);
  g_free(o.ice_address);
  return rc;
}
