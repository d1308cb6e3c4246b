/* room_name.c — the characters of room names and consultation ids.
 *
 * Shared by the HTTP listener (which page /r/NAME and /c/ID serve) and
 * signaling (the room a join names). It does not know whether a room
 * exists or who may enter it (signaling does).
 *
 * Threading: pure functions, any thread.
 */
#include "room_name.h"

gboolean nara_url_word_valid(const char *word, gsize max_chars)
{
  gsize n = 0;

  for (; word[n]; n++)
    if (!g_ascii_isalnum(word[n]) && word[n] != '-' && word[n] != '_')
      return FALSE;
  return n >= 1 && n <= max_chars;
}

gboolean nara_room_name_is_valid(const char *name)
{
  return nara_url_word_valid(name, NARA_ROOM_NAME_MAX_CHARS);
}
