/* srtp_bench.c — µs per SRTP protect/unprotect: Nara's OpenSSL EVP code next
 * to the system libsrtp2, every profile, 200- and 1200-octet RTP packets.
 * Each figure: median of --runs runs (5) of --packets packets (20480), one
 * SSRC, in place; a run reports its fastest 1024-packet slice (or median,
 * --median-slice) so a neighbour taking the core does not count, minus the
 * cost of copying the packet in. Nara's rejected alternatives (EVP_MAC HMAC,
 * AES-CTR at every size) are timed too. Pin it: `taskset -c 1`. Not a test;
 * prints a table and exits 0. Single-threaded.
 */
#include "srtp-private.h"
#include "srtp_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <srtp2/srtp.h>

#define BATCH 2048 /* distinct protected packets replayed into fresh receivers */
#define CHUNK 1024 /* packets per timed slice */
G_STATIC_ASSERT(BATCH % CHUNK == 0);
#define MAX_PACKET 1200
#define SLOT (MAX_PACKET + NARA_SRTP_MAX_TAIL)

static const guint8 master_key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                       0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
static const guint8 master_salt[14]
    = { 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd };

typedef enum { IMPL_LIBSRTP, IMPL_NARA, IMPL_NARA_EVP_MAC, IMPL_NARA_CTR_ONLY } Impl;

static const char *const impl_names[] = {
  [IMPL_LIBSRTP] = "libsrtp2 (system)",
  [IMPL_NARA] = "nara EVP",
  [IMPL_NARA_EVP_MAC] = "nara, EVP_MAC HMAC",
  [IMPL_NARA_CTR_ONLY] = "nara, AES-CTR always",
};

/* One session of either implementation. */
typedef struct {
  Impl impl;
  srtp_t lib;
  NaraSrtpSession *nara;
} Session;

static Session session_new(Impl impl, NaraSrtpProfile profile, gboolean inbound)
{
  Session s = { .impl = impl };
  if (impl == IMPL_LIBSRTP) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (profile == NARA_SRTP_AEAD_AES_128_GCM) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
      if (profile == NARA_SRTP_AES128_CM_SHA1_32)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
      else
        srtp_crypto_policy_set_rtp_default(&policy.rtp);
      srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    }
    guint8 master[32] = { 0 };
    memcpy(master, master_key, 16);
    memcpy(master + 16, master_salt, nara_srtp_profile_salt_len(profile));
    policy.key = master;
    policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    policy.window_size = 1024;
    policy.allow_repeat_tx = 1;
    if (srtp_create(&s.lib, &policy) != srtp_err_status_ok)
      g_error("srtp_create failed");
    return s;
  }
  g_autoptr(GError) error = NULL;
  s.nara = nara_srtp_session_new(profile, master_key, master_salt, inbound, &error);
  if (!s.nara)
    g_error("%s", error->message);
  if (impl == IMPL_NARA_EVP_MAC
      && !nara_srtp_session_set_hmac_kind(s.nara, NARA_SRTP_HMAC_EVP_MAC, &error))
    g_error("%s", error->message);
  if (impl == IMPL_NARA_CTR_ONLY)
    nara_srtp_session_set_ecb_limit(s.nara, 0);
  return s;
}

static void session_free(Session *s)
{
  if (s->lib)
    srtp_dealloc(s->lib);
  nara_srtp_session_free(s->nara);
}

static gboolean protect(Session *s, guint8 *buf, gsize *len)
{
  if (s->impl != IMPL_LIBSRTP)
    return nara_srtp_protect(s->nara, buf, len, SLOT);
  int n = (int)*len;
  gboolean ok = srtp_protect(s->lib, buf, &n) == srtp_err_status_ok;
  *len = (gsize)n;
  return ok;
}

static gboolean unprotect(Session *s, guint8 *buf, gsize *len)
{
  if (s->impl != IMPL_LIBSRTP)
    return nara_srtp_unprotect(s->nara, buf, len);
  int n = (int)*len;
  gboolean ok = srtp_unprotect(s->lib, buf, &n) == srtp_err_status_ok;
  *len = (gsize)n;
  return ok;
}

static void make_rtp(guint8 *buf, gsize len, guint16 seq)
{
  for (gsize i = 12; i < len; i++)
    buf[i] = (guint8)i;
  buf[0] = 0x80, buf[1] = 96;
  buf[2] = (guint8)(seq >> 8), buf[3] = (guint8)seq;
  memset(buf + 4, 0, 4);
  buf[8] = 0xca, buf[9] = 0xfe, buf[10] = 0xba, buf[11] = 0xbe;
}

static gint64 now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_of(double *v, guint n)
{
  qsort(v, n, sizeof v[0], cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The per-packet µs of each timed slice of one run. */
#define MAX_SLICES 1024
typedef struct {
  double us[MAX_SLICES];
  guint n;
} Slices;

static gboolean median_slice; /* --median-slice: report a run's median slice */

static void slices_add(Slices *s, gint64 ns)
{
  if (s->n < MAX_SLICES)
    s->us[s->n++] = (double)ns / CHUNK / 1000.0;
}

static double slices_pick(Slices *s)
{
  if (median_slice)
    return median_of(s->us, s->n);
  double best = G_MAXDOUBLE;
  for (guint i = 0; i < s->n; i++)
    best = MIN(best, s->us[i]);
  return best;
}

/* µs per protect in one run, copy cost subtracted. */
static double time_protect(Impl impl, NaraSrtpProfile profile, gsize size, guint packets)
{
  static guint8 plain[SLOT], buf[SLOT];
  make_rtp(plain, size, 0);
  Session s = session_new(impl, profile, FALSE);
  Slices slices = { 0 };
  for (guint done = 0; done < packets; done += CHUNK) {
    gint64 t0 = now_ns();
    for (guint i = done; i < done + CHUNK; i++) {
      memcpy(buf, plain, size);
      buf[2] = (guint8)(i >> 8), buf[3] = (guint8)i;
      gsize len = size;
      if (!protect(&s, buf, &len))
        g_error("protect failed");
    }
    gint64 t1 = now_ns();
    for (guint i = done; i < done + CHUNK; i++) {
      memcpy(buf, plain, size);
      buf[2] = (guint8)(i >> 8), buf[3] = (guint8)i;
      __asm__ volatile("" : : "r"(buf) : "memory"); /* keep the copy */
    }
    gint64 t2 = now_ns();
    slices_add(&slices, (t1 - t0) - (t2 - t1));
  }
  session_free(&s);
  return slices_pick(&slices);
}

/* µs per unprotect in one run: BATCH packets protected
 * once, replayed into a fresh receiver each time (its window would refuse
 * them a second time), copy cost subtracted. */
static double time_unprotect(Impl impl, NaraSrtpProfile profile, gsize size, guint packets)
{
  static guint8 batch[BATCH][SLOT];
  static gsize batch_len[BATCH];
  static guint8 buf[SLOT];
  Session tx = session_new(impl, profile, FALSE);
  for (guint i = 0; i < BATCH; i++) {
    make_rtp(batch[i], size, (guint16)i);
    batch_len[i] = size;
    if (!protect(&tx, batch[i], &batch_len[i]))
      g_error("protect failed");
  }
  session_free(&tx);
  Slices slices = { 0 };
  Session rx = session_new(impl, profile, TRUE);
  for (guint done = 0; done < packets; done += CHUNK) {
    guint first = done % BATCH;
    if (first == 0 && done > 0) {
      session_free(&rx);
      rx = session_new(impl, profile, TRUE);
    }
    gint64 t0 = now_ns();
    for (guint i = first; i < first + CHUNK; i++) {
      gsize len = batch_len[i];
      memcpy(buf, batch[i], len);
      if (!unprotect(&rx, buf, &len))
        g_error("unprotect failed");
    }
    gint64 t1 = now_ns();
    for (guint i = first; i < first + CHUNK; i++) {
      memcpy(buf, batch[i], batch_len[i]);
      __asm__ volatile("" : : "r"(buf) : "memory");
    }
    gint64 t2 = now_ns();
    slices_add(&slices, (t1 - t0) - (t2 - t1));
  }
  session_free(&rx);
  return slices_pick(&slices);
}

typedef double (*TimeFunc)(Impl, NaraSrtpProfile, gsize, guint);

static double median(TimeFunc f, Impl impl, NaraSrtpProfile profile, gsize size, guint runs,
                     guint packets)
{
  double v[64];
  runs = MIN(runs, G_N_ELEMENTS(v));
  for (guint r = 0; r < runs; r++)
    v[r] = f(impl, profile, size, packets);
  return median_of(v, runs);
}

int main(int argc, char **argv)
{
  gint runs = 5, packets = 20 * CHUNK;
  GOptionEntry entries[] = {
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Runs per figure; the median is printed", "N" },
    { "packets", 'n', 0, G_OPTION_ARG_INT, &packets, "Packets per run", "N" },
    { "median-slice", 'm', 0, G_OPTION_ARG_NONE, &median_slice,
      "Report each run's median slice, not its fastest", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("— SRTP µs per packet, Nara vs libsrtp2");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) || runs < 1 || packets < 1) {
    fprintf(stderr, "%s\n", error ? error->message : "--runs and --packets must be positive");
    return 2;
  }
  if (srtp_init() != srtp_err_status_ok || !nara_srtp_library_ref(&error)) {
    fprintf(stderr, "SRTP set-up failed\n");
    return 1;
  }
  packets = MIN((packets + CHUNK - 1) / CHUNK, MAX_SLICES) * CHUNK;
  printf("SRTP µs per packet: median of %d runs of %d packets, each run's %s %d-packet "
         "slice, copy cost subtracted\n",
         runs, packets, median_slice ? "median" : "fastest", CHUNK);
  printf("%-24s %-22s %9s %9s %9s %9s\n", "profile", "implementation", "prot 200", "unpr 200",
         "prot 1200", "unpr 1200");
  const NaraSrtpProfile profiles[]
      = { NARA_SRTP_AES128_CM_SHA1_80, NARA_SRTP_AES128_CM_SHA1_32, NARA_SRTP_AEAD_AES_128_GCM };
  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    for (Impl impl = IMPL_LIBSRTP; impl <= IMPL_NARA_CTR_ONLY; impl++) {
      if (impl > IMPL_NARA && profiles[p] == NARA_SRTP_AEAD_AES_128_GCM)
        continue; /* neither alternative touches GCM */
      printf("%-24s %-22s", nara_srtp_profile_name(profiles[p]), impl_names[impl]);
      const gsize sizes[] = { 200, 1200 };
      for (guint s = 0; s < G_N_ELEMENTS(sizes); s++)
        printf(" %9.3f %9.3f", median(time_protect, impl, profiles[p], sizes[s], runs, packets),
               median(time_unprotect, impl, profiles[p], sizes[s], runs, packets));
      printf("\n");
      fflush(stdout);
    }
  }
  nara_srtp_library_unref();
  srtp_shutdown();
  return 0;
}
