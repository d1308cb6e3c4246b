/* fuzz_rtcp.c — libFuzzer target: the RTCP Nara reads and writes
 * (media/rtp.c). The input, cut at 1500 bytes, goes to the keyframe-request
 * walker as a subscriber's compound packet. Its first 18 bytes also give
 * values for the writers: sender and media SSRC, a REMB bitrate, an SSRC
 * count and a buffer size. The PLI and REMB written from them are walked
 * again (alone, and ahead of the input as one compound packet): exactly the
 * written PLI must be found, the REMB must decode to its values. A broken
 * invariant traps. Single-threaded.
 */
#include "rtp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PACKET 1500 /* NARA_WORKER_MTU */
#define MAX_FOUND 512

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_rtcp: %s:%d: %s\n", __FILE__, __LINE__, #cond);                        \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

typedef struct {
  guint n;
  guint32 ssrc[MAX_FOUND];
} Found;

static void on_found(guint32 media_ssrc, gpointer user_data)
{
  Found *f = user_data;
  if (f->n < MAX_FOUND)
    f->ssrc[f->n] = media_ssrc;
  f->n++;
}

static guint32 rd32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* Walks len bytes copied to a buffer of exactly that size. */
static gboolean walk(const guint8 *data, gsize len, Found *f)
{
  guint8 *copy = malloc(len ? len : 1);
  memcpy(copy, data, len);
  memset(f, 0, sizeof *f);
  gboolean ok = nara_rtcp_for_each_keyframe_request(copy, len, on_found, f);
  free(copy);
  return ok;
}

static void check_pli(guint32 sender, guint32 media, gsize cap)
{
  guint8 *buf = malloc(cap ? cap : 1);
  Found f;
  gsize n = nara_rtcp_write_pli(buf, cap, sender, media);
  if (cap < 12) {
    CHECK(n == 0);
  } else {
    CHECK(n == 12);
    CHECK(walk(buf, n, &f) && f.n == 1 && f.ssrc[0] == media);
    CHECK(rd32(buf + 4) == sender);
  }
  free(buf);
}

/* draft-alvestrand-rmcat-remb §2.2: the sent value is mantissa << exp, the
 * bitrate with its low bits cut, never more than asked for. */
static void check_remb(guint32 sender, guint64 bitrate, const guint32 *ssrcs, guint n_ssrcs,
                       gsize cap)
{
  guint8 *buf = malloc(cap ? cap : 1);
  Found f;
  gsize want = 28 + 4 * (gsize)n_ssrcs;
  gsize n = nara_rtcp_write_remb(buf, cap, sender, bitrate, ssrcs, n_ssrcs);
  if (n_ssrcs > 255 || cap < want) {
    CHECK(n == 0);
    free(buf);
    return;
  }
  CHECK(n == want);
  CHECK(walk(buf, n, &f) && f.n == 0);
  const guint8 *r = buf + 8;
  CHECK(rd32(buf + 4) == sender && rd32(r + 4) == sender && memcmp(r + 12, "REMB", 4) == 0);
  CHECK(r[16] == n_ssrcs);
  guint exp = r[17] >> 2;
  guint64 mantissa = ((guint64)(r[17] & 3) << 16) | ((guint64)r[18] << 8) | r[19];
  guint64 sent = mantissa << exp;
  CHECK(sent <= bitrate && bitrate - sent < (G_GUINT64_CONSTANT(1) << exp));
  for (guint i = 0; i < n_ssrcs; i++)
    CHECK(rd32(r + 20 + 4 * i) == ssrcs[i]);
  free(buf);
}

/* A PLI Nara wrote, then the input: the PLI is reported first whatever
 * follows, as entries before a fault are (rtp.h). */
static void check_compound(guint32 sender, guint32 media, const guint8 *data, gsize len)
{
  guint8 buf[12 + MAX_PACKET];
  Found f;
  gsize n = nara_rtcp_write_pli(buf, sizeof buf, sender, media);
  memcpy(buf + n, data, len);
  walk(buf, n + len, &f);
  CHECK(f.n >= 1 && f.ssrc[0] == media);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  gsize len = MIN(size, (gsize)MAX_PACKET);
  guint32 ssrcs[300];
  Found f;

  walk(data, len, &f);
  if (len < 18)
    return 0;

  guint32 sender = rd32(data), media = rd32(data + 4);
  guint64 bitrate = ((guint64)rd32(data + 8) << 32) | rd32(data + 12);
  /* Counts past 255 must be refused (the field is one octet). */
  guint n_ssrcs = data[16] == 0xff ? 256 + data[17] % 40 : data[16];
  gsize cap = (gsize)data[17] * 8;
  for (guint i = 0; i < G_N_ELEMENTS(ssrcs); i++)
    ssrcs[i] = rd32(data + (4 * i) % (len - 3));

  check_pli(sender, media, data[17] < 16 ? data[17] : cap);
  check_remb(sender, bitrate, ssrcs, n_ssrcs, cap);
  check_remb(sender, bitrate, ssrcs, n_ssrcs % 256, MAX_PACKET);
  check_compound(sender, media, data, len);
  return 0;
}
