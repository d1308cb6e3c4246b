/* test_rfc3339.c — strict RFC 3339 parsing (what ISO 8601 parsers also
 * take is refused) and UTC formatting in seconds and milliseconds.
 */
#include "rfc3339.h"

static void test_rfc3339(void)
{
  static const struct {
    const char *text;
    gint64 unix_s;
  } good[] = {
    { "1970-01-01T00:00:00Z", 0 },
    { "2026-11-23T19:30:00Z", 1795462200 },
    { "2026-11-23T20:30:00+01:00", 1795462200 },
    { "2026-11-23T17:00:00-02:30", 1795462200 },
    { "2026-11-23t19:30:00.123456z", 1795462200 },
    { "2024-02-29T00:00:00Z", 1709164800 },
  };
  static const char *const bad[] = {
    "",
    "2026-11-23",
    "2026-11-23T19:30:00",  /* no offset: local time is a guess */
    "2026-11-23 19:30:00Z", /* space */
    "2026-11-23T19:30Z",    /* no seconds */
    "2026-02-30T10:00:00Z", /* no such day */
    "2025-02-29T10:00:00Z",
    "2026-11-23T24:00:00Z",
    "2026-12-31T23:59:60Z",       /* leap second */
    "2026-11-23T19:30:00.Z",      /* empty fraction */
    "2026-11-23T19:30:00+0100",   /* offset without colon */
    "2026-11-23T19:30:00+01:00x", /* trailing text */
    "2026-W47-1T19:30:00Z",
    "+2026-11-23T19:30:00Z",
    "2026-13-01T00:00:00Z",
  };
  gint64 t;
  g_autofree char *s = NULL;

  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    g_assert_true(nara_rfc3339_parse(good[i].text, &t));
    g_assert_cmpint(t, ==, good[i].unix_s);
  }
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
    g_assert_false(nara_rfc3339_parse(bad[i], &t));
  g_assert_false(nara_rfc3339_parse(NULL, &t));
  s = nara_rfc3339_format(1795462200);
  g_assert_cmpstr(s, ==, "2026-11-23T19:30:00Z");
}

static void test_format_ms(void)
{
  static const struct {
    gint64 time_us;
    const char *text;
  } cases[] = {
    { 0, "1970-01-01T00:00:00.000Z" },
    { 1795462200123456, "2026-11-23T19:30:00.123Z" },
    { 1795462200999999, "2026-11-23T19:30:00.999Z" },
    { -1, "1969-12-31T23:59:59.999Z" }, /* rounded down, also before the epoch */
    { -1000000, "1969-12-31T23:59:59.000Z" },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *s = nara_rfc3339_format_ms(cases[i].time_us);
    g_assert_cmpstr(s, ==, cases[i].text);
  }
  /* year 10000 and year 0 have no RFC 3339 form */
  g_assert_null(nara_rfc3339_format_ms(253402300800 * G_USEC_PER_SEC));
  g_assert_null(nara_rfc3339_format_ms(-62135596801 * G_USEC_PER_SEC));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/rfc3339", test_rfc3339);
  g_test_add_func("/common/rfc3339-ms", test_format_ms);
  return g_test_run();
}
