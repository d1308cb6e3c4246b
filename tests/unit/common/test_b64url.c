/* test_b64url.c — strict base64url: the RFC 4648 alphabet without
 * padding, refusals of every non-canonical spelling, round trips against
 * GLib's base64, and the allocation-free encoder.
 */
#include <string.h>

#include "b64url.h"

/* GLib's base64 with the URL alphabet and no padding: an independent encoder. */
static char *b64url(const guint8 *data, gsize len)
{
  g_autofree char *b = g_base64_encode(data, len);
  GString *s = g_string_new(NULL);

  for (char *p = b; *p && *p != '='; p++)
    g_string_append_c(s, *p == '+' ? '-' : *p == '/' ? '_' : *p);
  return g_string_free(s, FALSE);
}

static void test_b64url(void)
{
  static const struct {
    const char *in;
    const char *out; /* NULL: refused */
    gsize len;
  } cases[] = {
    { "", "", 0 },        { "QQ", "A", 1 },         { "QUI", "AB", 2 },
    { "QUJD", "ABC", 3 }, { "_-8", "\xff\xef", 2 }, { "QR", NULL, 0 },
    { "QUJ", NULL, 0 },   { "Q", NULL, 0 },         { "QQ==", NULL, 0 },
    { "Q+", NULL, 0 },    { "Q/", NULL, 0 },        { "QU JD", NULL, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    gsize n = 99;
    g_autofree guint8 *out = nara_b64url_decode(cases[i].in, strlen(cases[i].in), &n);

    if (cases[i].out == NULL) {
      g_assert_null(out);
    } else {
      g_autofree char *back = NULL;
      g_assert_nonnull(out);
      g_assert_cmpmem(out, n, cases[i].out, cases[i].len);
      back = nara_b64url_encode(out, n);
      g_assert_cmpstr(back, ==, cases[i].in);
    }
  }
  /* round trip of every length up to 64 against GLib's base64 */
  for (gsize len = 0; len <= 64; len++) {
    guint8 data[64];
    g_autofree char *ours = NULL, *theirs = NULL;
    g_autofree guint8 *back = NULL;
    gsize n = 0;

    for (gsize i = 0; i < len; i++)
      data[i] = (guint8)(i * 37 + len);
    ours = nara_b64url_encode(data, len);
    theirs = b64url(data, len);
    g_assert_cmpstr(ours, ==, theirs);
    back = nara_b64url_decode(ours, strlen(ours), &n);
    g_assert_cmpmem(back, n, data, len);
  }
}
static void test_encode_to(void)
{
  guint8 data[13] = { 0 };
  char out[NARA_B64URL_LEN(sizeof data) + 2];

  for (gsize len = 0; len <= sizeof data; len++) {
    g_autofree char *ref = NULL;
    char *end;

    for (gsize i = 0; i < len; i++)
      data[i] = (guint8)(0xf0 + i);
    memset(out, 'x', sizeof out);
    end = nara_b64url_encode_to(data, len, out);
    ref = b64url(data, len);
    g_assert_cmpstr(out, ==, ref);
    g_assert_cmpuint((gsize)(end - out), ==, NARA_B64URL_LEN(len));
    g_assert_cmpint(out[NARA_B64URL_LEN(len) + 1], ==, 'x'); /* nothing past the NUL */
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/b64url", test_b64url);
  g_test_add_func("/common/b64url-encode-to", test_encode_to);
  return g_test_run();
}
