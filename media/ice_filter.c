/* ice_filter.c — remote candidate addresses full ICE may check (ice_filter.h).
 *
 * Addresses are compared as 16 bytes (IPv4 as ::ffff:a.b.c.d, RFC 4291
 * §2.5.5.2) against prefix lists, so one table serves both families. It
 * resolves nothing: a name (mDNS ".local") never reaches it.
 *
 * Threading: pure once built; any thread.
 */
#include "ice_filter.h"

#include "media.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

typedef struct {
  guint8 addr[16];
  guint prefix; /* bits of addr that must match, 0-128 */
} Net;

struct _NaraIceFilter {
  GArray *allow; /* of Net; empty: everything not refused */
};

/* IPv4 ranges in mapped form: prefix + 96. */
static const struct {
  const char *addr;
  guint prefix;
} refused[] = {
  { "::ffff:0.0.0.0", 96 + 8 },      /* "this network", the unspecified address */
  { "::ffff:127.0.0.0", 96 + 8 },    /* loopback */
  { "::ffff:169.254.0.0", 96 + 16 }, /* link-local, the cloud metadata service */
  { "::ffff:224.0.0.0", 96 + 4 },    /* multicast */
  { "::ffff:240.0.0.0", 96 + 4 },    /* reserved, and 255.255.255.255 broadcast */
  { "::", 128 },                     /* unspecified */
  { "::1", 128 },                    /* loopback */
  { "fe80::", 10 },                  /* link-local */
  { "ff00::", 8 },                   /* multicast */
  { "fd00:ec2::254", 128 },          /* a cloud's IPv6 metadata service */
};

static gboolean in_net(const guint8 *addr, const guint8 *net, guint prefix)
{
  guint bytes = prefix / 8, bits = prefix % 8;
  if (memcmp(addr, net, bytes) != 0)
    return FALSE;
  return bits == 0 || ((addr[bytes] ^ net[bytes]) & (guint8)(0xff << (8 - bits))) == 0;
}

/* "a.b.c.d" or an IPv6 literal into 16 bytes; *v4 set for IPv4. */
static gboolean parse_addr(const char *text, guint8 *out, gboolean *v4)
{
  struct in_addr a4;
  if (inet_pton(AF_INET, text, &a4) == 1) {
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, &a4, 4);
    *v4 = TRUE;
    return TRUE;
  }
  *v4 = FALSE;
  return inet_pton(AF_INET6, text, out) == 1;
}

static gboolean parse_net(const char *text, Net *net)
{
  g_auto(GStrv) parts = g_strsplit(text, "/", 3);
  gboolean v4;
  guint64 prefix;
  char *end = NULL;

  if (!parts[0] || !parse_addr(parts[0], net->addr, &v4) || (parts[1] && parts[2]))
    return FALSE;
  if (!parts[1]) {
    net->prefix = 128;
    return TRUE;
  }
  if (!g_ascii_isdigit(parts[1][0]))
    return FALSE;
  prefix = g_ascii_strtoull(parts[1], &end, 10);
  if (*end || prefix > (v4 ? 32u : 128u))
    return FALSE;
  net->prefix = (guint)prefix + (v4 ? 96 : 0);
  return TRUE;
}

NaraIceFilter *nara_ice_filter_new(const char *const *networks, GError **error)
{
  NaraIceFilter *filter = g_new0(NaraIceFilter, 1);
  filter->allow = g_array_new(FALSE, TRUE, sizeof(Net));
  for (guint i = 0; networks && networks[i]; i++) {
    Net net = { { 0 }, 0 };
    if (!parse_net(networks[i], &net)) {
      g_set_error(error, NARA_MEDIA_ERROR, NARA_MEDIA_ERROR_CONFIG,
                  "media.ice_remote_networks: '%s' is not an address or ADDRESS/PREFIX",
                  networks[i]);
      nara_ice_filter_free(filter);
      return NULL;
    }
    g_array_append_val(filter->allow, net);
  }
  return filter;
}

void nara_ice_filter_free(NaraIceFilter *filter)
{
  if (!filter)
    return;
  g_array_unref(filter->allow);
  g_free(filter);
}

gboolean nara_ice_filter_allows(const NaraIceFilter *filter, const struct sockaddr *addr)
{
  guint8 a[16];

  if (addr->sa_family == AF_INET) {
    memset(a, 0, 10);
    a[10] = a[11] = 0xff;
    memcpy(a + 12, &((const struct sockaddr_in *)addr)->sin_addr, 4);
  } else if (addr->sa_family == AF_INET6) {
    memcpy(a, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
  } else {
    return FALSE;
  }
  for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
    guint8 net[16];
    gboolean v4;
    parse_addr(refused[i].addr, net, &v4);
    if (in_net(a, net, refused[i].prefix))
      return FALSE;
  }
  if (!filter || filter->allow->len == 0)
    return TRUE;
  for (guint i = 0; i < filter->allow->len; i++) {
    const Net *net = &g_array_index(filter->allow, Net, i);
    if (in_net(a, net->addr, net->prefix))
      return TRUE;
  }
  return FALSE;
}
