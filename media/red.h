/* red.h — private: RFC 2198 redundant audio (RED) on the packet path.
 *
 * Chromium sends Opus inside RED (red/48000/2, a=fmtp "111/111") when the
 * answer puts RED first: each packet carries earlier Opus frames again
 * before the current one (the primary block). Nara forwards RED as it came
 * to a subscriber that negotiated it, and only the primary block, as a
 * plain Opus packet, to one that did not.
 *
 * Runs on a media worker: no allocation, no locks, no logging; every read
 * is bounded by the packet's length.
 */
#pragma once

#include <glib.h>

#include "rtp.h"

G_BEGIN_DECLS

/* The primary block of a RED payload (payload_len octets, without RTP
 * padding): its payload type, where it starts in the payload and its
 * length. FALSE if the block headers are malformed, run past the payload,
 * or leave an empty primary block. */
gboolean nara_red_primary(const guint8 *payload, gsize payload_len, guint8 *pt, gsize *offset,
                          gsize *len);

/* Writes to out (cap octets) the RTP packet `in` (len octets, parsed into
 * h) with its RED payload replaced by the primary block alone, under that
 * block's payload type and without padding. Header, extensions, sequence
 * number and timestamp stay (the primary's timestamp is the packet's,
 * RFC 2198 §3). Returns the length written, 0 if the RED payload is
 * malformed, its primary is not primary_pt, or out is too small. */
gsize nara_red_strip(guint8 *out, gsize cap, const guint8 *in, gsize len, const NaraRtpHeader *h,
                     guint8 primary_pt);

G_END_DECLS
