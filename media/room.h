/* room.h — private: a room on its worker: published tracks, routes, forwarding.
 *
 * NaraRoomCore is the worker-side half of a NaraMediaRoom: the peers on the
 * worker, which subscriber slot receives which publisher track, and the
 * packet path between them. Nothing here is seen by the control thread.
 *
 * Threading: nara_room_core_new() runs on the control thread (it only
 * allocates); every other function and every field on the room's worker.
 */
#pragma once

#include <glib.h>

#include "downlink.h"
#include "layers.h"
#include "media.h"
#include "repair.h"
#include "rtp.h"
#include "sdp.h"
#include "worker.h"

G_BEGIN_DECLS

typedef struct _NaraPeerCore NaraPeerCore;
typedef struct _NaraSubSlot NaraSubSlot;
typedef struct _NaraPubTrack NaraPubTrack;

/* A track a publish peer sends, as negotiated in its offer. What every
 * packet reads (ssrc, outputs, info.kind) shares the first cache line:
 * another server on the core evicts it between wake-ups. */
struct _NaraPubTrack {
  guint32 ssrc;       /* 0 until known from SDP or the mid extension */
  GPtrArray *outputs; /* NaraSubSlot* receiving it */
  NaraRtpRing *ring;  /* video: recent packets, to answer NACKs */
  NaraRecvStats stats;
  NaraMediaTrack info;
  NaraPeerCore *publisher;
  char mid[NARA_SDP_TOKEN_LEN];
  guint mline;
  NaraSdpCodec codec;
  guint8 ext_ids[NARA_EXT_COUNT]; /* the publisher's ids */
  gint64 last_pli_us;
  guint32 rtx_ssrc;     /* the publisher's RTX stream (SDP or learned), 0 if unknown */
  NaraMissing *missing; /* video: what Nara asks the publisher for */
  gint64 next_nack_us;  /* the missing list is looked at no sooner */
  /* Simulcast: every layer of an m-line is a NaraPubTrack of its own (its
   * SSRC, ring, statistics, keyframe requests); the m-line's track is the
   * group: layer 0, the outputs and the layer list. Without simulcast a
   * track is a group of one. */
  NaraPubTrack *group;
  NaraPubTrack *layer[NARA_LAYERS_MAX]; /* group: in the offer's rid order */
  NaraPubTrack *extra;                  /* group: layers 1.. (allocated) */
  guint8 n_layers;                      /* group */
  char rid[NARA_SDP_RID_LEN];           /* "" without simulcast */
  guint16 width, height;                /* from the last keyframe (H.264: SPS), 0 until one */
  guint64 octets;                       /* since the last tick */
  guint32 bitrate_bps;                  /* measured, smoothed */
  /* Temporal layers (VP8's TID): how many were seen, and each one's share
   * of the octets since the last tick and smoothed, as bit/s. */
  guint8 n_temporal;
  guint64 tid_octets[NARA_TEMPORAL_MAX];
  guint32 tid_bps[NARA_TEMPORAL_MAX];
  gint32 lost_reported; /* cumulative loss in the last RR, for /metrics */
  gint64 last_packet_us;
  /* Paused at the publisher while nobody takes it (simulcast.c): since
   * when nobody has, whether it is paused, when it was asked back. */
  gint64 untaken_since_us;
  gboolean send_paused;
  gint64 resumed_us;
  guint8 told_send; /* group: the layers (bit k: layer[k]) the publisher was told to send */
};

/* A run of a slot's output sequence numbers with one mapping to its
 * source: out = in + seq_delta from from_in on. */
typedef struct {
  NaraPubTrack *src;
  guint16 from_in, seq_delta;
  guint32 ts_delta;
} NaraSeqSpan;

/* About 12 s of spans at a 5 frames/s base layer; a NACK is older than
 * the ring (repair.h) long before. */
#define NARA_SEQ_SPANS 64

typedef struct {
  NaraSeqSpan span[NARA_SEQ_SPANS];
  guint8 head, n;   /* newest at head */
  guint16 last_in;  /* of src, the newest numbered or dropped */
  gboolean started; /* last_in is set */
  gboolean dropped; /* a frame was dropped since the last packet sent */
  guint16 drop_end; /* after the last dropped packet */
} NaraSeqNumbering;

/* One m-line of a subscribe peer; the packet path reads the first two
 * fields (and rewrite's ext_map only for extensions a packet carries). */
struct _NaraSubSlot {
  NaraPeerCore *subscriber;
  NaraRtpRewrite rewrite;
  guint index;
  char mid[8];
  NaraTrackKind kind;
  gboolean active;   /* in the last offer as sendonly */
  gboolean answered; /* the answer accepted it: may be routed */
  char track_id[NARA_MEDIA_ID_LEN];
  char stream_id[NARA_MEDIA_ID_LEN];
  NaraSdpCodec codec;                 /* as offered: codec.pt may differ from the publisher's */
  guint8 pub_pt;                      /* the publisher's payload type for it */
  guint32 ssrc;                       /* what the subscriber sees */
  guint8 sub_ext_ids[NARA_EXT_COUNT]; /* what the answer accepted */
  NaraPubTrack *track;                /* routed from, or NULL */
  /* Loss repair and reports (video RTX only if the answer accepted it). */
  guint8 rtx_pt; /* 0: retransmit in the original stream */
  guint32 rtx_ssrc;
  guint16 rtx_seq;
  guint32 packets_sent, octets_sent; /* for Sender Reports, since routed */
  guint64 estimate_bps;              /* loss-based, from the subscriber's RRs */
  gint64 estimate_us;                /* when it last rose */
  /* Layers: src is forwarded now (NULL: nothing), want is where the slot
   * goes at want's next keyframe (NULL: paused). Sequence numbers and
   * timestamps run on across switches and dropped frames: out = in +
   * delta, and spans (numbering.c) remember each delta for NACKs. */
  NaraPubTrack *src, *want;
  /* The rank, smallest first, of the layer the tile asks for, whether or
   * not the link has room for it yet (-1: none, hidden). */
  gint8 tile_rank;
  guint16 seq_delta, last_seq;
  guint32 ts_delta, last_ts;
  gint64 last_sent_us; /* 0: nothing sent yet on this SSRC */
  /* Temporal layers (VP8): frames above tmax are not sent; tmax follows
   * tmax_want at a frame's start, upwards only at a base-layer frame. */
  guint8 tmax, tmax_want;
  NaraSeqNumbering numbering;
  /* playout.c: the next packet starts a frame; the minimum last sent. */
  gboolean frame_next;
  guint16 playout_sent_10ms;
  NaraLayerState state;
  gboolean told_paused; /* the control thread was told it is paused */
  gboolean unplayable;  /* the answer refused its codec (told once) */
  /* Opus in RED (RFC 2198): the answer accepted RED, so it is forwarded as
   * it comes under this number; 0: the primary block alone, as Opus. */
  guint8 red_pt;
  /* /metrics: the last Sender Report sent on this SSRC (middle 32 bits of
   * its NTP time, when) and the subscriber's cumulative loss last seen. */
  guint32 sr_mid_ntp;
  gint64 sr_sent_us; /* 0: answered, or none sent */
  gint32 lost_reported;
  gboolean lost_known;
};

/* The size a subscriber shows a track at (set_view), kept by track id so
 * it may come before the track's slot does. */
typedef struct {
  char track_id[NARA_MEDIA_ID_LEN];
  guint16 width, height;
} NaraView;

typedef struct {
  NaraWorker *worker;
  char *id;
  GPtrArray *peers; /* NaraPeerCore* */
} NaraRoomCore;

/* (transfer full) Control thread: allocation only. */
NaraRoomCore *nara_room_core_new(NaraWorker *worker, const char *room_id);
/* Worker: joins the worker's room list. */
void nara_room_core_start(NaraRoomCore *room);
/* Worker: the room must have no peers left. */
void nara_room_core_free(NaraRoomCore *room);
/* Worker, once a second: RR and REMB to publishers, SRs to subscribers. */
void nara_room_core_tick(NaraRoomCore *room);

/* Enough for a consultation's 720p camera; browsers start far lower and
 * climb only as fast as the receiver's estimate allows. This is also the
 * ceiling of every estimate Nara sends. */
#define REMB_BITRATE 2000000
#define REMB_MIN_BITRATE 100000
/* A simulcast publisher's layers together (the web client's 150 + 500 +
 * 1500 kbit/s, with room for headers). */
#define REMB_SIMULCAST_BITRATE 2500000

/* room_reports.c, from the tick: RR + REMB to a publisher, SRs to a subscriber. */
void nara_room_report_to_publisher(NaraPeerCore *pub, gint64 now);
void nara_room_report_to_subscriber(NaraPeerCore *sub, gint64 now);

NaraPubTrack *nara_room_core_find_track(NaraRoomCore *room, const char *track_id);
/* A publisher track appeared: route it to every slot waiting for it. */
void nara_room_core_track_added(NaraRoomCore *room, NaraPubTrack *track);
/* A publisher track is going away: unroute every slot it feeds. */
void nara_room_core_track_removed(NaraRoomCore *room, NaraPubTrack *track);
/* Routes an answered active slot if its track exists (and asks for a
 * keyframe when the subscriber is already connected). */
void nara_room_core_route(NaraRoomCore *room, NaraSubSlot *slot);
void nara_room_core_unroute(NaraSubSlot *slot);

/* A publisher track's ring and missing list (video) and receive statistics,
 * once when it is created; free unroutes it and frees what it holds. */
void nara_room_core_track_init(NaraPubTrack *track);
void nara_room_core_track_free(NaraRoomCore *room, NaraPubTrack *track);

/* Packet path, on the datagram the worker just received (in worker->rx).
 * TRUE when it authenticated (SRTP/SRTCP, no replay), whatever came next. */
gboolean nara_room_core_publisher_rtp(NaraPeerCore *publisher, guint8 *data, gsize len);
gboolean nara_room_core_publisher_rtcp(NaraPeerCore *publisher, guint8 *data, gsize len);
gboolean nara_room_core_subscriber_rtcp(NaraPeerCore *subscriber, guint8 *data, gsize len);
/* Sends a PLI for the track upstream; force skips the 300 ms coalescing. */
void nara_room_core_request_keyframe(NaraPubTrack *track, gboolean force);
/* A keyframe for what a slot is about to show (its wanted layer). */
void nara_room_core_slot_keyframe(NaraSubSlot *slot, gboolean force);

/* room.c's packet-path helpers that room_feedback.c shares: the current
 * receive batch's clock, a dropped packet counted (and now and then
 * logged), the publisher asked for what is due on a track's missing list
 * (force: even if looked at just now), a packet's sequence number and
 * timestamp written, and the subscriber's transport-wide number stamped. */
gint64 nara_room_arrival_us(const NaraWorker *worker);
void nara_room_drop(NaraPeerCore *peer, const char *why);
void nara_room_nack_upstream(NaraPubTrack *track, gint64 now, gboolean force);
void nara_room_put_seq_ts(guint8 *out, guint16 seq, guint32 ts);
void nara_room_stamp_twcc(NaraPeerCore *sub, guint8 *out, gsize len, gint64 now);

/* room_feedback.c: packet out_seq of a slot sent again from its layer's
 * ring, as RTX (or in the original stream if the subscriber took no RTX);
 * FALSE if it cannot be. A repair asks the publisher for a packet the ring
 * lacks; a probe (a copy that shows the downlink carries more, room.c)
 * does not, and is counted apart. */
gboolean nara_room_resend(NaraPeerCore *sub, NaraSubSlot *slot, guint16 out_seq, gint64 now,
                          gboolean probe);

/* numbering.c: a slot's output sequence numbers (room.c, packet path).
 * number() gives out's number for in from src, or FALSE when in is not sent
 * (a frame above the slot's temporal layer, or too late to place); tid is
 * the packet's temporal layer, -1 if it has none, frame_start whether it
 * starts a frame. started() goes over to a new source from in on. lookup()
 * finds what an output number was sent from, for a NACK. */
gboolean nara_numbering_number(NaraSubSlot *slot, const NaraRtpHeader *in, gint tid,
                               gboolean frame_start, guint16 *out);
void nara_numbering_switched(NaraSubSlot *slot, const NaraRtpHeader *in);
const NaraSeqSpan *nara_numbering_lookup(const NaraSubSlot *slot, guint16 out_seq);
void nara_numbering_reset(NaraSubSlot *slot);

/* playout.c: the subscriber's round trip (from its reports), its target
 * (the tick), and each forwarded video packet through stamp(), which adds
 * the playout-delay extension to a frame's first packet (out holds len of
 * cap octets; returns the new length). */
void nara_playout_rtt(NaraPeerCore *sub, gint64 rtt_us);
void nara_playout_tick(NaraPeerCore *sub);
gsize nara_playout_stamp(NaraSubSlot *slot, guint8 *out, gsize len, gsize cap);

/* simulcast.c: the group's layers on a publish peer, choosing a
 * subscriber's layers (on view changes, routes and the tick), each
 * layer's measured bitrate and pausing at the publisher the layers nobody
 * takes (the tick). */
void nara_simulcast_group_init(NaraPubTrack *group, const NaraSdpMedia *m);
void nara_simulcast_group_free(NaraRoomCore *room, NaraPubTrack *group);
void nara_simulcast_choose(NaraPeerCore *sub, gint64 now);
void nara_simulcast_tick_publisher(NaraPeerCore *pub, gint64 now);
/* Tick: tells the control thread which videos paused or resumed. */
void nara_simulcast_notify(NaraPeerCore *sub);
NaraPubTrack *nara_simulcast_layer_by_rid(NaraPubTrack *group, const guint8 *rid, gsize len);
/* Whether a subscriber takes this layer or waits for its keyframe. */
gboolean nara_simulcast_taken(const NaraPubTrack *layer);

G_END_DECLS
