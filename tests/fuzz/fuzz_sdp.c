/* fuzz_sdp.c — libFuzzer target: arbitrary text into nara_sdp_parse, and a
 * round trip through what Nara writes back (Pion-style: anything we accept
 * and answer must re-parse the same way). For an accepted offer the publish
 * answer and a subscribe offer built from its m-lines are parsed again and
 * must keep the m-line count, mids, kinds, codecs and matching directions;
 * a rejected m-line stays rejected. A broken invariant traps. Input: the
 * SDP text, cut at the first NUL as a C caller would see it. Single-threaded.
 */
#include "sdp.h"

#include <gst/sdp/sdp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FP_LOCAL                                                                                   \
  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:"  \
  "FF"

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_sdp: %s:%d: %s\n", __FILE__, __LINE__, #cond);                         \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

/* What peer.c's fill_local gives the writers: ICE credentials, the DTLS
 * fingerprint and one candidate of each address family. */
static const char *const local_candidates[] = {
  "candidate:1 1 udp 2130706431 192.0.2.1 40000 typ host",
  "a=candidate:2 1 udp 2130706175 2001:db8::1 40002 typ host",
};

static const NaraSdpLocal local = {
  .ice_ufrag = "nara",
  .ice_pwd = "0123456789abcdefghijkl",
  .fingerprint = FP_LOCAL,
  .setup = NARA_DTLS_SETUP_ACTPASS,
  .session_id = G_GUINT64_CONSTANT(0xF234567890ABCDEF),
  .session_version = 7,
  .candidates = local_candidates,
  .n_candidates = G_N_ELEMENTS(local_candidates),
  .connection_address = "192.0.2.1",
  .port = 40000,
};

static gboolean has_attr(const GstSDPMedia *m, const char *key)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++)
    if (g_strcmp0(gst_sdp_media_get_attribute(m, i)->key, key) == 0)
      return TRUE;
  return FALSE;
}

/* The answer as GStreamer reads it: one m-line per offered one, same mid,
 * port 0 where the offer's was rejected, recvonly where the remote sends
 * and inactive where it does not; Nara never sends on a publish connection. */
static void check_answer_lines(const NaraSdpRemote *offer, const char *text)
{
  g_autoptr(GstSDPMessage) msg = NULL;
  CHECK(gst_sdp_message_new_from_text(text, &msg) == GST_SDP_OK);
  CHECK(gst_sdp_message_medias_len(msg) == offer->n_media);
  for (guint i = 0; i < offer->n_media; i++) {
    const NaraSdpMedia *o = &offer->media[i];
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    const char *mid = gst_sdp_media_get_attribute_val(m, "mid");
    CHECK(g_strcmp0(mid, o->mid[0] ? o->mid : NULL) == 0);
    CHECK((gst_sdp_media_get_port(m) == 0) == o->rejected);
    CHECK(!has_attr(m, "sendonly") && !has_attr(m, "sendrecv"));
    if (!o->rejected) {
      CHECK(has_attr(m, "recvonly") == o->sending);
      CHECK(has_attr(m, "inactive") == !o->sending);
    }
  }
}

/* What Nara's own parser makes of the answer. Without an accepted m-line the
 * answer carries no transport (no ICE, no fingerprint), which nara_sdp_parse
 * refuses by design: only the line-level check above applies then. */
static void check_answer(const NaraSdpRemote *offer, const char *text, guint n_accepted)
{
  g_autofree NaraSdpRemote *a = g_new0(NaraSdpRemote, 1);
  g_autoptr(GError) error = NULL;

  check_answer_lines(offer, text);
  if (n_accepted == 0)
    return;
  if (!nara_sdp_parse(text, a, &error)) {
    fprintf(stderr, "fuzz_sdp: answer does not parse: %s\n%s\n", error->message, text);
    __builtin_trap();
  }
  CHECK(a->n_media == offer->n_media);
  CHECK(strcmp(a->ice_ufrag, local.ice_ufrag) == 0 && strcmp(a->ice_pwd, local.ice_pwd) == 0);
  CHECK(strcmp(a->fingerprint, FP_LOCAL) == 0);
  CHECK(a->setup == nara_sdp_answer_setup(offer->setup));
  for (guint i = 0; i < offer->n_media; i++) {
    const NaraSdpMedia *o = &offer->media[i], *m = &a->media[i];
    CHECK(strcmp(m->mid, o->mid) == 0);
    CHECK(m->rejected == o->rejected);
    if (o->rejected)
      continue;
    CHECK(!m->sending);
    CHECK(m->kind == o->kind);
    CHECK(m->codec.pt == o->codec.pt && strcmp(m->codec.name, o->codec.name) == 0);
    CHECK(m->codec.clock_rate == o->codec.clock_rate && m->codec.channels == o->codec.channels);
    /* An answer may drop extensions, never invent or renumber one. */
    for (guint e = 0; e < NARA_EXT_COUNT; e++)
      CHECK(m->ext_ids[e] == 0 || m->ext_ids[e] == o->ext_ids[e]);
  }
}

/* A subscribe offer as peer.c builds one: one slot per offered m-line, mids
 * "0", "1", ...; accepted tracks the remote sends become active slots with
 * the publisher's codec, the rest inactive slots (rejected ones without a
 * codec, as a fresh slot has). It must parse with every slot live. */
static void check_subscribe_offer(const NaraSdpRemote *pub)
{
  g_autofree NaraSdpOfferMedia *slots = g_new0(NaraSdpOfferMedia, pub->n_media);
  g_autofree NaraSdpRemote *r = g_new0(NaraSdpRemote, 1);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < pub->n_media; i++) {
    const NaraSdpMedia *o = &pub->media[i];
    NaraSdpOfferMedia *s = &slots[i];
    g_snprintf(s->mid, sizeof s->mid, "%u", i);
    s->kind = o->kind;
    s->active = !o->rejected && o->sending;
    if (!o->rejected)
      s->codec = o->codec;
    s->ssrc = o->ssrc ? o->ssrc : 0x10000u + i;
    g_strlcpy(s->stream_id, "p1", sizeof s->stream_id);
    g_snprintf(s->track_id, sizeof s->track_id, "p1-%u", i);
  }
  g_autofree char *text = nara_sdp_build_offer(slots, pub->n_media, &local);
  CHECK(text != NULL);
  if (!nara_sdp_parse(text, r, &error)) {
    fprintf(stderr, "fuzz_sdp: subscribe offer does not parse: %s\n%s\n", error->message, text);
    __builtin_trap();
  }
  CHECK(r->n_media == pub->n_media);
  CHECK(r->setup == NARA_DTLS_SETUP_ACTPASS);
  for (guint i = 0; i < pub->n_media; i++) {
    const NaraSdpOfferMedia *s = &slots[i];
    const NaraSdpMedia *m = &r->media[i];
    CHECK(strcmp(m->mid, s->mid) == 0);
    CHECK(!m->rejected);
    CHECK(m->kind == s->kind);
    CHECK(m->sending == s->active); /* sendonly here is recvonly in the answer */
    if (s->codec.name[0])
      CHECK(m->codec.pt == s->codec.pt && strcmp(m->codec.name, s->codec.name) == 0);
    if (s->active) {
      CHECK(m->ssrc == s->ssrc);
      CHECK(strcmp(m->msid_stream, s->stream_id) == 0 && strcmp(m->msid_track, s->track_id) == 0);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* The signaling layer caps an SDP at 64 KiB before media sees it. */
  if (size > NARA_SDP_MAX_BYTES + 1)
    return 0;
  g_autofree char *text = g_strndup((const char *)data, size);
  g_autofree NaraSdpRemote *offer = g_new0(NaraSdpRemote, 1);
  g_autoptr(GError) error = NULL;
  guint accepted = 0;

  if (!nara_sdp_parse(text, offer, &error)) {
    CHECK(error != NULL && error->domain == NARA_MEDIA_ERROR);
    CHECK(offer->n_media == 0);
    return 0;
  }
  CHECK(error == NULL);
  CHECK(offer->n_media >= 1 && offer->n_media <= NARA_SDP_MAX_MEDIA);
  CHECK(offer->n_candidates <= NARA_SDP_MAX_CANDIDATES);
  for (guint i = 0; i < offer->n_media; i++)
    accepted += !offer->media[i].rejected;

  g_autofree char *answer = nara_sdp_build_answer(offer, &local);
  CHECK(answer != NULL);
  check_answer(offer, answer, accepted);
  check_subscribe_offer(offer);
  return 0;
}
