/* rings.h - polygons from traced boundary links.
 * A tracer (contour.h) reports its boundary one link at a time: a point,
 * known by a 64-bit id and its coordinates, and the id of the point after
 * it, with the inside of the shape on the left of every link. Links are
 * joined into closed rings; counter-clockwise rings are shells, clockwise
 * ones holes, and each hole goes to the smallest shell around it.
 * Owns: the link table (gr_links_free).
 * Needs: a GEOS context for the result. */
#ifndef GR_RINGS_H
#define GR_RINGS_H

#include <stddef.h>
#include <stdint.h>
#include <geos_c.h>
#include "greenreach/error.h"

typedef struct gr_links gr_links_t;

/* An empty table, or NULL when out of memory; free with gr_links_free. */
gr_links_t *gr_links_new(void);
void gr_links_free(gr_links_t *l);

/* Point `from` at (x, y) is followed by point `to`: 0, or -1 when out of
 * memory, -2 for the one id never allowed (UINT64_MAX). A point must start
 * one link only; gr_links_polygons reports it otherwise. */
int gr_links_add(gr_links_t *l, uint64_t from, uint64_t to, double x, double y);

/* A point at (x, y) whose next point the tracer names by index (the
 * points are numbered 0, 1, ... in the order added, keyed or not): its
 * index into *idx; 0, or -1 when out of memory. Joining by index needs no
 * lookup at all, so a tracer that can should. */
int gr_links_push(gr_links_t *l, double x, double y, uint32_t *idx);

/* Point idx is followed by point next_idx (both from gr_links_push). */
void gr_links_join(gr_links_t *l, uint32_t idx, uint32_t next_idx);

/* Links recorded so far. */
size_t gr_links_count(const gr_links_t *l);

/* Joins every link into rings and builds a valid MultiPolygon (empty when
 * there are no links) into *out, which the caller destroys with
 * GEOSGeom_destroy_r. A point closer than thin_m to the line through its
 * kept neighbours is dropped, so straight runs keep only their ends. A link
 * to a point that starts none, or a point starting two, is an error
 * (GR_EGEOM): the tracer left a ring open. A pushed point never joined is
 * such an open link too. */
int gr_links_polygons(GEOSContextHandle_t gh, gr_links_t *l, double thin_m, GEOSGeometry **out,
                      gr_error_t *err);

#endif
