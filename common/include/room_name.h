/* room_name.h — the one rule for the words Nara takes into a URL path:
 * room names (docs/protocol.md; /r/NAME) and consultation ids (/c/ID).
 *
 * Only A-Z a-z 0-9 - _, so a name needs no escaping in a path, a log line
 * or a JSON string, and cannot climb out of a folder ("../x"). The HTTP
 * listener and signaling apply it alike, so a room the page opens is a
 * room the join message accepts.
 *
 * Threading: pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_ROOM_NAME_MAX_CHARS 64

/* TRUE when word is 1 to max_chars of A-Z a-z 0-9 - _. */
gboolean nara_url_word_valid(const char *word, gsize max_chars);
/* TRUE for a room name: 1 to NARA_ROOM_NAME_MAX_CHARS of A-Z a-z 0-9 - _. */
gboolean nara_room_name_is_valid(const char *name);

G_END_DECLS
