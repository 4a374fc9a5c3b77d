#include "greenreach/load.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greenreach/crs.h"

/* One open input layer and what the loader needs to read it. */
typedef struct {
    GDALDatasetH ds;
    OGRLayerH lyr;
    const char *path;
    char name[GR_NAME_MAX];
    char *src_def;           /* the layer's CRS as WKT, or the assumed one */
    bool is_geographic;      /* coordinates are lon/lat degrees */
    gr_transform_t *tr;
    int64_t last_fid;        /* the last feature read, for read errors */
} src_t;

/* No real coordinate, in metres or feet of any projected CRS, comes near
 * this (Earth's circumference is 4e7 m); beyond it a value is a data error
 * that would otherwise blow up the graph's grid or the areas. */
#define COORD_LIMIT 1e8

static void src_close(src_t *s)
{
    gr_transform_free(s->tr);
    CPLFree(s->src_def);
    if (s->ds)
        GDALClose(s->ds);
    memset(s, 0, sizeof *s);
}

static int open_layer(const gr_layer_spec_t *spec, const char *role, src_t *s,
                      gr_error_t *err)
{
    memset(s, 0, sizeof *s);
    s->path = spec->path;
    s->last_fid = -1;
    CPLErrorReset();
    s->ds = GDALOpenEx(spec->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!s->ds)
        return gr_error_set(err, GR_EIO, "%s: cannot open %s layer file: %s", spec->path,
                            role, CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg()
                                                          : "not a readable vector file");
    if (spec->layer[0])
        s->lyr = GDALDatasetGetLayerByName(s->ds, spec->layer);
    else if (GDALDatasetGetLayerCount(s->ds) > 0)
        s->lyr = GDALDatasetGetLayer(s->ds, 0);
    if (!s->lyr) {
        int code = gr_error_set(err, GR_EINPUT, "%s: no layer '%s' for %s", spec->path,
                                spec->layer, role);
        src_close(s);
        return code;
    }
    snprintf(s->name, sizeof s->name, "%s", OGR_L_GetName(s->lyr));
    if (OGR_L_GetFeatureCount(s->lyr, 1) == 0) {
        int code = gr_error_set(err, GR_EINPUT, "%s layer '%s': %s layer is empty",
                                s->path, s->name, role);
        src_close(s);
        return code;
    }
    return 0;
}

/* The layer's CRS definition, or the assumed one; a missing CRS is an
 * error because guessing units would make every distance wrong. */
static int layer_crs(src_t *s, const gr_layer_spec_t *spec, gr_error_t *err)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(s->lyr);
    if (spec->assume_crs[0] && !srs) {
        s->src_def = CPLStrdup(spec->assume_crs);
        OGRSpatialReferenceH assumed = OSRNewSpatialReference(NULL);
        s->is_geographic = OSRSetFromUserInput(assumed, s->src_def) == OGRERR_NONE &&
                           OSRIsGeographic(assumed);
        OSRDestroySpatialReference(assumed);
        return 0;
    }
    if (!srs || OSRExportToWkt(srs, &s->src_def) != OGRERR_NONE)
        return gr_error_set(err, GR_ECRS,
                            "%s layer '%s': no CRS (no .prj?); name one with assume_crs",
                            s->path, s->name);
    s->is_geographic = OSRIsGeographic(srs);
    return 0;
}

static int field_index(const src_t *s, const char *field, bool is_required,
                       int *idx, gr_error_t *err)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(s->lyr);
    *idx = field[0] ? OGR_FD_GetFieldIndex(defn, field) : -1;
    if (*idx < 0 && is_required)
        return gr_error_set(err, GR_EINPUT, "%s layer '%s': no field '%s'", s->path,
                            s->name, field);
    return 0;
}

static int numeric_field(const src_t *s, const char *field, bool is_required,
                         int *idx, gr_error_t *err)
{
    int rc = field_index(s, field, is_required, idx, err);
    if (rc || *idx < 0)
        return rc;
    OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(OGR_L_GetLayerDefn(s->lyr), *idx));
    if (t != OFTInteger && t != OFTInteger64 && t != OFTReal)
        return gr_error_set(err, GR_EINPUT, "%s layer '%s': field '%s' is %s, expected a number",
                            s->path, s->name, field, OGR_GetFieldTypeName(t));
    return 0;
}

/* Tells the driver to skip every other attribute field (and styles): a
 * national paths or residents layer has many columns the run never reads,
 * and parsing them was a large share of loading. idx[i] < 0 are absent. */
static void read_only_fields(const src_t *s, const int *idx, int n)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(s->lyr);
    int n_fields = OGR_FD_GetFieldCount(defn);
    const char **skip = calloc((size_t)n_fields + 2, sizeof *skip);
    if (!skip)
        return;   /* only slower */
    int k = 0;
    for (int f = 0; f < n_fields; f++) {
        bool is_kept = false;
        for (int i = 0; i < n; i++)
            is_kept |= idx[i] == f;
        if (!is_kept)
            skip[k++] = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, f));
    }
    skip[k] = "OGR_STYLE";
    OGR_L_SetIgnoredFields(s->lyr, skip);
    free(skip);
}

static char *dup_field(OGRFeatureH f, int idx)
{
    const char *v = (idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx)) ? OGR_F_GetFieldAsString(f, idx) : "";
    return strdup(v);
}

/* A one-line error naming file, layer and feature. */
static int feature_error(gr_error_t *err, int code, const src_t *s, OGRFeatureH f,
                         const char *problem)
{
    return gr_error_set(err, code, "%s layer '%s' feature %lld: %s", s->path, s->name,
                        (long long)OGR_F_GetFID(f), problem);
}

/* The next feature, or NULL at the end of the layer or on a read error,
 * which sets *rc. A truncated or corrupt .shp or .dbf makes the driver
 * report an error and then hand back a feature without geometry or stop
 * early; neither may pass for an empty geometry or the end of the data. */
static OGRFeatureH next_feature(src_t *s, int *rc, gr_error_t *err)
{
    CPLErrorReset();
    OGRFeatureH f = OGR_L_GetNextFeature(s->lyr);
    if (CPLGetLastErrorType() >= CE_Failure) {
        long long fid = f ? (long long)OGR_F_GetFID(f) : (long long)s->last_fid + 1;
        *rc = gr_error_set(err, GR_EIO, "%s layer '%s' feature %lld: cannot read it, the file "
                           "is truncated or corrupt: %s", s->path, s->name, fid,
                           CPLGetLastErrorMsg());
        if (f)
            OGR_F_Destroy(f);
        return NULL;
    }
    if (f)
        s->last_fid = OGR_F_GetFID(f);
    return f;
}

/* ---- coordinates: finite, plausible, and placeable in the run CRS ---- */

typedef struct {
    double x, y;
    const char *why;
} bad_coord_t;

static bool coord_is_bad(const src_t *s, double x, double y, bad_coord_t *bad)
{
    const char *why = NULL;
    if (!isfinite(x) || !isfinite(y))
        why = "is not a finite number";
    else if (s->is_geographic && (fabs(x) > 180.0 || fabs(y) > 90.0))
        why = "is not a longitude/latitude, as the layer's geographic CRS says";
    else if (fabs(x) > COORD_LIMIT || fabs(y) > COORD_LIMIT)
        why = "is absurdly large (beyond 1e8)";
    if (why)
        *bad = (bad_coord_t){ x, y, why };
    return why != NULL;
}

static bool geom_has_bad_coord(const src_t *s, OGRGeometryH og, bad_coord_t *bad)
{
    int n_sub = OGR_G_GetGeometryCount(og);
    for (int i = 0; i < n_sub; i++)
        if (geom_has_bad_coord(s, OGR_G_GetGeometryRef(og, i), bad))
            return true;
    int n_pts = n_sub > 0 ? 0 : OGR_G_GetPointCount(og);
    for (int i = 0; i < n_pts; i++)
        if (coord_is_bad(s, OGR_G_GetX(og, i), OGR_G_GetY(og, i), bad))
            return true;
    return false;
}

/* Checks the feature's coordinates as read, before any transformation, so
 * the error names the feature and the value. */
static int check_coords(const src_t *s, OGRFeatureH f, OGRGeometryH og, gr_error_t *err)
{
    bad_coord_t bad;
    if (!geom_has_bad_coord(s, og, &bad))
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "coordinate (%g, %g) %s", bad.x, bad.y, bad.why);
    return feature_error(err, GR_EINPUT, s, f, msg);
}

static int unplaceable(gr_error_t *err, const src_t *s, OGRFeatureH f)
{
    return feature_error(err, GR_ECRS, s, f,
                         "coordinates cannot be transformed into the run CRS (outside its area?)");
}

/* Transforms feature f's n points into the run CRS in place. */
static int place_xy(const src_t *s, OGRFeatureH f, double *x, double *y, size_t n,
                    gr_error_t *err)
{
    gr_error_t ignored;
    bool ok = gr_transform_xy(s->tr, x, y, n, &ignored) == 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = fabs(x[i]) <= COORD_LIMIT && fabs(y[i]) <= COORD_LIMIT;
    return ok ? 0 : unplaceable(err, s, f);
}

/* ---- choosing the run CRS ---- */

static int probe_layer(src_t *s, gr_crs_probe_t *probe, gr_error_t *err)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (OSRSetFromUserInput(srs, s->src_def) != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        return gr_error_set(err, GR_ECRS, "%s layer '%s': unreadable CRS '%.80s'", s->path,
                            s->name, s->src_def);
    }
    probe->is_projected_metric = OSRIsProjected(srs) && fabs(OSRGetLinearUnits(srs, NULL) - 1.0) < 1e-9;
    OSRDestroySpatialReference(srs);
    OGREnvelope env;
    if (OGR_L_GetExtent(s->lyr, &env, 1) != OGRERR_NONE)
        return gr_error_set(err, GR_EINPUT, "%s layer '%s': no extent", s->path, s->name);
    double x = (env.MinX + env.MaxX) / 2.0, y = (env.MinY + env.MaxY) / 2.0;
    gr_crs_t *lonlat = NULL;
    gr_transform_t *tr = NULL;
    int rc = gr_crs_new("OGC:CRS84", &lonlat, err);
    if (!rc)
        rc = gr_transform_new(lonlat, s->src_def, &tr, err);
    if (!rc)
        rc = gr_transform_xy(tr, &x, &y, 1, err);
    probe->lon = x;
    probe->lat = y;
    gr_transform_free(tr);
    gr_crs_free(lonlat);
    return rc;
}

/* ---- geometry conversion ---- */

/* The geometry as 2D GEOS (curves linearised, Z and M dropped: GEOS and
 * the walking model are planar). NULL if GEOS cannot read it. */
static GEOSGeometry *ogr_to_geos(OGRGeometryH og, GEOSContextHandle_t gh)
{
    OGRGeometryH flat = OGR_G_HasCurveGeometry(og, 0) ? OGR_G_GetLinearGeometry(og, 0, NULL)
                                                      : OGR_G_Clone(og);
    if (!flat)
        return NULL;
    OGR_G_FlattenTo2D(flat);
    /* shapefiles in the wild leave rings open; the intended ring is clear */
    OGR_G_CloseRings(flat);
    size_t n = (size_t)OGR_G_WkbSize(flat);
    unsigned char *buf = malloc(n + 1);
    GEOSGeometry *g = NULL;
    if (buf && OGR_G_ExportToWkb(flat, wkbNDR, buf) == OGRERR_NONE)
        g = GEOSGeomFromWKB_buf_r(gh, buf, n);
    free(buf);
    OGR_G_DestroyGeometry(flat);
    return g;
}

static bool extent_is_plausible(GEOSContextHandle_t gh, const GEOSGeometry *g)
{
    double v[4];
    if (!GEOSGeom_getXMin_r(gh, g, &v[0]) || !GEOSGeom_getYMin_r(gh, g, &v[1]) ||
        !GEOSGeom_getXMax_r(gh, g, &v[2]) || !GEOSGeom_getYMax_r(gh, g, &v[3]))
        return false;
    for (int i = 0; i < 4; i++)
        if (!(fabs(v[i]) <= COORD_LIMIT))
            return false;
    return true;
}

static bool is_polygonal(OGRwkbGeometryType t)
{
    t = wkbFlatten(t);
    return t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon || t == wkbMultiSurface;
}

/* Polygons are repaired rather than rejected: council layers often have
 * small self-intersections and bow-ties. The "structure" method keeps the
 * result polygonal (a bow-tie becomes its two triangles) and drops parts
 * that collapse to lines, so a repaired site is still an area. Takes g. */
static GEOSGeometry *valid_polygon(GEOSContextHandle_t gh, GEOSGeometry *g, uint32_t *repaired)
{
    if (GEOSisValid_r(gh, g) == 1)
        return g;
    GEOSMakeValidParams *p = GEOSMakeValidParams_create_r(gh);
    GEOSGeometry *v = NULL;
    if (p && GEOSMakeValidParams_setMethod_r(gh, p, GEOS_MAKE_VALID_STRUCTURE) &&
        GEOSMakeValidParams_setKeepCollapsed_r(gh, p, 0))
        v = GEOSMakeValidWithParams_r(gh, g, p);
    GEOSMakeValidParams_destroy_r(gh, p);
    GEOSGeom_destroy_r(gh, g);
    if (v)
        (*repaired)++;
    return v;
}

/* The feature's polygon in the run CRS, valid (repairs counted in
 * *repaired). *out is NULL, with rc 0, when nothing of it has any area.
 * Errors name the feature. */
static int polygon_geos(const src_t *s, OGRFeatureH f, OGRGeometryH og, GEOSContextHandle_t gh,
                        uint32_t *repaired, GEOSGeometry **out, gr_error_t *err)
{
    *out = NULL;
    int rc = check_coords(s, f, og, err);
    if (rc)
        return rc;
    GEOSGeometry *g = ogr_to_geos(og, gh);
    if (!g)
        return feature_error(err, GR_EGEOM, s, f, "GEOS cannot read the polygon");
    GEOSGeometry *t = gr_transform_geom(s->tr, gh, g);
    GEOSGeom_destroy_r(gh, g);
    if (!t || !extent_is_plausible(gh, t)) {
        if (t)
            GEOSGeom_destroy_r(gh, t);
        return unplaceable(err, s, f);
    }
    t = valid_polygon(gh, t, repaired);
    if (!t)
        return feature_error(err, GR_EGEOM, s, f, "the invalid polygon cannot be repaired");
    if (GEOSisEmpty_r(gh, t) == 1)
        GEOSGeom_destroy_r(gh, t);
    else
        *out = t;
    return 0;
}

static int geom_type_error(gr_error_t *err, const src_t *s, OGRFeatureH f, OGRGeometryH og,
                           const char *expected)
{
    char msg[256];
    snprintf(msg, sizeof msg, "geometry is %s, expected %s",
             OGRGeometryTypeToName(OGR_G_GetGeometryType(og)), expected);
    return feature_error(err, GR_EINPUT, s, f, msg);
}

/* ---- growable arrays ---- */

static int grow(void **p, size_t elem, size_t need, size_t *cap)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* ---- wards ---- */

static int load_wards(const gr_config_t *cfg, src_t *s, GEOSContextHandle_t gh,
                      gr_dataset_t *ds, gr_error_t *err)
{
    int i_code, i_name, i_nbhd, rc;
    if ((rc = field_index(s, cfg->f_ward_code, true, &i_code, err)) ||
        (rc = field_index(s, cfg->f_ward_name, true, &i_name, err)) ||
        (rc = field_index(s, cfg->f_nbhd, false, &i_nbhd, err)))
        return rc;
    gr_wards_t *w = &ds->wards;
    size_t n = (size_t)OGR_L_GetFeatureCount(s->lyr, 1);
    w->geom = calloc(n, sizeof *w->geom);
    w->code = calloc(n, sizeof *w->code);
    w->name = calloc(n, sizeof *w->name);
    w->nbhd = calloc(n, sizeof *w->nbhd);
    if (!w->geom || !w->code || !w->name || !w->nbhd)
        return gr_error_set(err, GR_ENOMEM, "out of memory reading wards");
    OGR_L_ResetReading(s->lyr);
    for (OGRFeatureH f; rc == 0 && w->n < n && (f = next_feature(s, &rc, err));
         OGR_F_Destroy(f)) {
        OGRGeometryH og = OGR_F_GetGeometryRef(f);
        GEOSGeometry *g = NULL;
        /* a ward without area would silently lose its residents */
        if (!og || OGR_G_IsEmpty(og))
            rc = feature_error(err, GR_EINPUT, s, f, "ward has no geometry");
        else if (!is_polygonal(OGR_G_GetGeometryType(og)))
            rc = geom_type_error(err, s, f, og, "Polygon or MultiPolygon");
        else if (!(rc = polygon_geos(s, f, og, gh, &ds->stats.wards_repaired, &g, err)) && !g)
            rc = feature_error(err, GR_EINPUT, s, f, "ward polygon has no area");
        if (rc)
            continue;
        w->geom[w->n] = g;
        w->code[w->n] = dup_field(f, i_code);
        w->name[w->n] = dup_field(f, i_name);
        w->nbhd[w->n] = dup_field(f, i_nbhd);
        w->n++;
    }
    return rc;
}

/* ---- paths ---- */

typedef struct {
    size_t cap_lines, cap_xy;
} lines_cap_t;

/* Appends one line of 2+ vertices; returns 1 if added, 0 if it has fewer
 * (nothing to walk), -1 when out of memory. */
static int add_line(gr_lines_t *L, lines_cap_t *cap, OGRGeometryH line)
{
    int np = OGR_G_GetPointCount(line);
    if (np < 2)
        return 0;
    size_t base = L->start[L->n_lines], need = base + (size_t)np;
    if (need > cap->cap_xy) {
        size_t c = cap->cap_xy ? cap->cap_xy : 1024;
        while (c < need)
            c *= 2;
        double *x = realloc(L->x, c * sizeof *x);
        if (x)
            L->x = x;
        double *y = x ? realloc(L->y, c * sizeof *y) : NULL;
        if (!y)
            return -1;
        L->y = y;
        cap->cap_xy = c;
    }
    OGR_G_GetPoints(line, L->x + base, sizeof(double), L->y + base, sizeof(double), NULL, 0);
    if (grow((void **)&L->start, sizeof *L->start, L->n_lines + 2, &cap->cap_lines))
        return -1;
    L->n_lines++;
    L->start[L->n_lines] = (uint32_t)(base + (size_t)np);
    return 1;
}

/* Appends the feature's lines; returns how many, -1 when out of memory. */
static int add_path_geometry(gr_lines_t *L, lines_cap_t *cap, OGRGeometryH og)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(og));
    if (t == wkbLineString)
        return add_line(L, cap, og);
    int added = 0;
    for (int i = 0; i < OGR_G_GetGeometryCount(og); i++) {
        int k = add_line(L, cap, OGR_G_GetGeometryRef(og, i));
        if (k < 0)
            return -1;
        added += k;
    }
    return added;
}

static bool is_walkable(const gr_config_t *cfg, OGRFeatureH f, int i_highway)
{
    if (i_highway < 0 || !OGR_F_IsFieldSetAndNotNull(f, i_highway))
        return true;
    char norm[GR_NAME_MAX];
    gr_normalise_function(OGR_F_GetFieldAsString(f, i_highway), norm, sizeof norm);
    return !gr_list_contains(cfg->unwalkable, norm);
}

/* One path feature: checked, appended and transformed into the run CRS
 * (feature by feature, so a failure names the feature). */
static int load_path_feature(const gr_config_t *cfg, src_t *s, OGRFeatureH f, int i_highway,
                             lines_cap_t *cap, gr_dataset_t *ds, gr_error_t *err)
{
    gr_lines_t *L = &ds->paths;
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    if (!og || OGR_G_IsEmpty(og)) {
        ds->stats.paths_empty++;
        return 0;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(og));
    if (t != wkbLineString && t != wkbMultiLineString)
        return geom_type_error(err, s, f, og, "LineString or MultiLineString");
    if (!is_walkable(cfg, f, i_highway)) {
        ds->stats.paths_unwalkable++;
        return 0;
    }
    int rc = check_coords(s, f, og, err);
    if (rc)
        return rc;
    uint32_t base = L->start[L->n_lines];
    int added = add_path_geometry(L, cap, og);
    if (added < 0)
        return gr_error_set(err, GR_ENOMEM, "out of memory reading paths");
    /* a line of one point (or of empty parts) has nothing to walk */
    if (added == 0) {
        ds->stats.paths_empty++;
        return 0;   /* nothing to place (and L->x may still be NULL) */
    }
    uint32_t end = L->start[L->n_lines];
    return place_xy(s, f, L->x + base, L->y + base, end - base, err);
}

static int load_paths(const gr_config_t *cfg, src_t *s, gr_dataset_t *ds, gr_error_t *err)
{
    int i_highway, rc;
    if ((rc = field_index(s, cfg->f_highway, false, &i_highway, err)))
        return rc;
    read_only_fields(s, &i_highway, 1);
    gr_lines_t *L = &ds->paths;
    lines_cap_t cap = {0};
    if (grow((void **)&L->start, sizeof *L->start, 1, &cap.cap_lines))
        return gr_error_set(err, GR_ENOMEM, "out of memory reading paths");
    L->start[0] = 0;
    OGR_L_ResetReading(s->lyr);
    for (OGRFeatureH f; rc == 0 && (f = next_feature(s, &rc, err)); OGR_F_Destroy(f))
        rc = load_path_feature(cfg, s, f, i_highway, &cap, ds, err);
    if (rc == 0 && L->n_lines == 0)
        rc = gr_error_set(err, GR_EINPUT, "%s layer '%s': no walkable paths", s->path, s->name);
    return rc;
}

/* ---- green-space sites ---- */

static char *normalised_field(OGRFeatureH f, int idx)
{
    char buf[GR_NAME_MAX];
    const char *v = (idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx)) ? OGR_F_GetFieldAsString(f, idx) : "";
    gr_normalise_function(v, buf, sizeof buf);
    return strdup(buf);
}

typedef struct {
    const char *id;
    uint32_t site;
} id_entry_t;

static int cmp_id(const void *a, const void *b)
{
    const id_entry_t *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->site > y->site) - (x->site < y->site);
}

/* The sites sorted by id (for lookups by id); the caller frees it. With
 * fid (the features' ids, per site) a repeated non-blank id is an error
 * naming both features: access points and outputs name sites by id, so a
 * repeat would hang entrances on the wrong site. Blank ids may repeat:
 * such sites are entered through their geometry only. */
static int site_index(const src_t *s, const gr_sites_t *S, const int64_t *fid,
                      id_entry_t **out, gr_error_t *err)
{
    id_entry_t *index = malloc(((size_t)S->n + 1) * sizeof *index);
    if (!index)
        return gr_error_set(err, GR_ENOMEM, "out of memory indexing site ids");
    for (uint32_t i = 0; i < S->n; i++)
        index[i] = (id_entry_t){ S->site_id[i], i };
    qsort(index, S->n, sizeof *index, cmp_id);
    for (uint32_t i = 1; fid && i < S->n; i++) {
        if (index[i].id[0] && strcmp(index[i].id, index[i - 1].id) == 0) {
            int rc = gr_error_set(err, GR_EINPUT,
                                  "%s layer '%s' feature %lld: site id '%.80s' repeats feature "
                                  "%lld's; site ids must be unique", s->path, s->name,
                                  (long long)fid[index[i].site], index[i].id,
                                  (long long)fid[index[i - 1].site]);
            free(index);
            return rc;
        }
    }
    *out = index;
    return 0;
}

/* A candidate site given as a point: placed in the run CRS. */
static int point_geos(const src_t *s, OGRFeatureH f, OGRGeometryH og, GEOSContextHandle_t gh,
                      GEOSGeometry **out, gr_error_t *err)
{
    double x = OGR_G_GetX(og, 0), y = OGR_G_GetY(og, 0);
    int rc = check_coords(s, f, og, err);
    if (!rc)
        rc = place_xy(s, f, &x, &y, 1, err);
    if (!rc && !(*out = GEOSGeom_createPointFromXY_r(gh, x, y)))
        rc = feature_error(err, GR_EGEOM, s, f, "GEOS cannot make the point");
    return rc;
}

/* Candidates need no id field: one without an id is named "#<fid>". */
static char *site_id_or_fid(OGRFeatureH f, int idx, bool is_candidate)
{
    if (!is_candidate || (idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, idx)))
        return dup_field(f, idx);
    char buf[32];
    snprintf(buf, sizeof buf, "#%lld", (long long)OGR_F_GetFID(f));
    return strdup(buf);
}

static int add_site(src_t *s, OGRFeatureH f, const int *fields, GEOSContextHandle_t gh,
                    gr_dataset_t *ds, gr_error_t *err)
{
    gr_sites_t *S = &ds->sites;
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    GEOSGeometry *g = NULL;
    bool is_point = og && wkbFlatten(OGR_G_GetGeometryType(og)) == wkbPoint;
    if (og && !OGR_G_IsEmpty(og) && !is_polygonal(OGR_G_GetGeometryType(og)) &&
        !(is_point && ds->is_candidates))
        return geom_type_error(err, s, f, og, ds->is_candidates ? "Point or Polygon"
                                                                : "Polygon or MultiPolygon");
    if (og && !OGR_G_IsEmpty(og)) {
        int rc = is_point ? point_geos(s, f, og, gh, &g, err)
                          : polygon_geos(s, f, og, gh, &ds->stats.sites_repaired, &g, err);
        if (rc)
            return rc;
    }
    /* null, empty, or collapsed to no area when repaired */
    if (!g) {
        ds->stats.sites_empty++;
        return 0;
    }
    S->geom[S->n] = g;
    S->site_id[S->n] = site_id_or_fid(f, fields[0], ds->is_candidates);
    S->function[S->n] = normalised_field(f, fields[1]);
    S->play_class[S->n] = dup_field(f, fields[2]);
    GEOSArea_r(gh, g, &S->area_m2[S->n]);
    S->n++;
    return 0;
}

static int load_sites(const gr_config_t *cfg, src_t *s, GEOSContextHandle_t gh,
                      gr_dataset_t *ds, gr_error_t *err)
{
    int fields[3], rc;
    bool is_required = !ds->is_candidates;
    if ((rc = field_index(s, cfg->f_site_id, is_required, &fields[0], err)) ||
        (rc = field_index(s, cfg->f_function, is_required, &fields[1], err)) ||
        (rc = field_index(s, cfg->f_play_class, false, &fields[2], err)))
        return rc;
    read_only_fields(s, fields, 3);
    gr_sites_t *S = &ds->sites;
    size_t n = (size_t)OGR_L_GetFeatureCount(s->lyr, 1);
    S->geom = calloc(n, sizeof *S->geom);
    S->site_id = calloc(n, sizeof *S->site_id);
    S->function = calloc(n, sizeof *S->function);
    S->play_class = calloc(n, sizeof *S->play_class);
    S->area_m2 = calloc(n, sizeof *S->area_m2);
    int64_t *fid = malloc(n * sizeof *fid);
    if (!S->geom || !S->site_id || !S->function || !S->play_class || !S->area_m2 || !fid) {
        free(fid);
        return gr_error_set(err, GR_ENOMEM, "out of memory reading sites");
    }
    OGR_L_ResetReading(s->lyr);
    for (OGRFeatureH f; rc == 0 && S->n < n && (f = next_feature(s, &rc, err));
         OGR_F_Destroy(f)) {
        fid[S->n] = (int64_t)OGR_F_GetFID(f);
        rc = add_site(s, f, fields, gh, ds, err);
    }
    id_entry_t *index = NULL;
    if (rc == 0 && S->n == 0)
        rc = gr_error_set(err, GR_EINPUT, "%s layer '%s': no site has a %s", s->path,
                          s->name, ds->is_candidates ? "point or polygon" : "polygon");
    if (rc == 0)
        rc = site_index(s, S, fid, &index, err);
    free(index);
    free(fid);
    return rc;
}

/* ---- access points ---- */

static int cmp_id_key(const void *key, const void *entry)
{
    return strcmp(((const id_entry_t *)key)->id, ((const id_entry_t *)entry)->id);
}

/* Site index of an access point: by its site id when it has one, else the
 * nearest site within assign_m (entrance layers such as OS Open Greenspace
 * access points carry no site id). */
static uint32_t match_site(const gr_dataset_t *ds, const id_entry_t *ids, const char *id,
                           double x, double y, double assign_m, GEOSContextHandle_t gh)
{
    if (id && id[0]) {
        id_entry_t key = { id, 0 };
        const id_entry_t *hit = bsearch(&key, ids, ds->sites.n, sizeof *ids, cmp_id_key);
        return hit ? hit->site : GR_NONE;
    }
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(gh, x, y);
    uint32_t best = GR_NONE;
    double best_d = assign_m;
    for (uint32_t i = 0; pt && i < ds->sites.n; i++) {
        double d;
        if (GEOSDistance_r(gh, pt, ds->sites.geom[i], &d) == 1 && d <= best_d) {
            best_d = d;
            best = i;
        }
    }
    GEOSGeom_destroy_r(gh, pt);
    return best;
}

/* Reads the points (transformed into the run CRS) and their site ids. A
 * point without geometry cannot be an entrance to anything: it is counted
 * as unassigned. */
static int read_access_points(src_t *s, int i_id, gr_dataset_t *ds, char ***ids_out,
                              gr_error_t *err)
{
    gr_access_t *A = &ds->access;
    size_t n = (size_t)OGR_L_GetFeatureCount(s->lyr, 1), k = 0;
    A->x = malloc(n * sizeof *A->x + 1);
    A->y = malloc(n * sizeof *A->y + 1);
    A->site = malloc(n * sizeof *A->site + 1);
    char **ids = calloc(n + 1, sizeof *ids);
    *ids_out = ids;
    if (!A->x || !A->y || !A->site || !ids)
        return gr_error_set(err, GR_ENOMEM, "out of memory reading access points");
    int rc = 0;
    OGR_L_ResetReading(s->lyr);
    for (OGRFeatureH f; rc == 0 && k < n && (f = next_feature(s, &rc, err)); OGR_F_Destroy(f)) {
        OGRGeometryH og = OGR_F_GetGeometryRef(f);
        if (!og || OGR_G_IsEmpty(og)) {
            ds->stats.access_unassigned++;
            continue;
        }
        if (wkbFlatten(OGR_G_GetGeometryType(og)) != wkbPoint)
            rc = geom_type_error(err, s, f, og, "Point");
        if (!rc && !(rc = check_coords(s, f, og, err))) {
            A->x[k] = OGR_G_GetX(og, 0);
            A->y[k] = OGR_G_GetY(og, 0);
            rc = place_xy(s, f, &A->x[k], &A->y[k], 1, err);
        }
        if (!rc)
            ids[k++] = dup_field(f, i_id);
    }
    A->n = (uint32_t)k;
    return rc;
}

static int load_access(const gr_config_t *cfg, src_t *s, GEOSContextHandle_t gh,
                       gr_dataset_t *ds, gr_error_t *err)
{
    int i_id, rc;
    if ((rc = field_index(s, cfg->f_access_site_id, false, &i_id, err)))
        return rc;
    char **ids = NULL;
    id_entry_t *index = NULL;
    rc = site_index(s, &ds->sites, NULL, &index, err);
    if (!rc)
        rc = read_access_points(s, i_id, ds, &ids, err);
    for (uint32_t i = 0; rc == 0 && i < ds->access.n; i++) {
        ds->access.site[i] = match_site(ds, index, ids[i], ds->access.x[i], ds->access.y[i],
                                        cfg->access_assign_m, gh);
        if (ds->access.site[i] == GR_NONE)
            ds->stats.access_unassigned++;
    }
    for (uint32_t i = 0; ids && i < ds->access.n; i++)
        free(ids[i]);
    free(ids);
    free(index);
    return rc;
}

/* ---- residents ---- */

/* A resident's location: the point itself, or a point on the surface of a
 * zone polygon (a centroid can fall outside a concave zone). */
static int resident_xy(const src_t *s, OGRFeatureH f, OGRGeometryH og, double *x, double *y,
                       gr_error_t *err)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(og));
    if (t != wkbPoint && !is_polygonal(t))
        return geom_type_error(err, s, f, og, "Point or Polygon");
    int rc = check_coords(s, f, og, err);
    if (rc)
        return rc;
    if (t == wkbPoint) {
        *x = OGR_G_GetX(og, 0);
        *y = OGR_G_GetY(og, 0);
    } else {
        OGRGeometryH p = OGR_G_PointOnSurface(og);
        if (!p || OGR_G_IsEmpty(p)) {
            OGR_G_DestroyGeometry(p);
            return feature_error(err, GR_EGEOM, s, f, "no point on the zone's surface");
        }
        *x = OGR_G_GetX(p, 0);
        *y = OGR_G_GetY(p, 0);
        OGR_G_DestroyGeometry(p);
    }
    return place_xy(s, f, x, y, 1, err);
}

static int resident_pop(const src_t *s, OGRFeatureH f, int i_pop, double *pop, gr_error_t *err)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i_pop))
        return feature_error(err, GR_EINPUT, s, f, "population is blank");
    *pop = OGR_F_GetFieldAsDouble(f, i_pop);
    if (!isfinite(*pop) || *pop < 0)
        return feature_error(err, GR_EINPUT, s, f, "population is negative or not a number");
    /* more people than live on Earth at one point: a units or field error */
    if (*pop > 1e10)
        return feature_error(err, GR_EINPUT, s, f, "population is implausibly large");
    return 0;
}

static float resident_no_car(OGRFeatureH f, int i_car)
{
    if (i_car < 0 || !OGR_F_IsFieldSetAndNotNull(f, i_car))
        return NAN;
    double v = OGR_F_GetFieldAsDouble(f, i_car);
    return (v >= 0.0 && v <= 1.0) ? (float)v : NAN;
}

/* A zone's polygon in the run CRS, kept for the dasymetric stage (only
 * when a homes layer is configured). A zone that collapses when repaired
 * keeps only its point. */
static int resident_zone(const src_t *s, OGRFeatureH f, OGRGeometryH og, GEOSContextHandle_t gh,
                         gr_dataset_t *ds, uint32_t k, uint32_t *n_zones, gr_error_t *err)
{
    gr_residents_t *R = &ds->residents;
    if (!R->zone || !is_polygonal(OGR_G_GetGeometryType(og)))
        return 0;
    int rc = polygon_geos(s, f, og, gh, &ds->stats.zones_repaired, &R->zone[k], err);
    *n_zones += R->zone[k] != NULL;
    return rc;
}

static int alloc_residents(gr_residents_t *R, size_t n, bool has_zones, gr_error_t *err)
{
    R->x = malloc(n * sizeof *R->x + 1);
    R->y = malloc(n * sizeof *R->y + 1);
    R->pop = malloc(n * sizeof *R->pop + 1);
    R->no_car_share = malloc(n * sizeof *R->no_car_share + 1);
    R->fid = malloc(n * sizeof *R->fid + 1);
    R->home_fid = malloc(n * sizeof *R->home_fid + 1);
    R->zone = has_zones ? calloc(n + 1, sizeof *R->zone) : NULL;
    if (!R->x || !R->y || !R->pop || !R->no_car_share || !R->fid || !R->home_fid ||
        (has_zones && !R->zone))
        return gr_error_set(err, GR_ENOMEM, "out of memory reading residents");
    return 0;
}

static int load_residents(const gr_config_t *cfg, src_t *s, GEOSContextHandle_t gh,
                          gr_dataset_t *ds, gr_error_t *err)
{
    int i_pop, i_car, rc;
    if ((rc = numeric_field(s, cfg->f_population, true, &i_pop, err)) ||
        (rc = numeric_field(s, cfg->f_no_car_share, false, &i_car, err)))
        return rc;
    read_only_fields(s, (int[]){ i_pop, i_car }, 2);
    gr_residents_t *R = &ds->residents;
    size_t n = (size_t)OGR_L_GetFeatureCount(s->lyr, 1);
    uint32_t n_zones = 0;
    if ((rc = alloc_residents(R, n, cfg->homes.path[0] != '\0', err)))
        return rc;
    OGR_L_ResetReading(s->lyr);
    for (OGRFeatureH f; rc == 0 && R->n < n && (f = next_feature(s, &rc, err));
         OGR_F_Destroy(f)) {
        OGRGeometryH og = OGR_F_GetGeometryRef(f);
        uint32_t k = R->n;
        if (!og || OGR_G_IsEmpty(og)) {
            ds->stats.residents_empty++;
            continue;
        }
        rc = resident_xy(s, f, og, &R->x[k], &R->y[k], err);
        if (!rc)
            rc = resident_pop(s, f, i_pop, &R->pop[k], err);
        if (!rc)
            rc = resident_zone(s, f, og, gh, ds, k, &n_zones, err);
        if (rc)
            continue;
        ds->stats.residents_zero_pop += R->pop[k] == 0.0;
        R->no_car_share[k] = resident_no_car(f, i_car);
        R->fid[k] = (int64_t)OGR_F_GetFID(f);
        R->home_fid[k] = -1;
        R->n++;
    }
    if (rc == 0 && R->n == 0)
        rc = gr_error_set(err, GR_EINPUT, "%s layer '%s': no resident has a location", s->path,
                          s->name);
    /* homes only place the people of zones: with point residents they
     * would silently do nothing */
    if (rc == 0 && R->zone && n_zones == 0)
        rc = gr_error_set(err, GR_EINPUT, "%s layer '%s': a homes layer is configured but no "
                          "resident is a zone (polygon) to spread over homes", s->path, s->name);
    return rc;
}

/* ---- homes (the where-people-live layer) ---- */

static int home_weight(const src_t *s, OGRFeatureH f, int i_w, double *w, gr_error_t *err)
{
    *w = 1.0;
    if (i_w < 0)
        return 0;
    if (!OGR_F_IsFieldSetAndNotNull(f, i_w))
        return feature_error(err, GR_EINPUT, s, f, "home weight is blank");
    *w = OGR_F_GetFieldAsDouble(f, i_w);
    if (!isfinite(*w) || *w < 0)
        return feature_error(err, GR_EINPUT, s, f, "home weight is negative or not a number");
    return 0;
}

static int add_home(gr_homes_t *H, size_t *cap, double x, double y, double w, int64_t fid,
                    gr_error_t *err)
{
    size_t c[4] = { *cap, *cap, *cap, *cap };
    if (grow((void **)&H->x, sizeof *H->x, H->n + 1, &c[0]) ||
        grow((void **)&H->y, sizeof *H->y, H->n + 1, &c[1]) ||
        grow((void **)&H->weight, sizeof *H->weight, H->n + 1, &c[2]) ||
        grow((void **)&H->fid, sizeof *H->fid, H->n + 1, &c[3]))
        return gr_error_set(err, GR_ENOMEM, "out of memory reading homes");
    *cap = c[0];
    H->x[H->n] = x;
    H->y[H->n] = y;
    H->weight[H->n] = w;
    H->fid[H->n++] = fid;
    return 0;
}

static int homes_filter(const gr_config_t *cfg, src_t *s, gr_error_t *err)
{
    if (!cfg->homes_where[0])
        return 0;
    CPLErrorReset();
    if (OGR_L_SetAttributeFilter(s->lyr, cfg->homes_where) != OGRERR_NONE)
        return gr_error_set(err, GR_ECONFIG, "%s layer '%s': [homes] where '%.200s' is not a "
                            "valid filter: %s", s->path, s->name, cfg->homes_where,
                            CPLGetLastErrorMsg());
    return 0;
}

/* Features are counted as they are read: the count of a filtered layer
 * (or of an OSM file) would cost a whole extra pass. */
static int load_homes(const gr_config_t *cfg, src_t *s, GEOSContextHandle_t gh,
                      gr_dataset_t *ds, gr_error_t *err)
{
    (void)gh;
    int i_w, rc;
    if ((rc = numeric_field(s, cfg->f_home_weight, cfg->f_home_weight[0] != '\0', &i_w, err)) ||
        (rc = homes_filter(cfg, s, err)))
        return rc;
    /* a filter may name any field: skipping fields only without one */
    if (!cfg->homes_where[0])
        read_only_fields(s, &i_w, 1);
    gr_homes_t *H = &ds->homes;
    size_t cap = 0;
    OGR_L_ResetReading(s->lyr);
    for (OGRFeatureH f; rc == 0 && (f = next_feature(s, &rc, err)); OGR_F_Destroy(f)) {
        OGRGeometryH og = OGR_F_GetGeometryRef(f);
        double x, y, w;
        if (!og || OGR_G_IsEmpty(og)) {
            ds->stats.homes_empty++;
            continue;
        }
        if (!(rc = resident_xy(s, f, og, &x, &y, err)) &&
            !(rc = home_weight(s, f, i_w, &w, err)))
            rc = add_home(H, &cap, x, y, w, (int64_t)OGR_F_GetFID(f), err);
    }
    if (rc == 0 && H->n == 0)
        rc = gr_error_set(err, GR_EINPUT, "%s layer '%s': no home has a location%s", s->path,
                          s->name, cfg->homes_where[0] ? " (or matches [homes] where)" : "");
    return rc;
}

/* ---- the whole dataset ---- */

typedef int (*layer_loader_fn)(const gr_config_t *, src_t *, GEOSContextHandle_t,
                               gr_dataset_t *, gr_error_t *);

static int load_paths_adapter(const gr_config_t *cfg, src_t *s, GEOSContextHandle_t gh,
                              gr_dataset_t *ds, gr_error_t *err)
{
    (void)gh;
    return load_paths(cfg, s, ds, err);
}

/* Opens one layer, sets up its transformation into the run CRS (choosing
 * that CRS from the first layer when the user named none) and reads it. */
static int load_one(const gr_config_t *cfg, const gr_layer_spec_t *spec, const char *role,
                    layer_loader_fn fn, gr_crs_t **crs, GEOSContextHandle_t gh,
                    gr_dataset_t *ds, gr_error_t *err)
{
    src_t s;
    int rc = open_layer(spec, role, &s, err);
    if (rc)
        return rc;
    rc = layer_crs(&s, spec, err);
    if (!rc && !*crs) {
        gr_crs_probe_t probe;
        rc = probe_layer(&s, &probe, err);
        if (!rc && !ds->crs_def[0])
            gr_crs_choose(&probe, s.src_def, ds->crs_def, sizeof ds->crs_def);
        if (!rc)
            rc = gr_crs_new(ds->crs_def, crs, err);
        if (!rc && !gr_crs_is_metric(*crs))
            rc = gr_error_set(err, GR_ECRS, "run CRS '%.60s' is not projected in metres",
                              ds->crs_def);
    }
    if (!rc && gr_transform_new(*crs, s.src_def, &s.tr, err))
        rc = gr_error_set(err, GR_ECRS, "%s layer '%s': %s", s.path, s.name, err->msg);
    if (!rc)
        rc = fn(cfg, &s, gh, ds, err);
    src_close(&s);
    return rc;
}

/* Reads the layers with a spec (NULL: skipped) into a new dataset in the
 * CRS crs_def (empty: chosen from the first layer). */
static int load_layers(const gr_config_t *cfg, const char *crs_def, GEOSContextHandle_t gh,
                       int n, const gr_layer_spec_t *const *specs, const char *const *roles,
                       const layer_loader_fn *fns, bool is_candidates, gr_dataset_t **out,
                       gr_error_t *err)
{
    *out = NULL;
    gr_dataset_t *ds = calloc(1, sizeof *ds);
    if (!ds)
        return gr_error_set(err, GR_ENOMEM, "out of memory");
    ds->is_candidates = is_candidates;
    snprintf(ds->crs_def, sizeof ds->crs_def, "%s", crs_def);
    gr_crs_t *crs = NULL;
    int rc = 0;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    for (int k = 0; !rc && k < n; k++)
        if (specs[k])
            rc = load_one(cfg, specs[k], roles[k], fns[k], &crs, gh, ds, err);
    CPLPopErrorHandler();
    gr_crs_free(crs);
    if (rc) {
        gr_dataset_free(ds, gh);
        return rc;
    }
    *out = ds;
    return 0;
}

int gr_load_dataset(const gr_config_t *cfg, GEOSContextHandle_t gh, gr_dataset_t **out,
                    gr_error_t *err)
{
    const gr_layer_spec_t *specs[] = { &cfg->wards, &cfg->paths, &cfg->greenspaces,
                                       cfg->access_points.path[0] ? &cfg->access_points : NULL,
                                       &cfg->residents, cfg->homes.path[0] ? &cfg->homes : NULL };
    static const char *const roles[] = { "wards", "paths", "greenspaces", "access points",
                                         "residents", "homes" };
    static const layer_loader_fn fns[] = { load_wards, load_paths_adapter, load_sites,
                                           load_access, load_residents, load_homes };
    return load_layers(cfg, cfg->target_crs, gh, 6, specs, roles, fns, false, out, err);
}

int gr_load_candidates(const gr_config_t *cfg, const char *crs_def, const gr_layer_spec_t *sites,
                       const gr_layer_spec_t *access, GEOSContextHandle_t gh,
                       gr_dataset_t **out, gr_error_t *err)
{
    const gr_layer_spec_t *specs[2] = { sites, access };
    static const char *const roles[2] = { "candidate sites", "candidate entrances" };
    static const layer_loader_fn fns[2] = { load_sites, load_access };
    return load_layers(cfg, crs_def, gh, 2, specs, roles, fns, true, out, err);
}

int gr_load_new_paths(const gr_config_t *cfg, const char *crs_def, const gr_layer_spec_t *paths,
                      GEOSContextHandle_t gh, gr_dataset_t **out, gr_error_t *err)
{
    const gr_layer_spec_t *specs[1] = { paths };
    static const char *const roles[1] = { "new paths" };
    static const layer_loader_fn fns[1] = { load_paths_adapter };
    return load_layers(cfg, crs_def, gh, 1, specs, roles, fns, false, out, err);
}

static void free_geoms(GEOSContextHandle_t gh, GEOSGeometry **g, uint32_t n)
{
    for (uint32_t i = 0; g && i < n; i++)
        GEOSGeom_destroy_r(gh, g[i]);
    free(g);
}

static void free_strings(char **s, uint32_t n)
{
    for (uint32_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

void gr_dataset_free(gr_dataset_t *ds, GEOSContextHandle_t gh)
{
    if (!ds)
        return;
    free_geoms(gh, ds->wards.geom, ds->wards.n);
    free_strings(ds->wards.code, ds->wards.n);
    free_strings(ds->wards.name, ds->wards.n);
    free_strings(ds->wards.nbhd, ds->wards.n);
    free(ds->paths.start);
    free(ds->paths.x);
    free(ds->paths.y);
    free_geoms(gh, ds->sites.geom, ds->sites.n);
    free_strings(ds->sites.site_id, ds->sites.n);
    free_strings(ds->sites.function, ds->sites.n);
    free_strings(ds->sites.play_class, ds->sites.n);
    free(ds->sites.area_m2);
    free(ds->access.x);
    free(ds->access.y);
    free(ds->access.site);
    gr_residents_clear(&ds->residents, gh);
    free(ds->homes.x);
    free(ds->homes.y);
    free(ds->homes.weight);
    free(ds->homes.fid);
    free(ds);
}

void gr_residents_clear(gr_residents_t *r, GEOSContextHandle_t gh)
{
    for (uint32_t i = 0; r->zone && i < r->n; i++)
        if (r->zone[i])
            GEOSGeom_destroy_r(gh, r->zone[i]);
    free(r->zone);
    free(r->x);
    free(r->y);
    free(r->pop);
    free(r->no_car_share);
    free(r->fid);
    free(r->home_fid);
    memset(r, 0, sizeof *r);
}
