/* wardtable.h - the per-ward and per-neighbourhood measures as rows of
 * named cells, emitted cell by cell to a sink. ward_coverage.csv,
 * nbhd_coverage.csv and the wards GIS layer are all written from these
 * rows, so the columns are defined once.
 * Owns: nothing. Needs: pipeline results, targets, catchments (optional). */
#ifndef GR_WARDTABLE_H
#define GR_WARDTABLE_H

#include <stdint.h>
#include "greenreach/catchment.h"
#include "greenreach/pipeline.h"
#include "greenreach/targets.h"

/* A cell is text (is_quoted: free text a CSV must quote; otherwise a
 * code word such as a verdict) or a number printed with `decimals`
 * (0: a whole count). is_null marks a cell with no value. Every row
 * emits the same columns in the same order; a sink that needs a header
 * takes the names from the first row. */
typedef struct gr_sink gr_sink_t;
struct gr_sink {
    void (*text)(gr_sink_t *s, const char *name, const char *v, int is_quoted);
    void (*num)(gr_sink_t *s, const char *name, double v, int decimals, int is_null);
    void *ctx;
};

/* What a typed store (a GIS field, a database column) keeps of a number
 * cell: nothing when is_null or v is not finite; a whole number, v rounded
 * half away from zero into *whole, when decimals is 0; else v itself.
 * Every GIS sink goes through this, so all formats hold the same values. */
typedef enum { GR_CELL_NULL, GR_CELL_WHOLE, GR_CELL_REAL } gr_cell_kind_t;
gr_cell_kind_t gr_sink_num_kind(double v, int decimals, int is_null, long long *whole);

/* Row r of the ward table: r < n_wards is a ward, r == n_wards the total
 * (ward_code "TOTAL"). Columns: ward_code, ward_name, nbhd, population,
 * pop_unsnapped; per category and threshold <cat>_pop_<label> and
 * <cat>_share_<label> (0..1, 6 decimals); per target (tg not NULL)
 * coverage <id>_pop, <id>_within, <id>_share, <id>_shortfall, <id>
 * (verdict) or presence <id>_sites, <id>_area_m2, <id>_shortfall, <id>;
 * then (cs not NULL) area_m2 (the ward's) and per category and threshold
 * <cat>_catch_m2_<label> (catchment area inside the ward) and
 * <cat>_catch_share_<label> (its share of the ward's area). */
void gr_wardtable_row(const gr_run_t *run, const gr_targets_t *tg, const gr_catchments_t *cs,
                      uint32_t r, gr_sink_t *s);

/* Row k of the neighbourhood table: k < tg->n_nbhd a neighbourhood,
 * k == tg->n_nbhd the whole area ("ALL"). Columns: nbhd, wards, then the
 * per-target columns as in the ward table. */
void gr_nbhdtable_row(const gr_targets_t *tg, uint32_t k, gr_sink_t *s);

#endif
