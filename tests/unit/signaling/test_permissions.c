/* test_permissions.c — the role × permission table against docs/consultations.md.
 *
 * Spells out every cell of the documented table, so a change to the code's
 * table without the docs (or the reverse) fails here; checks that "per
 * consultation" follows the auto-admit set and that the host is always
 * admitted. Does not run a server.
 */
#include "permissions.h"

/* The docs' table, row by row; columns host, staff, interpreter, patient, relative. */
#define Y NARA_GRANT_YES
#define N NARA_GRANT_NO
#define C NARA_GRANT_PER_CONSULTATION
#define H NARA_GRANT_BY_HOST
static const NaraGrant documented[NARA_PERMISSION_COUNT][NARA_ROLE_COUNT] = {
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

static void test_every_cell(void)
{
  for (guint perm = 0; perm < NARA_PERMISSION_COUNT; perm++)
    for (guint role = 0; role < NARA_ROLE_COUNT; role++) {
      g_test_message("%s / %s", nara_permission_name(perm), nara_role_to_string(role));
      g_assert_cmpint(nara_permission_grant(role, perm), ==, documented[perm][role]);
    }
}

static void test_host_controls_host_only(void)
{
  const NaraPermission host_only[]
      = { NARA_PERMISSION_ADMIT,       NARA_PERMISSION_MUTE_OTHERS, NARA_PERMISSION_REMOVE,
          NARA_PERMISSION_LOCK,        NARA_PERMISSION_END,         NARA_PERMISSION_ALLOW_SHARE,
          NARA_PERMISSION_LOWER_HANDS, NARA_PERMISSION_SET_SIGNING };
  /* Not even a consultation that admits every role at once grants them. */
  guint all = (1u << NARA_ROLE_COUNT) - 1;

  for (guint i = 0; i < G_N_ELEMENTS(host_only); i++)
    for (guint role = 0; role < NARA_ROLE_COUNT; role++)
      g_assert_cmpint(nara_permission_allowed(role, host_only[i], all), ==, role == NARA_ROLE_HOST);
}

static void test_auto_admit(void)
{
  guint staff = 1u << NARA_ROLE_STAFF;

  /* The default set is just the host; the host gets in even with none. */
  g_assert_true(nara_permission_allowed(NARA_ROLE_HOST, NARA_PERMISSION_JOIN_WITHOUT_WAITING, 0));
  g_assert_false(
      nara_permission_allowed(NARA_ROLE_PATIENT, NARA_PERMISSION_JOIN_WITHOUT_WAITING, 0));
  g_assert_true(
      nara_permission_allowed(NARA_ROLE_STAFF, NARA_PERMISSION_JOIN_WITHOUT_WAITING, staff));
  g_assert_false(
      nara_permission_allowed(NARA_ROLE_RELATIVE, NARA_PERMISSION_JOIN_WITHOUT_WAITING, staff));
  /* The auto-admit set touches nothing but joining. */
  g_assert_false(nara_permission_allowed(NARA_ROLE_PATIENT, NARA_PERMISSION_SEE_WAITING_LIST,
                                         1u << NARA_ROLE_PATIENT));
  g_assert_true(nara_permission_allowed(NARA_ROLE_STAFF, NARA_PERMISSION_SEE_WAITING_LIST, 0));
  /* A host's per-participant grant is not a role's: allowed() says no. */
  g_assert_false(nara_permission_allowed(NARA_ROLE_PATIENT, NARA_PERMISSION_SHARE_SCREEN,
                                         1u << NARA_ROLE_PATIENT));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/permissions/every-cell", test_every_cell);
  g_test_add_func("/permissions/host-controls-host-only", test_host_controls_host_only);
  g_test_add_func("/permissions/auto-admit", test_auto_admit);
  return g_test_run();
}
