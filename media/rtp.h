/* rtp.h — private: reading and rewriting RTP and RTCP in place, bounds-checked.
 *
 * Runs on the packet path of a media worker: no allocation, no locks, no
 * logging. Every read and write is checked against the packet's length
 * (RFC 3550 §5.1 header, RFC 8285 extensions, RFC 4585/5104 feedback);
 * malformed input returns FALSE and is left as it was.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP (RFC 7983). */
typedef enum {
  NARA_PACKET_UNKNOWN,
  NARA_PACKET_STUN,
  NARA_PACKET_DTLS,
  NARA_PACKET_RTP,
  NARA_PACKET_RTCP,
} NaraPacketKind;

NaraPacketKind nara_packet_classify(const guint8 *data, gsize len);

typedef struct {
  guint8 pt;
  gboolean marker;
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
  gsize header_len;  /* fixed header + CSRCs + extension block */
  gsize payload_len; /* without padding */
} NaraRtpHeader;

gboolean nara_rtp_parse(const guint8 *data, gsize len, NaraRtpHeader *out);

/* Finds extension `id` (one- or two-byte form); on success points *value
 * into data and sets *value_len. */
gboolean nara_rtp_find_extension(const guint8 *data, gsize len, guint8 id, const guint8 **value,
                                 gsize *value_len);

/* Adds a one-byte-form extension element (RFC 8285 §4.2: id 1-14, 1-16
 * octets) to the packet of len octets in a buffer of cap: into its
 * extension block's padding, or growing the block (and making one when
 * there is none) and moving the payload along; an element of that id and
 * length already there is overwritten. Returns the new length, 0 when the
 * packet is malformed, uses the two-byte form, or cap is too small (the
 * packet is then left as it was). */
gsize nara_rtp_add_extension(guint8 *data, gsize len, gsize cap, guint8 id, const guint8 *value,
                             gsize value_len);

/* Per-subscriber rewrite of a forwarded stream. ext_map[publisher id] is the
 * subscriber's id (NARA_EXT_ID_UNUSED for extensions it did not negotiate). */
typedef struct {
  guint32 ssrc;
  guint8 pt;
  guint8 ext_map[256];
} NaraRtpRewrite;

/* Rewrites SSRC, payload type and extension ids in place. */
gboolean nara_rtp_rewrite(guint8 *data, gsize len, const NaraRtpRewrite *rewrite);

/* RFC 4588 §4: an RTX packet for the stored packet `in` as one subscriber
 * sees it: in's header rewritten (extension ids as `rewrite` says), then
 * payload type rtx_pt, SSRC rtx_ssrc and sequence number rtx_seq, the
 * original sequence number in the first two payload octets, the payload
 * without padding. Returns the length written to out (cap octets), 0 if
 * in is malformed or out too small. */
gsize nara_rtx_wrap(guint8 *out, gsize cap, const guint8 *in, gsize len,
                    const NaraRtpRewrite *rewrite, guint8 rtx_pt, guint32 rtx_ssrc,
                    guint16 rtx_seq);
/* The reverse, in place: the original packet of an RTX packet (sequence
 * number from the payload, then payload type pt and SSRC ssrc). FALSE if
 * there is no original sequence number (an RTX padding probe) or the packet
 * is malformed; the packet is then unchanged. */
gboolean nara_rtx_unwrap(guint8 *data, gsize *len, guint8 pt, guint32 ssrc);

/* Calls found(media_ssrc) for every PLI and FIR entry in a compound RTCP
 * packet; returns FALSE if the compound packet is malformed (entries found
 * before the fault were reported). */
gboolean nara_rtcp_for_each_keyframe_request(const guint8 *data, gsize len,
                                             void (*found)(guint32 media_ssrc, gpointer user_data),
                                             gpointer user_data);

/* Writes an RTCP PLI (RFC 4585 §6.3.1); returns its length, 0 if cap is too small. */
gsize nara_rtcp_write_pli(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc);
/* Writes an RTCP receiver report with no blocks followed by a REMB
 * (draft-alvestrand-rmcat-remb) for the given SSRCs, as one compound packet. */
gsize nara_rtcp_write_remb(guint8 *out, gsize cap, guint32 sender_ssrc, guint64 bitrate_bps,
                           const guint32 *ssrcs, guint n_ssrcs);

G_END_DECLS
