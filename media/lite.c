/* lite.c — ICE-lite for one peer connection (RFC 8445 §2.5) on the worker mux.
 *
 * Owns the peer's ICE credentials, the remote addresses its valid checks
 * came from, which one is selected, and consent. It answers Binding
 * requests and sends nothing unasked: no checks, no candidates beyond the
 * worker's host candidates. An ICE restart changes the credentials and
 * keeps the selected address until a check proves another. Sockets and batching are the
 * mux's. Runs on the media worker that owns the mux.
 *
 * Consent (RFC 7675) is refreshed by a valid check, as the RFC says, and
 * also by SRTP or SRTCP that authenticated and came from the selected
 * address. Browsers check every ~5 s, but libnice with its default
 * keepalives (GStreamer's webrtcbin, for one) sends Binding indications,
 * which carry no credentials and cannot count, so a strict reading drops
 * such a peer 30 s into every call. Counting its media departs from the
 * RFC, which asks the agent that sends media to check consent itself (a
 * lite agent sends no checks), and it keeps what consent is for, that we
 * never send to an address that did not ask: the address proved itself
 * with a signed check first (nothing is sent, and nothing refreshed,
 * before), and only the holder of this peer's DTLS-SRTP keys can make a
 * packet authenticate; the replay window turns away a captured packet sent
 * again, from that address or another. Media from any other address, even
 * one that was checked, refreshes nothing and selects nothing. The
 * receive path only sets a flag on the address; the once-a-second tick
 * turns it into a time.
 */
#include "lite.h"

#include "media.h"

#include <string.h>
#include <openssl/rand.h>

/* RFC 8445 §5.3: at least 24 bits of randomness in the ufrag and 128 in
 * the password; 6 bits per character here, so 48 and 144. */
#define UFRAG_LEN 8
#define PWD_LEN 24
/* Remote addresses one peer may check from at once (host, server
 * reflexive, relayed, IPv4 and IPv6); the oldest unselected one goes. */
#define MAX_ADDRESSES 8
#define REMOTE_UFRAG_LEN 257 /* RFC 8839 §5.4: at most 256 characters */

typedef struct {
  gboolean used;
  NaraMuxKey key;
  NaraSockAddr addr;
  gint64 last_check_us; /* last valid Binding request from it */
  gint64 last_media_us; /* last tick that found media_seen */
  gboolean media_seen;  /* authenticated SRTP/SRTCP while selected, since that tick */
} LiteAddress;

struct _NaraLite {
  NaraTransport base; /* first: the peer transport interface */
  NaraMux *mux;
  NaraIceCallbacks callbacks;
  gpointer user_data;
  char ufrag[UFRAG_LEN + 1];
  char pwd[PWD_LEN + 1];
  char remote_ufrag[REMOTE_UFRAG_LEN];
  NaraSrtpHmac *key; /* HMAC-SHA1 keyed with pwd: checks are signed with ours */
  gboolean registered;
  LiteAddress addresses[MAX_ADDRESSES];
  int selected;       /* index into addresses, -1 = none */
  gboolean nominated; /* selected by USE-CANDIDATE */
  NaraIceState state;
  gboolean reported;       /* CONNECTED was reported */
  gint64 waiting_since_us; /* remote description applied, no check yet */
};

static const NaraTransportOps lite_ops;

static void set_state(NaraLite *lite, NaraIceState state)
{
  if (lite->state == NARA_ICE_FAILED || (state == NARA_ICE_CONNECTED && lite->reported))
    return;
  lite->state = state;
  if (state == NARA_ICE_CONNECTED)
    lite->reported = TRUE;
  lite->callbacks.state_changed(state, lite->user_data);
}

static gboolean random_ice_chars(char *out, gsize n)
{
  /* RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/": 64 of them. */
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  guint8 bytes[PWD_LEN];
  if (n > sizeof bytes || RAND_bytes(bytes, (int)n) != 1)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    out[i] = chars[bytes[i] & 63];
  out[n] = '\0';
  return TRUE;
}

NaraTransport *nara_lite_new(NaraMux *mux, const NaraIceCallbacks *callbacks, gpointer user_data,
                             GError **error)
{
  NaraLite *lite = g_new0(NaraLite, 1);
  lite->base.ops = &lite_ops;
  lite->base.ice_lite = TRUE;
  lite->mux = mux;
  lite->callbacks = *callbacks;
  lite->user_data = user_data;
  lite->selected = -1;
  lite->state = NARA_ICE_CHECKING;
  if (!random_ice_chars(lite->pwd, PWD_LEN)) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "no random ICE password");
    goto fail;
  }
  lite->key = nara_srtp_hmac_new(nara_srtp_hmac_default_kind(), (const guint8 *)lite->pwd, PWD_LEN,
                                 error);
  if (!lite->key)
    goto fail;
  /* The ufrag is the demultiplexing key of a peer's first check: unique
   * on the worker (48 random bits make a retry all but theoretical). */
  for (guint tries = 0; !lite->registered && tries < 8; tries++)
    lite->registered
        = random_ice_chars(lite->ufrag, UFRAG_LEN) && nara_mux_register(mux, lite->ufrag, lite);
  if (!lite->registered) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "no unique ICE ufrag");
    goto fail;
  }
  return &lite->base;
fail:
  lite_ops.free(&lite->base);
  return NULL;
}

/* New ufrag and password (and the HMAC key they sign with), registered on
 * the mux under the new ufrag. FALSE: the old ones are kept. */
static gboolean new_credentials(NaraLite *lite, GError **error)
{
  char ufrag[UFRAG_LEN + 1], pwd[PWD_LEN + 1];
  NaraSrtpHmac *key;
  gboolean registered = FALSE;

  if (!random_ice_chars(pwd, PWD_LEN)) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "no random ICE password");
    return FALSE;
  }
  key = nara_srtp_hmac_new(nara_srtp_hmac_default_kind(), (const guint8 *)pwd, PWD_LEN, error);
  if (!key)
    return FALSE;
  /* The mux keys the table by our ufrag's storage: off with the old first. */
  if (lite->registered)
    nara_mux_unregister(lite->mux, lite->ufrag);
  for (guint tries = 0; !registered && tries < 8; tries++) {
    registered = random_ice_chars(ufrag, UFRAG_LEN);
    if (registered) {
      memcpy(lite->ufrag, ufrag, sizeof ufrag);
      registered = nara_mux_register(lite->mux, lite->ufrag, lite);
    }
  }
  lite->registered = registered;
  if (!registered) {
    nara_srtp_hmac_free(key);
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_INTERNAL, "no unique ICE ufrag");
    return FALSE;
  }
  memcpy(lite->pwd, pwd, sizeof pwd);
  nara_srtp_hmac_free(lite->key);
  lite->key = key;
  return TRUE;
}

static void lite_free(NaraTransport *t)
{
  NaraLite *lite = (NaraLite *)t;
  for (guint i = 0; i < MAX_ADDRESSES; i++)
    if (lite->addresses[i].used)
      nara_mux_unmap(lite->mux, &lite->addresses[i].key);
  if (lite->registered)
    nara_mux_unregister(lite->mux, lite->ufrag);
  nara_srtp_hmac_free(lite->key);
  g_free(lite);
}

/* ---- checks ---- */

static void respond(NaraLite *lite, guint socket, const NaraSockAddr *from, const guint8 *tid,
                    guint code, const char *reason, const NaraStunMessage *msg)
{
  guint8 out[256];
  gsize n = code ? nara_stun_write_binding_error(out, sizeof out, tid, code, reason, msg->unknown,
                                                 code == 420 ? msg->n_unknown : 0, lite->key)
                 : nara_stun_write_binding_success(out, sizeof out, tid, from, lite->key);
  if (n)
    nara_mux_send(lite->mux, socket, from, out, n);
}

static gboolean username_matches(NaraLite *lite, const NaraStunMessage *msg)
{
  /* RFC 8445 §7.3: USERNAME is "<our ufrag>:<their ufrag>". Checks can
   * arrive before the answer that names their ufrag: then MESSAGE-INTEGRITY
   * with our password is what admits them. */
  gsize ours = strlen(lite->ufrag);
  if (msg->username_len <= ours + 1 || memcmp(msg->username, lite->ufrag, ours) != 0
      || msg->username[ours] != ':')
    return FALSE;
  const guint8 *theirs = msg->username + ours + 1;
  gsize theirs_len = msg->username_len - ours - 1;
  if (!lite->remote_ufrag[0])
    return TRUE;
  return theirs_len == strlen(lite->remote_ufrag)
         && memcmp(theirs, lite->remote_ufrag, theirs_len) == 0;
}

/* The entry for key, learning it if new. */
static int learn(NaraLite *lite, guint socket, const NaraSockAddr *from, gint64 now)
{
  NaraMuxKey key;
  nara_mux_key_init(&key, socket, from);
  int slot = -1, oldest = -1;
  for (int i = 0; i < MAX_ADDRESSES; i++) {
    LiteAddress *a = &lite->addresses[i];
    if (a->used && memcmp(&a->key, &key, sizeof key) == 0) {
      a->last_check_us = now;
      return i;
    }
    if (!a->used && slot < 0)
      slot = i;
    if (a->used && i != lite->selected
        && (oldest < 0 || a->last_check_us < lite->addresses[oldest].last_check_us))
      oldest = i;
  }
  if (slot < 0) {
    slot = oldest; /* never the selected one: MAX_ADDRESSES > 1 */
    nara_mux_unmap(lite->mux, &lite->addresses[slot].key);
  }
  LiteAddress *a = &lite->addresses[slot];
  a->used = TRUE;
  a->key = key;
  a->addr = *from;
  a->last_check_us = now;
  a->last_media_us = 0;
  a->media_seen = FALSE;
  nara_mux_map(lite->mux, &a->key, lite);
  return slot;
}

void nara_lite_handle_request(NaraLite *lite, guint socket, const NaraSockAddr *from,
                              const guint8 *data, gsize len, const NaraStunMessage *msg)
{
  if (lite->state == NARA_ICE_FAILED) {
    nara_mux_drop(lite->mux, "check for a failed peer");
    return;
  }
  if (!username_matches(lite, msg) || !nara_stun_check_integrity(data, len, msg, lite->key)) {
    nara_mux_drop(lite->mux, "check with a wrong USERNAME or MESSAGE-INTEGRITY");
    return;
  }
  /* RFC 8445 §6.1.1: a lite agent is always controlled. §7.3.1.1: to a
   * peer that thinks it is controlled too, answer 487 and keep the role;
   * it switches to controlling (§7.2.5.1) and checks again. */
  if (msg->role == NARA_STUN_ROLE_CONTROLLED) {
    respond(lite, socket, from, msg->transaction_id, 487, "Role Conflict", msg);
    return;
  }
  /* RFC 5389 §7.3.1: comprehension-required attributes we do not know. */
  if (msg->n_unknown) {
    respond(lite, socket, from, msg->transaction_id, 420, "Unknown Attribute", msg);
    return;
  }
  respond(lite, socket, from, msg->transaction_id, 0, NULL, msg);

  gint64 now = g_get_monotonic_time();
  int i = learn(lite, socket, from, now);
  /* RFC 8445 §7.3.1.5 / §7.3.2: USE-CANDIDATE makes this the selected
   * pair, for good until another nomination. Before any nomination, data
   * may go on any valid pair (§12.1): the latest check's address serves,
   * so DTLS can answer a ClientHello that beats the nomination. */
  if (msg->use_candidate) {
    if (!lite->nominated || lite->selected != i)
      g_debug("ICE-lite %s: nominated on socket %u", lite->ufrag, socket);
    lite->selected = i;
    lite->nominated = TRUE;
  } else if (!lite->nominated) {
    lite->selected = i;
  }
  set_state(lite, NARA_ICE_CONNECTED);
}

void nara_lite_receive(NaraLite *lite, const NaraMuxKey *from, guint8 *data, gsize len)
{
  if (lite->state == NARA_ICE_FAILED)
    return;
  if (!lite->callbacks.receive(data, len, lite->user_data) || lite->selected < 0)
    return;
  /* Authenticated: consent for the selected address only (file comment). */
  LiteAddress *a = &lite->addresses[lite->selected];
  if (memcmp(&a->key, from, sizeof *from) == 0)
    a->media_seen = TRUE;
}

void nara_lite_forget(NaraLite *lite, const NaraMuxKey *key)
{
  gboolean lost_selected = FALSE;
  for (int i = 0; i < MAX_ADDRESSES; i++) {
    LiteAddress *a = &lite->addresses[i];
    if (a->used && memcmp(&a->key, key, sizeof *key) == 0) {
      a->used = FALSE;
      lost_selected = lite->selected == i;
    }
  }
  if (!lost_selected)
    return;
  /* Another peer proved it owns that address now. Fall back on the most
   * recently checked address left, until the next nomination. */
  lite->selected = -1;
  lite->nominated = FALSE;
  for (int i = 0; i < MAX_ADDRESSES; i++) {
    const LiteAddress *a = &lite->addresses[i];
    if (a->used
        && (lite->selected < 0 || a->last_check_us > lite->addresses[lite->selected].last_check_us))
      lite->selected = i;
  }
  if (lite->selected < 0)
    lite->waiting_since_us = g_get_monotonic_time();
}

void nara_lite_tick(NaraLite *lite, gint64 now_us)
{
  if (lite->state == NARA_ICE_FAILED)
    return;
  /* A flag set while another address was selected counts for nothing. */
  for (int i = 0; i < MAX_ADDRESSES; i++) {
    LiteAddress *a = &lite->addresses[i];
    if (a->media_seen && i == lite->selected)
      a->last_media_us = now_us;
    a->media_seen = FALSE;
  }
  /* RFC 7675 §5.1: consent lasts 30 s from the last check on the selected
   * pair (browsers send one every ~5 s), or here from its last
   * authenticated media. A peer that never checks after the remote
   * description fails after as long. */
  gint64 since = lite->waiting_since_us;
  if (lite->selected >= 0) {
    const LiteAddress *a = &lite->addresses[lite->selected];
    since = MAX(a->last_check_us, a->last_media_us);
  }
  if (since && now_us - since > NARA_LITE_CONSENT_US) {
    g_info("ICE-lite %s: %s", lite->ufrag,
           lite->selected >= 0 ? "consent expired" : "no valid check arrived");
    set_state(lite, NARA_ICE_FAILED);
  }
}

/* ---- the transport interface ---- */

static const char *lite_get_ufrag(NaraTransport *t)
{
  return ((NaraLite *)t)->ufrag;
}

static const char *lite_get_pwd(NaraTransport *t)
{
  return ((NaraLite *)t)->pwd;
}

static const char *const *lite_get_local_candidates(NaraTransport *t, guint *n)
{
  return nara_mux_get_candidates(((NaraLite *)t)->mux, n);
}

static const char *lite_get_default_address(NaraTransport *t, guint16 *port)
{
  return nara_mux_get_default_address(((NaraLite *)t)->mux, port);
}

static gboolean lite_set_remote_credentials(NaraTransport *t, const char *ufrag, const char *pwd,
                                            GError **error)
{
  NaraLite *lite = (NaraLite *)t;
  /* The remote password would only sign checks we send: a lite agent
   * sends none (RFC 8445 §2.5). */
  if (!ufrag || !pwd || !*ufrag || !*pwd || strlen(ufrag) >= sizeof lite->remote_ufrag) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "unusable ICE credentials");
    return FALSE;
  }
  g_strlcpy(lite->remote_ufrag, ufrag, sizeof lite->remote_ufrag);
  if (lite->selected < 0 && !lite->waiting_since_us)
    lite->waiting_since_us = g_get_monotonic_time();
  return TRUE;
}

/* RFC 8445 §9: a restart keeps the selected pair for data until a new
 * nomination; the old address stays selected (consent still counts from
 * its last check), so media flows on while the browser checks again. */
static gboolean lite_restart(NaraTransport *t, GError **error)
{
  NaraLite *lite = (NaraLite *)t;
  if (!new_credentials(lite, error))
    return FALSE;
  lite->remote_ufrag[0] = '\0';
  lite->nominated = FALSE;
  lite->reported = FALSE;
  lite->waiting_since_us = g_get_monotonic_time();
  if (lite->state == NARA_ICE_FAILED) {
    /* Consent was lost: nothing is sent until a check proves an address. */
    for (guint i = 0; i < MAX_ADDRESSES; i++)
      if (lite->addresses[i].used) {
        nara_mux_unmap(lite->mux, &lite->addresses[i].key);
        lite->addresses[i].used = FALSE;
      }
    lite->selected = -1;
    lite->state = NARA_ICE_CHECKING;
  } else if (lite->selected >= 0) {
    /* Consent lasts from the restart until the new checks take over. */
    lite->addresses[lite->selected].last_check_us = lite->waiting_since_us;
  }
  g_debug("ICE-lite %s: restarted", lite->ufrag);
  return TRUE;
}

static gboolean lite_add_remote_candidate(NaraTransport *t, const char *candidate, GError **error)
{
  (void)t;
  /* Checks tell a lite agent where the peer is; candidates are not needed
   * (RFC 8445 §2.5), but a malformed one is still reported. */
  if (g_str_has_prefix(candidate, "a="))
    candidate += 2;
  if (!g_str_has_prefix(candidate, "candidate:") || strlen(candidate) > 512) {
    g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_BAD_SDP, "not an ICE candidate");
    return FALSE;
  }
  return TRUE;
}

static void lite_remote_candidates_done(NaraTransport *t)
{
  (void)t;
}

static const LiteAddress *destination(NaraLite *lite)
{
  if (lite->state == NARA_ICE_FAILED || lite->selected < 0)
    return NULL;
  return &lite->addresses[lite->selected];
}

static gboolean lite_send(NaraTransport *t, const guint8 *data, gsize len)
{
  NaraLite *lite = (NaraLite *)t;
  const LiteAddress *a = destination(lite);
  return a && nara_mux_send(lite->mux, a->key.socket, &a->addr, data, len);
}

static guint8 *lite_batch_buffer(NaraTransport *t)
{
  return nara_mux_batch_buffer(((NaraLite *)t)->mux);
}

static gboolean lite_batch_commit(NaraTransport *t, gsize len)
{
  NaraLite *lite = (NaraLite *)t;
  const LiteAddress *a = destination(lite);
  return a && nara_mux_batch_commit(lite->mux, lite, a->key.socket, &a->addr, len);
}

static const NaraTransportOps lite_ops = {
  .get_ufrag = lite_get_ufrag,
  .get_pwd = lite_get_pwd,
  .get_local_candidates = lite_get_local_candidates,
  .get_default_address = lite_get_default_address,
  .set_remote_credentials = lite_set_remote_credentials,
  .restart = lite_restart,
  .add_remote_candidate = lite_add_remote_candidate,
  .remote_candidates_done = lite_remote_candidates_done,
  .send = lite_send,
  .batch_buffer = lite_batch_buffer,
  .batch_commit = lite_batch_commit,
  .free = lite_free,
};
