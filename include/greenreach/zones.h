/* zones.h - which zone (ward) holds each cell of a grid row: zone polygons
 * kept as edges in horizontal strips, filled row by row by the even-odd
 * rule (holes and multi-part zones work; a cell where zones overlap
 * counts to one of them only).
 * Owns: the edges (gr_zones_free).
 * Needs: the zones' GEOS polygons while building only. */
#ifndef GR_ZONES_H
#define GR_ZONES_H

#include <stdint.h>
#include <geos_c.h>
#include "greenreach/error.h"

#define GR_ZONE_NONE UINT32_MAX

typedef struct gr_zones gr_zones_t;

/* Edges of the n polygons (Polygon or MultiPolygon; anything else is
 * skipped) into *out, freed by the caller with gr_zones_free. */
int gr_zones_build(GEOSContextHandle_t gh, const GEOSGeometry *const *geom, uint32_t n,
                   gr_zones_t **out, gr_error_t *err);
void gr_zones_free(gr_zones_t *z);
uint32_t gr_zones_count(const gr_zones_t *z);

/* Cells lo .. hi of a grid row whose zone is known: cell i is centred at
 * (x0 + (i + 0.5) c, y) and belongs to zone `zone` when lo <= i <= hi. */
typedef struct {
    int64_t lo, hi;
    uint32_t zone;
} gr_zone_span_t;

typedef struct {
    gr_zone_span_t *a;
    size_t n, cap;
} gr_zone_spans_t;

/* The spans of row y within columns lo .. hi, in column order, into *out
 * (the caller's buffer, grown as needed; free out->a when done). Safe to
 * call from several threads on one zones set: 0, or -1 when out of memory. */
int gr_zones_row(const gr_zones_t *z, double y, double x0, double c, int64_t lo, int64_t hi,
                 gr_zone_spans_t *out);

/* The zone of cell i among spans (sorted, as gr_zones_row leaves them), or
 * GR_ZONE_NONE. */
uint32_t gr_zones_at(const gr_zone_spans_t *s, int64_t i);

#endif
