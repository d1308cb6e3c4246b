/* registry.h — this node's place in a cluster of Nara nodes, kept in Redis.
 *
 * Owns the connection to Redis (hiredis' async API on the control thread's
 * main loop, reconnecting with backoff), this node's record (URL, load,
 * ready), the leases on the rooms it owns (renewed every few seconds, given
 * up when a room ends or the node drains) and the admitted set of each
 * consultation. It decides nothing about sessions: placement.c does, with
 * the answers it gets here. Keys and scripts: docs/design.md, "Many nodes".
 *
 * Threading: control thread only. No call blocks: every answer comes back
 * through a callback from the main loop (or at once when Redis is away).
 */
#pragma once

#include "signaling-private.h"

G_BEGIN_DECLS

/* A lease lasts this long unless its owner renews it; node records too. */
#define NARA_REGISTRY_LEASE_MS 10000
/* Leases, the node record and the liveness check run this often. */
#define NARA_REGISTRY_TICK_MS 3000

typedef struct _NaraRegistry NaraRegistry;

typedef enum {
  NARA_PLACE_HERE,        /* this node owns the room now (it was free, or ours) */
  NARA_PLACE_THERE,       /* another live node owns it, or was chosen for it: url */
  NARA_PLACE_NO_NODE,     /* free, and no node is ready to take it */
  NARA_PLACE_UNAVAILABLE, /* Redis could not be asked */
} NaraPlaceKind;

typedef struct {
  NaraPlaceKind kind;
  const char *url;   /* NARA_PLACE_THERE: the owner's WebSocket URL (transfer none) */
  gboolean admitted; /* the member was admitted to this consultation before */
} NaraPlacement;

/* Called once per nara_registry_place, from the main loop or at once. */
typedef void (*NaraPlaceFunc)(const NaraPlacement *placement, gpointer data);

/* (transfer full) Starts connecting; NULL with error when the address is
 * not "unix:/path" or an IP literal with a port. */
NaraRegistry *nara_registry_new(NaraSignaling *sig, const NaraClusterConfig *config,
                                GError **error);
/* Best effort: says this node is gone and gives up its leases, then frees. */
void nara_registry_free(NaraRegistry *reg);

/* Redis answered lately: the node may take new work (for /readyz). */
gboolean nara_registry_up(NaraRegistry *reg);
const char *nara_registry_node_id(NaraRegistry *reg);

/* Who runs room_key (a room's name: "c:<id>" for a consultation), claiming
 * it for the least loaded ready node when nobody does; member: a
 * consultation member whose admission is looked up, or NULL. */
void nara_registry_place(NaraRegistry *reg, const char *room_key, const char *member,
                         NaraPlaceFunc done, gpointer data);
/* This node stops running room_key: its lease is deleted if still ours. */
void nara_registry_release(NaraRegistry *reg, const char *room_key);
/* The member was let into the consultation's call: a later join through
 * its link, on any node, skips the waiting room. */
void nara_registry_admitted(NaraRegistry *reg, const char *room_key, const char *member);
/* The consultation ended: its admitted set goes. */
void nara_registry_ended(NaraRegistry *reg, const char *room_key);
/* Publish the node record now (drain started: ready 0). */
void nara_registry_refresh(NaraRegistry *reg);
/* Where a resume secret's participant lives (placement.c keeps the hash). */
void nara_registry_remember_secret(NaraRegistry *reg, const char *secret_hash,
                                   const char *room_key);
void nara_registry_forget_secret(NaraRegistry *reg, const char *secret_hash);
/* done gets the owner of the room the secret was issued in (THERE), or
 * NO_NODE when unknown, ours or its owner is gone. */
void nara_registry_find_secret(NaraRegistry *reg, const char *secret_hash, NaraPlaceFunc done,
                               gpointer data);

void nara_registry_render_metrics(NaraRegistry *reg, GString *out);

G_END_DECLS
