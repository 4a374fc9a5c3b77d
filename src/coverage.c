#include "greenreach/coverage.h"

#include <stdlib.h>

#include "greenreach/load.h"

int gr_coverage_compute(uint32_t n_wards, const uint32_t *ward_of, const double *pop,
                        const float *dist_m, const uint8_t *is_snapped, uint32_t n,
                        const double *thr_m, uint32_t n_thr, gr_coverage_t **out,
                        gr_error_t *err)
{
    *out = NULL;
    gr_coverage_t *c = calloc(1, sizeof *c);
    size_t rows = (size_t)n_wards + 1;
    if (c) {
        c->pop = calloc(rows, sizeof *c->pop);
        c->pop_within = calloc(rows * n_thr + 1, sizeof *c->pop_within);
        c->pop_unsnapped = calloc(rows, sizeof *c->pop_unsnapped);
    }
    if (!c || !c->pop || !c->pop_within || !c->pop_unsnapped) {
        gr_coverage_free(c);
        return gr_error_set(err, GR_ENOMEM, "out of memory tallying coverage");
    }
    c->n_wards = n_wards;
    c->n_thr = n_thr;
    for (uint32_t i = 0; i < n; i++) {
        if (ward_of[i] == GR_NONE) {
            c->pop_outside += pop[i];
            c->residents_outside++;
            continue;
        }
        /* each resident counts in its ward's row and in the total row */
        size_t rs[2] = { ward_of[i], n_wards };
        for (int k = 0; k < 2; k++) {
            c->pop[rs[k]] += pop[i];
            if (!is_snapped[i])
                c->pop_unsnapped[rs[k]] += pop[i];
            for (uint32_t t = 0; t < n_thr; t++)
                if (dist_m[i] <= thr_m[t])
                    c->pop_within[rs[k] * n_thr + t] += pop[i];
        }
    }
    *out = c;
    return 0;
}

void gr_coverage_free(gr_coverage_t *c)
{
    if (!c)
        return;
    free(c->pop);
    free(c->pop_within);
    free(c->pop_unsnapped);
    free(c);
}

double gr_coverage_share(const gr_coverage_t *c, uint32_t r, uint32_t t)
{
    double p = c->pop[r];
    return p > 0.0 ? c->pop_within[(size_t)r * c->n_thr + t] / p : 0.0;
}
