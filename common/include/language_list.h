/* language_list.h — the languages a consultation's participant is booked
 * with: BCP 47 tags separated by commas ("sv", "sv,ar", "sv,sgn-SE").
 *
 * Each tag has the shape of RFC 5646 2.1 (a 2-3 letter primary language,
 * then subtags of 1-8 letters or digits, at most NARA_LANGUAGE_TAG_MAX
 * bytes); the registry is not consulted: tags are shown and compared,
 * never acted on. A list holds 1 to NARA_LANGUAGE_LIST_MAX tags, no
 * repeats; white space around a tag is dropped.
 *
 * Threading: pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_LANGUAGE_TAG_MAX 35 /* RFC 5646 4.4.1: 35 characters hold any useful tag */
#define NARA_LANGUAGE_LIST_MAX 8 /* a patient one, an interpreter two or three */
/* The longest clean list: every tag at its longest, commas between. */
#define NARA_LANGUAGE_LIST_MAX_BYTES (NARA_LANGUAGE_LIST_MAX * (NARA_LANGUAGE_TAG_MAX + 1))

/* TRUE if tag (no white space) has the shape of a language tag. */
gboolean nara_language_tag_valid(const char *tag);
/* (transfer full) list with white space around its tags dropped ("sv, ar"
 * -> "sv,ar"), or NULL with *problem set (transfer none: a phrase that
 * follows the field's name, "holds an ill-formed language tag"). */
char *nara_language_list_clean(const char *list, const char **problem);

G_END_DECLS
