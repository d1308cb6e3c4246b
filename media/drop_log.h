/* drop_log.h — private: at most one "dropped" line a second for all of media.
 *
 * A hostile peer can make every worker drop thousands of packets a second;
 * the log must stay readable and small, so one line a second is written for
 * the whole module (whichever worker claims that second), naming how many
 * drops went unlogged since the last line. Any worker thread; lock-free,
 * and nothing is formatted or allocated for a drop that is not logged.
 */
#pragma once

#include <glib.h>

/* TRUE if the caller may log this drop now (then *unlogged is how many were
 * not logged since the last line); FALSE: counted, not to be logged. */
gboolean nara_drop_log_claim(guint *unlogged);
