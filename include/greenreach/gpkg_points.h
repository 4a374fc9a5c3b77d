/* gpkg_points.h - the rows of GeoPackage point and polygon layers written
 * directly through SQLite, in bulk: one prepared INSERT per layer with
 * bound values, the points encoded as GeoPackage geometry blobs here (as
 * GDAL 3.6 encodes them: little-endian, no envelope), the polygons' blobs
 * given by the caller (gpkg_geom.h), then the layer's extent in
 * gpkg_contents, its feature count in gpkg_ogr_contents and its R-tree
 * (gpkg_rtree.h), all layers in one transaction. GDAL writes such rows one
 * feature at a time: 6 M points took most of a national run's minute.
 * The tables themselves (columns, gpkg_contents, gpkg_geometry_columns,
 * SRS) are GDAL's: created empty and without a spatial index, file closed.
 * Owns: nothing. Needs: SQLite, the row sink of wardtable.h, gpkg_rtree. */
#ifndef GR_GPKG_POINTS_H
#define GR_GPKG_POINTS_H

#include <stdint.h>
#include "greenreach/error.h"
#include "greenreach/wardtable.h"

/* One point layer. row(ctx, i, s, &x, &y) emits row i's cells to s, in the
 * table's column order after fid and geometry, and gives its point; row
 * GR_NONE emits every column (values null) and no point: the schema. The
 * texts of a row are bound, not copied: they must stay valid after row
 * returns, until the next call (strings of the run, not a local buffer). */
/* A geometry blob of a polygon layer: bytes[0..len) (len 0: a NULL
 * geometry), grown by its writer up to cap (free() the bytes), and its
 * box: min x, min y, max x, max y, min x NaN when empty or NULL. */
typedef struct {
    unsigned char *bytes;
    size_t len, cap;
    double box[4];
} gr_gpkg_blob_t;

/* A polygon layer has no row but shape(ctx, i, s, srs_id, blob): row i's
 * cells as row's, and its geometry blob in srs_id; returns 0, or -1 when
 * the geometry cannot be encoded. Row GR_NONE: the schema, no blob. */
typedef struct {
    const char *table;
    uint32_t n;
    void (*row)(void *ctx, uint32_t i, gr_sink_t *s, double *x, double *y);
    void *ctx;
    int (*shape)(void *ctx, uint32_t i, gr_sink_t *s, int32_t srs_id, gr_gpkg_blob_t *blob);
} gr_gpkg_points_layer_t;

/* Fills the n_layers empty tables of the GeoPackage at path with their
 * rows (fids 1..n in row order), extents, feature counts and R-trees, in
 * one transaction: on failure the file is as GDAL left it. Returns 0, or
 * GR_EIO / GR_ENOMEM with err naming `shown` (the file the user knows;
 * path may be its temporary) and the layer. */
int gr_gpkg_points_write(const char *path, const char *shown,
                         const gr_gpkg_points_layer_t *layers, int n_layers, gr_error_t *err);

/* The GeoPackage geometry blob of the point (x, y) in srs_id: header
 * "GP", version 0, flags 0x01 (little-endian, no envelope), srs_id, then
 * the little-endian WKB point. out holds GR_GPKG_POINT_BYTES. */
#define GR_GPKG_POINT_BYTES 29
void gr_gpkg_point_blob(double x, double y, int32_t srs_id, unsigned char *out);

#endif
