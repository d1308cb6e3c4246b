/* placement.c — the join-time decision of where a room runs (placement.h).
 *
 * A join (or a resume with a secret this node does not know) asks the
 * registry who runs the room: if nobody, the least loaded ready node is
 * given it in the same step. When that is this node, the join goes on;
 * when another, the client gets `redirect` with that node's URL and a
 * normal close, and joins there (where the same question answers "here").
 * The session may close while Redis answers: the answer then finds
 * nothing (NaraSessionWait). Everything here is a no-op without a cluster.
 *
 * Threading: control thread.
 */
#include "placement.h"

#include "outgoing.h"
#include "registry.h"

/* A redirect is a normal end of this socket: the client opens the next. */
#define CLOSE_NORMAL 1000
#define CLOSE_SERVICE_RESTART 1012

typedef struct {
  NaraSessionWait wait;
  char *room_key;
  NaraPlacedFunc go;
  GDestroyNotify free_data;
  gpointer data;
} Pending;

static void pending_free(Pending *pd)
{
  if (pd->free_data && pd->data)
    pd->free_data(pd->data);
  nara_session_wait_clear(&pd->wait);
  g_free(pd->room_key);
  g_free(pd);
}

static void redirect(NaraSession *session, json_t *id, const char *url)
{
  g_message("s%" G_GUINT64_FORMAT ": redirected to the owner at %s", session->serial, url);
  nara_session_send_new(session, nara_out_redirect(id, url, "owner"));
  nara_session_close(session, CLOSE_NORMAL, "redirect");
}

static void placed(const NaraPlacement *placement, gpointer data)
{
  Pending *pd = data;
  NaraSession *session = nara_session_wait_get(&pd->wait);
  gpointer user;

  if (!session || session->state != NARA_SESSION_HELLO) {
    pending_free(pd);
    return;
  }
  switch (placement->kind) {
  case NARA_PLACE_HERE:
    break;
  case NARA_PLACE_THERE:
    redirect(session, pd->wait.id, placement->url);
    pending_free(pd);
    return;
  case NARA_PLACE_NO_NODE:
    nara_session_send_error(session, pd->wait.id, "draining",
                            "no server takes new calls right now: try again in a minute");
    pending_free(pd);
    return;
  case NARA_PLACE_UNAVAILABLE:
    /* Redis away: the calls this node runs go on, nothing new starts
     * (another node may be starting it). */
    if (g_hash_table_contains(session->sig->rooms, pd->room_key))
      break;
    nara_session_send_error(session, pd->wait.id, "cluster-unavailable",
                            "the servers cannot reach each other right now: try again in a minute");
    pending_free(pd);
    return;
  }
  user = pd->data;
  pd->data = NULL;
  pd->go(session, placement->admitted, user);
  pending_free(pd);
}

void nara_placement_join(NaraSession *session, json_t *id, const char *room_key, const char *member,
                         NaraPlacedFunc go, GDestroyNotify free_data, gpointer data)
{
  NaraRegistry *reg = session->sig->registry;
  Pending *pd;

  if (!reg) {
    go(session, FALSE, data);
    return;
  }
  pd = g_new0(Pending, 1);
  nara_session_wait_init(&pd->wait, session, id);
  pd->room_key = g_strdup(room_key);
  pd->go = go;
  pd->free_data = free_data;
  pd->data = data;
  nara_registry_place(reg, room_key, member, placed, pd);
}

static char *secret_hash(const char *secret)
{
  return g_compute_checksum_for_string(G_CHECKSUM_SHA256, secret, -1);
}

static void secret_found(const NaraPlacement *placement, gpointer data)
{
  Pending *pd = data;
  NaraSession *session = nara_session_wait_get(&pd->wait);

  if (session && session->state == NARA_SESSION_HELLO) {
    if (placement->kind == NARA_PLACE_THERE)
      redirect(session, pd->wait.id, placement->url);
    else
      nara_session_send_error(session, pd->wait.id, "resume-expired",
                              "there is no session to resume (it ended, or the secret is wrong); "
                              "join again");
  }
  pending_free(pd);
}

void nara_placement_resume(NaraSession *session, json_t *id, const char *secret)
{
  NaraRegistry *reg = session->sig->registry;
  g_autofree char *hash = NULL;
  Pending *pd;

  g_return_if_fail(reg);
  hash = secret_hash(secret);
  pd = g_new0(Pending, 1);
  nara_session_wait_init(&pd->wait, session, id);
  nara_registry_find_secret(reg, hash, secret_found, pd);
}

void nara_placement_refresh(NaraSignaling *sig)
{
  if (sig->registry)
    nara_registry_refresh(sig->registry);
}

void nara_placement_release_all(NaraSignaling *sig)
{
  GHashTableIter iter;
  gpointer key;

  if (!sig->registry)
    return;
  g_hash_table_iter_init(&iter, sig->rooms);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    nara_registry_release(sig->registry, key);
}

void nara_placement_lost(NaraSignaling *sig, const char *room_key)
{
  NaraRoom *room = g_hash_table_lookup(sig->rooms, room_key);
  g_autoptr(GPtrArray) sessions = g_ptr_array_new();

  if (!room)
    return;
  for (guint i = 0; i < room->participants->len; i++) {
    NaraParticipant *p = room->participants->pdata[i];
    if (p->session)
      g_ptr_array_add(sessions, p->session);
  }
  for (guint i = 0; room->consultation && i < room->consultation->waiting->len; i++) {
    NaraMember *m = room->consultation->waiting->pdata[i];
    if (m->session)
      g_ptr_array_add(sessions, m->session);
  }
  /* Closing may free the room: the list was taken first. */
  for (guint i = 0; i < sessions->len; i++) {
    NaraSession *s = sessions->pdata[i];
    if (s->detached) {
      g_clear_handle_id(&s->grace_source, g_source_remove);
      nara_resume_end(s);
    } else {
      nara_session_close(s, CLOSE_SERVICE_RESTART, "moved to another server");
    }
  }
}

void nara_placement_room_freed(NaraRoom *room)
{
  if (room->sig->registry)
    nara_registry_release(room->sig->registry, room->name);
}

void nara_placement_admitted(NaraMember *m)
{
  if (m->room->sig->registry)
    nara_registry_admitted(m->room->sig->registry, m->room->name, m->id);
}

void nara_placement_ended(NaraRoom *room)
{
  if (room->sig->registry)
    nara_registry_ended(room->sig->registry, room->name);
}

void nara_placement_secret_issued(NaraParticipant *p)
{
  NaraRegistry *reg = p->room->sig->registry;
  g_autofree char *hash = NULL;

  if (!reg || !p->resume_secret[0])
    return;
  hash = secret_hash(p->resume_secret);
  nara_registry_remember_secret(reg, hash, p->room->name);
}

void nara_placement_secret_forgotten(NaraParticipant *p)
{
  NaraRegistry *reg = p->room->sig->registry;
  g_autofree char *hash = NULL;

  if (!reg || !p->resume_secret[0])
    return;
  hash = secret_hash(p->resume_secret);
  nara_registry_forget_secret(reg, hash);
}

gboolean nara_signaling_set_cluster(NaraSignaling *sig, const NaraClusterConfig *config,
                                    GError **error)
{
  g_return_val_if_fail(!sig->registry, FALSE);
  sig->registry = nara_registry_new(sig, config, error);
  return sig->registry != NULL;
}

gboolean nara_signaling_registry_ok(NaraSignaling *sig)
{
  return !sig->registry || nara_registry_up(sig->registry);
}
