/* rtcp.h — private: the RTCP Nara terminates: reports, NACK, REMB.
 *
 * One bounds-checked walk over a compound packet reports what Nara acts on
 * (Sender Reports, report blocks, generic NACKs, PLI/FIR, REMB,
 * transport-cc feedback); writers
 * produce Receiver Reports, Sender Reports, NACKs and a bare REMB. PLI and
 * the RR+REMB pair stay in rtp.h.
 *
 * Threading: pure functions on caller buffers, no allocation, no logging;
 * the media workers call them on the packet path.
 */
#pragma once

#include <glib.h>

#include "repair.h"

G_BEGIN_DECLS

typedef struct {
  guint32 ssrc;
  guint64 ntp; /* NTP timestamp, 32.32 fixed point */
  guint32 rtp_ts;
  guint32 packets;
  guint32 octets;
} NaraSenderInfo;

/* Callbacks of nara_rtcp_walk(); any may be NULL. */
typedef struct {
  void (*sender_report)(const NaraSenderInfo *info, gpointer user_data);
  /* One report block of an SR or RR, about the source block->ssrc. */
  void (*report_block)(guint32 reporter_ssrc, const NaraReportBlock *block, gpointer user_data);
  /* One FCI of a generic NACK (RFC 4585 §6.2.1): pid and the 16 after it
   * whose bits are set in blp. */
  void (*nack)(guint32 media_ssrc, guint16 pid, guint16 blp, gpointer user_data);
  void (*keyframe)(guint32 media_ssrc, gpointer user_data);
  /* draft-alvestrand-rmcat-remb: the bitrate covers n_ssrcs streams. */
  void (*remb)(guint64 bitrate_bps, guint n_ssrcs, gpointer user_data);
  /* A transport-cc feedback packet (RTPFB FMT 15), whole, for twcc.c. */
  void (*twcc)(const guint8 *packet, gsize len, gpointer user_data);
} NaraRtcpVisitor;

/* Walks a compound packet; FALSE if it is malformed (what came before the
 * fault was reported). */
gboolean nara_rtcp_walk(const guint8 *data, gsize len, const NaraRtcpVisitor *visitor,
                        gpointer user_data);

/* Each returns the length written, 0 if cap is too small or the input
 * cannot be written (more than 31 blocks, no sequence numbers). */
gsize nara_rtcp_write_rr(guint8 *out, gsize cap, guint32 sender_ssrc, const NaraReportBlock *blocks,
                         guint n_blocks);
gsize nara_rtcp_write_sr(guint8 *out, gsize cap, const NaraSenderInfo *info,
                         const NaraReportBlock *blocks, guint n_blocks);
/* Generic NACKs for seqs (in any order; consecutive ones share an FCI). */
gsize nara_rtcp_write_nack(guint8 *out, gsize cap, guint32 sender_ssrc, guint32 media_ssrc,
                           const guint16 *seqs, guint n_seqs);
/* A REMB alone, to follow a report in a compound packet. */
gsize nara_rtcp_write_remb_fb(guint8 *out, gsize cap, guint32 sender_ssrc, guint64 bitrate_bps,
                              const guint32 *ssrcs, guint n_ssrcs);

/* NTP time (RFC 3550 §4) of a wall-clock time in microseconds since 1970. */
guint64 nara_ntp_from_unix_us(gint64 unix_us);

G_END_DECLS
