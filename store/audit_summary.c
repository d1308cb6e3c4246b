/* audit_summary.c — refusals recorded once per source and minute.
 *
 * A flood of bad credentials (a REST client retrying a revoked key, a
 * script trying join tokens) must not write one audit record per attempt:
 * the log meant to prove who saw what would fill with noise and the
 * store's thread with fsyncs. The first refusal from a source (an address
 * or a key id) for an event and outcome in a minute is written at once;
 * the rest of that minute are counted and written as one record with the
 * count when the minute is over (a timer sweeps each minute). The table is
 * bounded: past MAX_SOURCES, new sources share one "(other sources)" row.
 *
 * Threading: control thread (the timer runs on the default main context).
 */
#include "store-private.h"

#include <string.h>

#define MAX_SOURCES 4096
#define SWEEP_INTERVAL_S 60
#define OTHERS "(other sources)"

typedef struct {
  NaraAuditRecord record; /* the first one, strings owned */
  char *who;
  gint64 minute;
  guint64 more; /* refusals after the first in that minute */
} Row;

struct _NaraAuditSummary {
  NaraStore *store;
  GHashTable *rows; /* "event\x1foutcome\x1fwho" -> Row* (owned) */
  guint timer;
};

static void row_free(Row *row)
{
  g_free((char *)row->record.event);
  g_free((char *)row->record.consultation);
  g_free((char *)row->record.actor);
  g_free((char *)row->record.actor_role);
  g_free((char *)row->record.outcome);
  g_free((char *)row->record.detail);
  g_free(row->who);
  g_free(row);
}

static gboolean tick(gpointer data)
{
  nara_audit_summary_sweep(data, g_get_real_time());
  return G_SOURCE_CONTINUE;
}

NaraAuditSummary *nara_audit_summary_new(NaraStore *store)
{
  NaraAuditSummary *s = g_new0(NaraAuditSummary, 1);

  s->store = store;
  s->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)row_free);
  s->timer = g_timeout_add_seconds(SWEEP_INTERVAL_S, tick, s);
  return s;
}

void nara_audit_summary_free(NaraAuditSummary *s)
{
  if (s == NULL)
    return;
  /* Whatever was counted is written before the store closes. */
  nara_audit_summary_sweep(s, G_MAXINT64);
  if (s->timer)
    g_source_remove(s->timer);
  g_hash_table_unref(s->rows);
  g_free(s);
}

static void write_summary(NaraAuditSummary *s, const Row *row)
{
  g_autofree char *detail = NULL;
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(row->minute * 60);
  g_autofree char *when = t ? g_date_time_format(t, "%H:%M") : g_strdup("?");
  NaraAuditRecord r = row->record;

  detail = g_strdup_printf("%s: %" G_GUINT64_FORMAT " more in the minute from %s UTC", row->who,
                           row->more, when);
  r.time_us = 0;
  r.detail = detail;
  nara_store_audit_append_async(s->store, &r, NULL, NULL);
}

void nara_audit_summary_sweep(NaraAuditSummary *s, gint64 now_us)
{
  gint64 minute = now_us == G_MAXINT64 ? G_MAXINT64 : now_us / G_USEC_PER_SEC / 60;
  GHashTableIter it;
  Row *row;

  g_hash_table_iter_init(&it, s->rows);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&row)) {
    if (row->minute >= minute)
      continue;
    if (row->more > 0)
      write_summary(s, row);
    g_hash_table_iter_remove(&it);
  }
}

gboolean nara_audit_summary_note(NaraAuditSummary *s, const NaraAuditRecord *record,
                                 const char *who, gint64 now_us, NaraStoreCallback cb,
                                 gpointer user_data)
{
  gint64 minute = now_us / G_USEC_PER_SEC / 60;
  g_autofree char *key = NULL;
  g_autofree char *detail = NULL;
  NaraAuditRecord first;
  Row *row;

  if (!who || !who[0])
    who = "unknown";
  key = g_strdup_printf("%s\x1f%s\x1f%s", record->event, record->outcome ? record->outcome : "",
                        who);
  row = g_hash_table_lookup(s->rows, key);
  if (row && row->minute != minute) {
    /* A new minute for this source: the old one's count goes out first. */
    if (row->more > 0)
      write_summary(s, row);
    g_hash_table_remove(s->rows, key);
    row = NULL;
  }
  if (row) {
    row->more++;
    return FALSE;
  }
  if (g_hash_table_size(s->rows) >= MAX_SOURCES) {
    g_free(key);
    who = OTHERS;
    key = g_strdup_printf("%s\x1f%s\x1f%s", record->event, record->outcome ? record->outcome : "",
                          who);
    if ((row = g_hash_table_lookup(s->rows, key))) {
      row->more++;
      return FALSE;
    }
  }
  row = g_new0(Row, 1);
  row->record = (NaraAuditRecord){
    .event = g_strdup(record->event),
    .consultation = g_strdup(record->consultation),
    .actor = g_strdup(record->actor),
    .actor_role = g_strdup(record->actor_role),
    .outcome = g_strdup(record->outcome),
  };
  row->who = g_strdup(who);
  row->minute = minute;
  g_hash_table_insert(s->rows, g_steal_pointer(&key), row);
  first = *record;
  detail = record->detail ? g_strdup_printf("%s; from %s", record->detail, who)
                          : g_strdup_printf("from %s", who);
  first.detail = detail;
  first.time_us = now_us;
  nara_store_audit_append_async(s->store, &first, cb, user_data);
  return TRUE;
}
