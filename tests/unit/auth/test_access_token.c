/* test_access_token.c — the identity provider's access tokens for the REST
 * API: accepted from a JWKS key with the API audience and a subject;
 * refused when signed with the server secret (which mints join links only),
 * when made for the join audience, or without a subject.
 */
#include "token_test_util.h"

#define API_AUDIENCE "nara-api"

static json_t *access_claims(void)
{
  json_t *c = json_pack("{s:s, s:s, s:s, s:I}", "iss", IDP, "aud", API_AUDIENCE, "sub",
                        "booking-system", "exp", (json_int_t)(NOW + 300));
  g_assert_nonnull(c);
  return c;
}

static void expect_access(NaraTokenVerifier *v, char *token, NaraTokenError code,
                          const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sub = NULL;
  gboolean ok = nara_token_verify_access(v, token, API_AUDIENCE, NOW, &sub, &error);
  if (subject) {
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpstr(sub, ==, subject);
  } else {
    g_assert_false(ok);
    g_assert_null(sub);
    g_assert_error(error, NARA_TOKEN_ERROR, (gint)code);
  }
  g_free(token);
}

static void test_access_valid(void)
{
  NaraTokenVerifier *v = verifier();
  expect_access(v, rs_token(access_claims(), "rsa-1"), 0, "booking-system");
  expect_access(v, es_token(access_claims(), "ec-1"), 0, "booking-system");
  nara_token_verifier_free(v);
}

static void test_access_refused(void)
{
  NaraTokenVerifier *v = verifier();
  json_t *c;

  /* The server secret signs join links; it must not open the API. */
  c = access_claims();
  json_object_set_new(c, "iss", json_string(ISSUER));
  expect_access(v, hs_token(c), NARA_TOKEN_ERROR_ALGORITHM, NULL);
  /* A join token from the IdP is for another audience. */
  expect_access(v, rs_token(idp_claims(), "rsa-1"), NARA_TOKEN_ERROR_AUDIENCE, NULL);
  c = access_claims();
  json_object_del(c, "sub");
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_CLAIMS, NULL);
  c = access_claims();
  json_object_set_new(c, "exp", json_integer(NOW - 3600));
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_EXPIRED, NULL);
  c = access_claims();
  json_object_set_new(c, "iss", json_string("https://elsewhere.example"));
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_ISSUER, NULL);
  nara_token_verifier_free(v);
}

static void test_join_still_needs_join_claims(void)
{
  NaraTokenVerifier *v = verifier();
  json_t *c = claims();
  json_object_del(c, "cid");
  fail_and_free(v, hs_token(c), NARA_TOKEN_ERROR_CLAIMS);
  nara_token_verifier_free(v);
}

int main(int argc, char **argv)
{
  int ret;
  g_test_init(&argc, &argv, NULL);
  token_test_keys_init();
  g_test_add_func("/access-token/valid", test_access_valid);
  g_test_add_func("/access-token/refused", test_access_refused);
  g_test_add_func("/access-token/join-claims", test_join_still_needs_join_claims);
  ret = g_test_run();
  token_test_keys_free();
  return ret;
}
