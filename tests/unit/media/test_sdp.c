/* test_sdp.c — unit tests for media/sdp.c.
 *
 * Parses recorded publish offers (Chrome 120, Firefox 120, Safari 17,
 * aiortc 1.4) and subscribe answers (Chrome, Firefox) from data/, refuses the
 * bad ones, and round-trips Nara's own answers and offers through the parser.
 * Those recordings were written by hand after what the clients send; the
 * chromium156-* ones were taken from Chromium 156, which accepted Nara's
 * answer to its offer and answered Nara's subscribe offer (slots 0-3: audio,
 * video, inactive H.264 video, inactive audio). Single-threaded.
 */
#include <string.h>

#include "sdp.h"

#define FP_LOCAL                                                                                   \
  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:"  \
  "FF"

static const char *local_candidates[] = {
  "candidate:1 1 udp 2130706431 192.0.2.1 40000 typ host",
  "a=candidate:2 1 udp 2130706175 2001:db8::1 40002 typ host",
};

static NaraSdpLocal local_desc(void)
{
  NaraSdpLocal l = {
    .ice_ufrag = "nara",
    .ice_pwd = "0123456789abcdefghijkl",
    .fingerprint = FP_LOCAL,
    .setup = NARA_DTLS_SETUP_ACTPASS,
    .session_id = G_GUINT64_CONSTANT(0xF234567890ABCDEF),
    .session_version = 3,
    .candidates = local_candidates,
    .n_candidates = G_N_ELEMENTS(local_candidates),
  };
  return l;
}

static char *load(const char *name)
{
  g_autofree char *path = g_build_filename(NARA_TEST_DATA, name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  g_file_get_contents(path, &text, NULL, &error);
  g_assert_no_error(error);
  return text;
}

/* Parses text and, as browsers send it, the same with CRLF line ends. */
static NaraSdpRemote *parse_ok(const char *text)
{
  NaraSdpRemote *r = g_new0(NaraSdpRemote, 1);
  g_autoptr(GError) error = NULL;
  gboolean ok = nara_sdp_parse(text, r, &error);
  g_assert_no_error(error);
  g_assert_true(ok);

  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autofree char *crlf = g_strjoinv("\r\n", lines);
  g_autofree NaraSdpRemote *r2 = g_new0(NaraSdpRemote, 1);
  g_assert_true(nara_sdp_parse(crlf, r2, &error));
  g_assert_true(memcmp(r, r2, sizeof *r) == 0);
  return r;
}

static NaraSdpRemote *parse_file(const char *name)
{
  g_autofree char *text = load(name);
  return parse_ok(text);
}

static void parse_bad(const char *text, const char *why)
{
  g_autofree NaraSdpRemote *r = g_new0(NaraSdpRemote, 1);
  g_autoptr(GError) error = NULL;
  g_assert_false(nara_sdp_parse(text, r, &error));
  g_assert_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP);
  if (why && !strstr(error->message, why))
    g_error("error \"%s\" does not mention \"%s\"", error->message, why);
}

/* text with the first occurrence of `from` replaced by `to`. */
static char *replace(const char *text, const char *from, const char *to)
{
  const char *at = strstr(text, from);
  g_assert_nonnull(at);
  return g_strdup_printf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void test_chrome_offer(void)
{
  g_autofree NaraSdpRemote *r = parse_file("chrome120-offer.sdp");
  g_assert_cmpstr(r->ice_ufrag, ==, "ESCC");
  g_assert_cmpstr(r->ice_pwd, ==, "pNBKw4ibrXzcmTMwyNgi49QH");
  g_assert_cmpstr(r->fingerprint, ==,
                  "65:30:FE:A7:A5:5F:2B:B4:E2:1F:6A:C4:1B:2D:9F:16:34:D1:1B:3F:6B:9E:E7:42:39:"
                  "AC:45:58:E7:67:D9:BE");
  g_assert_cmpint(r->setup, ==, NARA_DTLS_SETUP_ACTPASS);
  g_assert_cmpuint(r->n_media, ==, 2);
  g_assert_cmpuint(r->n_candidates, ==, 0);

  const NaraSdpMedia *a = &r->media[0];
  g_assert_cmpstr(a->mid, ==, "0");
  g_assert_cmpint(a->kind, ==, NARA_TRACK_AUDIO);
  g_assert_false(a->rejected);
  g_assert_true(a->sending);
  g_assert_cmpuint(a->codec.pt, ==, 111);
  g_assert_cmpstr(a->codec.name, ==, "opus");
  g_assert_cmpuint(a->codec.clock_rate, ==, 48000);
  g_assert_cmpuint(a->codec.channels, ==, 2);
  g_assert_cmpstr(a->codec.fmtp, ==, "minptime=10;useinbandfec=1");
  g_assert_cmpuint(a->ssrc, ==, 3902416570u);
  g_assert_cmpstr(a->msid_stream, ==, "45e03d28-d8c8-427f-aee5-d89264d6b3ca");
  g_assert_cmpstr(a->msid_track, ==, "ee51b874-cea5-4b6e-b5d3-967c1a5758d5");
  g_assert_cmpuint(a->ext_ids[NARA_EXT_AUDIO_LEVEL], ==, 1);
  g_assert_cmpuint(a->ext_ids[NARA_EXT_ABS_SEND_TIME], ==, 2);
  g_assert_cmpuint(a->ext_ids[NARA_EXT_TWCC], ==, 3);
  g_assert_cmpuint(a->ext_ids[NARA_EXT_MID], ==, 4);
  g_assert_true(a->codec.twcc);
  g_assert_cmpuint(a->ext_ids[NARA_EXT_VIDEO_ORIENTATION], ==, 0);

  const NaraSdpMedia *v = &r->media[1];
  g_assert_cmpstr(v->mid, ==, "1");
  g_assert_cmpint(v->kind, ==, NARA_TRACK_VIDEO);
  g_assert_true(v->sending);
  g_assert_cmpuint(v->codec.pt, ==, 96);
  g_assert_cmpstr(v->codec.name, ==, "VP8");
  g_assert_cmpuint(v->codec.clock_rate, ==, 90000);
  g_assert_cmpuint(v->codec.channels, ==, 0);
  g_assert_cmpstr(v->codec.fmtp, ==, "");
  g_assert_cmpuint(v->ssrc, ==, 2724879912u);
  g_assert_cmpstr(v->msid_track, ==, "f4962c22-762a-431b-89e8-1b8f40a7e12e");
  g_assert_cmpuint(v->ext_ids[NARA_EXT_VIDEO_ORIENTATION], ==, 13);
  g_assert_cmpuint(v->ext_ids[NARA_EXT_MID], ==, 4);
  g_assert_cmpuint(v->ext_ids[NARA_EXT_AUDIO_LEVEL], ==, 0);
  g_assert_true(v->rtcp_rsize);
  /* RFC 4588: rtx 97 apt=96, its SSRC from the FID group; generic NACK. */
  g_assert_cmpuint(v->codec.rtx_pt, ==, 97);
  g_assert_true(v->codec.nack);
  g_assert_cmpuint(v->rtx_ssrc, ==, 1403558434u);
  g_assert_cmpuint(a->codec.rtx_pt, ==, 0);
  g_assert_false(a->codec.nack);
  g_assert_cmpuint(a->rtx_ssrc, ==, 0);
  /* RFC 2198: red/48000/2 with "111/111"; none for video (red/90000 is
   * ulpfec's companion, not Nara's business). */
  g_assert_cmpuint(a->codec.red_pt, ==, 63);
  g_assert_cmpuint(v->codec.red_pt, ==, 0);
}

/* The offerer's order decides (RFC 3264 §5.1): the web client on Apple's
 * WebKit puts H.264 first with setCodecPreferences, and Chrome then offers
 * it first; the profile still decides among the H.264 entries. */
static void test_offer_order(void)
{
  g_autofree char *text = load("chrome120-offer.sdp");
  g_autofree char *h264_first
      = replace(text, "SAVPF 96 97 102 103 104 105 106 107", "SAVPF 102 103 104 105 106 107 96 97");
  g_autofree NaraSdpRemote *r = parse_ok(h264_first);
  g_assert_cmpstr(r->media[1].codec.name, ==, "H264");
  g_assert_cmpuint(r->media[1].codec.pt, ==, 106); /* 42e01f over 42001f listed before */
  g_assert_cmpuint(r->media[1].codec.rtx_pt, ==, 107);
  g_assert_cmpstr(r->media[1].codec.fmtp, ==,
                  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  /* An unusable H.264 (packetization-mode 0) first is passed over. */
  g_autofree char *mode0_first
      = replace(text, "SAVPF 96 97 102 103 104 105", "SAVPF 104 105 96 97 102 103");
  g_autofree NaraSdpRemote *r2 = parse_ok(mode0_first);
  g_assert_cmpstr(r2->media[1].codec.name, ==, "VP8");
  g_assert_cmpuint(r2->media[1].codec.pt, ==, 96);
}

/* Without a=msid (Plan B era clients) the track comes from a=ssrc msid:. */
static void test_msid_from_ssrc(void)
{
  g_autofree char *text = load("chrome120-offer.sdp");
  g_autofree char *t1 = replace(text, "a=msid:", "a=x-msid:");
  g_autofree char *t2 = replace(t1, "a=msid:", "a=x-msid:");
  g_autofree NaraSdpRemote *r = parse_ok(t2);
  g_assert_cmpstr(r->media[1].msid_stream, ==, "45e03d28-d8c8-427f-aee5-d89264d6b3ca");
  g_assert_cmpstr(r->media[1].msid_track, ==, "f4962c22-762a-431b-89e8-1b8f40a7e12e");
}

static void test_firefox_offer(void)
{
  g_autofree NaraSdpRemote *r = parse_file("firefox120-offer.sdp");
  g_assert_cmpstr(r->ice_ufrag, ==, "3xGBh+1L");
  g_assert_cmpstr(r->ice_pwd, ==, "CnEtpa0emiQaBAcod3hVSpfbpTNzzIqt");
  g_assert_true(g_str_has_prefix(r->fingerprint, "FB:6B:37")); /* session level */
  g_assert_cmpint(r->setup, ==, NARA_DTLS_SETUP_ACTPASS);
  g_assert_cmpuint(r->n_media, ==, 2);

  const NaraSdpMedia *a = &r->media[0];
  g_assert_cmpuint(a->codec.pt, ==, 109);
  g_assert_cmpstr(a->codec.fmtp, ==, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
  g_assert_cmpuint(a->ssrc, ==, 1586452123u);
  g_assert_cmpstr(a->msid_stream, ==, "{80cf8473-848b-49a8-8338-801e4c31e259}");
  g_assert_cmpuint(a->ext_ids[NARA_EXT_AUDIO_LEVEL], ==, 1);
  g_assert_cmpuint(a->ext_ids[NARA_EXT_MID], ==, 3);
  g_assert_false(a->rtcp_rsize);

  const NaraSdpMedia *v = &r->media[1];
  g_assert_cmpuint(v->codec.pt, ==, 120);
  g_assert_cmpstr(v->codec.name, ==, "VP8");
  g_assert_cmpstr(v->codec.fmtp, ==, "max-fs=12288;max-fr=60");
  /* a=ssrc-group comes after the a=ssrc lines here. */
  g_assert_cmpuint(v->ssrc, ==, 3130519546u);
  g_assert_cmpuint(v->ext_ids[NARA_EXT_ABS_SEND_TIME], ==, 4);
  g_assert_cmpuint(v->ext_ids[NARA_EXT_TWCC], ==, 7);
  g_assert_true(v->rtcp_rsize);
}

/* The publish answer keeps the rtx of the chosen codec and generic NACK,
 * so the browser retransmits what Nara asks for. */
static void test_answer_rtx(void)
{
  g_autofree NaraSdpRemote *offer = parse_file("chrome120-offer.sdp");
  NaraSdpLocal local = local_desc();
  g_autofree char *text = nara_sdp_build_answer(offer, &local);
  g_assert_nonnull(strstr(text, "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"));
  g_assert_nonnull(strstr(text, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"));
  g_assert_nonnull(strstr(text, "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"));
  g_autofree NaraSdpRemote *answer = parse_ok(text);
  g_assert_cmpuint(answer->media[1].codec.rtx_pt, ==, 97);
  g_assert_true(answer->media[1].codec.nack);
  g_assert_cmpuint(answer->media[0].codec.rtx_pt, ==, 0);

  g_autofree NaraSdpRemote *ff = parse_file("firefox120-offer.sdp");
  g_assert_cmpuint(ff->media[1].codec.pt, ==, 120);
  g_assert_cmpuint(ff->media[1].codec.rtx_pt, ==, 124);

  /* An rtx whose apt names another codec, or without apt, is not taken. */
  g_autofree char *chrome = load("chrome120-offer.sdp");
  g_autofree char *other = replace(chrome, "a=fmtp:97 apt=96", "a=fmtp:97 apt=102");
  g_autofree NaraSdpRemote *r = parse_ok(other);
  g_assert_cmpuint(r->media[1].codec.rtx_pt, ==, 0);
  g_autofree char *none = replace(chrome, "a=fmtp:97 apt=96", "a=fmtp:97 x=1");
  g_autofree NaraSdpRemote *r2 = parse_ok(none);
  g_assert_cmpuint(r2->media[1].codec.rtx_pt, ==, 0);
  /* No generic NACK offered: none answered (nack pli stays). */
  g_autofree char *no_nack = replace(chrome, "a=rtcp-fb:96 nack\n", "");
  g_autofree NaraSdpRemote *r3 = parse_ok(no_nack);
  g_assert_false(r3->media[1].codec.nack);
  g_autofree char *text3 = nara_sdp_build_answer(r3, &local);
  g_assert_null(strstr(text3, "a=rtcp-fb:96 nack\r\n"));
  g_assert_nonnull(strstr(text3, "a=rtcp-fb:96 nack pli\r\n"));
}

static void test_safari_offer(void)
{
  g_autofree char *text = load("safari17-offer.sdp");
  g_autofree NaraSdpRemote *r = parse_ok(text);
  /* Safari lists H.264 first: its preference, Constrained Baseline 3.1
   * (98) over High (96, listed before it). */
  g_assert_cmpstr(r->media[1].codec.name, ==, "H264");
  g_assert_cmpuint(r->media[1].codec.pt, ==, 98);
  g_assert_cmpuint(r->media[1].codec.rtx_pt, ==, 99);
  g_assert_cmpuint(r->media[1].ssrc, ==, 705732411u);
  g_assert_true(r->media[0].sending);
  g_assert_cmpuint(r->n_candidates, ==, 2);
  g_assert_true(g_str_has_prefix(r->candidates[0], "candidate:3037379487 1 udp 2113937151 "));
  g_assert_true(g_str_has_suffix(r->candidates[1], "network-cost 999"));

  /* VP8 listed first: VP8, however good the H.264 after it. */
  g_autofree char *vp8_first
      = replace(text, "m=video 51276 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 127 125",
                "m=video 51276 UDP/TLS/RTP/SAVPF 127 125 96 97 98 99 100 101");
  g_autofree NaraSdpRemote *r1 = parse_ok(vp8_first);
  g_assert_cmpstr(r1->media[1].codec.name, ==, "VP8");
  g_assert_cmpuint(r1->media[1].codec.pt, ==, 127);
  g_assert_cmpuint(r1->media[1].codec.rtx_pt, ==, 125);

  /* Without VP8 it is the same. */
  g_autofree char *no_vp8 = replace(text, "a=rtpmap:127 VP8/90000", "a=x:127");
  g_autofree NaraSdpRemote *r2 = parse_ok(no_vp8);
  g_assert_cmpstr(r2->media[1].codec.name, ==, "H264");
  g_assert_cmpuint(r2->media[1].codec.pt, ==, 98);
  g_assert_cmpstr(r2->media[1].codec.fmtp, ==,
                  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");

  /* Then any Baseline profile, then anything in packetization-mode 1. */
  g_autofree char *t3 = replace(no_vp8, "profile-level-id=42e01f", "profile-level-id=42001f");
  g_autofree char *t4 = replace(t3, "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;",
                                "a=fmtp:96 packetization-mode=1; level-asymmetry-allowed=1;");
  g_autofree NaraSdpRemote *r3 = parse_ok(t4);
  g_assert_cmpuint(r3->media[1].codec.pt, ==, 98);
  g_autofree char *t5 = replace(no_vp8, "a=rtpmap:98 H264/90000", "a=x:98");
  g_autofree NaraSdpRemote *r4 = parse_ok(t5);
  g_assert_cmpuint(r4->media[1].codec.pt, ==, 96);

  /* Only packetization-mode 0 left: nothing to forward, the m-line is rejected. */
  g_autofree char *t6 = replace(t5, "packetization-mode=1;profile-level-id=640c1f",
                                "packetization-mode=0;profile-level-id=640c1f");
  g_autofree NaraSdpRemote *r5 = parse_ok(t6);
  g_assert_true(r5->media[1].rejected);
  g_assert_false(r5->media[0].rejected);
}

static void test_aiortc_offer(void)
{
  g_autofree char *text = load("aiortc14-offer.sdp");
  g_autofree NaraSdpRemote *r = parse_ok(text);
  g_assert_cmpstr(r->ice_ufrag, ==, "FVBx");
  g_assert_cmpstr(r->ice_pwd, ==, "SKUZ+qv1vqpN9C8O+kn+Tb");
  g_assert_true(g_str_has_prefix(r->fingerprint, "A3:62:E0")); /* sha-256 of three */
  g_assert_cmpuint(r->media[0].codec.pt, ==, 96);
  g_assert_cmpuint(r->media[0].ssrc, ==, 2880385306u);
  g_assert_cmpuint(r->media[0].ext_ids[NARA_EXT_AUDIO_LEVEL], ==, 2);
  g_assert_cmpuint(r->media[0].ext_ids[NARA_EXT_MID], ==, 1);
  g_assert_cmpuint(r->media[1].codec.pt, ==, 97);
  g_assert_cmpuint(r->media[1].ssrc, ==, 1571497245u);
  g_assert_cmpstr(r->media[1].msid_track, ==, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
  g_assert_false(r->media[1].rtcp_rsize);
  /* Candidates of the BUNDLE transport only, not repeated per m-line. */
  g_assert_cmpuint(r->n_candidates, ==, 2);

  /* The RTX SSRC listed first is still not the track's. */
  g_autofree char *swapped
      = replace(text,
                "a=ssrc:1571497245 cname:0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d\n"
                "a=ssrc:2540133838 cname:0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
                "a=ssrc:2540133838 cname:0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d\n"
                "a=ssrc:1571497245 cname:0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d");
  g_autofree NaraSdpRemote *r2 = parse_ok(swapped);
  g_assert_cmpuint(r2->media[1].ssrc, ==, 1571497245u);
}

static void check_subscribe_answer(const NaraSdpRemote *r)
{
  g_assert_cmpint(r->setup, ==, NARA_DTLS_SETUP_ACTIVE);
  g_assert_cmpuint(r->n_media, ==, 3);
  for (guint i = 0; i < 3; i++) {
    g_autofree char *mid = g_strdup_printf("%u", i);
    g_assert_cmpstr(r->media[i].mid, ==, mid);
    g_assert_false(r->media[i].rejected);
    g_assert_false(r->media[i].sending);
  }
  g_assert_cmpuint(r->media[0].codec.pt, ==, 111);
  g_assert_cmpuint(r->media[1].codec.pt, ==, 96);
  g_assert_cmpuint(r->media[2].codec.pt, ==, 96);
}

static void test_answers(void)
{
  g_autofree NaraSdpRemote *c = parse_file("chrome120-answer.sdp");
  check_subscribe_answer(c);
  g_assert_cmpstr(c->ice_ufrag, ==, "Lk2p");
  g_assert_cmpuint(c->media[1].ext_ids[NARA_EXT_VIDEO_ORIENTATION], ==,
                   NARA_SUB_EXT_ID_VIDEO_ORIENTATION);

  g_autofree NaraSdpRemote *f = parse_file("firefox120-answer.sdp");
  check_subscribe_answer(f);
  g_assert_cmpstr(f->ice_ufrag, ==, "b4e2c9a1");
  g_assert_true(g_str_has_prefix(f->fingerprint, "39:12:BE"));
  g_assert_cmpuint(f->media[0].ext_ids[NARA_EXT_AUDIO_LEVEL], ==, NARA_SUB_EXT_ID_AUDIO_LEVEL);

  g_autofree NaraSdpRemote *m = parse_file("chromium156-answer.sdp");
  g_assert_cmpint(m->setup, ==, NARA_DTLS_SETUP_ACTIVE);
  g_assert_cmpuint(m->n_media, ==, 4);
  const guint8 pts[] = { 111, 96, 102, 111 };
  for (guint i = 0; i < 4; i++) {
    g_assert_false(m->media[i].rejected);
    g_assert_false(m->media[i].sending);
    g_assert_cmpuint(m->media[i].codec.pt, ==, pts[i]);
  }
  g_assert_cmpstr(m->media[2].codec.name, ==, "H264");
}

static void test_bad_files(void)
{
  g_autofree char *crypto = load("bad-crypto.sdp");
  parse_bad(crypto, "crypto");
  g_autofree char *avp = load("bad-rtp-avp.sdp");
  parse_bad(avp, "RTP/AVP");
  g_autofree char *nofp = load("bad-no-fingerprint.sdp");
  parse_bad(nofp, "fingerprint");
}

static void test_bad_generated(void)
{
  g_autofree char *chrome = load("chrome120-offer.sdp");
  g_autofree char *head = g_strndup(chrome, strstr(chrome, "m=audio") - chrome);
  g_autofree char *audio
      = g_strndup(strstr(chrome, "m=audio"), strstr(chrome, "m=video") - strstr(chrome, "m=audio"));

  /* 33 m-lines, each with its own mid. */
  GString *many = g_string_new(head);
  for (guint i = 0; i < NARA_SDP_MAX_MEDIA + 1; i++) {
    g_autofree char *mid = g_strdup_printf("a=mid:m%u\n", i);
    g_autofree char *m = replace(audio, "a=mid:0\n", mid);
    g_string_append(many, m);
  }
  parse_bad(many->str, "m-lines");
  /* 32 are fine. */
  g_string_truncate(many, g_strrstr(many->str, "m=audio") - many->str);
  g_autofree NaraSdpRemote *r = g_new0(NaraSdpRemote, 1);
  g_assert_true(nara_sdp_parse(many->str, r, NULL));
  g_assert_cmpuint(r->n_media, ==, NARA_SDP_MAX_MEDIA);
  g_string_free(many, TRUE);

  /* Over 64 KiB, even if well formed. */
  GString *big = g_string_new(chrome);
  while (big->len <= NARA_SDP_MAX_BYTES)
    g_string_append(big, "a=x-filler:0123456789012345678901234567890123456789\n");
  parse_bad(big->str, "larger");
  g_string_free(big, TRUE);

  g_autofree char *sha1 = g_strdup(chrome);
  for (char *p; (p = strstr(sha1, "sha-256"));)
    memcpy(p, "sha-1  ", 7);
  parse_bad(sha1, "sha-256");

  g_autofree char *long_ufrag = g_strnfill(300, 'u');
  g_autofree char *ufrag_line = g_strdup_printf("a=ice-ufrag:%s", long_ufrag);
  g_autofree char *t1 = replace(chrome, "a=ice-ufrag:ESCC", ufrag_line);
  parse_bad(t1, "ice-ufrag");
  g_autofree char *t2 = replace(chrome, "a=ice-ufrag:ESCC", "a=ice-ufrag:ES;CC");
  parse_bad(t2, "ice-ufrag");
  g_autofree char *t3 = replace(chrome, "a=ice-pwd:", "a=x-ice-pwd:");
  parse_bad(t3, "ice-pwd");
  g_autofree char *t4 = replace(chrome, "a=mid:1", "a=mid:0");
  parse_bad(t4, "twice");
  g_autofree char *t5 = replace(chrome, "a=setup:actpass", "a=setup:holdconn");
  parse_bad(t5, "setup");
  g_autofree char *t6 = replace(chrome, "a=rtcp-mux", "a=x-rtcp-mux");
  parse_bad(t6, "rtcp-mux");
  g_autofree char *t7 = replace(chrome, "a=mid:0", "a=x-mid:0");
  parse_bad(t7, "mid");
  g_autofree char *fp_short = replace(chrome, ":D9:BE\n", ":D9\n");
  parse_bad(fp_short, "fingerprint");
  g_autofree char *long_id = g_strnfill(NARA_MEDIA_ID_LEN, 's');
  g_autofree char *msid_line = g_strdup_printf("a=msid:%s ", long_id);
  g_autofree char *t8 = replace(chrome, "a=msid:45e03d28-d8c8-427f-aee5-d89264d6b3ca ", msid_line);
  parse_bad(t8, "msid");
  g_autofree char *long_fmtp = g_strnfill(NARA_SDP_FMTP_LEN, 'f');
  g_autofree char *fmtp_line = g_strdup_printf("a=fmtp:111 %s", long_fmtp);
  g_autofree char *t9 = replace(chrome, "a=fmtp:111 minptime=10;useinbandfec=1", fmtp_line);
  parse_bad(t9, "fmtp");
  g_autofree char *t10 = replace(chrome, "UDP/TLS/RTP/SAVPF 111", "RTP/SAVPF 111");
  parse_bad(t10, "RTP/SAVPF");

  parse_bad("", NULL);
  parse_bad("hello world", NULL);
  parse_bad("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "m-line");
  parse_bad(head, "m-line");
}

/* Every prefix of a real offer: refused or parsed, never a crash or a read
 * past the end (run under a sanitizer). */
static void test_truncated(void)
{
  g_autofree char *text = load("aiortc14-offer.sdp");
  gsize len = strlen(text);
  g_autofree NaraSdpRemote *r = g_new0(NaraSdpRemote, 1);
  for (gsize n = 0; n < len; n += 3) {
    g_autofree char *cut = g_strndup(text, n);
    g_autoptr(GError) error = NULL;
    if (!nara_sdp_parse(cut, r, &error))
      g_assert_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP);
  }
}

static void check_answer(const char *offer_file, guint n_accepted)
{
  g_autofree NaraSdpRemote *offer = parse_file(offer_file);
  NaraSdpLocal local = local_desc();
  g_autofree char *text = nara_sdp_build_answer(offer, &local);
  g_test_message("%s answer:\n%s", offer_file, text);
  g_autofree NaraSdpRemote *ans = parse_ok(text);

  g_assert_cmpstr(ans->ice_ufrag, ==, "nara");
  g_assert_cmpstr(ans->ice_pwd, ==, local.ice_pwd);
  g_assert_cmpstr(ans->fingerprint, ==, FP_LOCAL);
  g_assert_cmpint(ans->setup, ==, NARA_DTLS_SETUP_PASSIVE);
  g_assert_cmpuint(ans->n_media, ==, offer->n_media);
  g_assert_cmpuint(ans->n_candidates, ==, 2);
  g_assert_cmpstr(ans->candidates[1], ==,
                  "candidate:2 1 udp 2130706175 2001:db8::1 40002 typ host");
  g_assert_nonnull(strstr(text, "o=- 8229297494935981551 3 IN IP4 127.0.0.1\r\n"));
  g_assert_nonnull(strstr(text, "a=msid-semantic: WMS\r\n"));
  gboolean twcc_offered = FALSE;

  GString *bundle = g_string_new("a=group:BUNDLE");
  guint accepted = 0;
  for (guint i = 0; i < offer->n_media; i++) {
    const NaraSdpMedia *o = &offer->media[i], *a = &ans->media[i];
    g_assert_cmpstr(a->mid, ==, o->mid);
    g_assert_cmpint(a->rejected, ==, o->rejected);
    if (o->rejected)
      continue;
    accepted++;
    g_string_append_printf(bundle, " %s", o->mid);
    g_assert_false(a->sending);
    g_assert_cmpint(a->kind, ==, o->kind);
    g_assert_cmpuint(a->codec.pt, ==, o->codec.pt);
    g_assert_cmpstr(a->codec.name, ==, o->codec.name);
    g_assert_cmpstr(a->codec.fmtp, ==, o->codec.fmtp);
    g_assert_cmpint(a->rtcp_rsize, ==, o->rtcp_rsize);
    /* transport-cc (extension and feedback) is kept where offered. */
    for (NaraExt e = NARA_EXT_MID; e < NARA_EXT_COUNT; e++)
      if (e != NARA_EXT_PLAYOUT_DELAY) /* subscribe connections only */
        g_assert_cmpuint(a->ext_ids[e], ==, o->ext_ids[e]);
    g_assert_cmpint(!!a->codec.twcc, ==, !!o->codec.twcc);
    g_assert_cmpuint(a->codec.red_pt, ==, o->codec.red_pt);
    twcc_offered |= o->codec.twcc || o->ext_ids[NARA_EXT_TWCC];
  }
  g_string_append(bundle, "\r\n");
  g_assert_cmpuint(accepted, ==, n_accepted);
  if (!twcc_offered)
    g_assert_null(strstr(text, "transport-cc"));
  g_assert_nonnull(strstr(text, bundle->str));
  g_string_free(bundle, TRUE);
  /* Candidates once, on the first accepted m-line. */
  g_assert_true(strstr(text, "a=end-of-candidates") == g_strrstr(text, "a=end-of-candidates"));
}

static void test_build_answer(void)
{
  check_answer("chrome120-offer.sdp", 2);
  check_answer("firefox120-offer.sdp", 2);
  check_answer("safari17-offer.sdp", 2);
  check_answer("aiortc14-offer.sdp", 2);
  check_answer("chromium156-offer.sdp", 2); /* its data channel is rejected */
}

/* A data channel first and a video nobody can forward: both answered with
 * port 0, outside BUNDLE, the audio carrying the transport. */
static void test_build_answer_rejected(void)
{
  g_autofree char *ff = load("firefox120-offer.sdp");
  g_autofree char *t1 = replace(ff, "a=group:BUNDLE 0 1", "a=group:BUNDLE 2 0 1");
  g_autofree char *t2 = replace(t1, "m=audio",
                                "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
                                "c=IN IP4 0.0.0.0\n"
                                "a=sendrecv\n"
                                "a=mid:2\n"
                                "a=sctp-port:5000\n"
                                "a=max-message-size:1073741823\n"
                                "a=setup:actpass\n"
                                "m=audio");
  g_autofree char *t3 = replace(t2, "a=rtpmap:120 VP8/90000", "a=x:120");
  g_autofree char *t4 = replace(t3, "a=rtpmap:126 H264/90000", "a=x:126");
  g_autofree char *offer_text = replace(t4, "a=setup:actpass", "a=setup:passive");
  g_autofree NaraSdpRemote *offer = parse_ok(offer_text);
  g_assert_cmpuint(offer->n_media, ==, 3);
  g_assert_true(offer->media[0].rejected);
  g_assert_cmpstr(offer->media[0].type, ==, "application");
  g_assert_false(offer->media[1].rejected);
  g_assert_true(offer->media[2].rejected); /* H.264 packetization-mode 0 only */
  /* The data channel says passive, but the audio carries the transport. */
  g_assert_cmpint(offer->setup, ==, NARA_DTLS_SETUP_ACTPASS);

  NaraSdpLocal local = local_desc();
  local.connection_address = "192.0.2.1";
  local.port = 40000;
  g_autofree char *text = nara_sdp_build_answer(offer, &local);
  g_test_message("answer:\n%s", text);
  g_assert_true(g_str_has_prefix(strstr(text, "m=application"),
                                 "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                 "c=IN IP4 192.0.2.1\r\n"
                                 "a=mid:2\r\nm="));
  g_assert_nonnull(strstr(text, "m=video 0 UDP/TLS/RTP/SAVPF 120\r\nc=IN IP4 192.0.2.1\r\n"
                                "a=mid:1\r\n"));
  g_assert_nonnull(strstr(text, "m=audio 40000 UDP/TLS/RTP/SAVPF 109\r\n"));
  g_assert_nonnull(strstr(text, "a=rtcp:40000 IN IP4 192.0.2.1\r\n"));
  g_assert_nonnull(strstr(text, "a=group:BUNDLE 0\r\n"));
  g_autofree NaraSdpRemote *ans = parse_ok(text);
  g_assert_true(ans->media[0].rejected);
  g_assert_false(ans->media[1].rejected);
  g_assert_true(ans->media[2].rejected);

  /* An offerer that insists on passive gets an active answerer. */
  g_autofree char *passive = replace(offer_text, "a=setup:actpass", "a=setup:passive");
  g_autofree NaraSdpRemote *offer2 = parse_ok(passive);
  g_assert_cmpint(offer2->setup, ==, NARA_DTLS_SETUP_PASSIVE);
  g_autofree char *text2 = nara_sdp_build_answer(offer2, &local);
  g_assert_nonnull(strstr(text2, "a=setup:active\r\n"));
  /* A role the transport already chose is what the answer says. */
  local.setup = NARA_DTLS_SETUP_ACTIVE;
  g_autofree char *text3 = nara_sdp_build_answer(offer, &local);
  g_assert_nonnull(strstr(text3, "a=setup:active\r\n"));
  g_assert_cmpint(nara_sdp_answer_setup(NARA_DTLS_SETUP_ACTPASS), ==, NARA_DTLS_SETUP_PASSIVE);
  g_assert_cmpint(nara_sdp_answer_setup(NARA_DTLS_SETUP_ACTIVE), ==, NARA_DTLS_SETUP_PASSIVE);
  g_assert_cmpint(nara_sdp_answer_setup(NARA_DTLS_SETUP_PASSIVE), ==, NARA_DTLS_SETUP_ACTIVE);
}

static void test_build_offer(void)
{
  NaraSdpOfferMedia media[4] = { 0 };
  g_strlcpy(media[0].mid, "0", sizeof media[0].mid);
  media[0].kind = NARA_TRACK_AUDIO;
  media[0].active = TRUE;
  media[0].codec = (NaraSdpCodec){ .pt = 109,
                                   .name = "opus",
                                   .clock_rate = 48000,
                                   .channels = 2,
                                   .fmtp = "minptime=10;useinbandfec=1",
                                   .twcc = TRUE };
  media[0].ssrc = 11111;
  g_strlcpy(media[0].stream_id, "alice", sizeof media[0].stream_id);
  g_strlcpy(media[0].track_id, "alice-0", sizeof media[0].track_id);

  g_strlcpy(media[1].mid, "1", sizeof media[1].mid);
  media[1].kind = NARA_TRACK_VIDEO;
  media[1].active = TRUE;
  media[1].codec = (NaraSdpCodec){ .pt = 102,
                                   .name = "H264",
                                   .clock_rate = 90000,
                                   .fmtp = "level-asymmetry-allowed=1;packetization-mode=1;"
                                           "profile-level-id=42e01f" };
  media[1].ssrc = 4000000000u;
  g_strlcpy(media[1].stream_id, "alice", sizeof media[1].stream_id);
  g_strlcpy(media[1].track_id, "alice-1", sizeof media[1].track_id);

  /* A slot kept from an earlier track, and one never used. */
  g_strlcpy(media[2].mid, "2", sizeof media[2].mid);
  media[2].kind = NARA_TRACK_VIDEO;
  media[2].codec = (NaraSdpCodec){ .pt = 96, .name = "VP8", .clock_rate = 90000 };
  g_strlcpy(media[3].mid, "3", sizeof media[3].mid);
  media[3].kind = NARA_TRACK_AUDIO;

  NaraSdpLocal local = local_desc();
  g_autofree char *text = nara_sdp_build_offer(media, 4, &local);
  g_test_message("offer:\n%s", text);
  g_autofree NaraSdpRemote *r = parse_ok(text);

  g_assert_cmpint(r->setup, ==, NARA_DTLS_SETUP_ACTPASS);
  g_assert_cmpstr(r->fingerprint, ==, FP_LOCAL);
  g_assert_cmpuint(r->n_media, ==, 4);
  g_assert_cmpuint(r->n_candidates, ==, 2);
  g_assert_nonnull(strstr(text, "a=group:BUNDLE 0 1 2 3\r\n"));
  g_assert_null(strstr(text, " 0 UDP/TLS/RTP/SAVPF"));
  for (guint i = 0; i < 4; i++) {
    g_assert_cmpstr(r->media[i].mid, ==, media[i].mid);
    g_assert_cmpint(r->media[i].kind, ==, media[i].kind);
    g_assert_false(r->media[i].rejected);
    g_assert_cmpint(r->media[i].sending, ==, media[i].active);
    g_assert_true(r->media[i].rtcp_rsize);
  }
  g_assert_cmpuint(r->media[0].codec.pt, ==, 109);
  g_assert_cmpstr(r->media[0].codec.fmtp, ==, "minptime=10;useinbandfec=1");
  g_assert_cmpuint(r->media[0].ssrc, ==, 11111);
  g_assert_cmpstr(r->media[0].msid_stream, ==, "alice");
  g_assert_cmpstr(r->media[0].msid_track, ==, "alice-0");
  g_assert_cmpuint(r->media[0].ext_ids[NARA_EXT_AUDIO_LEVEL], ==, NARA_SUB_EXT_ID_AUDIO_LEVEL);
  g_assert_cmpstr(r->media[1].codec.name, ==, "H264");
  g_assert_cmpuint(r->media[1].codec.pt, ==, 102);
  g_assert_cmpuint(r->media[1].ssrc, ==, 4000000000u);
  g_assert_cmpstr(r->media[1].msid_track, ==, "alice-1");
  g_assert_cmpuint(r->media[1].ext_ids[NARA_EXT_VIDEO_ORIENTATION], ==,
                   NARA_SUB_EXT_ID_VIDEO_ORIENTATION);
  g_assert_cmpuint(r->media[2].codec.pt, ==, 96);
  g_assert_cmpuint(r->media[2].ssrc, ==, 0);
  g_assert_cmpstr(r->media[2].msid_stream, ==, "");
  g_assert_cmpstr(r->media[3].codec.name, ==, "opus");
  /* The publisher's transport-cc stays on its own connection. */
  g_assert_null(strstr(text, "transport-cc"));
  g_assert_null(strstr(text, nara_ext_uri(NARA_EXT_TWCC)));
  g_assert_nonnull(strstr(text, "a=ssrc:4000000000 cname:nara\r\n"));
  g_assert_nonnull(strstr(text, "a=ssrc:4000000000 msid:alice alice-1\r\n"));
  g_assert_nonnull(strstr(text, "a=rtcp-fb:102 nack pli\r\na=rtcp-fb:102 ccm fir\r\n"
                                "a=rtcp-fb:102 goog-remb\r\n"));
  g_assert_null(strstr(text, "a=rtcp-fb:109"));
  g_assert_nonnull(strstr(text, "a=rtcp-fb:102 nack\r\n"));
  g_assert_null(strstr(text, "rtx/"));
  g_assert_false(r->ice_lite);
  g_assert_null(strstr(text, "a=ice-lite"));

  /* ICE-lite: a session-level a=ice-lite (RFC 8839 §5.3), read back. */
  local.ice_lite = TRUE;
  g_autofree char *lite = nara_sdp_build_offer(media, 4, &local);
  const char *flag = strstr(lite, "a=ice-lite\r\n");
  g_assert_nonnull(flag);
  g_assert_true(flag < strstr(lite, "m="));
  g_autofree NaraSdpRemote *rl = parse_ok(lite);
  g_assert_true(rl->ice_lite);
}

/* A video subscription with RTX: the rtx format, apt, NACK and the FID
 * group, all of which a browser's parse (here ours) reads back. */
static void test_offer_rtx(void)
{
  NaraSdpOfferMedia media[1] = { 0 };
  g_strlcpy(media[0].mid, "0", sizeof media[0].mid);
  media[0].kind = NARA_TRACK_VIDEO;
  media[0].active = TRUE;
  media[0].codec = (NaraSdpCodec){ .pt = 96, .name = "VP8", .clock_rate = 90000, .rtx_pt = 97 };
  media[0].ssrc = 1111;
  media[0].rtx_ssrc = 2222;
  g_strlcpy(media[0].stream_id, "bob", sizeof media[0].stream_id);
  g_strlcpy(media[0].track_id, "bob-1", sizeof media[0].track_id);
  NaraSdpLocal local = local_desc();
  g_autofree char *text = nara_sdp_build_offer(media, 1, &local);
  g_assert_nonnull(strstr(text, "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"));
  g_assert_nonnull(strstr(text, "a=ssrc-group:FID 1111 2222\r\n"));
  g_assert_nonnull(strstr(text, "a=ssrc:2222 msid:bob bob-1\r\n"));
  g_autofree NaraSdpRemote *r = parse_ok(text);
  g_assert_cmpuint(r->media[0].ssrc, ==, 1111);
  g_assert_cmpuint(r->media[0].rtx_ssrc, ==, 2222);
  g_assert_cmpuint(r->media[0].codec.rtx_pt, ==, 97);
  g_assert_true(r->media[0].codec.nack);
  /* No RTX SSRC yet: no rtx offered. */
  media[0].rtx_ssrc = 0;
  g_autofree char *plain = nara_sdp_build_offer(media, 1, &local);
  g_assert_null(strstr(plain, "rtx/"));
  g_assert_null(strstr(plain, "ssrc-group"));
}

/* RED for Opus: listed first where it is offered, so the browser sends it;
 * kept in the answer that accepts it; never when its fmtp names another
 * codec than the Opus chosen. */
static void test_red(void)
{
  g_autofree NaraSdpRemote *offer = parse_file("chromium156-offer.sdp");
  g_assert_cmpuint(offer->media[0].codec.red_pt, ==, 63);
  NaraSdpLocal local = local_desc();
  g_autofree char *answer = nara_sdp_build_answer(offer, &local);
  g_assert_nonnull(strstr(answer, "m=audio 9 UDP/TLS/RTP/SAVPF 63 111\r\n"));
  g_assert_nonnull(strstr(answer, "a=rtpmap:63 red/48000/2\r\n"));
  g_assert_nonnull(strstr(answer, "a=fmtp:63 111/111\r\n"));

  NaraSdpOfferMedia media[1] = { 0 };
  g_strlcpy(media[0].mid, "0", sizeof media[0].mid);
  media[0].kind = NARA_TRACK_AUDIO;
  media[0].active = TRUE;
  media[0].codec = offer->media[0].codec;
  media[0].ssrc = 1111;
  g_strlcpy(media[0].stream_id, "bob", sizeof media[0].stream_id);
  g_strlcpy(media[0].track_id, "bob-0", sizeof media[0].track_id);
  g_autofree char *sub = nara_sdp_build_offer(media, 1, &local);
  g_assert_nonnull(strstr(sub, "m=audio 9 UDP/TLS/RTP/SAVPF 63 111\r\n"));
  g_autofree NaraSdpRemote *r = parse_ok(sub);
  g_assert_cmpuint(r->media[0].codec.pt, ==, 111);
  g_assert_cmpuint(r->media[0].codec.red_pt, ==, 63);
  /* Without RED: Opus alone, as before. */
  media[0].codec.red_pt = 0;
  g_autofree char *plain = nara_sdp_build_offer(media, 1, &local);
  g_assert_nonnull(strstr(plain, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"));
  g_assert_null(strstr(plain, "red/"));

  /* RED over something else, or a malformed block list: no RED. */
  static const char *const bad[] = { "96/96", "111/96", "111/", "/111", "111 111", "", "111x" };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *text = g_strdup(sub);
    char *fmtp = strstr(text, "a=fmtp:63 111/111\r\n");
    g_assert_nonnull(fmtp);
    g_autofree char *edited = g_strdup_printf("%.*sa=fmtp:63 %s\r\n%s", (int)(fmtp - text), text,
                                              bad[i], fmtp + strlen("a=fmtp:63 111/111\r\n"));
    g_autofree NaraSdpRemote *e = parse_ok(edited);
    g_assert_cmpuint(e->media[0].codec.pt, ==, 111);
    g_assert_cmpuint(e->media[0].codec.red_pt, ==, 0);
  }
}

static void test_ext_uri(void)
{
  for (NaraExt e = 0; e < NARA_EXT_COUNT; e++)
    g_assert_nonnull(nara_ext_uri(e));
  g_assert_cmpstr(nara_ext_uri(NARA_EXT_AUDIO_LEVEL), ==,
                  "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  g_assert_null(nara_ext_uri(NARA_EXT_COUNT));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/parse/chrome-offer", test_chrome_offer);
  g_test_add_func("/sdp/parse/offer-order", test_offer_order);
  g_test_add_func("/sdp/parse/msid-from-ssrc", test_msid_from_ssrc);
  g_test_add_func("/sdp/parse/firefox-offer", test_firefox_offer);
  g_test_add_func("/sdp/parse/safari-offer", test_safari_offer);
  g_test_add_func("/sdp/parse/aiortc-offer", test_aiortc_offer);
  g_test_add_func("/sdp/parse/answers", test_answers);
  g_test_add_func("/sdp/parse/bad-files", test_bad_files);
  g_test_add_func("/sdp/parse/bad-generated", test_bad_generated);
  g_test_add_func("/sdp/parse/truncated", test_truncated);
  g_test_add_func("/sdp/answer/round-trip", test_build_answer);
  g_test_add_func("/sdp/answer/rejected", test_build_answer_rejected);
  g_test_add_func("/sdp/answer/rtx", test_answer_rtx);
  g_test_add_func("/sdp/offer/rtx", test_offer_rtx);
  g_test_add_func("/sdp/offer/round-trip", test_build_offer);
  g_test_add_func("/sdp/ext-uri", test_ext_uri);
  g_test_add_func("/sdp/red", test_red);
  return g_test_run();
}
