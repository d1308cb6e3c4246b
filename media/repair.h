/* repair.h — private: what loss repair remembers about a received stream.
 *
 * The ring of a video track's recent packets (answers subscribers' NACKs),
 * the receive statistics of every published stream (RFC 3550 A.1, A.3, A.8:
 * extended highest sequence number, loss, jitter, the last Sender Report)
 * and the list of sequence numbers Nara is asking the publisher for.
 * Everything is preallocated or fixed in size: nothing here allocates after
 * nara_rtp_ring_new(). No RTCP is written here (rtcp.c) and nothing is sent.
 *
 * Threading: one media worker owns each object (the publisher's); the
 * functions keep no global state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The ring keeps a video track's packets at their real length in a byte
 * arena, for as long as a retransmission can still be played: about a
 * second of media (by RTP timestamp, video's 90 kHz clock) and at most the
 * last NARA_RING_SLOTS sequence numbers. The arena starts small and grows,
 * up to NARA_RING_MAX_BYTES (2 s at the 2 Mbit/s Nara lets a publisher
 * send), whenever it comes round holding less than that second: a
 * 600 kbit/s camera keeps ~100 KiB, a 2 Mbit/s one ~300 KiB. Its address space is reserved once;
 * pages cost memory only when written. Lookups are one index read and a compare. */
#define NARA_RING_SLOTS 512
#define NARA_RING_PACKET 1500 /* NARA_WORKER_MTU */
#define NARA_RING_MIN_BYTES (64 * 1024)
#define NARA_RING_MAX_BYTES (512 * 1024)
#define NARA_RING_KEEP_TICKS 90000 /* 1 s at 90 kHz */

typedef struct {
  guint32 ext_seq; /* extended sequence number of what is stored */
  guint32 offset;  /* of its record in the arena */
  guint32 pos;     /* where the record starts in all bytes ever written */
  guint16 len;     /* 0: empty */
} NaraRingEntry;

/* A record is intact until the head comes round over it: a packet is
 * never evicted one by one (that would read cold memory on every put),
 * its entry just stops being valid once the bytes written since it
 * exceed what the arena held then. */
typedef struct {
  guint8 *arena;                        /* NARA_RING_MAX_BYTES reserved, the first size in use */
  guint32 size;                         /* grows, never shrinks */
  guint32 head;                         /* where the next record goes */
  guint32 lap_start;                    /* pos of offset 0 in this round of the arena */
  guint32 last_lap;                     /* bytes the previous round spanned, 0 if none */
  NaraRingEntry index[NARA_RING_SLOTS]; /* by ext_seq % NARA_RING_SLOTS */
} NaraRtpRing;

/* (transfer full) */
NaraRtpRing *nara_rtp_ring_new(void);
void nara_rtp_ring_free(NaraRtpRing *ring);
/* Stores an unprotected RTP packet (one copy of len octets), evicting the
 * oldest packets it needs the room of; a packet longer than
 * NARA_RING_PACKET (or empty) is not stored. Packets come in arrival order;
 * a number stored again replaces the earlier copy. */
void nara_rtp_ring_put(NaraRtpRing *ring, guint32 ext_seq, const guint8 *data, gsize len);
/* Empties the ring: the stream's numbering started again. */
void nara_rtp_ring_clear(NaraRtpRing *ring);
/* (transfer none) The stored packet, or NULL if it was never stored or
 * has been evicted. Valid until the next put or clear. */
const guint8 *nara_rtp_ring_get(const NaraRtpRing *ring, guint32 ext_seq, gsize *len);
/* Octets of the arena in use (what it costs in memory, at most). */
gsize nara_rtp_ring_bytes(const NaraRtpRing *ring);

/* The receive side of one SSRC. */
typedef struct {
  guint32 ssrc;
  guint32 clock_rate;
  gboolean started;
  guint16 max_seq;
  guint32 cycles; /* count of sequence number wrap-arounds, shifted << 16 */
  guint32 base_seq;
  guint32 bad_seq;
  guint32 received;
  guint32 expected_prior, received_prior;
  guint32 transit;
  guint32 jitter; /* RFC 3550 A.8: in timestamp units, scaled by 16 */
  /* The last Sender Report: its NTP time (64-bit), RTP time and arrival. */
  guint64 sr_ntp;
  guint32 sr_rtp;
  gint64 sr_arrival_us; /* 0: none yet */
} NaraRecvStats;

typedef enum {
  NARA_SEQ_NEXT,      /* the new highest */
  NARA_SEQ_GAP,       /* the new highest, with *gap packets missing before it */
  NARA_SEQ_LATE,      /* below the highest: reordered or retransmitted */
  NARA_SEQ_DUPLICATE, /* the highest again */
  NARA_SEQ_RESET,     /* a jump too large to be loss: the count started again */
  NARA_SEQ_BAD,       /* a jump too large, once: not counted (RFC 3550 A.1) */
} NaraSeqResult;

void nara_recv_stats_init(NaraRecvStats *s, guint32 ssrc, guint32 clock_rate);
/* One received packet. Sets *ext_seq (the extended sequence number) and,
 * for NARA_SEQ_GAP, *gap. Retransmissions (retransmitted) are counted as
 * received but left out of the jitter, whose transit they would distort
 * (RFC 4588 §8.3). */
NaraSeqResult nara_recv_stats_update(NaraRecvStats *s, guint16 seq, guint32 rtp_ts,
                                     gint64 arrival_us, gboolean retransmitted, guint32 *ext_seq,
                                     guint32 *gap);
/* The extended sequence number closest to the highest received. */
guint32 nara_recv_stats_extend(const NaraRecvStats *s, guint16 seq);

typedef struct {
  guint32 ssrc;
  guint8 fraction_lost;   /* of 256, since the previous report */
  gint32 cumulative_lost; /* 24-bit signed on the wire */
  guint32 highest_seq;    /* extended */
  guint32 jitter;         /* timestamp units */
  guint32 lsr;            /* middle 32 bits of the last SR's NTP time, 0 if none */
  guint32 dlsr;           /* since that SR, in 1/65536 s */
} NaraReportBlock;

/* RFC 3550 A.3: the report block for now, and the interval starts again. */
void nara_recv_stats_report(NaraRecvStats *s, gint64 now_us, NaraReportBlock *out);
/* A Sender Report from the stream's source arrived. */
void nara_recv_stats_sender_report(NaraRecvStats *s, guint64 ntp, guint32 rtp_ts,
                                   gint64 arrival_us);

/* The round trip from a NACK to the publisher to its retransmission's
 * arrival, smoothed as RFC 6298 §2 smooths TCP's (SRTT, RTTVAR), and when
 * to ask again: the round trip plus four deviations (at least
 * NARA_RTT_MARGIN_US, for the sender's pacing), within
 * [NARA_RETRY_MIN_US, NARA_RETRY_MAX_US]; NARA_RETRY_DEFAULT_US before
 * the first sample. Measured on the retransmissions themselves because
 * nothing else gives Nara the publisher's round trip: it sends no media
 * on a publish connection, so no Sender Report of its own comes back in a
 * report block, and transport-cc feedback flows towards the publisher. */
#define NARA_RETRY_DEFAULT_US (100 * G_TIME_SPAN_MILLISECOND)
#define NARA_RETRY_MIN_US (20 * G_TIME_SPAN_MILLISECOND)
#define NARA_RETRY_MAX_US (500 * G_TIME_SPAN_MILLISECOND)
#define NARA_RTT_MARGIN_US (10 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  gint64 srtt_us; /* 0: no sample yet */
  gint64 rttvar_us;
} NaraRtt;

/* One round trip measured (negative samples are ignored). */
void nara_rtt_sample(NaraRtt *rtt, gint64 sample_us);
/* How long an unanswered NACK waits before it is sent again. */
gint64 nara_rtt_retry_us(const NaraRtt *rtt);

/* Sequence numbers Nara asks the publisher to retransmit (RFC 4585 NACK). */
#define NARA_MISSING_MAX 128
#define NARA_MISSING_TRIES 3

typedef struct {
  guint32 ext_seq;
  guint8 tries;
  gint64 asked_us; /* 0: not yet */
  gint64 first_us; /* the first NACK for it, 0: not yet */
} NaraMissingSeq;

typedef struct {
  guint n; /* first: every packet reads it, rarely more */
  NaraRtt rtt;
  NaraMissingSeq seqs[NARA_MISSING_MAX];
} NaraMissing;

/* Adds a sequence number unless it is there already; when full, the
 * oldest entry makes room. */
void nara_missing_add(NaraMissing *m, guint32 ext_seq);
void nara_missing_remove(NaraMissing *m, guint32 ext_seq);
/* A retransmission of ext_seq arrived: removed, and if it was asked for,
 * the time since its first NACK is a round-trip sample (when that NACK or
 * its answer was lost the sample is a retry too long; rare at the losses
 * NACK can repair, and smoothed). */
void nara_missing_arrived(NaraMissing *m, guint32 ext_seq, gint64 now_us);
/* nara_rtt_retry_us() of the round trips its retransmissions took. */
gint64 nara_missing_retry_us(const NaraMissing *m);
/* Collects into seqs (up to cap) the numbers due for a NACK: never asked,
 * or asked retry_us ago or more; marks them asked now. Entries asked
 * NARA_MISSING_TRIES times, or older than oldest_ext_seq, are dropped.
 * Returns how many were collected, in the order they were added. */
guint nara_missing_due(NaraMissing *m, gint64 now_us, gint64 retry_us, guint32 oldest_ext_seq,
                       guint16 *seqs, guint cap);

G_END_DECLS
