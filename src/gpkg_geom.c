#include "greenreach/gpkg_geom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_BYTES 8
#define ENVELOPE_BYTES 32
#define MULTI_BYTES 9      /* byte order, type, number of parts */
#define FLAG_LE 0x01
#define FLAG_ENV_XY 0x02   /* envelope indicator 1 */
#define FLAG_EMPTY 0x10

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

static int reserve(gr_gpkg_blob_t *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    unsigned char *p = realloc(b->bytes, cap);
    if (!p)
        return -1;
    b->bytes = p;
    b->cap = cap;
    return 0;
}

typedef struct {
    double *xy;      /* one ring's coordinates, aligned */
    size_t cap;      /* in points */
} scratch_t;

/* Appends the ring's point count and its x, y pairs (WKB, little-endian);
 * every point widens box, holes too, as GDAL's envelope. GEOS copies the
 * coordinates out in one call: its WKB writer streamed them one by one,
 * 5 s for a national run's 38 M catchment vertices. */
static int append_ring(GEOSContextHandle_t gh, const GEOSGeometry *ring, gr_gpkg_blob_t *b,
                       scratch_t *sc, double *box)
{
    const GEOSCoordSequence *seq = ring ? GEOSGeom_getCoordSeq_r(gh, ring) : NULL;
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(gh, seq, &n) || reserve(b, b->len + 4 + 16 * (size_t)n))
        return -1;
    if (n > sc->cap) {
        double *p = realloc(sc->xy, 2 * sizeof *p * n);
        if (!p)
            return -1;
        sc->xy = p;
        sc->cap = n;
    }
    put_u32(b->bytes + b->len, n);
    b->len += 4;
    if (n == 0)
        return 0;
    if (!GEOSCoordSeq_copyToBuffer_r(gh, seq, sc->xy, 0, 0))
        return -1;
    for (size_t k = 0; k < n; k++) {
        double x = sc->xy[2 * k], y = sc->xy[2 * k + 1];
        box[0] = x < box[0] ? x : box[0];
        box[1] = y < box[1] ? y : box[1];
        box[2] = x > box[2] ? x : box[2];
        box[3] = y > box[3] ? y : box[3];
    }
    memcpy(b->bytes + b->len, sc->xy, 16 * (size_t)n);   /* little-endian host */
    b->len += 16 * (size_t)n;
    return 0;
}

/* Appends the WKB of polygon p: byte order, type 3, rings (none when
 * empty, as GEOS and OGR write an empty polygon), each ring's points. */
static int append_polygon(GEOSContextHandle_t gh, const GEOSGeometry *p, gr_gpkg_blob_t *b,
                          scratch_t *sc, double *box)
{
    int is_empty = GEOSisEmpty_r(gh, p) == 1, holes = is_empty ? 0 : GEOSGetNumInteriorRings_r(gh, p);
    if (holes < 0 || reserve(b, b->len + 9))
        return -1;
    b->bytes[b->len] = 0x01;
    put_u32(b->bytes + b->len + 1, 3);   /* wkbPolygon */
    put_u32(b->bytes + b->len + 5, is_empty ? 0 : (uint32_t)holes + 1);
    b->len += 9;
    if (is_empty)
        return 0;
    int rc = append_ring(gh, GEOSGetExteriorRing_r(gh, p), b, sc, box);
    for (int h = 0; !rc && h < holes; h++)
        rc = append_ring(gh, GEOSGetInteriorRingN_r(gh, p, h), b, sc, box);
    return rc;
}

/* The polygons of g, as OGR's ForceToMultiPolygon sees them. */
static int parts(GEOSContextHandle_t gh, const GEOSGeometry *g, int *n)
{
    int type = GEOSGeomTypeId_r(gh, g);
    if (type == GEOS_POLYGON) {
        *n = -1;   /* g itself */
        return 0;
    }
    if (type != GEOS_MULTIPOLYGON && type != GEOS_GEOMETRYCOLLECTION)
        return -1;
    *n = GEOSGetNumGeometries_r(gh, g);
    for (int i = 0; i < *n; i++)
        if (GEOSGeomTypeId_r(gh, GEOSGetGeometryN_r(gh, g, i)) != GEOS_POLYGON)
            return -1;
    return 0;
}

static int encode(GEOSContextHandle_t gh, scratch_t *sc, const GEOSGeometry *g, int32_t srs_id,
                  gr_gpkg_blob_t *b)
{
    double box[4] = { INFINITY, INFINITY, -INFINITY, -INFINITY };
    int n = 0;
    if (parts(gh, g, &n) || reserve(b, HEADER_BYTES + ENVELOPE_BYTES + MULTI_BYTES))
        return -1;
    int is_empty = GEOSisEmpty_r(gh, g) == 1;
    size_t head = HEADER_BYTES + (is_empty ? 0 : ENVELOPE_BYTES);
    b->len = head + MULTI_BYTES;
    for (int i = 0; i < (n < 0 ? 1 : n); i++)
        if (append_polygon(gh, n < 0 ? g : GEOSGetGeometryN_r(gh, g, i), b, sc, box))
            return -1;
    unsigned char *p = b->bytes;
    p[0] = 'G';
    p[1] = 'P';
    p[2] = 0;
    p[3] = FLAG_LE | (is_empty ? FLAG_EMPTY : FLAG_ENV_XY);
    put_u32(p + 4, (uint32_t)srs_id);
    /* the envelope's order is min x, max x, min y, max y */
    const double env[4] = { box[0], box[2], box[1], box[3] };
    if (!is_empty)
        memcpy(p + HEADER_BYTES, env, sizeof env);
    p[head] = 0x01;
    put_u32(p + head + 1, 6);   /* wkbMultiPolygon */
    put_u32(p + head + 5, (uint32_t)(n < 0 ? 1 : n));
    for (int k = 0; k < 4; k++)
        b->box[k] = is_empty ? NAN : box[k];
    return 0;
}

int gr_gpkg_multipolygon_blob(GEOSContextHandle_t gh, const GEOSGeometry *g, int32_t srs_id,
                              gr_gpkg_blob_t *blob)
{
    const uint16_t one = 1;
    blob->len = 0;
    for (int k = 0; k < 4; k++)
        blob->box[k] = NAN;
    if (!g)
        return 0;
    if (*(const unsigned char *)&one != 1)   /* doubles are copied as they lie */
        return -1;
    scratch_t sc = { NULL, 0 };
    int rc = encode(gh, &sc, g, srs_id, blob);
    free(sc.xy);
    return rc;
}
