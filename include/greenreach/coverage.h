/* coverage.h - population within each distance threshold, per ward and for
 * the whole area.
 * Owns: the tallies (gr_coverage_free). Needs nothing but arrays. */
#ifndef GR_COVERAGE_H
#define GR_COVERAGE_H

#include <stdint.h>
#include "greenreach/error.h"

/* Row r in 0..n_wards-1 is a ward; row n_wards is the total over residents
 * in any ward. */
typedef struct {
    uint32_t n_wards, n_thr;
    double *pop;            /* [n_wards + 1] */
    double *pop_within;     /* [(n_wards + 1) * n_thr], row-major */
    double *pop_unsnapped;  /* [n_wards + 1]: residents beyond the snap cap */
    double pop_outside;     /* residents in no ward (not in any row) */
    uint32_t residents_outside;
} gr_coverage_t;

/* Tallies n residents: ward_of[i] (GR_NONE: outside), pop[i], dist_m[i]
 * (INFINITY: beyond reach), is_snapped[i]. A resident is within threshold
 * t when dist_m <= thr_m[t]. */
int gr_coverage_compute(uint32_t n_wards, const uint32_t *ward_of,
                        const double *pop, const float *dist_m,
                        const uint8_t *is_snapped, uint32_t n,
                        const double *thr_m, uint32_t n_thr,
                        gr_coverage_t **out, gr_error_t *err);
void gr_coverage_free(gr_coverage_t *c);

/* Share of row r within threshold t, 0..1 (0 for an empty row). */
double gr_coverage_share(const gr_coverage_t *c, uint32_t r, uint32_t t);

#endif
