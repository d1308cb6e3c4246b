/* twcc.h — private: transport-wide congestion control feedback to publishers.
 *
 * A publisher that negotiated the transport-wide sequence number extension
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01) numbers every RTP
 * packet of its connection; Nara notes when each number arrived and reports
 * the arrivals back in transport-cc feedback (RTCP RTPFB, FMT 15), from
 * which the browser's send-side estimator (GCC) computes what the uplink
 * carries. The record is one fixed array per peer: nothing allocates after
 * nara_twcc_new(). The parser exists for tests and the fuzzer.
 *
 * Threading: one media worker owns each NaraTwcc (the publisher's); the
 * writer and parser are pure functions on caller buffers.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Arrivals kept between two feedbacks: 1 s at 1000 packets/s, far more
 * than the 50 ms between feedbacks holds. */
#define NARA_TWCC_WINDOW 1024
/* "Not received", in arrival arrays. */
#define NARA_TWCC_NONE G_MININT64
/* Feedback packet size Nara aims under: room for SRTCP's tail in one MTU. */
#define NARA_TWCC_MAX_FEEDBACK 1200

typedef struct {
  gint64 arrival_us[NARA_TWCC_WINDOW]; /* by extended sequence number modulo the window */
  gint64 next_ext;                     /* first extended sequence number not reported yet */
  gint64 max_ext;                      /* highest received */
  gboolean started;
  guint8 fb_count; /* feedback packet count of the next feedback */
} NaraTwcc;

/* (transfer full) */
NaraTwcc *nara_twcc_new(void);
void nara_twcc_free(NaraTwcc *twcc);
/* Notes that transport sequence number seq arrived at now_us (monotonic).
 * A number already reported, or a repeat, changes nothing. A jump beyond
 * the window drops the oldest unreported arrivals. */
void nara_twcc_record(NaraTwcc *twcc, guint16 seq, gint64 now_us);
/* TRUE if arrivals wait to be reported. */
gboolean nara_twcc_pending(const NaraTwcc *twcc);
/* Writes one feedback packet (at most cap octets) for the oldest unreported
 * arrivals, as many as fit, and marks them reported; call again while
 * nara_twcc_pending(). Returns its length, 0 if nothing is pending or cap is
 * below the smallest feedback (24 octets). */
gsize nara_twcc_write_feedback(NaraTwcc *twcc, guint8 *out, gsize cap, guint32 sender_ssrc,
                               guint32 media_ssrc);

/* A parsed feedback packet. Arrival times are in 250 µs ticks from the
 * origin of the reference time (reference_time * 256 + the deltas). */
typedef struct {
  guint32 sender_ssrc;
  guint32 media_ssrc;
  guint16 base_seq;
  guint16 status_count;
  guint32 reference_time; /* 24 bits, 64 ms units */
  guint8 fb_count;
} NaraTwccFeedback;

/* Reads one RTCP transport-cc feedback packet (not a compound packet) into
 * out and ticks[0..status_count) (NARA_TWCC_NONE: not received). FALSE if
 * it is malformed, is no transport-cc feedback, or holds more than cap
 * statuses. */
gboolean nara_twcc_parse(const guint8 *data, gsize len, NaraTwccFeedback *out, gint64 *ticks,
                         guint cap);

G_END_DECLS
