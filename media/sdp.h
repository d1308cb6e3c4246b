/* sdp.h — private: reading browsers' SDP (sdp.c) and writing Nara's
 * (sdp_write.c), on GstSDPMessage.
 *
 * Pure functions on plain structs: no I/O, no global state, so they run on
 * any thread (the media workers call them) and are unit-tested against
 * recorded Chrome, Firefox, Safari and aiortc SDPs. Every string copied in
 * is bounded; anything over a bound or malformed is a NARA_MEDIA_ERROR_BAD_SDP.
 * Media is DTLS-SRTP only: an offer with a=crypto, plain RTP/AVP or without
 * a fingerprint is refused.
 */
#pragma once

#include "media.h"
#include "sdp_limits.h"

G_BEGIN_DECLS

#define NARA_SDP_MAX_MEDIA 32
#define NARA_SDP_MAX_CANDIDATES 32
#define NARA_SDP_TOKEN_LEN 257 /* ice-ufrag/pwd and mids are at most 256 chars */
#define NARA_SDP_FMTP_LEN 256
#define NARA_SDP_CANDIDATE_LEN 256
/* Simulcast (RFC 8853): layers Nara takes from one m-line, and the length
 * of a rid (RFC 8851 allows 255; browsers use one or two letters). */
#define NARA_SDP_MAX_RIDS 3
#define NARA_SDP_RID_LEN 16

/* Header extensions Nara understands, with the ids it uses itself on
 * subscribe connections (one id space per BUNDLE group, RFC 8843). */
typedef enum {
  NARA_EXT_MID,               /* urn:ietf:params:rtp-hdrext:sdes:mid */
  NARA_EXT_AUDIO_LEVEL,       /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
  NARA_EXT_VIDEO_ORIENTATION, /* urn:3gpp:video-orientation */
  NARA_EXT_ABS_SEND_TIME,     /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
  NARA_EXT_TWCC, /* http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01 */
  NARA_EXT_RID,  /* urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id */
  NARA_EXT_REPAIRED_RID,  /* urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id */
  NARA_EXT_PLAYOUT_DELAY, /* http://www.webrtc.org/experiments/rtp-hdrext/playout-delay */
  NARA_EXT_COUNT
} NaraExt;

/* Ids on subscribe connections; 0 = not offered to subscribers. */
#define NARA_SUB_EXT_ID_AUDIO_LEVEL 1
#define NARA_SUB_EXT_ID_VIDEO_ORIENTATION 3
/* transport-cc on subscribe connections: Nara numbers what it sends each
 * subscriber and reads the subscriber's feedback (downlink.c). */
#define NARA_SUB_EXT_ID_TWCC 5
/* playout-delay on subscribe connections' video: on a lossy downlink Nara
 * asks the receiver to hold frames long enough for a repair (room.c). */
#define NARA_SUB_EXT_ID_PLAYOUT_DELAY 6
/* Publisher extensions a subscriber did not negotiate are renamed to this id,
 * which Nara never negotiates, so receivers skip them (RFC 8285 §4.2). */
#define NARA_EXT_ID_UNUSED 14

const char *nara_ext_uri(NaraExt ext);

typedef enum {
  NARA_DTLS_SETUP_ACTPASS,
  NARA_DTLS_SETUP_ACTIVE,
  NARA_DTLS_SETUP_PASSIVE,
} NaraDtlsSetup;

/* The one codec chosen for an m-line, in the numbering of the SDP it came from. */
typedef struct {
  guint8 pt;
  char name[16]; /* "opus", "VP8", "H264" */
  guint clock_rate;
  guint channels;               /* audio; 0 for video */
  char fmtp[NARA_SDP_FMTP_LEN]; /* "" if none */
  guint8 rtx_pt;                /* RFC 4588 rtx with apt=pt; 0 if none */
  gboolean nack;                /* a=rtcp-fb:<pt> nack (generic NACK) */
  gboolean twcc;                /* a=rtcp-fb:<pt> transport-cc */
  /* Opus: RFC 2198 RED (red/48000/2, a=fmtp "<pt>/<pt>") carrying this
   * codec only; 0 if none. Written first in Nara's m-lines, so a browser
   * sends RED. */
  guint8 red_pt;
} NaraSdpCodec;

/* One m-line of a remote description. */
typedef struct {
  char mid[NARA_SDP_TOKEN_LEN];
  NaraTrackKind kind;
  gboolean rejected;  /* port 0, or no codec Nara forwards */
  gboolean sending;   /* sendonly/sendrecv: the remote sends on it */
  NaraSdpCodec codec; /* valid unless rejected */
  guint32 ssrc;       /* first a=ssrc (primary, not RTX/FEC), 0 if none */
  guint32 rtx_ssrc;   /* its repair SSRC (a=ssrc-group:FID ssrc rtx), 0 if none */
  char msid_stream[NARA_MEDIA_ID_LEN];
  char msid_track[NARA_MEDIA_ID_LEN];
  guint8 ext_ids[NARA_EXT_COUNT]; /* the remote's id for each extension, 0 = none */
  gboolean rtcp_rsize;            /* a=rtcp-rsize: bare feedback (RFC 5506) is understood */
  /* Simulcast: the rids the remote sends, in a=simulcast order (the web
   * client lists them smallest first); n_rids 0 without simulcast. */
  char rids[NARA_SDP_MAX_RIDS][NARA_SDP_RID_LEN];
  guint n_rids;
  /* The m= line as offered, echoed when the answer rejects it (any media type). */
  char type[16];  /* "audio", "video", "application", ... */
  char proto[32]; /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ... */
  char fmt[32];   /* first format */
} NaraSdpMedia;

/* A parsed remote description (an offer on publish, an answer on subscribe). */
typedef struct {
  char ice_ufrag[NARA_SDP_TOKEN_LEN];
  char ice_pwd[NARA_SDP_TOKEN_LEN];
  char fingerprint[160]; /* sha-256 "AB:CD:…" */
  NaraDtlsSetup setup;
  NaraSdpMedia media[NARA_SDP_MAX_MEDIA];
  guint n_media;
  char candidates[NARA_SDP_MAX_CANDIDATES][NARA_SDP_CANDIDATE_LEN]; /* "candidate:…" */
  guint n_candidates;
  gboolean ice_lite; /* a=ice-lite: the remote never checks, we must control */
} NaraSdpRemote;

/* What Nara says about itself in every description it writes. */
typedef struct {
  const char *ice_ufrag;
  const char *ice_pwd;
  const char *fingerprint; /* sha-256 "AB:CD:…" */
  NaraDtlsSetup setup;     /* answers: active/passive as given, actpass = derive from
                            * the offer; offers always say actpass */
  guint64 session_id;
  guint session_version;         /* bumped on every new offer */
  const char *const *candidates; /* "candidate:…", n_candidates of them */
  guint n_candidates;
  const char *connection_address; /* c= line; "0.0.0.0" if NULL */
  guint16 port;                   /* m= port of the default candidate; 9 if 0 */
  gboolean ice_lite;              /* a=ice-lite at session level */
} NaraSdpLocal;

/* One m-line of a subscribe offer: a publisher's track, or an unused slot. */
typedef struct {
  char mid[NARA_SDP_TOKEN_LEN];
  NaraTrackKind kind;
  gboolean active;                   /* FALSE: slot kept for reuse, direction inactive */
  NaraSdpCodec codec;                /* the publisher's codec and payload type */
  guint32 ssrc;                      /* the SSRC the subscriber will see */
  guint32 rtx_ssrc;                  /* its RTX SSRC (video with codec.rtx_pt) */
  char stream_id[NARA_MEDIA_ID_LEN]; /* msid: stream (publisher participant id) */
  char track_id[NARA_MEDIA_ID_LEN];  /* msid: track */
  gboolean twcc;                     /* offer transport-cc (extension and feedback) */
} NaraSdpOfferMedia;

/* The DTLS role an answer takes to an offer's a=setup (RFC 5763 §5):
 * passive unless the offerer insists on being passive. */
NaraDtlsSetup nara_sdp_answer_setup(NaraDtlsSetup offered);

/* Parses an offer or answer (what = "offer"/"answer" for messages). */
gboolean nara_sdp_parse(const char *sdp, NaraSdpRemote *out, GError **error);
/* (transfer full) The publish answer: every m-line recvonly with the chosen
 * codec (and its rtx, RED first, generic NACK and transport-cc if offered), rtcp-mux,
 * BUNDLE of all accepted mids, a=ice-lite if local says so. */
char *nara_sdp_build_answer(const NaraSdpRemote *offer, const NaraSdpLocal *local);
/* (transfer full) A subscribe offer: sendonly m-lines with a=ssrc and msid;
 * video offers generic NACK, and RTX (with its FID group) when codec.rtx_pt
 * is set; audio offers RED first when codec.red_pt is set. */
char *nara_sdp_build_offer(const NaraSdpOfferMedia *media, guint n_media,
                           const NaraSdpLocal *local);

G_END_DECLS
