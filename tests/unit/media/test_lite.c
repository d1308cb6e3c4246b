/* test_lite.c — ICE-lite on a worker's UDP mux, driven by hand-made checks
 * from plain UDP sockets on 127.0.0.1: which checks get an answer, what
 * the answer says, where data goes after nomination, the send batch and
 * GSO, consent expiry and what keeps consent, an address moving to
 * another peer. The mux runs on the test's own GMainContext, without a
 * worker thread. */
#include "lite.h"
#include "media.h"
#include "mux.h"
#include "stun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct {
  NaraIceState state;
  guint state_changes;
  guint received;
  guint8 last[64];
  gsize last_len;
  gboolean authentic; /* what on_receive says: as if SRTP authenticated */
} Peer;

typedef struct {
  GMainContext *context;
  NaraMediaShared shared;
  NaraWorker *worker;
  NaraMux *mux;
  NaraSockAddr server;
} Fixture;

typedef struct {
  int fd;
  NaraSockAddr addr;
} Client;

static gboolean on_receive(guint8 *data, gsize len, gpointer user_data)
{
  Peer *p = user_data;
  p->received++;
  p->last_len = MIN(len, sizeof p->last);
  memcpy(p->last, data, p->last_len);
  return p->authentic;
}

static void on_state(NaraIceState state, gpointer user_data)
{
  Peer *p = user_data;
  p->state = state;
  p->state_changes++;
}

static void fixture_init(Fixture *f)
{
  memset(f, 0, sizeof *f);
  f->context = g_main_context_new();
  f->shared.ice_addresses = (char **)loopback;
  f->shared.ice_lite = TRUE;
  f->worker = g_new0(NaraWorker, 1);
  f->worker->shared = &f->shared;
  f->worker->context = f->context;
  g_autoptr(GError) error = NULL;
  f->mux = nara_mux_new(f->worker, &error);
  g_assert_no_error(error);
  guint n;
  const char *const *cands = nara_mux_get_candidates(f->mux, &n);
  g_assert_cmpuint(n, ==, 1);
  guint16 port;
  g_assert_cmpstr(nara_mux_get_default_address(f->mux, &port), ==, "127.0.0.1");
  g_assert_cmpuint(port, !=, 0);
  g_autofree char *want
      = g_strdup_printf("candidate:1 1 udp 2130706431 127.0.0.1 %u typ host", port);
  g_assert_cmpstr(cands[0], ==, want);
  f->server.v4.sin_family = AF_INET;
  f->server.v4.sin_port = g_htons(port);
  f->server.v4.sin_addr.s_addr = g_htonl(INADDR_LOOPBACK);
}

static void fixture_clear(Fixture *f)
{
  nara_mux_free(f->mux);
  g_free(f->worker);
  while (g_main_context_iteration(f->context, FALSE))
    ;
  g_main_context_unref(f->context);
}

static guint64 dropped(Fixture *f)
{
  return atomic_load(&f->worker->packets_dropped);
}

static void client_init(Client *c)
{
  c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  g_assert_cmpint(c->fd, >=, 0);
  memset(&c->addr, 0, sizeof c->addr);
  c->addr.v4.sin_family = AF_INET;
  c->addr.v4.sin_addr.s_addr = g_htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof c->addr.v4;
  g_assert_cmpint(bind(c->fd, &c->addr.sa, len), ==, 0);
  g_assert_cmpint(getsockname(c->fd, &c->addr.sa, &len), ==, 0);
}

static void client_send(Fixture *f, Client *c, const guint8 *data, gsize len)
{
  g_assert_cmpint(sendto(c->fd, data, len, 0, &f->server.sa, sizeof f->server.v4), ==, len);
  /* Let the mux see it (loopback delivers at once). */
  for (int i = 0; i < 5; i++)
    g_main_context_iteration(f->context, FALSE);
}

/* One datagram within ~200 ms, or 0. */
static gsize client_recv(Fixture *f, Client *c, guint8 *buf, gsize cap)
{
  gint64 deadline = g_get_monotonic_time() + 200 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time() < deadline) {
    ssize_t n = recv(c->fd, buf, cap, 0);
    if (n >= 0)
      return (gsize)n;
    g_assert_cmpint(errno, ==, EAGAIN);
    g_main_context_iteration(f->context, FALSE);
    g_usleep(1000);
  }
  return 0;
}

static gboolean client_silent(Fixture *f, Client *c)
{
  guint8 buf[1500];
  return client_recv(f, c, buf, sizeof buf) == 0;
}

static NaraSrtpHmac *key_for(const char *pwd)
{
  return nara_srtp_hmac_new(nara_srtp_hmac_default_kind(), (const guint8 *)pwd, strlen(pwd), NULL);
}

/* A check as a browser sends it. */
static void send_check(Fixture *f, Client *c, const char *username, const char *pwd,
                       NaraStunRole role, gboolean use_candidate, guint8 tid_byte)
{
  guint8 tid[NARA_STUN_TID_LEN] = { tid_byte };
  guint8 req[512];
  NaraSrtpHmac *key = key_for(pwd);
  gsize n = nara_stun_write_binding_request(req, sizeof req, tid, username, 1853824767, role,
                                            G_GUINT64_CONSTANT(0x0123456789), use_candidate, key);
  nara_srtp_hmac_free(key);
  g_assert_cmpuint(n, >, 0);
  client_send(f, c, req, n);
}

/* The answer to a check: class, error code, integrity with pwd, mapped address. */
static void expect_answer(Fixture *f, Client *c, const char *pwd, guint code, guint8 tid_byte)
{
  guint8 buf[512];
  gsize n = client_recv(f, c, buf, sizeof buf);
  g_assert_cmpuint(n, >, 0);
  NaraStunMessage msg;
  g_assert_true(nara_stun_parse(buf, n, &msg));
  g_assert_true(msg.fingerprint);
  g_assert_cmpuint(msg.transaction_id[0], ==, tid_byte);
  NaraSrtpHmac *key = key_for(pwd);
  g_assert_true(nara_stun_check_integrity(buf, n, &msg, key));
  nara_srtp_hmac_free(key);
  if (code) {
    g_assert_cmpint(msg.klass, ==, NARA_STUN_ERROR);
    g_assert_cmpuint(msg.error_code, ==, code);
    return;
  }
  g_assert_cmpint(msg.klass, ==, NARA_STUN_SUCCESS);
  g_assert_true(msg.has_mapped);
  g_assert_cmpmem(&msg.mapped.v4, sizeof msg.mapped.v4, &c->addr.v4, sizeof c->addr.v4);
}

static NaraTransport *new_lite(Fixture *f, Peer *p)
{
  NaraIceCallbacks cb = { on_receive, on_state };
  g_autoptr(GError) error = NULL;
  NaraTransport *t = nara_lite_new(f->mux, &cb, p, &error);
  g_assert_no_error(error);
  g_assert_true(t->ice_lite);
  g_assert_cmpuint(strlen(nara_transport_get_ufrag(t)), >=, 4);
  g_assert_cmpuint(strlen(nara_transport_get_pwd(t)), >=, 22);
  return t;
}

static void checks(void)
{
  Fixture fx, *f = &fx;
  fixture_init(f);
  Peer peer = { 0 };
  NaraTransport *t = new_lite(f, &peer);
  const char *pwd = nara_transport_get_pwd(t);
  g_autofree char *user = g_strdup_printf("%s:theirs", nara_transport_get_ufrag(t));
  g_autofree char *wrong_theirs = g_strdup_printf("%s:other", nara_transport_get_ufrag(t));
  Client c1, c2;
  client_init(&c1);
  client_init(&c2);

  /* Nowhere to send before a check. */
  g_assert_false(nara_transport_send(t, (const guint8 *)"x", 1));

  /* Checks for another ufrag, or not signed with our password: silence. */
  guint64 d0 = dropped(f);
  send_check(f, &c1, "nobody:theirs", pwd, NARA_STUN_ROLE_CONTROLLING, FALSE, 1);
  send_check(f, &c1, user, "not-the-password-at-all", NARA_STUN_ROLE_CONTROLLING, FALSE, 2);
  g_assert_true(client_silent(f, &c1));
  g_assert_cmpuint(dropped(f), ==, d0 + 2);
  g_assert_cmpuint(peer.state_changes, ==, 0);

  /* Without FINGERPRINT (RFC 8445 §7.2.2 wants one): silence too. */
  guint8 tid[NARA_STUN_TID_LEN] = { 3 };
  guint8 req[512];
  NaraSrtpHmac *key = key_for(pwd);
  gsize n = nara_stun_write_binding_request(req, sizeof req, tid, user, 1,
                                            NARA_STUN_ROLE_CONTROLLING, 1, FALSE, key);
  nara_srtp_hmac_free(key);
  n -= 8;
  req[2] = (n - 20) >> 8, req[3] = (n - 20) & 0xff;
  client_send(f, &c1, req, n);
  g_assert_true(client_silent(f, &c1));

  /* A valid check: answered, and c1 becomes where we send. */
  send_check(f, &c1, user, pwd, NARA_STUN_ROLE_CONTROLLING, FALSE, 4);
  expect_answer(f, &c1, pwd, 0, 4);
  g_assert_cmpint(peer.state, ==, NARA_ICE_CONNECTED);
  g_assert_true(nara_transport_send(t, (const guint8 *)"hello", 5));
  guint8 buf[1500];
  g_assert_cmpuint(client_recv(f, &c1, buf, sizeof buf), ==, 5);
  g_assert_cmpmem(buf, 5, "hello", 5);

  /* Once the remote ufrag is known, it must match. */
  g_assert_true(nara_transport_set_remote_credentials(t, "theirs", "their-password", NULL));
  send_check(f, &c1, wrong_theirs, pwd, NARA_STUN_ROLE_CONTROLLING, FALSE, 5);
  g_assert_true(client_silent(f, &c1));
  /* A peer that thinks it is controlled is told 487 (RFC 8445 §7.3.1.1). */
  send_check(f, &c1, user, pwd, NARA_STUN_ROLE_CONTROLLED, FALSE, 6);
  expect_answer(f, &c1, pwd, 487, 6);

  /* Data: from a checked address it reaches the peer, from others not. */
  guint8 rtp[20] = { 0x80, 96, 0, 1 };
  client_send(f, &c1, rtp, sizeof rtp);
  g_assert_cmpuint(peer.received, ==, 1);
  g_assert_cmpuint(peer.last_len, ==, sizeof rtp);
  d0 = dropped(f);
  client_send(f, &c2, rtp, sizeof rtp);
  g_assert_cmpuint(peer.received, ==, 1);
  g_assert_cmpuint(dropped(f), ==, d0 + 1);

  /* USE-CANDIDATE from c2 moves the selected pair there; a later plain
   * check from c1 does not move it back (RFC 8445 §7.3.1.5). */
  send_check(f, &c2, user, pwd, NARA_STUN_ROLE_CONTROLLING, TRUE, 7);
  expect_answer(f, &c2, pwd, 0, 7);
  send_check(f, &c1, user, pwd, NARA_STUN_ROLE_CONTROLLING, FALSE, 8);
  expect_answer(f, &c1, pwd, 0, 8);
  g_assert_true(nara_transport_send(t, (const guint8 *)"to-c2", 5));
  g_assert_cmpuint(client_recv(f, &c2, buf, sizeof buf), ==, 5);
  g_assert_true(client_silent(f, &c1));
  /* Both checked addresses deliver data. */
  client_send(f, &c1, rtp, sizeof rtp);
  client_send(f, &c2, rtp, sizeof rtp);
  g_assert_cmpuint(peer.received, ==, 3);

  /* The send batch: five equal datagrams and a shorter one leave as one
   * GSO message (where the kernel has UDP_SEGMENT), in order. */
  guint64 gso0 = nara_mux_gso_messages(f->mux);
  nara_mux_begin_batch(f->mux);
  for (guint i = 0; i < 6; i++) {
    guint8 *out = nara_transport_batch_buffer(t, NULL);
    gsize len = i < 5 ? 1000 : 300;
    memset(out, 'a' + i, len);
    g_assert_true(nara_transport_batch_commit(t, out, len));
  }
  g_assert_true(client_silent(f, &c2)); /* nothing leaves before the batch ends */
  nara_mux_end_batch(f->mux);
  for (guint i = 0; i < 6; i++) {
    g_assert_cmpuint(client_recv(f, &c2, buf, sizeof buf), ==, i < 5 ? 1000 : 300);
    g_assert_cmpuint(buf[0], ==, 'a' + i);
  }
  g_test_message("GSO messages: %" G_GUINT64_FORMAT, nara_mux_gso_messages(f->mux) - gso0);

  /* Consent (RFC 7675 §5.1): 30 s after the last check on the selected
   * pair the peer fails, and its checks go unanswered. */
  gint64 now = g_get_monotonic_time();
  nara_mux_tick(f->mux, now + 10 * G_USEC_PER_SEC);
  g_assert_cmpint(peer.state, ==, NARA_ICE_CONNECTED);
  nara_mux_tick(f->mux, now + NARA_LITE_CONSENT_US + G_USEC_PER_SEC);
  g_assert_cmpint(peer.state, ==, NARA_ICE_FAILED);
  send_check(f, &c2, user, pwd, NARA_STUN_ROLE_CONTROLLING, TRUE, 9);
  g_assert_true(client_silent(f, &c2));
  g_assert_false(nara_transport_send(t, (const guint8 *)"x", 1));

  nara_transport_free(t);
  /* Its addresses are forgotten with it. */
  d0 = dropped(f);
  client_send(f, &c2, rtp, sizeof rtp);
  g_assert_cmpuint(dropped(f), ==, d0 + 1);
  close(c1.fd);
  close(c2.fd);
  fixture_clear(f);
}

static void address_moves(void)
{
  Fixture fx, *f = &fx;
  fixture_init(f);
  Peer pa = { 0 }, pb = { 0 };
  NaraTransport *a = new_lite(f, &pa), *b = new_lite(f, &pb);
  g_autofree char *ua = g_strdup_printf("%s:x", nara_transport_get_ufrag(a));
  g_autofree char *ub = g_strdup_printf("%s:y", nara_transport_get_ufrag(b));
  Client c;
  client_init(&c);
  send_check(f, &c, ua, nara_transport_get_pwd(a), NARA_STUN_ROLE_CONTROLLING, TRUE, 1);
  expect_answer(f, &c, nara_transport_get_pwd(a), 0, 1);
  /* The same address proves it belongs to b now (a port reused). */
  send_check(f, &c, ub, nara_transport_get_pwd(b), NARA_STUN_ROLE_CONTROLLING, TRUE, 2);
  expect_answer(f, &c, nara_transport_get_pwd(b), 0, 2);
  guint8 rtp[20] = { 0x80, 96 };
  client_send(f, &c, rtp, sizeof rtp);
  g_assert_cmpuint(pa.received, ==, 0);
  g_assert_cmpuint(pb.received, ==, 1);
  g_assert_false(nara_transport_send(a, rtp, sizeof rtp));
  g_assert_true(nara_transport_send(b, rtp, sizeof rtp));
  nara_transport_free(a);
  nara_transport_free(b);
  close(c.fd);
  fixture_clear(f);
}

/* An ICE restart (RFC 8445 §9): new credentials, the old ones answered no
 * more; media keeps its path until the new checks come; a peer whose
 * consent expired comes back with a restart. */
static void restart(void)
{
  Fixture fx, *f = &fx;
  fixture_init(f);
  Peer p = { 0 };
  NaraTransport *t = new_lite(f, &p);
  g_autofree char *old_user = g_strdup_printf("%s:theirs", nara_transport_get_ufrag(t));
  g_autofree char *old_pwd = g_strdup(nara_transport_get_pwd(t));
  Client c;
  client_init(&c);
  g_assert_true(nara_transport_set_remote_credentials(t, "theirs", "their-password", NULL));
  send_check(f, &c, old_user, old_pwd, NARA_STUN_ROLE_CONTROLLING, TRUE, 1);
  expect_answer(f, &c, old_pwd, 0, 1);
  g_assert_cmpint(p.state, ==, NARA_ICE_CONNECTED);

  g_autoptr(GError) error = NULL;
  g_assert_true(nara_transport_restart(t, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(nara_transport_get_pwd(t), !=, old_pwd);
  g_autofree char *user = g_strdup_printf("%s:again", nara_transport_get_ufrag(t));
  g_assert_cmpstr(user, !=, old_user);
  /* Until the new checks, media goes where it went. */
  guint8 rtp[20] = { 0x80, 96 };
  g_assert_true(nara_transport_send(t, rtp, sizeof rtp));
  g_assert_cmpuint(client_recv(f, &c, (guint8[64]){ 0 }, 64), ==, sizeof rtp);
  /* The old credentials are gone. */
  guint64 d0 = dropped(f);
  send_check(f, &c, old_user, old_pwd, NARA_STUN_ROLE_CONTROLLING, TRUE, 2);
  g_assert_true(client_silent(f, &c));
  g_assert_cmpuint(dropped(f), >, d0);
  g_assert_true(nara_transport_set_remote_credentials(t, "again", "their-new-password", NULL));
  guint changes = p.state_changes;
  send_check(f, &c, user, nara_transport_get_pwd(t), NARA_STUN_ROLE_CONTROLLING, TRUE, 3);
  expect_answer(f, &c, nara_transport_get_pwd(t), 0, 3);
  g_assert_cmpuint(p.state_changes, ==, changes + 1);
  g_assert_cmpint(p.state, ==, NARA_ICE_CONNECTED);

  /* Consent lost: failed; a restart and a check bring it back. */
  nara_mux_tick(f->mux, g_get_monotonic_time() + NARA_LITE_CONSENT_US + G_USEC_PER_SEC);
  g_assert_cmpint(p.state, ==, NARA_ICE_FAILED);
  g_assert_false(nara_transport_send(t, rtp, sizeof rtp));
  g_assert_true(nara_transport_restart(t, NULL));
  g_assert_false(nara_transport_send(t, rtp, sizeof rtp));
  g_autofree char *user2 = g_strdup_printf("%s:third", nara_transport_get_ufrag(t));
  g_assert_true(nara_transport_set_remote_credentials(t, "third", "their-third-password", NULL));
  send_check(f, &c, user2, nara_transport_get_pwd(t), NARA_STUN_ROLE_CONTROLLING, TRUE, 4);
  expect_answer(f, &c, nara_transport_get_pwd(t), 0, 4);
  g_assert_cmpint(p.state, ==, NARA_ICE_CONNECTED);
  g_assert_true(nara_transport_send(t, rtp, sizeof rtp));
  nara_transport_free(t);
  close(c.fd);
  fixture_clear(f);
}

/* A peer that checks once and then only sends authenticated media from the
 * selected address (libnice's keepalives are unsigned indications) keeps
 * consent; media that did not authenticate, or came from another checked
 * address, keeps nothing and moves nothing. */
static void consent_by_media(void)
{
  Fixture fx, *f = &fx;
  fixture_init(f);
  Peer p = { 0 };
  NaraTransport *t = new_lite(f, &p);
  const char *pwd = nara_transport_get_pwd(t);
  g_autofree char *user = g_strdup_printf("%s:theirs", nara_transport_get_ufrag(t));
  Client c1, c2;
  client_init(&c1);
  client_init(&c2);
  g_assert_true(nara_transport_set_remote_credentials(t, "theirs", "their-password", NULL));
  send_check(f, &c1, user, pwd, NARA_STUN_ROLE_CONTROLLING, TRUE, 1);
  expect_answer(f, &c1, pwd, 0, 1);
  send_check(f, &c2, user, pwd, NARA_STUN_ROLE_CONTROLLING, FALSE, 2);
  expect_answer(f, &c2, pwd, 0, 2);
  gint64 now = g_get_monotonic_time();
  guint8 rtp[20] = { 0x80, 96, 0, 1 };

  /* Authenticated media from the selected address, and no more checks:
   * consent holds well past 30 s from the last check. */
  p.authentic = TRUE;
  client_send(f, &c1, rtp, sizeof rtp);
  nara_mux_tick(f->mux, now + 20 * G_USEC_PER_SEC);
  client_send(f, &c1, rtp, sizeof rtp);
  nara_mux_tick(f->mux, now + 45 * G_USEC_PER_SEC);
  g_assert_cmpint(p.state, ==, NARA_ICE_CONNECTED);

  /* Media that failed authentication from there, and authenticated media
   * from the other checked address: delivered, but consent still counts
   * from +45 s, and data still goes to c1. */
  p.authentic = FALSE;
  client_send(f, &c1, rtp, sizeof rtp);
  p.authentic = TRUE;
  client_send(f, &c2, rtp, sizeof rtp);
  g_assert_cmpuint(p.received, ==, 4);
  nara_mux_tick(f->mux, now + 60 * G_USEC_PER_SEC);
  g_assert_cmpint(p.state, ==, NARA_ICE_CONNECTED);
  g_assert_true(nara_transport_send(t, (const guint8 *)"to-c1", 5));
  guint8 buf[64];
  g_assert_cmpuint(client_recv(f, &c1, buf, sizeof buf), ==, 5);
  g_assert_true(client_silent(f, &c2));
  client_send(f, &c2, rtp, sizeof rtp);
  nara_mux_tick(f->mux, now + 76 * G_USEC_PER_SEC);
  g_assert_cmpint(p.state, ==, NARA_ICE_FAILED);
  g_assert_false(nara_transport_send(t, rtp, sizeof rtp));

  /* Lost: authenticated media brings nothing back (a restart does). */
  client_send(f, &c1, rtp, sizeof rtp);
  g_assert_cmpuint(p.received, ==, 5);
  nara_transport_free(t);
  close(c1.fd);
  close(c2.fd);
  fixture_clear(f);
}

static void no_check_times_out(void)
{
  Fixture fx, *f = &fx;
  fixture_init(f);
  Peer waiting = { 0 }, idle = { 0 };
  NaraTransport *w = new_lite(f, &waiting), *i = new_lite(f, &idle);
  g_assert_true(nara_transport_set_remote_credentials(w, "u", "p", NULL));
  g_assert_false(nara_transport_set_remote_credentials(i, "", "p", NULL));
  g_assert_true(
      nara_transport_add_remote_candidate(w, "a=candidate:1 1 udp 1 1.2.3.4 5 typ host", NULL));
  g_assert_false(nara_transport_add_remote_candidate(w, "garbage", NULL));
  nara_mux_tick(f->mux, g_get_monotonic_time() + NARA_LITE_CONSENT_US + G_USEC_PER_SEC);
  /* Waiting for a first check after the remote description: failed. No
   * remote description yet: nothing to wait for. */
  g_assert_cmpint(waiting.state, ==, NARA_ICE_FAILED);
  g_assert_cmpuint(idle.state_changes, ==, 0);
  nara_transport_free(w);
  nara_transport_free(i);
  fixture_clear(f);
}

static void bad_config(void)
{
  const char *const bad[] = { "not-an-address", NULL };
  NaraMediaShared shared = { .ice_addresses = (char **)bad, .ice_lite = TRUE };
  NaraWorker worker = { .shared = &shared };
  g_autoptr(GError) error = NULL;
  g_assert_null(nara_mux_new(&worker, &error));
  g_assert_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/lite/checks", checks);
  g_test_add_func("/lite/address-moves", address_moves);
  g_test_add_func("/lite/no-check-times-out", no_check_times_out);
  g_test_add_func("/lite/restart", restart);
  g_test_add_func("/lite/consent-by-media", consent_by_media);
  g_test_add_func("/lite/bad-config", bad_config);
  return g_test_run();
}
