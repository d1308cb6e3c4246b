/* catalogue.h — every message a client may send, in one table.
 *
 * Each entry gives the type, the session state it needs, its fields (with
 * the fields of nested objects), its handler, its rate class and how it is
 * answered. dispatch.c checks and routes by it, the fuzzers and the unit
 * tests read it, so the parts cannot drift apart. What the server sends is
 * in outgoing.h.
 *
 * Threading: constant data, read on the control thread (and by tests).
 */
#pragma once

#include "signaling-private.h"
#include "validate.h"

G_BEGIN_DECLS

typedef void (*NaraHandler)(NaraSession *session, json_t *msg, json_t *id);

typedef enum {
  NARA_NEED_NONE,  /* hello */
  NARA_NEED_HELLO, /* join, ping */
  NARA_NEED_IN,    /* leave: in a room or in a consultation's waiting room */
  NARA_NEED_ROOM,  /* everything in a room */
} NaraNeed;

/* Every message costs one token of the session's bucket, taken before the
 * frame is parsed (so an unreadable frame pays too: session.c). */
typedef enum {
  NARA_RATE_MESSAGE,   /* the bucket only */
  NARA_RATE_CANDIDATE, /* and the connection's max_candidates (handlers_media.c) */
} NaraRateClass;

typedef struct {
  const char *type;
  NaraNeed need;
  const NaraField *fields; /* terminated by a field named NULL */
  NaraHandler handler;
  NaraRateClass rate;
  const char *reply; /* type of the reply when it succeeds; NULL: none (only refusals) */
  gboolean
      deferred; /* the reply (or refusal) may come later: after media's or the store's callback */
} NaraMessage;

/* Every message of protocol v1, terminated by an entry with type NULL. */
extern const NaraMessage nara_catalogue[];

/* (transfer none) The entry of type, or NULL: no such message. */
const NaraMessage *nara_catalogue_lookup(const char *type);

G_END_DECLS
