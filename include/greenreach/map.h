/* map.h - the report's maps, drawn with Cairo into PNG bytes: wards shaded
 * by coverage, walking catchments on the network, unserved residents, and
 * meadow/orchard gaps.
 * Owns: the PNG buffer it returns (gr_png_free). Needs: the run and the
 * target results (read only). */
#ifndef GR_MAP_H
#define GR_MAP_H

#include <stddef.h>
#include "greenreach/pipeline.h"
#include "greenreach/targets.h"

typedef enum {
    GR_MAP_WARD_SHARE,      /* wards shaded by the park share within 20 min */
    GR_MAP_CATCHMENT,       /* network reached within 15 and 20 min */
    GR_MAP_UNSERVED,        /* residents beyond 20 min, sized by population */
    GR_MAP_MEADOW_ORCHARD,  /* wards with/without a meadow and an orchard */
    GR_MAP_COUNT
} gr_map_kind_t;

typedef struct {
    unsigned char *data;
    size_t len;
} gr_png_t;

/* File stem ("ward_share", …) and caption of each map. */
extern const char *const gr_map_names[GR_MAP_COUNT];
extern const char *const gr_map_captions[GR_MAP_COUNT];

/* The caption of map `kind` for this run: the catchment map shows
 * straight-line bands instead of the walked network in straight mode. */
const char *gr_map_caption(const gr_run_t *run, gr_map_kind_t kind);

/* Renders map `kind` width_px wide (height follows the area's shape) for
 * category `cat` (its largest threshold is "20 min", its smallest "15").
 * tg may be NULL for maps that need no targets. */
int gr_map_render(const gr_run_t *run, const gr_targets_t *tg, int cat, gr_map_kind_t kind,
                  int width_px, gr_png_t *out, gr_error_t *err);
void gr_png_free(gr_png_t *png);

#endif
