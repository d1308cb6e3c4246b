/* wiring.c — maps configuration keys onto the modules' config structs.
 *
 * Owns cross-key checks and machine-dependent defaults; it creates no
 * module and keeps no state.
 *
 * Threading: main thread, before the main loop runs.
 */
#include "wiring.h"

#include <unistd.h>

#ifndef NARA_WEB_DIR_DEFAULT
#define NARA_WEB_DIR_DEFAULT "web"
#endif

gboolean nara_wiring_check(const NaraConfig *config, GError **error)
{
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
  if (has_cert != has_key) {
    g_set_error(error, NARA_CONFIG_ERROR, NARA_CONFIG_ERROR_BAD_VALUE,
                "server.cert and server.key: give both or neither");
    return FALSE;
  }
  return TRUE;
}

void nara_wiring_media_config(const NaraConfig *config, NaraMediaConfig *media_config,
                              char ***storage)
{
  const char *announced = nara_config_get_string(config, "media.announced_address");

  *storage = nara_config_get_list(config, "media.ice_addresses");
  *media_config = (NaraMediaConfig){
    .workers = nara_config_get_uint(config, "media.workers"),
    .ice_addresses = (*storage)[0] ? *storage : NULL,
    .port_min = nara_config_get_uint(config, "media.port_min"),
    .port_max = nara_config_get_uint(config, "media.port_max"),
    .announced_address = announced[0] ? announced : NULL,
  };
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
