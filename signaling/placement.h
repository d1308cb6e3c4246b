/* placement.h — which node runs a room, decided when someone joins.
 *
 * The hooks signaling's handlers call so that a room runs on one node of a
 * cluster (registry.h): the join-time decision (here, or a `redirect` to
 * the owner), giving rooms up, admissions that survive a failover, and
 * where a resume secret's participant lives. Without a cluster
 * (cluster.redis empty) every hook is a no-op and every join goes on here.
 *
 * Threading: control thread.
 */
#pragma once

#include "signaling-private.h"

G_BEGIN_DECLS

/* The join may go on here: admitted says the member was let into this
 * consultation's call before (on any node). Takes data. */
typedef void (*NaraPlacedFunc)(NaraSession *session, gboolean admitted, gpointer data);

/* Decides where room_key runs before a join goes on: here, go(session,
 * admitted, data) runs (at once without a cluster); elsewhere, the session
 * gets `redirect` and is closed; no node, or Redis away for a room not
 * live here, an error. id: the request's (transfer none). When go does not
 * run, free_data(data) does (also when the session closed meanwhile). */
void nara_placement_join(NaraSession *session, json_t *id, const char *room_key, const char *member,
                         NaraPlacedFunc go, GDestroyNotify free_data, gpointer data);
/* A resume whose secret is not known here: `redirect` when its room lives
 * on another node, else `resume-expired`. */
void nara_placement_resume(NaraSession *session, json_t *id, const char *secret);
/* The node record again now (the drain started). */
void nara_placement_refresh(NaraSignaling *sig);
/* Drain deadline: every room's lease is given up before its sessions close. */
void nara_placement_release_all(NaraSignaling *sig);
/* Another node holds room_key's lease now: its sessions close with 1012
 * (they reconnect and are sent to the owner). */
void nara_placement_lost(NaraSignaling *sig, const char *room_key);
/* The room is freed: this node gives its lease up. */
void nara_placement_room_freed(NaraRoom *room);
/* m is in the consultation's call: a rejoin on another node skips waiting. */
void nara_placement_admitted(NaraMember *m);
/* The consultation ended (host's end, cancelled): its admissions go. */
void nara_placement_ended(NaraRoom *room);
/* p's resume secret was issued / forgotten: where it resumes, cluster-wide. */
void nara_placement_secret_issued(NaraParticipant *p);
void nara_placement_secret_forgotten(NaraParticipant *p);

G_END_DECLS
