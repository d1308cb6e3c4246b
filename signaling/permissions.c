/* permissions.c — the role × permission table of docs/consultations.md.
 *
 * Change a cell here and in the docs' table together; the unit test
 * (tests/unit/signaling/test_permissions.c) spells out every cell so that a
 * change cannot slip in unnoticed. No other file decides permissions.
 *
 * Threading: pure functions (const data), any thread.
 */
#include "permissions.h"

#define N NARA_GRANT_NO
#define Y NARA_GRANT_YES
#define C NARA_GRANT_PER_CONSULTATION
#define H NARA_GRANT_BY_HOST

/* Columns in NaraRole order: host, staff, interpreter, patient, relative. */
static const guint8 table[NARA_PERMISSION_COUNT][NARA_ROLE_COUNT] = {
  [NARA_PERMISSION_JOIN_WITHOUT_WAITING] = { Y, C, C, C, C },
  [NARA_PERMISSION_PUBLISH] = { Y, Y, Y, Y, Y },
  [NARA_PERMISSION_SHARE_SCREEN] = { Y, Y, H, H, H },
  [NARA_PERMISSION_CHAT] = { Y, Y, Y, Y, Y },
  [NARA_PERMISSION_SEE_WAITING_LIST] = { Y, Y, N, N, N },
  [NARA_PERMISSION_ADMIT] = { Y, N, N, N, N },
  [NARA_PERMISSION_MUTE_OTHERS] = { Y, N, N, N, N },
  [NARA_PERMISSION_REMOVE] = { Y, N, N, N, N },
  [NARA_PERMISSION_LOCK] = { Y, N, N, N, N },
  [NARA_PERMISSION_END] = { Y, N, N, N, N },
  [NARA_PERMISSION_ALLOW_SHARE] = { Y, N, N, N, N },
  [NARA_PERMISSION_LOWER_HANDS] = { Y, N, N, N, N },
  [NARA_PERMISSION_SET_SIGNING] = { Y, N, N, N, N },
};

static const char *const names[NARA_PERMISSION_COUNT] = {
  [NARA_PERMISSION_JOIN_WITHOUT_WAITING] = "join without waiting",
  [NARA_PERMISSION_PUBLISH] = "publish audio and video",
  [NARA_PERMISSION_SHARE_SCREEN] = "share a screen",
  [NARA_PERMISSION_CHAT] = "chat",
  [NARA_PERMISSION_SEE_WAITING_LIST] = "see the waiting list",
  [NARA_PERMISSION_ADMIT] = "admit, decline, admit all",
  [NARA_PERMISSION_MUTE_OTHERS] = "mute others, stop their camera",
  [NARA_PERMISSION_REMOVE] = "remove a participant, re-admit a removed one",
  [NARA_PERMISSION_LOCK] = "lock / unlock",
  [NARA_PERMISSION_END] = "end for everyone",
  [NARA_PERMISSION_ALLOW_SHARE] = "let a participant share a screen",
  [NARA_PERMISSION_LOWER_HANDS] = "lower someone else's raised hand",
  [NARA_PERMISSION_SET_SIGNING] = "mark a participant as signing",
};

NaraGrant nara_permission_grant(NaraRole role, NaraPermission permission)
{
  g_return_val_if_fail((guint)role < NARA_ROLE_COUNT, NARA_GRANT_NO);
  g_return_val_if_fail((guint)permission < NARA_PERMISSION_COUNT, NARA_GRANT_NO);
  return (NaraGrant)table[permission][role];
}

gboolean nara_permission_allowed(NaraRole role, NaraPermission permission, guint auto_admit)
{
  switch (nara_permission_grant(role, permission)) {
  case NARA_GRANT_YES:
    return TRUE;
  case NARA_GRANT_PER_CONSULTATION:
    return (auto_admit & (1u << role)) != 0;
  case NARA_GRANT_BY_HOST: /* the caller knows the participant: screenshare.c */
  case NARA_GRANT_NO:
    break;
  }
  return FALSE;
}

const char *nara_permission_name(NaraPermission permission)
{
  g_return_val_if_fail((guint)permission < NARA_PERMISSION_COUNT, "?");
  return names[permission];
}
