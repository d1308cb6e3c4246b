/* store.h — what Nara keeps across restarts: consultations, their
 * participants, API keys and the audit log.
 *
 * An interface (a table of functions) so that a PostgreSQL store can sit
 * beside the embedded SQLite one for multi-node deployments; callers see
 * only this header. Values cross it as plain structs owned by the caller.
 *
 * Threading: a store is used from the control thread only (the REST API,
 * signaling and the CLI all run there). Calls are short synchronous SQLite
 * statements on a local file in WAL mode.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NARA_STORE_ERROR (nara_store_error_quark())
GQuark nara_store_error_quark(void);

typedef enum {
  NARA_STORE_ERROR_IO,        /* the database could not be opened, read or written */
  NARA_STORE_ERROR_NOT_FOUND, /* no such consultation / participant / key */
  NARA_STORE_ERROR_CONFLICT,  /* e.g. a cancelled consultation cannot be changed */
  NARA_STORE_ERROR_CORRUPT,   /* audit chain verification failed */
  NARA_STORE_ERROR_INVALID,   /* a value the store cannot hold (bad id, role, UTF-8, too many) */
} NaraStoreError;

#define NARA_STORE_ID_LEN 40
#define NARA_STORE_MAX_PARTICIPANTS 32

typedef enum {
  NARA_ROLE_HOST,
  NARA_ROLE_STAFF,
  NARA_ROLE_INTERPRETER,
  NARA_ROLE_PATIENT,
  NARA_ROLE_RELATIVE,
  NARA_ROLE_COUNT
} NaraRole;

const char *nara_role_to_string(NaraRole role);
/* FALSE if s names no role. */
gboolean nara_role_from_string(const char *s, NaraRole *out);

typedef enum {
  NARA_CONSULTATION_SCHEDULED,
  NARA_CONSULTATION_ENDED,     /* the host ended it */
  NARA_CONSULTATION_CANCELLED, /* cancelled through the API */
} NaraConsultationStatus;

typedef struct {
  char id[NARA_STORE_ID_LEN]; /* "c-" + random */
  char consultation_id[NARA_STORE_ID_LEN];
  char *name; /* display name */
  NaraRole role;
  char *assurance;   /* e.g. "bankid-se", "none"; may be NULL */
  gboolean removed;  /* removed by the host: the link no longer admits */
  gint64 created_at; /* unix seconds */
} NaraStoreParticipant;

typedef struct {
  char id[NARA_STORE_ID_LEN];
  char *title;
  gint64 starts_at, ends_at; /* unix seconds */
  NaraConsultationStatus status;
  guint auto_admit; /* bit (1 << NaraRole) set: that role skips the waiting room */
  gboolean locked;
  gint64 created_at, updated_at;
  GPtrArray *participants; /* NaraStoreParticipant* (owned) */
} NaraStoreConsultation;

void nara_store_participant_free(NaraStoreParticipant *p);
void nara_store_consultation_free(NaraStoreConsultation *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NaraStoreConsultation, nara_store_consultation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NaraStoreParticipant, nara_store_participant_free)

/* One audit record. Strings may be NULL (absent). */
typedef struct {
  gint64 seq;        /* set by the store */
  gint64 time_us;    /* UTC microseconds; 0 = now (set by the store) */
  const char *event; /* "admit", "join-attempt", ... (docs/consultations.md) */
  const char *consultation;
  const char *actor; /* participant id, "api:<key id>", "cli", or "system" */
  const char *actor_role;
  const char *subject;
  const char *subject_role;
  const char *assurance;
  const char *outcome; /* "ok" or a refusal code */
  const char *detail;  /* short, never personal data beyond the need */
} NaraAuditRecord;

typedef struct _NaraStore NaraStore;

/* (transfer full) Opens (creating and migrating) the SQLite store at path. */
NaraStore *nara_store_open_sqlite(const char *path, GError **error);
void nara_store_close(NaraStore *store);

/* Consultations. `c` is copied; ids are generated when empty. */
gboolean nara_store_consultation_create(NaraStore *store, NaraStoreConsultation *c, GError **error);
/* (transfer full) with participants, or NULL + NARA_STORE_ERROR_NOT_FOUND. */
NaraStoreConsultation *nara_store_consultation_get(NaraStore *store, const char *id,
                                                   GError **error);
/* (transfer full) NaraStoreConsultation*; status < 0: any. Newest first, at most limit. */
GPtrArray *nara_store_consultation_list(NaraStore *store, int status, guint limit, GError **error);
/* Writes title, times, status, auto_admit, locked of c (participants untouched). */
gboolean nara_store_consultation_update(NaraStore *store, const NaraStoreConsultation *c,
                                        GError **error);

/* Participants. p->id generated when empty; p->consultation_id must exist. */
gboolean nara_store_participant_add(NaraStore *store, NaraStoreParticipant *p, GError **error);
gboolean nara_store_participant_delete(NaraStore *store, const char *consultation_id,
                                       const char *participant_id, GError **error);
gboolean nara_store_participant_set_removed(NaraStore *store, const char *consultation_id,
                                            const char *participant_id, gboolean removed,
                                            GError **error);

/* API keys: only a SHA-256 of the key is stored. */
gboolean nara_store_apikey_add(NaraStore *store, const char *key_id, const guint8 hash[32],
                               const char *label, GError **error);
/* TRUE and *key_id (transfer full) when a key with this hash exists. */
gboolean nara_store_apikey_find(NaraStore *store, const guint8 hash[32], char **key_id);

/* Audit: appends one record, chained to the previous one. */
gboolean nara_store_audit_append(NaraStore *store, const NaraAuditRecord *record, GError **error);
/* Calls emit(line) for each record as one JSON line (no newline), oldest
 * first, with seq > since_seq and, if consultation is non-NULL, only its. */
gboolean nara_store_audit_export(NaraStore *store, gint64 since_seq, const char *consultation,
                                 void (*emit)(const char *line, gpointer user_data),
                                 gpointer user_data, GError **error);
/* Recomputes the hash chain; FALSE + NARA_STORE_ERROR_CORRUPT naming the first bad seq. */
gboolean nara_store_audit_verify(NaraStore *store, guint64 *n_records, GError **error);
/* Deletes records older than the cut-off, keeping the chain anchor. */
gboolean nara_store_audit_prune(NaraStore *store, gint64 older_than_us, GError **error);

G_END_DECLS
