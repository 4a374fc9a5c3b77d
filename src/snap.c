#include "greenreach/snap.h"

#include "greenreach/load.h"

uint32_t gr_snap_points(const gr_segindex_t *idx, const double *x, const double *y,
                        uint32_t n, double max_m, gr_snap_t *out)
{
    uint32_t missed = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!gr_segindex_nearest(idx, x[i], y[i], max_m, &out[i])) {
            out[i] = (gr_snap_t){ GR_NONE, 0.0f, 0.0f };
            missed++;
        }
    }
    return missed;
}
