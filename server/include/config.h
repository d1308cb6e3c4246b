/* config.h — Nara's configuration: one table of keys, three sources.
 *
 * Every key is defined once (config.c: name, type, default, doc); the table
 * drives the config file (GKeyFile ini), the environment (NARA_SECTION_KEY),
 * the command line (--set section.key=value), --help and --print-config.
 * Precedence: command line > environment > file > default. Values are
 * checked when set, so a bad value fails at start with the key's name.
 * It does not know what the keys mean to the modules: wiring.c maps them.
 * Threading: main thread only, before the main loop runs.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_CONFIG_ERROR (nara_config_error_quark())
GQuark nara_config_error_quark(void);

typedef enum {
  NARA_CONFIG_ERROR_UNKNOWN_KEY,
  NARA_CONFIG_ERROR_BAD_VALUE,
  NARA_CONFIG_ERROR_FILE,
} NaraConfigError;

typedef enum {
  NARA_CONFIG_STRING,
  NARA_CONFIG_BOOL,
  NARA_CONFIG_UINT,
  NARA_CONFIG_LIST,    /* comma-separated strings */
  NARA_CONFIG_ADDRESS, /* HOST:PORT, IPv6 as [ADDR]:PORT */
  NARA_CONFIG_LEVEL,   /* error, warning, info, debug */
} NaraConfigType;

typedef struct {
  const char *name; /* "section.key" */
  NaraConfigType type;
  const char *default_value;
  guint min, max; /* NARA_CONFIG_UINT only */
  const char *doc;
} NaraConfigKey;

typedef struct _NaraConfig NaraConfig;

/* (transfer none) The key table, terminated by an entry with name NULL. */
const NaraConfigKey *nara_config_keys(void);

/* (transfer full) Every key at its default. */
NaraConfig *nara_config_new(void);
void nara_config_free(NaraConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NaraConfig, nara_config_free)

/* Sets the keys whose default is different when no config file is read
 * (rooms.open: on for a bare trial start). Call before env and --set. */
void nara_config_apply_embedded_defaults(NaraConfig *config);

/* Sets one key from "section.key" and a textual value, checking it. */
gboolean nara_config_set(NaraConfig *config, const char *name, const char *value, GError **error);
/* "section.key=value" as given to --set. */
gboolean nara_config_set_assignment(NaraConfig *config, const char *assignment, GError **error);
/* Reads an ini file; unknown sections or keys are errors (typos must not pass). */
gboolean nara_config_load_file(NaraConfig *config, const char *path, GError **error);
/* Reads NARA_<SECTION>_<KEY> for every key. envp: NULL-terminated "K=V" list. */
gboolean nara_config_load_env(NaraConfig *config, char **envp, GError **error);

/* Getters take a name from the table; an unknown name is a programmer error. */
const char *nara_config_get_string(const NaraConfig *config, const char *name);
gboolean nara_config_get_bool(const NaraConfig *config, const char *name);
guint nara_config_get_uint(const NaraConfig *config, const char *name);
/* (transfer full) NULL-terminated, empty items dropped; never NULL. */
char **nara_config_get_list(const NaraConfig *config, const char *name);

/* (transfer full) The configuration as a commented ini file: with default
 * values it is nara.conf.sample. */
char *nara_config_to_ini(const NaraConfig *config);
/* (transfer full) Key list for --help. */
char *nara_config_help(void);

/* Splits "HOST:PORT" or "[V6]:PORT". (transfer full) host. */
gboolean nara_config_parse_address(const char *text, char **host, guint *port, GError **error);

G_END_DECLS
