/* random_id.h — unguessable random bytes and ids from OpenSSL's CSPRNG.
 *
 * Ids appear in join links and audit lines ("c-…", "p-…", "k-…"), so they
 * come from the CSPRNG, never from a counter or g_random. A CSPRNG that
 * cannot deliver is fatal: there is nothing safe to hand out instead. It
 * does not check uniqueness (the database's primary keys do).
 *
 * Threading: any thread (RAND_bytes is thread-safe).
 */
#pragma once

#include <glib.h>

#include "b64url.h"

G_BEGIN_DECLS

/* Random bytes the id of nara_random_id() carries: 96 bits, 16 characters. */
#define NARA_RANDOM_ID_BYTES 12
/* Room an id with a prefix of prefix_len characters needs, NUL included. */
#define NARA_RANDOM_ID_SIZE(prefix_len) ((prefix_len) + NARA_B64URL_LEN(NARA_RANDOM_ID_BYTES) + 1)

/* Fills buf with len bytes from the CSPRNG; aborts if it cannot. */
void nara_random_bytes(guint8 *buf, gsize len);
/* Writes prefix + 16 base64url characters (NARA_RANDOM_ID_BYTES random
 * bytes) and a NUL into out; out_size must hold them (programmer error
 * otherwise). */
void nara_random_id(const char *prefix, char *out, gsize out_size);

G_END_DECLS
