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

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double get_double(const unsigned char *p)
{
    double d;
    memcpy(&d, p, sizeof d);   /* little-endian hosts only: checked in encode */
    return d;
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

/* Appends the little-endian 2D WKB of polygon p; its points widen box. */
static int append_polygon(GEOSContextHandle_t gh, GEOSWKBWriter *w, const GEOSGeometry *p,
                          gr_gpkg_blob_t *b, double *box)
{
    size_t n = 0;
    unsigned char *wkb = GEOSWKBWriter_write_r(gh, w, p, &n);
    if (!wkb || n < 9 || reserve(b, b->len + n)) {
        GEOSFree_r(gh, wkb);
        return -1;
    }
    memcpy(b->bytes + b->len, wkb, n);
    GEOSFree_r(gh, wkb);
    /* every ring's every point, as GDAL's envelope: holes included */
    const unsigned char *q = b->bytes + b->len + 5, *end = b->bytes + b->len + n;
    b->len += n;
    uint32_t rings = get_u32(q);
    q += 4;
    for (uint32_t r = 0; r < rings && q + 4 <= end; r++) {
        uint32_t pts = get_u32(q);
        q += 4;
        for (uint32_t k = 0; k < pts && q + 16 <= end; k++, q += 16) {
            double x = get_double(q), y = get_double(q + 8);
            box[0] = fmin(box[0], x);
            box[1] = fmin(box[1], y);
            box[2] = fmax(box[2], x);
            box[3] = fmax(box[3], y);
        }
    }
    return 0;
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

static int encode(GEOSContextHandle_t gh, GEOSWKBWriter *w, const GEOSGeometry *g,
                  int32_t srs_id, gr_gpkg_blob_t *b)
{
    double box[4] = { INFINITY, INFINITY, -INFINITY, -INFINITY };
    int n = 0;
    if (parts(gh, g, &n) || reserve(b, HEADER_BYTES + ENVELOPE_BYTES + MULTI_BYTES))
        return -1;
    int is_empty = GEOSisEmpty_r(gh, g) == 1;
    size_t head = HEADER_BYTES + (is_empty ? 0 : ENVELOPE_BYTES);
    b->len = head + MULTI_BYTES;
    for (int i = 0; i < (n < 0 ? 1 : n); i++)
        if (append_polygon(gh, w, n < 0 ? g : GEOSGetGeometryN_r(gh, g, i), b, box))
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
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(gh);
    if (!w)
        return -1;
    GEOSWKBWriter_setByteOrder_r(gh, w, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(gh, w, 2);
    int rc = encode(gh, w, g, srs_id, blob);
    GEOSWKBWriter_destroy_r(gh, w);
    return rc;
}
