/* newpaths.h - what new path links (a footbridge, a cut-through) would
 * do: the links go into an overlay over the run's graph (joined at shared
 * or nearby vertices, or by splitting the nearest edge within the join
 * tolerance), and every category's distances are repaired from them with
 * a bounded search over graph plus overlay. Node distances can only fall;
 * a resident now nearer a new link than its own path walks from the link,
 * as a rerun would snap it, so its distance may rise. Where a new link
 * enters an existing site (one without surveyed entrances) it gains an
 * entrance there; the site's old entrances stay.
 * Owns: path results (gr_paths_result_free).
 * Needs: the what-if engine, the bounded search with an overlay, the
 * entrance rules and a segment index over the new links. */
#ifndef GR_NEWPATHS_H
#define GR_NEWPATHS_H

#include <stdint.h>
#include "greenreach/whatif.h"

typedef struct {
    uint32_t n_segments;       /* new straight segments */
    uint32_t n_joined;         /* new vertices joined to existing nodes */
    uint32_t n_split;          /* line ends joined by splitting an edge */
    uint32_t n_isolated;       /* lines joined to the graph at no vertex */
    uint32_t n_resnapped;      /* residents now nearer a new link */
    uint32_t n_new_entrances;  /* where new links enter existing sites */
    int n_eff;
    gr_effect_t eff[GR_MAX_CATEGORIES];   /* one per category */
} gr_paths_result_t;

void gr_paths_result_free(gr_paths_result_t *r);   /* arrays only */

/* Adds lines (in the run CRS) as new path links and repairs every
 * category. r must be zeroed; the caller frees it with
 * gr_paths_result_free. */
int gr_whatif_add_paths(gr_whatif_t *w, const gr_lines_t *lines, gr_paths_result_t *r,
                        gr_error_t *err);

#endif
