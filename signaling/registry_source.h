/* registry_source.h — hiredis async I/O on the GLib main loop (registry.c).
 *
 * Threading: control thread.
 */
#pragma once

#include <glib.h>
#include <hiredis/async.h>

G_BEGIN_DECLS

typedef struct _NaraRedisSource NaraRedisSource;

/* (transfer full) Attached to the default main context; hiredis' read and
 * write wishes become the fd's events. Destroy and unref it once hiredis
 * freed the context (its cleanup hook makes it inert first). */
NaraRedisSource *nara_redis_source_new(redisAsyncContext *ac);

G_END_DECLS
