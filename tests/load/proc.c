/* proc.c — CPU time, resident memory and thread count of a process, from
 * /proc/PID/stat and /proc/PID/status (proc(5)).
 *
 * Only reads; it never signals or otherwise touches the process. CPU is in
 * clock ticks of utime + stime, which include threads that have exited.
 *
 * Threading: the tool's only thread.
 */
#include "load.h"

#include <stdlib.h>
#include <string.h>

static gboolean read_stat(int pid, guint64 *ticks)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return FALSE;
  /* comm (field 2) may hold spaces and parentheses: fields restart after
   * the last ')'. utime and stime are fields 14 and 15. */
  const char *p = strrchr(text, ')');
  if (!p)
    return FALSE;
  p++;
  g_auto(GStrv) f = g_strsplit_set(p, " ", 0);
  /* f[0] is empty (the space after ')'), f[1] is field 3. */
  if (g_strv_length(f) < 14)
    return FALSE;
  *ticks = g_ascii_strtoull(f[12], NULL, 10) + g_ascii_strtoull(f[13], NULL, 10);
  return TRUE;
}

static gboolean read_status(int pid, guint64 *rss_kib, guint *threads)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", 0);
  *rss_kib = 0;
  *threads = 0;
  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "VmRSS:"))
      *rss_kib = g_ascii_strtoull(lines[i] + 6, NULL, 10);
    else if (g_str_has_prefix(lines[i], "Threads:"))
      *threads = (guint)g_ascii_strtoull(lines[i] + 8, NULL, 10);
  }
  return TRUE;
}

gboolean load_proc_sample(int pid, LoadProcSample *out)
{
  memset(out, 0, sizeof *out);
  if (pid <= 0)
    return FALSE;
  out->at_us = g_get_monotonic_time();
  out->ok = read_stat(pid, &out->cpu_ticks) && read_status(pid, &out->rss_kib, &out->threads);
  return out->ok;
}
