/* permissions.h — who may do what in a consultation: one table, role × permission.
 *
 * The table is docs/consultations.md's "Roles and permissions", cell for
 * cell; every check in signaling goes through nara_permission_allowed(), so
 * the table here and in the docs is the whole policy. It knows nothing of
 * sessions or rooms. Participants of open rooms have no role and are
 * allowed only what open rooms always allowed (publish, chat).
 *
 * Threading: pure functions, any thread; called on the control thread.
 */
#pragma once

#include <glib.h>

#include "store.h"

G_BEGIN_DECLS

typedef enum {
  NARA_PERMISSION_JOIN_WITHOUT_WAITING,
  NARA_PERMISSION_PUBLISH,
  NARA_PERMISSION_SHARE_SCREEN, /* publish with "screen" (screenshare.c) */
  NARA_PERMISSION_CHAT,
  NARA_PERMISSION_SEE_WAITING_LIST,
  NARA_PERMISSION_ADMIT, /* admit, decline, admit-all */
  NARA_PERMISSION_MUTE_OTHERS,
  NARA_PERMISSION_REMOVE, /* remove, readmit */
  NARA_PERMISSION_LOCK,
  NARA_PERMISSION_END,
  NARA_PERMISSION_ALLOW_SHARE, /* allow-share */
  NARA_PERMISSION_LOWER_HANDS, /* raise-hand false for someone else */
  NARA_PERMISSION_SET_SIGNING, /* set-signing */
  NARA_PERMISSION_COUNT
} NaraPermission;

/* A table cell: "per consultation" cells are decided by its auto-admit set. */
typedef enum {
  NARA_GRANT_NO,
  NARA_GRANT_YES,
  NARA_GRANT_PER_CONSULTATION,
  NARA_GRANT_BY_HOST, /* per participant, while a host allows it (allow-share) */
} NaraGrant;

/* (transfer none) The cell as written in the table. role < NARA_ROLE_COUNT,
 * permission < NARA_PERMISSION_COUNT (programmer errors otherwise). */
NaraGrant nara_permission_grant(NaraRole role, NaraPermission permission);

/* Whether role may do it in a consultation whose auto-admit set is
 * auto_admit (bit 1 << NaraRole per role). "By host" cells: FALSE here;
 * the participant's own grant decides (screenshare.c). */
gboolean nara_permission_allowed(NaraRole role, NaraPermission permission, guint auto_admit);

/* (transfer none) "admit", ... for logs and test messages. */
const char *nara_permission_name(NaraPermission permission);

G_END_DECLS
