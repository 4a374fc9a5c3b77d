/* report.h - the report an officer hands to a board: report.md and a
 * self-contained report.html (maps inlined, no external files, scripts or
 * fonts), with the maps also as maps/<name>.png for the Markdown. Headline
 * status per target, ward and neighbourhood tables worst first, maps, data
 * notes, and what changed since the previous run (prev: that run's ward
 * table, or NULL). Every file is written to a temporary name and renamed.
 * Owns: nothing. Needs: the run, its target results, map rendering. */
#ifndef GR_REPORT_H
#define GR_REPORT_H

#include "greenreach/error.h"
#include "greenreach/history.h"
#include "greenreach/pipeline.h"
#include "greenreach/targets.h"

int gr_report_write(const gr_run_t *run, const gr_targets_t *tg, const gr_history_t *prev,
                    const char *dir, gr_error_t *err);

#endif
