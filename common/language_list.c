/* language_list.c — the shape of a booked participant's languages
 * (language_list.h): well-formed BCP 47 tags, a bounded number of them.
 *
 * Case is kept as given ("sgn-SE"): tags compare case-insensitively
 * (RFC 5646 2.1.1) and are only shown. Nothing here knows which
 * languages exist.
 *
 * Threading: pure functions, any thread.
 */
#include "language_list.h"

#include <string.h>

gboolean nara_language_tag_valid(const char *tag)
{
  gsize len = strlen(tag), run = 0;
  gboolean primary = TRUE;

  if (len == 0 || len > NARA_LANGUAGE_TAG_MAX)
    return FALSE;
  for (const char *p = tag;; p++) {
    if (*p == '-' || *p == '\0') {
      if (primary ? run < 2 || run > 3 : run < 1 || run > 8)
        return FALSE;
      if (*p == '\0')
        return TRUE;
      primary = FALSE;
      run = 0;
    } else if (primary ? g_ascii_isalpha(*p) : g_ascii_isalnum(*p)) {
      run++;
    } else {
      return FALSE;
    }
  }
}

char *nara_language_list_clean(const char *list, const char **problem)
{
  g_auto(GStrv) tags = NULL;
  guint n;

  if (strlen(list) > 4 * NARA_LANGUAGE_LIST_MAX_BYTES) {
    *problem = "is too long";
    return NULL;
  }
  tags = g_strsplit(list, ",", -1);
  n = g_strv_length(tags);
  if (n == 0) {
    *problem = "names no language";
    return NULL;
  }
  if (n > NARA_LANGUAGE_LIST_MAX) {
    *problem = "names too many languages (at most 8)";
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    g_strstrip(tags[i]);
    if (!nara_language_tag_valid(tags[i])) {
      *problem = "holds an ill-formed language tag (BCP 47, e.g. \"sv\" or \"sgn-SE\")";
      return NULL;
    }
    for (guint j = 0; j < i; j++)
      if (g_ascii_strcasecmp(tags[i], tags[j]) == 0) {
        *problem = "names a language twice";
        return NULL;
      }
  }
  return g_strjoinv(",", tags);
}
