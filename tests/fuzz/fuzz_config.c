/* fuzz_config.c — libFuzzer target: arbitrary text into the configuration
 * parsers of server/config.c. The input is loaded as the ini file (through
 * a memfd, since the API takes a path), and each of its lines is also given
 * to --set, to the environment reader and to the address parser. Whatever
 * was accepted must be written by nara_config_to_ini (--print-config) into
 * a file that loads back to the same configuration, and every getter must
 * work on it. No crash, no leak; a broken invariant traps. Single-threaded.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_config: %s:%d: %s\n", __FILE__, __LINE__, #cond);                      \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

static int memfd = -1;
static char *memfd_path;

/* (transfer none) A path whose file holds exactly text[len]. One memfd is
 * reused: the target writes nothing to disk and needs no temp directory. */
static const char *as_file(const char *text, gsize len)
{
  if (memfd < 0) {
    memfd = memfd_create("fuzz_config", MFD_CLOEXEC);
    CHECK(memfd >= 0);
    memfd_path = g_strdup_printf("/proc/self/fd/%d", memfd);
  }
  CHECK(ftruncate(memfd, 0) == 0);
  CHECK(pwrite(memfd, text, len, 0) == (ssize_t)len);
  return memfd_path;
}

static void check_getters(const NaraConfig *config)
{
  for (const NaraConfigKey *k = nara_config_keys(); k->name; k++) {
    switch (k->type) {
    case NARA_CONFIG_STRING:
      CHECK(nara_config_get_string(config, k->name) != NULL);
      break;
    case NARA_CONFIG_BOOL:
      nara_config_get_bool(config, k->name);
      break;
    case NARA_CONFIG_UINT: {
      guint u = nara_config_get_uint(config, k->name);
      CHECK(u >= k->min && u <= k->max);
      break;
    }
    case NARA_CONFIG_LIST:
      g_strfreev(nara_config_get_list(config, k->name));
      break;
    case NARA_CONFIG_ADDRESS: {
      g_autofree char *host = NULL;
      guint port = 0;
      CHECK(nara_config_parse_address(nara_config_get_string(config, k->name), &host, &port, NULL));
      CHECK(port >= 1 && port <= 65535);
      break;
    }
    case NARA_CONFIG_LEVEL:
      CHECK(nara_config_get_string(config, k->name)[0] != '\0');
      break;
    }
  }
}

/* --print-config output must be a config file that gives the same values. */
static void check_round_trip(const NaraConfig *config)
{
  g_autofree char *ini = nara_config_to_ini(config);
  g_autoptr(NaraConfig) again = nara_config_new();
  g_autoptr(GError) error = NULL;

  check_getters(config);
  if (!nara_config_load_file(again, as_file(ini, strlen(ini)), &error)) {
    fprintf(stderr, "fuzz_config: printed config does not load: %s\n%s\n", error->message, ini);
    __builtin_trap();
  }
  g_autofree char *ini2 = nara_config_to_ini(again);
  if (strcmp(ini, ini2) != 0) {
    fprintf(stderr, "fuzz_config: printed config loads differently:\n%s\n---\n%s\n", ini, ini2);
    __builtin_trap();
  }
}

static void fuzz_file(const char *text, gsize len)
{
  g_autoptr(NaraConfig) config = nara_config_new();
  g_autoptr(GError) error = NULL;

  if (nara_config_load_file(config, as_file(text, len), &error)) {
    CHECK(error == NULL);
    check_round_trip(config);
  } else {
    CHECK(error != NULL && error->domain == NARA_CONFIG_ERROR);
  }
}

/* Each line as --set section.key=value and as a NARA_* variable; lines
 * that are refused leave the configuration as it was. */
static void fuzz_lines(const char *text)
{
  g_autoptr(NaraConfig) config = nara_config_new();
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean changed = FALSE;

  for (guint i = 0; lines[i] && i < 64; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *host = NULL;
    guint port = 0;
    if (nara_config_set_assignment(config, lines[i], &error))
      changed = TRUE;
    else
      CHECK(error != NULL && error->domain == NARA_CONFIG_ERROR);
    if (nara_config_parse_address(lines[i], &host, &port, NULL))
      CHECK(host != NULL && port >= 1 && port <= 65535);
  }
  /* The round trip is the costly part: skip it for the defaults. */
  if (changed)
    check_round_trip(config);

  g_autoptr(NaraConfig) env_config = nara_config_new();
  g_autoptr(GError) error = NULL;
  if (nara_config_load_env(env_config, lines, &error)) {
    if (strstr(text, "NARA_"))
      check_round_trip(env_config);
  } else {
    CHECK(error != NULL && error->domain == NARA_CONFIG_ERROR);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* A config file is small; bound the work per input. */
  if (size > 16 * 1024)
    return 0;
  fuzz_file((const char *)data, size);
  g_autofree char *text = g_strndup((const char *)data, size);
  fuzz_lines(text);
  return 0;
}
