#include "greenreach/islands.h"

#include <stdlib.h>

#include "greenreach/load.h"

enum { HAS_ENTRANCE = 1, COUNTED = 2 };

int gr_islands_cut_off(const gr_graph_t *g, const gr_source_t *src, uint32_t n_src,
                       const gr_snap_t *snap, const double *pop, uint32_t n,
                       gr_islands_cut_off_t *out, gr_error_t *err)
{
    *out = (gr_islands_cut_off_t){ 0, 0.0, 0 };
    uint8_t *flag = calloc((size_t)g->stats.components + 1, 1);
    if (!flag)
        return gr_error_set(err, GR_ENOMEM, "out of memory counting path islands");
    /* both ends of an edge share its component */
    for (uint32_t k = 0; k < n_src; k++)
        flag[g->component[g->edge_u[src[k].edge]]] |= HAS_ENTRANCE;
    for (uint32_t i = 0; i < n; i++) {
        if (snap[i].edge == GR_NONE)
            continue;
        uint32_t c = g->component[g->edge_u[snap[i].edge]];
        if (flag[c] & HAS_ENTRANCE)
            continue;
        out->residents++;
        out->population += pop ? pop[i] : 0.0;
        out->islands += !(flag[c] & COUNTED);
        flag[c] |= COUNTED;
    }
    free(flag);
    return 0;
}
