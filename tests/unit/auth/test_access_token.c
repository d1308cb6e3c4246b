/* test_access_token.c — the identity provider's access tokens for the REST
 * API: accepted from a JWKS key with the API audience, a subject, an allowed
 * client and a Nara scope; refused when signed with the server secret (which
 * mints join links only), when made for the join audience (alone or as well),
 * without a subject, from another client, or without a Nara scope. Also the
 * scope names of API keys.
 */
#include "token_test_util.h"

#define API_AUDIENCE "nara-api"

static json_t *access_claims(void)
{
  json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "iss", IDP, "aud", API_AUDIENCE, "sub",
                        "booking-system", "exp", (json_int_t)(NOW + 300), "azp", "booking", "scope",
                        "openid consultations:write consultations:read");
  g_assert_nonnull(c);
  return c;
}

static const char *const clients[] = { "booking", "records", NULL };

static const NaraAccessPolicy policy = {
  .audience = API_AUDIENCE,
  .clients = clients,
  .scope_claim = "scope",
};

static guint last_scopes;

static void expect_with(NaraTokenVerifier *v, const NaraAccessPolicy *p, char *token,
                        NaraTokenError code, const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sub = NULL;
  gboolean ok = nara_token_verify_access(v, token, p, NOW, &sub, &last_scopes, &error);
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

static void expect_access(NaraTokenVerifier *v, char *token, NaraTokenError code,
                          const char *subject)
{
  expect_with(v, &policy, token, code, subject);
}

static void test_access_valid(void)
{
  NaraTokenVerifier *v = verifier();
  expect_access(v, rs_token(access_claims(), "rsa-1"), 0, "booking-system");
  expect_access(v, es_token(access_claims(), "ec-1"), 0, "booking-system");
  g_assert_cmpuint(last_scopes, ==, NARA_SCOPE_CONSULTATIONS_READ | NARA_SCOPE_CONSULTATIONS_WRITE);
  nara_token_verifier_free(v);
}

/* A token's scopes come from the configured claim, a string or an array,
 * and client_id counts when azp is absent (RFC 9068). */
static void test_access_scopes(void)
{
  NaraTokenVerifier *v = verifier();
  NaraAccessPolicy roles = policy;
  json_t *c;

  roles.scope_claim = "roles";
  c = access_claims();
  json_object_del(c, "scope");
  json_object_del(c, "azp");
  json_object_set_new(c, "client_id", json_string("records"));
  json_object_set_new(c, "roles", json_pack("[s, s]", "audit:read", "Admin"));
  expect_with(v, &roles, rs_token(c, "rsa-1"), 0, "booking-system");
  g_assert_cmpuint(last_scopes, ==, NARA_SCOPE_AUDIT_READ);
  /* "all" is for the command line only; an IdP grants scopes by name. */
  c = access_claims();
  json_object_set_new(c, "scope", json_string("all"));
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_SCOPE, NULL);
  nara_token_verifier_free(v);
}

static void test_scope_names(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint set = 0;

  g_assert_true(nara_scopes_parse("consultations:read, audit:read", FALSE, &set, &error));
  g_assert_cmpuint(set, ==, NARA_SCOPE_CONSULTATIONS_READ | NARA_SCOPE_AUDIT_READ);
  text = nara_scopes_to_string(set);
  g_assert_cmpstr(text, ==, "consultations:read audit:read");
  g_assert_true(nara_scopes_parse("all", FALSE, &set, NULL));
  g_assert_cmpuint(set, ==, NARA_SCOPE_ALL);
  g_assert_false(nara_scopes_parse("consultations:read admin", FALSE, &set, &error));
  g_assert_error(error, NARA_TOKEN_ERROR, NARA_TOKEN_ERROR_SCOPE);
  g_assert_true(nara_scopes_parse("admin consultations:erase", TRUE, &set, NULL));
  g_assert_cmpuint(set, ==, NARA_SCOPE_CONSULTATIONS_ERASE);
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
  /* Both audiences: a join link must never open the API as well. */
  c = access_claims();
  json_object_set_new(c, "aud", json_pack("[s, s]", "nara-join", API_AUDIENCE));
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_AUDIENCE, NULL);
  /* Any client of the IdP can get a token for the API audience. */
  c = access_claims();
  json_object_set_new(c, "azp", json_string("webshop"));
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_CLIENT, NULL);
  c = access_claims();
  json_object_del(c, "azp");
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_CLIENT, NULL);
  /* No allow-list configured: no IdP token at all. */
  expect_with(v, &(NaraAccessPolicy){ .audience = API_AUDIENCE },
              rs_token(access_claims(), "rsa-1"), NARA_TOKEN_ERROR_CLIENT, NULL);
  /* Signed, for the API, from an allowed client, but no Nara scope. */
  c = access_claims();
  json_object_set_new(c, "scope", json_string("openid profile"));
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_SCOPE, NULL);
  c = access_claims();
  json_object_del(c, "scope");
  expect_access(v, rs_token(c, "rsa-1"), NARA_TOKEN_ERROR_SCOPE, NULL);
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
  g_test_add_func("/access-token/scopes", test_access_scopes);
  g_test_add_func("/access-token/scope-names", test_scope_names);
  ret = g_test_run();
  token_test_keys_free();
  return ret;
}
