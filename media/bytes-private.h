/* bytes-private.h — network byte order reads and writes for the packet
 * parsers and writers (RTP, RTCP, transport-cc). Callers check every
 * length against the packet first; these only move bytes.
 *
 * Threading: pure functions, any thread (the media workers in practice). */
#pragma once

#include <glib.h>

static inline guint16 rd16(const guint8 *p)
{
  return (guint16)((p[0] << 8) | p[1]);
}

static inline guint32 rd32(const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static inline void wr16(guint8 *p, guint16 v)
{
  p[0] = (guint8)(v >> 8);
  p[1] = (guint8)v;
}

static inline void wr32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}
