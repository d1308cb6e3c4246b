/* test_token.c — join token verification against every attack listed in
 * docs/consultations.md "Tokens", plus valid HS256, RS256 and ES256 tokens.
 *
 * Tokens are built and signed by token_test_util.c, independently of the
 * code under test. JWKS loading, base64url and API keys: test_jwks.c.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "token_test_util.h"

static void test_hs256_valid(void)
{
  NaraTokenVerifier *v = verifier();
  g_autofree char *t = hs_token(claims());
  g_autoptr(GError) error = NULL;
  NaraTokenClaims c = { 0 };

  g_assert_true(nara_token_verify(v, t, NOW, &c, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(c.consultation, ==, "c-7HqXk2");
  g_assert_cmpstr(c.participant, ==, "p-pat1");
  g_assert_cmpstr(c.role, ==, "patient");
  g_assert_cmpstr(c.name, ==, "Åsa Öberg");
  g_assert_cmpstr(c.assurance, ==, "bankid-se");
  g_assert_cmpstr(c.jti, ==, "j-1");
  g_assert_cmpint(c.exp, ==, NOW + 600);
  g_assert_cmpint(c.nbf, ==, NOW - 10);
  g_assert_cmpint(c.iat, ==, NOW - 10);
  nara_token_claims_clear(&c);
  g_assert_null(c.name);
  /* aud as an array that contains ours; no acr, nbf, iat, jti */
  {
    json_t *p = claims();
    json_object_set_new(p, "aud", json_pack("[s, s]", "other", AUDIENCE));
    json_object_del(p, "acr");
    json_object_del(p, "nbf");
    json_object_del(p, "iat");
    json_object_del(p, "jti");
    g_autofree char *t2 = hs_token(p);
    expect_ok(v, t2);
  }
  nara_token_verifier_free(v);
}

static void test_hs256_sign_round_trip(void)
{
  NaraTokenVerifier *v = verifier();
  NaraTokenClaims in = {
    .consultation = "c-7HqXk2",
    .participant = "p-pat1",
    .role = "patient",
    .name = "Åsa \"Ö\" Berg",
    .exp = NOW + 3600,
  };
  NaraTokenClaims out = { 0 }, out2 = { 0 };
  g_autofree char *t = nara_token_sign_hs256(v, &in);
  g_autofree char *t2 = nara_token_sign_hs256(v, &in);
  g_autoptr(GError) error = NULL;

  g_assert_true(nara_token_verify(v, t, NOW, &out, &error));
  g_assert_no_error(error);
  /* Identifiers only: a link that travels by SMS names nobody. */
  g_assert_null(out.name);
  g_assert_null(out.assurance);
  {
    g_autofree char *payload = g_strndup(strchr(t, '.') + 1, strrchr(t, '.') - strchr(t, '.') - 1);
    gsize n = 0;
    g_autofree guint8 *raw = nara_b64url_decode(payload, strlen(payload), &n);
    g_autofree char *text = g_strndup((const char *)raw, n);
    g_assert_null(strstr(text, "Berg"));
    g_assert_null(strstr(text, "\"name\""));
    g_assert_nonnull(strstr(text, "\"cid\":\"c-7HqXk2\""));
  }
  g_assert_nonnull(out.jti); /* generated */
  g_assert_true(nara_token_verify(v, t2, NOW, &out2, &error));
  g_assert_cmpstr(out.jti, !=, out2.jti);
  nara_token_claims_clear(&out);
  nara_token_claims_clear(&out2);
  /* RFC 7515 §7.1: three base64url parts, nothing else */
  for (const char *p = t; *p; p++)
    g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_' || *p == '.');
  nara_token_verifier_free(v);
}

static void test_alg_none(void)
{
  NaraTokenVerifier *v = verifier();
  static const char *const algs[] = { "none", "None", "NONE", "nOnE", "" };

  for (guint i = 0; i < G_N_ELEMENTS(algs); i++) {
    g_autofree char *h = NULL, *p = NULL, *two = NULL;
    json_t *header = json_pack("{s:s, s:s}", "alg", algs[i], "typ", "JWT");

    h = b64url_json(header);
    json_decref(header);
    {
      json_t *payload = claims();
      p = b64url_json(payload);
      json_decref(payload);
    }
    /* with an empty signature part, as RFC 7519 §6.1 writes it */
    fail_and_free(v, sign_parts(h, p, SIGN_NONE, NULL, NULL, 0), NARA_TOKEN_ERROR_ALGORITHM);
    /* with a valid HMAC as signature */
    fail_and_free(v, sign_parts(h, p, SIGN_HS, NULL, secret, sizeof secret),
                  NARA_TOKEN_ERROR_ALGORITHM);
    /* without the signature part at all */
    two = g_strconcat(h, ".", p, NULL);
    expect_fail(v, two, NARA_TOKEN_ERROR_MALFORMED);
  }
  /* alg missing, or not a string */
  fail_and_free(v, make(json_pack("{s:s}", "typ", "JWT"), claims(), SIGN_HS, NULL),
                NARA_TOKEN_ERROR_MALFORMED);
  fail_and_free(v, make(json_pack("{s:i}", "alg", 256), claims(), SIGN_HS, NULL),
                NARA_TOKEN_ERROR_MALFORMED);
  nara_token_verifier_free(v);
}

static void test_alg_unknown(void)
{
  NaraTokenVerifier *v = verifier();
  static const char *const algs[]
      = { "HS384", "HS512", "RS512", "PS256", "ES384", "EdDSA", "hs256", "HS256 " };

  for (guint i = 0; i < G_N_ELEMENTS(algs); i++)
    fail_and_free(v, make(json_pack("{s:s}", "alg", algs[i]), claims(), SIGN_HS, NULL),
                  NARA_TOKEN_ERROR_ALGORITHM);
  nara_token_verifier_free(v);
}

/* The classic confusion: an HS256 token whose HMAC key is the server's
 * public key, which the attacker knows. */
static void test_hs256_with_public_key(void)
{
  NaraTokenVerifier *v = verifier();
  NaraTokenVerifier *v_idp_only = verifier_with(jwks, FALSE);
  BIO *bio = BIO_new(BIO_s_mem());
  g_autofree guint8 *der = NULL;
  char *pem_data;
  long pem_len;
  int der_len;
  g_autofree char *n = bn_b64url(rsa_key, OSSL_PKEY_PARAM_RSA_N, 0);
  struct {
    const guint8 *key;
    gsize len;
  } keys[4];

  g_assert_cmpint(PEM_write_bio_PUBKEY(bio, rsa_key), ==, 1);
  pem_len = BIO_get_mem_data(bio, &pem_data);
  der_len = i2d_PUBKEY(rsa_key, NULL);
  der = g_malloc((gsize)der_len);
  {
    guint8 *p = der;
    i2d_PUBKEY(rsa_key, &p);
  }
  keys[0].key = (const guint8 *)pem_data;
  keys[0].len = (gsize)pem_len;
  keys[1].key = der;
  keys[1].len = (gsize)der_len;
  keys[2].key = (const guint8 *)jwks;
  keys[2].len = strlen(jwks);
  keys[3].key = (const guint8 *)n;
  keys[3].len = strlen(n);
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    json_t *header = json_pack("{s:s, s:s}", "alg", "HS256", "kid", "rsa-1");
    g_autofree char *h = b64url_json(header);
    json_t *payload = idp_claims();
    g_autofree char *p = b64url_json(payload);

    json_decref(header);
    json_decref(payload);
    /* checked with the server secret: the signature is wrong */
    fail_and_free(v, sign_parts(h, p, SIGN_HS, NULL, keys[i].key, keys[i].len),
                  NARA_TOKEN_ERROR_SIGNATURE);
    /* no secret configured: HS256 is not accepted at all */
    fail_and_free(v_idp_only, sign_parts(h, p, SIGN_HS, NULL, keys[i].key, keys[i].len),
                  NARA_TOKEN_ERROR_ALGORITHM);
  }
  BIO_free(bio);
  nara_token_verifier_free(v);
  nara_token_verifier_free(v_idp_only);
}

static void test_wrong_hs_key(void)
{
  NaraTokenVerifier *v = verifier();
  guint8 other[32];
  g_autofree char *h = NULL, *p = NULL;
  json_t *header = json_pack("{s:s}", "alg", "HS256"), *payload = claims();

  memcpy(other, secret, sizeof other);
  other[31] ^= 1;
  h = b64url_json(header);
  p = b64url_json(payload);
  json_decref(header);
  json_decref(payload);
  fail_and_free(v, sign_parts(h, p, SIGN_HS, NULL, other, sizeof other),
                NARA_TOKEN_ERROR_SIGNATURE);
  /* a prefix of the right key is a different key too */
  fail_and_free(v, sign_parts(h, p, SIGN_HS, NULL, secret, 31), NARA_TOKEN_ERROR_SIGNATURE);
  nara_token_verifier_free(v);
}

/* Flips every bit of every signature byte of t; each must fail. */
static void flip_each_signature_bit(NaraTokenVerifier *v, const char *t)
{
  const char *dot = strrchr(t, '.');
  g_autofree char *input = g_strndup(t, (gsize)(dot - t));
  gsize len = 0;
  g_autofree guint8 *sig = unb64url(dot + 1, &len);

  g_assert_cmpuint(len, >, 0);
  expect_ok(v, t);
  for (gsize i = 0; i < len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      g_autofree char *s = NULL, *bad = NULL;

      sig[i] ^= (guint8)(1u << bit);
      s = b64url(sig, len);
      bad = g_strconcat(input, ".", s, NULL);
      expect_fail(v, bad, NARA_TOKEN_ERROR_SIGNATURE);
      sig[i] ^= (guint8)(1u << bit);
    }
  }
  /* and a signature one byte short or long */
  {
    g_autofree char *s = b64url(sig, len - 1);
    g_autofree char *bad = g_strconcat(input, ".", s, NULL);
    expect_fail(v, bad, NARA_TOKEN_ERROR_SIGNATURE);
  }
  {
    g_autofree guint8 *longer = g_malloc0(len + 1);
    g_autofree char *s = NULL, *bad = NULL;
    memcpy(longer, sig, len);
    s = b64url(longer, len + 1);
    bad = g_strconcat(input, ".", s, NULL);
    expect_fail(v, bad, NARA_TOKEN_ERROR_SIGNATURE);
  }
}

static void test_flipped_signature_bits(void)
{
  NaraTokenVerifier *v = verifier();
  g_autofree char *hs = hs_token(claims());
  g_autofree char *rs = rs_token(idp_claims(), "rsa-1");
  g_autofree char *es = es_token(idp_claims(), "ec-1");

  flip_each_signature_bit(v, hs);
  flip_each_signature_bit(v, rs);
  flip_each_signature_bit(v, es);
  nara_token_verifier_free(v);
}

/* A changed header or payload byte breaks the signature too. */
static void test_changed_payload(void)
{
  NaraTokenVerifier *v = verifier();
  g_autofree char *t = hs_token(claims());
  g_autofree char *h = NULL, *p = NULL, *forged = NULL;
  json_t *header = json_pack("{s:s, s:s}", "alg", "HS256", "typ", "JWT");
  json_t *payload = claims();
  const char *sig = strrchr(t, '.');

  json_object_set_new(payload, "role", json_string("host"));
  h = b64url_json(header);
  p = b64url_json(payload);
  json_decref(header);
  json_decref(payload);
  forged = g_strconcat(h, ".", p, sig, NULL);
  expect_fail(v, forged, NARA_TOKEN_ERROR_SIGNATURE);
  nara_token_verifier_free(v);
}

static void test_time_window(void)
{
  NaraTokenVerifier *v = verifier();
  json_t *p;

  /* expired 61 s ago: beyond the 60 s of skew */
  p = claims();
  json_object_set_new(p, "exp", json_integer(NOW - 61));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_EXPIRED);
  p = claims();
  json_object_set_new(p, "exp", json_integer(NOW - NARA_TOKEN_CLOCK_SKEW_S));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_EXPIRED);
  /* expired 59 s ago: within the skew */
  p = claims();
  json_object_set_new(p, "exp", json_integer(NOW - 59));
  {
    g_autofree char *t = hs_token(p);
    expect_ok(v, t);
  }
  /* not valid for another 61 s */
  p = claims();
  json_object_set_new(p, "nbf", json_integer(NOW + 61));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_NOT_YET_VALID);
  /* valid in 60 s: within the skew */
  p = claims();
  json_object_set_new(p, "nbf", json_integer(NOW + 60));
  {
    g_autofree char *t = hs_token(p);
    expect_ok(v, t);
  }
  /* the same for an IdP token */
  p = idp_claims();
  json_object_set_new(p, "exp", json_integer(NOW - 3600));
  fail_and_free(v, es_token(p, "ec-1"), NARA_TOKEN_ERROR_EXPIRED);
  nara_token_verifier_free(v);
}

static void test_issuer(void)
{
  NaraTokenVerifier *v = verifier();
  json_t *p;

  p = claims();
  json_object_set_new(p, "iss", json_string("evil"));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_ISSUER);
  p = claims();
  json_object_del(p, "iss");
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_ISSUER);
  p = claims();
  json_object_set_new(p, "iss", json_integer(1));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_ISSUER);
  /* own links carry our issuer, IdP tokens theirs; never the other way */
  fail_and_free(v, hs_token(idp_claims()), NARA_TOKEN_ERROR_ISSUER);
  fail_and_free(v, rs_token(claims(), "rsa-1"), NARA_TOKEN_ERROR_ISSUER);
  nara_token_verifier_free(v);
}

static void test_audience(void)
{
  NaraTokenVerifier *v = verifier();
  json_t *p;

  p = claims();
  json_object_set_new(p, "aud", json_string("nara-admin"));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_AUDIENCE);
  p = claims();
  json_object_set_new(p, "aud", json_pack("[s, s]", "a", "b"));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_AUDIENCE);
  p = claims();
  json_object_set_new(p, "aud", json_pack("[i, {}]", 1));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_AUDIENCE);
  p = claims();
  json_object_set_new(p, "aud", json_integer(5));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_AUDIENCE);
  p = claims();
  json_object_del(p, "aud");
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_AUDIENCE);
  nara_token_verifier_free(v);
}

static void test_missing_claims(void)
{
  NaraTokenVerifier *v = verifier();
  static const char *const required[] = { "cid", "sub", "role", "exp" };
  json_t *p;

  for (guint i = 0; i < G_N_ELEMENTS(required); i++) {
    p = claims();
    json_object_del(p, required[i]);
    fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
    p = claims();
    json_object_set_new(p, required[i], json_null());
    fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
  }
  /* wrong types */
  p = claims();
  json_object_set_new(p, "cid", json_integer(7));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
  p = claims();
  json_object_set_new(p, "name", json_string(""));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
  p = claims();
  json_object_set_new(p, "exp", json_string("1795462800"));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
  p = claims();
  json_object_set_new(p, "exp", json_real(1795462800.5));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
  p = claims();
  json_object_set_new(p, "nbf", json_true());
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
  p = claims();
  json_object_set_new(p, "acr", json_integer(2));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
  p = claims();
  json_object_set_new(p, "role", json_pack("[s]", "host"));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_CLAIMS);
  nara_token_verifier_free(v);
}

static void test_oversize(void)
{
  NaraTokenVerifier *v = verifier();
  g_autofree char *big = g_strnfill(NARA_TOKEN_MAX_BYTES + 1, 'A');
  g_autofree char *huge = g_strnfill(1 << 20, 'A');
  json_t *p = claims();
  g_autofree char *name = g_strnfill(NARA_TOKEN_MAX_BYTES, 'x');
  g_autofree char *signed_big = NULL;

  expect_fail(v, big, NARA_TOKEN_ERROR_TOO_LARGE);
  expect_fail(v, huge, NARA_TOKEN_ERROR_TOO_LARGE);
  /* correctly signed, but too large */
  json_object_set_new(p, "name", json_string(name));
  signed_big = hs_token(p);
  expect_fail(v, signed_big, NARA_TOKEN_ERROR_TOO_LARGE);
  /* just under the limit is fine */
  p = claims();
  {
    g_autofree char *t = hs_token(claims());
    gsize room = NARA_TOKEN_MAX_BYTES - strlen(t);
    g_autofree char *fill = g_strnfill(room / 4 * 3 - 16, 'y');
    g_autofree char *t2 = NULL;
    json_object_set_new(p, "name", json_string(fill));
    t2 = hs_token(p);
    g_assert_cmpuint(strlen(t2), <=, NARA_TOKEN_MAX_BYTES);
    g_assert_cmpuint(strlen(t2), >, NARA_TOKEN_MAX_BYTES - 64);
    g_autoptr(GError) error = NULL;
    g_assert_true(nara_token_verify(v, t2, NOW, NULL, &error));
    g_assert_no_error(error);
  }
  nara_token_verifier_free(v);
}

static void test_malformed(void)
{
  NaraTokenVerifier *v = verifier();
  g_autofree char *good = hs_token(claims());
  g_auto(GStrv) parts = g_strsplit(good, ".", 3);
  static const char *const bad_b64[] = {
    "eyJ+bGciOiJIUzI1NiJ9",                             /* '+' */
    "eyJhbGciOiJIUzI1NiJ9=",  "eyJhbGciOiJIUzI1NiJ9==", /* padding */
    "eyJhbGciOiJIUzI1NiJ",                              /* 4n+1 characters */
    "eyJhbGciOiJIUzI1NiJ9 ",  " eyJhbGciOiJIUzI1NiJ9",
    "eyJhbGciOi\nJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9\x80",
  };

  expect_fail(v, NULL, NARA_TOKEN_ERROR_MALFORMED);
  expect_fail(v, "", NARA_TOKEN_ERROR_MALFORMED);
  expect_fail(v, "abc", NARA_TOKEN_ERROR_MALFORMED);
  expect_fail(v, "..", NARA_TOKEN_ERROR_MALFORMED);
  expect_fail(v, "a.b", NARA_TOKEN_ERROR_MALFORMED);
  /* JWE-like: five parts */
  {
    g_autofree char *five = g_strconcat(good, ".a.b", NULL);
    expect_fail(v, five, NARA_TOKEN_ERROR_MALFORMED);
  }
  /* a bad header part */
  for (guint i = 0; i < G_N_ELEMENTS(bad_b64); i++) {
    g_autofree char *t = g_strconcat(bad_b64[i], ".", parts[1], ".", parts[2], NULL);
    expect_fail(v, t, NARA_TOKEN_ERROR_MALFORMED);
  }
  /* a bad signature part */
  {
    g_autofree char *t = g_strconcat(parts[0], ".", parts[1], ".", parts[2], "=", NULL);
    g_autofree char *t2 = g_strconcat(parts[0], ".", parts[1], ".", "*", parts[2], NULL);
    expect_fail(v, t, NARA_TOKEN_ERROR_MALFORMED);
    expect_fail(v, t2, NARA_TOKEN_ERROR_MALFORMED);
  }
  /* a non-canonical last character: "e" ends in bits a strict decoder
   * must see as zero; "f" differs only in them */
  {
    g_autofree char *h = b64url((const guint8 *)"{\"alg\":\"HS256\"} ", 16);
    gsize n = strlen(h);
    g_autofree char *t = NULL;

    g_assert_cmpuint(n % 4, ==, 2);  /* 4 unused bits in the last character */
    h[n - 1] = (char)(h[n - 1] + 1); /* A->B, Q->R, g->h, w->x: only those bits */
    t = g_strconcat(h, ".", parts[1], ".", parts[2], NULL);
    expect_fail(v, t, NARA_TOKEN_ERROR_MALFORMED);
  }
  /* header not JSON, not an object, duplicate alg; payload not JSON */
  {
    json_t *payload = claims();
    g_autofree char *p = b64url_json(payload);

    static const char *const headers[] = {
      "not json",
      "[\"HS256\"]",
      "\"HS256\"",
      "{\"alg\":\"HS256\",\"alg\":\"none\"}",
      "{\"alg\":\"HS256\"",
      "{\"alg\":\"HS256\",\"typ\":\"JOSE+JSON\"}",
      "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}",
      "{\"alg\":\"HS256\",\"kid\":5}",
      "{\"alg\":\"HS256\"}\x00x",
    };
    for (guint i = 0; i < G_N_ELEMENTS(headers); i++) {
      /* the last one carries a NUL and a byte after the object */
      gsize len = strlen(headers[i]) + (i == G_N_ELEMENTS(headers) - 1 ? 2 : 0);
      g_autofree char *h = b64url((const guint8 *)headers[i], len);
      fail_and_free(v, sign_parts(h, p, SIGN_HS, NULL, secret, sizeof secret),
                    NARA_TOKEN_ERROR_MALFORMED);
    }
    json_decref(payload);
  }
  {
    static const char *const payloads[]
        = { "not json", "[1,2]", "null", "{\"sub\":\"a\",\"sub\":\"b\"}" };
    json_t *header = json_pack("{s:s}", "alg", "HS256");
    g_autofree char *h = b64url_json(header);
    json_decref(header);
    for (guint i = 0; i < G_N_ELEMENTS(payloads); i++) {
      g_autofree char *p = b64url((const guint8 *)payloads[i], strlen(payloads[i]));
      fail_and_free(v, sign_parts(h, p, SIGN_HS, NULL, secret, sizeof secret),
                    NARA_TOKEN_ERROR_MALFORMED);
    }
  }
  nara_token_verifier_free(v);
}

static void test_rs256_es256_valid(void)
{
  NaraTokenVerifier *v = verifier();
  g_autofree char *rs = rs_token(idp_claims(), "rsa-1");
  g_autofree char *rs2 = make(json_pack("{s:s, s:s}", "alg", "RS256", "kid", "rsa-2"), idp_claims(),
                              SIGN_RSA, rsa_key2);
  g_autofree char *es = es_token(idp_claims(), "ec-1");
  g_autoptr(GError) error = NULL;
  NaraTokenClaims c = { 0 };

  expect_ok(v, rs);
  expect_ok(v, rs2);
  g_assert_true(nara_token_verify(v, es, NOW, &c, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(c.assurance, ==, "bankid-se");
  g_assert_cmpstr(c.role, ==, "patient");
  nara_token_claims_clear(&c);
  /* signed by key 2 but naming key 1 */
  fail_and_free(v,
                make(json_pack("{s:s, s:s}", "alg", "RS256", "kid", "rsa-1"), idp_claims(),
                     SIGN_RSA, rsa_key2),
                NARA_TOKEN_ERROR_SIGNATURE);
  nara_token_verifier_free(v);
}

static void test_es256_der_signature(void)
{
  NaraTokenVerifier *v = verifier();

  fail_and_free(v,
                make(json_pack("{s:s, s:s}", "alg", "ES256", "kid", "ec-1"), idp_claims(),
                     SIGN_EC_DER, ec_key),
                NARA_TOKEN_ERROR_SIGNATURE);
  nara_token_verifier_free(v);
}

static void test_kid(void)
{
  NaraTokenVerifier *v = verifier();
  g_autofree char *one = jwks_of(ec_jwk(ec_key, "ec-only", NULL), NULL, NULL);
  NaraTokenVerifier *single = verifier_with(one, FALSE);

  /* unknown kid */
  fail_and_free(v, rs_token(idp_claims(), "rsa-9"), NARA_TOKEN_ERROR_UNKNOWN_KEY);
  fail_and_free(v, rs_token(idp_claims(), ""), NARA_TOKEN_ERROR_UNKNOWN_KEY);
  /* no kid with three keys configured */
  fail_and_free(v, make(json_pack("{s:s}", "alg", "RS256"), idp_claims(), SIGN_RSA, rsa_key),
                NARA_TOKEN_ERROR_UNKNOWN_KEY);
  /* no kid with one key: that key */
  {
    g_autofree char *t = make(json_pack("{s:s}", "alg", "ES256"), idp_claims(), SIGN_EC, ec_key);
    expect_ok(single, t);
  }
  /* one key per algorithm: ES256 header naming the RSA key and vice versa */
  fail_and_free(
      v,
      make(json_pack("{s:s, s:s}", "alg", "ES256", "kid", "rsa-1"), idp_claims(), SIGN_EC, ec_key),
      NARA_TOKEN_ERROR_ALGORITHM);
  fail_and_free(
      v,
      make(json_pack("{s:s, s:s}", "alg", "RS256", "kid", "ec-1"), idp_claims(), SIGN_RSA, rsa_key),
      NARA_TOKEN_ERROR_ALGORITHM);
  /* RS256 when only HS256 is configured */
  {
    g_autoptr(GError) error = NULL;
    NaraTokenConfig config = { .issuer = ISSUER,
                               .audience = AUDIENCE,
                               .hs256_secret = secret,
                               .hs256_secret_len = sizeof secret };
    NaraTokenVerifier *hs_only = nara_token_verifier_new(&config, &error);
    g_assert_no_error(error);
    fail_and_free(hs_only, rs_token(idp_claims(), "rsa-1"), NARA_TOKEN_ERROR_ALGORITHM);
    nara_token_verifier_free(hs_only);
  }
  nara_token_verifier_free(single);
  nara_token_verifier_free(v);
}

/* auth.max_token_lifetime_hours: a token still valid for longer than the
 * bound is refused, whoever signed it; within it (and skew) it passes. */
static void test_max_lifetime(void)
{
  g_autoptr(GError) error = NULL;
  NaraTokenConfig config = { .issuer = ISSUER,
                             .audience = AUDIENCE,
                             .hs256_secret = secret,
                             .hs256_secret_len = sizeof secret,
                             .max_lifetime_s = 24 * 3600 };
  NaraTokenVerifier *v = nara_token_verifier_new(&config, &error);
  json_t *p;

  g_assert_no_error(error);
  p = claims();
  json_object_set_new(p, "exp", json_integer(NOW + 24 * 3600));
  {
    g_autofree char *t = hs_token(p);
    expect_ok(v, t);
  }
  p = claims();
  json_object_set_new(p, "exp", json_integer(NOW + 400 * 86400));
  fail_and_free(v, hs_token(p), NARA_TOKEN_ERROR_LIFETIME);
  nara_token_verifier_free(v);
}

/* RFC 8725 §3.10 / research: keys named by the token (jwk, jku, x5u) are
 * never used; the attacker's embedded key verifies nothing. */
static void test_embedded_key_ignored(void)
{
  g_autofree char *one = jwks_of(rsa_jwk(rsa_key, "rsa-1", "RS256"), NULL, NULL);
  NaraTokenVerifier *v = verifier_with(one, TRUE);
  json_t *header = json_pack(
      "{s:s, s:o, s:s, s:s}", "alg", "RS256", "jwk", rsa_jwk(attacker_rsa, "rsa-1", "RS256"), "jku",
      "https://attacker.example/jwks", "x5u", "https://attacker.example/cert");

  fail_and_free(v, make(header, idp_claims(), SIGN_RSA, attacker_rsa), NARA_TOKEN_ERROR_SIGNATURE);
  nara_token_verifier_free(v);
}

int main(int argc, char **argv)
{
  int rc;

  g_test_init(&argc, &argv, NULL);
  token_test_keys_init();
  g_test_add_func("/token/hs256/valid", test_hs256_valid);
  g_test_add_func("/token/hs256/sign-round-trip", test_hs256_sign_round_trip);
  g_test_add_func("/token/attack/alg-none", test_alg_none);
  g_test_add_func("/token/attack/alg-unknown", test_alg_unknown);
  g_test_add_func("/token/attack/hs256-with-public-key", test_hs256_with_public_key);
  g_test_add_func("/token/attack/wrong-hs-key", test_wrong_hs_key);
  g_test_add_func("/token/attack/flipped-signature-bits", test_flipped_signature_bits);
  g_test_add_func("/token/attack/changed-payload", test_changed_payload);
  g_test_add_func("/token/attack/time-window", test_time_window);
  g_test_add_func("/token/attack/issuer", test_issuer);
  g_test_add_func("/token/attack/audience", test_audience);
  g_test_add_func("/token/attack/missing-claims", test_missing_claims);
  g_test_add_func("/token/attack/oversize", test_oversize);
  g_test_add_func("/token/attack/malformed", test_malformed);
  g_test_add_func("/token/attack/kid", test_kid);
  g_test_add_func("/token/attack/embedded-key", test_embedded_key_ignored);
  g_test_add_func("/token/attack/es256-der-signature", test_es256_der_signature);
  g_test_add_func("/token/rs256-es256/valid", test_rs256_es256_valid);
  g_test_add_func("/token/max-lifetime", test_max_lifetime);
  rc = g_test_run();
  token_test_keys_free();
  return rc;
}
