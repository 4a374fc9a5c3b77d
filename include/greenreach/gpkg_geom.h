/* gpkg_geom.h - GeoPackage geometry blobs of polygonal GEOS geometries,
 * byte for byte as GDAL 3.6 writes a feature of a MultiPolygon layer:
 * "GP", version 0, flags (little-endian, an XY envelope, or the empty flag
 * and no envelope), srs_id, the envelope (min x, max x, min y, max y),
 * then the little-endian 2D WKB of the geometry forced to a MultiPolygon
 * (a Polygon, even empty, becomes a MultiPolygon of one part).
 * Owns: nothing. Needs: GEOS (_r API), gpkg_points.h's blob. */
#ifndef GR_GPKG_GEOM_H
#define GR_GPKG_GEOM_H

#include <geos_c.h>
#include <stdint.h>
#include "greenreach/gpkg_points.h"

/* Encodes g (Polygon, MultiPolygon, or a collection of Polygons) into
 * blob, growing blob->bytes as needed, and sets blob->box (NaN when
 * empty); g NULL gives len 0 (a NULL geometry). Returns 0, or -1 when g
 * is of another type or memory runs out. */
int gr_gpkg_multipolygon_blob(GEOSContextHandle_t gh, const GEOSGeometry *g, int32_t srs_id,
                              gr_gpkg_blob_t *blob);

#endif
