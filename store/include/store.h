/* store.h — what Nara keeps across restarts: consultations, their
 * participants, API keys and the audit log.
 *
 * An interface (a table of functions) so that a PostgreSQL store can sit
 * beside the embedded SQLite one for multi-node deployments; callers see
 * only this header. Values cross it as plain structs owned by the caller.
 *
 * Two faces. The synchronous calls are for the CLI (its own short-lived
 * process) and tests. The server's control thread uses only the _async
 * calls: they copy their arguments, queue the work for the store's own
 * thread and return at once; the callback runs later on the main context
 * that was the caller's thread default at the first _async call, never
 * inside the _async call itself. Audit appends queued together are written
 * in one transaction (one fsync) and each completes only once durable.
 *
 * Threading: every function is called from one thread (the control thread,
 * or the CLI's main thread); the store's thread is internal. Synchronous
 * calls may be mixed with asynchronous ones (they wait for the store's
 * thread to be between jobs), but the server's control thread never uses
 * them: they block.
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
/* (transfer full) Connects to PostgreSQL with a libpq conninfo string and
 * migrates its schema (several nodes may do so at once). The connection is
 * remade when it drops: the call that finds it broken fails, the next one
 * reconnects. conninfo may hold a password; it is never logged. */
NaraStore *nara_store_open_postgresql(const char *conninfo, GError **error);
/* For /readyz, on the control thread, without waiting: FALSE while the
 * last attempt to reach the database failed (then a reconnect attempt is
 * queued on the store's thread). SQLite's is always TRUE. */
gboolean nara_store_ready(NaraStore *store);
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

/* Erasure: the consultation and its participants are deleted (titles,
 * names, identity levels), the freed space zeroed and the write-ahead log
 * emptied, so the files keep no trace (SQLite; PostgreSQL vacuums the
 * tables, docs/privacy.md says what it keeps); the audit log is untouched.
 * NOT_FOUND if there is no such consultation. */
gboolean nara_store_consultation_erase(NaraStore *store, const char *id, GError **error);
/* Erases every consultation over before cutoff_s (unix seconds): ended or
 * cancelled and unchanged since, or its end before it. (transfer full) the
 * erased ids (char*), or NULL on error. */
GPtrArray *nara_store_consultations_expire(NaraStore *store, gint64 cutoff_s, GError **error);

/* Participants. p->id generated when empty; p->consultation_id must exist. */
gboolean nara_store_participant_add(NaraStore *store, NaraStoreParticipant *p, GError **error);
gboolean nara_store_participant_delete(NaraStore *store, const char *consultation_id,
                                       const char *participant_id, GError **error);
gboolean nara_store_participant_set_removed(NaraStore *store, const char *consultation_id,
                                            const char *participant_id, gboolean removed,
                                            GError **error);

/* A REST API key as stored: never the key itself, only its SHA-256. */
typedef struct {
  char id[NARA_STORE_ID_LEN]; /* "k-" + random; names the key in audit records */
  char *label;                /* what it is for; may be NULL */
  char *scopes;               /* scope names, space-separated ("consultations:read audit:read") */
  gint64 created_at;          /* unix seconds */
  gint64 expires_at;          /* unix seconds; 0: never */
  gint64 revoked_at;          /* unix seconds; 0: not revoked */
} NaraStoreApiKey;

void nara_store_apikey_free(NaraStoreApiKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NaraStoreApiKey, nara_store_apikey_free)

/* Stores key (id, label, scopes, expires_at; created_at is now) under hash. */
gboolean nara_store_apikey_add(NaraStore *store, const NaraStoreApiKey *key, const guint8 hash[32],
                               GError **error);
/* (transfer full) The key with this hash, revoked or expired ones too (the
 * caller decides and records why it refuses), or NULL. */
NaraStoreApiKey *nara_store_apikey_find(NaraStore *store, const guint8 hash[32]);
/* (transfer full) NaraStoreApiKey*, oldest first. */
GPtrArray *nara_store_apikey_list(NaraStore *store, GError **error);
/* Marks key id revoked now: NOT_FOUND, or CONFLICT if it already is. */
gboolean nara_store_apikey_revoke(NaraStore *store, const char *key_id, GError **error);

/* The audit chain's HMAC keys: "kid:hex" words (32-64 bytes each), the
 * last one current; "" or NULL: none. Call before the first _async call.
 * With keys, every new record carries a MAC, and verify checks it. */
gboolean nara_store_set_audit_keys(NaraStore *store, const char *keys, GError **error);
/* (transfer full) The chain's head as "SEQ:HASH", to keep elsewhere. */
char *nara_store_audit_anchor(NaraStore *store, GError **error);
/* verify, and that the record SEQ (or the pruned anchor) still has HASH:
 * a rebuilt or truncated history no longer matches what was kept. */
gboolean nara_store_audit_verify_anchor(NaraStore *store, const char *anchor, guint64 *n_records,
                                        guint64 *n_keyed, GError **error);

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

/* (transfer full) Deep copies, e.g. to hand a value to another thread. */
NaraStoreConsultation *nara_store_consultation_copy(const NaraStoreConsultation *c);
NaraStoreParticipant *nara_store_participant_copy(const NaraStoreParticipant *p);

/* ---- asynchronous calls ----
 *
 * What a completed call hands its callback. Only the members of the call
 * that completed are set; error is NULL when it worked. The callback may
 * take any member with g_steal_pointer(); the rest is freed after it. */
typedef struct {
  GError *error;
  NaraStoreConsultation *consultation; /* get, create, modify: as stored (ids filled in) */
  NaraStoreParticipant *participant;   /* participant_add: as stored (id filled in) */
  GPtrArray *consultations;            /* list: NaraStoreConsultation* (owned) */
  char *key_id;                        /* apikey_find: the key's id, NULL: no such key */
  NaraStoreApiKey *apikey;             /* apikey_find: the key as stored, NULL: no such key */
  GPtrArray *lines;                    /* audit_export: char* (owned), at most limit */
  gboolean more;                       /* audit_export: more records follow the limit */
  GPtrArray *ids;                      /* consultations_expire: the erased ids, char* (owned) */
} NaraStoreResult;

/* Runs on the control thread. user_data is the caller's: if what it points
 * to may go away before the completion, hold a reference or a weak handle. */
typedef void (*NaraStoreCallback)(NaraStoreResult *result, gpointer user_data);

/* Runs on the store's thread, between reading the consultation and
 * writing it back (no other write of this process in between): changes c
 * and returns TRUE; FALSE writes nothing, and completes with error if set,
 * else with the consultation as read. It must not touch control-thread
 * state; the control thread leaves data alone until the callback. */
typedef gboolean (*NaraStoreModifyFunc)(NaraStoreConsultation *c, gpointer data, GError **error);

/* cb may be NULL (nothing to hear back). Arguments are copied. */
void nara_store_consultation_create_async(NaraStore *store, const NaraStoreConsultation *c,
                                          NaraStoreCallback cb, gpointer user_data);
void nara_store_consultation_get_async(NaraStore *store, const char *id, NaraStoreCallback cb,
                                       gpointer user_data);
void nara_store_consultation_list_async(NaraStore *store, int status, guint limit,
                                        NaraStoreCallback cb, gpointer user_data);
void nara_store_consultation_update_async(NaraStore *store, const NaraStoreConsultation *c,
                                          NaraStoreCallback cb, gpointer user_data);
/* Reads consultation id, lets modify change it, writes it: one step on the
 * store's thread, so no other change lands between the read and the write. */
void nara_store_consultation_modify_async(NaraStore *store, const char *id,
                                          NaraStoreModifyFunc modify, gpointer modify_data,
                                          NaraStoreCallback cb, gpointer user_data);
void nara_store_participant_add_async(NaraStore *store, const NaraStoreParticipant *p,
                                      NaraStoreCallback cb, gpointer user_data);
void nara_store_participant_delete_async(NaraStore *store, const char *consultation_id,
                                         const char *participant_id, NaraStoreCallback cb,
                                         gpointer user_data);
void nara_store_participant_set_removed_async(NaraStore *store, const char *consultation_id,
                                              const char *participant_id, gboolean removed,
                                              NaraStoreCallback cb, gpointer user_data);
void nara_store_apikey_find_async(NaraStore *store, const guint8 hash[32], NaraStoreCallback cb,
                                  gpointer user_data);
void nara_store_consultation_erase_async(NaraStore *store, const char *id, NaraStoreCallback cb,
                                         gpointer user_data);
void nara_store_consultations_expire_async(NaraStore *store, gint64 cutoff_s, NaraStoreCallback cb,
                                           gpointer user_data);
/* Completes once the record is on disk (group commit with the others queued). */
void nara_store_audit_append_async(NaraStore *store, const NaraAuditRecord *record,
                                   NaraStoreCallback cb, gpointer user_data);
/* Up to limit lines (0: no limit) into result->lines, result->more if more follow. */
void nara_store_audit_export_async(NaraStore *store, gint64 since_seq, const char *consultation,
                                   guint limit, NaraStoreCallback cb, gpointer user_data);
void nara_store_audit_prune_async(NaraStore *store, gint64 older_than_us, NaraStoreCallback cb,
                                  gpointer user_data);

/* ---- refusals summarised (audit_summary.c) ----
 *
 * A flood of refused attempts writes a bounded number of records: the
 * first from a source (an address, a key id) for an event and outcome in
 * a minute at once, the rest of that minute as one record with their
 * count when the minute is over. Control thread; a timer on the default
 * main context sweeps each minute. */
typedef struct _NaraAuditSummary NaraAuditSummary;

/* (transfer full) store: (transfer none), must outlive it. */
NaraAuditSummary *nara_audit_summary_new(NaraStore *store);
/* Writes the counts still pending, stops the timer. */
void nara_audit_summary_free(NaraAuditSummary *summary);
/* TRUE: the first from who this minute, written now with "from <who>"
 * added to its detail (cb as for audit_append_async); FALSE: counted only,
 * cb is not called. */
gboolean nara_audit_summary_note(NaraAuditSummary *summary, const NaraAuditRecord *record,
                                 const char *who, gint64 now_us, NaraStoreCallback cb,
                                 gpointer user_data);
/* Writes the counts of minutes before now_us's (G_MAXINT64: all). */
void nara_audit_summary_sweep(NaraAuditSummary *summary, gint64 now_us);

/* Waits until every queued call is done and runs the callbacks due, on the
 * calling thread, until none is left (callbacks may queue more). For
 * tests and fuzzers (deterministic order), and before teardown. */
void nara_store_flush(NaraStore *store);

G_END_DECLS
