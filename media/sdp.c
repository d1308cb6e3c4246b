/* sdp.c — reading browsers' SDP into NaraSdpRemote, on GstSDPMessage.
 *
 * Owns what Nara accepts from a remote description: DTLS-SRTP with BUNDLE
 * and rtcp-mux only, one codec per m-line (Opus; VP8 or packetization-mode
 * 1 H.264, whichever the offer lists first), and every bound on what a peer may send.
 * Writing Nara's own answers and offers is sdp_write.c. It does not
 * negotiate transports, keep state between calls, or know which track goes
 * where: the caller passes plain structs. Pure functions, called on media
 * workers; safe on any thread.
 */
#include "sdp.h"

#include <gst/sdp/sdp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const ext_uris[NARA_EXT_COUNT] = {
  [NARA_EXT_MID] = "urn:ietf:params:rtp-hdrext:sdes:mid",
  [NARA_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
  [NARA_EXT_VIDEO_ORIENTATION] = "urn:3gpp:video-orientation",
  [NARA_EXT_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
  [NARA_EXT_TWCC] = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
  [NARA_EXT_RID] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
  [NARA_EXT_REPAIRED_RID] = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
  [NARA_EXT_PLAYOUT_DELAY] = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
};

#define MAX_PT 128
#define MAX_SECONDARY_SSRCS 64
#define FINGERPRINT_SHA256_LEN 95 /* 32 "XX" pairs and 31 colons */

const char *nara_ext_uri(NaraExt ext)
{
  return (guint)ext < NARA_EXT_COUNT ? ext_uris[ext] : NULL;
}

NaraDtlsSetup nara_sdp_answer_setup(NaraDtlsSetup offered)
{
  return offered == NARA_DTLS_SETUP_PASSIVE ? NARA_DTLS_SETUP_ACTIVE : NARA_DTLS_SETUP_PASSIVE;
}

static gboolean G_GNUC_PRINTF(2, 3) bad_sdp(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, msg);
  return FALSE;
}

/* Copies src into dst[cap] if it fits and every byte is in [lo, 0x7e]:
 * lo = '!' for tokens (no spaces), ' ' for free text such as fmtp. Values
 * come from one SDP line, so CR/LF cannot occur; the check keeps control
 * bytes and non-ASCII out of what Nara echoes and logs. */
static gboolean copy_checked(char *dst, gsize cap, const char *src, char lo, const char *what,
                             GError **error)
{
  gsize n = src ? strlen(src) : 0;
  if (n >= cap)
    return bad_sdp(error, "%s is longer than %" G_GSIZE_FORMAT " bytes", what, cap - 1);
  for (gsize i = 0; i < n; i++) {
    if (src[i] < lo || src[i] > 0x7e)
      return bad_sdp(error, "%s has a character that is not allowed", what);
  }
  memcpy(dst, src ? src : "", n + 1);
  return TRUE;
}

#define copy_token(dst, src, what, error) copy_checked(dst, sizeof(dst), src, '!', what, error)
#define copy_text(dst, src, what, error) copy_checked(dst, sizeof(dst), src, ' ', what, error)

/* RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/". */
static gboolean copy_ice(char *dst, const char *src, const char *what, GError **error)
{
  if (!src || !*src)
    return bad_sdp(error, "a=%s is missing", what);
  for (const char *p = src; *p; p++) {
    if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/')
      return bad_sdp(error, "a=%s has a character that is not allowed", what);
  }
  return copy_checked(dst, NARA_SDP_TOKEN_LEN, src, '!', what, error);
}

/* Reads a decimal number of at most `max` at *p, advancing *p. */
static gboolean read_uint(const char **p, guint64 max, guint64 *out)
{
  if (!g_ascii_isdigit(**p))
    return FALSE;
  guint64 v = 0;
  while (g_ascii_isdigit(**p)) {
    v = v * 10 + (guint64)(**p - '0');
    if (v > max)
      return FALSE;
    (*p)++;
  }
  *out = v;
  return TRUE;
}

static gboolean is_attr(const GstSDPAttribute *a, const char *key)
{
  return a->key && strcmp(a->key, key) == 0;
}

static const char *attr_value(const GstSDPAttribute *a)
{
  return a->value ? a->value : "";
}

/* "a=rtpmap:96 VP8/90000", "a=rtpmap:111 opus/48000/2". */
typedef struct {
  gboolean set;
  char name[16];
  guint clock_rate;
  guint channels;
} Rtpmap;

static gboolean parse_rtpmap(const char *v, guint *pt, Rtpmap *map)
{
  guint64 n, rate, ch = 0;
  if (!read_uint(&v, MAX_PT - 1, &n) || *v++ != ' ')
    return FALSE;
  const char *slash = strchr(v, '/');
  if (!slash || slash == v || (gsize)(slash - v) >= sizeof map->name)
    return FALSE;
  memcpy(map->name, v, slash - v);
  map->name[slash - v] = '\0';
  v = slash + 1;
  if (!read_uint(&v, G_MAXUINT32, &rate))
    return FALSE;
  if (*v == '/' && (v++, !read_uint(&v, 255, &ch)))
    return FALSE;
  *pt = (guint)n;
  map->clock_rate = (guint)rate;
  map->channels = (guint)ch;
  map->set = TRUE;
  return TRUE;
}

/* Value of `key` in an fmtp parameter list "a=1;b=2" (spaces tolerated),
 * copied into out[cap]; FALSE if absent. */
static gboolean fmtp_param(const char *fmtp, const char *key, char *out, gsize cap)
{
  gsize klen = strlen(key);
  for (const char *p = fmtp; p && *p;) {
    while (*p == ' ' || *p == ';')
      p++;
    const char *end = strchr(p, ';');
    gsize len = end ? (gsize)(end - p) : strlen(p);
    if (len > klen && g_ascii_strncasecmp(p, key, klen) == 0 && p[klen] == '=') {
      gsize vlen = len - klen - 1;
      while (vlen && p[klen + 1 + vlen - 1] == ' ')
        vlen--;
      if (vlen >= cap)
        return FALSE;
      memcpy(out, p + klen + 1, vlen);
      out[vlen] = '\0';
      return TRUE;
    }
    p = end;
  }
  return FALSE;
}

/* Nara forwards H.264 only as packetization-mode 1 (FU-A), the mode every
 * browser decodes; among those it prefers Constrained Baseline 3.1, then any
 * Baseline profile, which all browsers decode in hardware or software. */
static int h264_score(const char *fmtp)
{
  char v[16];
  if (!fmtp_param(fmtp, "packetization-mode", v, sizeof v) || strcmp(v, "1") != 0)
    return 0;
  if (!fmtp_param(fmtp, "profile-level-id", v, sizeof v))
    return 1;
  if (g_ascii_strcasecmp(v, "42e01f") == 0)
    return 3;
  return g_ascii_strncasecmp(v, "42", 2) == 0 ? 2 : 1;
}

/* What one pass over an m-line's attributes collects. */
typedef struct {
  Rtpmap rtpmap[MAX_PT];
  const char *fmtp[MAX_PT];
  gboolean nack[MAX_PT];
  gboolean twcc[MAX_PT];
  guint32 fid_primary, fid_repair; /* the first FID group */
  const char *mid;
  const char *msid;
  const char *simulcast; /* a=simulcast value */
  const char *rid_send[NARA_SDP_MAX_RIDS];
  guint n_rid_send;
  gboolean sending, rtcp_mux, bundle_only, crypto;
  guint32 secondary[MAX_SECONDARY_SSRCS];
  guint n_secondary;
} MediaScan;

static void scan_ssrc_group(const char *v, MediaScan *s)
{
  /* RFC 5576 §4.2: "FID 1111 2222": the first SSRC is the primary, the others
   * repair it (RTX, FEC) and must not be taken for the track. */
  if (strncmp(v, "FID ", 4) != 0 && strncmp(v, "FEC-FR ", 7) != 0)
    return;
  gboolean fid = v[1] == 'I';
  v = strchr(v, ' ');
  guint32 primary = 0;
  while (v && *v == ' ') {
    v++;
    guint64 ssrc;
    if (!read_uint(&v, G_MAXUINT32, &ssrc))
      return;
    if (!primary) {
      primary = (guint32)ssrc;
      continue;
    }
    if (s->n_secondary < MAX_SECONDARY_SSRCS)
      s->secondary[s->n_secondary++] = (guint32)ssrc;
    if (fid && !s->fid_primary) {
      s->fid_primary = primary;
      s->fid_repair = (guint32)ssrc;
    }
  }
}

/* "a=extmap:3/sendonly urn:3gpp:video-orientation": the direction suffix and
 * any extension attributes after the URI do not matter to Nara. */
static void scan_extmap(const char *v, NaraSdpMedia *m)
{
  guint64 id;
  if (!read_uint(&v, 255, &id) || id == 0)
    return;
  if (*v == '/')
    v += strcspn(v, " ");
  if (*v++ != ' ')
    return;
  gsize len = strcspn(v, " ");
  for (guint e = 0; e < NARA_EXT_COUNT; e++) {
    if (strlen(ext_uris[e]) == len && strncmp(v, ext_uris[e], len) == 0 && !m->ext_ids[e])
      m->ext_ids[e] = (guint8)id;
  }
}

static void scan_attributes(const GstSDPMedia *gm, MediaScan *s, NaraSdpMedia *m)
{
  s->sending = TRUE; /* RFC 4566 §6: sendrecv unless said otherwise */
  for (guint i = 0; i < gst_sdp_media_attributes_len(gm); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(gm, i);
    const char *v = attr_value(a);
    guint pt;
    Rtpmap map = { 0 };
    if (is_attr(a, "rtpmap")) {
      if (parse_rtpmap(v, &pt, &map) && !s->rtpmap[pt].set)
        s->rtpmap[pt] = map;
    } else if (is_attr(a, "fmtp")) {
      guint64 n;
      if (read_uint(&v, MAX_PT - 1, &n) && *v == ' ' && !s->fmtp[n])
        s->fmtp[n] = v + 1;
    } else if (is_attr(a, "rtcp-fb")) {
      /* "96 nack" only: "96 nack pli" is a keyframe request. */
      guint64 n = 0;
      gboolean all = strncmp(v, "* ", 2) == 0;
      const char *fb = all ? v + 1 : read_uint(&v, MAX_PT - 1, &n) ? v : "";
      gboolean *set = strcmp(fb, " nack") == 0           ? s->nack
                      : strcmp(fb, " transport-cc") == 0 ? s->twcc
                                                         : NULL;
      if (set && all)
        memset(set, TRUE, sizeof s->nack);
      else if (set)
        set[n] = TRUE;
    } else if (is_attr(a, "mid")) {
      s->mid = s->mid ? s->mid : v;
    } else if (is_attr(a, "msid")) {
      s->msid = s->msid ? s->msid : v;
    } else if (is_attr(a, "sendrecv") || is_attr(a, "sendonly")) {
      s->sending = TRUE;
    } else if (is_attr(a, "recvonly") || is_attr(a, "inactive")) {
      s->sending = FALSE;
    } else if (is_attr(a, "rtcp-mux")) {
      s->rtcp_mux = TRUE;
    } else if (is_attr(a, "rtcp-rsize")) {
      m->rtcp_rsize = TRUE;
    } else if (is_attr(a, "bundle-only")) {
      s->bundle_only = TRUE;
    } else if (is_attr(a, "crypto")) {
      s->crypto = TRUE;
    } else if (is_attr(a, "ssrc-group")) {
      scan_ssrc_group(v, s);
    } else if (is_attr(a, "extmap")) {
      scan_extmap(v, m);
    } else if (is_attr(a, "simulcast")) {
      s->simulcast = s->simulcast ? s->simulcast : v;
    } else if (is_attr(a, "rid") && strstr(v, " send") && s->n_rid_send < NARA_SDP_MAX_RIDS) {
      s->rid_send[s->n_rid_send++] = v;
    }
  }
}

/* A rid, as far as Nara needs one: RFC 8851 §10's token characters. */
static gboolean copy_rid(char *dst, const char *v, gsize n)
{
  if (n == 0 || n >= NARA_SDP_RID_LEN)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(v[i]) && v[i] != '-' && v[i] != '_')
      return FALSE;
  memcpy(dst, v, n);
  dst[n] = '\0';
  return TRUE;
}

/* "a=simulcast:send q;h;f" (RFC 8853 §5.1): the first alternative of each
 * stream, paused ones ("~f") left out; without a=simulcast, or without the
 * rid extension to tell the layers apart, there is no simulcast. A list
 * Nara cannot read is ignored: the m-line then carries its first layer. */
static void scan_simulcast(const MediaScan *s, NaraSdpMedia *m)
{
  m->n_rids = 0;
  if (!s->simulcast || !m->ext_ids[NARA_EXT_RID] || strncmp(s->simulcast, "send ", 5) != 0)
    return;
  const char *p = s->simulcast + 5;
  while (*p && *p != ' ' && m->n_rids < NARA_SDP_MAX_RIDS) {
    gsize n = strcspn(p, ";, ");
    gboolean paused = *p == '~';
    if (!paused && !copy_rid(m->rids[m->n_rids], p, n))
      break;
    if (!paused) {
      gboolean declared = FALSE;
      for (guint i = 0; i < s->n_rid_send; i++)
        declared |= strncmp(s->rid_send[i], p, n) == 0 && s->rid_send[i][n] == ' ';
      m->n_rids += declared;
    }
    p += n;
    p += strcspn(p, "; "); /* skip further alternatives */
    if (*p == ';')
      p++;
  }
  if (m->n_rids < 2)
    m->n_rids = 0;
}

/* Splits "stream track" into the two msid fields. */
static gboolean copy_msid(NaraSdpMedia *m, const char *v, GError **error)
{
  const char *sp = strchr(v, ' ');
  g_autofree char *stream = g_strndup(v, sp ? (gsize)(sp - v) : strlen(v));
  if (!copy_token(m->msid_stream, stream, "msid stream id", error))
    return FALSE;
  if (!sp)
    return TRUE;
  while (*sp == ' ')
    sp++;
  g_autofree char *track = g_strndup(sp, strcspn(sp, " "));
  return copy_token(m->msid_track, track, "msid track id", error);
}

/* The first a=ssrc that is no repair stream, and its msid: attribute when the
 * m-line has no a=msid (older Chrome, aiortc). */
static gboolean scan_ssrcs(const GstSDPMedia *gm, const MediaScan *s, NaraSdpMedia *m,
                           GError **error)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len(gm); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(gm, i);
    if (!is_attr(a, "ssrc"))
      continue;
    const char *v = attr_value(a);
    guint64 ssrc;
    if (!read_uint(&v, G_MAXUINT32, &ssrc) || ssrc == 0)
      continue;
    gboolean secondary = FALSE;
    for (guint k = 0; k < s->n_secondary; k++)
      secondary |= s->secondary[k] == ssrc;
    if (secondary || (m->ssrc && m->ssrc != ssrc))
      continue;
    m->ssrc = (guint32)ssrc;
    if (!s->msid && strncmp(v, " msid:", 6) == 0 && !m->msid_stream[0])
      if (!copy_msid(m, v + 6, error))
        return FALSE;
  }
  return TRUE;
}

/* RFC 4588 §8.6: "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96". */
static guint8 find_rtx(const GstSDPMedia *gm, const MediaScan *s, guint apt)
{
  for (guint i = 0; i < gst_sdp_media_formats_len(gm); i++) {
    const char *f = gst_sdp_media_get_format(gm, i);
    guint64 pt;
    char v[8];
    if (!f || !read_uint(&f, MAX_PT - 1, &pt) || *f || !s->rtpmap[pt].set
        || g_ascii_strcasecmp(s->rtpmap[pt].name, "rtx") != 0
        || s->rtpmap[pt].clock_rate != s->rtpmap[apt].clock_rate
        || !fmtp_param(s->fmtp[pt], "apt", v, sizeof v))
      continue;
    const char *p = v;
    guint64 n;
    if (read_uint(&p, MAX_PT - 1, &n) && !*p && n == apt && pt != apt && pt != 0)
      return (guint8)pt;
  }
  return 0;
}

/* RFC 2198 with Opus (what Chromium offers): "a=rtpmap:63 red/48000/2",
 * "a=fmtp:63 111/111", every block the chosen Opus payload type. */
static guint8 find_red(const GstSDPMedia *gm, const MediaScan *s, guint primary)
{
  for (guint i = 0; i < gst_sdp_media_formats_len(gm); i++) {
    const char *f = gst_sdp_media_get_format(gm, i);
    guint64 pt;
    if (!f || !read_uint(&f, MAX_PT - 1, &pt) || *f || !s->rtpmap[pt].set || pt == primary
        || pt == 0 || g_ascii_strcasecmp(s->rtpmap[pt].name, "red") != 0
        || s->rtpmap[pt].clock_rate != 48000 || s->rtpmap[pt].channels != 2 || !s->fmtp[pt])
      continue;
    const char *p = s->fmtp[pt];
    gboolean ok = TRUE;
    for (guint blocks = 1; ok; blocks++) {
      guint64 n;
      ok = blocks <= 8 && read_uint(&p, MAX_PT - 1, &n) && n == primary;
      if (*p != '/')
        break;
      p++;
    }
    if (ok && !*p)
      return (guint8)pt;
  }
  return 0;
}

/* The codec Nara takes from an m-line: the offerer's own preference
 * (RFC 3264 §5.1: formats in order of preference) among what Nara
 * forwards, so each publisher sends what suits it (Chrome and Firefox list
 * VP8 first, Safari H.264, which its hardware encodes). Among several
 * H.264 entries the profile decides (h264_score), wherever the first was. */
static gboolean choose_codec(const GstSDPMedia *gm, const MediaScan *s, NaraSdpMedia *m,
                             GError **error)
{
  int best_score = 0;
  guint best = MAX_PT;
  const char *name = NULL;
  for (guint i = 0; i < gst_sdp_media_formats_len(gm); i++) {
    const char *f = gst_sdp_media_get_format(gm, i);
    guint64 pt;
    if (!f || !read_uint(&f, MAX_PT - 1, &pt) || *f || !s->rtpmap[pt].set)
      continue;
    const Rtpmap *r = &s->rtpmap[pt];
    const char *family = NULL;
    int score = 0;
    if (m->kind == NARA_TRACK_AUDIO) {
      family = "opus";
      score
          = g_ascii_strcasecmp(r->name, "opus") == 0 && r->clock_rate == 48000 && r->channels == 2;
    } else if (r->clock_rate == 90000 && g_ascii_strcasecmp(r->name, "VP8") == 0) {
      family = "VP8";
      score = 1;
    } else if (r->clock_rate == 90000 && g_ascii_strcasecmp(r->name, "H264") == 0) {
      family = "H264";
      score = h264_score(s->fmtp[pt]);
    }
    if (score == 0 || (name && strcmp(name, family) != 0))
      continue; /* not forwarded, or after the preferred codec */
    name = family;
    if (score > best_score) {
      best_score = score;
      best = (guint)pt;
    }
  }
  if (best == MAX_PT)
    return TRUE; /* nothing Nara forwards: the m-line is rejected */

  NaraSdpCodec *c = &m->codec;
  g_strlcpy(c->name, name, sizeof c->name);
  c->pt = (guint8)best;
  c->clock_rate = s->rtpmap[best].clock_rate;
  c->channels = s->rtpmap[best].channels;
  c->nack = s->nack[best];
  c->twcc = s->twcc[best];
  c->rtx_pt = find_rtx(gm, s, best);
  c->red_pt = m->kind == NARA_TRACK_AUDIO ? find_red(gm, s, best) : 0;
  if (s->fid_primary && s->fid_primary == m->ssrc)
    m->rtx_ssrc = s->fid_repair;
  return copy_text(c->fmtp, s->fmtp[best], "a=fmtp", error);
}

static gboolean is_dtls_srtp(const char *proto)
{
  return proto
         && (strcmp(proto, "UDP/TLS/RTP/SAVPF") == 0 || strcmp(proto, "TCP/DTLS/RTP/SAVPF") == 0);
}

static gboolean parse_media(const GstSDPMedia *gm, guint index, NaraSdpMedia *m, GError **error)
{
  g_autofree MediaScan *s = g_new0(MediaScan, 1);
  const char *type = gst_sdp_media_get_media(gm);
  const char *proto = gst_sdp_media_get_proto(gm);
  const char *fmt = gst_sdp_media_formats_len(gm) ? gst_sdp_media_get_format(gm, 0) : "0";
  if (!copy_token(m->type, type, "m= media type", error)
      || !copy_token(m->proto, proto, "m= protocol", error)
      || !copy_token(m->fmt, fmt, "m= format", error))
    return FALSE;

  scan_attributes(gm, s, m);
  if (s->crypto)
    return bad_sdp(error, "m-line %u has a=crypto: only DTLS-SRTP is accepted", index);
  if (s->mid && !copy_token(m->mid, s->mid, "a=mid", error))
    return FALSE;

  gboolean av = strcmp(m->type, "audio") == 0 || strcmp(m->type, "video") == 0;
  m->kind = strcmp(m->type, "video") == 0 ? NARA_TRACK_VIDEO : NARA_TRACK_AUDIO;
  m->sending = s->sending;
  /* RFC 8843 §6: port 0 with a=bundle-only is a live m-line sharing the
   * BUNDLE transport, not a rejected one. */
  m->rejected = !av || (gst_sdp_media_get_port(gm) == 0 && !s->bundle_only);
  if (m->rejected)
    return TRUE;

  if (!is_dtls_srtp(m->proto))
    return bad_sdp(error, "m-line %u uses %s: only UDP/TLS/RTP/SAVPF is accepted", index, m->proto);
  if (!m->mid[0])
    return bad_sdp(error, "m-line %u has no a=mid", index);
  if (!s->rtcp_mux)
    return bad_sdp(error, "m-line %u has no a=rtcp-mux", index);
  if (s->msid && !copy_msid(m, s->msid, error))
    return FALSE;
  if (!scan_ssrcs(gm, s, m, error) || !choose_codec(gm, s, m, error))
    return FALSE;
  if (m->kind == NARA_TRACK_VIDEO)
    scan_simulcast(s, m);
  m->rejected = m->codec.name[0] == '\0';
  return TRUE;
}

/* The transport-level attributes, from the m-line carrying the BUNDLE
 * transport or, failing that, the session level (RFC 8843 §7.1.3). */
static const char *transport_attr(const GstSDPMessage *msg, const GstSDPMedia *gm, const char *key)
{
  const char *v = gm ? gst_sdp_media_get_attribute_val(gm, key) : NULL;
  return v ? v : gst_sdp_message_get_attribute_val(msg, key);
}

/* "sha-256 AB:CD:…" (RFC 8122 §5). Other hash functions are skipped, so an
 * offer listing sha-1 and sha-256 works; with none in sha-256 it fails. */
static gboolean parse_fingerprints(const GstSDPMessage *msg, const GstSDPMedia *gm,
                                   NaraSdpRemote *out, GError **error)
{
  gboolean media_level = gm && gst_sdp_media_get_attribute_val(gm, "fingerprint");
  guint n = media_level ? gst_sdp_media_attributes_len(gm) : gst_sdp_message_attributes_len(msg);
  gboolean any = FALSE;
  for (guint i = 0; i < n; i++) {
    const GstSDPAttribute *a
        = media_level ? gst_sdp_media_get_attribute(gm, i) : gst_sdp_message_get_attribute(msg, i);
    if (!is_attr(a, "fingerprint"))
      continue;
    any = TRUE;
    const char *v = attr_value(a);
    if (g_ascii_strncasecmp(v, "sha-256 ", 8) != 0)
      continue;
    v += 8;
    while (*v == ' ')
      v++;
    if (strlen(v) != FINGERPRINT_SHA256_LEN)
      return bad_sdp(error, "a=fingerprint is not a SHA-256 fingerprint");
    for (guint k = 0; k < FINGERPRINT_SHA256_LEN; k++) {
      gboolean ok = k % 3 == 2 ? v[k] == ':' : g_ascii_isxdigit(v[k]);
      if (!ok)
        return bad_sdp(error, "a=fingerprint is not a SHA-256 fingerprint");
      out->fingerprint[k] = g_ascii_toupper(v[k]);
    }
    out->fingerprint[FINGERPRINT_SHA256_LEN] = '\0';
    return TRUE;
  }
  return bad_sdp(error, any ? "a=fingerprint must use sha-256" : "a=fingerprint is missing");
}

static gboolean parse_setup(const char *v, NaraDtlsSetup *setup, GError **error)
{
  if (!v || strcmp(v, "active") == 0) /* RFC 4145 §4: active when absent */
    *setup = NARA_DTLS_SETUP_ACTIVE;
  else if (strcmp(v, "actpass") == 0)
    *setup = NARA_DTLS_SETUP_ACTPASS;
  else if (strcmp(v, "passive") == 0)
    *setup = NARA_DTLS_SETUP_PASSIVE;
  else
    return bad_sdp(error, "a=setup:%.16s is not supported", v);
  return TRUE;
}

static gboolean parse_candidates(const GstSDPMedia *gm, NaraSdpRemote *out, GError **error)
{
  for (guint i = 0; gm && i < gst_sdp_media_attributes_len(gm); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(gm, i);
    if (!is_attr(a, "candidate") || out->n_candidates == NARA_SDP_MAX_CANDIDATES)
      continue;
    g_autofree char *c = g_strconcat("candidate:", attr_value(a), NULL);
    if (!copy_text(out->candidates[out->n_candidates], c, "a=candidate", error))
      return FALSE;
    out->n_candidates++;
  }
  return TRUE;
}

/* The mids of the first a=group:BUNDLE, or NULL. */
static char **bundle_mids(const GstSDPMessage *msg)
{
  for (guint i = 0; i < gst_sdp_message_attributes_len(msg); i++) {
    const GstSDPAttribute *a = gst_sdp_message_get_attribute(msg, i);
    const char *v = attr_value(a);
    if (is_attr(a, "group") && strncmp(v, "BUNDLE", 6) == 0 && (v[6] == ' ' || !v[6]))
      return g_strsplit_set(v + 6, " ", -1);
  }
  return NULL;
}

static gboolean in_strv(char **v, const char *s)
{
  for (; v && *v; v++)
    if (**v && strcmp(*v, s) == 0)
      return TRUE;
  return FALSE;
}

/* Nara runs one transport per peer connection: m-lines outside the BUNDLE
 * group would need their own, so they are rejected. Returns the index of the
 * m-line whose transport is used (RFC 8843 §4: the first mid of the group
 * names it), or -1 if nothing is accepted. */
static int apply_bundle(const GstSDPMessage *msg, NaraSdpRemote *out)
{
  g_auto(GStrv) group = bundle_mids(msg);
  int transport = -1;
  const char *tag = NULL;
  for (char **g = group; g && *g; g++) {
    if (**g) {
      tag = *g;
      break;
    }
  }
  for (guint i = 0; i < out->n_media; i++) {
    NaraSdpMedia *m = &out->media[i];
    if (m->rejected)
      continue;
    /* Without a group only one m-line can have a transport. */
    if (group ? !in_strv(group, m->mid) : transport >= 0) {
      m->rejected = TRUE;
      continue;
    }
    if (transport < 0
        || (tag && strcmp(m->mid, tag) == 0 && strcmp(out->media[transport].mid, tag) != 0))
      transport = (int)i;
  }
  return transport;
}

static gboolean parse_message(const GstSDPMessage *msg, NaraSdpRemote *out, GError **error)
{
  const char *version = gst_sdp_message_get_version(msg);
  if (!version || strcmp(version, "0") != 0)
    return bad_sdp(error, "not an SDP description (no v=0)");
  guint n = gst_sdp_message_medias_len(msg);
  if (n == 0)
    return bad_sdp(error, "no m-line");
  if (n > NARA_SDP_MAX_MEDIA)
    return bad_sdp(error, "more than %d m-lines", NARA_SDP_MAX_MEDIA);
  if (gst_sdp_message_get_attribute_val(msg, "crypto"))
    return bad_sdp(error, "a=crypto: only DTLS-SRTP is accepted");

  out->n_media = n;
  for (guint i = 0; i < n; i++) {
    if (!parse_media(gst_sdp_message_get_media(msg, i), i, &out->media[i], error))
      return FALSE;
    for (guint k = 0; k < i; k++) {
      if (out->media[i].mid[0] && strcmp(out->media[i].mid, out->media[k].mid) == 0)
        return bad_sdp(error, "a=mid:%s appears twice", out->media[i].mid);
    }
  }

  int t = apply_bundle(msg, out);
  const GstSDPMedia *gm = gst_sdp_message_get_media(msg, t >= 0 ? (guint)t : 0);
  /* RFC 8839 §5.3: a session-level flag; media level tolerated as aiortc
   * and others sometimes place it there. */
  for (guint i = 0; i < gst_sdp_message_attributes_len(msg); i++)
    out->ice_lite |= is_attr(gst_sdp_message_get_attribute(msg, i), "ice-lite");
  for (guint i = 0; gm && i < gst_sdp_media_attributes_len(gm); i++)
    out->ice_lite |= is_attr(gst_sdp_media_get_attribute(gm, i), "ice-lite");
  return copy_ice(out->ice_ufrag, transport_attr(msg, gm, "ice-ufrag"), "ice-ufrag", error)
         && copy_ice(out->ice_pwd, transport_attr(msg, gm, "ice-pwd"), "ice-pwd", error)
         && parse_fingerprints(msg, gm, out, error)
         && parse_setup(transport_attr(msg, gm, "setup"), &out->setup, error)
         && parse_candidates(gm, out, error);
}

gboolean nara_sdp_parse(const char *sdp, NaraSdpRemote *out, GError **error)
{
  memset(out, 0, sizeof *out);
  if (!sdp || !*sdp)
    return bad_sdp(error, "empty SDP");
  if (strnlen(sdp, NARA_SDP_MAX_BYTES + 1) > NARA_SDP_MAX_BYTES)
    return bad_sdp(error, "SDP is larger than %d bytes", NARA_SDP_MAX_BYTES);
  g_autoptr(GstSDPMessage) msg = NULL;
  if (gst_sdp_message_new_from_text(sdp, &msg) != GST_SDP_OK)
    return bad_sdp(error, "SDP could not be parsed");
  if (!parse_message(msg, out, error)) {
    memset(out, 0, sizeof *out);
    return FALSE;
  }
  return TRUE;
}
