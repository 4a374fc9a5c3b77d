/* history.h - the previous run's ward table, read back (through OGR's CSV
 * driver) before it is replaced, so the report can say what changed.
 * Owns: a copy of every cell (gr_history_free). Needs: GDAL. */
#ifndef GR_HISTORY_H
#define GR_HISTORY_H

#include <stdint.h>

typedef struct gr_history gr_history_t;

/* Reads <dir>/ward_coverage.csv if there is one; *out is NULL (and the
 * call succeeds) when there is none or it cannot be read, since a missing
 * history only means there is nothing to compare. */
void gr_history_load(const char *dir, gr_history_t **out);
void gr_history_free(gr_history_t *h);

/* The previous value of column `col` in the row whose ward_code is
 * `code`, or NULL when the row or column did not exist. */
const char *gr_history_get(const gr_history_t *h, const char *code, const char *col);

#endif
