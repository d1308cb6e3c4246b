/* test_media_loop.c — the whole media module on 127.0.0.1: a test client
 * built from Nara's own ICE/DTLS/SRTP pieces publishes audio and video to a
 * publish peer, a second client answers a subscribe peer's offer, and the
 * forwarded packets must arrive with the subscriber's SSRCs. Run with
 * libnice on both sides, and against ICE-lite (the clients, full libnice
 * agents, control; once the subscriber starts controlled and must be
 * turned round by a 487). The publisher numbers its packets with the
 * transport-wide sequence extension: Nara must answer with transport-cc
 * feedback that parses and reports them, and the subscriber must get the
 * extension under the unused id 14. The clients and the media callbacks share the
 * test's thread and GMainContext; the media workers are real threads. */
#include "dtls.h"
#include "ice.h"
#include "media.h"
#include "rtp.h"
#include "sdp.h"
#include "srtp_session.h"
#include "twcc.h"

#include <gio/gio.h>
#include <string.h>

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct {
  const char *name;
  NaraIce *ice;
  NaraDtls *dtls;
  NaraSrtpSession *in, *out;
  gboolean connected;
  guint rtp_received[2]; /* by NaraTrackKind, judged by payload type */
  guint32 ssrc_seen[2];
  guint plis;
  guint32 pli_ssrc;
  guint bad;
  guint16 twcc_seq;            /* publisher: next transport-wide sequence number */
  guint twcc_feedbacks;        /* publisher: transport-cc feedback packets received */
  guint twcc_received;         /* publisher: packets they report as received */
  guint ext_renamed, ext_kept; /* subscriber: packets with the extension under 14 / under 5 */
} Client;

#define TWCC_EXT_ID 5

typedef struct {
  GMainContext *context;
  NaraMedia *media;
  char *description[2]; /* [0] publish answer, [1] subscribe offer */
  NaraMediaTrack tracks[NARA_MEDIA_MAX_TRACKS];
  guint n_tracks;
  gboolean tracks_seen;
  NaraPeerState state[2];
  guint errors;
  Client pub, sub;
} Fixture;

/* ---- the test client ---- */

static void on_pli(guint32 ssrc, gpointer user_data)
{
  Client *c = user_data;
  c->plis++;
  c->pli_ssrc = ssrc;
}

static gboolean client_receive(guint8 *data, gsize len, gpointer user_data)
{
  Client *c = user_data;
  NaraPacketKind kind = nara_packet_classify(data, len);
  if (kind == NARA_PACKET_DTLS) {
    nara_dtls_receive(c->dtls, data, len);
    return FALSE;
  }
  if (!c->in)
    return FALSE;
  if (kind == NARA_PACKET_RTP) {
    NaraRtpHeader h;
    if (!nara_srtp_unprotect(c->in, data, &len) || !nara_rtp_parse(data, len, &h)) {
      c->bad++;
      return FALSE;
    }
    NaraTrackKind k = h.pt == 111 ? NARA_TRACK_AUDIO : NARA_TRACK_VIDEO;
    const guint8 *v;
    gsize v_len;
    c->ext_renamed += nara_rtp_find_extension(data, len, 14, &v, &v_len);
    c->ext_kept += nara_rtp_find_extension(data, len, TWCC_EXT_ID, &v, &v_len);
    c->rtp_received[k]++;
    c->ssrc_seen[k] = h.ssrc;
  } else if (kind == NARA_PACKET_RTCP) {
    NaraTwccFeedback fb;
    gint64 ticks[NARA_TWCC_WINDOW];
    if (!nara_srtp_unprotect_rtcp(c->in, data, &len)) {
      c->bad++;
    } else if (nara_twcc_parse(data, len, &fb, ticks, G_N_ELEMENTS(ticks))) {
      c->twcc_feedbacks++;
      for (guint i = 0; i < fb.status_count; i++)
        c->twcc_received += ticks[i] != NARA_TWCC_NONE;
    } else {
      nara_rtcp_for_each_keyframe_request(data, len, on_pli, c);
    }
  }
  return FALSE; /* libnice keeps consent itself */
}

static void client_ice_state(NaraIceState state, gpointer user_data)
{
  Client *c = user_data;
  if (state == NARA_ICE_CONNECTED)
    nara_dtls_start(c->dtls);
}

static void client_dtls_send(const guint8 *data, gsize len, gpointer user_data)
{
  nara_ice_send(((Client *)user_data)->ice, data, len);
}

static void client_dtls_connected(const NaraDtlsKeys *k, gpointer user_data)
{
  Client *c = user_data;
  c->in = nara_srtp_session_new(k->profile, k->remote_key, k->remote_salt, TRUE, NULL);
  c->out = nara_srtp_session_new(k->profile, k->local_key, k->local_salt, FALSE, NULL);
  c->connected = c->in && c->out;
}

static void client_dtls_failed(const char *reason, gpointer user_data)
{
  g_error("%s: DTLS failed: %s", ((Client *)user_data)->name, reason);
}

static void client_init(Client *c, const char *name, GMainContext *context, NaraDtlsContext *dtls,
                        gboolean controlling)
{
  c->name = name;
  NaraIceConfig config = { .addresses = loopback, .controlling = controlling };
  NaraIceCallbacks ice_cb = { client_receive, client_ice_state };
  g_autoptr(GError) error = NULL;
  c->ice = nara_ice_new(context, &config, &ice_cb, c, &error);
  g_assert_no_error(error);
  NaraDtlsCallbacks dtls_cb = { client_dtls_send, client_dtls_connected, client_dtls_failed };
  c->dtls = nara_dtls_new(dtls, context, &dtls_cb, c);
  nara_dtls_set_role(c->dtls, NARA_DTLS_ROLE_CLIENT);
}

static void client_clear(Client *c)
{
  nara_dtls_free(c->dtls);
  nara_ice_free(c->ice);
  nara_srtp_session_free(c->in);
  nara_srtp_session_free(c->out);
}

/* Applies the server's description: credentials, fingerprint, candidates. */
static void client_set_remote(Client *c, const char *sdp, NaraSdpRemote *remote)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(nara_sdp_parse(sdp, remote, &error));
  g_assert_no_error(error);
  g_assert_true(nara_ice_set_remote_credentials(c->ice, remote->ice_ufrag, remote->ice_pwd, NULL));
  nara_dtls_set_remote_fingerprint(c->dtls, remote->fingerprint);
  g_assert_cmpuint(remote->n_candidates, >, 0);
  for (guint i = 0; i < remote->n_candidates; i++)
    g_assert_true(nara_ice_add_remote_candidate(c->ice, remote->candidates[i], NULL));
  nara_ice_remote_candidates_done(c->ice);
}

static void client_trickle(Client *c, NaraMediaPeer *peer)
{
  guint n;
  const char *const *cands = nara_ice_get_local_candidates(c->ice, &n);
  for (guint i = 0; i < n; i++) {
    /* Signaling may or may not keep the "a=" prefix. */
    g_autofree char *line = g_strconcat(i % 2 ? "" : "a=", cands[i], NULL);
    nara_media_peer_add_remote_candidate(peer, line);
  }
  nara_media_peer_add_remote_candidate(peer, NULL);
}

/* With the transport-wide sequence number as a one-byte extension (RFC 8285). */
static void client_send_rtp(Client *c, guint8 pt, guint32 ssrc, guint16 seq)
{
  guint16 tw = c->twcc_seq++;
  guint8 buf[300 + NARA_SRTP_MAX_TAIL] = { 0x90,
                                           pt,
                                           seq >> 8,
                                           seq & 0xff,
                                           0,
                                           0,
                                           seq >> 8,
                                           seq,
                                           ssrc >> 24,
                                           ssrc >> 16,
                                           ssrc >> 8,
                                           ssrc,
                                           0xbe,
                                           0xde,
                                           0,
                                           1,
                                           TWCC_EXT_ID << 4 | 1,
                                           tw >> 8,
                                           tw & 0xff,
                                           0 };
  gsize len = 20 + 200;
  memset(buf + 20, 0xab, 200);
  /* Video: every packet starts a VP8 keyframe (RFC 7741 S bit, inverse key
   * bit clear), so Nara may switch a subscriber to the stream anywhere. */
  buf[20] = 0x10;
  buf[21] = 0x00;
  g_assert_true(nara_srtp_protect(c->out, buf, &len, sizeof buf));
  g_assert_true(nara_ice_send(c->ice, buf, len));
}

static char *publish_offer(Client *c, const char *fingerprint)
{
  GString *s = g_string_new("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                            "a=group:BUNDLE 0 1\r\na=msid-semantic: WMS alice\r\n");
  const char *kinds[] = { "audio", "video" };
  const char *codecs[] = { "111 opus/48000/2", "96 VP8/90000" };
  const char *pts[] = { "111", "96" };
  const guint32 ssrcs[] = { 1111, 2222 };
  for (guint i = 0; i < 2; i++) {
    g_string_append_printf(
        s,
        "m=%s 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\n"
        "a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
        "a=ice-options:trickle\r\na=fingerprint:sha-256 %s\r\n"
        "a=setup:actpass\r\na=mid:%u\r\n"
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=extmap:5 "
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
        "a=sendonly\r\na=msid:alice t%u\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
        "a=rtpmap:%s\r\n",
        kinds[i], pts[i], nara_ice_get_ufrag(c->ice), nara_ice_get_pwd(c->ice), fingerprint, i, i,
        codecs[i]);
    g_string_append_printf(s, "a=rtcp-fb:%s transport-cc\r\n", pts[i]);
    if (i == 1)
      g_string_append(s, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n"
                         "a=rtcp-fb:96 goog-remb\r\n");
    g_string_append_printf(s, "a=ssrc:%u cname:alice\r\na=ssrc:%u msid:alice t%u\r\n", ssrcs[i],
                           ssrcs[i], i);
  }
  return g_string_free(s, FALSE);
}

static char *subscribe_answer(Client *c, const char *fingerprint, const NaraSdpRemote *offer)
{
  GString *s = g_string_new("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE");
  for (guint i = 0; i < offer->n_media; i++)
    g_string_append_printf(s, " %s", offer->media[i].mid);
  g_string_append(s, "\r\n");
  for (guint i = 0; i < offer->n_media; i++) {
    const NaraSdpMedia *m = &offer->media[i];
    g_string_append_printf(
        s,
        "m=%s 9 UDP/TLS/RTP/SAVPF %u\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
        "a=fingerprint:sha-256 %s\r\na=setup:active\r\na=mid:%s\r\na=recvonly\r\na=rtcp-mux\r\n"
        "a=rtpmap:%u %s/%u%s\r\n",
        m->kind == NARA_TRACK_AUDIO ? "audio" : "video", m->codec.pt, nara_ice_get_ufrag(c->ice),
        nara_ice_get_pwd(c->ice), fingerprint, m->mid, m->codec.pt, m->codec.name,
        m->codec.clock_rate, m->kind == NARA_TRACK_AUDIO ? "/2" : "");
  }
  return g_string_free(s, FALSE);
}

/* ---- media callbacks (control thread) ---- */

static void on_description(NaraMediaPeer *peer, const char *type, const char *sdp, gpointer ud)
{
  (void)peer;
  Fixture *f = ud;
  guint i = strcmp(type, "answer") == 0 ? 0 : 1;
  g_free(f->description[i]);
  f->description[i] = g_strdup(sdp);
}

static void on_candidate(NaraMediaPeer *peer, const char *cand, gpointer ud)
{
  (void)peer, (void)cand, (void)ud;
}

static void on_tracks(NaraMediaPeer *peer, const NaraMediaTrack *tracks, guint n, gpointer ud)
{
  (void)peer;
  Fixture *f = ud;
  memcpy(f->tracks, tracks, sizeof *tracks * n);
  f->n_tracks = n;
  f->tracks_seen = TRUE;
}

static void on_state_pub(NaraMediaPeer *peer, NaraPeerState state, gpointer ud)
{
  (void)peer;
  ((Fixture *)ud)->state[0] = state;
}

static void on_state_sub(NaraMediaPeer *peer, NaraPeerState state, gpointer ud)
{
  (void)peer;
  ((Fixture *)ud)->state[1] = state;
}

static void on_error(NaraMediaPeer *peer, const GError *error, gpointer ud)
{
  (void)peer;
  g_test_message("media error: %s", error->message);
  ((Fixture *)ud)->errors++;
}

#define WAIT_FOR(f, cond)                                                                          \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 deadline_ = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;                               \
    while (!(cond) && g_get_monotonic_time() < deadline_)                                          \
      g_main_context_iteration((f)->context, TRUE);                                                \
    g_assert_true(cond);                                                                           \
  }                                                                                                \
  G_STMT_END

/* Keeps the loop turning for a while: lets posted commands reach the worker. */
static gboolean wake(gpointer data)
{
  (void)data;
  return G_SOURCE_CONTINUE;
}

/* ice_lite: the server's mode. sub_controlling: the subscribe client's
 * role, as a browser takes it from a=ice-lite (or not). late_answer: the
 * subscribe client finishes ICE and DTLS before its answer reaches the
 * server, as a browser can when signaling is slower than UDP (ICE-lite
 * only: a full agent's checks need the answer's credentials). */
static void run_loop(gboolean ice_lite, gboolean sub_controlling, gboolean late_answer)
{
  Fixture fx = { 0 }, *f = &fx;
  f->context = g_main_context_new();
  g_main_context_push_thread_default(f->context);
  GSource *waker = g_timeout_source_new(10);
  g_source_set_callback(waker, wake, NULL, NULL);
  g_source_attach(waker, f->context);

  NaraMediaConfig config
      = { .workers = 2, .ice_addresses = (char **)loopback, .ice_lite = ice_lite };
  g_autoptr(GError) error = NULL;
  f->media = nara_media_new(&config, f->context, &error);
  g_assert_no_error(error);
  NaraDtlsContext *client_dtls = nara_dtls_context_new(&error);
  g_assert_no_error(error);
  const char *client_fp = nara_dtls_context_fingerprint(client_dtls);

  NaraMediaRoom *room = nara_media_room_new(f->media, "room-1");
  NaraMediaPeerCallbacks pub_cb
      = { on_description, on_candidate, on_tracks, on_state_pub, on_error, NULL, NULL, NULL };
  NaraMediaPeerCallbacks sub_cb
      = { on_description, on_candidate, on_tracks, on_state_sub, on_error, NULL, NULL, NULL };
  NaraMediaPeer *pub = nara_media_peer_new(room, NARA_PEER_PUBLISH, "alice", &pub_cb, f);
  NaraMediaPeer *sub = nara_media_peer_new(room, NARA_PEER_SUBSCRIBE, "bob", &sub_cb, f);

  /* Publish: the client offers, trickles, applies the answer. */
  client_init(&f->pub, "publisher", f->context, client_dtls, TRUE);
  g_autofree char *offer = publish_offer(&f->pub, client_fp);
  nara_media_peer_set_remote_description(pub, "offer", offer);
  client_trickle(&f->pub, pub);
  WAIT_FOR(f, f->description[0] && f->tracks_seen);
  g_assert_cmpuint(f->errors, ==, 0);
  g_assert_cmpuint(f->n_tracks, ==, 2);
  g_assert_cmpstr(f->tracks[0].id, ==, "alice-0");
  g_assert_cmpstr(f->tracks[1].stream_id, ==, "alice");
  g_assert_cmpint(f->tracks[1].kind, ==, NARA_TRACK_VIDEO);
  g_autofree NaraSdpRemote *answer = g_new0(NaraSdpRemote, 1);
  client_set_remote(&f->pub, f->description[0], answer);
  g_assert_cmpuint(answer->media[0].ext_ids[NARA_EXT_TWCC], ==, TWCC_EXT_ID);
  g_assert_true(answer->media[1].codec.twcc);
  g_assert_cmpint(answer->setup, ==, NARA_DTLS_SETUP_PASSIVE);
  g_assert_cmpint(answer->ice_lite, ==, ice_lite);

  /* Subscribe: the server offers both tracks, the client answers. */
  nara_media_peer_set_subscriptions(sub, f->tracks, f->n_tracks);
  WAIT_FOR(f, f->description[1] != NULL);
  g_autofree NaraSdpRemote *sub_offer = g_new0(NaraSdpRemote, 1);
  g_assert_true(nara_sdp_parse(f->description[1], sub_offer, NULL));
  g_assert_cmpint(sub_offer->ice_lite, ==, ice_lite);
  client_init(&f->sub, "subscriber", f->context, client_dtls, sub_controlling);
  client_set_remote(&f->sub, f->description[1], sub_offer);
  g_assert_cmpuint(sub_offer->n_media, ==, 2);
  guint32 want_ssrc[2] = { sub_offer->media[0].ssrc, sub_offer->media[1].ssrc };
  g_assert_cmpuint(want_ssrc[0], !=, 0);
  g_assert_cmpuint(want_ssrc[1], !=, 0);
  g_assert_cmpuint(sub_offer->media[1].codec.pt, ==, 96);
  g_autofree char *sub_answer = subscribe_answer(&f->sub, client_fp, sub_offer);
  if (late_answer) {
    WAIT_FOR(f, f->sub.connected);
    /* The server holds its finished handshake until it has the fingerprint. */
    g_assert_cmpint(f->state[1], ==, NARA_PEER_STATE_CONNECTING);
  }
  nara_media_peer_set_remote_description(sub, "answer", sub_answer);
  client_trickle(&f->sub, sub);

  WAIT_FOR(f, f->pub.connected && f->sub.connected && f->state[0] == NARA_PEER_STATE_CONNECTED
                  && f->state[1] == NARA_PEER_STATE_CONNECTED);
  /* The new subscriber made the server ask the publisher for a keyframe. */
  WAIT_FOR(f, f->pub.plis > 0);
  g_assert_cmpuint(f->pub.pli_ssrc, ==, 2222);

  for (guint16 seq = 1; seq <= 20; seq++) {
    client_send_rtp(&f->pub, 111, 1111, seq);
    client_send_rtp(&f->pub, 96, 2222, seq);
  }
  WAIT_FOR(f, f->sub.rtp_received[0] == 20 && f->sub.rtp_received[1] == 20);
  g_assert_cmpuint(f->sub.ssrc_seen[NARA_TRACK_AUDIO], ==, want_ssrc[0]);
  g_assert_cmpuint(f->sub.ssrc_seen[NARA_TRACK_VIDEO], ==, want_ssrc[1]);
  g_assert_cmpuint(f->sub.bad, ==, 0);
  /* Every one of the 40 comes back in transport-cc feedback (the last
   * ones with the once-a-second tick); the subscriber sees the extension
   * only under the id nobody negotiated. */
  WAIT_FOR(f, f->pub.twcc_received == 40);
  g_assert_cmpuint(f->pub.twcc_feedbacks, >=, 1);
  g_assert_cmpuint(f->sub.ext_renamed, ==, 40);
  g_assert_cmpuint(f->sub.ext_kept, ==, 0);

  /* Stop video: audio still flows, video does not. */
  nara_media_peer_set_forwarding(pub, NARA_TRACK_VIDEO, FALSE);
  gint64 until = g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time() < until)
    g_main_context_iteration(f->context, TRUE);
  for (guint16 seq = 21; seq <= 30; seq++) {
    client_send_rtp(&f->pub, 111, 1111, seq);
    client_send_rtp(&f->pub, 96, 2222, seq);
  }
  WAIT_FOR(f, f->sub.rtp_received[0] == 30);
  g_assert_cmpuint(f->sub.rtp_received[1], ==, 20);

  /* Drop audio: a new offer keeps m-line 0 but inactive. A change made
   * while that offer is unanswered waits for the answer, then re-uses the
   * slot with the same SSRC. */
  g_clear_pointer(&f->description[1], g_free);
  nara_media_peer_set_subscriptions(sub, &f->tracks[1], 1);
  WAIT_FOR(f, f->description[1] != NULL);
  g_autofree NaraSdpRemote *offer2 = g_new0(NaraSdpRemote, 1);
  g_assert_true(nara_sdp_parse(f->description[1], offer2, NULL));
  g_assert_cmpuint(offer2->n_media, ==, 2);
  g_assert_false(offer2->media[0].sending);
  g_assert_true(offer2->media[1].sending);
  g_clear_pointer(&f->description[1], g_free);
  nara_media_peer_set_subscriptions(sub, f->tracks, f->n_tracks);
  until = g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time() < until)
    g_main_context_iteration(f->context, TRUE);
  g_assert_null(f->description[1]);
  g_autofree char *answer2 = subscribe_answer(&f->sub, client_fp, offer2);
  nara_media_peer_set_remote_description(sub, "answer", answer2);
  WAIT_FOR(f, f->description[1] != NULL);
  g_autofree NaraSdpRemote *offer3 = g_new0(NaraSdpRemote, 1);
  g_assert_true(nara_sdp_parse(f->description[1], offer3, NULL));
  g_assert_cmpuint(offer3->n_media, ==, 2);
  g_assert_true(offer3->media[0].sending);
  g_assert_cmpuint(offer3->media[0].ssrc, ==, want_ssrc[0]);
  g_autofree char *answer3 = subscribe_answer(&f->sub, client_fp, offer3);
  nara_media_peer_set_remote_description(sub, "answer", answer3);
  /* Video resumes with a keyframe request, or subscribers would freeze
   * until the encoder's next keyframe. */
  guint plis_before = f->pub.plis;
  nara_media_peer_set_forwarding(pub, NARA_TRACK_VIDEO, TRUE);
  WAIT_FOR(f, f->pub.plis > plis_before);
  g_assert_cmpuint(f->pub.pli_ssrc, ==, 2222);
  until = g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time() < until)
    g_main_context_iteration(f->context, TRUE);
  for (guint16 seq = 31; seq <= 40; seq++) {
    client_send_rtp(&f->pub, 111, 1111, seq);
    client_send_rtp(&f->pub, 96, 2222, seq);
  }
  WAIT_FOR(f, f->sub.rtp_received[0] == 40 && f->sub.rtp_received[1] == 30);
  g_assert_cmpuint(f->sub.ssrc_seen[NARA_TRACK_AUDIO], ==, want_ssrc[0]);

  NaraMediaStats stats;
  nara_media_get_stats(f->media, &stats);
  g_assert_cmpuint(stats.packets_in, >=, 60);
  g_assert_cmpuint(stats.packets_forwarded, >=, 50);
  g_assert_cmpuint(stats.peers, ==, 2);
  g_assert_cmpuint(stats.rooms, ==, 1);
  g_assert_cmpuint(stats.workers, ==, 2);
  g_assert_cmpuint(f->errors, ==, 0);

  /* A wrong-type description is an error, not a crash or a state change. */
  nara_media_peer_set_remote_description(pub, "answer", "v=0\r\n");
  WAIT_FOR(f, f->errors == 1);
  g_assert_cmpint(f->state[0], ==, NARA_PEER_STATE_CONNECTED);

  nara_media_peer_close(sub);
  nara_media_room_free(room); /* closes pub */
  nara_media_free(f->media);
  client_clear(&f->pub);
  client_clear(&f->sub);
  nara_dtls_context_free(client_dtls);
  g_free(f->description[0]);
  g_free(f->description[1]);
  g_source_destroy(waker);
  g_source_unref(waker);
  while (g_main_context_iteration(f->context, FALSE))
    ;
  g_main_context_pop_thread_default(f->context);
  g_main_context_unref(f->context);
}

static void loop(void)
{
  run_loop(FALSE, FALSE, FALSE);
}

static void lite_loop(void)
{
  run_loop(TRUE, TRUE, FALSE);
}

/* The answer arriving after DTLS must not take the peer back to
 * "connecting" (it did once: the subscriber then received nothing). */
static void lite_late_answer(void)
{
  run_loop(TRUE, TRUE, TRUE);
}

static void lite_role_conflict(void)
{
  run_loop(TRUE, FALSE, FALSE);
}

static void run_lifecycle(gboolean ice_lite)
{
  /* Create and drop everything with work still queued: no callbacks after
   * close, nothing leaked, threads joined. */
  GMainContext *context = g_main_context_new();
  NaraMediaConfig config
      = { .workers = 3, .ice_addresses = (char **)loopback, .ice_lite = ice_lite };
  NaraMedia *media = nara_media_new(&config, context, NULL);
  g_assert_nonnull(media);
  g_assert_cmpuint(strlen(nara_media_fingerprint(media)), ==, 95);
  NaraMediaPeerCallbacks cb = { 0 };
  for (guint r = 0; r < 4; r++) {
    NaraMediaRoom *room = nara_media_room_new(media, "r");
    NaraMediaPeer *p = nara_media_peer_new(room, NARA_PEER_PUBLISH, "p", &cb, NULL);
    nara_media_peer_set_remote_description(p, "offer", "garbage");
    nara_media_peer_add_remote_candidate(p, "candidate:1 1 udp 1 127.0.0.1 9 typ host");
    NaraMediaPeer *s = nara_media_peer_new(room, NARA_PEER_SUBSCRIBE, "s", &cb, NULL);
    nara_media_peer_set_subscriptions(s, NULL, 0);
    if (r % 2)
      nara_media_peer_close(p);
  }
  nara_media_free(media);
  while (g_main_context_iteration(context, FALSE))
    ;
  g_main_context_unref(context);
}

static void lifecycle(void)
{
  run_lifecycle(FALSE);
}

static void lite_lifecycle(void)
{
  run_lifecycle(TRUE);
}

static void lite_ports(void)
{
  /* udp_port + worker index for each worker; a taken port fails at start. */
  GMainContext *context = g_main_context_new();
  GSocket *probe = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(probe, any, FALSE, NULL));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(probe, NULL);
  guint16 taken = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  NaraMediaConfig config = { .workers = 2,
                             .ice_addresses = (char **)loopback,
                             .ice_lite = TRUE,
                             .udp_port = (guint16)(taken - 1) };
  g_autoptr(GError) error = NULL;
  g_assert_null(nara_media_new(&config, context, &error));
  g_assert_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG);
  g_clear_error(&error);
  config.udp_port = 65535;
  g_assert_null(nara_media_new(&config, context, &error));
  g_assert_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG);
  g_object_unref(probe);
  g_main_context_unref(context);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/media/loop/publish-subscribe", loop);
  g_test_add_func("/media/loop/lifecycle", lifecycle);
  g_test_add_func("/media/lite/publish-subscribe", lite_loop);
  g_test_add_func("/media/lite/role-conflict", lite_role_conflict);
  g_test_add_func("/media/lite/late-answer", lite_late_answer);
  g_test_add_func("/media/lite/lifecycle", lite_lifecycle);
  g_test_add_func("/media/lite/ports", lite_ports);
  return g_test_run();
}
