/* fuzz_token.c — libFuzzer target: arbitrary bytes into nara_token_verify.
 *
 * The first input byte picks a mode. Even: the rest is the token as is
 * (base64url, splitting, header JSON, key choice, signature checks).
 * Odd: the rest is "header JSON\npayload JSON", encoded and signed with the
 * server secret here, so the fuzzer also reaches the claims checks behind
 * the signature. A verify that succeeds must fill every required claim; a
 * failure must set a token error. Anything else aborts. Single-threaded.
 */
#include "auth-private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/hmac.h>

static const guint8 secret[32] = "fuzz-secret-fuzz-secret-fuzz-sec";

/* One key of each type, so kid lookup and both algorithms are reachable:
 * the public example keys of RFC 7517 Appendix A.1. */
static const char jwks[]
    = "{\"keys\":["
      "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec-1\",\"alg\":\"ES256\","
      "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
      "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
      "{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"e\":\"AQAB\",\"n\":"
      "\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
      "BJECP"
      "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
      "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
      "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"}]}";

static NaraTokenVerifier *verifier;

static void setup(void)
{
  NaraTokenConfig config = {
    .issuer = "nara",
    .audience = "nara-join",
    .hs256_secret = secret,
    .hs256_secret_len = sizeof secret,
    .jwks_json = jwks,
    .idp_issuer = "https://idp.example",
  };
  GError *error = NULL;

  verifier = nara_token_verifier_new(&config, &error);
  if (verifier == NULL) {
    fprintf(stderr, "fuzz_token: %s\n", error->message);
    abort();
  }
}

/* (transfer full) "b64(header).b64(payload).b64(HMAC)" from "header\npayload". */
static char *signed_token(const guint8 *data, gsize size)
{
  const guint8 *nl = memchr(data, '\n', size);
  gsize hlen = nl != NULL ? (gsize)(nl - data) : size;
  g_autofree char *h = nara_b64url_encode(data, hlen);
  g_autofree char *p = nl != NULL ? nara_b64url_encode(nl + 1, size - hlen - 1) : g_strdup("");
  g_autofree char *input = g_strconcat(h, ".", p, NULL);
  g_autofree char *s = NULL;
  guint8 mac[32];

  nara_jws_hs256(secret, sizeof secret, input, strlen(input), mac);
  s = nara_b64url_encode(mac, sizeof mac);
  return g_strconcat(input, ".", s, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *token;
  NaraTokenClaims claims = { 0 };
  GError *error = NULL;
  gboolean ok;

  if (verifier == NULL)
    setup();
  if (size == 0)
    return 0;
  if (data[0] & 1) {
    token = signed_token(data + 1, size - 1);
  } else {
    /* Exactly the bytes, NUL-terminated at their end (an embedded NUL just
     * ends the string early, as it would for a C caller). */
    token = g_malloc(size);
    memcpy(token, data + 1, size - 1);
    token[size - 1] = '\0';
  }
  ok = nara_token_verify(verifier, token, 1795462200, &claims, &error);
  if (ok
      && (claims.consultation == NULL || claims.participant == NULL || claims.role == NULL
          || claims.name == NULL || error != NULL))
    abort();
  if (!ok && (error == NULL || error->domain != NARA_TOKEN_ERROR))
    abort();
  nara_token_claims_clear(&claims);
  g_clear_error(&error);
  g_free(token);
  return 0;
}
