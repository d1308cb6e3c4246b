/* sdp_limits.h — how large an SDP Nara takes, in one place.
 *
 * Signaling refuses a longer "sdp" field before it reaches media, and
 * media refuses a longer description it is handed another way, so the two
 * limits must be one. 64 KiB holds a browser's offer with dozens of
 * m-lines and every candidate many times over.
 *
 * Threading: constants only.
 */
#pragma once

#define NARA_SDP_MAX_BYTES (64 * 1024)
