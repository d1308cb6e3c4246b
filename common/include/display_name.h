/* display_name.h — the one rule for names people see: display names in
 * the room and in join links, and the titles and names the REST API
 * stores.
 *
 * A name is trimmed of surrounding whitespace and counted in Unicode
 * characters. It may not hold control characters, line or paragraph
 * separators, or invisible format characters (bidi overrides could make
 * one name look like another); ZWJ and ZWNJ stay for emoji and scripts.
 * Callers hand in valid UTF-8 without NUL (what jansson gives them).
 *
 * Threading: pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* NULL if text, trimmed, is min_chars to max_chars characters of allowed
 * ones; else why not, as a phrase that follows a field's name ("is too
 * long"). (transfer none) */
const char *nara_display_name_problem(const char *text, guint min_chars, guint max_chars);
/* (transfer full) name trimmed, or NULL if it is empty, longer than
 * max_chars or holds a character the rule refuses. */
char *nara_display_name_clean(const char *name, guint max_chars);

G_END_DECLS
