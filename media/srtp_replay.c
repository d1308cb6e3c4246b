/* srtp_replay.c — packet-index estimation and replay windows (RFC 3711 §3.3).
 *
 * Owns the arithmetic that turns a 16-bit sequence number into the 48-bit
 * SRTP index (ROC || SEQ) and the 1024-packet sliding window that refuses
 * duplicates and packets too old to judge. Used for SRTCP's 31-bit index too.
 * It does no cryptography and knows nothing of SSRCs: srtp_session.c keeps
 * one state per SSRC and calls in only after a packet authenticated. Pure
 * functions on caller-owned state; runs on the session's media worker.
 */
#include "srtp-private.h"

#include <string.h>

#define WORDS (NARA_SRTP_REPLAY_WINDOW / 64)
#define HALF 32768 /* 2^15 */

guint64 nara_srtp_estimate_index(guint64 top, guint16 seq)
{
  /* RFC 3711 §3.3.1:
   *   if (s_l < 2^15) { if (SEQ - s_l > 2^15) v = ROC - 1 else v = ROC }
   *   else            { if (s_l - 2^15 > SEQ) v = ROC + 1 else v = ROC }
   * A v of 2^32 gives an index beyond 2^48 - 1, which callers refuse. */
  guint64 roc = top >> 16;
  gint32 s_l = (gint32)(top & 0xffff);
  gint32 s = seq;
  guint64 v = roc;
  if (s_l < HALF) {
    if (s - s_l > HALF && roc > 0)
      v = roc - 1;
  } else if (s_l - HALF > s) {
    v = roc + 1;
  }
  return (v << 16) | (guint64)seq;
}

static gboolean bit_is_set(const NaraSrtpReplay *replay, guint64 index)
{
  guint pos = (guint)(index % NARA_SRTP_REPLAY_WINDOW);
  return (replay->bits[pos / 64] >> (pos % 64)) & 1;
}

gboolean nara_srtp_replay_check(const NaraSrtpReplay *replay, guint64 top, guint64 index)
{
  /* §3.3.2: newer than anything seen is accepted; older than the window is
   * refused because it can no longer be told apart from a replay. */
  if (index > top)
    return TRUE;
  if (top - index >= NARA_SRTP_REPLAY_WINDOW)
    return FALSE;
  return !bit_is_set(replay, index);
}

/* Clear the bits of indices from + 1 .. to - 1, which leave the window's
 * tail as the head moves from 'from' to 'to' (to - from < window). */
static void clear_between(NaraSrtpReplay *replay, guint64 from, guint64 to)
{
  for (guint64 i = from + 1; i < to;) {
    guint pos = (guint)(i % NARA_SRTP_REPLAY_WINDOW);
    guint bit = pos % 64;
    guint64 left = to - i;
    if (bit == 0 && left >= 64) {
      replay->bits[pos / 64] = 0;
      i += 64;
    } else {
      replay->bits[pos / 64] &= ~(G_GUINT64_CONSTANT(1) << bit);
      i++;
    }
  }
}

void nara_srtp_replay_add(NaraSrtpReplay *replay, guint64 *top, guint64 index)
{
  if (index > *top) {
    if (replay) {
      if (index - *top >= NARA_SRTP_REPLAY_WINDOW)
        memset(replay->bits, 0, sizeof replay->bits);
      else
        clear_between(replay, *top, index);
    }
    *top = index;
  }
  if (replay) {
    guint pos = (guint)(index % NARA_SRTP_REPLAY_WINDOW);
    replay->bits[pos / 64] |= G_GUINT64_CONSTANT(1) << (pos % 64);
  }
}

void nara_srtp_replay_start(NaraSrtpReplay *replay, guint64 *top, guint64 index)
{
  if (replay)
    memset(replay->bits, 0, sizeof replay->bits);
  *top = index;
  nara_srtp_replay_add(replay, top, index);
}

G_STATIC_ASSERT(NARA_SRTP_REPLAY_WINDOW % 64 == 0);
G_STATIC_ASSERT(sizeof(((NaraSrtpReplay *)NULL)->bits) == WORDS * sizeof(guint64));
