/* sdp_write.c — writing Nara's SDP: publish answers and subscribe offers,
 * on GstSDPMessage.
 *
 * Owns what Nara says about itself: one codec per m-line with the feedback
 * Nara acts on, the header extensions it accepts, ICE and DTLS attributes,
 * BUNDLE and rtcp-mux. Reading remote descriptions is sdp.c. Pure
 * functions, called on media workers; safe on any thread.
 */
#include "sdp.h"

#include <gst/sdp/sdp.h>
#include <stdarg.h>
#include <string.h>

/* Echoed in publish answers. transport-cc: Nara answers the publisher's
 * transport sequence numbers with feedback (twcc.c), which the browser's
 * send-side estimator follows. Subscribe offers carry it too, with Nara's
 * own numbering: the subscriber's feedback is its downlink estimate
 * (downlink.c). The rid extensions tell simulcast layers apart. */
static const NaraExt answer_exts[] = { NARA_EXT_AUDIO_LEVEL,   NARA_EXT_VIDEO_ORIENTATION,
                                       NARA_EXT_ABS_SEND_TIME, NARA_EXT_MID,
                                       NARA_EXT_TWCC,          NARA_EXT_RID,
                                       NARA_EXT_REPAIRED_RID };

static const char *setup_name(NaraDtlsSetup setup)
{
  switch (setup) {
  case NARA_DTLS_SETUP_ACTIVE:
    return "active";
  case NARA_DTLS_SETUP_PASSIVE:
    return "passive";
  case NARA_DTLS_SETUP_ACTPASS:
    break;
  }
  return "actpass";
}

static void add_attr_printf(GstSDPMedia *m, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void add_attr_printf(GstSDPMedia *m, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *v = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  gst_sdp_media_add_attribute(m, key, v);
}

static GstSDPMessage *new_message(const NaraSdpLocal *local)
{
  GstSDPMessage *msg;
  gst_sdp_message_new(&msg);
  gst_sdp_message_set_version(msg, "0");
  /* JSEP §5.2.1: the session id must fit a signed 64-bit integer. */
  g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, local->session_id & G_MAXINT64);
  g_autofree char *version = g_strdup_printf("%u", local->session_version);
  gst_sdp_message_set_origin(msg, "-", id, version, "IN", "IP4", "127.0.0.1");
  gst_sdp_message_set_session_name(msg, "-");
  gst_sdp_message_add_time(msg, "0", "0", NULL);
  return msg;
}

/* Session attributes, once the m-lines are known. */
static char *finish_message(GstSDPMessage *msg, GString *bundle, const NaraSdpLocal *local)
{
  /* RFC 8839 §5.3: session level. The browser then takes the controlling
   * role whoever offers (RFC 8445 §6.1.1). */
  if (local->ice_lite)
    gst_sdp_message_add_attribute(msg, "ice-lite", NULL);
  if (bundle->len)
    gst_sdp_message_add_attribute(msg, "group", bundle->str);
  /* Chrome and Firefox read msid only under this semantic. */
  gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS");
  char *text = gst_sdp_message_as_text(msg);
  gst_sdp_message_free(msg);
  g_string_free(bundle, TRUE);
  return text;
}

static void add_connection(GstSDPMedia *m, const NaraSdpLocal *local)
{
  const char *addr = local->connection_address ? local->connection_address : "0.0.0.0";
  const char *ip = strchr(addr, ':') ? "IP6" : "IP4";
  gst_sdp_media_add_connection(m, "IN", ip, addr, 0, 0);
}

/* c=, a=rtcp, candidates, ICE and DTLS attributes of one m-line. With rtcp-mux
 * a=rtcp repeats the RTP port (RFC 5761 §5.1.3). */
static void add_transport(GstSDPMedia *m, const NaraSdpLocal *local, NaraDtlsSetup setup,
                          gboolean candidates)
{
  const char *addr = local->connection_address ? local->connection_address : "0.0.0.0";
  add_connection(m, local);
  add_attr_printf(m, "rtcp", "%u IN %s %s", local->port ? local->port : 9u,
                  strchr(addr, ':') ? "IP6" : "IP4", addr);
  for (guint i = 0; candidates && i < local->n_candidates; i++) {
    const char *c = local->candidates[i];
    if (g_str_has_prefix(c, "a="))
      c += 2;
    if (g_str_has_prefix(c, "candidate:"))
      c += strlen("candidate:");
    gst_sdp_media_add_attribute(m, "candidate", c);
  }
  if (candidates && local->n_candidates)
    gst_sdp_media_add_attribute(m, "end-of-candidates", NULL);
  gst_sdp_media_add_attribute(m, "ice-ufrag", local->ice_ufrag);
  gst_sdp_media_add_attribute(m, "ice-pwd", local->ice_pwd);
  gst_sdp_media_add_attribute(m, "ice-options", "trickle");
  add_attr_printf(m, "fingerprint", "sha-256 %s", local->fingerprint);
  gst_sdp_media_add_attribute(m, "setup", setup_name(setup));
}

/* rtpmap, feedback and fmtp of the one codec, and of its rtx. Video gets
 * PLI and FIR, which Nara relays upstream, REMB, which it generates, and
 * generic NACK, which it answers from its packet ring (an answer only
 * repeats what the offer had: offer says which). An answer keeps an offered
 * transport-cc, audio or video; an offer has it when c->twcc says so. */
static void add_codec(GstSDPMedia *m, NaraTrackKind kind, const NaraSdpCodec *c, gboolean offer)
{
  if (c->channels)
    add_attr_printf(m, "rtpmap", "%u %s/%u/%u", c->pt, c->name, c->clock_rate, c->channels);
  else
    add_attr_printf(m, "rtpmap", "%u %s/%u", c->pt, c->name, c->clock_rate);
  if (kind == NARA_TRACK_VIDEO) {
    if (offer || c->nack)
      add_attr_printf(m, "rtcp-fb", "%u nack", c->pt);
    add_attr_printf(m, "rtcp-fb", "%u nack pli", c->pt);
    add_attr_printf(m, "rtcp-fb", "%u ccm fir", c->pt);
    add_attr_printf(m, "rtcp-fb", "%u goog-remb", c->pt);
  }
  if (c->twcc)
    add_attr_printf(m, "rtcp-fb", "%u transport-cc", c->pt);
  if (c->fmtp[0])
    add_attr_printf(m, "fmtp", "%u %s", c->pt, c->fmtp);
  /* RFC 2198: RED first on the m= line (init_mline), then the Opus it
   * carries; Chromium sends RED only when the other side lists it first. */
  if (kind == NARA_TRACK_AUDIO && c->red_pt) {
    g_autofree char *fmt = g_strdup_printf("%u", c->pt);
    gst_sdp_media_add_format(m, fmt);
    add_attr_printf(m, "rtpmap", "%u red/%u/%u", c->red_pt, c->clock_rate, c->channels);
    add_attr_printf(m, "fmtp", "%u %u/%u", c->red_pt, c->pt, c->pt);
  }
  if (kind == NARA_TRACK_VIDEO && c->rtx_pt) {
    g_autofree char *fmt = g_strdup_printf("%u", c->rtx_pt);
    gst_sdp_media_add_format(m, fmt);
    add_attr_printf(m, "rtpmap", "%u rtx/%u", c->rtx_pt, c->clock_rate);
    add_attr_printf(m, "fmtp", "%u apt=%u", c->rtx_pt, c->pt);
  }
}

/* The first format of an m-line: RED where it carries the codec. */
static guint8 first_pt(NaraTrackKind kind, const NaraSdpCodec *c)
{
  return kind == NARA_TRACK_AUDIO && c->red_pt ? c->red_pt : c->pt;
}

/* gst_sdp_media_init() frees what it finds, so m must start zeroed. */
static void init_mline(GstSDPMedia *m, const char *type, guint port, const char *proto, guint8 pt)
{
  memset(m, 0, sizeof *m);
  gst_sdp_media_init(m);
  gst_sdp_media_set_media(m, type);
  gst_sdp_media_set_port_info(m, port, 0);
  gst_sdp_media_set_proto(m, proto);
  g_autofree char *fmt = g_strdup_printf("%u", pt);
  gst_sdp_media_add_format(m, fmt);
}

char *nara_sdp_build_answer(const NaraSdpRemote *offer, const NaraSdpLocal *local)
{
  GstSDPMessage *msg = new_message(local);
  GString *bundle = g_string_new(NULL);
  /* The caller's DTLS role wins, so the SDP never disagrees with the
   * handshake; actpass is no answer (RFC 5763 §5), so derive one then. */
  NaraDtlsSetup setup = local->setup == NARA_DTLS_SETUP_ACTPASS
                            ? nara_sdp_answer_setup(offer->setup)
                            : local->setup;
  gboolean first = TRUE;

  for (guint i = 0; i < offer->n_media; i++) {
    const NaraSdpMedia *o = &offer->media[i];
    GstSDPMedia m;
    if (o->rejected) {
      /* RFC 3264 §6: same media type and a format from the offer, port 0. */
      memset(&m, 0, sizeof m);
      gst_sdp_media_init(&m);
      gst_sdp_media_set_media(&m, o->type[0] ? o->type : "audio");
      gst_sdp_media_set_port_info(&m, 0, 0);
      gst_sdp_media_set_proto(&m, o->proto[0] ? o->proto : "UDP/TLS/RTP/SAVPF");
      gst_sdp_media_add_format(&m, o->fmt[0] ? o->fmt : "0");
      add_connection(&m, local);
      if (o->mid[0])
        gst_sdp_media_add_attribute(&m, "mid", o->mid);
      gst_sdp_message_add_media(msg, &m); /* takes m's contents */
      continue;
    }
    init_mline(&m, o->kind == NARA_TRACK_VIDEO ? "video" : "audio", local->port ? local->port : 9u,
               o->proto[0] ? o->proto : "UDP/TLS/RTP/SAVPF", first_pt(o->kind, &o->codec));
    add_transport(&m, local, setup, first);
    gst_sdp_media_add_attribute(&m, "mid", o->mid);
    for (guint e = 0; e < G_N_ELEMENTS(answer_exts); e++) {
      guint8 id = o->ext_ids[answer_exts[e]];
      if (id)
        add_attr_printf(&m, "extmap", "%u %s", id, nara_ext_uri(answer_exts[e]));
    }
    gst_sdp_media_add_attribute(&m, o->sending ? "recvonly" : "inactive", NULL);
    gst_sdp_media_add_attribute(&m, "rtcp-mux", NULL);
    /* RFC 5506 §5: an answer may only accept reduced-size RTCP if offered. */
    if (o->rtcp_rsize)
      gst_sdp_media_add_attribute(&m, "rtcp-rsize", NULL);
    add_codec(&m, o->kind, &o->codec, FALSE);
    /* RFC 8853 §5.3: the answer receives the layers the offer sends. */
    if (o->n_rids) {
      GString *list = g_string_new("recv ");
      for (guint r = 0; r < o->n_rids; r++) {
        add_attr_printf(&m, "rid", "%s recv", o->rids[r]);
        g_string_append_printf(list, "%s%s", r ? ";" : "", o->rids[r]);
      }
      gst_sdp_media_add_attribute(&m, "simulcast", list->str);
      g_string_free(list, TRUE);
    }
    gst_sdp_message_add_media(msg, &m);
    g_string_append_printf(bundle, "%s%s", bundle->len ? " " : "BUNDLE ", o->mid);
    first = FALSE;
  }
  return finish_message(msg, bundle, local);
}

/* An inactive slot never used, or a caller without a codec: something every
 * browser accepts for the kind. */
static const NaraSdpCodec default_audio = { .pt = 111,
                                            .name = "opus",
                                            .clock_rate = 48000,
                                            .channels = 2,
                                            .fmtp = "minptime=10;useinbandfec=1" };
static const NaraSdpCodec default_video = { .pt = 96, .name = "VP8", .clock_rate = 90000 };

char *nara_sdp_build_offer(const NaraSdpOfferMedia *media, guint n_media, const NaraSdpLocal *local)
{
  GstSDPMessage *msg = new_message(local);
  GString *bundle = g_string_new(NULL);

  for (guint i = 0; i < n_media; i++) {
    const NaraSdpOfferMedia *o = &media[i];
    gboolean video = o->kind == NARA_TRACK_VIDEO;
    const NaraSdpCodec *c = o->codec.name[0] ? &o->codec : video ? &default_video : &default_audio;
    GstSDPMedia m;
    /* Port 9 even when inactive: port 0 would retire the m-line for good
     * (RFC 8843 §7.3.3), and slots are reused for later tracks. */
    init_mline(&m, video ? "video" : "audio", local->port ? local->port : 9u, "UDP/TLS/RTP/SAVPF",
               first_pt(o->kind, c));
    add_transport(&m, local, NARA_DTLS_SETUP_ACTPASS, i == 0);
    gst_sdp_media_add_attribute(&m, "mid", o->mid);
    if (video) {
      add_attr_printf(&m, "extmap", "%u %s", NARA_SUB_EXT_ID_VIDEO_ORIENTATION,
                      nara_ext_uri(NARA_EXT_VIDEO_ORIENTATION));
      add_attr_printf(&m, "extmap", "%u %s", NARA_SUB_EXT_ID_PLAYOUT_DELAY,
                      nara_ext_uri(NARA_EXT_PLAYOUT_DELAY));
    } else
      add_attr_printf(&m, "extmap", "%u %s", NARA_SUB_EXT_ID_AUDIO_LEVEL,
                      nara_ext_uri(NARA_EXT_AUDIO_LEVEL));
    if (o->twcc)
      add_attr_printf(&m, "extmap", "%u %s", NARA_SUB_EXT_ID_TWCC, nara_ext_uri(NARA_EXT_TWCC));
    gst_sdp_media_add_attribute(&m, o->active ? "sendonly" : "inactive", NULL);
    if (o->active)
      add_attr_printf(&m, "msid", "%s %s", o->stream_id, o->track_id);
    gst_sdp_media_add_attribute(&m, "rtcp-mux", NULL);
    gst_sdp_media_add_attribute(&m, "rtcp-rsize", NULL);
    gboolean rtx = video && c->rtx_pt && o->active && o->ssrc && o->rtx_ssrc;
    NaraSdpCodec offered = *c;
    offered.rtx_pt = rtx ? c->rtx_pt : 0;
    offered.twcc = o->twcc;
    add_codec(&m, o->kind, &offered, TRUE);
    if (rtx)
      add_attr_printf(&m, "ssrc-group", "FID %u %u", o->ssrc, o->rtx_ssrc);
    if (o->active && o->ssrc) {
      add_attr_printf(&m, "ssrc", "%u cname:nara", o->ssrc);
      add_attr_printf(&m, "ssrc", "%u msid:%s %s", o->ssrc, o->stream_id, o->track_id);
    }
    if (rtx) {
      add_attr_printf(&m, "ssrc", "%u cname:nara", o->rtx_ssrc);
      add_attr_printf(&m, "ssrc", "%u msid:%s %s", o->rtx_ssrc, o->stream_id, o->track_id);
    }
    gst_sdp_message_add_media(msg, &m);
    g_string_append_printf(bundle, "%s%s", bundle->len ? " " : "BUNDLE ", o->mid);
  }
  return finish_message(msg, bundle, local);
}
