/* load.h — the load tool's shared types: options, the tool, participants,
 * streams, and the signaling adapter interface (Nara or Janus).
 *
 * scenario.c owns the tool and its participants and decides when each one
 * joins; an adapter (signal_nara.c, signal_janus.c) only speaks its server's
 * WebSocket protocol for one participant and reports back through the
 * load_participant_*() calls below. Nothing here measures the server
 * (receive.c, proc.c and report.c do).
 *
 * Threading: the tool is single-threaded: one GLib main loop runs
 * libwebsockets, libnice, the DTLS timers and the publishers' pacing.
 */
#pragma once

#include "clip.h"
#include "peer.h"

#include <glib.h>

G_BEGIN_DECLS

#define LOAD_ERROR (load_error_quark())
GQuark load_error_quark(void);

typedef struct _LoadTool LoadTool;
typedef struct _LoadParticipant LoadParticipant;
typedef struct _LoadPublisher LoadPublisher;
typedef struct _LoadWsContext LoadWsContext;

typedef struct {
  char *server; /* "nara" or "janus" */
  char *url;
  guint rooms, publishers, subscribers;
  gboolean mesh;
  guint warmup_s, duration_s, setup_timeout_s;
  int server_pid; /* 0: no server figures */
  char *json_path;
  char *clip_path;
  char *ice_address;     /* the tool's host candidates: 127.0.0.1 unless the server
                          * cannot reach loopback (Janus skips it, see bench-vs-janus.sh) */
  char *srtp;            /* "gcm": GCM first, then AES-CM (as Chromium offers);
                          * "aes-cm": AES_CM_128_HMAC_SHA1_80 only */
  char *room_prefix;     /* Nara room names: PREFIX-<n> */
  guint janus_room_base; /* Janus room ids: BASE + n */
  gboolean verbose;
  gboolean busy_poll; /* never sleep: the server's sends never wake the tool */
  gboolean simulcast; /* video as three rid layers (q, h, f), as Chromium sends it */
} LoadOptions;

/* Simulcast: the rids, smallest first (the web client's order), and the
 * share of the clip's video frames each layer keeps: one in
 * load_layer_every[i], plus every keyframe (publisher.c). Without
 * --simulcast the video is one stream: the last layer's (the whole clip),
 * without a rid. */
#define LOAD_LAYERS 3
extern const char *const load_layer_rids[LOAD_LAYERS];
extern const guint load_layer_every[LOAD_LAYERS];
/* Header extension ids of the publish offer's video (Chromium's numbers). */
#define LOAD_EXT_ID_MID 4
#define LOAD_EXT_ID_RID 10
#define LOAD_EXT_ID_REPAIRED_RID 11
#define LOAD_EXT_LEN 8 /* the one-byte-header block with mid and rid, bytes */

/* Every sent RTP packet carries a tag in its RTP padding (RFC 3550 §5.1:
 * padding is ignored by receivers and forwarded untouched), because both
 * servers rewrite SSRCs and Janus also renumbers sequence numbers: the tag
 * indexes this ring of send times. */
#define LOAD_RING_SIZE 65536
#define LOAD_TAG_LEN 12

typedef struct {
  guint32 tag; /* 0: empty */
  guint16 stream;
  gboolean keyframe;
  gint64 sent_us;
} LoadSent;

/* One publisher's audio or video stream (a simulcast layer is one). */
typedef struct {
  guint participant;
  LoadKind kind;
  gint layer; /* index into load_layer_rids; -1: audio or a single video stream */
  guint32 ssrc;
  guint64 sent, sent_at_window;
  guint64 paused, paused_at_window; /* not sent: the server paused the layer (send-layers) */
} LoadOutStream;

/* One stream as one subscriber connection receives it. */
typedef struct {
  guint32 ssrc;
  LoadKind kind;
  gint out_stream; /* -1 until a tagged packet names it */
  guint64 received, bytes;
  guint32 cycles; /* RFC 3550 A.1: extended highest sequence number */
  guint16 max_seq;
  gboolean transit_valid;
  double transit, jitter; /* RFC 3550 A.8, in RTP clock units */
  gboolean window_seen;   /* counters below are valid */
  guint64 received_at_window, ext_max_at_window;
  guint64 by_layer[LOAD_LAYERS];   /* window: received packets by the layer they were sent in */
  gboolean rr_sent;                /* a Receiver Report covered this stream */
  guint64 rr_received, rr_ext_max; /* at the last one */
  gint64 rr_lost;                  /* cumulative, as reported */
} LoadInStream;

typedef struct {
  LoadParticipant *participant;
  LoadPeer *peer;
  GArray *streams; /* LoadInStream */
  guint32 rr_ssrc; /* the SSRC its Receiver Reports come from */
} LoadSubPeer;

typedef struct {
  const char *name;
  /* Connects and joins; publishers then publish. Subscribing follows
   * either from the server (Nara) or from subscribe() (Janus). */
  gpointer (*start)(LoadParticipant *p, GError **error);
  /* p should now receive `publisher`'s streams (it has joined, publisher is sending). */
  void (*subscribe)(LoadParticipant *p, LoadParticipant *publisher);
  /* Leaves politely and frees the adapter's state; no call back after. */
  void (*stop)(LoadParticipant *p);
} LoadAdapter;

extern const LoadAdapter load_adapter_nara;
extern const LoadAdapter load_adapter_janus;

struct _LoadParticipant {
  LoadTool *tool;
  guint index, room, slot; /* global index; room; position in the room */
  char name[32];
  gboolean publishes, subscribes;
  gpointer signaling; /* the adapter's state */
  gint64 join_sent_us, joined_us;
  LoadPeer *pub_peer;
  LoadPublisher *publisher;
  gint64 sending_us; /* first RTP sent: the publisher is live */
  /* Audio, then video: one stream, or the simulcast layers smallest first. */
  guint32 ssrcs[1 + LOAD_LAYERS];
  guint out_streams[1 + LOAD_LAYERS];
  guint n_video;                       /* 1, or LOAD_LAYERS with --simulcast */
  GPtrArray *sub_peers;                /* LoadSubPeer*, owned */
  gint64 *first_rtp_us, *first_key_us; /* by publisher participant index */
  gboolean *subscribed;                /* by publisher participant index: subscribe() was called */
  gboolean started, ready;
};

typedef enum {
  LOAD_PHASE_SETUP,
  LOAD_PHASE_WARMUP,
  LOAD_PHASE_WINDOW,
  LOAD_PHASE_DONE,
} LoadPhase;

typedef struct {
  gboolean ok;
  gint64 at_us;
  guint64 cpu_ticks; /* utime + stime */
  guint64 rss_kib;
  guint threads;
} LoadProcSample;

struct _LoadTool {
  LoadOptions opt;
  const LoadAdapter *adapter;
  GMainLoop *loop;
  LoadClip *clip;
  /* What each layer sends: indexes into clip->packets (load_clip_select). */
  guint *layer_packets[LOAD_LAYERS];
  guint layer_n_packets[LOAD_LAYERS];
  NaraDtlsContext *dtls_ctx;
  LoadWsContext *ws;
  GPtrArray *participants; /* LoadParticipant*, owned */
  GArray *out_streams;     /* LoadOutStream */
  LoadSent *ring;
  guint32 next_tag;
  LoadPhase phase;
  gint64 start_us, setup_done_us, window_start_us, window_end_us;
  LoadProcSample server_idle, server0, server1, self0, self1;
  GArray *latency_us; /* guint32, window only */
  guint64 untagged;
  guint timer, report_timer;
  int exit_code;
  char *failure;
};

/* ---- scenario.c: the run ---- */
/* (transfer full) Reads the clip, makes the participants; connects nothing yet. */
LoadTool *load_tool_new(const LoadOptions *opt, GError **error);
/* Runs the scenario to its end; returns the exit code (0 = measured). */
int load_tool_run(LoadTool *tool);
void load_tool_free(LoadTool *tool);

/* ---- scenario.c: what adapters call ---- */
void load_participant_join_sent(LoadParticipant *p);
void load_participant_joined(LoadParticipant *p);
/* (transfer full) Makes the publish peer and its publisher; returns the offer. */
char *load_participant_publish_offer(LoadParticipant *p, GError **error);
/* (transfer none) A new subscribe connection, owned by p. */
LoadSubPeer *load_participant_add_sub_peer(LoadParticipant *p, GError **error);
/* Ends the run with an error (setup or measurement can no longer be trusted). */
void load_participant_fail(LoadParticipant *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
LoadParticipant *load_tool_participant(LoadTool *tool, guint index);
void load_tool_log(LoadTool *tool, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* ---- publisher.c ---- */
LoadPublisher *load_publisher_new(LoadParticipant *p);
void load_publisher_start(LoadPublisher *pub);
/* A PLI/FIR for media_ssrc: that stream (layer) jumps to its next keyframe. */
void load_publisher_keyframe_request(LoadPublisher *pub, guint32 media_ssrc);
/* Nara's send-layers: send[k] for layer load_layer_rids[k]. */
void load_publisher_send_layers(LoadPublisher *pub, const gboolean *send);
void load_publisher_free(LoadPublisher *pub);

/* ---- receive.c ---- */
void load_receive_rtp(LoadSubPeer *sp, guint8 *data, gsize len, const NaraRtpHeader *h);
void load_receive_window_start(LoadTool *tool);
/* Sends sp a Receiver Report about every stream it receives (scenario.c's
 * timer calls it twice a second, about as often as a browser reports). */
void load_receive_send_report(LoadSubPeer *sp);

/* ---- proc.c ---- */
gboolean load_proc_sample(int pid, LoadProcSample *out);

/* ---- report.c ---- */
/* Writes the JSON report (stdout and --json) and the human summary (stderr). */
void load_report(LoadTool *tool);

G_END_DECLS
