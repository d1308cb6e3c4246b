/* validate.h — the field table every incoming message is checked against.
 *
 * Each message type lists its fields (name, JSON type, required, bounds,
 * the fields of a nested object); nara_validate() checks an object
 * against such a list and says which field is wrong and with which code.
 * The lists themselves are in catalogue.c. Also the value rules shared by handlers (room names,
 * display names, chat text). It knows nothing of sessions or rooms.
 *
 * Threading: any thread (pure functions); used on the control thread.
 */
#pragma once

#include <glib.h>
#include <jansson.h>

#include "sdp_limits.h"
#include "signaling.h"

G_BEGIN_DECLS

#define NARA_VALIDATE_ERROR (nara_validate_error_quark())
GQuark nara_validate_error_quark(void);

#define NARA_MAX_SDP_BYTES NARA_SDP_MAX_BYTES /* the limit media applies */
#define NARA_MAX_JSON_DEPTH 8
#define NARA_MAX_CANDIDATE_BYTES 1024
#define NARA_MAX_MID_BYTES 64
#define NARA_MAX_LANG_BYTES 35 /* a join's "lang" (BCP 47) */
#define NARA_RTT_MAX_CHARS 500 /* an rtt message's line */
#define NARA_RTT_PER_SECOND 10 /* rtt messages relayed per participant */

typedef enum {
  NARA_FIELD_STRING,
  NARA_FIELD_INT, /* 0 .. G_MAXINT32 */
  NARA_FIELD_BOOL,
  NARA_FIELD_OBJECT,
} NaraFieldType;

/* Which configured limit bounds a string, in characters. */
typedef enum {
  NARA_LIMIT_NONE,
  NARA_LIMIT_NAME_CHARS,
  NARA_LIMIT_CHAT_CHARS,
} NaraFieldLimit;

typedef struct _NaraField NaraField;
struct _NaraField {
  const char *name;
  NaraFieldType type;
  gboolean required;
  gboolean nullable;         /* null is allowed too (handlers then see json null) */
  gsize max_bytes;           /* strings: 0 = unbounded (only for fields bounded elsewhere) */
  NaraFieldLimit limit;      /* strings: a configured bound in characters, if any */
  const char *const *one_of; /* strings: allowed values, NULL-terminated, or NULL */
  const NaraField *nested;   /* objects: the object's own fields, checked the same way */
  const char *code;          /* error code when this field's value, or one nested in it,
                              * is wrong; NULL: the enclosing field's, at the top
                              * "bad-message". A missing field has the enclosing code. */
};

/* Checks msg against fields (terminated by an entry with name NULL), and an
 * object field's value against its nested fields. Unknown fields are
 * ignored (docs/protocol.md). config: for NARA_LIMIT_* bounds. On failure
 * *code (if code is not NULL) is the error code to reply with, and the
 * message names the field by its path ("candidate.sdpMid"). */
gboolean nara_validate(json_t *msg, const NaraField *fields, const NaraSignalingConfig *config,
                       const char **code, GError **error);

/* 1-64 of A-Z a-z 0-9 - _ */
gboolean nara_validate_room_name(const char *name);
/* (transfer full) The name trimmed of white space, or NULL when empty, too
 * long (in characters) or holding control characters. */
char *nara_validate_display_name(const char *name, guint max_chars);
/* Non-empty, at most max_chars characters, no control characters but \n. */
gboolean nara_validate_chat_text(const char *text, guint max_chars);
/* TRUE if tag has the shape of a BCP 47 language tag (RFC 5646 2.1):
 * a 2-3 letter primary language, then subtags of 1-8 letters or digits,
 * at most NARA_MAX_LANG_BYTES in all ("sv", "ar-SY", "zh-Hant-TW"). The
 * registry is not consulted: the tag is shown, never acted on. */
gboolean nara_validate_language_tag(const char *tag);

G_END_DECLS
