/* registry_source.c — a GSource that drives one hiredis async context.
 *
 * hiredis 0.14's own adapters/glib.h is not used: its dispatch reads from
 * the context after a write that may have freed it (an error during the
 * write disconnects and frees it); this one checks after each step that
 * hiredis has not cleaned the context up.
 *
 * Threading: control thread (the main context it is attached to).
 */
#include "registry_source.h"

struct _NaraRedisSource {
  GSource source;
  redisAsyncContext *ac; /* NULL once hiredis cleaned up (the context is freed) */
  gpointer tag;
  GIOCondition events;
};

static void ev_update(NaraRedisSource *s)
{
  if (s->ac && !g_source_is_destroyed(&s->source))
    g_source_modify_unix_fd(&s->source, s->tag, s->events);
}

static void ev_add_read(void *p)
{
  NaraRedisSource *s = p;
  s->events |= G_IO_IN;
  ev_update(s);
}

static void ev_del_read(void *p)
{
  NaraRedisSource *s = p;
  s->events &= ~G_IO_IN;
  ev_update(s);
}

static void ev_add_write(void *p)
{
  NaraRedisSource *s = p;
  s->events |= G_IO_OUT;
  ev_update(s);
}

static void ev_del_write(void *p)
{
  NaraRedisSource *s = p;
  s->events &= ~G_IO_OUT;
  ev_update(s);
}

/* hiredis is about to free the context: forget it. */
static void ev_cleanup(void *p)
{
  NaraRedisSource *s = p;
  s->events = 0;
  ev_update(s);
  s->ac = NULL;
}

static gboolean source_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
  NaraRedisSource *s = (NaraRedisSource *)source;
  GIOCondition rev = g_source_query_unix_fd(source, s->tag);
  redisAsyncContext *ac = s->ac;

  (void)callback;
  (void)data;
  /* Write first: it also finishes a connect in progress. Either step may
   * free the context (ev_cleanup clears s->ac). */
  if (ac && (rev & (G_IO_OUT | G_IO_ERR | G_IO_HUP)))
    redisAsyncHandleWrite(ac);
  if (s->ac == ac && ac && (rev & (G_IO_IN | G_IO_ERR | G_IO_HUP)))
    redisAsyncHandleRead(ac);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = { .dispatch = source_dispatch };

NaraRedisSource *nara_redis_source_new(redisAsyncContext *ac)
{
  NaraRedisSource *s = (NaraRedisSource *)g_source_new(&source_funcs, sizeof(NaraRedisSource));

  s->ac = ac;
  s->tag = g_source_add_unix_fd(&s->source, ac->c.fd, 0);
  ac->ev.addRead = ev_add_read;
  ac->ev.delRead = ev_del_read;
  ac->ev.addWrite = ev_add_write;
  ac->ev.delWrite = ev_del_write;
  ac->ev.cleanup = ev_cleanup;
  ac->ev.data = s;
  g_source_set_name(&s->source, "nara-redis");
  g_source_attach(&s->source, NULL);
  return s;
}
