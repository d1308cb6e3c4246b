/* ice_filter.h — private: which remote candidates full ICE may send checks to.
 *
 * A browser's candidates (in its SDP or trickled) make libnice send STUN
 * checks to the addresses they name; without a filter, anyone with a link
 * could point the server at its own loopback, link-local neighbours (the
 * cloud metadata service at 169.254.169.254), multicast groups or "this
 * network". Those ranges are always refused; an allow-list of networks
 * (media.ice_remote_networks) narrows the rest. Private ranges stay
 * allowed by default: hospital clients live in them.
 *
 * Threading: built on the control thread before the workers start; then
 * read-only, checked on any worker.
 */
#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

typedef struct _NaraIceFilter NaraIceFilter;

/* (transfer full) networks: "10.0.0.0/8", "2001:db8::/32", a bare address
 * for one host; NULL or empty: everything not always refused. NULL with
 * error on a malformed entry. */
NaraIceFilter *nara_ice_filter_new(const char *const *networks, GError **error);
void nara_ice_filter_free(NaraIceFilter *filter);

/* TRUE when checks may go to addr (AF_INET or AF_INET6; an IPv4-mapped
 * IPv6 address counts as its IPv4 address). filter NULL: only the always
 * refused ranges apply. */
gboolean nara_ice_filter_allows(const NaraIceFilter *filter, const struct sockaddr *addr);

G_END_DECLS
