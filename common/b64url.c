/* b64url.c — strict base64url (RFC 4648 §5, no padding, RFC 7515 §2).
 *
 * Strict on purpose: a token has one spelling, so no two different
 * strings verify as the same token, and a parser of outside input has no
 * lenient corners. Does not skip whitespace or accept '+', '/' or '='.
 *
 * Threading: pure functions, any thread.
 */
#include "b64url.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int value_of(unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

guint8 *nara_b64url_decode(const char *in, gsize in_len, gsize *out_len)
{
  gsize rem = in_len % 4, n = in_len / 4 * 3 + (rem > 0 ? rem - 1 : 0);
  guint8 *out, *p;
  guint32 acc = 0;
  int bits = 0;

  /* RFC 4648 §4: one leftover character carries 6 bits, less than a byte. */
  if (rem == 1)
    return NULL;
  out = p = g_malloc(n + 1);
  for (gsize i = 0; i < in_len; i++) {
    int v = value_of((unsigned char)in[i]);

    if (v < 0)
      goto bad;
    acc = (acc << 6) | (guint32)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *p++ = (guint8)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  /* RFC 4648 §3.5: the pad bits must be zero ("canonical encoding"). */
  if (acc != 0)
    goto bad;
  *out_len = n;
  return out;

bad:
  g_free(out);
  return NULL;
}

char *nara_b64url_encode_to(const guint8 *data, gsize len, char *out)
{
  char *p = out;
  gsize i;

  for (i = 0; i + 3 <= len; i += 3) {
    guint32 v = ((guint32)data[i] << 16) | ((guint32)data[i + 1] << 8) | data[i + 2];
    *p++ = alphabet[(v >> 18) & 63];
    *p++ = alphabet[(v >> 12) & 63];
    *p++ = alphabet[(v >> 6) & 63];
    *p++ = alphabet[v & 63];
  }
  if (len - i == 1) {
    guint32 v = (guint32)data[i] << 16;
    *p++ = alphabet[(v >> 18) & 63];
    *p++ = alphabet[(v >> 12) & 63];
  } else if (len - i == 2) {
    guint32 v = ((guint32)data[i] << 16) | ((guint32)data[i + 1] << 8);
    *p++ = alphabet[(v >> 18) & 63];
    *p++ = alphabet[(v >> 12) & 63];
    *p++ = alphabet[(v >> 6) & 63];
  }
  *p = '\0';
  return p;
}

char *nara_b64url_encode(const guint8 *data, gsize len)
{
  char *out = g_malloc(NARA_B64URL_LEN(len) + 1);

  nara_b64url_encode_to(data, len, out);
  return out;
}
